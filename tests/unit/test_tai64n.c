/* SPDX-License-Identifier: MIT */
/*
 * test_tai64n.c - TAI64N timestamps: known encodings, rejections, ordering, whitened clock.
 *
 * Inputs live in heap buffers of exactly their length, so the address
 * sanitizer reports any read past the end.  Expected values are written as
 * literal numbers, independent of messages.h, so an error in the header's
 * arithmetic shows up as a failure rather than being agreed with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto_testutil.h"

/* ---------------------------------------------------------------- tai64n */

static void test_tai64n_known(void **state)
{
	static const struct {
		uint64_t sec;
		uint32_t nsec;
		uint8_t wire[12];
	} rows[] = {
		{ 0, 0, { 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 1700000000, 123456789,
		  { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15 } },
		{ 0x100000000, 999999999,
		  { 0x40, 0, 0, 1, 0, 0, 0, 0, 0x3b, 0x9a, 0xc9, 0xff } },
		{ 1, 1, { 0x40, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 } },
		{ (UINT64_C(1) << 63) + (UINT64_C(1) << 62) - 1, 0,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 } },
	};
	uint8_t wire[12];
	uint64_t sec;
	uint32_t nsec;

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		memset(wire, 0xcc, sizeof(wire));
		sg_tai64n_encode(wire, rows[i].sec, rows[i].nsec);
		assert_memory_equal(wire, rows[i].wire, 12);
		sec = 1;
		nsec = 1;
		assert_int_equal(sg_tai64n_decode(wire, &sec, &nsec), SG_OK);
		assert_int_equal(sec, rows[i].sec);
		assert_int_equal(nsec, rows[i].nsec);
	}
}

static void test_tai64n_decode_rejects(void **state)
{
	static const struct {
		uint8_t wire[12];
		int expected;
	} rows[] = {
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00 }, SG_E_RESERVED }, /* 1e9 */
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, SG_E_RESERVED },
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xc9, 0xff }, SG_OK },
		{ { 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, SG_OK },
	};
	uint64_t sec;
	uint32_t nsec;

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		int got = sg_tai64n_decode(rows[i].wire, &sec, &nsec);

		if (got != rows[i].expected) {
			print_error("tai64n decode row %zu: got %d want %d\n", i, got,
				    rows[i].expected);
			fail();
		}
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_tai64n_cmp(void **state)
{
	static const struct {
		uint64_t a_sec;
		uint32_t a_nsec;
		uint64_t b_sec;
		uint32_t b_nsec;
		int expected; /* sign */
	} rows[] = {
		{ 0, 0, 0, 0, 0 },
		{ 0, 0, 0, 1, -1 },
		{ 0, 1, 0, 0, 1 },
		{ 1, 0, 0, 999999999, 1 },
		{ 0, 999999999, 1, 0, -1 },
		{ 0x100000000, 0, 0xffffffff, 999999999, 1 }, /* carry across the word */
		{ 255, 0, 256, 0, -1 },
		{ 1700000000, 16777216, 1700000000, 16777216, 0 },
	};
	uint8_t a[12], b[12];

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		sg_tai64n_encode(a, rows[i].a_sec, rows[i].a_nsec);
		sg_tai64n_encode(b, rows[i].b_sec, rows[i].b_nsec);
		if (sign(sg_tai64n_cmp(a, b)) != rows[i].expected ||
		    sign(sg_tai64n_cmp(b, a)) != -rows[i].expected) {
			print_error("tai64n cmp row %zu\n", i);
			fail();
		}
	}
}

static void test_tai64n_now(void **state)
{
	uint8_t prev[12], cur[12];
	uint64_t sec;
	uint32_t nsec;
	time_t t0 = time(NULL);

	(void)state;
	sg_tai64n_now(prev);
	assert_int_equal(sg_tai64n_decode(prev, &sec, &nsec), SG_OK);
	assert_int_equal(nsec & ~SG_TAI64N_WHITEN_MASK, 0);
	assert_int_equal(nsec & 0x00ffffffu, 0);
	assert_true(nsec < 1000000000u);
	assert_true(sec + 2 >= (uint64_t)t0 && sec <= (uint64_t)t0 + 2);

	for (int i = 0; i < 2000; i++) {
		sg_tai64n_now(cur);
		assert_int_equal(sg_tai64n_decode(cur, &sec, &nsec), SG_OK);
		assert_int_equal(nsec & 0x00ffffffu, 0);
		assert_true(sg_tai64n_cmp(cur, prev) >= 0);
		memcpy(prev, cur, sizeof(cur));
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tai64n_known),
		cmocka_unit_test(test_tai64n_decode_rejects),
		cmocka_unit_test(test_tai64n_cmp),
		cmocka_unit_test(test_tai64n_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
