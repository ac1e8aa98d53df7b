/* SPDX-License-Identifier: MIT */
/*
 * pkt.c - Ethernet / 802.1Q / IPv4 / IPv6 / UDP parse and build on byte
 * buffers, and the in-place answers to ARP, ICMP echo and neighbour
 * solicitation for the relay's own addresses.
 *
 * Invariants:
 * - Nothing is read at or past frame + len: every header is length-checked
 *   before its first byte is looked at, and IP lengths are checked against
 *   the bytes present before they are trusted.
 * - Wire fields here are big-endian (network order), unlike our own protocol;
 *   the be16/be32 helpers below are the only way they are read or written.
 * - sg_pkt_parse zeroes *p first; fields a kind has no use for stay zero.
 *   For ICMP echo, l4_off is the ICMP header and payload_off/payload_len the
 *   echo data after its 8-byte header; for a neighbour solicitation they are
 *   the options after its 24-byte body.  ARP sets only the L2 fields, l3_off,
 *   src.addr/src.mac (sender) and dst_addr (target).
 * - Answers trust p for offsets only after checking them against len and
 *   the bytes they point at, so a p from another frame yields 0, not damage.
 *   They end at the IP (or ARP) length: Ethernet padding is dropped.
 * - Echo is never answered from or to a multicast, broadcast or unspecified
 *   address (no amplification, no reply to nowhere).
 * - Checksums are RFC 1071 one's-complement sums, recomputed in full.
 */
#include <string.h>

#include "pkt.h"

enum {
	ETH_HLEN = 14,
	VLAN_HLEN = 4,
	ETH_P_IP = 0x0800,
	ETH_P_ARP = 0x0806,
	ETH_P_8021Q = 0x8100,
	ETH_P_8021AD = 0x88a8,
	ETH_P_IPV6 = 0x86dd,

	IP4_HLEN = 20,
	IP4_MF = 0x2000,
	IP4_DF = 0x4000,
	IP4_FRAG_OFF = 0x1fff,
	IP6_HLEN = 40,
	UDP_HLEN = 8,
	ICMP_ECHO_HLEN = 8,
	ARP_LEN = 28,
	NDP_NS_LEN = 24,          /* type, code, csum, reserved, target */
	NDP_NA_LEN = 32,          /* NA body 24 + target link-layer option 8 */
	TTL_OUT = 64,
	NDP_HOP_LIMIT = 255,

	IP_PROTO_HOPOPTS = 0,
	IP_PROTO_ICMP = 1,
	IP_PROTO_UDP = 17,
	IP_PROTO_ROUTING = 43,
	IP_PROTO_FRAGMENT = 44,
	IP_PROTO_ESP = 50,
	IP_PROTO_AH = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_DSTOPTS = 60,
	IP_PROTO_MH = 135,
	IP_PROTO_HIP = 139,
	IP_PROTO_SHIM6 = 140,
	IP_PROTO_EXP1 = 253,
	IP_PROTO_EXP2 = 254,

	ICMP4_ECHO_REPLY = 0,
	ICMP4_ECHO_REQUEST = 8,
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
	ICMP6_NS = 135,
	ICMP6_NA = 136,
	NA_FLAG_SOLICITED = 0x40,
	NA_FLAG_OVERRIDE = 0x20,
	NDP_OPT_TARGET_LLADDR = 2,

	ARP_HTYPE_ETHER = 1,
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
};

/* ff02::1, all nodes, and its Ethernet mapping (RFC 2464 section 7). */
static const uint8_t ip6_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t mac_all_nodes[SG_ETH_ADDR_LEN] = { 0x33, 0x33, 0, 0, 0, 0x01 };

/* Network byte order on unaligned bytes: one load or store and a byte swap. */
static inline uint16_t be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
#endif
	return v;
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
#endif
	memcpy(p, &v, 2);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	memcpy(p, &v, 4);
}

/* ---------------------------------------------------------------- checksums */

