/* SPDX-License-Identifier: MIT */
/*
 * policy.c - rules compiled into one Hyperscan database (hs_compile_multi,
 * block mode), the worker's scan and verdict, per-worker counters, and the
 * serialised form for a fast start.
 *
 * Invariants:
 * - The only file of ours that includes <hs/hs.h>.
 * - A policy never changes after it is built; scans read it only (the
 *   prototype scratch is only ever cloned, on the control plane).
 * - Hyperscan's id of a pattern is its rule's index in the set, so the
 *   match callback finds the rule's action with one array load.
 * - Every pattern has HS_FLAG_SINGLEMATCH: a rule reports at most once per
 *   body, so hits count bodies and the callback runs at most n times.
 * - The scan never stops early: the verdict (drop > flag > count, then
 *   file order) and the per-rule counts need every matching rule.
 * - No allocation, lock or log on the scan path.
 */
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hs/hs.h>

struct rule_meta {
	uint32_t id;
	uint8_t action;
};

struct sg_policy {
	struct sg_rules rules;   /* a private copy, file order */
	struct rule_meta *meta;  /* rules.n entries, what the scan reads */
	hs_database_t *db;       /* NULL when there are no rules */
	hs_scratch_t *proto;     /* cloned per worker, never scanned with */
	size_t db_bytes;
};

struct sg_policy_scratch {
	hs_scratch_t *hs;        /* NULL for a policy with no rules */
};

struct scan_ctx {
	const struct rule_meta *meta;
	struct sg_policy_counters *c;
	struct sg_policy_verdict *v;
};

static const char serial_magic[8] = { 'S', 'G', 'P', 'O', 'L', 'v', '1', '\n' };

/* The serialised file's header, native byte order (same host, same build). */
struct serial_hdr {
	char magic[8];
	uint32_t rules_len;  /* bytes of rules text that follow */
	uint32_t n_rules;
	uint64_t db_len;     /* bytes of hs_serialize_database after the rules */
	uint64_t sum;        /* FNV-1a 64 of the rules text and the database */
};

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

static unsigned hs_flags_of(uint32_t f)
{
	unsigned hs = HS_FLAG_SINGLEMATCH;

	if (f & SG_RULE_F_CASELESS)
		hs |= HS_FLAG_CASELESS;
	if (f & SG_RULE_F_DOTALL)
		hs |= HS_FLAG_DOTALL;
	if (f & SG_RULE_F_MULTILINE)
		hs |= HS_FLAG_MULTILINE;
	if (f & SG_RULE_F_UTF8)
		hs |= HS_FLAG_UTF8;
	if (f & SG_RULE_F_UCP)
		hs |= HS_FLAG_UCP;
	return hs;
}

void sg_policy_free(struct sg_policy *p)
{
	if (!p)
		return;
	hs_free_scratch(p->proto);
	hs_free_database(p->db);
	free(p->meta);
	sg_rules_fini(&p->rules);
	free(p);
}

/* The policy around rs (taken over: rs is left empty), without a database. */
static struct sg_policy *policy_new(struct sg_rules *rs)
{
	struct sg_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->meta = calloc(rs->n ? rs->n : 1, sizeof(p->meta[0]));
	if (!p->meta) {
		free(p);
		return NULL;
	}
	p->rules = *rs;
	sg_rules_init(rs);
	for (unsigned i = 0; i < p->rules.n; i++) {
		p->meta[i].id = p->rules.v[i].id;
		p->meta[i].action = p->rules.v[i].action;
	}
	return p;
}

/* "path:line: rule ID" or "rule ID", for errors about rule i. */
static void rule_where(const struct sg_rules *rs, unsigned i, char *out, size_t cap)
{
	const struct sg_rule *r = &rs->v[i];

	if (r->line && rs->path[0])
		snprintf(out, cap, "%s:%u: rule %u", rs->path, r->line, r->id);
	else
		snprintf(out, cap, "rule %u", r->id);
}

/* The database's size and the prototype scratch: 0, or -1 with err. */
static int policy_finish(struct sg_policy *p, char *err, size_t errlen)
{
	hs_error_t e;

	if (hs_database_size(p->db, &p->db_bytes) != HS_SUCCESS)
		return seterr(err, errlen, "rules: cannot size the compiled database");
	if (p->db_bytes > SG_POLICY_DB_MAX)
		return seterr(err, errlen, "rules: compiled database is %zu bytes (at most %d)",
			      p->db_bytes, SG_POLICY_DB_MAX);
	e = hs_alloc_scratch(p->db, &p->proto);
	if (e != HS_SUCCESS)
		return seterr(err, errlen, "rules: cannot allocate scratch (hs error %d)", e);
	return 0;
}

