/* SPDX-License-Identifier: MIT */
/*
 * hist.c - the log-bucket histogram of hist.h.  Bucket of v: v itself below
 * 16; otherwise, with e = floor(log2 v), (e - 3) * 16 + the 4 bits of v
 * below its top bit.  A quantile reports the middle of its bucket, clamped
 * to the observed min and max.
 */
#include <string.h>

#include "hist.h"

void sg_gen_hist_reset(struct sg_gen_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned sg_gen_hist_bucket(uint64_t v)
{
	unsigned e;

	if (v < SG_GEN_HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	return (e - SG_GEN_HIST_SUB_BITS + 1) * SG_GEN_HIST_SUB +
	       (unsigned)((v >> (e - SG_GEN_HIST_SUB_BITS)) & (SG_GEN_HIST_SUB - 1));
}

uint64_t sg_gen_hist_bucket_low(unsigned b)
{
	unsigned e, sub;

	if (b < SG_GEN_HIST_SUB)
		return b;
	e = b / SG_GEN_HIST_SUB + SG_GEN_HIST_SUB_BITS - 1;
	sub = b % SG_GEN_HIST_SUB;
	return ((uint64_t)1 << e) | ((uint64_t)sub << (e - SG_GEN_HIST_SUB_BITS));
}

void sg_gen_hist_add(struct sg_gen_hist *h, uint64_t v)
{
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	h->b[sg_gen_hist_bucket(v)]++;
}

uint64_t sg_gen_hist_quantile(const struct sg_gen_hist *h, double q)
{
	uint64_t want, seen = 0, lo, hi, mid;
	unsigned b;

	if (h->n == 0)
		return 0;
	if (q <= 0)
		return h->min;
	want = (uint64_t)(q * (double)h->n + 0.999999);
	if (want < 1)
		want = 1;
	if (want > h->n)
		want = h->n;
	for (b = 0; b < SG_GEN_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= want)
			break;
	}
	if (b >= SG_GEN_HIST_BUCKETS)
		return h->max;
	lo = sg_gen_hist_bucket_low(b);
	hi = b + 1 < SG_GEN_HIST_BUCKETS ? sg_gen_hist_bucket_low(b + 1) - 1 : UINT64_MAX;
	mid = lo + (hi - lo) / 2;
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

void sg_gen_hist_delta(struct sg_gen_hist *out, const struct sg_gen_hist *now,
		       const struct sg_gen_hist *then)
{
	unsigned lo = SG_GEN_HIST_BUCKETS, hi = 0;

	memset(out, 0, sizeof(*out));
	out->n = now->n - then->n;
	out->sum = now->sum - then->sum;
	if (out->n == 0)
		return;
	for (unsigned b = 0; b < SG_GEN_HIST_BUCKETS; b++) {
		out->b[b] = now->b[b] - then->b[b];
		if (out->b[b]) {
			lo = lo < b ? lo : b;
			hi = b;
		}
	}
	out->min = sg_gen_hist_bucket_low(lo);
	out->max = hi + 1 < SG_GEN_HIST_BUCKETS ? sg_gen_hist_bucket_low(hi + 1) - 1 : UINT64_MAX;
	if (out->min < now->min)
		out->min = now->min;
	if (out->max > now->max)
		out->max = now->max;
}
