/* SPDX-License-Identifier: MIT */
/*
 * test_handshake.c - surge's handshake messages end to end: round trip with
 * payloads and keys, every byte of the initiation and response covered by
 * mac1 or Noise, truncation, wrong relay key, index mismatch, suite choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/tai64n.h"

static const uint8_t src[6] = { 198, 18, 0, 7, 0x1d, 0x13 }; /* 198.18.0.7:7453 */

struct world {
	struct sg_keypair relay, client;
	struct sg_cookie_checker checker;
	struct sg_cookie_maker maker;
	struct sg_handshake ci, rs; /* client initiator, relay responder */
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	uint8_t init[SG_INIT_LEN];
	uint8_t resp[SG_RESP_LEN];
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	sg_keypair_generate(&w->relay);
	sg_keypair_generate(&w->client);
	sg_cookie_checker_init(&w->checker, w->relay.pub);
	sg_cookie_maker_init(&w->maker, w->relay.pub);
	sg_tai64n_now(w->ip.timestamp);
	w->ip.version = SG_PROTO_VERSION;
	w->ip.n_suites = 2;
	w->ip.suites[0] = SG_SUITE_AES256_GCM;
	w->ip.suites[1] = SG_SUITE_CHACHA20_POLY1305;
	w->rp.user_id = 0x0102030405060708ull;
	w->rp.suite = SG_SUITE_AES256_GCM;
	w->rp.flags = SG_RESP_F_SIGNED_UP;
	w->rp.keepalive_s = 25;
	assert_int_equal(sg_hs_initiation_create(&w->ci, w->init, &w->client, w->relay.pub,
						 0xaabbccdd, &w->ip, &w->maker, 1000, NULL),
			 SG_OK);
}

/* The relay's pipeline: MACs first, then Noise. */
static int relay_take(struct world *w, const uint8_t *msg, size_t len, struct sg_init_payload *p,
		      uint8_t client_pub[32])
{
	int rc = sg_cookie_validate(&w->checker, msg, len, src, sizeof(src), 1000);

	if (rc < 0)
		return rc;
	return sg_hs_initiation_consume(&w->rs, &w->relay, msg, len, p, client_pub);
}

static void test_round_trip(void **state)
{
	struct world w;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	uint8_t cpub[32], cs[32], cr[32], rsnd[32], rrcv[32];
	(void)state;

	world_init(&w);
	assert_int_equal(w.init[0], SG_MSG_HANDSHAKE_INIT);
	assert_int_equal(sg_le32(w.init + SG_INIT_OFF_SENDER), 0xaabbccdd);
	assert_true(sg_all_zero(w.init + SG_INIT_OFF_MAC2, SG_MAC_LEN)); /* no cookie yet */

	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	assert_memory_equal(cpub, w.client.pub, 32);
	assert_memory_equal(p.timestamp, w.ip.timestamp, SG_TAI64N_LEN);
	assert_int_equal(p.n_suites, 2);
	assert_int_equal(p.suites[0], SG_SUITE_AES256_GCM);
	assert_int_equal(w.rs.remote_index, 0xaabbccdd);

	assert_int_equal(sg_hs_response_create(&w.rs, w.resp, 0x11223344, &w.rp, NULL), SG_OK);
	assert_int_equal(w.resp[0], SG_MSG_HANDSHAKE_RESP);
	assert_int_equal(sg_le32(w.resp + SG_RESP_OFF_SENDER), 0x11223344);
	assert_int_equal(sg_le32(w.resp + SG_RESP_OFF_RECEIVER), 0xaabbccdd);

	assert_int_equal(sg_hs_response_consume(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp),
			 SG_OK);
	assert_int_equal(rp.user_id, w.rp.user_id);
	assert_int_equal(rp.suite, SG_SUITE_AES256_GCM);
	assert_int_equal(rp.flags, SG_RESP_F_SIGNED_UP);
	assert_int_equal(rp.keepalive_s, 25);
	assert_int_equal(w.ci.remote_index, 0x11223344);

	assert_int_equal(sg_hs_keys(&w.ci, cs, cr), SG_OK);
	assert_int_equal(sg_hs_keys(&w.rs, rsnd, rrcv), SG_OK);
	assert_memory_equal(cs, rrcv, 32);
	assert_memory_equal(cr, rsnd, 32);
	/* Keys are taken once: the state is wiped. */
	assert_int_equal(sg_hs_keys(&w.ci, cs, cr), SG_E_STATE);
}

