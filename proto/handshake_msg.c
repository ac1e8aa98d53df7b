/* SPDX-License-Identifier: MIT */
/*
 * handshake_msg.c - clear headers of the handshake messages and the two
 * payloads carried inside Noise.
 *
 * Initiation payload (20):  [0,12) TAI64N  [12] version  [13] n_suites
 *                           [14,18) suites  [18,20) reserved
 * Response payload (16):    [0,8) user_id  [8] suite  [9] flags
 *                           [10,12) keepalive_s  [12,16) reserved
 *
 * Encoders validate before writing, so a refused struct leaves out untouched;
 * decoders likewise fill the struct only on success.  Unknown non-zero suite
 * ids in the initiation are accepted (a newer client may offer suites this
 * relay does not know; the chooser skips them); the response must name a
 * suite this side knows.
 */
#include <string.h>

#include "bytes.h"
#include "handshake_msg.h"
#include "status.h"

enum {
	INIT_OFF_TIMESTAMP = 0,
	INIT_OFF_VERSION = 12,
	INIT_OFF_N_SUITES = 13,
	INIT_OFF_SUITES = 14,
	INIT_OFF_RESERVED = INIT_OFF_SUITES + SG_MAX_SUITES, /* 18 */

	RESP_OFF_USER_ID = 0,
	RESP_OFF_SUITE = 8,
	RESP_OFF_FLAGS = 9,
	RESP_OFF_KEEPALIVE = 10,
	RESP_OFF_RESERVED = 12,
};

_Static_assert(INIT_OFF_TIMESTAMP + SG_TAI64N_LEN == INIT_OFF_VERSION, "init layout");
_Static_assert(INIT_OFF_RESERVED + 2 == SG_INIT_PAYLOAD_LEN, "init layout");
_Static_assert(RESP_OFF_RESERVED + 4 == SG_RESP_PAYLOAD_LEN, "resp layout");

static int resp_suite_known(uint8_t suite)
{
	return suite >= 1 && suite <= SG_SUITE_MAX;
}

int sg_init_payload_encode(uint8_t out[SG_INIT_PAYLOAD_LEN], const struct sg_init_payload *p)
{
	if (p->n_suites == 0 || p->n_suites > SG_MAX_SUITES)
		return SG_E_INVAL;
	for (unsigned i = 0; i < SG_MAX_SUITES; i++) {
		if ((i < p->n_suites) != (p->suites[i] != SG_SUITE_NONE))
			return SG_E_INVAL;
	}
	memcpy(out + INIT_OFF_TIMESTAMP, p->timestamp, SG_TAI64N_LEN);
	out[INIT_OFF_VERSION] = p->version;
	out[INIT_OFF_N_SUITES] = p->n_suites;
	memcpy(out + INIT_OFF_SUITES, p->suites, SG_MAX_SUITES);
	memset(out + INIT_OFF_RESERVED, 0, SG_INIT_PAYLOAD_LEN - INIT_OFF_RESERVED);
	return SG_OK;
}

int sg_init_payload_decode(struct sg_init_payload *p, const uint8_t in[SG_INIT_PAYLOAD_LEN])
{
	uint8_t n = in[INIT_OFF_N_SUITES];
	const uint8_t *suites = in + INIT_OFF_SUITES;

	if (in[INIT_OFF_VERSION] != SG_PROTO_VERSION)
		return SG_E_VERSION;
	if (n == 0 || n > SG_MAX_SUITES)
		return SG_E_SUITE;
	for (unsigned i = 0; i < n; i++) {
		if (suites[i] == SG_SUITE_NONE)
			return SG_E_SUITE;
	}
	if (!sg_all_zero(suites + n, SG_MAX_SUITES - n) ||
	    !sg_all_zero(in + INIT_OFF_RESERVED, SG_INIT_PAYLOAD_LEN - INIT_OFF_RESERVED))
		return SG_E_RESERVED;

	memcpy(p->timestamp, in + INIT_OFF_TIMESTAMP, SG_TAI64N_LEN);
	p->version = in[INIT_OFF_VERSION];
	p->n_suites = n;
	memcpy(p->suites, suites, SG_MAX_SUITES);
	return SG_OK;
}

int sg_resp_payload_encode(uint8_t out[SG_RESP_PAYLOAD_LEN], const struct sg_resp_payload *p)
{
	if (!resp_suite_known(p->suite) || (p->flags & ~SG_RESP_F_MASK))
		return SG_E_INVAL;
	sg_put_le64(out + RESP_OFF_USER_ID, p->user_id);
	out[RESP_OFF_SUITE] = p->suite;
	out[RESP_OFF_FLAGS] = p->flags;
	sg_put_le16(out + RESP_OFF_KEEPALIVE, p->keepalive_s);
	memset(out + RESP_OFF_RESERVED, 0, SG_RESP_PAYLOAD_LEN - RESP_OFF_RESERVED);
	return SG_OK;
}

int sg_resp_payload_decode(struct sg_resp_payload *p, const uint8_t in[SG_RESP_PAYLOAD_LEN])
{
	if (!resp_suite_known(in[RESP_OFF_SUITE]))
		return SG_E_SUITE;
	if ((in[RESP_OFF_FLAGS] & ~SG_RESP_F_MASK) ||
	    !sg_all_zero(in + RESP_OFF_RESERVED, SG_RESP_PAYLOAD_LEN - RESP_OFF_RESERVED))
		return SG_E_RESERVED;

	p->user_id = sg_le64(in + RESP_OFF_USER_ID);
	p->suite = in[RESP_OFF_SUITE];
	p->flags = in[RESP_OFF_FLAGS];
	p->keepalive_s = sg_le16(in + RESP_OFF_KEEPALIVE);
	return SG_OK;
}

/* Type byte and three reserved zero bytes, common to all handshake messages. */
static void put_type(uint8_t *msg, uint8_t type)
{
	msg[0] = type;
	msg[1] = 0;
	msg[2] = 0;
	msg[3] = 0;
}

void sg_init_header_put(uint8_t msg[SG_INIT_LEN], uint32_t sender_index)
{
	put_type(msg, SG_MSG_HANDSHAKE_INIT);
	sg_put_le32(msg + SG_INIT_OFF_SENDER, sender_index);
}

void sg_resp_header_put(uint8_t msg[SG_RESP_LEN], uint32_t sender_index, uint32_t receiver_index)
{
	put_type(msg, SG_MSG_HANDSHAKE_RESP);
	sg_put_le32(msg + SG_RESP_OFF_SENDER, sender_index);
	sg_put_le32(msg + SG_RESP_OFF_RECEIVER, receiver_index);
}

void sg_cookie_header_put(uint8_t msg[SG_COOKIE_REPLY_LEN], uint32_t receiver_index)
{
	put_type(msg, SG_MSG_COOKIE_REPLY);
	sg_put_le32(msg + SG_COOKIE_OFF_RECEIVER, receiver_index);
}

int sg_hs_header_check(const uint8_t *msg, size_t len, size_t want, uint8_t type)
{
	if (len != want)
		return SG_E_LENGTH;
	if (msg[0] != type)
		return SG_E_TYPE;
	if (!sg_all_zero(msg + 1, 3))
		return SG_E_RESERVED;
	return SG_OK;
}