/*
 * Add n bytes as big-endian 16-bit words (an odd last byte padded with 0).
 * On little-endian hosts the words are summed 32 bits at a time in native
 * order, folded, and byte-swapped: the one's complement sum does not depend
 * on byte order up to that swap (RFC 1071, 2.B), and 2^16 = 1 modulo 0xffff.
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t s = 0;
	uint32_t w32;
	uint16_t w16;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w32, p, 4);
		s += w32;
	}
	if (n >= 2) {
		memcpy(&w16, p, 2);
		s += w16;
		p += 2;
		n -= 2;
	}
	if (n)
		s += p[0]; /* the low byte of its little-endian word */
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return sum + (uint16_t)(s >> 8 | s << 8);
#else
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += be16(p + i);
	if (i < n)
		sum += (uint64_t)p[i] << 8;
	return sum;
#endif
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 8200 section 8.1 pseudo-header: addresses, upper-layer length, next header. */
static uint64_t csum_ip6_pseudo(const uint8_t src[16], const uint8_t dst[16], uint32_t len,
				uint8_t next)
{
	uint64_t sum = csum_add(0, src, 16);

	sum = csum_add(sum, dst, 16);
	return sum + (len >> 16) + (len & 0xffff) + next;
}

/* ------------------------------------------------------------------- parse */

static int ip6_is_ext_header(uint8_t nh)
{
	switch (nh) {
	case IP_PROTO_HOPOPTS:
	case IP_PROTO_ROUTING:
	case IP_PROTO_DSTOPTS:
	case IP_PROTO_AH:
	case IP_PROTO_ESP:
	case IP_PROTO_MH:
	case IP_PROTO_HIP:
	case IP_PROTO_SHIM6:
	case IP_PROTO_EXP1:
	case IP_PROTO_EXP2:
		return 1;
	default:
		return 0;
	}
}

/* UDP header at l4 with ip_payload bytes of IP payload, all present. */
static int parse_udp(const uint8_t *l4, size_t ip_payload, struct sg_pkt *p)
{
	uint16_t ulen;

	if (ip_payload < UDP_HLEN)
		return SG_PKT_E_UDP_HEADER;
	ulen = be16(l4 + 4);
	if (ulen < UDP_HLEN || ulen != ip_payload)
		return SG_PKT_E_UDP_HEADER;
	p->src.port = be16(l4);
	p->dst_port = be16(l4 + 2);
	p->payload_off = (uint16_t)(p->l4_off + UDP_HLEN);
	p->payload_len = (uint16_t)(ulen - UDP_HLEN);
	return SG_PKT_UDP;
}

static int parse_ip4(const uint8_t *ip, size_t avail, struct sg_pkt *p)
{
	size_t ihl, tot;
	uint16_t frag;

	if (avail < IP4_HLEN || ip[0] >> 4 != 4)
		return SG_PKT_E_IP_HEADER;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	if (ihl < IP4_HLEN || tot < ihl || tot > avail || ip[8] == 0)
		return SG_PKT_E_IP_HEADER;
	frag = be16(ip + 6);
	if (frag & (IP4_MF | IP4_FRAG_OFF))
		return SG_PKT_E_FRAGMENT;

	p->src.family = 4;
	p->hop_limit = ip[8];
	memcpy(p->src.addr, ip + 12, 4);
	memcpy(p->dst_addr, ip + 16, 4);
	p->l4_off = (uint16_t)(p->l3_off + ihl);

	switch (ip[9]) {
	case IP_PROTO_UDP:
		return parse_udp(ip + ihl, tot - ihl, p);
	case IP_PROTO_ICMP:
		if (tot - ihl < ICMP_ECHO_HLEN || ip[ihl] != ICMP4_ECHO_REQUEST ||
		    ip[ihl + 1] != 0)
			return SG_PKT_E_ICMP;
		p->payload_off = (uint16_t)(p->l4_off + ICMP_ECHO_HLEN);
		p->payload_len = (uint16_t)(tot - ihl - ICMP_ECHO_HLEN);
		return SG_PKT_ICMP4_ECHO;
	default:
		return SG_PKT_E_PROTO;
	}
}

