/* SPDX-License-Identifier: MIT */
/*
 * wake.c - the eventfd behind wake.h.
 */
#include <sys/eventfd.h>

#include "wake.h"

int sg_wake_init(struct sg_wake *w)
{
	w->armed = 0;
	w->kicks = 0;
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->open = w->fd >= 0;
	return w->open ? 0 : -1;
}

void sg_wake_fini(struct sg_wake *w)
{
	if (w->open)
		close(w->fd);
	w->open = 0;
	w->fd = -1;
}

void sg_wake_disarm(struct sg_wake *w)
{
	uint64_t n;

	__atomic_store_n(&w->armed, 0, __ATOMIC_RELAXED);
	if (read(w->fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nobody kicked. */
	}
}
