/* SPDX-License-Identifier: MIT */
/*
 * session_keys.h - the life cycle of one session's transport keys.
 *
 *   born at the handshake (sg_skeys_init, from sg_hs_keys)
 *   send key updated every SG_KEY_UPDATE_AFTER_S (one-way, KEY_PHASE flips)
 *   receive side follows the peer's phase; the previous receive key is kept
 *     SG_KEY_PHASE_GRACE_S for frames still in flight, then wiped
 *   refused after SG_REJECT_AFTER_S from the handshake; wiped on expiry/close
 *
 * Pure policy and key material, no clocks of its own: callers pass `now`
 * (seconds, monotonic).  Every replaced key is overwritten with zeros.
 * Concurrency (several data-plane readers) is the owner's concern.
 */
#ifndef SG_CRYPTO_SESSION_KEYS_H
#define SG_CRYPTO_SESSION_KEYS_H

#include <stdint.h>

#include "proto/messages.h"

struct sg_session_keys {
	uint8_t send[SG_KEY_LEN];
	uint8_t recv[SG_KEY_LEN];      /* receive key of recv_phase */
	uint8_t recv_prev[SG_KEY_LEN]; /* the previous phase, during the grace period */
	uint64_t born;                 /* handshake completion */
	uint64_t send_updated;         /* last send key change (born at first) */
	uint64_t prev_until;           /* recv_prev valid while now < prev_until */
	uint8_t suite;
	uint8_t send_phase;            /* KEY_PHASE bit of frames we seal */
	uint8_t recv_phase;
	uint8_t has_prev;
};

void sg_skeys_init(struct sg_session_keys *k, uint8_t suite, const uint8_t send[SG_KEY_LEN],
		   const uint8_t recv[SG_KEY_LEN], uint64_t now);

/* Keys older than SG_REJECT_AFTER_S must not be used in either direction. */
int sg_skeys_expired(const struct sg_session_keys *k, uint64_t now);

/* True when the send key is due for its update. */
int sg_skeys_send_update_due(const struct sg_session_keys *k, uint64_t now);

/* Replace the send key with its one-way successor and flip send_phase. */
void sg_skeys_send_update(struct sg_session_keys *k, uint64_t now);

/*
 * Choose the key that opens a frame whose header says phase (0 or 1).
 * Returns SG_OK with the key in key_out and *is_next = 1 when it is the
 * peer's next key (not yet committed: call sg_skeys_recv_commit once a frame
 * authenticated under it).  Once the grace period is over, the other phase
 * always means the next key, whether or not sg_skeys_tick() ran.
 */
int sg_skeys_recv_select(const struct sg_session_keys *k, uint8_t phase, uint64_t now,
			 uint8_t key_out[SG_KEY_LEN], int *is_next);

/* A frame authenticated under the next receive key: move to it. */
void sg_skeys_recv_commit(struct sg_session_keys *k, uint64_t now);

/* Drop the previous receive key once its grace period is over. */
void sg_skeys_tick(struct sg_session_keys *k, uint64_t now);

void sg_skeys_wipe(struct sg_session_keys *k);

#endif /* SG_CRYPTO_SESSION_KEYS_H */
