/* SPDX-License-Identifier: MIT */
/*
 * memif_peer.c - surge-test-memif-peer: N simulated users on one net_memif
 * client port, against a real surge-relay with several workers on a PMD
 * without RSS (issue 3: RSS-less multi-queue, two workers, a replay whose
 * copy arrives on the other worker).
 *
 *   surge-test-memif-peer --relay-pub FILE --address4 A --control-socket P
 *       [--local4 A] [--udp-port N] [--users N] [--messages N]
 *       [--rx-queues N] [--tx-queues N] [--timeout-ms N] [--summary FILE]
 *       [--link-timeout-ms N] [--linger-ms N]
 *       -- EAL arguments (one lcore; --vdev net_memif0,role=client,...)
 *
 * What it does, in order, failing on the first step that does not complete:
 *  1. ARP for the relay's address on every TX queue: learns its MAC, and
 *     every worker answers on its own queue.
 *  2. Handshakes: user u sends a real Noise IK initiation on queue u % T
 *     (T = TX queues = the relay's workers); responses come back from the
 *     control plane's TX queue (the relay has T + 1, so this port has T + 1
 *     RX queues and polls them all).
 *  3. DATA (cloud) between every ordered pair of users, each frame on queue
 *     (sender's relay session index % T): the queue a peer of an RSS-less
 *     port chooses by session, so one session's frames reach one worker.
 *     Every delivered frame is opened and checked: receiver, replay window,
 *     inner header (sender's user id, message id, TTL, class, flags), body,
 *     addresses, and that it came back on the queue of the worker that took
 *     the sender's frame.
 *  4. Frames that must not be delivered, each checked against the relay's
 *     counters (stats json on its control socket): an exact copy of a
 *     delivered frame sent on the other queue (replay +1, on the other
 *     worker), for both queues; a fresh frame sent on both queues at once
 *     (delivered once, replay +1); a ciphertext byte flipped (tag +1; the
 *     intact frame with the same counter is delivered afterwards: a failed
 *     open moved no window); an unknown session index (unknown_session +1).
 *
 * It never busy-polls: when a round of RX found nothing it sleeps 50 us.
 * Every wait is bounded by --timeout-ms and every loop by a count.  Exit 0
 * only when every check passed; a JSON summary goes to --summary (written
 * whole, by rename, when the checks are over).
 *
 * Either memif role works (EAL arguments decide); the queue counts are the
 * relay's mirrored: it has T RX and T + 1 TX queues, so this side has T TX
 * and T + 1 RX.  --link-timeout-ms bounds the wait for the connection.
 *
 * --linger-ms: then wait, without touching the port, until the relay ends
 * the memif connection (link down) or that many ms passed, before closing.
 * DPDK 22.11's net_memif unmaps the shared rings on a disconnect without
 * waiting for the threads polling them, so a peer that leaves while the
 * relay's workers busy-poll can crash the relay (SIGSEGV in eth_memif_rx);
 * the test therefore stops the relay first (its workers stop before it
 * closes the port) while this side sleeps.  memif_two_workers.sh says more.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "control/ctl.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/replay.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/messages.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"
#include "relay_stats.h"

enum {
	MAX_USERS = 16,
	MAX_MSGS = 64,          /* per ordered pair, exchange phase */
	EXTRA_MSGS = 4,         /* message slots per pair for the later cases */
	MAX_Q = 8,
	BURST = 32,
	FRAME_MAX = 1536,
	TTL_S = 60,
	IDLE_US = 50,
	TX_TRIES = 2000,        /* x IDLE_US: 100 ms for a full TX queue */
	GRACE_MS = 200,         /* "nothing more arrives" after a refused frame */
	STATS_EVERY_MS = 10,
	ARP_LEN = 60,
};

#define IDX_BASE 0x5e000000u /* our indexes: IDX_BASE + user */

struct opts {
	const char *relay_pub_file, *control_socket, *summary;
	uint8_t relay_ip[4], local_ip[4];
	int have_relay_ip, have_local_ip;
	uint16_t udp_port;
	unsigned users, messages, rxq, txq, timeout_ms, link_timeout_ms, linger_ms;
};

struct user {
	struct sg_aead_ctx send_ctx, recv_ctx; /* 64-byte aligned: first */
	struct sg_keypair id;
	struct sg_cookie_maker maker;
	struct sg_handshake hs;
	struct sg_replay_client replay;
	uint32_t local_index;  /* ours: the relay's frames to us carry it */
	uint32_t relay_index;  /* the relay's session index */
	uint64_t user_id;
	uint64_t send_counter;
	uint16_t udp_port;
	uint8_t suite;
	int connected, signed_up;
};

/* A DATA frame as sent, kept for the replay cases. */
struct saved {
	uint8_t frame[FRAME_MAX];
	size_t len;
	unsigned q, s, r, k;
	int valid;
};

