/* SPDX-License-Identifier: MIT */
/*
 * test_replay.c - the anti-replay window (crypto/replay.c).
 *
 * Tables of T(counter, expected) steps, applied in order to one window, in
 * the manner of WireGuard's counter selftest; every step also checks that
 * sg_replay_check() predicts sg_replay_update() and that a refused counter
 * leaves the window unchanged.  A randomized run (fixed seed) compares both
 * window sizes against a naive model: the set of accepted counters and their
 * maximum.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/replay.h"
#include "proto/bytes.h"
#include "proto/status.h"

#define REJECT SG_REJECT_AFTER_MESSAGES
#define W_RELAY ((uint64_t)(SG_REPLAY_BITS_RELAY - 64))   /* 960 */
#define W_CLIENT ((uint64_t)(SG_REPLAY_BITS_CLIENT - 64)) /* 8128 */

struct step {
	uint64_t counter;
	int expected;
};

#define T(c, e) { (c), (e) }

/* A window seen through the untyped API, so one runner serves both sizes. */
struct win {
	uint64_t *next;
	uint64_t *bitmap;
	unsigned nblocks;
};

#define WIN(w) ((struct win){ &(w)->next, (w)->bitmap, SG_REPLAY_NBLOCKS(w) })

static void run_table(struct win w, const struct step *steps, size_t n)
{
	size_t bytes = w.nblocks * sizeof(uint64_t);
	uint64_t *before = malloc(bytes);

	assert_non_null(before);
	for (size_t i = 0; i < n; i++) {
		uint64_t c = steps[i].counter, next_before = *w.next;
		int want = steps[i].expected;
		int chk = sg_replay_check(*w.next, w.bitmap, w.nblocks, c);
		int got;

		memcpy(before, w.bitmap, bytes);
		got = sg_replay_update(w.next, w.bitmap, w.nblocks, c);
		if (chk != want || got != want)
			fail_msg("step %zu: counter %" PRIu64 ": check %s, update %s, want %s",
				 i, c, sg_status_name(chk), sg_status_name(got),
				 sg_status_name(want));
		if (want != SG_OK) {
			assert_int_equal(*w.next, next_before);
			assert_memory_equal(before, w.bitmap, bytes);
		} else if (c >= next_before) {
			assert_int_equal(*w.next, c + 1);
		} else {
			assert_int_equal(*w.next, next_before);
		}
	}
	free(before);
}

static const struct step relay_steps[] = {
	T(0, SG_OK),                 /* first counter is 0 */
	T(1, SG_OK),
	T(1, SG_E_REPLAY),           /* duplicate of the newest */
	T(0, SG_E_REPLAY),           /* duplicate of the first */
	T(2, SG_OK),
	T(5, SG_OK),
	T(4, SG_OK),                 /* out of order inside the window */
	T(3, SG_OK),
	T(5, SG_E_REPLAY),
	T(63, SG_OK),                /* last bit of word 0 */
	T(64, SG_OK),                /* first bit of word 1 */
	T(62, SG_OK),
	T(64, SG_E_REPLAY),
	T(1000, SG_OK),              /* highest 1000 */
	T(1000 - W_RELAY, SG_OK),    /* 40: exactly at the window edge */
	T(999 - W_RELAY, SG_E_REPLAY), /* 39: one beyond it */
	T(40, SG_E_REPLAY),
	T(41, SG_OK),
	T(6, SG_E_REPLAY),           /* never seen, but too old */
	T(1064, SG_OK),              /* top word 15 -> 16, the slot of 0..63 */
	T(1065, SG_OK),              /* same bit as 41: the slot was cleared */
	T(1087, SG_OK),              /* same bit as 63 */
	T(1087 - W_RELAY, SG_OK),    /* 127: edge again */
	T(1086 - W_RELAY, SG_E_REPLAY),
	T(64, SG_E_REPLAY),
	T(1151, SG_OK),              /* exactly one word (+64) ahead */
	T(1151 - W_RELAY, SG_OK),    /* 191 */
	T(1150 - W_RELAY, SG_E_REPLAY),
	T(1087, SG_E_REPLAY),
	T(1100, SG_OK),
	T(6151, SG_OK),              /* far jump, more than the whole bitmap */
	T(5196, SG_OK),              /* slot of 1100 (old top word): cleared too */
	T(5247, SG_OK),              /* slot of 1151, same bit */
	T(1151, SG_E_REPLAY),
	T(1100, SG_E_REPLAY),
	T(6151 - W_RELAY, SG_OK),
	T(6150 - W_RELAY, SG_E_REPLAY),
	T(6150, SG_OK),
	T(6151, SG_E_REPLAY),
	T(6152, SG_OK),
	T(2000000, SG_OK),
	T(2000000 - W_RELAY, SG_OK),
	T(1999999 - W_RELAY, SG_E_REPLAY),
	T(1999999, SG_OK),
	T(6152, SG_E_REPLAY),
	T(REJECT - 1, SG_OK),        /* the last counter a key may use */
	T(REJECT - 1, SG_E_REPLAY),
	T(REJECT - 1 - W_RELAY, SG_OK),
	T(REJECT - 2 - W_RELAY, SG_E_REPLAY),
	T(REJECT, SG_E_COUNTER),
	T(REJECT + 1, SG_E_COUNTER),
	T(UINT64_MAX, SG_E_COUNTER),
	T(REJECT - 2, SG_OK),
	T(REJECT - 2, SG_E_REPLAY),
	T(2000000, SG_E_REPLAY),
};

