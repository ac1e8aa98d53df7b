/* SPDX-License-Identifier: MIT */
/*
 * rules.h - the content policy's rules file: one rule a line,
 *
 *   ID  ACTION  FLAGS  PATTERN
 *
 * parsed into struct sg_rule, checked (unique ids, limits) and kept in a
 * struct sg_rules.  docs/POLICY.md is the operator's page for the format.
 * No Hyperscan here: whether a pattern compiles is policy.c's question.
 */
#ifndef SG_POLICY_RULES_H
#define SG_POLICY_RULES_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_RULES_MAX = 10000,               /* rules in one set */
	SG_RULE_PATTERN_MAX = 4096,         /* bytes of one pattern */
	SG_RULES_LINE_MAX = SG_RULE_PATTERN_MAX + 128, /* bytes of one file line */
	SG_RULES_FILE_MAX = 8 << 20,        /* bytes of one rules file */
};

/*
 * What a matching rule does to a cloud frame.  The values are the
 * precedence: a larger action wins over a smaller one (policy.h).
 */
enum sg_rule_action {
	SG_RULE_NONE = 0,  /* no rule matched (verdicts only) */
	SG_RULE_COUNT = 1, /* forward, count the hit */
	SG_RULE_FLAG = 2,  /* forward, count the hit as flagged */
	SG_RULE_DROP = 3,  /* drop, reply POLICY_BLOCKED with the rule id */
	SG_RULE_ACTION_MAX = SG_RULE_DROP,
};

/* Rule flags (the file's words), turned into HS_FLAG_* by policy.c. */
enum sg_rule_flag {
	SG_RULE_F_CASELESS = 1u << 0,
	SG_RULE_F_DOTALL = 1u << 1,
	SG_RULE_F_MULTILINE = 1u << 2,
	SG_RULE_F_SINGLEMATCH = 1u << 3, /* always on: accepted for clarity */
	SG_RULE_F_UTF8 = 1u << 4,
	SG_RULE_F_UCP = 1u << 5,
	SG_RULE_F_ALL = (1u << 6) - 1,
};

struct sg_rule {
	uint32_t id;      /* 1 .. UINT32_MAX, unique in a set; the reply's detail */
	uint8_t action;   /* enum sg_rule_action, never SG_RULE_NONE */
	uint32_t flags;   /* enum sg_rule_flag */
	unsigned line;    /* line in the file it came from, 0 when added by hand */
	char *pattern;    /* Hyperscan regex, NUL-terminated, owned by the set */
};

struct sg_rules {
	struct sg_rule *v; /* in file order: the order breaks precedence ties */
	unsigned n, cap;
	char path[256];    /* the file the set came from ("" when none) */
};

/* An empty set. */
void sg_rules_init(struct sg_rules *rs);

/* Frees the patterns and the array; leaves an empty set (fini twice is safe). */
void sg_rules_fini(struct sg_rules *rs);

/*
 * Parse one line.  1: a rule in *r (r->pattern malloc'd: the caller frees
 * it, or hands it to sg_rules_add); 0: a blank or comment line; -1: an
 * error in err ("id: ..." etc., without file or line).
 */
int sg_rules_parse_line(const char *line, struct sg_rule *r, char *err, size_t errlen);

/*
 * Append a copy of r (line as given).  -1 when the id is already in the
 * set or the set is full, with the reason in err; the set is unchanged.
 */
int sg_rules_add(struct sg_rules *rs, const struct sg_rule *r, char *err, size_t errlen);

/* Remove the rule with this id: 0, or -1 when there is none (err says so). */
int sg_rules_remove(struct sg_rules *rs, uint32_t id, char *err, size_t errlen);

/* The index of the rule with this id, or -1. */
int sg_rules_find(const struct sg_rules *rs, uint32_t id);

/* A deep copy of src into dst (dst is initialised here): 0, or -1 (memory). */
int sg_rules_copy(struct sg_rules *dst, const struct sg_rules *src);

/*
 * Load a whole file into rs (initialised here).  On any error: -1, rs
 * empty, and err holds "path:line: reason" (or "path: reason").
 */
int sg_rules_load(struct sg_rules *rs, const char *path, char *err, size_t errlen);

/*
 * Parse a whole text (a file's contents, or several lines an operator sent)
 * into rs, initialised here; name prefixes errors as the path does.
 */
int sg_rules_parse_text(struct sg_rules *rs, const char *name, const char *text, size_t len,
			char *err, size_t errlen);

/* "drop", "flag", "count" ("none" for SG_RULE_NONE). */
const char *sg_rules_action_name(unsigned action);

/*
 * A rule as one canonical line ("ID ACTION FLAGS PATTERN", no newline):
 * what sg_rules_parse_line reads back into the same rule.  The length it
 * needed (as snprintf), so a result >= cap means truncated.
 */
size_t sg_rules_format(const struct sg_rule *r, char *out, size_t cap);

#endif /* SG_POLICY_RULES_H */
