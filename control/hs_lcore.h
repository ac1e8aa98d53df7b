/* SPDX-License-Identifier: MIT */
/*
 * hs_lcore.h - handshake lcores: the X25519 half of Noise IK handshakes on
 * lcores beside the main lcore (config handshake_lcores).
 *
 * A handshake takes five X25519 operations on the relay (message 1: es, ss;
 * the response: its ephemeral key, ee, se), ~99 % of its cost.  The main
 * lcore keeps everything that needs the control plane's tables and is
 * cheap (mac1, cookies, the rate limit; then the registry, the replay
 * timestamp, the session slot, the response's payload and mac1, the store,
 * publishing) and hands the X25519 half to a handshake lcore:
 *
 *   main: mac1 / cookie / rate -> in ring -> lcore: sg_hs_prep_run()
 *   -> out ring -> main: sg_plane_handshake_finish()
 *
 * The state travels in the mbuf's tailroom (struct sg_hs_prep, wiped by
 * the main lcore when it is done with it), with the relay static key its
 * mac1 is under (x->key: current or, in a rotation's grace period, the
 * previous one).  A handshake lcore touches no table: only that key
 * (read-only), its two rings and libsodium.  The key is not wiped while a
 * handshake holding it is in either ring or on the lcore: the main lcore
 * counts it held from submission until sg_plane_handshake_finish
 * (keys_ctl.c: sg_plane_keys_hold, _release), and the lcore returns every
 * handshake it takes.
 * When idle it sleeps in poll(2) on its eventfd (wake.h), kicked by the
 * main lcore, so it may share a CPU with the main lcore; it kicks the main
 * lcore when it has results.  Rings are single-producer/single-consumer;
 * a full in ring refuses the handshake (counted handshake_busy; the client
 * resends), which can only happen above cookie_backlog, i.e. under load.
 */
#ifndef SG_CONTROL_HS_LCORE_H
#define SG_CONTROL_HS_LCORE_H

#include <stdint.h>

#include <rte_common.h>

#include "crypto/handshake.h"
#include "proto/handshake_msg.h"
#include "wake.h"

struct rte_mbuf;
struct rte_ring;
struct sg_keypair;

/* What a handshake carries between its two halves (in its mbuf). */
struct sg_hs_prep {
	struct sg_handshake hs;
	struct sg_init_payload ip;
	uint8_t client_pub[SG_KEY_LEN];
	uint8_t resp[SG_RESP_LEN];
	const struct sg_keypair *key; /* the relay key its mac1 is under (held: keys_ctl.h) */
	int rc;            /* SG_OK, or why message 1 or the response's DH failed */
	uint8_t old_key;   /* key is the previous one (counted handshakes_old_key) */
};

/* The scratch of m (aligned, in its tailroom), or NULL if it has no room. */
struct sg_hs_prep *sg_hs_prep_of(struct rte_mbuf *m);

/* The X25519 half of the initiation msg (len bytes) under x->key: fills x, x->rc. */
void sg_hs_prep_run(struct sg_hs_prep *x, const uint8_t *msg, uint16_t len);

struct sg_hs_lcore {
	struct rte_ring *in;          /* main -> lcore */
	struct rte_ring *out;         /* lcore -> main */
	struct sg_wake wake;          /* the main lcore kicks it */
	struct sg_wake *main_wake;    /* it kicks the main lcore */
	volatile int *stop;
	uint64_t prepared;            /* handshakes done (relaxed; stats) */
	uint64_t sleeps;
	unsigned cap;                 /* handshakes in flight at most (both rings) */
	unsigned id;
} __rte_cache_aligned;

/* Rings of ring_size (a power of two) on socket.  0, or -1 with err. */
int sg_hs_lcore_init(struct sg_hs_lcore *l, unsigned id, unsigned ring_size, int socket,
		     struct sg_wake *main_wake, volatile int *stop, char *err, size_t errlen);
/* After the lcore stopped: frees what is still in the rings (scratch wiped). */
void sg_hs_lcore_fini(struct sg_hs_lcore *l);

/* Main lcore: hand m over.  0, or -1 when the lcore's ring is full (m not taken). */
int sg_hs_lcore_submit(struct sg_hs_lcore *l, struct rte_mbuf *m);

/* The lcore's loop (rte_eal_remote_launch). */
int sg_hs_lcore_main(void *arg);

#endif /* SG_CONTROL_HS_LCORE_H */
