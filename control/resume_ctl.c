/* SPDX-License-Identifier: MIT */
/*
 * resume_ctl.c - the relay's side of session resumption, on the control
 * plane (docs/PROTOCOL.md section 9):
 *
 *   mac1 -> under load, mac2 (else a cookie reply) -> under load, the
 *   source's rate -> ticket opens under the current or previous key and is
 *   not expired -> k_init opens the payload -> the user exists -> suite
 *   choice -> session slot -> timestamp strictly newer than the user's last
 *   accepted one (shared with the full handshake: the replay protection) ->
 *   response -> keys -> publish (replacing the user's previous session) ->
 *   RESUME_RESP back the way RESUME came -> a fresh TICKET in the new session.
 *
 * mac1 may be under the previous static key during a rotation's grace
 * period (keys_ctl.c); such a resumption is counted handshakes_old_key too.
 * No X25519 anywhere on this path.  The checks before the ticket are the
 * full handshake's, with the same counters (handshake_mac1, cookie_replies,
 * handshake_ratelimited), and so are suite and table-full refusals; the
 * rest have resume_* counters.  Every refusal sends nothing back: the
 * client falls back to a full handshake after its retry timeout.  The
 * ticket key ring runs on unix time (tickets outlive restarts); it rotates
 * here, before each use, and when a ticket is issued.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/resume.h"
#include "hs_common.h"
#include "keys_ctl.h"
#include "plane.h"
#include "proto/status.h"
#include "registry.h"
#include "resume_ctl.h"
#include "store.h"

static void refuse(struct sg_plane *p, struct rte_mbuf *m, struct sg_resume *rs, unsigned c)
{
	p->counters[c]++;
	sg_resume_wipe(rs);
	rte_pktmbuf_free(m);
}

static unsigned consume_counter(int rc)
{
	switch (rc) {
	case SG_E_KEY:
		return SG_PC_RESUME_BAD_TICKET;
	case SG_E_EXPIRED:
		return SG_PC_RESUME_EXPIRED;
	default:
		return SG_PC_RESUME_NOISE;
	}
}

void sg_plane_resume(struct sg_plane *p, struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	const uint8_t *msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, t->pkt.payload_off);
	const uint64_t unix_now = (uint64_t)time(NULL);
	struct sg_resume rs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	struct sg_session *s;
	struct sg_user *u;
	uint8_t resp[SG_RRESP_LEN];
	uint64_t user_id = 0;
	uint32_t index;
	int rc, admitted;
	uint8_t suite;

	memset(&rs, 0, sizeof(rs));
	if (!p->tickets) {
		refuse(p, m, &rs, SG_PC_RESUME_BAD_TICKET);
		return;
	}
	admitted = sg_hs_admit(p, m); /* mac1 under either static key (keys_ctl.c) */
	if (!admitted)
		return;
	sg_ticket_ring_tick(p->tickets, unix_now);
	rc = sg_resume_consume(&rs, p->tickets, msg, t->pkt.payload_len, unix_now, &ip, &user_id);
	if (rc != SG_OK) {
		refuse(p, m, &rs, consume_counter(rc));
		return;
	}
	u = sg_registry_by_id(p->registry, user_id);
	if (!u) {
		refuse(p, m, &rs, SG_PC_RESUME_NO_USER);
		return;
	}
	suite = sg_hs_choose_suite(&ip, sg_crypto_have_aes256gcm());
	if (suite == SG_SUITE_NONE) {
		refuse(p, m, &rs, SG_PC_HS_SUITE);
		return;
	}
	s = sg_session_alloc(p->sessions, &index);
	if (!s) {
		p->counters[SG_PC_SESSIONS_FULL]++;
		refuse(p, m, &rs, SG_PC_HS_FULL);
		return;
	}
	if (sg_registry_accept_timestamp(u, ip.timestamp) != SG_OK) {
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, &rs, SG_PC_RESUME_TIMESTAMP);
		return;
	}

	rp = (struct sg_resp_payload){
		.user_id = u->id,
		.suite = suite,
		.keepalive_s = (uint16_t)p->cfg->keepalive_s,
	};
	if (sg_resume_response_create(&rs, resp, index, u->pub, &rp, NULL) != SG_OK ||
	    sg_resume_keys(&rs, s->send_key, s->recv_key) != SG_OK) {
		/* Cannot happen after a valid RESUME; never publish half a session. */
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, &rs, SG_PC_RESUME_NOISE);
		return;
	}
	u->last_seen = unix_now;
	/* The new timestamp is durable before the response leaves (durable.c). */
	if (sg_plane_store_user(p, u) != 0) {
		sg_session_cancel(p->sessions, s, index);
		refuse(p, m, &rs, SG_PC_HS_FULL);
		return;
	}
	sg_hs_session_install(p, m, s, index, u->id, suite, rs.remote_index);
	sg_resume_wipe(&rs);
	p->holding = p->store != NULL;
	if (sg_hs_send_back(p, m, resp, sizeof(resp)) == 0) {
		p->counters[SG_PC_RESUMPTIONS]++;
		if (admitted - 1 == SG_KEY_PREVIOUS)
			p->counters[SG_PC_HS_OLD_KEY]++;
	}
	sg_plane_ticket_send(p, s);
	p->holding = 0;
	sg_plane_mbox_online(p, s, index);
}

