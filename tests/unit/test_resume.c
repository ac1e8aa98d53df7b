/* SPDX-License-Identifier: MIT */
/*
 * test_resume.c - session resumption, both sides, without DPDK: round trip
 * with equal keys, the relay's refusals (wrong secret, tampered ticket or
 * message, expired ticket, rotated-out key, wrong lengths), replay refused
 * by the per-user timestamp shared with the Noise handshake, the client's
 * refusals of forged responses, and the TICKET plaintext a client keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/registry.h"
#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/resume.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/tai64n.h"

enum { T0 = 1700000000, ROT = 6 * 3600, LIFE = 12 * 3600 };

struct fix {
	struct sg_keypair relay, client;
	struct sg_ticket_ring ring;
	struct sg_cookie_checker chk;  /* relay */
	struct sg_cookie_maker mk;     /* client */
	struct sg_registry *reg;
	struct sg_user *user;
	struct sg_resume_ticket held;  /* the client's ticket */
	struct sg_init_payload ip;
	uint8_t msg[SG_RESUME_LEN];
	uint8_t resp[SG_RRESP_LEN];
};

static void payload_at(struct sg_init_payload *p, uint64_t sec)
{
	sg_init_payload_client(p, 1);
	sg_tai64n_encode(p->timestamp, sec, 0);
}

/* A relay, a registered user, and the ticket it was given at T0. */
static void fix_init(struct fix *f)
{
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];
	int created;

	memset(f, 0, sizeof(*f));
	sg_keypair_generate(&f->relay);
	sg_keypair_generate(&f->client);
	assert_int_equal(sg_ticket_ring_init(&f->ring, 0, 0, T0), SG_OK);
	sg_cookie_checker_init(&f->chk, f->relay.pub);
	sg_cookie_maker_init(&f->mk, f->relay.pub);
	f->reg = sg_registry_new(16);
	assert_non_null(f->reg);
	f->user = sg_registry_get_or_add(f->reg, f->client.pub, T0, &created);
	assert_non_null(f->user);
	assert_int_equal(sg_resume_ticket_issue(&f->ring, plain, f->user->id, T0, NULL), LIFE);
	assert_int_equal(sg_resume_ticket_store(&f->held, plain, sizeof(plain), 100), SG_OK);
	assert_int_equal(f->held.expires, 100 + LIFE);
	payload_at(&f->ip, T0);
}

static void fix_fini(struct fix *f)
{
	sg_registry_free(f->reg);
	sg_ticket_ring_wipe(&f->ring);
	sg_resume_ticket_wipe(&f->held);
}

/* The relay's checks up to the response, as control/resume_ctl.c runs them. */
static int relay_read(struct fix *f, struct sg_resume *rs, uint64_t now)
{
	struct sg_init_payload p;
	struct sg_user *u;
	uint64_t uid = 0;
	int rc = sg_cookie_validate(&f->chk, f->msg, sizeof(f->msg), NULL, 0, 0);

	if (rc < 0)
		return rc;
	rc = sg_resume_consume(rs, &f->ring, f->msg, sizeof(f->msg), now, &p, &uid);
	if (rc != SG_OK)
		return rc;
	u = sg_registry_by_id(f->reg, uid);
	assert_non_null(u);
	return sg_registry_accept_timestamp(u, p.timestamp);
}

static void client_send(struct fix *f, struct sg_resume *c, uint32_t index)
{
	assert_int_equal(sg_resume_create(c, f->msg, &f->held, index, &f->ip, &f->mk, 0, NULL),
			 SG_OK);
}

