/* SPDX-License-Identifier: MIT */
/*
 * memif_peer.c - surge-test-memif-peer: N simulated users on one net_memif
 * port, against a real surge-relay with several workers on a PMD without
 * RSS (issue 3: RSS-less multi-queue, two workers, a replay whose copy
 * arrives on the other worker).
 *
 *   surge-test-memif-peer --relay-pub FILE --address4 A --control-socket P
 *       [--local4 A] [--udp-port N] [--users N] [--messages N]
 *       [--rx-queues N] [--tx-queues N] [--timeout-ms N] [--summary FILE]
 *       [--link-timeout-ms N] [--linger-ms N]
 *       -- EAL arguments (one lcore; --vdev net_memif0,role=server|client,...)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "control/ctl.h"
#include "crypto/crypto.h"
#include "peer.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "relay_stats.h"

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
		sg_peer_fail(p, "relay stats: %s", err);
		return -1;
	}
	if (s->n_workers < p->o.txq) {
		sg_peer_fail(p, "relay stats list %u workers, want %u", s->n_workers, p->o.txq);
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
	uint64_t deadline = sg_peer_now_ms() + p->o.timeout_ms, delivered = p->data_delivered;
	uint64_t max_rounds = p->o.timeout_ms / STATS_EVERY_MS + 2;

	for (uint64_t i = 0; i < max_rounds; i++) {
		sg_peer_wait_until(p, never, NULL, STATS_EVERY_MS);
		if (stats(p, after))
			return -1;
		if (after->total.drops > before->total.drops)
			break;
		if (sg_peer_now_ms() >= deadline || i + 1 == max_rounds) {
			sg_peer_fail(p, "the relay counted no drop within %u ms", p->o.timeout_ms);
			return -1;
		}
	}
	sg_peer_wait_until(p, never, NULL, GRACE_MS);
	if (stats(p, after))
		return -1;
	if (p->data_delivered != delivered)
		sg_peer_fail(p, "%llu frame(s) delivered that the relay should have refused",
			     (unsigned long long)(p->data_delivered - delivered));
	return 0;
}

/* Exactly one more drop, under `reason` (one of the three the checks use). */
static void check_one_drop(struct peer *p, const char *what, const struct sg_test_stats *b,
			   const struct sg_test_stats *a, uint64_t db_reason, uint64_t da_reason)
{
	if (da_reason != db_reason + 1 || a->total.drops != b->total.drops + 1)
		sg_peer_fail(p, "%s: drops by this reason +%lld, all drops +%lld (want +1, +1)",
			     what, (long long)(da_reason - db_reason),
			     (long long)(a->total.drops - b->total.drops));
	if (a->total.forwarded != b->total.forwarded)
		sg_peer_fail(p, "%s: the relay forwarded %lld more", what,
			     (long long)(a->total.forwarded - b->total.forwarded));
}

/* ---- the steps ---- */

