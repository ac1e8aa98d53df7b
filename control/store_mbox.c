/* SPDX-License-Identifier: MIT */
/*
 * store_mbox.c - the store's mailboxes (store.h; layouts and invariants at
 * the top of store.c): records keyed by recipient and seq, sealed with the
 * spool key; the id index for acknowledgements and idempotent puts; the
 * expiry index, so that expiry costs what expires; per-recipient depth
 * counts kept in memory and journaled per batch.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/err.h"
#include "control/store.h"
#include "control/store_int.h"
#include "crypto/crypto.h"
#include "crypto/spool.h"
#include "proto/bytes.h"
#include "proto/status.h"

/* depth, total and next_seq from one pass over mbox. */
int sg_store_mbox_scan(struct sg_store *st, char *err, size_t errlen)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if (sg_store_read_begin(st, &txn, err, errlen))
		return -1;
	rc = mdb_cursor_open(txn, st->mbox, &cur);
	if (rc) {
		sg_store_read_end(st, txn);
		return sg_seterr(err, errlen, "store: mailbox scan: %s", mdb_strerror(rc));
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t r, seq;

		if (k.mv_size != REC_KEY_LEN) {
			rc = -1;
			sg_seterr(err, errlen, "store %s: mailbox key of %zu bytes (want %d):"
			     " the store is damaged; restore it", st->dir, k.mv_size, REC_KEY_LEN);
			break;
		}
		r = be64(k.mv_data);
		seq = be64((const uint8_t *)k.mv_data + 8);
		if (r == 0 || r > st->max_users) {
			rc = -1;
			sg_seterr(err, errlen, "store %s: mailbox of user %llu, above max_users %u:"
			     " raise max_users", st->dir, (unsigned long long)r, st->max_users);
			break;
		}
		depth_inc(st, r);
		st->total++;
		st->next_seq[r] = seq + 1;      /* keys ascend: the last is the highest */
	}
	mdb_cursor_close(cur);
	sg_store_read_end(st, txn);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc > 0)
		sg_seterr(err, errlen, "store: mailbox scan: %s", mdb_strerror(rc));
	return -1;
}

static void rec_key(uint8_t k[REC_KEY_LEN], uint64_t r, uint64_t seq)
{
	put_be64(k, r);
	put_be64(k + 8, seq);
}

static void id_key(uint8_t k[ID_KEY_LEN], uint64_t r, uint64_t sender, uint64_t msg_id)
{
	put_be64(k, r);
	put_be64(k + 8, sender);
	put_be64(k + 16, msg_id);
}

static void exp_key(uint8_t k[EXP_KEY_LEN], uint64_t expires, uint64_t r, uint64_t seq)
{
	put_be64(k, expires);
	put_be64(k + 8, r);
	put_be64(k + 16, seq);
}

static void rec_header(uint8_t h[REC_HDR_LEN], const struct sg_store_msg *m)
{
	memset(h, 0, REC_HDR_LEN);
	h[0] = REC_VERSION;
	h[1] = m->class;
	h[2] = m->flags;
	sg_put_le16(h + 4, m->len);
	sg_put_le64(h + 8, m->sender);
	sg_put_le64(h + 16, m->msg_id);
	sg_put_le64(h + 24, m->expires);
}

/* Header fields of a record; 0, or -1 when its size or version is wrong. */
static int rec_parse(struct sg_store_msg *m, const MDB_val *v)
{
	const uint8_t *h = v->mv_data;

	if (v->mv_size < REC_HDR_LEN + SG_SPOOL_OVERHEAD || h[0] != REC_VERSION)
		return -1;
	m->class = h[1];
	m->flags = h[2];
	m->len = sg_le16(h + 4);
	m->sender = sg_le64(h + 8);
	m->msg_id = sg_le64(h + 16);
	m->expires = sg_le64(h + 24);
	if (m->len > SG_STORE_BODY_MAX ||
	    v->mv_size != (size_t)REC_HDR_LEN + SG_SPOOL_OVERHEAD + m->len)
		return -1;
	return 0;
}

