/* SPDX-License-Identifier: MIT */
/*
 * policy_ctl.c - the content policy's sets on the control plane: compile
 * (at start here, afterwards on the compile thread of policy/job.h), give
 * every reader of the session table (workers, and the control lcore's extra
 * queue) its own scratch and counters, publish the set with one release
 * store, and free the set it replaced only after an RCU QSBR grace period
 * (every worker reports quiescent once per loop, so a burst that loaded the
 * old set finishes with it).  A change that fails (a bad line, a pattern
 * Hyperscan refuses) leaves the set in force untouched and says why.
 *
 * Workers scan the decrypted body of `cloud` DATA between open and seal
 * (dataplane/worker.c), never `secret`; a drop verdict comes back here as
 * SG_TOCTL_BLOCKED and is answered with RELAY_REPLY POLICY_BLOCKED (detail:
 * the rule id).
 *
 * Counting across sets: the workers write only their own set's counters.
 * When a retired set's grace period has passed its counts are final: they
 * are added to p->policy_folded and, rule by rule, to the hits carried by
 * the rule of the same id in the set in force (set->carried).  A new set
 * starts with the carried hits of its predecessor, by id.  So every body is
 * counted exactly once, however many swaps it lived through, and a rule's
 * hits survive reloads, adds and removes of other rules.
 *
 * Invariants:
 * - At most one compile runs (policy/job.h); its base is the set in force,
 *   which only that compile's result can retire, so the base outlives it.
 * - A swap needs a free retired slot: sg_plane_policy_start refuses a change
 *   while SG_POLICY_RETIRED_MAX sets wait for their grace period.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_rcu_qsbr.h>

#include "config_ctl.h"
#include "plane.h"
#include "policy/policy.h"

static void set_free(struct sg_policy_set *set, unsigned n)
{
	if (!set)
		return;
	for (unsigned i = 0; i < n; i++) {
		sg_policy_scratch_free(set->scratch[i]);
		sg_policy_counters_free(set->counters[i]);
	}
	sg_policy_free(set->policy);
	free(set->carried);
	free(set->by_id);
	free(set);
}

static int idx_cmp(const void *a, const void *b)
{
	const struct sg_policy_idx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The index of rule id in set, or -1. */
static int set_find(const struct sg_policy_set *set, uint32_t id)
{
	const struct sg_policy_idx key = { .id = id };
	const struct sg_policy_idx *hit;
	unsigned n = sg_policy_rules(set->policy)->n;

	if (!n)
		return -1;
	hit = bsearch(&key, set->by_id, n, sizeof(key), idx_cmp);
	return hit ? (int)hit->idx : -1;
}

/*
 * A set for policy (taken over): one scratch and counters per reader, the
 * id index, and the hits prev carried for the same ids.
 */
