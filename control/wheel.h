/* SPDX-License-Identifier: MIT */
/*
 * wheel.h - a hashed timing wheel with one-second ticks over entries named
 * by a uint32 id in [0, capacity) (the session slot number), so that the
 * cost of a tick follows what expires, not the number of sessions.
 *
 * Intrusive and preallocated: per entry a next and a prev link and a
 * deadline (3 x uint32 = 12 bytes an entry), plus 8 bytes a bucket and one
 * list head; nothing is allocated after sg_wheel_init().  Pure C, no DPDK, no
 * locks: one owner (the control lcore).
 *
 * Time is the relay clock in whole seconds (seconds since boot, so uint32
 * lasts 136 years; the wheel does not handle its wrap).  An entry armed for
 * deadline d sits in bucket d % buckets and fires in the first
 * sg_wheel_advance() whose now is >= d; never earlier, except:
 *  - a deadline further than buckets - 1 seconds ahead of the wheel is
 *    placed at that horizon (4096 buckets: 68 minutes) and fires early there;
 *    the owner looks at its own state and re-arms (control/timers.c does);
 *  - a deadline already passed fires at the next second the wheel processes.
 * A clock that goes backwards is time standing still: nothing fires until
 * it passes the last second processed again, so timers fire late by at most
 * the step and none is lost.
 */
#ifndef SG_CONTROL_WHEEL_H
#define SG_CONTROL_WHEEL_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_WHEEL_ENTRY_BYTES = 12,      /* next, prev, deadline */
	SG_WHEEL_BUCKET_BYTES = 8,      /* a bucket's list head: next, prev */
	SG_WHEEL_MAX_BUCKETS = 1u << 20,
	SG_WHEEL_MAX_CAPACITY = 1u << 30,
};

struct sg_wheel {
	uint32_t *next;        /* capacity entries, then buckets heads, then the firing list */
	uint32_t *prev;        /* likewise */
	uint32_t *deadline;    /* capacity entries: the second it fires at (after clamping) */
	uint32_t capacity;
	uint32_t mask;         /* buckets - 1 */
	uint32_t cur;          /* next second whose bucket is still to be taken */
	uint32_t count;        /* armed entries, due ones not yet fired included */
	uint64_t visited;      /* entries fired and buckets taken, ever (tests, stats) */
};

/* Bytes sg_wheel_init() allocates for capacity entries and buckets buckets. */
size_t sg_wheel_bytes(uint32_t capacity, uint32_t buckets);

/*
 * capacity: 1..2^30 ids; buckets: a power of two, 2..2^20 (the horizon is
 * buckets - 1 seconds); now: the relay clock, the first second to process.
 * 0, or -1 (bad argument, no memory).
 */
int sg_wheel_init(struct sg_wheel *w, uint32_t capacity, uint32_t buckets, uint32_t now);

/* Frees the arrays; safe on a zeroed struct or twice. */
void sg_wheel_fini(struct sg_wheel *w);

/* Arms id for deadline, or moves it there if armed (O(1)). */
void sg_wheel_arm(struct sg_wheel *w, uint32_t id, uint32_t deadline);

/* Disarms id; nothing if it is not armed (O(1)). */
void sg_wheel_cancel(struct sg_wheel *w, uint32_t id);

/* 1 when id is armed (fired entries are not, unless re-armed). */
int sg_wheel_armed(const struct sg_wheel *w, uint32_t id);

/* The second an armed id fires at (its deadline after clamping). */
static inline uint32_t sg_wheel_deadline(const struct sg_wheel *w, uint32_t id)
{
	return w->deadline[id];
}

/* Armed entries. */
static inline uint32_t sg_wheel_count(const struct sg_wheel *w)
{
	return w->count;
}

typedef void (*sg_wheel_fire_fn)(void *arg, uint32_t id);

/*
 * Fires every entry due at now (deadline <= now), second by second from the
 * last one processed, each unlinked before cb(arg, id) is called; at most
 * budget callbacks, the rest stay due for the next call (a backlog after a
 * stall or a clock jump is spread over calls).  Returns how many fired.
 * cb may arm or cancel any id, its own included.  An id re-armed at or
 * before now goes to the next second the wheel processes (within this call
 * if the wheel is still behind now): never twice for one second, so a
 * callback that keeps re-arming itself cannot spin.
 *
 * Cost: the entries fired plus one step per second passed (an empty bucket),
 * never the entries armed; an empty wheel skips to now at once.
 */
unsigned sg_wheel_advance(struct sg_wheel *w, uint32_t now, unsigned budget,
			  sg_wheel_fire_fn cb, void *arg);

#endif /* SG_CONTROL_WHEEL_H */
