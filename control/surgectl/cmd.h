/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - surgectl's subcommands: one file each (control/surgectl/cmd_*.c),
 * listed in main.c's table.  A subcommand builds request lines of the
 * operator socket protocol (control/ctl.h) and prints the relay's answers;
 * it never touches the relay's structures.
 *
 * A handler gets the words after its name and returns the exit code:
 * SG_EXIT_OK, SG_EXIT_RELAY (the relay answered an error), SG_EXIT_USAGE,
 * SG_EXIT_UNREACHABLE (the relay could not be reached or did not answer in
 * time).
 */
#ifndef SG_SURGECTL_CMD_H
#define SG_SURGECTL_CMD_H

#include <stddef.h>

enum {
	SG_EXIT_OK = 0,
	SG_EXIT_RELAY = 1,
	SG_EXIT_USAGE = 2,
	SG_EXIT_UNREACHABLE = 3,
	SG_CALL_TIMEOUT_MS = 5000,
	SG_CMD_FORMS_MAX = 8,
};

struct sg_cmd_opts {
	const char *socket;
	int json;
};

struct sg_cmd {
	const char *name;
	int (*run)(const struct sg_cmd_opts *o, int argc, char **argv);
	const char *usage[SG_CMD_FORMS_MAX + 1]; /* one line per form, NULL after the last */
	const char *help[SG_CMD_FORMS_MAX + 1];  /* what each form does */
};

/* "surgectl: <message> (surgectl help for usage)", one line; returns SG_EXIT_USAGE. */
int sg_cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Send request, print the answer's body to stdout (errors to stderr); the exit code. */
int sg_cmd_call_print(const struct sg_cmd_opts *o, const char *request, int timeout_ms);

/*
 * Send request; 0 with the body in *body (malloc()ed, NUL-terminated), or
 * the exit code after printing why.
 */
int sg_cmd_call(const struct sg_cmd_opts *o, const char *request, int timeout_ms, char **body);

/* SIGINT/SIGTERM end a --watch loop: sleep s seconds, 0 when interrupted. */
int sg_cmd_watch_sleep(unsigned s);

extern const struct sg_cmd sg_cmd_help, sg_cmd_stats, sg_cmd_status, sg_cmd_rules;
extern const struct sg_cmd sg_cmd_config;
extern const struct sg_cmd sg_cmd_sessions, sg_cmd_users, sg_cmd_mailbox;

#endif /* SG_SURGECTL_CMD_H */