static struct sg_policy_set *set_new(struct sg_plane *p, struct sg_policy *policy,
				     const struct sg_policy_set *prev, char *err, size_t errlen)
{
	const struct sg_rules *rs = sg_policy_rules(policy);
	struct sg_policy_set *set = calloc(1, sizeof(*set));

	if (!set) {
		sg_policy_free(policy);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->policy = policy;
	set->carried = calloc(rs->n + 1, sizeof(*set->carried));
	set->by_id = calloc(rs->n + 1, sizeof(*set->by_id));
	if (!set->carried || !set->by_id) {
		snprintf(err, errlen, "out of memory for the rule index");
		set_free(set, p->n_rings);
		return NULL;
	}
	for (unsigned i = 0; i < rs->n; i++)
		set->by_id[i] = (struct sg_policy_idx){ .id = rs->v[i].id, .idx = i };
	qsort(set->by_id, rs->n, sizeof(*set->by_id), idx_cmp);
	for (unsigned i = 0; prev && i < rs->n; i++) {
		int k = set_find(prev, rs->v[i].id);

		if (k >= 0)
			set->carried[i] = prev->carried[k];
	}
	set->generation = prev ? prev->generation + 1 : 1;
	for (unsigned i = 0; i < p->n_rings; i++) {
		set->counters[i] = sg_policy_counters_alloc(policy);
		if (!set->counters[i] ||
		    sg_policy_scratch_alloc(policy, &set->scratch[i], err, errlen) != 0) {
			if (!set->counters[i])
				snprintf(err, errlen, "out of memory for policy counters");
			set_free(set, p->n_rings);
			return NULL;
		}
	}
	return set;
}

/*
 * Add set's counts (all readers) into t and, rule by rule, into hits[] of
 * the rules of cur with the same ids.  -1 when out of memory.
 */
static int add_counts(const struct sg_plane *p, const struct sg_policy_set *set,
		      const struct sg_policy_set *cur, struct sg_policy_totals *t, uint64_t *hits)
{
	const struct sg_policy_counters *per[SG_CFG_MAX_WORKERS + 1];
	const struct sg_rules *rs = sg_policy_rules(set->policy);
	struct sg_policy_counters *sum = sg_policy_counters_alloc(set->policy);

	if (!sum)
		return -1;
	for (unsigned i = 0; i < p->n_rings; i++)
		per[i] = set->counters[i];
	sg_policy_counters_sum(sum, per, p->n_rings);
	t->scanned += sum->scanned;
	t->bytes += sum->bytes;
	t->errors += sum->errors;
	for (unsigned a = 0; a <= SG_RULE_ACTION_MAX; a++)
		t->verdicts[a] += sum->verdicts[a];
	for (unsigned i = 0; cur && i < rs->n; i++) {
		int k = set == cur ? (int)i : set_find(cur, rs->v[i].id);

		if (k >= 0)
			hits[k] += sum->hits[i];
	}
	sg_policy_counters_free(sum);
	return 0;
}

uint64_t *sg_plane_policy_count(const struct sg_plane *p, struct sg_policy_totals *t)
{
	const struct sg_policy_set *cur = p->policy_set;
	unsigned n = cur ? sg_policy_rules(cur->policy)->n : 0;
	uint64_t *hits = calloc(n + 1, sizeof(*hits));

	*t = p->policy_folded;
	if (!hits)
		return NULL;
	if (cur)
		memcpy(hits, cur->carried, n * sizeof(*hits));
	for (unsigned i = 0; i < p->n_policy_retired; i++)
		if (add_counts(p, p->policy_retired[i], cur, t, hits) != 0)
			goto oom;
	if (cur && add_counts(p, cur, cur, t, hits) != 0)
		goto oom;
	return hits;
oom:
	free(hits);
	return NULL;
}

/* Publish set, NULL for none (the set in force is retired). */
static void publish(struct sg_plane *p, struct sg_policy_set *set)
{
	struct sg_policy_set *old = p->policy_set;

	__atomic_store_n(&p->policy_set, set, __ATOMIC_RELEASE);
	p->counters[SG_PC_POLICY_LOADS]++;
	if (old) {
		old->token = rte_rcu_qsbr_start(p->sessions->qsbr);
		p->policy_retired[p->n_policy_retired++] = old;
	}
}

static void job_notify(void *arg)
{
	struct sg_plane *p = arg;
	uint64_t one = 1;

	/* Wake a sleeping control loop (wake.h); a full eventfd is awake anyway. */
	if (write(p->wake.fd, &one, sizeof(one)) < 0) {
	}
}

int sg_plane_policy_init(struct sg_plane *p, char *err, size_t errlen)
{
	struct sg_policy *policy;
	struct sg_policy_set *set;
	char note[512];
	int from_cache;

	if (sg_policy_job_init(&p->policy_job, job_notify, p, err, errlen) != 0)
		return -1;
	sg_policy_job_set_cache(p->policy_job, p->cfg->rules_cache);
	if (!p->cfg->rules_file[0])
		return 0;
	if (sg_policy_load_cached(p->cfg->rules_file, p->cfg->rules_cache, &policy, &from_cache,
				  err, errlen, note, sizeof(note)) != 0)
		return -1;
	if (note[0])
		fprintf(stderr, "surge-relay: rules_cache: %s (compiled instead)\n", note);
	set = set_new(p, policy, NULL, err, errlen);
	if (!set)
		return -1;
	set->from_cache = from_cache;
	publish(p, set);
	return 0;
}

int sg_plane_policy_start(struct sg_plane *p, enum sg_policy_job_kind kind, const char *text,
			  uint32_t id, int answer, unsigned token, int json, char *err,
			  size_t errlen)
{
	const struct sg_policy *base = p->policy_set ? p->policy_set->policy : NULL;

	if (kind == SG_POLICY_JOB_LOAD && !p->cfg->rules_file[0]) {
		snprintf(err, errlen, "no rules_file configured");
		return -1;
	}
	if (p->n_policy_retired == SG_POLICY_RETIRED_MAX) {
		snprintf(err, errlen, "changes too fast: the last %u sets are not freed yet",
			 SG_POLICY_RETIRED_MAX);
		return -1;
	}
	if (sg_policy_job_submit(p->policy_job, kind, base,
				 kind == SG_POLICY_JOB_LOAD ? p->cfg->rules_file : text, id, err,
				 errlen) != 0)
		return -1;
	p->policy_answer = answer;
	p->policy_token = token;
	p->policy_json = json;
	p->policy_job_id = id;
	return 0;
}

/*
 * What a finished change says: to the control connection, or to stderr.
 * After a config reload p->policy_prefix holds its report, which comes first.
 */
static void report(struct sg_plane *p, enum sg_policy_job_kind kind, const char *err)
{
	static const char *const what[] = { "rules reload", "rules add", "rules remove" };
	const struct sg_policy_set *set = p->policy_set;
	unsigned n = set ? sg_policy_rules(set->policy)->n : 0;
	struct sg_ctl_buf b = { 0 };
	int json = p->policy_json, code = SG_CTL_OK, prefixed = p->policy_prefix[0] != 0;

	if (err) {
		code = SG_CTL_E_ARGS;
		sg_ctl_buf_printf(&b, "%s%s failed, the rules in force stay: %s",
				  prefixed ? "config reloaded, but the " : "", what[kind], err);
	} else {
		if (prefixed)
			sg_ctl_buf_printf(&b, "%s", p->policy_prefix);
		if (json && kind == SG_POLICY_JOB_LOAD)
			sg_ctl_buf_printf(&b, "{\"reloaded\": true, \"rules\": %u, "
					      "\"generation\": %llu}",
					  n, (unsigned long long)set->generation);
		else if (json)
			sg_ctl_buf_printf(&b, "{\"%s\": %u, \"rules\": %u, \"generation\": %llu}",
					  kind == SG_POLICY_JOB_ADD ? "added" : "removed",
					  p->policy_job_id, n, (unsigned long long)set->generation);
		else if (kind == SG_POLICY_JOB_LOAD)
			sg_ctl_buf_printf(&b, "rules reloaded from %s: %u rules in force",
					  p->cfg->rules_file, n);
		else
			sg_ctl_buf_printf(&b, "rule %u %s: %u rules in force", p->policy_job_id,
					  kind == SG_POLICY_JOB_ADD ? "added" : "removed", n);
		sg_ctl_buf_printf(&b, "%s\n", json && prefixed ? "}" : "");
	}
	p->policy_prefix[0] = '\0';
	if (!p->policy_answer) {
		fprintf(stderr, "surge-relay: %s (SIGHUP): %.*s", what[kind], (int)b.len,
			b.data ? b.data : "");
		if (err)
			fputc('\n', stderr);
	} else if (!p->ctl || sg_ctl_server_reply(p->ctl, p->policy_token, code, &b) != 0) {
		/* the operator left; the result stands and the counters show it */
	}
	p->policy_answer = 0;
	sg_ctl_buf_free(&b);
}

/* Fold the counts of a set whose grace period passed, then free it. */
static void reclaim(struct sg_plane *p)
{
	unsigned k = 0;

	for (unsigned i = 0; i < p->n_policy_retired; i++) {
		struct sg_policy_set *set = p->policy_retired[i];
		struct sg_policy_set *cur = p->policy_set;

		if (rte_rcu_qsbr_check(p->sessions->qsbr, set->token, false) != 1) {
			p->policy_retired[k++] = set;
			continue;
		}
		if (add_counts(p, set, cur, &p->policy_folded, cur ? cur->carried : NULL) != 0) {
			p->policy_retired[k++] = set; /* out of memory: fold it next round */
			continue;
		}
		set_free(set, p->n_rings);
	}
	p->n_policy_retired = k;
}

unsigned sg_plane_policy_poll(struct sg_plane *p)
{
	enum sg_policy_job_kind kind;
	struct sg_policy *policy;
	struct sg_policy_set *set;
	unsigned work = 0;
	char err[512];

	/* SIGHUP: a config reload (rules included); during a compile it waits. */
	if (p->policy_reload && !sg_policy_job_busy(p->policy_job, NULL)) {
		struct sg_ctl_buf b = { 0 };

		p->policy_reload = 0;
		if (sg_plane_config_reload(p, 0, 0, 0, &b) != SG_CTL_OK || b.len)
			fprintf(stderr, "surge-relay: config reload (SIGHUP): %.*s%s", (int)b.len,
				b.data ? b.data : "", b.len && b.data[b.len - 1] == '\n' ? "" : "\n");
		sg_ctl_buf_free(&b);
		work++;
	}
	if (sg_policy_job_take(p->policy_job, &policy, &kind, err, sizeof(err)) == 1) {
		set = policy ? set_new(p, policy, p->policy_set, err, sizeof(err)) : NULL;
		if (kind == SG_POLICY_JOB_LOAD) {
			const char *note = sg_policy_job_cache_note(p->policy_job, NULL);

			if (note[0])
				fprintf(stderr, "surge-relay: rules_cache: %s\n", note);
		}
		if (set) {
			set->changes = kind == SG_POLICY_JOB_LOAD ? 0 :
				       p->policy_set ? p->policy_set->changes + 1 : 1;
			if (kind == SG_POLICY_JOB_LOAD)
				sg_policy_job_cache_note(p->policy_job, &set->from_cache);
			publish(p, set);
			report(p, kind, NULL);
		} else {
			p->counters[SG_PC_POLICY_FAILED]++;
			report(p, kind, err);
		}
		work++;
	}
	if (p->n_policy_retired)
		reclaim(p);
	return work;
}

void sg_plane_policy_clear(struct sg_plane *p)
{
	if (p->policy_set && p->n_policy_retired < SG_POLICY_RETIRED_MAX)
		publish(p, NULL);
}

void sg_plane_policy_fini(struct sg_plane *p)
{
	sg_policy_job_fini(p->policy_job); /* waits for a compile that runs */
	p->policy_job = NULL;
	set_free(p->policy_set, p->n_rings);
	p->policy_set = NULL;
	for (unsigned i = 0; i < p->n_policy_retired; i++)
		set_free(p->policy_retired[i], p->n_rings);
	p->n_policy_retired = 0;
}
