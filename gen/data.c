/* SPDX-License-Identifier: MIT */
/*
 * data.c - the DATA frames of the chat: frame number seq goes from user
 * s = seq % N to user (s + 1) % N (class cloud, or secret for --secret
 * percent of them: a function of seq), sealed with s's session
 * key and its next counter, on the TX queue of s's worker; and the check
 * of a returned one.  Body: 8-byte TSC timestamp, 8-byte sequence number
 * (also the message id), each 56 bits, 7 a byte, every byte's high bit set
 * (mark.h), then bytes that are a function of (seq, offset), or with
 * --body text a cut of an English-like text at an offset that is a function
 * of seq (mark.h: what a content policy scans in real chats);
 * its length is --size, or for --mix imix a function of seq.  A secret
 * frame's body is the same pattern: to the relay any secret body is opaque
 * bytes it forwards unread (real clients seal it end to end, crypto/e2e.c).
 * A marked frame (--match-pct, a hash of seq: mark.h) has --match-text
 * over the pattern right after the 16-byte prefix, whatever its class; the
 * check expects it there, so a marker lost or added is a failed check.
 * Frames are counted by kind (class, marked) only once the port took them.
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
 * media chunks).  Mean body 275 B.
 */
size_t sg_gen_body_len(const struct sg_gen_opts *o, uint64_t seq)
{
	unsigned h;

	if (o->mix != SG_GEN_MIX_IMIX)
		return o->size;
	h = (unsigned)(((seq * 0x9e3779b97f4a7c15ull) >> 32) % 20u);
	return h < 12 ? 64 : h < 17 ? 256 : h < 19 ? 1024 : 1400;
}

uint8_t sg_gen_class(const struct sg_gen_opts *o, uint64_t seq)
{
	unsigned h = (unsigned)(((seq * 0xc2b2ae3d27d4eb4full) >> 40) % 100u);

	return h < o->secret_pct ? SG_CLASS_SECRET : SG_CLASS_CLOUD;
}

uint8_t sg_gen_body_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + (i >> 8));
}

/*
 * Body bytes [from, to) of frame seq, 16 at a time: inside an aligned group
 * of 16 the (i >> 8) term is constant and byte j adds 7 j, so a group is one
 * byte broadcast plus a constant vector (GCC vector extension: PADDB).
 */
typedef uint8_t sg_v16 __attribute__((vector_size(16)));

static void fill_body(uint8_t *body, uint64_t seq, size_t from, size_t to)
{
	static const sg_v16 steps = { 0, 7, 14, 21, 28, 35, 42, 49,
				      56, 63, 70, 77, 84, 91, 98, 105 };
	size_t i = from;

	for (; i + 16 <= to && (i & 15) == 0; i += 16) {
		sg_v16 v = steps + sg_gen_body_byte(seq, i);

		memcpy(body + i, &v, 16);
	}
	for (; i < to; i++)
		body[i] = sg_gen_body_byte(seq, i);
}

/* The expected body of frame seq from offset SG_GEN_BODY_MIN on (the marker included). */
static void fill_expected(const struct sg_gen_opts *o, uint8_t *body, uint64_t seq, size_t blen,
			  int marked)
{
	if (o->body_text) /* --body text: a cut of the text (mark.h) */
		memcpy(body + SG_GEN_BODY_MIN,
		       o->body_text + sg_gen_text_off(seq) + SG_GEN_BODY_MIN, blen - SG_GEN_BODY_MIN);
	else
		fill_body(body, seq, SG_GEN_BODY_MIN, blen);
	if (marked)
		memcpy(body + SG_GEN_BODY_MIN, o->match_text, o->match_len);
}

/* One burst: the user of each frame, its mbuf, its AEAD operation and kind. */
struct burst {
	struct rte_mbuf *m[SG_GEN_BURST];
	struct sg_aead_op op[SG_GEN_BURST];
	uint16_t q[SG_GEN_BURST];
	uint8_t kind[SG_GEN_BURST];
};

/*
 * Write DATA seq into m (headers from the template, source port patched:
 * users differ only there, and an IPv4 UDP checksum of 0 covers nothing;
 * with --src-chat the source address too, and the IPv4 header checksum)
 * and prepare its sealing; tsc is the burst's timestamp; *kind its enum
 * sg_gen_kind.  0, or -1 when the frame cannot be sealed.
 */
static int build_data(struct sg_gen *g, const struct sg_pkt_tpl *tpl, struct rte_mbuf *m,
		      uint64_t seq, uint64_t tsc, struct sg_aead_op *op, uint8_t *kind)
{
	unsigned s = (unsigned)(seq % g->o.users), r = (s + 1) % g->o.users;
	struct sg_gen_user *u = &g->u[s];
	struct sg_data_inner in = {
		.peer_user = g->u[r].user_id,
		.msg_id = seq,
		.ttl_s = SG_GEN_TTL_S,
		.class = sg_gen_class(&g->o, seq),
	};
	struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = u->relay_index,
			    .counter = u->send_counter };
	size_t blen = sg_gen_body_len(&g->o, seq), len;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *msg = d + tpl->len;
	uint8_t *body = msg + SG_HDR_LEN + SG_DATA_INNER_LEN;
	int marked = sg_gen_marked(&g->o, seq);

	sg_data_inner_encode(msg + SG_HDR_LEN, &in);
	fill_expected(&g->o, body, seq, blen, marked);
	sg_gen_prefix_put(body, tsc, seq);
	if (sg_transport_seal_op(&u->send_ctx, &h, msg, SG_DATA_INNER_LEN + blen,
				 SG_GEN_FRAME_MAX - tpl->len, op, &len) != SG_OK)
		return -1;
	u->send_counter++;
	sg_pkt_tpl_write(d, tpl, (uint16_t)len);
	sg_put_be16(d + tpl->len - 8, u->udp_port);
	if (g->o.src_chat && g->src.count > 1) { /* the template has user 0's address */
		uint8_t a[4];

		sg_gen_src_addr(&g->src, s, a);
		sg_gen_src_set_ip4_src(d + tpl->ip_off, a);
	}
	m->data_len = (uint16_t)(tpl->len + len);
	m->pkt_len = m->data_len;
	*kind = (uint8_t)((in.class == SG_CLASS_SECRET ? SG_GEN_KIND_SECRET : 0) |
			  (marked ? SG_GEN_KIND_MARKED : 0));
	return 0;
}

