/* SPDX-License-Identifier: MIT */
/*
 * drop.h - the named reasons a worker drops a frame.  Every dropped frame is
 * counted under exactly one of these; names are stable (stats, telemetry).
 * Frames handed to the control plane (handshakes, undeliverable or malformed
 * DATA it answers with a RELAY_REPLY, CLOSE, ACK, KEY_LOOKUP) are not drops:
 * they are counted as to_control, and the control plane counts its answers.
 */
#ifndef SG_DATAPLANE_DROP_H
#define SG_DATAPLANE_DROP_H

enum sg_drop {
	SG_DROP_L2 = 0,            /* not IPv4/IPv6/ARP, or a truncated Ethernet/VLAN header */
	SG_DROP_IP_HEADER,         /* malformed IP header (version, IHL, lengths, TTL 0) */
	SG_DROP_IP_FRAGMENT,       /* IPv4 MF/offset set, or an IPv6 fragment header */
	SG_DROP_IPV6_EXT,          /* IPv6 extension headers (not supported) */
	SG_DROP_NOT_OURS,          /* destination address is not one of the relay's */
	SG_DROP_PROTO,             /* IP protocol other than UDP / ICMP / ICMPv6 */
	SG_DROP_UDP_HEADER,        /* UDP length inconsistent with the IP length */
	SG_DROP_WRONG_PORT,        /* UDP destination port is not the relay's */
	SG_DROP_ICMP,              /* ICMP other than echo request / neighbour solicitation,
				    or a question for another host */
	SG_DROP_ARP,               /* ARP other than a request for one of our addresses */
	SG_DROP_TYPE,              /* unknown message type (proto classify) */
	SG_DROP_LENGTH,            /* wrong length for the message type */
	SG_DROP_RESERVED,          /* non-zero reserved header field */
	SG_DROP_UNEXPECTED,        /* valid message the relay never receives (e.g. KEY_INFO) */
	SG_DROP_MAC1,              /* handshake initiation or RESUME whose mac1 is wrong */
	SG_DROP_RATELIMITED,       /* under load, valid mac2, but its source is over handshake_rate */
	SG_DROP_UNKNOWN_SESSION,   /* receiver index names no live session */
	SG_DROP_STALE_GENERATION,  /* receiver index of a slot's previous session */
	SG_DROP_KEY_EXPIRED,       /* session keys past REJECT_AFTER_TIME */
	SG_DROP_KEY_PHASE,         /* KEY_PHASE 1: key updates are not performed by this relay yet */
	SG_DROP_REPLAY,            /* counter seen before or behind the window */
	SG_DROP_TAG,               /* AEAD authentication failed */
	SG_DROP_CTL_RING_FULL,     /* control plane backlog full */
	SG_DROP_TX_FULL,           /* TX queue full */
	SG_DROP_NO_MBUF,           /* mbuf pool empty when a reply was needed */
	SG_DROP_CRYPTO_DEVICE,     /* the crypto device failed, refused or lost the frame, or no
				    device session could be made (crypto/cryptodev.h) */
	SG_DROP_MAX,
};

/* Stable snake_case name of a reason ("ip_fragment", "tag", ...). */
const char *sg_drop_name(unsigned reason);

#endif /* SG_DATAPLANE_DROP_H */
