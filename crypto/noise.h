/* SPDX-License-Identifier: MIT */
/*
 * noise.h - Noise_IK_25519_ChaChaPoly_BLAKE2b, revision 34 of the Noise
 * specification, without PSK:
 *
 *     IK:  <- s
 *          ...
 *          -> e, es, s, ss
 *          <- e, ee, se
 *
 * HASHLEN 64, BLOCKLEN 128, HMAC-BLAKE2b HKDF (kdf.h), ChaChaPoly with the
 * nonce 32 zero bits || 64-bit little-endian counter, cipher keys are the
 * first 32 bytes of HKDF outputs.  This module speaks only Noise messages
 * (bytes e || enc(s) || enc(payload) and e || enc(payload)); the surge
 * framing, indexes and MACs around them are in handshake.c.  Any Noise
 * library with the same name, prologue and keys interoperates with it;
 * tests/unit/test_noise checks it against the published cacophony vector.
 */
#ifndef SG_CRYPTO_NOISE_H
#define SG_CRYPTO_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "kdf.h"
#include "keys.h"

enum sg_noise_role { SG_NOISE_INITIATOR = 1, SG_NOISE_RESPONDER = 2 };

enum sg_noise_step {
	SG_NOISE_STEP_MSG1 = 0, /* initiator writes / responder reads msg 1 */
	SG_NOISE_STEP_MSG2 = 1, /* responder writes / initiator reads msg 2 */
	SG_NOISE_STEP_SPLIT = 2,
	SG_NOISE_STEP_DEAD = 3, /* failed or split: must be re-initialised */
	SG_NOISE_STEP_MSG2_PAYLOAD = 4, /* responder: msg 2's DH done, its payload not yet */
};

struct sg_noise_hs {
	uint8_t h[SG_HASH_LEN];
	uint8_t ck[SG_HASH_LEN];
	uint8_t k[SG_KEY_LEN];
	uint64_t n;
	uint8_t has_key;
	uint8_t role;
	uint8_t step;
	uint8_t e_priv[SG_KEY_LEN];
	uint8_t e_pub[SG_KEY_LEN];
	uint8_t re[SG_KEY_LEN];  /* remote ephemeral */
	uint8_t rs[SG_KEY_LEN];  /* remote static */
};

/* Noise message lengths for a payload of plen bytes. */
#define SG_NOISE_MSG1_LEN(plen) (32u + 48u + (plen) + 16u)
#define SG_NOISE_MSG2_LEN(plen) (32u + (plen) + 16u)

/*
 * Initialise for IK with the given prologue.  The responder's static public
 * key is the pre-message: the initiator passes the relay's key, the
 * responder its own.
 */
void sg_noise_init(struct sg_noise_hs *hs, enum sg_noise_role role, const uint8_t *prologue,
		   size_t prologue_len, const uint8_t responder_pub[SG_KEY_LEN]);

/*
 * Message 1, initiator.  e_fixed is NULL in production (a fresh ephemeral
 * key is drawn); tests pass a fixed private key to reproduce vectors.
 * out must hold SG_NOISE_MSG1_LEN(plen) bytes.
 */
int sg_noise_write_msg1(struct sg_noise_hs *hs, const struct sg_keypair *s,
			const uint8_t *e_fixed, const uint8_t *payload, size_t plen, uint8_t *out);

/*
 * Message 1, responder.  On success the initiator's static key is in
 * hs->rs and the plaintext payload (len - 96 bytes) in payload_out.
 * SG_E_LENGTH, SG_E_TAG, SG_E_DH, SG_E_STATE.
 */
int sg_noise_read_msg1(struct sg_noise_hs *hs, const struct sg_keypair *s, const uint8_t *msg,
		       size_t len, uint8_t *payload_out);

/* Message 2, responder; out holds SG_NOISE_MSG2_LEN(plen) bytes. */
int sg_noise_write_msg2(struct sg_noise_hs *hs, const uint8_t *e_fixed, const uint8_t *payload,
			size_t plen, uint8_t *out);

/*
 * The same in two steps, so the expensive half can run on another thread:
 * _dh writes e (out[0..32)) and mixes ee and se (one key generation, two
 * X25519); _payload then encrypts the payload behind it (symmetric only).
 */
int sg_noise_write_msg2_dh(struct sg_noise_hs *hs, const uint8_t *e_fixed, uint8_t *out);
int sg_noise_write_msg2_payload(struct sg_noise_hs *hs, const uint8_t *payload, size_t plen,
				uint8_t *out);

/* Message 2, initiator; payload_out gets len - 48 bytes. */
int sg_noise_read_msg2(struct sg_noise_hs *hs, const struct sg_keypair *s, const uint8_t *msg,
		       size_t len, uint8_t *payload_out);

/*
 * Split after message 2: send/recv keys for the caller's role (initiator
 * sends with the first HKDF output).  Optionally copies the handshake hash.
 * Wipes the whole handshake state.
 */
int sg_noise_split(struct sg_noise_hs *hs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN],
		   uint8_t *hash_out);

void sg_noise_wipe(struct sg_noise_hs *hs);

#endif /* SG_CRYPTO_NOISE_H */
