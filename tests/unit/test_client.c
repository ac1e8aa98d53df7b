/* SPDX-License-Identifier: MIT */
/*
 * test_client.c - libsurge against a fake relay in the same process.
 *
 * The fake relay is a thread with a UDP socket on 127.0.0.1 (or ::1), port
 * 0.  It is the responder of crypto/handshake.h (optionally answering the
 * first initiation with a cookie reply), opens the client's frames, and
 * plays the other users:
 *   BOB (1000002)     echoes DATA back as if Bob sent it; opens secret bodies
 *                     as Bob, checks them, and seals them again for the client
 *   CAROL (1000003)   known key; sends a first-contact secret on request
 *   FLAKY (88)        KEY_INFO answers a different key the second time (TOFU)
 *   DAVE (1000004)    offline: DATA is answered with RELAY_REPLY STORED
 *   NOBODY (999)      unknown: UNKNOWN_RECIPIENT, KEY_INFO unknown user
 * Cloud bodies sent to Bob that start with "cmd:" make the relay misbehave
 * (replay, garbage, close, tamper, ...) to exercise the client's checks.
 * The client runs in the test's thread; a shared clock offset lets tests
 * jump time (key update after 600 s, rekey after ~1 h) for both sides.
 * Every wait is bounded; the relay thread stops after 20 s whatever happens.
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

#include <cmocka.h>

#include "client/client_int.h"
#include "client/surge.h"
#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/tai64n.h"

enum {
	CLIENT_UID = 1000001,
	BOB = 1000002,
	CAROL = 1000003,
	DAVE = 1000004,
	FLAKY = 88,
	NOBODY = 999,
	RELAY_LIFE_MS = 20000,
	MAX_INITS = 32,
};

/* ---- one clock for both sides, with a jump offset ---- */

static _Atomic uint64_t clock_offset_ms;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t test_clock(void *arg)
{
	(void)arg;
	return mono_ms() + atomic_load(&clock_offset_ms);
}

/* ---- the fake relay ---- */

struct fr_cfg {
	int family;           /* AF_INET (default) or AF_INET6 */
	int cookie_first;     /* answer the first initiation with a cookie reply */
	int silent;           /* read initiations, answer nothing */
	uint16_t keepalive_s; /* announced in the response */
};

struct fr_sess {
	struct sg_session_keys keys;
	struct sg_replay_relay replay;
	uint64_t send_ctr;
	uint32_t idx, client_idx;
	int live;
};

struct fr_stats {
	int inits, inits_no_mac2, cookies_sent, handshakes, ts_not_newer;
	uint8_t eph[MAX_INITS][SG_KEY_LEN];
	uint8_t ts[MAX_INITS][SG_TAI64N_LEN];
	uint32_t sender_idx[MAX_INITS];
	int n_consumed;
	uint8_t suites[SG_MAX_SUITES];
	int data, secret_ok, secret_bad, keepalives, lookups, acks, closes;
	int phase_flips, bad_index, bad_tag, replays, bad_phase, on_prev;
	uint64_t ack_sender, ack_msg;
	uint16_t close_reason;
	char secret_text[128];
	char failure[160]; /* the relay thread's first failed check (no cmocka there) */
};

struct frelay {
	struct fr_cfg cfg;
	int fd;
	uint16_t port;
	struct sg_keypair key, bob, carol, flaky_a, flaky_b;
	uint8_t client_pub[SG_KEY_LEN];
	struct sg_cookie_checker checker;
	uint8_t last_ts[SG_TAI64N_LEN];
	struct fr_sess cur, prev;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint8_t last_frame[2048];
	size_t last_len;
	int flaky_lookups;
	atomic_int stop;
	pthread_t th;
	pthread_mutex_t mu;
	struct fr_stats st; /* under mu */
};

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

static uint64_t fr_now_s(void)
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
	r->cur.idx = 0x51000000u + (uint32_t)r->st.handshakes;
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
		else if (type > 0 && sg_proto_is_transport((uint8_t)type))
			fr_transport(r, buf, (size_t)n);
		else
			FR_CHECK(r, !"the client sent a datagram it must not");
	}
	return NULL;
}

static struct frelay *fr_start(const struct fr_cfg *cfg)
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

static void fr_stop(struct frelay *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
	assert_string_equal(r->st.failure, "");
	close(r->fd);
	pthread_mutex_destroy(&r->mu);
	sg_wipe(r, sizeof(*r));
	free(r);
}

