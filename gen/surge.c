/* SPDX-License-Identifier: MIT */
/*
 * surge.c - the surge population of surge.h: deterministic identities, the
 * window of handshakes in flight with timeouts, retries and cookies,
 * tickets and resumption for the users of the storms, and the generator's
 * count of the sessions the relay holds for it.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/kdf.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "surge.h"

static const char key_label[] = "surge-gen user v1";

enum { LOGIN_SCAN = 8192 }; /* records a log-in looks at for an idle user */

#define ATTEMPT_MASK ((1u << (31 - SG_GEN_SURGE_SLOT_BITS)) - 1u)

int sg_gen_surge_init(struct sg_gen_surge *s, const struct sg_gen_surge_cfg *cfg,
		      const uint8_t relay_pub[SG_KEY_LEN])
{
	memset(s, 0, sizeof(*s));
	if (cfg->window < 1 || cfg->window > SG_GEN_SURGE_MAX_WINDOW || cfg->tries < 1 ||
	    cfg->users > SG_GEN_SURGE_MAX_USERS)
		return SG_E_INVAL;
	s->cfg = *cfg;
	memcpy(s->relay_pub, relay_pub, SG_KEY_LEN);
	s->u = calloc(cfg->users ? cfg->users : 1, sizeof(*s->u));
	s->slot = calloc(cfg->window, sizeof(*s->slot));
	s->free_slot = calloc(cfg->window, sizeof(*s->free_slot));
	s->est = calloc((size_t)cfg->max_seconds + 1, sizeof(*s->est));
	if (cfg->tickets) {
		s->cfg.tickets = cfg->tickets < cfg->users ? cfg->tickets : cfg->users;
		s->tk = calloc(s->cfg.tickets ? s->cfg.tickets : 1, sizeof(*s->tk));
		s->pend = calloc(cfg->window, sizeof(*s->pend));
	}
	if (!s->u || !s->slot || !s->free_slot || !s->est ||
	    (cfg->tickets && (!s->tk || !s->pend))) {
		sg_gen_surge_fini(s);
		return SG_E_SYSTEM;
	}
	/* Lowest slot first out: a small surge uses few slots (and ports). */
	for (uint32_t i = 0; i < cfg->window; i++)
		s->free_slot[i] = cfg->window - 1 - i;
	s->n_free = cfg->window;
	return SG_OK;
}

void sg_gen_surge_fini(struct sg_gen_surge *s)
{
	if (s->slot)
		sg_wipe(s->slot, sizeof(*s->slot) * s->cfg.window);
	if (s->tk)
		sg_wipe(s->tk, sizeof(*s->tk) * (s->cfg.tickets ? s->cfg.tickets : 1));
	if (s->pend)
		sg_wipe(s->pend, sizeof(*s->pend) * s->cfg.window);
	free(s->tk);
	free(s->pend);
	s->tk = NULL;
	s->pend = NULL;
	free(s->slot);
	free(s->u);
	free(s->free_slot);
	free(s->est);
	s->slot = NULL;
	s->u = NULL;
	s->free_slot = NULL;
	s->est = NULL;
}

void sg_gen_surge_key(const struct sg_gen_surge *s, uint32_t i, struct sg_keypair *kp)
{
	uint8_t a[sizeof(key_label) - 1 + 8], b[4], h[SG_HASH_LEN];

	memcpy(a, key_label, sizeof(key_label) - 1);
	sg_put_le64(a + sizeof(key_label) - 1, s->cfg.seed);
	sg_put_le32(b, i);
	sg_blake2b(h, a, sizeof(a), b, sizeof(b));
	sg_keypair_from_private(kp, h);
	sg_wipe(h, sizeof(h));
}

static uint16_t port_of(uint32_t slot)
{
	return (uint16_t)(SG_GEN_SURGE_PORT_BASE + slot);
}

static uint64_t deadline(const struct sg_gen_surge *s, const struct sg_gen_surge_slot *sl,
			 uint64_t now_ns)
{
	return now_ns + (s->cfg.timeout_ns << (sl->tries - 1 < 16 ? sl->tries - 1 : 16));
}

