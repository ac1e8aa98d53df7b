/* SPDX-License-Identifier: MIT */
/*
 * e2e.c - end-to-end sealing of `secret` bodies (construction in e2e.h).
 *
 * Invariants: the X25519 shared secret and the hash input never outlive a
 * call (wiped); a failed open leaves no plaintext in out; nothing here
 * knows about sockets or sessions.
 */
#include <string.h>

#include <sodium.h>

#include "e2e.h"
#include "proto/bytes.h"
#include "proto/status.h"

_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == SG_E2E_NONCE_LEN, "nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == SG_TAG_LEN, "tag");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SG_E2E_KEY_LEN, "key");

int sg_e2e_key(uint8_t out[SG_E2E_KEY_LEN], const struct sg_keypair *me,
	       const uint8_t peer_pub[SG_KEY_LEN])
{
	uint8_t shared[SG_KEY_LEN];
	uint8_t msg[SG_E2E_LABEL_LEN + 2 * SG_KEY_LEN];
	const uint8_t *lo = me->pub, *hi = peer_pub;

	/* libsodium refuses (-1) an all-zero result: a low-order peer key. */
	if (crypto_scalarmult(shared, me->priv, peer_pub) != 0) {
		sodium_memzero(shared, sizeof(shared));
		sodium_memzero(out, SG_E2E_KEY_LEN);
		return SG_E_DH;
	}
	if (memcmp(lo, hi, SG_KEY_LEN) > 0) {
		lo = peer_pub;
		hi = me->pub;
	}
	memcpy(msg, SG_E2E_LABEL, SG_E2E_LABEL_LEN);
	memcpy(msg + SG_E2E_LABEL_LEN, lo, SG_KEY_LEN);
	memcpy(msg + SG_E2E_LABEL_LEN + SG_KEY_LEN, hi, SG_KEY_LEN);
	crypto_generichash(out, SG_E2E_KEY_LEN, msg, sizeof(msg), shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(msg, sizeof(msg));
	return SG_OK;
}

static void make_ad(uint8_t ad[SG_E2E_AD_LEN], uint64_t sender, uint64_t recipient,
		    uint64_t msg_id)
{
	sg_put_le64(ad, sender);
	sg_put_le64(ad + 8, recipient);
	sg_put_le64(ad + 16, msg_id);
}

int sg_e2e_seal_nonce(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN],
		      uint64_t sender, uint64_t recipient, uint64_t msg_id, const uint8_t *plain,
		      size_t plen, const uint8_t nonce[SG_E2E_NONCE_LEN], size_t *out_len)
{
	uint8_t ad[SG_E2E_AD_LEN];
	unsigned long long clen = 0;

	if (plen > SIZE_MAX - SG_E2E_OVERHEAD || cap < plen + SG_E2E_OVERHEAD)
		return SG_E_NOSPACE;
	if (plain == NULL && plen != 0)
		return SG_E_INVAL;
	if (out != nonce)
		memmove(out, nonce, SG_E2E_NONCE_LEN);
	make_ad(ad, sender, recipient, msg_id);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SG_E2E_NONCE_LEN, &clen, plain, plen, ad,
						   sizeof(ad), NULL, out, key);
	*out_len = SG_E2E_NONCE_LEN + (size_t)clen;
	return SG_OK;
}

int sg_e2e_seal(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN], uint64_t sender,
		uint64_t recipient, uint64_t msg_id, const uint8_t *plain, size_t plen,
		size_t *out_len)
{
	uint8_t nonce[SG_E2E_NONCE_LEN];

	/* 24 random bytes: collisions are negligible without any counter state. */
	randombytes_buf(nonce, sizeof(nonce));
	return sg_e2e_seal_nonce(out, cap, key, sender, recipient, msg_id, plain, plen, nonce,
				 out_len);
}

int sg_e2e_open(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN], uint64_t sender,
		uint64_t recipient, uint64_t msg_id, const uint8_t *body, size_t blen,
		size_t *out_len)
{
	uint8_t ad[SG_E2E_AD_LEN];
	unsigned long long mlen = 0;

	if (blen < SG_E2E_OVERHEAD)
		return SG_E_LENGTH;
	if (cap < blen - SG_E2E_OVERHEAD)
		return SG_E_NOSPACE;
	make_ad(ad, sender, recipient, msg_id);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, body + SG_E2E_NONCE_LEN,
						       blen - SG_E2E_NONCE_LEN, ad, sizeof(ad),
						       body, key) != 0) {
		sodium_memzero(out, blen - SG_E2E_OVERHEAD);
		return SG_E_TAG;
	}
	*out_len = (size_t)mlen;
	return SG_OK;
}