static void test_every_initiation_byte_is_covered(void **state)
{
	struct world w;
	struct sg_init_payload p;
	uint8_t cpub[32];
	(void)state;

	world_init(&w);
	for (size_t i = 0; i < SG_INIT_LEN; i++) {
		uint8_t m[SG_INIT_LEN];
		int rc;

		memcpy(m, w.init, sizeof(m));
		m[i] ^= 0x04;
		rc = relay_take(&w, m, sizeof(m), &p, cpub);
		if (i >= SG_INIT_OFF_MAC2) {
			/* mac2 is optional: a wrong one is "no cookie", never "both ok". */
			assert_int_equal(sg_cookie_validate(&w.checker, m, sizeof(m), src,
							    sizeof(src), 1000),
					 SG_MAC_MAC1_OK);
			continue;
		}
		assert_true(rc < 0);
		if (i == 0)
			assert_int_equal(rc, SG_E_MAC1);
	}
	/* Header checks in consume itself, for callers that validated elsewhere. */
	{
		uint8_t m[SG_INIT_LEN];

		memcpy(m, w.init, sizeof(m));
		m[2] = 1;
		assert_int_equal(sg_hs_initiation_consume(&w.rs, &w.relay, m, sizeof(m), &p, cpub),
				 SG_E_RESERVED);
		m[2] = 0;
		m[0] = SG_MSG_HANDSHAKE_RESP;
		assert_int_equal(sg_hs_initiation_consume(&w.rs, &w.relay, m, sizeof(m), &p, cpub),
				 SG_E_TYPE);
	}
}

static void test_truncated_and_extended(void **state)
{
	struct world w;
	struct sg_init_payload p;
	uint8_t cpub[32], big[SG_INIT_LEN + 1] = { 0 };
	(void)state;

	world_init(&w);
	for (size_t len = 0; len < SG_INIT_LEN; len++)
		assert_int_equal(sg_hs_initiation_consume(&w.rs, &w.relay, w.init, len, &p, cpub),
				 SG_E_LENGTH);
	memcpy(big, w.init, SG_INIT_LEN);
	assert_int_equal(sg_hs_initiation_consume(&w.rs, &w.relay, big, sizeof(big), &p, cpub),
			 SG_E_LENGTH);
}

static void test_wrong_relay_key(void **state)
{
	struct world w;
	struct sg_keypair other;
	struct sg_cookie_checker chk;
	struct sg_init_payload p;
	uint8_t cpub[32];
	(void)state;

	world_init(&w);
	sg_keypair_generate(&other);
	sg_cookie_checker_init(&chk, other.pub);
	/* A relay with another key rejects at mac1, before any DH ... */
	assert_int_equal(sg_cookie_validate(&chk, w.init, sizeof(w.init), src, sizeof(src), 1000),
			 SG_E_MAC1);
	/* ... and Noise would reject too. */
	assert_int_equal(sg_hs_initiation_consume(&w.rs, &other, w.init, sizeof(w.init), &p, cpub),
			 SG_E_TAG);
}

static void test_bad_payloads_rejected(void **state)
{
	struct world w;
	struct sg_init_payload p;
	uint8_t cpub[32];
	(void)state;

	/* Version 2: the Noise part authenticates, the payload is refused. */
	world_init(&w);
	w.ip.version = 2;
	assert_int_equal(sg_hs_initiation_create(&w.ci, w.init, &w.client, w.relay.pub, 1, &w.ip,
						 &w.maker, 1000, NULL),
			 SG_OK);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_E_VERSION);
	/* The client library refuses to encode an empty suite list. */
	w.ip.version = SG_PROTO_VERSION;
	w.ip.n_suites = 0;
	memset(w.ip.suites, 0, sizeof(w.ip.suites));
	assert_int_equal(sg_hs_initiation_create(&w.ci, w.init, &w.client, w.relay.pub, 1, &w.ip,
						 &w.maker, 1000, NULL),
			 SG_E_INVAL);
}

