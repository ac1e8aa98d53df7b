/* SPDX-License-Identifier: MIT */
/*
 * rules.c - the content policy's rules file: lines to struct sg_rule, whole
 * files to struct sg_rules.  docs/POLICY.md is the operator's page.
 *
 * Invariants:
 * - No Hyperscan: a pattern here is opaque bytes (printable, no NUL, at
 *   most SG_RULE_PATTERN_MAX); policy.c compiles it and names the line.
 * - Everything a file can make us allocate is bounded: the file's size
 *   (SG_RULES_FILE_MAX) is checked before reading, a set holds at most
 *   SG_RULES_MAX rules, a pattern at most SG_RULE_PATTERN_MAX bytes.
 * - Errors name the field and the reason; whole texts prefix "name:line: "
 *   and stop at the first error.  A failed load leaves an empty set and a
 *   failed add or remove leaves the set unchanged.
 * - A rule's text round-trips: sg_rules_format() writes what
 *   sg_rules_parse_line() reads back into the same rule (serialised
 *   policies store their rules that way).
 */
#include "policy/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	uint32_t flag;
} rule_flags[] = {
	{ "caseless", SG_RULE_F_CASELESS },
	{ "dotall", SG_RULE_F_DOTALL },
	{ "multiline", SG_RULE_F_MULTILINE },
	{ "singlematch", SG_RULE_F_SINGLEMATCH },
	{ "utf8", SG_RULE_F_UTF8 },
	{ "ucp", SG_RULE_F_UCP },
};

#define N_FLAGS (sizeof(rule_flags) / sizeof(rule_flags[0]))

static const char *const action_names[] = { "none", "count", "flag", "drop" };

