/* SPDX-License-Identifier: MIT */
/*
 * capture_match.c - a session capture's filter (capture_match.h): the
 * frame's UDP payload by proto/pkt.c, then the indexes the protocol puts in
 * its first bytes.  No port check on received frames: a frame for another
 * port never reaches a session, and the capture shows what arrived.
 */
#include "capture_match.h"
#include "proto/bytes.h"
#include "proto/messages.h"
#include "proto/pkt.h"

/* Transport messages (section 6.1): a 16-byte header naming the receiver. */
static int transport(uint8_t type)
{
	return (type >= SG_MSG_DATA && type <= SG_MSG_KEY_INFO) || type == SG_MSG_TICKET;
}

int sg_capture_match(const struct sg_capture_filter *f, const uint8_t *frame, size_t len, int out)
{
	struct sg_pkt pk;
	const uint8_t *u;

	if (sg_pkt_parse(frame, len, &pk) != SG_PKT_UDP || pk.payload_len < SG_HDR_LEN)
		return 0;
	u = frame + pk.payload_off;
	if (!out)
		return transport(u[0]) && sg_le32(u + SG_HDR_OFF_RECEIVER) == f->session;
	if (u[0] == SG_MSG_HANDSHAKE_RESP || u[0] == SG_MSG_RESUME_RESP)
		return sg_le32(u + SG_RESP_OFF_SENDER) == f->session;
	return transport(u[0]) && sg_le32(u + SG_HDR_OFF_RECEIVER) == f->peer_index &&
	       pk.dst_port == f->peer_port;
}
