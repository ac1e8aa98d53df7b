/* SPDX-License-Identifier: MIT */
/*
 * src.h - surge-gen's source addresses (pure C, no DPDK): the simulated
 * users spread over `count` consecutive IPv4 addresses from `base`, so the
 * relay's per-source handshake limit (control/ratelimit.h: one bucket per
 * IPv4 address) sees many sources instead of one.
 *
 *   - user i sends from base + (i mod count): a pure function of the index,
 *     so every retry and every cookie resend of a handshake comes from the
 *     same address (a cookie is bound to the source address and port; the
 *     port names the handshake's slot and is stable too, surge.h);
 *   - the range lies inside 198.18.0.0/15 (RFC 2544's benchmarking block)
 *     and does not hold the relay's address; count is 1..SG_GEN_SRC_MAX;
 *   - the generator's own address (--gen-ip) and every address of the range
 *     are "ours": answers to any of them are taken, and ARP requests for any
 *     of them are answered with the port's MAC;
 *   - initiations sent are counted per address (`sent`, 4 bytes each), for
 *     the report's spread (sources used, fewest and most per source).
 */
#ifndef SG_GEN_SRC_H
#define SG_GEN_SRC_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_GEN_SRC_MAX = 65536,
};

/* Why a range is refused (sg_gen_src_check). */
enum sg_gen_src_error {
	SG_GEN_SRC_OK = 0,
	SG_GEN_SRC_E_COUNT = -1,   /* count not in 1..SG_GEN_SRC_MAX */
	SG_GEN_SRC_E_OUTSIDE = -2, /* an address outside 198.18.0.0/15 */
	SG_GEN_SRC_E_RELAY = -3,   /* the relay's address is in the range */
	SG_GEN_SRC_E_NOMEM = -4,   /* no memory for the per-address counts */
};

struct sg_gen_src {
	uint32_t base;   /* first address, host byte order */
	uint32_t count;  /* addresses in the range */
	uint32_t *sent;  /* initiations sent per address; NULL before init */
};

/* Is the range [base, base + count) acceptable with the relay at relay_ip? */
int sg_gen_src_check(const uint8_t base[4], uint32_t count, const uint8_t relay_ip[4]);

/*
 * SG_GEN_SRC_OK, SG_GEN_SRC_E_COUNT or SG_GEN_SRC_E_NOMEM (nothing to fini
 * then).  Where the range lies is the caller's to check (sg_gen_src_check):
 * a lone --gen-ip may be any address.
 */
int sg_gen_src_init(struct sg_gen_src *r, const uint8_t base[4], uint32_t count);
void sg_gen_src_fini(struct sg_gen_src *r);

/* User i's source address. */
void sg_gen_src_addr(const struct sg_gen_src *r, uint32_t i, uint8_t out[4]);

/* a's position in the range, or -1. */
int64_t sg_gen_src_pos(const struct sg_gen_src *r, const uint8_t a[4]);

/* User i sent an initiation. */
static inline void sg_gen_src_note(struct sg_gen_src *r, uint32_t i)
{
	if (r->sent)
		r->sent[i % r->count]++;
}

/* The spread of `sent`: addresses that sent at all, the fewest and most of any. */
void sg_gen_src_spread(const struct sg_gen_src *r, uint32_t *used, uint32_t *min,
		       uint32_t *max);

/*
 * Set the source address of the IPv4 header at ip to a, updating its
 * checksum incrementally (RFC 1624, eqn. 3): for frames built from a
 * template made for another address of the range.
 */
void sg_gen_src_set_ip4_src(uint8_t *ip, const uint8_t a[4]);

/*
 * An ARP request in frame (len bytes) for gen_ip or an address of the
 * range, answered in place from mac: the reply's length, or 0 when the
 * frame is not such a question.
 */
size_t sg_gen_src_arp_answer(const struct sg_gen_src *r, const uint8_t gen_ip[4],
			     const uint8_t mac[6], uint8_t *frame, size_t len);

#endif /* SG_GEN_SRC_H */
