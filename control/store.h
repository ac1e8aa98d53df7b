/* SPDX-License-Identifier: MIT */
/*
 * store.h - the relay's durable store (LMDB): registered users, mailboxes
 * with their bodies sealed at rest, the spool key, small named metadata.
 *
 * One writer, the control plane (single thread, no locks).  Writes are
 * grouped: every put, ack and expire joins one open write transaction,
 * begun by the first of them, and sg_store_commit() makes the whole batch
 * durable at once (one fsync for many sign-ups or messages).  The caller
 * answers a sign-up or a STORED only after the commit that holds it
 * returned 0, and commits when the oldest pending write is about to exceed
 * its latency bound (sg_store_open_since_ns) or the batch is large
 * (sg_store_pending).  Reads of mailboxes see committed data only.
 *
 * Failures never lose data silently: a storage error inside a batch
 * (MDB_MAP_FULL, I/O) aborts the whole batch, as a failed commit does;
 * sg_store_aborted() counts the batches lost so, and sg_store_pending()
 * drops to 0.  A -1 for a bad argument (recipient out of range, body too
 * long) touches nothing and leaves the batch open.
 *
 * Pure C, no DPDK.  The store never creates itself over existing data: a
 * missing store needs opts.init, a file that is not a surge store is refused.
 */
#ifndef SG_CONTROL_STORE_H
#define SG_CONTROL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

enum {
	SG_STORE_BODY_MAX = SG_BODY_MAX,  /* largest mailbox body */
	SG_STORE_META_NAME_MAX = 64,      /* bytes of a metadata name */
	SG_STORE_META_VAL_MAX = 4096,     /* bytes of a metadata value */
};

#define SG_STORE_FORMAT "surge-store 1"

struct sg_store;

struct sg_store_opts {
	const char *dir;          /* LMDB environment directory */
	int init;                 /* may create a new, empty store when dir holds none */
	uint64_t map_bytes;       /* LMDB map size (0: 1 GiB) */
	uint32_t max_users;       /* user ids are 1..max_users (depth array is sized by it) */
	uint32_t mbox_per_user;   /* stored messages per recipient (0: 256) */
	uint64_t mbox_total;      /* stored messages relay-wide (0: 1,000,000) */
	int nosync;               /* MDB_NOSYNC: tests and benchmarks only (not durable on power loss) */
};

/* Result codes of puts (negative = storage error, err filled). */
enum sg_store_rc { SG_STORE_OK = 0, SG_STORE_FULL_USER = 1, SG_STORE_FULL_TOTAL = 2 };

/*
 * 0 and *out, or -1 with err saying what is wrong and what to do: no store
 * in dir without init ("start once with --store-init"), data.mdb that is not
 * a surge store (never touched), a mailbox for a user above max_users, an
 * inconsistent index.  Rebuilds the mailbox depths by one scan of the
 * mailboxes (time proportional to the messages held).
 */
int sg_store_open(struct sg_store **out, const struct sg_store_opts *o, char *err, size_t errlen);
void sg_store_close(struct sg_store *st);   /* aborts an uncommitted batch; NULL is fine */
/*
 * New mailbox caps (config reload; 0: the defaults, as in the opts).  A
 * mailbox already above a lowered cap keeps its messages; new ones are
 * refused until it drains below.
 */
void sg_store_set_limits(struct sg_store *st, uint32_t per_user, uint64_t total);

/* Users.  */
struct sg_store_user {
	uint64_t id;
	uint8_t pub[SG_KEY_LEN];
	uint64_t created, last_seen;         /* unix seconds */
	uint8_t last_ts[SG_TAI64N_LEN];      /* newest accepted handshake timestamp */
};
/*
 * Calls cb for every committed user in ascending id order; stops and returns
 * cb's value if non-zero.  0 when all were seen; -1 on a storage error or a
 * malformed record (err names its key).
 */
int sg_store_users_load(struct sg_store *st, int (*cb)(void *arg, const struct sg_store_user *u),
			void *arg, char *err, size_t errlen);
/* Insert or overwrite (by id, >= 1) in the open batch.  0 or -1. */
int sg_store_user_put(struct sg_store *st, const struct sg_store_user *u, char *err, size_t errlen);

/*
 * Small named metadata values (ticket keys etc.): name is a C string of
 * 1..SG_STORE_META_NAME_MAX bytes, in a namespace apart from the store's own
 * records; values up to SG_STORE_META_VAL_MAX bytes.  put joins the open
 * batch (0 or -1); get reads the open batch when there is one, else the
 * committed state.
 */
int sg_store_meta_put(struct sg_store *st, const char *name, const void *val, size_t len,
		      char *err, size_t errlen);
/*
 * *len: room at val on entry.  1 found (len bytes copied, *len set), 0 absent,
 * -1 error (also when the value does not fit).
 */
