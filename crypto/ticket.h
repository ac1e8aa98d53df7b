/* SPDX-License-Identifier: MIT */
/*
 * ticket.h - the relay's resumption tickets and the ring of keys that seal
 * them (docs/PROTOCOL.md section 9).
 *
 *   ticket (92) = key_id (4, LE) || nonce (24, random)
 *                 || XChaCha20-Poly1305(ticket_key[key_id], nonce,
 *                      ad = key_id bytes,
 *                      user_id (8) || issued (8, unix s) || secret (32)) + tag
 *
 * The ring holds the current key and the previous one.  The current key is
 * replaced every rotate_s (the previous one is wiped then, so a key lives at
 * most 2 x rotate_s); a ticket opens only under one of the two, and only
 * while now - issued < lifetime_s.  Clocks are unix seconds passed in by
 * the caller (tickets outlive a restart, so a monotonic clock will not do).
 * The ring holds secrets: the relay keeps it in locked memory and wipes it.
 * Export/import carry both keys across a restart (the relay stores them).
 */
#ifndef SG_CRYPTO_TICKET_H
#define SG_CRYPTO_TICKET_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

struct sg_ticket_key {
	uint8_t key[SG_KEY_LEN];
	uint64_t born;  /* unix seconds */
	uint32_t id;
	uint8_t valid;
};

struct sg_ticket_ring {
	struct sg_ticket_key cur;
	struct sg_ticket_key prev;
	uint32_t rotate_s;
	uint32_t lifetime_s;
};

/* What a ticket holds. */
struct sg_ticket_plain {
	uint64_t user_id;
	uint64_t issued;              /* relay's unix seconds at sealing */
	uint8_t secret[SG_KEY_LEN];   /* resumption secret */
};

enum {
	/* format (4) || reserved (4) || 2 x (id 4, flags 4, born 8, key 32) */
	SG_TICKET_KEYS_EXPORT_LEN = 8 + 2 * 48,
	SG_TICKET_KEYS_FORMAT = 1,
};

/*
 * A ring with a fresh current key born at now.  rotate_s and lifetime_s of
 * 0 take SG_TICKET_ROTATE_S and SG_TICKET_LIFETIME_S.  SG_E_INVAL when
 * lifetime_s exceeds 2 x rotate_s (a ticket would outlive its key).
 */
int sg_ticket_ring_init(struct sg_ticket_ring *r, uint32_t rotate_s, uint32_t lifetime_s,
			uint64_t now);
void sg_ticket_ring_wipe(struct sg_ticket_ring *r);

/* Rotate when the current key is rotate_s old (or born in the future). */
void sg_ticket_ring_tick(struct sg_ticket_ring *r, uint64_t now);

/* Rotate now: current -> previous (the old previous wiped), a new current. */
void sg_ticket_rotate(struct sg_ticket_ring *r, uint64_t now);

/*
 * Seal a ticket for user_id holding secret under the current key (after
 * sg_ticket_ring_tick).  nonce_fixed is NULL in production.  Returns the
 * lifetime to announce to the client in seconds: how long the relay will
 * accept it, the lesser of lifetime_s and its key's remaining life.
 */
uint32_t sg_ticket_seal(struct sg_ticket_ring *r, uint8_t out[SG_TICKET_LEN], uint64_t user_id,
			const uint8_t secret[SG_KEY_LEN], uint64_t now,
			const uint8_t *nonce_fixed);

/*
 * Open a ticket.  SG_E_KEY when its key id is neither current nor previous
 * or it does not authenticate; SG_E_EXPIRED when now - issued >= lifetime_s
 * or it was issued more than SG_TICKET_CLOCK_SLACK_S in the future.  out is
 * written only on success (the caller wipes out->secret).
 */
enum { SG_TICKET_CLOCK_SLACK_S = 60 };
int sg_ticket_open(const struct sg_ticket_ring *r, const uint8_t in[SG_TICKET_LEN], uint64_t now,
		   struct sg_ticket_plain *out);

/* Both keys (ids, ages, bytes) for storage; out holds secrets: wipe it. */
void sg_ticket_keys_export(const struct sg_ticket_ring *r,
			   uint8_t out[SG_TICKET_KEYS_EXPORT_LEN]);

/*
 * Replace the ring's keys with exported ones, keeping rotate_s and
 * lifetime_s, then tick at now (a key that is due rotates; a previous key
 * older than 2 x rotate_s is dropped).  SG_E_VERSION for another format,
 * SG_E_KEY for a malformed buffer (no current key, undefined flags); the
 * ring is unchanged on failure.
 */
int sg_ticket_keys_import(struct sg_ticket_ring *r, const uint8_t in[SG_TICKET_KEYS_EXPORT_LEN],
			  uint64_t now);

#endif /* SG_CRYPTO_TICKET_H */
