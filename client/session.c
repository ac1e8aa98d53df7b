/* SPDX-License-Identifier: MIT */
/*
 * session.c - the client's sessions with the relay: handshake (connect and
 * rekey), transport seal/open, and every timer.
 *
 * Timers (all from the client's monotonic clock, checked by sg_client_timers):
 *   keepalive    KEEPALIVE after keepalive_s (from the response) without sending
 *   key update   the send key is replaced (KEY_PHASE flips) when
 *                SG_KEY_UPDATE_AFTER_S has passed, at the next send
 *   rekey        a new handshake at born + SG_REKEY_AFTER_S - U[0, SG_REKEY_JITTER_S];
 *                resent after 5, 10, 20, 40, 80, 80, ... s (SG_HANDSHAKE_RETRY_S
 *                doubled, + U[0, 1) s) until it answers
 *   expiry       keys past SG_REJECT_AFTER_S: CLOSED (key expired), local
 *   silence      nothing received for max(3 keepalives, 60 s): the relay answers
 *                keepalives, so it may have lost us (restart); a handshake
 *                probes it.  Nothing for SG_SESSION_DEAD_S: CLOSED (idle), local
 *   previous     after a rekey the old session still opens late frames
 *                until its own keys expire, then it is wiped
 *   connect      an initiation every retry_ms (fresh ephemeral and timestamp)
 *   resumption   with a usable ticket (the newest TICKET, kept across closes)
 *                a connect, reconnect or silence probe sends RESUME instead
 *                of an initiation; a cookie reply repeats it with mac2; if it
 *                is unanswered at its retry time the ticket is dropped and a
 *                full handshake follows.  The scheduled rekey, and any
 *                handshake SG_REKEY_AFTER_S after the last full one, is a
 *                full handshake: it is what restores forward secrecy
 *                (docs/PROTOCOL.md section 9.6); a resumption does not move
 *                the rekey past that hour.  A used ticket's secret is wiped
 *                when its resumption completes.
 *
 * Receive order (docs/PROTOCOL.md 6.1, 7): receiver index -> key expiry ->
 * replay check -> key of the header's phase -> AEAD open -> replay update ->
 * phase commit.  A frame that fails changes nothing.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client_int.h"
#include "crypto/crypto.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/tai64n.h"

uint64_t sg_client_now_ms(const struct sg_client *c)
{
	struct timespec ts;

	if (c->clock_ms != NULL)
		return c->clock_ms(c->clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int raw_send(struct sg_client *c, const uint8_t *buf, size_t len)
{
	/* An attempt counts as sending: a failing socket must not spin the timers. */
	c->last_sent_ms = sg_client_now_ms(c);
	if (send(c->fd, buf, len, 0) == (ssize_t)len) {
		c->n.tx_datagrams++;
		return SG_OK;
	}
	c->n.tx_errors++;
	return sg_client_fail(c, SG_CLIENT_E_SOCKET, "send to relay: %s", strerror(errno));
}

/* A timestamp strictly newer than every one sent before (PROTOCOL.md 4.2). */
static void next_timestamp(struct sg_client *c, uint8_t ts[SG_TAI64N_LEN])
{
	uint64_t sec;
	uint32_t nsec;

	sg_tai64n_now(ts);
	if (sg_tai64n_cmp(ts, c->last_ts) <= 0 &&
	    sg_tai64n_decode(c->last_ts, &sec, &nsec) == SG_OK) {
		nsec += UINT32_C(1) << 24;
		if (nsec >= 1000000000u) {
			sec++;
			nsec = 0;
		}
		sg_tai64n_encode(ts, sec, nsec);
	}
	memcpy(c->last_ts, ts, SG_TAI64N_LEN);
}

/* A new index per attempt: a late answer to an older one is refused by index. */
static uint32_t new_index(const struct sg_client *c)
{
	uint32_t idx;

	do
		sg_random(&idx, sizeof(idx));
	while ((c->cur.live && idx == c->cur.local_index) ||
	       (c->prev.live && idx == c->prev.local_index) || idx == c->hs.local_index ||
	       idx == c->rs.local_index);
	return idx;
}

/* RESUME with the held ticket (kept until the resumption completes or times out). */
static int resume_send(struct sg_client *c, const struct sg_init_payload *p, uint32_t idx,
		       uint64_t now)
{
	int rc;

	sg_hs_wipe(&c->hs);
	sg_resume_wipe(&c->rs);
	rc = sg_resume_create(&c->rs, c->tx, &c->ticket, idx, p, &c->maker, now / 1000, NULL);
	if (rc != SG_OK) {
		sg_resume_ticket_wipe(&c->ticket);
		c->rs_active = 0;
		return rc;
	}
	c->rs_active = 1;
	c->n.resumes_sent++;
	return SG_OK;
}

