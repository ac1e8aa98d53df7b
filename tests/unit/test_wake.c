/* SPDX-License-Identifier: MIT */
/*
 * test_wake.c - the control plane's wake-up (control/wake.h): a kick wakes
 * an armed sleeper once, a kick while not armed costs no system call and
 * wakes nothing, disarm empties the eventfd, and a kick from another thread
 * ends a sleep in poll(2) long before its timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "control/wake.h"

static int readable(const struct sg_wake *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_kick_only_when_armed(void **state)
{
	struct sg_wake w;

	(void)state;
	assert_int_equal(sg_wake_init(&w), 0);
	sg_wake_kick(&w); /* not armed: nothing */
	assert_false(readable(&w));
	assert_int_equal(w.kicks, 0);

	sg_wake_arm(&w);
	sg_wake_kick(&w);
	assert_true(readable(&w));
	assert_int_equal(w.armed, 0); /* the kicker disarmed it: one kick per sleep */
	sg_wake_kick(&w);
	assert_int_equal(w.kicks, 1);

	sg_wake_disarm(&w);
	assert_false(readable(&w));
	sg_wake_fini(&w);
	sg_wake_fini(&w); /* twice is harmless */
}

static void *kicker(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	sg_wake_kick(arg);
	return NULL;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_kick_ends_sleep(void **state)
{
	struct sg_wake w;
	struct pollfd p;
	pthread_t t;
	uint64_t t0, dt;

	(void)state;
	assert_int_equal(sg_wake_init(&w), 0);
	sg_wake_arm(&w);
	assert_int_equal(pthread_create(&t, NULL, kicker, &w), 0);
	p = (struct pollfd){ .fd = w.fd, .events = POLLIN };
	t0 = ms_now();
	assert_int_equal(poll(&p, 1, 10000), 1);
	dt = ms_now() - t0;
	assert_true(dt < 5000); /* woken by the kick, not the 10 s timeout */
	pthread_join(t, NULL);
	sg_wake_disarm(&w);
	sg_wake_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kick_only_when_armed),
		cmocka_unit_test(test_kick_ends_sleep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
