/* SPDX-License-Identifier: MIT */
/*
 * store.c - the durable store behind store.h, on LMDB: the environment
 * (open, create, validate), batches and commit, users and metadata; the
 * mailboxes are store_mbox.c (shared internals: store_int.h).
 *
 * One environment (a directory: data.mdb, lock.mdb, both 0600), five named
 * databases:
 *   meta      "format" -> SG_STORE_FORMAT, "created" -> u64 LE (unix s),
 *             "spool-key" -> 32 bytes, "app." name -> sg_store_meta_put's value
 *   users     id BE -> version 1 | pub 32 | last_ts 12 | created LE | last_seen LE
 *   mbox      recipient BE | seq BE -> header 32 | nonce 24 | sealed body | tag 16
 *             header: version 1 | class | flags | 0 | len LE16 | 0 0 |
 *                     sender LE | msg_id LE | expires LE
 *   mbox_id   recipient BE | sender BE | msg_id BE -> seq LE | expires LE
 *   mbox_exp  expires BE | recipient BE | seq BE -> sender LE | msg_id LE
 * Big-endian keys make LMDB's byte order the numeric order: users load in id
 * order, a mailbox reads in seq order, expiry starts at the soonest.  The
 * body is sealed (crypto/spool.h) with the record's key and header as
 * associated data, so a record cannot be altered or moved unnoticed.
 *
 * Invariants:
 * - At most one write transaction, st->wtxn: the open batch.  Every write
 *   joins it; sg_store_commit ends it.  Reads of mailboxes and users use a
 *   read-only transaction (MDB_NOTLS lets one thread hold it beside the
 *   write transaction), so they see committed data only.
 * - depth[r] and total count the records in mbox, including the open
 *   batch; with_mail counts the r whose depth[r] > 0 (depth_inc/depth_dec).  Each change in a batch is journaled (recipient, +1 or -1) and
 *   total_at_begin kept, so an aborted batch restores the committed counts.
 * - A storage error inside a batch aborts it whole (LMDB's transaction is
 *   unusable after MDB_MAP_FULL or an I/O error): batch_fail.  Argument
 *   errors are found before anything is written and leave the batch open.
 * - next_seq[r] only grows within a run (an aborted batch leaves a gap);
 *   at open it is one above the recipient's highest stored seq.
 * - An index entry missing where the record says it should be (only a
 *   store changed behind our back) is counted in bad, never fatal: one
 *   damaged record must not stop every later batch.
 * - Nothing is created or written unless no store is there: data.mdb
 *   absent, or an LMDB with no record at all (an init that died before its
 *   first commit).  Everything else is validated in a read-only transaction.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "control/err.h"
#include "control/store.h"
#include "control/store_int.h"
#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "crypto/spool.h"
#include "proto/bytes.h"
#include "proto/status.h"


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* LMDB errors that mean "these bytes are not a store we can read". */
static int is_foreign(int rc)
{
	return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
	       rc == MDB_INCOMPATIBLE || rc == MDB_BAD_VALSIZE;
}

static int refuse(const struct sg_store *st, char *err, size_t errlen, const char *why)
{
	return sg_seterr(err, errlen, "%s/data.mdb is not a surge store (%s): refusing to start;"
		    " move it away or restore it", st->dir, why);
}

/* --- batches ----------------------------------------------------------- */

int sg_store_batch_begin(struct sg_store *st, char *err, size_t errlen)
{
	int rc;

	if (st->wtxn)
		return 0;
	rc = mdb_txn_begin(st->env, NULL, 0, &st->wtxn);
	if (rc) {
		st->wtxn = NULL;
		return sg_seterr(err, errlen, "store: cannot begin a write transaction: %s",
			    mdb_strerror(rc));
	}
	st->open_since_ns = now_ns();
	st->total_at_begin = st->total;
	st->jn = 0;
	st->pending = 0;
	return 0;
}

