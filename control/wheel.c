/* SPDX-License-Identifier: MIT */
/*
 * wheel.c - the timing wheel behind wheel.h.
 *
 * Lists are circular and doubly linked through the next/prev arrays, whose
 * nodes are the capacity entries, then one head per bucket, then the head
 * of the firing list: so unlinking an entry needs neither its bucket nor a
 * branch, whichever list holds it.  next[id] == NIL marks an entry not armed.
 *
 * Invariants:
 * - An armed entry is either in bucket deadline % buckets, with
 *   cur <= deadline <= cur + mask (so a bucket holds exactly one second's
 *   entries and everything in it is due when that second is taken), or in
 *   the firing list, with deadline < cur (due, left over by a budget).
 * - sg_wheel_advance() takes bucket cur (splices it onto the firing list,
 *   O(1)) only when the firing list is empty, then moves cur on; it never
 *   looks at an entry that is not due.
 * - cur never goes backwards.
 */
#include <stdlib.h>
#include <string.h>

#include "control/wheel.h"

#define NIL UINT32_MAX

static uint32_t bucket_head(const struct sg_wheel *w, uint32_t second)
{
	return w->capacity + (second & w->mask);
}

static uint32_t firing_head(const struct sg_wheel *w)
{
	return w->capacity + w->mask + 1;
}

static void list_init(struct sg_wheel *w, uint32_t head)
{
	w->next[head] = head;
	w->prev[head] = head;
}

static void link_tail(struct sg_wheel *w, uint32_t head, uint32_t id)
{
	uint32_t last = w->prev[head];

	w->next[id] = head;
	w->prev[id] = last;
	w->next[last] = id;
	w->prev[head] = id;
}

static void unlink_entry(struct sg_wheel *w, uint32_t id)
{
	w->next[w->prev[id]] = w->next[id];
	w->prev[w->next[id]] = w->prev[id];
	w->next[id] = NIL;
	w->count--;
}

/* Moves every node of list from to the end of list to (O(1)). */
static void splice_tail(struct sg_wheel *w, uint32_t from, uint32_t to)
{
	uint32_t first = w->next[from], last = w->prev[from];

	if (first == from)
		return;
	w->prev[first] = w->prev[to];
	w->next[w->prev[to]] = first;
	w->next[last] = to;
	w->prev[to] = last;
	list_init(w, from);
}

size_t sg_wheel_bytes(uint32_t capacity, uint32_t buckets)
{
	return (size_t)capacity * SG_WHEEL_ENTRY_BYTES +
	       ((size_t)buckets + 1) * SG_WHEEL_BUCKET_BYTES;
}

int sg_wheel_init(struct sg_wheel *w, uint32_t capacity, uint32_t buckets, uint32_t now)
{
	size_t nodes = (size_t)capacity + buckets + 1;

	memset(w, 0, sizeof(*w));
	if (capacity == 0 || capacity > SG_WHEEL_MAX_CAPACITY)
		return -1;
	if (buckets < 2 || buckets > SG_WHEEL_MAX_BUCKETS || (buckets & (buckets - 1)) != 0)
		return -1;
	w->next = malloc(nodes * sizeof(*w->next));
	w->prev = malloc(nodes * sizeof(*w->prev));
	w->deadline = calloc(capacity, sizeof(*w->deadline));
	if (!w->next || !w->prev || !w->deadline) {
		sg_wheel_fini(w);
		return -1;
	}
	w->capacity = capacity;
	w->mask = buckets - 1;
	w->cur = now;
	for (uint32_t id = 0; id < capacity; id++)
		w->next[id] = NIL;
	for (uint32_t b = 0; b <= buckets; b++)
		list_init(w, capacity + b);
	return 0;
}

void sg_wheel_fini(struct sg_wheel *w)
{
	free(w->next);
	free(w->prev);
	free(w->deadline);
	memset(w, 0, sizeof(*w));
}

int sg_wheel_armed(const struct sg_wheel *w, uint32_t id)
{
	return w->next[id] != NIL;
}

void sg_wheel_arm(struct sg_wheel *w, uint32_t id, uint32_t deadline)
{
	if (w->next[id] != NIL)
		unlink_entry(w, id);
	if (deadline < w->cur)
		deadline = w->cur;                  /* passed: the next second processed */
	else if (deadline - w->cur > w->mask)
		deadline = w->cur + w->mask;        /* beyond the horizon: early, owner re-arms */
	w->deadline[id] = deadline;
	link_tail(w, bucket_head(w, deadline), id);
	w->count++;
}

void sg_wheel_cancel(struct sg_wheel *w, uint32_t id)
{
	if (w->next[id] != NIL)
		unlink_entry(w, id);
}

unsigned sg_wheel_advance(struct sg_wheel *w, uint32_t now, unsigned budget,
			  sg_wheel_fire_fn cb, void *arg)
{
	const uint32_t firing = firing_head(w);
	unsigned fired = 0;

	for (;;) {
		while (w->next[firing] != firing) {
			uint32_t id = w->next[firing];

			if (fired == budget)
				return fired;
			unlink_entry(w, id);
			w->visited++;
			fired++;
			cb(arg, id);
		}
		if (w->cur > now)
			return fired;
		if (w->count == 0) {
			/* Nothing armed: the seconds up to now hold nothing. */
			w->cur = now + 1;
			return fired;
		}
		splice_tail(w, bucket_head(w, w->cur), firing);
		w->visited++;
		w->cur++;
	}
}