int sg_store_mbox_put(struct sg_store *st, struct sg_store_msg *m, char *err, size_t errlen)
{
	uint8_t rk[REC_KEY_LEN], ik[ID_KEY_LEN], ek[EXP_KEY_LEN], idv[ID_VAL_LEN], ev[EXP_VAL_LEN];
	uint8_t ad[REC_AD_LEN];
	uint64_t r = m->recipient, seq;
	MDB_val k, v;
	uint8_t *rec;
	int rc;

	if (r == 0 || r > st->max_users)
		return sg_seterr(err, errlen, "store: recipient %llu not in 1..%u",
			    (unsigned long long)r, st->max_users);
	if (m->len > SG_STORE_BODY_MAX || (m->len && !m->body))
		return sg_seterr(err, errlen, "store: body of %u bytes (at most %d)", m->len,
			    SG_STORE_BODY_MAX);
	if (sg_store_batch_begin(st, err, errlen))
		return -1;
	id_key(ik, r, m->sender, m->msg_id);
	k = val(ik, sizeof(ik));
	rc = mdb_get(st->wtxn, st->mbox_id, &k, &v);
	if (rc == 0 && v.mv_size == ID_VAL_LEN) {
		m->seq = sg_le64(v.mv_data);     /* a retry: already stored */
		return SG_STORE_OK;
	}
	if (rc == 0)
		return sg_seterr(err, errlen, "store: mailbox index entry of %zu bytes for user %llu:"
			    " the store is damaged", v.mv_size, (unsigned long long)r);
	if (rc != MDB_NOTFOUND)
		return sg_store_batch_fail(st, rc, "mailbox lookup", err, errlen);
	if (st->depth[r] >= st->per_user)
		return SG_STORE_FULL_USER;
	if (st->total >= st->total_cap)
		return SG_STORE_FULL_TOTAL;
	if (sg_store_journal_reserve(st, 1))
		return sg_seterr(err, errlen, "store: out of memory");

	seq = st->next_seq[r] ? st->next_seq[r] : 1;
	rec_key(rk, r, seq);
	k = val(rk, sizeof(rk));
	v = val(NULL, (size_t)REC_HDR_LEN + SG_SPOOL_OVERHEAD + m->len);
	rc = mdb_put(st->wtxn, st->mbox, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
	if (rc)
		return sg_store_batch_fail(st, rc, "mailbox put", err, errlen);
	rec = v.mv_data;                        /* fill it before any other LMDB call */
	rec_header(rec, m);
	memcpy(ad, rk, REC_KEY_LEN);
	memcpy(ad + REC_KEY_LEN, rec, REC_HDR_LEN);
	sg_spool_seal(st->spool_key, ad, sizeof(ad), m->body, m->len, rec + REC_HDR_LEN);

	sg_put_le64(idv, seq);
	sg_put_le64(idv + 8, m->expires);
	k = val(ik, sizeof(ik));
	v = val(idv, sizeof(idv));
	rc = mdb_put(st->wtxn, st->mbox_id, &k, &v, MDB_NOOVERWRITE);
	if (rc)
		return sg_store_batch_fail(st, rc, "mailbox index put", err, errlen);
	exp_key(ek, m->expires, r, seq);
	sg_put_le64(ev, m->sender);
	sg_put_le64(ev + 8, m->msg_id);
	k = val(ek, sizeof(ek));
	v = val(ev, sizeof(ev));
	rc = mdb_put(st->wtxn, st->mbox_exp, &k, &v, 0);
	if (rc)
		return sg_store_batch_fail(st, rc, "mailbox expiry put", err, errlen);

	st->next_seq[r] = seq + 1;
	depth_inc(st, r);
	st->total++;
	st->journal[st->jn++] = (uint32_t)r;
	st->pending++;
	m->seq = seq;
	return SG_STORE_OK;
}

/*
 * Delete one record and its two index entries (the one found by the caller
 * is deleted by it).  Counts follow the record; a missing index entry is
 * counted in bad.  0, or -1 (batch lost).
 */
static int remove_rest(struct sg_store *st, uint64_t r, uint64_t seq, MDB_dbi dbi,
		       MDB_val *k2, char *err, size_t errlen)
{
	uint8_t rk[REC_KEY_LEN];
	MDB_val k;
	int rc;

	rec_key(rk, r, seq);
	k = val(rk, sizeof(rk));
	rc = mdb_del(st->wtxn, st->mbox, &k, NULL);
	if (rc == 0) {
		depth_dec(st, r);
		st->total--;
		st->journal[st->jn++] = (uint32_t)r | J_DEL;
	} else if (rc == MDB_NOTFOUND) {
		st->bad++;
	} else {
		return sg_store_batch_fail(st, rc, "mailbox delete", err, errlen);
	}
	rc = mdb_del(st->wtxn, dbi, k2, NULL);
	if (rc == MDB_NOTFOUND)
		st->bad++;
	else if (rc)
		return sg_store_batch_fail(st, rc, "mailbox index delete", err, errlen);
	st->pending++;
	return 0;
}

int sg_store_mbox_ack(struct sg_store *st, uint64_t recipient, uint64_t sender, uint64_t msg_id,
		      char *err, size_t errlen)
{
	uint8_t ik[ID_KEY_LEN], ek[EXP_KEY_LEN];
	uint64_t seq, expires;
	MDB_val k, v, k2;
	int rc;

	if (recipient == 0 || recipient > st->max_users)
		return 0;
	if (sg_store_journal_reserve(st, 1))
		return sg_seterr(err, errlen, "store: out of memory");
	if (sg_store_batch_begin(st, err, errlen))
		return -1;
	id_key(ik, recipient, sender, msg_id);
	k = val(ik, sizeof(ik));
	rc = mdb_get(st->wtxn, st->mbox_id, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return sg_store_batch_fail(st, rc, "mailbox lookup", err, errlen);
	if (v.mv_size != ID_VAL_LEN)
		return sg_seterr(err, errlen, "store: mailbox index entry of %zu bytes for user %llu:"
			    " the store is damaged", v.mv_size, (unsigned long long)recipient);
	seq = sg_le64(v.mv_data);
	expires = sg_le64((const uint8_t *)v.mv_data + 8);
	rc = mdb_del(st->wtxn, st->mbox_id, &k, NULL);
	if (rc)
		return sg_store_batch_fail(st, rc, "mailbox index delete", err, errlen);
	exp_key(ek, expires, recipient, seq);
	k2 = val(ek, sizeof(ek));
	if (remove_rest(st, recipient, seq, st->mbox_exp, &k2, err, errlen))
		return -1;
	return 1;
}

int sg_store_mbox_expire(struct sg_store *st, uint64_t now, unsigned max,
			 void (*cb)(void *arg, const struct sg_store_msg *m), void *arg,
			 char *err, size_t errlen)
{
	uint8_t ik[ID_KEY_LEN];
	MDB_cursor *cur;
	MDB_val k, v, k2;
	unsigned n = 0;
	int rc;

	if (max == 0)
		return 0;
	if (sg_store_batch_begin(st, err, errlen))
		return -1;
	rc = mdb_cursor_open(st->wtxn, st->mbox_exp, &cur);
	if (rc)
		return sg_store_batch_fail(st, rc, "expiry cursor", err, errlen);
	while (n < max) {
		struct sg_store_msg m = { 0 };
		uint8_t rk[REC_KEY_LEN];
		MDB_val rv;

		/* Always the first: what was before it has just been deleted. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc) {
			mdb_cursor_close(cur);
			return sg_store_batch_fail(st, rc, "expiry scan", err, errlen);
		}
		if (k.mv_size != EXP_KEY_LEN || v.mv_size != EXP_VAL_LEN) {
			mdb_cursor_close(cur);
			return sg_seterr(err, errlen, "store %s: expiry entry of %zu+%zu bytes: the"
				    " store is damaged", st->dir, k.mv_size, v.mv_size);
		}
		m.expires = be64(k.mv_data);
		if (m.expires > now)
			break;
		if (sg_store_journal_reserve(st, 1))
			break;                  /* no memory: the rest next time */
		m.recipient = be64((const uint8_t *)k.mv_data + 8);
		m.seq = be64((const uint8_t *)k.mv_data + 16);
		m.sender = sg_le64(v.mv_data);
		m.msg_id = sg_le64((const uint8_t *)v.mv_data + 8);
		if (m.recipient == 0 || m.recipient > st->max_users) {
			mdb_cursor_close(cur);
			return sg_seterr(err, errlen, "store %s: expiry entry for user %llu above"
				    " max_users", st->dir, (unsigned long long)m.recipient);
		}
		rec_key(rk, m.recipient, m.seq);
		k2 = val(rk, sizeof(rk));
		if (mdb_get(st->wtxn, st->mbox, &k2, &rv) == 0) {
			struct sg_store_msg h;

			if (rec_parse(&h, &rv) == 0) {
				m.class = h.class;
				m.flags = h.flags;
				m.len = h.len;
			}
		}
		rc = mdb_cursor_del(cur, 0);
		if (rc) {
			mdb_cursor_close(cur);
			return sg_store_batch_fail(st, rc, "expiry delete", err, errlen);
		}
		id_key(ik, m.recipient, m.sender, m.msg_id);
		k2 = val(ik, sizeof(ik));
		if (remove_rest(st, m.recipient, m.seq, st->mbox_id, &k2, err, errlen))
			return -1;      /* the batch and its cursor are gone */
		n++;
		if (cb)
			cb(arg, &m);
	}
	mdb_cursor_close(cur);
	return (int)n;
}

int sg_store_mbox_each(struct sg_store *st, uint64_t recipient, uint64_t after, unsigned max,
		       int (*cb)(void *arg, const struct sg_store_msg *m), void *arg,
		       char *err, size_t errlen)
{
	uint8_t rk[REC_KEY_LEN], ad[REC_AD_LEN], body[SG_STORE_BODY_MAX];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	unsigned n = 0;
	int rc, stop = 0;

	if (recipient == 0 || recipient > st->max_users || max == 0 || after == UINT64_MAX)
		return 0;
	if (sg_store_read_begin(st, &txn, err, errlen))
		return -1;
	rc = mdb_cursor_open(txn, st->mbox, &cur);
	if (rc) {
		sg_store_read_end(st, txn);
		return sg_seterr(err, errlen, "store: mailbox read: %s", mdb_strerror(rc));
	}
	rec_key(rk, recipient, after + 1);
	k = val(rk, sizeof(rk));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max && !stop;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct sg_store_msg m;

		if (k.mv_size != REC_KEY_LEN || be64(k.mv_data) != recipient)
			break;
		m.recipient = recipient;
		m.seq = be64((const uint8_t *)k.mv_data + 8);
		if (rec_parse(&m, &v) != 0) {
			st->bad++;
			continue;
		}
		memcpy(ad, k.mv_data, REC_KEY_LEN);
		memcpy(ad + REC_KEY_LEN, v.mv_data, REC_HDR_LEN);
		if (sg_spool_open(st->spool_key, ad, sizeof(ad),
				  (const uint8_t *)v.mv_data + REC_HDR_LEN,
				  v.mv_size - REC_HDR_LEN, body) != SG_OK) {
			st->bad++;
			continue;
		}
		m.body = body;
		n++;
		stop = cb(arg, &m) != 0;
	}
	mdb_cursor_close(cur);
	sg_store_read_end(st, txn);
	sg_wipe(body, sizeof(body));
	if (rc != 0 && rc != MDB_NOTFOUND)
		return sg_seterr(err, errlen, "store: mailbox read: %s", mdb_strerror(rc));
	return (int)n;
}

uint32_t sg_store_mbox_depth(const struct sg_store *st, uint64_t recipient)
{
	if (recipient == 0 || recipient > st->max_users)
		return 0;
	return st->depth[recipient];
}

uint64_t sg_store_mbox_total(const struct sg_store *st)
{
	return st->total;
}

uint64_t sg_store_mbox_users(const struct sg_store *st)
{
	return st->with_mail;
}

/* Soonest and latest expiry in the expiry index: its first and last keys. */
static int span_all(struct sg_store *st, MDB_cursor *cur, uint64_t *first, uint64_t *last)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);

	if (rc == 0 && k.mv_size == EXP_KEY_LEN)
		*first = be64(k.mv_data);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == EXP_KEY_LEN)
		*last = be64(k.mv_data);
	(void)st;
	return rc;
}