static struct fr_stats fr_stats(struct frelay *r)
{
	struct fr_stats s;

	pthread_mutex_lock(&r->mu);
	s = r->st;
	pthread_mutex_unlock(&r->mu);
	return s;
}

/* Wait (bounded) until the relay's counter at offset reaches want. */
static int fr_await(struct frelay *r, size_t off, int want)
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

/* ---- client side helpers ---- */

static struct sg_client *client_for(struct frelay *r, struct sg_keypair *id)
{
	struct sg_client_config cfg = { .handshake_retry_ms = 200, .clock_ms = test_clock,
					.key_updates = 1 };
	char addr[64], err[256];
	struct sg_client *c;

	snprintf(addr, sizeof(addr), r->cfg.family == AF_INET6 ? "[::1]:%u" : "127.0.0.1:%u",
		 r->port);
	cfg.relay = addr;
	memcpy(cfg.relay_pub, r->key.pub, SG_KEY_LEN);
	if (id != NULL)
		cfg.identity = *id;
	else
		sg_keypair_generate(&cfg.identity);
	c = sg_client_new(&cfg, err, sizeof(err));
	if (c == NULL)
		fail_msg("sg_client_new: %s", err);
	return c;
}

/* The next event other than NONE within timeout_ms (NONE if there is none). */
static int next_event(struct sg_client *c, struct sg_client_event *ev, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	int rc;

	for (;;) {
		rc = sg_client_poll(c, ev, 50);
		if (rc != SG_CLIENT_EV_NONE || mono_ms() >= end)
			return rc;
	}
}

static void expect_echo(struct sg_client *c, uint64_t id, const char *text)
{
	struct sg_client_event ev;

	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.cls, SG_CLASS_CLOUD);
	assert_int_equal(ev.len, strlen(text));
	assert_memory_equal(ev.body, text, ev.len);
}

static uint64_t send_cloud(struct sg_client *c, uint64_t to, const char *text)
{
	uint64_t id = 0;

	assert_int_equal(sg_client_send(c, to, SG_CLASS_CLOUD, text, strlen(text), 60, &id),
			 SG_OK);
	return id;
}

static void echo(struct sg_client *c, const char *text)
{
	expect_echo(c, send_cloud(c, BOB, text), text);
}

static struct sg_client *connected(struct frelay *r)
{
	struct sg_client *c = client_for(r, NULL);

	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	return c;
}

static void finish(struct frelay *r, struct sg_client *c)
{
	sg_client_close(c);
	sg_client_free(c);
	fr_stop(r);
}

/* ---- tests ---- */

