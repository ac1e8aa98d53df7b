/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - per-source token buckets for handshake initiations under
 * load (PROTOCOL.md §5, WireGuard's rule): a source whose address is proven
 * by mac2 may still start only `rate` handshakes a second, `burst` at once.
 *
 * A source is an IPv4 address (/32) or an IPv6 /64 prefix (one host, one
 * subscriber's network).  Pure C, no DPDK, no locks: one owner (the control
 * lcore).  The table is fixed at init (entries, a power of two) and never
 * allocates afterwards.  Sources are placed by a keyed hash with a random
 * per-process secret, so nobody outside can aim at a slot on purpose; a new
 * source that lands on a slot held by another takes it over with a full
 * bucket.  Bounded memory beats perfect fairness: at worst a colliding
 * source resets another's bucket to full, no worse than that source being
 * new.
 */
#ifndef SG_CONTROL_RATELIMIT_H
#define SG_CONTROL_RATELIMIT_H

#include <stdint.h>

struct sg_ratelimit_entry;

struct sg_ratelimit {
	struct sg_ratelimit_entry *slots;  /* entries of them; NULL before init, after fini */
	uint32_t mask;                     /* entries - 1 */
	uint64_t cost;                     /* one token, in nanoseconds of refill (1e9 / rate) */
	uint64_t cap;                      /* burst tokens, likewise */
	uint8_t secret[32];                /* hash key, random per process */
	uint64_t collisions;               /* a new source took a slot another held (its bucket reset) */
};

/*
 * entries: a power of two (1..2^24); rate: initiations per second (> 0);
 * burst: initiations at once (>= 1).  0, or -1 (bad argument, no memory).
 */
int sg_ratelimit_init(struct sg_ratelimit *rl, unsigned entries, double rate, double burst);

/*
 * One initiation from addr (family 4: 4 bytes; 6: 16 bytes, only the first 8
 * count) at now_ns (any monotonic clock, nanoseconds).  1: allowed (a token
 * taken); 0: over its rate.
 */
int sg_ratelimit_allow(struct sg_ratelimit *rl, int family, const uint8_t *addr,
		       uint64_t now_ns);

/*
 * New rate and burst for every source (config reload): 0, or -1 (out of
 * range, nothing changed).  A bucket keeps its tokens, capped at the new
 * burst when it next refills.
 */
int sg_ratelimit_set(struct sg_ratelimit *rl, double rate, double burst);

/* Frees the table; safe on a zeroed struct or twice. */
void sg_ratelimit_fini(struct sg_ratelimit *rl);

#endif /* SG_CONTROL_RATELIMIT_H */
