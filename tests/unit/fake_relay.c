/* SPDX-License-Identifier: MIT */
/*
 * fake_relay.c - the fake relay of test_client.c (see fake_relay.h): the
 * responder side of crypto/handshake.h on a UDP socket, in a thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/client_int.h"
#include "client/surge.h"
#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/resume.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include <cmocka.h>

#include "fake_relay.h"

/* ---- one clock for both sides, with a jump offset ---- */

_Atomic uint64_t clock_offset_ms;

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t test_clock(void *arg)
{
	(void)arg;
	return mono_ms() + atomic_load(&clock_offset_ms);
}

static void fr_failed(struct frelay *r, const char *what, int line)
{
	pthread_mutex_lock(&r->mu);
	if (r->st.failure[0] == '\0')
		snprintf(r->st.failure, sizeof(r->st.failure), "line %d: %s", line, what);
	pthread_mutex_unlock(&r->mu);
}
#define FR_CHECK(r, cond)                                  \
	do {                                               \
		if (!(cond))                               \
			fr_failed((r), #cond, __LINE__);   \
	} while (0)

uint64_t fr_now_s(void)
{
	return test_clock(NULL) / 1000;
}

static void fr_src(const struct frelay *r, uint8_t *src, size_t *n)
{
	if (r->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&r->peer;

		memcpy(src, &a->sin6_addr, 16);
		memcpy(src + 16, &a->sin6_port, 2);
		*n = 18;
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&r->peer;

		memcpy(src, &a->sin_addr, 4);
		memcpy(src + 4, &a->sin_port, 2);
		*n = 6;
	}
}

static void fr_raw(struct frelay *r, const uint8_t *buf, size_t len)
{
	sendto(r->fd, buf, len, 0, (const struct sockaddr *)&r->peer, r->peer_len);
}

/* Seal a transport message on the current session into last_frame. */
static void fr_seal(struct frelay *r, uint8_t type, const uint8_t *plain, size_t plen)
{
	alignas(64) struct sg_aead_ctx ctx;
	struct fr_sess *s = &r->cur;
	struct sg_hdr h = {
		.type = type,
		.flags = s->keys.send_phase ? SG_HDR_F_KEY_PHASE : 0,
		.receiver = s->client_idx,
		.counter = s->send_ctr++,
	};

	FR_CHECK(r, (sg_aead_ctx_init(&ctx, s->keys.suite, s->keys.send)) == SG_OK);
	FR_CHECK(r, (sg_transport_seal(&ctx, &h, plain, plen, r->last_frame,
					   sizeof(r->last_frame), &r->last_len)) == SG_OK);
	sg_aead_ctx_wipe(&ctx);
}

static void fr_send(struct frelay *r, uint8_t type, const uint8_t *plain, size_t plen)
{
	fr_seal(r, type, plain, plen);
	fr_raw(r, r->last_frame, r->last_len);
}

/* DATA from user `from` into last_frame; sent unless seal_only. */
static void fr_data_frame(struct frelay *r, uint64_t from, uint64_t msg_id, uint8_t cls,
			  uint8_t flags, const uint8_t *body, size_t blen, int seal_only)
{
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX];
	struct sg_data_inner d = {
		.peer_user = from, .msg_id = msg_id, .ttl_s = 3600, .class = cls, .flags = flags,
	};

	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, body, blen);
	fr_seal(r, SG_MSG_DATA, plain, SG_DATA_INNER_LEN + blen);
	if (!seal_only)
		fr_raw(r, r->last_frame, r->last_len);
}

static void fr_data(struct frelay *r, uint64_t from, uint64_t msg_id, uint8_t cls,
		    uint8_t flags, const uint8_t *body, size_t blen)
{
	fr_data_frame(r, from, msg_id, cls, flags, body, blen, 0);
}

static void fr_secret_from(struct frelay *r, const struct sg_keypair *who, uint64_t from,
			   uint64_t msg_id, const char *text, int tamper)
{
	uint8_t k[SG_E2E_KEY_LEN], body[SG_BODY_MAX];
	size_t blen;

	FR_CHECK(r, (sg_e2e_key(k, who, r->client_pub)) == SG_OK);
	FR_CHECK(r, (sg_e2e_seal(body, sizeof(body), k, from, CLIENT_UID, msg_id,
				     (const uint8_t *)text, strlen(text), &blen)) == SG_OK);
	if (tamper)
		body[blen - 1] ^= 0x80;
	fr_data(r, from, msg_id, SG_CLASS_SECRET, 0, body, blen);
}

