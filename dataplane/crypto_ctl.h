/* SPDX-License-Identifier: MIT */
/*
 * crypto_ctl.h - surge-relay's data-plane AEAD back end: chosen at start
 * from the config key `crypto` (crypto/cryptodev_select.h), one queue pair
 * per worker (and one for the control lcore's extra RX queue), and what the
 * operator sees of it: the start-up log line, `surgectl status` (the choice
 * and the device errors), `surgectl stats` (every queue pair's counters) and
 * the worker_crypto_* metrics.
 *
 * Test seam: SURGE_TEST_CRYPTODEV_FAULT in the environment injects device
 * errors (crypto/cryptodev.h, sg_cdev_inject): "start" fails every device
 * frame of the start-up self-tests, a number N every N-th device frame
 * after start.  Only the tests set it; the start-up log says when it is set.
 */
#ifndef SG_DATAPLANE_CRYPTO_CTL_H
#define SG_DATAPLANE_CRYPTO_CTL_H

#include <stddef.h>

#include "control/ctl.h"
#include "control/metrics.h"
#include "crypto/cryptodev_select.h"

struct sg_crypto_ctl {
	struct sg_cdev_choice ch;
	char spec[80];
	unsigned n_qps;
	unsigned n_shown;       /* queue pairs in use (workers, + the control lcore's) */
	unsigned fault_every;   /* the test seam's N (0: none) */
};

/*
 * Choose and start the back end for n_qps queue pairs of `sessions`
 * sessions each.  0; -1 with err when a named device is missing or fails
 * (auto and sodium never fail for want of a device).
 */
int sg_crypto_ctl_start(struct sg_crypto_ctl *cc, const char *spec, unsigned n_qps,
			unsigned sessions, int socket, char *err, size_t errlen);
void sg_crypto_ctl_fini(struct sg_crypto_ctl *cc);

/* Queue pair i for worker i, or NULL: that worker runs libsodium only. */
struct sg_cdev_qp *sg_crypto_ctl_qp(struct sg_crypto_ctl *cc, unsigned i);

/* "status": the choice and the device errors so far (sg_plane_stats_fn). */
void sg_crypto_ctl_status(void *cc, struct sg_ctl_buf *b, int json);

/* "stats": every queue pair's counters (JSON member ", \"crypto\": {...}" or text lines). */
void sg_crypto_ctl_stats(struct sg_crypto_ctl *cc, struct sg_ctl_buf *b, int json);

/* worker_crypto_* series, label worker = the queue pair's worker id. */
void sg_crypto_ctl_metrics(struct sg_crypto_ctl *cc, const struct sg_metrics_sink *s);

#endif /* SG_DATAPLANE_CRYPTO_CTL_H */
