/* SPDX-License-Identifier: MIT */
/*
 * verbs.c - the operator socket's table of verbs (control/ctl.h protocol):
 * one row per verb, its handler in the file of its concern.  The handler
 * gets the whole request (argv[0] is the verb) and answers with a ctl code;
 * SG_CTL_DEFER answers later (ctl.h).  docs/OPERATIONS.md lists them.
 */
#include <string.h>

#include "config_ctl.h"
#include "plane.h"
#include "sessions_ctl.h"

static const struct {
	const char *verb;
	int (*fn)(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);
} verbs[] = {
	{ "stats", sg_plane_ctl_stats },
	{ "status", sg_plane_ctl_status },
	{ "rules", sg_plane_policy_ctl },
	{ "config", sg_plane_config_ctl },
	{ "sessions", sg_plane_sessions_ctl },
	{ "users", sg_plane_users_ctl },
	{ "mailbox", sg_plane_mailbox_ctl },
};

int sg_plane_ctl_handle(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(r->argv[0], verbs[i].verb) == 0)
			return verbs[i].fn(ctx, r, b);
	sg_ctl_buf_printf(b, "unknown command '%s' (try:", r->argv[0]);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		sg_ctl_buf_printf(b, " %s", verbs[i].verb);
	sg_ctl_buf_printf(b, ")");
	return SG_CTL_E_VERB;
}