int sg_client_hs_send(struct sg_client *c)
{
	struct sg_init_payload p;
	uint64_t now = sg_client_now_ms(c);
	uint32_t idx = new_index(c);
	/* The scheduled rekey, or an hour since the last DH: a full handshake (9.6). */
	int rekey = (c->state == SG_CLIENT_CONNECTED && now >= c->rekey_at_ms) ||
		    c->dh_at_ms == 0 || now >= c->dh_at_ms + (uint64_t)SG_REKEY_AFTER_S * 1000;
	int rc = SG_E_STATE;

	if (c->rs_active) { /* the last RESUME went unanswered: the ticket may be dead */
		sg_resume_ticket_wipe(&c->ticket);
		sg_resume_wipe(&c->rs);
		c->rs_active = 0;
		c->n.resume_fallbacks++;
	}
	sg_init_payload_client(&p, sg_crypto_have_aes256gcm());
	next_timestamp(c, p.timestamp);
	if (!rekey && sg_resume_ticket_usable(&c->ticket, now / 1000))
		rc = resume_send(c, &p, idx, now);
	if (rc != SG_OK) {
		sg_hs_wipe(&c->hs);
		rc = sg_hs_initiation_create(&c->hs, c->tx, &c->id, c->relay_pub, idx, &p,
					     &c->maker, now / 1000, NULL);
	}
	sg_wipe(&p, sizeof(p));
	if (rc != SG_OK) {
		c->hs_active = 0;
		return sg_client_fail(c, rc, "handshake initiation: %s", sg_status_name(rc));
	}
	c->hs_active = 1;
	if (c->state == SG_CLIENT_CONNECTED) {
		/* Rekey or probe: the keys still work, so back off (a relay that
		 * restarts must not meet every client retrying every 5 s). */
		unsigned shift = c->hs_attempts < 4 ? c->hs_attempts : 4;

		c->hs_retry_at_ms = now + ((uint64_t)SG_HANDSHAKE_RETRY_S * 1000u << shift) +
				    sg_random_uniform(1000);
		c->hs_attempts++;
	} else {
		c->hs_retry_at_ms = now + c->retry_ms;
	}
	if (c->rs_active)
		return raw_send(c, c->tx, SG_RESUME_LEN);
	c->n.initiations_sent++;
	return raw_send(c, c->tx, SG_INIT_LEN);
}

static void sess_wipe(struct sg_client_sess *s)
{
	sg_wipe(s, sizeof(*s));
}

/* The handshake completed: the new keys become the current session. */
static void install(struct sg_client *c, const struct sg_resp_payload *rp,
		    const uint8_t send_key[SG_KEY_LEN], const uint8_t recv_key[SG_KEY_LEN],
		    uint32_t local_index, uint32_t remote_index)
{
	uint64_t now = sg_client_now_ms(c);
	int rekey = c->state == SG_CLIENT_CONNECTED;
	struct sg_client_sess *s = &c->cur;

	sess_wipe(&c->prev);
	if (rekey)
		c->prev = c->cur; /* still opens frames in flight under the old keys */
	sess_wipe(&c->cur);
	sg_skeys_init(&s->keys, rp->suite, send_key, recv_key, now / 1000);
	if (sg_aead_ctx_init(&s->send_ctx, rp->suite, send_key) != SG_OK) {
		/* Cannot happen: we offer only suites we have.  Stay as we were. */
		sess_wipe(&c->cur);
		c->cur = c->prev;
		sess_wipe(&c->prev);
		c->n.drop_handshake++;
		return;
	}
	s->local_index = local_index;
	s->remote_index = remote_index;
	s->live = 1;
	c->user_id = rp->user_id;
	c->suite = rp->suite;
	if (!rekey)
		c->signed_up = (rp->flags & SG_RESP_F_SIGNED_UP) != 0;
	c->keepalive_s = rp->keepalive_s ? rp->keepalive_s : SG_KEEPALIVE_S;
	c->rekey_at_ms = now + (uint64_t)(SG_REKEY_AFTER_S -
					  sg_random_uniform(SG_REKEY_JITTER_S + 1)) * 1000;
	c->last_recv_ms = now;
	c->state = SG_CLIENT_CONNECTED;
	c->hs_attempts = 0;
	c->n.handshakes++;
	if (rekey) /* first message under the new keys: the relay can let the old ones go */
		sg_client_tx(c, SG_MSG_KEEPALIVE, NULL, 0);
}

