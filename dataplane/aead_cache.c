/* SPDX-License-Identifier: MIT */
/*
 * aead_cache.c - per-worker cache of expanded AEAD contexts (see the
 * header).  Memory comes from rte_zmalloc_socket on the worker's socket,
 * locked and left out of core dumps (crypto/secure.h); on fini every
 * context is wiped (and every device session freed).
 */
#include <string.h>

#include <rte_malloc.h>

#include "aead_cache.h"
#include "proto/status.h"
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
	c->failed.suite = SG_AEAD_SUITE_DEV; /* no session: its frames fail (SG_E_DEVICE) */
	return 0;
}

void sg_aead_cache_set_cdev(struct sg_aead_cache *c, struct sg_cdev_qp *cdev)
{
	c->cdev = cdev;
}

/* Build ctx; NULL, or &c->failed when the device could not make a session. */
static const struct sg_aead_ctx *ctx_make(struct sg_aead_cache *c, struct sg_aead_ctx *ctx,
					  uint8_t suite, unsigned dir,
					  const uint8_t key[SG_KEY_LEN])
{
	int rc;

	if (!c->cdev)
		return sg_aead_ctx_init(ctx, suite, key) == 0 ? ctx : NULL;
	rc = sg_cdev_ctx_init(c->cdev, ctx, suite,
			      dir == SG_AEAD_DIR_SEND ? SG_AEAD_SEAL : SG_AEAD_OPEN, key);
	if (rc == 0)
		return ctx;
	return rc == SG_E_DEVICE ? &c->failed : NULL;
}

/* Wipe ctx, freeing its session if it has one. */
static inline void ctx_drop(struct sg_aead_cache *c, struct sg_aead_ctx *ctx)
{
	if (c->cdev)
		sg_cdev_ctx_release(c->cdev, ctx);
	else
		sg_aead_ctx_wipe(ctx);
}

void sg_aead_cache_drop_spares(struct sg_aead_cache *c)
{
	if (c->cdev) {
		for (uint32_t i = 0; i < c->n_spare; i++)
			sg_cdev_ctx_release(c->cdev, &c->spare[i]);
	} else {
		sg_wipe(c->spare, sizeof(c->spare[0]) * c->n_spare);
	}
	c->n_spare = 0;
}

void sg_aead_cache_fini(struct sg_aead_cache *c)
{
	if (c->e) {
		if (c->cdev)
			for (uint32_t i = 0; i <= c->mask; i++)
				if (c->e[i].tag != 0)
					sg_cdev_ctx_release(c->cdev, &c->e[i].ctx);
		sg_wipe(c->e, sizeof(*c->e) * (c->mask + 1));
		rte_free(c->e);
	}
	sg_aead_cache_drop_spares(c);
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
	const struct sg_aead_ctx *ctx;

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
		s = &c->spare[c->n_spare];
		c->collisions++;
		ctx = ctx_make(c, s, suite, dir, key);
		c->n_spare += ctx == s; /* a spare holds a session only when it got one */
		return ctx;
	}
	c->misses++;
	if (e->tag != 0 && c->cdev)
		sg_cdev_ctx_release(c->cdev, &e->ctx); /* its session goes back to the pool */
	e->tag = 0;
	e->tpl_ok = 0;
	ctx = ctx_make(c, &e->ctx, suite, dir, key);
	if (ctx != &e->ctx)
		return ctx; /* NULL or &c->failed: the entry stays empty */
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
			ctx_drop(c, &e->ctx);
			e->tag = 0;
			e->tpl_ok = 0;
			c->swept++;
		}
	}
}
