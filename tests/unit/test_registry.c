/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c - the user registry: sign-up and lookup, the bound on
 * users, the timestamp replay check, and 100,000 random keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "control/registry.h"
#include "crypto/crypto.h"
#include "proto/bytes.h"
#include "proto/status.h"

/* A key that differs from key(j) for i != j, in its last bytes only. */
static void key(uint8_t out[32], uint32_t i)
{
	memset(out, 0x5a, 32);
	out[28] = (uint8_t)(i >> 24);
	out[29] = (uint8_t)(i >> 16);
	out[30] = (uint8_t)(i >> 8);
	out[31] = (uint8_t)i;
}

static void test_new_free(void **state)
{
	struct sg_registry *r;

	(void)state;
	assert_null(sg_registry_new(0));
	assert_null(sg_registry_new(UINT32_MAX)); /* the table would not fit */
	sg_registry_free(NULL);
	r = sg_registry_new(1);
	assert_non_null(r);
	assert_int_equal(sg_registry_count(r), 0);
	assert_int_equal(sg_registry_capacity(r), 1);
	sg_registry_free(r);
}

static void test_sign_up(void **state)
{
	struct sg_registry *r = sg_registry_new(10);
	struct sg_user *u[3];
	uint8_t k[32];
	int created;

	(void)state;
	assert_non_null(r);
	for (uint32_t i = 0; i < 3; i++) {
		key(k, i);
		created = -1;
		u[i] = sg_registry_get_or_add(r, k, 1000 + i, &created);
		assert_non_null(u[i]);
		assert_int_equal(created, 1);
		assert_int_equal(u[i]->id, i + 1);
		assert_memory_equal(u[i]->pub, k, 32);
		assert_true(sg_all_zero(u[i]->last_ts, 12));
		assert_int_equal(u[i]->created, 1000 + i);
		assert_int_equal(sg_registry_count(r), i + 1);
	}
	/* the same key again: the same user, not created, sign-up time kept */
	for (uint32_t i = 0; i < 3; i++) {
		key(k, i);
		created = -1;
		assert_ptr_equal(sg_registry_get_or_add(r, k, 5000, &created), u[i]);
		assert_int_equal(created, 0);
		assert_int_equal(u[i]->created, 1000 + i);
		assert_ptr_equal(sg_registry_by_key(r, k), u[i]);
		assert_ptr_equal(sg_registry_by_id(r, i + 1), u[i]);
	}
	assert_int_equal(sg_registry_count(r), 3);
	/* created may be NULL */
	key(k, 3);
	assert_int_equal(sg_registry_get_or_add(r, k, 1, NULL)->id, 4);

	key(k, 99);
	assert_null(sg_registry_by_key(r, k));
	assert_null(sg_registry_by_id(r, 0));
	assert_null(sg_registry_by_id(r, 5));
	assert_null(sg_registry_by_id(r, UINT64_MAX));
	assert_int_equal(sg_registry_count(r), 4);
	sg_registry_free(r);
}

static void test_full(void **state)
{
	struct sg_registry *r = sg_registry_new(3);
	uint8_t k[32];
	int created;

	(void)state;
	for (uint32_t i = 0; i < 3; i++) {
		key(k, i);
		assert_non_null(sg_registry_get_or_add(r, k, 7, &created));
	}
	/* full: a new key is refused, and nothing changes */
	key(k, 3);
	created = -1;
	assert_null(sg_registry_get_or_add(r, k, 7, &created));
	assert_int_equal(created, 0);
	assert_null(sg_registry_by_key(r, k));
	assert_int_equal(sg_registry_count(r), 3);
	assert_null(sg_registry_by_id(r, 4));
	/* known users are still served */
	for (uint32_t i = 0; i < 3; i++) {
		struct sg_user *u;

		key(k, i);
		u = sg_registry_get_or_add(r, k, 8, &created);
		assert_non_null(u);
		assert_int_equal(created, 0);
		assert_int_equal(u->id, i + 1);
		assert_ptr_equal(sg_registry_by_key(r, k), u);
	}
	sg_registry_free(r);
}