static void fr_reply(struct frelay *r, uint64_t msg_id, uint64_t to, uint16_t code)
{
	uint8_t p[SG_REPLY_PLAIN_LEN];
	struct sg_reply rep = { .msg_id = msg_id, .peer_user = to, .code = code };

	sg_reply_encode(p, &rep);
	fr_send(r, SG_MSG_RELAY_REPLY, p, sizeof(p));
}

/* A new TICKET in the current session (cfg.tickets). */
static void fr_ticket(struct frelay *r)
{
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];

	if (!r->cfg.tickets)
		return;
	FR_CHECK(r, sg_resume_ticket_issue(&r->ring, plain, CLIENT_UID, fr_now_s(), NULL) > 0);
	fr_send(r, SG_MSG_TICKET, plain, sizeof(plain));
	sg_wipe(plain, sizeof(plain));
	pthread_mutex_lock(&r->mu);
	r->st.tickets_sent++;
	pthread_mutex_unlock(&r->mu);
}

/* The new session becomes current, the old one previous (a rekey). */
static void fr_new_session(struct frelay *r, uint32_t idx, uint32_t client_idx, uint8_t suite,
			   const uint8_t snd[SG_KEY_LEN], const uint8_t rcv[SG_KEY_LEN])
{
	r->prev = r->cur;
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.idx = idx;
	r->cur.client_idx = client_idx;
	sg_skeys_init(&r->cur.keys, suite, snd, rcv, fr_now_s());
	r->cur.live = 1;
}

/* RESUME: the relay's checks of resume_ctl.c, in order, on the fake's state. */
static void fr_resume(struct frelay *r, uint8_t *msg, size_t len)
{
	struct sg_resume rs;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	uint8_t out[SG_RRESP_LEN], snd[SG_KEY_LEN], rcv[SG_KEY_LEN];
	uint64_t uid = 0;
	uint32_t idx, client_idx;
	int ok;

	pthread_mutex_lock(&r->mu);
	r->st.resumes++;
	pthread_mutex_unlock(&r->mu);
	if (r->cfg.resume_silent)
		return;
	ok = sg_cookie_validate(&r->checker, msg, len, NULL, 0, fr_now_s()) > 0 &&
	     sg_resume_consume(&rs, &r->ring, msg, len, fr_now_s(), &p, &uid) == SG_OK;
	ok = ok && uid == CLIENT_UID && sg_tai64n_cmp(p.timestamp, r->last_ts) > 0;
	if (!ok) {
		sg_resume_wipe(&rs);
		pthread_mutex_lock(&r->mu);
		r->st.resume_refused++;
		pthread_mutex_unlock(&r->mu);
		return;
	}
	memcpy(r->last_ts, p.timestamp, SG_TAI64N_LEN);
	rp = (struct sg_resp_payload){
		.user_id = CLIENT_UID,
		.suite = sg_hs_choose_suite(&p, sg_crypto_have_aes256gcm()),
		.keepalive_s = r->cfg.keepalive_s,
	};
	idx = 0x51000000u + (uint32_t)(r->st.handshakes + r->st.resumptions);
	client_idx = rs.remote_index;
	FR_CHECK(r, (sg_resume_response_create(&rs, out, idx, r->client_pub, &rp, NULL)) == SG_OK);
	FR_CHECK(r, (sg_resume_keys(&rs, snd, rcv)) == SG_OK);
	fr_new_session(r, idx, client_idx, rp.suite, snd, rcv);
	sg_wipe(snd, sizeof(snd));
	sg_wipe(rcv, sizeof(rcv));
	pthread_mutex_lock(&r->mu);
	r->st.resumptions++;
	pthread_mutex_unlock(&r->mu);
	fr_raw(r, out, sizeof(out));
	fr_ticket(r);
}

