/* SPDX-License-Identifier: MIT */
/*
 * users.c - surge-gen's chat users: fresh identities, ARP for the relay's
 * MAC, and sign-up with real Noise IK handshakes (crypto/handshake.h).
 * User i uses UDP port SG_GEN_PORT_BASE + i, source address --gen-ip (or,
 * with --src-chat, its place in the source range, src.h) and the sender index
 * SG_GEN_IDX_BASE | attempt << 15 | i, so an answer to an earlier attempt
 * is told apart; its initiation goes out on TX queue i % T (every worker
 * sees initiations), responses come back on the control plane's queue and
 * are consumed by rx.c.  At most SIGNUP_WINDOW sign-ups are outstanding
 * (the relay's handshake ring holds 1024); one unanswered after RETRY_MS
 * is sent again (a new initiation), and a cookie reply makes the next one
 * carry mac2.  Every wait is bounded: sign-up fails when no handshake has
 * completed for SG_GEN_ANSWER_MS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "crypto/crypto.h"
#include "gen.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/tai64n.h"

enum { IDLE_US = 20, ARP_RETRY_MS = 500, RETRY_MS = 1000, SIGNUP_WINDOW = 512, RETRY_SCAN = 64 };

int sg_gen_users_init(struct sg_gen *g)
{
	size_t sz = sizeof(struct sg_gen_user) * g->o.users;

	g->u = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!g->u)
		return -1;
	memset(g->u, 0, sz);
	for (unsigned i = 0; i < g->o.users; i++) {
		struct sg_gen_user *u = &g->u[i];

		sg_keypair_generate(&u->id);
		sg_cookie_maker_init(&u->maker, g->relay_pub);
		u->udp_port = (uint16_t)(SG_GEN_PORT_BASE + i);
	}
	return 0;
}

void sg_gen_users_fini(struct sg_gen *g)
{
	if (!g->u)
		return;
	for (unsigned i = 0; i < g->o.users; i++) {
		struct sg_gen_user *u = &g->u[i];

		sg_aead_ctx_wipe(&u->send_ctx);
		sg_aead_ctx_wipe(&u->recv_ctx);
		sg_keypair_wipe(&u->id);
		sg_cookie_maker_wipe(&u->maker);
		sg_hs_wipe(&u->hs);
	}
	free(g->u);
	g->u = NULL;
}

unsigned sg_gen_queue_of(const struct sg_gen *g, const struct sg_gen_user *u)
{
	return u->relay_index % g->txq;
}

/* Poll until *done reaches want or ms pass.  1 when it did. */
static int wait_count(struct sg_gen *g, const uint64_t *done, uint64_t want, uint64_t ms)
{
	uint64_t deadline = rte_get_tsc_cycles() + sg_gen_ms_to_tsc(g, ms);
	uint64_t max_rounds = ms * (1000 / IDLE_US) + 1000000;

	for (uint64_t i = 0; i < max_rounds && *done < want; i++) {
		if (rte_get_tsc_cycles() >= deadline)
			break;
		if (sg_gen_poll_rx(g) == 0)
			rte_delay_us_block(IDLE_US);
	}
	return *done >= want;
}

int sg_gen_arp(struct sg_gen *g)
{
	uint8_t f[SG_PKT_ARP_REQUEST_LEN];
	unsigned tries = SG_GEN_ANSWER_MS / ARP_RETRY_MS;

	sg_pkt_arp_request(f, g->mac, g->o.gen_ip, g->o.relay_ip);
	for (unsigned t = 0; t < tries && !g->have_relay_mac; t++) {
		for (unsigned q = 0; q < g->txq; q++)
			sg_gen_send_frame(g, q, f, sizeof(f));
		wait_count(g, &g->c.arp_replies, 1, ARP_RETRY_MS);
	}
	if (!g->have_relay_mac) {
		fprintf(stderr, "surge-gen: no ARP answer from %u.%u.%u.%u within %u ms: is the "
				"relay up with that --address4?\n", g->o.relay_ip[0],
			g->o.relay_ip[1], g->o.relay_ip[2], g->o.relay_ip[3], SG_GEN_ANSWER_MS);
		g->failed = "no ARP answer from the relay";
		return -1;
	}
	return 0;
}

void sg_gen_user_addr(const struct sg_gen *g, const struct sg_gen_user *u, uint8_t out[4])
{
	if (g->o.src_chat)
		sg_gen_src_addr(&g->src, (uint32_t)(u - g->u), out);
	else
		memcpy(out, g->o.gen_ip, 4);
}

