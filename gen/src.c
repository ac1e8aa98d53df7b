/* SPDX-License-Identifier: MIT */
/*
 * src.c - the source address range of src.h.  Addresses are kept as host
 * order integers, so the range is arithmetic; every address that leaves
 * this file is written big-endian (network order) into 4 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "gen/src.h"
#include "proto/pkt.h"

#define BENCH_NET 0xc6120000u  /* 198.18.0.0 */
#define BENCH_MASK 0xfffe0000u /* /15 */

static uint32_t be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

int sg_gen_src_check(const uint8_t base[4], uint32_t count, const uint8_t relay_ip[4])
{
	uint32_t first = be32(base), relay = be32(relay_ip);
	uint64_t last;

	if (count < 1 || count > SG_GEN_SRC_MAX)
		return SG_GEN_SRC_E_COUNT;
	last = (uint64_t)first + count - 1;
	if ((first & BENCH_MASK) != BENCH_NET || last > (BENCH_NET | ~BENCH_MASK))
		return SG_GEN_SRC_E_OUTSIDE;
	if (relay >= first && relay <= last)
		return SG_GEN_SRC_E_RELAY;
	return SG_GEN_SRC_OK;
}

int sg_gen_src_init(struct sg_gen_src *r, const uint8_t base[4], uint32_t count)
{
	memset(r, 0, sizeof(*r));
	if (count < 1 || count > SG_GEN_SRC_MAX)
		return SG_GEN_SRC_E_COUNT;
	r->sent = calloc(count, sizeof(*r->sent));
	if (!r->sent)
		return SG_GEN_SRC_E_NOMEM;
	r->base = be32(base);
	r->count = count;
	return SG_GEN_SRC_OK;
}

void sg_gen_src_fini(struct sg_gen_src *r)
{
	free(r->sent);
	r->sent = NULL;
}

void sg_gen_src_addr(const struct sg_gen_src *r, uint32_t i, uint8_t out[4])
{
	uint32_t a = r->base + (r->count ? i % r->count : 0);

	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

int64_t sg_gen_src_pos(const struct sg_gen_src *r, const uint8_t a[4])
{
	uint32_t v = be32(a);

	return r->count && v - r->base < r->count ? (int64_t)(v - r->base) : -1;
}

void sg_gen_src_spread(const struct sg_gen_src *r, uint32_t *used, uint32_t *min,
		       uint32_t *max)
{
	*used = 0;
	*min = r->sent && r->count ? UINT32_MAX : 0;
	*max = 0;
	for (uint32_t k = 0; r->sent && k < r->count; k++) {
		*used += r->sent[k] > 0;
		*min = r->sent[k] < *min ? r->sent[k] : *min;
		*max = r->sent[k] > *max ? r->sent[k] : *max;
	}
}

void sg_gen_src_set_ip4_src(uint8_t *ip, const uint8_t a[4])
{
	uint32_t sum = (uint16_t)~(ip[10] << 8 | ip[11]);

	/* HC' = ~(~HC + ~m + m') over the two 16-bit words of the address. */
	for (unsigned w = 12; w < 16; w += 2) {
		sum += (uint16_t)~(ip[w] << 8 | ip[w + 1]);
		sum += (uint32_t)(a[w - 12] << 8 | a[w - 11]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	memcpy(ip + 12, a, 4);
}

size_t sg_gen_src_arp_answer(const struct sg_gen_src *r, const uint8_t gen_ip[4],
			     const uint8_t mac[6], uint8_t *frame, size_t len)
{
	struct sg_pkt pk;

	if (sg_pkt_parse(frame, len, &pk) != SG_PKT_ARP)
		return 0;
	if (memcmp(pk.dst_addr, gen_ip, 4) != 0 && sg_gen_src_pos(r, pk.dst_addr) < 0)
		return 0;
	/* Answer as the address asked for: the reply names it as the sender. */
	return sg_pkt_arp_reply(frame, len, &pk, mac, pk.dst_addr);
}
