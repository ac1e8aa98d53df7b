/* SPDX-License-Identifier: MIT */
/*
 * transport_msg.c - the 16-byte transport header and the plaintexts sealed
 * behind it.  All integers little-endian.
 *
 * header (16):     [0] type  [1] flags  [2,4) rsv  [4,8) receiver  [8,16) counter
 * DATA inner (24): [0,8) peer_user  [8,16) msg_id  [16,20) ttl_s  [20] class
 *                  [21] flags  [22,24) rsv
 * RELAY_REPLY (24): [0,8) msg_id  [8,16) peer_user  [16,18) code  [18,20) rsv
 *                  [20,24) detail
 * CLOSE (4):       [0,2) reason  [2,4) rsv
 * DELIVERY_ACK:    [0,2) count  [2,4) rsv, then count x (sender_user, msg_id)
 * KEY_LOOKUP (8):  [0,8) user_id
 * KEY_INFO (48):   [0,8) user_id  [8,10) status  [10,16) rsv  [16,48) key
 *
 * Encoders write reserved bytes as zero and copy the other fields as given;
 * decoders refuse non-zero reserved bytes and values the wire does not define,
 * and write their output only on success.  Unknown reply codes and close
 * reasons are accepted: they only ever mean "refused" and "closed".
 */
#include <string.h>

#include "bytes.h"
#include "classify.h"
#include "status.h"
#include "transport_msg.h"

enum {
	DATA_OFF_PEER = 0,
	DATA_OFF_MSG_ID = 8,
	DATA_OFF_TTL = 16,
	DATA_OFF_CLASS = 20,
	DATA_OFF_FLAGS = 21,
	DATA_OFF_RESERVED = 22,

	REPLY_OFF_MSG_ID = 0,
	REPLY_OFF_PEER = 8,
	REPLY_OFF_CODE = 16,
	REPLY_OFF_RESERVED = 18,
	REPLY_OFF_DETAIL = 20,

	CLOSE_OFF_REASON = 0,
	CLOSE_OFF_RESERVED = 2,

	ACK_OFF_COUNT = 0,
	ACK_OFF_RESERVED = 2,
	ACK_OFF_ENTRIES = SG_ACK_PLAIN_HDR_LEN,

	KEYINFO_OFF_USER = 0,
	KEYINFO_OFF_STATUS = 8,
	KEYINFO_OFF_RESERVED = 10,
	KEYINFO_OFF_KEY = 16,
};

_Static_assert(DATA_OFF_RESERVED + 2 == SG_DATA_INNER_LEN, "data inner layout");
_Static_assert(REPLY_OFF_DETAIL + 4 == SG_REPLY_PLAIN_LEN, "reply layout");
_Static_assert(CLOSE_OFF_RESERVED + 2 == SG_CLOSE_PLAIN_LEN, "close layout");
_Static_assert(KEYINFO_OFF_KEY + SG_KEY_LEN == SG_KEYINFO_PLAIN_LEN, "keyinfo layout");
_Static_assert(SG_HDR_OFF_COUNTER + 8 == SG_HDR_LEN, "header layout");

void sg_hdr_encode(uint8_t out[SG_HDR_LEN], const struct sg_hdr *h)
{
	out[0] = h->type;
	out[SG_HDR_OFF_FLAGS] = h->flags;
	sg_put_le16(out + SG_HDR_OFF_RESERVED, 0);
	sg_put_le32(out + SG_HDR_OFF_RECEIVER, h->receiver);
	sg_put_le64(out + SG_HDR_OFF_COUNTER, h->counter);
}

int sg_hdr_decode(struct sg_hdr *h, const uint8_t *buf, size_t len)
{
	if (len < SG_HDR_LEN)
		return SG_E_LENGTH;
	if (!sg_proto_is_transport(buf[0]))
		return SG_E_TYPE;
	if ((buf[SG_HDR_OFF_FLAGS] & ~SG_HDR_F_MASK) ||
	    !sg_all_zero(buf + SG_HDR_OFF_RESERVED, 2))
		return SG_E_RESERVED;

	h->type = buf[0];
	h->flags = buf[SG_HDR_OFF_FLAGS];
	h->receiver = sg_le32(buf + SG_HDR_OFF_RECEIVER);
	h->counter = sg_le64(buf + SG_HDR_OFF_COUNTER);
	return SG_OK;
}

void sg_data_inner_encode(uint8_t out[SG_DATA_INNER_LEN], const struct sg_data_inner *d)
{
	sg_put_le64(out + DATA_OFF_PEER, d->peer_user);
	sg_put_le64(out + DATA_OFF_MSG_ID, d->msg_id);
	sg_put_le32(out + DATA_OFF_TTL, d->ttl_s);
	out[DATA_OFF_CLASS] = d->class;
	out[DATA_OFF_FLAGS] = d->flags;
	sg_put_le16(out + DATA_OFF_RESERVED, 0);
}

int sg_data_inner_decode(struct sg_data_inner *d, const uint8_t in[SG_DATA_INNER_LEN])
{
	uint8_t class = in[DATA_OFF_CLASS];

	if (class != SG_CLASS_CLOUD && class != SG_CLASS_SECRET)
		return SG_E_CLASS;
	if ((in[DATA_OFF_FLAGS] & ~SG_DATA_F_MASK) || !sg_all_zero(in + DATA_OFF_RESERVED, 2))
		return SG_E_RESERVED;

	d->peer_user = sg_le64(in + DATA_OFF_PEER);
	d->msg_id = sg_le64(in + DATA_OFF_MSG_ID);
	d->ttl_s = sg_le32(in + DATA_OFF_TTL);
	d->class = class;
	d->flags = in[DATA_OFF_FLAGS];
	return SG_OK;
}

