/* SPDX-License-Identifier: MIT */
/*
 * test_cookie.c - mac1/mac2 and the cookie reply path, with explicit clocks:
 * cookie issued and used, bound to the source address, secret rotation,
 * client-side expiry, replies bound to the message they answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "proto/bytes.h"
#include "proto/status.h"

static const uint8_t src_a[6] = { 198, 18, 0, 1, 0x1c, 0x2b };
static const uint8_t src_b[6] = { 198, 18, 0, 2, 0x1c, 0x2b };

struct fix {
	struct sg_keypair relay;
	struct sg_cookie_checker chk;
	struct sg_cookie_maker mk;
	uint8_t msg[SG_INIT_LEN];
};

static void fix_init(struct fix *f)
{
	sg_keypair_generate(&f->relay);
	sg_cookie_checker_init(&f->chk, f->relay.pub);
	sg_cookie_maker_init(&f->mk, f->relay.pub);
	for (unsigned i = 0; i < sizeof(f->msg); i++)
		f->msg[i] = (uint8_t)(i * 3);
	f->msg[0] = SG_MSG_HANDSHAKE_INIT;
	f->msg[1] = f->msg[2] = f->msg[3] = 0;
}

/* Client under load: first try gets a cookie reply, second try carries mac2. */
static void get_cookie(struct fix *f, const uint8_t *src, uint64_t now)
{
	uint8_t reply[SG_COOKIE_REPLY_LEN];

	sg_cookie_add_macs(&f->mk, f->msg, sizeof(f->msg), now);
	assert_int_equal(sg_cookie_validate(&f->chk, f->msg, sizeof(f->msg), src, 6, now),
			 SG_MAC_MAC1_OK);
	assert_int_equal(sg_cookie_reply_create(&f->chk, reply, f->msg, sizeof(f->msg), 0x55, src,
						6, now, NULL),
			 SG_OK);
	assert_int_equal(reply[0], SG_MSG_COOKIE_REPLY);
	assert_int_equal(sg_le32(reply + SG_COOKIE_OFF_RECEIVER), 0x55);
	assert_int_equal(sg_cookie_reply_consume(&f->mk, reply, sizeof(reply), now), SG_OK);
}

static void test_mac1_only(void **state)
{
	struct fix f;
	struct sg_keypair other;
	struct sg_cookie_checker wrong;
	(void)state;

	fix_init(&f);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 10);
	assert_true(sg_all_zero(f.msg + SG_INIT_OFF_MAC2, SG_MAC_LEN));
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 10),
			 SG_MAC_MAC1_OK);
	sg_keypair_generate(&other);
	sg_cookie_checker_init(&wrong, other.pub);
	assert_int_equal(sg_cookie_validate(&wrong, f.msg, sizeof(f.msg), src_a, 6, 10), SG_E_MAC1);
	f.msg[50] ^= 1;
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 10), SG_E_MAC1);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, 32, src_a, 6, 10), SG_E_LENGTH);
}

/* The workers' read-only mac1 check agrees with the checker, byte by byte. */
static void test_mac1_valid_readonly(void **state)
{
	struct fix f;
	struct sg_cookie_checker before;

	(void)state;
	fix_init(&f);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 100);
	before = f.chk;
	assert_int_equal(sg_cookie_mac1_valid(f.chk.mac1_key, f.msg, sizeof(f.msg)), 1);
	assert_memory_equal(&before, &f.chk, sizeof(before)); /* nothing rotated or written */
	for (size_t i = 0; i < sizeof(f.msg) - SG_MAC_LEN; i++) { /* mac2 is not mac1's */
		f.msg[i] ^= 0x01;
		assert_int_equal(sg_cookie_mac1_valid(f.chk.mac1_key, f.msg, sizeof(f.msg)), 0);
		assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 100),
				 SG_E_MAC1);
		f.msg[i] ^= 0x01;
	}
	assert_int_equal(sg_cookie_mac1_valid(f.chk.mac1_key, f.msg, 2 * SG_MAC_LEN), 0);
}

/*
 * A worker's follower checker: its cookies validate at the owner (and the
 * owner's at the follower) while they hold the same secret; it never rotates
 * on its own, even long past 120 s; once the owner rotates, the stale copy's
 * cookies are refused until it follows again.
 */
static void test_follower(void **state)
{
	struct fix f;
	struct sg_cookie_checker w;
	uint8_t reply[SG_COOKIE_REPLY_LEN];

	(void)state;
	fix_init(&f);
	sg_cookie_tick(&f.chk, 1000);
	w = f.chk;
	sg_cookie_checker_follow(&w, f.chk.secret, f.chk.secret_born);
	/* The client gets its cookie from the worker, the owner accepts mac2. */
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 1000);
	assert_int_equal(sg_cookie_validate(&w, f.msg, sizeof(f.msg), src_a, 6, 1000),
			 SG_MAC_MAC1_OK);
	assert_int_equal(sg_cookie_reply_create(&w, reply, f.msg, sizeof(f.msg), 1, src_a, 6, 1000,
						NULL), SG_OK);
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 1000), SG_OK);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 1001);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 1001),
			 SG_MAC_BOTH_OK);
	assert_int_equal(sg_cookie_validate(&w, f.msg, sizeof(f.msg), src_a, 6, 1001),
			 SG_MAC_BOTH_OK);
	/* Long past the secret's age: the follower keeps it (no rotation of its own). */
	assert_int_equal(sg_cookie_validate(&w, f.msg, sizeof(f.msg), src_a, 6, 5000),
			 SG_MAC_BOTH_OK);
	assert_int_equal(w.secret_born, 1000);
	/* The owner rotates: the stale follower's cookie is refused there. */
	sg_cookie_tick(&f.chk, 1200);
	assert_int_not_equal(f.chk.secret_born, 1000);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 1200),
			 SG_MAC_MAC1_OK);
	sg_cookie_checker_follow(&w, f.chk.secret, f.chk.secret_born);
	assert_memory_equal(w.secret, f.chk.secret, sizeof(w.secret));
	assert_int_equal(sg_cookie_validate(&w, f.msg, sizeof(f.msg), src_a, 6, 1200),
			 SG_MAC_MAC1_OK);
}