static int parse_icmp6(const uint8_t *ip, size_t plen, struct sg_pkt *p)
{
	const uint8_t *icmp = ip + IP6_HLEN;

	if (plen >= ICMP_ECHO_HLEN && icmp[0] == ICMP6_ECHO_REQUEST && icmp[1] == 0) {
		p->payload_off = (uint16_t)(p->l4_off + ICMP_ECHO_HLEN);
		p->payload_len = (uint16_t)(plen - ICMP_ECHO_HLEN);
		return SG_PKT_ICMP6_ECHO;
	}
	/* RFC 4861 section 7.1.1: hop limit 255 proves the sender is on link. */
	if (plen >= NDP_NS_LEN && icmp[0] == ICMP6_NS && icmp[1] == 0 &&
	    p->hop_limit == NDP_HOP_LIMIT) {
		memcpy(p->dst_addr, icmp + 8, 16);
		p->payload_off = (uint16_t)(p->l4_off + NDP_NS_LEN);
		p->payload_len = (uint16_t)(plen - NDP_NS_LEN);
		return SG_PKT_NDP_NS;
	}
	return SG_PKT_E_ICMP;
}

static int parse_ip6(const uint8_t *ip, size_t avail, struct sg_pkt *p)
{
	size_t plen;

	if (avail < IP6_HLEN || ip[0] >> 4 != 6)
		return SG_PKT_E_IP_HEADER;
	plen = be16(ip + 4);
	if (plen > avail - IP6_HLEN || ip[7] == 0)
		return SG_PKT_E_IP_HEADER;

	p->src.family = 6;
	p->hop_limit = ip[7];
	memcpy(p->src.addr, ip + 8, 16);
	memcpy(p->dst_addr, ip + 24, 16);
	p->l4_off = (uint16_t)(p->l3_off + IP6_HLEN);

	switch (ip[6]) {
	case IP_PROTO_UDP:
		return parse_udp(ip + IP6_HLEN, plen, p);
	case IP_PROTO_ICMPV6:
		return parse_icmp6(ip, plen, p);
	case IP_PROTO_FRAGMENT:
		return SG_PKT_E_FRAGMENT;
	default:
		return ip6_is_ext_header(ip[6]) ? SG_PKT_E_IPV6_EXT : SG_PKT_E_PROTO;
	}
}

static int parse_arp(const uint8_t *a, size_t avail, struct sg_pkt *p)
{
	if (avail < ARP_LEN || be16(a) != ARP_HTYPE_ETHER || be16(a + 2) != ETH_P_IP ||
	    a[4] != SG_ETH_ADDR_LEN || a[5] != 4 || be16(a + 6) != ARP_OP_REQUEST)
		return SG_PKT_E_ARP;
	p->src.family = 4;
	memcpy(p->src.mac, a + 8, SG_ETH_ADDR_LEN);
	memcpy(p->src.addr, a + 14, 4);
	memcpy(p->dst_addr, a + 24, 4);
	return SG_PKT_ARP;
}

/*
 * The relay's common case, untagged IPv4 without options carrying a whole
 * UDP datagram, in one straight line; 0 when the frame is anything else (the
 * general parser then decides, with the same results for this case).
 */
static int parse_ip4_udp_fast(const uint8_t *frame, size_t len, struct sg_pkt *p)
{
	const uint8_t *ip = frame + ETH_HLEN, *udp = ip + IP4_HLEN;
	size_t tot;

	if (len < ETH_HLEN + IP4_HLEN + UDP_HLEN || be16(frame + 12) != ETH_P_IP ||
	    ip[0] != 0x45 || ip[9] != IP_PROTO_UDP || ip[8] == 0 ||
	    (be16(ip + 6) & (IP4_MF | IP4_FRAG_OFF)))
		return 0;
	tot = be16(ip + 2);
	if (tot > len - ETH_HLEN || tot < IP4_HLEN + UDP_HLEN ||
	    be16(udp + 4) != tot - IP4_HLEN)
		return 0;
	memcpy(p->dst_mac, frame, SG_ETH_ADDR_LEN);
	memcpy(p->src.mac, frame + 6, SG_ETH_ADDR_LEN);
	p->src.family = 4;
	p->hop_limit = ip[8];
	memcpy(p->src.addr, ip + 12, 4);
	memcpy(p->dst_addr, ip + 16, 4);
	p->l3_off = ETH_HLEN;
	p->l4_off = ETH_HLEN + IP4_HLEN;
	p->src.port = be16(udp);
	p->dst_port = be16(udp + 2);
	p->payload_off = ETH_HLEN + IP4_HLEN + UDP_HLEN;
	p->payload_len = (uint16_t)(tot - IP4_HLEN - UDP_HLEN);
	return SG_PKT_UDP;
}

