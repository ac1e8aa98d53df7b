/* SPDX-License-Identifier: MIT */
/*
 * job.h - compile a policy off the control loop.  Compiling takes Hyperscan
 * from milliseconds (tens of rules) to seconds (a thousand rules take about
 * 2.5 s here); the control lcore that asked must go on answering handshakes
 * and draining its rings meanwhile.  So one background thread compiles, one
 * job at a time, and the caller collects the result when it looks next.
 *
 * Threads and ownership:
 * - submit, take, busy and fini are called by one thread (the control
 *   lcore); the compile runs on the job's own thread at nice +10, so on a
 *   shared CPU the control loop comes first.
 * - A job's base policy (add, remove) is only read, and must stay alive
 *   until the job has been taken: the control plane retires a policy only
 *   by publishing a job's result, so it cannot free the base meanwhile.
 * - The result is the taker's; fini waits for a running compile and frees a
 *   result nobody took.
 * - notify (may be NULL) is called on the job's thread when a result is
 *   ready: the relay kicks its sleeping control loop with it.
 */
#ifndef SG_POLICY_JOB_H
#define SG_POLICY_JOB_H

#include <stddef.h>
#include <stdint.h>

struct sg_policy;
struct sg_policy_job;

enum sg_policy_job_kind {
	SG_POLICY_JOB_LOAD,   /* text: a rules file's path */
	SG_POLICY_JOB_ADD,    /* base (NULL: none yet) + text: one rules line */
	SG_POLICY_JOB_REMOVE, /* base - the rule with this id */
};

enum { SG_POLICY_JOB_TEXT_MAX = 4352 }; /* a path or a rules line, NUL included */

/* Start the thread.  0, or -1 with err. */
int sg_policy_job_init(struct sg_policy_job **out, void (*notify)(void *), void *arg,
		       char *err, size_t errlen);

/*
 * Loads (SG_POLICY_JOB_LOAD) go through this compiled copy from now on
 * (sg_policy_load_cached); "" or NULL: none.  Only while no job is pending.
 */
void sg_policy_job_set_cache(struct sg_policy_job *j, const char *cache);

/*
 * After a take: what the last load did with the cache ("" when nothing to
 * say, else e.g. why it was not used or not written); 1 in *from_cache
 * when its database came from the cache.
 */
const char *sg_policy_job_cache_note(const struct sg_policy_job *j, int *from_cache);

/* Wait for a running compile, free an untaken result, stop the thread.  NULL is fine. */
void sg_policy_job_fini(struct sg_policy_job *j);

/*
 * Start a job.  0, or -1 with err: busy (a job runs, or its result was not
 * taken yet) or text too long.
 */
int sg_policy_job_submit(struct sg_policy_job *j, enum sg_policy_job_kind kind,
			 const struct sg_policy *base, const char *text, uint32_t id,
			 char *err, size_t errlen);

/*
 * Collect a finished job: 0 when none finished (or none was submitted);
 * 1 when one did: *out the new policy, or NULL with the compiler's reason in
 * err.  *kind (may be NULL) says which job it was.
 */
int sg_policy_job_take(struct sg_policy_job *j, struct sg_policy **out,
		       enum sg_policy_job_kind *kind, char *err, size_t errlen);

/* 1 while a job is submitted and not taken; *secs: how long it has run. */
int sg_policy_job_busy(const struct sg_policy_job *j, double *secs);

#endif /* SG_POLICY_JOB_H */
