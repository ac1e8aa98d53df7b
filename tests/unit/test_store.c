/* SPDX-License-Identifier: MIT */
/*
 * test_store.c - the durable store (control/store.c), each test in its own
 * directory under a mkdtemp one in /tmp, removed at the end.
 *
 * Opening: init creates (0700 directory, 0600 files); a missing store
 * without init fails and says to start with --store-init; garbage, an empty
 * data.mdb, an LMDB without surge metadata and another format version are
 * refused and left byte for byte as they were; an empty LMDB counts as no
 * store.  Users reload in id order with every field; a malformed user
 * record is an error naming it.  Metadata round-trips.  Mailboxes: seq
 * order across commits and a reopen, each sees committed messages only,
 * idempotent puts, per-user and total caps, acks, expiry (only what is due,
 * at most max, soonest first), depths after a reopen, tampered records
 * skipped and counted, a full map losing the batch and restoring the
 * counts.  After each the three mailbox databases hold as many entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/store.h"
#include "crypto/crypto.h"

static char base[] = "/tmp/sg-test-store-XXXXXX";
static char dir[128];
static char errbuf[512];
static unsigned dir_n;

/* --- helpers ----------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	if (sg_crypto_init() != 0)
		return -1;
	return mkdtemp(base) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh, not yet existing directory name for each test. */
static int test_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/s%u", base, dir_n++);
	errbuf[0] = '\0';
	return 0;
}

static struct sg_store_opts opts(int init)
{
	struct sg_store_opts o = {
		.dir = dir, .init = init, .max_users = 1000, .mbox_per_user = 64,
		.mbox_total = 1000, .nosync = 1,
	};

	return o;
}

static struct sg_store *open_ok(const struct sg_store_opts *o)
{
	struct sg_store *st = NULL;
	int rc = sg_store_open(&st, o, errbuf, sizeof(errbuf));

	if (rc != 0)
		print_message("open: %s\n", errbuf);
	assert_int_equal(rc, 0);
	assert_non_null(st);
	return st;
}

