/* SPDX-License-Identifier: MIT */
/*
 * fuzz_policy.c - rules files compiled by Hyperscan (policy/policy.c), as
 * the relay's policy thread compiles them: sg_rules_parse_text, then for
 * sets of at most MAX_COMPILE_RULES rules and MAX_COMPILE_BYTES pattern
 * bytes sg_policy_compile, a scratch and counters, a scan of the input
 * itself (verdict by precedence), sg_policy_add_rule with the first line
 * (the operator's `rules add`) and sg_policy_remove_rule of the first rule.
 *
 * A pattern Hyperscan refuses (too large, unsupported, catastrophic) must
 * be an error that names the rule, never a crash or a runaway allocation
 * (libFuzzer's -rss_limit_mb and -timeout bound each input).  The bounds on
 * a set keep a compile to milliseconds; fuzz_rules.c covers the parser at
 * full speed.  Input: the file's bytes.
 */
#include "fuzz.h"
#include "policy/policy.h"
#include "policy/rules.h"

enum { MAX_COMPILE_RULES = 4, MAX_COMPILE_BYTES = 256 };

static void compile(const struct sg_rules *rs, const uint8_t *data, size_t size)
{
	struct sg_policy *p = NULL, *q = NULL;
	struct sg_policy_scratch *s = NULL;
	struct sg_policy_counters *c;
	struct sg_policy_verdict v;
	char err[512], first[SG_RULES_LINE_MAX + 1];
	size_t bytes = 0, n;
	const uint8_t *nl;

	if (rs->n > MAX_COMPILE_RULES)
		return;
	for (unsigned i = 0; i < rs->n; i++)
		bytes += strlen(rs->v[i].pattern);
	if (bytes > MAX_COMPILE_BYTES)
		return;
	if (sg_policy_compile(rs, &p, err, sizeof(err)) != 0) {
		FUZZ_CHECK(p == NULL && err[0]);
		return;
	}
	FUZZ_CHECK(sg_policy_rules(p)->n == rs->n);
	FUZZ_CHECK(sg_policy_db_size(p) <= SG_POLICY_DB_MAX);
	FUZZ_CHECK(sg_policy_scratch_alloc(p, &s, err, sizeof(err)) == 0);
	c = sg_policy_counters_alloc(p);
	FUZZ_CHECK(c != NULL);
	if (sg_policy_scan(p, s, c, data, (uint32_t)(size < 4096 ? size : 4096), &v) == 0) {
		FUZZ_CHECK(v.action <= SG_RULE_ACTION_MAX && v.n_hits <= rs->n);
		if (v.action != SG_RULE_NONE)
			FUZZ_CHECK(v.rule < rs->n && v.rule_id == rs->v[v.rule].id &&
				   v.action == rs->v[v.rule].action);
	}
	FUZZ_CHECK(c->scanned == 1);

	/* `rules add` with the first line, `rules remove` of the first rule. */
	nl = memchr(data, '\n', size);
	n = nl ? (size_t)(nl - data) : size;
	if (n <= SG_RULES_LINE_MAX && !memchr(data, 0, n)) {
		memcpy(first, data, n);
		first[n] = '\0';
		if (sg_policy_add_rule(p, first, &q, err, sizeof(err)) == 0)
			sg_policy_free(q);
		else
			FUZZ_CHECK(q == NULL);
		q = NULL;
	}
	if (rs->n && sg_policy_remove_rule(p, rs->v[0].id, &q, err, sizeof(err)) == 0) {
		FUZZ_CHECK(sg_policy_rules(q)->n == rs->n - 1);
		sg_policy_free(q);
	}
	sg_policy_counters_free(c);
	sg_policy_scratch_free(s);
	sg_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_rules rs;
	char err[512];

	if (sg_rules_parse_text(&rs, "fuzz.rules", (const char *)data, size, err, sizeof(err)) == 0)
		compile(&rs, data, size);
	sg_rules_fini(&rs);
	return 0;
}