void sg_client_hs_input(struct sg_client *c, int type, uint8_t *msg, size_t len)
{
	struct sg_resp_payload rp;
	uint8_t send_key[SG_KEY_LEN], recv_key[SG_KEY_LEN];
	uint64_t now = sg_client_now_ms(c);

	if (!c->hs_active) {
		c->n.drop_handshake++;
		return;
	}
	if (type == SG_MSG_COOKIE_REPLY) {
		uint32_t outstanding = c->rs_active ? c->rs.local_index : c->hs.local_index;

		if (sg_le32(msg + SG_COOKIE_OFF_RECEIVER) != outstanding ||
		    sg_cookie_reply_consume(&c->maker, msg, len, now / 1000) != SG_OK) {
			c->n.drop_handshake++;
			return;
		}
		c->n.cookie_replies++;
		/* At once, now with mac2; a RESUME stays a RESUME (not a timeout). */
		c->rs_active = 0;
		sg_resume_wipe(&c->rs);
		sg_client_hs_send(c);
		return;
	}
	if (type == SG_MSG_RESUME_RESP) {
		uint32_t local = c->rs.local_index, remote;

		if (!c->rs_active ||
		    sg_resume_response_consume(&c->rs, c->id.pub, msg, len, &rp) != SG_OK) {
			/* A forged answer leaves the attempt standing (resume.h). */
			c->n.drop_handshake++;
			return;
		}
		remote = c->rs.remote_index;
		if (sg_resume_keys(&c->rs, send_key, recv_key) != SG_OK) { /* cannot happen */
			c->n.drop_handshake++;
			return;
		}
		install(c, &rp, send_key, recv_key, local, remote);
		/* No new DH: the rekey stays due an hour after the last one. */
		if (c->rekey_at_ms > c->dh_at_ms + (uint64_t)SG_REKEY_AFTER_S * 1000)
			c->rekey_at_ms = c->dh_at_ms + (uint64_t)SG_REKEY_AFTER_S * 1000;
		c->n.resumptions++;
		sg_resume_ticket_wipe(&c->ticket); /* used: the relay sends a new one */
		c->rs_active = 0;
	} else {
		if (c->rs_active ||
		    sg_hs_response_consume(&c->hs, &c->id, msg, len, &rp) != SG_OK ||
		    sg_hs_keys(&c->hs, send_key, recv_key) != SG_OK) {
			/* A failed Noise step kills hs: the next retry starts afresh. */
			c->n.drop_handshake++;
			return;
		}
		install(c, &rp, send_key, recv_key, c->hs.local_index, c->hs.remote_index);
		c->dh_at_ms = now;
	}
	sg_wipe(send_key, sizeof(send_key));
	sg_wipe(recv_key, sizeof(recv_key));
	sg_wipe(&rp, sizeof(rp));
	sg_hs_wipe(&c->hs);
	sg_resume_wipe(&c->rs);
	c->hs_active = 0;
}

void sg_client_ticket_input(struct sg_client *c, const uint8_t *plain, size_t plen)
{
	if (sg_resume_ticket_store(&c->ticket, plain, plen, sg_client_now_ms(c) / 1000) != SG_OK) {
		c->n.drop_malformed++;
		return;
	}
	c->n.tickets++;
}

int sg_client_connect(struct sg_client *c, int timeout_ms)
{
	uint64_t start = sg_client_now_ms(c), now, until;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int rc;

	if (c->state == SG_CLIENT_CONNECTED)
		return SG_E_STATE;
	c->err[0] = '\0';
	sg_client_sessions_wipe(c);
	rc = sg_client_hs_send(c);
	if (rc != SG_OK && rc != SG_CLIENT_E_SOCKET)
		return rc;
	for (;;) {
		if (c->state == SG_CLIENT_CONNECTED)
			return SG_OK;
		now = sg_client_now_ms(c);
		if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms) {
			char why[sizeof(c->err)];

			snprintf(why, sizeof(why), "%s", c->err);
			sg_hs_wipe(&c->hs);
			sg_resume_wipe(&c->rs);
			c->hs_active = 0;
			c->rs_active = 0;
			return sg_client_fail(c, SG_CLIENT_E_TIMEOUT,
					      "no handshake response from the relay in %d ms%s%s",
					      timeout_ms, why[0] ? "; last error: " : "", why);
		}
		if (now >= c->hs_retry_at_ms) {
			sg_client_hs_send(c); /* socket errors: keep trying until the timeout */
			continue;
		}
		until = c->hs_retry_at_ms;
		if (timeout_ms >= 0 && start + (uint64_t)timeout_ms < until)
			until = start + (uint64_t)timeout_ms;
		rc = poll(&pfd, 1, (int)(until - now));
		if (rc < 0 && errno != EINTR)
			return sg_client_fail(c, SG_CLIENT_E_SOCKET, "poll: %s", strerror(errno));
		while ((rc = sg_client_read(c)) > 0 && c->state != SG_CLIENT_CONNECTED)
			;
		if (rc < 0)
			return rc;
	}
}

