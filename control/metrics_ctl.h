/* SPDX-License-Identifier: MIT */
/*
 * metrics_ctl.h - the control plane's metrics: every counter and gauge of
 * the relay emitted into a sink (control/metrics.h), and the Prometheus
 * endpoint (control/metrics_http.h) served from the control loop.  The
 * plane holds it as p->metrics (NULL before sg_plane_metrics_init).
 *
 * sg_plane_metrics runs on the control lcore only: it reads control-plane
 * structures (policy sets, registry, store).  DPDK telemetry's thread never
 * calls it; it reads the snapshot dataplane/telemetry.c refreshes.
 */
#ifndef SG_CONTROL_METRICS_CTL_H
#define SG_CONTROL_METRICS_CTL_H

#include <stddef.h>

#include "control/metrics.h"

struct pollfd;
struct sg_plane;
struct sg_metrics_http;

/* Emits the workers' series (relaxed loads of their single-writer counters). */
typedef void (*sg_plane_metrics_fn)(void *arg, const struct sg_metrics_sink *s);

struct sg_metrics_ctl {
	struct sg_metrics_http *http;  /* NULL: metrics_listen = off */
	sg_plane_metrics_fn workers;
	void *workers_arg;
	unsigned long long scrapes;    /* answered GET /metrics (and refusals) */
};

/*
 * After sg_plane_init: p->metrics, and the HTTP endpoint on
 * cfg->metrics_listen unless it is "off".  workers(workers_arg, sink) adds
 * the workers' series.  0; 1 when the endpoint could not be opened (err
 * says why: the port taken, the address not local), the rest working: a
 * relay that cannot be scraped still relays, and its scraper sees the
 * target down; -1 with err when out of memory.
 */
int sg_plane_metrics_init(struct sg_plane *p, sg_plane_metrics_fn workers, void *workers_arg,
			  char *err, size_t errlen);
void sg_plane_metrics_fini(struct sg_plane *p);

/* Once a round: the HTTP endpoint (at most two scrapes).  Work done. */
unsigned sg_plane_metrics_poll(struct sg_plane *p);

/* For sg_plane_sleep: the endpoint's descriptors, at most max; how many. */
unsigned sg_plane_metrics_pollfds(const struct sg_plane *p, struct pollfd *pfd, unsigned max);

/* Every series of the relay into s (control lcore only). */
void sg_plane_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s);

#endif /* SG_CONTROL_METRICS_CTL_H */