static int step_arp(struct peer *p)
{
	uint8_t f[SG_PKT_ARP_REQUEST_LEN];

	sg_pkt_arp_request(f, p->mac, p->o.local_ip, p->o.relay_ip);
	for (unsigned q = 0; q < p->o.txq; q++)
		if (sg_peer_send(p, q, f, sizeof(f)))
			return -1;
	if (!sg_peer_wait_until(p, arp_done, NULL, p->o.timeout_ms)) {
		sg_peer_fail(p, "ARP: %llu of %u replies", (unsigned long long)p->arp_replies,
			     p->o.txq);
		return -1;
	}
	for (unsigned q = 0; q < p->o.txq; q++)
		if (p->arp_on[q] != 1)
			sg_peer_fail(p, "ARP: %llu replies on queue %u, want 1 (its worker's)",
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

		sg_init_payload_client(&ip, sg_crypto_have_aes256gcm());
		sg_tai64n_now(ip.timestamp);
		sg_keypair_generate(&u->id);
		sg_cookie_maker_init(&u->maker, p->relay_pub);
		u->local_index = IDX_BASE + i;
		u->udp_port = (uint16_t)(40000 + i);
		rc = sg_hs_initiation_create(&u->hs, msg, &u->id, p->relay_pub, u->local_index, &ip,
					     &u->maker, sg_peer_now_ms() / 1000, NULL);
		if (rc != SG_OK) {
			sg_peer_fail(p, "user %u: initiation: %s", i, sg_status_name(rc));
			return -1;
		}
		if (sg_peer_send(p, i % p->o.txq, f, sg_peer_build_udp(p, u, msg, sizeof(msg), f)))
			return -1;
	}
	if (!sg_peer_wait_until(p, hs_done, NULL, p->o.timeout_ms)) {
		sg_peer_fail(p, "handshakes: %llu of %u completed", (unsigned long long)p->hs_done,
			     p->o.users);
		return -1;
	}
	for (unsigned i = 0; i < p->o.users; i++) {
		const struct user *u = &p->u[i];

		if (!u->signed_up || u->user_id == 0)
			sg_peer_fail(p, "user %u: not a sign-up, or user id 0", i);
		for (unsigned j = 0; j < i; j++)
			if (p->u[j].user_id == u->user_id || p->u[j].relay_index == u->relay_index)
				sg_peer_fail(p, "users %u and %u share a user id or session", j, i);
		parity[sg_peer_queue_of(p, u)]++;
	}
	for (unsigned q = 0; q < p->o.txq; q++)
		if (parity[q] == 0) {
			sg_peer_fail(p, "no session maps to queue %u: worker %u would see no DATA",
				     q, q);
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
				unsigned q = sg_peer_queue_of(p, &p->u[s]);
				size_t len;

				if (r == s)
					continue;
				len = sg_peer_build_data(p, s, r, k, p->u[s].relay_index, 1, f);
				if (!len || sg_peer_send(p, q, f, len))
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
				sg_peer_poll_rx(p);
			}
	want = p->data_sent;
	if (!sg_peer_wait_until(p, delivered_at_least, &want, p->o.timeout_ms)) {
		sg_peer_fail(p, "exchange: %llu of %llu messages delivered",
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
	int failures = p->failures;

	snprintf(what, sizeof(what), "replay of %u->%u #%u from queue %u on queue %u", v->s, v->r,
		 v->k, v->q, q2);
	if (!p->got[v->s][v->r][v->k]) {
		sg_peer_fail(p, "%s: the original was never delivered", what);
		return;
	}
	if (stats(p, &b) || sg_peer_send(p, q2, v->frame, v->len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, what, &b, &a, b.total.replay, a.total.replay);
	if (a.w[q2].replay != b.w[q2].replay + 1 || a.w[q2].rx_frames != b.w[q2].rx_frames + 1)
		sg_peer_fail(p, "%s: worker %u counted replay +%lld, rx +%lld (want +1, +1)", what,
			     q2, (long long)(a.w[q2].replay - b.w[q2].replay),
			     (long long)(a.w[q2].rx_frames - b.w[q2].rx_frames));
	if (p->got[v->s][v->r][v->k] != 1)
		sg_peer_fail(p, "%s: delivered %u times", what, p->got[v->s][v->r][v->k]);
	if (p->failures == failures)
		printf("memif-peer: %s: refused (worker %u replay +1)\n", what, q2);
}

/* A fresh frame sent on every queue at once: one copy wins, the others are replays. */
static void step_replay_race(struct peer *p)
{
	const unsigned s = 0, r = 1, k = p->o.messages;
	uint8_t f[FRAME_MAX];
	struct sg_test_stats b, a;
	uint64_t want = p->data_delivered + 1;
	int failures = p->failures;
	size_t len;

	if (stats(p, &b) || !(len = sg_peer_build_data(p, s, r, k, p->u[s].relay_index, 1, f)))
		return;
	p->want_q[s][r][k] = -1; /* whichever worker wins */
	for (unsigned q = 0; q < p->o.txq; q++)
		if (sg_peer_send(p, q, f, len))
			return;
	if (!sg_peer_wait_until(p, delivered_at_least, &want, p->o.timeout_ms)) {
		sg_peer_fail(p, "race: the frame sent on %u queues was not delivered at all",
			     p->o.txq);
		return;
	}
	if (wait_refused(p, &b, &a))
		return;
	if (a.total.replay != b.total.replay + p->o.txq - 1 ||
	    a.total.drops != b.total.drops + p->o.txq - 1 ||
	    a.total.forwarded != b.total.forwarded + 1)
		sg_peer_fail(p,
			     "race: replay +%lld, drops +%lld, forwarded +%lld (want +%u, +%u, +1)",
			     (long long)(a.total.replay - b.total.replay),
			     (long long)(a.total.drops - b.total.drops),
			     (long long)(a.total.forwarded - b.total.forwarded), p->o.txq - 1,
			     p->o.txq - 1);
	if (p->got[s][r][k] != 1)
		sg_peer_fail(p, "race: delivered %u times", p->got[s][r][k]);
	if (p->failures == failures)
		printf("memif-peer: same fresh frame on %u queues at once: delivered once, "
		       "replay +%u\n", p->o.txq, p->o.txq - 1);
}

/* A flipped ciphertext byte: tag; then the intact frame (same counter) still opens. */
static void step_tampered(struct peer *p)
{
	const unsigned s = 1, r = 0, k = p->o.messages + 1;
	unsigned q = sg_peer_queue_of(p, &p->u[s]);
	uint8_t f[FRAME_MAX], bad[FRAME_MAX];
	struct sg_test_stats b, a;
	uint64_t want;
	int failures = p->failures;
	size_t len;

	if (stats(p, &b) || !(len = sg_peer_build_data(p, s, r, k, p->u[s].relay_index, 1, f)))
		return;
	memcpy(bad, f, len);
	bad[len - SG_TAG_LEN - 3] ^= 0x01; /* last bytes of the ciphertext (body) */
	if (sg_peer_send(p, q, bad, len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, "tampered ciphertext", &b, &a, b.total.tag, a.total.tag);
	want = p->data_delivered + 1;
	if (sg_peer_send(p, q, f, len))
		return;
	if (!sg_peer_wait_until(p, delivered_at_least, &want, p->o.timeout_ms) ||
	    p->got[s][r][k] != 1)
		sg_peer_fail(p, "the intact frame after a tampered copy was not delivered");
	if (p->failures == failures)
		printf("memif-peer: tampered ciphertext: refused (tag +1); "
		       "the intact frame then delivered\n");
}

/* A well-sealed frame naming a session index the relay does not have. */
static void step_unknown_session(struct peer *p)
{
	const unsigned s = 2 % p->o.users, r = 3 % p->o.users, k = p->o.messages + 2;
	uint32_t bogus = p->u[s].relay_index + 1000; /* a free slot, same generation */
	uint8_t f[FRAME_MAX];
	struct sg_test_stats b, a;
	int failures = p->failures;
	size_t len;

	for (unsigned i = 0; i < p->o.users; i++)
		if (p->u[i].relay_index == bogus)
			bogus += 1000;
	if (stats(p, &b) || !(len = sg_peer_build_data(p, s, r, k, bogus, 0, f)))
		return;
	if (sg_peer_send(p, sg_peer_queue_of(p, &p->u[s]), f, len) || wait_refused(p, &b, &a))
		return;
	check_one_drop(p, "unknown session index", &b, &a, b.total.unknown_session,
		       a.total.unknown_session);
	if (p->failures == failures)
		printf("memif-peer: unknown session index %#x: refused (unknown_session +1)\n",
		       bogus);
}

static void check_all_delivered(struct peer *p)
{
	for (unsigned s = 0; s < p->o.users; s++)
		for (unsigned r = 0; r < p->o.users; r++)
			for (unsigned k = 0; k < MAX_MSGS + EXTRA_MSGS; k++)
				if (p->sent[s][r][k] && p->got[s][r][k] != 1)
					sg_peer_fail(p, "message %u->%u #%u delivered %u times", s,
						     r, k, p->got[s][r][k]);
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

	*o = (struct opts){ .udp_port = 7443,
			    .users = 4,
			    .messages = 4,
			    .rxq = 3,
			    .txq = 2,
			    .timeout_ms = 5000,
			    .link_timeout_ms = 30000 };
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
		fprintf(stderr,
			"usage: surge-test-memif-peer --relay-pub FILE --address4 A "
			"--control-socket PATH [--local4 A] [--udp-port N] [--users N] "
			"[--messages N] [--rx-queues N] [--tx-queues N] [--timeout-ms N] "
			"[--summary FILE] [--link-timeout-ms N] [--linger-ms N] "
			"-- EAL arguments\n");
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
		fprintf(stderr,
			"memif-peer: no DPDK port 0 (add --vdev net_memif0,...)\n");
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
	deadline = sg_peer_now_ms() + p->o.link_timeout_ms;
	for (unsigned i = 0; i < p->o.link_timeout_ms; i++) { /* >= 1 ms a round */
		if (rte_eth_link_get_nowait(p->port, &link) == 0 && link.link_status) {
			/*
			 * When this side is the memif client, its RX call is what
			 * hands the server empty buffers (S2C refill): until each
			 * queue was polled once, the relay's TX to it finds no room
			 * (and counts tx_full).  Harmless as the server.
			 */
			sg_peer_poll_rx(p);
			p->linked = 1;
			return 0;
		}
		if (sg_peer_now_ms() >= deadline)
			break;
		usleep(1000);
	}
	fprintf(stderr,
		"memif-peer: the memif link did not come up in %u ms (is the relay "
		"on the other end of the socket?)\n",
		p->o.link_timeout_ms);
	return -1;
}

static void summary(const struct peer *p, const struct sg_test_stats *st)
{
	char buf[1024];
	int n = snprintf(
		buf, sizeof(buf),
		"{\"ok\": %s, \"failures\": %d, \"users\": %u, \"handshakes\": %llu, "
		"\"tickets\": %llu, "
		"\"frames_sent\": %llu, \"frames_sent_q0\": %llu, \"frames_sent_q1\": %llu, "
		"\"data_sent\": %llu, \"data_delivered\": %llu, \"frames_received\": %llu, "
		"\"relay_forwarded\": %llu, \"relay_rx_frames\": %llu}\n",
		p->failures ? "false" : "true", p->failures, p->o.users,
		(unsigned long long)p->hs_done, (unsigned long long)p->rx_tickets,
		(unsigned long long)p->frames_sent,
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

	if (sg_ctl_call(p->o.control_socket, "stats", 2000, &body, NULL, err, sizeof(err)) == 0)
		fprintf(stderr, "memif-peer: the relay's counters:\n%s", body);
	else
		fprintf(stderr, "memif-peer: relay stats: %s\n", err);
	free(body);
}

/* Wait, not touching the port, for the relay to end the connection (see top). */
static void linger(const struct peer *p)
{
	struct rte_eth_link link;
	uint64_t deadline = sg_peer_now_ms() + p->o.linger_ms;

	for (unsigned i = 0; i < p->o.linger_ms / 10 + 1; i++) {
		if (rte_eth_link_get_nowait(p->port, &link) == 0 && !link.link_status) {
			printf("memif-peer: the relay closed the connection\n");
			return;
		}
		if (sg_peer_now_ms() >= deadline)
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
		printf("memif-peer: warning: %u RX queues: the relay's control-plane TX queue "
		       "%u has no ring on this side, so handshake responses cannot arrive\n",
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
		sg_peer_fail(&p, "no memif connection to the relay");
	else if (step_arp(&p) == 0 && step_handshakes(&p) == 0 && step_exchange(&p) == 0) {
		printf("memif-peer: %u users signed up; %llu DATA frames delivered and verified "
		       "(%llu frames on queue 0, %llu on queue 1)\n",
		       p.o.users, (unsigned long long)p.data_delivered,
		       (unsigned long long)p.sent_on[0], (unsigned long long)p.sent_on[1]);
		for (unsigned q = 0; q < p.o.txq; q++)
			if (p.saved[q].valid)
				step_replay_other_queue(&p, &p.saved[q]);
			else
				sg_peer_fail(&p, "no DATA frame went out on queue %u", q);
		step_replay_race(&p);
		step_tampered(&p);
		step_unknown_session(&p);
		sg_peer_wait_until(&p, never, NULL, GRACE_MS); /* anything late still counts */
		check_all_delivered(&p);
		have_end = stats(&p, &end) == 0;
		if (have_end && end.total.forwarded != p.data_delivered)
			sg_peer_fail(&p, "the relay forwarded %llu DATA frames, %llu arrived",
				     (unsigned long long)end.total.forwarded,
				     (unsigned long long)p.data_delivered);
		if (have_end && end.total.rx_frames != p.frames_sent)
			sg_peer_fail(&p, "the relay received %llu frames, %llu were sent",
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
