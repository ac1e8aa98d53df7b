/* SPDX-License-Identifier: MIT */
/*
 * client.c - libsurge's public face (surge.h): create, send, look up keys,
 * acknowledge, poll for events, close.
 *
 * Invariants:
 *  - every datagram read is either turned into events or counted under
 *    exactly one drop reason (struct sg_client_counters);
 *  - a secret body leaves only sealed with the pinned key of its recipient;
 *    a message waiting for a key is parked, never sent in clear or dropped
 *    silently: it goes out, or fails with an event;
 *  - poll reports queued events before reading more, so one datagram's
 *    events (at most SG_CLIENT_PARKED + 1) always fit the event ring.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_int.h"
#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

int sg_client_fail(struct sg_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return rc;
}

const char *sg_client_errmsg(const struct sg_client *c)
{
	return c->err;
}

const char *sg_client_strerror(int rc)
{
	switch (rc) {
	case SG_CLIENT_QUEUED: return "queued";
	case SG_CLIENT_E_TIMEOUT: return "timeout";
	case SG_CLIENT_E_NOT_CONNECTED: return "not_connected";
	case SG_CLIENT_E_KEY_CHANGED: return "key_changed";
	case SG_CLIENT_E_UNKNOWN_USER: return "unknown_user";
	case SG_CLIENT_E_QUEUE_FULL: return "queue_full";
	case SG_CLIENT_E_TOO_LARGE: return "too_large";
	case SG_CLIENT_E_ADDRESS: return "address";
	case SG_CLIENT_E_SOCKET: return "socket";
	default: return sg_status_name(rc);
	}
}

struct sg_client *sg_client_new(const struct sg_client_config *cfg, char *err, size_t errlen)
{
	size_t size = (sizeof(struct sg_client) + 63) & ~(size_t)63;
	struct sg_client *c;
	uint64_t id;

	if (sg_crypto_init() != SG_OK) {
		snprintf(err, errlen, "libsodium failed to start");
		return NULL;
	}
	/*
	 * Identity, session keys, the ticket, queued plaintexts: locked and left
	 * out of core dumps (crypto/secure.h).  sodium_malloc puts the block at
	 * the end of its pages, so a size that is a multiple of 64 is 64-aligned.
	 */
	c = sg_secure_alloc(size);
	if (c == NULL || ((uintptr_t)c & 63) != 0) {
		sg_secure_free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(c, 0, size);
	c->fd = sg_client_addr_open(cfg->relay, &c->family, err, errlen);
	if (c->fd < 0) {
		sg_secure_free(c);
		return NULL;
	}
	if (sg_client_pins_init(&c->pins) != SG_OK) {
		close(c->fd);
		sg_secure_free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Derive the public half ourselves: a mismatched pair would fail opaquely later. */
	sg_keypair_from_private(&c->id, cfg->identity.priv);
	memcpy(c->relay_pub, cfg->relay_pub, SG_KEY_LEN);
	sg_cookie_maker_init(&c->maker, c->relay_pub);
	c->key_updates = cfg->key_updates;
	c->retry_ms = cfg->handshake_retry_ms ? cfg->handshake_retry_ms
					      : SG_CLIENT_RETRY_MS_DEFAULT;
	c->clock_ms = cfg->clock_ms;
	c->clock_arg = cfg->clock_arg;
	c->keepalive_s = SG_KEEPALIVE_S;
	sg_random(&id, sizeof(id));
	c->next_msg_id = (id >> 2) + 1; /* random start, 2^62 ids before any wrap */
	return c;
}

void sg_client_free(struct sg_client *c)
{
	if (c == NULL)
		return;
	sg_client_sessions_wipe(c);
	sg_client_pins_fini(&c->pins);
	if (c->fd >= 0)
		close(c->fd);
	sg_secure_free(c); /* zeroes identity, keys, queued plaintexts */
}

uint64_t sg_client_user_id(const struct sg_client *c) { return c->user_id; }
int sg_client_signed_up(const struct sg_client *c) { return c->signed_up; }
uint8_t sg_client_suite(const struct sg_client *c) { return c->suite; }
uint16_t sg_client_keepalive_s(const struct sg_client *c) { return c->keepalive_s; }
int sg_client_fd(const struct sg_client *c) { return c->fd; }

int sg_client_is_connected(const struct sg_client *c)
{
	return c->state == SG_CLIENT_CONNECTED;
}

const char *sg_client_suite_name(uint8_t suite)
{
	switch (suite) {
	case SG_SUITE_AES256_GCM: return "aes-256-gcm";
	case SG_SUITE_CHACHA20_POLY1305: return "chacha20-poly1305";
	default: return "none";
	}
}

size_t sg_client_body_max(const struct sg_client *c, uint8_t cls)
{
	size_t max = c->family == AF_INET6 ? SG_BODY_MAX_IPV6 : SG_BODY_MAX_IPV4;

	return cls == SG_CLASS_SECRET ? max - SG_E2E_OVERHEAD : max;
}

unsigned sg_client_pending(const struct sg_client *c)
{
	return c->q.n_parked + (unsigned)c->pins.pending;
}

void sg_client_get_counters(const struct sg_client *c, struct sg_client_counters *out)
{
	*out = c->n;
}

/* ---- sending ---- */

int sg_client_send(struct sg_client *c, uint64_t to, uint8_t cls, const void *body, size_t len,
		   uint32_t ttl_s, uint64_t *msg_id)
{
	const struct sg_client_pin *e;
	uint8_t *buf = c->tx + SG_HDR_LEN;
	uint64_t id;

	if (c->state != SG_CLIENT_CONNECTED)
		return SG_CLIENT_E_NOT_CONNECTED;
	if (cls != SG_CLASS_CLOUD && cls != SG_CLASS_SECRET)
		return SG_E_CLASS;
	if (to == 0 || (body == NULL && len != 0))
		return SG_E_INVAL;
	if (len > sg_client_body_max(c, cls))
		return SG_CLIENT_E_TOO_LARGE;
	if (cls == SG_CLASS_SECRET) {
		e = sg_client_pins_find(&c->pins, to);
		if (e != NULL && e->changed) /* TOFU: refuse until the user pins a key */
			return sg_client_fail(c, SG_CLIENT_E_KEY_CHANGED,
					      "user %llu: the relay's key differs from the pinned one",
					      (unsigned long long)to);
	}
	id = c->next_msg_id++;
	if (msg_id != NULL)
		*msg_id = id;
	if (cls == SG_CLASS_CLOUD) {
		struct sg_data_inner d = {
			.peer_user = to, .msg_id = id, .ttl_s = ttl_s, .class = SG_CLASS_CLOUD,
		};

		sg_data_inner_encode(buf, &d);
		if (len != 0)
			memcpy(buf + SG_DATA_INNER_LEN, body, len);
		return sg_client_tx(c, SG_MSG_DATA, buf, SG_DATA_INNER_LEN + len);
	}
	return sg_client_secret_send(c, to, id, ttl_s, body, len);
}

int sg_client_ack(struct sg_client *c, uint64_t sender, uint64_t msg_id)
{
	struct sg_ack_entry a = { .sender_user = sender, .msg_id = msg_id };
	uint8_t *buf = c->tx + SG_HDR_LEN;
	size_t len;
	int rc;

	if (c->state != SG_CLIENT_CONNECTED)
		return SG_CLIENT_E_NOT_CONNECTED;
	rc = sg_ack_encode(buf, sizeof(c->tx) - SG_TRANSPORT_OVERHEAD, &a, 1, &len);
	if (rc != SG_OK)
		return rc;
	return sg_client_tx(c, SG_MSG_DELIVERY_ACK, buf, len);
}

int sg_client_pin(struct sg_client *c, uint64_t user, const uint8_t pub[SG_KEY_LEN])
{
	struct sg_client_pin *e = sg_client_pins_get(&c->pins, user);

	if (e == NULL)
		return user == 0 ? SG_E_INVAL : SG_E_SYSTEM;
	return sg_client_pins_set(e, &c->id, pub);
}

int sg_client_pinned_key(const struct sg_client *c, uint64_t user, uint8_t pub[SG_KEY_LEN])
{
	const struct sg_client_pin *e = sg_client_pins_find(&c->pins, user);

	if (e == NULL || !e->has_key)
		return SG_CLIENT_E_UNKNOWN_USER;
	memcpy(pub, e->pub, SG_KEY_LEN);
	return e->changed ? SG_CLIENT_E_KEY_CHANGED : SG_OK;
}

int sg_client_close(struct sg_client *c)
{
	uint8_t *buf = c->tx + SG_HDR_LEN;
	int rc = SG_OK;

	if (c->state == SG_CLIENT_CONNECTED) {
		sg_close_encode(buf, SG_CLOSE_NORMAL);
		rc = sg_client_tx(c, SG_MSG_CLOSE, buf, SG_CLOSE_PLAIN_LEN);
	}
	sg_client_sessions_wipe(c);
	sg_client_parked_clear(c);
	return rc;
}

/* ---- receiving ---- */

static void on_data(struct sg_client *c, const uint8_t *plain, size_t plen)
{
	const uint8_t *body = plain + SG_DATA_INNER_LEN;
	size_t blen = plen - SG_DATA_INNER_LEN;
	struct sg_client_event *ev;
	struct sg_data_inner d;
	uint32_t flags;

	if (sg_data_inner_decode(&d, plain) != SG_OK || d.peer_user == 0) {
		c->n.drop_malformed++;
		return;
	}
	flags = d.flags;
	if (sg_client_seen(&c->q, d.peer_user, d.msg_id))
		flags |= SG_CLIENT_F_DUPLICATE;
	if (d.class == SG_CLASS_SECRET) {
		sg_client_secret_input(c, &d, flags, body, blen);
		return;
	}
	ev = sg_client_ev_push(&c->q);
	if (ev == NULL)
		return;
	ev->type = SG_CLIENT_EV_MESSAGE;
	ev->peer = d.peer_user;
	ev->msg_id = d.msg_id;
	ev->ttl_s = d.ttl_s;
	ev->flags = flags;
	ev->cls = SG_CLASS_CLOUD;
	ev->len = blen;
	memcpy(ev->body, body, blen);
	c->n.rx_messages++;
	if (flags & SG_CLIENT_F_DUPLICATE)
		c->n.rx_duplicates++;
}

static void dispatch(struct sg_client *c, uint8_t type, const uint8_t *plain, size_t plen)
{
	struct sg_client_event *ev;
	struct sg_reply r;
	uint16_t reason;

	switch (type) {
	case SG_MSG_DATA:
		on_data(c, plain, plen);
		break;
	case SG_MSG_KEEPALIVE:
		c->n.keepalives_received++;
		break;
	case SG_MSG_CLOSE:
		if (sg_close_decode(&reason, plain) != SG_OK) {
			c->n.drop_malformed++;
			break;
		}
		sg_client_closed(c, reason, 0);
		break;
	case SG_MSG_RELAY_REPLY:
		if (sg_reply_decode(&r, plain) != SG_OK) {
			c->n.drop_malformed++;
			break;
		}
		ev = sg_client_ev_push(&c->q);
		if (ev == NULL)
			break;
		ev->type = SG_CLIENT_EV_RELAY_REPLY;
		ev->msg_id = r.msg_id;
		ev->peer = r.peer_user;
		ev->code = r.code;
		ev->detail = r.detail;
		break;
	case SG_MSG_KEY_INFO:
		sg_client_key_info(c, plain);
		break;
	case SG_MSG_TICKET:
		sg_client_ticket_input(c, plain, plen);
		break;
	default: /* DELIVERY_ACK, KEY_LOOKUP: client -> relay only */
		c->n.drop_type++;
		break;
	}
}

static void input(struct sg_client *c, uint8_t *buf, size_t len)
{
	int type = sg_proto_classify(buf, len);
	struct sg_hdr h;
	size_t plen;
	int on_prev;

	switch (type) {
	case SG_E_LENGTH: c->n.drop_length++; return;
	case SG_E_RESERVED: c->n.drop_reserved++; return;
	case SG_MSG_HANDSHAKE_RESP:
	case SG_MSG_RESUME_RESP:
	case SG_MSG_COOKIE_REPLY:
		sg_client_hs_input(c, type, buf, len);
		return;
	default:
		break;
	}
	if (type < 0 || !sg_proto_is_transport((uint8_t)type)) {
		c->n.drop_type++; /* unknown, RESUME, or HANDSHAKE_INIT */
		return;
	}
	if (sg_client_rx_open(c, buf, len, &h, &plen, &on_prev) != SG_OK)
		return;
	if (on_prev && h.type == SG_MSG_CLOSE) /* e.g. "replaced" by our own rekey */
		sg_client_prev_wipe(c);
	else
		dispatch(c, h.type, buf + SG_HDR_LEN, plen);
	sg_wipe(buf + SG_HDR_LEN, plen);
}

int sg_client_read(struct sg_client *c)
{
	ssize_t n = recv(c->fd, c->rx, sizeof(c->rx), MSG_TRUNC | MSG_DONTWAIT);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			return 1;
		if (errno == ECONNREFUSED) { /* ICMP port unreachable for an earlier send */
			sg_client_fail(c, SG_CLIENT_E_SOCKET, "relay unreachable: %s",
				       strerror(errno));
			return 1;
		}
		return sg_client_fail(c, SG_CLIENT_E_SOCKET, "recv: %s", strerror(errno));
	}
	c->n.rx_datagrams++;
	if ((size_t)n > sizeof(c->rx)) {
		c->n.drop_length++;
		return 1;
	}
	input(c, c->rx, (size_t)n);
	return 1;
}

