/* SPDX-License-Identifier: MIT */
/*
 * capture_match.h - which frames are one session's, for a session capture
 * (capture_ctl.h).  Pure: frames as bytes, no DPDK; tested by
 * tests/unit/test_capture_match.
 */
#ifndef SG_CONTROL_CAPTURE_MATCH_H
#define SG_CONTROL_CAPTURE_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* One session as its frames name it (PROTOCOL.md sections 4.4, 6.1, 9.3). */
struct sg_capture_filter {
	uint32_t session;    /* the relay's session index */
	uint32_t peer_index; /* the client's index: receiver index of frames to it */
	uint16_t peer_port;  /* the client's UDP port */
};

/*
 * 1 when frame (Ethernet, len bytes) is one of f's session: received (out
 * 0), a transport message whose receiver index is f->session; sent (out 1),
 * a transport message to f->peer_index at f->peer_port, or the
 * HANDSHAKE_RESP or RESUME_RESP whose sender index is f->session.  The
 * initiation or resumption that asked for the session names no relay index:
 * never.  0 for anything else, including frames that do not parse.
 */
int sg_capture_match(const struct sg_capture_filter *f, const uint8_t *frame, size_t len, int out);

#endif /* SG_CONTROL_CAPTURE_MATCH_H */
