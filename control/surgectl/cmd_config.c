/* SPDX-License-Identifier: MIT */
/*
 * cmd_config.c - surgectl config reload: the relay reads its configuration
 * again (file and flags) and applies the keys it can take while running
 * (docs/CONFIG.md marks them); the answer names what was applied and what
 * waits for a restart.  The rules are compiled again too, so the answer can
 * take as long as a rules reload.
 */
#include <string.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "reload") != 0)
		return sg_cmd_usage_error("config: expected 'config reload'");
	return sg_cmd_call_print(o, o->json ? "config reload json" : "config reload",
				 SG_CTL_DEFER_MS + SG_CALL_TIMEOUT_MS);
}

const struct sg_cmd sg_cmd_config = {
	.name = "config",
	.run = run,
	.usage = { "config reload" },
	.help = { "read the configuration again; apply what a running relay can take" },
};