struct peer {
	struct opts o;
	uint16_t port;
	struct rte_mempool *pool;
	uint8_t mac[6], relay_mac[6];
	uint8_t relay_pub[SG_KEY_LEN];
	int have_relay_mac, linked;
	struct user *u;      /* o.users of them */
	/* per (sender, recipient, k): 0 not sent, 1 sent; got: times delivered */
	uint8_t sent[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS];
	uint8_t got[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS];
	int8_t want_q[MAX_USERS][MAX_USERS][MAX_MSGS + EXTRA_MSGS]; /* -1: any */
	struct saved saved[MAX_Q];
	uint64_t frames_sent, sent_on[MAX_Q], data_sent, data_delivered;
	uint64_t arp_replies, arp_on[MAX_Q], hs_done, rx_frames, rx_other;
	int failures;
};

static void fail(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "memif-peer: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	p->failures++;
}

static uint64_t now_ms(void)
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

	if (a < 1 || a > MAX_USERS || b < 1 || b > MAX_USERS || c < 1 ||
	    c > MAX_MSGS + EXTRA_MSGS)
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
static size_t build_udp(const struct peer *p, const struct user *u, const uint8_t *payload,
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

static size_t build_arp_request(const struct peer *p, uint8_t out[ARP_LEN])
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 }; /* Ethernet/IPv4, request */

	memset(out, 0, ARP_LEN);
	memset(out, 0xff, 6);
	memcpy(out + 6, p->mac, 6);
	out[12] = 0x08;
	out[13] = 0x06;
	memcpy(out + 14, hdr, sizeof(hdr));
	memcpy(out + 22, p->mac, 6);
	memcpy(out + 28, p->o.local_ip, 4);
	memcpy(out + 38, p->o.relay_ip, 4);
	return ARP_LEN;
}

static int send_frame(struct peer *p, unsigned q, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	char *d;

	if (!m || !(d = rte_pktmbuf_append(m, (uint16_t)len))) {
		rte_pktmbuf_free(m);
		fail(p, "no mbuf for a %zu-byte frame", len);
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
	fail(p, "TX queue %u stayed full", q);
	return -1;
}

/* The relay's worker for a session: the queue its frames go on. */
static unsigned queue_of(const struct peer *p, const struct user *u)
{
	return u->relay_index % p->o.txq;
}

/*
 * Seal DATA k from user s to user r (receiver index: rindex, normally s's
 * session) into a whole frame; marks it sent when `expect`.
 */
static size_t build_data(struct peer *p, unsigned s, unsigned r, unsigned k, uint32_t rindex,
			 int expect, uint8_t *frame)
{
	struct user *u = &p->u[s];
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX_IPV4], msg[SG_DATA_MAX_LEN];
	struct sg_data_inner in = {
		.peer_user = p->u[r].user_id, .msg_id = msg_id(s, r, k), .ttl_s = TTL_S,
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
		fail(p, "seal: %s", sg_status_name(rc));
		return 0;
	}
	u->send_counter++;
	if (expect) {
		p->sent[s][r][k] = 1;
		p->want_q[s][r][k] = (int8_t)queue_of(p, u);
		p->data_sent++;
	}
	return build_udp(p, u, msg, len, frame);
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
		fail(p, "unexpected non-IP frame on queue %u", q);
		return;
	}
	if (p->have_relay_mac && memcmp(p->relay_mac, f + 22, 6) != 0)
		fail(p, "ARP replies disagree on the relay's MAC");
	memcpy(p->relay_mac, f + 22, 6);
	p->have_relay_mac = 1;
	p->arp_replies++;
	p->arp_on[q]++;
}

static void rx_handshake(struct peer *p, uint8_t *msg, size_t len, unsigned q)
{
	struct user *u = user_by_index(p, sg_le32(msg + SG_RESP_OFF_RECEIVER));
	struct sg_resp_payload rp;
	uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN];
	int rc;

	if (!u || u->connected) {
		fail(p, "handshake response for no pending handshake (index %#x)",
		     sg_le32(msg + SG_RESP_OFF_RECEIVER));
		return;
	}
	if (p->o.rxq > p->o.txq && q != p->o.txq)
		fail(p, "handshake response on queue %u, not the control queue %u", q, p->o.txq);
	rc = sg_hs_response_consume(&u->hs, &u->id, msg, len, &rp);
	if (rc == SG_OK)
		rc = sg_hs_keys(&u->hs, send, recv);
	if (rc == SG_OK)
		rc = sg_aead_ctx_init(&u->send_ctx, rp.suite, send);
	if (rc == SG_OK)
		rc = sg_aead_ctx_init(&u->recv_ctx, rp.suite, recv);
	sg_wipe(send, sizeof(send));
	sg_wipe(recv, sizeof(recv));
	if (rc != SG_OK) {
		fail(p, "user %u: handshake response: %s", (unsigned)(u - p->u), sg_status_name(rc));
		return;
	}
	u->relay_index = sg_le32(msg + SG_RESP_OFF_SENDER);
	u->user_id = rp.user_id;
	u->suite = rp.suite;
	u->signed_up = (rp.flags & SG_RESP_F_SIGNED_UP) != 0;
	u->connected = 1;
	p->hs_done++;
}

