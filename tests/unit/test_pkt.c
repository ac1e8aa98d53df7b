/* SPDX-License-Identifier: MIT */
/*
 * test_pkt.c - Ethernet / VLAN / IPv4 / IPv6 / UDP parse and build, and the
 * ARP, ICMP echo and neighbour advertisement answers.
 *
 * Frames are built here byte by byte, independently of proto/pkt.c, and
 * handed over in heap buffers of exactly their length, so the address
 * sanitizer reports any read past the end.  Offsets in the tables are
 * literal numbers; checksums are verified with the one's-complement sum
 * written below, not with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bytes.h"
#include "proto/pkt.h"
#include "proto_testutil.h"

static const uint8_t relay_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t relay_ip4[4] = { 198, 18, 0, 1 };
static const uint8_t peer_ip4[4] = { 198, 18, 0, 2 };
static const uint8_t other_ip4[4] = { 198, 18, 0, 9 };
static const uint8_t relay_ip6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x01 };
static const uint8_t peer_ip6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x02 };
static const uint8_t other_ip6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x09 };
static const uint8_t sol_node_ip6[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t all_nodes_ip6[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t zero16[16];
static const char udp_body[] = "hello relay";  /* 11 bytes: odd, for the checksum */
static const char echo_data[] = "ping data 13!"; /* 13 bytes */
enum { TCI = 0x6064, SPORT = 50000, DPORT = 7443, UDP_BODY = 11, ECHO_DATA = 13 };

/* ------------------------------------------------ independent checksum */

/* One's-complement sum of 16-bit big-endian words, folded (RFC 1071). */
static uint32_t ones(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return sum;
}

static uint32_t ones_ip6_pseudo(const uint8_t *ip6, uint32_t len, uint8_t nh)
{
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, nh };

	return ones(ones(0, ip6 + 8, 32), tail, 8);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	return (uint16_t)~ones(0, p, n);
}

/* --------------------------------------------------------- frame builder */

struct fb {
	uint8_t b[256];
	size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct fb *f, unsigned v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void eth(struct fb *f, int vlan, unsigned type)
{
	put(f, relay_mac, 6);
	put(f, peer_mac, 6);
	if (vlan) {
		put16(f, 0x8100);
		put16(f, TCI);
	}
	put16(f, type);
}

static void ip4(struct fb *f, unsigned proto, size_t l4len)
{
	size_t h = f->n;

	put8(f, 0x45);
	put8(f, 0);
	put16(f, (unsigned)(20 + l4len));
	put16(f, 0x1234);
	put16(f, 0x4000);
	put8(f, 57);
	put8(f, proto);
	put16(f, 0);
	put(f, peer_ip4, 4);
	put(f, relay_ip4, 4);
	f->b[h + 10] = (uint8_t)(csum(f->b + h, 20) >> 8);
	f->b[h + 11] = (uint8_t)csum(f->b + h, 20);
}

static void ip6(struct fb *f, unsigned nh, size_t plen, unsigned hop, const uint8_t *dst)
{
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, (unsigned)plen);
	put8(f, nh);
	put8(f, hop);
	put(f, peer_ip6, 16);
	put(f, dst, 16);
}

/* F_NS carries a source link-layer option; F_NS_BARE has none; F_NS_DAD is from ::. */
enum frame_kind { F_UDP4, F_UDP6, F_ARP, F_ECHO4, F_ECHO6, F_NS, F_NS_BARE, F_NS_DAD, F_KINDS };

/* A well-formed frame of a kind, with or without an 802.1Q tag; returns its length. */
static size_t build(struct fb *f, enum frame_kind k, int vlan)
{
	memset(f, 0, sizeof(*f));
	switch (k) {
	case F_UDP4:
	case F_UDP6:
		eth(f, vlan, k == F_UDP4 ? 0x0800 : 0x86dd);
		if (k == F_UDP4)
			ip4(f, 17, 8 + UDP_BODY);
		else
			ip6(f, 17, 8 + UDP_BODY, 57, relay_ip6);
		put16(f, SPORT);
		put16(f, DPORT);
		put16(f, 8 + UDP_BODY);
		put16(f, 0xbeef); /* never verified */
		put(f, udp_body, UDP_BODY);
		break;
	case F_ARP:
		eth(f, vlan, 0x0806);
		put16(f, 1);
		put16(f, 0x0800);
		put8(f, 6);
		put8(f, 4);
		put16(f, 1);
		put(f, peer_mac, 6);
		put(f, peer_ip4, 4);
		put(f, zero16, 6);
		put(f, relay_ip4, 4);
		break;
	case F_ECHO4:
	case F_ECHO6:
		eth(f, vlan, k == F_ECHO4 ? 0x0800 : 0x86dd);
		if (k == F_ECHO4)
			ip4(f, 1, 8 + ECHO_DATA);
		else
			ip6(f, 58, 8 + ECHO_DATA, 57, relay_ip6);
		put8(f, k == F_ECHO4 ? 8 : 128);
		put8(f, 0);
		put16(f, 0x1111); /* checksum: not verified on input */
		put16(f, 0x4242); /* identifier */
		put16(f, 7);      /* sequence */
		put(f, echo_data, ECHO_DATA);
		break;
	case F_NS:
	case F_NS_BARE:
	case F_NS_DAD:
	case F_KINDS:
		eth(f, vlan, 0x86dd);
		ip6(f, 58, k == F_NS_BARE ? 24 : 32, 255, sol_node_ip6);
		if (k == F_NS_DAD)
			memcpy(f->b + f->n - 32, zero16, 16);
		put8(f, 135);
		put8(f, 0);
		put16(f, 0x2222);
		put16(f, 0);
		put16(f, 0);
		put(f, relay_ip6, 16);
		if (k != F_NS_BARE) {
			put8(f, 1); /* source link-layer address option */
			put8(f, 1);
			put(f, peer_mac, 6);
		}
		break;
	}
	return f->n;
}

