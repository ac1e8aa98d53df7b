/* SPDX-License-Identifier: MIT */
/*
 * classify.h - the first look at a UDP payload: type and length.
 *
 * sg_proto_classify() decides, from the first byte and the length alone (and
 * the reserved header bits), whether a message may go on to any cryptography.
 * Everything else is dropped here and counted by the caller under the
 * returned reason.  It reads only inside [buf, buf + len).
 */
#ifndef SG_PROTO_CLASSIFY_H
#define SG_PROTO_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the message type (enum sg_msg_type, > 0) when the length is valid
 * for that type and reserved header fields are zero; otherwise SG_E_LENGTH
 * (including len == 0), SG_E_TYPE (unknown or reserved type) or
 * SG_E_RESERVED.  Checked in that order: length before reserved bits.
 */
int sg_proto_classify(const uint8_t *buf, size_t len);

/* True for the types that use the 16-byte transport header. */
int sg_proto_is_transport(uint8_t type);

/* Valid total lengths of a transport type, inclusive; 0 when not transport. */
void sg_proto_transport_len_range(uint8_t type, size_t *min, size_t *max);

#endif /* SG_PROTO_CLASSIFY_H */
