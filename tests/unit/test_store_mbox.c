/* SPDX-License-Identifier: MIT */
/*
 * test_store_mbox.c - the store's mailboxes (control/store_mbox.c), each
 * test in its own directory (store_testutil.h): seq order across commits
 * and a reopen, each sees committed messages only, idempotent puts,
 * per-user and total caps, acks, expiry (only what is due, at most max,
 * soonest first), depths after a reopen, tampered records skipped and
 * counted, a full map losing the batch and restoring the counts, the
 * recipients with mail and the expiry span.  After
 * each the three mailbox databases hold as many entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_testutil.h"

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

/*
 * Recipients with mail and the expiry span, through puts, an ack, expiry
 * and a reopen; the span of one mailbox is bounded by max, in seq order.
 */
static void test_mbox_users_and_span(void **state)
{
	/* recipient, id, expires */
	static const uint64_t msgs[][3] = {
		{ 1, 1, 300 }, { 2, 2, 100 }, { 1, 3, 200 }, { 3, 4, 250 }, { 1, 5, 400 },
	};
	struct sg_store_opts o = opts(1);
	struct sg_store *st;
	uint64_t first, last;
	uint8_t body[8] = { 0 };

	(void)state;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_users(st), 0);
	assert_int_equal(sg_store_mbox_span(st, 0, 1, &first, &last, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, 0);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(put_msg(st, msgs[i][0], 6, msgs[i][1], msgs[i][2], 8, body, NULL),
				 SG_STORE_OK);
	assert_int_equal(sg_store_mbox_users(st), 3);
	/* The open batch counts for the span too. */
	assert_int_equal(sg_store_mbox_span(st, 0, 1, &first, &last, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(first, 100);
	assert_int_equal(last, 400);
	commit_ok(st);
	assert_int_equal(sg_store_mbox_span(st, 1, 64, &first, &last, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(first, 200);
	assert_int_equal(last, 400);
	/* At most max records, the oldest (lowest seq) first: ids 1 and 3. */
	assert_int_equal(sg_store_mbox_span(st, 1, 2, &first, &last, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(first, 200);
	assert_int_equal(last, 300);
	assert_int_equal(sg_store_mbox_span(st, 4, 64, &first, &last, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(sg_store_mbox_span(st, 1001, 64, &first, &last, errbuf, sizeof(errbuf)),
			 0);
	/* Recipient 2's only message acked, 3's expired: 1 left with mail. */
	assert_int_equal(sg_store_mbox_ack(st, 2, 6, 2, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(sg_store_mbox_users(st), 2);
	assert_int_equal(sg_store_mbox_expire(st, 250, 10, NULL, NULL, errbuf, sizeof(errbuf)), 2);
	assert_int_equal(sg_store_mbox_users(st), 1);
	assert_int_equal(sg_store_mbox_depth(st, 1), 2);
	commit_ok(st);
	assert_int_equal(sg_store_mbox_span(st, 0, 1, &first, &last, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(first, 300);
	assert_int_equal(last, 400);
	sg_store_close(st);
	o.init = 0;
	st = open_ok(&o);
	assert_int_equal(sg_store_mbox_users(st), 1);
	sg_store_close(st);
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
/* The map's use as the operator sees it (stats: store_map_used_bytes). */
static void test_map_use(void **state)
{
	struct sg_store_opts o = opts(1);
	uint8_t body[SG_STORE_BODY_MAX];
	uint64_t map, used0, used1;
	struct sg_store *st;

	(void)state;
	o.map_bytes = 256 * 1024;
	st = open_ok(&o);
	sg_store_map_use(st, &map, &used0);
	assert_int_equal(map, 256 * 1024);
	assert_true(used0 > 0 && used0 < map / 4);
	memset(body, 7, sizeof(body));
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(put_msg(st, 1, 2, i, 1000, sizeof(body), body, NULL), SG_STORE_OK);
	assert_int_equal(sg_store_commit(st, errbuf, sizeof(errbuf)), 0);
	sg_store_map_use(st, &map, &used1);
	assert_true(used1 >= used0 + 8 * sizeof(body)); /* it follows what is written */
	sg_store_close(st);
}

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
	{
		uint64_t map, used;

		sg_store_map_use(st, &map, &used);
		assert_true(used > map / 2); /* what the operator sees before it is full */
	}
	assert_non_null(strstr(errbuf, "store full (map_bytes 262144)"));
	assert_non_null(strstr(errbuf, "lost"));
	assert_int_equal(sg_store_aborted(st), 1);
	assert_int_equal(sg_store_pending(st), 0);
	assert_int_equal(sg_store_open_since_ns(st), 0);
	assert_true(committed > 0);
	assert_int_equal(sg_store_mbox_total(st), committed);
	assert_int_equal(sg_store_mbox_users(st), 10); /* the lost batch's users are back */
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
		cmocka_unit_test_setup(test_mbox_order_and_reopen, test_setup),
		cmocka_unit_test_setup(test_mbox_bad_args, test_setup),
		cmocka_unit_test_setup(test_mbox_each_committed_only, test_setup),
		cmocka_unit_test_setup(test_mbox_idempotent, test_setup),
		cmocka_unit_test_setup(test_mbox_caps, test_setup),
		cmocka_unit_test_setup(test_mbox_ack, test_setup),
		cmocka_unit_test_setup(test_mbox_expire, test_setup),
		cmocka_unit_test_setup(test_mbox_users_and_span, test_setup),
		cmocka_unit_test_setup(test_mbox_tampered, test_setup),
		cmocka_unit_test_setup(test_map_use, test_setup),
		cmocka_unit_test_setup(test_map_full, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
