/* SPDX-License-Identifier: MIT */
/*
 * mbox_ctl.c - mailboxes on the control plane: store a frame for a user
 * with no live session, answer STORED once it is durable, deliver in order
 * when the user is back, delete on acknowledgement or when the TTL ends.
 *
 * - Store: a worker hands over DATA whose recipient has no live session
 *   (SG_TOCTL_UNDELIVERED, plaintext in place).  Unknown recipient:
 *   UNKNOWN_RECIPIENT.  TTL 0 or no store configured: RECIPIENT_OFFLINE.
 *   Otherwise it joins the store's open batch (control/store.h): the STORED
 *   reply is held until the batch is committed (durable.c); a full mailbox
 *   answers MAILBOX_FULL (detail 0: the recipient's cap, 1: the relay's); a
 *   storage error answers UNAVAILABLE, at the write or, when the batch's
 *   commit fails (a full disk), instead of the held STORED (durable.c).
 *   Nothing is dropped silently.  The TTL is cut to mailbox_max_ttl.
 * - Deliver: when a session is published (sg_plane_mbox_online) or a frame
 *   is stored for a user who came online meanwhile, the user joins the
 *   delivery queue with a cursor (the last seq sent).  After each commit,
 *   sg_plane_mbox_deliver() sends at most `budget` committed messages, in
 *   seq order, sealed in the recipient's session with FROM_MAILBOX and the
 *   TTL that is left, at most SG_DELIVER_WINDOW unacknowledged at a time
 *   (a client's socket buffer holds about that many; a burst of hundreds
 *   would be dropped by its kernel): the window opens as acknowledgements
 *   arrive, or after DELIVER_STALL_MS without any (what the client lost is
 *   then delivered at its next log-in).  A message stays stored until
 *   acknowledged, so a
 *   session that ends mid-way gets the rest (and perhaps some again) at its
 *   next log-in; clients drop duplicates by (sender, message id).
 * - Acknowledge: DELIVERY_ACK entries delete (recipient, sender, msg id).
 * - Expire: once a second, messages whose TTL ended leave the store (the
 *   store's expiry index: the cost follows what expires).
 */
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include <rte_mbuf.h>

#include "plane.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/transport_msg.h"
#include "registry.h"
#include "store.h"

enum {
	DELIVER_CHUNK = 32, /* messages read from the store at a time */
	DELIVER_STALL_MS = 1000,
	EXPIRE_MAX = 1024,  /* expired messages deleted a second, at most */
};

static uint64_t now_ms(void)
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000);
}

static struct sg_mbox_delivery *delivery_of(struct sg_plane *p, uint64_t user)
{
	for (unsigned i = 0; i < p->n_deliver; i++)
		if (p->deliver[i].user == user)
			return &p->deliver[i];
	return NULL;
}

/* Queue user (session index) for delivery after `after`; one entry a user. */
static void deliver_later(struct sg_plane *p, uint32_t index, uint64_t user, uint64_t after)
{
	struct sg_mbox_delivery *d = delivery_of(p, user);
	struct sg_mbox_delivery fresh = {
		.index = index, .user = user, .after = after, .progress_ms = now_ms(),
	};

	if (d) {
		if (d->index != index) /* a newer session: from where the caller says */
			*d = fresh;
		else if (after < d->after)
			d->after = after;
		return;
	}
	if (p->n_deliver == SG_DELIVER_MAX) {
		p->counters[SG_PC_MBOX_DEFERRED]++; /* delivered at the user's next log-in */
		return;
	}
	p->deliver[p->n_deliver++] = fresh;
}

void sg_plane_mbox_store(struct sg_plane *p, struct sg_session *s, struct rte_mbuf *m,
			 const uint8_t *in, uint16_t plen)
{
	struct sg_data_inner d;
	struct sg_store_msg msg;
	uint64_t now = (uint64_t)time(NULL);
	uint32_t ttl;
	uint32_t online;
	char err[256];
	int rc;

	if (plen < SG_DATA_INNER_LEN || sg_data_inner_decode(&d, in) != SG_OK) {
		sg_plane_reply(p, s, m, SG_REPLY_MALFORMED, 0);
		return;
	}
	if (!sg_registry_by_id(p->registry, d.peer_user)) {
		sg_plane_reply(p, s, m, SG_REPLY_UNKNOWN_RECIPIENT, 0);
		return;
	}
	if (d.ttl_s == 0 || !p->store) {
		sg_plane_reply(p, s, m, SG_REPLY_RECIPIENT_OFFLINE, 0);
		return;
	}
	ttl = d.ttl_s < p->cfg->mailbox_max_ttl ? d.ttl_s : p->cfg->mailbox_max_ttl;
	msg = (struct sg_store_msg){
		.recipient = d.peer_user,
		.sender = s->user_id,
		.msg_id = d.msg_id,
		.expires = now + ttl,
		.class = d.class,
		.len = (uint16_t)(plen - SG_DATA_INNER_LEN),
		.body = in + SG_DATA_INNER_LEN,
	};
	rc = sg_store_mbox_put(p->store, &msg, err, sizeof(err));
	switch (rc) {
	case SG_STORE_OK:
		p->counters[SG_PC_STORED]++;
		p->holding = 1; /* STORED only once it is durable */
		p->hold_tag = (struct sg_held_stored){ .index = s->index, .peer = d.peer_user,
						       .msg_id = d.msg_id };
		sg_plane_reply(p, s, m, SG_REPLY_STORED, 0);
		p->hold_tag = (struct sg_held_stored){ 0 };
		p->holding = 0;
		/* Came online since the worker looked: deliver after the commit. */
		online = sg_session_of_user(p->sessions, d.peer_user);
		if (online)
			deliver_later(p, online, d.peer_user, msg.seq - 1);
		return;
	case SG_STORE_FULL_USER:
	case SG_STORE_FULL_TOTAL:
		p->counters[SG_PC_MBOX_FULL]++;
		sg_plane_reply(p, s, m, SG_REPLY_MAILBOX_FULL, rc == SG_STORE_FULL_TOTAL);
		return;
	default:
		sg_plane_store_failed(p, err);
		p->counters[SG_PC_MBOX_UNAVAILABLE]++;
		sg_plane_reply(p, s, m, SG_REPLY_UNAVAILABLE, 0);
	}
}