static int parse_heap(const uint8_t *frame, size_t len, struct sg_pkt *p)
{
	uint8_t *buf = heap_copy(frame, len);
	int r = sg_pkt_parse(buf, len, p);

	free(buf);
	return r;
}

/* ---------------------------------------------------------- good frames */

static void expect_l2(const struct sg_pkt *p, int vlan, unsigned family)
{
	assert_memory_equal(p->src.mac, peer_mac, 6);
	assert_memory_equal(p->dst_mac, relay_mac, 6);
	assert_int_equal(p->src.family, family);
	assert_int_equal(p->src.has_vlan, vlan);
	assert_int_equal(p->src.vlan_tci, vlan ? 0x6064 : 0);
	assert_int_equal(p->l3_off, vlan ? 18 : 14);
}

static void expect_addrs(const struct sg_pkt *p, unsigned family)
{
	if (family == 4) {
		assert_memory_equal(p->src.addr, peer_ip4, 4);
		assert_memory_equal(p->src.addr + 4, zero16, 12);
		assert_memory_equal(p->dst_addr, relay_ip4, 4);
		assert_memory_equal(p->dst_addr + 4, zero16, 12);
	} else {
		assert_memory_equal(p->src.addr, peer_ip6, 16);
		assert_memory_equal(p->dst_addr, relay_ip6, 16);
	}
}

static void test_parse_udp(void **state)
{
	(void)state;
	for (int fam = 4; fam <= 6; fam += 2) {
		for (int vlan = 0; vlan <= 1; vlan++) {
			struct fb f;
			struct sg_pkt p;
			size_t v = vlan ? 4 : 0, l4 = (fam == 4 ? 34 : 54) + v;
			size_t n = build(&f, fam == 4 ? F_UDP4 : F_UDP6, vlan);

			assert_int_equal(n, l4 + 8 + 11);
			assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_UDP);
			expect_l2(&p, vlan, (unsigned)fam);
			expect_addrs(&p, (unsigned)fam);
			assert_int_equal(p.src.port, 50000);
			assert_int_equal(p.dst_port, 7443);
			assert_int_equal(p.l4_off, l4);
			assert_int_equal(p.payload_off, l4 + 8);
			assert_int_equal(p.payload_len, 11);
			assert_int_equal(p.hop_limit, 57);
			assert_memory_equal(f.b + p.payload_off, "hello relay", 11);
		}
	}
}

static void test_parse_arp(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		struct fb f;
		struct sg_pkt p;
		size_t n = build(&f, F_ARP, vlan);

		assert_int_equal(n, vlan ? 46 : 42);
		assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_ARP);
		expect_l2(&p, vlan, 4);
		expect_addrs(&p, 4);
		assert_int_equal(p.src.port, 0);
		assert_int_equal(p.dst_port, 0);
		assert_int_equal(p.hop_limit, 0);
		/* src.mac is the ARP sender hardware address, not Ethernet's */
		f.b[vlan ? 26 : 22] = 0x77;
		assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_ARP);
		assert_int_equal(p.src.mac[0], 0x77);
	}
}

static void test_parse_icmp(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		size_t v = vlan ? 4 : 0;
		struct fb f;
		struct sg_pkt p;
		size_t n = build(&f, F_ECHO4, vlan);

		assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_ICMP4_ECHO);
		expect_l2(&p, vlan, 4);
		expect_addrs(&p, 4);
		assert_int_equal(p.l4_off, 34 + v);
		assert_int_equal(p.payload_off, 42 + v);
		assert_int_equal(p.payload_len, 13);
		assert_int_equal(p.hop_limit, 57);

		n = build(&f, F_ECHO6, vlan);
		assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_ICMP6_ECHO);
		expect_l2(&p, vlan, 6);
		expect_addrs(&p, 6);
		assert_int_equal(p.l4_off, 54 + v);
		assert_int_equal(p.payload_off, 62 + v);
		assert_int_equal(p.payload_len, 13);
		assert_int_equal(p.hop_limit, 57);

		n = build(&f, F_NS, vlan);
		assert_int_equal(n, 86 + v);
		assert_int_equal(parse_heap(f.b, n, &p), SG_PKT_NDP_NS);
		expect_l2(&p, vlan, 6);
		assert_memory_equal(p.src.addr, peer_ip6, 16);
		assert_memory_equal(p.dst_addr, relay_ip6, 16); /* the target, not ff02::1:ff00:1 */
		assert_int_equal(p.l4_off, 54 + v);
		assert_int_equal(p.payload_off, 78 + v);
		assert_int_equal(p.payload_len, 8);
		assert_int_equal(p.hop_limit, 255);
	}
}