/* Undo the batch's count changes, newest first. */
static void batch_undo(struct sg_store *st)
{
	while (st->jn > 0) {
		uint32_t e = st->journal[--st->jn];

		if (e & J_DEL)
			depth_inc(st, e & ~J_DEL);
		else
			depth_dec(st, e);
	}
	st->total = st->total_at_begin;
}

static void batch_end(struct sg_store *st)
{
	st->wtxn = NULL;
	st->open_since_ns = 0;
	st->pending = 0;
	st->jn = 0;
}

/* A storage error inside the batch: abort it whole (see the file comment). */
int sg_store_batch_fail(struct sg_store *st, int rc, const char *what, char *err, size_t errlen)
{
	unsigned lost = st->pending;

	mdb_txn_abort(st->wtxn);
	batch_undo(st);
	batch_end(st);
	st->aborted++;
	if (rc == MDB_MAP_FULL)
		return sg_seterr(err, errlen, "store full (map_bytes %llu) at %s: batch of %u writes"
			    " lost", (unsigned long long)st->map_bytes, what, lost);
	return sg_seterr(err, errlen, "store: %s: %s: batch of %u writes lost", what,
		    mdb_strerror(rc), lost);
}

/* Room for n more journal entries; 0 or -1 (no memory: nothing changed). */
int sg_store_journal_reserve(struct sg_store *st, size_t n)
{
	uint32_t *j;
	size_t cap;

	if (st->jn + n <= st->jcap)
		return 0;
	cap = st->jcap ? st->jcap : 256;
	while (cap < st->jn + n)
		cap *= 2;
	j = realloc(st->journal, cap * sizeof(*j));
	if (!j)
		return -1;
	st->journal = j;
	st->jcap = cap;
	return 0;
}

int sg_store_commit(struct sg_store *st, char *err, size_t errlen)
{
	unsigned n = st->pending;
	int rc;

	if (!st->wtxn)
		return 0;
	rc = mdb_txn_commit(st->wtxn);   /* frees the txn, also when it fails */
	if (rc) {
		batch_undo(st);
		batch_end(st);
		st->aborted++;
		if (rc == MDB_MAP_FULL)
			return sg_seterr(err, errlen, "store full (map_bytes %llu): batch of %u"
				    " writes lost", (unsigned long long)st->map_bytes, n);
		return sg_seterr(err, errlen, "store: commit failed: %s: batch of %u writes lost",
			    mdb_strerror(rc), n);
	}
	batch_end(st);
	return 0;
}

unsigned sg_store_pending(const struct sg_store *st)
{
	return st->pending;
}

uint64_t sg_store_open_since_ns(const struct sg_store *st)
{
	return st->open_since_ns;
}

uint64_t sg_store_aborted(const struct sg_store *st)
{
	return st->aborted;
}

/* --- reads ------------------------------------------------------------- */

/* A read-only txn on the committed state: the kept one when free. */
int sg_store_read_begin(struct sg_store *st, MDB_txn **txn, char *err, size_t errlen)
{
	int rc;

	if (!st->rtxn_busy && st->rtxn) {
		rc = mdb_txn_renew(st->rtxn);
		if (rc == 0) {
			st->rtxn_busy = 1;
			*txn = st->rtxn;
			return 0;
		}
		mdb_txn_abort(st->rtxn);
		st->rtxn = NULL;
	}
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	if (rc)
		return sg_seterr(err, errlen, "store: cannot begin a read transaction: %s",
			    mdb_strerror(rc));
	if (!st->rtxn_busy && !st->rtxn) {
		st->rtxn = *txn;
		st->rtxn_busy = 1;
	}
	return 0;
}

void sg_store_read_end(struct sg_store *st, MDB_txn *txn)
{
	if (txn == st->rtxn) {
		mdb_txn_reset(txn);
		st->rtxn_busy = 0;
	} else {
		mdb_txn_abort(txn);
	}
}

/* --- opening ----------------------------------------------------------- */

