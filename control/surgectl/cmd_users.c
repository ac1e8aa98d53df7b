/* SPDX-License-Identifier: MIT */
/*
 * cmd_users.c - surgectl users, users show ID, users lookup KEY: registered
 * users through the relay's "users ..." requests (control/sessions_ctl.h).
 * KEY is a user's public key as surge-chat --genkey prints it (44 base64
 * characters), checked here before the relay is asked.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"
#include "crypto/keys.h"
#include "proto/status.h"

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *sub = argc ? argv[0] : "count";
	const char *js = o->json ? " json" : "";
	char req[SG_CTL_LINE_MAX + 1];
	uint8_t pub[SG_KEY_LEN];

	if (argc == 0) {
		snprintf(req, sizeof(req), "users count%s", js);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "show") && argc == 2) {
		if (!sg_ctl_number(argv[1], UINT64_MAX))
			return sg_cmd_usage_error("users show: '%s' is not a user id (1, 2, ...)",
						  argv[1]);
		snprintf(req, sizeof(req), "users show%s %s", js, argv[1]);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "lookup") && argc == 2) {
		if (sg_key_from_base64(pub, argv[1]) != SG_OK)
			return sg_cmd_usage_error("users lookup: '%s' is not a public key (44 base64 "
						  "characters, as surge-chat --genkey prints it)",
						  argv[1]);
		snprintf(req, sizeof(req), "users lookup%s %s", js, argv[1]);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	return sg_cmd_usage_error("users: expected 'users', 'users show ID' or 'users lookup KEY'");
}

const struct sg_cmd sg_cmd_users = {
	.name = "users",
	.run = run,
	.usage = { "users", "users show ID", "users lookup KEY" },
	.help = { "users registered, capacity, online",
		  "one user: key, sign-up, last seen, session, mailbox",
		  "the same, by public key (as surge-chat --genkey prints it)" },
};
