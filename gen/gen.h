/* SPDX-License-Identifier: MIT */
/*
 * gen.h - surge-gen, a DPDK traffic generator whose simulated users sign
 * up with real Noise IK handshakes and then chat through the relay: the
 * state of one run (one lcore, one net_memif server port) and the calls
 * between its files:
 *   main.c    options, the order of the steps, exit codes
 *   port.c    the DPDK port: set-up, link wait, single-frame TX, linger
 *   users.c   ARP for the relay, sign-ups (handshakes), sessions
 *   traffic.c the chat phase: TSC pacing, the per-second timeline
 *   data.c    DATA frames: sealing, queue by session, TX bursts; checks
 *   rx.c      every returned frame: counted; every K-th DATA opened, checked
 *   report.c  the live progress line, the summary table, JSON
 *   hist.c    the latency histogram (pure C)
 *
 * Queues: the relay (memif client) has W workers, W RX and W + 1 TX queues
 * (the control plane sends on queue W).  This side mirrors it: --queues
 * Q = W + 1 RX queues, all polled, and Q - 1 TX queues, one per worker; a
 * session's frames go on queue (relay session index % (Q - 1)), the worker
 * that owns it.
 */
#ifndef SG_GEN_H
#define SG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "hist.h"
#include "proto/messages.h"

struct rte_mempool;
struct sg_endpoint;

enum {
	SG_GEN_MAX_USERS = 20000,
	SG_GEN_MAX_Q = 8,
	SG_GEN_BURST = 32,
	SG_GEN_FRAME_MAX = 1536,
	SG_GEN_BODY_MIN = 16,          /* TSC timestamp + sequence number */
	SG_GEN_TTL_S = 60,
	SG_GEN_PORT_BASE = 20000,      /* user i sends from UDP port BASE + i */
	SG_GEN_ANSWER_MS = 5000,       /* ARP and handshakes: the relay must answer */
	SG_GEN_DRAIN_MS = 200,         /* after the last DATA, for frames in flight */
	SG_GEN_MAX_SECONDS = 3600,
	SG_GEN_WIRE_EXTRA = 24,        /* FCS 4 + preamble 8 + inter-frame gap 12 */
	SG_GEN_ETH_IPV4_UDP = 42,      /* Ethernet 14 + IPv4 20 + UDP 8 */
};

#define SG_GEN_IDX_BASE 0x6e000000u /* our session indexes: BASE + user */

enum sg_gen_mix { SG_GEN_MIX_FIXED = 0, SG_GEN_MIX_IMIX = 1 };

struct sg_gen_opts {
	const char *relay_key_file, *json;
	uint8_t relay_ip[4], gen_ip[4];
	uint16_t udp_port;
	unsigned users, size, mix, duration_s, verify_every, queues;
	unsigned link_timeout_s, linger_s;
	double rate; /* DATA frames/s; 0: as fast as possible */
};

struct sg_gen_user {
	struct sg_aead_ctx send_ctx, recv_ctx; /* 64-byte aligned: first */
	struct sg_keypair id;
	struct sg_cookie_maker maker;
	struct sg_handshake hs;
	uint64_t user_id, send_counter, hs_sent_tsc;
	uint32_t local_index, relay_index;
	uint16_t udp_port;
	int connected;
};

struct sg_gen_counters {
	uint64_t offered, offered_bytes, tx_full;
	uint64_t delivered, delivered_wire_bytes;
	uint64_t verified, verify_failed;
	uint64_t replies[SG_REPLY_CODE_MAX + 2]; /* last: an unknown code */
	uint64_t unexpected, rx_frames, arp_replies, hs_sent, hs_done, hs_failed;
};

/* One second of the run. */
struct sg_gen_second {
	uint64_t offered, delivered;
	uint64_t p99_ns; /* cumulative p99 at the end of that second */
};

struct sg_gen {
	struct sg_gen_opts o;
	uint16_t port;
	unsigned txq, rxq;
	struct rte_mempool *pool;
	uint8_t mac[6], relay_mac[6], relay_pub[SG_KEY_LEN];
	int have_relay_mac, linked;
	uint64_t hz;
	struct sg_gen_user *u;
	struct sg_gen_counters c;
	struct sg_gen_hist lat, hs_lat;  /* nanoseconds */
	struct sg_gen_second *sec;       /* duration_s + 1 entries */
	unsigned n_sec;
	double run_s;                    /* traffic phase as it ran */
	const char *failed;              /* why the run stopped early, or NULL */
};

/* port.c */
int sg_gen_port_start(struct sg_gen *g);
void sg_gen_port_stop(struct sg_gen *g);
/* Copy one frame into an mbuf and send it on q (bounded retries). 0 or -1. */
int sg_gen_send_frame(struct sg_gen *g, unsigned q, const uint8_t *frame, size_t len);
void sg_gen_port_linger(struct sg_gen *g);
uint64_t sg_gen_ms_to_tsc(const struct sg_gen *g, uint64_t ms);

/* users.c */
int sg_gen_users_init(struct sg_gen *g);
void sg_gen_users_fini(struct sg_gen *g);
int sg_gen_arp(struct sg_gen *g);
int sg_gen_signup(struct sg_gen *g);
unsigned sg_gen_queue_of(const struct sg_gen *g, const struct sg_gen_user *u);
/* Ethernet/IPv4/UDP endpoints of user u's frames to the relay. */
void sg_gen_endpoints(const struct sg_gen *g, const struct sg_gen_user *u,
		      struct sg_endpoint *from, struct sg_endpoint *to);

/* data.c */
size_t sg_gen_body_len(const struct sg_gen_opts *o, uint64_t seq);
uint8_t sg_gen_body_byte(uint64_t seq, size_t i);
/* Build and send DATA seq .. seq + n - 1 (n <= SG_GEN_BURST); how many the port took. */
unsigned sg_gen_send_data(struct sg_gen *g, uint64_t seq, unsigned n);
/* Open and check DATA frame msg to user r; its latency into g->lat. */
void sg_gen_verify_data(struct sg_gen *g, struct sg_gen_user *r, uint8_t *msg, size_t len,
			uint64_t now);

/* traffic.c */
int sg_gen_traffic(struct sg_gen *g);

/* rx.c */
unsigned sg_gen_poll_rx(struct sg_gen *g);
/* The user whose session index this is, or NULL. */
struct sg_gen_user *sg_gen_user_by_index(struct sg_gen *g, uint32_t index);

/* report.c */
void sg_gen_progress(const struct sg_gen *g, unsigned second, const struct sg_gen_counters *prev,
		     double dt_s);
void sg_gen_summary(const struct sg_gen *g);
int sg_gen_json(const struct sg_gen *g, const char *path);

#endif /* SG_GEN_H */
