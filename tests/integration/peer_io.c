/* SPDX-License-Identifier: MIT */
/*
 * peer_io.c - frames of surge-test-memif-peer (see peer.h): message ids and
 * bodies as a pure function of (sender, recipient, k), so a receiver checks
 * every byte without a copy of what was sent; frame building; and the
 * receive path, which checks every frame that arrives (addresses, queue,
 * replay window, AEAD, inner header, body) and records it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "crypto/crypto.h"
#include "crypto/transport.h"
#include "peer.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

void sg_peer_fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "memif-peer: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	p->failures++;
}

uint64_t sg_peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- message ids and bodies: a pure function of (sender, recipient, k) ---- */

static uint64_t msg_id(unsigned s, unsigned r, unsigned k)
{
	return ((uint64_t)(s + 1) << 40) | ((uint64_t)(r + 1) << 20) | (k + 1);
}

static int msg_split(uint64_t id, unsigned *s, unsigned *r, unsigned *k)
{
	uint64_t a = id >> 40, b = (id >> 20) & 0xfffff, c = id & 0xfffff;

	if (a < 1 || a > MAX_USERS || b < 1 || b > MAX_USERS || c < 1 || c > MAX_MSGS + EXTRA_MSGS)
		return -1;
	*s = (unsigned)a - 1;
	*r = (unsigned)b - 1;
	*k = (unsigned)c - 1;
	return 0;
}

static size_t body_len(unsigned s, unsigned r, unsigned k)
{
	static const size_t lens[] = { 0, 1, 16, 64, 200, 511, 1000, SG_BODY_MAX_IPV4 };

	return lens[(s * 7 + r * 3 + k) % (sizeof(lens) / sizeof(lens[0]))];
}

static uint8_t body_byte(unsigned s, unsigned r, unsigned k, size_t i)
{
	return (uint8_t)(s * 31 + r * 17 + k * 13 + i * 7 + (i >> 8));
}

/* ---- frames ---- */

static struct sg_endpoint ep_of_relay(const struct peer *p)
{
	struct sg_endpoint e;

	memset(&e, 0, sizeof(e));
	memcpy(e.mac, p->relay_mac, 6);
	e.family = 4;
	e.port = p->o.udp_port;
	memcpy(e.addr, p->o.relay_ip, 4);
	return e;
}

/* Ethernet + IPv4 + UDP from user u's port to the relay, then payload. */
size_t sg_peer_build_udp(const struct peer *p, const struct user *u, const uint8_t *payload,
			 size_t plen, uint8_t *out)
{
	struct sg_endpoint from, to = ep_of_relay(p);
	unsigned hl = sg_pkt_udp_headers_len(&to);

	memset(&from, 0, sizeof(from));
	memcpy(from.mac, p->mac, 6);
	from.family = 4;
	from.port = u->udp_port;
	memcpy(from.addr, p->o.local_ip, 4);
	memcpy(out + hl, payload, plen);
	sg_pkt_write_udp_headers(out, &from, &to, (uint16_t)plen);
	return hl + plen;
}

int sg_peer_send(struct peer *p, unsigned q, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	char *d;

	if (!m || !(d = rte_pktmbuf_append(m, (uint16_t)len))) {
		rte_pktmbuf_free(m);
		sg_peer_fail(p, "no mbuf for a %zu-byte frame", len);
		return -1;
	}
	memcpy(d, frame, len);
	for (unsigned t = 0; t < TX_TRIES; t++) {
		if (rte_eth_tx_burst(p->port, (uint16_t)q, &m, 1) == 1) {
			p->frames_sent++;
			p->sent_on[q]++;
			return 0;
		}
		usleep(IDLE_US);
	}
	rte_pktmbuf_free(m);
	sg_peer_fail(p, "TX queue %u stayed full", q);
	return -1;
}

/* The relay's worker for a session: the queue its frames go on. */
unsigned sg_peer_queue_of(const struct peer *p, const struct user *u)
{
	return u->relay_index % p->o.txq;
}

/*
 * Seal DATA k from user s to user r (receiver index: rindex, normally s's
 * session) into a whole frame; marks it sent when `expect`.
 */
size_t sg_peer_build_data(struct peer *p, unsigned s, unsigned r, unsigned k, uint32_t rindex,
			  int expect, uint8_t *frame)
{
	struct user *u = &p->u[s];
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX_IPV4], msg[SG_DATA_MAX_LEN];
	struct sg_data_inner in = {
		.peer_user = p->u[r].user_id,
		.msg_id = msg_id(s, r, k),
		.ttl_s = TTL_S,
		.class = SG_CLASS_CLOUD,
	};
	struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = rindex, .counter = u->send_counter };
	size_t blen = body_len(s, r, k), len;
	int rc;

	sg_data_inner_encode(plain, &in);
	for (size_t i = 0; i < blen; i++)
		plain[SG_DATA_INNER_LEN + i] = body_byte(s, r, k, i);
	rc = sg_transport_seal(&u->send_ctx, &h, plain, SG_DATA_INNER_LEN + blen, msg, sizeof(msg),
			       &len);
	if (rc != SG_OK) {
		sg_peer_fail(p, "seal: %s", sg_status_name(rc));
		return 0;
	}
	u->send_counter++;
	if (expect) {
		p->sent[s][r][k] = 1;
		p->want_q[s][r][k] = (int8_t)sg_peer_queue_of(p, u);
		p->data_sent++;
	}
	return sg_peer_build_udp(p, u, msg, len, frame);
}

