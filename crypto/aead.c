/* SPDX-License-Identifier: MIT */
/*
 * aead.c - data-plane AEAD over libsodium: key contexts, seal and open
 * bursts, the one-way key update.
 *
 * Invariants:
 *  - ctx->suite says which half of the context is live: AES-256-GCM uses
 *    state (libsodium's expanded key), ChaCha20-Poly1305 uses key; the other
 *    half is zero.  A context that failed init has suite SG_SUITE_NONE.
 *  - Nonce = 4 zero bytes || le64(counter), built on the stack per frame.
 *  - Seal and open work in place with a detached tag; no allocation, no
 *    logging.  libsodium 1.0.18 authenticates before it decrypts (both
 *    suites) and zeroes the output when the tag is wrong, so a frame that
 *    fails to open never exposes unauthenticated plaintext; its buffer holds
 *    zeros afterwards, and the caller drops it.  (Keeping the ciphertext
 *    would cost a copy per frame, ~2% at 1400 B, for no user: the data plane
 *    never retries a frame with another key, the key phase bit says which.)
 *  - Built with -Dnull_cipher=true (SG_NULL_CIPHER; a test build for
 *    scripts/bench --null, never the default) the bursts do no cryptography:
 *    seal leaves the plaintext and writes a tag of 16 zero bytes, open
 *    accepts exactly that tag and fails (zeroing the data) otherwise.  Key
 *    contexts, handshakes and everything outside the two bursts stay real;
 *    sg_crypto_init() warns on stderr.
 */
#include <assert.h>
#include <stdalign.h>
#include <string.h>

#include <sodium.h>

#include "aead.h"
#include "proto/bytes.h"
#include "proto/status.h"

static_assert(sizeof(crypto_aead_aes256gcm_state) <= SG_AEAD_STATE_LEN,
	      "AES-GCM state does not fit sg_aead_ctx.state");
static_assert(alignof(crypto_aead_aes256gcm_state) <= 64,
	      "AES-GCM state needs more alignment than sg_aead_ctx.state has");
static_assert(offsetof(struct sg_aead_ctx, state) % 64 == 0, "state must stay 64-aligned");
static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12 &&
	      crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12, "nonce is 12 bytes");
static_assert(crypto_aead_aes256gcm_ABYTES == SG_TAG_LEN &&
	      crypto_aead_chacha20poly1305_ietf_ABYTES == SG_TAG_LEN, "tag is 16 bytes");
static_assert(crypto_aead_aes256gcm_KEYBYTES == SG_KEY_LEN &&
	      crypto_aead_chacha20poly1305_ietf_KEYBYTES == SG_KEY_LEN, "key is 32 bytes");

static const uint8_t key_update_label[16] = "surge key update";

static inline const crypto_aead_aes256gcm_state *aes_state(const struct sg_aead_ctx *ctx)
{
	return (const crypto_aead_aes256gcm_state *)(const void *)ctx->state;
}

static inline crypto_aead_aes256gcm_state *aes_state_mut(struct sg_aead_ctx *ctx)
{
	return (crypto_aead_aes256gcm_state *)(void *)ctx->state;
}

void sg_aead_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	sg_put_le64(nonce + 4, counter);
}

int sg_aead_ctx_init_pair(struct sg_aead_ctx *send, struct sg_aead_ctx *recv, uint8_t suite,
			  uint8_t send_key[SG_KEY_LEN], uint8_t recv_key[SG_KEY_LEN])
{
	int rc = sg_aead_ctx_init(send, suite, send_key);

	if (rc == SG_OK)
		rc = sg_aead_ctx_init(recv, suite, recv_key);
	sodium_memzero(send_key, SG_KEY_LEN);
	sodium_memzero(recv_key, SG_KEY_LEN);
	return rc;
}

