/* SPDX-License-Identifier: MIT */
/*
 * test_policy_job.c - compiling off the caller's thread (policy/job.c).
 *
 * A load, an add and a remove each give the policy they should, and only
 * once (a second take finds nothing); a second submit while one is pending
 * is refused as busy, and accepted again after the take; a failed compile
 * comes back as NULL with the file:line reason; notify runs once per
 * finished job; fini while a compile runs waits for it and frees the
 * result nobody took (ASan's leak check sees it otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/job.h"
#include "policy/policy.h"

static char err[1024];
static int notified;

static void on_done(void *arg)
{
	__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
}

static const char *default_rules(void)
{
	static char path[1024];
	const char *root = getenv("SG_SOURCE_ROOT");

	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/rules/default.rules", root);
	return path;
}

/* Take the result, waiting at most 30 s; returns take's 1 and fills *out. */
static int wait_take(struct sg_policy_job *j, struct sg_policy **out,
		     enum sg_policy_job_kind *kind)
{
	for (int i = 0; i < 30000; i++) {
		if (sg_policy_job_take(j, out, kind, err, sizeof(err)))
			return 1;
		usleep(1000);
	}
	fail_msg("the compile did not finish in 30 s");
	return 0;
}

static void test_load_add_remove(void **state)
{
	struct sg_policy_job *j;
	struct sg_policy *p, *p2, *p3;
	enum sg_policy_job_kind kind;
	double secs = -1;
	unsigned n;

	(void)state;
	notified = 0;
	assert_int_equal(sg_policy_job_init(&j, on_done, &notified, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_busy(j, NULL), 0);
	p = NULL;
	assert_int_equal(sg_policy_job_take(j, &p, NULL, err, sizeof(err)), 0);

	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, default_rules(), 0,
					      err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_busy(j, &secs), 1);
	assert_true(secs >= 0);
	/* One job at a time: refused while pending. */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, default_rules(), 0,
					      err, sizeof(err)), -1);
	assert_non_null(strstr(err, "still compiling"));
	assert_int_equal(wait_take(j, &p, &kind), 1);
	assert_non_null(p);
	assert_int_equal(kind, SG_POLICY_JOB_LOAD);
	n = sg_policy_rules(p)->n;
	assert_int_equal(n, 100);
	assert_int_equal(sg_policy_job_take(j, &p2, NULL, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_busy(j, NULL), 0);
	assert_int_equal(__atomic_load_n(&notified, __ATOMIC_RELAXED), 1);

	/* add, on top of p (which stays as it was) */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_ADD, p,
					      "777 drop caseless evil\\.example", 0, err,
					      sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p2, &kind), 1);
	assert_non_null(p2);
	assert_int_equal(kind, SG_POLICY_JOB_ADD);
	assert_int_equal(sg_policy_rules(p2)->n, n + 1);
	assert_int_equal(sg_policy_rules(p)->n, n);

	/* an id already there: refused with the reason */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_ADD, p2, "777 drop - x", 0, err,
					      sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p3, NULL), 1);
	assert_null(p3);
	assert_non_null(strstr(err, "777"));

	/* remove it again */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_REMOVE, p2, NULL, 777, err,
					      sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p3, &kind), 1);
	assert_non_null(p3);
	assert_int_equal(kind, SG_POLICY_JOB_REMOVE);
	assert_int_equal(sg_policy_rules(p3)->n, n);
	assert_int_equal(__atomic_load_n(&notified, __ATOMIC_RELAXED), 4);

	/* remove needs a base; add starts from nothing without one */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_REMOVE, NULL, NULL, 1, err,
					      sizeof(err)), -1);
	sg_policy_free(p3);
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_ADD, NULL, "5 count - hello", 0,
					      err, sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p3, NULL), 1);
	assert_non_null(p3);
	assert_int_equal(sg_policy_rules(p3)->n, 1);
	assert_int_equal(sg_policy_rules(p3)->v[0].id, 5);
	sg_policy_free(p);
	sg_policy_free(p2);
	sg_policy_free(p3);
	sg_policy_job_fini(j);
}

static void test_bad_file(void **state)
{
	char path[] = "/tmp/surge-job-XXXXXX";
	const char text[] = "1 drop - ok\n2 drop - a{1000000}\n";
	struct sg_policy_job *j;
	struct sg_policy *p = (struct sg_policy *)1;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(sg_policy_job_init(&j, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, path, 0, err,
					      sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p, NULL), 1);
	assert_null(p);
	assert_non_null(strstr(err, ":2: rule 2:")); /* file:line and the rule */
	/* a missing file */
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, "/nonexistent/x.rules",
					      0, err, sizeof(err)), 0);
	assert_int_equal(wait_take(j, &p, NULL), 1);
	assert_null(p);
	assert_non_null(strstr(err, "/nonexistent/x.rules"));
	sg_policy_job_fini(j);
	unlink(path);
}

static void test_fini_while_compiling(void **state)
{
	struct sg_policy_job *j;

	(void)state;
	assert_int_equal(sg_policy_job_init(&j, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, default_rules(), 0,
					      err, sizeof(err)), 0);
	sg_policy_job_fini(j); /* waits; the result is freed (ASan checks) */
}

static void test_too_long(void **state)
{
	static char big[SG_POLICY_JOB_TEXT_MAX + 10];
	struct sg_policy_job *j;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(sg_policy_job_init(&j, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_job_submit(j, SG_POLICY_JOB_LOAD, NULL, big, 0, err,
					      sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(sg_policy_job_busy(j, NULL), 0);
	sg_policy_job_fini(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_add_remove),
		cmocka_unit_test(test_bad_file),
		cmocka_unit_test(test_fini_while_compiling),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
