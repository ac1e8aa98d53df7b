/* SPDX-License-Identifier: MIT */
/*
 * aead_cache.c - per-worker cache of expanded AEAD contexts (see the
 * header).  Memory comes from rte_zmalloc_socket on the worker's socket,
 * locked and left out of core dumps (crypto/secure.h); on fini every
 * context is wiped.
 */
#include <string.h>

#include <rte_malloc.h>

#include "aead_cache.h"
#include "crypto/crypto.h"
#include "crypto/secure.h"

int sg_aead_cache_init(struct sg_aead_cache *c, uint32_t entries, int socket)
{
	memset(c, 0, sizeof(*c));
	if (entries == 0 || (entries & (entries - 1)))
		return -1;
	c->e = rte_zmalloc_socket("sg_aead_cache", sizeof(*c->e) * entries, 64, socket);
	if (!c->e)
		return -1;
	/* Expanded keys: locked, left out of core dumps (counted). */
	(void)sg_secure_region(c->e, sizeof(*c->e) * entries);
	c->mask = entries - 1;
	return 0;
}

void sg_aead_cache_fini(struct sg_aead_cache *c)
{
	if (c->e) {
		sg_wipe(c->e, sizeof(*c->e) * (c->mask + 1));
		rte_free(c->e);
	}
	sg_wipe(c->spare, sizeof(c->spare));
	c->e = NULL;
}

static inline uint32_t slot_of(uint64_t tag, uint32_t mask)
{
	/* Fibonacci hashing: key ids are sequential, spread them. */
	return (uint32_t)((tag * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;
}

const struct sg_aead_ctx *sg_aead_cache_get(struct sg_aead_cache *c, uint64_t key_id,
					    unsigned dir, uint8_t suite,
					    const uint8_t key[SG_KEY_LEN], uint32_t owner)
{
	const uint64_t tag = key_id << 1 | (dir & 1);
	struct sg_aead_cache_entry *e = &c->e[slot_of(tag, c->mask)];

	if (e->tag == tag) {
		e->phase = c->phase;
		c->hits++;
		return &e->ctx;
	}
	if (e->phase == c->phase && e->tag != 0) {
		/* Claimed by another frame of this burst: do not evict it. */
		struct sg_aead_ctx *s;

		if (c->n_spare == SG_AEAD_CACHE_SPARES)
			return NULL;
		s = &c->spare[c->n_spare++];
		c->collisions++;
		return sg_aead_ctx_init(s, suite, key) == 0 ? s : NULL;
	}
	c->misses++;
	e->tag = 0;
	e->tpl_ok = 0;
	if (sg_aead_ctx_init(&e->ctx, suite, key) != 0)
		return NULL;
	e->tag = tag;
	e->owner = owner;
	e->phase = c->phase;
	return &e->ctx;
}

void sg_aead_cache_sweep(struct sg_aead_cache *c, unsigned n, int (*is_live)(void *, uint32_t),
			 void *arg)
{
	for (unsigned i = 0; i < n; i++) {
		struct sg_aead_cache_entry *e = &c->e[c->sweep++ & c->mask];

		if (e->tag != 0 && !is_live(arg, e->owner)) {
			sg_aead_ctx_wipe(&e->ctx);
			e->tag = 0;
			e->tpl_ok = 0;
			c->swept++;
		}
	}
}
