/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the operator's content policy on cloud bodies: a set of rules
 * (rules.h) compiled into one Hyperscan block-mode database, scanned by the
 * workers between open and seal.  docs/POLICY.md has the format, the
 * precedence and the integrator's recipe.
 *
 * Lifetime and threads:
 * - A struct sg_policy is built on the control plane (compile, load, add,
 *   remove, deserialize) and is immutable from then on: any number of
 *   workers may scan it at once, each with its own scratch.
 * - A scratch belongs to one worker and one policy: allocate it with
 *   sg_policy_scratch_alloc(new policy) on the control plane BEFORE the swap
 *   that publishes the policy, and swap the pair together.
 * - A policy (and its scratches) may be freed only after every worker has
 *   stopped using it (after the RCU grace period of the swap).
 * - Counters are per worker and per policy (indexed by rule index), written
 *   by one worker without atomics and summed by the control plane.
 *
 * Precedence: drop > flag > count; among matching rules of the winning
 * action, the one first in the file decides (verdict.rule_id is the reply's
 * detail for a drop).
 */
#ifndef SG_POLICY_POLICY_H
#define SG_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "policy/rules.h"

struct sg_policy;          /* immutable once built */
struct sg_policy_scratch;  /* one per worker per policy */

enum {
	SG_POLICY_DB_MAX = 256 << 20,     /* bytes of a compiled database */
	SG_POLICY_VERDICT_HITS = 8,       /* rule indexes a verdict lists */
	SG_POLICY_SERIAL_MAX = SG_POLICY_DB_MAX + SG_RULES_FILE_MAX + 4096,
};

struct sg_policy_verdict {
	uint8_t action;    /* enum sg_rule_action: SG_RULE_NONE when nothing matched */
	uint32_t rule;     /* the deciding rule's index (when action is not NONE) */
	uint32_t rule_id;  /* the deciding rule's id, 0 when none */
	uint32_t n_hits;   /* rules that matched (each counted once per body) */
	uint32_t hits[SG_POLICY_VERDICT_HITS]; /* the first of them, in match order */
};

/* One worker's counts for one policy; sg_policy_counters_alloc sizes it. */
struct sg_policy_counters {
	uint64_t scanned;                          /* bodies scanned */
	uint64_t bytes;                            /* their bytes */
	uint64_t verdicts[SG_RULE_ACTION_MAX + 1]; /* by verdict action, [0] no match */
	uint64_t errors;                           /* scans Hyperscan failed */
	uint32_t n_rules;
	uint64_t hits[];                           /* per rule index */
};

/*
 * Compile rs (copied: the caller keeps rs) into *out.  An empty set gives a
 * policy that matches nothing without scanning.  Errors: "path:line: rule
 * ID: <Hyperscan's reason>" for a rule it refused ("rule ID: ..." for one
 * with no line), "rules: <reason>" for the whole set, or the database's
 * size over SG_POLICY_DB_MAX.
 */
int sg_policy_compile(const struct sg_rules *rs, struct sg_policy **out, char *err,
		      size_t errlen);

/* sg_rules_load + sg_policy_compile: the reload of a file. */
int sg_policy_load(const char *path, struct sg_policy **out, char *err, size_t errlen);

/*
 * A new policy: old's rules plus one rule given as a rules line ("ID ACTION
 * FLAGS PATTERN"), or minus the rule with this id.  old is untouched; for
 * an add it may be NULL (no rules yet).
 */
int sg_policy_add_rule(const struct sg_policy *old, const char *line, struct sg_policy **out,
		       char *err, size_t errlen);
int sg_policy_remove_rule(const struct sg_policy *old, uint32_t id, struct sg_policy **out,
			  char *err, size_t errlen);

/* NULL is fine.  Only after every worker has stopped using p. */
void sg_policy_free(struct sg_policy *p);

/* The rules, in file order (index i is the counters' hits[i]). */
const struct sg_rules *sg_policy_rules(const struct sg_policy *p);

/* The compiled database's size in bytes (0 for no rules). */
size_t sg_policy_db_size(const struct sg_policy *p);

/* A worker's scratch for p, cloned from p's prototype.  0, or -1 (err). */
int sg_policy_scratch_alloc(const struct sg_policy *p, struct sg_policy_scratch **out,
			    char *err, size_t errlen);
void sg_policy_scratch_free(struct sg_policy_scratch *s);

/* A worker's counters for p, zeroed; NULL when out of memory. */
struct sg_policy_counters *sg_policy_counters_alloc(const struct sg_policy *p);
void sg_policy_counters_free(struct sg_policy_counters *c);

/*
 * Add every per-worker counter in per[0..n) into total (all for the same
 * policy): what "list rules with hit counts" shows.  -1 on a size mismatch.
 */
int sg_policy_counters_sum(struct sg_policy_counters *total,
			   const struct sg_policy_counters *const per[], unsigned n);

/*
 * Scan one body (hot path: no allocation, no lock).  Fills *v under the
 * precedence above and, when c is not NULL, counts the body, its verdict
 * and every matching rule.  0, or -1 when Hyperscan failed (v says NONE,
 * c->errors counts it; the caller decides, docs/POLICY.md says forward).
 */
int sg_policy_scan(const struct sg_policy *p, struct sg_policy_scratch *s,
		   struct sg_policy_counters *c, const void *body, uint32_t len,
		   struct sg_policy_verdict *v);

/* sg_policy_scan over a burst; the number of failed scans. */
unsigned sg_policy_scan_burst(const struct sg_policy *p, struct sg_policy_scratch *s,
			      struct sg_policy_counters *c, const void *const bodies[],
			      const uint32_t lens[], unsigned n, struct sg_policy_verdict v[]);

/*
 * Write p to path (rules as text, then hs_serialize_database's bytes, with
 * a checksum) for a fast start; read one back.  The file is trusted input
 * (the relay's own): its size and checksum are checked, and its rules are
 * parsed like a rules file, but Hyperscan trusts the database bytes.
 */
int sg_policy_save(const struct sg_policy *p, const char *path, char *err, size_t errlen);
int sg_policy_restore(const char *path, struct sg_policy **out, char *err, size_t errlen);

/*
 * sg_policy_load with a compiled copy for a fast start: when cache (may be
 * NULL or "") restores and holds exactly the rules of path (same ids,
 * actions, flags and patterns in the same order), its database is used and
 * *from_cache is 1; otherwise path is compiled and saved to cache.  Errors
 * of path are errors (-1, err); a cache that is missing, damaged, stale,
 * for another CPU or not writable is not: cache_err says why (else "").
 */
int sg_policy_load_cached(const char *path, const char *cache, struct sg_policy **out,
			  int *from_cache, char *err, size_t errlen, char *cache_err,
			  size_t cache_errlen);

#endif /* SG_POLICY_POLICY_H */
