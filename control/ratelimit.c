/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c - the token buckets behind ratelimit.h.
 *
 * Fixed point as in WireGuard's ratelimiter: a bucket holds nanoseconds of
 * refill; one token costs 1e9 / rate of them, the bucket holds at most
 * burst tokens, and it gains the nanoseconds elapsed since it was last
 * touched.  So refill = rate x elapsed exactly, with no division per call.
 *
 * Invariants:
 * - One slot per hash value (direct-mapped, no probing): a lookup touches
 *   one 32-byte entry; a different source in the slot is replaced.
 * - key[0] is the family (0: free slot), then the 4 address bytes of an
 *   IPv4 source or the 8 prefix bytes of an IPv6 one, the rest zero.
 * - A clock that goes backwards refills nothing (it never drains either).
 */
#include <stdlib.h>
#include <string.h>

#include "control/ratelimit.h"
#include "crypto/crypto.h"
#include "crypto/kdf.h"

enum {
	RL_KEY_LEN = 9,             /* family + up to 8 bytes of address */
	RL_MAX_ENTRIES = 1u << 24,
};

#define RL_NS_PER_S 1000000000.0

struct sg_ratelimit_entry {
	uint64_t tokens;            /* nanoseconds of refill held */
	uint64_t last_ns;           /* when tokens was last brought up to date */
	uint8_t key[16];            /* RL_KEY_LEN used */
};

_Static_assert(sizeof(struct sg_ratelimit_entry) == 32, "two entries per cache line");

/* A token's cost and the bucket's cap in nanoseconds of refill; -1 when out of range. */
static int costs(double rate, double burst, uint64_t *cost_ns, uint64_t *cap_ns)
{
	double cost;

	if (!(rate > 0.0) || !(burst >= 1.0))
		return -1;
	cost = RL_NS_PER_S / rate + 0.5;
	if (cost < 1.0 || burst > 1e9 || cost * burst > 1e18)
		return -1;
	cost = (double)(uint64_t)cost;             /* rounded to whole nanoseconds */
	*cost_ns = (uint64_t)cost;
	*cap_ns = (uint64_t)(cost * (double)(uint64_t)burst); /* whole tokens */
	return 0;
}

int sg_ratelimit_init(struct sg_ratelimit *rl, unsigned entries, double rate, double burst)
{
	uint64_t cost, cap;

	memset(rl, 0, sizeof(*rl));
	if (entries == 0 || entries > RL_MAX_ENTRIES || (entries & (entries - 1)) != 0)
		return -1;
	if (costs(rate, burst, &cost, &cap) != 0)
		return -1;
	rl->slots = calloc(entries, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	rl->mask = entries - 1;
	rl->cost = cost;
	rl->cap = cap;
	sg_random(rl->secret, sizeof(rl->secret));
	return 0;
}

int sg_ratelimit_set(struct sg_ratelimit *rl, double rate, double burst)
{
	uint64_t cost, cap;

	if (costs(rate, burst, &cost, &cap) != 0)
		return -1;
	rl->cost = cost;
	rl->cap = cap;
	return 0;
}

static uint32_t slot_of(const struct sg_ratelimit *rl, const uint8_t key[RL_KEY_LEN])
{
	uint8_t h[SG_HASH_LEN];
	uint32_t v;

	sg_blake2b(h, rl->secret, sizeof(rl->secret), key, RL_KEY_LEN);
	v = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	return v & rl->mask;
}

int sg_ratelimit_allow(struct sg_ratelimit *rl, int family, const uint8_t *addr,
		       uint64_t now_ns)
{
	uint8_t key[RL_KEY_LEN] = { 0 };
	struct sg_ratelimit_entry *e;

	key[0] = (uint8_t)family;
	memcpy(key + 1, addr, family == 4 ? 4 : 8);
	e = &rl->slots[slot_of(rl, key)];
	if (memcmp(e->key, key, RL_KEY_LEN) != 0) {
		/* New source, or another took the slot: a full bucket, minus this one. */
		if (e->key[0])
			rl->collisions++; /* the table's bound bit: the other's bucket is lost */
		memset(e, 0, sizeof(*e));
		memcpy(e->key, key, RL_KEY_LEN);
		e->tokens = rl->cap - rl->cost;
		e->last_ns = now_ns;
		return 1;
	}
	if (now_ns > e->last_ns) {
		uint64_t gained = now_ns - e->last_ns;

		/* tokens may stand above a cap lowered by sg_ratelimit_set */
		e->tokens = e->tokens >= rl->cap || gained >= rl->cap - e->tokens ?
			    rl->cap : e->tokens + gained;
		e->last_ns = now_ns;
	}
	if (e->tokens < rl->cost)
		return 0;
	e->tokens -= rl->cost;
	return 1;
}

void sg_ratelimit_fini(struct sg_ratelimit *rl)
{
	free(rl->slots);
	sg_wipe(rl->secret, sizeof(rl->secret));
	rl->slots = NULL;
	rl->mask = 0;
}
