/* SPDX-License-Identifier: MIT */
/*
 * test_wheel.c - the timing wheel (control/wheel.c), on an injected clock
 * (the now each call is given): an entry fires at its deadline and not a
 * second before (a table); re-arming moves it, earlier or later; cancel; a
 * budget spreads a backlog over calls; a clock jump of hours fires
 * everything once, in deadline order; a deadline beyond the horizon fires at
 * the horizon; a clock going backwards loses nothing; a callback may re-arm
 * itself and cancel others; with 100,000 entries armed, a second with
 * nothing due visits one bucket; random operations agree with a naive model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/wheel.h"

enum { MAX_FIRED = 200000 };

/* What the callback saw, and what it should do. */
struct rec {
	struct sg_wheel *w;
	uint32_t *ids;          /* in firing order */
	uint32_t *when;         /* the now of the advance that fired it */
	unsigned n;
	uint32_t now;
	int rearm_by;           /* > 0: re-arm the fired id at now + rearm_by; < 0: at 0 */
	uint32_t cancel_id;     /* cancelled by the first callback, if armed */
};

static void on_fire(void *arg, uint32_t id)
{
	struct rec *r = arg;

	assert_true(r->n < MAX_FIRED);
	assert_false(sg_wheel_armed(r->w, id));    /* unlinked before the call */
	r->ids[r->n] = id;
	r->when[r->n] = r->now;
	r->n++;
	if (r->rearm_by > 0)
		sg_wheel_arm(r->w, id, r->now + (uint32_t)r->rearm_by);
	else if (r->rearm_by < 0)
		sg_wheel_arm(r->w, id, 0);                 /* long passed */
	if (r->cancel_id != UINT32_MAX) {
		sg_wheel_cancel(r->w, r->cancel_id);
		r->cancel_id = UINT32_MAX;
	}
}

static void rec_init(struct rec *r, struct sg_wheel *w)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->ids = malloc(MAX_FIRED * sizeof(*r->ids));
	r->when = malloc(MAX_FIRED * sizeof(*r->when));
	assert_non_null(r->ids);
	assert_non_null(r->when);
	r->cancel_id = UINT32_MAX;
}

static void rec_fini(struct rec *r)
{
	free(r->ids);
	free(r->when);
}

static unsigned advance(struct sg_wheel *w, struct rec *r, uint32_t now, unsigned budget)
{
	r->now = now;
	return sg_wheel_advance(w, now, budget, on_fire, r);
}

/* Advances second by second from `from` to `to`, unlimited budget. */
static void walk(struct sg_wheel *w, struct rec *r, uint32_t from, uint32_t to)
{
	for (uint32_t t = from; t <= to; t++)
		advance(w, r, t, UINT32_MAX);
}

static void test_fires_at_deadline(void **state)
{
	static const struct {
		uint32_t deadline;    /* relative to the start, 1000 */
	} table[] = { { 0 }, { 1 }, { 2 }, { 59 }, { 540 }, { 3780 }, { 4095 } };
	struct sg_wheel w;
	struct rec r;

	(void)state;
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint32_t d = 1000 + table[i].deadline;

		assert_int_equal(sg_wheel_init(&w, 8, 4096, 1000), 0);
		rec_init(&r, &w);
		sg_wheel_arm(&w, 3, d);
		assert_true(sg_wheel_armed(&w, 3));
		assert_int_equal(sg_wheel_deadline(&w, 3), d);
		assert_int_equal(sg_wheel_count(&w), 1);
		if (d > 1000) {
			walk(&w, &r, 1000, d - 1);
			assert_int_equal(r.n, 0);          /* not a second early */
			assert_true(sg_wheel_armed(&w, 3));
		}
		assert_int_equal(advance(&w, &r, d, UINT32_MAX), 1);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.ids[0], 3);
		assert_false(sg_wheel_armed(&w, 3));
		assert_int_equal(sg_wheel_count(&w), 0);
		walk(&w, &r, d + 1, d + 5000);             /* and only once */
		assert_int_equal(r.n, 1);
		rec_fini(&r);
		sg_wheel_fini(&w);
	}
}