static void open_refused(int init, const char *msg1, const char *msg2)
{
	struct sg_store_opts o = opts(init);
	struct sg_store *st = (struct sg_store *)1;

	errbuf[0] = '\0';
	assert_int_equal(sg_store_open(&st, &o, errbuf, sizeof(errbuf)), -1);
	assert_null(st);
	if (!strstr(errbuf, msg1) || (msg2 && !strstr(errbuf, msg2)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", errbuf, msg1, msg2 ? msg2 : "");
}

static void commit_ok(struct sg_store *st)
{
	int rc = sg_store_commit(st, errbuf, sizeof(errbuf));

	if (rc)
		print_message("commit: %s\n", errbuf);
	assert_int_equal(rc, 0);
}

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* Whole file into a malloc'd buffer; *n its size. */
static uint8_t *slurp(const char *name, size_t *n)
{
	char p[256];
	uint8_t *buf;
	FILE *f;
	long len;

	path_of(p, sizeof(p), name);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A raw LMDB environment on dir, as another program (or an attacker) has it. */
struct raw {
	MDB_env *env;
	MDB_txn *txn;
};

static void raw_begin(struct raw *r)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(r->env, 1u << 24), 0);
	assert_int_equal(mdb_env_open(r->env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
}

static MDB_dbi raw_dbi(struct raw *r, const char *name, unsigned flags)
{
	MDB_dbi d;

	assert_int_equal(mdb_dbi_open(r->txn, name, flags, &d), 0);
	return d;
}

static void raw_put(struct raw *r, MDB_dbi d, const void *k, size_t kn, const void *v, size_t vn)
{
	MDB_val kv = { kn, (void *)k }, vv = { vn, (void *)v };

	assert_int_equal(mdb_put(r->txn, d, &kv, &vv, 0), 0);
}

static void raw_end(struct raw *r)
{
	assert_int_equal(mdb_txn_commit(r->txn), 0);
	mdb_env_close(r->env);
}

static size_t raw_entries(struct raw *r, const char *name)
{
	MDB_stat ms;

	assert_int_equal(mdb_stat(r->txn, raw_dbi(r, name, 0), &ms), 0);
	return ms.ms_entries;
}

/* With the store closed: the three mailbox databases agree on the count. */
static void check_indexes(size_t want)
{
	struct raw r;

	raw_begin(&r);
	assert_int_equal(raw_entries(&r, "mbox"), want);
	assert_int_equal(raw_entries(&r, "mbox_id"), want);
	assert_int_equal(raw_entries(&r, "mbox_exp"), want);
	raw_end(&r);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A message whose body is derived from its ids; body[] must outlive the put. */
static int put_msg(struct sg_store *st, uint64_t r, uint64_t sender, uint64_t id,
		   uint64_t expires, uint16_t len, uint8_t *body, uint64_t *seq)
{
	struct sg_store_msg m = {
		.recipient = r, .sender = sender, .msg_id = id, .expires = expires,
		.class = 2, .flags = (uint8_t)id, .len = len, .body = body,
	};
	int rc;

	for (unsigned i = 0; i < len; i++)
		body[i] = (uint8_t)(r * 31 + sender * 7 + id + i);
	rc = sg_store_mbox_put(st, &m, errbuf, sizeof(errbuf));
	if (rc < 0)
		print_message("put: %s\n", errbuf);
	if (seq)
		*seq = m.seq;
	return rc;
}

static int put_small(struct sg_store *st, uint64_t r, uint64_t sender, uint64_t id,
		     uint64_t expires)
{
	uint8_t body[32];

	return put_msg(st, r, sender, id, expires, sizeof(body), body, NULL);
}

struct seen {
	unsigned n;
	uint64_t seq[64], sender[64], id[64];
	int stop_at;            /* non-zero: return 1 from the stop_at-th call */
};

static int each_cb(void *arg, const struct sg_store_msg *m)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	/* The body is the one put, decrypted. */
	for (unsigned i = 0; i < m->len; i++)
		assert_int_equal(m->body[i],
				 (uint8_t)(m->recipient * 31 + m->sender * 7 + m->msg_id + i));
	assert_int_equal(m->flags, (uint8_t)m->msg_id);
	assert_int_equal(m->class, 2);
	s->seq[s->n] = m->seq;
	s->sender[s->n] = m->sender;
	s->id[s->n] = m->msg_id;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at;
}

static int each(struct sg_store *st, uint64_t r, uint64_t after, unsigned max, struct seen *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sg_store_mbox_each(st, r, after, max, each_cb, s, errbuf, sizeof(errbuf));
	if (rc >= 0)
		assert_int_equal((unsigned)rc, s->n);
	return rc;
}

/* --- opening ----------------------------------------------------------- */

static void test_init_creates(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	char p[256];
	struct stat sb;
	size_t n = 8;
	uint8_t v[8];

	(void)state;
	st = open_ok(&o);
	assert_int_equal(sg_store_pending(st), 0);
	assert_int_equal(sg_store_open_since_ns(st), 0);
	assert_int_equal(sg_store_mbox_total(st), 0);
	assert_int_equal(sg_store_meta_get(st, "nothing", v, &n, errbuf, sizeof(errbuf)), 0);
	sg_store_close(st);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	path_of(p, sizeof(p), "data.mdb");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* Reopened without init, and with init again: the same store, no error. */
	o.init = 0;
	sg_store_close(open_ok(&o));
	o.init = 1;
	sg_store_close(open_ok(&o));
	check_indexes(0);
}

static void test_missing_without_init(void **state)
{
	struct stat sb;

	(void)state;
	open_refused(0, "no store in", "start once with --store-init");
	assert_int_not_equal(stat(dir, &sb), 0);          /* not created */
	assert_int_equal(mkdir(dir, 0700), 0);
	open_refused(0, "no store in", "--store-init");    /* empty directory */
}

/* Bytes that are not a surge store, refused even with init, left untouched. */
static void test_foreign_file_refused(void **state)
{
	static const struct {
		const char *what;
		size_t len;
		const char *why;
	} t[] = {
		{ "random", 16384, "refusing to start" },
		{ "text", 6, "refusing to start" },
		{ "empty", 0, "an empty file" },
	};
	uint8_t junk[16384];

	(void)state;
	for (unsigned i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	memcpy(junk, "hello\n", 6);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t *after;
		size_t n;

		test_setup(state);
		assert_int_equal(mkdir(dir, 0700), 0);
		write_file("data.mdb", junk, t[i].len);
		open_refused(1, "data.mdb is not a surge store", t[i].why);
		assert_non_null(strstr(errbuf, "move it away or restore it"));
		open_refused(0, "data.mdb is not a surge store", NULL);
		after = slurp("data.mdb", &n);
		assert_int_equal(n, t[i].len);
		if (n)
			assert_memory_equal(after, junk, n);
		free(after);
	}
}

/* LMDB files that are not (this version of) a surge store. */
static void test_foreign_lmdb_refused(void **state)
{
	static const char *const formats[] = { NULL, "surge-store 2", "" };
	struct raw r;

	(void)state;
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		uint8_t *before, *after;
		size_t n, m;

		test_setup(state);
		assert_int_equal(mkdir(dir, 0700), 0);
		raw_begin(&r);
		if (formats[i]) {
			raw_put(&r, raw_dbi(&r, "meta", MDB_CREATE), "format", 6, formats[i],
				strlen(formats[i]));
		} else {
			raw_put(&r, raw_dbi(&r, "other", MDB_CREATE), "k", 1, "v", 1);
		}
		raw_end(&r);
		before = slurp("data.mdb", &n);
		open_refused(1, "data.mdb is not a surge store",
			     formats[i] ? "this relay reads \"surge-store 1\"" :
			     "an LMDB without surge metadata");
		after = slurp("data.mdb", &m);
		assert_int_equal(n, m);
		assert_memory_equal(before, after, n);
		free(before);
		free(after);
	}
}

/* An LMDB with no record at all (an init that died early) is no store yet. */
static void test_empty_lmdb_is_no_store(void **state)
{
	struct sg_store_opts o = opts(1);
	struct raw r;

	(void)state;
	assert_int_equal(mkdir(dir, 0700), 0);
	raw_begin(&r);
	raw_end(&r);
	open_refused(0, "no store in", "--store-init");
	sg_store_close(open_ok(&o));
	o.init = 0;
	sg_store_close(open_ok(&o));
}

static void test_bad_opts(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;

	(void)state;
	o.max_users = 0;
	assert_int_equal(sg_store_open(&st, &o, errbuf, sizeof(errbuf)), -1);
	o = opts(1);
	o.dir = "";
	assert_int_equal(sg_store_open(&st, &o, errbuf, sizeof(errbuf)), -1);
	sg_store_close(NULL);
}

/* --- users and metadata ------------------------------------------------ */

static struct sg_store_user user_n(uint64_t id)
{
	struct sg_store_user u = { .id = id, .created = 1700000000 + id,
				   .last_seen = 1800000000 + id };

	for (unsigned i = 0; i < SG_KEY_LEN; i++)
		u.pub[i] = (uint8_t)(id * 13 + i);
	for (unsigned i = 0; i < SG_TAI64N_LEN; i++)
		u.last_ts[i] = (uint8_t)(id + i * 3);
	return u;
}

struct loaded {
	unsigned n;
	uint64_t ids[16];
	struct sg_store_user u[16];
	unsigned stop_after;
};

static int load_cb(void *arg, const struct sg_store_user *u)
{
	struct loaded *l = arg;

	assert_true(l->n < 16);
	l->u[l->n] = *u;
	l->ids[l->n++] = u->id;
	return l->stop_after && l->n == l->stop_after ? 42 : 0;
}

static void test_users_reload_in_order(void **state)
{
	static const uint64_t ids[] = { 5, 1, 300, 2, 1ull << 40 };
	static const uint64_t want[] = { 1, 2, 5, 300, 1ull << 40 };
	struct sg_store_opts o = opts(1);
	struct sg_store_user u;
	struct loaded l = { 0 };
	struct sg_store *st;

	(void)state;
	st = open_ok(&o);
	for (unsigned i = 0; i < 5; i++) {
		u = user_n(ids[i]);
		assert_int_equal(sg_store_user_put(st, &u, errbuf, sizeof(errbuf)), 0);
		assert_int_equal(sg_store_pending(st), i % 3 + 1);
		assert_int_not_equal(sg_store_open_since_ns(st), 0);
		if (i % 3 == 2)
			commit_ok(st);
	}
	/* Not committed yet: the loader sees committed users only. */
	assert_int_equal(sg_store_users_load(st, load_cb, &l, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(l.n, 3);
	commit_ok(st);
	assert_int_equal(sg_store_pending(st), 0);
	assert_int_equal(sg_store_open_since_ns(st), 0);
	u = user_n(0);
	assert_int_equal(sg_store_user_put(st, &u, errbuf, sizeof(errbuf)), -1);
	sg_store_close(st);

	o.init = 0;
	st = open_ok(&o);
	memset(&l, 0, sizeof(l));
	assert_int_equal(sg_store_users_load(st, load_cb, &l, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(l.n, 5);
	for (unsigned i = 0; i < 5; i++) {
		struct sg_store_user w = user_n(want[i]);

		assert_int_equal(l.ids[i], want[i]);
		assert_memory_equal(l.u[i].pub, w.pub, SG_KEY_LEN);
		assert_memory_equal(l.u[i].last_ts, w.last_ts, SG_TAI64N_LEN);
		assert_int_equal(l.u[i].created, w.created);
		assert_int_equal(l.u[i].last_seen, w.last_seen);
	}
	/* Overwrite by id; a callback's non-zero value stops the load. */
	u = user_n(2);
	u.last_seen = 7;
	assert_int_equal(sg_store_user_put(st, &u, errbuf, sizeof(errbuf)), 0);
	commit_ok(st);
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(sg_store_users_load(st, load_cb, &l, errbuf, sizeof(errbuf)), 42);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.u[1].id, 2);
	assert_int_equal(l.u[1].last_seen, 7);
	sg_store_close(st);
}

static void test_user_record_malformed(void **state)
{
	struct sg_store_opts o = opts(1);
	struct loaded l = { 0 };
	struct sg_store *st;
	uint8_t key[8], v[10] = { 1 };
	struct raw r;

	(void)state;
	sg_store_close(open_ok(&o));
	raw_begin(&r);
	put_be64(key, 7);
	raw_put(&r, raw_dbi(&r, "users", 0), key, 8, v, sizeof(v));
	raw_end(&r);
	st = open_ok(&o);
	assert_int_equal(sg_store_users_load(st, load_cb, &l, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "user 7"));
	assert_non_null(strstr(errbuf, "10 bytes"));
	sg_store_close(st);
}

static void test_meta(void **state)
{
	struct sg_store_opts o = opts(1);
	uint8_t v[64], small[4];
	char longname[SG_STORE_META_NAME_MAX + 2];
	struct sg_store *st;
	size_t n;

	(void)state;
	st = open_ok(&o);
	assert_int_equal(sg_store_meta_put(st, "ticket-key", "0123456789", 10, errbuf,
					   sizeof(errbuf)), 0);
	n = sizeof(v);
	/* The open batch is seen by get. */
	assert_int_equal(sg_store_meta_get(st, "ticket-key", v, &n, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(n, 10);
	commit_ok(st);
	sg_store_close(st);
	o.init = 0;
	st = open_ok(&o);
	n = sizeof(v);
	assert_int_equal(sg_store_meta_get(st, "ticket-key", v, &n, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(n, 10);
	assert_memory_equal(v, "0123456789", 10);
	n = sizeof(small);
	assert_int_equal(sg_store_meta_get(st, "ticket-key", small, &n, errbuf, sizeof(errbuf)),
			 -1);
	n = sizeof(v);
	/* The store's own records are in another namespace. */
	assert_int_equal(sg_store_meta_get(st, "format", v, &n, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(sg_store_meta_get(st, "spool-key", v, &n, errbuf, sizeof(errbuf)), 0);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sg_store_meta_put(st, longname, "a", 1, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(sg_store_meta_put(st, "", "a", 1, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(sg_store_pending(st), 0);
	sg_store_close(st);
}

/* --- mailboxes --------------------------------------------------------- */

static void test_mbox_order_and_reopen(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	struct seen s;
	uint64_t seq;
	uint8_t big[SG_STORE_BODY_MAX];

	(void)state;
	st = open_ok(&o);
	for (unsigned i = 1; i <= 3; i++)
		assert_int_equal(put_small(st, 3, 10 + i, 100 + i, 1000), SG_STORE_OK);
	assert_int_equal(put_small(st, 4, 1, 1, 1000), SG_STORE_OK);   /* another mailbox */
	commit_ok(st);
	assert_int_equal(put_msg(st, 3, 9, 104, 1000, sizeof(big), big, &seq), SG_STORE_OK);
	assert_int_equal(seq, 4);
	assert_int_equal(put_msg(st, 3, 9, 105, 1000, 0, big, &seq), SG_STORE_OK);
	assert_int_equal(seq, 5);
	commit_ok(st);
	assert_int_equal(each(st, 3, 0, 64, &s), 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(s.seq[i], i + 1);
		assert_int_equal(s.id[i], 101 + i);
	}
	assert_int_equal(each(st, 3, 2, 2, &s), 2);
	assert_int_equal(s.seq[0], 3);
	assert_int_equal(s.seq[1], 4);
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(sg_store_mbox_each(st, 3, 0, 64, each_cb, &s, errbuf, sizeof(errbuf)), 2);
	assert_int_equal(each(st, 3, 5, 64, &s), 0);
	assert_int_equal(each(st, 3, UINT64_MAX, 64, &s), 0);
	assert_int_equal(each(st, 4, 0, 64, &s), 1);
	assert_int_equal(each(st, 5, 0, 64, &s), 0);
	assert_int_equal(each(st, 0, 0, 64, &s), 0);
	assert_int_equal(sg_store_mbox_depth(st, 3), 5);
	sg_store_close(st);
	check_indexes(6);

	o.init = 0;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_depth(st, 3), 5);
	assert_int_equal(sg_store_mbox_depth(st, 4), 1);
	assert_int_equal(sg_store_mbox_depth(st, 5), 0);
	assert_int_equal(sg_store_mbox_total(st), 6);
	assert_int_equal(put_msg(st, 3, 9, 106, 1000, 10, big, &seq), SG_STORE_OK);
	assert_int_equal(seq, 6);       /* goes on after the highest stored */
	assert_int_equal(put_msg(st, 4, 9, 106, 1000, 10, big, &seq), SG_STORE_OK);
	assert_int_equal(seq, 2);
	commit_ok(st);
	assert_int_equal(each(st, 3, 5, 64, &s), 1);
	assert_int_equal(s.seq[0], 6);
	sg_store_close(st);
	check_indexes(8);
}

static void test_mbox_bad_args(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	uint8_t body[SG_STORE_BODY_MAX + 1];

	(void)state;
	st = open_ok(&o);
	assert_int_equal(put_small(st, 0, 1, 1, 10), -1);
	assert_int_equal(put_small(st, 1001, 1, 1, 10), -1);
	assert_int_equal(put_msg(st, 1, 1, 1, 10, sizeof(body), body, NULL), -1);
	assert_int_equal(sg_store_pending(st), 0);
	/* An argument error leaves the open batch alone. */
	assert_int_equal(put_small(st, 1, 1, 1, 10), SG_STORE_OK);
	assert_int_equal(put_small(st, 0, 1, 1, 10), -1);
	assert_int_equal(sg_store_pending(st), 1);
	assert_int_equal(sg_store_aborted(st), 0);
	assert_int_equal(sg_store_mbox_ack(st, 0, 1, 1, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(sg_store_mbox_depth(st, 1001), 0);
	commit_ok(st);
	sg_store_close(st);
}

static void test_mbox_each_committed_only(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	struct seen s;

	(void)state;
	st = open_ok(&o);
	assert_int_equal(put_small(st, 7, 1, 1, 1000), SG_STORE_OK);
	assert_int_equal(sg_store_mbox_depth(st, 7), 1);
	assert_int_equal(sg_store_mbox_total(st), 1);
	assert_int_equal(each(st, 7, 0, 64, &s), 0);
	commit_ok(st);
	assert_int_equal(each(st, 7, 0, 64, &s), 1);
	/* An ack in the open batch: the committed message is still read. */
	assert_int_equal(sg_store_mbox_ack(st, 7, 1, 1, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(sg_store_mbox_depth(st, 7), 0);
	assert_int_equal(each(st, 7, 0, 64, &s), 1);
	commit_ok(st);
	assert_int_equal(each(st, 7, 0, 64, &s), 0);
	/* Closing with an open batch loses it. */
	assert_int_equal(put_small(st, 7, 1, 2, 1000), SG_STORE_OK);
	sg_store_close(st);
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_depth(st, 7), 0);
	assert_int_equal(each(st, 7, 0, 64, &s), 0);
	sg_store_close(st);
	check_indexes(0);
}

static void test_mbox_idempotent(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	struct seen s;
	uint8_t body[8];
	uint64_t seq;

	(void)state;
	st = open_ok(&o);
	assert_int_equal(put_msg(st, 2, 5, 77, 1000, 8, body, &seq), SG_STORE_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(put_msg(st, 2, 5, 77, 1000, 8, body, &seq), SG_STORE_OK); /* same batch */
	assert_int_equal(seq, 1);
	assert_int_equal(sg_store_pending(st), 1);
	commit_ok(st);
	assert_int_equal(put_msg(st, 2, 5, 77, 1000, 8, body, &seq), SG_STORE_OK); /* committed */
	assert_int_equal(seq, 1);
	/* Same message id from another sender, or to another recipient: new messages. */
	assert_int_equal(put_msg(st, 2, 6, 77, 1000, 8, body, &seq), SG_STORE_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(put_msg(st, 3, 5, 77, 1000, 8, body, &seq), SG_STORE_OK);
	assert_int_equal(seq, 1);
	commit_ok(st);
	assert_int_equal(sg_store_mbox_depth(st, 2), 2);
	assert_int_equal(sg_store_mbox_total(st), 3);
	assert_int_equal(each(st, 2, 0, 64, &s), 2);
	sg_store_close(st);
	check_indexes(3);
}

static void test_mbox_caps(void **state)
{
	/* per user 3, total 5: recipient, sender, id, expected result. */
	static const struct {
		uint64_t r, id;
		int rc;
	} t[] = {
		{ 1, 1, SG_STORE_OK }, { 1, 2, SG_STORE_OK }, { 1, 3, SG_STORE_OK },
		{ 1, 4, SG_STORE_FULL_USER }, { 1, 1, SG_STORE_OK },  /* a retry is not refused */
		{ 2, 1, SG_STORE_OK }, { 2, 2, SG_STORE_OK },
		{ 2, 3, SG_STORE_FULL_TOTAL }, { 3, 1, SG_STORE_FULL_TOTAL },
		{ 1, 5, SG_STORE_FULL_USER },
	};
	struct sg_store_opts o = opts(1);
	struct sg_store *st;

	(void)state;
	o.mbox_per_user = 3;
	o.mbox_total = 5;
	st = open_ok(&o);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = put_small(st, t[i].r, 9, t[i].id, 1000);

		if (rc != t[i].rc)
			fail_msg("row %u: %d, want %d", i, rc, t[i].rc);
		if (i == 4)
			commit_ok(st);
	}
	assert_int_equal(sg_store_mbox_total(st), 5);
	commit_ok(st);
	/* An ack makes room, in the same batch. */
	assert_int_equal(sg_store_mbox_ack(st, 1, 9, 2, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(put_small(st, 3, 9, 1, 1000), SG_STORE_OK);
	assert_int_equal(put_small(st, 3, 9, 2, 1000), SG_STORE_FULL_TOTAL);
	commit_ok(st);
	sg_store_close(st);
	/* The caps hold after a reopen (counts rebuilt). */
	o.init = 0;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_total(st), 5);
	assert_int_equal(put_small(st, 4, 9, 1, 1000), SG_STORE_FULL_TOTAL);
	sg_store_close(st);
	check_indexes(5);
}

static void test_mbox_ack(void **state)
{
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	struct seen s;

	(void)state;
	st = open_ok(&o);
	for (unsigned i = 1; i <= 4; i++)
		assert_int_equal(put_small(st, 8, 1, i, 1000 + i), SG_STORE_OK);
	commit_ok(st);
	assert_int_equal(sg_store_mbox_ack(st, 8, 1, 2, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(sg_store_mbox_depth(st, 8), 3);
	assert_int_equal(sg_store_mbox_total(st), 3);
	assert_int_equal(sg_store_pending(st), 1);
	assert_int_equal(sg_store_mbox_ack(st, 8, 1, 2, errbuf, sizeof(errbuf)), 0); /* again */
	assert_int_equal(sg_store_mbox_ack(st, 8, 2, 1, errbuf, sizeof(errbuf)), 0); /* sender */
	assert_int_equal(sg_store_mbox_ack(st, 9, 1, 1, errbuf, sizeof(errbuf)), 0); /* recipient */
	/* A message put and acked in one batch. */
	assert_int_equal(put_small(st, 8, 1, 9, 1000), SG_STORE_OK);
	assert_int_equal(sg_store_mbox_ack(st, 8, 1, 9, errbuf, sizeof(errbuf)), 1);
	commit_ok(st);
	assert_int_equal(each(st, 8, 0, 64, &s), 3);
	assert_int_equal(s.id[0], 1);
	assert_int_equal(s.id[1], 3);
	assert_int_equal(s.id[2], 4);
	sg_store_close(st);
	check_indexes(3);
	o.init = 0;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_depth(st, 8), 3);
	/* Acked id may be stored again (a new message with a reused id). */
	assert_int_equal(put_small(st, 8, 1, 2, 1000), SG_STORE_OK);
	commit_ok(st);
	assert_int_equal(each(st, 8, 4, 64, &s), 1);
	sg_store_close(st);
}

struct expired {
	unsigned n;
	struct sg_store_msg m[16];
};

static void expire_cb(void *arg, const struct sg_store_msg *m)
{
	struct expired *e = arg;

	assert_true(e->n < 16);
	assert_null(m->body);
	e->m[e->n++] = *m;
}

static void test_mbox_expire(void **state)
{
	/* recipient, id, expires */
	static const uint64_t msgs[][3] = {
		{ 1, 1, 300 }, { 2, 2, 100 }, { 1, 3, 200 }, { 3, 4, 200 }, { 2, 5, 400 },
	};
	/* now, max, expected count, expected ids (in expiry order) */
	static const struct {
		uint64_t now;
		unsigned max, n;
		uint64_t ids[3];
	} t[] = {
		{ 99, 10, 0, { 0 } },
		{ 199, 10, 1, { 2 } },          /* not those at 200 yet */
		{ 200, 1, 1, { 3 } },           /* due at now == expires; at most max */
		{ 200, 0, 0, { 0 } },
		{ 200, 10, 1, { 4 } },
		{ 200, 10, 0, { 0 } },
		{ 1000, 10, 2, { 1, 5 } },
	};
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	struct expired e;
	struct seen s;
	uint8_t body[20];

	(void)state;
	st = open_ok(&o);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(put_msg(st, msgs[i][0], 6, msgs[i][1], msgs[i][2], 20, body, NULL),
				 SG_STORE_OK);
	commit_ok(st);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n;

		memset(&e, 0, sizeof(e));
		n = sg_store_mbox_expire(st, t[i].now, t[i].max, expire_cb, &e, errbuf,
					 sizeof(errbuf));
		if (n != (int)t[i].n)
			fail_msg("row %u: %d expired, want %u", i, n, t[i].n);
		for (unsigned j = 0; j < t[i].n; j++) {
			assert_int_equal(e.m[j].msg_id, t[i].ids[j]);
			assert_int_equal(e.m[j].sender, 6);
			assert_int_equal(e.m[j].len, 20);
			assert_int_equal(e.m[j].class, 2);
			assert_int_equal(e.m[j].flags, (uint8_t)t[i].ids[j]);
			assert_true(e.m[j].expires <= t[i].now);
		}
		if (i == 2) {
			/* Commit midway: the rest are still there after a reopen. */
			commit_ok(st);
			sg_store_close(st);
			check_indexes(3);
			st = open_ok(&o);
			assert_int_equal(sg_store_mbox_total(st), 3);
			assert_int_equal(sg_store_mbox_depth(st, 1), 1);
			assert_int_equal(sg_store_mbox_depth(st, 2), 1);
			assert_int_equal(sg_store_mbox_depth(st, 3), 1);
			assert_int_equal(each(st, 1, 0, 64, &s), 1);
			assert_int_equal(s.id[0], 1);
		}
	}
	/* A NULL callback is fine. */
	assert_int_equal(put_small(st, 4, 6, 9, 5), SG_STORE_OK);
	assert_int_equal(sg_store_mbox_expire(st, 5, 10, NULL, NULL, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(sg_store_mbox_total(st), 0);
	commit_ok(st);
	sg_store_close(st);
	check_indexes(0);
}

/* Flip one byte of record (recipient 5, seq 2) with a raw write. */
static void tamper(size_t at, int truncate)
{
	uint8_t key[16], buf[2048];
	MDB_val k = { sizeof(key), key }, v;
	struct raw r;
	MDB_dbi d;

	put_be64(key, 5);
	put_be64(key + 8, 2);
	raw_begin(&r);
	d = raw_dbi(&r, "mbox", 0);
	assert_int_equal(mdb_get(r.txn, d, &k, &v), 0);
	assert_true(v.mv_size <= sizeof(buf) && at < v.mv_size);
	memcpy(buf, v.mv_data, v.mv_size);
	buf[at] ^= 0x20;
	raw_put(&r, d, key, sizeof(key), buf, truncate ? at : v.mv_size);
	raw_end(&r);
}

static void test_mbox_tampered(void **state)
{
	/* Header 32, nonce 24, body 40, tag 16. */
	static const struct {
		size_t at;
		int truncate;
	} t[] = {
		{ 1, 0 },      /* class, in the clear header (ad) */
		{ 8, 0 },      /* sender */
		{ 40, 0 },     /* nonce */
		{ 60, 0 },     /* sealed body */
		{ 100, 0 },    /* tag */
		{ 4, 0 },      /* length field: the record's size no longer fits */
		{ 0, 0 },      /* version */
		{ 70, 1 },     /* cut short */
	};
	struct sg_store_opts o = opts(1);

	(void)state;
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sg_store *st;
		struct seen s;
		uint8_t body[40];

		test_setup(state);
		o.init = 1;
		st = open_ok(&o);
		for (unsigned j = 1; j <= 3; j++)
			assert_int_equal(put_msg(st, 5, 1, j, 1000, 40, body, NULL), SG_STORE_OK);
		commit_ok(st);
		sg_store_close(st);
		tamper(t[i].at, t[i].truncate);
		o.init = 0;
		st = open_ok(&o);
		assert_int_equal(sg_store_mbox_depth(st, 5), 3);
		assert_int_equal(each(st, 5, 0, 64, &s), 2);
		assert_int_equal(s.seq[0], 1);
		assert_int_equal(s.seq[1], 3);
		assert_int_equal(sg_store_mbox_bad(st), 1);
		/* An ack still removes it (by the index, not the record). */
		assert_int_equal(sg_store_mbox_ack(st, 5, 1, 2, errbuf, sizeof(errbuf)), 1);
		commit_ok(st);
		assert_int_equal(sg_store_mbox_depth(st, 5), 2);
		assert_int_equal(each(st, 5, 0, 64, &s), 2);
		assert_int_equal(sg_store_mbox_bad(st), 1);
		sg_store_close(st);
		check_indexes(2);
	}
}

/* A map too small: the batch that does not fit is lost whole, counts restored. */
static void test_map_full(void **state)
{
	struct sg_store_opts o = opts(1);
	uint8_t body[SG_STORE_BODY_MAX];
	struct sg_store *st;
	uint64_t committed = 0;
	unsigned i, failed = 0;
	struct seen s;

	(void)state;
	o.map_bytes = 256 * 1024;
	o.mbox_per_user = 10000;
	o.mbox_total = 100000;
	st = open_ok(&o);
	/* Batches of 10 large messages until one fails, in a put or its commit. */
	for (i = 0; i < 1000 && !failed; i++) {
		for (unsigned j = 0; j < 10; j++) {
			int rc = put_msg(st, 1 + j, 2, i, 1000, sizeof(body), body, NULL);

			if (rc < 0) {
				failed = 1;
				break;
			}
			assert_int_equal(rc, SG_STORE_OK);
		}
		committed = sg_store_mbox_total(st) - sg_store_pending(st);
		if (!failed && sg_store_commit(st, errbuf, sizeof(errbuf)) != 0)
			failed = 2;
		if (!failed)
			committed = sg_store_mbox_total(st);
	}
	assert_true(failed);
	assert_non_null(strstr(errbuf, "store full (map_bytes 262144)"));
	assert_non_null(strstr(errbuf, "lost"));
	assert_int_equal(sg_store_aborted(st), 1);
	assert_int_equal(sg_store_pending(st), 0);
	assert_int_equal(sg_store_open_since_ns(st), 0);
	assert_true(committed > 0);
	assert_int_equal(sg_store_mbox_total(st), committed);
	/* Reads go on; what was committed is there, the lost batch is not. */
	assert_int_equal(each(st, 1, 0, 64, &s), committed / 10);
	sg_store_close(st);
	o.init = 0;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_total(st), committed);
	for (unsigned j = 1; j <= 10; j++)
		assert_int_equal(sg_store_mbox_depth(st, j), committed / 10);
	sg_store_close(st);
	check_indexes(committed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_creates, test_setup),
		cmocka_unit_test_setup(test_missing_without_init, test_setup),
		cmocka_unit_test_setup(test_foreign_file_refused, test_setup),
		cmocka_unit_test_setup(test_foreign_lmdb_refused, test_setup),
		cmocka_unit_test_setup(test_empty_lmdb_is_no_store, test_setup),
		cmocka_unit_test_setup(test_bad_opts, test_setup),
		cmocka_unit_test_setup(test_users_reload_in_order, test_setup),
		cmocka_unit_test_setup(test_user_record_malformed, test_setup),
		cmocka_unit_test_setup(test_meta, test_setup),
		cmocka_unit_test_setup(test_mbox_order_and_reopen, test_setup),
		cmocka_unit_test_setup(test_mbox_bad_args, test_setup),
		cmocka_unit_test_setup(test_mbox_each_committed_only, test_setup),
		cmocka_unit_test_setup(test_mbox_idempotent, test_setup),
		cmocka_unit_test_setup(test_mbox_caps, test_setup),
		cmocka_unit_test_setup(test_mbox_ack, test_setup),
		cmocka_unit_test_setup(test_mbox_expire, test_setup),
		cmocka_unit_test_setup(test_mbox_tampered, test_setup),
		cmocka_unit_test_setup(test_map_full, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