/* Ethernet padding after the IP (or ARP) length is ignored. */
static void test_parse_padding(void **state)
{
	static const struct {
		enum frame_kind k;
		int kind;
		uint16_t payload_len;
	} rows[] = {
		{ F_UDP4, SG_PKT_UDP, 11 },        { F_UDP6, SG_PKT_UDP, 11 },
		{ F_ARP, SG_PKT_ARP, 0 },          { F_ECHO4, SG_PKT_ICMP4_ECHO, 13 },
		{ F_ECHO6, SG_PKT_ICMP6_ECHO, 13 }, { F_NS, SG_PKT_NDP_NS, 8 },
		{ F_NS_BARE, SG_PKT_NDP_NS, 0 },    { F_NS_DAD, SG_PKT_NDP_NS, 8 },
	};

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		struct fb f;
		struct sg_pkt p;
		size_t n = build(&f, rows[i].k, 0);

		memset(f.b + n, 0xa5, 64);
		for (size_t pad = 1; pad <= 64; pad += 21) {
			assert_int_equal(parse_heap(f.b, n + pad, &p), rows[i].kind);
			assert_int_equal(p.payload_len, rows[i].payload_len);
		}
	}
}

/* ------------------------------------------------------ malformed frames */

struct bad_row {
	uint8_t k;      /* enum frame_kind */
	uint8_t vlan;
	uint8_t off, val;
	uint8_t off2, val2; /* second byte when off2 != 0 */
	int expected;
};

#define M(k, o, v, e) { (k), 0, (o), (v), 0, 0, (e) }
#define M2(k, o, v, o2, v2, e) { (k), 0, (o), (v), (o2), (v2), (e) }
#define MV(k, o, v, e) { (k), 1, (o), (v), 0, 0, (e) }
#define MV2(k, o, v, o2, v2, e) { (k), 1, (o), (v), (o2), (v2), (e) }