static void test_connect_cookie_retry_and_echo(void **state)
{
	struct fr_cfg cfg = { .cookie_first = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client_counters n;
	struct sg_client_event ev;
	struct sg_client *c;
	struct fr_stats st;
	uint64_t id, id2;
	(void)state;

	c = client_for(r, NULL);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_CLOUD, "x", 1, 0, NULL),
			 SG_CLIENT_E_NOT_CONNECTED);
	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	assert_true(sg_client_is_connected(c));
	assert_int_equal(sg_client_user_id(c), CLIENT_UID);
	assert_true(sg_client_signed_up(c));
	assert_int_equal(sg_client_suite(c), sg_crypto_have_aes256gcm() ? SG_SUITE_AES256_GCM
									: SG_SUITE_CHACHA20_POLY1305);
	assert_int_equal(sg_client_keepalive_s(c), SG_KEEPALIVE_S);
	assert_int_equal(sg_client_connect(c, 100), SG_E_STATE);

	st = fr_stats(r);
	assert_int_equal(st.cookies_sent, 1);
	assert_int_equal(st.inits, 2);         /* the first, then at once again with mac2 */
	assert_int_equal(st.inits_no_mac2, 0);
	assert_int_equal(st.handshakes, 1);
	assert_memory_not_equal(st.eph[0], st.eph[1], SG_KEY_LEN); /* a fresh initiation */
	assert_int_not_equal(st.sender_idx[0], st.sender_idx[1]);
	assert_int_equal(st.suites[0], sg_crypto_have_aes256gcm() ? SG_SUITE_AES256_GCM
								  : SG_SUITE_CHACHA20_POLY1305);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.cookie_replies, 1);
	assert_int_equal(n.initiations_sent, 2);
	assert_int_equal(n.handshakes, 1);

	/* Cloud: echoed by "Bob"; message ids increase. */
	id = send_cloud(c, BOB, "hello, surge");
	expect_echo(c, id, "hello, surge");
	id2 = send_cloud(c, BOB, "");
	assert_int_equal(id2, id + 1);
	expect_echo(c, id2, "");

	/* Relay replies name the message. */
	id = send_cloud(c, NOBODY, "anyone?");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_RELAY_REPLY);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.peer, NOBODY);
	assert_int_equal(ev.code, SG_REPLY_UNKNOWN_RECIPIENT);
	id = send_cloud(c, DAVE, "for later");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_RELAY_REPLY);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.code, SG_REPLY_STORED);

	/* Secret to a user whose key we do not know: lookup first, then sealed. */
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, "psst", 4, 60, &id),
			 SG_CLIENT_QUEUED);
	assert_int_equal(sg_client_pending(c), 2); /* the message and its lookup */
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_OK);
	assert_int_equal(ev.peer, BOB);
	assert_true(ev.flags & SG_CLIENT_F_NEW_PIN);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.cls, SG_CLASS_SECRET);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.len, 4);
	assert_memory_equal(ev.body, "psst", 4);
	assert_int_equal(sg_client_pending(c), 0);
	st = fr_stats(r);
	assert_int_equal(st.secret_ok, 1);
	assert_string_equal(st.secret_text, "psst");
	assert_int_equal(st.lookups, 1);

	/* Now pinned: straight out, no second lookup; the largest secret fits. */
	{
		uint8_t big[SG_E2E_PLAIN_MAX + 1];

		memset(big, 'z', sizeof(big));
		assert_int_equal(sg_client_body_max(c, SG_CLASS_SECRET), SG_E2E_PLAIN_MAX);
		assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, big, sizeof(big), 60,
						&id), SG_CLIENT_E_TOO_LARGE);
		assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, big, sizeof(big) - 1, 60,
						&id), SG_OK);
		assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
		assert_int_equal(ev.len, SG_E2E_PLAIN_MAX);
		assert_int_equal(fr_stats(r).lookups, 1);
	}

	sg_client_close(c);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(FR_AWAIT(r, closes, 1), 1);
	st = fr_stats(r);
	assert_int_equal(st.close_reason, SG_CLOSE_NORMAL);
	assert_int_equal(st.bad_tag + st.bad_index + st.replays + st.bad_phase, 0);
	assert_int_equal(sg_client_poll(c, &ev, 0), SG_CLIENT_E_NOT_CONNECTED);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_length + n.drop_type + n.drop_reserved + n.drop_handshake +
			 n.drop_index + n.drop_replay + n.drop_tag + n.drop_malformed, 0);
	finish(r, c);
}

static void test_connect_timeout_retransmits(void **state)
{
	struct fr_cfg cfg = { .silent = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = client_for(r, NULL);
	uint64_t t0 = mono_ms(), dt;
	struct fr_stats st;
	(void)state;

	assert_int_equal(sg_client_connect(c, 700), SG_CLIENT_E_TIMEOUT);
	dt = mono_ms() - t0;
	assert_true(dt >= 690 && dt < 2000);
	assert_non_null(strstr(sg_client_errmsg(c), "no handshake response"));
	st = fr_stats(r);
	assert_true(st.inits >= 3 && st.inits <= 6); /* every 200 ms */
	assert_int_equal(st.n_consumed, st.inits);
	assert_int_equal(st.ts_not_newer, 0);        /* never a timestamp twice */
	for (int i = 1; i < st.inits; i++) {
		assert_true(sg_tai64n_cmp(st.ts[i], st.ts[i - 1]) > 0);
		assert_memory_not_equal(st.eph[i], st.eph[i - 1], SG_KEY_LEN);
		assert_int_not_equal(st.sender_idx[i], st.sender_idx[i - 1]);
	}
	assert_false(sg_client_is_connected(c));
	finish(r, c);
}

static void test_invalid_datagrams_are_counted(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	uint64_t id;
	(void)state;

	id = send_cloud(c, BOB, "cmd:garbage");
	expect_echo(c, id, "cmd:garbage");
	expect_echo(c, id + 1, "cmd:garbage"); /* behind all the junk */
	id = send_cloud(c, BOB, "cmd:replay");
	expect_echo(c, id, "cmd:replay");
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE); /* not twice */
	echo(c, "still fine");

	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_length, 1);
	assert_int_equal(n.drop_type, 2);      /* type 99, a handshake initiation */
	assert_int_equal(n.drop_reserved, 1);
	assert_int_equal(n.drop_handshake, 1); /* a response with no handshake outstanding */
	assert_int_equal(n.drop_tag, 2);       /* the flipped tag, the forged frame */
	assert_int_equal(n.drop_index, 1);
	assert_int_equal(n.drop_replay, 1);
	assert_int_equal(n.drop_malformed + n.drop_expired + n.drop_phase, 0);
	assert_int_equal(n.rx_messages, 4);
	finish(r, c);
}

