/* SPDX-License-Identifier: MIT */
/*
 * kdf.h - BLAKE2b building blocks of Noise: HMAC-BLAKE2b (RFC 2104 with
 * BLAKE2b-512 unkeyed, 128-byte block; libsodium has no HMAC-BLAKE2b, so it
 * is built on crypto_generichash) and Noise's HKDF with two or three outputs.
 */
#ifndef SG_CRYPTO_KDF_H
#define SG_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

enum { SG_HASH_LEN = 64, SG_HASH_BLOCK_LEN = 128 };

/* out = BLAKE2b-512(a || b); b may be NULL when blen == 0. */
void sg_blake2b(uint8_t out[SG_HASH_LEN], const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen);

/* out = HMAC-BLAKE2b(key, data); keylen <= 128 is hashed first if longer. */
void sg_hmac_blake2b(uint8_t out[SG_HASH_LEN], const uint8_t *key, size_t keylen,
		     const uint8_t *data, size_t datalen);

/*
 * Noise HKDF(chaining_key, ikm, n): out1, out2 and (when out3 != NULL) out3,
 * each SG_HASH_LEN bytes.  Intermediate keys are wiped.
 */
void sg_hkdf(uint8_t out1[SG_HASH_LEN], uint8_t out2[SG_HASH_LEN], uint8_t *out3,
	     const uint8_t ck[SG_HASH_LEN], const uint8_t *ikm, size_t ikmlen);

#endif /* SG_CRYPTO_KDF_H */
