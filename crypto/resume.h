/* SPDX-License-Identifier: MIT */
/*
 * resume.h - session resumption (docs/PROTOCOL.md section 9): a returning
 * client proves it holds the resumption secret of a ticket the relay gave it
 * in an earlier session, and both sides derive new session keys from that
 * secret with symmetric crypto only (no X25519).
 *
 *   k_init  = BLAKE2b-256(key = secret, "surge resume init" || client_random)
 *   H       = BLAKE2b-512(RESUME bytes [0, 148))
 *   k_resp  = BLAKE2b-256(key = secret, "surge resume resp" || client_random
 *                         || relay_random || H)
 *   k1 || k2 = BLAKE2b-512(key = secret, "surge resume keys" || client_random
 *                         || relay_random || H); k1 client -> relay
 *   RESUME payload and RESUME_RESP payload: ChaCha20-Poly1305-IETF, nonce 0,
 *   AD = every byte before the ciphertext.
 *
 * Client (libsurge, surge-gen):
 *   sg_resume_ticket_store()     a TICKET plaintext -> struct sg_resume_ticket
 *   sg_resume_create()           -> 180 bytes to send (wipe the stored ticket:
 *                                   one attempt per ticket)
 *   sg_resume_response_consume() -> payload, then sg_resume_keys()
 * Relay (control plane), after sg_cookie_validate() on the bytes:
 *   sg_resume_consume()          -> user id, payload (ticket opened)
 *   (the caller checks the user, the timestamp, chooses the suite)
 *   sg_resume_response_create()  -> 92 bytes to send, then sg_resume_keys()
 *   sg_resume_ticket_issue()     -> a TICKET plaintext for the new session
 * Secrets are wiped by sg_resume_keys() and sg_resume_wipe().
 */
#ifndef SG_CRYPTO_RESUME_H
#define SG_CRYPTO_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "cookie.h"
#include "kdf.h"
#include "proto/handshake_msg.h"
#include "proto/resume_msg.h"
#include "ticket.h"

enum sg_resume_step {
	SG_RESUME_STEP_NONE = 0,
	SG_RESUME_STEP_SENT,     /* client: RESUME sent, waiting for RESUME_RESP */
	SG_RESUME_STEP_READ,     /* relay: RESUME opened, response not yet made */
	SG_RESUME_STEP_DONE,     /* both: keys can be taken */
	SG_RESUME_STEP_DEAD,     /* wiped */
};

/* One resumption in progress, on either side. */
struct sg_resume {
	uint8_t secret[SG_KEY_LEN];
	uint8_t client_random[SG_RESUME_RANDOM_LEN];
	uint8_t relay_random[SG_RESUME_RANDOM_LEN];
	uint8_t hash[SG_HASH_LEN];        /* H: of RESUME [0, SG_RESUME_OFF_MAC1) */
	uint32_t local_index;             /* our index: the peer puts it in its messages */
	uint32_t remote_index;
	uint8_t offered[SG_MAX_SUITES];   /* client: suites it offered */
	uint8_t is_client;
	uint8_t step;                     /* enum sg_resume_step */
};

/* A ticket as the client keeps it, from the newest TICKET message. */
struct sg_resume_ticket {
	uint8_t secret[SG_KEY_LEN];
	uint8_t ticket[SG_TICKET_LEN];
	uint64_t expires;  /* caller's clock, seconds: received + lifetime_s */
	uint8_t valid;
};

/* Test hooks: fixed randoms instead of fresh ones.  NULL in production. */
struct sg_resume_fixed {
	const uint8_t *random;  /* SG_RESUME_RANDOM_LEN bytes */
	const uint8_t *secret;  /* sg_resume_ticket_issue: the new secret */
	const uint8_t *nonce;   /* sg_resume_ticket_issue: the ticket's nonce */
};

/* Seconds before expiry at which a client stops offering a ticket. */
enum { SG_RESUME_TICKET_MARGIN_S = 60 };

/*
 * Client: keep the TICKET plaintext (plen bytes, opened by the caller)
 * received at now (seconds), replacing and wiping the ticket held before.
 * SG_E_LENGTH, or the decoder's SG_E_RESERVED / SG_E_INVAL (t unchanged).
 */
