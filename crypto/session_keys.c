/* SPDX-License-Identifier: MIT */
/*
 * session_keys.c - transport key life cycle (see session_keys.h).
 *
 * Receive side, phase p of an incoming frame:
 *   p == recv_phase            -> recv
 *   p != recv_phase, previous key still in its grace period
 *                              -> recv_prev (a late frame of the old phase)
 *   p != recv_phase, otherwise -> next(recv), the peer has updated (a late
 *                                 frame after the grace period then simply
 *                                 fails authentication)
 * so a peer may update again only after our grace period for its previous
 * update has ended (SG_KEY_UPDATE_AFTER_S >> SG_KEY_PHASE_GRACE_S).
 */
#include <string.h>

#include "aead.h"
#include "crypto.h"
#include "proto/status.h"
#include "session_keys.h"

_Static_assert(SG_KEY_UPDATE_AFTER_S > 2 * SG_KEY_PHASE_GRACE_S,
	       "a key update must outlast the grace period of the previous one");

void sg_skeys_init(struct sg_session_keys *k, uint8_t suite, const uint8_t send[SG_KEY_LEN],
		   const uint8_t recv[SG_KEY_LEN], uint64_t now)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->send, send, SG_KEY_LEN);
	memcpy(k->recv, recv, SG_KEY_LEN);
	k->suite = suite;
	k->born = now;
	k->send_updated = now;
}

int sg_skeys_expired(const struct sg_session_keys *k, uint64_t now)
{
	return now >= k->born + SG_REJECT_AFTER_S;
}

int sg_skeys_send_update_due(const struct sg_session_keys *k, uint64_t now)
{
	return now >= k->send_updated + SG_KEY_UPDATE_AFTER_S;
}

void sg_skeys_send_update(struct sg_session_keys *k, uint64_t now)
{
	uint8_t next[SG_KEY_LEN];

	sg_aead_key_next(next, k->send);
	memcpy(k->send, next, SG_KEY_LEN);
	sg_wipe(next, sizeof(next));
	k->send_phase ^= 1;
	k->send_updated = now;
}

void sg_skeys_tick(struct sg_session_keys *k, uint64_t now)
{
	if (k->has_prev && now >= k->prev_until) {
		sg_wipe(k->recv_prev, sizeof(k->recv_prev));
		k->has_prev = 0;
	}
}

int sg_skeys_recv_select(const struct sg_session_keys *k, uint8_t phase, uint64_t now,
			 uint8_t key_out[SG_KEY_LEN], int *is_next)
{
	*is_next = 0;
	if ((phase & 1) == k->recv_phase) {
		memcpy(key_out, k->recv, SG_KEY_LEN);
		return SG_OK;
	}
	if (k->has_prev && now < k->prev_until) {
		memcpy(key_out, k->recv_prev, SG_KEY_LEN);
		return SG_OK;
	}
	sg_aead_key_next(key_out, k->recv);
	*is_next = 1;
	return SG_OK;
}

void sg_skeys_recv_commit(struct sg_session_keys *k, uint64_t now)
{
	uint8_t next[SG_KEY_LEN];

	sg_aead_key_next(next, k->recv);
	memcpy(k->recv_prev, k->recv, SG_KEY_LEN);
	memcpy(k->recv, next, SG_KEY_LEN);
	sg_wipe(next, sizeof(next));
	k->recv_phase ^= 1;
	k->has_prev = 1;
	k->prev_until = now + SG_KEY_PHASE_GRACE_S;
}

void sg_skeys_wipe(struct sg_session_keys *k)
{
	sg_wipe(k, sizeof(*k));
}
