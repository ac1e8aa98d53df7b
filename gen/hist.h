/* SPDX-License-Identifier: MIT */
/*
 * hist.h - a log-bucket latency histogram (pure C, no DPDK): 16 linear
 * sub-buckets per power of two, so any quantile it reports is within 1/16
 * (6.25 %) of the true value.  Values are unsigned (nanoseconds here); a
 * histogram is a plain struct, zeroed to start, never allocated.
 */
#ifndef SG_GEN_HIST_H
#define SG_GEN_HIST_H

#include <stdint.h>

enum {
	SG_GEN_HIST_SUB_BITS = 4,
	SG_GEN_HIST_SUB = 1 << SG_GEN_HIST_SUB_BITS,
	SG_GEN_HIST_BUCKETS = (64 - SG_GEN_HIST_SUB_BITS + 1) * SG_GEN_HIST_SUB,
};

struct sg_gen_hist {
	uint64_t n, min, max, sum;
	uint64_t b[SG_GEN_HIST_BUCKETS];
};

void sg_gen_hist_reset(struct sg_gen_hist *h);
void sg_gen_hist_add(struct sg_gen_hist *h, uint64_t v);
/* The bucket of v and the smallest value of a bucket (exposed for tests). */
unsigned sg_gen_hist_bucket(uint64_t v);
uint64_t sg_gen_hist_bucket_low(unsigned b);
/*
 * out = the samples added to `now` since it was copied into `then` (a
 * per-interval histogram from a cumulative one).  min and max become the
 * bounds of the lowest and highest non-empty buckets, clamped to now's.
 */
void sg_gen_hist_delta(struct sg_gen_hist *out, const struct sg_gen_hist *now,
		       const struct sg_gen_hist *then);
/* The value below which a fraction q (0..1) of the samples lie; 0 when empty. */
uint64_t sg_gen_hist_quantile(const struct sg_gen_hist *h, double q);

#endif /* SG_GEN_HIST_H */