/* A new initiation for slot k (fresh ephemeral, timestamp, attempt index). */
static int initiate(struct sg_gen_surge *s, uint32_t k, uint64_t now_ns, uint8_t *out,
		    uint16_t *port)
{
	struct sg_gen_surge_slot *sl = &s->slot[k];
	struct sg_init_payload ip;
	int rc;

	sg_init_payload_client(&ip, s->cfg.offer_aes);
	sg_tai64n_now(ip.timestamp);
	s->attempt = (s->attempt + 1) & ATTEMPT_MASK;
	sl->index = SG_GEN_SURGE_IDX_BASE | s->attempt << SG_GEN_SURGE_SLOT_BITS | k;
	rc = sg_hs_initiation_create(&sl->hs, sl->msg, &sl->id, s->relay_pub, sl->index, &ip,
				     &sl->maker, now_ns / 1000000000u, NULL);
	if (rc != SG_OK)
		return SG_GEN_SURGE_ERROR;
	sl->tries++;
	sl->deadline_ns = deadline(s, sl, now_ns);
	memcpy(out, sl->msg, SG_INIT_LEN);
	*port = port_of(k);
	return SG_GEN_SURGE_SEND;
}

/* User i's ticket, when it may hold one, or NULL. */
static struct sg_gen_surge_ticket *ticket_of(struct sg_gen_surge *s, uint32_t i)
{
	return s->tk && i < s->cfg.tickets ? &s->tk[i] : NULL;
}

/* A RESUME for slot k from ticket tk, which it uses up. */
static int resume(struct sg_gen_surge *s, uint32_t k, struct sg_gen_surge_ticket *tk,
		  uint64_t now_ns, uint8_t *out, uint16_t *port)
{
	struct sg_gen_surge_slot *sl = &s->slot[k];
	struct sg_init_payload ip;
	int rc;

	sg_init_payload_client(&ip, s->cfg.offer_aes);
	sg_tai64n_now(ip.timestamp);
	s->attempt = (s->attempt + 1) & ATTEMPT_MASK;
	sl->index = SG_GEN_SURGE_IDX_BASE | s->attempt << SG_GEN_SURGE_SLOT_BITS | k;
	rc = sg_resume_create(&sl->rs, sl->msg, &tk->t, sl->index, &ip, &sl->maker,
			      now_ns / 1000000000u, NULL);
	sg_resume_ticket_wipe(&tk->t); /* one attempt per ticket */
	if (rc != SG_OK)
		return SG_GEN_SURGE_ERROR;
	memcpy(sl->id.pub, tk->pub, SG_KEY_LEN);
	sl->resume = 1;
	sl->tries = 1;
	sl->deadline_ns = deadline(s, sl, now_ns);
	memcpy(out, sl->msg, SG_RESUME_LEN);
	*port = port_of(k);
	return SG_GEN_SURGE_SEND;
}

/* An expired RESUME: a full handshake from the same slot, with its own tries. */
static int fall_back(struct sg_gen_surge *s, uint32_t k, uint64_t now_ns, uint8_t *out,
		     uint16_t *port)
{
	struct sg_gen_surge_slot *sl = &s->slot[k];

	sg_resume_wipe(&sl->rs);
	sl->resume = 0;
	sl->tries = 0;
	sg_gen_surge_key(s, sl->user, &sl->id);
	s->c.rs_failed++;
	s->c.li_offered++;
	return initiate(s, k, now_ns, out, port);
}

static void free_slot(struct sg_gen_surge *s, uint32_t k)
{
	struct sg_gen_surge_slot *sl = &s->slot[k];

	sg_hs_wipe(&sl->hs);
	sg_resume_wipe(&sl->rs);
	sg_keypair_wipe(&sl->id);
	sg_cookie_maker_wipe(&sl->maker);
	sl->busy = 0;
	sl->resume = 0;
	s->free_slot[s->n_free++] = k;
}