/* Compile p->rules into p->db. */
static int policy_build(struct sg_policy *p, char *err, size_t errlen)
{
	const struct sg_rules *rs = &p->rules;
	const char **exprs;
	unsigned *flags, *ids;
	hs_compile_error_t *cerr = NULL;
	hs_error_t e;
	int rc = -1;

	if (rs->n == 0)
		return 0;
	exprs = calloc(rs->n, sizeof(*exprs));
	flags = calloc(rs->n, sizeof(*flags));
	ids = calloc(rs->n, sizeof(*ids));
	if (!exprs || !flags || !ids) {
		seterr(err, errlen, "rules: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < rs->n; i++) {
		exprs[i] = rs->v[i].pattern;
		flags[i] = hs_flags_of(rs->v[i].flags);
		ids[i] = i;
	}
	e = hs_compile_multi(exprs, flags, ids, rs->n, HS_MODE_BLOCK, NULL, &p->db, &cerr);
	if (e != HS_SUCCESS) {
		const char *msg = cerr && cerr->message ? cerr->message : "compile failed";

		if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < rs->n) {
			char where[320];

			rule_where(rs, (unsigned)cerr->expression, where, sizeof(where));
			seterr(err, errlen, "%s: %s", where, msg);
		} else {
			seterr(err, errlen, "rules: %s", msg);
		}
		hs_free_compile_error(cerr);
		p->db = NULL;
		goto out;
	}
	rc = policy_finish(p, err, errlen);
out:
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* Build a policy that takes over rs (left empty either way). */
static int policy_from(struct sg_rules *rs, struct sg_policy **out, char *err, size_t errlen)
{
	struct sg_policy *p = policy_new(rs);

	*out = NULL;
	if (!p) {
		sg_rules_fini(rs);
		return seterr(err, errlen, "rules: out of memory");
	}
	if (policy_build(p, err, errlen) < 0) {
		sg_policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int sg_policy_compile(const struct sg_rules *rs, struct sg_policy **out, char *err,
		      size_t errlen)
{
	struct sg_rules copy;

	*out = NULL;
	if (sg_rules_copy(&copy, rs) < 0)
		return seterr(err, errlen, "rules: out of memory");
	return policy_from(&copy, out, err, errlen);
}

int sg_policy_load(const char *path, struct sg_policy **out, char *err, size_t errlen)
{
	struct sg_rules rs;

	*out = NULL;
	if (sg_rules_load(&rs, path, err, errlen) < 0)
		return -1;
	return policy_from(&rs, out, err, errlen);
}

int sg_policy_add_rule(const struct sg_policy *old, const char *line, struct sg_policy **out,
		       char *err, size_t errlen)
{
	struct sg_rules rs;
	struct sg_rule r;
	int got;

	*out = NULL;
	got = sg_rules_parse_line(line, &r, err, errlen);
	if (got == 0)
		return seterr(err, errlen, "no rule in the line");
	if (got < 0)
		return -1;
	if (!old) {
		sg_rules_init(&rs);
	} else if (sg_rules_copy(&rs, &old->rules) < 0) {
		free(r.pattern);
		return seterr(err, errlen, "rules: out of memory");
	}
	got = sg_rules_add(&rs, &r, err, errlen);
	free(r.pattern);
	if (got < 0) {
		sg_rules_fini(&rs);
		return -1;
	}
	return policy_from(&rs, out, err, errlen);
}

int sg_policy_remove_rule(const struct sg_policy *old, uint32_t id, struct sg_policy **out,
			  char *err, size_t errlen)
{
	struct sg_rules rs;

	*out = NULL;
	if (sg_rules_copy(&rs, &old->rules) < 0)
		return seterr(err, errlen, "rules: out of memory");
	if (sg_rules_remove(&rs, id, err, errlen) < 0) {
		sg_rules_fini(&rs);
		return -1;
	}
	return policy_from(&rs, out, err, errlen);
}

const struct sg_rules *sg_policy_rules(const struct sg_policy *p)
{
	return &p->rules;
}

size_t sg_policy_db_size(const struct sg_policy *p)
{
	return p->db_bytes;
}

int sg_policy_scratch_alloc(const struct sg_policy *p, struct sg_policy_scratch **out,
			    char *err, size_t errlen)
{
	struct sg_policy_scratch *s = calloc(1, sizeof(*s));
	hs_error_t e;

	*out = NULL;
	if (!s)
		return seterr(err, errlen, "scratch: out of memory");
	if (p->proto) {
		e = hs_clone_scratch(p->proto, &s->hs);
		if (e != HS_SUCCESS) {
			free(s);
			return seterr(err, errlen, "scratch: cannot clone (hs error %d)", e);
		}
	}
	*out = s;
	return 0;
}

void sg_policy_scratch_free(struct sg_policy_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

struct sg_policy_counters *sg_policy_counters_alloc(const struct sg_policy *p)
{
	struct sg_policy_counters *c;

	c = calloc(1, sizeof(*c) + p->rules.n * sizeof(c->hits[0]));
	if (c)
		c->n_rules = p->rules.n;
	return c;
}

void sg_policy_counters_free(struct sg_policy_counters *c)
{
	free(c);
}

int sg_policy_counters_sum(struct sg_policy_counters *total,
			   const struct sg_policy_counters *const per[], unsigned n)
{
	for (unsigned w = 0; w < n; w++)
		if (per[w]->n_rules != total->n_rules)
			return -1;
	for (unsigned w = 0; w < n; w++) {
		const struct sg_policy_counters *c = per[w];

		total->scanned += c->scanned;
		total->bytes += c->bytes;
		total->errors += c->errors;
		for (unsigned a = 0; a <= SG_RULE_ACTION_MAX; a++)
			total->verdicts[a] += c->verdicts[a];
		for (uint32_t i = 0; i < c->n_rules; i++)
			total->hits[i] += c->hits[i];
	}
	return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *arg)
{
	struct scan_ctx *x = arg;
	struct sg_policy_verdict *v = x->v;
	uint8_t action = x->meta[id].action;

	(void)from;
	(void)to;
	(void)flags;
	if (x->c)
		x->c->hits[id]++;
	if (v->n_hits < SG_POLICY_VERDICT_HITS)
		v->hits[v->n_hits] = id;
	v->n_hits++;
	if (action > v->action || (action == v->action && id < v->rule)) {
		v->action = action;
		v->rule = id;
		v->rule_id = x->meta[id].id;
	}
	return 0;
}

int sg_policy_scan(const struct sg_policy *p, struct sg_policy_scratch *s,
		   struct sg_policy_counters *c, const void *body, uint32_t len,
		   struct sg_policy_verdict *v)
{
	struct scan_ctx x = { p->meta, c, v };
	int rc = 0;

	v->action = SG_RULE_NONE;
	v->rule = 0;
	v->rule_id = 0;
	v->n_hits = 0;
	if (p->db && hs_scan(p->db, body, len, 0, s->hs, on_match, &x) != HS_SUCCESS) {
		v->action = SG_RULE_NONE;
		v->rule_id = 0;
		rc = -1;
	}
	if (c) {
		c->scanned++;
		c->bytes += len;
		if (rc < 0)
			c->errors++;
		else
			c->verdicts[v->action]++;
	}
	return rc;
}

unsigned sg_policy_scan_burst(const struct sg_policy *p, struct sg_policy_scratch *s,
			      struct sg_policy_counters *c, const void *const bodies[],
			      const uint32_t lens[], unsigned n, struct sg_policy_verdict v[])
{
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++)
		failed += sg_policy_scan(p, s, c, bodies[i], lens[i], &v[i]) < 0;
	return failed;
}

static uint64_t fnv1a(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

/* The rules as canonical lines, malloc'd, in *text and *len. */
static int rules_text(const struct sg_rules *rs, char **text, size_t *len)
{
	size_t cap = 0, n = 0;
	char *t;

	for (unsigned i = 0; i < rs->n; i++)
		cap += sg_rules_format(&rs->v[i], NULL, 0) + 1;
	t = malloc(cap + 1);
	if (!t)
		return -1;
	for (unsigned i = 0; i < rs->n; i++) {
		n += sg_rules_format(&rs->v[i], t + n, cap + 1 - n);
		t[n++] = '\n';
	}
	*text = t;
	*len = n;
	return 0;
}

int sg_policy_save(const struct sg_policy *p, const char *path, char *err, size_t errlen)
{
	struct serial_hdr h = { .n_rules = p->rules.n };
	char *text = NULL, *db = NULL, tmp[4096];
	size_t text_len, db_len = 0;
	int rc = -1;
	FILE *f;

	if (rules_text(&p->rules, &text, &text_len) < 0)
		return seterr(err, errlen, "%s: out of memory", path);
	if (text_len > SG_RULES_FILE_MAX) {
		seterr(err, errlen, "%s: rules text too large", path);
		goto out;
	}
	if (p->db && hs_serialize_database(p->db, &db, &db_len) != HS_SUCCESS) {
		seterr(err, errlen, "%s: cannot serialise the database", path);
		goto out;
	}
	memcpy(h.magic, serial_magic, sizeof(h.magic));
	h.rules_len = (uint32_t)text_len;
	h.db_len = db_len;
	h.sum = fnv1a(fnv1a(FNV_INIT, text, text_len), db, db_len);

	/* Written aside and renamed: a reader never sees half a file. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		seterr(err, errlen, "%s: path too long", path);
		goto out;
	}
	f = fopen(tmp, "w");
	if (!f) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* An empty policy has no text or database: fwrite takes no NULL. */
	if (fwrite(&h, sizeof(h), 1, f) != 1 ||
	    (text_len && fwrite(text, 1, text_len, f) != text_len) ||
	    (db_len && fwrite(db, 1, db_len, f) != db_len)) {
		fclose(f);
		remove(tmp);
		seterr(err, errlen, "%s: write error", tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(db); /* hs_serialize_database uses the misc allocator: malloc */
	return rc;
}

/* The whole of a file no larger than max, malloc'd. */
static int read_all(const char *path, size_t max, char **buf, size_t *len, char *err,
		    size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *b;
	int rc = -1;

	if (!f)
		return seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		fclose(f);
		return seterr(err, errlen, "%s: not a regular file of at most %zu bytes", path,
			      max);
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		seterr(err, errlen, "%s: out of memory", path);
	} else if (fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		seterr(err, errlen, "%s: short read", path);
		free(b);
	} else {
		*buf = b;
		*len = (size_t)st.st_size;
		rc = 0;
	}
	fclose(f);
	return rc;
}

int sg_policy_restore(const char *path, struct sg_policy **out, char *err, size_t errlen)
{
	struct serial_hdr h;
	struct sg_policy *p = NULL;
	struct sg_rules rs;
	const char *text, *db;
	char *buf = NULL;
	size_t len = 0;
	hs_error_t e;

	*out = NULL;
	if (read_all(path, SG_POLICY_SERIAL_MAX, &buf, &len, err, errlen) < 0)
		return -1;
	if (len < sizeof(h))
		goto bad;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, serial_magic, sizeof(h.magic)) != 0 ||
	    h.rules_len > SG_RULES_FILE_MAX || h.db_len > SG_POLICY_DB_MAX ||
	    len != sizeof(h) + h.rules_len + h.db_len)
		goto bad;
	text = buf + sizeof(h);
	db = text + h.rules_len;
	if (fnv1a(fnv1a(FNV_INIT, text, h.rules_len), db, h.db_len) != h.sum)
		goto bad;
	if (sg_rules_parse_text(&rs, path, text, h.rules_len, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	if (rs.n != h.n_rules || (rs.n == 0) != (h.db_len == 0)) {
		sg_rules_fini(&rs);
		goto bad;
	}
	p = policy_new(&rs);
	if (!p) {
		sg_rules_fini(&rs);
		free(buf);
		return seterr(err, errlen, "%s: out of memory", path);
	}
	if (h.db_len) {
		e = hs_deserialize_database(db, h.db_len, &p->db);
		if (e != HS_SUCCESS) {
			p->db = NULL;
			seterr(err, errlen, "%s: Hyperscan refused the database (hs error %d%s)",
			       path, e,
			       e == HS_DB_VERSION_ERROR  ? ": another Hyperscan version" :
			       e == HS_DB_PLATFORM_ERROR ? ": another platform" : "");
			goto fail;
		}
		if (policy_finish(p, err, errlen) < 0)
			goto fail;
	}
	free(buf);
	*out = p;
	return 0;
bad:
	free(buf);
	return seterr(err, errlen, "%s: not a saved policy, or damaged", path);
fail:
	free(buf);
	sg_policy_free(p);
	return -1;
}

/* 1 when a and b hold the same rules in the same order (lines aside). */
static int same_rules(const struct sg_rules *a, const struct sg_rules *b)
{
	if (a->n != b->n)
		return 0;
	for (unsigned i = 0; i < a->n; i++) {
		const struct sg_rule *x = &a->v[i], *y = &b->v[i];

		if (x->id != y->id || x->action != y->action || x->flags != y->flags ||
		    strcmp(x->pattern, y->pattern) != 0)
			return 0;
	}
	return 1;
}

int sg_policy_load_cached(const char *path, const char *cache, struct sg_policy **out,
			  int *from_cache, char *err, size_t errlen, char *cache_err,
			  size_t cache_errlen)
{
	struct sg_policy *q = NULL;
	struct sg_rules rs;

	*out = NULL;
	*from_cache = 0;
	if (cache_errlen)
		cache_err[0] = '\0';
	if (sg_rules_load(&rs, path, err, errlen) < 0)
		return -1;
	if (cache && cache[0] && sg_policy_restore(cache, &q, cache_err, cache_errlen) == 0) {
		if (same_rules(&rs, &q->rules)) {
			/* The file's own rules (their line numbers) with the cached database. */
			sg_rules_fini(&q->rules);
			q->rules = rs;
			*out = q;
			*from_cache = 1;
			return 0;
		}
		snprintf(cache_err, cache_errlen, "%s: holds other rules than %s", cache, path);
		sg_policy_free(q);
	}
	if (policy_from(&rs, out, err, errlen) < 0)
		return -1;
	if (cache && cache[0] && sg_policy_save(*out, cache, cache_err, cache_errlen) < 0)
		return 0; /* compiled; only the next start is slower */
	return 0;
}
