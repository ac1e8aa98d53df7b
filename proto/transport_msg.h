/* SPDX-License-Identifier: MIT */
/*
 * transport_msg.h - the 16-byte transport header and the plaintexts sealed
 * behind it: DATA's inner header, RELAY_REPLY, CLOSE, DELIVERY_ACK,
 * KEY_LOOKUP and KEY_INFO.  Encoders write every reserved byte as zero;
 * decoders refuse non-zero reserved bytes and values the wire does not define.
 */
#ifndef SG_PROTO_TRANSPORT_MSG_H
#define SG_PROTO_TRANSPORT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "messages.h"

struct sg_hdr {
	uint8_t type;      /* a transport type: DATA .. KEY_INFO */
	uint8_t flags;     /* enum sg_hdr_flags */
	uint32_t receiver; /* receiver's session index (opaque to the sender) */
	uint64_t counter;  /* per-direction message counter; the AEAD nonce */
};

void sg_hdr_encode(uint8_t out[SG_HDR_LEN], const struct sg_hdr *h);
/* SG_E_LENGTH if len < SG_HDR_LEN, SG_E_TYPE, SG_E_RESERVED. */
int sg_hdr_decode(struct sg_hdr *h, const uint8_t *buf, size_t len);

struct sg_data_inner {
	uint64_t peer_user; /* sender -> relay: recipient; relay -> recipient: sender */
	uint64_t msg_id;    /* chosen by the sender, unique per sender */
	uint32_t ttl_s;     /* 0: deliver only if online, never store */
	uint8_t class;      /* enum sg_class */
	uint8_t flags;      /* enum sg_data_flags */
};

void sg_data_inner_encode(uint8_t out[SG_DATA_INNER_LEN], const struct sg_data_inner *d);
/* SG_E_CLASS, SG_E_RESERVED. */
int sg_data_inner_decode(struct sg_data_inner *d, const uint8_t in[SG_DATA_INNER_LEN]);

struct sg_reply {
	uint64_t msg_id;    /* the refused or stored message */
	uint64_t peer_user; /* its recipient */
	uint16_t code;      /* enum sg_reply_code; unknown codes mean "refused" */
	uint32_t detail;    /* code-specific, see docs/PROTOCOL.md */
};

void sg_reply_encode(uint8_t out[SG_REPLY_PLAIN_LEN], const struct sg_reply *r);
int sg_reply_decode(struct sg_reply *r, const uint8_t in[SG_REPLY_PLAIN_LEN]);

void sg_close_encode(uint8_t out[SG_CLOSE_PLAIN_LEN], uint16_t reason);
int sg_close_decode(uint16_t *reason, const uint8_t in[SG_CLOSE_PLAIN_LEN]);

struct sg_ack_entry {
	uint64_t sender_user;
	uint64_t msg_id;
};

/* n in 1..SG_ACK_MAX_ENTRIES; writes 4 + 16 n bytes. */
int sg_ack_encode(uint8_t *out, size_t cap, const struct sg_ack_entry *e, unsigned n,
		  size_t *out_len);
/* The count must match len exactly; entries go to out[0..count). */
int sg_ack_decode(struct sg_ack_entry *out, unsigned cap, unsigned *n, const uint8_t *in,
		  size_t len);

void sg_lookup_encode(uint8_t out[SG_LOOKUP_PLAIN_LEN], uint64_t user_id);
int sg_lookup_decode(uint64_t *user_id, const uint8_t in[SG_LOOKUP_PLAIN_LEN]);

struct sg_key_info {
	uint64_t user_id;
	uint16_t status; /* enum sg_keyinfo_status */
	uint8_t public_key[SG_KEY_LEN]; /* zero when status != FOUND */
};

void sg_keyinfo_encode(uint8_t out[SG_KEYINFO_PLAIN_LEN], const struct sg_key_info *k);
int sg_keyinfo_decode(struct sg_key_info *k, const uint8_t in[SG_KEYINFO_PLAIN_LEN]);

#endif /* SG_PROTO_TRANSPORT_MSG_H */