int sg_resume_ticket_store(struct sg_resume_ticket *t, const uint8_t *plain, size_t plen,
			   uint64_t now);
/* 1 when t holds a ticket that is not within SG_RESUME_TICKET_MARGIN_S of expiry. */
int sg_resume_ticket_usable(const struct sg_resume_ticket *t, uint64_t now);
void sg_resume_ticket_wipe(struct sg_resume_ticket *t);

/*
 * Client: build RESUME from ticket t (usable) with payload p (timestamp and
 * suites; its version is not sent).  MACs as on an initiation, with the
 * relay's cookie maker m.  rs keeps a copy of the secret until
 * sg_resume_keys() or sg_resume_wipe().  SG_E_STATE when t is not valid,
 * SG_E_INVAL for a payload the wire cannot carry.
 */
int sg_resume_create(struct sg_resume *rs, uint8_t out[SG_RESUME_LEN],
		     const struct sg_resume_ticket *t, uint32_t sender_index,
		     const struct sg_init_payload *p, struct sg_cookie_maker *m, uint64_t now,
		     const struct sg_resume_fixed *fx);

/*
 * Client: read RESUME_RESP to rs.  mac1 is keyed with the client's identity
 * key client_pub.  SG_E_LENGTH, SG_E_TYPE, SG_E_RESERVED, SG_E_STATE (not
 * ours), SG_E_MAC1, SG_E_TAG, SG_E_SUITE (not offered or unknown).  rs is
 * unchanged on failure (a forged answer does not end the attempt).
 */
int sg_resume_response_consume(struct sg_resume *rs, const uint8_t client_pub[SG_KEY_LEN],
			       const uint8_t *msg, size_t len, struct sg_resp_payload *p);

/*
 * Relay: read RESUME (classified, MACs validated) with the ticket ring at
 * now (unix seconds).  On success *user_id is the ticket's user, p the
 * payload (version set to SG_PROTO_VERSION), rs->remote_index the client's
 * index.  SG_E_LENGTH, SG_E_TYPE, SG_E_RESERVED (header), SG_E_KEY (ticket
 * does not open), SG_E_EXPIRED (ticket too old), SG_E_TAG (payload does not
 * open: not the ticket's secret), SG_E_SUITE / SG_E_RESERVED (payload).
 */
int sg_resume_consume(struct sg_resume *rs, const struct sg_ticket_ring *ring,
		      const uint8_t *msg, size_t len, uint64_t now, struct sg_init_payload *p,
		      uint64_t *user_id);

/*
 * Relay: build RESUME_RESP (local_index: the new session's index) after
 * sg_resume_consume.  mac1 is keyed with the user's identity key
 * client_pub, as on the handshake response; mac2 is zero.
 */
int sg_resume_response_create(struct sg_resume *rs, uint8_t out[SG_RRESP_LEN],
			      uint32_t local_index, const uint8_t client_pub[SG_KEY_LEN],
			      const struct sg_resp_payload *p, const struct sg_resume_fixed *fx);

/*
 * Both sides, after the response: this side's send and receive keys.  Wipes
 * every secret in rs (step becomes DEAD) but keeps local_index and
 * remote_index for the caller's session.
 */
int sg_resume_keys(struct sg_resume *rs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN]);

/*
 * Client, for peers that want expanded AEAD contexts (surge-gen, tests):
 * sg_resume_response_consume, sg_resume_keys, both contexts for the suite.
 */
struct sg_aead_ctx;
int sg_resume_response_to_ctx(struct sg_resume *rs, const uint8_t client_pub[SG_KEY_LEN],
			      const uint8_t *msg, size_t len, struct sg_resp_payload *p,
			      struct sg_aead_ctx *send, struct sg_aead_ctx *recv);

/*
 * Relay: a TICKET plaintext for user_id: a fresh resumption secret, sealed
 * in a ticket under the ring's current key at now (unix seconds; the ring is
 * ticked first).  Returns the lifetime announced.
 */
uint32_t sg_resume_ticket_issue(struct sg_ticket_ring *r, uint8_t out[SG_TICKET_MSG_PLAIN_LEN],
				uint64_t user_id, uint64_t now, const struct sg_resume_fixed *fx);

void sg_resume_wipe(struct sg_resume *rs);

#endif /* SG_CRYPTO_RESUME_H */