static void test_mailbox_duplicates_and_ack(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	uint64_t id;
	(void)state;

	id = send_cloud(c, BOB, "cmd:mailbox");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.flags, SG_DATA_F_FROM_MAILBOX);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.flags, SG_DATA_F_FROM_MAILBOX | SG_CLIENT_F_DUPLICATE);
	assert_int_equal(sg_client_ack(c, ev.peer, ev.msg_id), SG_OK);
	assert_int_equal(FR_AWAIT(r, acks, 1), 1);
	assert_int_equal(fr_stats(r).ack_sender, BOB);
	assert_int_equal(fr_stats(r).ack_msg, id);
	finish(r, c);
}

static void test_tofu_pins_and_key_change(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	uint8_t pinned[SG_KEY_LEN], first[SG_KEY_LEN];
	uint64_t id;
	(void)state;

	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(sg_client_lookup(c, FLAKY), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_OK);
	assert_true(ev.flags & SG_CLIENT_F_NEW_PIN);
	memcpy(first, ev.key, SG_KEY_LEN);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_OK);
	assert_memory_equal(pinned, first, SG_KEY_LEN);

	/* The relay now claims another key: reported, the pin is kept, secrets refused. */
	assert_int_equal(sg_client_lookup(c, FLAKY), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_CLIENT_E_KEY_CHANGED);
	assert_false(ev.flags & SG_CLIENT_F_NEW_PIN);
	assert_memory_not_equal(ev.key, first, SG_KEY_LEN);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_CLIENT_E_KEY_CHANGED);
	assert_memory_equal(pinned, first, SG_KEY_LEN);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_SECRET, "s", 1, 0, &id),
			 SG_CLIENT_E_KEY_CHANGED);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_CLOUD, "c", 1, 0, &id), SG_OK);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.key_changes, 1);

	/* The user accepts the new key explicitly (e.g. after comparing safety numbers). */
	assert_int_equal(sg_client_pin(c, FLAKY, ev.key), SG_OK);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_OK);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_SECRET, "s", 1, 0, &id), SG_OK);

	/* Unknown users: the lookup says so and a queued secret fails with an event. */
	assert_int_equal(sg_client_send(c, NOBODY, SG_CLASS_SECRET, "s", 1, 0, &id),
			 SG_CLIENT_QUEUED);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_SEND_FAILED);
	assert_int_equal(ev.status, SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.peer, NOBODY);
	assert_int_equal(sg_client_pending(c), 0);

	/* Bad arguments. */
	assert_int_equal(sg_client_pin(c, FLAKY, (const uint8_t[SG_KEY_LEN]){ 0 }), SG_E_DH);
	assert_int_equal(sg_client_send(c, 0, SG_CLASS_CLOUD, "x", 1, 0, NULL), SG_E_INVAL);
	assert_int_equal(sg_client_send(c, BOB, 3, "x", 1, 0, NULL), SG_E_CLASS);
	assert_int_equal(sg_client_lookup(c, 0), SG_E_INVAL);
	assert_int_equal(fr_stats(r).secret_bad, 1); /* the one to FLAKY: not Bob's key */
	finish(r, c);
}

static void test_first_contact_secret_and_tampering(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	(void)state;

	/* Carol writes first: the client looks her key up, then opens it. */
	send_cloud(c, BOB, "cmd:carol");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.peer, CAROL);
	assert_int_equal(ev.status, SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.peer, CAROL);
	assert_int_equal(ev.msg_id, 5000);
	assert_int_equal(ev.cls, SG_CLASS_SECRET);
	assert_int_equal(ev.len, strlen("hi, it's carol"));
	assert_memory_equal(ev.body, "hi, it's carol", ev.len);

	/* A secret body altered on the way: reported, not delivered. */
	assert_int_equal(sg_client_lookup(c, BOB), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	send_cloud(c, BOB, "cmd:tamper");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_E2E_ERROR);
	assert_int_equal(ev.status, SG_E_TAG);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, 6000);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.e2e_failures, 1);
	finish(r, c);
}