static void test_rearm_moves(void **state)
{
	struct sg_wheel w;
	struct rec r;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 4, 64, 0), 0);
	rec_init(&r, &w);
	sg_wheel_arm(&w, 1, 10);
	sg_wheel_arm(&w, 1, 20);                   /* later */
	assert_int_equal(sg_wheel_count(&w), 1);
	walk(&w, &r, 0, 19);
	assert_int_equal(r.n, 0);
	sg_wheel_arm(&w, 1, 25);                   /* later again, while waiting */
	sg_wheel_arm(&w, 1, 22);                   /* then earlier */
	walk(&w, &r, 20, 21);
	assert_int_equal(r.n, 0);
	advance(&w, &r, 22, UINT32_MAX);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.when[0], 22);
	walk(&w, &r, 23, 200);
	assert_int_equal(r.n, 1);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_cancel(void **state)
{
	struct sg_wheel w;
	struct rec r;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 4, 64, 0), 0);
	rec_init(&r, &w);
	sg_wheel_arm(&w, 0, 5);
	sg_wheel_arm(&w, 1, 5);
	sg_wheel_arm(&w, 2, 5);
	sg_wheel_cancel(&w, 1);
	sg_wheel_cancel(&w, 1);                    /* twice: nothing */
	sg_wheel_cancel(&w, 3);                    /* never armed: nothing */
	assert_false(sg_wheel_armed(&w, 1));
	assert_int_equal(sg_wheel_count(&w), 2);
	assert_int_equal(advance(&w, &r, 5, UINT32_MAX), 2);
	assert_int_equal(r.ids[0], 0);
	assert_int_equal(r.ids[1], 2);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_budget_spreads_backlog(void **state)
{
	struct sg_wheel w;
	struct rec r;
	unsigned calls = 0;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 1000, 256, 0), 0);
	rec_init(&r, &w);
	for (uint32_t id = 0; id < 1000; id++)
		sg_wheel_arm(&w, id, 10 + id % 3);    /* 334 + 333 + 333 due at 10..12 */
	assert_int_equal(advance(&w, &r, 9, 100), 0);
	while (sg_wheel_count(&w) != 0 && calls < 100) {
		unsigned n = advance(&w, &r, 12, 100);

		assert_int_equal(n, 100);              /* 1000 is a multiple of the budget */
		calls++;
	}
	assert_int_equal(calls, 10);
	assert_int_equal(r.n, 1000);
	assert_int_equal(advance(&w, &r, 12, 100), 0);
	/* In deadline order, each once. */
	for (unsigned i = 1; i < r.n; i++)
		assert_true(r.ids[i - 1] % 3 <= r.ids[i] % 3);
	/* Budget 0 fires nothing and loses nothing. */
	sg_wheel_arm(&w, 7, 20);
	assert_int_equal(advance(&w, &r, 30, 0), 0);
	assert_true(sg_wheel_armed(&w, 7));
	assert_int_equal(advance(&w, &r, 30, 1), 1);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_clock_jump_hours(void **state)
{
	struct sg_wheel w;
	struct rec r;
	uint64_t v0;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 5000, 4096, 100), 0);
	rec_init(&r, &w);
	for (uint32_t id = 0; id < 5000; id++)
		sg_wheel_arm(&w, id, 100 + 1 + (id * 7919u) % 4000);
	v0 = w.visited;
	/* Three hours at once. */
	assert_int_equal(advance(&w, &r, 100 + 3 * 3600, UINT32_MAX), 5000);
	assert_int_equal(sg_wheel_count(&w), 0);
	for (unsigned i = 1; i < r.n; i++)
		assert_true((r.ids[i - 1] * 7919u) % 4000 <= (r.ids[i] * 7919u) % 4000);
	/* Fires plus at most one bucket per second up to the last deadline, not 3 h. */
	assert_true(w.visited - v0 <= 5000 + 4001);
	/* The wheel is at the new time: a deadline an hour on fires then, not before. */
	sg_wheel_arm(&w, 1, 100 + 4 * 3600);
	assert_int_equal(advance(&w, &r, 100 + 4 * 3600 - 1, UINT32_MAX), 0);
	assert_int_equal(advance(&w, &r, 100 + 4 * 3600, UINT32_MAX), 1);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_beyond_horizon(void **state)
{
	struct sg_wheel w;
	struct rec r;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 4, 16, 0), 0);   /* horizon 15 s */
	rec_init(&r, &w);
	sg_wheel_arm(&w, 2, 1000);
	assert_int_equal(sg_wheel_deadline(&w, 2), 15);
	walk(&w, &r, 0, 14);
	assert_int_equal(r.n, 0);
	advance(&w, &r, 15, UINT32_MAX);                      /* early, at the horizon */
	assert_int_equal(r.n, 1);
	/* The owner re-arms for what is left, clamped again, until the deadline. */
	for (uint32_t t = 16; t <= 1000 && r.n < 200; t++) {
		if (!sg_wheel_armed(&w, 2) && r.when[r.n - 1] < 1000)
			sg_wheel_arm(&w, 2, 1000);
		advance(&w, &r, t, UINT32_MAX);
	}
	/*
	 * Re-armed the second after it fired, 15 s ahead: at 15, then every 16 s
	 * (31 .. 991, 61 times), then on time at 1000.
	 */
	assert_int_equal(r.when[r.n - 1], 1000);
	assert_int_equal(r.when[r.n - 2], 991);
	assert_int_equal(r.n, 63);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_clock_backwards(void **state)
{
	struct sg_wheel w;
	struct rec r;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 4, 256, 0), 0);
	rec_init(&r, &w);
	sg_wheel_arm(&w, 0, 110);
	walk(&w, &r, 0, 100);
	assert_int_equal(advance(&w, &r, 50, UINT32_MAX), 0);    /* back 50 s */
	sg_wheel_arm(&w, 1, 60);                  /* passed for the wheel: its next second */
	assert_int_equal(sg_wheel_deadline(&w, 1), 101);
	walk(&w, &r, 51, 100);
	assert_int_equal(r.n, 0);
	assert_int_equal(advance(&w, &r, 101, UINT32_MAX), 1);
	assert_int_equal(r.ids[0], 1);
	walk(&w, &r, 102, 110);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[1], 0);
	assert_int_equal(r.when[1], 110);
	assert_int_equal(sg_wheel_count(&w), 0);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_callback_rearms_and_cancels(void **state)
{
	struct sg_wheel w;
	struct rec r;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 8, 64, 0), 0);
	rec_init(&r, &w);
	/* Re-armed 10 s on each time: fires at 5, 15, 25. */
	sg_wheel_arm(&w, 4, 5);
	r.rearm_by = 10;
	walk(&w, &r, 0, 25);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.when[0], 5);
	assert_int_equal(r.when[1], 15);
	assert_int_equal(r.when[2], 25);
	assert_true(sg_wheel_armed(&w, 4));
	sg_wheel_cancel(&w, 4);
	/* Re-armed in the past: once a second, never twice for one second. */
	r.n = 0;
	r.rearm_by = -1;
	sg_wheel_arm(&w, 5, 30);
	assert_int_equal(advance(&w, &r, 30, UINT32_MAX), 1);
	assert_int_equal(advance(&w, &r, 30, UINT32_MAX), 0);
	assert_int_equal(advance(&w, &r, 31, UINT32_MAX), 1);
	assert_int_equal(advance(&w, &r, 40, UINT32_MAX), 9);  /* one per second passed */
	sg_wheel_cancel(&w, 5);
	/* The first callback cancels another entry due in the same second. */
	r.n = 0;
	r.rearm_by = 0;
	sg_wheel_arm(&w, 6, 50);
	sg_wheel_arm(&w, 7, 50);
	r.cancel_id = 7;
	assert_int_equal(advance(&w, &r, 50, UINT32_MAX), 1);
	assert_int_equal(r.ids[0], 6);
	assert_false(sg_wheel_armed(&w, 7));
	assert_int_equal(sg_wheel_count(&w), 0);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

