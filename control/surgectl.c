/* SPDX-License-Identifier: MIT */
/*
 * surgectl.c - the operator CLI: one request over surge-relay's control
 * socket (control/ctl.h), the reply body printed as the relay wrote it.
 *
 * Invariants:
 * - Subcommands are rows of cmds[] (name, handler, usage); a handler gets
 *   the words after its name and returns the exit code.
 * - Global options (--socket PATH, --json) may stand before or after the
 *   subcommand; the socket is --socket, else $SURGE_SOCKET, else the default.
 * - Exit codes: 0 ok, 1 the relay answered an error, 2 usage, 3 the relay
 *   could not be reached (or did not answer in time).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/ctl.h"

enum {
	EXIT_RELAY = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
	CALL_TIMEOUT_MS = 5000,
	WATCH_MAX_S = 86400,
};

#define DEFAULT_SOCKET "/run/surge/relay.sock"

struct opts {
	const char *socket;
	int json;
};

struct cmd {
	const char *name;
	int (*run)(const struct opts *o, int argc, char **argv);
	const char *usage;
	const char *help;
};

static int cmd_help(const struct opts *o, int argc, char **argv);
static int cmd_stats(const struct opts *o, int argc, char **argv);
static int cmd_status(const struct opts *o, int argc, char **argv);
static int cmd_rules(const struct opts *o, int argc, char **argv);

static const struct cmd cmds[] = {
	{ "help", cmd_help, "help", "this text" },
	{ "stats", cmd_stats, "stats [--watch N]", "counters; --watch repeats every N s" },
	{ "status", cmd_status, "status", "the relay's state in short" },
	{ "rules", cmd_rules, "rules list", "the content policy's rules with their hits" },
	{ "rules", cmd_rules, "rules reload", "compile rules_file again and swap it in" },
	{ "rules", cmd_rules, "rules add ID ACTION FLAGS PATTERN",
	  "one rule more (a rules-file line; docs/POLICY.md)" },
	{ "rules", cmd_rules, "rules remove ID", "one rule less" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f, "usage: surgectl [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-34s %s\n", cmds[i].usage, cmds[i].help);
	fprintf(f, "\nA rules change compiles in the relay and is answered once in force; on\n"
		   "any error the rules in force stay.  add and remove change the rules in\n"
		   "force, not the file: the next reload from the file replaces them.\n"
		   "\noptions:\n"
		   "  --socket PATH          control socket (default $SURGE_SOCKET, else %s)\n"
		   "  --json                 machine-readable output\n"
		   "\nexit status: 0 ok, 1 the relay answered an error, 2 usage error,\n"
		   "3 the relay is not reachable\n",
		DEFAULT_SOCKET);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "surgectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(surgectl help for usage)\n");
	return EXIT_USAGE;
}

/* Send one request, print the body; returns the exit code. */
static int call_and_print_within(const struct opts *o, const char *request, int timeout_ms)
{
	char err[512];
	char *body = NULL;
	size_t len = 0;
	int rc = sg_ctl_call(o->socket, request, timeout_ms, &body, &len, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "surgectl: cannot reach the relay: %s\n", err);
		fprintf(stderr, "surgectl: is surge-relay running? (--socket PATH)\n");
		return EXIT_UNREACHABLE;
	}
	if (rc != SG_CTL_OK) {
		fprintf(stderr, "surgectl: %s\n", err);
		return EXIT_RELAY;
	}
	fwrite(body, 1, len, stdout);
	if (len && body[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	free(body);
	return 0;
}

static int call_and_print(const struct opts *o, const char *request)
{
	return call_and_print_within(o, request, CALL_TIMEOUT_MS);
}

static int cmd_help(const struct opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Sleep s seconds unless interrupted; 0 when interrupted. */
static int watch_sleep(unsigned s)
{
	struct timespec ts = { (time_t)s, 0 };

	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return !interrupted;
}

static int cmd_stats(const struct opts *o, int argc, char **argv)
{
	const char *req = o->json ? "stats json" : "stats";
	unsigned long watch = 0;
	struct sigaction sa;
	int rc;

	for (int i = 0; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--watch") != 0)
			return usage_error("stats: unexpected argument '%s'", argv[i]);
		if (++i == argc)
			return usage_error("stats: --watch needs a number of seconds");
		errno = 0;
		watch = strtoul(argv[i], &end, 10);
		if (argv[i][0] < '0' || argv[i][0] > '9' || *end || errno || watch < 1 ||
		    watch > WATCH_MAX_S)
			return usage_error("stats: --watch wants 1..86400 seconds, not '%s'",
					   argv[i]);
	}
	if (!watch)
		return call_and_print(o, req);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	do {
		if (!o->json && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout); /* home, clear: a live view */
		rc = call_and_print(o, req);
		if (rc)
			return rc;
	} while (watch_sleep((unsigned)watch));
	return 0;
}

static int cmd_status(const struct opts *o, int argc, char **argv)
{
	if (argc > 0)
		return usage_error("status: unexpected argument '%s'", argv[0]);
	return call_and_print(o, o->json ? "status json" : "status");
}

/* A rule id as the relay reads it: 1..4294967295, digits only. */
static int is_rule_id(const char *s)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v >= 1 && v <= 4294967295ull;
}

static int cmd_rules(const struct opts *o, int argc, char **argv)
{
	const char *sub = argc ? argv[0] : "";
	const char *js = o->json ? " json" : "";
	char req[SG_CTL_LINE_MAX + 1];
	size_t n;

	if (!strcmp(sub, "list") && argc == 1) {
		snprintf(req, sizeof(req), "rules list%s", js);
		return call_and_print(o, req);
	}
	if (!strcmp(sub, "reload") && argc == 1) {
		snprintf(req, sizeof(req), "rules reload%s", js);
		return call_and_print_within(o, req, SG_CTL_DEFER_MS + CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "remove") && argc == 2) {
		if (!is_rule_id(argv[1]))
			return usage_error("rules remove: '%s' is not a rule id (1..4294967295)",
					   argv[1]);
		snprintf(req, sizeof(req), "rules remove%s %s", js, argv[1]);
		return call_and_print_within(o, req, SG_CTL_DEFER_MS + CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "add") && argc >= 5) {
		if (!is_rule_id(argv[1]))
			return usage_error("rules add: '%s' is not a rule id (1..4294967295)",
					   argv[1]);
		n = (size_t)snprintf(req, sizeof(req), "rules add%s", js);
		for (int i = 1; i < argc; i++) {
			const char *w = argv[i];

			/* single blanks inside a word travel as they are; others as \xHH */
			if (!*w || w[0] == ' ' || w[strlen(w) - 1] == ' ' || strstr(w, "  "))
				return usage_error("rules add: write a blank at either end of a "
						   "pattern, or two in a row, as \\x20 ('%s')", w);
			for (const char *c = w; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
					return usage_error("rules add: write a tab or a non-ASCII "
							   "byte in a pattern as \\xHH ('%s')", w);
			if (n + 1 + strlen(w) > SG_CTL_LINE_MAX)
				return usage_error("rules add: the rule is longer than the "
						   "socket's %d-byte request; put it in the rules "
						   "file", SG_CTL_LINE_MAX);
			n += (size_t)snprintf(req + n, sizeof(req) - n, " %s", w);
		}
		return call_and_print_within(o, req, SG_CTL_DEFER_MS + CALL_TIMEOUT_MS);
	}
	return usage_error("rules: expected 'rules list', 'rules reload', "
			   "'rules add ID ACTION FLAGS PATTERN' or 'rules remove ID'");
}

int main(int argc, char **argv)
{
	struct opts o = { .socket = getenv("SURGE_SOCKET"), .json = 0 };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const struct cmd *cmd = NULL;
	int n = 0, rc;

	if (!rest) {
		fprintf(stderr, "surgectl: out of memory\n");
		return EXIT_USAGE;
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
				return usage_error("--socket needs a path");
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
		return usage_error("--socket: path empty or longer than 107 bytes: '%s'",
				   o.socket);
	}
	if (n == 0) {
		usage(stderr);
		free(rest);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(cmds[i].name, rest[0]) == 0)
			cmd = &cmds[i];
	if (!cmd)
		rc = usage_error("unknown command '%s'", rest[0]);
	else
		rc = cmd->run(&o, n - 1, rest + 1);
	free(rest);
	return rc;
}
