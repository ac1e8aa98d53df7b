/* SPDX-License-Identifier: MIT */
/*
 * cmd_capture.c - surgectl capture start|stop|status: a pcapng capture of
 * one port or one session, written by the relay itself (control/
 * capture_ctl.h) through its "capture ..." requests.
 *
 * The relay creates the file, so a relative PATH is made absolute here
 * (from surgectl's working directory) before it is sent; the request line
 * carries words of printable ASCII, so a path with a blank or another byte
 * is refused here.  Bounds are checked here for a usage error at once (exit
 * 2) and again by the relay.  stop is answered once the file is closed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/ctl.h"
#include "control/surgectl/cmd.h"

enum {
	COUNT_MAX = 1000000,
	PATH_MAX_SENT = 256, /* the relay's SG_CAPTURE_PATH_MAX */
	SIZE_MIN = 4096,
};
#define SIZE_MAX_BYTES (1ull << 30)

/* Digits with an optional K, M or G (powers of 1024); 0 when not one. */
static unsigned long long parse_size(const char *s)
{
	unsigned long long v = 0, mul = 1;
	const char *c = s;

	for (; *c >= '0' && *c <= '9'; c++) {
		if (v > SIZE_MAX_BYTES)
			return 0;
		v = v * 10 + (unsigned)(*c - '0');
	}
	if (c == s)
		return 0;
	if (*c == 'K' || *c == 'k')
		mul = 1ull << 10;
	else if (*c == 'M' || *c == 'm')
		mul = 1ull << 20;
	else if (*c == 'G' || *c == 'g')
		mul = 1ull << 30;
	if (*c && (mul == 1 || c[1]))
		return 0;
	return v > SIZE_MAX_BYTES / mul ? SIZE_MAX_BYTES + 1 : v * mul;
}

/* Digits only, 1..max; 0 when not. */
static unsigned long long parse_count(const char *s, unsigned long long max)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v <= max ? v : 0;
}

static int start(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *port = NULL, *session = NULL, *file = NULL, *count = NULL, *size = NULL;
	char path[PATH_MAX + PATH_MAX_SENT + 2], req[SG_CTL_LINE_MAX + 1];
	unsigned long long sz = 0;
	size_t n;

	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = !strcmp(k, "--port")    ? &port :
				    !strcmp(k, "--session") ? &session :
				    !strcmp(k, "--file")    ? &file :
				    !strcmp(k, "--count")   ? &count :
				    !strcmp(k, "--size")    ? &size : NULL;

		if (!slot)
			return sg_cmd_usage_error("capture start: unexpected '%s'", k);
		if (!v)
			return sg_cmd_usage_error("capture start: %s needs a value", k);
		if (*slot)
			return sg_cmd_usage_error("capture start: %s given twice", k);
		*slot = v;
	}
	if (!port == !session)
		return sg_cmd_usage_error("capture start: give --port N or --session ID (one of "
					  "them)");
	if (port && (strlen(port) > 5 || !(parse_count(port, 65535) || !strcmp(port, "0"))))
		return sg_cmd_usage_error("capture start: --port '%s' is not a port id", port);
	if (session && (!*session || strlen(session) > 10 || strspn(session, "0123456789xXabcdefABCDEF") !=
							 strlen(session)))
		return sg_cmd_usage_error("capture start: --session '%s' is not a session index",
					  session);
	if (!file || !*file)
		return sg_cmd_usage_error("capture start: --file PATH is required (the relay "
					  "creates it; an existing file is refused)");
	if (count && !parse_count(count, COUNT_MAX))
		return sg_cmd_usage_error("capture start: --count '%s' is not 1..%d", count,
					  COUNT_MAX);
	if (size) {
		sz = parse_size(size);
		if (sz < SIZE_MIN || sz > SIZE_MAX_BYTES)
			return sg_cmd_usage_error("capture start: --size '%s' is not %d..%llu bytes "
						  "(K, M, G suffixes allowed)", size, SIZE_MIN,
						  SIZE_MAX_BYTES);
	}
	if (file[0] == '/') {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		if (!getcwd(path, PATH_MAX))
			return sg_cmd_usage_error("capture start: cannot resolve '%s': %s", file,
						  strerror(errno));
		n = strlen(path);
		snprintf(path + n, sizeof(path) - n, "/%s", file);
	}
	if (strlen(path) > PATH_MAX_SENT)
		return sg_cmd_usage_error("capture start: the file's path is longer than %d bytes",
					  PATH_MAX_SENT);
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c > 0x7e)
			return sg_cmd_usage_error("capture start: the file's path may hold printable "
						  "ASCII only, no blanks ('%s')", path);
	n = (size_t)snprintf(req, sizeof(req), "capture start%s %s %s file %s",
			     o->json ? " json" : "", port ? "port" : "session", port ? port : session,
			     path);
	if (count)
		n += (size_t)snprintf(req + n, sizeof(req) - n, " count %s", count);
	if (size)
		snprintf(req + n, sizeof(req) - n, " size %llu", sz);
	return sg_cmd_call_print(o, req, SG_CALL_TIMEOUT_MS);
}

static int run(const struct sg_cmd_opts *o, int argc, char **argv)
{
	const char *sub = argc ? argv[0] : "";
	char req[64];

	if (!strcmp(sub, "start"))
		return start(o, argc, argv);
	if ((!strcmp(sub, "stop") || !strcmp(sub, "status")) && argc == 1) {
		snprintf(req, sizeof(req), "capture %s%s", sub, o->json ? " json" : "");
		/* stop: answered when the file is closed, a grace period later */
		return sg_cmd_call_print(o, req, 2 * SG_CALL_TIMEOUT_MS);
	}
	return sg_cmd_usage_error("capture: expected 'capture start (--port N | --session ID) "
				  "--file PATH [--count N] [--size BYTES]', 'capture stop' or "
				  "'capture status'");
}

const struct sg_cmd sg_cmd_capture = {
	.name = "capture",
	.run = run,
	.usage = { "capture start --port N --file PATH",
		   "capture start --session ID --file PATH", "  [--count N] [--size BYTES]",
		   "capture stop", "capture status" },
	.help = { "pcapng of a port's frames, both ways, written by the relay",
	  "pcapng of one session's frames, both ways",
	  "stop at N frames (10000; max 1000000) or BYTES (64M; max 1G)",
	  "stop the capture; answered when the file is closed",
	  "the capture running or the last one: counts, limits, why it stopped" },
};