static void test_round_trip(void **state)
{
	struct fix f;
	struct sg_resume c, r;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .suite = SG_SUITE_CHACHA20_POLY1305, .keepalive_s = 25 };
	struct sg_resp_payload got;
	uint8_t cs[SG_KEY_LEN], cr[SG_KEY_LEN], rs_[SG_KEY_LEN], rr[SG_KEY_LEN];
	uint64_t uid = 0;

	(void)state;
	fix_init(&f);
	rp.user_id = f.user->id;
	client_send(&f, &c, 0x11223344);
	assert_int_equal(f.msg[0], SG_MSG_RESUME);
	assert_int_equal(sg_le32(f.msg + SG_RESUME_OFF_SENDER), 0x11223344);
	assert_memory_equal(f.msg + SG_RESUME_OFF_TICKET, f.held.ticket, SG_TICKET_LEN);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), NULL, 0, 0),
			 SG_MAC_MAC1_OK);

	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0 + 60, &p, &uid),
			 SG_OK);
	assert_int_equal(uid, f.user->id);
	assert_memory_equal(p.timestamp, f.ip.timestamp, SG_TAI64N_LEN);
	assert_int_equal(p.version, SG_PROTO_VERSION);
	assert_int_equal(p.n_suites, f.ip.n_suites);
	assert_memory_equal(p.suites, f.ip.suites, SG_MAX_SUITES);
	assert_int_equal(r.remote_index, 0x11223344);

	assert_int_equal(sg_resume_response_create(&r, f.resp, 0x0a0b0c0d, f.client.pub, &rp, NULL),
			 SG_OK);
	assert_int_equal(f.resp[0], SG_MSG_RESUME_RESP);
	assert_int_equal(sg_le32(f.resp + SG_RRESP_OFF_SENDER), 0x0a0b0c0d);
	assert_int_equal(sg_le32(f.resp + SG_RRESP_OFF_RECEIVER), 0x11223344);
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, f.resp, sizeof(f.resp), &got),
			 SG_OK);
	assert_int_equal(got.user_id, f.user->id);
	assert_int_equal(got.suite, SG_SUITE_CHACHA20_POLY1305);
	assert_int_equal(got.keepalive_s, 25);
	assert_int_equal(c.remote_index, 0x0a0b0c0d);

	assert_int_equal(sg_resume_keys(&c, cs, cr), SG_OK);
	assert_int_equal(sg_resume_keys(&r, rs_, rr), SG_OK);
	assert_memory_equal(cs, rr, SG_KEY_LEN); /* client -> relay */
	assert_memory_equal(cr, rs_, SG_KEY_LEN); /* relay -> client */
	assert_memory_not_equal(cs, cr, SG_KEY_LEN);
	assert_memory_not_equal(cs, f.held.secret, SG_KEY_LEN);
	/* Keys taken once: the secrets are wiped, the indexes stay for the session. */
	assert_int_equal(c.step, SG_RESUME_STEP_DEAD);
	assert_int_equal(c.local_index, 0x11223344);
	assert_int_equal(c.remote_index, 0x0a0b0c0d);
	assert_int_equal(r.local_index, 0x0a0b0c0d);
	assert_int_equal(r.remote_index, 0x11223344);
	assert_int_equal(sg_resume_keys(&c, cs, cr), SG_E_STATE);
	for (unsigned i = 0; i < SG_KEY_LEN; i++)
		assert_int_equal(c.secret[i] | r.secret[i], 0);
	fix_fini(&f);
}

/* A second resumption of the same ticket gets other keys (fresh randoms). */
static void test_keys_fresh_and_ctx(void **state)
{
	struct fix f;
	struct sg_resume c, r;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .suite = SG_SUITE_AES256_GCM, .keepalive_s = 25 };
	struct sg_resp_payload got;
	struct sg_aead_ctx send, recv;
	uint8_t k1[SG_KEY_LEN], k2[SG_KEY_LEN], rs_[SG_KEY_LEN], rr[SG_KEY_LEN];
	uint64_t uid;

	(void)state;
	fix_init(&f);
	rp.user_id = f.user->id;
	for (int round = 0; round < 2; round++) {
		payload_at(&f.ip, T0 + (uint64_t)round);
		client_send(&f, &c, 7);
		assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0, &p, &uid),
				 SG_OK);
		assert_int_equal(sg_resume_response_create(&r, f.resp, 9, f.client.pub, &rp, NULL),
				 SG_OK);
		assert_int_equal(sg_resume_keys(&r, rs_, rr), SG_OK);
		if (round == 0) {
			assert_int_equal(sg_resume_response_consume(&c, f.client.pub, f.resp,
								    sizeof(f.resp), &got),
					 SG_OK);
			assert_int_equal(sg_resume_keys(&c, k1, k2), SG_OK);
			assert_memory_equal(k1, rr, SG_KEY_LEN);
			memcpy(k2, rr, SG_KEY_LEN);
		} else {
			assert_memory_not_equal(k2, rr, SG_KEY_LEN);
			if (sg_crypto_have_aes256gcm()) {
				assert_int_equal(sg_resume_response_to_ctx(&c, f.client.pub, f.resp,
									   sizeof(f.resp), &got,
									   &send, &recv),
						 SG_OK);
				assert_int_equal(send.suite, SG_SUITE_AES256_GCM);
				sg_aead_ctx_wipe(&send);
				sg_aead_ctx_wipe(&recv);
			}
		}
	}
	fix_fini(&f);
}

