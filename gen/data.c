/* SPDX-License-Identifier: MIT */
/*
 * data.c - the DATA frames of the chat: frame number seq goes from user
 * s = seq % N to user (s + 1) % N (class cloud), sealed with s's session
 * key and its next counter, on the TX queue of s's worker; and the check
 * of a returned one.  Body: 8-byte TSC timestamp, 8-byte sequence number
 * (also the message id), then bytes that are a function of (seq, offset);
 * its length is --size, or for --mix imix a function of seq.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "crypto/transport.h"
#include "gen.h"
#include "proto/bytes.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

/*
 * imix, a messaging mix: per 20 frames, 12 of 64 B (60 %: short texts,
 * receipts), 5 of 256 B (25 %), 2 of 1024 B (10 %), 1 of 1400 B (5 %:
 * media chunks).  Mean body 243 B.
 */
size_t sg_gen_body_len(const struct sg_gen_opts *o, uint64_t seq)
{
	unsigned h;

	if (o->mix != SG_GEN_MIX_IMIX)
		return o->size;
	h = (unsigned)(((seq * 0x9e3779b97f4a7c15ull) >> 32) % 20u);
	return h < 12 ? 64 : h < 17 ? 256 : h < 19 ? 1024 : 1400;
}

uint8_t sg_gen_body_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + (i >> 8));
}

/* Fill m with DATA seq.  0, or -1 when sealing failed. */
static int build_data(struct sg_gen *g, struct rte_mbuf *m, uint64_t seq)
{
	unsigned s = (unsigned)(seq % g->o.users), r = (s + 1) % g->o.users;
	struct sg_gen_user *u = &g->u[s];
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX_IPV4], *body = plain + SG_DATA_INNER_LEN;
	struct sg_data_inner in = {
		.peer_user = g->u[r].user_id,
		.msg_id = seq,
		.ttl_s = SG_GEN_TTL_S,
		.class = SG_CLASS_CLOUD,
	};
	struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = u->relay_index,
			    .counter = u->send_counter };
	struct sg_endpoint from, to;
	size_t blen = sg_gen_body_len(&g->o, seq), len;
	unsigned hl;
	uint8_t *d;

	sg_gen_endpoints(g, u, &from, &to);
	hl = sg_pkt_udp_headers_len(&to);
	sg_data_inner_encode(plain, &in);
	for (size_t i = SG_GEN_BODY_MIN; i < blen; i++)
		body[i] = sg_gen_body_byte(seq, i);
	sg_put_le64(body + 8, seq);
	sg_put_le64(body, rte_get_tsc_cycles());
	d = rte_pktmbuf_mtod(m, uint8_t *);
	if (sg_transport_seal(&u->send_ctx, &h, plain, SG_DATA_INNER_LEN + blen, d + hl,
			      SG_GEN_FRAME_MAX - hl, &len) != SG_OK)
		return -1;
	u->send_counter++;
	sg_pkt_write_udp_headers(d, &from, &to, (uint16_t)len);
	m->data_len = (uint16_t)(hl + len);
	m->pkt_len = m->data_len;
	return 0;
}

/* Build and send n frames from seq on; returns how many the port took. */
unsigned sg_gen_send_data(struct sg_gen *g, uint64_t seq, unsigned n)
{
	struct rte_mbuf *ms[SG_GEN_BURST], *byq[SG_GEN_MAX_Q][SG_GEN_BURST];
	unsigned nq[SG_GEN_MAX_Q] = { 0 }, sent = 0;

	if (rte_pktmbuf_alloc_bulk(g->pool, ms, n) != 0) {
		g->c.tx_full += n;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned q = sg_gen_queue_of(g, &g->u[(seq + i) % g->o.users]);

		if (build_data(g, ms[i], seq + i) != 0) {
			rte_pktmbuf_free(ms[i]);
			g->c.tx_full++;
			continue;
		}
		byq[q][nq[q]++] = ms[i];
	}
	for (unsigned q = 0; q < g->txq; q++) {
		uint16_t k = nq[q] ? rte_eth_tx_burst(g->port, (uint16_t)q, byq[q],
						      (uint16_t)nq[q]) : 0;

		for (unsigned i = 0; i < k; i++)
			g->c.offered_bytes += byq[q][i]->data_len + SG_GEN_WIRE_EXTRA;
		for (unsigned i = k; i < nq[q]; i++)
			rte_pktmbuf_free(byq[q][i]);
		g->c.tx_full += nq[q] - k;
		sent += k;
	}
	g->c.offered += sent;
	return sent;
}

/* Open and check one DATA frame to user r; its latency into the histogram. */
void sg_gen_verify_data(struct sg_gen *g, struct sg_gen_user *r, uint8_t *msg, size_t len,
			uint64_t now)
{
	unsigned me = (unsigned)(r - g->u), s = (me + g->o.users - 1) % g->o.users;
	const uint8_t *body = msg + SG_HDR_LEN + SG_DATA_INNER_LEN;
	struct sg_data_inner in;
	struct sg_hdr h;
	uint64_t tsc, seq;
	size_t plen, blen;

	if (sg_transport_open(&r->recv_ctx, msg, len, &h, &plen) != SG_OK ||
	    plen < SG_DATA_INNER_LEN + SG_GEN_BODY_MIN ||
	    sg_data_inner_decode(&in, msg + SG_HDR_LEN) != SG_OK ||
	    in.peer_user != g->u[s].user_id || in.class != SG_CLASS_CLOUD) {
		g->c.verify_failed++;
		return;
	}
	blen = plen - SG_DATA_INNER_LEN;
	tsc = sg_le64(body);
	seq = sg_le64(body + 8);
	if (in.msg_id != seq || seq % g->o.users != s || blen != sg_gen_body_len(&g->o, seq) ||
	    tsc > now) {
		g->c.verify_failed++;
		return;
	}
	for (size_t i = SG_GEN_BODY_MIN; i < blen; i++)
		if (body[i] != sg_gen_body_byte(seq, i)) {
			g->c.verify_failed++;
			return;
		}
	g->c.verified++;
	sg_gen_hist_add(&g->lat, (now - tsc) * 1000000000ull / g->hz);
}