static int open_dbis(struct sg_store *st, MDB_txn *txn, unsigned flags)
{
	static const char *const names[] = { "users", "mbox", "mbox_id", "mbox_exp" };
	MDB_dbi *dbis[] = { &st->users, &st->mbox, &st->mbox_id, &st->mbox_exp };
	int rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = mdb_dbi_open(txn, names[i], flags, dbis[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* A new store: the databases and the meta records, in one commit. */
static int create_store(struct sg_store *st, char *err, size_t errlen)
{
	uint8_t created[8];
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return sg_seterr(err, errlen, "store: cannot create a store in %s: %s", st->dir,
			    mdb_strerror(rc));
	rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &st->meta);
	if (rc == 0)
		rc = open_dbis(st, txn, MDB_CREATE);
	sg_spool_keygen(st->spool_key);
	sg_put_le64(created, (uint64_t)time(NULL));
	if (rc == 0) {
		k = val("format", 6);
		v = val(SG_STORE_FORMAT, strlen(SG_STORE_FORMAT));
		rc = mdb_put(txn, st->meta, &k, &v, MDB_NOOVERWRITE);
	}
	if (rc == 0) {
		k = val("created", 7);
		v = val(created, sizeof(created));
		rc = mdb_put(txn, st->meta, &k, &v, MDB_NOOVERWRITE);
	}
	if (rc == 0) {
		k = val("spool-key", 9);
		v = val(st->spool_key, SG_KEY_LEN);
		rc = mdb_put(txn, st->meta, &k, &v, MDB_NOOVERWRITE);
	}
	if (rc) {
		mdb_txn_abort(txn);
		return sg_seterr(err, errlen, "store: cannot create a store in %s: %s", st->dir,
			    mdb_strerror(rc));
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return sg_seterr(err, errlen, "store: cannot create a store in %s: %s", st->dir,
			    mdb_strerror(rc));
	return 0;
}

/*
 * Validate an existing environment read-only.  1: it holds no record at all
 * (empty LMDB: no store yet); 0: a surge store, dbis and spool key loaded;
 * -1: refused or unreadable (err says which).
 */
static int check_store(struct sg_store *st, char *err, size_t errlen)
{
	char why[96];
	MDB_txn *txn;
	MDB_stat ms;
	MDB_dbi main_dbi;
	MDB_val k, v;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return is_foreign(rc) ? refuse(st, err, errlen, mdb_strerror(rc)) :
			sg_seterr(err, errlen, "store: cannot read %s: %s", st->dir, mdb_strerror(rc));
	rc = mdb_dbi_open(txn, "meta", 0, &st->meta);
	if (rc == MDB_NOTFOUND) {
		rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
		if (rc == 0)
			rc = mdb_stat(txn, main_dbi, &ms);
		mdb_txn_abort(txn);
		if (rc)
			return refuse(st, err, errlen, mdb_strerror(rc));
		if (ms.ms_entries == 0)
			return 1;
		return refuse(st, err, errlen, "an LMDB without surge metadata");
	}
	if (rc)
		goto bad;
	k = val("format", 6);
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return refuse(st, err, errlen, "no format record");
	}
	if (rc)
		goto bad;
	if (v.mv_size != strlen(SG_STORE_FORMAT) ||
	    memcmp(v.mv_data, SG_STORE_FORMAT, v.mv_size) != 0) {
		int n = v.mv_size > 40 ? 40 : (int)v.mv_size;

		snprintf(why, sizeof(why), "format \"%.*s\", this relay reads \"%s\"", n,
			 (const char *)v.mv_data, SG_STORE_FORMAT);
		mdb_txn_abort(txn);
		return refuse(st, err, errlen, why);
	}
	k = val("spool-key", 9);
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0 && v.mv_size != SG_KEY_LEN) {
		mdb_txn_abort(txn);
		return refuse(st, err, errlen, "meta spool-key is not 32 bytes");
	}
	if (rc)
		goto bad;
	memcpy(st->spool_key, v.mv_data, SG_KEY_LEN);
	rc = open_dbis(st, txn, 0);
	if (rc)
		goto bad;
	rc = mdb_txn_commit(txn);       /* read-only: keeps the dbi handles */
	if (rc)
		return sg_seterr(err, errlen, "store: cannot read %s: %s", st->dir, mdb_strerror(rc));
	return 0;
bad:
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return refuse(st, err, errlen, "a database of the store is missing");
	if (is_foreign(rc))
		return refuse(st, err, errlen, mdb_strerror(rc));
	return sg_seterr(err, errlen, "store: cannot read %s: %s", st->dir, mdb_strerror(rc));
}


/* dir exists (made 0700 when init allows), data.mdb's state: 1 absent, 0 there. */
static int check_dir(struct sg_store *st, int init, char *err, size_t errlen)
{
	char path[sizeof(st->dir) + 16];
	struct stat sb;

	if (stat(st->dir, &sb) != 0) {
		if (errno != ENOENT)
			return sg_seterr(err, errlen, "store: %s: %s", st->dir, strerror(errno));
		if (!init)
			return sg_seterr(err, errlen, "no store in %s: start once with --store-init 1"
				    " (store_init = 1) to create one", st->dir);
		if (mkdir(st->dir, 0700) != 0)
			return sg_seterr(err, errlen, "store: cannot create %s: %s", st->dir,
				    strerror(errno));
		return 1;
	}
	if (!S_ISDIR(sb.st_mode))
		return sg_seterr(err, errlen, "store: %s is not a directory", st->dir);
	snprintf(path, sizeof(path), "%s/data.mdb", st->dir);
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return sg_seterr(err, errlen, "store: %s: %s", path, strerror(errno));
		if (!init)
			return sg_seterr(err, errlen, "no store in %s: start once with --store-init 1"
				    " (store_init = 1) to create one", st->dir);
		return 1;
	}
	/* LMDB would take an empty file for a new environment and write it. */
	if (sb.st_size == 0)
		return refuse(st, err, errlen, "an empty file");
	return 0;
}

