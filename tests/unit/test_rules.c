/* SPDX-License-Identifier: MIT */
/*
 * test_rules.c - the content policy's rules file (policy/rules.c).
 *
 * Tables: good lines with the canonical line they read back as (so every
 * field is checked through sg_rules_format), bad lines with their exact
 * error.  Whole texts: comments and blank lines, duplicate ids naming both
 * lines, the first error stops the parse and leaves an empty set, line and
 * rule-count limits, NUL bytes.  Files: a missing file, one over the size
 * limit, and default.rules (100 rules, ids unique).  Add and remove.
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

#include "policy/rules.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *line, *canon;
} good[] = {
	{ "1 drop - abc", "1 drop - abc" },
	{ "  42\tflag\tcaseless\t foo bar  ", "42 flag caseless foo bar" },
	{ "7 count caseless,dotall,multiline a.b", "7 count caseless,dotall,multiline a.b" },
	{ "8 drop ucp,utf8,singlematch x", "8 drop singlematch,utf8,ucp x" },
	{ "4294967295 drop - \\x4d\\x5a\\x90\\x00", "4294967295 drop - \\x4d\\x5a\\x90\\x00" },
	{ "9 drop - https?://[^/\\s]*\\.(zip|mov)\\b # not a comment",
	  "9 drop - https?://[^/\\s]*\\.(zip|mov)\\b # not a comment" },
	{ "10 flag - a#b", "10 flag - a#b" },
};

static const struct {
	const char *line, *err;
} bad[] = {
	{ "0 drop - a", "id: '0' is not a number in 1..4294967295" },
	{ "4294967296 drop - a", "id: '4294967296' is not a number in 1..4294967295" },
	{ "-1 drop - a", "id: '-1' is not a number in 1..4294967295" },
	{ "12a drop - a", "id: '12a' is not a number in 1..4294967295" },
	{ "1", "missing action (drop, flag or count)" },
	{ "1 block - a", "action: 'block' is not drop, flag or count" },
	{ "1 DROP - a", "action: 'DROP' is not drop, flag or count" },
	{ "1 drop", "missing flags (- for none)" },
	{ "1 drop -", "missing pattern" },
	{ "1 drop -   \t ", "missing pattern" },
	{ "1 drop nocase a",
	  "flags: 'nocase' is not one of caseless, dotall, multiline, singlematch, utf8, ucp "
	  "(or - for none)" },
	{ "1 drop caseless,,dotall a",
	  "flags: '' is not one of caseless, dotall, multiline, singlematch, utf8, ucp "
	  "(or - for none)" },
	{ "1 drop caseless,caseless a", "flags: caseless given twice" },
	{ "1 drop allowempty a",
	  "flags: 'allowempty' is not one of caseless, dotall, multiline, singlematch, utf8, "
	  "ucp (or - for none)" },
};

static void test_good_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct sg_rule r;
		char err[256] = "", out[256];

		if (sg_rules_parse_line(good[i].line, &r, err, sizeof(err)) != 1)
			fail_msg("'%s': %s", good[i].line, err);
		sg_rules_format(&r, out, sizeof(out));
		assert_string_equal(out, good[i].canon);
		free(r.pattern);
		/* The canonical form reads back as itself. */
		assert_int_equal(sg_rules_parse_line(good[i].canon, &r, err, sizeof(err)), 1);
		sg_rules_format(&r, out, sizeof(out));
		assert_string_equal(out, good[i].canon);
		free(r.pattern);
	}
}

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sg_rule r;
		char err[256] = "";

		if (sg_rules_parse_line(bad[i].line, &r, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i].line);
		assert_string_equal(err, bad[i].err);
		assert_null(r.pattern);
	}
}