int sg_store_meta_get(struct sg_store *st, const char *name, void *val, size_t *len,
		      char *err, size_t errlen);

/* Mailboxes. */
struct sg_store_msg {
	uint64_t recipient, sender, msg_id;
	uint64_t expires;        /* unix seconds: deleted when now >= expires */
	uint64_t seq;            /* set by put: order within the recipient's mailbox */
	uint8_t class, flags;    /* as in the DATA inner header (proto/transport_msg.h) */
	uint16_t len;            /* body bytes (<= SG_STORE_BODY_MAX) */
	/* put: the plaintext body; each: a decrypted copy, valid during the callback */
	const uint8_t *body;
};
/*
 * In the open batch: SG_STORE_OK (m->seq set), SG_STORE_FULL_USER,
 * SG_STORE_FULL_TOTAL, or -1.  A (recipient, sender, msg_id) already stored
 * (committed or in the batch) is SG_STORE_OK with its seq, without a second
 * copy (idempotent: a sender's retry).  Either way the message is durable
 * only once the next sg_store_commit returns 0: answer STORED then, also to
 * a retry (its first copy may still be in the open batch).  recipient is
 * 1..max_users.  Seqs grow within a run; after a restart they go on from
 * the recipient's highest stored seq (so they may repeat once a mailbox was
 * emptied: a delivery cursor must not outlive the process).
 */
int sg_store_mbox_put(struct sg_store *st, struct sg_store_msg *m, char *err, size_t errlen);
/*
 * Committed messages of recipient with seq > after, in seq order, at most
 * max; cb's non-zero return stops.  Returns the number passed to cb, or -1.
 * A record that fails to open (changed on disk) is skipped, not passed to
 * cb, and counted in sg_store_mbox_bad() each time it is read; it stays
 * until its TTL ends (sg_store_mbox_expire) or it is acked.
 */
int sg_store_mbox_each(struct sg_store *st, uint64_t recipient, uint64_t after, unsigned max,
		       int (*cb)(void *arg, const struct sg_store_msg *m), void *arg,
		       char *err, size_t errlen);
/* In the open batch: delete (recipient, sender, msg_id).  1 deleted, 0 not there, -1 error. */
int sg_store_mbox_ack(struct sg_store *st, uint64_t recipient, uint64_t sender, uint64_t msg_id,
		      char *err, size_t errlen);
/*
 * In the open batch: delete at most max messages with expires <= now, the
 * soonest first (an index ordered by expiry: the cost is proportional to
 * what expires); cb (may be NULL) sees each deleted message's header (body
 * NULL).  Returns the number deleted, or -1.
 */
int sg_store_mbox_expire(struct sg_store *st, uint64_t now, unsigned max,
			 void (*cb)(void *arg, const struct sg_store_msg *m), void *arg,
			 char *err, size_t errlen);
/* Messages held, including the open batch: one recipient's, and relay-wide. */
uint32_t sg_store_mbox_depth(const struct sg_store *st, uint64_t recipient);
uint64_t sg_store_mbox_total(const struct sg_store *st);
/* Recipients with at least one message held, including the open batch. */
uint64_t sg_store_mbox_users(const struct sg_store *st);
/*
 * The soonest (*first) and latest (*last) expiry of the messages held, the
 * open batch included: of recipient's mailbox (its record headers, at most
 * max of them, in seq order; nothing is decrypted), or of every mailbox
 * when recipient is 0 (the expiry index's two ends: O(log n)).  1 found,
 * 0 none (both 0), -1 error.
 */
int sg_store_mbox_span(struct sg_store *st, uint64_t recipient, unsigned max, uint64_t *first,
		       uint64_t *last, char *err, size_t errlen);
/* Records that failed to open in sg_store_mbox_each since open. */
uint64_t sg_store_mbox_bad(const struct sg_store *st);

/*
 * Group commit: commits the open batch (fsync unless nosync).  0 (or nothing
 * open), or -1: the batch is lost (aborted), in-memory counts are restored
 * to the committed state, err says why.
 */
int sg_store_commit(struct sg_store *st, char *err, size_t errlen);
/* Writes in the open batch. */
unsigned sg_store_pending(const struct sg_store *st);
/* CLOCK_MONOTONIC ns when the batch opened, 0 if none. */
uint64_t sg_store_open_since_ns(const struct sg_store *st);
/* Batches lost (aborted) since open. */
uint64_t sg_store_aborted(const struct sg_store *st);

/*
 * The map's size (store_map_mib) and how much of it the file's pages use
 * now (LMDB's last page + 1, committed data and free pages it keeps for
 * reuse): when used reaches the size, batches fail (store full).
 */
void sg_store_map_use(const struct sg_store *st, uint64_t *map_bytes, uint64_t *used_bytes);

#endif /* SG_CONTROL_STORE_H */
