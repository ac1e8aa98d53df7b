/* SPDX-License-Identifier: MIT */
/*
 * noise.c - Noise_IK_25519_ChaChaPoly_BLAKE2b (Noise revision 34, no PSK).
 *
 * State machine: init -> (initiator) write_msg1 -> read_msg2 -> split
 *                        (responder) read_msg1 -> write_msg2 -> split.
 * A call in the wrong role or step returns SG_E_STATE; any failure wipes the
 * state and marks it dead, so a half-finished handshake cannot be resumed.
 * DH results are checked for the all-zero output of low-order points.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "proto/bytes.h"
#include "proto/status.h"

_Static_assert(sizeof(SG_NOISE_PROTOCOL_NAME) - 1 <= SG_HASH_LEN, "name fits HASHLEN");

static void mix_hash(struct sg_noise_hs *hs, const uint8_t *data, size_t len)
{
	sg_blake2b(hs->h, hs->h, SG_HASH_LEN, data, len);
}

static void mix_key(struct sg_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t temp_k[SG_HASH_LEN];

	sg_hkdf(hs->ck, temp_k, NULL, hs->ck, ikm, len);
	memcpy(hs->k, temp_k, SG_KEY_LEN); /* HASHLEN 64: truncate to 32 */
	hs->n = 0;
	hs->has_key = 1;
	sodium_memzero(temp_k, sizeof(temp_k));
}

static void nonce_of(uint8_t nonce[12], uint64_t n)
{
	memset(nonce, 0, 4);
	sg_put_le64(nonce + 4, n);
}

/* EncryptAndHash: out gets plen + 16 bytes (always keyed in IK). */
static void encrypt_and_hash(struct sg_noise_hs *hs, const uint8_t *plain, size_t plen,
			     uint8_t *out)
{
	uint8_t nonce[12];

	nonce_of(nonce, hs->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plain, plen, hs->h, SG_HASH_LEN,
						  NULL, nonce, hs->k);
	hs->n++;
	mix_hash(hs, out, plen + SG_TAG_LEN);
}

static int decrypt_and_hash(struct sg_noise_hs *hs, const uint8_t *cipher, size_t clen,
			    uint8_t *out)
{
	uint8_t nonce[12];

	nonce_of(nonce, hs->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, cipher, clen, hs->h,
						      SG_HASH_LEN, nonce, hs->k) != 0)
		return SG_E_TAG;
	hs->n++;
	mix_hash(hs, cipher, clen);
	return SG_OK;
}

