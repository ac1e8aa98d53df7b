/* SPDX-License-Identifier: MIT */
/*
 * aead_cache.h - a worker's bounded cache of expanded AEAD contexts.
 *
 * Sessions hold only raw 32-byte keys (the ~400-byte session budget); the
 * 576-byte expanded contexts (AES-GCM's key schedule costs ~36 ns to build)
 * live here, per worker, for the sessions that are active.  Direct-mapped on
 * (key id, direction); key ids are never reused, so a hit is always the
 * right key.  Within one burst phase an entry claimed by one frame is never
 * evicted by another: a collision takes a spare context instead, so every
 * context handed out stays valid until the next sg_aead_cache_phase().
 *
 * With a cryptodev back end (cdev set: crypto/cryptodev.h) a context is a
 * device session of one direction instead, created here on first use and
 * freed here when its entry is evicted or swept or its spare wiped: always
 * between bursts, where this worker (the session's only user) holds none,
 * and for a gone session only after the sweep sees it retired.  A session
 * that cannot be made gives `failed`, whose frames the burst fails with
 * SG_E_DEVICE.  The bursts go through sg_aead_cache_*_burst, which pick the
 * back end.
 */
#ifndef SG_DATAPLANE_AEAD_CACHE_H
#define SG_DATAPLANE_AEAD_CACHE_H

#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/cryptodev.h"
#include "proto/pkt.h"

enum {
	SG_AEAD_DIR_RECV = 0, SG_AEAD_DIR_SEND = 1, SG_AEAD_CACHE_SPARES = 64,
	SG_AEAD_CACHE_WORKER_ENTRIES = 1024, /* a worker's cache (worker.c) */
};

struct sg_aead_cache_entry {
	struct sg_aead_ctx ctx;
	uint64_t tag;   /* key_id << 1 | dir; 0 = empty (key ids start at 1) */
	uint32_t phase; /* phase in which the entry was last handed out */
	uint32_t tpl_ok; /* tpl built for this tag (send direction) */
	uint32_t owner;  /* session index the key belongs to (for sweeping) */
	struct sg_pkt_tpl tpl; /* frame headers toward the key's session */
};

struct sg_aead_cache {
	struct sg_aead_cache_entry *e;
	uint32_t mask;
	uint32_t phase;
	uint32_t n_spare;
	uint32_t sweep;  /* next entry sg_aead_cache_sweep() looks at */
	uint64_t hits, misses, collisions, swept;
	struct sg_cdev_qp *cdev; /* the worker's cryptodev queue pair, or NULL: libsodium */
	struct sg_aead_ctx failed; /* handed out when no device session could be made */
	struct sg_aead_ctx spare[SG_AEAD_CACHE_SPARES];
};

/* entries: a power of two.  0, or -1 when memory is short. */
int sg_aead_cache_init(struct sg_aead_cache *c, uint32_t entries, int socket);
/* Before the first burst: contexts from now on are cdev's (NULL: libsodium's). */
void sg_aead_cache_set_cdev(struct sg_aead_cache *c, struct sg_cdev_qp *cdev);
/* Wipes every context (frees every session: call before the back end goes). */
void sg_aead_cache_fini(struct sg_aead_cache *c);

/* The spare contexts of the last phase: their keys wiped, their sessions freed. */
void sg_aead_cache_drop_spares(struct sg_aead_cache *c);

/* Start a burst phase (before setting up a burst of at most 64 ops). */
static inline void sg_aead_cache_phase(struct sg_aead_cache *c)
{
	c->phase++;
	if (c->n_spare)
		sg_aead_cache_drop_spares(c);
}

/* aead.h's bursts through the worker's back end. */
static inline uint16_t sg_aead_cache_open_burst(struct sg_aead_cache *c, struct sg_aead_op *ops,
						uint16_t n)
{
	return c->cdev ? sg_cdev_open_burst(c->cdev, ops, n) : sg_aead_open_burst(ops, n);
}

static inline uint16_t sg_aead_cache_seal_burst(struct sg_aead_cache *c, struct sg_aead_op *ops,
						uint16_t n)
{
	return c->cdev ? sg_cdev_seal_burst(c->cdev, ops, n) : sg_aead_seal_burst(ops, n);
}

/*
 * Wipe the entries, among the next n, whose session is gone (is_live(arg,
 * owner) false): a closed or expired session's keys do not outlive it in a
 * worker's cache.  Call between bursts.
 */
void sg_aead_cache_sweep(struct sg_aead_cache *c, unsigned n, int (*is_live)(void *, uint32_t),
			 void *arg);

/*
 * The cache entry that holds ctx, or NULL for a spare context: its tpl slot
 * (valid while tpl_ok) caches what else belongs to the key, the headers
 * toward the session, which never change during a key's life.
 */
static inline struct sg_aead_cache_entry *sg_aead_cache_entry_of(struct sg_aead_cache *c,
								 const struct sg_aead_ctx *ctx)
{
	const struct sg_aead_cache_entry *e = (const struct sg_aead_cache_entry *)(const void *)ctx;

	if (e < c->e || e > &c->e[c->mask])
		return NULL;
	return (struct sg_aead_cache_entry *)(uintptr_t)e;
}

/*
 * The context for (key_id, dir) of session `owner`, built from key on a
 * miss; NULL if out of spares or the suite is unavailable; &c->failed when
 * a device session could not be made.
 */
const struct sg_aead_ctx *sg_aead_cache_get(struct sg_aead_cache *c, uint64_t key_id,
					    unsigned dir, uint8_t suite,
					    const uint8_t key[SG_KEY_LEN], uint32_t owner);

#endif /* SG_DATAPLANE_AEAD_CACHE_H */
