/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - Ethernet / VLAN / IPv4 / IPv6 / UDP on plain byte buffers, and
 * the relay's answers to ARP, ICMP echo and IPv6 neighbour solicitation.
 *
 * Pure functions, no DPDK: the relay's workers hand them the frame bytes of
 * an mbuf, the generator builds its frames with them, tests hand them
 * arrays.  Parsing never reads past len.  Multi-byte
 * fields of struct sg_pkt / sg_endpoint are in host order; addresses and
 * MACs are byte arrays as on the wire.
 */
#ifndef SG_PROTO_PKT_H
#define SG_PROTO_PKT_H

#include <stddef.h>
#include <stdint.h>

enum { SG_ETH_ADDR_LEN = 6, SG_IP_ADDR_LEN = 16 };

enum sg_pkt_kind {
	SG_PKT_UDP = 1,       /* UDP datagram (any port; the worker checks the port) */
	SG_PKT_ARP = 2,       /* ARP request (any target; the worker checks it) */
	SG_PKT_ICMP4_ECHO = 3,
	SG_PKT_ICMP6_ECHO = 4,
	SG_PKT_NDP_NS = 5,    /* ICMPv6 neighbour solicitation */
};

/* Where a datagram came from or goes to. */
struct sg_endpoint {
	uint8_t mac[SG_ETH_ADDR_LEN];
	uint8_t family;        /* 4 or 6 */
	uint8_t has_vlan;
	uint16_t vlan_tci;     /* PCP/DEI/VID, host order */
	uint16_t port;         /* UDP port, host order */
	uint8_t addr[SG_IP_ADDR_LEN]; /* IPv4 in the first 4 bytes */
};

struct sg_pkt {
	struct sg_endpoint src;   /* from the frame: source MAC, address, port, VLAN */
	uint8_t dst_mac[SG_ETH_ADDR_LEN];
	/*
	 * The address the frame asks for: the IP destination for UDP and ICMP
	 * echo, the target protocol address for ARP (src.addr = sender's), the
	 * target address for a neighbour solicitation.
	 */
	uint8_t dst_addr[SG_IP_ADDR_LEN];
	uint16_t dst_port;
	uint16_t l3_off;          /* offset of the IP (or ARP) header */
	uint16_t l4_off;          /* offset of the UDP / ICMP header */
	uint16_t payload_off;     /* UDP: the payload; ICMP echo: the data after the
				     8-byte header; NS: the options after its 24 bytes */
	uint16_t payload_len;     /* bytes there; ARP fills only L2 fields, l3_off,
				     src.mac/src.addr and dst_addr (the rest is 0) */
	uint8_t hop_limit;        /* IPv4 TTL / IPv6 hop limit */
};

/* Why a frame is not one the relay handles (the worker counts each). */
enum sg_pkt_error {
	SG_PKT_E_L2 = -1,         /* not IPv4/IPv6/ARP, or truncated Ethernet/VLAN header */
	SG_PKT_E_IP_HEADER = -2,  /* bad version, IHL, lengths, TTL/hop limit 0, truncated */
	SG_PKT_E_FRAGMENT = -3,   /* IPv4 MF or offset set, IPv6 fragment header */
	SG_PKT_E_IPV6_EXT = -4,   /* other IPv6 extension headers (not supported) */
	SG_PKT_E_PROTO = -5,      /* IP protocol other than UDP, ICMP, ICMPv6 */
	SG_PKT_E_UDP_HEADER = -6, /* UDP length inconsistent with the IP length */
	SG_PKT_E_ICMP = -7,       /* ICMP other than echo request / neighbour solicitation */
	SG_PKT_E_ARP = -8,        /* ARP other than an Ethernet/IPv4 request */
};

/*
 * Parse a frame.  Returns enum sg_pkt_kind (> 0) or enum sg_pkt_error (< 0).
 * Ethernet with at most one 802.1Q tag; IPv4 with options (no fragments);
 * IPv6 without extension headers; trailing Ethernet padding beyond the IP
 * length is ignored.  Checksums are not verified (the payload is
 * authenticated by AEAD; ICMP/NDP answers carry their own checksums).
 */
