/* SPDX-License-Identifier: MIT */
/*
 * test_e2e.c - end-to-end sealing of secret bodies (crypto/e2e.h): both
 * users derive the same pair key; a body opens only with the right key,
 * sender, recipient and message id; every byte is authenticated; low-order
 * peer keys are refused; a fixed vector pins the construction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "testutil.h"

enum { ALICE = 1000001, BOB = 1000002, MSG = 77 };

static const uint8_t text[] = "meet me at the usual place";

/* The vector of test_vector (docs/CLIENT.md): private keys 0x01..0x20 (alice,
 * user 1000001) and 0x21..0x40 (bob, 1000002), nonce 0xa1..0xb8, message 9. */
#define E2E_VECTOR_KEY "d81a8aa3f4552b98dffcd4fb0670c4b3d32c5c2daa65427f58064516419b2fca"
#define E2E_VECTOR_BODY                                                                    \
	"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8545729fcd9adce9ee68d721ad8b91e08fb8f" \
	"b37c22cb1de25d516fc0"

struct pair {
	struct sg_keypair a, b;
	uint8_t kab[SG_E2E_KEY_LEN], kba[SG_E2E_KEY_LEN];
};

static void pair_init(struct pair *p)
{
	sg_keypair_generate(&p->a);
	sg_keypair_generate(&p->b);
	assert_int_equal(sg_e2e_key(p->kab, &p->a, p->b.pub), SG_OK);
	assert_int_equal(sg_e2e_key(p->kba, &p->b, p->a.pub), SG_OK);
}

static void test_both_sides_derive_the_same_key(void **state)
{
	struct pair p;
	struct sg_keypair c;
	uint8_t kac[SG_E2E_KEY_LEN];
	(void)state;

	for (int i = 0; i < 8; i++) {
		pair_init(&p);
		assert_memory_equal(p.kab, p.kba, SG_E2E_KEY_LEN);
	}
	/* A third user shares another key with alice. */
	sg_keypair_generate(&c);
	assert_int_equal(sg_e2e_key(kac, &p.a, c.pub), SG_OK);
	assert_memory_not_equal(kac, p.kab, SG_E2E_KEY_LEN);
	/* Talking to oneself works (lower == higher) and is its own key. */
	assert_int_equal(sg_e2e_key(kac, &p.a, p.a.pub), SG_OK);
	assert_memory_not_equal(kac, p.kab, SG_E2E_KEY_LEN);
}

static void test_round_trip_and_sizes(void **state)
{
	uint8_t body[SG_BODY_MAX], plain[SG_BODY_MAX], big[SG_E2E_PLAIN_MAX];
	size_t blen, plen;
	struct pair p;
	(void)state;

	pair_init(&p);
	assert_int_equal(sg_e2e_seal(body, sizeof(body), p.kab, ALICE, BOB, MSG, text,
				     sizeof(text), &blen), SG_OK);
	assert_int_equal(blen, sizeof(text) + SG_E2E_OVERHEAD);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG, body, blen,
				     &plen), SG_OK);
	assert_int_equal(plen, sizeof(text));
	assert_memory_equal(plain, text, plen);

	/* Empty and largest plaintexts; the largest fills SG_BODY_MAX exactly. */
	assert_int_equal(sg_e2e_seal(body, sizeof(body), p.kab, ALICE, BOB, MSG, NULL, 0, &blen),
			 SG_OK);
	assert_int_equal(blen, SG_E2E_OVERHEAD);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kab, ALICE, BOB, MSG, body, blen,
				     &plen), SG_OK);
	assert_int_equal(plen, 0);
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(sg_e2e_seal(body, sizeof(body), p.kab, ALICE, BOB, MSG, big, sizeof(big),
				     &blen), SG_OK);
	assert_int_equal(blen, SG_BODY_MAX);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kab, ALICE, BOB, MSG, body, blen,
				     &plen), SG_OK);
	assert_memory_equal(plain, big, sizeof(big));
	assert_int_equal(SG_E2E_OVERHEAD, 40);
	assert_int_equal(SG_E2E_PLAIN_MAX, 1376);

	/* Buffers too small, bodies too short. */
	assert_int_equal(sg_e2e_seal(body, sizeof(text) + SG_E2E_OVERHEAD - 1, p.kab, ALICE, BOB,
				     MSG, text, sizeof(text), &blen), SG_E_NOSPACE);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kab, ALICE, BOB, MSG, body,
				     SG_E2E_OVERHEAD - 1, &plen), SG_E_LENGTH);
	assert_int_equal(sg_e2e_seal(body, sizeof(body), p.kab, ALICE, BOB, MSG, text, 10, &blen),
			 SG_OK);
	assert_int_equal(sg_e2e_open(plain, 9, p.kab, ALICE, BOB, MSG, body, blen, &plen),
			 SG_E_NOSPACE);
}

static void test_fresh_nonce_per_seal(void **state)
{
	uint8_t a[128], b[128];
	size_t alen, blen;
	struct pair p;
	(void)state;

	pair_init(&p);
	assert_int_equal(sg_e2e_seal(a, sizeof(a), p.kab, ALICE, BOB, MSG, text, sizeof(text),
				     &alen), SG_OK);
	assert_int_equal(sg_e2e_seal(b, sizeof(b), p.kab, ALICE, BOB, MSG, text, sizeof(text),
				     &blen), SG_OK);
	assert_memory_not_equal(a, b, SG_E2E_NONCE_LEN);
	assert_memory_not_equal(a + SG_E2E_NONCE_LEN, b + SG_E2E_NONCE_LEN,
				sizeof(text) + SG_TAG_LEN);
}

