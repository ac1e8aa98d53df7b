/* SPDX-License-Identifier: MIT */
/*
 * test_hist.c - surge-gen's latency histogram: bucket boundaries, quantiles
 * within 1/16 of the exact ones (checked against sorted samples), min, max,
 * empty and reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_buckets(void **state)
{
	static const uint64_t v[] = { 0, 1, 15, 16, 17, 31, 32, 1000, 65535, 1u << 20,
				      UINT64_C(1) << 40, UINT64_MAX };
	(void)state;

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned b = sg_gen_hist_bucket(v[i]);

		assert_true(b < SG_GEN_HIST_BUCKETS);
		assert_true(sg_gen_hist_bucket_low(b) <= v[i]);
		if (b + 1 < SG_GEN_HIST_BUCKETS)
			assert_true(sg_gen_hist_bucket_low(b + 1) > v[i]);
	}
	/* Buckets are ordered. */
	for (uint64_t x = 1; x < 100000; x = x * 3 / 2 + 1)
		assert_true(sg_gen_hist_bucket(x) >= sg_gen_hist_bucket(x - 1));
}

static void test_quantiles_against_exact(void **state)
{
	enum { N = 20000 };
	static uint64_t s[N];
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	struct sg_gen_hist h;
	(void)state;

	memset(&h, 0, sizeof(h));
	sg_gen_hist_reset(&h);
	srand(7);
	for (int i = 0; i < N; i++) {
		/* A long-tailed latency shape: mostly ~2 us, some up to ~2 ms. */
		uint64_t v = 1500 + (uint64_t)(rand() % 1000);

		if (i % 50 == 0)
			v += (uint64_t)(rand() % 2000000);
		s[i] = v;
		sg_gen_hist_add(&h, v);
	}
	qsort(s, N, sizeof(s[0]), cmp_u64);
	assert_int_equal(h.n, N);
	assert_int_equal(h.min, s[0]);
	assert_int_equal(h.max, s[N - 1]);
	for (unsigned i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = (double)s[(size_t)(qs[i] * (N - 1))];
		double got = (double)sg_gen_hist_quantile(&h, qs[i]);

		if (got < exact * (1 - 1.0 / 16) || got > exact * (1 + 1.0 / 16))
			fail_msg("q%.3f: histogram %.0f, exact %.0f", qs[i], got, exact);
	}
}

static void test_empty_and_reset(void **state)
{
	struct sg_gen_hist h;
	(void)state;

	memset(&h, 0, sizeof(h));
	sg_gen_hist_reset(&h);
	assert_int_equal(sg_gen_hist_quantile(&h, 0.99), 0);
	sg_gen_hist_add(&h, 12345);
	assert_int_equal(h.n, 1);
	assert_true(sg_gen_hist_quantile(&h, 0.5) <= 12345);
	assert_true(sg_gen_hist_quantile(&h, 0.5) >= 12345 - 12345 / 16);
	sg_gen_hist_reset(&h);
	assert_int_equal(h.n, 0);
	assert_int_equal(sg_gen_hist_quantile(&h, 0.5), 0);
}

/* A per-interval histogram from two cumulative snapshots. */
static void test_delta(void **state)
{
	static struct sg_gen_hist h, mark, d, direct;
	(void)state;

	for (uint64_t v = 1; v <= 1000; v++)
		sg_gen_hist_add(&h, v * 1000); /* 1 us .. 1 ms */
	mark = h;
	sg_gen_hist_delta(&d, &h, &mark);
	assert_int_equal(d.n, 0);
	assert_int_equal(sg_gen_hist_quantile(&d, 0.99), 0);
	for (uint64_t v = 1; v <= 100; v++) {
		sg_gen_hist_add(&h, 5000000 + v * 1000); /* ~5 ms */
		sg_gen_hist_add(&direct, 5000000 + v * 1000);
	}
	sg_gen_hist_delta(&d, &h, &mark);
	assert_int_equal(d.n, 100);
	assert_int_equal(d.sum, direct.sum);
	assert_memory_equal(d.b, direct.b, sizeof(d.b));
	for (double q = 0.1; q < 1; q += 0.1) {
		uint64_t a = sg_gen_hist_quantile(&d, q), b = sg_gen_hist_quantile(&direct, q);

		assert_true(a + a / 16 >= b && b + b / 16 >= a);
	}
	assert_true(d.min <= direct.min && d.max >= direct.max && d.max <= h.max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles_against_exact),
		cmocka_unit_test(test_empty_and_reset),
		cmocka_unit_test(test_delta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