static void test_wrong_secret(void **state)
{
	struct fix f;
	struct sg_resume c, r;

	(void)state;
	fix_init(&f);
	f.held.secret[5] ^= 0x40; /* the ticket is genuine, the secret is not its */
	client_send(&f, &c, 1);
	assert_int_equal(relay_read(&f, &r, T0), SG_E_TAG);
	assert_int_equal(r.step, SG_RESUME_STEP_DEAD);
	/* No timestamp was taken: the genuine holder can still resume with it. */
	f.held.secret[5] ^= 0x40;
	client_send(&f, &c, 1);
	assert_int_equal(relay_read(&f, &r, T0), SG_OK);
	fix_fini(&f);
}

static void test_tampered(void **state)
{
	struct fix f;
	struct sg_resume c, r;
	struct sg_cookie_maker fresh;
	uint8_t good[SG_RESUME_LEN];
	static const struct {
		unsigned off;
		int want;
	} rows[] = {
		{ SG_RESUME_OFF_SENDER, SG_E_TAG },       /* AD covers the header */
		{ SG_RESUME_OFF_RANDOM + 3, SG_E_TAG },   /* and the client random */
		{ SG_RESUME_OFF_TICKET, SG_E_KEY },       /* key id */
		{ SG_RESUME_OFF_TICKET + 10, SG_E_KEY },  /* ticket nonce */
		{ SG_RESUME_OFF_TICKET + 50, SG_E_KEY },  /* ticket ciphertext */
		{ SG_RESUME_OFF_PAYLOAD, SG_E_TAG },
		{ SG_RESUME_OFF_MAC1 - 1, SG_E_TAG },     /* payload tag */
	};

	(void)state;
	fix_init(&f);
	client_send(&f, &c, 1);
	memcpy(good, f.msg, sizeof(good));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(f.msg, good, sizeof(good));
		f.msg[rows[i].off] ^= 0x01;
		/* mac1 first: a changed byte without a new mac1 is refused before anything. */
		assert_int_equal(relay_read(&f, &r, T0), SG_E_MAC1);
		sg_cookie_maker_init(&fresh, f.relay.pub);
		sg_cookie_add_macs(&fresh, f.msg, sizeof(f.msg), 0);
		assert_int_equal(relay_read(&f, &r, T0), rows[i].want);
	}
	/* Header checks. */
	memcpy(f.msg, good, sizeof(good));
	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, SG_RESUME_LEN - 1, T0,
					   &f.ip, &(uint64_t){ 0 }),
			 SG_E_LENGTH);
	f.msg[0] = SG_MSG_HANDSHAKE_INIT;
	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0, &f.ip,
					   &(uint64_t){ 0 }),
			 SG_E_TYPE);
	f.msg[0] = SG_MSG_RESUME;
	f.msg[2] = 1;
	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0, &f.ip,
					   &(uint64_t){ 0 }),
			 SG_E_RESERVED);
	memcpy(f.msg, good, sizeof(good));
	assert_int_equal(relay_read(&f, &r, T0), SG_OK);
	fix_fini(&f);
}

static void test_expired_and_rotated(void **state)
{
	struct fix f;
	struct sg_resume c, r;

	(void)state;
	fix_init(&f);
	client_send(&f, &c, 1);
	assert_int_equal(relay_read(&f, &r, T0 + LIFE), SG_E_EXPIRED);

	/* One rotation later the ticket opens under the previous key. */
	sg_ticket_ring_tick(&f.ring, T0 + ROT);
	assert_int_equal(relay_read(&f, &r, T0 + ROT), SG_OK);
	/* Two rotations later its key is gone (before its lifetime ran out). */
	payload_at(&f.ip, T0 + 1);
	client_send(&f, &c, 1);
	sg_ticket_ring_tick(&f.ring, T0 + 2 * ROT);
	assert_int_equal(relay_read(&f, &r, T0 + 2 * ROT - 1), SG_E_KEY);
	fix_fini(&f);
}