int sg_store_open(struct sg_store **out, const struct sg_store_opts *o, char *err, size_t errlen)
{
	struct sg_store *st;
	unsigned flags = MDB_NOTLS;
	int absent, rc;

	*out = NULL;
	if (!o->dir || !o->dir[0])
		return sg_seterr(err, errlen, "store: no directory given");
	if (strlen(o->dir) >= sizeof(st->dir))
		return sg_seterr(err, errlen, "store: directory name too long: %s", o->dir);
	if (o->max_users == 0 || o->max_users > MAX_USERS_LIMIT)
		return sg_seterr(err, errlen, "store: max_users %u not in 1..%u", o->max_users,
			    MAX_USERS_LIMIT);
	if (sg_crypto_init() != SG_OK)
		return sg_seterr(err, errlen, "store: the crypto library cannot start");
	st = calloc(1, sizeof(*st));
	if (!st)
		return sg_seterr(err, errlen, "store: out of memory");
	strcpy(st->dir, o->dir);
	st->max_users = o->max_users;
	st->per_user = o->mbox_per_user ? o->mbox_per_user : DEFAULT_PER_USER;
	st->total_cap = o->mbox_total ? o->mbox_total : DEFAULT_TOTAL;
	st->map_bytes = o->map_bytes ? o->map_bytes : DEFAULT_MAP_BYTES;
	st->depth = calloc((size_t)st->max_users + 1, sizeof(*st->depth));
	st->next_seq = calloc((size_t)st->max_users + 1, sizeof(*st->next_seq));
	st->spool_key = sg_secure_alloc(SG_KEY_LEN); /* locked, not in core dumps */
	if (!st->spool_key) {
		sg_seterr(err, errlen, "store: cannot lock memory for the spool key");
		goto out_free;
	}
	if (!st->depth || !st->next_seq) {
		sg_seterr(err, errlen, "store: out of memory for %u users", st->max_users);
		goto out_free;
	}
	absent = check_dir(st, o->init, err, errlen);
	if (absent < 0)
		goto out_free;

	rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, (size_t)st->map_bytes);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, 8);
	if (rc) {
		sg_seterr(err, errlen, "store: %s", mdb_strerror(rc));
		goto out_env;
	}
	if (o->nosync)
		flags |= MDB_NOSYNC;
	rc = mdb_env_open(st->env, st->dir, flags, 0600);
	if (rc) {
		if (is_foreign(rc))
			refuse(st, err, errlen, mdb_strerror(rc));
		else
			sg_seterr(err, errlen, "store: cannot open %s: %s", st->dir, mdb_strerror(rc));
		goto out_env;
	}
	if (!absent) {
		absent = check_store(st, err, errlen);
		if (absent < 0)
			goto out_env;
		if (absent && !o->init) {
			sg_seterr(err, errlen, "no store in %s: start once with --store-init 1"
			     " (store_init = 1) to create one", st->dir);
			goto out_env;
		}
	}
	if (absent && create_store(st, err, errlen))
		goto out_env;
	if (sg_store_mbox_scan(st, err, errlen))
		goto out_env;
	*out = st;
	return 0;

