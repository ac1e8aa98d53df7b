/* SPDX-License-Identifier: MIT */
/*
 * cmd_rules.c - surgectl rules list|reload|add|remove: the content policy
 * (docs/POLICY.md) through the relay's "rules ..." requests.  A change
 * compiles in the relay and is answered once in force (or refused, the
 * rules in force staying), so those calls wait up to SG_CTL_DEFER_MS.  add
 * sends its words joined by single spaces, as the request line carries
 * them: a blank at either end of a pattern, two in a row, a tab or a
 * non-ASCII byte must be written \\xHH, which Hyperscan reads as the byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *sub = argc ? argv[0] : "";
	const char *js = o->json ? " json" : "";
	char req[SG_CTL_LINE_MAX + 1];
	size_t n;

	if (!strcmp(sub, "list") && argc == 1) {
		snprintf(req, sizeof(req), "rules list%s", js);
		return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "reload") && argc == 1) {
		snprintf(req, sizeof(req), "rules reload%s", js);
		return sg_cmd_call_print(o, req, SG_CTL_DEFER_MS + SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "remove") && argc == 2) {
		if (!sg_ctl_number(argv[1], UINT32_MAX))
			return sg_cmd_usage_error("rules remove: '%s' is not a rule id (1..4294967295)",
					   argv[1]);
		snprintf(req, sizeof(req), "rules remove%s %s", js, argv[1]);
		return sg_cmd_call_print(o, req, SG_CTL_DEFER_MS + SG_CALL_TIMEOUT_MS);
	}
	if (!strcmp(sub, "add") && argc >= 5) {
		if (!sg_ctl_number(argv[1], UINT32_MAX))
			return sg_cmd_usage_error("rules add: '%s' is not a rule id (1..4294967295)",
					   argv[1]);
		n = (size_t)snprintf(req, sizeof(req), "rules add%s", js);
		for (int i = 1; i < argc; i++) {
			const char *w = argv[i];

			/* single blanks inside a word travel as they are; others as \xHH */
			if (!*w || w[0] == ' ' || w[strlen(w) - 1] == ' ' || strstr(w, "  "))
				return sg_cmd_usage_error("rules add: write a blank at either end of a "
						   "pattern, or two in a row, as \\x20 ('%s')", w);
			for (const char *c = w; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
					return sg_cmd_usage_error("rules add: write a tab or a non-ASCII "
							   "byte in a pattern as \\xHH ('%s')", w);
			if (n + 1 + strlen(w) > SG_CTL_LINE_MAX)
				return sg_cmd_usage_error("rules add: the rule is longer than the "
						   "socket's %d-byte request; put it in the rules "
						   "file", SG_CTL_LINE_MAX);
			n += (size_t)snprintf(req + n, sizeof(req) - n, " %s", w);
		}
		return sg_cmd_call_print(o, req, SG_CTL_DEFER_MS + SG_CALL_TIMEOUT_MS);
	}
	return sg_cmd_usage_error("rules: expected 'rules list', 'rules reload', "
			   "'rules add ID ACTION FLAGS PATTERN' or 'rules remove ID'");
}

const struct sg_cmd sg_cmd_rules = {
	.name = "rules",
	.run = run,
	.usage = { "rules list", "rules reload", "rules add ID ACTION FLAGS PATTERN",
		   "rules remove ID" },
	.help = { "the content policy's rules with their hits",
	  "compile rules_file again; in force when answered",
	  "one rule more, a rules-file line (not written to the file)",
	  "one rule less (likewise)" },
};