void sg_reply_encode(uint8_t out[SG_REPLY_PLAIN_LEN], const struct sg_reply *r)
{
	sg_put_le64(out + REPLY_OFF_MSG_ID, r->msg_id);
	sg_put_le64(out + REPLY_OFF_PEER, r->peer_user);
	sg_put_le16(out + REPLY_OFF_CODE, r->code);
	sg_put_le16(out + REPLY_OFF_RESERVED, 0);
	sg_put_le32(out + REPLY_OFF_DETAIL, r->detail);
}

int sg_reply_decode(struct sg_reply *r, const uint8_t in[SG_REPLY_PLAIN_LEN])
{
	if (!sg_all_zero(in + REPLY_OFF_RESERVED, 2))
		return SG_E_RESERVED;

	r->msg_id = sg_le64(in + REPLY_OFF_MSG_ID);
	r->peer_user = sg_le64(in + REPLY_OFF_PEER);
	r->code = sg_le16(in + REPLY_OFF_CODE);
	r->detail = sg_le32(in + REPLY_OFF_DETAIL);
	return SG_OK;
}

void sg_close_encode(uint8_t out[SG_CLOSE_PLAIN_LEN], uint16_t reason)
{
	sg_put_le16(out + CLOSE_OFF_REASON, reason);
	sg_put_le16(out + CLOSE_OFF_RESERVED, 0);
}

int sg_close_decode(uint16_t *reason, const uint8_t in[SG_CLOSE_PLAIN_LEN])
{
	if (!sg_all_zero(in + CLOSE_OFF_RESERVED, 2))
		return SG_E_RESERVED;
	*reason = sg_le16(in + CLOSE_OFF_REASON);
	return SG_OK;
}

int sg_ack_encode(uint8_t *out, size_t cap, const struct sg_ack_entry *e, unsigned n,
		  size_t *out_len)
{
	size_t need;

	if (n == 0 || n > SG_ACK_MAX_ENTRIES)
		return SG_E_INVAL;
	need = ACK_OFF_ENTRIES + (size_t)n * SG_ACK_ENTRY_LEN;
	if (cap < need)
		return SG_E_NOSPACE;

	sg_put_le16(out + ACK_OFF_COUNT, (uint16_t)n);
	sg_put_le16(out + ACK_OFF_RESERVED, 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = out + ACK_OFF_ENTRIES + (size_t)i * SG_ACK_ENTRY_LEN;

		sg_put_le64(p, e[i].sender_user);
		sg_put_le64(p + 8, e[i].msg_id);
	}
	*out_len = need;
	return SG_OK;
}

int sg_ack_decode(struct sg_ack_entry *out, unsigned cap, unsigned *n, const uint8_t *in,
		  size_t len)
{
	unsigned count;

	if (len < ACK_OFF_ENTRIES)
		return SG_E_LENGTH;
	count = sg_le16(in + ACK_OFF_COUNT);
	if (count == 0 || count > SG_ACK_MAX_ENTRIES ||
	    len != ACK_OFF_ENTRIES + (size_t)count * SG_ACK_ENTRY_LEN)
		return SG_E_LENGTH;
	if (!sg_all_zero(in + ACK_OFF_RESERVED, 2))
		return SG_E_RESERVED;
	if (count > cap)
		return SG_E_NOSPACE;

	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = in + ACK_OFF_ENTRIES + (size_t)i * SG_ACK_ENTRY_LEN;

		out[i].sender_user = sg_le64(p);
		out[i].msg_id = sg_le64(p + 8);
	}
	*n = count;
	return SG_OK;
}

void sg_lookup_encode(uint8_t out[SG_LOOKUP_PLAIN_LEN], uint64_t user_id)
{
	sg_put_le64(out, user_id);
}

int sg_lookup_decode(uint64_t *user_id, const uint8_t in[SG_LOOKUP_PLAIN_LEN])
{
	*user_id = sg_le64(in);
	return SG_OK;
}

void sg_keyinfo_encode(uint8_t out[SG_KEYINFO_PLAIN_LEN], const struct sg_key_info *k)
{
	sg_put_le64(out + KEYINFO_OFF_USER, k->user_id);
	sg_put_le16(out + KEYINFO_OFF_STATUS, k->status);
	memset(out + KEYINFO_OFF_RESERVED, 0, KEYINFO_OFF_KEY - KEYINFO_OFF_RESERVED);
	memcpy(out + KEYINFO_OFF_KEY, k->public_key, SG_KEY_LEN);
}

int sg_keyinfo_decode(struct sg_key_info *k, const uint8_t in[SG_KEYINFO_PLAIN_LEN])
{
	uint16_t status = sg_le16(in + KEYINFO_OFF_STATUS);

	if (status > SG_KEYINFO_UNKNOWN_USER ||
	    !sg_all_zero(in + KEYINFO_OFF_RESERVED, KEYINFO_OFF_KEY - KEYINFO_OFF_RESERVED))
		return SG_E_RESERVED;
	if (status != SG_KEYINFO_FOUND && !sg_all_zero(in + KEYINFO_OFF_KEY, SG_KEY_LEN))
		return SG_E_RESERVED;

	k->user_id = sg_le64(in + KEYINFO_OFF_USER);
	k->status = status;
	memcpy(k->public_key, in + KEYINFO_OFF_KEY, SG_KEY_LEN);
	return SG_OK;
}