/* Take a slot for user i and send its first initiation. */
static int start(struct sg_gen_surge *s, uint32_t i, int login, uint64_t now_ns, uint8_t *out,
		 uint16_t *port)
{
	uint32_t k = s->free_slot[--s->n_free];
	struct sg_gen_surge_slot *sl = &s->slot[k];
	struct sg_gen_surge_ticket *tk = login ? ticket_of(s, i) : NULL;
	int rc;

	sl->busy = 1;
	sl->login = (uint8_t)login;
	sl->tries = 0;
	sl->resume = 0;
	sl->user = i;
	sl->first_ns = now_ns;
	sg_cookie_maker_init(&sl->maker, s->relay_pub);
	if (tk && sg_resume_ticket_usable(&tk->t, now_ns / 1000000000u)) {
		rc = resume(s, k, tk, now_ns, out, port); /* no X25519 at all */
		if (rc == SG_GEN_SURGE_SEND)
			s->c.rs_offered++;
	} else {
		sg_gen_surge_key(s, i, &sl->id);
		rc = initiate(s, k, now_ns, out, port);
		if (rc == SG_GEN_SURGE_SEND && login)
			s->c.li_offered++;
	}
	if (rc != SG_GEN_SURGE_SEND) {
		free_slot(s, k);
		return rc;
	}
	s->u[i].state = login ? SG_GEN_SU_LOGIN : SG_GEN_SU_SIGNUP;
	s->u[i].slot = (uint16_t)k;
	return rc;
}

int sg_gen_surge_signup(struct sg_gen_surge *s, uint64_t now_ns,
			uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port)
{
	int rc;

	if (s->next_signup >= s->cfg.users)
		return SG_GEN_SURGE_NONE;
	if (s->n_free == 0)
		return SG_GEN_SURGE_FULL;
	rc = start(s, s->next_signup, 0, now_ns, out, port);
	if (rc == SG_GEN_SURGE_SEND) {
		s->next_signup++;
		s->c.su_offered++;
	}
	return rc;
}

int sg_gen_surge_login(struct sg_gen_surge *s, uint64_t now_ns,
		       uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port)
{
	uint32_t n = s->next_signup, scan = n < LOGIN_SCAN ? n : LOGIN_SCAN;
	int rc;

	if (s->n_free == 0)
		return SG_GEN_SURGE_FULL;
	for (uint32_t look = 0; look < scan; look++) {
		uint32_t i = s->login_cursor++ % n;

		if (s->login_cursor >= n)
			s->login_cursor = 0;
		if (s->u[i].state != SG_GEN_SU_DONE)
			continue;
		rc = start(s, i, 1, now_ns, out, port);
		if (rc == SG_GEN_SURGE_SEND)
			s->c.li_started++;
		return rc;
	}
	return SG_GEN_SURGE_NONE;
}

static void give_up(struct sg_gen_surge *s, uint32_t k)
{
	struct sg_gen_surge_slot *sl = &s->slot[k];
	struct sg_gen_surge_user *u = &s->u[sl->user];

	if (sl->login) {
		s->c.li_failed++;
		u->state = SG_GEN_SU_DONE; /* still registered; its old session may live on */
	} else {
		s->c.su_failed++;
		u->state = SG_GEN_SU_FAILED;
	}
	free_slot(s, k);
}

int sg_gen_surge_expire(struct sg_gen_surge *s, uint64_t now_ns, unsigned scan,
			uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port)
{
	if (s->n_free == s->cfg.window)
		return SG_GEN_SURGE_NONE;
	for (unsigned n = 0; n < scan && n < s->cfg.window; n++) {
		uint32_t k = s->expire_cursor;
		struct sg_gen_surge_slot *sl = &s->slot[k];

		s->expire_cursor = k + 1 < s->cfg.window ? k + 1 : 0;
		if (!sl->busy || now_ns < sl->deadline_ns)
			continue;
		if (sl->resume) {
			if (fall_back(s, k, now_ns, out, port) != SG_GEN_SURGE_SEND) {
				give_up(s, k);
				return SG_GEN_SURGE_ERROR;
			}
			return SG_GEN_SURGE_SEND;
		}
		if (sl->tries >= s->cfg.tries) {
			give_up(s, k);
			continue;
		}
		s->c.retries++;
		if (initiate(s, k, now_ns, out, port) != SG_GEN_SURGE_SEND) {
			give_up(s, k);
			return SG_GEN_SURGE_ERROR;
		}
		return SG_GEN_SURGE_SEND;
	}
	return SG_GEN_SURGE_NONE;
}