static void fr_init(struct frelay *r, uint8_t *msg, size_t len)
{
	struct sg_handshake hs;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	uint8_t src[18], cpub[SG_KEY_LEN], out[SG_RESP_LEN], snd[SG_KEY_LEN], rcv[SG_KEY_LEN];
	size_t srclen;
	int v, n;

	fr_src(r, src, &srclen);
	v = sg_cookie_validate(&r->checker, msg, len, src, srclen, fr_now_s());
	pthread_mutex_lock(&r->mu);
	n = r->st.inits++;
	if (n < MAX_INITS) {
		memcpy(r->st.eph[n], msg + SG_INIT_OFF_EPHEMERAL, SG_KEY_LEN);
		r->st.sender_idx[n] = sg_le32(msg + SG_INIT_OFF_SENDER);
	}
	pthread_mutex_unlock(&r->mu);
	if (v < 0)
		return;
	if (r->cfg.cookie_first && v != SG_MAC_BOTH_OK) {
		uint8_t reply[SG_COOKIE_REPLY_LEN];

		pthread_mutex_lock(&r->mu);
		if (r->st.cookies_sent > 0) { /* we asked for mac2 and did not get it */
			r->st.inits_no_mac2++;
			pthread_mutex_unlock(&r->mu);
			return;
		}
		r->st.cookies_sent++;
		pthread_mutex_unlock(&r->mu);
		FR_CHECK(r, (sg_cookie_reply_create(&r->checker, reply, msg, len,
							sg_le32(msg + SG_INIT_OFF_SENDER), src,
							srclen, fr_now_s(), NULL)) == SG_OK);
		fr_raw(r, reply, sizeof(reply));
		return;
	}
	if (sg_hs_initiation_consume(&hs, &r->key, msg, len, &p, cpub) != SG_OK)
		return;
	pthread_mutex_lock(&r->mu);
	n = r->st.n_consumed++;
	if (n < MAX_INITS)
		memcpy(r->st.ts[n], p.timestamp, SG_TAI64N_LEN);
	memcpy(r->st.suites, p.suites, sizeof(p.suites));
	if (sg_tai64n_cmp(p.timestamp, r->last_ts) <= 0) {
		r->st.ts_not_newer++;
		pthread_mutex_unlock(&r->mu);
		sg_hs_wipe(&hs);
		return;
	}
	pthread_mutex_unlock(&r->mu);
	memcpy(r->last_ts, p.timestamp, SG_TAI64N_LEN);
	if (r->cfg.silent) {
		sg_hs_wipe(&hs);
		return;
	}
	memcpy(r->client_pub, cpub, SG_KEY_LEN);
	rp = (struct sg_resp_payload){
		.user_id = CLIENT_UID,
		.suite = sg_hs_choose_suite(&p, sg_crypto_have_aes256gcm()),
		.flags = r->st.handshakes == 0 ? SG_RESP_F_SIGNED_UP : 0,
		.keepalive_s = r->cfg.keepalive_s,
	};
	r->prev = r->cur;
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.idx = 0x51000000u + (uint32_t)(r->st.handshakes + r->st.resumptions);
	r->cur.client_idx = hs.remote_index;
	FR_CHECK(r, (sg_hs_response_create(&hs, out, r->cur.idx, &rp, NULL)) == SG_OK);
	FR_CHECK(r, (sg_hs_keys(&hs, snd, rcv)) == SG_OK);
	sg_hs_wipe(&hs);
	sg_skeys_init(&r->cur.keys, rp.suite, snd, rcv, fr_now_s());
	r->cur.live = 1;
	pthread_mutex_lock(&r->mu);
	r->st.handshakes++;
	pthread_mutex_unlock(&r->mu);
	fr_raw(r, out, sizeof(out));
	fr_ticket(r);
}