static void rx_data(struct peer *p, const struct sg_pkt *pk, uint8_t *msg, size_t len,
		    unsigned q)
{
	struct user *u = user_by_index(p, sg_le32(msg + SG_HDR_OFF_RECEIVER));
	uint64_t counter = sg_le64(msg + SG_HDR_OFF_COUNTER);
	struct sg_data_inner in;
	struct sg_hdr h;
	size_t plen, blen;
	unsigned s, r, k, me;
	int rc;

	if (!u || !u->connected) {
		fail(p, "DATA for no session of ours (index %#x)", sg_le32(msg + SG_HDR_OFF_RECEIVER));
		return;
	}
	me = (unsigned)(u - p->u);
	if (pk->dst_port != u->udp_port)
		fail(p, "user %u: DATA to UDP port %u, not %u", me, pk->dst_port, u->udp_port);
	if (sg_replay_window_check(&u->replay, counter) != SG_OK) {
		fail(p, "user %u: the relay sent counter %llu twice", me, (unsigned long long)counter);
		return;
	}
	rc = sg_transport_open(&u->recv_ctx, msg, len, &h, &plen);
	if (rc != SG_OK) {
		fail(p, "user %u: DATA does not open: %s", me, sg_status_name(rc));
		return;
	}
	sg_replay_window_update(&u->replay, counter);
	if (h.flags != 0)
		fail(p, "user %u: DATA header flags %#x", me, h.flags);
	rc = sg_data_inner_decode(&in, msg + SG_HDR_LEN);
	if (rc != SG_OK || msg_split(in.msg_id, &s, &r, &k) != 0 || r != me || s >= p->o.users) {
		fail(p, "user %u: bad inner header (%s, message id %#llx)", me, sg_status_name(rc),
		     (unsigned long long)in.msg_id);
		return;
	}
	if (in.peer_user != p->u[s].user_id || in.ttl_s != TTL_S || in.class != SG_CLASS_CLOUD ||
	    in.flags != 0)
		fail(p, "message %u->%u #%u: inner header peer %llu (want %llu), ttl %u, class %u, "
			"flags %#x", s, r, k, (unsigned long long)in.peer_user,
		     (unsigned long long)p->u[s].user_id, in.ttl_s, in.class, in.flags);
	blen = body_len(s, r, k);
	if (plen != SG_DATA_INNER_LEN + blen) {
		fail(p, "message %u->%u #%u: body %zu bytes, want %zu", s, r, k,
		     plen - SG_DATA_INNER_LEN, blen);
		return;
	}
	for (size_t i = 0; i < blen; i++)
		if (msg[SG_HDR_LEN + SG_DATA_INNER_LEN + i] != body_byte(s, r, k, i)) {
			fail(p, "message %u->%u #%u: body differs at byte %zu", s, r, k, i);
			return;
		}
	if (!p->sent[s][r][k])
		fail(p, "message %u->%u #%u was delivered but never sent (or sent to be refused)",
		     s, r, k);
	else if (p->want_q[s][r][k] >= 0 && (unsigned)p->want_q[s][r][k] != q)
		fail(p, "message %u->%u #%u came back on queue %u, not the sender's worker's %d", s,
		     r, k, q, p->want_q[s][r][k]);
	if (p->got[s][r][k]++)
		fail(p, "message %u->%u #%u delivered %u times", s, r, k, p->got[s][r][k]);
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
		fail(p, "queue %u: a frame that is not UDP from the relay to us (parse %d)", q, rc);
		return;
	}
	if (p->have_relay_mac && memcmp(pk.src.mac, p->relay_mac, 6))
		fail(p, "queue %u: source MAC is not the relay's", q);
	msg = f + pk.payload_off;
	type = sg_proto_classify(msg, pk.payload_len);
	if (type == SG_MSG_HANDSHAKE_RESP) {
		rx_handshake(p, msg, pk.payload_len, q);
	} else if (type == SG_MSG_DATA) {
		rx_data(p, &pk, msg, pk.payload_len, q);
	} else {
		p->rx_other++;
		fail(p, "queue %u: unexpected message type %d (%u bytes) from the relay", q, type,
		     pk.payload_len);
	}
}

/* One round over every RX queue.  Returns frames received. */
static unsigned poll_rx(struct peer *p)
{
	struct rte_mbuf *ms[BURST];
	unsigned got = 0;

	for (unsigned q = 0; q < p->o.rxq; q++) {
		uint16_t n = rte_eth_rx_burst(p->port, (uint16_t)q, ms, BURST);

		for (uint16_t i = 0; i < n; i++) {
			if (ms[i]->nb_segs != 1)
				fail(p, "queue %u: a %u-segment frame", q, ms[i]->nb_segs);
			else
				rx_frame(p, rte_pktmbuf_mtod(ms[i], uint8_t *),
					 rte_pktmbuf_data_len(ms[i]), q);
			rte_pktmbuf_free(ms[i]);
		}
		got += n;
	}
	return got;
}

