/* SPDX-License-Identifier: MIT */
/*
 * test_gen_surge.c - surge-gen's surge population against a relay made of
 * crypto/'s responder calls: deterministic identities, a sign-up and a
 * log-in through real Noise IK, the window bound, timeouts with doubling
 * retries and the give-up, late answers to an earlier attempt, cookie
 * replies (the same initiation again, now with a valid mac2), a log-in
 * answered for another user, and the live-session count with expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "gen/surge.h"
#include "proto/bytes.h"
#include "proto/status.h"

#define SEC 1000000000ull

static const uint8_t src[6] = { 198, 18, 0, 2, 0xab, 0xcd };

struct relay {
	struct sg_keypair kp;
	struct sg_cookie_checker chk;
};

static struct relay R;

static int setup(void **state)
{
	(void)state;
	if (sg_crypto_init() != SG_OK)
		return -1;
	sg_keypair_generate(&R.kp);
	sg_cookie_checker_init(&R.chk, R.kp.pub);
	return 0;
}

static void init(struct sg_gen_surge *s, uint32_t users, uint32_t window, uint64_t seed)
{
	struct sg_gen_surge_cfg cfg = { .seed = seed, .users = users, .window = window,
					.timeout_ns = SEC, .tries = 3, .max_seconds = 2000 };

	assert_int_equal(sg_gen_surge_init(s, &cfg, R.kp.pub), SG_OK);
}

/* The relay's side: check MACs (returns the verdict), read it, answer. */
static int answer(const uint8_t *init, uint64_t user_id, int signed_up, uint8_t resp[SG_RESP_LEN],
		  uint8_t client_pub[SG_KEY_LEN])
{
	struct sg_handshake hs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	int mac = sg_cookie_validate(&R.chk, init, SG_INIT_LEN, src, sizeof(src), 10);

	assert_true(mac == SG_MAC_MAC1_OK || mac == SG_MAC_BOTH_OK);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(sg_hs_initiation_consume(&hs, &R.kp, init, SG_INIT_LEN, &ip, client_pub),
			 SG_OK);
	rp = (struct sg_resp_payload){ .user_id = user_id, .suite = sg_hs_choose_suite(&ip, 0),
				       .flags = signed_up ? SG_RESP_F_SIGNED_UP : 0,
				       .keepalive_s = 25 };
	assert_int_equal(sg_hs_response_create(&hs, resp, 0x1234, &rp, NULL), SG_OK);
	sg_hs_wipe(&hs);
	return mac;
}

static void test_keys(void **state)
{
	struct sg_gen_surge a, b;
	struct sg_keypair k1, k2, k3, k4;
	(void)state;

	init(&a, 10, 4, 7);
	init(&b, 10, 4, 8);
	sg_gen_surge_key(&a, 3, &k1);
	sg_gen_surge_key(&a, 3, &k2);
	sg_gen_surge_key(&a, 4, &k3);
	sg_gen_surge_key(&b, 3, &k4);
	assert_memory_equal(k1.pub, k2.pub, SG_KEY_LEN);
	assert_memory_not_equal(k1.pub, k3.pub, SG_KEY_LEN);
	assert_memory_not_equal(k1.pub, k4.pub, SG_KEY_LEN);
	sg_gen_surge_fini(&a);
	sg_gen_surge_fini(&b);
}