static void test_response_checks(void **state)
{
	struct world w;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	uint8_t cpub[32];
	(void)state;

	world_init(&w);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	assert_int_equal(sg_hs_response_create(&w.rs, w.resp, 7, &w.rp, NULL), SG_OK);

	for (size_t i = 0; i < SG_RESP_OFF_MAC2; i++) {
		struct sg_handshake ci = w.ci;
		uint8_t m[SG_RESP_LEN];
		int rc;

		memcpy(m, w.resp, sizeof(m));
		m[i] ^= 0x10;
		rc = sg_hs_response_consume(&ci, &w.client, m, sizeof(m), &rp);
		assert_true(rc < 0);
		if (i >= SG_RESP_OFF_RECEIVER && i < SG_RESP_OFF_RECEIVER + 4)
			assert_int_equal(rc, SG_E_STATE); /* not our index */
		else if (i >= 4 && i < SG_RESP_OFF_MAC1)
			assert_int_equal(rc, SG_E_MAC1);
	}
	{
		struct sg_handshake ci = w.ci;

		assert_int_equal(sg_hs_response_consume(&ci, &w.client, w.resp, SG_RESP_LEN - 1, &rp),
				 SG_E_LENGTH);
	}
	assert_int_equal(sg_hs_response_consume(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp),
			 SG_OK);
	/* Replaying the response after completion: state no longer accepts it. */
	assert_int_equal(sg_hs_response_consume(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp),
			 SG_E_STATE);
}

static void test_response_with_unoffered_suite(void **state)
{
	struct world w;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	uint8_t cpub[32];
	(void)state;

	world_init(&w);
	w.ip.n_suites = 1;
	w.ip.suites[0] = SG_SUITE_CHACHA20_POLY1305;
	w.ip.suites[1] = 0;
	assert_int_equal(sg_hs_initiation_create(&w.ci, w.init, &w.client, w.relay.pub, 9, &w.ip,
						 &w.maker, 1000, NULL),
			 SG_OK);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	w.rp.suite = SG_SUITE_AES256_GCM; /* a misbehaving relay */
	assert_int_equal(sg_hs_response_create(&w.rs, w.resp, 7, &w.rp, NULL), SG_OK);
	assert_int_equal(sg_hs_response_consume(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp),
			 SG_E_SUITE);
}

/* The client's contexts from sg_hs_response_to_ctx talk to the relay's keys. */
static void test_response_to_ctx(void **state)
{
	struct world w;
	struct sg_init_payload p;
	struct sg_resp_payload rp;
	struct sg_aead_ctx cs, cr, rs, rr;
	uint8_t cpub[32], rsend[32], rrecv[32], buf[48];
	struct sg_aead_op op = { .data = buf, .tag = buf + 32, .len = 32, .counter = 3 };
	(void)state;

	world_init(&w);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	assert_int_equal(sg_hs_response_create(&w.rs, w.resp, 7, &w.rp, NULL), SG_OK);
	assert_int_equal(sg_hs_keys(&w.rs, rsend, rrecv), SG_OK);
	assert_int_equal(sg_hs_response_to_ctx(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp, &cs,
					       &cr), SG_OK);
	assert_int_equal(rp.user_id, w.rp.user_id);
	assert_int_equal(sg_aead_ctx_init(&rs, rp.suite, rsend), SG_OK);
	assert_int_equal(sg_aead_ctx_init(&rr, rp.suite, rrecv), SG_OK);
	memset(buf, 0x5a, 32);
	op.ctx = &cs; /* client -> relay */
	assert_int_equal(sg_aead_seal_burst(&op, 1), 1);
	op.ctx = &rr;
	assert_int_equal(sg_aead_open_burst(&op, 1), 1);
	op.ctx = &rs; /* relay -> client */
	assert_int_equal(sg_aead_seal_burst(&op, 1), 1);
	op.ctx = &cr;
	assert_int_equal(sg_aead_open_burst(&op, 1), 1);
	/* A tampered response leaves no usable context behind. */
	world_init(&w);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	assert_int_equal(sg_hs_response_create(&w.rs, w.resp, 7, &w.rp, NULL), SG_OK);
	w.resp[50] ^= 1;
	assert_true(sg_hs_response_to_ctx(&w.ci, &w.client, w.resp, sizeof(w.resp), &rp, &cs,
					  &cr) < 0);
}