typedef int (*cond_fn)(const struct peer *p, const void *arg);

/* Poll until cond holds or timeout_ms pass; sleeps when idle.  1 when it held. */
static int wait_until(struct peer *p, cond_fn cond, const void *arg, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	/* each idle round sleeps >= IDLE_US, each busy one takes a frame */
	uint64_t max_rounds = (uint64_t)timeout_ms * (1000 / IDLE_US) + 100000;

	for (uint64_t i = 0; i < max_rounds; i++) {
		if (cond(p, arg))
			return 1;
		if (now_ms() >= deadline)
			break;
		if (poll_rx(p) == 0)
			usleep(IDLE_US);
	}
	return cond(p, arg);
}

static int never(const struct peer *p, const void *arg)
{
	(void)p;
	(void)arg;
	return 0;
}

static int arp_done(const struct peer *p, const void *arg)
{
	(void)arg;
	return p->arp_replies >= p->o.txq;
}

static int hs_done(const struct peer *p, const void *arg)
{
	(void)arg;
	return p->hs_done >= p->o.users;
}

static int delivered_at_least(const struct peer *p, const void *arg)
{
	return p->data_delivered >= *(const uint64_t *)arg;
}

/* ---- the relay's counters ---- */

static int stats(struct peer *p, struct sg_test_stats *s)
{
	char err[512];

	if (sg_test_stats_read(p->o.control_socket, (int)p->o.timeout_ms, s, err, sizeof(err))) {
		fail(p, "relay stats: %s", err);
		return -1;
	}
	if (s->n_workers < p->o.txq) {
		fail(p, "relay stats list %u workers, want %u", s->n_workers, p->o.txq);
		return -1;
	}
	return 0;
}

/*
 * After a frame the relay must refuse: wait (bounded) until its total drops
 * rose, then GRACE_MS more in which nothing may be delivered; *after gets
 * the counters.  0 when the drop was seen.
 */
static int wait_refused(struct peer *p, const struct sg_test_stats *before,
			struct sg_test_stats *after)
{
	uint64_t deadline = now_ms() + p->o.timeout_ms, delivered = p->data_delivered;
	uint64_t max_rounds = p->o.timeout_ms / STATS_EVERY_MS + 2;

	for (uint64_t i = 0; i < max_rounds; i++) {
		wait_until(p, never, NULL, STATS_EVERY_MS);
		if (stats(p, after))
			return -1;
		if (after->total.drops > before->total.drops)
			break;
		if (now_ms() >= deadline) {
			fail(p, "the relay counted no drop within %u ms", p->o.timeout_ms);
			return -1;
		}
	}
	wait_until(p, never, NULL, GRACE_MS);
	if (stats(p, after))
		return -1;
	if (p->data_delivered != delivered)
		fail(p, "%llu frame(s) delivered that the relay should have refused",
		     (unsigned long long)(p->data_delivered - delivered));
	return 0;
}

/* Exactly one more drop, under `reason` (one of the three the checks use). */
static void check_one_drop(struct peer *p, const char *what, const struct sg_test_stats *b,
			   const struct sg_test_stats *a, uint64_t db_reason, uint64_t da_reason)
{
	if (da_reason != db_reason + 1 || a->total.drops != b->total.drops + 1)
		fail(p, "%s: drops by this reason +%lld, all drops +%lld (want +1, +1)", what,
		     (long long)(da_reason - db_reason), (long long)(a->total.drops - b->total.drops));
	if (a->total.forwarded != b->total.forwarded)
		fail(p, "%s: the relay forwarded %lld more", what,
		     (long long)(a->total.forwarded - b->total.forwarded));
}

/* ---- the steps ---- */

static int step_arp(struct peer *p)
{
	uint8_t f[ARP_LEN];

	build_arp_request(p, f);
	for (unsigned q = 0; q < p->o.txq; q++)
		if (send_frame(p, q, f, sizeof(f)))
			return -1;
	if (!wait_until(p, arp_done, NULL, p->o.timeout_ms)) {
		fail(p, "ARP: %llu of %u replies", (unsigned long long)p->arp_replies, p->o.txq);
		return -1;
	}
	for (unsigned q = 0; q < p->o.txq; q++)
		if (p->arp_on[q] != 1)
			fail(p, "ARP: %llu replies on queue %u, want 1 (each worker answers on its own)",
			     (unsigned long long)p->arp_on[q], q);
	return 0;
}