/* Cloud bodies to Bob: "cmd:..." makes the relay misbehave, anything else is echoed. */
static void fr_command(struct frelay *r, const struct sg_data_inner *d, const uint8_t *body,
		       size_t blen)
{
	const char *cmd = (const char *)body + 4;
	size_t n = blen - 4;
	uint8_t junk[SG_INIT_LEN];

#define IS(s) (n == strlen(s) && memcmp(cmd, s, n) == 0)
	if (IS("replay")) {
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, 0, body, blen);
		fr_raw(r, r->last_frame, r->last_len); /* the same bytes again */
	} else if (IS("mailbox")) {
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, SG_DATA_F_FROM_MAILBOX, body, blen);
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, SG_DATA_F_FROM_MAILBOX, body, blen);
	} else if (IS("garbage")) {
		uint8_t good[2048];
		size_t glen;

		memset(junk, 0, sizeof(junk));
		junk[0] = SG_MSG_DATA;
		fr_raw(r, junk, 3);                                  /* length */
		junk[0] = 99;
		fr_raw(r, junk, 32);                                 /* type */
		junk[0] = SG_MSG_KEEPALIVE;
		junk[2] = 1;
		fr_raw(r, junk, SG_KEEPALIVE_LEN);                   /* reserved */
		junk[2] = 0;
		junk[0] = SG_MSG_HANDSHAKE_INIT;
		fr_raw(r, junk, SG_INIT_LEN);                        /* type: clients get none */
		junk[0] = SG_MSG_HANDSHAKE_RESP;
		fr_raw(r, junk, SG_RESP_LEN);                        /* no handshake outstanding */
		fr_data_frame(r, BOB, d->msg_id, SG_CLASS_CLOUD, 0, body, blen, 1);
		memcpy(good, r->last_frame, r->last_len);
		glen = r->last_len;
		r->last_frame[glen - 1] ^= 1;
		fr_raw(r, r->last_frame, glen);                      /* tag: one bit */
		memcpy(r->last_frame, good, glen);
		sg_put_le32(r->last_frame + SG_HDR_OFF_RECEIVER, r->cur.client_idx ^ 0x5a5a);
		fr_raw(r, r->last_frame, glen);                      /* index */
		fr_raw(r, good, glen);                               /* the real one */
		memset(junk, 0x33, sizeof(junk));
		memset(junk, 0, SG_HDR_LEN);
		junk[0] = SG_MSG_DATA;
		sg_put_le32(junk + SG_HDR_OFF_RECEIVER, r->cur.client_idx);
		sg_put_le64(junk + SG_HDR_OFF_COUNTER, r->cur.send_ctr + 50);
		fr_raw(r, junk, 70);                                 /* tag: forged */
		fr_data(r, BOB, d->msg_id + 1, SG_CLASS_CLOUD, 0, body, blen);
	} else if (IS("keyupdate")) {
		sg_skeys_send_update(&r->cur.keys, fr_now_s());
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, 0, body, blen);
	} else if (IS("close")) {
		uint8_t p[SG_CLOSE_PLAIN_LEN];

		sg_close_encode(p, SG_CLOSE_ADMIN);
		fr_send(r, SG_MSG_CLOSE, p, sizeof(p));
		r->cur.live = 0;
	} else if (IS("tamper")) {
		fr_secret_from(r, &r->bob, BOB, 6000, "tampered", 1);
	} else if (IS("carol")) {
		fr_secret_from(r, &r->carol, CAROL, 5000, "hi, it's carol", 0);
	} else if (IS("prev")) { /* a late frame on the session before the rekey, */
		struct fr_sess tmp = r->cur;  /* then that session is closed as replaced */
		uint8_t p[SG_CLOSE_PLAIN_LEN];

		r->cur = r->prev;
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, 0, body, blen);
		sg_close_encode(p, SG_CLOSE_REPLACED);
		fr_send(r, SG_MSG_CLOSE, p, sizeof(p));
		r->prev = r->cur;
		r->cur = tmp;
	} else {
		fr_data(r, BOB, d->msg_id, SG_CLASS_CLOUD, 0, body, blen);
	}
#undef IS
}

static void fr_on_data(struct frelay *r, const uint8_t *plain, size_t plen)
{
	const uint8_t *body = plain + SG_DATA_INNER_LEN;
	size_t blen = plen - SG_DATA_INNER_LEN;
	uint8_t k[SG_E2E_KEY_LEN], text[SG_BODY_MAX], again[SG_BODY_MAX];
	struct sg_data_inner d;
	size_t tlen, alen;

	FR_CHECK(r, (sg_data_inner_decode(&d, plain)) == SG_OK);
	pthread_mutex_lock(&r->mu);
	r->st.data++;
	pthread_mutex_unlock(&r->mu);
	if (d.peer_user == NOBODY) {
		fr_reply(r, d.msg_id, d.peer_user, SG_REPLY_UNKNOWN_RECIPIENT);
	} else if (d.peer_user == DAVE) {
		fr_reply(r, d.msg_id, d.peer_user, SG_REPLY_STORED);
	} else if (d.peer_user == BOB && d.class == SG_CLASS_SECRET) {
		/* Bob opens it, checks it and answers with the same text, sealed by him. */
		FR_CHECK(r, (sg_e2e_key(k, &r->bob, r->client_pub)) == SG_OK);
		if (sg_e2e_open(text, sizeof(text), k, CLIENT_UID, BOB, d.msg_id, body, blen,
				&tlen) != SG_OK) {
			pthread_mutex_lock(&r->mu);
			r->st.secret_bad++;
			pthread_mutex_unlock(&r->mu);
			return;
		}
		pthread_mutex_lock(&r->mu);
		r->st.secret_ok++;
		snprintf(r->st.secret_text, sizeof(r->st.secret_text), "%.*s", (int)tlen, text);
		pthread_mutex_unlock(&r->mu);
		FR_CHECK(r, (sg_e2e_seal(again, sizeof(again), k, BOB, CLIENT_UID, d.msg_id,
					     text, tlen, &alen)) == SG_OK);
		fr_data(r, BOB, d.msg_id, SG_CLASS_SECRET, 0, again, alen);
	} else if (d.peer_user == BOB) {
		if (blen >= 4 && memcmp(body, "cmd:", 4) == 0)
			fr_command(r, &d, body, blen);
		else
			fr_data(r, BOB, d.msg_id, SG_CLASS_CLOUD, 0, body, blen);
	} else if (d.class == SG_CLASS_SECRET) {
		pthread_mutex_lock(&r->mu);
		r->st.secret_bad++; /* to someone we cannot open for */
		pthread_mutex_unlock(&r->mu);
	}
}