/* TAI64N: 8 bytes of 2^62 + seconds, 4 bytes of nanoseconds, big-endian. */
static void tai(uint8_t out[12], uint64_t s, uint32_t ns)
{
	uint64_t label = (1ull << 62) + s;

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(label >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}

static void test_timestamps(void **state)
{
	/* Applied in order to one user; last = the newest accepted so far. */
	static const struct {
		uint64_t s;
		uint32_t ns;
		int zero;       /* offer the all-zero timestamp instead */
		int expected;
		uint64_t last_s; /* newest accepted afterwards (0, 0: none) */
		uint32_t last_ns;
	} rows[] = {
		{ 0, 0, 1, SG_E_TIMESTAMP, 0, 0 },                  /* zero vs initial zero */
		{ 100, 0, 0, SG_OK, 100, 0 },                        /* first one */
		{ 100, 0, 0, SG_E_TIMESTAMP, 100, 0 },               /* equal: a replay */
		{ 99, 999999999, 0, SG_E_TIMESTAMP, 100, 0 },        /* older */
		{ 100, 1, 0, SG_OK, 100, 1 },                        /* 1 ns newer */
		{ 101, 0, 0, SG_OK, 101, 0 },
		{ 100, 999999999, 0, SG_E_TIMESTAMP, 101, 0 },
		{ 0, 0, 1, SG_E_TIMESTAMP, 101, 0 },
		{ 1ull << 40, 0, 0, SG_OK, 1ull << 40, 0 },         /* high byte decides */
		{ 102, 0, 0, SG_E_TIMESTAMP, 1ull << 40, 0 },
	};
	struct sg_registry *r = sg_registry_new(1);
	struct sg_user *u;
	uint8_t k[32], ts[12], want[12];

	(void)state;
	key(k, 0);
	u = sg_registry_get_or_add(r, k, 0, NULL);
	assert_non_null(u);
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		int got;

		if (rows[i].zero)
			memset(ts, 0, sizeof(ts));
		else
			tai(ts, rows[i].s, rows[i].ns);
		got = sg_registry_accept_timestamp(u, ts);
		if (got != rows[i].expected) {
			print_error("row %zu: got %d, want %d\n", i, got, rows[i].expected);
			fail();
		}
		if (rows[i].last_s || rows[i].last_ns)
			tai(want, rows[i].last_s, rows[i].last_ns);
		else
			memset(want, 0, sizeof(want));
		assert_memory_equal(u->last_ts, want, 12);
	}
	sg_registry_free(r);
}

/* 100,000 random keys, then as many sharing all but their last 4 bytes. */
/* Start-up from the store: ids as stored, holes stay holes, order enforced. */
static void test_restore(void **state)
{
	struct sg_registry *r = sg_registry_new(10);
	struct sg_user u = { .created = 7, .last_seen = 9 }, *got;
	uint8_t k[32];
	int created;

	(void)state;
	assert_non_null(r);
	key(u.pub, 1);
	u.id = 1;
	u.last_ts[11] = 3;
	assert_int_equal(sg_registry_restore(r, &u), SG_OK);
	key(u.pub, 4);
	u.id = 4; /* ids 2 and 3 never became durable */
	assert_int_equal(sg_registry_restore(r, &u), SG_OK);
	assert_int_equal(sg_registry_count(r), 4);
	assert_null(sg_registry_by_id(r, 2));
	assert_null(sg_registry_by_id(r, 3));
	got = sg_registry_by_id(r, 4);
	assert_non_null(got);
	assert_ptr_equal(sg_registry_by_key(r, u.pub), got);
	assert_int_equal(got->created, 7);
	assert_int_equal(got->last_seen, 9);
	assert_int_equal(got->last_ts[11], 3);
	/* the timestamp survives: an older one is a replay */
	assert_int_equal(sg_registry_accept_timestamp(got, (uint8_t[12]){ [11] = 2 }),
			 SG_E_TIMESTAMP);
	/* not ascending, a known key, beyond max_users */
	key(u.pub, 5);
	u.id = 4;
	assert_int_equal(sg_registry_restore(r, &u), SG_E_INVAL);
	key(u.pub, 1);
	u.id = 5;
	assert_int_equal(sg_registry_restore(r, &u), SG_E_INVAL);
	key(u.pub, 6);
	u.id = 11;
	assert_int_equal(sg_registry_restore(r, &u), SG_E_INVAL);
	/* a new sign-up gets the next id after the restored ones */
	key(k, 9);
	got = sg_registry_get_or_add(r, k, 100, &created);
	assert_non_null(got);
	assert_int_equal(created, 1);
	assert_int_equal(got->id, 5);
	sg_registry_free(r);
}

static void test_many(void **state)
{
	enum { N = 100000 };
	struct sg_registry *r = sg_registry_new(2 * N);
	uint8_t (*keys)[32] = malloc((size_t)N * 32);
	clock_t t0 = clock();
	int created;

	(void)state;
	assert_non_null(r);
	assert_non_null(keys);
	sg_random(keys, (size_t)N * 32);
	for (uint32_t i = 0; i < N; i++) {
		struct sg_user *u = sg_registry_get_or_add(r, keys[i], i, &created);

		assert_non_null(u);
		assert_int_equal(created, 1);
		assert_int_equal(u->id, i + 1);
	}
	for (uint32_t i = 0; i < N; i++) {
		uint8_t k[32];

		key(k, i);
		assert_int_equal(sg_registry_get_or_add(r, k, i, &created)->id, N + i + 1);
		assert_int_equal(created, 1);
	}
	assert_int_equal(sg_registry_count(r), 2 * N);
	for (uint32_t i = 0; i < N; i++) {
		struct sg_user *u = sg_registry_by_key(r, keys[i]);
		uint8_t k[32];

		assert_non_null(u);
		assert_int_equal(u->id, i + 1);
		assert_ptr_equal(sg_registry_by_id(r, i + 1), u);
		assert_memory_equal(u->pub, keys[i], 32);
		key(k, i);
		assert_int_equal(sg_registry_by_key(r, k)->id, N + i + 1);
	}
	/* full now */
	keys[0][0] ^= 1;
	assert_null(sg_registry_get_or_add(r, keys[0], 0, &created));
	assert_null(sg_registry_by_key(r, keys[0]));
	/* a coarse bound: a quadratic table would take minutes */
	assert_true(clock() - t0 < 30 * CLOCKS_PER_SEC);
	free(keys);
	sg_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_sign_up),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_many),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
