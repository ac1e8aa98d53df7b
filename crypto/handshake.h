/* SPDX-License-Identifier: MIT */
/*
 * handshake.h - surge's handshake messages: Noise IK (noise.h) framed with
 * the clear header fields (proto/handshake_msg.h) and mac1/mac2 (cookie.h).
 *
 * Initiator (client, generator):
 *   sg_hs_initiation_create() -> 156 bytes to send
 *   sg_hs_response_consume()  -> payload, then sg_hs_keys()
 * Responder (relay control plane), after sg_cookie_validate() on the bytes:
 *   sg_hs_initiation_consume() -> client identity, payload
 *   (the caller checks the timestamp, registers or finds the user)
 *   sg_hs_response_create()   -> 108 bytes to send, then sg_hs_keys()
 */
#ifndef SG_CRYPTO_HANDSHAKE_H
#define SG_CRYPTO_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "cookie.h"
#include "keys.h"
#include "noise.h"
#include "proto/handshake_msg.h"

struct sg_handshake {
	struct sg_noise_hs noise;
	uint32_t local_index;  /* our index: the peer puts it in its messages to us */
	uint32_t remote_index; /* the peer's index */
	uint8_t offered[SG_MAX_SUITES]; /* initiator: suites it offered */
};

/* Test hooks: fixed ephemeral keys instead of fresh ones. NULL in production. */
struct sg_hs_fixed {
	const uint8_t *ephemeral_priv;
};

/*
 * Client: build a handshake initiation to the relay whose static public key
 * is relay_pub.  MACs are added with the cookie maker m (mac2 when it holds
 * a fresh cookie).
 */
int sg_hs_initiation_create(struct sg_handshake *hs, uint8_t out[SG_INIT_LEN],
			    const struct sg_keypair *client, const uint8_t relay_pub[SG_KEY_LEN],
			    uint32_t sender_index, const struct sg_init_payload *p,
			    struct sg_cookie_maker *m, uint64_t now, const struct sg_hs_fixed *fx);

/*
 * Relay: read an initiation whose length was classified and whose MACs were
 * validated.  On success client_pub holds the initiator's identity and p the
 * payload; hs->remote_index is the client's index.
 * SG_E_LENGTH, SG_E_TAG, SG_E_DH, SG_E_VERSION, SG_E_SUITE, SG_E_RESERVED.
 */
int sg_hs_initiation_consume(struct sg_handshake *hs, const struct sg_keypair *relay,
			     const uint8_t *msg, size_t len, struct sg_init_payload *p,
			     uint8_t client_pub[SG_KEY_LEN]);

/*
 * Relay: build the response (local_index is the session index the client
 * will put in every frame to the relay).  mac1 is keyed with the client's
 * static key; mac2 is zero.
 */
int sg_hs_response_create(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			  uint32_t local_index, const struct sg_resp_payload *p,
			  const struct sg_hs_fixed *fx);

/*
 * The same in two steps: _prepare does the response's ephemeral key and its
 * two X25519 (handshake lcores run it); _finish adds the header, the
 * encrypted payload and mac1 (symmetric only: the control plane runs it
 * once it knows the session index and the user).  Between the two, out
 * holds the ephemeral key and hs must not be copied elsewhere than memcpy.
 */
int sg_hs_response_prepare(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			   const struct sg_hs_fixed *fx);
int sg_hs_response_finish(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			  uint32_t local_index, const struct sg_resp_payload *p);

/*
 * Client: read the response to hs.  SG_E_LENGTH, SG_E_TYPE, SG_E_STATE
 * (receiver index is not ours), SG_E_MAC1, SG_E_TAG, SG_E_DH, SG_E_SUITE.
 */
int sg_hs_response_consume(struct sg_handshake *hs, const struct sg_keypair *client,
			   const uint8_t *msg, size_t len, struct sg_resp_payload *p);

/* Both sides after the response: keys for this side's send/recv, then wipe. */
int sg_hs_keys(struct sg_handshake *hs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN]);

/*
 * Client, for peers that want expanded AEAD contexts rather than raw keys
 * (the generator, test peers): sg_hs_response_consume, sg_hs_keys, and both
 * contexts initialised for the chosen suite; the raw keys never leave.
 */
struct sg_aead_ctx;
int sg_hs_response_to_ctx(struct sg_handshake *hs, const struct sg_keypair *client,
			  const uint8_t *msg, size_t len, struct sg_resp_payload *p,
			  struct sg_aead_ctx *send, struct sg_aead_ctx *recv);

/* The suite the relay chooses from the client's list (DESIGN: AES-256-GCM when
 * both ends have it, else ChaCha20-Poly1305); SG_SUITE_NONE when none fits. */
uint8_t sg_hs_choose_suite(const struct sg_init_payload *p, int relay_has_aes);

/*
 * A client's initiation payload: this protocol version, no flags, and the
 * suites it offers: AES-256-GCM first when offer_aes (the CPU has AES-NI:
 * sg_crypto_have_aes256gcm), then ChaCha20-Poly1305.  The caller writes the
 * timestamp.
 */
void sg_init_payload_client(struct sg_init_payload *p, int offer_aes);

void sg_hs_wipe(struct sg_handshake *hs);

#endif /* SG_CRYPTO_HANDSHAKE_H */
