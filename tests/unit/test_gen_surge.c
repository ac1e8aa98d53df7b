/* SPDX-License-Identifier: MIT */
/*
 * test_gen_surge.c - surge-gen's surge population against a relay made of
 * crypto/'s responder calls: deterministic identities, a sign-up and a
 * log-in through real Noise IK, the window bound, timeouts with doubling
 * retries and the give-up, late answers to an earlier attempt, cookie
 * replies (the same initiation again, now with a valid mac2), a log-in
 * answered for another user, and the live-session count with expiry.
 * The source range (gen/src.h): the address of user i, the range checks,
 * the spread, the IPv4 source patch and ARP answers for every address;
 * a handshake's retries keep the user's address and port (a cookie is
 * bound to both).  Resumption against the relay-side calls of
 * crypto/resume.h: tickets kept from TICKET messages (only for the users
 * the table covers), a storm's log-in sent as RESUME and completed, a
 * forged answer ignored, a cookie reply to a RESUME, a timed-out RESUME
 * falling back to a full handshake, a user without a ticket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/resume.h"
#include "crypto/ticket.h"
#include "crypto/transport.h"
#include "gen/src.h"
#include "gen/surge.h"
#include "proto/pkt.h"
#include "proto/bytes.h"
#include "proto/status.h"

#define SEC 1000000000ull
#define RNOW 1552521600ull /* the relay's unix clock: 2019-03-14 */

static const uint8_t src[6] = { 198, 18, 0, 2, 0xab, 0xcd };

struct relay {
	struct sg_keypair kp;
	struct sg_cookie_checker chk;
	struct sg_ticket_ring ring;
};

static struct relay R;

static int setup(void **state)
{
	(void)state;
	if (sg_crypto_init() != SG_OK)
		return -1;
	sg_keypair_generate(&R.kp);
	sg_cookie_checker_init(&R.chk, R.kp.pub);
	return sg_ticket_ring_init(&R.ring, 0, 0, RNOW) == SG_OK ? 0 : -1;
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
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
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
	uint8_t msg[SG_GEN_SURGE_MSG_MAX];
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
	uint8_t first[SG_GEN_SURGE_MSG_MAX], msg[SG_GEN_SURGE_MSG_MAX], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
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
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], again[SG_GEN_SURGE_MSG_MAX], reply[SG_COOKIE_REPLY_LEN];
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
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], resp[SG_RESP_LEN], pub[SG_KEY_LEN];
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

static void ip4(uint8_t a[4], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	a[0] = x;
	a[1] = y;
	a[2] = z;
	a[3] = w;
}

static void test_src_addr(void **state)
{
	static const struct {
		uint8_t base[4];
		uint32_t count, i;
		uint8_t want[4];
	} t[] = {
		{ { 198, 18, 1, 0 }, 256, 0, { 198, 18, 1, 0 } },
		{ { 198, 18, 1, 0 }, 256, 255, { 198, 18, 1, 255 } },
		{ { 198, 18, 1, 0 }, 256, 256, { 198, 18, 1, 0 } },
		{ { 198, 18, 1, 0 }, 256, 1000, { 198, 18, 1, 232 } },
		{ { 198, 18, 0, 250 }, 10, 7, { 198, 18, 1, 1 } },     /* carries into the next octet */
		{ { 198, 18, 0, 2 }, 65536, 65535, { 198, 19, 0, 1 } }, /* carries into the second */
		{ { 198, 18, 0, 2 }, 65536, 65536 + 3, { 198, 18, 0, 5 } },
		{ { 198, 18, 0, 2 }, 1, 123456, { 198, 18, 0, 2 } },   /* one source: everyone */
	};
	struct sg_gen_src r;
	uint8_t a[4], b[4];
	(void)state;

	for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		assert_int_equal(sg_gen_src_init(&r, t[k].base, t[k].count), SG_GEN_SRC_OK);
		sg_gen_src_addr(&r, t[k].i, a);
		assert_memory_equal(a, t[k].want, 4);
		sg_gen_src_addr(&r, t[k].i, b); /* a pure function of the index */
		assert_memory_equal(a, b, 4);
		assert_int_equal(sg_gen_src_pos(&r, a), t[k].i % t[k].count);
		sg_gen_src_fini(&r);
	}
	ip4(a, 198, 18, 1, 0);
	assert_int_equal(sg_gen_src_init(&r, a, 0), SG_GEN_SRC_E_COUNT);
	assert_int_equal(sg_gen_src_init(&r, a, SG_GEN_SRC_MAX + 1), SG_GEN_SRC_E_COUNT);
	assert_int_equal(sg_gen_src_init(&r, a, 16), SG_GEN_SRC_OK);
	ip4(b, 198, 18, 0, 255);
	assert_int_equal(sg_gen_src_pos(&r, b), -1);
	ip4(b, 198, 18, 1, 16);
	assert_int_equal(sg_gen_src_pos(&r, b), -1);
	ip4(b, 198, 18, 1, 15);
	assert_int_equal(sg_gen_src_pos(&r, b), 15);
	sg_gen_src_fini(&r);
}

