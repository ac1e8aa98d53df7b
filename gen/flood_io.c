/* SPDX-License-Identifier: MIT */
/*
 * flood_io.c - the flood (flood.h) on the wire, beside the chat: from
 * --flood-at for --flood-for seconds of the chat phase, split evenly among
 * the modes of --flood in their order, a burst a loop round at most,
 * TSC-paced at --flood-rate or back to back (0); a generator held up does
 * not catch up.  Frames are built in place in mbufs from the pool (one
 * each: flood.h says why never a chain); no allocation in the loop.  The
 * chat goes first in every round (traffic.c), so its frames meet a TX ring
 * the flood has not filled in that round.
 *
 * Counted when the port took them: frames by expectation and by mode,
 * bytes; not taken: tx_full (the relay did not keep up: the ring was
 * full), no_mbuf.  The relay's ARP answers to the flood's questions come
 * back here (sg_gen_flood_rx_arp); nothing else of the flood is answered.
 * For replay, data.c hands every chat DATA frame to sg_gen_flood_capture
 * before the port takes it and takes back those the port refused.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen.h"

int sg_gen_flood_setup(struct sg_gen *g)
{
	struct sg_gen_flood_net net = { .relay_port = g->o.udp_port, .src_count = g->o.src_count };

	if (!g->o.n_flood)
		return 0;
	g->flood_live = calloc(g->o.users, sizeof(*g->flood_live));
	if (!g->flood_live)
		goto nomem;
	for (unsigned i = 0; i < g->o.users; i++)
		g->flood_live[i] = g->u[i].relay_index;
	memcpy(net.relay_mac, g->relay_mac, 6);
	memcpy(net.relay_ip, g->o.relay_ip, 4);
	memcpy(net.src_base, g->o.src_base, 4);
	net.live = g->flood_live;
	net.n_live = g->o.users;
	if (sg_gen_flood_init(&g->flood, &net, g->o.seed ^ 0x666c6f6f64ull) != 0)
		goto nomem;
	g->have_flood = 1;
	for (unsigned i = 0; i < g->o.n_flood; i++)
		if (g->o.flood_modes[i] == SG_GEN_FLOOD_REPLAY)
			g->flood_capture = 1;
	return 0;
nomem:
	fprintf(stderr, "surge-gen: out of memory for the flood\n");
	free(g->flood_live);
	g->flood_live = NULL;
	return -1;
}

void sg_gen_flood_teardown(struct sg_gen *g)
{
	if (g->have_flood)
		sg_gen_flood_fini(&g->flood);
	g->have_flood = 0;
	g->flood_capture = 0;
	free(g->flood_live);
	g->flood_live = NULL;
}

void sg_gen_flood_arm(struct sg_gen *g, uint64_t start)
{
	double span = (g->o.flood_for > 0 ? g->o.flood_for : g->o.duration_s - g->o.flood_at);

	if (!g->have_flood)
		return;
	g->flood_t0 = start + (uint64_t)(g->o.flood_at * (double)g->hz);
	g->flood_t1 = g->flood_t0 + (uint64_t)(span * (double)g->hz);
	g->flood_seg = (g->flood_t1 - g->flood_t0) / g->o.n_flood + 1;
	g->flood_done = 0;
}

/* The mode due at now, or -1 outside the flood. */
int sg_gen_flood_mode_at(const struct sg_gen *g, uint64_t now)
{
	if (!g->have_flood || now < g->flood_t0 || now >= g->flood_t1)
		return -1;
	return g->o.flood_modes[(now - g->flood_t0) / g->flood_seg];
}

void sg_gen_flood_round(struct sg_gen *g, uint64_t now)
{
	struct rte_mbuf *m[SG_GEN_BURST], *byq[SG_GEN_MAX_Q][SG_GEN_BURST];
	uint8_t xq[SG_GEN_MAX_Q][SG_GEN_BURST];
	uint16_t lq[SG_GEN_MAX_Q][SG_GEN_BURST]; /* lengths: the port frees what it took */
	unsigned nq[SG_GEN_MAX_Q] = { 0 }, n = SG_GEN_BURST;
	int mode = sg_gen_flood_mode_at(g, now);
	struct sg_gen_flood_counters *c = &g->fc;

	if (mode < 0)
		return;
	if (g->o.flood_rate > 0) {
		uint64_t due = (uint64_t)((double)(now - g->flood_t0) * g->o.flood_rate /
					  (double)g->hz) + 1;

		if (due > g->flood_done + SG_GEN_PACE_SLACK) /* held up: no catch-up burst */
			g->flood_done = due - SG_GEN_BURST;
		if (due <= g->flood_done)
			return;
		n = due - g->flood_done < SG_GEN_BURST ? (unsigned)(due - g->flood_done) :
							  SG_GEN_BURST;
	}
	g->flood_done += n;
	if (rte_pktmbuf_alloc_bulk(g->pool, m, n) != 0) {
		c->no_mbuf += n;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned x = SG_GEN_FX_N, q = (unsigned)(g->flood_rr++ % g->txq);
		size_t len = rte_pktmbuf_tailroom(m[i]) < SG_GEN_FLOOD_FRAME_MAX ? 0 :
			     sg_gen_flood_build(&g->flood, (unsigned)mode,
						rte_pktmbuf_mtod(m[i], uint8_t *), &x, &q);

		if (!len || q >= g->txq) {
			rte_pktmbuf_free(m[i]);
			continue;
		}
		m[i]->data_len = (uint16_t)len;
		m[i]->pkt_len = (uint32_t)len;
		xq[q][nq[q]] = (uint8_t)x;
		lq[q][nq[q]] = (uint16_t)len;
		byq[q][nq[q]++] = m[i];
	}
	for (unsigned q = 0; q < g->txq; q++) {
		uint16_t t = nq[q] ? rte_eth_tx_burst(g->port, (uint16_t)q, byq[q],
						      (uint16_t)nq[q]) : 0;

		for (unsigned i = 0; i < t; i++) {
			c->sent[xq[q][i]]++;
			c->bytes += lq[q][i];
		}
		for (unsigned i = t; i < nq[q]; i++)
			rte_pktmbuf_free(byq[q][i]);
		c->by_mode[mode] += t;
		g->c.flood_sent += t;
		g->c.flood_tx_full += nq[q] - t;
	}
}

int sg_gen_flood_rx_arp(struct sg_gen *g, const uint8_t *f, size_t len)
{
	if (!g->have_flood || len < 42 || f[20] != 0 || f[21] != 2 ||
	    memcmp(f + 28, g->o.relay_ip, 4) != 0 || !sg_gen_flood_mac(f + 32))
		return 0;
	g->fc.arp_answers++;
	return 1;
}