static void test_keepalive(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	int due;
	(void)state;

	assert_int_equal(sg_client_keepalive_s(c), 1);
	due = sg_client_next_timeout_ms(c);
	assert_true(due > 0 && due <= 1000);
	assert_int_equal(sg_client_poll(c, &ev, 1500), SG_CLIENT_EV_NONE);
	assert_true(FR_AWAIT(r, keepalives, 1) >= 1);
	assert_int_equal(sg_client_poll(c, &ev, 100), SG_CLIENT_EV_NONE); /* read the answer */
	sg_client_get_counters(c, &n);
	assert_true(n.keepalives_sent >= 1);
	assert_true(n.keepalives_received >= 1);
	finish(r, c);
}

static void test_key_updates_both_ways(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 400 }; /* no silence probes at these jumps */
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	echo(c, "before");
	atomic_fetch_add(&clock_offset_ms, 301 * 1000);
	echo(c, "five minutes later");
	assert_int_equal(fr_stats(r).phase_flips, 0);
	atomic_fetch_add(&clock_offset_ms, 301 * 1000);
	echo(c, "sealed under the next key"); /* the send key is 602 s old */
	assert_int_equal(fr_stats(r).phase_flips, 1);
	echo(c, "cmd:keyupdate");             /* the relay's send key moves on too */
	echo(c, "after both updates");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_phase + n.drop_tag + n.drop_replay, 0);
	assert_int_equal(n.handshakes, 1);
	assert_int_equal(fr_stats(r).bad_tag + fr_stats(r).bad_phase, 0);
	atomic_store(&clock_offset_ms, 0);
	finish(r, c);
}

static void test_rekey_in_background(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 600 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	char text[32];
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	for (int t = 400; t <= 3600; t += 400) {
		atomic_fetch_add(&clock_offset_ms, 400 * 1000);
		snprintf(text, sizeof(text), "t=%d", t);
		echo(c, text);
	}
	/* By 3600 s the rekey (at 3240..3600 s) must have run, in the background. */
	(void)FR_AWAIT(r, handshakes, 2);
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.handshakes, 2);
	assert_int_equal(fr_stats(r).handshakes, 2);
	assert_true(sg_client_is_connected(c));
	assert_true(sg_client_signed_up(c)); /* still what connect said, not the rekey */
	echo(c, "on the new session");
	echo(c, "cmd:prev"); /* a late frame on the old session still opens */
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE); /* its CLOSE: quiet */
	assert_true(sg_client_is_connected(c));
	/* Past the old keys' REJECT_AFTER_TIME the client is still fine. */
	atomic_fetch_add(&clock_offset_ms, 300 * 1000);
	echo(c, "t=3900");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_index + n.drop_tag + n.drop_expired, 0);
	atomic_store(&clock_offset_ms, 0);
	finish(r, c);
}

static void test_silent_relay_closes_the_session(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 3000 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	atomic_store(&r->stop, 1); /* the relay goes away */
	pthread_join(r->th, NULL);
	atomic_store(&clock_offset_ms, (uint64_t)(SG_SESSION_DEAD_S + 1) * 1000);
	assert_int_equal(next_event(c, &ev, 1000), SG_CLIENT_EV_CLOSED);
	assert_int_equal(ev.code, SG_CLOSE_IDLE);
	assert_true(ev.flags & SG_CLIENT_F_LOCAL);
	assert_false(sg_client_is_connected(c));
	atomic_store(&clock_offset_ms, 0);
	sg_client_free(c);
	close(r->fd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void test_close_from_relay_and_reconnect(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	(void)state;

	assert_int_equal(sg_client_send(c, NOBODY, SG_CLASS_SECRET, "s", 1, 0, NULL),
			 SG_CLIENT_QUEUED);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_SEND_FAILED);
	send_cloud(c, BOB, "cmd:close");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_CLOSED);
	assert_int_equal(ev.code, SG_CLOSE_ADMIN);
	assert_false(ev.flags & SG_CLIENT_F_LOCAL);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_CLOUD, "x", 1, 0, NULL),
			 SG_CLIENT_E_NOT_CONNECTED);
	assert_int_equal(sg_client_poll(c, &ev, 0), SG_CLIENT_E_NOT_CONNECTED);

	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	assert_false(sg_client_signed_up(c)); /* a log-in this time */
	assert_int_equal(sg_client_user_id(c), CLIENT_UID);
	echo(c, "back again");
	finish(r, c);
}