int sg_aead_ctx_init(struct sg_aead_ctx *ctx, uint8_t suite, const uint8_t key[SG_KEY_LEN])
{
	sodium_memzero(ctx, sizeof(*ctx));
	ctx->suite = SG_SUITE_NONE;

	switch (suite) {
	case SG_SUITE_AES256_GCM:
		if (!crypto_aead_aes256gcm_is_available())
			return SG_E_SUITE;
		if (crypto_aead_aes256gcm_beforenm(aes_state_mut(ctx), key) != 0) {
			sodium_memzero(ctx, sizeof(*ctx));
			return SG_E_SUITE;
		}
		break;
	case SG_SUITE_CHACHA20_POLY1305:
		memcpy(ctx->key, key, SG_KEY_LEN);
		break;
	default:
		return SG_E_SUITE;
	}
	ctx->suite = suite;
	return SG_OK;
}

void sg_aead_ctx_wipe(struct sg_aead_ctx *ctx)
{
	sodium_memzero(ctx, sizeof(*ctx));
}

#ifdef SG_NULL_CIPHER
static inline int seal_one(const struct sg_aead_op *op)
{
	if (op->ctx->suite == SG_SUITE_NONE)
		return SG_E_SUITE;
	memset(op->tag, 0, SG_TAG_LEN);
	return SG_OK;
}

static inline int open_one(const struct sg_aead_op *op)
{
	uint8_t acc = 0;

	if (op->ctx->suite == SG_SUITE_NONE)
		return SG_E_SUITE;
	for (unsigned i = 0; i < SG_TAG_LEN; i++)
		acc |= op->tag[i];
	if (acc != 0) {
		memset(op->data, 0, op->len);
		return SG_E_TAG;
	}
	return SG_OK;
}
#else
static inline int seal_one(const struct sg_aead_op *op)
{
	const struct sg_aead_ctx *ctx = op->ctx;
	uint8_t nonce[12];
	int rc;

	sg_aead_nonce(nonce, op->counter);
	switch (ctx->suite) {
	case SG_SUITE_AES256_GCM:
		rc = crypto_aead_aes256gcm_encrypt_detached_afternm(op->data, op->tag, NULL,
								    op->data, op->len, op->ad,
								    op->ad_len, NULL, nonce,
								    aes_state(ctx));
		break;
	case SG_SUITE_CHACHA20_POLY1305:
		rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(op->data, op->tag, NULL,
									op->data, op->len, op->ad,
									op->ad_len, NULL, nonce,
									ctx->key);
		break;
	default:
		return SG_E_SUITE;
	}
	/* Neither fails for a 32-bit length; a failure would mean no usable suite. */
	return rc == 0 ? SG_OK : SG_E_SUITE;
}

static inline int open_one(const struct sg_aead_op *op)
{
	const struct sg_aead_ctx *ctx = op->ctx;
	uint8_t nonce[12];
	int rc;

	sg_aead_nonce(nonce, op->counter);
	switch (ctx->suite) {
	case SG_SUITE_AES256_GCM:
		rc = crypto_aead_aes256gcm_decrypt_detached_afternm(op->data, NULL, op->data,
								    op->len, op->tag, op->ad,
								    op->ad_len, nonce,
								    aes_state(ctx));
		break;
	case SG_SUITE_CHACHA20_POLY1305:
		rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(op->data, NULL, op->data,
									op->len, op->tag, op->ad,
									op->ad_len, nonce,
									ctx->key);
		break;
	default:
		return SG_E_SUITE;
	}
	return rc == 0 ? SG_OK : SG_E_TAG;
}
#endif /* SG_NULL_CIPHER */

__attribute__((hot)) uint16_t sg_aead_seal_burst(struct sg_aead_op *ops, uint16_t n)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		ops[i].status = (int16_t)seal_one(&ops[i]);
		ok = (uint16_t)(ok + (ops[i].status == SG_OK));
	}
	return ok;
}

__attribute__((hot)) uint16_t sg_aead_open_burst(struct sg_aead_op *ops, uint16_t n)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		ops[i].status = (int16_t)open_one(&ops[i]);
		ok = (uint16_t)(ok + (ops[i].status == SG_OK));
	}
	return ok;
}

void sg_aead_key_next(uint8_t next[SG_KEY_LEN], const uint8_t current[SG_KEY_LEN])
{
	/* Keyed BLAKE2b-256 never fails for these sizes. */
	(void)crypto_generichash(next, SG_KEY_LEN, key_update_label, sizeof(key_update_label),
				 current, SG_KEY_LEN);
}