static const struct bad_row bad_rows[] = {
	/* L2: ethertypes, QinQ */
	M2(F_UDP4, 12, 0x88, 13, 0xb5, SG_PKT_E_L2),
	M2(F_UDP4, 12, 0x88, 13, 0xa8, SG_PKT_E_L2),
	M2(F_UDP4, 12, 0x86, 13, 0xdd, SG_PKT_E_IP_HEADER), /* IPv4 bytes as IPv6 */
	M2(F_UDP4, 12, 0x08, 13, 0x06, SG_PKT_E_ARP),
	MV2(F_UDP4, 16, 0x81, 17, 0x00, SG_PKT_E_L2),      /* second 802.1Q tag */
	MV2(F_UDP4, 16, 0x88, 17, 0xa8, SG_PKT_E_L2),
	MV2(F_UDP4, 12, 0x88, 13, 0xa8, SG_PKT_E_L2),      /* 802.1ad outer tag */
	MV2(F_UDP4, 14, 0xff, 15, 0xff, SG_PKT_UDP),        /* any TCI */
	/* IPv4 header */
	M(F_UDP4, 14, 0x44, SG_PKT_E_IP_HEADER),            /* IHL 4 */
	M(F_UDP4, 14, 0x40, SG_PKT_E_IP_HEADER),            /* IHL 0 */
	M(F_UDP4, 14, 0x65, SG_PKT_E_IP_HEADER),            /* version 6 */
	M(F_UDP4, 14, 0x4f, SG_PKT_E_IP_HEADER),            /* IHL 15 > total length */
	M(F_UDP4, 14, 0x46, SG_PKT_E_UDP_HEADER),           /* 4 bytes of options */
	M(F_UDP4, 17, 0x28, SG_PKT_E_IP_HEADER),            /* total length 40 > 39 */
	M2(F_UDP4, 16, 0x05, 17, 0xdc, SG_PKT_E_IP_HEADER),
	M2(F_UDP4, 16, 0x00, 17, 19, SG_PKT_E_IP_HEADER),   /* total < IHL * 4 */
	M(F_UDP4, 17, 0x26, SG_PKT_E_UDP_HEADER),           /* UDP 19 vs IP payload 18 */
	M2(F_UDP4, 16, 0x00, 17, 27, SG_PKT_E_UDP_HEADER),  /* 7 bytes of UDP */
	M(F_UDP4, 22, 0, SG_PKT_E_IP_HEADER),               /* TTL 0 */
	M(F_UDP4, 22, 1, SG_PKT_UDP),
	M(F_UDP4, 20, 0x20, SG_PKT_E_FRAGMENT),             /* MF */
	M(F_UDP4, 21, 0x01, SG_PKT_E_FRAGMENT),             /* offset 1, DF */
	M(F_UDP4, 20, 0x1f, SG_PKT_E_FRAGMENT),
	M(F_UDP4, 20, 0x00, SG_PKT_UDP),                    /* DF clear */
	M2(F_UDP4, 24, 0xde, 25, 0xad, SG_PKT_UDP),         /* checksum not verified */
	M(F_UDP4, 23, 6, SG_PKT_E_PROTO),
	M(F_UDP4, 23, 47, SG_PKT_E_PROTO),
	M(F_UDP4, 23, 58, SG_PKT_E_PROTO),
	M(F_UDP4, 23, 1, SG_PKT_E_ICMP),                    /* type 0xc3 */
	/* UDP length */
	M(F_UDP4, 39, 20, SG_PKT_E_UDP_HEADER),
	M(F_UDP4, 39, 18, SG_PKT_E_UDP_HEADER),
	M(F_UDP4, 39, 7, SG_PKT_E_UDP_HEADER),
	M(F_UDP4, 39, 0, SG_PKT_E_UDP_HEADER),
	M(F_UDP4, 38, 1, SG_PKT_E_UDP_HEADER),
	MV(F_UDP4, 43, 20, SG_PKT_E_UDP_HEADER),
	/* IPv6 header */
	M(F_UDP6, 14, 0x40, SG_PKT_E_IP_HEADER),
	M(F_UDP6, 14, 0x00, SG_PKT_E_IP_HEADER),
	M2(F_UDP6, 14, 0x6f, 15, 0xff, SG_PKT_UDP),         /* class, flow label */
	M(F_UDP6, 19, 20, SG_PKT_E_IP_HEADER),              /* payload length 20 > 19 */
	M(F_UDP6, 18, 1, SG_PKT_E_IP_HEADER),
	M(F_UDP6, 19, 18, SG_PKT_E_UDP_HEADER),
	M(F_UDP6, 19, 7, SG_PKT_E_UDP_HEADER),
	M(F_UDP6, 21, 0, SG_PKT_E_IP_HEADER),               /* hop limit 0 */
	M(F_UDP6, 20, 44, SG_PKT_E_FRAGMENT),
	M(F_UDP6, 20, 0, SG_PKT_E_IPV6_EXT),                /* hop-by-hop */
	M(F_UDP6, 20, 43, SG_PKT_E_IPV6_EXT),
	M(F_UDP6, 20, 60, SG_PKT_E_IPV6_EXT),
	M(F_UDP6, 20, 51, SG_PKT_E_IPV6_EXT),
	M(F_UDP6, 20, 50, SG_PKT_E_IPV6_EXT),
	M(F_UDP6, 20, 135, SG_PKT_E_IPV6_EXT),
	M(F_UDP6, 20, 6, SG_PKT_E_PROTO),
	M(F_UDP6, 20, 59, SG_PKT_E_PROTO),                  /* no next header */
	M(F_UDP6, 20, 1, SG_PKT_E_PROTO),
	M(F_UDP6, 20, 58, SG_PKT_E_ICMP),
	M(F_UDP6, 59, 20, SG_PKT_E_UDP_HEADER),
	MV(F_UDP6, 24, 44, SG_PKT_E_FRAGMENT),
	MV(F_UDP6, 63, 20, SG_PKT_E_UDP_HEADER),
	/* ARP */
	M(F_ARP, 21, 2, SG_PKT_E_ARP),                      /* reply */
	M(F_ARP, 21, 3, SG_PKT_E_ARP),
	M2(F_ARP, 20, 1, 21, 1, SG_PKT_E_ARP),
	M(F_ARP, 15, 6, SG_PKT_E_ARP),
	M2(F_ARP, 16, 0x86, 17, 0xdd, SG_PKT_E_ARP),
	M(F_ARP, 18, 8, SG_PKT_E_ARP),
	M(F_ARP, 19, 16, SG_PKT_E_ARP),
	MV(F_ARP, 25, 2, SG_PKT_E_ARP),
	/* ICMP */
	M(F_ECHO4, 34, 0, SG_PKT_E_ICMP),                   /* echo reply */
	M(F_ECHO4, 34, 3, SG_PKT_E_ICMP),
	M(F_ECHO4, 34, 13, SG_PKT_E_ICMP),
	M(F_ECHO4, 35, 1, SG_PKT_E_ICMP),
	M(F_ECHO4, 17, 27, SG_PKT_E_ICMP),                  /* 7 bytes of ICMP */
	M(F_ECHO4, 17, 28, SG_PKT_ICMP4_ECHO),              /* 8: no data, padding */
	M(F_ECHO4, 20, 0x20, SG_PKT_E_FRAGMENT),
	M(F_ECHO6, 54, 129, SG_PKT_E_ICMP),
	M(F_ECHO6, 54, 1, SG_PKT_E_ICMP),
	M(F_ECHO6, 55, 1, SG_PKT_E_ICMP),
	M(F_ECHO6, 19, 7, SG_PKT_E_ICMP),
	M(F_ECHO6, 19, 8, SG_PKT_ICMP6_ECHO),
	M(F_NS, 21, 254, SG_PKT_E_ICMP),                    /* off link */
	M(F_NS, 55, 1, SG_PKT_E_ICMP),
	M(F_NS, 54, 136, SG_PKT_E_ICMP),                    /* advertisement */
	M(F_NS, 54, 133, SG_PKT_E_ICMP),
	M(F_NS, 19, 23, SG_PKT_E_ICMP),
	M(F_NS, 19, 24, SG_PKT_NDP_NS),
	MV(F_NS, 25, 64, SG_PKT_E_ICMP),
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		struct fb f;
		struct sg_pkt p;
		size_t n = build(&f, (enum frame_kind)r->k, r->vlan);
		int got;

		assert_true(r->off < n && r->off2 < n);
		f.b[r->off] = r->val;
		if (r->off2)
			f.b[r->off2] = r->val2;
		got = parse_heap(f.b, n, &p);
		if (got != r->expected) {
			print_error("row %zu: [%u]=%#x: got %d, want %d\n", i, r->off, r->val, got,
				    r->expected);
			fail();
		}
	}
}

