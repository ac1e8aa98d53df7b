/* SPDX-License-Identifier: MIT */
/*
 * job.c - the policy compile thread (job.h).
 *
 * Invariants:
 * - state goes IDLE -> QUEUED (submit) -> RUNNING (thread) -> DONE (thread)
 *   -> IDLE (take); only submit leaves IDLE and only take leaves DONE, so a
 *   job's inputs and result have one owner at every moment.  All changes
 *   are made under mu; take first looks without the lock (an acquire load),
 *   so a control round with nothing finished costs one load.
 * - The thread sleeps on cv between jobs and never busy-polls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "policy/job.h"
#include "policy/policy.h"

enum { JOB_IDLE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

enum { JOB_NICE = 10 };

struct sg_policy_job {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state;                 /* JOB_*; written under mu, read racily by take */
	int stop;
	void (*notify)(void *);
	void *arg;
	/* the job */
	enum sg_policy_job_kind kind;
	const struct sg_policy *base;
	uint32_t id;
	char text[SG_POLICY_JOB_TEXT_MAX];
	struct timespec started;
	char cache[SG_POLICY_JOB_TEXT_MAX];  /* loads' compiled copy; "": none */
	/* its result */
	struct sg_policy *result;
	char err[512];
	char note[512];            /* the cache's fate (loads) */
	int from_cache;
};

static struct sg_policy *run(struct sg_policy_job *j, char *err, size_t errlen, char *note,
			     size_t notelen, int *from_cache)
{
	struct sg_policy *out = NULL;
	int rc;

	switch (j->kind) {
	case SG_POLICY_JOB_LOAD:
		rc = sg_policy_load_cached(j->text, j->cache, &out, from_cache, err, errlen, note,
					   notelen);
		break;
	case SG_POLICY_JOB_ADD:
		rc = sg_policy_add_rule(j->base, j->text, &out, err, errlen);
		break;
	case SG_POLICY_JOB_REMOVE:
		rc = sg_policy_remove_rule(j->base, j->id, &out, err, errlen);
		break;
	default:
		snprintf(err, errlen, "unknown job");
		rc = -1;
	}
	return rc == 0 ? out : NULL;
}

static void *job_main(void *arg)
{
	struct sg_policy_job *j = arg;

	/* Below the control loop that shares the CPU (Linux: nice is per thread). */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), JOB_NICE) != 0) {
		/* not fatal: the compile then competes at the loop's priority */
	}
	pthread_mutex_lock(&j->mu);
	for (;;) {
		char err[sizeof(j->err)] = "", note[sizeof(j->note)] = "";
		struct sg_policy *out;
		int from_cache = 0;

		while (!j->stop && j->state != JOB_QUEUED)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->stop)
			break;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&j->mu);
		/* inputs are ours while RUNNING */
		out = run(j, err, sizeof(err), note, sizeof(note), &from_cache);
		pthread_mutex_lock(&j->mu);
		j->result = out;
		memcpy(j->err, err, sizeof(err));
		memcpy(j->note, note, sizeof(note));
		j->from_cache = from_cache;
		__atomic_store_n(&j->state, JOB_DONE, __ATOMIC_RELEASE);
		if (j->notify)
			j->notify(j->arg);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

int sg_policy_job_init(struct sg_policy_job **out, void (*notify)(void *), void *arg,
		       char *err, size_t errlen)
{
	struct sg_policy_job *j = calloc(1, sizeof(*j));
	int rc;

	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->notify = notify;
	j->arg = arg;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	rc = pthread_create(&j->thread, NULL, job_main, j);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the policy compile thread: %s", strerror(rc));
		pthread_cond_destroy(&j->cv);
		pthread_mutex_destroy(&j->mu);
		free(j);
		return -1;
	}
	pthread_setname_np(j->thread, "surge-policy");
	*out = j;
	return 0;
}

void sg_policy_job_fini(struct sg_policy_job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->stop = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL); /* a running compile finishes first */
	sg_policy_free(j->result);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

void sg_policy_job_set_cache(struct sg_policy_job *j, const char *cache)
{
	pthread_mutex_lock(&j->mu);
	snprintf(j->cache, sizeof(j->cache), "%s", cache ? cache : "");
	pthread_mutex_unlock(&j->mu);
}

const char *sg_policy_job_cache_note(const struct sg_policy_job *j, int *from_cache)
{
	if (from_cache)
		*from_cache = j->from_cache;
	return j->note; /* written before DONE, read after take: ordered by mu */
}

int sg_policy_job_submit(struct sg_policy_job *j, enum sg_policy_job_kind kind,
			 const struct sg_policy *base, const char *text, uint32_t id,
			 char *err, size_t errlen)
{
	size_t len = text ? strlen(text) : 0;

	if (len >= sizeof(j->text)) {
		snprintf(err, errlen, "too long: %zu bytes (at most %zu)", len,
			 sizeof(j->text) - 1);
		return -1;
	}
	if (kind == SG_POLICY_JOB_REMOVE && !base) {
		snprintf(err, errlen, "no policy to change");
		return -1;
	}
	pthread_mutex_lock(&j->mu);
	if (j->state != JOB_IDLE) {
		pthread_mutex_unlock(&j->mu);
		snprintf(err, errlen, "another rules change is still compiling");
		return -1;
	}
	j->kind = kind;
	j->base = base;
	j->id = id;
	memcpy(j->text, text ? text : "", len + 1);
	j->result = NULL;
	j->err[0] = '\0';
	j->note[0] = '\0';
	j->from_cache = 0;
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	j->state = JOB_QUEUED;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 0;
}

int sg_policy_job_take(struct sg_policy_job *j, struct sg_policy **out,
		       enum sg_policy_job_kind *kind, char *err, size_t errlen)
{
	if (__atomic_load_n(&j->state, __ATOMIC_ACQUIRE) != JOB_DONE)
		return 0;
	pthread_mutex_lock(&j->mu);
	*out = j->result;
	if (kind)
		*kind = j->kind;
	if (!j->result)
		snprintf(err, errlen, "%s", j->err[0] ? j->err : "compile failed");
	j->result = NULL;
	j->base = NULL;
	j->state = JOB_IDLE;
	pthread_mutex_unlock(&j->mu);
	return 1;
}

int sg_policy_job_busy(const struct sg_policy_job *j, double *secs)
{
	struct timespec now;
	int busy = __atomic_load_n(&j->state, __ATOMIC_ACQUIRE) != JOB_IDLE;

	if (busy && secs) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		*secs = (double)(now.tv_sec - j->started.tv_sec) +
			(double)(now.tv_nsec - j->started.tv_nsec) / 1e9;
	}
	return busy;
}
