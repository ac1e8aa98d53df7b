/* SPDX-License-Identifier: MIT */
/*
 * handshake_msg.h - the clear fields and payloads of the handshake messages.
 *
 * The Noise parts (ephemeral key, encrypted static key, encrypted payload)
 * and the MACs are produced by crypto/; this module lays out the clear
 * header fields around them and encodes/decodes the two handshake payloads
 * that travel inside Noise.  Byte offsets are in messages.h.
 */
#ifndef SG_PROTO_HANDSHAKE_MSG_H
#define SG_PROTO_HANDSHAKE_MSG_H

#include <stdint.h>

#include "messages.h"

/* Plaintext of the initiation's Noise payload (20 bytes on the wire). */
struct sg_init_payload {
	uint8_t timestamp[SG_TAI64N_LEN]; /* TAI64N */
	uint8_t version;                  /* SG_PROTO_VERSION */
	uint8_t n_suites;                 /* 1..SG_MAX_SUITES */
	uint8_t suites[SG_MAX_SUITES];    /* preference order; unused slots 0 */
};

/* Plaintext of the response's Noise payload (16 bytes on the wire). */
struct sg_resp_payload {
	uint64_t user_id;     /* the identity's user id (new on sign-up) */
	uint8_t suite;        /* chosen data AEAD, enum sg_suite */
	uint8_t flags;        /* enum sg_resp_flags */
	uint16_t keepalive_s; /* keepalive interval the client should use */
};

/* Encode: SG_E_INVAL when the struct holds something the wire cannot carry. */
int sg_init_payload_encode(uint8_t out[SG_INIT_PAYLOAD_LEN], const struct sg_init_payload *p);
/*
 * Decode: SG_E_VERSION, SG_E_SUITE (no suite, or a zero in a used slot),
 * SG_E_RESERVED.  Unknown non-zero suite ids are accepted and ignored when
 * the relay chooses (forward compatibility).
 */
int sg_init_payload_decode(struct sg_init_payload *p, const uint8_t in[SG_INIT_PAYLOAD_LEN]);

int sg_resp_payload_encode(uint8_t out[SG_RESP_PAYLOAD_LEN], const struct sg_resp_payload *p);
/* Decode: SG_E_SUITE (unknown or none), SG_E_RESERVED. */
int sg_resp_payload_decode(struct sg_resp_payload *p, const uint8_t in[SG_RESP_PAYLOAD_LEN]);

/* Clear headers; reserved bytes are written as zero. */
void sg_init_header_put(uint8_t msg[SG_INIT_LEN], uint32_t sender_index);
void sg_resp_header_put(uint8_t msg[SG_RESP_LEN], uint32_t sender_index, uint32_t receiver_index);
void sg_cookie_header_put(uint8_t msg[SG_COOKIE_REPLY_LEN], uint32_t receiver_index);

/*
 * The first word of a handshake-family message (initiation, response,
 * RESUME, RESUME_RESP): exactly want bytes, type first, 3 reserved zero
 * bytes.  SG_OK, SG_E_LENGTH, SG_E_TYPE or SG_E_RESERVED.
 */
int sg_hs_header_check(const uint8_t *msg, size_t len, size_t want, uint8_t type);

#endif /* SG_PROTO_HANDSHAKE_MSG_H */
