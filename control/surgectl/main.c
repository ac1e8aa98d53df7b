/* SPDX-License-Identifier: MIT */
/*
 * main.c - surgectl, the operator CLI: global options, the table of
 * subcommands (one file each, cmd.h) and the calls they share.
 *
 * Invariants:
 * - Global options (--socket PATH, --json) may stand before or after the
 *   subcommand; the socket is --socket, else $SURGE_SOCKET, else the default.
 * - Exit codes: 0 ok, 1 the relay answered an error, 2 usage, 3 the relay
 *   could not be reached (or did not answer in time).
 * - Every call is bounded by its timeout; nothing here waits without one.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

#define DEFAULT_SOCKET "/run/surge/relay.sock"

static const struct sg_cmd *const cmds[] = {
	&sg_cmd_help,
	&sg_cmd_status,
	&sg_cmd_stats,
	&sg_cmd_rules,
	&sg_cmd_config,
	&sg_cmd_sessions,
	&sg_cmd_users,
	&sg_cmd_mailbox,
	&sg_cmd_capture,
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f, "usage: surgectl [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		for (int k = 0; cmds[i]->usage[k]; k++)
			fprintf(f, "  %-34s %s\n", cmds[i]->usage[k], cmds[i]->help[k]);
	fprintf(f, "\noptions:\n"
		   "  --socket PATH          control socket (default $SURGE_SOCKET, else %s)\n"
		   "  --json                 machine-readable output\n"
		   "\nexit status: 0 ok, 1 the relay answered an error, 2 usage error,\n"
		   "3 the relay is not reachable\n",
		DEFAULT_SOCKET);
}

static int run_help(const struct sg_cmd_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return SG_EXIT_OK;
}

const struct sg_cmd sg_cmd_help = {
	.name = "help",
	.run = run_help,
	.usage = { "help" },
	.help = { "this text" },
};

int sg_cmd_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "surgectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (surgectl help for usage)\n"); /* one line: scripts read one */
	return SG_EXIT_USAGE;
}

int sg_cmd_call(const struct sg_cmd_opts *o, const char *request, int timeout_ms, char **body)
{
	char err[512];
	size_t len = 0;
	int rc = sg_ctl_call(o->socket, request, timeout_ms, body, &len, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "surgectl: cannot reach the relay: %s (is surge-relay running? "
				"--socket PATH)\n", err);
		return SG_EXIT_UNREACHABLE;
	}
	if (rc != SG_CTL_OK) {
		fprintf(stderr, "surgectl: %s\n", err);
		return SG_EXIT_RELAY;
	}
	return SG_EXIT_OK;
}

int sg_cmd_call_print(const struct sg_cmd_opts *o, const char *request, int timeout_ms)
{
	char *body = NULL;
	size_t len;
	int rc = sg_cmd_call(o, request, timeout_ms, &body);

	if (rc != SG_EXIT_OK)
		return rc;
	len = strlen(body);
	fwrite(body, 1, len, stdout);
	if (len && body[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	free(body);
	return SG_EXIT_OK;
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int sg_cmd_watch_sleep(unsigned s)
{
	static int armed;
	struct timespec ts = { (time_t)s, 0 };

	if (!armed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		armed = 1;
	}
	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return !interrupted;
}

int main(int argc, char **argv)
{
	struct sg_cmd_opts o = { .socket = getenv("SURGE_SOCKET"), .json = 0 };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const struct sg_cmd *cmd = NULL;
	int n = 0, rc;

	if (!rest) {
		fprintf(stderr, "surgectl: out of memory\n");
		return SG_EXIT_USAGE;
	}
	if (!o.socket || !o.socket[0])
		o.socket = DEFAULT_SOCKET;
	/* Pull the global options out wherever they stand; keep the rest in order. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			o.json = 1;
		} else if (strcmp(a, "--socket") == 0) {
			if (++i == argc) {
				free(rest);
				return sg_cmd_usage_error("--socket needs a path");
			}
			o.socket = argv[i];
		} else if (strncmp(a, "--socket=", 9) == 0) {
			o.socket = a + 9;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			rest[n++] = (char *)"help";
		} else {
			rest[n++] = argv[i];
		}
	}
	if (!o.socket[0] || strlen(o.socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		free(rest);
		return sg_cmd_usage_error("--socket: path empty or longer than 107 bytes: '%s'",
					  o.socket);
	}
	if (n == 0) {
		usage(stderr);
		free(rest);
		return SG_EXIT_USAGE;
	}
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(cmds[i]->name, rest[0]) == 0)
			cmd = cmds[i];
	if (!cmd)
		rc = sg_cmd_usage_error("unknown command '%s'", rest[0]);
	else
		rc = cmd->run(&o, n - 1, rest + 1);
	free(rest);
	return rc;
}
