/* SPDX-License-Identifier: MIT */
/*
 * transport.h - one transport message at a time: header + seal, and
 * classify + open.  For the control plane, clients, surge-gen and tests;
 * the relay's data plane uses the burst API of aead.h directly on its buffers.
 */
#ifndef SG_CRYPTO_TRANSPORT_H
#define SG_CRYPTO_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "proto/transport_msg.h"

/*
 * Write header h then seal plain (plen bytes) behind it into out; *out_len
 * is SG_TRANSPORT_OVERHEAD + plen.  SG_E_TYPE for a non-transport type,
 * SG_E_RESERVED for undefined flag bits, SG_E_LENGTH when plen is invalid
 * for h->type, SG_E_NOSPACE when cap is too small, SG_E_COUNTER when the
 * counter reached SG_REJECT_AFTER_MESSAGES.  On failure out is undefined.
 */
int sg_transport_seal(const struct sg_aead_ctx *ctx, const struct sg_hdr *h,
		      const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
		      size_t *out_len);

/*
 * The same for sealing in bursts: the plaintext (plen bytes) already sits
 * at msg + SG_HDR_LEN; checks as above, writes the header and fills *op for
 * sg_aead_seal_burst().  The frame is only valid once that burst sealed it.
 */
int sg_transport_seal_op(const struct sg_aead_ctx *ctx, const struct sg_hdr *h, uint8_t *msg,
			 size_t plen, size_t cap, struct sg_aead_op *op, size_t *out_len);

/*
 * Classify msg (type, length, reserved bits), decode its header into h, and
 * open it in place: on success the plaintext is at msg + SG_HDR_LEN, *plen
 * bytes.  Replay checking is the caller's (it owns the window).
 */
int sg_transport_open(const struct sg_aead_ctx *ctx, uint8_t *msg, size_t len, struct sg_hdr *h,
		      size_t *plen);

#endif /* SG_CRYPTO_TRANSPORT_H */
