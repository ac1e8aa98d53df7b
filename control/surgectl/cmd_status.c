/* SPDX-License-Identifier: MIT */
/* cmd_status.c - surgectl status: the relay's state in short. */
#include "control/surgectl/cmd.h"

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	if (argc > 0)
		return sg_cmd_usage_error("status: unexpected argument '%s'", argv[0]);
	return sg_cmd_call_print(o, o->json ? "status json" : "status", SG_CALL_TIMEOUT_MS);
}

const struct sg_cmd sg_cmd_status = {
	.name = "status",
	.run = run,
	.usage = { "status" },
	.help = { "the relay's state in short" },
};
