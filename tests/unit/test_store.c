/* SPDX-License-Identifier: MIT */
/*
 * test_store.c - the durable store (control/store.c): opening, users and
 * metadata, each test in its own directory (store_testutil.h).
 *
 * Opening: init creates (0700 directory, 0600 files); a missing store
 * without init fails and says to start with --store-init; garbage, an empty
 * data.mdb, an LMDB without surge metadata and another format version are
 * refused and left byte for byte as they were; an empty LMDB counts as no
 * store.  Users reload in id order with every field; a malformed user
 * record is an error naming it.  Metadata round-trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_testutil.h"

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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