static const struct step client_steps[] = {
	T(0, SG_OK),
	T(1, SG_OK),
	T(1, SG_E_REPLAY),
	T(3, SG_OK),
	T(2, SG_OK),
	T(3, SG_E_REPLAY),
	T(8128, SG_OK),              /* highest 8128, top slot 127 */
	T(2, SG_E_REPLAY),           /* inside the window, already seen */
	T(4, SG_OK),
	T(0, SG_E_REPLAY),           /* exactly at the edge, but seen */
	T(8200, SG_OK),              /* top word 128: slot 0 reused */
	T(8200 - W_CLIENT, SG_OK),   /* 72: the edge */
	T(8199 - W_CLIENT, SG_E_REPLAY), /* 71: one beyond */
	T(8193, SG_OK),              /* same bit as 1: the slot was cleared */
	T(8195, SG_OK),              /* same bit as 3 */
	T(8264, SG_OK),              /* exactly one word (+64) ahead */
	T(8264 - W_CLIENT, SG_OK),   /* 136 */
	T(8263 - W_CLIENT, SG_E_REPLAY),
	T(72, SG_E_REPLAY),
	T(8195, SG_E_REPLAY),
	T(5000, SG_OK),              /* deep reordering, 3264 behind */
	T(1000000, SG_OK),           /* far jump */
	T(8264, SG_E_REPLAY),
	T(1000000 - W_CLIENT, SG_OK),
	T(999999 - W_CLIENT, SG_E_REPLAY),
	T(999999, SG_OK),
	T(1000000, SG_E_REPLAY),
	T(REJECT - 1, SG_OK),
	T(REJECT - 1 - W_CLIENT, SG_OK),
	T(REJECT - 2 - W_CLIENT, SG_E_REPLAY),
	T(REJECT, SG_E_COUNTER),
	T(UINT64_MAX, SG_E_COUNTER),
	T(REJECT - 2, SG_OK),
	T(REJECT - 2, SG_E_REPLAY),
};

/* A window that starts above zero still tolerates reordering below its first. */
static const struct step late_start_steps[] = {
	T(500, SG_OK),
	T(0, SG_OK),
	T(499, SG_OK),
	T(500, SG_E_REPLAY),
	T(0, SG_E_REPLAY),
	T(961, SG_OK),
	T(0, SG_E_REPLAY),           /* 961 behind */
	T(1, SG_OK),                 /* 960 behind */
};

static void test_relay_table(void **state)
{
	struct sg_replay_relay w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(SG_REPLAY_NBLOCKS(&w), 16);
	run_table(WIN(&w), relay_steps, SG_ARRAY_SIZE(relay_steps));
}

static void test_client_table(void **state)
{
	struct sg_replay_client w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(SG_REPLAY_NBLOCKS(&w), 128);
	run_table(WIN(&w), client_steps, SG_ARRAY_SIZE(client_steps));
}