/* 100,000 armed entries: a second with nothing due visits its bucket only. */
static void test_cost_follows_what_fires(void **state)
{
	enum { N = 100000 };
	struct sg_wheel w;
	struct rec r;
	uint64_t v;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, N, 4096, 0), 0);
	rec_init(&r, &w);
	for (uint32_t id = 0; id < N; id++)
		sg_wheel_arm(&w, id, 100 + id % 1000);   /* 100 due each second 100..1099 */
	walk(&w, &r, 0, 98);
	v = w.visited;
	assert_int_equal(advance(&w, &r, 99, UINT32_MAX), 0);
	assert_int_equal(w.visited - v, 1);             /* one bucket, no entry */
	v = w.visited;
	assert_int_equal(advance(&w, &r, 100, UINT32_MAX), 100);
	assert_int_equal(w.visited - v, 1 + 100);       /* one bucket, what fired */
	v = w.visited;
	assert_int_equal(advance(&w, &r, 104, 250), 250);
	assert_int_equal(w.visited - v, 3 + 250);       /* buckets 101..103, budget */
	assert_int_equal(sg_wheel_count(&w), N - 350);
	/* An empty wheel skips to now without walking the seconds. */
	for (uint32_t id = 0; id < N; id++)
		sg_wheel_cancel(&w, id);
	assert_int_equal(advance(&w, &r, 104, UINT32_MAX), 0);
	v = w.visited;
	assert_int_equal(advance(&w, &r, 1000000, UINT32_MAX), 0);
	assert_int_equal(w.visited - v, 0);
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Random arms, cancels and advances against a naive list of deadlines. */
static void test_model(void **state)
{
	enum { N = 2000, STEPS = 20000, NONE = 0 };
	static uint32_t model[N];              /* deadline, NONE when not armed */
	static uint8_t fired_now[N];
	struct sg_wheel w;
	struct rec r;
	uint32_t now = 1;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, N, 512, now), 0);
	rec_init(&r, &w);
	for (unsigned step = 0; step < STEPS; step++) {
		uint32_t id = rnd(N), op = rnd(10);

		if (op < 6) {
			uint32_t d = now + rnd(500);   /* within the horizon */

			/* Past the wheel's last second, it goes to the next one. */
			sg_wheel_arm(&w, id, d);
			model[id] = d < w.cur ? w.cur : d;
		} else if (op < 8) {
			sg_wheel_cancel(&w, id);
			model[id] = NONE;
		} else {
			unsigned expect = 0;

			now += rnd(8);
			r.n = 0;
			advance(&w, &r, now, UINT32_MAX);
			memset(fired_now, 0, sizeof(fired_now));
			for (unsigned i = 0; i < r.n; i++) {
				assert_int_not_equal(model[r.ids[i]], NONE);
				assert_true(model[r.ids[i]] <= now);
				assert_int_equal(fired_now[r.ids[i]], 0);
				fired_now[r.ids[i]] = 1;
			}
			for (uint32_t k = 0; k < N; k++) {
				if (model[k] != NONE && model[k] <= now) {
					expect++;
					assert_int_equal(fired_now[k], 1);
					model[k] = NONE;
				}
				assert_int_equal(sg_wheel_armed(&w, k), model[k] != NONE);
			}
			assert_int_equal(r.n, expect);
		}
	}
	rec_fini(&r);
	sg_wheel_fini(&w);
}

