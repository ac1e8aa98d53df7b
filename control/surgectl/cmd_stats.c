/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c - surgectl stats [--watch N]: the relay's counters, once or
 * every N seconds until interrupted (a live view on a terminal: the screen
 * is cleared between answers; never in --json mode).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/surgectl/cmd.h"

enum { WATCH_MAX_S = 86400 };

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *req = o->json ? "stats json" : "stats";
	unsigned long watch = 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--watch") != 0)
			return sg_cmd_usage_error("stats: unexpected argument '%s'", argv[i]);
		if (++i == argc)
			return sg_cmd_usage_error("stats: --watch needs a number of seconds");
		errno = 0;
		watch = strtoul(argv[i], &end, 10);
		if (argv[i][0] < '0' || argv[i][0] > '9' || *end || errno || watch < 1 ||
		    watch > WATCH_MAX_S)
			return sg_cmd_usage_error("stats: --watch wants 1..86400 seconds, not '%s'",
						  argv[i]);
	}
	if (!watch)
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	do {
		if (!o->json && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout); /* home, clear: a live view */
		rc = sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
		if (rc)
			return rc;
	} while (sg_cmd_watch_sleep((unsigned)watch));
	return SG_EXIT_OK;
}

const struct sg_cmd sg_cmd_stats = {
	.name = "stats",
	.run = run,
	.usage = { "stats [--watch N]" },
	.help = { "counters; --watch repeats every N s" },
};