static void test_late_start(void **state)
{
	struct sg_replay_relay w;

	(void)state;
	/* next == 0 means empty whatever the bitmap holds: update clears it. */
	memset(&w, 0xff, sizeof(w));
	w.next = 0;
	run_table(WIN(&w), late_start_steps, SG_ARRAY_SIZE(late_start_steps));
}

/* The typed macros reach the same functions. */
static void test_typed_macros(void **state)
{
	struct sg_replay_relay w = { 0 };

	(void)state;
	assert_int_equal(sg_replay_window_check(&w, 7), SG_OK);
	assert_int_equal(w.next, 0);
	assert_int_equal(sg_replay_window_update(&w, 7), SG_OK);
	assert_int_equal(w.next, 8);
	assert_int_equal(sg_replay_window_check(&w, 7), SG_E_REPLAY);
	assert_int_equal(sg_replay_window_update(&w, 7), SG_E_REPLAY);
	assert_int_equal(sg_replay_window_check(&w, REJECT), SG_E_COUNTER);
}

/* Deterministic generator (splitmix64): same sequence on every run. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

static void test_check_does_not_modify(void **state)
{
	static struct sg_replay_client w, snap;
	struct sg_replay_relay r = { 0 }, rsnap;
	const uint64_t probes_base[] = { 0, 1, 63, 64, 4095, 5000, 9000, 9001, 9100, 20000,
					 REJECT - 1, REJECT, UINT64_MAX };

	(void)state;
	rng_state = 42;
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < 3000; i++)
		(void)sg_replay_window_update(&w, rng_below(9000));
	memcpy(&snap, &w, sizeof(w));

	for (size_t i = 0; i < SG_ARRAY_SIZE(probes_base); i++)
		(void)sg_replay_window_check(&w, probes_base[i]);
	for (uint64_t c = 0; c < 20000; c++)
		(void)sg_replay_window_check(&w, c);
	assert_memory_equal(&snap, &w, sizeof(w));

	/* Same for the relay window, including an empty one. */
	memcpy(&rsnap, &r, sizeof(r));
	for (uint64_t c = 0; c < 2000; c++)
		assert_int_equal(sg_replay_window_check(&r, c), SG_OK);
	assert_memory_equal(&rsnap, &r, sizeof(r));
	for (uint64_t c = 0; c < 2000; c += 3)
		assert_int_equal(sg_replay_window_update(&r, c), SG_OK);
	memcpy(&rsnap, &r, sizeof(r));
	for (uint64_t c = 0; c < 4000; c++)
		(void)sg_replay_window_check(&r, c);
	assert_memory_equal(&rsnap, &r, sizeof(r));
}

/*
 * The naive model: every accepted counter in a hash set, and the maximum.
 * A counter is new when it is below the limit, not in the set, and not more
 * than the window behind the maximum.
 */
enum { MODEL_BITS = 19, MODEL_SLOTS = 1 << MODEL_BITS, PROPERTY_STEPS = 200000 };

struct model {
	uint64_t *slot; /* counter + 1; 0 is empty */
	uint64_t max;
	int any;
	uint64_t window;
};

static uint64_t model_hash(uint64_t c)
{
	return (c * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - MODEL_BITS);
}

static int model_seen(const struct model *m, uint64_t c)
{
	for (uint64_t h = model_hash(c);; h = (h + 1) & (MODEL_SLOTS - 1)) {
		if (m->slot[h] == 0)
			return 0;
		if (m->slot[h] == c + 1)
			return 1;
	}
}

static void model_add(struct model *m, uint64_t c)
{
	uint64_t h = model_hash(c);

	while (m->slot[h] != 0)
		h = (h + 1) & (MODEL_SLOTS - 1);
	m->slot[h] = c + 1;
	if (!m->any || c > m->max)
		m->max = c;
	m->any = 1;
}