/* ---- receiving ---- */

static struct user *user_by_index(struct peer *p, uint32_t index)
{
	uint32_t i = index - IDX_BASE;

	return index >= IDX_BASE && i < p->o.users ? &p->u[i] : NULL;
}

static void rx_arp(struct peer *p, const uint8_t *f, size_t len, unsigned q)
{
	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != 2 ||
	    memcmp(f + 28, p->o.relay_ip, 4) != 0 || memcmp(f + 38, p->o.local_ip, 4) != 0 ||
	    memcmp(f + 32, p->mac, 6) != 0) {
		p->rx_other++;
		sg_peer_fail(p, "unexpected non-IP frame on queue %u", q);
		return;
	}
	if (p->have_relay_mac && memcmp(p->relay_mac, f + 22, 6) != 0)
		sg_peer_fail(p, "ARP replies disagree on the relay's MAC");
	memcpy(p->relay_mac, f + 22, 6);
	p->have_relay_mac = 1;
	p->arp_replies++;
	p->arp_on[q]++;
}

static void rx_handshake(struct peer *p, uint8_t *msg, size_t len, unsigned q)
{
	struct user *u = user_by_index(p, sg_le32(msg + SG_RESP_OFF_RECEIVER));
	struct sg_resp_payload rp;
	int rc;

	if (!u || u->connected) {
		sg_peer_fail(p, "handshake response for no pending handshake (index %#x)",
			     sg_le32(msg + SG_RESP_OFF_RECEIVER));
		return;
	}
	if (p->o.rxq > p->o.txq && q != p->o.txq)
		sg_peer_fail(p, "handshake response on queue %u, not the control queue %u", q,
			     p->o.txq);
	rc = sg_hs_response_to_ctx(&u->hs, &u->id, msg, len, &rp, &u->send_ctx, &u->recv_ctx);
	if (rc != SG_OK) {
		sg_peer_fail(p, "user %u: handshake response: %s", (unsigned)(u - p->u),
			     sg_status_name(rc));
		return;
	}
	u->relay_index = sg_le32(msg + SG_RESP_OFF_SENDER);
	u->user_id = rp.user_id;
	u->suite = rp.suite;
	u->signed_up = (rp.flags & SG_RESP_F_SIGNED_UP) != 0;
	u->connected = 1;
	p->hs_done++;
}

static void rx_data(struct peer *p, const struct sg_pkt *pk, uint8_t *msg, size_t len, unsigned q)
{
	struct user *u = user_by_index(p, sg_le32(msg + SG_HDR_OFF_RECEIVER));
	uint64_t counter = sg_le64(msg + SG_HDR_OFF_COUNTER);
	struct sg_data_inner in;
	struct sg_hdr h;
	size_t plen, blen;
	unsigned s, r, k, me;
	int rc;

	if (!u || !u->connected) {
		sg_peer_fail(p, "DATA for no session of ours (index %#x)",
			     sg_le32(msg + SG_HDR_OFF_RECEIVER));
		return;
	}
	me = (unsigned)(u - p->u);
	if (pk->dst_port != u->udp_port)
		sg_peer_fail(p, "user %u: DATA to UDP port %u, not %u", me, pk->dst_port,
			     u->udp_port);
	if (sg_replay_window_check(&u->replay, counter) != SG_OK) {
		sg_peer_fail(p, "user %u: the relay sent counter %llu twice", me,
			     (unsigned long long)counter);
		return;
	}
	rc = sg_transport_open(&u->recv_ctx, msg, len, &h, &plen);
	if (rc != SG_OK) {
		sg_peer_fail(p, "user %u: DATA does not open: %s", me, sg_status_name(rc));
		return;
	}
	sg_replay_window_update(&u->replay, counter);
	if (h.flags != 0)
		sg_peer_fail(p, "user %u: DATA header flags %#x", me, h.flags);
	rc = sg_data_inner_decode(&in, msg + SG_HDR_LEN);
	if (rc != SG_OK || msg_split(in.msg_id, &s, &r, &k) != 0 || r != me || s >= p->o.users) {
		sg_peer_fail(p, "user %u: bad inner header (%s, message id %#llx)", me,
			     sg_status_name(rc), (unsigned long long)in.msg_id);
		return;
	}
	if (in.peer_user != p->u[s].user_id || in.ttl_s != TTL_S || in.class != SG_CLASS_CLOUD ||
	    in.flags != 0)
		sg_peer_fail(p,
			     "message %u->%u #%u: inner header peer %llu (want %llu), ttl %u, "
			     "class %u, flags %#x",
			     s, r, k, (unsigned long long)in.peer_user,
			     (unsigned long long)p->u[s].user_id, in.ttl_s, in.class, in.flags);
	blen = body_len(s, r, k);
	if (plen != SG_DATA_INNER_LEN + blen) {
		sg_peer_fail(p, "message %u->%u #%u: body %zu bytes, want %zu", s, r, k,
			     plen - SG_DATA_INNER_LEN, blen);
		return;
	}
	for (size_t i = 0; i < blen; i++)
		if (msg[SG_HDR_LEN + SG_DATA_INNER_LEN + i] != body_byte(s, r, k, i)) {
			sg_peer_fail(p, "message %u->%u #%u: body differs at byte %zu", s, r, k, i);
			return;
		}
	if (!p->sent[s][r][k])
		sg_peer_fail(p, "message %u->%u #%u delivered but not sent to be", s, r, k);
	else if (p->want_q[s][r][k] >= 0 && (unsigned)p->want_q[s][r][k] != q)
		sg_peer_fail(p, "message %u->%u #%u came back on queue %u, not %d (its worker's)",
			     s, r, k, q, p->want_q[s][r][k]);
	if (p->got[s][r][k]++)
		sg_peer_fail(p, "message %u->%u #%u delivered %u times", s, r, k, p->got[s][r][k]);
	p->data_delivered++;
}

