/* SPDX-License-Identifier: MIT */
/*
 * store_int.h - what store.c (environment, batches, users, metadata) and
 * store_mbox.c (mailboxes) share inside the store: the struct, the record
 * layouts (store.c's top comment) and the batch and read helpers.  Not for
 * anyone outside the store: they use store.h.
 */
#ifndef SG_CONTROL_STORE_INT_H
#define SG_CONTROL_STORE_INT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "control/store.h"
#include "crypto/spool.h"

enum {
	USER_VERSION = 1,
	USER_VAL_LEN = 1 + SG_KEY_LEN + SG_TAI64N_LEN + 8 + 8,   /* 61 */
	REC_VERSION = 1,
	REC_HDR_LEN = 32,
	REC_KEY_LEN = 16,
	REC_AD_LEN = REC_KEY_LEN + REC_HDR_LEN,
	REC_MAX_LEN = REC_HDR_LEN + SG_SPOOL_OVERHEAD + SG_STORE_BODY_MAX,
	ID_KEY_LEN = 24,
	ID_VAL_LEN = 16,
	EXP_KEY_LEN = 24,
	EXP_VAL_LEN = 16,
	META_KEY_MAX = 4 + SG_STORE_META_NAME_MAX,
	MAX_USERS_LIMIT = 1u << 30,
};

#define J_DEL (1u << 31)            /* journal entry: a record removed */
#define DEFAULT_MAP_BYTES (1ull << 30)
#define DEFAULT_PER_USER 256u
#define DEFAULT_TOTAL 1000000ull
#define META_APP_PREFIX "app."

struct sg_store {
	MDB_env *env;
	MDB_dbi meta, users, mbox, mbox_id, mbox_exp;
	MDB_txn *wtxn;              /* the open batch, or NULL */
	MDB_txn *rtxn;              /* a reset read-only txn kept for reuse, or NULL */
	int rtxn_busy;              /* rtxn is in use (a callback may read again) */
	uint64_t open_since_ns;
	unsigned pending;
	uint32_t max_users, per_user;
	uint64_t total_cap, total, total_at_begin;
	uint64_t map_bytes;
	uint32_t *depth;            /* [max_users + 1] */
	uint64_t with_mail;         /* recipients whose depth is above 0 */
	uint64_t *next_seq;         /* [max_users + 1]; 0: 1 */
	uint32_t *journal;          /* recipient | J_DEL, per count change in the batch */
	size_t jn, jcap;
	uint64_t aborted, bad;
	uint8_t *spool_key;         /* SG_KEY_LEN bytes in sg_secure_alloc memory */
	char dir[256];
};

static inline void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline MDB_val val(const void *p, size_t n)
{
	MDB_val v = { .mv_size = n, .mv_data = (void *)p };

	return v;
}

/* depth[r] one up or down; with_mail follows it across 0. */
static inline void depth_inc(struct sg_store *st, uint64_t r)
{
	if (st->depth[r]++ == 0)
		st->with_mail++;
}

static inline void depth_dec(struct sg_store *st, uint64_t r)
{
	if (--st->depth[r] == 0)
		st->with_mail--;
}

/* The open batch (a write transaction), begun when there is none.  0 or -1. */
int sg_store_batch_begin(struct sg_store *st, char *err, size_t errlen);
/* A storage error inside the batch: abort it whole, restore the counts.  -1. */
int sg_store_batch_fail(struct sg_store *st, int rc, const char *what, char *err, size_t errlen);
/* Room for n more journal entries (count changes of the batch).  0 or -1. */
int sg_store_journal_reserve(struct sg_store *st, size_t n);
/* A read-only transaction (committed data only) and its end.  0 or -1. */
int sg_store_read_begin(struct sg_store *st, MDB_txn **txn, char *err, size_t errlen);
void sg_store_read_end(struct sg_store *st, MDB_txn *txn);

/* store_mbox.c: depth, total and next_seq from one pass over mbox (open). */
int sg_store_mbox_scan(struct sg_store *st, char *err, size_t errlen);

#endif /* SG_CONTROL_STORE_INT_H */
