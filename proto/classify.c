/* SPDX-License-Identifier: MIT */
/*
 * classify.c - type and length check of a received UDP payload, before any
 * cryptography.  One const table, indexed by the type byte, holds each
 * type's kind and valid total lengths; a type outside it, or of kind NONE
 * (0), is SG_E_TYPE.  Checks run in a fixed order: empty (SG_E_LENGTH),
 * type, length, reserved header bits.  Nothing is read at or past buf + len: the
 * reserved bytes are looked at only once the length is known to cover them.
 */
#include "bytes.h"
#include "classify.h"
#include "messages.h"
#include "status.h"

enum sg_kind {
	KIND_NONE = 0,  /* unknown or reserved in v1 */
	KIND_HANDSHAKE, /* bytes 1..3 reserved */
	KIND_TRANSPORT, /* byte 1 flags, bytes 2..3 reserved */
};

struct sg_type_rule {
	uint8_t kind;  /* enum sg_kind */
	uint8_t step;  /* non-zero: (len - min) must be a multiple of it */
	uint16_t min;  /* valid total lengths, inclusive */
	uint16_t max;
};

#define FIXED(k, n) { .kind = (k), .min = (n), .max = (n) }

static const struct sg_type_rule rules[SG_MSG_TYPE_MAX + 1] = {
	[SG_MSG_HANDSHAKE_INIT] = FIXED(KIND_HANDSHAKE, SG_INIT_LEN),
	[SG_MSG_HANDSHAKE_RESP] = FIXED(KIND_HANDSHAKE, SG_RESP_LEN),
	[SG_MSG_COOKIE_REPLY] = FIXED(KIND_HANDSHAKE, SG_COOKIE_REPLY_LEN),
	[SG_MSG_DATA] = { .kind = KIND_TRANSPORT, .min = SG_DATA_MIN_LEN,
			  .max = SG_DATA_MAX_LEN },
	[SG_MSG_KEEPALIVE] = FIXED(KIND_TRANSPORT, SG_KEEPALIVE_LEN),
	[SG_MSG_CLOSE] = FIXED(KIND_TRANSPORT, SG_CLOSE_LEN),
	[SG_MSG_RELAY_REPLY] = FIXED(KIND_TRANSPORT, SG_REPLY_LEN),
	/* SG_ACK_MIN_LEN sits on the entry grid, so (len - min) checks it. */
	[SG_MSG_DELIVERY_ACK] = { .kind = KIND_TRANSPORT, .step = SG_ACK_ENTRY_LEN,
				  .min = SG_ACK_MIN_LEN, .max = SG_ACK_MAX_LEN },
	[SG_MSG_KEY_LOOKUP] = FIXED(KIND_TRANSPORT, SG_LOOKUP_LEN),
	[SG_MSG_KEY_INFO] = FIXED(KIND_TRANSPORT, SG_KEYINFO_LEN),
	[SG_MSG_RESUME] = FIXED(KIND_HANDSHAKE, SG_RESUME_LEN),
	[SG_MSG_TICKET] = FIXED(KIND_TRANSPORT, SG_TICKET_MSG_LEN),
	[SG_MSG_RESUME_RESP] = FIXED(KIND_HANDSHAKE, SG_RRESP_LEN),
};

_Static_assert((SG_ACK_MIN_LEN - SG_TRANSPORT_OVERHEAD - SG_ACK_PLAIN_HDR_LEN) %
		       SG_ACK_ENTRY_LEN == 0, "ACK minimum off the entry grid");
_Static_assert(SG_COOKIE_REPLY_LEN >= 4 && SG_KEEPALIVE_LEN >= SG_HDR_LEN,
	       "reserved header bytes must lie inside every valid length");

static const struct sg_type_rule *rule_of(uint8_t type)
{
	if (type >= SG_ARRAY_SIZE(rules) || rules[type].kind == KIND_NONE)
		return NULL;
	return &rules[type];
}

int sg_proto_classify(const uint8_t *buf, size_t len)
{
	const struct sg_type_rule *r;

	if (len == 0)
		return SG_E_LENGTH;
	r = rule_of(buf[0]);
	if (!r)
		return SG_E_TYPE;
	if (len < r->min || len > r->max || (r->step && (len - r->min) % r->step))
		return SG_E_LENGTH;
	if (r->kind == KIND_HANDSHAKE) {
		if (buf[1] | buf[2] | buf[3])
			return SG_E_RESERVED;
	} else {
		if ((buf[SG_HDR_OFF_FLAGS] & ~SG_HDR_F_MASK) ||
		    (buf[SG_HDR_OFF_RESERVED] | buf[SG_HDR_OFF_RESERVED + 1]))
			return SG_E_RESERVED;
	}
	return buf[0];
}

int sg_proto_is_transport(uint8_t type)
{
	const struct sg_type_rule *r = rule_of(type);

	return r && r->kind == KIND_TRANSPORT;
}

void sg_proto_transport_len_range(uint8_t type, size_t *min, size_t *max)
{
	const struct sg_type_rule *r = rule_of(type);

	if (!r || r->kind != KIND_TRANSPORT) {
		*min = 0;
		*max = 0;
		return;
	}
	*min = r->min;
	*max = r->max;
}
