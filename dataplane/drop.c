/* SPDX-License-Identifier: MIT */
/* drop.c - stable names of the workers' drop reasons. */
#include "drop.h"

static const char *const names[SG_DROP_MAX] = {
	[SG_DROP_L2] = "l2",
	[SG_DROP_IP_HEADER] = "ip_header",
	[SG_DROP_IP_FRAGMENT] = "ip_fragment",
	[SG_DROP_IPV6_EXT] = "ipv6_ext",
	[SG_DROP_NOT_OURS] = "not_ours",
	[SG_DROP_PROTO] = "proto",
	[SG_DROP_UDP_HEADER] = "udp_header",
	[SG_DROP_WRONG_PORT] = "wrong_port",
	[SG_DROP_ICMP] = "icmp",
	[SG_DROP_ARP] = "arp",
	[SG_DROP_TYPE] = "type",
	[SG_DROP_LENGTH] = "length",
	[SG_DROP_RESERVED] = "reserved",
	[SG_DROP_UNEXPECTED] = "unexpected",
	[SG_DROP_UNKNOWN_SESSION] = "unknown_session",
	[SG_DROP_STALE_GENERATION] = "stale_generation",
	[SG_DROP_KEY_EXPIRED] = "key_expired",
	[SG_DROP_KEY_PHASE] = "key_phase",
	[SG_DROP_REPLAY] = "replay",
	[SG_DROP_TAG] = "tag",
	[SG_DROP_MAC1] = "handshake_mac1",
	[SG_DROP_RATELIMITED] = "handshake_ratelimited",
	[SG_DROP_CTL_RING_FULL] = "ctl_ring_full",
	[SG_DROP_TX_FULL] = "tx_full",
	[SG_DROP_NO_MBUF] = "no_mbuf",
	[SG_DROP_CRYPTO_DEVICE] = "crypto_device",
};

const char *sg_drop_name(unsigned reason)
{
	return reason < SG_DROP_MAX && names[reason] ? names[reason] : "unknown";
}