static void test_src_check(void **state)
{
	static const struct {
		uint8_t base[4];
		uint32_t count;
		int want;
	} t[] = {
		{ { 198, 18, 1, 0 }, 1, SG_GEN_SRC_OK },
		{ { 198, 18, 0, 2 }, SG_GEN_SRC_MAX, SG_GEN_SRC_OK },
		{ { 198, 18, 1, 0 }, 0, SG_GEN_SRC_E_COUNT },
		{ { 198, 18, 1, 0 }, SG_GEN_SRC_MAX + 1, SG_GEN_SRC_E_COUNT },
		{ { 198, 19, 255, 0 }, 256, SG_GEN_SRC_OK },           /* ends at 198.19.255.255 */
		{ { 198, 19, 255, 0 }, 257, SG_GEN_SRC_E_OUTSIDE },
		{ { 198, 17, 255, 255 }, 4, SG_GEN_SRC_E_OUTSIDE },
		{ { 198, 20, 0, 1 }, 1, SG_GEN_SRC_E_OUTSIDE },
		{ { 10, 0, 0, 2 }, 1, SG_GEN_SRC_E_OUTSIDE },
		{ { 255, 255, 255, 255 }, 2, SG_GEN_SRC_E_OUTSIDE },   /* no wrap to 0.0.0.0 */
		{ { 198, 18, 0, 0 }, 2, SG_GEN_SRC_E_RELAY },          /* relay 198.18.0.1 */
		{ { 198, 18, 0, 1 }, 1, SG_GEN_SRC_E_RELAY },
		{ { 198, 18, 0, 0 }, 1, SG_GEN_SRC_OK },
	};
	static const uint8_t relay[4] = { 198, 18, 0, 1 };
	(void)state;

	for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		assert_int_equal(sg_gen_src_check(t[k].base, t[k].count, relay), t[k].want);
}

static void test_src_spread(void **state)
{
	struct sg_gen_src r;
	uint8_t a[4];
	uint32_t used, lo, hi;
	(void)state;

	ip4(a, 198, 18, 1, 0);
	assert_int_equal(sg_gen_src_init(&r, a, 4), SG_GEN_SRC_OK);
	sg_gen_src_spread(&r, &used, &lo, &hi);
	assert_int_equal(used, 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	for (uint32_t i = 0; i < 10; i++) /* users 0..9: 3, 3, 2, 2 */
		sg_gen_src_note(&r, i);
	sg_gen_src_spread(&r, &used, &lo, &hi);
	assert_int_equal(used, 4);
	assert_int_equal(lo, 2);
	assert_int_equal(hi, 3);
	sg_gen_src_fini(&r);
	assert_int_equal(sg_gen_src_init(&r, a, 8), SG_GEN_SRC_OK);
	sg_gen_src_note(&r, 5);
	sg_gen_src_spread(&r, &used, &lo, &hi);
	assert_int_equal(used, 1);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 1);
	sg_gen_src_fini(&r);
}

/* A frame built for one address, patched to another, is the frame built for that one. */
static void test_src_ip4_patch(void **state)
{
	struct sg_endpoint from = { .family = 4, .port = 44000 }, to = { .family = 4, .port = 51820 };
	uint8_t f[128], want[128];
	unsigned hl;
	(void)state;

	ip4(to.addr, 198, 18, 0, 1);
	for (uint32_t k = 0; k < 70000; k += 997) {
		ip4(from.addr, 198, 18, 0, 2);
		hl = sg_pkt_udp_headers_len(&to);
		memset(f, 0xa5, sizeof(f));
		sg_pkt_write_udp_headers(f, &from, &to, 32);
		ip4(from.addr, 198, (uint8_t)(18 + (k >> 16)), (uint8_t)(k >> 8), (uint8_t)k);
		memset(want, 0xa5, sizeof(want));
		sg_pkt_write_udp_headers(want, &from, &to, 32);
		sg_gen_src_set_ip4_src(f + 14, from.addr);
		assert_memory_equal(f, want, hl);
	}
}

