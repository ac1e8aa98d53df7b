/* SPDX-License-Identifier: MIT */
/*
 * policy_ctl.c - the content policy on the control plane: load the rules
 * file (config rules_file), compile it (policy/policy.h), give every reader
 * of the session table (workers, and the control lcore's extra queue) its
 * own scratch and counters, publish the set with one release store, and
 * free the set it replaced only after an RCU QSBR grace period (every
 * worker reports quiescent once per loop, so a burst that loaded the old
 * set finishes with it).  A reload that fails (a bad line, a pattern
 * Hyperscan refuses) leaves the set in force untouched and says why.
 *
 * Workers scan the decrypted body of `cloud` DATA between open and seal
 * (dataplane/worker.c), never `secret`; a drop verdict comes back here as
 * SG_TOCTL_BLOCKED and is answered with RELAY_REPLY POLICY_BLOCKED (detail:
 * the rule id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

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
	free(set);
}

/* A set for policy (taken over), one scratch and counters per reader. */
static struct sg_policy_set *set_new(struct sg_plane *p, struct sg_policy *policy, char *err,
				     size_t errlen)
{
	struct sg_policy_set *set = calloc(1, sizeof(*set));

	if (!set) {
		sg_policy_free(policy);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->policy = policy;
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

int sg_plane_policy_load(struct sg_plane *p, char *err, size_t errlen)
{
	struct sg_policy *policy;
	struct sg_policy_set *set, *old;

	if (!p->cfg->rules_file[0]) {
		snprintf(err, errlen, "no rules_file configured");
		return -1;
	}
	if (p->n_policy_retired == SG_POLICY_RETIRED_MAX) {
		snprintf(err, errlen, "reloads too fast: the last ones are not freed yet");
		return -1;
	}
	if (sg_policy_load(p->cfg->rules_file, &policy, err, errlen) != 0)
		return -1; /* the set in force stays */
	set = set_new(p, policy, err, errlen);
	if (!set)
		return -1;
	old = p->policy_set;
	__atomic_store_n(&p->policy_set, set, __ATOMIC_RELEASE);
	p->counters[SG_PC_POLICY_LOADS]++;
	if (old) {
		old->token = rte_rcu_qsbr_start(p->sessions->qsbr);
		p->policy_retired[p->n_policy_retired++] = old;
	}
	return 0;
}

void sg_plane_policy_reclaim(struct sg_plane *p)
{
	unsigned k = 0;

	for (unsigned i = 0; i < p->n_policy_retired; i++) {
		struct sg_policy_set *set = p->policy_retired[i];

		if (rte_rcu_qsbr_check(p->sessions->qsbr, set->token, false) == 1)
			set_free(set, p->n_rings);
		else
			p->policy_retired[k++] = set;
	}
	p->n_policy_retired = k;
}

void sg_plane_policy_fini(struct sg_plane *p)
{
	set_free(p->policy_set, p->n_rings);
	p->policy_set = NULL;
	for (unsigned i = 0; i < p->n_policy_retired; i++)
		set_free(p->policy_retired[i], p->n_rings);
	p->n_policy_retired = 0;
}

void sg_plane_policy_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	const struct sg_policy_set *set = p->policy_set;
	const struct sg_policy_counters *per[SG_CFG_MAX_WORKERS + 1];
	struct sg_policy_counters *total;
	const struct sg_rules *rs;

	if (!set) {
		if (json)
			sg_ctl_buf_printf(b, ", \"policy\": null");
		else
			sg_ctl_buf_printf(b, "policy: none\n");
		return;
	}
	rs = sg_policy_rules(set->policy);
	total = sg_policy_counters_alloc(set->policy);
	if (!total)
		return;
	for (unsigned i = 0; i < p->n_rings; i++)
		per[i] = set->counters[i];
	sg_policy_counters_sum(total, per, p->n_rings);
	if (json) {
		sg_ctl_buf_printf(b, ", \"policy\": {\"rules\": %u, \"scanned\": %llu, "
				     "\"no_match\": %llu, \"count\": %llu, \"flag\": %llu, "
				     "\"drop\": %llu, \"errors\": %llu, \"hits\": {",
				  rs->n, (unsigned long long)total->scanned,
				  (unsigned long long)total->verdicts[SG_RULE_NONE],
				  (unsigned long long)total->verdicts[SG_RULE_COUNT],
				  (unsigned long long)total->verdicts[SG_RULE_FLAG],
				  (unsigned long long)total->verdicts[SG_RULE_DROP],
				  (unsigned long long)total->errors);
		for (unsigned r = 0; r < rs->n; r++)
			sg_ctl_buf_printf(b, "%s\"%u\": %llu", r ? ", " : "", rs->v[r].id,
					  (unsigned long long)total->hits[r]);
		sg_ctl_buf_printf(b, "}}");
	} else {
		sg_ctl_buf_printf(b, "policy: %u rules, %llu scanned, %llu dropped, %llu flagged, "
				     "%llu counted\n",
				  rs->n, (unsigned long long)total->scanned,
				  (unsigned long long)total->verdicts[SG_RULE_DROP],
				  (unsigned long long)total->verdicts[SG_RULE_FLAG],
				  (unsigned long long)total->verdicts[SG_RULE_COUNT]);
	}
	sg_policy_counters_free(total);
}