static int step_handshakes(struct peer *p)
{
	uint8_t msg[SG_INIT_LEN], f[FRAME_MAX];
	unsigned parity[MAX_Q] = { 0 };

	for (unsigned i = 0; i < p->o.users; i++) {
		struct user *u = &p->u[i];
		struct sg_init_payload ip;
		int rc;

		memset(&ip, 0, sizeof(ip));
		sg_tai64n_now(ip.timestamp);
		ip.version = SG_PROTO_VERSION;
		if (sg_crypto_have_aes256gcm())
			ip.suites[ip.n_suites++] = SG_SUITE_AES256_GCM;
		ip.suites[ip.n_suites++] = SG_SUITE_CHACHA20_POLY1305;
		sg_keypair_generate(&u->id);
		sg_cookie_maker_init(&u->maker, p->relay_pub);
		u->local_index = IDX_BASE + i;
		u->udp_port = (uint16_t)(40000 + i);
		rc = sg_hs_initiation_create(&u->hs, msg, &u->id, p->relay_pub, u->local_index, &ip,
					     &u->maker, now_ms() / 1000, NULL);
		if (rc != SG_OK) {
			fail(p, "user %u: initiation: %s", i, sg_status_name(rc));
			return -1;
		}
		if (send_frame(p, i % p->o.txq, f, build_udp(p, u, msg, sizeof(msg), f)))
			return -1;
	}
	if (!wait_until(p, hs_done, NULL, p->o.timeout_ms)) {
		fail(p, "handshakes: %llu of %u completed", (unsigned long long)p->hs_done,
		     p->o.users);
		return -1;
	}
	for (unsigned i = 0; i < p->o.users; i++) {
		const struct user *u = &p->u[i];

		if (!u->signed_up || u->user_id == 0)
			fail(p, "user %u: not a sign-up, or user id 0", i);
		for (unsigned j = 0; j < i; j++)
			if (p->u[j].user_id == u->user_id || p->u[j].relay_index == u->relay_index)
				fail(p, "users %u and %u share a user id or session", j, i);
		parity[queue_of(p, u)]++;
	}
	for (unsigned q = 0; q < p->o.txq; q++)
		if (parity[q] == 0) {
			fail(p, "no session maps to queue %u: worker %u would see no DATA", q, q);
			return -1;
		}
	return p->failures ? -1 : 0;
}

static int step_exchange(struct peer *p)
{
	uint8_t f[FRAME_MAX];
	uint64_t want;

	for (unsigned k = 0; k < p->o.messages; k++)
		for (unsigned s = 0; s < p->o.users; s++)
			for (unsigned r = 0; r < p->o.users; r++) {
				unsigned q = queue_of(p, &p->u[s]);
				size_t len;

				if (r == s)
					continue;
				len = build_data(p, s, r, k, p->u[s].relay_index, 1, f);
				if (!len || send_frame(p, q, f, len))
					return -1;
				if (!p->saved[q].valid) { /* the first frame on each queue */
					struct saved *v = &p->saved[q];

					memcpy(v->frame, f, len);
					v->len = len;
					v->q = q;
					v->s = s;
					v->r = r;
					v->k = k;
					v->valid = 1;
				}
				poll_rx(p);
			}
	want = p->data_sent;
	if (!wait_until(p, delivered_at_least, &want, p->o.timeout_ms)) {
		fail(p, "exchange: %llu of %llu messages delivered",
		     (unsigned long long)p->data_delivered, (unsigned long long)want);
		return -1;
	}
	return p->failures ? -1 : 0;
}

