/* SPDX-License-Identifier: MIT */
/*
 * hs_common.c - helpers shared by the full handshake (hs_ctl.c) and
 * resumption (resume_ctl.c) on the control plane: answering back the way a
 * handshake message came, cookie replies under load, installing a session.
 *
 * Invariant of sg_hs_session_install: a session is published only complete
 * (keys, suite, user, endpoint written before the index is stored), and the
 * user's previous session is retired at the same moment, never left live
 * beside the new one.  Cookie replies are encrypted under the cookie key of
 * the static key the message's mac1 is under (keys_ctl.c: two during a
 * rotation's grace period), so a client holding either key can read them.
 */
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "hs_common.h"
#include "keys_ctl.h"
#include "proto/bytes.h"
#include "proto/status.h"

_Static_assert(SG_RESUME_OFF_SENDER == SG_INIT_OFF_SENDER, "cookie replies read offset 4");

size_t sg_hs_cookie_source(const struct sg_endpoint *src, uint8_t out[18])
{
	size_t n = src->family == 4 ? 4 : 16;

	memcpy(out, src->addr, n);
	out[n] = (uint8_t)(src->port >> 8);
	out[n + 1] = (uint8_t)src->port;
	return n + 2;
}

uint64_t sg_hs_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sg_hs_send_back(struct sg_plane *p, struct rte_mbuf *m, const uint8_t *payload,
		    uint16_t plen)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	struct sg_endpoint to = t->pkt.src;
	uint8_t local[SG_IP_ADDR_LEN];

	if (p->cfg->has_gateway_mac)
		memcpy(to.mac, p->cfg->gateway_mac, 6);
	memcpy(local, t->pkt.dst_addr, sizeof(local));
	return sg_plane_tx_udp(p, m, t->port, local, &to, payload, plen);
}

void sg_hs_cookie_reply(struct sg_plane *p, struct rte_mbuf *m, const struct sg_cookie_keys *k,
			const uint8_t *msg, const uint8_t *src, size_t srclen, uint64_t now)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	uint8_t out[SG_COOKIE_REPLY_LEN];

	if (sg_cookie_reply_create_keys(p->cookie, k, out, msg, t->pkt.payload_len,
					sg_le32(msg + SG_INIT_OFF_SENDER), src, srclen, now,
					NULL) != SG_OK) {
		p->counters[SG_PC_HS_MAC1]++; /* too short to hold MACs: cannot happen here */
		rte_pktmbuf_free(m);
		return;
	}
	if (sg_hs_send_back(p, m, out, sizeof(out)) == 0)
		p->counters[SG_PC_COOKIE_REPLIES]++;
}

void sg_hs_session_install(struct sg_plane *p, struct rte_mbuf *m, struct sg_session *s,
			   uint32_t index, uint64_t user_id, uint8_t suite,
			   uint32_t peer_index)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	const uint64_t now = sg_session_now(p->sessions);
	uint32_t prev;

	s->suite = suite;
	s->user_id = user_id;
	s->peer_index = peer_index;
	s->born = (uint32_t)now;
	s->last_seen = now;
	s->dpdk_port = t->port;
	s->ep = t->pkt.src;
	if (p->cfg->has_gateway_mac)
		memcpy(s->ep.mac, p->cfg->gateway_mac, 6);
	memcpy(s->local_addr, t->pkt.dst_addr, sizeof(s->local_addr));

	prev = sg_session_publish(p->sessions, s, index);
	sg_plane_session_born(p, s); /* its timers (timers.h) */
	if (prev) {
		int miss;
		struct sg_session *old = sg_session_get(p->sessions, prev, &miss);

		if (old) {
			sg_session_retire(p->sessions, old);
			p->counters[SG_PC_REPLACED]++;
		}
	}
}

int sg_hs_admit(struct sg_plane *p, struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	const uint8_t *msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, t->pkt.payload_off);
	const uint64_t now = sg_session_now(p->sessions);
	const struct sg_cookie_keys *k;
	uint8_t src[18];
	size_t srclen;
	int rc, which;

	/* Which static key: a worker's verdict may predate a key's drop, so always. */
	which = sg_plane_keys_match(p, msg, t->pkt.payload_len);
	if (which < 0) {
		p->counters[SG_PC_HS_MAC1]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	/* Under load the worker checked mac2 and took the token: not twice. */
	if (t->detail == SG_TOCTL_HS_ADMITTED)
		return 1 + which;
	k = sg_plane_keys_cookie(p, which);
	srclen = sg_hs_cookie_source(&t->pkt.src, src);
	rc = sg_cookie_validate_keys(p->cookie, k, msg, t->pkt.payload_len, src, srclen, now);
	if (rc < 0) {
		p->counters[SG_PC_HS_MAC1]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	if (p->under_load && rc != SG_MAC_BOTH_OK) {
		sg_hs_cookie_reply(p, m, k, msg, src, srclen, now);
		return 0;
	}
	if (p->under_load && !sg_ratelimit_allow(&p->ratelimit, t->pkt.src.family,
						 t->pkt.src.addr, sg_hs_monotonic_ns())) {
		p->counters[SG_PC_HS_RATELIMITED]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	return 1 + which;
}
