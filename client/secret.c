/* SPDX-License-Identifier: MIT */
/*
 * secret.c - secret messages and the identity keys they need: KEY_LOOKUP
 * with retries, trust-on-first-use pinning of KEY_INFO answers, sealing and
 * opening with crypto/e2e, and the parking of messages (both directions)
 * that wait for a peer's key.
 *
 * A parked message leaves this file in exactly one way: sent (outgoing),
 * delivered as a MESSAGE or E2E_ERROR event (incoming), or failed with a
 * SEND_FAILED / E2E_ERROR event saying why (unknown user, key changed,
 * lookup timed out, session closed).  sg_client_close drops them silently:
 * the caller asked for it.
 */
#include <string.h>

#include "client_int.h"
#include "crypto/crypto.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

/* ---- key lookups ---- */

static int lookup_send(struct sg_client *c, struct sg_client_pin *e)
{
	uint8_t *p = c->tx + SG_HDR_LEN;

	e->tries++;
	e->retry_at_ms = sg_client_now_ms(c) + SG_CLIENT_LOOKUP_RETRY_MS;
	sg_lookup_encode(p, e->user);
	return sg_client_tx(c, SG_MSG_KEY_LOOKUP, p, SG_LOOKUP_PLAIN_LEN);
}

/* Ask for user's key unless a lookup is already outstanding. */
static int lookup_start(struct sg_client *c, uint64_t user)
{
	struct sg_client_pin *e = sg_client_pins_get(&c->pins, user);

	if (e == NULL)
		return sg_client_fail(c, SG_E_SYSTEM, "out of memory");
	if (e->lookup_pending)
		return SG_OK;
	sg_client_pins_set_pending(&c->pins, e, 1);
	return lookup_send(c, e);
}

int sg_client_lookup(struct sg_client *c, uint64_t user)
{
	if (c->state != SG_CLIENT_CONNECTED)
		return SG_CLIENT_E_NOT_CONNECTED;
	if (user == 0)
		return SG_E_INVAL;
	return lookup_start(c, user);
}

/* ---- secret bodies ---- */

static int send_secret(struct sg_client *c, const struct sg_client_pin *e, uint64_t msg_id,
		       uint32_t ttl_s, const uint8_t *plain, size_t plen)
{
	uint8_t *p = c->tx + SG_HDR_LEN;
	struct sg_data_inner d = {
		.peer_user = e->user, .msg_id = msg_id, .ttl_s = ttl_s, .class = SG_CLASS_SECRET,
	};
	size_t blen;
	int rc;

	sg_data_inner_encode(p, &d);
	rc = sg_e2e_seal(p + SG_DATA_INNER_LEN, sizeof(c->tx) - SG_HDR_LEN - SG_DATA_INNER_LEN,
			 e->e2e, c->user_id, e->user, msg_id, plain, plen, &blen);
	if (rc != SG_OK)
		return rc;
	return sg_client_tx(c, SG_MSG_DATA, p, SG_DATA_INNER_LEN + blen);
}

/* A secret message for us, opened with the pinned key into a MESSAGE or E2E_ERROR event. */
static void deliver_secret(struct sg_client *c, const struct sg_client_pin *e, uint64_t msg_id,
			   uint32_t ttl_s, uint32_t flags, const uint8_t *body, size_t blen)
{
	struct sg_client_event *ev = sg_client_ev_push(&c->q);
	int rc;

	if (ev == NULL)
		return; /* cannot happen: see the invariants at the top */
	ev->peer = e->user;
	ev->msg_id = msg_id;
	ev->ttl_s = ttl_s;
	ev->flags = flags;
	ev->cls = SG_CLASS_SECRET;
	rc = sg_e2e_open(ev->body, sizeof(ev->body), e->e2e, e->user, c->user_id, msg_id, body,
			 blen, &ev->len);
	if (rc != SG_OK) {
		ev->type = SG_CLIENT_EV_E2E_ERROR;
		ev->status = rc;
		ev->len = 0;
		c->n.e2e_failures++;
		return;
	}
	ev->type = SG_CLIENT_EV_MESSAGE;
	c->n.rx_messages++;
	if (flags & SG_CLIENT_F_DUPLICATE)
		c->n.rx_duplicates++;
}