static void test_src_arp(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x42 }, relay_mac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t gen_ip[4] = { 198, 18, 0, 2 }, relay_ip[4] = { 198, 18, 0, 1 };
	struct sg_gen_src r;
	uint8_t f[SG_PKT_ARP_REQUEST_LEN], base[4], a[4];
	size_t n;
	(void)state;

	ip4(base, 198, 18, 1, 0);
	assert_int_equal(sg_gen_src_init(&r, base, 300), SG_GEN_SRC_OK);
	for (uint32_t i = 0; i < 300; i += 37) { /* any address of the range */
		sg_gen_src_addr(&r, i, a);
		sg_pkt_arp_request(f, relay_mac, relay_ip, a);
		n = sg_gen_src_arp_answer(&r, gen_ip, mac, f, sizeof(f));
		assert_int_equal(n, 42);
		assert_memory_equal(f, relay_mac, 6);  /* to the asker */
		assert_memory_equal(f + 6, mac, 6);
		assert_int_equal(f[21], 2);            /* a reply */
		assert_memory_equal(f + 22, mac, 6);   /* a is at mac */
		assert_memory_equal(f + 28, a, 4);
		assert_memory_equal(f + 32, relay_mac, 6);
		assert_memory_equal(f + 38, relay_ip, 4);
	}
	sg_pkt_arp_request(f, relay_mac, relay_ip, gen_ip); /* --gen-ip too */
	assert_int_equal(sg_gen_src_arp_answer(&r, gen_ip, mac, f, sizeof(f)), 42);
	assert_memory_equal(f + 28, gen_ip, 4);
	ip4(a, 198, 18, 2, 44); /* past the range: not ours */
	sg_pkt_arp_request(f, relay_mac, relay_ip, a);
	assert_int_equal(sg_gen_src_arp_answer(&r, gen_ip, mac, f, sizeof(f)), 0);
	assert_int_equal(f[21], 1); /* untouched */
	sg_gen_src_fini(&r);
}