/* What the relay (or anyone without the key) might try: all -> SG_E_TAG. */
static void test_wrong_key_ad_nonce_and_tampering(void **state)
{
	uint8_t body[128], bad[128], plain[128], other[SG_E2E_KEY_LEN];
	size_t blen, plen;
	struct sg_keypair c;
	struct pair p;
	(void)state;

	pair_init(&p);
	assert_int_equal(sg_e2e_seal(body, sizeof(body), p.kab, ALICE, BOB, MSG, text,
				     sizeof(text), &blen), SG_OK);

	/* Another pair's key (alice with carol). */
	sg_keypair_generate(&c);
	assert_int_equal(sg_e2e_key(other, &p.a, c.pub), SG_OK);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), other, ALICE, BOB, MSG, body, blen,
				     &plen), SG_E_TAG);
	assert_true(sg_all_zero(plain, sizeof(text)));

	/* Each field of the AD: sender, recipient, message id; and reflection. */
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE + 1, BOB, MSG, body, blen,
				     &plen), SG_E_TAG);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB + 1, MSG, body, blen,
				     &plen), SG_E_TAG);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG + 1, body, blen,
				     &plen), SG_E_TAG);
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kab, BOB, ALICE, MSG, body, blen,
				     &plen), SG_E_TAG);

	/* Every byte: nonce, ciphertext, tag. */
	for (size_t i = 0; i < blen; i++) {
		memcpy(bad, body, blen);
		bad[i] ^= 0x01;
		assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG, bad,
					     blen, &plen), SG_E_TAG);
	}
	/* Truncated and extended. */
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG, body, blen - 1,
				     &plen), SG_E_TAG);
	memcpy(bad, body, blen);
	bad[blen] = 0;
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG, bad, blen + 1,
				     &plen), SG_E_TAG);
	/* And the original still opens. */
	assert_int_equal(sg_e2e_open(plain, sizeof(plain), p.kba, ALICE, BOB, MSG, body, blen,
				     &plen), SG_OK);
}

static void test_low_order_peer_keys(void **state)
{
	/* Points of small order on Curve25519 (0, 1, and one of order 8). */
	static const char *const low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t pub[SG_KEY_LEN], k[SG_E2E_KEY_LEN];
	struct sg_keypair a;
	(void)state;

	sg_keypair_generate(&a);
	for (size_t i = 0; i < SG_ARRAY_SIZE(low); i++) {
		assert_int_equal(tu_unhex(pub, sizeof(pub), low[i]), SG_KEY_LEN);
		memset(k, 0xee, sizeof(k));
		assert_int_equal(sg_e2e_key(k, &a, pub), SG_E_DH);
		assert_true(sg_all_zero(k, sizeof(k)));
	}
}

/*
 * Fixed inputs -> fixed output, computed independently from the text in
 * docs/CLIENT.md (X25519 + keyed BLAKE2b-256 + XChaCha20-Poly1305 in
 * Python's cryptography/hashlib), so the construction cannot drift.
 */
static void test_vector(void **state)
{
	struct sg_keypair a, b;
	uint8_t priv[SG_KEY_LEN], nonce[SG_E2E_NONCE_LEN], k[SG_E2E_KEY_LEN], body[64];
	uint8_t want_k[SG_E2E_KEY_LEN], want_body[64];
	size_t blen;
	(void)state;

	for (int i = 0; i < SG_KEY_LEN; i++)
		priv[i] = (uint8_t)(0x01 + i);
	sg_keypair_from_private(&a, priv);
	for (int i = 0; i < SG_KEY_LEN; i++)
		priv[i] = (uint8_t)(0x21 + i);
	sg_keypair_from_private(&b, priv);
	for (int i = 0; i < SG_E2E_NONCE_LEN; i++)
		nonce[i] = (uint8_t)(0xa1 + i);

	assert_int_equal(sg_e2e_key(k, &a, b.pub), SG_OK);
	assert_int_equal(tu_unhex(want_k, sizeof(want_k), E2E_VECTOR_KEY), SG_E2E_KEY_LEN);
	assert_memory_equal(k, want_k, SG_E2E_KEY_LEN);
	assert_int_equal(sg_e2e_seal_nonce(body, sizeof(body), k, 1000001, 1000002, 9,
					   (const uint8_t *)"hello, surge", 12, nonce, &blen),
			 SG_OK);
	assert_int_equal(blen, 12 + SG_E2E_OVERHEAD);
	assert_int_equal(tu_unhex(want_body, sizeof(want_body), E2E_VECTOR_BODY), blen);
	assert_memory_equal(body, want_body, blen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_sides_derive_the_same_key),
		cmocka_unit_test(test_round_trip_and_sizes),
		cmocka_unit_test(test_fresh_nonce_per_seal),
		cmocka_unit_test(test_wrong_key_ad_nonce_and_tampering),
		cmocka_unit_test(test_low_order_peer_keys),
		cmocka_unit_test(test_vector),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