static void test_signup_login(void **state)
{
	struct sg_gen_surge s;
	struct sg_keypair k;
	uint8_t msg[SG_INIT_LEN], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
	uint16_t port;
	(void)state;

	init(&s, 2, 4, 1);
	/* Nobody signed up yet: no log-in possible. */
	assert_int_equal(sg_gen_surge_login(&s, 0, msg, &port), SG_GEN_SURGE_NONE);
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(port, SG_GEN_SURGE_PORT_BASE); /* lowest slot first */
	assert_true(sg_gen_surge_owns(sg_le32(msg + SG_INIT_OFF_SENDER)));
	assert_int_equal(sg_gen_surge_in_flight(&s), 1);
	assert_int_equal(answer(msg, 1000, 1, resp, pub), SG_MAC_MAC1_OK);
	sg_gen_surge_key(&s, 0, &k);
	assert_memory_equal(pub, k.pub, SG_KEY_LEN); /* the relay saw user 0's identity */
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 3 * SEC / 1000), SG_OK);
	assert_int_equal(s.c.su_done, 1);
	assert_int_equal(s.u[0].user_id, 1000);
	assert_int_equal(s.u[0].state, SG_GEN_SU_DONE);
	assert_int_equal(s.lat.n, 1);
	assert_true(s.lat.max == 3 * SEC / 1000);
	assert_int_equal(s.live, 1);
	assert_int_equal(sg_gen_surge_in_flight(&s), 0);
	/* The same answer again: late. */
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), SEC), SG_E_STATE);
	assert_int_equal(s.c.late, 1);

	/* Log-in: the same identity, the same user id, no SIGNED_UP; no new session. */
	assert_int_equal(sg_gen_surge_login(&s, SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(s.u[0].state, SG_GEN_SU_LOGIN);
	answer(msg, 1000, 0, resp, pub);
	assert_memory_equal(pub, k.pub, SG_KEY_LEN);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 2 * SEC), SG_OK);
	assert_int_equal(s.c.li_done, 1);
	assert_int_equal(s.c.login_mismatch, 0);
	assert_int_equal(s.login_lat.n, 1);
	assert_int_equal(s.live, 1);
	/* A log-in answered for someone else, or as a sign-up, is a mismatch. */
	assert_int_equal(sg_gen_surge_login(&s, 3 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	answer(msg, 1001, 1, resp, pub);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 3 * SEC), SG_OK);
	assert_int_equal(s.c.login_mismatch, 1);
	/* Second user, answered without SIGNED_UP: a known identity. */
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
	answer(msg, 1002, 0, resp, pub);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), SEC), SG_OK);
	assert_int_equal(s.c.signup_known, 1);
	/* The population is used up. */
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_NONE);
	sg_gen_surge_fini(&s);
}

static void test_window(void **state)
{
	struct sg_gen_surge s;
	uint8_t msg[SG_INIT_LEN];
	uint16_t port;
	(void)state;

	init(&s, 10, 3, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_FULL);
	assert_int_equal(s.c.su_offered, 3);
	assert_int_equal(sg_gen_surge_in_flight(&s), 3);
	sg_gen_surge_fini(&s);
}