/* MixKey(DH(priv, pub)); SG_E_DH for a low-order public key. */
static int mix_dh(struct sg_noise_hs *hs, const uint8_t priv[SG_KEY_LEN],
		  const uint8_t pub[SG_KEY_LEN])
{
	uint8_t shared[SG_KEY_LEN];

	if (crypto_scalarmult(shared, priv, pub) != 0) {
		sodium_memzero(shared, sizeof(shared));
		return SG_E_DH;
	}
	mix_key(hs, shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
	return SG_OK;
}

static void make_ephemeral(struct sg_noise_hs *hs, const uint8_t *e_fixed)
{
	if (e_fixed)
		memcpy(hs->e_priv, e_fixed, SG_KEY_LEN);
	else
		randombytes_buf(hs->e_priv, SG_KEY_LEN);
	crypto_scalarmult_base(hs->e_pub, hs->e_priv);
}

static int fail(struct sg_noise_hs *hs, int err)
{
	sg_noise_wipe(hs);
	return err;
}

void sg_noise_wipe(struct sg_noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
	hs->step = SG_NOISE_STEP_DEAD;
}

void sg_noise_init(struct sg_noise_hs *hs, enum sg_noise_role role, const uint8_t *prologue,
		   size_t prologue_len, const uint8_t responder_pub[SG_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	memcpy(hs->h, SG_NOISE_PROTOCOL_NAME, sizeof(SG_NOISE_PROTOCOL_NAME) - 1);
	memcpy(hs->ck, hs->h, SG_HASH_LEN);
	mix_hash(hs, prologue, prologue_len);
	mix_hash(hs, responder_pub, SG_KEY_LEN); /* pre-message: <- s */
	if (role == SG_NOISE_INITIATOR)
		memcpy(hs->rs, responder_pub, SG_KEY_LEN);
	hs->role = (uint8_t)role;
	hs->step = SG_NOISE_STEP_MSG1;
}

int sg_noise_write_msg1(struct sg_noise_hs *hs, const struct sg_keypair *s,
			const uint8_t *e_fixed, const uint8_t *payload, size_t plen, uint8_t *out)
{
	int rc;

	if (hs->role != SG_NOISE_INITIATOR || hs->step != SG_NOISE_STEP_MSG1)
		return SG_E_STATE;
	/* e */
	make_ephemeral(hs, e_fixed);
	memcpy(out, hs->e_pub, SG_KEY_LEN);
	mix_hash(hs, hs->e_pub, SG_KEY_LEN);
	/* es */
	if ((rc = mix_dh(hs, hs->e_priv, hs->rs)) != SG_OK)
		return fail(hs, rc);
	/* s */
	encrypt_and_hash(hs, s->pub, SG_KEY_LEN, out + 32);
	/* ss */
	if ((rc = mix_dh(hs, s->priv, hs->rs)) != SG_OK)
		return fail(hs, rc);
	encrypt_and_hash(hs, payload, plen, out + 80);
	hs->step = SG_NOISE_STEP_MSG2;
	return SG_OK;
}

int sg_noise_read_msg1(struct sg_noise_hs *hs, const struct sg_keypair *s, const uint8_t *msg,
		       size_t len, uint8_t *payload_out)
{
	int rc;

	if (hs->role != SG_NOISE_RESPONDER || hs->step != SG_NOISE_STEP_MSG1)
		return SG_E_STATE;
	if (len < SG_NOISE_MSG1_LEN(0))
		return fail(hs, SG_E_LENGTH);
	/* e */
	memcpy(hs->re, msg, SG_KEY_LEN);
	mix_hash(hs, hs->re, SG_KEY_LEN);
	/* es */
	if ((rc = mix_dh(hs, s->priv, hs->re)) != SG_OK)
		return fail(hs, rc);
	/* s */
	if ((rc = decrypt_and_hash(hs, msg + 32, SG_KEY_LEN + SG_TAG_LEN, hs->rs)) != SG_OK)
		return fail(hs, rc);
	/* ss */
	if ((rc = mix_dh(hs, s->priv, hs->rs)) != SG_OK)
		return fail(hs, rc);
	if ((rc = decrypt_and_hash(hs, msg + 80, len - 80, payload_out)) != SG_OK)
		return fail(hs, rc);
	hs->step = SG_NOISE_STEP_MSG2;
	return SG_OK;
}

int sg_noise_write_msg2_dh(struct sg_noise_hs *hs, const uint8_t *e_fixed, uint8_t *out)
{
	int rc;

	if (hs->role != SG_NOISE_RESPONDER || hs->step != SG_NOISE_STEP_MSG2)
		return SG_E_STATE;
	/* e */
	make_ephemeral(hs, e_fixed);
	memcpy(out, hs->e_pub, SG_KEY_LEN);
	mix_hash(hs, hs->e_pub, SG_KEY_LEN);
	/* ee */
	if ((rc = mix_dh(hs, hs->e_priv, hs->re)) != SG_OK)
		return fail(hs, rc);
	/* se */
	if ((rc = mix_dh(hs, hs->e_priv, hs->rs)) != SG_OK)
		return fail(hs, rc);
	hs->step = SG_NOISE_STEP_MSG2_PAYLOAD;
	return SG_OK;
}

int sg_noise_write_msg2_payload(struct sg_noise_hs *hs, const uint8_t *payload, size_t plen,
				uint8_t *out)
{
	if (hs->role != SG_NOISE_RESPONDER || hs->step != SG_NOISE_STEP_MSG2_PAYLOAD)
		return SG_E_STATE;
	encrypt_and_hash(hs, payload, plen, out + 32);
	hs->step = SG_NOISE_STEP_SPLIT;
	return SG_OK;
}

int sg_noise_write_msg2(struct sg_noise_hs *hs, const uint8_t *e_fixed, const uint8_t *payload,
			size_t plen, uint8_t *out)
{
	int rc = sg_noise_write_msg2_dh(hs, e_fixed, out);

	return rc == SG_OK ? sg_noise_write_msg2_payload(hs, payload, plen, out) : rc;
}

int sg_noise_read_msg2(struct sg_noise_hs *hs, const struct sg_keypair *s, const uint8_t *msg,
		       size_t len, uint8_t *payload_out)
{
	int rc;

	if (hs->role != SG_NOISE_INITIATOR || hs->step != SG_NOISE_STEP_MSG2)
		return SG_E_STATE;
	if (len < SG_NOISE_MSG2_LEN(0))
		return fail(hs, SG_E_LENGTH);
	/* e */
	memcpy(hs->re, msg, SG_KEY_LEN);
	mix_hash(hs, hs->re, SG_KEY_LEN);
	/* ee */
	if ((rc = mix_dh(hs, hs->e_priv, hs->re)) != SG_OK)
		return fail(hs, rc);
	/* se */
	if ((rc = mix_dh(hs, s->priv, hs->re)) != SG_OK)
		return fail(hs, rc);
	if ((rc = decrypt_and_hash(hs, msg + 32, len - 32, payload_out)) != SG_OK)
		return fail(hs, rc);
	hs->step = SG_NOISE_STEP_SPLIT;
	return SG_OK;
}

int sg_noise_split(struct sg_noise_hs *hs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN],
		   uint8_t *hash_out)
{
	uint8_t k1[SG_HASH_LEN], k2[SG_HASH_LEN];

	if (hs->step != SG_NOISE_STEP_SPLIT)
		return SG_E_STATE;
	sg_hkdf(k1, k2, NULL, hs->ck, NULL, 0);
	if (hs->role == SG_NOISE_INITIATOR) {
		memcpy(send, k1, SG_KEY_LEN);
		memcpy(recv, k2, SG_KEY_LEN);
	} else {
		memcpy(send, k2, SG_KEY_LEN);
		memcpy(recv, k1, SG_KEY_LEN);
	}
	if (hash_out)
		memcpy(hash_out, hs->h, SG_HASH_LEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	sg_noise_wipe(hs);
	return SG_OK;
}
