/* SPDX-License-Identifier: MIT */
/*
 * registry.c - registered users in memory: an open-addressing hash from
 * identity public key to user id, and the users in an array by id.
 *
 * Invariants:
 * - users[id - 1] is user id; ids run 1..count and never move; a hole (an id
 *   whose sign-up never became durable, seen by sg_registry_restore) holds
 *   a zeroed record with id 0 and is never handed out again,
 *   so a struct sg_user pointer stays valid until sg_registry_free.  The
 *   array is allocated once for max_users with calloc, whose pages the OS
 *   commits only when first touched.
 * - The table has a power-of-two number of slots >= 2 * max_users (load
 *   factor <= 1/2), linear probing, no deletion; a slot holds the user id
 *   (0 = empty) and 32 bits of the key's hash, compared before the key.
 * - Keys are chosen by clients, so the hash is keyed: BLAKE2b(secret || key)
 *   with a 16-byte secret drawn at sg_registry_new, truncated to 64 bits.
 *   Without the secret no one can aim keys at one run of the probe sequence.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/kdf.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "registry.h"

enum {
	HASH_SECRET_LEN = 16,
	/* Above this, 2 * max_users slots no longer fit a 32-bit table. */
	MAX_USERS_LIMIT = 1u << 30,
};

struct slot {
	uint32_t tag; /* high 32 bits of the hash */
	uint32_t id;  /* 0: empty */
};

struct sg_registry {
	struct slot *slots;
	struct sg_user *users;
	uint64_t mask;        /* number of slots - 1 */
	uint32_t max_users;
	uint32_t count;
	uint8_t secret[HASH_SECRET_LEN];
};

static uint64_t key_hash(const struct sg_registry *r, const uint8_t pub[SG_KEY_LEN])
{
	uint8_t h[SG_HASH_LEN];

	sg_blake2b(h, r->secret, sizeof(r->secret), pub, SG_KEY_LEN);
	return sg_le64(h);
}

/*
 * The slot holding pub, or the empty slot where it belongs.  Always ends:
 * at most half the slots are used.
 */
static struct slot *find_slot(const struct sg_registry *r, const uint8_t pub[SG_KEY_LEN],
			      uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);

	for (uint64_t i = h & r->mask;; i = (i + 1) & r->mask) {
		struct slot *s = &r->slots[i];

		if (!s->id)
			return s;
		if (s->tag == tag && !memcmp(r->users[s->id - 1].pub, pub, SG_KEY_LEN))
			return s;
	}
}

struct sg_registry *sg_registry_new(uint32_t max_users)
{
	struct sg_registry *r;
	uint64_t nslots = 2;

	/* sg_crypto_init is idempotent; sg_random needs libsodium started. */
	if (!max_users || max_users > MAX_USERS_LIMIT || sg_crypto_init() != SG_OK)
		return NULL;
	while (nslots < 2 * (uint64_t)max_users)
		nslots <<= 1;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->slots = calloc(nslots, sizeof(*r->slots));
	r->users = calloc(max_users, sizeof(*r->users));
	if (!r->slots || !r->users) {
		sg_registry_free(r);
		return NULL;
	}
	r->mask = nslots - 1;
	r->max_users = max_users;
	sg_random(r->secret, sizeof(r->secret));
	return r;
}

void sg_registry_free(struct sg_registry *r)
{
	if (!r)
		return;
	free(r->users);
	free(r->slots);
	sg_wipe(r->secret, sizeof(r->secret));
	free(r);
}

struct sg_user *sg_registry_get_or_add(struct sg_registry *r, const uint8_t pub[SG_KEY_LEN],
				       uint64_t now, int *created)
{
	uint64_t h = key_hash(r, pub);
	struct slot *s = find_slot(r, pub, h);
	struct sg_user *u;

	if (created)
		*created = 0;
	if (s->id)
		return &r->users[s->id - 1];
	if (r->count == r->max_users)
		return NULL;

	u = &r->users[r->count];
	memset(u, 0, sizeof(*u));
	u->id = ++r->count;
	memcpy(u->pub, pub, SG_KEY_LEN);
	u->created = now;
	u->last_seen = now;
	s->tag = (uint32_t)(h >> 32);
	s->id = r->count;
	if (created)
		*created = 1;
	return u;
}

struct sg_user *sg_registry_by_key(const struct sg_registry *r, const uint8_t pub[SG_KEY_LEN])
{
	const struct slot *s = find_slot(r, pub, key_hash(r, pub));

	return s->id ? &r->users[s->id - 1] : NULL;
}

struct sg_user *sg_registry_by_id(const struct sg_registry *r, uint64_t id)
{
	return id >= 1 && id <= r->count && r->users[id - 1].id == id ? &r->users[id - 1] : NULL;
}

int sg_registry_restore(struct sg_registry *r, const struct sg_user *u)
{
	uint64_t h;
	struct slot *s;

	if (u->id <= r->count || u->id > r->max_users)
		return SG_E_INVAL;
	h = key_hash(r, u->pub);
	s = find_slot(r, u->pub, h);
	if (s->id)
		return SG_E_INVAL;
	/* Ids between hold nobody (a sign-up lost before its commit): zeroed, id 0. */
	for (uint64_t id = r->count + 1; id < u->id; id++)
		memset(&r->users[id - 1], 0, sizeof(r->users[0]));
	r->users[u->id - 1] = *u;
	r->count = (uint32_t)u->id;
	s->tag = (uint32_t)(h >> 32);
	s->id = r->count;
	return SG_OK;
}

uint64_t sg_registry_bytes(const struct sg_registry *r)
{
	return sizeof(*r) + (r->mask + 1) * sizeof(*r->slots) +
	       (uint64_t)r->max_users * sizeof(*r->users);
}

uint64_t sg_registry_count(const struct sg_registry *r)
{
	return r->count;
}

uint32_t sg_registry_capacity(const struct sg_registry *r)
{
	return r->max_users;
}

int sg_registry_accept_timestamp(struct sg_user *u, const uint8_t ts[SG_TAI64N_LEN])
{
	/* TAI64N is big-endian seconds then nanoseconds: byte order is time order. */
	if (memcmp(ts, u->last_ts, SG_TAI64N_LEN) <= 0)
		return SG_E_TIMESTAMP;
	memcpy(u->last_ts, ts, SG_TAI64N_LEN);
	return SG_OK;
}
