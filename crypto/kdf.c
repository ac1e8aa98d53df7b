/* SPDX-License-Identifier: MIT */
/*
 * kdf.c - HMAC-BLAKE2b and Noise's HKDF.
 *
 * libsodium has BLAKE2b (crypto_generichash) but no HMAC over it; Noise's
 * BLAKE2b functions require real HMAC (RFC 2104) with BLAKE2b-512 unkeyed
 * and a 128-byte block, not BLAKE2b's own keyed mode.  Every intermediate
 * key is wiped before return.
 */
#include <string.h>

#include <sodium.h>

#include "kdf.h"

static void hmac_pad(uint8_t pad[SG_HASH_BLOCK_LEN], const uint8_t *key, size_t keylen,
		     uint8_t xor)
{
	uint8_t hashed[SG_HASH_LEN];

	if (keylen > SG_HASH_BLOCK_LEN) {
		crypto_generichash(hashed, sizeof(hashed), key, keylen, NULL, 0);
		key = hashed;
		keylen = sizeof(hashed);
	}
	memset(pad, 0, SG_HASH_BLOCK_LEN);
	memcpy(pad, key, keylen);
	for (size_t i = 0; i < SG_HASH_BLOCK_LEN; i++)
		pad[i] ^= xor;
	sodium_memzero(hashed, sizeof(hashed));
}

void sg_blake2b(uint8_t out[SG_HASH_LEN], const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SG_HASH_LEN);
	crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, SG_HASH_LEN);
}

/* HMAC over the concatenation of two data parts (d2 may be empty). */
static void hmac2(uint8_t out[SG_HASH_LEN], const uint8_t *key, size_t keylen,
		  const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2)
{
	uint8_t pad[SG_HASH_BLOCK_LEN];
	uint8_t inner[SG_HASH_LEN];
	crypto_generichash_state st;

	hmac_pad(pad, key, keylen, 0x36);
	crypto_generichash_init(&st, NULL, 0, SG_HASH_LEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	if (l1)
		crypto_generichash_update(&st, d1, l1);
	if (l2)
		crypto_generichash_update(&st, d2, l2);
	crypto_generichash_final(&st, inner, sizeof(inner));

	hmac_pad(pad, key, keylen, 0x5c);
	crypto_generichash_init(&st, NULL, 0, SG_HASH_LEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	crypto_generichash_update(&st, inner, sizeof(inner));
	crypto_generichash_final(&st, out, SG_HASH_LEN);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

void sg_hmac_blake2b(uint8_t out[SG_HASH_LEN], const uint8_t *key, size_t keylen,
		     const uint8_t *data, size_t datalen)
{
	hmac2(out, key, keylen, data, datalen, NULL, 0);
}

void sg_hkdf(uint8_t out1[SG_HASH_LEN], uint8_t out2[SG_HASH_LEN], uint8_t *out3,
	     const uint8_t ck[SG_HASH_LEN], const uint8_t *ikm, size_t ikmlen)
{
	uint8_t temp[SG_HASH_LEN];
	const uint8_t one = 0x01, two = 0x02, three = 0x03;

	hmac2(temp, ck, SG_HASH_LEN, ikm, ikmlen, NULL, 0);
	hmac2(out1, temp, sizeof(temp), &one, 1, NULL, 0);
	hmac2(out2, temp, sizeof(temp), out1, SG_HASH_LEN, &two, 1);
	if (out3)
		hmac2(out3, temp, sizeof(temp), out2, SG_HASH_LEN, &three, 1);
	sodium_memzero(temp, sizeof(temp));
}
