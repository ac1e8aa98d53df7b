/* SPDX-License-Identifier: MIT */
/*
 * test_ratelimit.c - per-source handshake token buckets (control/ratelimit.c):
 * a burst is allowed and the next refused; tokens come back at the rate and
 * no further than the burst; IPv4 sources are independent; an IPv6 /64 is
 * one source; a table far smaller than the sources seen keeps working
 * (every new source is allowed, an undisturbed one keeps its limit); bad
 * arguments to init are refused and fini is safe on a zeroed struct.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/ratelimit.h"
#include "crypto/crypto.h"

#define MS 1000000ull
#define S 1000000000ull

static const uint8_t a4[4] = { 198, 18, 0, 7 };
static const uint8_t b4[4] = { 198, 18, 0, 8 };

/* Initiations allowed out of n at the same instant. */
static unsigned allowed(struct sg_ratelimit *rl, int family, const uint8_t *addr, uint64_t now,
			unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += (unsigned)sg_ratelimit_allow(rl, family, addr, now);
	return ok;
}

static int setup(void **state)
{
	(void)state;
	return sg_crypto_init() == 0 ? 0 : -1;
}

static void test_burst_then_refused(void **state)
{
	struct sg_ratelimit rl;
	uint64_t t = 5 * S;

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 16384, 20, 5), 0);
	assert_int_equal(allowed(&rl, 4, a4, t, 5), 5);
	assert_int_equal(sg_ratelimit_allow(&rl, 4, a4, t), 0);
	assert_int_equal(sg_ratelimit_allow(&rl, 4, a4, t + 10 * MS), 0); /* 0.2 token */
	sg_ratelimit_fini(&rl);
}

static void test_refill(void **state)
{
	struct sg_ratelimit rl;
	uint64_t t = 1 * S;

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 20, 5), 0);
	assert_int_equal(allowed(&rl, 4, a4, t, 10), 5);
	/* 20/s: one token per 50 ms. */
	assert_int_equal(allowed(&rl, 4, a4, t + 49 * MS, 3), 0);
	assert_int_equal(allowed(&rl, 4, a4, t + 50 * MS, 3), 1);
	assert_int_equal(allowed(&rl, 4, a4, t + 150 * MS, 3), 2);
	/* A long pause refills to the burst, not beyond. */
	assert_int_equal(allowed(&rl, 4, a4, t + 3600 * S, 20), 5);
	/* A clock going backwards refills nothing. */
	assert_int_equal(allowed(&rl, 4, a4, t, 3), 0);
	assert_int_equal(allowed(&rl, 4, a4, t + 3600 * S + 100 * MS, 3), 2);
	sg_ratelimit_fini(&rl);

	/* Sustained: 1000 /s for 2 s at 1 ms steps allows about 2000 + burst. */
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 1000, 10), 0);
	unsigned ok = 0;

	for (unsigned i = 0; i <= 2000; i++)
		ok += allowed(&rl, 4, a4, t + i * MS, 3);
	assert_int_equal(ok, 2000 + 10);
	sg_ratelimit_fini(&rl);
}

/* sg_ratelimit_set: a lowered burst caps a full bucket; a raised rate refills faster. */
static void test_set(void **state)
{
	struct sg_ratelimit rl;
	uint64_t t = 1 * S;

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 20, 50), 0);
	assert_int_equal(allowed(&rl, 4, a4, t, 1), 1);          /* 49 tokens left */
	assert_int_equal(sg_ratelimit_set(&rl, 100, 3), 0);
	/* the 49 tokens are capped at the new burst when the bucket refills */
	assert_int_equal(allowed(&rl, 4, a4, t + 1 * MS, 10), 3);
	/* 100/s: one token per 10 ms */
	assert_int_equal(allowed(&rl, 4, a4, t + 11 * MS, 3), 1);
	/* a new source starts with the new burst */
	assert_int_equal(allowed(&rl, 4, b4, t, 10), 3);
	/* out of range: refused, nothing changed */
	assert_int_equal(sg_ratelimit_set(&rl, 0, 3), -1);
	assert_int_equal(sg_ratelimit_set(&rl, 100, 0.5), -1);
	assert_int_equal(allowed(&rl, 4, b4, t + 10 * MS, 3), 1);
	sg_ratelimit_fini(&rl);
}

