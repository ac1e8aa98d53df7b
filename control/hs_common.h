/* SPDX-License-Identifier: MIT */
/*
 * hs_common.h - what the two ways into a session share on the control
 * plane: the full handshake (hs_ctl.c) and resumption (resume_ctl.c).
 * Both answer on the mbuf they got, back the way it came; both ask for
 * cookies under load the same way; both install a session the same way.
 */
#ifndef SG_CONTROL_HS_COMMON_H
#define SG_CONTROL_HS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "plane.h"

struct rte_mbuf;

/* Cookie input: the source address as on the wire, then the port, big-endian. */
size_t sg_hs_cookie_source(const struct sg_endpoint *src, uint8_t out[18]);

/* The rate limiter's clock (CLOCK_MONOTONIC, ns). */
uint64_t sg_hs_monotonic_ns(void);

/*
 * Send payload on m back the way the handshake message in m came: to its
 * source (through the gateway when one is set) from the address it was sent
 * to, on the port it arrived on.  Consumes m.  0, or -1 when dropped (counted).
 */
int sg_hs_send_back(struct sg_plane *p, struct rte_mbuf *m, const uint8_t *payload,
		    uint16_t plen);

/*
 * Under load, without a valid mac2: answer the handshake message msg in m
 * (an initiation or a RESUME: the sender index is at offset 4 in both) with a
 * cookie reply encrypted under k (the static key its mac1 is under), back
 * the way it came, instead of any further work.
 * Consumes m; counts cookie_replies.
 */
void sg_hs_cookie_reply(struct sg_plane *p, struct rte_mbuf *m, const struct sg_cookie_keys *k,
			const uint8_t *msg, const uint8_t *src, size_t srclen, uint64_t now);

/*
 * The checks before any DH, for an initiation or a RESUME in m: mac1 under
 * the current static key or, during a rotation's grace period, the previous
 * one (keys_ctl.h); under load, mac2 (else a cookie reply); under load, the
 * source's token bucket; only mac1 again for what a worker admitted
 * (SG_TOCTL_HS_ADMITTED): the key may have been dropped since.
 * 1 + the key's index (SG_KEY_CURRENT, SG_KEY_PREVIOUS): go on; 0: m was
 * consumed (counted: handshake_mac1, cookie_replies, handshake_ratelimited).
 */
int sg_hs_admit(struct sg_plane *p, struct rte_mbuf *m);

/*
 * Fill session s (keys already in it) for user u with the given suite and
 * the client's index, reached the way m came; publish it as the user's
 * session at index, retiring the one it replaces (counted).
 */
void sg_hs_session_install(struct sg_plane *p, struct rte_mbuf *m, struct sg_session *s,
			   uint32_t index, uint64_t user_id, uint8_t suite,
			   uint32_t peer_index);

#endif /* SG_CONTROL_HS_COMMON_H */
