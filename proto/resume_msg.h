/* SPDX-License-Identifier: MIT */
/*
 * resume_msg.h - the clear fields and plaintexts of session resumption
 * (docs/PROTOCOL.md section 9): RESUME's and RESUME_RESP's headers, the
 * RESUME payload, and the TICKET message's plaintext.
 *
 * The AEAD parts, the ticket blob and the MACs are crypto/'s (resume.h,
 * ticket.h, cookie.h).  The RESUME payload reuses struct sg_init_payload:
 * the same timestamp and suite list, without the version byte (type 11 is
 * version 1's resumption), so the relay's suite choice and the client's
 * payload builder serve both handshakes.  RESUME_RESP carries the handshake
 * response's payload (struct sg_resp_payload) unchanged.  Byte offsets are in
 * messages.h.
 */
#ifndef SG_PROTO_RESUME_MSG_H
#define SG_PROTO_RESUME_MSG_H

#include <stdint.h>

#include "handshake_msg.h"
#include "messages.h"

/* Plaintext of TICKET (132 bytes on the wire). */
struct sg_ticket_msg {
	uint32_t lifetime_s;               /* the relay accepts the ticket this long */
	uint8_t secret[SG_KEY_LEN];        /* the resumption secret the ticket holds */
	uint8_t ticket[SG_TICKET_LEN];     /* opaque to the client */
};

/*
 * RESUME payload (16): [0,12) TAI64N  [12,16) suites in preference order,
 * unused slots zero.  Encode: SG_E_INVAL for a list the wire cannot carry.
 * Decode: SG_E_SUITE (empty list, or a zero in a used slot), SG_E_RESERVED
 * (a suite after a zero slot); sets version to SG_PROTO_VERSION.
 */
int sg_resume_payload_encode(uint8_t out[SG_RESUME_PAYLOAD_LEN], const struct sg_init_payload *p);
int sg_resume_payload_decode(struct sg_init_payload *p, const uint8_t in[SG_RESUME_PAYLOAD_LEN]);

/* TICKET plaintext.  Decode: SG_E_RESERVED, SG_E_INVAL (lifetime 0). */
void sg_ticket_msg_encode(uint8_t out[SG_TICKET_MSG_PLAIN_LEN], const struct sg_ticket_msg *t);
int sg_ticket_msg_decode(struct sg_ticket_msg *t, const uint8_t in[SG_TICKET_MSG_PLAIN_LEN]);

/* Clear headers; reserved bytes are written as zero. */
void sg_resume_header_put(uint8_t msg[SG_RESUME_LEN], uint32_t sender_index);
void sg_rresp_header_put(uint8_t msg[SG_RRESP_LEN], uint32_t sender_index,
			 uint32_t receiver_index);

#endif /* SG_PROTO_RESUME_MSG_H */
