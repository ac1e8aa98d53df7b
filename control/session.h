/* SPDX-License-Identifier: MIT */
/*
 * session.h - the session table: a preallocated, cache-aligned slot array
 * indexed by the receiver index every frame carries, and a user id ->
 * current session index map that workers read without locks.
 *
 * The map is a flat array indexed by user id (the registry assigns ids
 * densely from 1, bounded by max_users): one acquire load per lookup.  The
 * design brief's rte_hash with RW_CONCURRENCY_LF did the same job for ~170
 * instructions a frame (hash, probe, memcmp), most of the data plane's
 * budget; docs/ARCHITECTURE.md records the change.
 *
 * Ownership (docs/ARCHITECTURE.md, "Who owns which table"):
 *  - the control plane (one thread) allocates, fills, publishes and retires
 *    sessions and is the only writer of identity, keys, generation and the
 *    user map (release stores);
 *  - workers read sessions through sg_session_get() and write only
 *    send_counter (atomic fetch-add: the nonce of frames to the client),
 *    last_seen (relaxed store) and the replay window (under replay_lock,
 *    held for the update alone, never across a burst);
 *  - a retired slot is wiped and reused only after an RCU QSBR grace
 *    period: every worker reports quiescent once per loop.
 *
 * Index = generation << slot_bits | slot.  Slot 0 is never used, so 0 is
 * never a valid index; the generation changes on every reuse of a slot, so a
 * stale index (a frame for the slot's previous session) is refused before
 * any cryptography.
 */
#ifndef SG_CONTROL_SESSION_H
#define SG_CONTROL_SESSION_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_spinlock.h>

#include "crypto/replay.h"
#include "proto/messages.h"
#include "proto/pkt.h"

struct rte_rcu_qsbr;

struct sg_session {
	/* Written by the control plane, then published by storing index. */
	uint32_t index;       /* 0 while free or retired (acquire/release) */
	uint8_t suite;        /* enum sg_suite */
	uint8_t pad0;
	uint16_t dpdk_port;   /* port the client's handshake arrived on */
	uint64_t user_id;
	uint64_t key_id;      /* unique per key set, never reused: names cached contexts */
	uint32_t peer_index;  /* the client's index: receiver index of frames to it */
	uint32_t born;        /* relay clock, seconds */
	struct sg_endpoint ep;      /* the client's MAC, address, UDP port, VLAN */
	uint8_t local_addr[16];     /* which of our addresses the client talks to */
	uint8_t recv_key[SG_KEY_LEN]; /* client -> relay */
	uint8_t send_key[SG_KEY_LEN]; /* relay -> client */
	/* Written by workers (and the control plane for its own replies). */
	uint64_t send_counter;      /* __atomic fetch-add */
	uint64_t last_seen;         /* relay clock, seconds; relaxed */
	rte_spinlock_t replay_lock;
	struct sg_replay_relay replay;
} __rte_cache_aligned;

struct sg_session_table {
	struct sg_session *slots;
	uint32_t n_slots;      /* slots allocated: max_sessions + 1 (slot 0 unused) */
	uint32_t slot_mask;    /* the index's slot field: next power of two >= n_slots, - 1 */
	uint8_t slot_bits;
	uint32_t *by_user;          /* user id -> current index (0: none) */
	uint64_t max_user;          /* largest user id the map holds */
	struct rte_rcu_qsbr *qsbr;  /* workers are readers 0 .. n_readers-1 */
	/* Control plane only. */
	uint32_t *free_slots;       /* FIFO ring of free slots */
	uint32_t free_head, free_count;
	uint32_t *gen;              /* next generation per slot */
	struct sg_retired *retired; /* slots waiting for their grace period */
	uint32_t retired_head, retired_count;
	uint64_t next_key_id;
	uint32_t live;
	uint64_t now;               /* relay clock (s), written by the control plane */
};

/* The relay clock as workers see it (updated by the control plane's loop). */
static inline uint64_t sg_session_now(const struct sg_session_table *t)
{
	return __atomic_load_n(&t->now, __ATOMIC_RELAXED);
}

/* Reasons sg_session_get() refuses an index (drop counters). */
enum sg_session_miss { SG_SESSION_UNKNOWN = 1, SG_SESSION_STALE = 2 };

/*
 * Worker side, O(1): the live session an index names, or NULL with *miss
 * set (UNKNOWN: slot free/out of range; STALE: the slot holds another
 * generation).
 */
static inline struct sg_session *sg_session_get(const struct sg_session_table *t, uint32_t index,
						int *miss)
{
	uint32_t slot = index & t->slot_mask;
	struct sg_session *s;
	uint32_t cur;

	if (unlikely(slot >= t->n_slots)) { /* the slot field reaches past the table */
		*miss = SG_SESSION_UNKNOWN;
		return NULL;
	}
	s = &t->slots[slot];
	cur = __atomic_load_n(&s->index, __ATOMIC_ACQUIRE);
	if (cur == index && index != 0)
		return s;
	*miss = cur == 0 || slot == 0 ? SG_SESSION_UNKNOWN : SG_SESSION_STALE;
	return NULL;
}

/* Worker side: the current session index of a user, or 0 (lock-free read). */
static inline uint32_t sg_session_of_user(const struct sg_session_table *t, uint64_t user_id)
{
	if (user_id > t->max_user)
		return 0;
	return __atomic_load_n(&t->by_user[user_id], __ATOMIC_ACQUIRE);
}

/*
 * Control plane.  max_sessions slots are allocated (+1: slot 0); the index's
 * slot field is the next power of two wide, and an index whose slot field
 * points past the table is unknown.  max_users bounds the user ids the map
 * holds (the registry's bound).
 */
int sg_session_table_init(struct sg_session_table *t, uint32_t max_sessions,
			  uint32_t max_users, unsigned n_readers, const char *name, char *err,
			  size_t errlen);
void sg_session_table_fini(struct sg_session_table *t);

/*
 * A free slot, zeroed, with the index it will have (*index) and a fresh
 * key_id; not visible to workers until sg_session_publish().  NULL when full.
 */
struct sg_session *sg_session_alloc(struct sg_session_table *t, uint32_t *index);

/*
 * Publish s (fields filled, keys set): it becomes findable by index and
 * becomes its user's current session.  Returns the index of the user's
 * previous session, which the caller retires (0 if none).
 */
uint32_t sg_session_publish(struct sg_session_table *t, struct sg_session *s, uint32_t index);

/* Give back a slot from sg_session_alloc() that was never published. */
void sg_session_cancel(struct sg_session_table *t, struct sg_session *s, uint32_t index);

/* Unpublish; wiped and freed by sg_session_reclaim() after a grace period. */
void sg_session_retire(struct sg_session_table *t, struct sg_session *s);

/* Free what has passed its grace period; returns slots freed. */
unsigned sg_session_reclaim(struct sg_session_table *t);

#endif /* SG_CONTROL_SESSION_H */