static void test_choose_suite(void **state)
{
	static const struct {
		uint8_t n, s0, s1, s2;
		int relay_aes;
		uint8_t expect;
	} t[] = {
		{ 2, SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305, 0, 1, SG_SUITE_AES256_GCM },
		{ 2, SG_SUITE_CHACHA20_POLY1305, SG_SUITE_AES256_GCM, 0, 1, SG_SUITE_AES256_GCM },
		{ 2, SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305, 0, 0,
		  SG_SUITE_CHACHA20_POLY1305 },
		{ 1, SG_SUITE_CHACHA20_POLY1305, 0, 0, 1, SG_SUITE_CHACHA20_POLY1305 },
		{ 1, SG_SUITE_AES256_GCM, 0, 0, 0, SG_SUITE_NONE },
		{ 2, 77, SG_SUITE_CHACHA20_POLY1305, 0, 1, SG_SUITE_CHACHA20_POLY1305 },
		{ 1, 77, 0, 0, 1, SG_SUITE_NONE },
		{ 3, 77, 78, SG_SUITE_AES256_GCM, 1, SG_SUITE_AES256_GCM },
	};
	(void)state;

	for (unsigned i = 0; i < SG_ARRAY_SIZE(t); i++) {
		struct sg_init_payload p = { .n_suites = t[i].n,
					     .suites = { t[i].s0, t[i].s1, t[i].s2, 0 } };

		assert_int_equal(sg_hs_choose_suite(&p, t[i].relay_aes), t[i].expect);
	}
}

static void test_fixed_ephemerals_are_deterministic(void **state)
{
	struct world w;
	uint8_t e[32], a[SG_INIT_LEN], b[SG_INIT_LEN];
	struct sg_hs_fixed fx = { .ephemeral_priv = e };
	struct sg_handshake h;
	(void)state;

	world_init(&w);
	memset(e, 0x42, sizeof(e));
	assert_int_equal(sg_hs_initiation_create(&h, a, &w.client, w.relay.pub, 5, &w.ip, &w.maker,
						 1000, &fx), SG_OK);
	assert_int_equal(sg_hs_initiation_create(&h, b, &w.client, w.relay.pub, 5, &w.ip, &w.maker,
						 1000, &fx), SG_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(sg_hs_initiation_create(&h, b, &w.client, w.relay.pub, 5, &w.ip, &w.maker,
						 1000, NULL), SG_OK);
	assert_memory_not_equal(a + SG_INIT_OFF_EPHEMERAL, b + SG_INIT_OFF_EPHEMERAL, 32);
}

/*
 * prepare (on a handshake lcore, with the state copied into an mbuf and
 * back) then finish gives the same bytes and keys as create in one step;
 * out of order is SG_E_STATE.
 */
static void test_response_in_two_steps(void **state)
{
	struct world w;
	struct sg_init_payload p;
	struct sg_handshake copy, one;
	uint8_t e[32], cpub[32], a[SG_RESP_LEN], b[SG_RESP_LEN];
	uint8_t s1[32], r1[32], s2[32], r2[32];
	struct sg_hs_fixed fx = { .ephemeral_priv = e };
	(void)state;

	memset(e, 0x24, sizeof(e));
	world_init(&w);
	assert_int_equal(relay_take(&w, w.init, sizeof(w.init), &p, cpub), SG_OK);
	one = w.rs;
	assert_int_equal(sg_hs_response_finish(&w.rs, b, 7, &w.rp), SG_E_STATE);
	assert_int_equal(sg_hs_response_create(&one, a, 7, &w.rp, &fx), SG_OK);
	assert_int_equal(sg_hs_response_prepare(&w.rs, b, &fx), SG_OK);
	assert_int_equal(sg_hs_response_prepare(&w.rs, b, &fx), SG_E_STATE);
	memcpy(&copy, &w.rs, sizeof(copy));
	sg_hs_wipe(&w.rs);
	assert_int_equal(sg_hs_response_finish(&copy, b, 7, &w.rp), SG_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(sg_hs_keys(&one, s1, r1), SG_OK);
	assert_int_equal(sg_hs_keys(&copy, s2, r2), SG_OK);
	assert_memory_equal(s1, s2, 32);
	assert_memory_equal(r1, r2, 32);
	/* and the client takes it */
	assert_int_equal(sg_hs_response_consume(&w.ci, &w.client, b, sizeof(b),
						&(struct sg_resp_payload){ 0 }), SG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_initiation_byte_is_covered),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_wrong_relay_key),
		cmocka_unit_test(test_bad_payloads_rejected),
		cmocka_unit_test(test_response_checks),
		cmocka_unit_test(test_response_with_unoffered_suite),
		cmocka_unit_test(test_response_to_ctx),
		cmocka_unit_test(test_choose_suite),
		cmocka_unit_test(test_fixed_ephemerals_are_deterministic),
		cmocka_unit_test(test_response_in_two_steps),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