/* Replay: the per-user timestamp, the same field the Noise handshake uses. */
static void test_replay(void **state)
{
	struct fix f;
	struct sg_resume c, r;
	uint8_t first[SG_RESUME_LEN];
	uint8_t ik_ts[SG_TAI64N_LEN];

	(void)state;
	fix_init(&f);
	client_send(&f, &c, 1);
	memcpy(first, f.msg, sizeof(first));
	assert_int_equal(relay_read(&f, &r, T0), SG_OK);
	assert_int_equal(relay_read(&f, &r, T0), SG_E_TIMESTAMP); /* the same bytes again */

	/* The holder may use the ticket again, only with a newer timestamp. */
	payload_at(&f.ip, T0 + 1);
	client_send(&f, &c, 2);
	assert_int_equal(relay_read(&f, &r, T0), SG_OK);
	memcpy(f.msg, first, sizeof(first));
	assert_int_equal(relay_read(&f, &r, T0), SG_E_TIMESTAMP); /* older one, later */

	/* A full handshake accepted meanwhile makes older resumptions replays too. */
	sg_tai64n_encode(ik_ts, T0 + 100, 0);
	assert_int_equal(sg_registry_accept_timestamp(f.user, ik_ts), SG_OK);
	payload_at(&f.ip, T0 + 50);
	client_send(&f, &c, 3);
	assert_int_equal(relay_read(&f, &r, T0), SG_E_TIMESTAMP);
	fix_fini(&f);
}

static void test_client_refuses(void **state)
{
	struct fix f;
	struct sg_resume c, r, c2;
	struct sg_keypair stranger;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .suite = SG_SUITE_CHACHA20_POLY1305, .keepalive_s = 25 };
	struct sg_resp_payload got;
	uint8_t bad[SG_RRESP_LEN];
	uint64_t uid;

	(void)state;
	fix_init(&f);
	rp.user_id = f.user->id;
	f.ip.n_suites = 1; /* offers AES-256-GCM only */
	f.ip.suites[1] = 0;
	client_send(&f, &c, 5);
	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0, &p, &uid), SG_OK);
	assert_int_equal(sg_resume_response_create(&r, f.resp, 6, f.client.pub, &rp, NULL), SG_OK);
	/* The relay picked ChaCha20-Poly1305, which this client did not offer. */
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, f.resp, sizeof(f.resp), &got),
			 SG_E_SUITE);

	payload_at(&f.ip, T0 + 1);
	client_send(&f, &c, 5);
	rp.suite = SG_SUITE_AES256_GCM;
	assert_int_equal(sg_resume_consume(&r, &f.ring, f.msg, sizeof(f.msg), T0, &p, &uid), SG_OK);
	assert_int_equal(sg_resume_response_create(&r, f.resp, 6, f.client.pub, &rp, NULL), SG_OK);
	assert_int_equal(sg_resume_response_create(&r, bad, 6, f.client.pub, &rp, NULL),
			 SG_E_STATE); /* once */

	/* Wrong length, type, receiver index, mac1 key, tampered payload: refused ... */
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, f.resp, SG_RRESP_LEN + 1,
						    &got),
			 SG_E_LENGTH);
	memcpy(bad, f.resp, sizeof(bad));
	bad[0] = SG_MSG_HANDSHAKE_RESP;
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, bad, sizeof(bad), &got),
			 SG_E_TYPE);
	memcpy(bad, f.resp, sizeof(bad));
	bad[SG_RRESP_OFF_RECEIVER] ^= 1;
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, bad, sizeof(bad), &got),
			 SG_E_STATE);
	sg_keypair_generate(&stranger);
	assert_int_equal(sg_resume_response_consume(&c, stranger.pub, f.resp, sizeof(f.resp), &got),
			 SG_E_MAC1);
	memcpy(bad, f.resp, sizeof(bad));
	bad[SG_RRESP_OFF_RANDOM] ^= 1;
	{
		struct sg_cookie_maker m;

		sg_cookie_maker_init(&m, f.client.pub);
		sg_cookie_add_macs(&m, bad, sizeof(bad), 0);
	}
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, bad, sizeof(bad), &got),
			 SG_E_TAG);
	/* ... and none of them ended the attempt: the genuine answer still works. */
	assert_int_equal(sg_resume_response_consume(&c, f.client.pub, f.resp, sizeof(f.resp), &got),
			 SG_OK);
	/* A relay state cannot consume responses; a client state cannot make them. */
	memset(&c2, 0, sizeof(c2));
	assert_int_equal(sg_resume_response_create(&c, bad, 6, f.client.pub, &rp, NULL),
			 SG_E_STATE);
	assert_int_equal(sg_resume_response_consume(&c2, f.client.pub, f.resp, sizeof(f.resp), &got),
			 SG_E_STATE);
	sg_resume_wipe(&c);
	fix_fini(&f);
}

