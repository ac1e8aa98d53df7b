/* SPDX-License-Identifier: MIT */
/*
 * rx.c - everything that comes back from the relay, on every RX queue:
 * ARP replies (the relay's MAC), ARP requests for any of our addresses
 * (answered: --gen-ip and the source range, src.h), handshake responses
 * and cookie replies (to a chat user: its session, or its next initiation
 * with mac2; to a surge slot: surge_io.c), DATA (counted; every K-th
 * opened with the recipient's key and checked: inner header peer = the
 * sender i - 1, class, body bytes; then the TSC latency from the
 * timestamp in the body), RELAY_REPLY (opened, counted by code; a
 * POLICY_BLOCKED also by the frame it names, blocked()), TICKET
 * (a surge user's: kept, surge.h; a chat user's: opened and counted),
 * RESUME_RESP (surge users' resumptions), ARP replies to the flood's
 * questions (flood_io.c) and anything else (counted as unexpected).  A
 * frame for one of our users must come to the address that user sends from
 * (else: wrong_addr).  Any
 * frame at all tells traffic.c the relay is alive.  No logging per frame.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "crypto/crypto.h"
#include "crypto/transport.h"
#include "gen.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

struct sg_gen_user *sg_gen_user_by_index(struct sg_gen *g, uint32_t index)
{
	uint32_t i = index & SG_GEN_IDX_USER_MASK;

	return (index & 0xff000000u) == SG_GEN_IDX_BASE && i < g->o.users &&
		       g->u[i].local_index == index ? &g->u[i] : NULL;
}

static void rx_arp(struct sg_gen *g, const uint8_t *f, size_t len)
{
	if (sg_gen_flood_rx_arp(g, f, len))
		return; /* the relay's answer to one of the flood's questions */
	if (len < 42 || f[20] != 0 || f[21] != 2 || memcmp(f + 28, g->o.relay_ip, 4) != 0 ||
	    memcmp(f + 38, g->o.gen_ip, 4) != 0) {
		g->c.unexpected++;
		return;
	}
	memcpy(g->relay_mac, f + 22, 6);
	g->have_relay_mac = 1;
	g->c.arp_replies++;
}

/* Is a one of our addresses (--gen-ip or the source range)? */
static int ours(const struct sg_gen *g, const uint8_t a[4])
{
	return memcmp(a, g->o.gen_ip, 4) == 0 || sg_gen_src_pos(&g->src, a) >= 0;
}

/* An ARP request for one of our addresses: answered on queue 0. */
static void rx_arp_request(struct sg_gen *g, uint8_t *f, size_t len)
{
	size_t n = sg_gen_src_arp_answer(&g->src, g->o.gen_ip, g->mac, f, len);

	if (n == 0) {
		g->c.unexpected++;
		return;
	}
	if (sg_gen_send_frame(g, 0, f, n) == 0)
		g->c.arp_answered++;
}

/* Did the frame come to the address chat user u sends from? */
static int to_user(const struct sg_gen *g, const struct sg_gen_user *u, const uint8_t dst[4])
{
	uint8_t a[4];

	sg_gen_user_addr(g, u, a);
	return memcmp(a, dst, 4) == 0;
}

static void rx_handshake(struct sg_gen *g, uint8_t *msg, size_t len, const uint8_t dst[4],
			 uint64_t now)
{
	struct sg_gen_user *u = sg_gen_user_by_index(g, sg_le32(msg + SG_RESP_OFF_RECEIVER));
	struct sg_resp_payload rp;
	int rc;

	if (!u || u->connected) {
		g->c.hs_late++; /* an earlier attempt's answer */
		return;
	}
	if (!to_user(g, u, dst)) {
		g->c.wrong_addr++;
		return;
	}
	rc = sg_hs_response_to_ctx(&u->hs, &u->id, msg, len, &rp, &u->send_ctx, &u->recv_ctx);
	if (rc != SG_OK) {
		g->c.hs_failed++;
		return;
	}
	u->relay_index = sg_le32(msg + SG_RESP_OFF_SENDER);
	u->user_id = rp.user_id;
	u->connected = 1;
	g->c.hs_done++;
	sg_gen_hist_add(&g->hs_lat, (now - u->hs_first_tsc) * 1000000000ull / g->hz);
}

/*
 * POLICY_BLOCKED to user u names its frame by msg_id = seq: one of u's
 * (seq % N) and of class cloud (the relay never scans secret bodies).  Such
 * a frame was answered, not lost (sg_gen_lost); anything else is counted
 * as bad, and stays lost.
 */
static void blocked(struct sg_gen *g, const struct sg_gen_user *u, const struct sg_reply *rep)
{
	uint64_t seq = rep->msg_id;

	if (seq % g->o.users != (uint64_t)(u - g->u) ||
	    sg_gen_class(&g->o, seq) != SG_CLASS_CLOUD) {
		g->c.policy_blocked_bad++;
		return;
	}
	g->c.policy_blocked++;
	g->c.policy_blocked_marked += (uint64_t)sg_gen_marked(&g->o, seq);
}