unsigned sg_gen_send_data(struct sg_gen *g, uint64_t seq, unsigned n)
{
	struct burst b;
	struct rte_mbuf *byq[SG_GEN_MAX_Q][SG_GEN_BURST];
	uint8_t kq[SG_GEN_MAX_Q][SG_GEN_BURST];
	unsigned nq[SG_GEN_MAX_Q] = { 0 }, k = 0, sent = 0;
	struct sg_endpoint from, to;
	struct sg_pkt_tpl tpl;
	uint64_t now = rte_get_tsc_cycles(); /* the timestamp of the whole burst */

	if (rte_pktmbuf_alloc_bulk(g->pool, b.m, n) != 0) {
		g->c.tx_full += n;
		return 0;
	}
	sg_gen_endpoints(g, &g->u[0], &from, &to);
	sg_pkt_tpl_init(&tpl, &from, &to);
	for (unsigned i = 0; i < n; i++) {
		struct sg_gen_user *u = &g->u[(seq + i) % g->o.users];

		if (build_data(g, &tpl, b.m[i], seq + i, now, &b.op[k], &b.kind[k]) != 0) {
			rte_pktmbuf_free(b.m[i]);
			g->c.tx_full++;
			continue;
		}
		b.m[k] = b.m[i];
		b.q[k++] = (uint16_t)sg_gen_queue_of(g, u);
	}
	sg_aead_seal_burst(b.op, (uint16_t)k);
	for (unsigned i = 0; i < k; i++) {
		if (b.op[i].status != SG_OK) {
			rte_pktmbuf_free(b.m[i]);
			g->c.tx_full++;
			continue;
		}
		kq[b.q[i]][nq[b.q[i]]] = b.kind[i];
		byq[b.q[i]][nq[b.q[i]]++] = b.m[i];
	}
	for (unsigned q = 0; q < g->txq; q++) {
		uint64_t slot[SG_GEN_BURST];
		uint16_t t;

		/* --flood replay: copies kept before the port takes (and frees) them. */
		for (unsigned i = 0; g->flood_capture && i < nq[q]; i++)
			slot[i] = sg_gen_flood_capture(&g->flood, rte_pktmbuf_mtod(byq[q][i], uint8_t *),
						       byq[q][i]->data_len, q);
		t = nq[q] ? rte_eth_tx_burst(g->port, (uint16_t)q, byq[q], (uint16_t)nq[q]) : 0;
		for (unsigned i = t; g->flood_capture && i < nq[q]; i++)
			sg_gen_flood_uncapture(&g->flood, slot[i]);
		for (unsigned i = 0; i < t; i++) {
			g->c.offered_bytes += byq[q][i]->data_len + SG_GEN_WIRE_EXTRA;
			g->c.sent[kq[q][i]]++;
		}
		for (unsigned i = t; i < nq[q]; i++)
			rte_pktmbuf_free(byq[q][i]);
		g->c.tx_full += nq[q] - t;
		sent += t;
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
	uint8_t want[SG_GEN_FRAME_MAX];
	uint64_t tsc, seq;
	size_t plen, blen;

	if (sg_transport_open(&r->recv_ctx, msg, len, &h, &plen) != SG_OK ||
	    plen < SG_DATA_INNER_LEN + SG_GEN_BODY_MIN ||
	    sg_data_inner_decode(&in, msg + SG_HDR_LEN) != SG_OK ||
	    in.peer_user != g->u[s].user_id) {
		g->c.verify_failed++;
		return;
	}
	blen = plen - SG_DATA_INNER_LEN;
	now &= SG_GEN_PREFIX_MASK; /* the prefix's 56 bits wrap after years */
	if (sg_gen_prefix_get(body, &tsc, &seq) != 0 || in.msg_id != seq || seq % g->o.users != s ||
	    blen != sg_gen_body_len(&g->o, seq) || in.class != sg_gen_class(&g->o, seq) ||
	    tsc > now) {
		g->c.verify_failed++;
		return;
	}
	fill_expected(&g->o, want, seq, blen, sg_gen_marked(&g->o, seq));
	if (memcmp(body + SG_GEN_BODY_MIN, want + SG_GEN_BODY_MIN, blen - SG_GEN_BODY_MIN) != 0) {
		g->c.verify_failed++;
		return;
	}
	g->c.verified++;
	sg_gen_hist_add(&g->lat, (now - tsc) * 1000000000ull / g->hz);
}