static void test_ticket_store(void **state)
{
	struct sg_ticket_ring ring;
	struct sg_resume_ticket t;
	struct sg_resume_fixed fx;
	struct sg_ticket_plain tp;
	struct sg_resume c;
	struct sg_cookie_maker mk;
	struct sg_init_payload ip;
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN], bad[SG_TICKET_MSG_PLAIN_LEN], msg[SG_RESUME_LEN];
	uint8_t secret[SG_KEY_LEN], nonce[24], pub[SG_KEY_LEN] = { 9 };

	(void)state;
	memset(secret, 0x5a, sizeof(secret));
	memset(nonce, 0xa5, sizeof(nonce));
	fx = (struct sg_resume_fixed){ .secret = secret, .nonce = nonce };
	assert_int_equal(sg_ticket_ring_init(&ring, 0, 0, T0), SG_OK);
	assert_int_equal(sg_resume_ticket_issue(&ring, plain, 77, T0, &fx), LIFE);
	assert_int_equal(sg_le32(plain), LIFE);
	assert_memory_equal(plain + 8, secret, SG_KEY_LEN);
	assert_memory_equal(plain + 40 + SG_TICKET_OFF_NONCE, nonce, sizeof(nonce));
	assert_int_equal(sg_ticket_open(&ring, plain + 40, T0, &tp), SG_OK);
	assert_int_equal(tp.user_id, 77);
	assert_memory_equal(tp.secret, secret, SG_KEY_LEN);

	memset(&t, 0, sizeof(t));
	assert_int_equal(sg_resume_ticket_store(&t, plain, sizeof(plain) - 1, 0), SG_E_LENGTH);
	memcpy(bad, plain, sizeof(bad));
	bad[5] = 1;
	assert_int_equal(sg_resume_ticket_store(&t, bad, sizeof(bad), 0), SG_E_RESERVED);
	memset(bad, 0, 4);
	bad[5] = 0;
	assert_int_equal(sg_resume_ticket_store(&t, bad, sizeof(bad), 0), SG_E_INVAL);
	assert_false(t.valid);
	sg_cookie_maker_init(&mk, pub);
	sg_init_payload_client(&ip, 0);
	assert_int_equal(sg_resume_create(&c, msg, &t, 1, &ip, &mk, 0, NULL), SG_E_STATE);

	assert_int_equal(sg_resume_ticket_store(&t, plain, sizeof(plain), 1000), SG_OK);
	assert_true(sg_resume_ticket_usable(&t, 1000));
	assert_true(sg_resume_ticket_usable(&t, 1000 + LIFE - SG_RESUME_TICKET_MARGIN_S - 1));
	assert_false(sg_resume_ticket_usable(&t, 1000 + LIFE - SG_RESUME_TICKET_MARGIN_S));
	ip.n_suites = 0;
	assert_int_equal(sg_resume_create(&c, msg, &t, 1, &ip, &mk, 0, NULL), SG_E_INVAL);
	sg_resume_ticket_wipe(&t);
	assert_false(sg_resume_ticket_usable(&t, 1000));
	sg_ticket_ring_wipe(&ring);
}

static void test_payload_codec(void **state)
{
	struct sg_init_payload p, q;
	uint8_t buf[SG_RESUME_PAYLOAD_LEN];

	(void)state;
	sg_init_payload_client(&p, 1);
	sg_tai64n_encode(p.timestamp, T0, 0);
	assert_int_equal(sg_resume_payload_encode(buf, &p), SG_OK);
	memset(&q, 0, sizeof(q));
	assert_int_equal(sg_resume_payload_decode(&q, buf), SG_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	buf[SG_TAI64N_LEN + 3] = SG_SUITE_AES256_GCM; /* after the zero slot */
	assert_int_equal(sg_resume_payload_decode(&q, buf), SG_E_RESERVED);
	memset(buf + SG_TAI64N_LEN, 0, SG_MAX_SUITES);
	assert_int_equal(sg_resume_payload_decode(&q, buf), SG_E_SUITE);
	p.suites[3] = 7; /* a used slot beyond n_suites */
	assert_int_equal(sg_resume_payload_encode(buf, &p), SG_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_keys_fresh_and_ctx),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_expired_and_rotated),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_client_refuses),
		cmocka_unit_test(test_ticket_store),
		cmocka_unit_test(test_payload_codec),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
