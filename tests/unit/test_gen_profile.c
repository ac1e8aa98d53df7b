/* SPDX-License-Identifier: MIT */
/*
 * test_gen_profile.c - surge-gen's sign-up profile: parsing of --surge,
 * --reconnect-storm and durations (a table of good and bad inputs), and
 * the due counts over time (baseline, compressed step with its cap and
 * start, storms at once and spread).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gen/profile.h"

static void test_parse_surge(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint64_t n;
		double secs;
	} t[] = {
		{ "3000000/24h", 1, 3000000, 86400 },
		{ "100/90", 1, 100, 90 },
		{ "100/90s", 1, 100, 90 },
		{ "5/1.5m", 1, 5, 90 },
		{ "70000000/1d", 1, 70000000, 86400 },
		{ "3000000", 0, 0, 0 },
		{ "3000000/", 0, 0, 0 },
		{ "/24h", 0, 0, 0 },
		{ "0/24h", 0, 0, 0 },
		{ "-5/24h", 0, 0, 0 },
		{ "10/24x", 0, 0, 0 },
		{ "10/24hh", 0, 0, 0 },
		{ "10/0", 0, 0, 0 },
		{ "10x/1h", 0, 0, 0 },
		{ "99999999999/1h", 0, 0, 0 },
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t n = 0;
		double secs = 0;
		int rc = sg_gen_profile_parse_surge(t[i].in, &n, &secs);

		assert_int_equal(rc == 0, t[i].ok);
		if (t[i].ok) {
			assert_int_equal(n, t[i].n);
			assert_true(secs == t[i].secs);
		}
	}
}

static void test_parse_storm(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint32_t n;
		double at, over;
	} t[] = {
		{ "1000@30", 1, 1000, 30, 0 },
		{ "1000@30/5", 1, 1000, 30, 5 },
		{ "1@0", 1, 1, 0, 0 },
		{ "10@2.5/0.5", 1, 10, 2.5, 0.5 },
		{ "1000", 0, 0, 0, 0 },
		{ "@30", 0, 0, 0, 0 },
		{ "0@30", 0, 0, 0, 0 },
		{ "10@", 0, 0, 0, 0 },
		{ "10@x", 0, 0, 0, 0 },
		{ "10@5/", 0, 0, 0, 0 },
		{ "10@-1", 0, 0, 0, 0 },
		{ "10@5/-1", 0, 0, 0, 0 },
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sg_gen_storm st;
		int rc = sg_gen_profile_parse_storm(t[i].in, &st);

		assert_int_equal(rc == 0, t[i].ok);
		if (t[i].ok) {
			assert_int_equal(st.n, t[i].n);
			assert_true(st.at_s == t[i].at && st.over_s == t[i].over);
		}
	}
}

static void test_due(void **state)
{
	/* 3 M in 24 h, x60: 2083.3/s from second 5, first 10000 only (4.8 s). */
	struct sg_gen_profile p = { .surge_n = 3000000, .surge_s = 86400, .compress = 60,
				    .surge_at = 5, .surge_size = 10000, .baseline = 10 };
	(void)state;

	assert_true(sg_gen_profile_surge_rate(&p) > 2083.3 && sg_gen_profile_surge_rate(&p) < 2083.4);
	assert_true(sg_gen_profile_surge_len(&p) > 4.79 && sg_gen_profile_surge_len(&p) < 4.81);
	assert_int_equal(sg_gen_profile_signups_due(&p, 0), 0);
	assert_int_equal(sg_gen_profile_signups_due(&p, 1), 10);
	assert_int_equal(sg_gen_profile_signups_due(&p, 5), 50);
	assert_int_equal(sg_gen_profile_signups_due(&p, 6), 60 + 2083);
	assert_int_equal(sg_gen_profile_signups_due(&p, 9.8), 98 + 10000);
	assert_int_equal(sg_gen_profile_signups_due(&p, 100), 1000 + 10000);
	/* Monotonic, never more than one round's worth at a time. */
	for (double t = 0, prev = 0; t < 20; t += 0.001) {
		double d = (double)sg_gen_profile_signups_due(&p, t);

		assert_true(d >= prev && d - prev <= 4);
		prev = d;
	}
	/* No step, no storms. */
	p = (struct sg_gen_profile){ .compress = 1 };
	assert_int_equal(sg_gen_profile_signups_due(&p, 100), 0);
	assert_true(sg_gen_profile_surge_rate(&p) == 0);
	assert_int_equal(sg_gen_profile_logins_due(&p, 100), 0);
}

static void test_storms(void **state)
{
	struct sg_gen_profile p = { .compress = 1, .n_storms = 2,
				    .storm = { { 100, 3, 0 }, { 1000, 10, 4 } } };
	(void)state;

	assert_int_equal(sg_gen_profile_logins_total(&p), 1100);
	assert_int_equal(sg_gen_profile_logins_due(&p, 2.99), 0);
	assert_int_equal(sg_gen_profile_logins_due(&p, 3), 100);
	assert_int_equal(sg_gen_profile_logins_due(&p, 10), 100);
	assert_int_equal(sg_gen_profile_logins_due(&p, 11), 350);
	assert_int_equal(sg_gen_profile_logins_due(&p, 13), 850);
	assert_int_equal(sg_gen_profile_logins_due(&p, 14), 1100);
	assert_int_equal(sg_gen_profile_logins_due(&p, 99), 1100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_surge),
		cmocka_unit_test(test_parse_storm),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_storms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