int sg_client_next_timeout_ms(const struct sg_client *c)
{
	if (c->q.ev_n != 0)
		return 0;
	return (int)sg_client_timer_due_ms(c);
}

int sg_client_poll(struct sg_client *c, struct sg_client_event *ev, int timeout_ms)
{
	uint64_t start = sg_client_now_ms(c), now;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int64_t wait, due;
	int rc;

	ev->type = SG_CLIENT_EV_NONE;
	for (;;) {
		if (sg_client_ev_pop(&c->q, ev))
			return ev->type;
		if (c->state != SG_CLIENT_CONNECTED)
			return SG_CLIENT_E_NOT_CONNECTED;
		sg_client_timers(c);
		if (c->q.ev_n != 0)
			continue;
		rc = sg_client_read(c);
		if (rc < 0)
			return rc;
		if (rc > 0)
			continue;
		now = sg_client_now_ms(c);
		if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms)
			return SG_CLIENT_EV_NONE;
		wait = timeout_ms < 0 ? -1 : (int64_t)(start + (uint64_t)timeout_ms - now);
		due = sg_client_timer_due_ms(c);
		if (due >= 0 && (wait < 0 || due < wait))
			wait = due;
		if (poll(&pfd, 1, (int)wait) < 0 && errno != EINTR)
			return sg_client_fail(c, SG_CLIENT_E_SOCKET, "poll: %s", strerror(errno));
	}
}