static void test_ipv6(void **state)
{
	struct fr_cfg cfg = { .family = AF_INET6 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c;
	(void)state;

	if (r == NULL)
		skip(); /* no IPv6 loopback here */
	c = connected(r);
	assert_int_equal(sg_client_body_max(c, SG_CLASS_CLOUD), SG_BODY_MAX_IPV6);
	assert_int_equal(sg_client_body_max(c, SG_CLASS_SECRET),
			 SG_BODY_MAX_IPV6 - SG_E2E_OVERHEAD);
	echo(c, "over IPv6");
	finish(r, c);
}

static void test_address_forms(void **state)
{
	static const struct {
		const char *spec;
		int ok;
		const char *host;
		uint16_t port;
	} t[] = {
		{ "198.18.0.1:7443", 1, "198.18.0.1", 7443 },
		{ "[2001:2::1]:7443", 1, "2001:2::1", 7443 },
		{ "198.18.0.1", 1, "198.18.0.1", 7443 },
		{ "[::1]", 1, "::1", 7443 },
		{ "2001:2::1", 1, "2001:2::1", 7443 },
		{ "relay.example:9", 1, "relay.example", 9 },
		{ "198.18.0.1:0", 0, NULL, 0 },
		{ "198.18.0.1:65536", 0, NULL, 0 },
		{ "198.18.0.1:x", 0, NULL, 0 },
		{ "198.18.0.1:", 0, NULL, 0 },
		{ "[::1]7443", 0, NULL, 0 },
		{ "[]:7443", 0, NULL, 0 },
		{ "[::1", 0, NULL, 0 },
		{ ":7443", 0, NULL, 0 },
		{ "", 0, NULL, 0 },
	};
	struct sg_client_config cfg = { .relay = "not an address:1" };
	char host[64], err[256];
	uint16_t port;
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(t); i++) {
		int rc = sg_client_addr_split(t[i].spec, host, sizeof(host), &port);

		if (!t[i].ok) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(host, t[i].host);
		assert_int_equal(port, t[i].port);
	}
	assert_null(sg_client_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not an address"));
	cfg.relay = "[::1";
	assert_null(sg_client_new(&cfg, err, sizeof(err)));
}

static void test_key_files(void **state)
{
	char dir[] = "/tmp/sg-client-test-XXXXXX", path[128], pubpath[128], b64[64], err[256];
	struct sg_keypair a, b;
	uint8_t pub[SG_KEY_LEN];
	struct stat st;
	int created = -1;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/id", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/relay.pub", dir);
	assert_int_equal(sg_client_identity_load(path, 0, &a, &created, err, sizeof(err)),
			 SG_E_KEY);
	assert_int_equal(sg_client_identity_load(path, 1, &a, &created, err, sizeof(err)), SG_OK);
	assert_int_equal(created, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sg_client_identity_load(path, 1, &b, &created, err, sizeof(err)), SG_OK);
	assert_int_equal(created, 0);
	assert_memory_equal(a.pub, b.pub, SG_KEY_LEN);

	/* The relay key as base64, as a .pub file, or as a private key file. */
	sg_key_to_base64(b64, a.pub);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(b64, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	f = fopen(pubpath, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", b64);
	fclose(f);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(pubpath, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(path, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	assert_int_equal(sg_client_relay_key("AAAA", pub, err, sizeof(err)), SG_E_KEY);

	unlink(pubpath);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_cookie_retry_and_echo),
		cmocka_unit_test(test_connect_timeout_retransmits),
		cmocka_unit_test(test_invalid_datagrams_are_counted),
		cmocka_unit_test(test_mailbox_duplicates_and_ack),
		cmocka_unit_test(test_tofu_pins_and_key_change),
		cmocka_unit_test(test_first_contact_secret_and_tampering),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_key_updates_both_ways),
		cmocka_unit_test(test_rekey_in_background),
		cmocka_unit_test(test_silent_relay_closes_the_session),
		cmocka_unit_test(test_close_from_relay_and_reconnect),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_key_files),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