static int model_verdict(const struct model *m, uint64_t c)
{
	if (c >= REJECT)
		return SG_E_COUNTER;
	if (!m->any || c > m->max)
		return SG_OK;
	if (m->max - c > m->window)
		return SG_E_REPLAY;
	return model_seen(m, c) ? SG_E_REPLAY : SG_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The next counter to offer: mostly in order, with every kind of disorder. */
static uint64_t pick(const struct model *m, uint64_t *sender, uint64_t window, uint64_t base)
{
	uint64_t r = rng_below(100), top = m->any ? m->max : base, c;

	if (r < 45) {
		c = *sender;
		*sender = sat_add(*sender, 1);
	} else if (r < 65) {
		c = top - rng_below(window + 1);             /* inside the window */
	} else if (r < 75) {
		c = top - window - 2 + rng_below(5);          /* around the edge */
	} else if (r < 83) {
		c = top - window - 1 - rng_below(3 * window); /* beyond it */
	} else if (r < 90) {
		c = top - rng_below(64);                      /* likely duplicates */
	} else {
		/* Jump ahead: a few words, or (rarely) far past the whole bitmap. */
		uint64_t span = r < 97 ? 3 * (window + 64) : UINT64_C(1) << 24;

		c = sat_add(top, 1 + rng_below(span));
		*sender = sat_add(c, 1);
	}
	if (c < base || c > sat_add(top, UINT64_C(1) << 25))
		c = base + rng_below(64); /* wrapped below the base: clamp */
	return c;
}

static void run_property(struct win w, uint64_t base, uint64_t seed)
{
	struct model m = { 0 };
	size_t bytes = w.nblocks * sizeof(uint64_t);
	uint64_t *before = malloc(bytes), sender = base;
	unsigned counts[3] = { 0 };

	m.slot = calloc(MODEL_SLOTS, sizeof(uint64_t));
	m.window = (uint64_t)(w.nblocks - 1) * 64;
	assert_non_null(m.slot);
	assert_non_null(before);
	rng_state = seed;

	for (int i = 0; i < PROPERTY_STEPS; i++) {
		uint64_t c = pick(&m, &sender, m.window, base);
		int want = model_verdict(&m, c);
		int chk = sg_replay_check(*w.next, w.bitmap, w.nblocks, c);
		int got;

		if (want != SG_OK)
			memcpy(before, w.bitmap, bytes);
		got = sg_replay_update(w.next, w.bitmap, w.nblocks, c);
		if (chk != want || got != want)
			fail_msg("step %d: counter %" PRIu64 " (max %" PRIu64 "): check %s, "
				 "update %s, model %s", i, c, m.max, sg_status_name(chk),
				 sg_status_name(got), sg_status_name(want));
		if (want == SG_OK) {
			model_add(&m, c);
			counts[0]++;
		} else {
			assert_memory_equal(before, w.bitmap, bytes);
			counts[want == SG_E_REPLAY ? 1 : 2]++;
		}
		assert_int_equal(*w.next, m.any ? m.max + 1 : 0);
	}
	/* The mix really exercised every outcome. */
	assert_true(counts[0] > PROPERTY_STEPS / 10);
	assert_true(counts[1] > PROPERTY_STEPS / 10);
	if (base > REJECT - (UINT64_C(1) << 40))
		assert_true(counts[2] > 0);
	free(m.slot);
	free(before);
}

static void test_property_relay(void **state)
{
	struct sg_replay_relay w = { 0 };

	(void)state;
	run_property(WIN(&w), 0, 1);
}

static void test_property_client(void **state)
{
	static struct sg_replay_client w;

	(void)state;
	memset(&w, 0, sizeof(w));
	run_property(WIN(&w), 0, 2);
}

/* Near the end of the counter space, where SG_E_COUNTER takes over. */
static void test_property_limit(void **state)
{
	static struct sg_replay_client c;
	struct sg_replay_relay r = { 0 };

	(void)state;
	run_property(WIN(&r), REJECT - (UINT64_C(1) << 35), 3);
	memset(&c, 0, sizeof(c));
	run_property(WIN(&c), REJECT - (UINT64_C(1) << 35), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_table),
		cmocka_unit_test(test_client_table),
		cmocka_unit_test(test_late_start),
		cmocka_unit_test(test_typed_macros),
		cmocka_unit_test(test_check_does_not_modify),
		cmocka_unit_test(test_property_relay),
		cmocka_unit_test(test_property_client),
		cmocka_unit_test(test_property_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
