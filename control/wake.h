/* SPDX-License-Identifier: MIT */
/*
 * wake.h - how workers wake a sleeping control plane.
 *
 * The main lcore shares its CPU (DESIGN.md), so when it has nothing to do it
 * blocks in poll(2) on an eventfd, the operator socket and a timeout
 * instead of waking a thousand times a second to look.  A worker that hands
 * frames to the control plane kicks the eventfd, but only when the control
 * plane said it is about to sleep (armed), so a busy control plane costs the
 * workers one load per burst and no system call.
 *
 * No lost wake-up (Dekker): the control plane arms, issues a full fence and
 * looks at its rings once more before it sleeps; a worker enqueues, issues a
 * full fence and then reads armed.  One of the two sees the other.  The
 * timeout bounds the cost of anything else (a missed edge, a timer).
 */
#ifndef SG_CONTROL_WAKE_H
#define SG_CONTROL_WAKE_H

#include <stdint.h>
#include <unistd.h>

struct sg_wake {
	int fd;           /* eventfd, non-blocking; valid when open */
	int open;
	uint32_t armed;   /* 1: the control plane is (about to be) asleep */
	uint64_t kicks;   /* wake-ups sent by workers (relaxed; for stats) */
};

int sg_wake_init(struct sg_wake *w);
void sg_wake_fini(struct sg_wake *w);

/* Control plane: about to sleep.  Look at the rings again after this. */
static inline void sg_wake_arm(struct sg_wake *w)
{
	__atomic_store_n(&w->armed, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Control plane: awake again (also empties the eventfd). */
void sg_wake_disarm(struct sg_wake *w);

/* Worker: after enqueuing to the control plane. */
static inline void sg_wake_kick(struct sg_wake *w)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&w->armed, __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&w->armed, 0, __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_add(&w->kicks, 1, __ATOMIC_RELAXED);
	if (write(w->fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending anyway. */
	}
}

#endif /* SG_CONTROL_WAKE_H */
