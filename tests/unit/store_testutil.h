/* SPDX-License-Identifier: MIT */
/*
 * store_testutil.h - what test_store.c and test_store_mbox.c share: a
 * temporary directory per test under a mkdtemp one in /tmp (removed at the
 * end), store options, opening and committing, raw LMDB access (to damage
 * or count what the store wrote) and small mailbox helpers.  Include once,
 * after cmocka.h.
 */
#ifndef SG_TESTS_STORE_TESTUTIL_H
#define SG_TESTS_STORE_TESTUTIL_H

#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/store.h"
#include "crypto/crypto.h"

static char base[] = "/tmp/sg-test-store-XXXXXX";
static char dir[128];
static char errbuf[512];
static unsigned dir_n;

/* --- helpers ----------------------------------------------------------- */

static inline int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int group_setup(void **state)
{
	(void)state;
	if (sg_crypto_init() != 0)
		return -1;
	return mkdtemp(base) ? 0 : -1;
}

static inline int group_teardown(void **state)
{
	(void)state;
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh, not yet existing directory name for each test. */
static inline int test_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/s%u", base, dir_n++);
	errbuf[0] = '\0';
	return 0;
}

static inline struct sg_store_opts opts(int init)
{
	struct sg_store_opts o = {
		.dir = dir, .init = init, .max_users = 1000, .mbox_per_user = 64,
		.mbox_total = 1000, .nosync = 1,
	};

	return o;
}

static inline struct sg_store *open_ok(const struct sg_store_opts *o)
{
	struct sg_store *st = NULL;
	int rc = sg_store_open(&st, o, errbuf, sizeof(errbuf));

	if (rc != 0)
		print_message("open: %s\n", errbuf);
	assert_int_equal(rc, 0);
	assert_non_null(st);
	return st;
}

static inline void open_refused(int init, const char *msg1, const char *msg2)
{
	struct sg_store_opts o = opts(init);
	struct sg_store *st = (struct sg_store *)1;

	errbuf[0] = '\0';
	assert_int_equal(sg_store_open(&st, &o, errbuf, sizeof(errbuf)), -1);
	assert_null(st);
	if (!strstr(errbuf, msg1) || (msg2 && !strstr(errbuf, msg2)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", errbuf, msg1, msg2 ? msg2 : "");
}

static inline void commit_ok(struct sg_store *st)
{
	int rc = sg_store_commit(st, errbuf, sizeof(errbuf));

	if (rc)
		print_message("commit: %s\n", errbuf);
	assert_int_equal(rc, 0);
}

static inline void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* Whole file into a malloc'd buffer; *n its size. */
static inline uint8_t *slurp(const char *name, size_t *n)
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

static inline void write_file(const char *name, const void *p, size_t n)
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

static inline void raw_begin(struct raw *r)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(r->env, 1u << 24), 0);
	assert_int_equal(mdb_env_open(r->env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
}

static inline MDB_dbi raw_dbi(struct raw *r, const char *name, unsigned flags)
{
	MDB_dbi d;

	assert_int_equal(mdb_dbi_open(r->txn, name, flags, &d), 0);
	return d;
}

static inline void raw_put(struct raw *r, MDB_dbi d, const void *k, size_t kn, const void *v,
			   size_t vn)
{
	MDB_val kv = { kn, (void *)k }, vv = { vn, (void *)v };

	assert_int_equal(mdb_put(r->txn, d, &kv, &vv, 0), 0);
}

static inline void raw_end(struct raw *r)
{
	assert_int_equal(mdb_txn_commit(r->txn), 0);
	mdb_env_close(r->env);
}

static inline size_t raw_entries(struct raw *r, const char *name)
{
	MDB_stat ms;

	assert_int_equal(mdb_stat(r->txn, raw_dbi(r, name, 0), &ms), 0);
	return ms.ms_entries;
}

/* With the store closed: the three mailbox databases agree on the count. */
static inline void check_indexes(size_t want)
{
	struct raw r;

	raw_begin(&r);
	assert_int_equal(raw_entries(&r, "mbox"), want);
	assert_int_equal(raw_entries(&r, "mbox_id"), want);
	assert_int_equal(raw_entries(&r, "mbox_exp"), want);
	raw_end(&r);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A message whose body is derived from its ids; body[] must outlive the put. */
static inline int put_msg(struct sg_store *st, uint64_t r, uint64_t sender, uint64_t id,
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

static inline int put_small(struct sg_store *st, uint64_t r, uint64_t sender, uint64_t id,
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

static inline int each_cb(void *arg, const struct sg_store_msg *m)
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

static inline int each(struct sg_store *st, uint64_t r, uint64_t after, unsigned max,
		       struct seen *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sg_store_mbox_each(st, r, after, max, each_cb, s, errbuf, sizeof(errbuf));
	if (rc >= 0)
		assert_int_equal((unsigned)rc, s->n);
	return rc;
}

/* --- opening ----------------------------------------------------------- */

#endif /* SG_TESTS_STORE_TESTUTIL_H */
