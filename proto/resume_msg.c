/* SPDX-License-Identifier: MIT */
/*
 * resume_msg.c - clear headers of RESUME and RESUME_RESP, the RESUME
 * payload and the TICKET plaintext.
 *
 * RESUME payload (16):   [0,12) TAI64N  [12,16) suites, unused slots zero
 * TICKET plaintext (132): [0,4) lifetime_s  [4,8) reserved
 *                         [8,40) resumption secret  [40,132) ticket
 *
 * As in handshake_msg.c, encoders validate before writing and decoders fill
 * the struct only on success.  The suite count is implicit: the used slots
 * are the leading non-zero ones.
 */
#include <string.h>

#include "bytes.h"
#include "resume_msg.h"
#include "status.h"

enum {
	RP_OFF_TIMESTAMP = 0,
	RP_OFF_SUITES = SG_TAI64N_LEN,

	TM_OFF_LIFETIME = 0,
	TM_OFF_RESERVED = 4,
	TM_OFF_SECRET = 8,
	TM_OFF_TICKET = TM_OFF_SECRET + SG_KEY_LEN, /* 40 */
};

_Static_assert(RP_OFF_SUITES + SG_MAX_SUITES == SG_RESUME_PAYLOAD_LEN, "resume payload");
_Static_assert(TM_OFF_TICKET + SG_TICKET_LEN == SG_TICKET_MSG_PLAIN_LEN, "ticket message");
_Static_assert(SG_RESUME_OFF_RANDOM + SG_RESUME_RANDOM_LEN == SG_RESUME_OFF_TICKET &&
		       SG_RESUME_OFF_TICKET + SG_TICKET_LEN == SG_RESUME_OFF_PAYLOAD &&
		       SG_RESUME_OFF_PAYLOAD + SG_RESUME_PAYLOAD_LEN + SG_TAG_LEN ==
			       SG_RESUME_OFF_MAC1 &&
		       SG_RESUME_OFF_MAC2 + SG_MAC_LEN == SG_RESUME_LEN,
	       "RESUME layout");
_Static_assert(SG_RRESP_OFF_RANDOM + SG_RESUME_RANDOM_LEN == SG_RRESP_OFF_PAYLOAD &&
		       SG_RRESP_OFF_PAYLOAD + SG_RESP_PAYLOAD_LEN + SG_TAG_LEN ==
			       SG_RRESP_OFF_MAC1 &&
		       SG_RRESP_OFF_MAC2 + SG_MAC_LEN == SG_RRESP_LEN,
	       "RESUME_RESP layout");

int sg_resume_payload_encode(uint8_t out[SG_RESUME_PAYLOAD_LEN], const struct sg_init_payload *p)
{
	if (p->n_suites == 0 || p->n_suites > SG_MAX_SUITES)
		return SG_E_INVAL;
	for (unsigned i = 0; i < SG_MAX_SUITES; i++) {
		if ((i < p->n_suites) != (p->suites[i] != SG_SUITE_NONE))
			return SG_E_INVAL;
	}
	memcpy(out + RP_OFF_TIMESTAMP, p->timestamp, SG_TAI64N_LEN);
	memcpy(out + RP_OFF_SUITES, p->suites, SG_MAX_SUITES);
	return SG_OK;
}

int sg_resume_payload_decode(struct sg_init_payload *p, const uint8_t in[SG_RESUME_PAYLOAD_LEN])
{
	const uint8_t *suites = in + RP_OFF_SUITES;
	unsigned n = 0;

	while (n < SG_MAX_SUITES && suites[n] != SG_SUITE_NONE)
		n++;
	if (n == 0)
		return SG_E_SUITE;
	if (!sg_all_zero(suites + n, SG_MAX_SUITES - n))
		return SG_E_RESERVED;

	memcpy(p->timestamp, in + RP_OFF_TIMESTAMP, SG_TAI64N_LEN);
	p->version = SG_PROTO_VERSION;
	p->n_suites = (uint8_t)n;
	memcpy(p->suites, suites, SG_MAX_SUITES);
	return SG_OK;
}

void sg_ticket_msg_encode(uint8_t out[SG_TICKET_MSG_PLAIN_LEN], const struct sg_ticket_msg *t)
{
	sg_put_le32(out + TM_OFF_LIFETIME, t->lifetime_s);
	memset(out + TM_OFF_RESERVED, 0, TM_OFF_SECRET - TM_OFF_RESERVED);
	memcpy(out + TM_OFF_SECRET, t->secret, SG_KEY_LEN);
	memcpy(out + TM_OFF_TICKET, t->ticket, SG_TICKET_LEN);
}

int sg_ticket_msg_decode(struct sg_ticket_msg *t, const uint8_t in[SG_TICKET_MSG_PLAIN_LEN])
{
	if (!sg_all_zero(in + TM_OFF_RESERVED, TM_OFF_SECRET - TM_OFF_RESERVED))
		return SG_E_RESERVED;
	if (sg_le32(in + TM_OFF_LIFETIME) == 0)
		return SG_E_INVAL;
	t->lifetime_s = sg_le32(in + TM_OFF_LIFETIME);
	memcpy(t->secret, in + TM_OFF_SECRET, SG_KEY_LEN);
	memcpy(t->ticket, in + TM_OFF_TICKET, SG_TICKET_LEN);
	return SG_OK;
}

void sg_resume_header_put(uint8_t msg[SG_RESUME_LEN], uint32_t sender_index)
{
	msg[0] = SG_MSG_RESUME;
	memset(msg + 1, 0, 3);
	sg_put_le32(msg + SG_RESUME_OFF_SENDER, sender_index);
}

void sg_rresp_header_put(uint8_t msg[SG_RRESP_LEN], uint32_t sender_index,
			 uint32_t receiver_index)
{
	msg[0] = SG_MSG_RESUME_RESP;
	memset(msg + 1, 0, 3);
	sg_put_le32(msg + SG_RRESP_OFF_SENDER, sender_index);
	sg_put_le32(msg + SG_RRESP_OFF_RECEIVER, receiver_index);
}