/* Retries and cookie resends come from the user's address and the slot's port. */
static void test_src_stable(void **state)
{
	struct sg_gen_surge s;
	struct sg_gen_src r;
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], resp[SG_RESP_LEN], pub[SG_KEY_LEN], base[4], a[4], b[4];
	uint16_t port, port2;
	uint32_t user, user2, user_idx;
	(void)state;

	ip4(base, 198, 18, 1, 0);
	assert_int_equal(sg_gen_src_init(&r, base, 3), SG_GEN_SRC_OK);
	init(&s, 8, 1, 5);
	/* User 0 signs up; user 1 then takes the same slot (and port). */
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
	answer(msg, 1, 1, resp, pub);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), SEC / 2), SG_OK);
	assert_int_equal(sg_gen_surge_signup(&s, SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(sg_gen_surge_expire(&s, 3 * SEC, 1, msg, &port), SG_GEN_SURGE_SEND);
	user = sg_gen_surge_port_user(&s, port);
	assert_int_equal(user, 1);
	assert_int_equal(sg_gen_surge_user_of(&s, sg_le32(msg + SG_INIT_OFF_SENDER), &user2), 0);
	assert_int_equal(user2, user);
	sg_gen_src_addr(&r, user, a);
	ip4(b, 198, 18, 1, 1);
	assert_memory_equal(a, b, 4);
	user_idx = sg_le32(msg + SG_INIT_OFF_SENDER);
	/* Its next attempt: the same port, the same user, so the same address. */
	assert_int_equal(sg_gen_surge_expire(&s, 10 * SEC, 1, msg, &port2), SG_GEN_SURGE_SEND);
	assert_int_equal(port2, port);
	sg_gen_src_addr(&r, sg_gen_surge_port_user(&s, port2), b);
	assert_memory_equal(a, b, 4);
	/* The earlier attempt's index no longer names anyone. */
	assert_int_equal(sg_gen_surge_user_of(&s, user_idx, &user2), -1);
	sg_gen_surge_fini(&s);
	sg_gen_src_fini(&r);
}

/* The relay's side of a session: where its TICKET goes and how it is sealed. */
struct rsess {
	uint8_t send[SG_KEY_LEN];
	uint8_t suite;
	uint32_t to; /* the client's index */
};

/* A full handshake answered as the relay does, keeping the session's send key. */
static void answer_keys(const uint8_t *init, uint64_t user_id, int signed_up,
			uint8_t resp[SG_RESP_LEN], uint8_t client_pub[SG_KEY_LEN], struct rsess *rs)
{
	struct sg_handshake hs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	uint8_t recv[SG_KEY_LEN];

	memset(&hs, 0, sizeof(hs));
	assert_int_equal(sg_hs_initiation_consume(&hs, &R.kp, init, SG_INIT_LEN, &ip, client_pub),
			 SG_OK);
	rp = (struct sg_resp_payload){ .user_id = user_id, .suite = sg_hs_choose_suite(&ip, 0),
				       .flags = signed_up ? SG_RESP_F_SIGNED_UP : 0,
				       .keepalive_s = 25 };
	assert_int_equal(sg_hs_response_create(&hs, resp, 0x1234, &rp, NULL), SG_OK);
	rs->to = hs.remote_index;
	rs->suite = rp.suite;
	assert_int_equal(sg_hs_keys(&hs, rs->send, recv), SG_OK);
	sg_hs_wipe(&hs);
}

/* RESUME answered as the relay does (pubs: identity keys by user id - 100). */
static void answer_resume(const uint8_t *msg, uint8_t pubs[][SG_KEY_LEN], uint64_t want_user,
			  uint8_t out[SG_RRESP_LEN], struct rsess *rs)
{
	struct sg_resume r;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	uint8_t recv[SG_KEY_LEN];
	uint64_t user;

	assert_int_equal(sg_resume_consume(&r, &R.ring, msg, SG_RESUME_LEN, RNOW + 5, &ip, &user),
			 SG_OK);
	assert_int_equal(user, want_user);
	rp = (struct sg_resp_payload){ .user_id = user, .suite = sg_hs_choose_suite(&ip, 0),
				       .keepalive_s = 25 };
	assert_int_equal(sg_resume_response_create(&r, out, 0x5678, pubs[user - 100], &rp, NULL),
			 SG_OK);
	rs->to = r.remote_index;
	rs->suite = rp.suite;
	assert_int_equal(sg_resume_keys(&r, rs->send, recv), SG_OK);
}

/* The TICKET the relay sends in session rs. */
static size_t ticket_msg(const struct rsess *rs, uint64_t user_id, uint8_t out[SG_TICKET_MSG_LEN])
{
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];
	struct sg_aead_ctx ctx;
	struct sg_hdr h = { .type = SG_MSG_TICKET, .receiver = rs->to };
	size_t len;

	assert_true(sg_resume_ticket_issue(&R.ring, plain, user_id, RNOW, NULL) > 0);
	assert_int_equal(sg_aead_ctx_init(&ctx, rs->suite, rs->send), SG_OK);
	assert_int_equal(sg_transport_seal(&ctx, &h, plain, sizeof(plain), out, SG_TICKET_MSG_LEN,
					   &len), SG_OK);
	sg_aead_ctx_wipe(&ctx);
	assert_int_equal(len, SG_TICKET_MSG_LEN);
	return len;
}

