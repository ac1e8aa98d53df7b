/* SPDX-License-Identifier: MIT */
/*
 * cmd_mailbox.c - surgectl mailbox, mailbox show USER, mailbox
 * purge-expired: the mailboxes through the relay's "mailbox ..." requests
 * (control/sessions_ctl.h).  purge-expired is answered after the relay's
 * commit (an fsync), so it waits as long as a rules change may.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *js = o->json ? " json" : "";
	char req[SG_CTL_LINE_MAX + 1];

	if (argc == 0) {
		snprintf(req, sizeof(req), "mailbox totals%s", js);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(argv[0], "show") && argc == 2) {
		if (!sg_ctl_number(argv[1], UINT64_MAX))
			return sg_cmd_usage_error("mailbox show: '%s' is not a user id (1, 2, ...)",
						  argv[1]);
		snprintf(req, sizeof(req), "mailbox show%s %s", js, argv[1]);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(argv[0], "purge-expired") && argc == 1) {
		snprintf(req, sizeof(req), "mailbox purge-expired%s", js);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	return sg_cmd_usage_error("mailbox: expected 'mailbox', 'mailbox show USER' or "
				  "'mailbox purge-expired'");
}

const struct sg_cmd sg_cmd_mailbox = {
	.name = "mailbox",
	.run = run,
	.usage = { "mailbox", "mailbox show USER", "mailbox purge-expired" },
	.help = { "messages held, users with mail, expiry span",
		  "one user's mailbox: depth, expiry span",
		  "delete the expired messages now; how many" },
};