/* Every prefix of every good frame is refused, and read only within itself. */
static void test_truncated(void **state)
{
	(void)state;
	for (int k = 0; k < F_KINDS; k++) {
		for (int vlan = 0; vlan <= 1; vlan++) {
			struct fb f;
			struct sg_pkt p;
			size_t n = build(&f, (enum frame_kind)k, vlan);

			assert_true(parse_heap(f.b, n, &p) > 0);
			for (size_t len = 0; len < n; len++) {
				int got = parse_heap(f.b, len, &p);

				if (got >= 0) {
					print_error("kind %d vlan %d len %zu: got %d\n", k, vlan,
						    len, got);
					fail();
				}
				if (len < 14u + (vlan ? 4 : 0))
					assert_int_equal(got, SG_PKT_E_L2);
			}
		}
	}
}

/* ------------------------------------------------------------- round trip */

static void endpoints(struct sg_endpoint *from, struct sg_endpoint *to, unsigned fam, int vlan)
{
	memset(from, 0, sizeof(*from));
	memset(to, 0, sizeof(*to));
	memcpy(from->mac, relay_mac, 6);
	memcpy(to->mac, peer_mac, 6);
	from->family = to->family = (uint8_t)fam;
	to->has_vlan = (uint8_t)vlan;
	to->vlan_tci = TCI;
	from->port = DPORT;
	to->port = SPORT;
	memcpy(from->addr, fam == 4 ? relay_ip4 : relay_ip6, fam == 4 ? 4 : 16);
	memcpy(to->addr, fam == 4 ? peer_ip4 : peer_ip6, fam == 4 ? 4 : 16);
}

/* Headers of a frame written by sg_pkt_write_udp_headers, checked by hand. */
static void check_written(const uint8_t *b, unsigned fam, int vlan, uint16_t plen)
{
	size_t l3 = vlan ? 18 : 14, ulen = 8u + plen;
	const uint8_t *udp = b + l3 + (fam == 4 ? 20 : 40);

	assert_memory_equal(b, peer_mac, 6);
	assert_memory_equal(b + 6, relay_mac, 6);
	if (vlan) {
		assert_int_equal(b[12] << 8 | b[13], 0x8100);
		assert_int_equal(b[14] << 8 | b[15], 0x6064);
	}
	assert_int_equal(b[l3 - 2] << 8 | b[l3 - 1], fam == 4 ? 0x0800 : 0x86dd);
	if (fam == 4) {
		static const uint8_t fixed[10] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17 };
		uint8_t want[10];

		memcpy(want, fixed, 10);
		want[2] = (uint8_t)((20 + ulen) >> 8);
		want[3] = (uint8_t)(20 + ulen);
		assert_memory_equal(b + l3, want, 10);
		assert_int_equal(ones(0, b + l3, 20), 0xffff); /* header checksum */
		assert_int_equal(udp[6] | udp[7], 0);          /* UDP checksum 0 */
	} else {
		static const uint8_t fixed[8] = { 0x60, 0, 0, 0, 0, 0, 17, 64 };
		uint8_t want[8];

		memcpy(want, fixed, 8);
		want[4] = (uint8_t)(ulen >> 8);
		want[5] = (uint8_t)ulen;
		assert_memory_equal(b + l3, want, 8);
		assert_int_equal(ones(ones_ip6_pseudo(b + l3, (uint32_t)ulen, 17), udp, ulen),
				 0xffff);
		assert_false(udp[6] == 0 && udp[7] == 0);
	}
	assert_int_equal(udp[0] << 8 | udp[1], 7443);
	assert_int_equal(udp[2] << 8 | udp[3], 50000);
	assert_int_equal(udp[4] << 8 | udp[5], ulen);
}

