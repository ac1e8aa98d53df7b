/* SPDX-License-Identifier: MIT */
/*
 * metrics_http.h - the relay's tiny HTTP/1.0 server for Prometheus: "GET
 * /metrics" on a TCP address (config metrics_listen, default
 * 127.0.0.1:9469), polled by the control loop like the operator socket.
 * Pure: no DPDK; the body comes from a handler (control/metrics_ctl.c).
 *
 * Bounded, so that no client can stall the loop: never blocks (one
 * poll(2) with timeout 0 per call, non-blocking sockets), at most
 * SG_METRICS_HTTP_CONNS connections (more are closed at once), a request
 * head of at most SG_METRICS_HTTP_HEAD_MAX bytes, and a deadline of
 * SG_METRICS_HTTP_DEADLINE_MS from accept to the last byte of the answer;
 * a connection past it is closed, answered or not.  The handler runs only
 * for a whole, valid "GET /metrics" head; anything else is answered 400,
 * 404, 405 or 431 without it.
 */
#ifndef SG_CONTROL_METRICS_HTTP_H
#define SG_CONTROL_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"

enum {
	SG_METRICS_HTTP_CONNS = 8,
	SG_METRICS_HTTP_HEAD_MAX = 4096,      /* request line and headers */
	SG_METRICS_HTTP_DEADLINE_MS = 2000,   /* accept to the answer's last byte */
	SG_METRICS_HTTP_LISTEN_MAX = 64,      /* metrics_listen's text, NUL included */
};

struct sg_metrics_http;
struct sockaddr_storage;

/* What the endpoint's bounds refused (docs/OPERATIONS.md, "Metrics"). */
struct sg_metrics_http_counts {
	uint64_t refused;   /* connections closed at once: every slot taken */
	uint64_t timed_out; /* connections dropped at their deadline */
	uint64_t too_large; /* request heads over SG_METRICS_HTTP_HEAD_MAX (431) */
};
struct pollfd;

/*
 * Parse "ADDRESS:PORT" (IPv4 "127.0.0.1:9469", IPv6 "[::1]:9469"; port
 * 1..65535).  0 with *ss and *sslen set, or -1 with the reason in err.
 */
int sg_metrics_http_parse_addr(const char *text, struct sockaddr_storage *ss,
			       unsigned *sslen, char *err, size_t errlen);

/* Listen on text (as above).  NULL with the reason in err. */
struct sg_metrics_http *sg_metrics_http_open(const char *text, char *err, size_t errlen);

/* The port it listens on (when opened with port 0 by a test: the kernel's choice). */
unsigned sg_metrics_http_port(const struct sg_metrics_http *h);

/* Fill body with the exposition; 0, or -1 (answered 500). */
typedef int (*sg_metrics_http_handler)(void *ctx, struct sg_ctl_buf *body);

/*
 * Non-blocking: accept, read and answer what is ready, running the handler
 * for at most max_scrapes requests (more wait for the next call).
 * Returns the requests answered or refused.
 */
int sg_metrics_http_poll(struct sg_metrics_http *h, sg_metrics_http_handler fn, void *ctx,
			 int max_scrapes);

void sg_metrics_http_counts(const struct sg_metrics_http *h, struct sg_metrics_http_counts *out);

/* For a caller that sleeps in poll(2): what to wait on, at most max; how many. */
unsigned sg_metrics_http_pollfds(const struct sg_metrics_http *h, struct pollfd *pfd,
				 unsigned max);

void sg_metrics_http_close(struct sg_metrics_http *h);

#endif /* SG_CONTROL_METRICS_HTTP_H */
