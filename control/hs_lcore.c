/* SPDX-License-Identifier: MIT */
/*
 * hs_lcore.c - handshake lcores (see hs_lcore.h): the X25519 half of each
 * handshake, handed over and back through a pair of rings.
 *
 * Invariant: every handshake taken from the in ring is put on the out ring
 * (nothing is dropped here), so the main lcore's count of handshakes
 * holding a relay key (keys_ctl.c) falls to zero only when no handshake
 * lcore can still read that key.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "crypto/crypto.h"
#include "hs_lcore.h"
#include "plane.h"
#include "proto/status.h"

enum {
	HS_BURST = 4,       /* handshakes between looks at the stop flag (~1 ms) */
	HS_IDLE_MS = 20,    /* sleep bound when idle */
	PREP_ALIGN = 16,
};

struct sg_hs_prep *sg_hs_prep_of(struct rte_mbuf *m)
{
	uintptr_t end = (uintptr_t)rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m));
	uintptr_t at = RTE_ALIGN_CEIL(end, PREP_ALIGN);

	if (rte_pktmbuf_tailroom(m) < sizeof(struct sg_hs_prep) + (at - end))
		return NULL;
	return (struct sg_hs_prep *)at;
}

void sg_hs_prep_run(struct sg_hs_prep *x, const uint8_t *msg, uint16_t len)
{
	memset(&x->hs, 0, sizeof(x->hs));
	x->rc = sg_hs_initiation_consume(&x->hs, x->key, msg, len, &x->ip, x->client_pub);
	if (x->rc == SG_OK)
		x->rc = sg_hs_response_prepare(&x->hs, x->resp, NULL);
}

int sg_hs_lcore_init(struct sg_hs_lcore *l, unsigned id, unsigned ring_size, int socket,
		     struct sg_wake *main_wake, volatile int *stop, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];

	memset(l, 0, sizeof(*l));
	l->id = id;
	l->main_wake = main_wake;
	l->stop = stop;
	snprintf(name, sizeof(name), "sg_hsin_%u", id);
	l->in = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "sg_hsout_%u", id);
	/* Twice the in ring: the lcore never finds it full. */
	l->out = rte_ring_create(name, 2 * ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	l->cap = ring_size - 1;
	if (!l->in || !l->out) {
		snprintf(err, errlen, "handshake lcore %u rings: %s", id, rte_strerror(rte_errno));
		return -1;
	}
	if (sg_wake_init(&l->wake) != 0) {
		snprintf(err, errlen, "handshake lcore %u: eventfd failed", id);
		return -1;
	}
	return 0;
}

static void drain(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r && rte_ring_dequeue(r, (void **)&m) == 0) {
		struct sg_hs_prep *x = sg_hs_prep_of(m);

		if (x)
			sg_wipe(x, sizeof(*x));
		rte_pktmbuf_free(m);
	}
}

void sg_hs_lcore_fini(struct sg_hs_lcore *l)
{
	drain(l->in);
	drain(l->out);
	rte_ring_free(l->in);
	rte_ring_free(l->out);
	l->in = l->out = NULL;
	sg_wake_fini(&l->wake);
}

int sg_hs_lcore_submit(struct sg_hs_lcore *l, struct rte_mbuf *m)
{
	/* In flight (both rings) below the in ring's size: out never fills. */
	if (rte_ring_count(l->in) + rte_ring_count(l->out) >= l->cap ||
	    rte_ring_sp_enqueue(l->in, m) != 0)
		return -1;
	sg_wake_kick(&l->wake);
	return 0;
}

/* Nothing to do: sleep until kicked or HS_IDLE_MS pass (no lost wake-up: wake.h). */
static void idle(struct sg_hs_lcore *l)
{
	struct pollfd pfd = { .fd = l->wake.fd, .events = POLLIN };

	sg_wake_arm(&l->wake);
	if (rte_ring_count(l->in) == 0 && !*l->stop) {
		l->sleeps++;
		poll(&pfd, 1, HS_IDLE_MS);
	}
	sg_wake_disarm(&l->wake);
}

int sg_hs_lcore_main(void *arg)
{
	struct sg_hs_lcore *l = arg;
	struct rte_mbuf *ms[HS_BURST];

	while (!*l->stop) {
		unsigned n = rte_ring_sc_dequeue_burst(l->in, (void **)ms, HS_BURST, NULL);

		if (n == 0) {
			idle(l);
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct sg_toctl *t = rte_mbuf_to_priv(ms[i]);
			struct sg_hs_prep *x = sg_hs_prep_of(ms[i]);

			/* Submitted only with room for x (sg_plane_handshake checks). */
			sg_hs_prep_run(x, rte_pktmbuf_mtod_offset(ms[i], const uint8_t *,
								  t->pkt.payload_off),
				       t->pkt.payload_len);
		}
		/* Cannot fail: submit keeps both rings together below the out ring's size. */
		rte_ring_sp_enqueue_burst(l->out, (void **)ms, n, NULL);
		__atomic_fetch_add(&l->prepared, n, __ATOMIC_RELAXED);
		sg_wake_kick(l->main_wake);
	}
	return 0;
}