static void test_round_trip(void **state)
{
	static const uint16_t lens[] = { 0, 1, 7, 64, 1400 };

	(void)state;
	for (unsigned fam = 4; fam <= 6; fam += 2) {
		for (int vlan = 0; vlan <= 1; vlan++) {
			for (size_t i = 0; i < SG_ARRAY_SIZE(lens); i++) {
				struct sg_endpoint from, to;
				struct sg_pkt p;
				unsigned hl, want_hl = (vlan ? 18u : 14u) + (fam == 4 ? 28 : 48);
				uint8_t *b;

				endpoints(&from, &to, fam, vlan);
				hl = sg_pkt_udp_headers_len(&to);
				assert_int_equal(hl, want_hl);
				b = heap_buf(hl + lens[i]);
				for (size_t j = 0; j < lens[i]; j++)
					b[hl + j] = (uint8_t)(j * 7 + 3);
				assert_int_equal(sg_pkt_write_udp_headers(b, &from, &to, lens[i]),
						 hl);
				check_written(b, fam, vlan, lens[i]);

				assert_int_equal(sg_pkt_parse(b, hl + lens[i], &p), SG_PKT_UDP);
				assert_memory_equal(p.src.mac, from.mac, 6);
				assert_memory_equal(p.dst_mac, to.mac, 6);
				assert_memory_equal(p.src.addr, from.addr, 16);
				assert_memory_equal(p.dst_addr, to.addr, 16);
				assert_int_equal(p.src.family, fam);
				assert_int_equal(p.src.has_vlan, vlan);
				assert_int_equal(p.src.vlan_tci, vlan ? TCI : 0);
				assert_int_equal(p.src.port, DPORT);
				assert_int_equal(p.dst_port, SPORT);
				assert_int_equal(p.payload_off, hl);
				assert_int_equal(p.payload_len, lens[i]);
				assert_int_equal(p.hop_limit, 64);
				free(b);
			}
		}
	}
}

/* The ARP request a peer sends parses as one, and the relay's answer follows. */
static void test_arp_request(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 }, rmac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t me[4] = { 198, 18, 0, 2 }, relay[4] = { 198, 18, 0, 1 };
	uint8_t *f = heap_buf(SG_PKT_ARP_REQUEST_LEN);
	struct sg_pkt p;
	(void)state;

	assert_int_equal(sg_pkt_arp_request(f, mac, me, relay), 60);
	assert_int_equal(sg_pkt_parse(f, SG_PKT_ARP_REQUEST_LEN, &p), SG_PKT_ARP);
	assert_memory_equal(p.src.mac, mac, 6);
	assert_memory_equal(p.src.addr, me, 4);
	assert_memory_equal(p.dst_addr, relay, 4);
	assert_true(sg_all_zero(f + 42, 18)); /* padding */
	assert_int_equal(sg_pkt_arp_reply(f, SG_PKT_ARP_REQUEST_LEN, &p, rmac, relay), 42);
	assert_memory_equal(f, mac, 6);          /* back to the requester */
	assert_memory_equal(f + 22, rmac, 6);   /* sender hardware: the relay */
	free(f);
}

/* A template writes exactly what sg_pkt_write_udp_headers writes. */
static void test_template(void **state)
{
	static const uint16_t lens[] = { 0, 1, 7, 64, 1395, 1400 };

	(void)state;
	for (unsigned fam = 4; fam <= 6; fam += 2) {
		for (int vlan = 0; vlan <= 1; vlan++) {
			struct sg_endpoint from, to;
			struct sg_pkt_tpl t;

			endpoints(&from, &to, fam, vlan);
			sg_pkt_tpl_init(&t, &from, &to);
			assert_int_equal(t.len, sg_pkt_udp_headers_len(&to));
			for (size_t i = 0; i < SG_ARRAY_SIZE(lens); i++) {
				unsigned hl = t.len;
				uint8_t *a = heap_buf(hl + lens[i]), *b = heap_buf(hl + lens[i]);

				for (size_t j = 0; j < lens[i]; j++)
					a[hl + j] = b[hl + j] = (uint8_t)(j * 13 + i);
				assert_int_equal(sg_pkt_write_udp_headers(a, &from, &to, lens[i]), hl);
				assert_int_equal(sg_pkt_tpl_write(b, &t, lens[i]), hl);
				assert_memory_equal(a, b, hl + lens[i]);
				check_written(b, fam, vlan, lens[i]);
				free(a);
				free(b);
			}
		}
	}
}

/* A UDP checksum that computes to 0 goes out as 0xffff (RFC 8200 8.1). */
static void test_udp6_zero_checksum(void **state)
{
	struct sg_endpoint from, to;
	uint8_t *b;
	unsigned hl;

	(void)state;
	endpoints(&from, &to, 6, 0);
	hl = sg_pkt_udp_headers_len(&to);
	b = heap_buf(hl + 4);
	memcpy(b + hl, "\x12\x34\x00\x00", 4);
	sg_pkt_write_udp_headers(b, &from, &to, 4);
	/* The checksum word, put in the payload, makes the sum all ones. */
	b[hl + 2] = b[hl - 2];
	b[hl + 3] = b[hl - 1];
	sg_pkt_write_udp_headers(b, &from, &to, 4);
	assert_int_equal(b[hl - 2], 0xff);
	assert_int_equal(b[hl - 1], 0xff);
	free(b);
}

/* ---------------------------------------------------------------- answers */

/* The question in an exact-size heap buffer of cap bytes (>= its length). */
static uint8_t *question(enum frame_kind k, int vlan, size_t cap, size_t *len,
			 struct sg_pkt *p, int kind)
{
	struct fb f;
	uint8_t *b;

	*len = build(&f, k, vlan);
	assert_true(cap >= *len);
	b = heap_buf(cap);
	memcpy(b, f.b, *len);
	assert_int_equal(sg_pkt_parse(b, *len, p), kind);
	return b;
}