int sg_pkt_parse(const uint8_t *frame, size_t len, struct sg_pkt *p)
{
	size_t l3;
	uint16_t type;

	memset(p, 0, sizeof(*p));
	if (parse_ip4_udp_fast(frame, len, p))
		return SG_PKT_UDP;
	if (len < ETH_HLEN)
		return SG_PKT_E_L2;
	memcpy(p->dst_mac, frame, SG_ETH_ADDR_LEN);
	memcpy(p->src.mac, frame + 6, SG_ETH_ADDR_LEN);
	type = be16(frame + 12);
	l3 = ETH_HLEN;
	if (type == ETH_P_8021Q) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return SG_PKT_E_L2;
		p->src.has_vlan = 1;
		p->src.vlan_tci = be16(frame + 14);
		type = be16(frame + 16);
		l3 += VLAN_HLEN;
	}
	p->l3_off = (uint16_t)l3;

	switch (type) {
	case ETH_P_IP:
		return parse_ip4(frame + l3, len - l3, p);
	case ETH_P_IPV6:
		return parse_ip6(frame + l3, len - l3, p);
	case ETH_P_ARP:
		return parse_arp(frame + l3, len - l3, p);
	default:
		/* QinQ (0x88a8 outer, or a second tag) lands here too. */
		return SG_PKT_E_L2;
	}
}

/* ------------------------------------------------------------------- build */

unsigned sg_pkt_udp_headers_len(const struct sg_endpoint *to)
{
	return ETH_HLEN + (to->has_vlan ? VLAN_HLEN : 0) +
	       (to->family == 6 ? IP6_HLEN : IP4_HLEN) + UDP_HLEN;
}

/* Ethernet (+ 802.1Q) header; returns its length. */
static unsigned write_eth(uint8_t *out, const uint8_t dst[SG_ETH_ADDR_LEN],
			  const uint8_t src[SG_ETH_ADDR_LEN], const struct sg_endpoint *to,
			  uint16_t type)
{
	unsigned n = 12;

	memcpy(out, dst, SG_ETH_ADDR_LEN);
	memcpy(out + 6, src, SG_ETH_ADDR_LEN);
	if (to->has_vlan) {
		put_be16(out + n, ETH_P_8021Q);
		put_be16(out + n + 2, to->vlan_tci);
		n += VLAN_HLEN;
	}
	put_be16(out + n, type);
	return n + 2;
}