/* An exact copy of a delivered frame, sent on another queue (another worker). */
static void step_replay_other_queue(struct peer *p, const struct saved *v)
{
	unsigned q2 = (v->q + 1) % p->o.txq;
	struct sg_test_stats b, a;
	char what[96];

	snprintf(what, sizeof(what), "replay of %u->%u #%u from queue %u on queue %u", v->s, v->r,
		 v->k, v->q, q2);
	if (!p->got[v->s][v->r][v->k]) {
		fail(p, "%s: the original was never delivered", what);
		return;
	}
	if (stats(p, &b) || send_frame(p, q2, v->frame, v->len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, what, &b, &a, b.total.replay, a.total.replay);
	if (a.w[q2].replay != b.w[q2].replay + 1 || a.w[q2].rx_frames != b.w[q2].rx_frames + 1)
		fail(p, "%s: worker %u counted replay +%lld, rx +%lld (want +1, +1)", what, q2,
		     (long long)(a.w[q2].replay - b.w[q2].replay),
		     (long long)(a.w[q2].rx_frames - b.w[q2].rx_frames));
	if (p->got[v->s][v->r][v->k] != 1)
		fail(p, "%s: delivered %u times", what, p->got[v->s][v->r][v->k]);
	printf("memif-peer: %s: refused (worker %u replay +1)\n", what, q2);
}

/* A fresh frame sent on every queue at once: one copy wins, the others are replays. */
static void step_replay_race(struct peer *p)
{
	const unsigned s = 0, r = 1, k = p->o.messages;
	uint8_t f[FRAME_MAX];
	struct sg_test_stats b, a;
	uint64_t want = p->data_delivered + 1;
	size_t len;

	if (stats(p, &b) || !(len = build_data(p, s, r, k, p->u[s].relay_index, 1, f)))
		return;
	p->want_q[s][r][k] = -1; /* whichever worker wins */
	for (unsigned q = 0; q < p->o.txq; q++)
		if (send_frame(p, q, f, len))
			return;
	if (!wait_until(p, delivered_at_least, &want, p->o.timeout_ms)) {
		fail(p, "race: the frame sent on %u queues was not delivered at all", p->o.txq);
		return;
	}
	if (wait_refused(p, &b, &a))
		return;
	if (a.total.replay != b.total.replay + p->o.txq - 1 ||
	    a.total.drops != b.total.drops + p->o.txq - 1 ||
	    a.total.forwarded != b.total.forwarded + 1)
		fail(p, "race: replay +%lld, drops +%lld, forwarded +%lld (want +%u, +%u, +1)",
		     (long long)(a.total.replay - b.total.replay),
		     (long long)(a.total.drops - b.total.drops),
		     (long long)(a.total.forwarded - b.total.forwarded), p->o.txq - 1, p->o.txq - 1);
	if (p->got[s][r][k] != 1)
		fail(p, "race: delivered %u times", p->got[s][r][k]);
	printf("memif-peer: same fresh frame on %u queues at once: delivered once, replay +%u\n",
	       p->o.txq, p->o.txq - 1);
}

/* A flipped ciphertext byte: tag; then the intact frame (same counter) still opens. */
static void step_tampered(struct peer *p)
{
	const unsigned s = 1, r = 0, k = p->o.messages + 1;
	unsigned q = queue_of(p, &p->u[s]);
	uint8_t f[FRAME_MAX], bad[FRAME_MAX];
	struct sg_test_stats b, a;
	uint64_t want;
	size_t len;

	if (stats(p, &b) || !(len = build_data(p, s, r, k, p->u[s].relay_index, 1, f)))
		return;
	memcpy(bad, f, len);
	bad[len - SG_TAG_LEN - 3] ^= 0x01; /* last bytes of the ciphertext (body) */
	if (send_frame(p, q, bad, len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, "tampered ciphertext", &b, &a, b.total.tag, a.total.tag);
	want = p->data_delivered + 1;
	if (send_frame(p, q, f, len))
		return;
	if (!wait_until(p, delivered_at_least, &want, p->o.timeout_ms) || p->got[s][r][k] != 1)
		fail(p, "the intact frame after a tampered copy (same counter) was not delivered");
	printf("memif-peer: tampered ciphertext: refused (tag +1); the intact frame then delivered\n");
}

/* A well-sealed frame naming a session index the relay does not have. */
static void step_unknown_session(struct peer *p)
{
	const unsigned s = 2 % p->o.users, r = 3 % p->o.users, k = p->o.messages + 2;
	uint32_t bogus = p->u[s].relay_index + 1000; /* a free slot, same generation */
	uint8_t f[FRAME_MAX];
	struct sg_test_stats b, a;
	size_t len;

	for (unsigned i = 0; i < p->o.users; i++)
		if (p->u[i].relay_index == bogus)
			bogus += 1000;
	if (stats(p, &b) || !(len = build_data(p, s, r, k, bogus, 0, f)))
		return;
	if (send_frame(p, queue_of(p, &p->u[s]), f, len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, "unknown session index", &b, &a, b.total.unknown_session,
		       a.total.unknown_session);
	printf("memif-peer: unknown session index %#x: refused (unknown_session +1)\n", bogus);
}

static void check_all_delivered(struct peer *p)
{
	for (unsigned s = 0; s < p->o.users; s++)
		for (unsigned r = 0; r < p->o.users; r++)
			for (unsigned k = 0; k < MAX_MSGS + EXTRA_MSGS; k++)
				if (p->sent[s][r][k] && p->got[s][r][k] != 1)
					fail(p, "message %u->%u #%u delivered %u times", s, r, k,
					     p->got[s][r][k]);
}

/* ---- set-up ---- */

static int parse_ip4(const char *s, uint8_t out[4])
{
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *e;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || *e || e == s || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	unsigned v;

	*o = (struct opts){ .udp_port = 7443, .users = 4, .messages = 4, .rxq = 3, .txq = 2,
			    .timeout_ms = 5000, .link_timeout_ms = 30000 };
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = !val;

		if (bad)
			;
		else if (!strcmp(k, "--relay-pub"))
			o->relay_pub_file = val;
		else if (!strcmp(k, "--control-socket"))
			o->control_socket = val;
		else if (!strcmp(k, "--summary"))
			o->summary = val;
		else if (!strcmp(k, "--address4"))
			bad = parse_ip4(val, o->relay_ip) || !(o->have_relay_ip = 1);
		else if (!strcmp(k, "--local4"))
			bad = parse_ip4(val, o->local_ip) || !(o->have_local_ip = 1);
		else if (!strcmp(k, "--udp-port"))
			bad = parse_uint(val, 1, 65535, &v) || !(o->udp_port = (uint16_t)v);
		else if (!strcmp(k, "--users"))
			bad = parse_uint(val, 2, MAX_USERS, &o->users);
		else if (!strcmp(k, "--messages"))
			bad = parse_uint(val, 1, MAX_MSGS, &o->messages);
		else if (!strcmp(k, "--rx-queues"))
			bad = parse_uint(val, 1, MAX_Q, &o->rxq);
		else if (!strcmp(k, "--tx-queues"))
			bad = parse_uint(val, 2, MAX_Q, &o->txq);
		else if (!strcmp(k, "--timeout-ms"))
			bad = parse_uint(val, 100, 600000, &o->timeout_ms);
		else if (!strcmp(k, "--link-timeout-ms"))
			bad = parse_uint(val, 100, 600000, &o->link_timeout_ms);
		else if (!strcmp(k, "--linger-ms"))
			bad = parse_uint(val, 0, 600000, &o->linger_ms);
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "memif-peer: bad or unknown argument '%s %s'\n", k,
				val ? val : "");
			return -1;
		}
	}
	if (!o->relay_pub_file || !o->control_socket || !o->have_relay_ip) {
		fprintf(stderr, "usage: surge-test-memif-peer --relay-pub FILE --address4 A "
				"--control-socket PATH [--local4 A] [--udp-port N] [--users N] "
				"[--messages N] [--rx-queues N] [--tx-queues N] [--timeout-ms N] "
				"[--summary FILE] [--link-timeout-ms N] [--linger-ms N] -- EAL arguments\n");
		return -1;
	}
	if (!o->have_local_ip) {
		memcpy(o->local_ip, o->relay_ip, 4);
		o->local_ip[3] = (uint8_t)(o->relay_ip[3] == 2 ? 3 : 2);
	}
	return 0;
}