static void expect_eth(const uint8_t *b, int vlan, const uint8_t *dst, unsigned type)
{
	assert_memory_equal(b, dst, 6);
	assert_memory_equal(b + 6, relay_mac, 6);
	if (vlan) {
		assert_int_equal(b[12] << 8 | b[13], 0x8100);
		assert_int_equal(b[14] << 8 | b[15], TCI);
	}
	assert_int_equal(b[vlan ? 16 : 12] << 8 | b[vlan ? 17 : 13], type);
}

static void test_arp_reply(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		size_t len, l3 = vlan ? 18 : 14;
		struct sg_pkt p;
		uint8_t *b = question(F_ARP, vlan, 60, &len, &p, SG_PKT_ARP), *copy;
		static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };

		copy = heap_copy(b, len);
		assert_int_equal(sg_pkt_arp_reply(b, len, &p, relay_mac, other_ip4), 0);
		assert_memory_equal(b, copy, len); /* untouched */
		assert_int_equal(sg_pkt_arp_reply(b, len, &p, relay_mac, relay_ip4), l3 + 28);
		expect_eth(b, vlan, peer_mac, 0x0806);
		assert_memory_equal(b + l3, head, 8);
		assert_memory_equal(b + l3 + 8, relay_mac, 6);
		assert_memory_equal(b + l3 + 14, relay_ip4, 4);
		assert_memory_equal(b + l3 + 18, peer_mac, 6);
		assert_memory_equal(b + l3 + 24, peer_ip4, 4);
		assert_int_equal(sg_pkt_parse(b, l3 + 28, &p), SG_PKT_E_ARP);
		/* an answer is not a question: asking again gets nothing */
		assert_int_equal(sg_pkt_arp_reply(b, len, &p, relay_mac, peer_ip4), 0);
		free(copy);
		free(b);
	}
}

static void test_icmp4_echo_reply(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		size_t len, l3 = vlan ? 18 : 14;
		struct sg_pkt p;
		uint8_t *b = question(F_ECHO4, vlan, 100, &len, &p, SG_PKT_ICMP4_ECHO);
		const uint8_t *ip = b + l3, *icmp = ip + 20;

		assert_int_equal(sg_pkt_icmp4_echo_reply(b, len, &p, relay_mac), len);
		expect_eth(b, vlan, peer_mac, 0x0800);
		assert_memory_equal(ip + 12, relay_ip4, 4);
		assert_memory_equal(ip + 16, peer_ip4, 4);
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 1);
		assert_int_equal(ip[2] << 8 | ip[3], 41);
		assert_int_equal(ones(0, ip, 20), 0xffff);
		assert_int_equal(icmp[0], 0);
		assert_int_equal(icmp[1], 0);
		assert_int_equal(icmp[4] << 8 | icmp[5], 0x4242);
		assert_int_equal(icmp[6] << 8 | icmp[7], 7);
		assert_memory_equal(icmp + 8, echo_data, 13);
		assert_int_equal(ones(0, icmp, 21), 0xffff);
		assert_int_equal(sg_pkt_parse(b, len, &p), SG_PKT_E_ICMP);
		free(b);

		/* not to or from a broadcast, multicast or unspecified address */
		b = question(F_ECHO4, vlan, 100, &len, &p, SG_PKT_ICMP4_ECHO);
		memset(b + l3 + 16, 0xff, 4);
		assert_int_equal(sg_pkt_icmp4_echo_reply(b, len, &p, relay_mac), 0);
		b[l3 + 16] = 224;
		assert_int_equal(sg_pkt_icmp4_echo_reply(b, len, &p, relay_mac), 0);
		memcpy(b + l3 + 16, relay_ip4, 4);
		memset(b + l3 + 12, 0, 4); /* from 0.0.0.0 */
		assert_int_equal(sg_pkt_icmp4_echo_reply(b, len, &p, relay_mac), 0);
		free(b);
		/* not for a frame of another kind */
		b = question(F_UDP4, vlan, 100, &len, &p, SG_PKT_UDP);
		assert_int_equal(sg_pkt_icmp4_echo_reply(b, len, &p, relay_mac), 0);
		free(b);
	}
}