unsigned sg_pkt_write_udp_headers(uint8_t *out, const struct sg_endpoint *from,
				  const struct sg_endpoint *to, uint16_t payload_len)
{
	uint16_t ulen = (uint16_t)(UDP_HLEN + payload_len);
	uint8_t *ip, *udp;
	unsigned l3;

	l3 = write_eth(out, to->mac, from->mac, to, to->family == 6 ? ETH_P_IPV6 : ETH_P_IP);
	ip = out + l3;
	if (to->family == 6) {
		udp = ip + IP6_HLEN;
		put_be32(ip, 6u << 28);
		put_be16(ip + 4, ulen);
		ip[6] = IP_PROTO_UDP;
		ip[7] = TTL_OUT;
		memcpy(ip + 8, from->addr, 16);
		memcpy(ip + 24, to->addr, 16);
	} else {
		udp = ip + IP4_HLEN;
		put_be32(ip, 0x45000000u | (uint32_t)(IP4_HLEN + ulen));
		put_be32(ip + 4, IP4_DF);
		put_be32(ip + 8, (uint32_t)TTL_OUT << 24 | (uint32_t)IP_PROTO_UDP << 16);
		memcpy(ip + 12, from->addr, 4);
		memcpy(ip + 16, to->addr, 4);
		put_be16(ip + 10, csum_fold(csum_add(0, ip, IP4_HLEN)));
	}
	put_be32(udp, (uint32_t)from->port << 16 | to->port);
	put_be32(udp + 4, (uint32_t)ulen << 16);
	if (to->family == 6) {
		uint64_t sum = csum_ip6_pseudo(ip + 8, ip + 24, ulen, IP_PROTO_UDP);
		uint16_t c = csum_fold(csum_add(sum, udp, ulen));

		/* RFC 8200 section 8.1: a computed 0 is sent as all ones. */
		put_be16(udp + 6, c ? c : 0xffff);
	}
	return (unsigned)(udp + UDP_HLEN - out);
}

void sg_pkt_tpl_init(struct sg_pkt_tpl *t, const struct sg_endpoint *from,
		     const struct sg_endpoint *to)
{
	uint8_t *ip;

	memset(t, 0, sizeof(*t));
	t->len = (uint8_t)sg_pkt_write_udp_headers(t->hdr, from, to, 0);
	t->family = to->family == 6 ? 6 : 4;
	t->ip_off = (uint8_t)(t->len - UDP_HLEN - (t->family == 6 ? IP6_HLEN : IP4_HLEN));
	ip = t->hdr + t->ip_off;
	if (t->family == 6) {
		put_be16(ip + 4, 0);
		t->sum = csum_ip6_pseudo(ip + 8, ip + 24, 0, IP_PROTO_UDP);
	} else {
		put_be16(ip + 2, 0);
		put_be16(ip + 10, 0);
		t->sum = csum_add(0, ip, IP4_HLEN);
	}
	put_be16(t->hdr + t->len - UDP_HLEN + 4, 0); /* UDP length */
	put_be16(t->hdr + t->len - UDP_HLEN + 6, 0); /* UDP checksum */
}

unsigned sg_pkt_tpl_write(uint8_t *out, const struct sg_pkt_tpl *t, uint16_t payload_len)
{
	const uint16_t ulen = (uint16_t)(UDP_HLEN + payload_len);
	uint8_t *ip = out + t->ip_off, *udp = out + t->len - UDP_HLEN;

	memcpy(out, t->hdr, t->len);
	put_be16(udp + 4, ulen);
	if (t->family == 6) {
		uint16_t c;

		put_be16(ip + 4, ulen);
		c = csum_fold(csum_add(t->sum + ulen, udp, ulen));
		put_be16(udp + 6, c ? c : 0xffff);
	} else {
		const uint16_t tot = (uint16_t)(IP4_HLEN + ulen);

		put_be16(ip + 2, tot);
		put_be16(ip + 10, csum_fold(t->sum + tot));
	}
	return t->len;
}

size_t sg_pkt_arp_request(uint8_t out[SG_PKT_ARP_REQUEST_LEN],
			  const uint8_t mac[SG_ETH_ADDR_LEN], const uint8_t sender_ip[4],
			  const uint8_t target_ip[4])
{
	uint8_t *arp = out + ETH_HLEN;

	memset(out, 0, SG_PKT_ARP_REQUEST_LEN);
	memset(out, 0xff, SG_ETH_ADDR_LEN);
	memcpy(out + 6, mac, SG_ETH_ADDR_LEN);
	put_be16(out + 12, ETH_P_ARP);
	put_be16(arp, ARP_HTYPE_ETHER);
	put_be16(arp + 2, ETH_P_IP);
	arp[4] = SG_ETH_ADDR_LEN;
	arp[5] = 4;
	put_be16(arp + 6, ARP_OP_REQUEST);
	memcpy(arp + 8, mac, SG_ETH_ADDR_LEN);
	memcpy(arp + 14, sender_ip, 4);
	memcpy(arp + 24, target_ip, 4); /* target hardware address stays zero */
	return SG_PKT_ARP_REQUEST_LEN;
}