static void test_timeouts(void **state)
{
	struct sg_gen_surge s;
	uint8_t first[SG_INIT_LEN], msg[SG_INIT_LEN], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
	uint16_t port;
	(void)state;

	init(&s, 2, 2, 1);
	assert_int_equal(sg_gen_surge_signup(&s, 0, first, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(sg_gen_surge_expire(&s, SEC - 1, 64, msg, &port), SG_GEN_SURGE_NONE);
	/* Attempt 2 after 1 s: a new initiation under a new sender index. */
	assert_int_equal(sg_gen_surge_expire(&s, SEC, 64, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(s.c.retries, 1);
	assert_int_not_equal(sg_le32(msg + SG_INIT_OFF_SENDER), sg_le32(first + SG_INIT_OFF_SENDER));
	/* The answer to attempt 1 comes late: ignored. */
	answer(first, 5, 1, resp, pub);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), SEC), SG_E_STATE);
	assert_int_equal(s.c.late, 1);
	/* Attempt 3 after 2 s more (doubling), then given up 4 s later. */
	assert_int_equal(sg_gen_surge_expire(&s, 3 * SEC - 1, 64, msg, &port), SG_GEN_SURGE_NONE);
	assert_int_equal(sg_gen_surge_expire(&s, 3 * SEC, 64, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(sg_gen_surge_expire(&s, 7 * SEC - 1, 64, msg, &port), SG_GEN_SURGE_NONE);
	assert_int_equal(sg_gen_surge_expire(&s, 7 * SEC, 64, msg, &port), SG_GEN_SURGE_NONE);
	assert_int_equal(s.c.su_failed, 1);
	assert_int_equal(s.c.retries, 2);
	assert_int_equal(s.u[0].state, SG_GEN_SU_FAILED);
	assert_int_equal(sg_gen_surge_in_flight(&s), 0);
	/* A failed user never logs in. */
	assert_int_equal(sg_gen_surge_login(&s, 8 * SEC, msg, &port), SG_GEN_SURGE_NONE);
	sg_gen_surge_fini(&s);
}

static void test_cookie(void **state)
{
	struct sg_gen_surge s;
	uint8_t msg[SG_INIT_LEN], again[SG_INIT_LEN], reply[SG_COOKIE_REPLY_LEN];
	uint8_t resp[SG_RESP_LEN], pub[SG_KEY_LEN];
	uint16_t port, port2;
	(void)state;

	init(&s, 1, 1, 1);
	assert_int_equal(sg_gen_surge_signup(&s, 10 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	/* The relay, under load, answers with a cookie for this source. */
	assert_int_equal(sg_cookie_validate(&R.chk, msg, SG_INIT_LEN, src, sizeof(src), 10),
			 SG_MAC_MAC1_OK);
	assert_int_equal(sg_cookie_reply_create(&R.chk, reply, msg, SG_INIT_LEN,
						sg_le32(msg + SG_INIT_OFF_SENDER), src, sizeof(src),
						10, NULL), SG_OK);
	/* A reply with a broken tag is refused. */
	reply[SG_COOKIE_REPLY_LEN - 1] ^= 1;
	assert_int_equal(sg_gen_surge_cookie(&s, reply, sizeof(reply), 10 * SEC, again, &port2),
			 SG_GEN_SURGE_NONE);
	assert_int_equal(s.c.cookie_bad, 1);
	reply[SG_COOKIE_REPLY_LEN - 1] ^= 1;
	assert_int_equal(sg_gen_surge_cookie(&s, reply, sizeof(reply), 10 * SEC, again, &port2),
			 SG_GEN_SURGE_SEND);
	assert_int_equal(s.c.cookies, 1);
	assert_int_equal(port2, port);
	/* The same initiation, now with mac2, which the relay accepts. */
	assert_memory_equal(again, msg, SG_INIT_OFF_MAC2);
	assert_memory_not_equal(again + SG_INIT_OFF_MAC2, msg + SG_INIT_OFF_MAC2, SG_MAC_LEN);
	assert_int_equal(answer(again, 77, 1, resp, pub), SG_MAC_BOTH_OK);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 11 * SEC), SG_OK);
	assert_int_equal(s.c.su_done, 1);
	assert_int_equal(s.u[0].user_id, 77);
	/* A cookie reply for nothing outstanding is ignored. */
	assert_int_equal(sg_gen_surge_cookie(&s, reply, sizeof(reply), 12 * SEC, again, &port2),
			 SG_GEN_SURGE_NONE);
	sg_gen_surge_fini(&s);
}

static void test_live_expiry(void **state)
{
	struct sg_gen_surge s;
	uint8_t msg[SG_INIT_LEN], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
	uint16_t port;
	(void)state;

	init(&s, 2, 2, 1);
	for (uint64_t i = 0; i < 2; i++) {
		assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
		answer(msg, 100 + i, 1, resp, pub);
		assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), SEC), SG_OK);
		sg_gen_surge_second(&s, 10); /* user 0 at second 0, user 1 at second 10 */
	}
	assert_int_equal(s.live, 2);
	/* User 0 logs in at second 100: its session starts again. */
	sg_gen_surge_second(&s, 100);
	assert_int_equal(sg_gen_surge_login(&s, 100 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	answer(msg, 100, 0, resp, pub);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 100 * SEC), SG_OK);
	assert_int_equal(s.live, 2);
	sg_gen_surge_second(&s, SG_SESSION_DEAD_S + 9);
	assert_int_equal(s.live, 2);
	sg_gen_surge_second(&s, SG_SESSION_DEAD_S + 10); /* user 1's session is wiped */
	assert_int_equal(s.live, 1);
	sg_gen_surge_second(&s, SG_SESSION_DEAD_S + 100); /* and user 0's new one */
	assert_int_equal(s.live, 0);
	sg_gen_surge_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_signup_login),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_live_expiry),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
