/* SPDX-License-Identifier: MIT */
/*
 * test_cookie.c - mac1/mac2 and the cookie reply path, with explicit clocks:
 * cookie issued and used, bound to the source address, secret rotation,
 * client-side expiry, replies bound to the message they answer; two
 * static keys behind one secret (a key rotation's grace period).
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

/*
 * A relay with two static keys (a rotation's grace period): mac1 tells
 * which key the client used; one secret (owner, and a worker's follower)
 * answers each client under its own key's cookie key, and either validates
 * the mac2 that follows; a reply encrypted under the other key is refused
 * by the client; a message under neither key matches nothing.
 */
static void test_two_keys(void **state)
{
	struct sg_keypair old_kp, new_kp, other;
	struct sg_cookie_keys keys[2], stranger;
	struct sg_cookie_checker owner, w;
	struct sg_cookie_maker old_mk, new_mk, other_mk;
	uint8_t m_old[SG_INIT_LEN], m_new[SG_INIT_LEN], m_other[SG_INIT_LEN];
	uint8_t reply[SG_COOKIE_REPLY_LEN];

	(void)state;
	sg_keypair_generate(&old_kp);
	sg_keypair_generate(&new_kp);
	sg_keypair_generate(&other);
	sg_cookie_keys_init(&keys[0], new_kp.pub); /* current */
	sg_cookie_keys_init(&keys[1], old_kp.pub); /* previous */
	sg_cookie_keys_init(&stranger, other.pub);
	sg_cookie_checker_init(&owner, new_kp.pub);
	/* A checker's own keys are the pair sg_cookie_keys_init derives. */
	assert_memory_equal(owner.mac1_key, keys[0].mac1_key, SG_KEY_LEN);
	assert_memory_equal(owner.cookie_key, keys[0].cookie_key, SG_KEY_LEN);
	assert_memory_not_equal(keys[0].mac1_key, keys[1].mac1_key, SG_KEY_LEN);
	sg_cookie_tick(&owner, 500);
	w = owner;
	sg_cookie_checker_follow(&w, owner.secret, owner.secret_born);
	sg_cookie_maker_init(&old_mk, old_kp.pub);
	sg_cookie_maker_init(&new_mk, new_kp.pub);
	sg_cookie_maker_init(&other_mk, other.pub);
	for (unsigned i = 0; i < SG_INIT_LEN; i++)
		m_old[i] = m_new[i] = m_other[i] = (uint8_t)(i * 7);
	m_old[0] = m_new[0] = m_other[0] = SG_MSG_HANDSHAKE_INIT;
	sg_cookie_add_macs(&old_mk, m_old, sizeof(m_old), 500);
	sg_cookie_add_macs(&new_mk, m_new, sizeof(m_new), 500);
	sg_cookie_add_macs(&other_mk, m_other, sizeof(m_other), 500);

	assert_int_equal(sg_cookie_mac1_match(keys, 2, m_new, sizeof(m_new)), 0);
	assert_int_equal(sg_cookie_mac1_match(keys, 2, m_old, sizeof(m_old)), 1);
	assert_int_equal(sg_cookie_mac1_match(keys, 2, m_other, sizeof(m_other)), -1);
	assert_int_equal(sg_cookie_mac1_match(keys, 1, m_old, sizeof(m_old)), -1); /* dropped */
	assert_int_equal(sg_cookie_mac1_match(keys, 2, m_old, 2 * SG_MAC_LEN), -1);
	assert_int_equal(sg_cookie_validate_keys(&owner, &keys[1], m_old, sizeof(m_old), src_a, 6,
						 500), SG_MAC_MAC1_OK);
	assert_int_equal(sg_cookie_validate_keys(&owner, &keys[0], m_old, sizeof(m_old), src_a, 6,
						 500), SG_E_MAC1);
	assert_int_equal(sg_cookie_validate_keys(&owner, &stranger, m_old, sizeof(m_old), src_a,
						 6, 500), SG_E_MAC1);

	/* The old-key client: a reply under the current key's cookie key is refused ... */
	assert_int_equal(sg_cookie_reply_create_keys(&w, &keys[0], reply, m_old, sizeof(m_old), 3,
						     src_a, 6, 500, NULL), SG_OK);
	assert_int_equal(sg_cookie_reply_consume(&old_mk, reply, sizeof(reply), 500), SG_E_TAG);
	/* ... one under its own key's is taken (from the worker's follower). */
	assert_int_equal(sg_cookie_reply_create_keys(&w, &keys[1], reply, m_old, sizeof(m_old), 3,
						     src_a, 6, 500, NULL), SG_OK);
	assert_int_equal(sg_le32(reply + SG_COOKIE_OFF_RECEIVER), 3);
	assert_int_equal(sg_cookie_reply_consume(&old_mk, reply, sizeof(reply), 500), SG_OK);
	sg_cookie_add_macs(&old_mk, m_old, sizeof(m_old), 501);
	assert_int_equal(sg_cookie_validate_keys(&w, &keys[1], m_old, sizeof(m_old), src_a, 6,
						 501), SG_MAC_BOTH_OK);
	assert_int_equal(sg_cookie_validate_keys(&owner, &keys[1], m_old, sizeof(m_old), src_a, 6,
						 501), SG_MAC_BOTH_OK);
	/* Bound to its source still. */
	assert_int_equal(sg_cookie_validate_keys(&owner, &keys[1], m_old, sizeof(m_old), src_b, 6,
						 501), SG_MAC_MAC1_OK);

	/* The new-key client, from the owner: the plain and the _keys calls agree. */
	assert_int_equal(sg_cookie_reply_create_keys(&owner, &keys[0], reply, m_new, sizeof(m_new),
						     4, src_b, 6, 500, NULL), SG_OK);
	assert_int_equal(sg_cookie_reply_consume(&new_mk, reply, sizeof(reply), 500), SG_OK);
	sg_cookie_add_macs(&new_mk, m_new, sizeof(m_new), 502);
	assert_int_equal(sg_cookie_validate(&owner, m_new, sizeof(m_new), src_b, 6, 502),
			 SG_MAC_BOTH_OK);
	assert_int_equal(sg_cookie_validate_keys(&w, &keys[0], m_new, sizeof(m_new), src_b, 6,
						 502), SG_MAC_BOTH_OK);
	sg_cookie_checker_wipe(&owner);
	sg_cookie_checker_wipe(&w);
	sg_keypair_wipe(&old_kp);
	sg_keypair_wipe(&new_kp);
	sg_keypair_wipe(&other);
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
		cmocka_unit_test(test_two_keys),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