static void fail_event(struct sg_client *c, const struct sg_client_parked *p, int status)
{
	struct sg_client_event *ev = sg_client_ev_push(&c->q);

	if (ev == NULL)
		return;
	ev->type = p->incoming ? SG_CLIENT_EV_E2E_ERROR : SG_CLIENT_EV_SEND_FAILED;
	ev->status = status;
	ev->peer = p->peer;
	ev->msg_id = p->msg_id;
	ev->ttl_s = p->ttl_s;
	if (p->incoming) {
		ev->cls = SG_CLASS_SECRET;
		ev->flags = p->flags | (p->dup ? SG_CLIENT_F_DUPLICATE : 0);
		c->n.e2e_failures++;
	}
}

/*
 * The lookup for user ended: send or open what waited for its key, or fail
 * it with why (when there is no usable key).
 */
static void release_parked(struct sg_client *c, uint64_t user, int why)
{
	const struct sg_client_pin *e = sg_client_pins_find(&c->pins, user);
	unsigned i, kept = 0;
	int rc;

	for (i = 0; i < c->q.n_parked; i++) {
		struct sg_client_parked *p = &c->q.parked[i];

		if (p->peer != user) {
			if (kept != i)
				c->q.parked[kept] = *p;
			kept++;
			continue;
		}
		if (p->incoming && e != NULL && e->has_key) {
			deliver_secret(c, e, p->msg_id, p->ttl_s,
				       p->flags | (p->dup ? SG_CLIENT_F_DUPLICATE : 0), p->body,
				       p->len);
		} else if (!p->incoming && e != NULL && e->has_key && !e->changed) {
			rc = send_secret(c, e, p->msg_id, p->ttl_s, p->body, p->len);
			if (rc != SG_OK)
				fail_event(c, p, rc);
		} else {
			fail_event(c, p, e != NULL && e->changed ? SG_CLIENT_E_KEY_CHANGED : why);
		}
		sg_wipe(p, sizeof(*p));
	}
	c->q.n_parked = kept;
}

void sg_client_parked_fail_all(struct sg_client *c, int status)
{
	for (unsigned i = 0; i < c->q.n_parked; i++)
		fail_event(c, &c->q.parked[i], status);
	sg_client_parked_clear(c);
}

void sg_client_lookup_timers(struct sg_client *c, uint64_t now)
{
	for (size_t i = 0; c->pins.pending && i < c->pins.cap; i++) {
		struct sg_client_pin *e = &c->pins.slot[i];
		struct sg_client_event *ev;

		if (!e->lookup_pending || now < e->retry_at_ms)
			continue;
		if (e->tries < SG_CLIENT_LOOKUP_TRIES) {
			lookup_send(c, e);
			continue;
		}
		sg_client_pins_set_pending(&c->pins, e, 0);
		ev = sg_client_ev_push(&c->q);
		if (ev != NULL) {
			ev->type = SG_CLIENT_EV_KEY_INFO;
			ev->status = SG_CLIENT_E_TIMEOUT;
			ev->peer = e->user;
		}
		release_parked(c, e->user, SG_CLIENT_E_TIMEOUT);
	}
}

uint64_t sg_client_lookup_due_ms(const struct sg_client *c)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; c->pins.pending && i < c->pins.cap; i++)
		if (c->pins.slot[i].lookup_pending && c->pins.slot[i].retry_at_ms < due)
			due = c->pins.slot[i].retry_at_ms;
	return due;
}