void sg_plane_mbox_ack(struct sg_plane *p, const struct sg_session *s,
		       const struct sg_ack_entry *e, unsigned n)
{
	char err[256];

	if (!p->store)
		return;
	for (unsigned i = 0; i < n; i++) {
		int rc = sg_store_mbox_ack(p->store, s->user_id, e[i].sender_user, e[i].msg_id, err,
					   sizeof(err));

		if (rc < 0)
			sg_plane_store_failed(p, err);
		if (rc > 0) {
			struct sg_mbox_delivery *d = delivery_of(p, s->user_id);

			p->counters[SG_PC_MBOX_ACKED]++;
			if (d && d->unacked) { /* the window opens */
				d->unacked--;
				d->progress_ms = now_ms();
			}
		}
	}
}

void sg_plane_mbox_online(struct sg_plane *p, const struct sg_session *s, uint32_t index)
{
	if (p->store && sg_store_mbox_depth(p->store, s->user_id))
		deliver_later(p, index, s->user_id, 0);
}

struct deliver_ctx {
	struct sg_plane *p;
	struct sg_session *s;
	struct sg_mbox_delivery *d;
	uint64_t now;   /* unix seconds (TTLs) */
	uint64_t ms;    /* monotonic ms (the window) */
	unsigned sent;
	int stop;
};

static int deliver_one(void *arg, const struct sg_store_msg *m)
{
	struct deliver_ctx *c = arg;
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX_IPV4];
	unsigned max = c->s->ep.family == 6 ? SG_BODY_MAX_IPV6 : SG_BODY_MAX_IPV4;
	struct sg_data_inner d = {
		.peer_user = m->sender,
		.msg_id = m->msg_id,
		.ttl_s = (uint32_t)(m->expires - c->now),
		.class = m->class,
		.flags = SG_DATA_F_FROM_MAILBOX,
	};

	if (m->expires <= c->now) { /* the next expiry pass deletes it */
		c->d->after = m->seq;
		return 0;
	}
	if (m->len > max) {
		c->p->counters[SG_PC_MBOX_TOO_LARGE]++; /* kept for a session on a wider path */
		c->d->after = m->seq;
		return 0;
	}
	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, m->body, m->len);
	if (sg_plane_send(c->p, c->s, SG_MSG_DATA, plain,
			  (uint16_t)(SG_DATA_INNER_LEN + m->len), NULL) != 0) {
		c->stop = 1; /* TX full or no mbuf: again from here next round */
		return 1;
	}
	c->p->counters[SG_PC_MBOX_DELIVERED]++;
	c->d->after = m->seq;
	c->d->unacked++;
	c->d->progress_ms = c->ms;
	c->sent++;
	return 0;
}

unsigned sg_plane_mbox_deliver(struct sg_plane *p, unsigned budget)
{
	struct deliver_ctx c = { .p = p, .now = (uint64_t)time(NULL), .ms = now_ms() };
	unsigned i = 0;
	char err[256];

	while (i < p->n_deliver && c.sent < budget && !c.stop) {
		struct sg_mbox_delivery *d = &p->deliver[i];
		unsigned want = budget - c.sent < DELIVER_CHUNK ? budget - c.sent : DELIVER_CHUNK;
		int miss, n;

		if (d->unacked >= SG_DELIVER_WINDOW && c.ms - d->progress_ms < DELIVER_STALL_MS) {
			i++; /* window full: wait for acknowledgements */
			continue;
		}
		if (d->unacked >= SG_DELIVER_WINDOW)
			d->unacked = 0; /* stalled: the client lost some; go on */
		if (want > SG_DELIVER_WINDOW - d->unacked)
			want = SG_DELIVER_WINDOW - d->unacked;
		c.s = sg_session_get(p->sessions, d->index, &miss);
		c.d = d;
		n = c.s ? sg_store_mbox_each(p->store, d->user, d->after, want, deliver_one, &c, err,
					     sizeof(err)) :
			  0;
		if (n < 0)
			sg_plane_store_failed(p, err);
		if (n < 0 || (!c.stop && (unsigned)n < want)) {
			/* Done (or the session is gone): the next log-in starts over. */
			p->deliver[i] = p->deliver[--p->n_deliver];
			continue;
		}
		i++;
	}
	return c.sent;
}

unsigned sg_plane_mbox_expire(struct sg_plane *p)
{
	uint64_t now = (uint64_t)time(NULL);
	char err[256];
	int n;

	if (!p->store || now == p->mbox_expired_at)
		return 0;
	p->mbox_expired_at = now;
	n = sg_store_mbox_expire(p->store, now, EXPIRE_MAX, NULL, NULL, err, sizeof(err));
	if (n < 0) {
		sg_plane_store_failed(p, err);
		return 0;
	}
	p->counters[SG_PC_MBOX_EXPIRED] += (unsigned)n;
	return (unsigned)n;
}