static __attribute__((format(printf, 3, 4))) int seterr(char *err, size_t errlen,
							const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

const char *sg_rules_action_name(unsigned action)
{
	return action <= SG_RULE_ACTION_MAX ? action_names[action] : "?";
}

void sg_rules_init(struct sg_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void sg_rules_fini(struct sg_rules *rs)
{
	for (unsigned i = 0; i < rs->n; i++)
		free(rs->v[i].pattern);
	free(rs->v);
	sg_rules_init(rs);
}

/*
 * The next blank-separated word of *s into w (at most cap - 1 bytes, which
 * the caller makes longer than any good word); *s moves past it.  0 when
 * there is none.
 */
static size_t next_word(const char **s, char *w, size_t cap)
{
	const char *p = *s;
	size_t n = 0;

	while (is_blank(*p))
		p++;
	while (*p && !is_blank(*p)) {
		if (n + 1 < cap)
			w[n] = *p;
		n++;
		p++;
	}
	w[n < cap ? n : cap - 1] = '\0';
	*s = p;
	return n;
}

static int parse_id(const char *w, size_t len, uint32_t *id, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (len > 10)
		goto bad;
	for (const char *p = w; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		goto bad;
	*id = (uint32_t)v;
	return 0;
bad:
	return seterr(err, errlen, "id: '%s' is not a number in 1..4294967295", w);
}

static int parse_action(const char *w, uint8_t *action, char *err, size_t errlen)
{
	for (unsigned a = SG_RULE_COUNT; a <= SG_RULE_ACTION_MAX; a++)
		if (strcmp(w, action_names[a]) == 0) {
			*action = (uint8_t)a;
			return 0;
		}
	return seterr(err, errlen, "action: '%s' is not drop, flag or count", w);
}

/* "-" or a comma list of rule_flags[] names, each at most once. */
static int parse_flags(const char *w, uint32_t *flags, char *err, size_t errlen)
{
	const char *p = w;

	*flags = 0;
	if (strcmp(w, "-") == 0)
		return 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned i;

		for (i = 0; i < N_FLAGS; i++)
			if (strlen(rule_flags[i].name) == len &&
			    memcmp(p, rule_flags[i].name, len) == 0)
				break;
		if (i == N_FLAGS)
			return seterr(err, errlen,
				      "flags: '%.*s' is not one of caseless, dotall, multiline, "
				      "singlematch, utf8, ucp (or - for none)",
				      (int)len, p);
		if (*flags & rule_flags[i].flag)
			return seterr(err, errlen, "flags: %s given twice", rule_flags[i].name);
		*flags |= rule_flags[i].flag;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

int sg_rules_parse_line(const char *line, struct sg_rule *r, char *err, size_t errlen)
{
	char w[32];
	const char *s = line, *end;
	size_t len;

	memset(r, 0, sizeof(*r));
	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	len = next_word(&s, w, sizeof(w));
	if (parse_id(w, len, &r->id, err, errlen) < 0)
		return -1;
	if (!next_word(&s, w, sizeof(w)))
		return seterr(err, errlen, "missing action (drop, flag or count)");
	if (parse_action(w, &r->action, err, errlen) < 0)
		return -1;
	if (!next_word(&s, w, sizeof(w)))
		return seterr(err, errlen, "missing flags (- for none)");
	if (parse_flags(w, &r->flags, err, errlen) < 0)
		return -1;

	/* The pattern is the rest of the line, blanks at either end dropped. */
	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	len = (size_t)(end - s);
	if (len == 0)
		return seterr(err, errlen, "missing pattern");
	if (len > SG_RULE_PATTERN_MAX)
		return seterr(err, errlen, "pattern: %zu bytes (at most %d)", len,
			      SG_RULE_PATTERN_MAX);
	r->pattern = strndup(s, len);
	if (!r->pattern)
		return seterr(err, errlen, "out of memory");
	return 1;
}

int sg_rules_find(const struct sg_rules *rs, uint32_t id)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->v[i].id == id)
			return (int)i;
	return -1;
}

int sg_rules_add(struct sg_rules *rs, const struct sg_rule *r, char *err, size_t errlen)
{
	int dup = sg_rules_find(rs, r->id);
	char *pattern;

	if (dup >= 0) {
		if (rs->v[dup].line)
			return seterr(err, errlen, "id %u: already used on line %u", r->id,
				      rs->v[dup].line);
		return seterr(err, errlen, "id %u: already used", r->id);
	}
	if (rs->n == SG_RULES_MAX)
		return seterr(err, errlen, "more than %d rules", SG_RULES_MAX);
	if (rs->n == rs->cap) {
		unsigned cap = rs->cap ? rs->cap * 2 : 64;
		struct sg_rule *v;

		if (cap > SG_RULES_MAX)
			cap = SG_RULES_MAX;
		v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return seterr(err, errlen, "out of memory");
		rs->v = v;
		rs->cap = cap;
	}
	pattern = strdup(r->pattern);
	if (!pattern)
		return seterr(err, errlen, "out of memory");
	rs->v[rs->n] = *r;
	rs->v[rs->n].pattern = pattern;
	rs->n++;
	return 0;
}

int sg_rules_remove(struct sg_rules *rs, uint32_t id, char *err, size_t errlen)
{
	int i = sg_rules_find(rs, id);

	if (i < 0)
		return seterr(err, errlen, "id %u: no such rule", id);
	free(rs->v[i].pattern);
	memmove(&rs->v[i], &rs->v[i + 1], (rs->n - (unsigned)i - 1) * sizeof(rs->v[0]));
	rs->n--;
	return 0;
}

int sg_rules_copy(struct sg_rules *dst, const struct sg_rules *src)
{
	sg_rules_init(dst);
	memcpy(dst->path, src->path, sizeof(dst->path));
	for (unsigned i = 0; i < src->n; i++)
		if (sg_rules_add(dst, &src->v[i], NULL, 0) < 0) {
			sg_rules_fini(dst);
			return -1;
		}
	return 0;
}

int sg_rules_parse_text(struct sg_rules *rs, const char *name, const char *text, size_t len,
			char *err, size_t errlen)
{
	char *line = malloc(SG_RULES_LINE_MAX + 1);
	char why[256];
	unsigned lineno = 0;
	size_t pos = 0;
	int rc = 0;

	sg_rules_init(rs);
	snprintf(rs->path, sizeof(rs->path), "%s", name);
	if (!line)
		return seterr(err, errlen, "%s: out of memory", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct sg_rule r;
		int got;

		lineno++;
		if (n > SG_RULES_LINE_MAX) {
			rc = seterr(err, errlen, "%s:%u: line too long (more than %d bytes)", name,
				    lineno, SG_RULES_LINE_MAX);
			break;
		}
		if (memchr(text + pos, '\0', n)) {
			rc = seterr(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		got = sg_rules_parse_line(line, &r, why, sizeof(why));
		if (got < 0) {
			rc = seterr(err, errlen, "%s:%u: %s", name, lineno, why);
			break;
		}
		if (got == 0)
			continue;
		r.line = lineno;
		got = sg_rules_add(rs, &r, why, sizeof(why));
		free(r.pattern);
		if (got < 0) {
			rc = seterr(err, errlen, "%s:%u: %s", name, lineno, why);
			break;
		}
	}
	free(line);
	if (rc < 0)
		sg_rules_fini(rs);
	return rc;
}

int sg_rules_load(struct sg_rules *rs, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;
	FILE *f;

	sg_rules_init(rs);
	f = fopen(path, "r");
	if (!f)
		return seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > SG_RULES_FILE_MAX) {
		seterr(err, errlen, "%s: %lld bytes (at most %d)", path, (long long)st.st_size,
		       SG_RULES_FILE_MAX);
		goto out;
	}
	/* One byte more than allowed: a file that grew since fstat is caught. */
	text = malloc((size_t)SG_RULES_FILE_MAX + 1);
	if (!text) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, (size_t)SG_RULES_FILE_MAX + 1, f);
	if (ferror(f)) {
		seterr(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > SG_RULES_FILE_MAX) {
		seterr(err, errlen, "%s: more than %d bytes", path, SG_RULES_FILE_MAX);
		goto out;
	}
	rc = sg_rules_parse_text(rs, path, text, len, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}

size_t sg_rules_format(const struct sg_rule *r, char *out, size_t cap)
{
	char flags[96] = "";
	size_t n = 0;
	int w;

	for (unsigned i = 0; i < N_FLAGS; i++)
		if (r->flags & rule_flags[i].flag)
			n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "",
					      rule_flags[i].name);
	w = snprintf(out, cap, "%u %s %s %s", r->id, sg_rules_action_name(r->action),
		     n ? flags : "-", r->pattern);
	return w < 0 ? 0 : (size_t)w;
}
