/* SPDX-License-Identifier: MIT */
/*
 * fuzz_client.c - what libsurge parses from the network, through its real
 * entry points: a client (sg_client_new, identity Alice, relay key fixed)
 * whose UDP socket is connect()ed to a socket of this harness on loopback,
 * which plays the relay with the production responder (crypto/handshake.h,
 * crypto/resume.h, crypto/cookie.h with fixed keys) and sends it what the
 * input says; the client reads it all through sg_client_read and
 * sg_client_poll, on a clock the input moves (its timers: keepalives, key
 * updates, rekeys, expiry, lookup retries).
 *
 * Input: setup (1: 1 connect first, 2 offer AES-256-GCM from the relay's
 * side, 4 key updates, 8 announce keepalive from the next byte), [keepalive
 * (1)], then commands until the input ends, each an op byte and its
 * arguments:
 *   0 raw datagram: length (2), bytes
 *   1 sealed transport message: type (1), flags (1), counter (1: 0 next,
 *     else that many back), receiver (1: 0 the client's index, else fuzzed
 *     4), plaintext length (2), plaintext
 *   2 time: milliseconds x 50 (2), then the client's timers run
 *   3 the application: what (1), argument (1), then send / lookup / ack /
 *     pin / close / a new handshake
 *   4 a secret DATA from Bob, sealed end to end for Alice: message id (8),
 *     flags (1), plaintext length (2), plaintext, then a byte to corrupt
 *   5 KEY_INFO: user (1), status (2), key (1: Bob's, Alice's, a low-order
 *     point, or 32 fuzzed bytes)
 *   6 the relay's answer to the client's last initiation or RESUME: what
 *     (1: response, cookie reply, or the response with a byte flipped)
 *   7 TICKET: lifetime (4) and a fresh ticket from the relay's ring, or
 *     fuzzed plaintext
 *   8 the relay's send key update (KEY_PHASE flips on what it seals)
 *
 * Invariants: every event is well-formed; a transport frame the client
 * sends authenticates under the relay's keys for its session; a handshake
 * the relay answered correctly connects the client.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_int.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/resume.h"
#include "crypto/session_keys.h"
#include "crypto/ticket.h"
#include "crypto/transport.h"
#include "fuzz.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

enum {
	CLIENT_UID = 1000001,
	BOB_UID = 1000002,
	CLOCK_START_MS = 1000000,
	BASE_UNIX = 1700000000,
	MAX_OPS = 160,
};

static int relay_fd = -1;
static char relay_addr[64];
static uint64_t clock_now_ms;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return clock_now_ms;
}

/* The relay's end of the client's current (and previous) session. */
struct rsess {
	struct sg_session_keys keys;
	struct sg_aead_ctx recv;
	uint32_t client_index; /* receiver index of frames to the client */
	uint32_t relay_index;  /* receiver index of the client's frames */
	uint64_t counter;
	int live;
};

struct h {
	struct sg_client *c;
	struct rsess cur, prev;
	struct sg_ticket_ring ring;
	struct sg_cookie_checker checker;
	uint8_t last_hs[SG_RESUME_LEN]; /* the client's last INIT or RESUME */
	size_t last_hs_len;
	struct {
		uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN], suite;
		uint32_t client_index, relay_index;
		uint64_t handshakes_before;
		int set;
	} pend;
	uint8_t setup;
	uint16_t keepalive;
	unsigned handshakes;
};