out_env:
	sg_store_close(st);
	return -1;
out_free:
	sg_secure_free(st->spool_key);
	free(st->depth);
	free(st->next_seq);
	free(st);
	return -1;
}

void sg_store_map_use(const struct sg_store *st, uint64_t *map_bytes, uint64_t *used_bytes)
{
	MDB_envinfo info;
	MDB_stat stat;

	*map_bytes = st->map_bytes;
	*used_bytes = 0;
	if (mdb_env_info(st->env, &info) == 0 && mdb_env_stat(st->env, &stat) == 0)
		*used_bytes = ((uint64_t)info.me_last_pgno + 1) * stat.ms_psize;
}

void sg_store_set_limits(struct sg_store *st, uint32_t per_user, uint64_t total)
{
	st->per_user = per_user ? per_user : DEFAULT_PER_USER;
	st->total_cap = total ? total : DEFAULT_TOTAL;
}

void sg_store_close(struct sg_store *st)
{
	if (!st)
		return;
	if (st->wtxn)
		mdb_txn_abort(st->wtxn);
	if (st->rtxn)
		mdb_txn_abort(st->rtxn);
	if (st->env)
		mdb_env_close(st->env);
	sg_secure_free(st->spool_key); /* zeroed first */
	free(st->depth);
	free(st->next_seq);
	free(st->journal);
	free(st);
}

/* --- users ------------------------------------------------------------- */

int sg_store_user_put(struct sg_store *st, const struct sg_store_user *u, char *err,
		      size_t errlen)
{
	uint8_t key[8], rec[USER_VAL_LEN];
	MDB_val k = val(key, sizeof(key)), v = val(rec, sizeof(rec));
	int rc;

	if (u->id == 0)
		return sg_seterr(err, errlen, "store: user id 0");
	put_be64(key, u->id);
	rec[0] = USER_VERSION;
	memcpy(rec + 1, u->pub, SG_KEY_LEN);
	memcpy(rec + 1 + SG_KEY_LEN, u->last_ts, SG_TAI64N_LEN);
	sg_put_le64(rec + 1 + SG_KEY_LEN + SG_TAI64N_LEN, u->created);
	sg_put_le64(rec + 1 + SG_KEY_LEN + SG_TAI64N_LEN + 8, u->last_seen);
	if (sg_store_batch_begin(st, err, errlen))
		return -1;
	rc = mdb_put(st->wtxn, st->users, &k, &v, 0);
	if (rc)
		return sg_store_batch_fail(st, rc, "user put", err, errlen);
	st->pending++;
	return 0;
}