static void test_cookie_round_trip_and_source_binding(void **state)
{
	struct fix f;
	(void)state;

	fix_init(&f);
	get_cookie(&f, src_a, 100);
	f.msg[20] ^= 0xff; /* a new message (new ephemeral, say) */
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 101);
	assert_false(sg_all_zero(f.msg + SG_INIT_OFF_MAC2, SG_MAC_LEN));
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 101),
			 SG_MAC_BOTH_OK);
	/* The cookie is bound to the source address and port. */
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_b, 6, 101),
			 SG_MAC_MAC1_OK);
	/* mac2 covers mac1 and everything before it. */
	f.msg[SG_INIT_OFF_MAC2 + 3] ^= 1;
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 101),
			 SG_MAC_MAC1_OK);
}

static void test_secret_rotation(void **state)
{
	struct fix f;
	(void)state;

	fix_init(&f);
	get_cookie(&f, src_a, 1000);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 1050);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 1119),
			 SG_MAC_BOTH_OK);
	/* At 120 s the relay's secret is replaced: the old cookie no longer counts. */
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 1120),
			 SG_MAC_MAC1_OK);
	/* Explicit rotation does the same. */
	get_cookie(&f, src_a, 2000);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 2001);
	sg_cookie_rotate(&f.chk, 2002);
	assert_int_equal(sg_cookie_validate(&f.chk, f.msg, sizeof(f.msg), src_a, 6, 2002),
			 SG_MAC_MAC1_OK);
}

static void test_client_expires_cookie(void **state)
{
	struct fix f;
	(void)state;

	fix_init(&f);
	get_cookie(&f, src_a, 500);
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 500 + 114);
	assert_false(sg_all_zero(f.msg + SG_INIT_OFF_MAC2, SG_MAC_LEN));
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 500 + 115);
	assert_true(sg_all_zero(f.msg + SG_INIT_OFF_MAC2, SG_MAC_LEN));
}

static void test_reply_bound_to_message(void **state)
{
	struct fix f;
	uint8_t reply[SG_COOKIE_REPLY_LEN], other[SG_INIT_LEN];
	(void)state;

	fix_init(&f);
	/* No message sent yet: nothing to accept a reply for. */
	memcpy(other, f.msg, sizeof(other));
	other[10] ^= 1; /* another message, so another mac1 */
	sg_cookie_add_macs(&f.mk, other, sizeof(other), 1); /* fills mac1 for the relay */
	sg_cookie_maker_init(&f.mk, f.relay.pub);           /* forget it */
	assert_int_equal(sg_cookie_reply_create(&f.chk, reply, other, sizeof(other), 1, src_a, 6,
						1, NULL),
			 SG_OK);
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 1),
			 SG_E_STALE_COOKIE);

	/* We sent msg; a reply made for another message fails authentication. */
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 2);
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 2), SG_E_TAG);

	/* Tampered nonce or cookie fails; wrong length and type are named. */
	assert_int_equal(sg_cookie_reply_create(&f.chk, reply, f.msg, sizeof(f.msg), 1, src_a, 6, 2,
						NULL),
			 SG_OK);
	reply[SG_COOKIE_OFF_NONCE] ^= 1;
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 2), SG_E_TAG);
	reply[SG_COOKIE_OFF_NONCE] ^= 1;
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, 63, 2), SG_E_LENGTH);
	reply[0] = SG_MSG_DATA;
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 2), SG_E_TYPE);
	reply[0] = SG_MSG_COOKIE_REPLY;
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 2), SG_OK);
	/* One reply per message: the same reply again is stale. */
	assert_int_equal(sg_cookie_reply_consume(&f.mk, reply, sizeof(reply), 2),
			 SG_E_STALE_COOKIE);
}

static void test_fixed_nonce_is_deterministic(void **state)
{
	struct fix f;
	uint8_t n[SG_COOKIE_NONCE_LEN], a[SG_COOKIE_REPLY_LEN], b[SG_COOKIE_REPLY_LEN];
	(void)state;

	fix_init(&f);
	memset(n, 7, sizeof(n));
	sg_cookie_add_macs(&f.mk, f.msg, sizeof(f.msg), 3);
	sg_cookie_rotate(&f.chk, 3);
	assert_int_equal(sg_cookie_reply_create(&f.chk, a, f.msg, sizeof(f.msg), 9, src_a, 6, 3, n),
			 SG_OK);
	assert_int_equal(sg_cookie_reply_create(&f.chk, b, f.msg, sizeof(f.msg), 9, src_a, 6, 4, n),
			 SG_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(a + SG_COOKIE_OFF_NONCE, n, sizeof(n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac1_only),
		cmocka_unit_test(test_mac1_valid_readonly),
		cmocka_unit_test(test_follower),
		cmocka_unit_test(test_cookie_round_trip_and_source_binding),
		cmocka_unit_test(test_secret_rotation),
		cmocka_unit_test(test_client_expires_cookie),
		cmocka_unit_test(test_reply_bound_to_message),
		cmocka_unit_test(test_fixed_nonce_is_deterministic),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
