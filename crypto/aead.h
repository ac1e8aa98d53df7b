/* SPDX-License-Identifier: MIT */
/*
 * aead.h - data-plane AEAD: expanded key contexts and a burst API.
 *
 * Suites: AES-256-GCM (precomputed key schedule, where the CPU has AES-NI
 * and CLMUL) and ChaCha20-Poly1305-IETF.  The nonce of every frame is
 * 4 zero bytes || the 64-bit counter, little-endian (as Noise's ChaChaPoly).
 * Encryption is in place with a detached 16-byte tag: exactly the shape of
 * DPDK's rte_crypto_sym_vec, so a cryptodev back end fits behind the same
 * calls (crypto/cryptodev.h: the cryptodev back end, whose contexts hold a
 * device session instead).  A context is 576 bytes (AES-GCM's expanded
 * state is 512), which is why it belongs in a bounded per-worker cache of
 * active sessions, not in every session (docs/ARCHITECTURE.md).
 */
#ifndef SG_CRYPTO_AEAD_H
#define SG_CRYPTO_AEAD_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

enum {
	SG_AEAD_STATE_LEN = 512,
	SG_AEAD_OPEN = 0, SG_AEAD_SEAL = 1, /* a cryptodev context's one direction */
	/* suite of a cryptodev context: SG_AEAD_SUITE_DEV | the suite (libsodium refuses it) */
	SG_AEAD_SUITE_DEV = 0x80,
};

struct sg_aead_ctx {
	alignas(64) uint8_t state[SG_AEAD_STATE_LEN]; /* AES-GCM key schedule (libsodium) */
	uint8_t key[SG_KEY_LEN];                      /* ChaCha20 key (libsodium) */
	void *dev_sess;  /* cryptodev session (crypto/cryptodev.c), else NULL */
	uint8_t suite;   /* enum sg_suite; | SG_AEAD_SUITE_DEV for a cryptodev context */
	uint8_t dev_op;  /* cryptodev context: SG_AEAD_OPEN or SG_AEAD_SEAL */
	uint8_t dev;     /* cryptodev context: its device's slot in the back end */
};

/* Expand key for suite.  SG_E_SUITE when the suite is unknown or unavailable. */
int sg_aead_ctx_init(struct sg_aead_ctx *ctx, uint8_t suite, const uint8_t key[SG_KEY_LEN]);
void sg_aead_ctx_wipe(struct sg_aead_ctx *ctx);

/*
 * Both directions of a session from its raw keys, which are wiped whatever
 * happens (a handshake's or a resumption's split, client side).
 */
int sg_aead_ctx_init_pair(struct sg_aead_ctx *send, struct sg_aead_ctx *recv, uint8_t suite,
			  uint8_t send_key[SG_KEY_LEN], uint8_t recv_key[SG_KEY_LEN]);

/*
 * One frame of a burst.  status (and kept) are written by the burst call.
 * buf is the rte_mbuf that holds ad, data and tag (one segment), or NULL:
 * libsodium ignores it; a cryptodev device on the enqueue/dequeue path
 * takes the frame's IO addresses from it (hardware needs them).
 */
struct sg_aead_op {
	const struct sg_aead_ctx *ctx;
	const uint8_t *ad;  /* associated data: the transport header */
	uint8_t *data;      /* in place: plaintext <-> ciphertext */
	uint8_t *tag;       /* 16 bytes; written by seal, checked by open */
	void *buf;          /* the mbuf of the frame, or NULL */
	uint64_t counter;   /* nonce */
	uint32_t len;       /* bytes at data */
	uint16_t ad_len;
	int16_t status;     /* SG_OK or SG_E_TAG / SG_E_SUITE / SG_E_DEVICE */
	uint8_t kept;       /* SG_E_DEVICE only: a device still holds buf; the back end
			       frees it later, the caller must not touch it */
};

/* Seal n frames; returns how many succeeded (all, unless a ctx is invalid). */
uint16_t sg_aead_seal_burst(struct sg_aead_op *ops, uint16_t n);

/*
 * Open n frames; returns how many authenticated.  A frame that fails has
 * status SG_E_TAG and its data holds no plaintext (zeros with libsodium):
 * drop it.  Unauthenticated plaintext is never released.
 */
uint16_t sg_aead_open_burst(struct sg_aead_op *ops, uint16_t n);

/*
 * Symmetric key update (one direction): next = BLAKE2b-256(key = current,
 * "surge key update").  One-way, so erasing the current key gives forward
 * secrecy inside the hour (docs/PROTOCOL.md, "Key update").
 */
void sg_aead_key_next(uint8_t next[SG_KEY_LEN], const uint8_t current[SG_KEY_LEN]);

/* Build the 12-byte nonce of a counter (exposed for tests and benches). */
void sg_aead_nonce(uint8_t nonce[12], uint64_t counter);

#endif /* SG_CRYPTO_AEAD_H */
