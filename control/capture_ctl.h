/* SPDX-License-Identifier: MIT */
/*
 * capture_ctl.h - packet capture (pcapng, DPDK's rte_pcapng) of one port or
 * of one session's frames, started and stopped over the operator socket:
 *
 *   capture start [json] port N | session ID  file PATH [count N] [size BYTES]
 *   capture stop [json]
 *   capture status [json]
 *
 * The control plane publishes a capture descriptor RCU-style, like the
 * content policy's set: readers (the workers, and the control lcore for
 * what it sends) load it once per burst; NULL (no capture) costs them that
 * one load.  A reader copies a matching frame (rte_pcapng_copy, from a pool
 * of its own, no hugepages needed) into its single-producer ring and never
 * waits: a full ring or an empty pool is counted (ring_full, no_mbuf) and
 * the frame goes on untouched.  The control loop drains the rings into the
 * file within a per-round budget and stops the capture by itself at its
 * count or size bound.  A stopped descriptor is freed after the readers'
 * grace period (the session table's rte_rcu_qsbr); the rings are drained
 * empty before that, so the next capture starts with empty rings.
 *
 * One capture at a time.  The relay creates the file (O_EXCL, mode 0600):
 * an existing file is refused, never overwritten.
 */
#ifndef SG_CONTROL_CAPTURE_CTL_H
#define SG_CONTROL_CAPTURE_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "capture_match.h"
#include "config.h"
#include "ctl.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct sg_plane;

enum sg_capture_mode { SG_CAPTURE_PORT = 1, SG_CAPTURE_SESSION = 2 };

enum {
	SG_CAPTURE_COUNT_DEFAULT = 10000,
	SG_CAPTURE_COUNT_MAX = 1000000,
	SG_CAPTURE_PATH_MAX = 256,      /* bytes of the file's path, NUL excluded */
	SG_CAPTURE_RING = 1024,         /* copies waiting per reader */
	SG_CAPTURE_SNAPLEN = 2048,      /* bytes kept of a frame (a relay frame is <= 1518) */
};
#define SG_CAPTURE_SIZE_DEFAULT (64ull << 20)
#define SG_CAPTURE_SIZE_MAX (1ull << 30)

/* What one reader could and could not copy; written by that reader only. */
struct sg_capture_reader {
	uint64_t captured;  /* copies put in its ring */
	uint64_t ring_full; /* not copied: its ring was full */
	uint64_t no_mbuf;   /* not copied: the copy pool was empty */
} __rte_cache_aligned;

/*
 * The capture as readers see it: immutable once published, except that
 * reader i writes readers[i].
 */
struct sg_capture_desc {
	uint8_t mode;                  /* enum sg_capture_mode */
	uint16_t port;                 /* DPDK port id (port mode) */
	struct sg_capture_filter filter; /* session mode: the session's indexes */
	uint64_t count;                /* a reader copies at most this many */
	uint64_t tsc0, ns0, tsc_hz;    /* the TSC at unix time ns0 (ns): frames' timestamps */
	struct rte_mempool *mp;        /* copies */
	struct rte_ring *const *rings; /* one per reader */
	struct sg_capture_reader readers[SG_CFG_MAX_WORKERS + 1];
};

/*
 * The reader's side (dataplane/capture.c): copy m if it matches d, into
 * reader's ring; out: 1 for a frame being sent, 0 for one received.
 */
typedef void (*sg_capture_tap_fn)(struct sg_capture_desc *d, unsigned reader, uint16_t port,
				  uint16_t queue, const struct rte_mbuf *m, int out);

/*
 * Rings and pool for n_readers readers (the workers and the control lcore,
 * whose reader id is the number of workers); tap is the readers' copy
 * function, called here for the control lcore's own TX.  Sets p->capture
 * and *slot_out, the published descriptor each reader loads per burst
 * (acquire).  0, or -1 with err.
 */
int sg_capture_ctl_init(struct sg_plane *p, unsigned n_readers, int socket, sg_capture_tap_fn tap,
			char *err, size_t errlen);
/* The published descriptor, for the readers (NULL before init). */
struct sg_capture_desc **sg_capture_ctl_slot(struct sg_plane *p);
/*
 * After the readers stopped: a running capture writes what is queued
 * (within its bounds), closes its file; then rings and pool are freed.
 */
void sg_capture_ctl_fini(struct sg_plane *p);

/* Once a control round: drain the rings into the file, stop at a bound, finish. */
unsigned sg_plane_capture_poll(struct sg_plane *p);

/* The control lcore sends m on port: its copy when a capture wants it. */
void sg_plane_capture_tx(struct sg_plane *p, const struct rte_mbuf *m, uint16_t port);

/* verbs.c: "capture start|stop|status ...". */
int sg_plane_capture_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);

#endif /* SG_CONTROL_CAPTURE_CTL_H */
