/* SPDX-License-Identifier: MIT */
/*
 * e2e.h - end-to-end encryption of `secret` DATA bodies between two users,
 * so that the relay, which forwards them, cannot read them.
 *
 *   shared = X25519(my_priv, peer_pub)                 (all-zero -> SG_E_DH)
 *   k      = BLAKE2b-256(key = shared,
 *                        msg = "surge e2e v1" || lower_pub || higher_pub)
 *            lower/higher: the two identity public keys in bytewise order,
 *            so both users derive the same k
 *   body   = nonce (24 random bytes)
 *            || XChaCha20-Poly1305-IETF(k, nonce,
 *                 AD = sender_user_id LE64 || recipient_user_id LE64
 *                      || message_id LE64,
 *                 plaintext) with its 16-byte tag
 *
 * The AD binds a body to its direction and to the DATA inner header's
 * message id, so the relay cannot replay it as another message, reflect it
 * to its sender or present it as coming from someone else.  40 bytes of
 * overhead: a secret plaintext is at most SG_BODY_MAX - 40 bytes (1376; over
 * IPv6 SG_BODY_MAX_IPV6 - 40 = 1356).  docs/CLIENT.md states the same.
 */
#ifndef SG_CRYPTO_E2E_H
#define SG_CRYPTO_E2E_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "proto/messages.h"

#define SG_E2E_LABEL "surge e2e v1"
#define SG_E2E_LABEL_LEN 12u

enum sg_e2e_sizes {
	SG_E2E_KEY_LEN = 32,
	SG_E2E_NONCE_LEN = 24,
	SG_E2E_AD_LEN = 24,
	SG_E2E_OVERHEAD = SG_E2E_NONCE_LEN + SG_TAG_LEN, /* 40 */
	SG_E2E_PLAIN_MAX = SG_BODY_MAX - SG_E2E_OVERHEAD, /* 1376 */
};

/*
 * The pair key of me and the peer with identity peer_pub.  SG_OK, or SG_E_DH
 * when the X25519 result is all zero (peer_pub is a low-order point); out is
 * then zeroed.  Symmetric: sg_e2e_key(a, B) == sg_e2e_key(b, A).
 */
int sg_e2e_key(uint8_t out[SG_E2E_KEY_LEN], const struct sg_keypair *me,
	       const uint8_t peer_pub[SG_KEY_LEN]);

/*
 * Seal plain (plen bytes) from sender to recipient as message msg_id under
 * key into out (plen + SG_E2E_OVERHEAD bytes, *out_len).  out and plain must
 * not overlap.  SG_E_NOSPACE when cap is too small.
 */
int sg_e2e_seal(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN], uint64_t sender,
		uint64_t recipient, uint64_t msg_id, const uint8_t *plain, size_t plen,
		size_t *out_len);

/* As sg_e2e_seal with a given nonce: test vectors only, never in production. */
int sg_e2e_seal_nonce(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN],
		      uint64_t sender, uint64_t recipient, uint64_t msg_id, const uint8_t *plain,
		      size_t plen, const uint8_t nonce[SG_E2E_NONCE_LEN], size_t *out_len);

/*
 * Open body (blen bytes) that sender sent to recipient as msg_id; the
 * plaintext (blen - SG_E2E_OVERHEAD bytes, *out_len) goes to out, which must
 * not overlap body.  SG_E_LENGTH when blen < SG_E2E_OVERHEAD, SG_E_NOSPACE,
 * SG_E_TAG when the body does not authenticate (wrong key, sender,
 * recipient, message id, or altered bytes); out then holds no plaintext.
 */
int sg_e2e_open(uint8_t *out, size_t cap, const uint8_t key[SG_E2E_KEY_LEN], uint64_t sender,
		uint64_t recipient, uint64_t msg_id, const uint8_t *body, size_t blen,
		size_t *out_len);

#endif /* SG_CRYPTO_E2E_H */