static void relay_open(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	relay_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (relay_fd < 0 || bind(relay_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(relay_fd, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	snprintf(relay_addr, sizeof(relay_addr), "127.0.0.1:%u", ntohs(sa.sin_port));
}

/* To the client's socket (its local address). */
static void relay_send(struct h *x, const uint8_t *buf, size_t len)
{
	struct sockaddr_in to;
	socklen_t tl = sizeof(to);
	struct pollfd p = { .fd = sg_client_fd(x->c), .events = POLLIN };

	if (getsockname(sg_client_fd(x->c), (struct sockaddr *)&to, &tl) != 0)
		abort();
	if (sendto(relay_fd, buf, len, 0, (struct sockaddr *)&to, tl) != (ssize_t)len)
		abort();
	(void)poll(&p, 1, 1000); /* loopback delivers at once; bounded anyway */
}

static void settle(struct h *x);

static void check_event(const struct sg_client_event *ev)
{
	FUZZ_CHECK(ev->type >= SG_CLIENT_EV_MESSAGE && ev->type <= SG_CLIENT_EV_CLOSED);
	if (ev->type == SG_CLIENT_EV_MESSAGE) {
		FUZZ_CHECK(ev->len <= SG_BODY_MAX && ev->peer != 0);
		FUZZ_CHECK(ev->cls == SG_CLASS_CLOUD || ev->cls == SG_CLASS_SECRET);
	}
	if (ev->type == SG_CLIENT_EV_CLOSED)
		FUZZ_CHECK(ev->code <= SG_CLOSE_REASON_MAX);
}

/* Let the client take everything waiting and report its events. */
static void pump(struct h *x)
{
	struct sg_client_event ev;

	for (int i = 0; i < 256; i++) {
		int rc = sg_client_poll(x->c, &ev, 0);

		if (rc > 0) {
			check_event(&ev);
			continue;
		}
		/* Without a session poll reads nothing: read directly. */
		if (rc == SG_CLIENT_E_NOT_CONNECTED && sg_client_read(x->c) > 0)
			continue;
		break;
	}
	settle(x);
}

/* Whatever is waiting on the relay's socket, unread. */
static void discard(void)
{
	uint8_t buf[2048];

	while (recv(relay_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

/* What the client sent: handshakes kept for op 6, transport frames must open. */
static void drain(struct h *x)
{
	uint8_t buf[2048];

	for (;;) {
		ssize_t n = recv(relay_fd, buf, sizeof(buf), MSG_DONTWAIT);
		int type;

		if (n < 0)
			return;
		type = sg_proto_classify(buf, (size_t)n);
		if (type == SG_MSG_HANDSHAKE_INIT || type == SG_MSG_RESUME) {
			memcpy(x->last_hs, buf, (size_t)n);
			x->last_hs_len = (size_t)n;
			continue;
		}
		FUZZ_CHECK(type > 0 && sg_proto_is_transport((uint8_t)type));
		if (!(x->setup & 4)) { /* with key updates the phase decides: not tracked here */
			struct sg_hdr hd;
			size_t plen;
			uint8_t *copy = fz_dup(buf, (size_t)n);
			int ok = 0;

			for (struct rsess *s = &x->cur; !ok && s <= &x->prev; s++)
				if (s->live && sg_le32(buf + SG_HDR_OFF_RECEIVER) == s->relay_index)
					ok = sg_transport_open(&s->recv, copy, (size_t)n, &hd, &plen) ==
					     SG_OK;
			FUZZ_CHECK(ok);
			free(copy);
		}
	}
}

/* Keys the relay answered with, installed once the client took the answer. */
static void offer(struct h *x, uint8_t suite, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN],
		  uint32_t client_index, uint32_t relay_index)
{
	struct sg_client_counters n;

	sg_client_get_counters(x->c, &n);
	x->pend.suite = suite;
	memcpy(x->pend.send, send, SG_KEY_LEN);
	memcpy(x->pend.recv, recv, SG_KEY_LEN);
	x->pend.client_index = client_index;
	x->pend.relay_index = relay_index;
	x->pend.handshakes_before = n.handshakes;
	x->pend.set = 1;
	sg_wipe(send, SG_KEY_LEN);
	sg_wipe(recv, SG_KEY_LEN);
}

/* The relay's new session, when the client installed the one offered. */
static void settle(struct h *x)
{
	struct sg_client_counters n;

	if (!x->pend.set)
		return;
	sg_client_get_counters(x->c, &n);
	if (n.handshakes > x->pend.handshakes_before) {
		x->prev = x->cur;
		memset(&x->cur, 0, sizeof(x->cur));
		sg_skeys_init(&x->cur.keys, x->pend.suite, x->pend.send, x->pend.recv,
			      clock_now_ms / 1000);
		FUZZ_CHECK(sg_aead_ctx_init(&x->cur.recv, x->pend.suite, x->pend.recv) == SG_OK);
		x->cur.client_index = x->pend.client_index;
		x->cur.relay_index = x->pend.relay_index;
		x->cur.live = 1;
		x->handshakes++;
	}
	sg_wipe(&x->pend, sizeof(x->pend));
}

/* The relay answers the client's last initiation or RESUME; 1 when it did. */
static int answer_handshake(struct h *x, int corrupt)
{
	uint8_t resp[SG_RESP_LEN], send[SG_KEY_LEN], recv[SG_KEY_LEN], e[SG_KEY_LEN];
	struct sg_hs_fixed fx = { .ephemeral_priv = e };
	struct sg_resp_payload rp = { .user_id = CLIENT_UID, .flags = SG_RESP_F_SIGNED_UP,
				      .keepalive_s = x->keepalive };
	uint32_t relay_index = 0x100 + x->handshakes;
	size_t len;

	if (x->last_hs_len == SG_INIT_LEN) {
		struct sg_handshake hs;
		struct sg_init_payload ip;
		uint8_t client_pub[SG_KEY_LEN];

		if (sg_hs_initiation_consume(&hs, fz_key(FZ_RELAY), x->last_hs, SG_INIT_LEN, &ip,
					     client_pub) != SG_OK)
			return 0;
		FUZZ_CHECK(memcmp(client_pub, fz_key(FZ_ALICE)->pub, SG_KEY_LEN) == 0);
		rp.suite = sg_hs_choose_suite(&ip, (x->setup & 2) && sg_crypto_have_aes256gcm());
		fz_fixed(e, sizeof(e), (uint8_t)(0x80 + x->handshakes));
		FUZZ_CHECK(sg_hs_response_create(&hs, resp, relay_index, &rp, &fx) == SG_OK);
		FUZZ_CHECK(sg_hs_keys(&hs, send, recv) == SG_OK);
		len = SG_RESP_LEN;
		offer(x, rp.suite, send, recv, hs.remote_index, relay_index);
	} else if (x->last_hs_len == SG_RESUME_LEN) {
		struct sg_resume rs;
		struct sg_init_payload ip;
		uint8_t rnd[SG_RESUME_RANDOM_LEN];
		struct sg_resume_fixed rfx = { .random = rnd };
		uint64_t uid;

		if (sg_resume_consume(&rs, &x->ring, x->last_hs, SG_RESUME_LEN,
				      BASE_UNIX + clock_now_ms / 1000, &ip, &uid) != SG_OK)
			return 0;
		FUZZ_CHECK(uid == CLIENT_UID);
		rp.suite = sg_hs_choose_suite(&ip, (x->setup & 2) && sg_crypto_have_aes256gcm());
		rp.flags = 0;
		fz_fixed(rnd, sizeof(rnd), (uint8_t)(0x90 + x->handshakes));
		FUZZ_CHECK(sg_resume_response_create(&rs, resp, relay_index,
						     fz_key(FZ_ALICE)->pub, &rp, &rfx) == SG_OK);
		FUZZ_CHECK(sg_resume_keys(&rs, send, recv) == SG_OK);
		len = SG_RRESP_LEN;
		offer(x, rp.suite, send, recv, rs.remote_index, relay_index);
	} else {
		return 0;
	}
	if (corrupt)
		resp[corrupt % len] ^= (uint8_t)(1u << (corrupt % 8));
	x->last_hs_len = 0;
	relay_send(x, resp, len);
	return 1;
}

static void seal_send(struct h *x, uint8_t type, uint8_t flags, uint64_t counter,
		      uint32_t receiver, const uint8_t *plain, size_t plen)
{
	struct sg_aead_ctx ctx;
	struct sg_hdr hd = { .type = type, .flags = flags, .receiver = receiver,
			     .counter = counter };
	uint8_t out[2048];
	size_t len;

	if (!x->cur.live)
		return;
	if (x->cur.keys.send_phase)
		hd.flags ^= SG_HDR_F_KEY_PHASE;
	FUZZ_CHECK(sg_aead_ctx_init(&ctx, x->cur.keys.suite, x->cur.keys.send) == SG_OK);
	if (sg_transport_seal(&ctx, &hd, plain, plen, out, sizeof(out), &len) == SG_OK)
		relay_send(x, out, len);
	sg_aead_ctx_wipe(&ctx);
}

static void op_sealed(struct h *x, struct fz *f)
{
	uint8_t type = (uint8_t)(SG_MSG_DATA + fz_u8(f) % 9), flags = fz_u8(f);
	uint8_t back = fz_u8(f), plain[1600];
	uint32_t receiver = fz_u8(f) ? fz_u32(f) : x->cur.client_index;
	size_t plen = fz_u16(f) % sizeof(plain);
	uint64_t counter = back ? x->cur.counter - back : x->cur.counter++;

	fz_bytes(f, plain, plen);
	/* flags bit 0: the other key phase than the relay's own */
	seal_send(x, type, flags & SG_HDR_F_KEY_PHASE, counter, receiver, plain, plen);
}

static void op_app(struct h *x, struct fz *f)
{
	uint8_t what = fz_u8(f), arg = fz_u8(f), body[64];
	uint64_t to = arg & 1 ? BOB_UID : 1000000 + arg, id;

	memset(body, arg, sizeof(body));
	switch (what % 7) {
	case 0:
		(void)sg_client_send(x->c, to, SG_CLASS_CLOUD, body, arg % sizeof(body), arg, &id);
		break;
	case 1:
		(void)sg_client_send(x->c, to, SG_CLASS_SECRET, body, arg % sizeof(body), arg, &id);
		break;
	case 2:
		(void)sg_client_lookup(x->c, to);
		break;
	case 3:
		(void)sg_client_ack(x->c, to, arg);
		break;
	case 4:
		(void)sg_client_pin(x->c, to, fz_key(arg & 2 ? FZ_BOB : FZ_RELAY_OLD)->pub);
		break;
	case 5:
		(void)sg_client_close(x->c);
		break;
	default:
		(void)sg_client_hs_send(x->c);
		break;
	}
}

static void op_secret(struct h *x, struct fz *f)
{
	uint8_t key[SG_E2E_KEY_LEN], plain[SG_E2E_PLAIN_MAX], inner[SG_BODY_MAX + SG_DATA_INNER_LEN];
	struct sg_data_inner d = { .peer_user = BOB_UID, .class = SG_CLASS_SECRET };
	size_t plen, blen = 0;
	uint8_t corrupt;

	d.msg_id = fz_u64(f);
	d.flags = fz_u8(f) & SG_DATA_F_MASK;
	plen = fz_u16(f) % (SG_E2E_PLAIN_MAX + 1);
	fz_bytes(f, plain, plen);
	corrupt = fz_u8(f);
	FUZZ_CHECK(sg_e2e_key(key, fz_key(FZ_BOB), fz_key(FZ_ALICE)->pub) == SG_OK);
	sg_data_inner_encode(inner, &d);
	FUZZ_CHECK(sg_e2e_seal(inner + SG_DATA_INNER_LEN, SG_BODY_MAX, key, BOB_UID, CLIENT_UID,
			       d.msg_id, plain, plen, &blen) == SG_OK);
	if (corrupt)
		inner[SG_DATA_INNER_LEN + corrupt % blen] ^= 0x20;
	seal_send(x, SG_MSG_DATA, 0, x->cur.counter++, x->cur.client_index, inner,
		  SG_DATA_INNER_LEN + blen);
}

static void op_key_info(struct h *x, struct fz *f)
{
	uint8_t plain[SG_KEYINFO_PLAIN_LEN];
	struct sg_key_info k = { 0 };
	uint8_t user = fz_u8(f), which;
	static const uint8_t low_order[SG_KEY_LEN] = { 1 }; /* the point of order 1 */

	k.user_id = user & 1 ? BOB_UID : user;
	k.status = fz_u16(f) % 3;
	which = fz_u8(f);
	if (k.status == SG_KEYINFO_FOUND) {
		switch (which % 4) {
		case 0: memcpy(k.public_key, fz_key(FZ_BOB)->pub, SG_KEY_LEN); break;
		case 1: memcpy(k.public_key, fz_key(FZ_ALICE)->pub, SG_KEY_LEN); break;
		case 2: memcpy(k.public_key, low_order, SG_KEY_LEN); break;
		default: fz_bytes(f, k.public_key, SG_KEY_LEN); break;
		}
	}
	sg_keyinfo_encode(plain, &k);
	seal_send(x, SG_MSG_KEY_INFO, 0, x->cur.counter++, x->cur.client_index, plain,
		  sizeof(plain));
}

static void op_ticket(struct h *x, struct fz *f)
{
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];
	uint32_t lifetime = fz_u32(f);

	if (lifetime & 1) {
		fz_bytes(f, plain, sizeof(plain));
	} else {
		(void)sg_resume_ticket_issue(&x->ring, plain, CLIENT_UID,
					     BASE_UNIX + clock_now_ms / 1000, NULL);
		if (lifetime & 2)
			sg_put_le32(plain, lifetime >> 2);
	}
	seal_send(x, SG_MSG_TICKET, 0, x->cur.counter++, x->cur.client_index, plain,
		  sizeof(plain));
}

static void op_cookie_or_answer(struct h *x, struct fz *f)
{
	uint8_t what = fz_u8(f), reply[SG_COOKIE_REPLY_LEN], nonce[SG_COOKIE_NONCE_LEN];
	static const uint8_t src[6] = { 127, 0, 0, 1, 0, 1 };

	drain(x);
	switch (what % 3) {
	case 0:
		(void)answer_handshake(x, 0);
		break;
	case 1:
		if (x->last_hs_len < 2 * SG_MAC_LEN + 1)
			break;
		fz_fixed(nonce, sizeof(nonce), 0x44);
		FUZZ_CHECK(sg_cookie_reply_create(&x->checker, reply, x->last_hs, x->last_hs_len,
						  sg_le32(x->last_hs + 4), src, sizeof(src),
						  clock_now_ms / 1000, nonce) == SG_OK);
		relay_send(x, reply, sizeof(reply));
		break;
	default:
		(void)answer_handshake(x, 1 + fz_u8(f));
		break;
	}
}

static void run(struct h *x, struct fz *f)
{
	for (int ops = 0; ops < MAX_OPS && f->n; ops++) {
		uint8_t op = fz_u8(f), buf[2048];
		size_t len;

		switch (op % 9) {
		case 0:
			len = fz_u16(f) % sizeof(buf);
			fz_bytes(f, buf, len);
			relay_send(x, buf, len);
			break;
		case 1:
			op_sealed(x, f);
			break;
		case 2:
			clock_now_ms += (uint64_t)fz_u16(f) * 50;
			break;
		case 3:
			op_app(x, f);
			break;
		case 4:
			op_secret(x, f);
			break;
		case 5:
			op_key_info(x, f);
			break;
		case 6:
			op_cookie_or_answer(x, f);
			break;
		case 7:
			op_ticket(x, f);
			break;
		default:
			if (x->cur.live)
				sg_skeys_send_update(&x->cur.keys, clock_now_ms / 1000);
			break;
		}
		pump(x);
		drain(x);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct sg_client_config cfg = { 0 };
	uint8_t secret[SG_KEY_LEN];
	char err[256];
	struct h x;

	if (relay_fd < 0)
		relay_open();
	memset(&x, 0, sizeof(x));
	clock_now_ms = CLOCK_START_MS;
	x.setup = fz_u8(&f);
	x.keepalive = x.setup & 8 ? fz_u8(&f) : SG_KEEPALIVE_S;
	cfg.relay = relay_addr;
	memcpy(cfg.relay_pub, fz_key(FZ_RELAY)->pub, SG_KEY_LEN);
	cfg.identity = *fz_key(FZ_ALICE);
	cfg.key_updates = (x.setup & 4) != 0;
	cfg.clock_ms = fake_clock;
	x.c = sg_client_new(&cfg, err, sizeof(err));
	if (!x.c) {
		fprintf(stderr, "fuzz_client: %s\n", err);
		abort();
	}
	FUZZ_CHECK(sg_ticket_ring_init(&x.ring, 0, 0, BASE_UNIX) == SG_OK);
	sg_cookie_checker_init(&x.checker, fz_key(FZ_RELAY)->pub);
	fz_fixed(secret, sizeof(secret), 0x45);
	sg_cookie_checker_follow(&x.checker, secret, clock_now_ms / 1000);
	discard(); /* nothing should be left by the previous input; never judge it */

	if (x.setup & 1) {
		struct pollfd p = { .fd = relay_fd, .events = POLLIN };

		FUZZ_CHECK(sg_client_hs_send(x.c) == SG_OK);
		(void)poll(&p, 1, 1000);
		drain(&x);
		FUZZ_CHECK(answer_handshake(&x, 0) == 1);
		pump(&x);
		FUZZ_CHECK(sg_client_is_connected(x.c) && sg_client_user_id(x.c) == CLIENT_UID);
		drain(&x);
	}
	run(&x, &f);
	(void)sg_client_close(x.c);
	drain(&x);
	sg_client_free(x.c);
	sg_ticket_ring_wipe(&x.ring);
	sg_cookie_checker_wipe(&x.checker);
	sg_wipe(&x, sizeof(x));
	return 0;
}