int sg_pkt_parse(const uint8_t *frame, size_t len, struct sg_pkt *p);

/* Bytes of Ethernet (+VLAN) + IP + UDP headers toward an endpoint. */
unsigned sg_pkt_udp_headers_len(const struct sg_endpoint *to);

/*
 * Write Ethernet (+VLAN when to->has_vlan) + IP + UDP headers into out,
 * which is followed contiguously by payload_len payload bytes (needed for
 * the IPv6 UDP checksum).  from: the relay's MAC, address (same family as
 * to) and port.  IPv4: header checksum computed, UDP checksum 0 (RFC 768
 * allows it; the payload is authenticated by its AEAD tag anyway).  IPv6:
 * UDP checksum computed (mandatory).  TTL / hop limit 64.  Returns the
 * header length written (sg_pkt_udp_headers_len(to)).
 */
unsigned sg_pkt_write_udp_headers(uint8_t *out, const struct sg_endpoint *from,
				  const struct sg_endpoint *to, uint16_t payload_len);

/*
 * A header template toward one endpoint: the bytes sg_pkt_write_udp_headers()
 * writes, precomputed once, with the lengths and checksums left to fill in.
 * For senders that send many datagrams to the same peer (a relay worker to a
 * session, the generator to the relay).
 */
struct sg_pkt_tpl {
	uint8_t hdr[68];  /* Ethernet (+VLAN) + IPv4/IPv6 + UDP, lengths 0 */
	uint8_t len;      /* header bytes */
	uint8_t family;   /* 4 or 6 */
	uint8_t ip_off;
	uint8_t pad;
	uint64_t sum;     /* IPv4: header sum without length and checksum;
			     IPv6: pseudo-header sum without the length */
};

void sg_pkt_tpl_init(struct sg_pkt_tpl *t, const struct sg_endpoint *from,
		     const struct sg_endpoint *to);

/*
 * Exactly the bytes of sg_pkt_write_udp_headers(out, from, to, payload_len)
 * for the template's from/to (payload_len payload bytes follow out + len);
 * returns the header length.
 */
unsigned sg_pkt_tpl_write(uint8_t *out, const struct sg_pkt_tpl *t, uint16_t payload_len);

/* An ARP request frame is padded to the Ethernet minimum (60 bytes without FCS). */
enum { SG_PKT_ARP_REQUEST_LEN = 60 };

/*
 * Write a broadcast ARP request from (mac, sender_ip) asking for target_ip
 * (what a peer of the relay sends first, to learn the relay's MAC); returns
 * SG_PKT_ARP_REQUEST_LEN.
 */
size_t sg_pkt_arp_request(uint8_t out[SG_PKT_ARP_REQUEST_LEN],
			  const uint8_t mac[SG_ETH_ADDR_LEN], const uint8_t sender_ip[4],
			  const uint8_t target_ip[4]);

/*
 * Answers, built in place in the received frame (buffer capacity cap >=
 * len; an NDP answer may be longer than the question).  Each returns the
 * new frame length, or 0 when the frame is not a question for us.
 */
size_t sg_pkt_arp_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			const uint8_t our_mac[SG_ETH_ADDR_LEN], const uint8_t our_ip4[4]);
size_t sg_pkt_icmp4_echo_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			       const uint8_t our_mac[SG_ETH_ADDR_LEN]);
size_t sg_pkt_icmp6_echo_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			       const uint8_t our_mac[SG_ETH_ADDR_LEN]);
size_t sg_pkt_ndp_advert(uint8_t *frame, size_t len, size_t cap, const struct sg_pkt *p,
			 const uint8_t our_mac[SG_ETH_ADDR_LEN], const uint8_t our_ip6[16]);

#endif /* SG_PROTO_PKT_H */
