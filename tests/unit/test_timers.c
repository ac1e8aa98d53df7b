/* SPDX-License-Identifier: MIT */
/*
 * test_timers.c - the relay's session timers (control/timers.c): the
 * decision as a table (born, last_seen, now -> verdict, next deadline); the
 * defaults are the protocol's; and over a wheel on an injected clock: an idle
 * session expires dead_after after its last frame, an active one (last_seen
 * advancing) is re-armed, not expired, about once per dead_after, and is
 * rejected at reject_after even though active; a replaced session's entry
 * is cancelled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/timers.h"
#include "control/wheel.h"
#include "proto/messages.h"

enum { BORN = 1000, DEAD = SG_SESSION_DEAD_S, REJECT = SG_REJECT_AFTER_S };

static void test_defaults(void **state)
{
	struct sg_timers_cfg c;

	(void)state;
	sg_timers_cfg_default(&c);
	assert_int_equal(c.reject_after_s, 3780);
	assert_int_equal(c.dead_after_s, 540);
}

#define T(seen, at, v, nx) { (seen), (at), SG_TIMERS_##v, (nx) }

static void test_check_table(void **state)
{
	static const struct {
		uint64_t last_seen, now;
		enum sg_timers_verdict v;
		uint64_t next;                  /* for KEEP */
	} table[] = {
		T(BORN, BORN, KEEP, BORN + DEAD),
		T(BORN, BORN + DEAD - 1, KEEP, BORN + DEAD),
		T(BORN, BORN + DEAD, EXPIRE_IDLE, 0),             /* exactly at dead_after */
		T(BORN, BORN + DEAD + 5000, EXPIRE_REJECT, 0),    /* both: reject first */
		T(BORN + 300, BORN + DEAD, KEEP, BORN + 300 + DEAD),
		T(BORN + 300, BORN + 300 + DEAD, EXPIRE_IDLE, 0),
		T(BORN + REJECT - 100, BORN + REJECT - 1, KEEP, BORN + REJECT), /* reject is nearer */
		T(BORN + REJECT - 1, BORN + REJECT, EXPIRE_REJECT, 0), /* active, still rejected */
		T(BORN + REJECT + 9, BORN + REJECT + 10, EXPIRE_REJECT, 0),
		T(BORN + 10, BORN + 5, KEEP, BORN + 10 + DEAD),   /* last_seen ahead of now */
	};
	struct sg_timers_cfg c;

	(void)state;
	sg_timers_cfg_default(&c);
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint64_t next = 12345;
		enum sg_timers_verdict v = sg_timers_check(&c, BORN, table[i].last_seen,
							   table[i].now, &next);

		assert_int_equal(v, table[i].v);
		if (v == SG_TIMERS_KEEP) {
			assert_int_equal(next, table[i].next);
			assert_true(next > table[i].now);
			assert_int_equal(next, sg_timers_deadline(&c, BORN, table[i].last_seen));
		} else {
			assert_int_equal(next, 12345);      /* untouched */
		}
	}
}

/* A few sessions on a wheel; the callback applies the policy. */
struct sim {
	struct sg_timers_cfg cfg;
	struct sg_wheel w;
	uint64_t born[4], last_seen[4];
	uint64_t now;
	unsigned fired[4], expired_idle[4], expired_reject[4];
	uint64_t expired_at[4];
};

static void on_fire(void *arg, uint32_t id)
{
	struct sim *s = arg;
	enum sg_timers_verdict v;

	s->fired[id]++;
	v = sg_timers_session_fired(&s->cfg, &s->w, id, s->born[id], s->last_seen[id], s->now);
	assert_int_equal(sg_wheel_armed(&s->w, id), v == SG_TIMERS_KEEP);
	if (v == SG_TIMERS_EXPIRE_IDLE)
		s->expired_idle[id]++;
	if (v == SG_TIMERS_EXPIRE_REJECT)
		s->expired_reject[id]++;
	if (v != SG_TIMERS_KEEP)
		s->expired_at[id] = s->now;
}

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	sg_timers_cfg_default(&s->cfg);
	assert_int_equal(sg_wheel_init(&s->w, 4, 4096, BORN), 0);
}