static void test_icmp6_echo_reply(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		size_t len, l3 = vlan ? 18 : 14;
		struct sg_pkt p;
		uint8_t *b = question(F_ECHO6, vlan, 100, &len, &p, SG_PKT_ICMP6_ECHO);
		const uint8_t *ip = b + l3, *icmp = ip + 40;

		assert_int_equal(sg_pkt_icmp6_echo_reply(b, len, &p, relay_mac), len);
		expect_eth(b, vlan, peer_mac, 0x86dd);
		assert_memory_equal(ip + 8, relay_ip6, 16);
		assert_memory_equal(ip + 24, peer_ip6, 16);
		assert_int_equal(ip[4] << 8 | ip[5], 21);
		assert_int_equal(ip[6], 58);
		assert_int_equal(ip[7], 64);
		assert_int_equal(icmp[0], 129);
		assert_int_equal(icmp[1], 0);
		assert_int_equal(icmp[4] << 8 | icmp[5], 0x4242);
		assert_memory_equal(icmp + 8, echo_data, 13);
		assert_int_equal(ones(ones_ip6_pseudo(ip, 21, 58), icmp, 21), 0xffff);
		assert_int_equal(sg_pkt_parse(b, len, &p), SG_PKT_E_ICMP);
		free(b);

		b = question(F_ECHO6, vlan, 100, &len, &p, SG_PKT_ICMP6_ECHO);
		b[l3 + 24] = 0xff; /* to a multicast group */
		assert_int_equal(sg_pkt_icmp6_echo_reply(b, len, &p, relay_mac), 0);
		memcpy(b + l3 + 24, relay_ip6, 16);
		memset(b + l3 + 8, 0, 16); /* from :: */
		assert_int_equal(sg_pkt_icmp6_echo_reply(b, len, &p, relay_mac), 0);
		b[l3 + 8] = 0xff; /* from a multicast group */
		assert_int_equal(sg_pkt_icmp6_echo_reply(b, len, &p, relay_mac), 0);
		free(b);
		b = question(F_NS, vlan, 100, &len, &p, SG_PKT_NDP_NS);
		assert_int_equal(sg_pkt_icmp6_echo_reply(b, len, &p, relay_mac), 0);
		free(b);
	}
}

static void expect_na(const uint8_t *b, int vlan, const uint8_t *eth_dst, const uint8_t *ip_dst,
		      uint8_t flags)
{
	static const uint8_t head[8] = { 0x60, 0, 0, 0, 0, 32, 58, 255 };
	const uint8_t *ip = b + (vlan ? 18 : 14), *na = ip + 40;

	expect_eth(b, vlan, eth_dst, 0x86dd);
	assert_memory_equal(ip, head, 8);
	assert_memory_equal(ip + 8, relay_ip6, 16);
	assert_memory_equal(ip + 24, ip_dst, 16);
	assert_int_equal(na[0], 136);
	assert_int_equal(na[1], 0);
	assert_int_equal(na[4], flags);
	assert_int_equal(na[5] | na[6] | na[7], 0);
	assert_memory_equal(na + 8, relay_ip6, 16);
	assert_int_equal(na[24], 2);
	assert_int_equal(na[25], 1);
	assert_memory_equal(na + 26, relay_mac, 6);
	assert_int_equal(ones(ones_ip6_pseudo(ip, 32, 58), na, 32), 0xffff);
}

static void test_ndp_advert(void **state)
{
	(void)state;
	for (int vlan = 0; vlan <= 1; vlan++) {
		size_t len, l3 = vlan ? 18 : 14, na_len = l3 + 72;
		struct sg_pkt p;
		uint8_t *b = question(F_NS, vlan, na_len, &len, &p, SG_PKT_NDP_NS);

		assert_int_equal(len, na_len); /* NS with its 8-byte option */
		assert_int_equal(sg_pkt_ndp_advert(b, len, len, &p, relay_mac, other_ip6), 0);
		assert_int_equal(sg_pkt_ndp_advert(b, len, len, &p, relay_mac, relay_ip6), na_len);
		expect_na(b, vlan, peer_mac, peer_ip6, 0x60);
		assert_int_equal(sg_pkt_parse(b, na_len, &p), SG_PKT_E_ICMP);
		free(b);

		/* duplicate address detection: from ::, answered to all nodes */
		b = question(F_NS_DAD, vlan, na_len, &len, &p, SG_PKT_NDP_NS);
		assert_int_equal(sg_pkt_ndp_advert(b, len, len, &p, relay_mac, relay_ip6), na_len);
		expect_na(b, vlan, all_nodes_mac, all_nodes_ip6, 0x20);
		free(b);

		/* an NS without options: the answer grows, within cap only */
		for (size_t cap = na_len - 8; cap <= na_len; cap++) {
			b = question(F_NS_BARE, vlan, cap, &len, &p, SG_PKT_NDP_NS);
			assert_int_equal(len, na_len - 8);
			assert_int_equal(p.payload_len, 0);
			assert_int_equal(sg_pkt_ndp_advert(b, len, cap, &p, relay_mac, relay_ip6),
					 cap < na_len ? 0 : na_len);
			if (cap == na_len)
				expect_na(b, vlan, peer_mac, peer_ip6, 0x60);
			free(b);
		}

		/* not for an echo, nor for 21 bytes that claim to be an NS */
		b = question(F_ECHO6, vlan, 100, &len, &p, SG_PKT_ICMP6_ECHO);
		assert_int_equal(sg_pkt_ndp_advert(b, len, 100, &p, relay_mac, relay_ip6), 0);
		b[l3 + 40] = 135;
		assert_int_equal(sg_pkt_ndp_advert(b, len, 100, &p, relay_mac, relay_ip6), 0);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_udp),
		cmocka_unit_test(test_parse_arp),
		cmocka_unit_test(test_parse_icmp),
		cmocka_unit_test(test_parse_padding),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_udp6_zero_checksum),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_icmp4_echo_reply),
		cmocka_unit_test(test_icmp6_echo_reply),
		cmocka_unit_test(test_ndp_advert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