static void rx_reply(struct sg_gen *g, struct sg_gen_user *u, uint8_t *msg, size_t len)
{
	struct sg_reply rep;
	struct sg_hdr h;
	size_t plen;

	if (sg_transport_open(&u->recv_ctx, msg, len, &h, &plen) != SG_OK ||
	    plen != SG_REPLY_PLAIN_LEN || sg_reply_decode(&rep, msg + SG_HDR_LEN) != SG_OK) {
		g->c.unexpected++;
		return;
	}
	g->c.replies[rep.code <= SG_REPLY_CODE_MAX ? rep.code : SG_REPLY_CODE_MAX + 1]++;
	if (rep.code == SG_REPLY_POLICY_BLOCKED)
		blocked(g, u, &rep);
}

/* A chat user's TICKET: opened and counted (chat users do not resume). */
static void rx_chat_ticket(struct sg_gen *g, struct sg_gen_user *u, uint8_t *msg, size_t len)
{
	struct sg_hdr h;
	size_t plen;

	if (sg_transport_open(&u->recv_ctx, msg, len, &h, &plen) != SG_OK ||
	    plen != SG_TICKET_MSG_PLAIN_LEN)
		g->c.unexpected++;
	else
		g->c.chat_tickets++;
}

static void rx_frame(struct sg_gen *g, uint8_t *f, size_t len, uint64_t now)
{
	struct sg_gen_user *u;
	struct sg_pkt pk;
	uint8_t *msg;
	int rc = sg_pkt_parse(f, len, &pk), type;

	g->c.rx_frames++;
	if (rc < 0 && len >= 14 && f[12] == 0x08 && f[13] == 0x06) {
		rx_arp(g, f, len);
		return;
	}
	if (rc == SG_PKT_ARP) {
		rx_arp_request(g, f, len);
		return;
	}
	if (rc != SG_PKT_UDP || pk.src.family != 4 || memcmp(pk.src.addr, g->o.relay_ip, 4) ||
	    !ours(g, pk.dst_addr) || pk.src.port != g->o.udp_port) {
		g->c.unexpected++;
		return;
	}
	msg = f + pk.payload_off;
	type = sg_proto_classify(msg, pk.payload_len);
	if (type == SG_MSG_TICKET && sg_gen_surge_owns(sg_le32(msg + SG_HDR_OFF_RECEIVER))) {
		sg_gen_surge_rx(g, type, msg, pk.payload_len, pk.dst_addr, now);
		return;
	}
	if (type == SG_MSG_HANDSHAKE_RESP || type == SG_MSG_COOKIE_REPLY ||
	    type == SG_MSG_RESUME_RESP) {
		uint32_t to = sg_le32(msg + (type == SG_MSG_COOKIE_REPLY ? SG_COOKIE_OFF_RECEIVER :
									  SG_RESP_OFF_RECEIVER));

		if (sg_gen_surge_owns(to))
			sg_gen_surge_rx(g, type, msg, pk.payload_len, pk.dst_addr, now);
		else if (type == SG_MSG_RESUME_RESP)
			g->c.hs_late++; /* chat users never resume */
		else if (type == SG_MSG_HANDSHAKE_RESP)
			rx_handshake(g, msg, pk.payload_len, pk.dst_addr, now);
		else if ((u = sg_gen_user_by_index(g, to)) == NULL)
			g->c.hs_late++;
		else if (!to_user(g, u, pk.dst_addr))
			g->c.wrong_addr++;
		else
			sg_gen_user_cookie(g, u, msg, pk.payload_len);
		return;
	}
	u = type > 0 && sg_proto_is_transport((uint8_t)type) ?
		    sg_gen_user_by_index(g, sg_le32(msg + SG_HDR_OFF_RECEIVER)) : NULL;
	if (!u || !u->connected || pk.dst_port != u->udp_port) {
		g->c.unexpected++;
	} else if (!to_user(g, u, pk.dst_addr)) {
		g->c.wrong_addr++;
	} else if (type == SG_MSG_DATA) {
		g->c.delivered++;
		g->c.delivered_wire_bytes += len + SG_GEN_WIRE_EXTRA;
		if (g->c.delivered % g->o.verify_every == 0)
			sg_gen_verify_data(g, u, msg, pk.payload_len, now);
	} else if (type == SG_MSG_RELAY_REPLY) {
		rx_reply(g, u, msg, pk.payload_len);
	} else if (type == SG_MSG_TICKET) {
		rx_chat_ticket(g, u, msg, pk.payload_len);
	} else {
		g->c.unexpected++;
	}
}

unsigned sg_gen_poll_rx(struct sg_gen *g)
{
	struct rte_mbuf *ms[SG_GEN_BURST];
	unsigned got = 0;

	for (unsigned q = 0; q < g->rxq; q++) {
		uint16_t n = rte_eth_rx_burst(g->port, (uint16_t)q, ms, SG_GEN_BURST);
		uint64_t now = n ? rte_get_tsc_cycles() : 0;

		for (uint16_t i = 0; i < n; i++) {
			if (ms[i]->nb_segs != 1)
				g->c.unexpected++;
			else
				rx_frame(g, rte_pktmbuf_mtod(ms[i], uint8_t *),
					 rte_pktmbuf_data_len(ms[i]), now);
			rte_pktmbuf_free(ms[i]);
		}
		got += n;
	}
	if (got)
		g->unanswered_since = 0;
	return got;
}