void sg_client_key_info(struct sg_client *c, const uint8_t *plain)
{
	struct sg_client_event *ev;
	struct sg_client_pin *e;
	struct sg_key_info k;
	int why = SG_OK;

	if (sg_keyinfo_decode(&k, plain) != SG_OK || k.user_id == 0) {
		c->n.drop_malformed++;
		return;
	}
	e = sg_client_pins_get(&c->pins, k.user_id);
	if (e == NULL)
		return; /* out of memory: a retry of the lookup may do better */
	ev = sg_client_ev_push(&c->q);
	if (ev == NULL)
		return;
	sg_client_pins_set_pending(&c->pins, e, 0);
	ev->type = SG_CLIENT_EV_KEY_INFO;
	ev->peer = k.user_id;
	memcpy(ev->key, k.public_key, SG_KEY_LEN);
	if (k.status != SG_KEYINFO_FOUND) {
		why = SG_CLIENT_E_UNKNOWN_USER;
	} else if (!e->has_key) {
		why = sg_client_pins_set(e, &c->id, k.public_key); /* trust on first use */
		if (why == SG_OK)
			ev->flags = SG_CLIENT_F_NEW_PIN;
	} else if (memcmp(e->pub, k.public_key, SG_KEY_LEN) != 0) {
		e->changed = 1; /* keep the pin; refuse secret sends until the user decides */
		c->n.key_changes++;
	}
	ev->status = why != SG_OK ? why : e->changed ? SG_CLIENT_E_KEY_CHANGED : SG_OK;
	release_parked(c, k.user_id, why);
}


int sg_client_secret_send(struct sg_client *c, uint64_t to, uint64_t msg_id, uint32_t ttl_s,
			  const uint8_t *body, size_t len)
{
	const struct sg_client_pin *e = sg_client_pins_find(&c->pins, to);
	struct sg_client_parked *p;
	int rc;

	if (e != NULL && e->has_key)
		return send_secret(c, e, msg_id, ttl_s, body, len);
	p = sg_client_park(&c->q);
	if (p == NULL)
		return SG_CLIENT_E_QUEUE_FULL;
	p->peer = to;
	p->msg_id = msg_id;
	p->ttl_s = ttl_s;
	p->len = (uint16_t)len;
	if (len != 0)
		memcpy(p->body, body, len);
	rc = lookup_start(c, to);
	if (rc != SG_OK && rc != SG_CLIENT_E_SOCKET) { /* socket errors: the retry timer resends */
		sg_wipe(p, sizeof(*p));
		c->q.n_parked--;
		return rc;
	}
	return SG_CLIENT_QUEUED;
}

void sg_client_secret_input(struct sg_client *c, const struct sg_data_inner *d, uint32_t flags,
			    const uint8_t *body, size_t blen)
{
	const struct sg_client_pin *e = sg_client_pins_find(&c->pins, d->peer_user);
	struct sg_client_parked *p;

	if (e != NULL && e->has_key) {
		deliver_secret(c, e, d->msg_id, d->ttl_s, flags, body, blen);
		return;
	}
	/* First contact: keep it sealed until the sender's key arrives. */
	p = sg_client_park(&c->q);
	if (p == NULL) {
		c->n.drop_queue_full++;
		return;
	}
	p->incoming = 1;
	p->peer = d->peer_user;
	p->msg_id = d->msg_id;
	p->ttl_s = d->ttl_s;
	p->flags = d->flags;
	p->dup = (flags & SG_CLIENT_F_DUPLICATE) != 0;
	p->len = (uint16_t)blen;
	memcpy(p->body, body, blen);
	if (lookup_start(c, d->peer_user) == SG_E_SYSTEM) {
		fail_event(c, p, SG_E_SYSTEM);
		sg_wipe(p, sizeof(*p));
		c->q.n_parked--;
	}
}

void sg_client_parked_clear(struct sg_client *c)
{
	sg_wipe(c->q.parked, sizeof(c->q.parked));
	c->q.n_parked = 0;
	for (size_t i = 0; c->pins.pending && i < c->pins.cap; i++)
		if (c->pins.slot[i].lookup_pending)
			sg_client_pins_set_pending(&c->pins, &c->pins.slot[i], 0);
}