static int read_relay_pub(const char *path, uint8_t pub[SG_KEY_LEN])
{
	char line[128] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "memif-peer: %s: %s\n", path, f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (sg_key_from_base64(pub, line) != SG_OK) {
		fprintf(stderr, "memif-peer: %s: not a base64 public key\n", path);
		return -1;
	}
	return 0;
}

static int port_start(struct peer *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	struct rte_ether_addr ea;
	uint64_t deadline;
	int rc;

	memset(&conf, 0, sizeof(conf));
	p->port = 0;
	if (!rte_eth_dev_is_valid_port(p->port)) {
		fprintf(stderr, "memif-peer: no DPDK port 0 (add --vdev net_memif0,role=client,...)\n");
		return -1;
	}
	p->pool = rte_pktmbuf_pool_create("peer_mbufs", 4095, 128, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!p->pool) {
		fprintf(stderr, "memif-peer: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rc = rte_eth_dev_configure(p->port, (uint16_t)p->o.rxq, (uint16_t)p->o.txq, &conf);
	for (unsigned q = 0; rc == 0 && q < p->o.rxq; q++)
		rc = rte_eth_rx_queue_setup(p->port, (uint16_t)q, 1024, rte_socket_id(), NULL,
					    p->pool);
	for (unsigned q = 0; rc == 0 && q < p->o.txq; q++)
		rc = rte_eth_tx_queue_setup(p->port, (uint16_t)q, 1024, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port);
	if (rc != 0) {
		fprintf(stderr, "memif-peer: port: %s\n", strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	rte_eth_macaddr_get(p->port, &ea);
	memcpy(p->mac, ea.addr_bytes, 6);
	printf("memif-peer: port started, waiting for the memif connection\n");
	fflush(stdout);
	deadline = now_ms() + p->o.link_timeout_ms;
	for (unsigned i = 0; i < p->o.link_timeout_ms; i++) { /* >= 1 ms a round */
		if (rte_eth_link_get_nowait(p->port, &link) == 0 && link.link_status) {
			/*
			 * When this side is the memif client, its RX call is what
			 * hands the server empty buffers (S2C refill): until each
			 * queue was polled once, the relay's TX to it finds no room
			 * (and counts tx_full).  Harmless as the server.
			 */
			poll_rx(p);
			p->linked = 1;
			return 0;
		}
		if (now_ms() >= deadline)
			break;
		usleep(1000);
	}
	fprintf(stderr, "memif-peer: the memif link did not come up in %u ms (is the relay "
			"on the other end of the socket?)\n", p->o.link_timeout_ms);
	return -1;
}

static void summary(const struct peer *p, const struct sg_test_stats *st)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "{\"ok\": %s, \"failures\": %d, \"users\": %u, \"handshakes\": %llu, "
			 "\"frames_sent\": %llu, \"frames_sent_q0\": %llu, \"frames_sent_q1\": %llu, "
			 "\"data_sent\": %llu, \"data_delivered\": %llu, \"frames_received\": %llu, "
			 "\"relay_forwarded\": %llu, \"relay_rx_frames\": %llu}\n",
			 p->failures ? "false" : "true", p->failures, p->o.users,
			 (unsigned long long)p->hs_done, (unsigned long long)p->frames_sent,
			 (unsigned long long)p->sent_on[0], (unsigned long long)p->sent_on[1],
			 (unsigned long long)p->data_sent, (unsigned long long)p->data_delivered,
			 (unsigned long long)p->rx_frames,
			 (unsigned long long)(st ? st->total.forwarded : 0),
			 (unsigned long long)(st ? st->total.rx_frames : 0));

	printf("memif-peer: summary: %s", buf);
	fflush(stdout);
	if (p->o.summary && n > 0) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", p->o.summary);
		f = fopen(tmp, "w");
		if (!f || fputs(buf, f) < 0 || fclose(f) != 0 || rename(tmp, p->o.summary) != 0)
			fprintf(stderr, "memif-peer: %s: cannot write the summary\n", p->o.summary);
	}
}

/* On failure: what the relay counted, as it says it. */
static void dump_relay_stats(const struct peer *p)
{
	char err[512], *body = NULL;

	if (sg_ctl_call(p->o.control_socket, "stats", 2000, &body, NULL, err, sizeof(err)) ==
	    0)
		fprintf(stderr, "memif-peer: the relay's counters:\n%s", body);
	else
		fprintf(stderr, "memif-peer: relay stats: %s\n", err);
	free(body);
}

/* Wait, not touching the port, for the relay to end the connection (see top). */
static void linger(const struct peer *p)
{
	struct rte_eth_link link;
	uint64_t deadline = now_ms() + p->o.linger_ms;

	for (unsigned i = 0; i < p->o.linger_ms / 10 + 1; i++) {
		if (rte_eth_link_get_nowait(p->port, &link) == 0 && !link.link_status) {
			printf("memif-peer: the relay closed the connection\n");
			return;
		}
		if (now_ms() >= deadline)
			break;
		usleep(10000);
	}
	if (p->o.linger_ms)
		printf("memif-peer: the connection was still up after %u ms\n", p->o.linger_ms);
}

int main(int argc, char **argv)
{
	static struct peer p;
	static struct user users[MAX_USERS];
	struct sg_test_stats end;
	int ours = argc, have_end = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			ours = i;
			break;
		}
	if (parse_opts(&p.o, ours, argv) || read_relay_pub(p.o.relay_pub_file, p.relay_pub))
		return 2;
	if (p.o.rxq <= p.o.txq)
		printf("memif-peer: warning: %u RX queues: the relay's control-plane TX queue %u has "
		       "no ring on this side, so handshake responses cannot arrive\n",
		       p.o.rxq, p.o.txq);
	if (sg_crypto_init() != SG_OK)
		return 1;
	p.u = users;
	if (ours < argc)
		argv[ours] = argv[0];
	if (rte_eal_init(ours < argc ? argc - ours : 1, ours < argc ? &argv[ours] : argv) < 0) {
		fprintf(stderr, "memif-peer: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (port_start(&p) != 0)
		fail(&p, "no memif connection to the relay");
	else if (step_arp(&p) == 0 && step_handshakes(&p) == 0 && step_exchange(&p) == 0) {
		printf("memif-peer: %u users signed up; %llu DATA frames delivered and verified "
		       "(%llu frames on queue 0, %llu on queue 1)\n",
		       p.o.users, (unsigned long long)p.data_delivered,
		       (unsigned long long)p.sent_on[0], (unsigned long long)p.sent_on[1]);
		for (unsigned q = 0; q < p.o.txq; q++)
			if (p.saved[q].valid)
				step_replay_other_queue(&p, &p.saved[q]);
			else
				fail(&p, "no DATA frame went out on queue %u", q);
		step_replay_race(&p);
		step_tampered(&p);
		step_unknown_session(&p);
		wait_until(&p, never, NULL, GRACE_MS); /* anything late still counts */
		check_all_delivered(&p);
		have_end = stats(&p, &end) == 0;
		if (have_end && end.total.forwarded != p.data_delivered)
			fail(&p, "the relay forwarded %llu DATA frames, %llu arrived",
			     (unsigned long long)end.total.forwarded,
			     (unsigned long long)p.data_delivered);
		if (have_end && end.total.rx_frames != p.frames_sent)
			fail(&p, "the relay received %llu frames, %llu were sent",
			     (unsigned long long)end.total.rx_frames,
			     (unsigned long long)p.frames_sent);
	}
	if (p.failures)
		dump_relay_stats(&p);
	summary(&p, have_end ? &end : NULL);
	if (p.linked)
		linger(&p);
	for (unsigned i = 0; i < MAX_USERS; i++) {
		sg_aead_ctx_wipe(&users[i].send_ctx);
		sg_aead_ctx_wipe(&users[i].recv_ctx);
		sg_keypair_wipe(&users[i].id);
		sg_hs_wipe(&users[i].hs);
	}
	if (p.pool) {
		rte_eth_dev_stop(p.port);
		rte_eth_dev_close(p.port);
		rte_mempool_free(p.pool);
	}
	rte_eal_cleanup();
	if (p.failures) {
		fprintf(stderr, "memif-peer: %d check(s) failed\n", p.failures);
		return 1;
	}
	printf("memif-peer: all checks passed\n");
	return 0;
}