int sg_store_users_load(struct sg_store *st, int (*cb)(void *arg, const struct sg_store_user *u),
			void *arg, char *err, size_t errlen)
{
	struct sg_store_user u;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, ret = 0;

	if (sg_store_read_begin(st, &txn, err, errlen))
		return -1;
	rc = mdb_cursor_open(txn, st->users, &cur);
	if (rc) {
		sg_store_read_end(st, txn);
		return sg_seterr(err, errlen, "store: users: %s", mdb_strerror(rc));
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		if (k.mv_size != 8) {
			ret = sg_seterr(err, errlen, "store %s: users key of %zu bytes (want 8): the"
				   " store is damaged", st->dir, k.mv_size);
			break;
		}
		u.id = be64(k.mv_data);
		if (v.mv_size != USER_VAL_LEN || p[0] != USER_VERSION) {
			ret = sg_seterr(err, errlen, "store %s: user %llu: record of %zu bytes,"
				   " version %u (want %d bytes, version %d): the store is damaged",
				   st->dir, (unsigned long long)u.id, v.mv_size,
				   v.mv_size ? p[0] : 0u, USER_VAL_LEN, USER_VERSION);
			break;
		}
		memcpy(u.pub, p + 1, SG_KEY_LEN);
		memcpy(u.last_ts, p + 1 + SG_KEY_LEN, SG_TAI64N_LEN);
		u.created = sg_le64(p + 1 + SG_KEY_LEN + SG_TAI64N_LEN);
		u.last_seen = sg_le64(p + 1 + SG_KEY_LEN + SG_TAI64N_LEN + 8);
		ret = cb(arg, &u);
		if (ret)
			break;
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = sg_seterr(err, errlen, "store: users: %s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	sg_store_read_end(st, txn);
	return ret;
}

/* --- metadata ---------------------------------------------------------- */

static int meta_key(char key[META_KEY_MAX], const char *name, char *err, size_t errlen)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > SG_STORE_META_NAME_MAX)
		return sg_seterr(err, errlen, "store: metadata name of %zu bytes (1..%d)", n,
			    SG_STORE_META_NAME_MAX);
	memcpy(key, META_APP_PREFIX, 4);
	memcpy(key + 4, name, n);
	return (int)(4 + n);
}

int sg_store_meta_put(struct sg_store *st, const char *name, const void *val_, size_t len,
		      char *err, size_t errlen)
{
	char key[META_KEY_MAX];
	MDB_val k, v;
	int kn, rc;

	kn = meta_key(key, name, err, errlen);
	if (kn < 0)
		return -1;
	if (len > SG_STORE_META_VAL_MAX)
		return sg_seterr(err, errlen, "store: metadata %s: %zu bytes (at most %d)", name, len,
			    SG_STORE_META_VAL_MAX);
	if (sg_store_batch_begin(st, err, errlen))
		return -1;
	k = val(key, (size_t)kn);
	v = val(val_, len);
	rc = mdb_put(st->wtxn, st->meta, &k, &v, 0);
	if (rc)
		return sg_store_batch_fail(st, rc, "metadata put", err, errlen);
	st->pending++;
	return 0;
}

int sg_store_meta_get(struct sg_store *st, const char *name, void *val_, size_t *len,
		      char *err, size_t errlen)
{
	char key[META_KEY_MAX];
	MDB_txn *txn = st->wtxn;
	MDB_val k, v;
	int kn, rc, ret;

	kn = meta_key(key, name, err, errlen);
	if (kn < 0)
		return -1;
	if (!txn && sg_store_read_begin(st, &txn, err, errlen))
		return -1;
	k = val(key, (size_t)kn);
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
	} else if (rc) {
		ret = sg_seterr(err, errlen, "store: metadata %s: %s", name, mdb_strerror(rc));
	} else if (v.mv_size > *len) {
		ret = sg_seterr(err, errlen, "store: metadata %s: %zu bytes, room for %zu", name,
			   v.mv_size, *len);
	} else {
		memcpy(val_, v.mv_data, v.mv_size);
		*len = v.mv_size;
		ret = 1;
	}
	if (txn != st->wtxn)
		sg_store_read_end(st, txn);
	return ret;
}