/*
 * The ticket keys in the store, so that tickets outlive a restart: the
 * current and previous keys (export format, crypto/ticket.h) under the
 * store's meta name "ticket-keys", rewritten when the current key changes
 * (rotation), checked once a second.  Like the spool key they sit in the
 * store's file: whoever reads data.mdb can open tickets still alive.
 */
static const char TICKET_KEYS_META[] = "ticket-keys";

void sg_plane_tickets_sync(struct sg_plane *p)
{
	uint8_t buf[SG_TICKET_KEYS_EXPORT_LEN];
	char err[256];

	if (!p->tickets)
		return;
	sg_ticket_ring_tick(p->tickets, (uint64_t)time(NULL));
	if (!p->store || p->tickets->cur.id == p->tickets_saved_id)
		return;
	sg_ticket_keys_export(p->tickets, buf);
	if (sg_store_meta_put(p->store, TICKET_KEYS_META, buf, sizeof(buf), err, sizeof(err)) == 0)
		p->tickets_saved_id = p->tickets->cur.id;
	else
		sg_plane_store_failed(p, err);
	sg_wipe(buf, sizeof(buf));
}

/* Start-up: the stored ticket keys, if any (else the fresh ring is stored). */
static int tickets_load(struct sg_plane *p, char *err, size_t errlen)
{
	uint8_t buf[SG_TICKET_KEYS_EXPORT_LEN];
	size_t len = sizeof(buf);
	char why[256];
	int rc;

	if (!p->store)
		return 0;
	rc = sg_store_meta_get(p->store, TICKET_KEYS_META, buf, &len, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "ticket keys: %s", why);
		return -1;
	}
	if (rc == 1 && (len != sizeof(buf) ||
			sg_ticket_keys_import(p->tickets, buf, (uint64_t)time(NULL)) != SG_OK)) {
		sg_wipe(buf, sizeof(buf));
		snprintf(err, errlen, "ticket keys in the store are malformed (%zu bytes)", len);
		return -1;
	}
	sg_wipe(buf, sizeof(buf));
	if (rc == 1)
		p->tickets_saved_id = p->tickets->cur.id;
	sg_plane_tickets_sync(p);
	return 0;
}

int sg_plane_ticket_send(struct sg_plane *p, struct sg_session *s)
{
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];
	int rc;

	if (!p->tickets)
		return -1;
	sg_resume_ticket_issue(p->tickets, plain, s->user_id, (uint64_t)time(NULL), NULL);
	rc = sg_plane_send(p, s, SG_MSG_TICKET, plain, sizeof(plain), NULL);
	sg_wipe(plain, sizeof(plain));
	if (rc == 0)
		p->counters[SG_PC_TICKETS]++;
	return rc;
}

int sg_plane_resume_init(struct sg_plane *p, char *err, size_t errlen)
{
	p->tickets = sg_secure_alloc(sizeof(*p->tickets));
	if (!p->tickets) {
		snprintf(err, errlen, "cannot lock memory for the ticket keys");
		return -1;
	}
	/* A key makes tickets for lifetime / 2 and lives lifetime: crypto/ticket.h. */
	if (sg_ticket_ring_init(p->tickets, (p->cfg->ticket_lifetime_s + 1) / 2,
				p->cfg->ticket_lifetime_s,
				(uint64_t)time(NULL)) != SG_OK) {
		snprintf(err, errlen, "ticket lifetime longer than two rotations");
		sg_plane_resume_fini(p);
		return -1;
	}
	return tickets_load(p, err, errlen);
}

void sg_plane_resume_fini(struct sg_plane *p)
{
	if (p->tickets) {
		sg_ticket_ring_wipe(p->tickets);
		sg_secure_free(p->tickets);
	}
	p->tickets = NULL;
}

int sg_plane_ticket_keys_export(const struct sg_plane *p, uint8_t out[SG_TICKET_KEYS_EXPORT_LEN])
{
	if (!p->tickets)
		return -1;
	sg_ticket_keys_export(p->tickets, out);
	return 0;
}

int sg_plane_ticket_keys_import(struct sg_plane *p, const uint8_t in[SG_TICKET_KEYS_EXPORT_LEN])
{
	if (!p->tickets)
		return SG_E_STATE;
	return sg_ticket_keys_import(p->tickets, in, (uint64_t)time(NULL));
}
