/* SPDX-License-Identifier: MIT */
/*
 * transport.c - one transport message at a time: header + seal, and
 * classify + open, over the burst API of aead.c with bursts of one.
 *
 * Layout: header [0, 16) | sealed plaintext [16, len - 16) | tag [len - 16, len).
 * The 16 header bytes are the associated data, so every header bit is
 * authenticated.  Invariants:
 *  - seal never emits what sg_proto_classify() would refuse: type, flags,
 *    length (range and grid) are checked before anything is sealed.
 *  - open runs no cryptography on a message classify refused; when
 *    authentication fails the sealed bytes are zeroed (aead.h) and the
 *    caller drops the message.
 */
#include <string.h>

#include "proto/classify.h"
#include "proto/status.h"
#include "transport.h"

/* What seal refuses before it touches any byte (transport.h). */
static int seal_check(const struct sg_hdr *h, size_t plen, size_t cap)
{
	size_t min, max;

	if (!sg_proto_is_transport(h->type))
		return SG_E_TYPE;
	if (h->flags & ~SG_HDR_F_MASK)
		return SG_E_RESERVED;
	sg_proto_transport_len_range(h->type, &min, &max);
	if (plen > max - SG_TRANSPORT_OVERHEAD || plen + SG_TRANSPORT_OVERHEAD < min)
		return SG_E_LENGTH;
	if (cap < SG_TRANSPORT_OVERHEAD + plen)
		return SG_E_NOSPACE;
	if (h->counter >= SG_REJECT_AFTER_MESSAGES)
		return SG_E_COUNTER;
	return SG_OK;
}

int sg_transport_seal_op(const struct sg_aead_ctx *ctx, const struct sg_hdr *h, uint8_t *msg,
			 size_t plen, size_t cap, struct sg_aead_op *op, size_t *out_len)
{
	size_t total = SG_TRANSPORT_OVERHEAD + plen;
	int rc = seal_check(h, plen, cap);

	if (rc != SG_OK)
		return rc;
	sg_hdr_encode(msg, h);
	/* Catches what the range alone does not (DELIVERY_ACK's entry grid). */
	rc = sg_proto_classify(msg, total);
	if (rc < 0)
		return rc;
	*op = (struct sg_aead_op){
		.ctx = ctx,
		.ad = msg,
		.ad_len = SG_HDR_LEN,
		.data = msg + SG_HDR_LEN,
		.len = (uint32_t)plen,
		.tag = msg + SG_HDR_LEN + plen,
		.counter = h->counter,
	};
	*out_len = total;
	return SG_OK;
}

int sg_transport_seal(const struct sg_aead_ctx *ctx, const struct sg_hdr *h,
		      const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
		      size_t *out_len)
{
	struct sg_aead_op op;
	int rc = seal_check(h, plen, cap);

	if (rc != SG_OK)
		return rc;
	/* Plaintext first: plain may already sit at out + SG_HDR_LEN (or be NULL, if empty). */
	if (plen != 0)
		memmove(out + SG_HDR_LEN, plain, plen);
	rc = sg_transport_seal_op(ctx, h, out, plen, cap, &op, out_len);
	if (rc != SG_OK)
		return rc;
	if (sg_aead_seal_burst(&op, 1) != 1)
		return op.status;
	return SG_OK;
}

int sg_transport_open(const struct sg_aead_ctx *ctx, uint8_t *msg, size_t len, struct sg_hdr *h,
		      size_t *plen)
{
	struct sg_aead_op op;
	int type = sg_proto_classify(msg, len);
	int rc;

	if (type < 0)
		return type;
	if (!sg_proto_is_transport((uint8_t)type))
		return SG_E_TYPE;
	/* Classify guarantees this for every transport type; keep it local. */
	if (len < SG_TRANSPORT_OVERHEAD || len - SG_TRANSPORT_OVERHEAD > UINT32_MAX)
		return SG_E_LENGTH;
	rc = sg_hdr_decode(h, msg, len);
	if (rc != SG_OK)
		return rc;

	op = (struct sg_aead_op){
		.ctx = ctx,
		.ad = msg,
		.ad_len = SG_HDR_LEN,
		.data = msg + SG_HDR_LEN,
		.len = (uint32_t)(len - SG_TRANSPORT_OVERHEAD),
		.tag = msg + len - SG_TAG_LEN,
		.counter = h->counter,
	};
	if (sg_aead_open_burst(&op, 1) != 1)
		return op.status;
	*plen = len - SG_TRANSPORT_OVERHEAD;
	return SG_OK;
}