static void test_blank_and_comment(void **state)
{
	static const char *const lines[] = { "", "   ", "\t\r", "# 1 drop - a", "   # x" };
	struct sg_rule r;
	char err[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		assert_int_equal(sg_rules_parse_line(lines[i], &r, err, sizeof(err)), 0);
}

static void test_pattern_limit(void **state)
{
	char *line = malloc(SG_RULE_PATTERN_MAX + 32);
	struct sg_rule r;
	char err[128];

	(void)state;
	assert_non_null(line);
	strcpy(line, "5 drop - ");
	memset(line + 9, 'a', SG_RULE_PATTERN_MAX);
	line[9 + SG_RULE_PATTERN_MAX] = '\0';
	assert_int_equal(sg_rules_parse_line(line, &r, err, sizeof(err)), 1);
	assert_int_equal(strlen(r.pattern), SG_RULE_PATTERN_MAX);
	free(r.pattern);
	strcat(line, "b");
	assert_int_equal(sg_rules_parse_line(line, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "pattern: 4097 bytes (at most 4096)");
	free(line);
}

static int parse(struct sg_rules *rs, const char *text, char *err, size_t errlen)
{
	return sg_rules_parse_text(rs, "t.rules", text, strlen(text), err, errlen);
}

static void test_text(void **state)
{
	struct sg_rules rs;
	char err[256];

	(void)state;
	assert_int_equal(parse(&rs, "# head\n\n3 drop - a\n  1 flag caseless b\r\n2 count - c", err,
			       sizeof(err)), 0);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.path, "t.rules");
	assert_int_equal(rs.v[0].id, 3);
	assert_int_equal(rs.v[0].line, 3);
	assert_int_equal(rs.v[0].action, SG_RULE_DROP);
	assert_int_equal(rs.v[1].id, 1);
	assert_int_equal(rs.v[1].line, 4);
	assert_int_equal(rs.v[1].flags, SG_RULE_F_CASELESS);
	assert_string_equal(rs.v[1].pattern, "b");
	assert_int_equal(rs.v[2].line, 5);
	assert_int_equal(rs.v[2].action, SG_RULE_COUNT);
	assert_int_equal(sg_rules_find(&rs, 2), 2);
	assert_int_equal(sg_rules_find(&rs, 4), -1);
	sg_rules_fini(&rs);
	sg_rules_fini(&rs); /* twice is safe */

	/* The first error stops the parse, names the line and empties the set. */
	assert_int_equal(parse(&rs, "1 drop - a\n\n1 flag - b\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:3: id 1: already used on line 1");
	assert_int_equal(rs.n, 0);
	assert_null(rs.v);
	assert_int_equal(parse(&rs, "1 drop - a\n2 zap - b\n3 drop ? c\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:2: action: 'zap' is not drop, flag or count");
	assert_int_equal(sg_rules_parse_text(&rs, "n", "1 drop - a\n2 drop - b\0c\n", 23, err,
					     sizeof(err)), -1);
	assert_string_equal(err, "n:2: NUL byte in line");
	assert_int_equal(parse(&rs, "", err, sizeof(err)), 0);
	assert_int_equal(rs.n, 0);
}

static void test_line_limit(void **state)
{
	size_t n = SG_RULES_LINE_MAX + 1;
	char *text = malloc(n + 1);
	struct sg_rules rs;
	char err[256], want[128];

	(void)state;
	assert_non_null(text);
	memset(text, '#', n);
	text[n] = '\0';
	assert_int_equal(parse(&rs, text, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "t.rules:1: line too long (more than %d bytes)",
		 SG_RULES_LINE_MAX);
	assert_string_equal(err, want);
	text[n - 1] = '\0'; /* exactly the limit: a comment */
	assert_int_equal(parse(&rs, text, err, sizeof(err)), 0);
	free(text);
}

static void test_rule_count_limit(void **state)
{
	size_t cap = (SG_RULES_MAX + 1) * 24, len = 0;
	char *text = malloc(cap);
	struct sg_rules rs;
	char err[256];

	(void)state;
	assert_non_null(text);
	for (unsigned i = 1; i <= SG_RULES_MAX; i++)
		len += (size_t)snprintf(text + len, cap - len, "%u count - w%u\n", i, i);
	assert_int_equal(parse(&rs, text, err, sizeof(err)), 0);
	assert_int_equal(rs.n, SG_RULES_MAX);
	sg_rules_fini(&rs);
	snprintf(text + len, cap - len, "%u count - one more\n", SG_RULES_MAX + 1);
	assert_int_equal(parse(&rs, text, err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:10001: more than 10000 rules");
	assert_int_equal(rs.n, 0);
	free(text);
}

static void test_add_remove_copy(void **state)
{
	struct sg_rules rs, copy;
	struct sg_rule r = { .id = 9, .action = SG_RULE_FLAG, .pattern = (char *)"x+y" };
	char err[128];

	(void)state;
	assert_int_equal(parse(&rs, "1 drop - a\n2 drop - b\n3 drop - c\n", err, sizeof(err)), 0);
	assert_int_equal(sg_rules_add(&rs, &r, err, sizeof(err)), 0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.v[3].line, 0);
	assert_ptr_not_equal(rs.v[3].pattern, r.pattern);
	assert_int_equal(sg_rules_add(&rs, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "id 9: already used");
	r.id = 2;
	assert_int_equal(sg_rules_add(&rs, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "id 2: already used on line 2");
	assert_int_equal(rs.n, 4);

	assert_int_equal(sg_rules_remove(&rs, 2, err, sizeof(err)), 0);
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.v[0].id, 1);
	assert_int_equal(rs.v[1].id, 3);
	assert_int_equal(rs.v[2].id, 9);
	assert_int_equal(sg_rules_remove(&rs, 2, err, sizeof(err)), -1);
	assert_string_equal(err, "id 2: no such rule");

	assert_int_equal(sg_rules_copy(&copy, &rs), 0);
	sg_rules_fini(&rs);
	assert_int_equal(copy.n, 3);
	assert_string_equal(copy.v[2].pattern, "x+y");
	assert_string_equal(copy.path, "t.rules");
	sg_rules_fini(&copy);
}

static void test_files(void **state)
{
	char path[] = "/tmp/test_rules_XXXXXX", err[512], want[600], def[1024];
	const char *root = getenv("SG_SOURCE_ROOT");
	struct sg_rules rs;
	unsigned regex = 0;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(sg_rules_load(&rs, "/nonexistent/x.rules", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.rules: No such file or directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# ok\n1 drop caseless evil\\.example\n", f);
	fflush(f);
	assert_int_equal(sg_rules_load(&rs, path, err, sizeof(err)), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.path, path);
	sg_rules_fini(&rs);
	fputs("2 drop - x\n2 drop - y\n", f);
	fflush(f);
	assert_int_equal(sg_rules_load(&rs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: id 2: already used on line 3", path);
	assert_string_equal(err, want);
	/* Over the size limit: refused before anything is read. */
	assert_int_equal(ftruncate(fd, SG_RULES_FILE_MAX + 1), 0);
	assert_int_equal(sg_rules_load(&rs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %d bytes (at most %d)", path, SG_RULES_FILE_MAX + 1,
		 SG_RULES_FILE_MAX);
	assert_string_equal(err, want);
	fclose(f);
	unlink(path);

	/* The tree's rules: 100, at least 40 of them more than a literal. */
	assert_non_null(root);
	snprintf(def, sizeof(def), "%s/rules/default.rules", root);
	if (sg_rules_load(&rs, def, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(rs.n, 100);
	for (unsigned i = 0; i < rs.n; i++)
		regex += strpbrk(rs.v[i].pattern, "[](){}?*+|") != NULL;
	assert_true(regex >= 40);
	sg_rules_fini(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_blank_and_comment),
		cmocka_unit_test(test_pattern_limit),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_rule_count_limit),
		cmocka_unit_test(test_add_remove_copy),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
