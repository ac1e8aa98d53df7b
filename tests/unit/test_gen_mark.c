/* SPDX-License-Identifier: MIT */
/*
 * test_gen_mark.c - surge-gen's body prefix and marked frames (gen/mark.h):
 * the prefix round-trips 56-bit values, has no ASCII byte and refuses one
 * that lost its high bit; the marked share over a million consecutive
 * sequence numbers is the asked percentage (0, 0.5, 1, 20, 100) within
 * 0.02 points, and 0 and 100 are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gen/mark.h"

static void test_prefix_round_trip(void **state)
{
	static const uint64_t v[] = { 0, 1, 127, 128, 0x123456789abcdull, SG_GEN_PREFIX_MASK,
				      SG_GEN_PREFIX_MASK + 1, UINT64_MAX };
	(void)state;

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (unsigned j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			uint8_t p[SG_GEN_PREFIX_LEN];
			uint64_t tsc, seq;

			sg_gen_prefix_put(p, v[i], v[j]);
			for (unsigned k = 0; k < SG_GEN_PREFIX_LEN; k++)
				assert_true(p[k] >= 0x80);
			assert_int_equal(sg_gen_prefix_get(p, &tsc, &seq), 0);
			assert_true(tsc == (v[i] & SG_GEN_PREFIX_MASK));
			assert_true(seq == (v[j] & SG_GEN_PREFIX_MASK));
		}
}

static void test_prefix_refuses_ascii(void **state)
{
	uint8_t p[SG_GEN_PREFIX_LEN];
	uint64_t tsc, seq;
	(void)state;

	for (unsigned k = 0; k < SG_GEN_PREFIX_LEN; k++) {
		sg_gen_prefix_put(p, 0x42424242ull, 77);
		p[k] &= 0x7f;
		assert_int_equal(sg_gen_prefix_get(p, &tsc, &seq), -1);
	}
}

static void test_mark_share(void **state)
{
	static const double pct[] = { 0, 0.5, 1, 20, 100 };
	const uint64_t n = 1000000;
	(void)state;

	for (unsigned i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		uint64_t below = sg_gen_mark_below(pct[i]), marked = 0;
		double share;

		for (uint64_t seq = 0; seq < n; seq++)
			marked += (uint64_t)sg_gen_mark_is(below, seq);
		share = 100.0 * (double)marked / (double)n;
		if (pct[i] == 0 || pct[i] == 100)
			assert_true(share == pct[i]);
		else
			assert_true(share > pct[i] - 0.02 && share < pct[i] + 0.02);
	}
}

/* --body text: fixed words and separators only, the same text every time. */
static void test_text(void **state)
{
	const uint8_t *t = sg_gen_text();
	unsigned words = 0;

	(void)state;
	assert_ptr_equal(t, sg_gen_text());
	for (unsigned i = 0; i < SG_GEN_TEXT_LEN; i++) {
		assert_true((t[i] >= 'a' && t[i] <= 'z') || t[i] == ' ' || t[i] == '.');
		words += t[i] == ' ' || t[i] == '.';
	}
	assert_true(words > SG_GEN_TEXT_LEN / 12); /* words of at most ~10 letters */
	for (uint64_t seq = 0; seq < 100000; seq += 7)
		assert_true(sg_gen_text_off(seq) + 1416 <= SG_GEN_TEXT_LEN);
	assert_int_not_equal(sg_gen_text_off(1), sg_gen_text_off(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_round_trip),
		cmocka_unit_test(test_prefix_refuses_ascii),
		cmocka_unit_test(test_mark_share),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