/* The busy slot this index names for its current attempt, or NULL. */
static struct sg_gen_surge_slot *slot_of(struct sg_gen_surge *s, uint32_t index, uint32_t *k)
{
	uint32_t i = index & (SG_GEN_SURGE_MAX_WINDOW - 1);

	if (!sg_gen_surge_owns(index) || i >= s->cfg.window || !s->slot[i].busy ||
	    s->slot[i].index != index) {
		s->c.late++;
		return NULL;
	}
	*k = i;
	return &s->slot[i];
}

static void session_begins(struct sg_gen_surge *s, struct sg_gen_surge_user *u, int replaces)
{
	uint32_t cur = s->sec;

	if (replaces && u->sec <= s->cfg.max_seconds && s->est[u->sec] > 0) {
		s->est[u->sec]--;
		if ((uint64_t)u->sec + SG_SESSION_DEAD_S > cur)
			s->live--;
	}
	u->sec = cur;
	s->est[cur]++;
	s->live++;
}

/* Slot k's handshake completed with receive key rx: wait for its TICKET. */
static void await_ticket(struct sg_gen_surge *s, uint32_t k, uint8_t suite,
			 const uint8_t rx[SG_KEY_LEN])
{
	struct sg_gen_surge_slot *sl = &s->slot[k];
	struct sg_gen_surge_pend *p = &s->pend[k];

	if (!ticket_of(s, sl->user)) {
		sg_wipe(p, sizeof(*p));
		return;
	}
	memcpy(p->key, rx, SG_KEY_LEN);
	memcpy(p->pub, sl->id.pub, SG_KEY_LEN);
	p->index = sl->index;
	p->user = sl->user;
	p->suite = suite;
	p->valid = 1;
}

/* The answer's Noise or resumption part: SG_OK with rp and the receive key. */
static int finish(struct sg_gen_surge *s, struct sg_gen_surge_slot *sl, const uint8_t *msg,
		  size_t len, struct sg_resp_payload *rp, uint8_t rx[SG_KEY_LEN])
{
	uint8_t tx[SG_KEY_LEN];
	int rc;

	if (msg[0] == SG_MSG_RESUME_RESP) {
		if (!sl->resume)
			return SG_E_TYPE;
		rc = sg_resume_response_consume(&sl->rs, sl->id.pub, msg, len, rp);
		if (rc != SG_OK) {
			s->c.rs_bad++; /* rs unchanged: a forged answer does not end it */
			return rc;
		}
		rc = sg_resume_keys(&sl->rs, tx, rx);
	} else {
		if (sl->resume)
			return SG_E_TYPE;
		rc = sg_hs_response_consume(&sl->hs, &sl->id, msg, len, rp);
		if (rc == SG_OK)
			rc = sg_hs_keys(&sl->hs, tx, rx); /* surge users send no DATA */
		if (rc != SG_OK) {
			/* Noise state is gone: the timer sends a fresh initiation. */
			s->c.resp_bad++;
			sg_hs_wipe(&sl->hs);
		}
	}
	sg_wipe(tx, sizeof(tx));
	return rc;
}

int sg_gen_surge_response(struct sg_gen_surge *s, const uint8_t *msg, size_t len,
			  uint64_t now_ns)
{
	struct sg_resp_payload rp;
	struct sg_gen_surge_slot *sl;
	struct sg_gen_surge_user *u;
	uint8_t rx[SG_KEY_LEN];
	uint64_t ns;
	uint32_t k;
	int rc, resumed;

	if (len < SG_RRESP_LEN ||
	    !(sl = slot_of(s, sg_le32(msg + SG_RESP_OFF_RECEIVER), &k)))
		return SG_E_STATE;
	rc = finish(s, sl, msg, len, &rp, rx);
	if (rc != SG_OK) {
		sg_wipe(rx, sizeof(rx));
		return rc;
	}
	resumed = sl->resume;
	if (s->pend)
		await_ticket(s, k, rp.suite, rx);
	sg_wipe(rx, sizeof(rx));
	u = &s->u[sl->user];
	ns = now_ns - sl->first_ns;
	sg_gen_hist_add(&s->lat, ns);
	sg_gen_hist_add(&s->lat_sec, ns);
	if (sl->login) {
		sg_gen_hist_add(resumed ? &s->resume_lat : &s->login_lat, ns);
		if (resumed)
			s->c.rs_done++;
		else
			s->c.li_done++;
		if ((rp.flags & SG_RESP_F_SIGNED_UP) || rp.user_id != u->user_id)
			s->c.login_mismatch++;
		if (u->logins < UINT8_MAX)
			u->logins++;
		session_begins(s, u, 1);
	} else {
		s->c.su_done++;
		if (!(rp.flags & SG_RESP_F_SIGNED_UP))
			s->c.signup_known++;
		u->user_id = rp.user_id;
		session_begins(s, u, 0);
	}
	u->state = SG_GEN_SU_DONE;
	free_slot(s, k);
	return SG_OK;
}