/* ----------------------------------------------------------------- answers */

static const uint8_t ip6_unspecified[16];

/* Multicast, broadcast or 0.0.0.0: not an address to answer from or to. */
static int ip4_no_echo(const uint8_t a[4])
{
	static const uint8_t bcast[4] = { 0xff, 0xff, 0xff, 0xff };

	return (a[0] & 0xf0) == 0xe0 || !memcmp(a, bcast, 4) || !memcmp(a, ip6_unspecified, 4);
}

/* Multicast (ff00::/8) or :: likewise. */
static int ip6_no_echo(const uint8_t a[16])
{
	return a[0] == 0xff || !memcmp(a, ip6_unspecified, 16);
}

/* Ethertype just before l3 matches, and the L3 header fits (l3_off sane). */
static int l3_is(const uint8_t *frame, size_t len, const struct sg_pkt *p, uint16_t type,
		 size_t hlen)
{
	size_t l3 = p->l3_off;

	return (l3 == ETH_HLEN || l3 == ETH_HLEN + VLAN_HLEN) && len >= l3 + hlen &&
	       be16(frame + l3 - 2) == type;
}

/* New Ethernet addresses, keeping any VLAN tag and the ethertype. */
static void set_macs(uint8_t *frame, const uint8_t dst[SG_ETH_ADDR_LEN],
		     const uint8_t src[SG_ETH_ADDR_LEN])
{
	memmove(frame, dst, SG_ETH_ADDR_LEN);
	memmove(frame + 6, src, SG_ETH_ADDR_LEN);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

size_t sg_pkt_arp_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			const uint8_t our_mac[SG_ETH_ADDR_LEN], const uint8_t our_ip4[4])
{
	uint8_t *a = frame + p->l3_off;
	uint8_t req_mac[SG_ETH_ADDR_LEN], req_ip[4];

	if (!l3_is(frame, len, p, ETH_P_ARP, ARP_LEN) || be16(a + 6) != ARP_OP_REQUEST ||
	    memcmp(a + 24, our_ip4, 4))
		return 0;
	memcpy(req_mac, a + 8, SG_ETH_ADDR_LEN);
	memcpy(req_ip, a + 14, 4);

	set_macs(frame, req_mac, our_mac);
	put_be16(a + 6, ARP_OP_REPLY);
	memcpy(a + 8, our_mac, SG_ETH_ADDR_LEN);
	memcpy(a + 14, our_ip4, 4);
	memcpy(a + 18, req_mac, SG_ETH_ADDR_LEN);
	memcpy(a + 24, req_ip, 4);
	return (size_t)p->l3_off + ARP_LEN;
}

size_t sg_pkt_icmp4_echo_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			       const uint8_t our_mac[SG_ETH_ADDR_LEN])
{
	uint8_t *ip = frame + p->l3_off, *icmp;
	size_t ihl, tot;

	if (!l3_is(frame, len, p, ETH_P_IP, IP4_HLEN) || ip[0] >> 4 != 4 ||
	    ip[9] != IP_PROTO_ICMP)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	if (ihl < IP4_HLEN || tot < ihl + ICMP_ECHO_HLEN || p->l3_off + tot > len ||
	    p->l4_off != p->l3_off + ihl)
		return 0;
	icmp = ip + ihl;
	if (icmp[0] != ICMP4_ECHO_REQUEST || ip4_no_echo(ip + 12) || ip4_no_echo(ip + 16))
		return 0;

	set_macs(frame, p->src.mac, our_mac);
	swap_bytes(ip + 12, ip + 16, 4);
	ip[8] = TTL_OUT;
	put_be16(ip + 10, 0);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	icmp[0] = ICMP4_ECHO_REPLY;
	put_be16(icmp + 2, 0);
	put_be16(icmp + 2, csum_fold(csum_add(0, icmp, tot - ihl)));
	return (size_t)p->l3_off + tot;
}