int sg_client_tx(struct sg_client *c, uint8_t type, const uint8_t *plain, size_t plen)
{
	struct sg_client_sess *s = &c->cur;
	uint64_t now_s = sg_client_now_ms(c) / 1000;
	struct sg_hdr h;
	size_t len;
	int rc;

	if (c->state != SG_CLIENT_CONNECTED || !s->live || sg_skeys_expired(&s->keys, now_s))
		return SG_CLIENT_E_NOT_CONNECTED;
	if (c->key_updates && sg_skeys_send_update_due(&s->keys, now_s))
		sg_skeys_send_update(&s->keys, now_s);
	if (s->send_ctx_phase != s->keys.send_phase) {
		sg_aead_ctx_wipe(&s->send_ctx);
		rc = sg_aead_ctx_init(&s->send_ctx, s->keys.suite, s->keys.send);
		if (rc != SG_OK)
			return rc;
		s->send_ctx_phase = s->keys.send_phase;
	}
	h = (struct sg_hdr){
		.type = type,
		.flags = s->keys.send_phase ? SG_HDR_F_KEY_PHASE : 0,
		.receiver = s->remote_index,
		.counter = s->send_counter,
	};
	rc = sg_transport_seal(&s->send_ctx, &h, plain, plen, c->tx, sizeof(c->tx), &len);
	if (rc != SG_OK)
		return sg_client_fail(c, rc, "seal: %s", sg_status_name(rc));
	s->send_counter++; /* never reused, even if the send below fails */
	if (s->send_counter >= SG_REKEY_AFTER_MESSAGES && !c->hs_active)
		c->rekey_at_ms = 0;
	rc = raw_send(c, c->tx, len);
	if (rc == SG_OK && type == SG_MSG_KEEPALIVE)
		c->n.keepalives_sent++;
	return rc;
}

int sg_client_rx_open(struct sg_client *c, uint8_t *msg, size_t len, struct sg_hdr *h,
		      size_t *plen, int *on_prev)
{
	alignas(64) struct sg_aead_ctx ctx;
	uint8_t key[SG_KEY_LEN];
	uint64_t now = sg_client_now_ms(c), now_s = now / 1000;
	struct sg_client_sess *s;
	int rc, is_next;

	if (sg_hdr_decode(h, msg, len) != SG_OK) { /* classify passed it: cannot happen */
		c->n.drop_malformed++;
		return SG_E_LENGTH;
	}
	if (c->state != SG_CLIENT_CONNECTED) {
		c->n.drop_no_session++;
		return SG_E_STATE;
	}
	if (c->cur.live && h->receiver == c->cur.local_index)
		s = &c->cur;
	else if (c->prev.live && h->receiver == c->prev.local_index)
		s = &c->prev;
	else {
		c->n.drop_index++;
		return SG_E_STATE;
	}
	if (sg_skeys_expired(&s->keys, now_s)) {
		c->n.drop_expired++;
		return SG_E_STATE;
	}
	if (sg_replay_window_check(&s->replay, h->counter) != SG_OK) {
		c->n.drop_replay++;
		return SG_E_REPLAY;
	}
	sg_skeys_tick(&s->keys, now_s);
	if (sg_skeys_recv_select(&s->keys, h->flags & SG_HDR_F_KEY_PHASE, now_s, key,
				 &is_next) != SG_OK) {
		c->n.drop_phase++;
		return SG_E_STATE;
	}
	rc = sg_aead_ctx_init(&ctx, s->keys.suite, key);
	sg_wipe(key, sizeof(key));
	if (rc == SG_OK)
		rc = sg_transport_open(&ctx, msg, len, h, plen);
	sg_aead_ctx_wipe(&ctx);
	if (rc != SG_OK) {
		c->n.drop_tag++;
		return rc;
	}
	if (sg_replay_window_update(&s->replay, h->counter) != SG_OK) {
		sg_wipe(msg + SG_HDR_LEN, *plen);
		c->n.drop_replay++;
		return SG_E_REPLAY;
	}
	if (is_next)
		sg_skeys_recv_commit(&s->keys, now_s);
	c->last_recv_ms = now;
	*on_prev = s == &c->prev;
	return SG_OK;
}