static void test_ipv4_independent(void **state)
{
	struct sg_ratelimit rl;
	uint64_t t = 0;

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 16384, 20, 5), 0);
	assert_int_equal(allowed(&rl, 4, a4, t, 6), 5);
	assert_int_equal(allowed(&rl, 4, b4, t, 6), 5);
	assert_int_equal(allowed(&rl, 4, a4, t, 1), 0);
	/* The same 4 bytes as the first half of an IPv6 prefix are another source. */
	uint8_t six[16] = { 198, 18, 0, 7 };

	assert_int_equal(allowed(&rl, 6, six, t, 6), 5);
	sg_ratelimit_fini(&rl);
}

static void test_ipv6_prefix(void **state)
{
	struct sg_ratelimit rl;
	uint8_t x[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t y[16], z[16];
	uint64_t t = 7 * S;

	(void)state;
	memcpy(y, x, 16);
	memset(y + 8, 0xee, 8);         /* same /64, another host */
	memcpy(z, x, 16);
	z[7] ^= 1;                      /* the next /64 */
	assert_int_equal(sg_ratelimit_init(&rl, 16384, 20, 5), 0);
	assert_int_equal(allowed(&rl, 6, x, t, 3), 3);
	assert_int_equal(allowed(&rl, 6, y, t, 3), 2); /* shares x's bucket */
	assert_int_equal(allowed(&rl, 6, x, t, 1), 0);
	assert_int_equal(allowed(&rl, 6, z, t, 6), 5); /* its own */
	sg_ratelimit_fini(&rl);
}

static void test_full_table(void **state)
{
	struct sg_ratelimit rl;
	uint64_t t = 1 * S;
	uint8_t a[4] = { 10, 0, 0, 0 };

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 16, 20, 5), 0);
	/* 5000 sources through 16 slots: each new one is allowed at once. */
	for (unsigned i = 0; i < 5000; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		assert_int_equal(sg_ratelimit_allow(&rl, 4, a, t), 1);
	}
	/* The bound bit: at most 16 of them found a free slot, the rest took one. */
	assert_true(rl.collisions >= 5000 - 16 && rl.collisions < 5000);
	/* Still a limiter: a source left alone keeps its limit. */
	assert_int_equal(allowed(&rl, 4, a4, t, 8), 5);
	assert_int_equal(allowed(&rl, 4, a4, t + 50 * MS, 3), 1);
	sg_ratelimit_fini(&rl);

	/* One slot: a second source collides, the same source again does not. */
	assert_int_equal(sg_ratelimit_init(&rl, 1, 20, 5), 0);
	assert_int_equal(allowed(&rl, 4, a4, t, 2), 2);
	assert_int_equal(rl.collisions, 0);
	assert_int_equal(allowed(&rl, 4, b4, t, 1), 1);
	assert_int_equal(rl.collisions, 1);
	assert_int_equal(allowed(&rl, 4, a4, t, 1), 1); /* a full bucket again: its state was lost */
	assert_int_equal(rl.collisions, 2);
	sg_ratelimit_fini(&rl);
}

static void test_init_args(void **state)
{
	struct sg_ratelimit rl;

	(void)state;
	assert_int_equal(sg_ratelimit_init(&rl, 0, 20, 5), -1);
	assert_int_equal(sg_ratelimit_init(&rl, 1000, 20, 5), -1);   /* not a power of two */
	assert_int_equal(sg_ratelimit_init(&rl, 1u << 25, 20, 5), -1);
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 0, 5), -1);
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 20, 0), -1);
	assert_int_equal(sg_ratelimit_init(&rl, 1024, 4e9, 5), -1);  /* under 1 ns a token */
	assert_null(rl.slots);
	sg_ratelimit_fini(&rl); /* after a failed init */
	sg_ratelimit_fini(&rl); /* twice */
	memset(&rl, 0, sizeof(rl));
	sg_ratelimit_fini(&rl); /* zeroed */
	assert_int_equal(sg_ratelimit_init(&rl, 1, 1, 1), 0);
	assert_int_equal(allowed(&rl, 4, a4, 0, 2), 1);
	sg_ratelimit_fini(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_ipv4_independent),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_init_args),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