int sg_gen_surge_ticket(struct sg_gen_surge *s, uint8_t *msg, size_t len, uint64_t now_ns)
{
	uint32_t index = len >= SG_HDR_LEN ? sg_le32(msg + SG_HDR_OFF_RECEIVER) : 0;
	struct sg_gen_surge_pend *p;
	struct sg_gen_surge_ticket *tk;
	struct sg_aead_ctx ctx;
	struct sg_hdr h;
	size_t plen;
	uint32_t k;
	int rc;

	k = index & (SG_GEN_SURGE_MAX_WINDOW - 1);
	p = s->pend && sg_gen_surge_owns(index) && k < s->cfg.window ? &s->pend[k] : NULL;
	if (!p || !p->valid || p->index != index || !(tk = ticket_of(s, p->user))) {
		s->c.ticket_ignored++;
		return SG_E_STATE;
	}
	rc = sg_aead_ctx_init(&ctx, p->suite, p->key);
	if (rc == SG_OK)
		rc = sg_transport_open(&ctx, msg, len, &h, &plen);
	sg_aead_ctx_wipe(&ctx);
	if (rc == SG_OK && h.type != SG_MSG_TICKET)
		rc = SG_E_TYPE;
	if (rc == SG_OK)
		rc = sg_resume_ticket_store(&tk->t, msg + SG_HDR_LEN, plen, now_ns / 1000000000u);
	if (rc != SG_OK) {
		s->c.ticket_bad++;
		return rc;
	}
	memcpy(tk->pub, p->pub, SG_KEY_LEN);
	s->c.tickets++;
	return SG_OK;
}

int sg_gen_surge_cookie(struct sg_gen_surge *s, const uint8_t *msg, size_t len,
			uint64_t now_ns, uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port)
{
	struct sg_gen_surge_slot *sl;
	uint64_t now_s = now_ns / 1000000000u;
	uint32_t k;

	if (len < SG_COOKIE_REPLY_LEN || !(sl = slot_of(s, sg_le32(msg + SG_COOKIE_OFF_RECEIVER), &k)))
		return SG_GEN_SURGE_NONE;
	if (sg_cookie_reply_consume(&sl->maker, msg, len, now_s) != SG_OK) {
		s->c.cookie_bad++;
		return SG_GEN_SURGE_NONE;
	}
	s->c.cookies++;
	if (sl->resume && sl->tries >= 2) /* its mac2 went unheeded: the timer falls back */
		return SG_GEN_SURGE_NONE;
	if (!sl->resume && sl->tries >= s->cfg.tries) {
		give_up(s, k);
		return SG_GEN_SURGE_NONE;
	}
	/* The same initiation or RESUME (the relay did not take it), now with mac2. */
	sg_cookie_add_macs(&sl->maker, sl->msg, sg_gen_surge_msg_len(sl->msg), now_s);
	sl->tries++;
	sl->deadline_ns = deadline(s, sl, now_ns);
	memcpy(out, sl->msg, sg_gen_surge_msg_len(sl->msg));
	*port = port_of(k);
	return SG_GEN_SURGE_SEND;
}

void sg_gen_surge_second(struct sg_gen_surge *s, uint32_t sec)
{
	if (sec > s->cfg.max_seconds)
		sec = s->cfg.max_seconds;
	while (s->sec < sec) {
		s->sec++;
		if (s->sec >= SG_SESSION_DEAD_S)
			s->live -= s->est[s->sec - SG_SESSION_DEAD_S];
	}
}
