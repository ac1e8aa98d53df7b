/* SPDX-License-Identifier: MIT */
/*
 * secure.h - memory that holds secrets: locked in RAM (never written to
 * swap) and left out of core dumps.
 *
 * Two ways in:
 *  - sg_secure_alloc(): small secrets of our own (the relay's static keys,
 *    the cookie secret, the ticket key ring, the spool key): libsodium's
 *    sodium_malloc, guard pages around it, zeroed when freed.
 *  - sg_secure_region(): memory someone else allocated (DPDK's heap: the
 *    session table, the workers' AEAD caches and cookie followers, the mbuf
 *    pool; a client's state): its pages, rounded outwards to the page size
 *    of the mapping (4 KiB, or 2 MiB / 1 GiB hugepages: a hugepage mapping
 *    cannot be split), get MADV_DONTDUMP and mlock.  The marks last as long
 *    as the mapping and are never taken off (two regions may share a page);
 *    whatever shares a page with a region is left out of core dumps too.
 *
 * Leaving a region out of core dumps should never fail; locking can
 * (RLIMIT_MEMLOCK without CAP_IPC_LOCK).  Both are counted for the whole
 * process (sg_secure_stats) so that the relay can report them: the
 * caller decides whether a failure stops it.  Wiping stays the owner's job
 * (sg_wipe, before the memory is freed or reused).
 */
#ifndef SG_CRYPTO_SECURE_H
#define SG_CRYPTO_SECURE_H

#include <stddef.h>
#include <stdint.h>

/* What sg_secure_region could not do (bits; 0: all of it). */
enum {
	SG_SECURE_UNLOCKED = 1, /* mlock failed: the pages may be swapped out */
	SG_SECURE_DUMPABLE = 2, /* MADV_DONTDUMP failed: the pages go into core dumps */
};

/* Counts since the process started (relaxed atomics: any thread). */
struct sg_secure_stats {
	uint64_t regions;         /* sg_secure_region and sg_secure_alloc calls that succeeded in part or whole */
	uint64_t bytes;           /* bytes they asked for (cumulative: frees are not subtracted) */
	uint64_t unlocked;        /* regions whose mlock failed */
	uint64_t dumpable;        /* regions whose MADV_DONTDUMP failed */
};

/*
 * Leave the pages of [p, p + n) out of core dumps and lock them.  0, or
 * SG_SECURE_UNLOCKED and/or SG_SECURE_DUMPABLE.  n 0 or p NULL: 0.
 */
int sg_secure_region(void *p, size_t n);

void sg_secure_stats(struct sg_secure_stats *out);

/* Guarded, locked, left out of core dumps, zeroed; NULL on failure. */
void *sg_secure_alloc(size_t n);
/* Zeroes and unmaps p (from sg_secure_alloc); NULL: nothing. */
void sg_secure_free(void *p);

#endif /* SG_CRYPTO_SECURE_H */
