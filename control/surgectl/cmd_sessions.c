/* SPDX-License-Identifier: MIT */
/*
 * cmd_sessions.c - surgectl sessions [--user ID] [--addr IP] [--limit N],
 * sessions top [--limit N], sessions show ID, sessions kill ID: the live
 * sessions through the relay's "sessions ..." requests
 * (control/sessions_ctl.h).  Every argument is checked here, before the
 * relay is asked, so a typo exits 2 without a request.  A listing of a
 * large table is answered after the relay has looked at every slot, a
 * slice a round, so it waits longer than the other calls (LIST_TIMEOUT_MS).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

enum {
	LIMIT_MAX = 10000,             /* SG_LIST_LIMIT_MAX of the relay */
	LIST_TIMEOUT_MS = 30000,
};

/* The options of a listing into req (after what it holds); 0 or the usage exit code. */
static int options(int argc, char **argv, int top, char *req, size_t cap)
{
	unsigned char a[16];

	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		size_t n = strlen(req);

		if (strcmp(k, "--limit") && (top || (strcmp(k, "--user") && strcmp(k, "--addr"))))
			return sg_cmd_usage_error("sessions%s: unexpected '%s' (options: %s)",
						  top ? " top" : "", k,
						  top ? "--limit N" : "--user ID, --addr IP, --limit N");
		if (!v)
			return sg_cmd_usage_error("sessions: %s needs a value", k);
		if (!strcmp(k, "--limit") && !sg_ctl_number(v, LIMIT_MAX))
			return sg_cmd_usage_error("sessions: --limit '%s' is not in 1..%d", v,
						  LIMIT_MAX);
		if (!strcmp(k, "--user") && !sg_ctl_number(v, UINT64_MAX))
			return sg_cmd_usage_error("sessions: --user '%s' is not a user id (1, 2, ...)",
						  v);
		if (!strcmp(k, "--addr") && inet_pton(AF_INET, v, a) != 1 &&
		    inet_pton(AF_INET6, v, a) != 1)
			return sg_cmd_usage_error("sessions: --addr '%s' is not an IPv4 or IPv6 "
						  "address", v);
		if (n + strlen(k) + strlen(v) + 2 > cap - 1)
			return sg_cmd_usage_error("sessions: arguments too long");
		snprintf(req + n, cap - n, " %s %s", k + 2, v);
	}
	return SG_EXIT_OK;
}

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *sub = argc && argv[0][0] != '-' ? argv[0] : "list";
	const char *js = o->json ? " json" : "";
	char req[SG_CTL_LINE_MAX + 1];
	int top = !strcmp(sub, "top"), rc;

	if (!strcmp(sub, "list") || top) {
		int skip = argc && argv[0][0] != '-'; /* "list" may be written or not */

		snprintf(req, sizeof(req), "sessions %s%s", top ? "top" : "list", js);
		rc = options(argc - skip, argv + skip, top, req, sizeof(req));
		if (rc != SG_EXIT_OK)
			return rc;
		return sg_cmd_call_print(o, req, LIST_TIMEOUT_MS);
	}
	if (!strcmp(sub, "show") || !strcmp(sub, "kill")) {
		if (argc != 2)
			return sg_cmd_usage_error("sessions %s: expected one session id", sub);
		if (!sg_ctl_number(argv[1], 4294967295ull))
			return sg_cmd_usage_error("sessions %s: '%s' is not a session id (the SESSION "
						  "column of surgectl sessions)", sub, argv[1]);
		snprintf(req, sizeof(req), "sessions %s%s %s", sub, js, argv[1]);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	return sg_cmd_usage_error("sessions: unknown '%s' (expected: sessions [--user ID] "
				  "[--addr IP] [--limit N], sessions top, sessions show ID, "
				  "sessions kill ID)", sub);
}

const struct sg_cmd sg_cmd_sessions = {
	.name = "sessions",
	.run = run,
	.usage = { "sessions [OPTIONS]", "sessions top [--limit N]", "sessions show ID",
		   "sessions kill ID" },
	.help = { "live sessions: --user ID, --addr IP, --limit N (100; 1..10000)",
		  "the sessions with the most frames",
		  "one session in detail",
		  "end a session (CLOSE to the client, keys wiped)" },
};