void sg_gen_endpoints(const struct sg_gen *g, const struct sg_gen_user *u,
		      struct sg_endpoint *from, struct sg_endpoint *to)
{
	memset(from, 0, sizeof(*from));
	memset(to, 0, sizeof(*to));
	memcpy(from->mac, g->mac, 6);
	from->family = 4;
	from->port = u->udp_port;
	sg_gen_user_addr(g, u, from->addr);
	memcpy(to->mac, g->relay_mac, 6);
	to->family = 4;
	to->port = g->o.udp_port;
	memcpy(to->addr, g->o.relay_ip, 4);
}

static size_t build_udp(const struct sg_gen *g, const struct sg_gen_user *u,
			const uint8_t *payload, size_t plen, uint8_t *out)
{
	struct sg_endpoint from, to;
	unsigned hl;

	sg_gen_endpoints(g, u, &from, &to);
	hl = sg_pkt_udp_headers_len(&to);
	memcpy(out + hl, payload, plen);
	sg_pkt_write_udp_headers(out, &from, &to, (uint16_t)plen);
	return hl + plen;
}

int sg_gen_user_initiate(struct sg_gen *g, struct sg_gen_user *u)
{
	uint8_t msg[SG_INIT_LEN], f[SG_GEN_FRAME_MAX];
	unsigned i = (unsigned)(u - g->u);
	struct sg_init_payload ip;
	uint64_t now;
	int rc;

	sg_init_payload_client(&ip, sg_crypto_have_aes256gcm());
	sg_tai64n_now(ip.timestamp);
	u->attempts++;
	u->local_index = SG_GEN_IDX_BASE | (uint32_t)(u->attempts & 0x1ff) << 15 | i;
	now = rte_get_tsc_cycles();
	rc = sg_hs_initiation_create(&u->hs, msg, &u->id, g->relay_pub, u->local_index, &ip,
				     &u->maker, now / g->hz, NULL);
	if (rc != SG_OK) {
		fprintf(stderr, "surge-gen: user %u: initiation: %s\n", i, sg_status_name(rc));
		g->failed = "could not build an initiation";
		return -1;
	}
	u->hs_sent_tsc = now;
	if (u->attempts == 1)
		u->hs_first_tsc = now;
	if (sg_gen_send_frame(g, i % g->txq, f, build_udp(g, u, msg, sizeof(msg), f)) == 0) {
		g->c.hs_sent++;
		if (g->o.src_chat)
			sg_gen_src_note(&g->src, i);
	}
	return 0;
}

void sg_gen_user_cookie(struct sg_gen *g, struct sg_gen_user *u, const uint8_t *msg, size_t len)
{
	if (u->connected || sg_cookie_reply_consume(&u->maker, msg, len,
						    rte_get_tsc_cycles() / g->hz) != SG_OK) {
		g->c.hs_late++;
		return;
	}
	g->c.cookies++;
	g->c.hs_retries++;
	sg_gen_user_initiate(g, u); /* with mac2 now */
}

/* Send again the initiations unanswered for RETRY_MS, looking at RETRY_SCAN users. */
static int retry_some(struct sg_gen *g, unsigned started, unsigned *cursor, uint64_t now)
{
	uint64_t after = sg_gen_ms_to_tsc(g, RETRY_MS);

	for (unsigned n = 0; n < RETRY_SCAN && n < started; n++) {
		struct sg_gen_user *u = &g->u[*cursor];

		*cursor = *cursor + 1 < started ? *cursor + 1 : 0;
		if (u->connected || now - u->hs_sent_tsc < after)
			continue;
		g->c.hs_retries++;
		if (sg_gen_user_initiate(g, u) != 0)
			return -1;
	}
	return 0;
}

int sg_gen_signup(struct sg_gen *g)
{
	uint64_t now = rte_get_tsc_cycles(), progress = now, done = 0;
	uint64_t stuck = sg_gen_ms_to_tsc(g, SG_GEN_ANSWER_MS);
	unsigned started = 0, cursor = 0;

	while (g->c.hs_done < g->o.users) {
		while (started < g->o.users && started - g->c.hs_done < SIGNUP_WINDOW) {
			if (sg_gen_user_initiate(g, &g->u[started]) != 0)
				return -1;
			started++;
			sg_gen_poll_rx(g);
		}
		if (sg_gen_poll_rx(g) == 0)
			rte_delay_us_block(IDLE_US);
		now = rte_get_tsc_cycles();
		if (retry_some(g, started, &cursor, now) != 0)
			return -1;
		if (g->c.hs_done != done) {
			done = g->c.hs_done;
			progress = now;
		} else if (now - progress > stuck) {
			fprintf(stderr, "surge-gen: %llu of %u handshakes completed, none in the "
					"last %u ms\n", (unsigned long long)g->c.hs_done, g->o.users,
				SG_GEN_ANSWER_MS);
			g->failed = "handshakes did not complete";
			return -1;
		}
	}
	return 0;
}
