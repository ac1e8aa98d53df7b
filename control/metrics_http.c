/* SPDX-License-Identifier: MIT */
/*
 * metrics_http.c - "GET /metrics" over HTTP/1.0 for Prometheus, polled by
 * the control loop.  What it bounds and why: metrics_http.h.
 *
 * Invariants:
 * - Never blocks: every fd is non-blocking, one poll(2) with timeout 0 per
 *   call, a write that does not fit waits for the next call.
 * - A request is answered once its head is whole ("\r\n\r\n", or "\n\n"
 *   from a hand-typed request); a peer that closes before gets nothing.
 *   Only the request line is looked at: headers are read and ignored.
 * - One request per connection ("Connection: close"): after the answer the
 *   connection is shut down for writing and closed.
 * - Every send uses MSG_NOSIGNAL: a peer that goes away cannot SIGPIPE the
 *   relay.  An answer's body is the handler's, at most SG_CTL_BODY_MAX.
 */
#include "control/metrics_http.h"
#include "control/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { HTTP_ACCEPT_BURST = 16 };

struct http_conn {
	int fd;                 /* -1: free slot */
	int replying;           /* 0: reading the head; 1: writing */
	uint64_t deadline_ms;
	size_t in_len;
	char in[SG_METRICS_HTTP_HEAD_MAX];
	struct sg_ctl_buf out;  /* status line, headers, body */
	size_t out_off;
};

struct sg_metrics_http {
	int fd;
	unsigned port;
	struct http_conn conns[SG_METRICS_HTTP_CONNS];
	struct sg_metrics_http_counts n;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_addr(const char *text, struct sockaddr_storage *ss, unsigned *sslen,
		      int allow_port0, char *err, size_t errlen)
{
	char host[SG_METRICS_HTTP_LISTEN_MAX];
	const char *colon = strrchr(text, ':'), *port;
	unsigned long v = 0;
	size_t hl;

	if (!colon)
		return sg_seterr(err, errlen, "'%s' is not ADDRESS:PORT", text);
	port = colon + 1;
	hl = (size_t)(colon - text);
	if (hl >= sizeof(host) || !*port || strlen(port) > 5)
		return sg_seterr(err, errlen, "'%s' is not ADDRESS:PORT", text);
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			return sg_seterr(err, errlen, "'%s': port is not a number", text);
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v > 65535 || (v == 0 && !allow_port0))
		return sg_seterr(err, errlen, "'%s': port out of range 1..65535", text);
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return sg_seterr(err, errlen, "'%s': not an IPv6 address in []", text);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)v);
		*sslen = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return sg_seterr(err, errlen, "'%s': not an IPv4 address (IPv6: [ADDRESS]:PORT)",
					 text);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)v);
		*sslen = sizeof(*a);
	}
	return 0;
}

int sg_metrics_http_parse_addr(const char *text, struct sockaddr_storage *ss, unsigned *sslen,
			       char *err, size_t errlen)
{
	return parse_addr(text, ss, sslen, 0, err, errlen);
}

struct sg_metrics_http *sg_metrics_http_open(const char *text, char *err, size_t errlen)
{
	struct sockaddr_storage ss, got;
	socklen_t gotlen = sizeof(got);
	unsigned sslen;
	struct sg_metrics_http *h;
	int one = 1;

	/* Port 0 (the kernel chooses) only here, for tests: never from the config. */
	if (parse_addr(text, &ss, &sslen, 1, err, errlen) != 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		sg_seterr(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < SG_METRICS_HTTP_CONNS; i++)
		h->conns[i].fd = -1;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		sg_seterr(err, errlen, "metrics_listen %s: socket: %s", text, strerror(errno));
		free(h);
		return NULL;
	}
	/* A restarted relay gets its port back at once (TIME_WAIT of old scrapes). */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, sslen) != 0 || listen(h->fd, 16) != 0 ||
	    getsockname(h->fd, (struct sockaddr *)&got, &gotlen) != 0) {
		sg_seterr(err, errlen, "metrics_listen %s: %s", text, strerror(errno));
		close(h->fd);
		free(h);
		return NULL;
	}
	h->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port :
						    ((struct sockaddr_in *)&got)->sin_port);
	return h;
}

unsigned sg_metrics_http_port(const struct sg_metrics_http *h)
{
	return h->port;
}

static void conn_close(struct http_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->replying = 0;
	c->in_len = 0;
	c->out_off = 0;
	sg_ctl_buf_free(&c->out);
}

void sg_metrics_http_close(struct sg_metrics_http *h)
{
	if (!h)
		return;
	for (int i = 0; i < SG_METRICS_HTTP_CONNS; i++)
		if (h->conns[i].fd >= 0)
			conn_close(&h->conns[i]);
	close(h->fd);
	free(h);
}

/* The answer: status, headers, and body (may be NULL). */
static void answer(struct http_conn *c, const char *status, const char *type,
		   const struct sg_ctl_buf *body, const char *extra)
{
	const char *data = body && body->data ? body->data : "";
	size_t len = body ? body->len : 0;

	sg_ctl_buf_printf(&c->out, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
				   "%sConnection: close\r\n\r\n%.*s",
			  status, type, len, extra ? extra : "", (int)len, data);
	c->replying = 1;
}

static void answer_text(struct http_conn *c, const char *status, const char *text, const char *extra)
{
	struct sg_ctl_buf b = { 0 };

	sg_ctl_buf_printf(&b, "%s\n", text);
	answer(c, status, "text/plain; charset=utf-8", &b, extra);
	sg_ctl_buf_free(&b);
}