static void fr_on_lookup(struct frelay *r, const uint8_t *plain)
{
	struct sg_key_info k = { .status = SG_KEYINFO_FOUND };
	uint8_t out[SG_KEYINFO_PLAIN_LEN];

	FR_CHECK(r, (sg_lookup_decode(&k.user_id, plain)) == SG_OK);
	if (k.user_id == BOB)
		memcpy(k.public_key, r->bob.pub, SG_KEY_LEN);
	else if (k.user_id == CAROL)
		memcpy(k.public_key, r->carol.pub, SG_KEY_LEN);
	else if (k.user_id == FLAKY)
		memcpy(k.public_key, r->flaky_lookups++ ? r->flaky_b.pub : r->flaky_a.pub,
		       SG_KEY_LEN);
	else
		k.status = SG_KEYINFO_UNKNOWN_USER;
	sg_keyinfo_encode(out, &k);
	fr_send(r, SG_MSG_KEY_INFO, out, sizeof(out));
}

static void fr_transport(struct frelay *r, uint8_t *msg, size_t len)
{
	alignas(64) struct sg_aead_ctx ctx;
	uint8_t key[SG_KEY_LEN], *plain = msg + SG_HDR_LEN;
	struct sg_ack_entry acks[SG_ACK_MAX_ENTRIES];
	struct fr_sess *s = NULL;
	struct sg_hdr h;
	unsigned nacks;
	int is_next, *bad = NULL;
	size_t plen;

	FR_CHECK(r, (sg_hdr_decode(&h, msg, len)) == SG_OK);
	if (r->cur.live && h.receiver == r->cur.idx)
		s = &r->cur;
	else if (r->prev.live && h.receiver == r->prev.idx)
		s = &r->prev;
	if (s == NULL)
		bad = &r->st.bad_index;
	else if (sg_replay_window_check(&s->replay, h.counter) != SG_OK)
		bad = &r->st.replays;
	else if (sg_skeys_tick(&s->keys, fr_now_s()), /* select needs the grace ended */
		 sg_skeys_recv_select(&s->keys, h.flags & 1, fr_now_s(), key, &is_next) != SG_OK)
		bad = &r->st.bad_phase;
	else {
		sg_aead_ctx_init(&ctx, s->keys.suite, key);
		if (sg_transport_open(&ctx, msg, len, &h, &plen) != SG_OK)
			bad = &r->st.bad_tag;
		sg_aead_ctx_wipe(&ctx);
	}
	if (bad != NULL) {
		pthread_mutex_lock(&r->mu);
		(*bad)++;
		pthread_mutex_unlock(&r->mu);
		return;
	}
	FR_CHECK(r, (sg_replay_window_update(&s->replay, h.counter)) == SG_OK);
	pthread_mutex_lock(&r->mu);
	if (is_next) {
		sg_skeys_recv_commit(&s->keys, fr_now_s());
		r->st.phase_flips++;
	}
	r->st.on_prev += s == &r->prev;
	pthread_mutex_unlock(&r->mu);

	switch (h.type) {
	case SG_MSG_DATA:
		fr_on_data(r, plain, plen);
		break;
	case SG_MSG_KEEPALIVE:
		pthread_mutex_lock(&r->mu);
		r->st.keepalives++;
		pthread_mutex_unlock(&r->mu);
		if (s == &r->cur)
			fr_send(r, SG_MSG_KEEPALIVE, NULL, 0); /* nothing else to send */
		break;
	case SG_MSG_KEY_LOOKUP:
		pthread_mutex_lock(&r->mu);
		r->st.lookups++;
		pthread_mutex_unlock(&r->mu);
		fr_on_lookup(r, plain);
		break;
	case SG_MSG_DELIVERY_ACK:
		FR_CHECK(r, (sg_ack_decode(acks, SG_ACK_MAX_ENTRIES, &nacks, plain, plen)) == SG_OK);
		pthread_mutex_lock(&r->mu);
		r->st.acks += (int)nacks;
		r->st.ack_sender = acks[0].sender_user;
		r->st.ack_msg = acks[0].msg_id;
		pthread_mutex_unlock(&r->mu);
		break;
	case SG_MSG_CLOSE:
		pthread_mutex_lock(&r->mu);
		r->st.closes++;
		FR_CHECK(r, (sg_close_decode(&r->st.close_reason, plain)) == SG_OK);
		pthread_mutex_unlock(&r->mu);
		s->live = 0;
		break;
	default:
		FR_CHECK(r, !"the client sent a transport type it must not");
	}
}