static void test_init_args(void **state)
{
	struct sg_wheel w;

	(void)state;
	assert_int_equal(sg_wheel_init(&w, 0, 64, 0), -1);
	assert_int_equal(sg_wheel_init(&w, 8, 0, 0), -1);
	assert_int_equal(sg_wheel_init(&w, 8, 1, 0), -1);
	assert_int_equal(sg_wheel_init(&w, 8, 100, 0), -1);   /* not a power of two */
	assert_int_equal(sg_wheel_init(&w, 8, SG_WHEEL_MAX_BUCKETS * 2, 0), -1);
	assert_int_equal(sg_wheel_init(&w, SG_WHEEL_MAX_CAPACITY + 1, 64, 0), -1);
	assert_null(w.next);
	sg_wheel_fini(&w);                        /* after a failed init */
	sg_wheel_fini(&w);                        /* twice */
	assert_int_equal(sg_wheel_bytes(1000, 4096), 1000 * 12 + 4097 * 8);
	assert_int_equal(sg_wheel_init(&w, 1, 2, 7), 0);
	assert_false(sg_wheel_armed(&w, 0));
	sg_wheel_arm(&w, 0, 8);
	assert_int_equal(sg_wheel_deadline(&w, 0), 8);
	sg_wheel_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_at_deadline),
		cmocka_unit_test(test_rearm_moves),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_budget_spreads_backlog),
		cmocka_unit_test(test_clock_jump_hours),
		cmocka_unit_test(test_beyond_horizon),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_callback_rearms_and_cancels),
		cmocka_unit_test(test_cost_follows_what_fires),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_init_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