/* One second: workers' frames (last_seen), then the control plane's tick. */
static void sim_second(struct sim *s, uint64_t now, unsigned active_mask)
{
	s->now = now;
	for (unsigned id = 0; id < 4; id++)
		if (active_mask & (1u << id))
			s->last_seen[id] = now;
	sg_wheel_advance(&s->w, (uint32_t)now, 1000, on_fire, s);
}

static void test_idle_expires(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.born[0] = s.last_seen[0] = BORN;
	sg_timers_session_born(&s.cfg, &s.w, 0, BORN);
	assert_int_equal(sg_wheel_deadline(&s.w, 0), BORN + DEAD);
	/* Traffic for 100 s, then silence. */
	for (uint64_t t = BORN; t < BORN + 100; t++)
		sim_second(&s, t, 1);
	for (uint64_t t = BORN + 100; t < BORN + 2000; t++)
		sim_second(&s, t, 0);
	assert_int_equal(s.expired_idle[0], 1);
	assert_int_equal(s.expired_reject[0], 0);
	assert_int_equal(s.expired_at[0], BORN + 99 + DEAD);  /* last frame + dead_after */
	assert_int_equal(s.fired[0], 2);                      /* once re-armed, then expired */
	assert_false(sg_wheel_armed(&s.w, 0));
	sg_wheel_fini(&s.w);
}

static void test_active_rearmed_then_rejected(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.born[1] = s.last_seen[1] = BORN;
	sg_timers_session_born(&s.cfg, &s.w, 1, BORN);
	/* A frame every 25 s (keepalives), for longer than the key's life. */
	for (uint64_t t = BORN; t < BORN + 5000; t++) {
		sim_second(&s, t, (t - BORN) % SG_KEEPALIVE_S == 0 ? 2 : 0);
		if (t < BORN + REJECT)
			assert_int_equal(s.expired_idle[1] + s.expired_reject[1], 0);
	}
	assert_int_equal(s.expired_idle[1], 0);
	assert_int_equal(s.expired_reject[1], 1);
	assert_int_equal(s.expired_at[1], BORN + REJECT);
	/* Lazy: about one re-arm per dead_after, not one per frame. */
	assert_true(s.fired[1] >= REJECT / DEAD);
	assert_true(s.fired[1] <= 2 * (REJECT / DEAD + 1));
	sg_wheel_fini(&s.w);
}

static void test_session_gone(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.born[2] = s.last_seen[2] = BORN;
	sg_timers_session_born(&s.cfg, &s.w, 2, BORN);
	sim_second(&s, BORN + 10, 0);
	sg_timers_session_gone(&s.w, 2);          /* replaced by a new handshake */
	assert_false(sg_wheel_armed(&s.w, 2));
	for (uint64_t t = BORN + 11; t < BORN + 4000; t++)
		sim_second(&s, t, 0);
	assert_int_equal(s.fired[2], 0);
	/* The slot's next session starts its own timers. */
	s.born[2] = s.last_seen[2] = BORN + 4000;
	sg_timers_session_born(&s.cfg, &s.w, 2, BORN + 4000);
	for (uint64_t t = BORN + 4000; t <= BORN + 4000 + DEAD; t++)
		sim_second(&s, t, 0);
	assert_int_equal(s.expired_idle[2], 1);
	assert_int_equal(s.expired_at[2], BORN + 4000 + DEAD);
	sg_wheel_fini(&s.w);
}

/* A short horizon fires early; the policy re-arms and expires on time. */
static void test_early_fire_rearms(void **state)
{
	struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sg_timers_cfg_default(&s.cfg);
	assert_int_equal(sg_wheel_init(&s.w, 4, 64, BORN), 0);   /* horizon 63 s */
	s.born[3] = s.last_seen[3] = BORN;
	sg_timers_session_born(&s.cfg, &s.w, 3, BORN);
	for (uint64_t t = BORN; t <= BORN + DEAD; t++)
		sim_second(&s, t, 0);
	assert_int_equal(s.expired_idle[3], 1);
	assert_int_equal(s.expired_at[3], BORN + DEAD);
	assert_true(s.fired[3] > 1);
	sg_wheel_fini(&s.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_idle_expires),
		cmocka_unit_test(test_active_rearmed_then_rejected),
		cmocka_unit_test(test_session_gone),
		cmocka_unit_test(test_early_fire_rearms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
