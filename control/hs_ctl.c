/* SPDX-License-Identifier: MIT */
/*
 * hs_ctl.c - the relay's side of a handshake, on the control plane:
 *
 *   mac1 (before any DH) -> under load, mac2 (else a cookie reply, no DH)
 *   -> under load, the source's rate (else dropped, no DH) -> Noise IK
 *   message 1 -> suite choice -> registry (sign-up of an unknown identity)
 *   -> replayed-timestamp check -> session slot -> response -> keys ->
 *   publish (replacing the user's previous session) -> response frame back
 *   the way the initiation came.
 *
 * Under load (p->under_load, set per round by sg_plane_poll from the
 * handshake backlog and cfg->cookie_backlog) an initiation whose mac2 is not
 * valid for its source is answered with a COOKIE_REPLY, counted as
 * cookie_replies; the client sends a new initiation with mac2, which then
 * proceeds, unless its source (IPv4 address, IPv6 /64; proven by mac2) is
 * over its token bucket (cfg->handshake_rate a second, handshake_burst at
 * once, control/ratelimit.h): then it is dropped without a reply, counted as
 * handshake_ratelimited.  Not under load, mac2 and the rate are ignored
 * (no bucket is touched).  The cookie secret rotates inside the checker
 * (crypto/cookie.c: replaced when older than 120 s of the relay clock,
 * whenever a cookie is made or checked).
 *
 * The relay may hold two static keys (keys_ctl.c: after a rotation, the
 * previous one for key_grace seconds): mac1 tells which one the client
 * used, and the X25519 half runs under that one's private key (x->key,
 * held from here until sg_plane_handshake_finish so that it cannot be
 * wiped under a handshake lcore); a response under the previous key is
 * counted handshakes_old_key as well as handshakes.
 *
 * Each refusal is counted under its own control-plane counter and nothing is
 * sent back (the client retries).  With a store, the user's record (new, or
 * its new timestamp and last-seen time) joins the open batch and the
 * response is held until the batch is durable (durable.c): a sign-up is
 * never answered before it is committed.  A user whose mailbox holds
 * messages then gets them after the response (mbox_ctl.c).
 */
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "hs_common.h"
#include "hs_lcore.h"
#include "keys_ctl.h"
#include "plane.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "registry.h"

/* Count c, wipe the handshake's state and free m. */
static void refuse(struct sg_plane *p, struct rte_mbuf *m, struct sg_hs_prep *x, unsigned c)
{
	p->counters[c]++;
	sg_wipe(x, sizeof(*x));
	rte_pktmbuf_free(m);
}

void sg_plane_handshake(struct sg_plane *p, struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	const uint8_t *msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, t->pkt.payload_off);
	struct sg_hs_prep *x = sg_hs_prep_of(m);
	int admitted;

	if (!x) { /* no room for the state: cannot happen with the relay's mbufs */
		p->counters[SG_PC_HS_MAC1]++;
		rte_pktmbuf_free(m);
		return;
	}
	admitted = sg_hs_admit(p, m);
	if (!admitted)
		return;
	/* The key its mac1 is under, held until finish releases it (keys_ctl.c). */
	x->key = sg_plane_keys_hold(p, admitted - 1);
	x->old_key = admitted - 1 == SG_KEY_PREVIOUS;
	if (p->n_hs_lcores) {
		if (sg_hs_lcore_submit(&p->hs_lcores[p->hs_next++ % p->n_hs_lcores], m) != 0) {
			sg_plane_keys_release(p, x->key);
			p->counters[SG_PC_HS_BUSY]++;
			rte_pktmbuf_free(m);
		}
		return; /* back through sg_plane_handshake_finish() */
	}
	sg_hs_prep_run(x, msg, t->pkt.payload_len);
	sg_plane_handshake_finish(p, m);
}

void sg_plane_handshake_finish(struct sg_plane *p, struct rte_mbuf *m)
{
	struct sg_hs_prep *x = sg_hs_prep_of(m);
	struct sg_handshake *hs = &x->hs;
	struct sg_resp_payload rp;
	struct sg_session *s;
	struct sg_user *u;
	uint8_t resp[SG_RESP_LEN];
	uint32_t index;
	int created = 0, old_key = x->old_key;
	uint8_t suite;

	/* The X25519 half is done: the static key is not needed any more. */
	sg_plane_keys_release(p, x->key);
	x->key = NULL;
	if (x->rc != SG_OK) {
		refuse(p, m, x, x->rc == SG_E_VERSION ? SG_PC_HS_VERSION : SG_PC_HS_NOISE);
		return;
	}
	suite = sg_hs_choose_suite(&x->ip, sg_crypto_have_aes256gcm());
	if (suite == SG_SUITE_NONE) {
		refuse(p, m, x, SG_PC_HS_SUITE);
		return;
	}
	/* A slot first: a sign-up is registered only when its response can go out. */
	s = sg_session_alloc(p->sessions, &index);
	if (!s) {
		p->counters[SG_PC_SESSIONS_FULL]++;
		refuse(p, m, x, SG_PC_HS_FULL);
		return;
	}
	u = sg_registry_get_or_add(p->registry, x->client_pub, (uint64_t)time(NULL), &created);
	if (!u) {
		sg_session_cancel(p->sessions, s, index);
		p->counters[SG_PC_USERS_FULL]++;
		refuse(p, m, x, SG_PC_HS_FULL);
		return;
	}
	if (sg_registry_accept_timestamp(u, x->ip.timestamp) != SG_OK) {
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, x, SG_PC_HS_TIMESTAMP);
		return;
	}

	rp = (struct sg_resp_payload){
		.user_id = u->id,
		.suite = suite,
		.flags = created ? SG_RESP_F_SIGNED_UP : 0,
		.keepalive_s = (uint16_t)p->cfg->keepalive_s,
	};
	memcpy(resp, x->resp, sizeof(resp)); /* the ephemeral key the DH half wrote */
	if (sg_hs_response_finish(hs, resp, index, &rp) != SG_OK ||
	    sg_hs_keys(hs, s->send_key, s->recv_key) != SG_OK) {
		/* Cannot happen after a valid message 1; never publish half a session. */
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, x, SG_PC_HS_NOISE);
		return;
	}
	u->last_seen = (uint64_t)time(NULL);
	/* Durable before the response leaves (held until the round's commit). */
	if (sg_plane_store_user(p, u) != 0) {
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, x, SG_PC_HS_FULL);
		return;
	}
	sg_hs_session_install(p, m, s, index, u->id, suite, hs->remote_index);
	if (created)
		p->counters[SG_PC_SIGNUPS]++;
	sg_wipe(x, sizeof(*x));
	p->holding = p->store != NULL;
	if (sg_hs_send_back(p, m, resp, sizeof(resp)) == 0) {
		p->counters[SG_PC_HANDSHAKES]++;
		if (old_key)
			p->counters[SG_PC_HS_OLD_KEY]++;
	}
	sg_plane_ticket_send(p, s); /* for a resumption next time (resume_ctl.c) */
	p->holding = 0;
	sg_plane_mbox_online(p, s, index);
}