void sg_client_prev_wipe(struct sg_client *c)
{
	sess_wipe(&c->prev);
}

void sg_client_sessions_wipe(struct sg_client *c)
{
	sess_wipe(&c->cur);
	sess_wipe(&c->prev);
	sg_hs_wipe(&c->hs);
	sg_resume_wipe(&c->rs);
	c->hs_active = 0;
	c->rs_active = 0;
	c->state = SG_CLIENT_IDLE;
}

void sg_client_closed(struct sg_client *c, uint16_t reason, int local)
{
	struct sg_client_event *ev;

	sg_client_sessions_wipe(c);
	sg_client_parked_fail_all(c, SG_CLIENT_E_NOT_CONNECTED);
	ev = sg_client_ev_push(&c->q);
	if (ev != NULL) {
		ev->type = SG_CLIENT_EV_CLOSED;
		ev->code = reason <= SG_CLOSE_REASON_MAX ? reason : SG_CLOSE_NORMAL;
		ev->flags = local ? SG_CLIENT_F_LOCAL : 0;
	}
}

static uint64_t sess_expiry_ms(const struct sg_client_sess *s)
{
	return (s->keys.born + SG_REJECT_AFTER_S) * 1000;
}

/* Silence after which a handshake checks that the relay still knows us. */
static uint64_t probe_after_ms(const struct sg_client *c)
{
	uint64_t s = 3 * (uint64_t)c->keepalive_s;

	return (s < 60 ? 60 : s) * 1000;
}

/* When the next initiation is due: a retry, the rekey, or a silence probe. */
static uint64_t hs_due_ms(const struct sg_client *c)
{
	uint64_t probe = c->last_recv_ms + probe_after_ms(c);

	if (c->hs_active)
		return c->hs_retry_at_ms;
	return c->rekey_at_ms < probe ? c->rekey_at_ms : probe;
}

void sg_client_timers(struct sg_client *c)
{
	uint64_t now = sg_client_now_ms(c), now_s = now / 1000;

	if (c->state != SG_CLIENT_CONNECTED)
		return;
	if (c->prev.live) {
		if (now >= sess_expiry_ms(&c->prev))
			sess_wipe(&c->prev);
		else
			sg_skeys_tick(&c->prev.keys, now_s);
	}
	sg_skeys_tick(&c->cur.keys, now_s);
	if (now >= sess_expiry_ms(&c->cur)) {
		sg_client_closed(c, SG_CLOSE_KEY_EXPIRED, 1);
		return;
	}
	if (now - c->last_recv_ms >= (uint64_t)SG_SESSION_DEAD_S * 1000) {
		sg_client_closed(c, SG_CLOSE_IDLE, 1);
		return;
	}
	if (now >= hs_due_ms(c))
		sg_client_hs_send(c);
	if (now - c->last_sent_ms >= (uint64_t)c->keepalive_s * 1000) {
		c->last_sent_ms = now; /* even if sealing fails: no busy loop */
		sg_client_tx(c, SG_MSG_KEEPALIVE, NULL, 0);
	}
	sg_client_lookup_timers(c, now);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int64_t sg_client_timer_due_ms(const struct sg_client *c)
{
	uint64_t now = sg_client_now_ms(c), due;

	if (c->state != SG_CLIENT_CONNECTED)
		return -1;
	due = c->last_sent_ms + (uint64_t)c->keepalive_s * 1000;
	due = min_u64(due, hs_due_ms(c));
	due = min_u64(due, sess_expiry_ms(&c->cur));
	due = min_u64(due, c->last_recv_ms + (uint64_t)SG_SESSION_DEAD_S * 1000);
	if (c->cur.keys.has_prev)
		due = min_u64(due, c->cur.keys.prev_until * 1000);
	if (c->prev.live) {
		due = min_u64(due, sess_expiry_ms(&c->prev));
		if (c->prev.keys.has_prev)
			due = min_u64(due, c->prev.keys.prev_until * 1000);
	}
	due = min_u64(due, sg_client_lookup_due_ms(c));
	if (due <= now)
		return 0;
	return (int64_t)min_u64(due - now, INT_MAX);
}