/* Over recipient's records (headers only), at most max. */
static int span_one(struct sg_store *st, MDB_cursor *cur, uint64_t recipient, unsigned max,
		    uint64_t *first, uint64_t *last, unsigned *n)
{
	uint8_t rk[REC_KEY_LEN];
	MDB_val k, v;
	int rc;

	rec_key(rk, recipient, 0);
	k = val(rk, sizeof(rk));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && *n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct sg_store_msg m;

		if (k.mv_size != REC_KEY_LEN || be64(k.mv_data) != recipient)
			break;
		if (rec_parse(&m, &v) != 0) {
			st->bad++;
			continue;
		}
		if (*n == 0 || m.expires < *first)
			*first = m.expires;
		if (*n == 0 || m.expires > *last)
			*last = m.expires;
		(*n)++;
	}
	return rc;
}

int sg_store_mbox_span(struct sg_store *st, uint64_t recipient, unsigned max, uint64_t *first,
		       uint64_t *last, char *err, size_t errlen)
{
	MDB_txn *txn = st->wtxn;
	MDB_cursor *cur;
	unsigned n = 0;
	int rc;

	*first = *last = 0;
	if (recipient > st->max_users || max == 0)
		return 0;
	if (!txn && sg_store_read_begin(st, &txn, err, errlen))
		return -1;
	rc = mdb_cursor_open(txn, recipient ? st->mbox : st->mbox_exp, &cur);
	if (rc == 0) {
		if (recipient)
			rc = span_one(st, cur, recipient, max, first, last, &n);
		else if ((rc = span_all(st, cur, first, last)) == 0)
			n = 1;
		mdb_cursor_close(cur);
	}
	if (txn != st->wtxn)
		sg_store_read_end(st, txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return sg_seterr(err, errlen, "store: mailbox span: %s", mdb_strerror(rc));
	return n ? 1 : 0;
}

uint64_t sg_store_mbox_bad(const struct sg_store *st)
{
	return st->bad;
}
