/* SPDX-License-Identifier: MIT */
/*
 * worker.h - a data-plane worker: one lcore, RX queue `id` and TX queue
 * `id` of every port, run to completion in bursts.  Its counters are plain
 * per-worker fields (one writer); readers take relaxed snapshots.
 */
#ifndef SG_DATAPLANE_WORKER_H
#define SG_DATAPLANE_WORKER_H

#include <stdint.h>

#include <rte_common.h>

#include "aead_cache.h"
#include "control/config.h"
#include "control/ctl.h"
#include "control/session.h"
#include "control/ratelimit.h"
#include "control/wake.h"
#include "drop.h"

struct rte_ring;
struct rte_mempool;
struct rte_eth_dev_tx_buffer;
struct sg_capture_desc;
struct sg_keys_pub;

struct sg_worker_counters {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes;
	uint64_t forwarded;      /* DATA re-sealed to a recipient */
	uint64_t keepalives;     /* KEEPALIVE answered */
	uint64_t to_control;     /* frames handed to the control plane */
	uint64_t arp, icmp, ndp; /* answered */
	uint64_t cookie_replies; /* handshakes answered with a COOKIE_REPLY (under load) */
	uint64_t policy_cycles;  /* TSC cycles in content-policy scans (sg_worker_policy_ns) */
	uint64_t drops[SG_DROP_MAX];
};

struct sg_worker {
	unsigned id;                      /* queue id and RCU reader id */
	const struct sg_config *cfg;
	struct sg_session_table *sessions;
	struct rte_ring *to_ctl;          /* session-bound frames for the control plane */
	struct rte_ring *to_hs;           /* handshake initiations (lower priority) */
	struct sg_wake *wake;             /* kicked after handing frames over, or NULL */
	/* The relay's static keys, published (plane.h), or NULL: forged handshakes stop here. */
	struct sg_keys_pub *const *keys;
	/* Under load, initiations without a valid mac2 get a COOKIE_REPLY here. */
	const uint8_t *under_load;        /* the control plane's flag (relaxed), or NULL */
	const struct sg_cookie_pub *cookie_pub; /* its secret, published (seqlock) */
	struct sg_cookie_checker cookie;  /* a follower of that secret */
	uint32_t cookie_seq;              /* cookie_pub->seq copied last (0: none yet) */
	struct sg_ratelimit ratelimit;    /* this worker's per-source handshake buckets */
	const struct sg_limits_pub *limits; /* their rate and burst as reloaded, or NULL */
	uint32_t limits_gen;              /* limits->gen taken last */
	/* The content policy: the control plane's published set (plane.h), or NULL. */
	struct sg_policy_set *const *policy_slot;
	const struct sg_policy_set *pset; /* loaded once per burst */
	/* A packet capture (control/capture_ctl.h): the published one, or NULL. */
	struct sg_capture_desc *const *capture_slot;
	struct sg_capture_desc *cap;      /* loaded once per burst */
	struct rte_mempool *pool;
	uint8_t port_mac[SG_CFG_MAX_PORTS][6];
	struct rte_eth_dev_tx_buffer *txb[SG_CFG_MAX_PORTS];
	struct sg_aead_cache cache;
	uint32_t rx_ports;                /* bit pi: poll RX queue id of port index pi */
	volatile int *stop;
	struct sg_worker_counters c __rte_cache_aligned;
} __rte_cache_aligned;

/* Allocate TX buffers and the AEAD cache on the worker's socket. 0 or -1. */
int sg_worker_init(struct sg_worker *w, int socket);
void sg_worker_fini(struct sg_worker *w);

/* lcore entry point: loops until *w->stop. */
int sg_worker_main(void *arg);

/*
 * One round of the loop: RX bursts, processing, TX flush, quiescent state.
 * Returns frames received.  The control lcore calls it for the extra RX
 * queue of PMDs that need one (port.h).
 */
unsigned sg_worker_poll(struct sg_worker *w);

/*
 * Process one burst of frames received on port index pi (for tests and the
 * instruction-count bench: the same code the loop runs).
 */
void sg_worker_burst(struct sg_worker *w, unsigned pi, struct rte_mbuf **pkts, uint16_t n);

/* policy_cycles as nanoseconds (the TSC's rate is EAL's). */
uint64_t sg_worker_policy_ns(uint64_t cycles);

/* Append per-worker and total counters to a stats reply (sg_plane_stats_fn). */
void sg_worker_stats(void *workers_and_count, struct sg_ctl_buf *b, int json);

/* What sg_worker_stats expects as its argument. */
struct sg_worker_set {
	struct sg_worker *w;
	unsigned n;         /* contexts, including the control lcore's (below) */
	unsigned n_workers; /* worker lcores; w[n_workers], if n > n_workers, is the
			       control lcore polling a PMD's extra RX queue */
};

#endif /* SG_DATAPLANE_WORKER_H */
