/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the operator socket protocol, shared by surge-relay (server) and
 * surgectl (client), the Redis way: one small module, no DPDK in it.
 *
 * Transport: a Unix stream socket (mode 0600).  One request per connection:
 *   request:  one line, at most SG_CTL_LINE_MAX bytes: "VERB [ARG ...]\n"
 *             (ASCII words separated by single spaces)
 *   response: "OK <n>\n" followed by n body bytes (JSON for --json verbs),
 *             or "ERR <code> <message>\n"
 * then the server closes.  Codes: 1 unknown verb, 2 bad arguments,
 * 3 not found, 4 busy, 5 internal.  A request the relay answers only after
 * background work (a rules compile) waits up to SG_CTL_DEFER_MS for it.  The limit SG_CTL_LINE_MAX excludes the
 * '\n'.  The verbs the relay answers are listed in docs/OPERATIONS.md.
 */
#ifndef SG_CONTROL_CTL_H
#define SG_CONTROL_CTL_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_CTL_LINE_MAX = 1024,
	SG_CTL_MAX_ARGS = 64,
	SG_CTL_BODY_MAX = 4 << 20,
	SG_CTL_MAX_CONNS = 16,
	SG_CTL_DEFER_MS = 120000, /* a deferred request's reply, at the latest */
};

enum sg_ctl_code {
	SG_CTL_OK = 0,
	SG_CTL_E_VERB = 1,
	SG_CTL_E_ARGS = 2,
	SG_CTL_E_NOTFOUND = 3,
	SG_CTL_E_BUSY = 4,
	SG_CTL_E_INTERNAL = 5,
	SG_CTL_DEFER = 100, /* handler: no reply now, sg_ctl_server_reply(token) later */
};

struct sg_ctl_request {
	char buf[SG_CTL_LINE_MAX + 1]; /* the line, split in place */
	int argc;                      /* argv[0] is the verb */
	char *argv[SG_CTL_MAX_ARGS];
	unsigned token;                /* set by the server: names the connection */
};

/* Growable response body the handler appends to. */
struct sg_ctl_buf {
	char *data;
	size_t len, cap;
	int oom; /* set when an append failed; the reply becomes ERR 5 */
};

void sg_ctl_buf_printf(struct sg_ctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sg_ctl_buf_free(struct sg_ctl_buf *b);

/*
 * Append s[0..len) as a JSON string, quotes included: '"', '\\' and control
 * bytes escaped, every byte outside printable ASCII as \u00XX (so a
 * pattern's raw bytes survive as code points 0..255).
 */
void sg_ctl_buf_json_str(struct sg_ctl_buf *b, const char *s, size_t len);

/*
 * A decimal number 1..max written with digits only (no sign, no blanks, at
 * most 20 digits): ids and limits on both sides of the socket.  0 when s is
 * not one (0 itself included).
 */
unsigned long long sg_ctl_number(const char *s, unsigned long long max);

/* Split a request line. 0, or -1 (empty, too long, too many args, bad bytes). */
int sg_ctl_parse_request(struct sg_ctl_request *r, const char *line, size_t len);

/*
 * Handler: fill body and return SG_CTL_OK, or an error code with a one-line
 * message in body; or return SG_CTL_DEFER (body ignored) and answer later
 * with sg_ctl_server_reply(r->token).  A deferred connection is not read
 * again; it is dropped unanswered after SG_CTL_DEFER_MS.
 */
typedef int (*sg_ctl_handler)(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *body);

struct sg_ctl_server;

/* What the socket's bounds refused (docs/OPERATIONS.md, "The operator socket's limits"). */
struct sg_ctl_server_counts {
	uint64_t refused;   /* connections turned away: every slot answering or deferred */
	uint64_t evicted;   /* idle connections closed for a newer one */
	uint64_t timed_out; /* connections dropped at their deadline */
	uint64_t too_long;  /* request lines over SG_CTL_LINE_MAX */
};

/* Create the socket at path (replacing a stale one), mode 0600; NULL + err. */
struct sg_ctl_server *sg_ctl_server_open(const char *path, char *err, size_t errlen);

/*
 * Non-blocking: accept, read and answer whatever is ready, at most
 * max_requests requests, never waiting.  Slow clients are bounded by a
 * per-connection deadline (2 s) and SG_CTL_MAX_CONNS.  max_requests <= 0
 * means no limit.  Returns requests served.
 */
int sg_ctl_server_poll(struct sg_ctl_server *s, sg_ctl_handler h, void *ctx, int max_requests);

/*
 * For a caller that sleeps in poll(2) between sg_ctl_server_poll calls: the
 * descriptors to wait on (the listening socket and every connection, for
 * reading or writing as it stands), at most max; returns how many.
 */
struct pollfd;
unsigned sg_ctl_server_pollfds(const struct sg_ctl_server *s, struct pollfd *pfd, unsigned max);

/*
 * Answer a deferred request: code and body as a handler's.  0, or -1 when
 * the connection is gone (the client left, or the deadline passed).
 */
int sg_ctl_server_reply(struct sg_ctl_server *s, unsigned token, int code,
			const struct sg_ctl_buf *body);

/* Close and unlink the socket. */
void sg_ctl_server_close(struct sg_ctl_server *s);

/* What its bounds refused so far. */
void sg_ctl_server_counts(const struct sg_ctl_server *s, struct sg_ctl_server_counts *out);

/*
 * Client: send one request line (without '\n'), wait up to timeout_ms.
 * Returns the response code (SG_CTL_OK with *body malloc()ed, NUL-terminated)
 * or an error code with the server's message in err; -1 when the relay
 * cannot be reached, stops answering or answers malformed (err starts with
 * the socket path and says why).
 */
int sg_ctl_call(const char *path, const char *request, int timeout_ms, char **body,
		size_t *body_len, char *err, size_t errlen);

#endif /* SG_CONTROL_CTL_H */
