/* SPDX-License-Identifier: MIT */
/*
 * spool.c - XChaCha20-Poly1305-IETF sealing of mailbox records (spool.h).
 *
 * Invariants: every seal draws a fresh random nonce (never a counter, never
 * reused across restarts); an open that fails releases no plaintext (out is
 * zeroed, whatever libsodium left there).
 */
#include <string.h>

#include <sodium.h>

#include "crypto/spool.h"
#include "proto/status.h"

_Static_assert(SG_SPOOL_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	       "nonce length");
_Static_assert(SG_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag length");
_Static_assert(SG_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key length");

void sg_spool_keygen(uint8_t key[SG_KEY_LEN])
{
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

void sg_spool_seal(const uint8_t key[SG_KEY_LEN], const uint8_t *ad, size_t adlen,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	randombytes_buf(out, SG_SPOOL_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SG_SPOOL_NONCE_LEN, NULL, in, len,
						   ad, adlen, NULL, out, key);
}

int sg_spool_open(const uint8_t key[SG_KEY_LEN], const uint8_t *ad, size_t adlen,
		  const uint8_t *in, size_t inlen, uint8_t *out)
{
	size_t len;

	if (inlen < SG_SPOOL_OVERHEAD)
		return SG_E_LENGTH;
	len = inlen - SG_SPOOL_OVERHEAD;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, in + SG_SPOOL_NONCE_LEN,
						       inlen - SG_SPOOL_NONCE_LEN, ad, adlen,
						       in, key) != 0) {
		sodium_memzero(out, len);
		return SG_E_TAG;
	}
	return SG_OK;
}