/* A whole head in c->in: answer it (the handler only for GET /metrics). */
static void serve(struct http_conn *c, sg_metrics_http_handler fn, void *ctx)
{
	char *line = c->in, *sp1, *sp2, *eol = memchr(c->in, '\n', c->in_len);
	struct sg_ctl_buf body = { 0 };
	size_t plen;

	*eol = '\0';
	if (eol > line && eol[-1] == '\r')
		eol[-1] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/", 5) != 0) {
		answer_text(c, "400 Bad Request", "bad request line", NULL);
		return;
	}
	*sp1 = *sp2 = '\0';
	if (strcmp(line, "GET") != 0) {
		answer_text(c, "405 Method Not Allowed", "only GET", "Allow: GET\r\n");
		return;
	}
	plen = strcspn(sp1 + 1, "?"); /* Prometheus may add query parameters */
	if (plen != strlen("/metrics") || strncmp(sp1 + 1, "/metrics", plen) != 0) {
		answer_text(c, "404 Not Found", "not found: try /metrics", NULL);
		return;
	}
	if (fn(ctx, &body) != 0 || body.oom)
		answer_text(c, "500 Internal Server Error", "metrics unavailable (out of memory)",
			    NULL);
	else
		answer(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", &body, NULL);
	sg_ctl_buf_free(&body);
}

static int head_done(const struct http_conn *c, size_t from)
{
	/* Look back 3 bytes so a terminator split across reads is found. */
	size_t i = from > 3 ? from - 3 : 0;

	for (; i < c->in_len; i++)
		if (c->in[i] == '\n' &&
		    ((i + 1 < c->in_len && c->in[i + 1] == '\n') ||
		     (i + 2 < c->in_len && c->in[i + 1] == '\r' && c->in[i + 2] == '\n')))
			return 1;
	return 0;
}

/* Read what is there; 1 a head was served (or refused), 0 later, -1 drop. */
static int conn_read(struct sg_metrics_http *h, struct http_conn *c, sg_metrics_http_handler fn,
		     void *ctx)
{
	while (c->in_len < sizeof(c->in)) {
		size_t from = c->in_len;
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;
		c->in_len += (size_t)n;
		if (head_done(c, from)) {
			serve(c, fn, ctx);
			return 1;
		}
	}
	answer_text(c, "431 Request Header Fields Too Large", "request head too large", NULL);
	h->n.too_large++;
	return 1;
}

/* 1 all out, 0 later, -1 drop. */
static int conn_write(struct http_conn *c)
{
	if (c->out.oom)
		return -1;
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	/*
	 * Unread bytes at close() make the kernel send a reset, which can cost
	 * the client our answer (a 431's rest of the head, a request body):
	 * read what is there now, a bounded amount, never waiting.
	 */
	for (int i = 0; i < 4; i++)
		if (recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT) <= 0)
			break;
	return 1;
}

static void conn_step(struct sg_metrics_http *h, struct http_conn *c, sg_metrics_http_handler fn,
		      void *ctx, int *served)
{
	if (!c->replying) {
		int r = conn_read(h, c, fn, ctx);

		if (r < 0) {
			conn_close(c);
			return;
		}
		if (r == 0)
			return;
		(*served)++;
	}
	if (conn_write(c) != 0)
		conn_close(c);
}

static void accept_new(struct sg_metrics_http *h, uint64_t now)
{
	for (int k = 0; k < HTTP_ACCEPT_BURST; k++) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct http_conn *c = NULL;

		if (fd < 0)
			return;
		for (int i = 0; i < SG_METRICS_HTTP_CONNS && !c; i++)
			if (h->conns[i].fd < 0)
				c = &h->conns[i];
		if (!c) {
			close(fd); /* full: the scraper sees a reset and retries at its next interval */
			h->n.refused++;
			continue;
		}
		c->fd = fd;
		c->deadline_ms = now + SG_METRICS_HTTP_DEADLINE_MS;
	}
}

int sg_metrics_http_poll(struct sg_metrics_http *h, sg_metrics_http_handler fn, void *ctx,
			 int max_scrapes)
{
	struct pollfd pfd[SG_METRICS_HTTP_CONNS + 1];
	int idx[SG_METRICS_HTTP_CONNS + 1];
	uint64_t now = now_ms();
	int n = 0, served = 0;

	for (int i = 0; i < SG_METRICS_HTTP_CONNS; i++) {
		struct http_conn *c = &h->conns[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms) {
			conn_close(c);
			h->n.timed_out++;
			continue;
		}
		pfd[n] = (struct pollfd){ .fd = c->fd, .events = c->replying ? POLLOUT : POLLIN };
		idx[n++] = i;
	}
	pfd[n] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n + 1, 0) <= 0)
		return 0;
	for (int j = 0; j < n; j++) {
		struct http_conn *c = &h->conns[idx[j]];

		if (!pfd[j].revents)
			continue;
		if (!c->replying && served >= max_scrapes)
			continue; /* its turn comes at the next call */
		conn_step(h, c, fn, ctx, &served);
	}
	/* New connections are read at the next call: their request is rarely there yet. */
	if (pfd[n].revents & POLLIN)
		accept_new(h, now);
	return served;
}

void sg_metrics_http_counts(const struct sg_metrics_http *h, struct sg_metrics_http_counts *out)
{
	*out = h->n;
}

unsigned sg_metrics_http_pollfds(const struct sg_metrics_http *h, struct pollfd *pfd, unsigned max)
{
	unsigned n = 0;

	if (max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
	for (unsigned i = 0; i < SG_METRICS_HTTP_CONNS && n < max; i++)
		if (h->conns[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = h->conns[i].fd,
						    .events = h->conns[i].replying ? POLLOUT : POLLIN };
	return n;
}