static void rx_frame(struct peer *p, uint8_t *f, size_t len, unsigned q)
{
	struct sg_pkt pk;
	uint8_t *msg;
	int rc = sg_pkt_parse(f, len, &pk), type;

	p->rx_frames++;
	if (rc < 0 && len >= 14 && f[12] == 0x08 && f[13] == 0x06) {
		rx_arp(p, f, len, q);
		return;
	}
	if (rc != SG_PKT_UDP || pk.src.family != 4 || memcmp(pk.src.addr, p->o.relay_ip, 4) ||
	    memcmp(pk.dst_addr, p->o.local_ip, 4) || pk.src.port != p->o.udp_port ||
	    memcmp(pk.dst_mac, p->mac, 6)) {
		p->rx_other++;
		sg_peer_fail(p, "queue %u: a frame that is not UDP from the relay to us (parse %d)",
			     q, rc);
		return;
	}
	if (p->have_relay_mac && memcmp(pk.src.mac, p->relay_mac, 6))
		sg_peer_fail(p, "queue %u: source MAC is not the relay's", q);
	msg = f + pk.payload_off;
	type = sg_proto_classify(msg, pk.payload_len);
	if (type == SG_MSG_HANDSHAKE_RESP) {
		rx_handshake(p, msg, pk.payload_len, q);
	} else if (type == SG_MSG_DATA) {
		rx_data(p, &pk, msg, pk.payload_len, q);
	} else if (type == SG_MSG_TICKET) {
		p->rx_tickets++; /* one after each handshake (resumption); not used here */
	} else {
		p->rx_other++;
		sg_peer_fail(p, "queue %u: unexpected message type %d (%u bytes) from the relay", q,
			     type, pk.payload_len);
	}
}

/* One round over every RX queue.  Returns frames received. */
unsigned sg_peer_poll_rx(struct peer *p)
{
	struct rte_mbuf *ms[BURST];
	unsigned got = 0;

	for (unsigned q = 0; q < p->o.rxq; q++) {
		uint16_t n = rte_eth_rx_burst(p->port, (uint16_t)q, ms, BURST);

		for (uint16_t i = 0; i < n; i++) {
			if (ms[i]->nb_segs != 1)
				sg_peer_fail(p, "queue %u: a %u-segment frame", q, ms[i]->nb_segs);
			else
				rx_frame(p, rte_pktmbuf_mtod(ms[i], uint8_t *),
					 rte_pktmbuf_data_len(ms[i]), q);
			rte_pktmbuf_free(ms[i]);
		}
		got += n;
	}
	return got;
}

/* Poll until cond holds or timeout_ms pass; sleeps when idle.  1 when it held. */
int sg_peer_wait_until(struct peer *p, sg_peer_cond_fn cond, const void *arg, unsigned timeout_ms)
{
	uint64_t deadline = sg_peer_now_ms() + timeout_ms;
	/* each idle round sleeps >= IDLE_US, each busy one takes a frame */
	uint64_t max_rounds = (uint64_t)timeout_ms * (1000 / IDLE_US) + 100000;

	for (uint64_t i = 0; i < max_rounds; i++) {
		if (cond(p, arg))
			return 1;
		if (sg_peer_now_ms() >= deadline)
			break;
		if (sg_peer_poll_rx(p) == 0)
			usleep(IDLE_US);
	}
	return cond(p, arg);
}