/* The IPv6 header of an ICMPv6 message of at least min bytes, all present. */
static uint8_t *icmp6_ip(uint8_t *frame, size_t len, const struct sg_pkt *p, size_t min)
{
	uint8_t *ip = frame + p->l3_off;

	if (!l3_is(frame, len, p, ETH_P_IPV6, IP6_HLEN) || ip[0] >> 4 != 6 ||
	    ip[6] != IP_PROTO_ICMPV6 || be16(ip + 4) < min ||
	    p->l3_off + IP6_HLEN + (size_t)be16(ip + 4) > len ||
	    p->l4_off != p->l3_off + IP6_HLEN)
		return NULL;
	return ip;
}

static void icmp6_checksum(uint8_t *ip, uint16_t plen)
{
	uint8_t *icmp = ip + IP6_HLEN;
	uint64_t sum = csum_ip6_pseudo(ip + 8, ip + 24, plen, IP_PROTO_ICMPV6);

	put_be16(icmp + 2, 0);
	put_be16(icmp + 2, csum_fold(csum_add(sum, icmp, plen)));
}

size_t sg_pkt_icmp6_echo_reply(uint8_t *frame, size_t len, const struct sg_pkt *p,
			       const uint8_t our_mac[SG_ETH_ADDR_LEN])
{
	uint8_t *ip = icmp6_ip(frame, len, p, ICMP_ECHO_HLEN);
	uint16_t plen;

	if (!ip || ip[IP6_HLEN] != ICMP6_ECHO_REQUEST || ip6_no_echo(ip + 8) ||
	    ip6_no_echo(ip + 24))
		return 0;
	plen = be16(ip + 4);

	set_macs(frame, p->src.mac, our_mac);
	swap_bytes(ip + 8, ip + 24, 16);
	ip[7] = TTL_OUT;
	ip[IP6_HLEN] = ICMP6_ECHO_REPLY;
	icmp6_checksum(ip, plen);
	return (size_t)p->l3_off + IP6_HLEN + plen;
}

size_t sg_pkt_ndp_advert(uint8_t *frame, size_t len, size_t cap, const struct sg_pkt *p,
			 const uint8_t our_mac[SG_ETH_ADDR_LEN], const uint8_t our_ip6[16])
{
	uint8_t *ip = icmp6_ip(frame, len, p, NDP_NS_LEN), *na;
	size_t out_len = (size_t)p->l3_off + IP6_HLEN + NDP_NA_LEN;
	uint8_t flags = NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE;
	const uint8_t *eth_dst = p->src.mac;
	uint8_t dst[16];

	if (!ip || ip[IP6_HLEN] != ICMP6_NS || memcmp(ip + IP6_HLEN + 8, our_ip6, 16) ||
	    out_len > cap)
		return 0;
	/* RFC 4861 section 7.2.4: an answer to :: (DAD) goes to all nodes, unsolicited. */
	memcpy(dst, ip + 8, 16);
	if (!memcmp(dst, ip6_unspecified, 16)) {
		memcpy(dst, ip6_all_nodes, 16);
		eth_dst = mac_all_nodes;
		flags = NA_FLAG_OVERRIDE;
	}

	set_macs(frame, eth_dst, our_mac);
	put_be32(ip, 6u << 28);
	put_be16(ip + 4, NDP_NA_LEN);
	ip[6] = IP_PROTO_ICMPV6;
	ip[7] = NDP_HOP_LIMIT;
	memcpy(ip + 8, our_ip6, 16);
	memcpy(ip + 24, dst, 16);
	na = ip + IP6_HLEN;
	na[0] = ICMP6_NA;
	na[1] = 0;
	na[4] = flags;
	na[5] = na[6] = na[7] = 0;
	memcpy(na + 8, our_ip6, 16);
	na[24] = NDP_OPT_TARGET_LLADDR;
	na[25] = 1; /* in units of 8 bytes */
	memcpy(na + 26, our_mac, SG_ETH_ADDR_LEN);
	icmp6_checksum(ip, NDP_NA_LEN);
	return out_len;
}
