/* SPDX-License-Identifier: MIT */
/*
 * session.c - the session table (see session.h for who writes what).
 *
 * Reclamation: sg_session_retire() clears the slot's index and, if the user
 * map still points at this session, the user's entry (release stores), and
 * queues the slot with an RCU QSBR token.  sg_session_reclaim() frees, in
 * retirement order, every slot whose token all workers have passed: its keys
 * and state are wiped, its generation moves on and it goes to the back of the
 * free FIFO (so a slot is reused as late as possible).  A worker that read
 * an index from the map before the retire finds the slot's index changed
 * (sg_session_get) or, within the grace period, the old session intact.
 * The slots (they hold the session keys) are locked in memory and left out
 * of core dumps (crypto/secure.h).
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "session.h"

/* 12 bytes: the retired ring has one entry per slot. */
struct sg_retired {
	uint32_t slot;
	uint64_t token;
} __attribute__((packed));

/* The free and retired rings have n_slots entries (not a power of two). */
static inline uint32_t ring_at(const struct sg_session_table *t, uint64_t i)
{
	return (uint32_t)(i % t->n_slots);
}

static uint32_t gen_mask(const struct sg_session_table *t)
{
	return t->slot_bits >= 32 ? 0 : (uint32_t)((UINT64_C(1) << (32 - t->slot_bits)) - 1);
}

int sg_session_table_init(struct sg_session_table *t, uint32_t max_sessions,
			  uint32_t max_users, unsigned n_readers, const char *name, char *err,
			  size_t errlen)
{
	uint32_t n = 2;
	size_t qsz;

	memset(t, 0, sizeof(*t));
	if (max_sessions < 1 || max_sessions > (1u << 24) || n_readers == 0) {
		snprintf(err, errlen, "max_sessions must be 1..16777216 and readers >= 1");
		return -1;
	}
	while (n < max_sessions + 1)
		n <<= 1;
	t->slot_mask = n - 1;
	t->slot_bits = (uint8_t)__builtin_ctz(n);
	n = max_sessions + 1; /* what is allocated: no power-of-two rounding */
	t->n_slots = n;
	t->next_key_id = 1;

	t->slots = rte_zmalloc(name, sizeof(*t->slots) * n, RTE_CACHE_LINE_SIZE);
	t->free_slots = rte_zmalloc(NULL, sizeof(*t->free_slots) * n, 0);
	t->gen = rte_zmalloc(NULL, sizeof(*t->gen) * n, 0);
	t->retired = rte_zmalloc(NULL, sizeof(*t->retired) * n, 0);
	t->max_user = max_users;
	t->by_user = rte_zmalloc(NULL, sizeof(*t->by_user) * ((size_t)max_users + 1),
				 RTE_CACHE_LINE_SIZE);
	qsz = rte_rcu_qsbr_get_memsize(n_readers);
	t->qsbr = rte_zmalloc(NULL, qsz, RTE_CACHE_LINE_SIZE);
	if (!t->slots || !t->free_slots || !t->gen || !t->retired || !t->qsbr || !t->by_user) {
		snprintf(err, errlen, "out of memory for %u session slots", n);
		sg_session_table_fini(t);
		return -1;
	}
	/* The slots hold session keys: locked, left out of core dumps (counted). */
	(void)sg_secure_region(t->slots, sizeof(*t->slots) * n);
	if (rte_rcu_qsbr_init(t->qsbr, n_readers) != 0) {
		snprintf(err, errlen, "rte_rcu_qsbr_init: %s", rte_strerror(rte_errno));
		sg_session_table_fini(t);
		return -1;
	}
	/*
	 * Generations start at random values, so live indexes are not the
	 * predictable 1, 2, 3 ... of a fresh relay (an off-path sender would
	 * otherwise hit live sessions and make workers spend an AEAD open).
	 */
	for (uint32_t s = 1; s < n; s++) {
		t->free_slots[s - 1] = s;
		t->gen[s] = sg_random_uniform(gen_mask(t) + 1);
		rte_spinlock_init(&t->slots[s].replay_lock);
	}
	t->free_head = 0;
	t->free_count = n - 1;

	return 0;
}

void sg_session_table_fini(struct sg_session_table *t)
{
	if (t->slots) {
		sg_wipe(t->slots, sizeof(*t->slots) * t->n_slots);
		rte_free(t->slots);
	}
	rte_free(t->by_user);
	rte_free(t->free_slots);
	rte_free(t->gen);
	rte_free(t->retired);
	rte_free(t->qsbr);
	memset(t, 0, sizeof(*t));
}

struct sg_session *sg_session_alloc(struct sg_session_table *t, uint32_t *index)
{
	struct sg_session *s;
	uint32_t slot;

	if (t->free_count == 0)
		return NULL;
	slot = t->free_slots[t->free_head];
	t->free_head = ring_at(t, (uint64_t)t->free_head + 1);
	t->free_count--;
	s = &t->slots[slot];
	memset(s, 0, sizeof(*s));
	rte_spinlock_init(&s->replay_lock);
	s->key_id = t->next_key_id++;
	*index = t->gen[slot] << t->slot_bits | slot;
	return s;
}

uint32_t sg_session_publish(struct sg_session_table *t, struct sg_session *s, uint32_t index)
{
	uint32_t prev = sg_session_of_user(t, s->user_id);

	__atomic_store_n(&s->index, index, __ATOMIC_RELEASE);
	if (s->user_id <= t->max_user)
		__atomic_store_n(&t->by_user[s->user_id], index, __ATOMIC_RELEASE);
	t->live++;
	return prev != index ? prev : 0;
}

void sg_session_cancel(struct sg_session_table *t, struct sg_session *s, uint32_t index)
{
	uint32_t slot = index & t->slot_mask;

	sg_wipe(s, sizeof(*s));
	t->free_slots[ring_at(t, (uint64_t)t->free_head + t->free_count)] = slot;
	t->free_count++;
}

void sg_session_retire(struct sg_session_table *t, struct sg_session *s)
{
	struct sg_retired *r;
	uint32_t index = s->index;

	if (index == 0)
		return;
	if (sg_session_of_user(t, s->user_id) == index)
		__atomic_store_n(&t->by_user[s->user_id], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->index, 0, __ATOMIC_RELEASE);
	r = &t->retired[ring_at(t, (uint64_t)t->retired_head + t->retired_count)];
	r->slot = index & t->slot_mask;
	r->token = rte_rcu_qsbr_start(t->qsbr);
	t->retired_count++;
	t->live--;
}

unsigned sg_session_reclaim(struct sg_session_table *t)
{
	unsigned freed = 0;

	while (t->retired_count) {
		struct sg_retired *r = &t->retired[t->retired_head];
		uint32_t slot = r->slot;

		if (rte_rcu_qsbr_check(t->qsbr, r->token, false) != 1)
			break;
		sg_wipe(&t->slots[slot], sizeof(t->slots[slot]));
		t->gen[slot] = (t->gen[slot] + 1) & gen_mask(t);
		t->free_slots[ring_at(t, (uint64_t)t->free_head + t->free_count)] = slot;
		t->free_count++;
		t->retired_head = ring_at(t, (uint64_t)t->retired_head + 1);
		t->retired_count--;
		freed++;
	}
	return freed;
}
