/* SPDX-License-Identifier: MIT */
/*
 * peer.h - the state of surge-test-memif-peer (memif_peer.c): simulated
 * users on one DPDK port, what they sent and what arrived, and the frame
 * and receive helpers of peer_io.c that the test cases are built from.
 */
#ifndef SG_TEST_PEER_H
#define SG_TEST_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/replay.h"
#include "proto/messages.h"

struct rte_mempool;

enum {
	MAX_USERS = 16,
	MAX_MSGS = 64,          /* per ordered pair, exchange phase */
	EXTRA_MSGS = 4,         /* message slots per pair for the later cases */
	MAX_Q = 8,
	BURST = 32,
	FRAME_MAX = 1536,
	TTL_S = 60,
	IDLE_US = 50,
	TX_TRIES = 2000,        /* x IDLE_US: 100 ms for a full TX queue */
	GRACE_MS = 200,         /* "nothing more arrives" after a refused frame */
	STATS_EVERY_MS = 10,
};

#define IDX_BASE 0x5e000000u /* our indexes: IDX_BASE + user */

struct opts {
	const char *relay_pub_file, *control_socket, *summary;
	uint8_t relay_ip[4], local_ip[4];
	int have_relay_ip, have_local_ip;
	uint16_t udp_port;
	unsigned users, messages, rxq, txq, timeout_ms, link_timeout_ms, linger_ms;
};

struct user {
	struct sg_aead_ctx send_ctx, recv_ctx; /* 64-byte aligned: first */
	struct sg_keypair id;
	struct sg_cookie_maker maker;
	struct sg_handshake hs;
	struct sg_replay_client replay;
	uint32_t local_index;  /* ours: the relay's frames to us carry it */
	uint32_t relay_index;  /* the relay's session index */
	uint64_t user_id;
	uint64_t send_counter;
	uint16_t udp_port;
	uint8_t suite;
	int connected, signed_up;
};

/* A DATA frame as sent, kept for the replay cases. */
struct saved {
	uint8_t frame[FRAME_MAX];
	size_t len;
	unsigned q, s, r, k;
	int valid;
};

struct peer {
	struct opts o;
	uint16_t port;
	struct rte_mempool *pool;
	uint8_t mac[6], relay_mac[6];
	uint8_t relay_pub[SG_KEY_LEN];
	int have_relay_mac, linked;
	struct user *u;      /* o.users of them */
	/* per (sender, recipient, k): 0 not sent, 1 sent; got: times delivered */
	uint8_t sent[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS];
	uint8_t got[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS];
	int8_t want_q[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS]; /* -1: any */
	struct saved saved[MAX_Q];
	uint64_t frames_sent, sent_on[MAX_Q], data_sent, data_delivered;
	uint64_t arp_replies, arp_on[MAX_Q], hs_done, rx_frames, rx_other, rx_tickets;
	int failures;
};

/* Print a failed check and count it. */
void sg_peer_fail(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

uint64_t sg_peer_now_ms(void);

/* Ethernet + IPv4 + UDP from user u's port to the relay, then payload; its length. */
size_t sg_peer_build_udp(const struct peer *p, const struct user *u, const uint8_t *payload,
			 size_t plen, uint8_t *out);


/*
 * Seal DATA k from user s to user r (receiver index rindex, normally s's
 * session) into a whole frame; when `expect`, it is recorded as a message
 * that must arrive once, on the queue of s's worker.  Its length, 0 on error.
 */
size_t sg_peer_build_data(struct peer *p, unsigned s, unsigned r, unsigned k, uint32_t rindex,
			  int expect, uint8_t *frame);

/* Send one frame on TX queue q (bounded retries).  0 or -1 (counted as a failure). */
int sg_peer_send(struct peer *p, unsigned q, const uint8_t *frame, size_t len);

/* The relay's worker for a session: the queue its frames go on. */
unsigned sg_peer_queue_of(const struct peer *p, const struct user *u);

/* One round over every RX queue, every frame checked.  Returns frames received. */
unsigned sg_peer_poll_rx(struct peer *p);

typedef int (*sg_peer_cond_fn)(const struct peer *p, const void *arg);

/* Poll until cond holds or timeout_ms pass; sleeps IDLE_US when idle.  1 when it held. */
int sg_peer_wait_until(struct peer *p, sg_peer_cond_fn cond, const void *arg,
		       unsigned timeout_ms);

#endif /* SG_TEST_PEER_H */