static void *fr_thread(void *arg)
{
	struct frelay *r = arg;
	uint64_t end = mono_ms() + RELAY_LIFE_MS;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	uint8_t buf[2048];

	while (!atomic_load(&r->stop) && mono_ms() < end) {
		ssize_t n;
		int type;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		r->peer_len = sizeof(r->peer);
		n = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&r->peer, &r->peer_len);
		if (n <= 0)
			continue;
		type = sg_proto_classify(buf, (size_t)n);
		if (type == SG_MSG_HANDSHAKE_INIT)
			fr_init(r, buf, (size_t)n);
		else if (type == SG_MSG_RESUME)
			fr_resume(r, buf, (size_t)n);
		else if (type > 0 && sg_proto_is_transport((uint8_t)type))
			fr_transport(r, buf, (size_t)n);
		else
			FR_CHECK(r, !"the client sent a datagram it must not");
	}
	return NULL;
}

struct frelay *fr_start(const struct fr_cfg *cfg)
{
	struct frelay *r = calloc(1, sizeof(*r));
	struct sockaddr_storage a;
	socklen_t alen;

	assert_non_null(r);
	r->cfg = *cfg;
	if (r->cfg.family == 0)
		r->cfg.family = AF_INET;
	if (r->cfg.keepalive_s == 0)
		r->cfg.keepalive_s = SG_KEEPALIVE_S;
	sg_keypair_generate(&r->key);
	sg_keypair_generate(&r->bob);
	sg_keypair_generate(&r->carol);
	sg_keypair_generate(&r->flaky_a);
	sg_keypair_generate(&r->flaky_b);
	sg_cookie_checker_init(&r->checker, r->key.pub);
	assert_int_equal(sg_ticket_ring_init(&r->ring, 0, 0, fr_now_s()), SG_OK);
	pthread_mutex_init(&r->mu, NULL);
	memset(&a, 0, sizeof(a));
	if (r->cfg.family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;

		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		alen = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&a;

		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		alen = sizeof(*a4);
	}
	r->fd = socket(r->cfg.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&a, alen) != 0) {
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return NULL;
	}
	getsockname(r->fd, (struct sockaddr *)&a, &alen);
	r->port = ntohs(r->cfg.family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
						   : ((struct sockaddr_in *)&a)->sin_port);
	assert_int_equal(pthread_create(&r->th, NULL, fr_thread, r), 0);
	return r;
}

void fr_stop(struct frelay *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
	assert_string_equal(r->st.failure, "");
	close(r->fd);
	pthread_mutex_destroy(&r->mu);
	sg_wipe(r, sizeof(*r));
	free(r);
}

struct fr_stats fr_stats(struct frelay *r)
{
	struct fr_stats s;

	pthread_mutex_lock(&r->mu);
	s = r->st;
	pthread_mutex_unlock(&r->mu);
	return s;
}

/* Wait (bounded) until the relay's counter at offset reaches want. */
int fr_await(struct frelay *r, size_t off, int want)
{
	uint64_t end = mono_ms() + 3000;
	int v;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		v = *(int *)((char *)&r->st + off);
		pthread_mutex_unlock(&r->mu);
		if (v >= want || mono_ms() >= end)
			return v;
		usleep(2000);
	}
}
#define FR_AWAIT(r, field, want) fr_await((r), offsetof(struct fr_stats, field), (want))