/* SPDX-License-Identifier: MIT */
/*
 * mark.c - surge-gen's body prefix and marked frames (mark.h).  Pure C.
 */
#include "mark.h"

uint64_t sg_gen_mark_below(double pct)
{
	if (!(pct > 0))
		return 0;
	if (pct >= 100)
		return UINT64_C(1) << 32;
	return (uint64_t)(pct / 100.0 * 4294967296.0 + 0.5);
}

void sg_gen_prefix_put(uint8_t out[SG_GEN_PREFIX_LEN], uint64_t tsc, uint64_t seq)
{
	for (unsigned i = 0; i < 8; i++) {
		out[i] = (uint8_t)(0x80 | ((tsc >> (7 * i)) & 0x7f));
		out[8 + i] = (uint8_t)(0x80 | ((seq >> (7 * i)) & 0x7f));
	}
}

int sg_gen_prefix_get(const uint8_t in[SG_GEN_PREFIX_LEN], uint64_t *tsc, uint64_t *seq)
{
	uint8_t all = 0x80;

	*tsc = *seq = 0;
	for (unsigned i = 0; i < 8; i++) {
		all &= in[i] & in[8 + i];
		*tsc |= (uint64_t)(in[i] & 0x7f) << (7 * i);
		*seq |= (uint64_t)(in[8 + i] & 0x7f) << (7 * i);
	}
	return all ? 0 : -1;
}
