/* SPDX-License-Identifier: MIT */
/*
 * test_spool.c - sealing of mailbox records at rest (crypto/spool.c): a
 * record opens with its key and ad and gives the body back; two seals of
 * the same body differ (random nonce); any changed byte of the record, the
 * ad or the key is refused with SG_E_TAG and releases no plaintext; a record
 * shorter than the overhead is SG_E_LENGTH.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/spool.h"
#include "proto/status.h"

enum { BODY = 100, REC = BODY + SG_SPOOL_OVERHEAD };

static uint8_t key[SG_KEY_LEN], ad[48], body[BODY];

static int setup(void **state)
{
	(void)state;
	if (sg_crypto_init() != 0)
		return -1;
	sg_spool_keygen(key);
	for (unsigned i = 0; i < sizeof(ad); i++)
		ad[i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i + 1);
	return 0;
}

static void test_roundtrip(void **state)
{
	uint8_t rec[REC], rec2[REC], out[BODY];

	(void)state;
	sg_spool_seal(key, ad, sizeof(ad), body, BODY, rec);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, REC, out), SG_OK);
	assert_memory_equal(out, body, BODY);
	sg_spool_seal(key, ad, sizeof(ad), body, BODY, rec2);
	assert_memory_not_equal(rec, rec2, SG_SPOOL_NONCE_LEN);
	/* An empty body is a record of the overhead alone. */
	sg_spool_seal(key, ad, sizeof(ad), NULL, 0, rec);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, SG_SPOOL_OVERHEAD, out), SG_OK);
}

static void test_tampered(void **state)
{
	uint8_t rec[REC], out[BODY], ad2[sizeof(ad)], key2[SG_KEY_LEN];
	/* Offsets in the nonce, the ciphertext and the tag. */
	static const unsigned at[] = { 0, 23, 24, 24 + BODY / 2, REC - 16, REC - 1 };

	(void)state;
	sg_spool_seal(key, ad, sizeof(ad), body, BODY, rec);
	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		rec[at[i]] ^= 0x01;
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, REC, out), SG_E_TAG);
		for (unsigned j = 0; j < BODY; j++)
			assert_int_equal(out[j], 0);
		rec[at[i]] ^= 0x01;
	}
	memcpy(ad2, ad, sizeof(ad));
	ad2[5] ^= 0x80;
	assert_int_equal(sg_spool_open(key, ad2, sizeof(ad2), rec, REC, out), SG_E_TAG);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad) - 1, rec, REC, out), SG_E_TAG);
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	assert_int_equal(sg_spool_open(key2, ad, sizeof(ad), rec, REC, out), SG_E_TAG);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, REC - 1, out), SG_E_TAG);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, SG_SPOOL_OVERHEAD - 1, out),
			 SG_E_LENGTH);
	assert_int_equal(sg_spool_open(key, ad, sizeof(ad), rec, REC, out), SG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tampered),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