static void test_resume(void **state)
{
	struct sg_gen_surge_cfg cfg = { .seed = 9, .users = 3, .window = 2, .timeout_ns = SEC,
					.tries = 3, .max_seconds = 2000, .tickets = 2 };
	struct sg_gen_surge s;
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], out[SG_GEN_SURGE_MSG_MAX], resp[SG_RESP_LEN];
	uint8_t rresp[SG_RRESP_LEN], tmsg[SG_TICKET_MSG_LEN], reply[SG_COOKIE_REPLY_LEN];
	uint8_t pubs[3][SG_KEY_LEN];
	struct rsess rs;
	uint32_t late;
	uint16_t port, port2;
	(void)state;

	assert_int_equal(sg_gen_surge_init(&s, &cfg, R.kp.pub), SG_OK);
	/* Sign-ups, each followed by the relay's TICKET; user 2 is past the table. */
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(sg_gen_surge_signup(&s, i * SEC, msg, &port), SG_GEN_SURGE_SEND);
		assert_int_equal(msg[0], SG_MSG_HANDSHAKE_INIT);
		answer_keys(msg, 100 + i, 1, resp, pubs[i], &rs);
		assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), i * SEC + 1), SG_OK);
		ticket_msg(&rs, 100 + i, tmsg);
		assert_int_equal(sg_gen_surge_ticket(&s, tmsg, sizeof(tmsg), i * SEC + 2),
				 i < 2 ? SG_OK : SG_E_STATE);
	}
	assert_int_equal(s.c.tickets, 2);
	assert_int_equal(s.c.ticket_ignored, 1);
	assert_int_equal(s.c.ticket_bad, 0);
	assert_true(sg_resume_ticket_usable(&s.tk[0].t, 10));
	assert_true(sg_resume_ticket_usable(&s.tk[1].t, 10));

	/* User 0's log-in: a RESUME, no X25519; its ticket is used up. */
	assert_int_equal(sg_gen_surge_login(&s, 10 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(msg[0], SG_MSG_RESUME);
	assert_int_equal(sg_gen_surge_msg_len(msg), SG_RESUME_LEN);
	assert_int_equal(s.c.li_started, 1);
	assert_int_equal(s.c.rs_offered, 1);
	assert_int_equal(s.c.li_offered, 0);
	assert_false(sg_resume_ticket_usable(&s.tk[0].t, 10));
	assert_int_equal(sg_cookie_validate(&R.chk, msg, SG_RESUME_LEN, src, sizeof(src), 10),
			 SG_MAC_MAC1_OK);
	answer_resume(msg, pubs, 100, rresp, &rs);
	/* A forged answer does not end the attempt; the real one completes it. */
	rresp[SG_RRESP_OFF_PAYLOAD] ^= 1;
	assert_int_not_equal(sg_gen_surge_response(&s, rresp, sizeof(rresp), 10 * SEC + 1), SG_OK);
	assert_int_equal(s.c.rs_bad, 1);
	assert_int_equal(sg_gen_surge_in_flight(&s), 1);
	rresp[SG_RRESP_OFF_PAYLOAD] ^= 1;
	assert_int_equal(sg_gen_surge_response(&s, rresp, sizeof(rresp), 10 * SEC + 2), SG_OK);
	assert_int_equal(s.c.rs_done, 1);
	assert_int_equal(s.c.li_done, 0);
	assert_int_equal(s.c.login_mismatch, 0);
	assert_int_equal(s.resume_lat.n, 1);
	assert_int_equal(s.login_lat.n, 0);
	assert_int_equal(s.u[0].state, SG_GEN_SU_DONE);
	assert_int_equal(sg_gen_surge_in_flight(&s), 0);
	/* The resumed session's TICKET is the newest one user 0 keeps; a forged one is not. */
	ticket_msg(&rs, 100, tmsg);
	tmsg[SG_TICKET_MSG_LEN - 1] ^= 1;
	assert_int_not_equal(sg_gen_surge_ticket(&s, tmsg, sizeof(tmsg), 10 * SEC + 3), SG_OK);
	assert_int_equal(s.c.ticket_bad, 1);
	assert_false(sg_resume_ticket_usable(&s.tk[0].t, 11));
	ticket_msg(&rs, 100, tmsg); /* (opened in place: the forged bytes are gone) */
	assert_int_equal(sg_gen_surge_ticket(&s, tmsg, sizeof(tmsg), 10 * SEC + 3), SG_OK);
	assert_int_equal(s.c.ticket_ignored, 1);
	assert_true(sg_resume_ticket_usable(&s.tk[0].t, 11));

	/* User 1's RESUME goes unanswered: it falls back to a full handshake. */
	assert_int_equal(sg_gen_surge_login(&s, 20 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(msg[0], SG_MSG_RESUME);
	late = sg_le32(msg + SG_RESUME_OFF_SENDER);
	assert_int_equal(sg_gen_surge_expire(&s, 20 * SEC + SEC / 2, 2, out, &port2),
			 SG_GEN_SURGE_NONE);
	assert_int_equal(sg_gen_surge_expire(&s, 21 * SEC, 2, out, &port2), SG_GEN_SURGE_SEND);
	assert_int_equal(out[0], SG_MSG_HANDSHAKE_INIT);
	assert_int_equal(port2, port); /* the same slot, address and port */
	assert_int_equal(s.c.rs_failed, 1);
	assert_int_equal(s.c.li_offered, 1);
	/* An answer to the RESUME now is late. */
	answer_resume(msg, pubs, 101, rresp, &rs);
	assert_int_equal(sg_le32(rresp + SG_RRESP_OFF_RECEIVER), late);
	assert_int_equal(sg_gen_surge_response(&s, rresp, sizeof(rresp), 21 * SEC), SG_E_STATE);
	answer_keys(out, 101, 0, resp, pubs[1], &rs);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 21 * SEC + 1), SG_OK);
	assert_int_equal(s.c.li_done, 1);
	assert_int_equal(s.c.login_mismatch, 0);
	assert_int_equal(s.login_lat.n, 1);
	assert_true(s.login_lat.max >= SEC); /* from the RESUME on */

	/* User 2 has no ticket: a full handshake. */
	assert_int_equal(sg_gen_surge_login(&s, 30 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(msg[0], SG_MSG_HANDSHAKE_INIT);
	assert_int_equal(s.c.li_offered, 2);
	answer_keys(msg, 102, 0, resp, pubs[2], &rs);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 30 * SEC + 1), SG_OK);

	/* User 0 again, with its new ticket, under load: a cookie, then RESUME with mac2. */
	assert_int_equal(sg_gen_surge_login(&s, 40 * SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(msg[0], SG_MSG_RESUME);
	assert_int_equal(s.c.rs_offered, 3);
	assert_int_equal(sg_cookie_reply_create(&R.chk, reply, msg, SG_RESUME_LEN,
						sg_le32(msg + SG_RESUME_OFF_SENDER), src,
						sizeof(src), 40, NULL), SG_OK);
	assert_int_equal(sg_gen_surge_cookie(&s, reply, sizeof(reply), 40 * SEC, out, &port2),
			 SG_GEN_SURGE_SEND);
	assert_int_equal(port2, port);
	assert_int_equal(out[0], SG_MSG_RESUME);
	assert_memory_equal(out, msg, SG_RESUME_OFF_MAC2);
	assert_int_equal(sg_cookie_validate(&R.chk, out, SG_RESUME_LEN, src, sizeof(src), 40),
			 SG_MAC_BOTH_OK);
	answer_resume(out, pubs, 100, rresp, &rs);
	assert_int_equal(sg_gen_surge_response(&s, rresp, sizeof(rresp), 40 * SEC + 1), SG_OK);
	assert_int_equal(s.c.rs_done, 2);
	assert_int_equal(s.c.rs_failed, 1);
	assert_int_equal(s.c.li_started, 4);
	/* Three log-ins and a resumption earlier, all replaced sessions: none added. */
	assert_int_equal(s.live, 3);
	sg_gen_surge_fini(&s);
}

/* --no-resume: no table, a log-in with a ticket-less user is a full handshake. */
static void test_no_resume(void **state)
{
	struct sg_gen_surge s;
	uint8_t msg[SG_GEN_SURGE_MSG_MAX], tmsg[SG_TICKET_MSG_LEN], resp[SG_RESP_LEN];
	uint8_t pub[SG_KEY_LEN];
	struct rsess rs;
	uint16_t port;
	(void)state;

	init(&s, 1, 1, 3); /* tickets = 0 */
	assert_null(s.tk);
	assert_int_equal(sg_gen_surge_signup(&s, 0, msg, &port), SG_GEN_SURGE_SEND);
	answer_keys(msg, 7, 1, resp, pub, &rs);
	assert_int_equal(sg_gen_surge_response(&s, resp, sizeof(resp), 1), SG_OK);
	ticket_msg(&rs, 7, tmsg);
	assert_int_equal(sg_gen_surge_ticket(&s, tmsg, sizeof(tmsg), 2), SG_E_STATE);
	assert_int_equal(s.c.ticket_ignored, 1);
	assert_int_equal(sg_gen_surge_login(&s, SEC, msg, &port), SG_GEN_SURGE_SEND);
	assert_int_equal(msg[0], SG_MSG_HANDSHAKE_INIT);
	assert_int_equal(s.c.rs_offered, 0);
	assert_int_equal(s.c.li_offered, 1);
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
		cmocka_unit_test(test_src_addr),
		cmocka_unit_test(test_src_check),
		cmocka_unit_test(test_src_spread),
		cmocka_unit_test(test_src_ip4_patch),
		cmocka_unit_test(test_src_arp),
		cmocka_unit_test(test_src_stable),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_no_resume),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
