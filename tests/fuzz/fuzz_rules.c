/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rules.c - the content policy's rules file (policy/rules.c):
 * sg_rules_parse_text (the text of `rules add` and of a file) and
 * sg_rules_load (a file: size checks, then the same parser) must agree;
 * every rule round-trips through sg_rules_format and sg_rules_parse_line;
 * a copy of the set survives every rule removed and added back, and a
 * duplicate id is refused.  Hyperscan's side is fuzz_policy.c (a compile
 * costs milliseconds, a parse microseconds).  Input: the file's bytes.
 */
#include "fuzz.h"
#include "policy/rules.h"

/* Every rule reads back from its canonical line as the same rule. */
static void round_trip(const struct sg_rules *rs)
{
	char *line = malloc(SG_RULES_LINE_MAX + 1), err[256];

	if (!line)
		abort();
	for (unsigned i = 0; i < rs->n; i++) {
		const struct sg_rule *r = &rs->v[i];
		struct sg_rule back;
		size_t n = sg_rules_format(r, line, SG_RULES_LINE_MAX + 1);

		FUZZ_CHECK(n <= SG_RULES_LINE_MAX);
		FUZZ_CHECK(sg_rules_parse_line(line, &back, err, sizeof(err)) == 1);
		FUZZ_CHECK(back.id == r->id && back.action == r->action &&
			   back.flags == r->flags && strcmp(back.pattern, r->pattern) == 0);
		free(back.pattern);
	}
	free(line);
}

/* A copy, then each rule removed by id, then added back: the set ends as it began. */
static void edit(const struct sg_rules *rs)
{
	struct sg_rules copy;
	char err[256];

	FUZZ_CHECK(sg_rules_copy(&copy, rs) == 0 && copy.n == rs->n);
	for (unsigned i = 0; i < rs->n; i++) {
		FUZZ_CHECK(sg_rules_find(&copy, rs->v[i].id) >= 0);
		FUZZ_CHECK(sg_rules_add(&copy, &rs->v[i], err, sizeof(err)) == -1); /* a duplicate */
		FUZZ_CHECK(sg_rules_remove(&copy, rs->v[i].id, err, sizeof(err)) == 0);
		FUZZ_CHECK(sg_rules_find(&copy, rs->v[i].id) == -1);
		FUZZ_CHECK(sg_rules_add(&copy, &rs->v[i], err, sizeof(err)) == 0);
	}
	FUZZ_CHECK(copy.n == rs->n);
	sg_rules_fini(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_rules rs, loaded;
	char err[512];
	const char *path = size % 32 == 0 ? fz_file(data, size) : "";
	int a, b;

	if (!path)
		abort();
	a = sg_rules_parse_text(&rs, "fuzz.rules", (const char *)data, size, err, sizeof(err));
	/*
	 * The file's way in for one input in 32 (by its size, so a crash
	 * reproduces): sg_rules_load allocates its 8 MiB limit at every call,
	 * which under ASan costs milliseconds where a parse costs microseconds.
	 */
	if (size % 32 == 0) {
		b = sg_rules_load(&loaded, path, err, sizeof(err));
		FUZZ_CHECK(a == b);
		FUZZ_CHECK(a != 0 ? rs.n == 0 && loaded.n == 0 : rs.n == loaded.n);
	} else {
		sg_rules_init(&loaded);
	}
	if (a == 0) {
		FUZZ_CHECK(rs.n <= SG_RULES_MAX);
		round_trip(&rs);
		edit(&rs);
	}
	sg_rules_fini(&rs);
	sg_rules_fini(&loaded);
	return 0;
}
