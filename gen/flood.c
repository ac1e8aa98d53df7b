/* SPDX-License-Identifier: MIT */
/*
 * flood.c - the hostile frames of flood.h on byte buffers.  Each mode is a
 * table of kinds taken in turn (a cursor per mode), so a run's mix is fixed
 * by the mode and the number of frames; within a kind the lengths, the
 * defect and the bytes are random (xorshift64*, seeded by --seed).  Every
 * IPv4 header carries a valid checksum (the relay does not verify them,
 * but a middlebox on a real link would); UDP checksums are 0.
 */
#include <stdlib.h>
#include <string.h>

#include "flood.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/messages.h"
#include "proto/status.h"

const char *const sg_gen_flood_mode_names[SG_GEN_FLOOD_N_MODES] = {
	"garbage", "replay", "oversize", "fragment", "arp", "handshake",
};

const char *const sg_gen_flood_expect_names[SG_GEN_FX_N] = {
	"l2", "ip_header", "ip_fragment", "ipv6_ext", "not_ours", "proto", "udp_header",
	"wrong_port", "icmp", "arp", "type", "length", "reserved", "unexpected",
	"handshake_mac1", "unknown_session", "stale_generation", "key_phase", "replay", "tag",
	"arp_answered",
};

enum {
	ETH = 14, IP4 = 20, IP6 = 40, UDP = 8, ARP_LEN = 28,
	ETH_IP4 = 0x0800, ETH_IP6 = 0x86dd, ETH_ARP = 0x0806, ETH_VLAN = 0x8100,
	ETH_QINQ = 0x88a8,
	P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_GRE = 47, P_FRAG6 = 44,
	IP4_MF = 0x2000,
	FLOOD_MTU = 1500,
};

/* --- randomness ------------------------------------------------------- */

static uint64_t rnd(struct sg_gen_flood *f)
{
	uint64_t x = f->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in 0..n-1 (n > 0). */
static uint32_t below(struct sg_gen_flood *f, uint32_t n)
{
	return (uint32_t)(((rnd(f) >> 32) * (uint64_t)n) >> 32);
}

static void rbytes(struct sg_gen_flood *f, uint8_t *o, size_t n)
{
	memcpy(o, f->rand + below(f, SG_GEN_FLOOD_RAND), n);
}

/* --- headers ---------------------------------------------------------- */

static void be16(uint8_t *p, size_t v)
{
	sg_put_be16(p, (uint16_t)v);
}

static void flood_mac(struct sg_gen_flood *f, uint8_t m[6])
{
	uint64_t r = rnd(f);

	m[0] = 0x02;
	m[1] = 0x66;
	m[2] = 0x6c;
	m[3] = (uint8_t)r;
	m[4] = (uint8_t)(r >> 8);
	m[5] = (uint8_t)(r >> 16);
}

int sg_gen_flood_mac(const uint8_t mac[6])
{
	return mac[0] == 0x02 && mac[1] == 0x66 && mac[2] == 0x6c;
}

static void src_addr(struct sg_gen_flood *f, uint8_t a[4])
{
	const uint8_t *b = f->net.src_base;
	uint32_t v = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) +
		     below(f, f->net.src_count);

	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

/* An address of the relay's subnet that is not the relay's. */
static void other_addr(const struct sg_gen_flood *f, uint8_t a[4])
{
	memcpy(a, f->net.relay_ip, 4);
	a[3] ^= 0x80;
}

/* Ethernet to the relay from a flood MAC; the header's length. */
static size_t eth(struct sg_gen_flood *f, uint8_t *o, uint16_t type)
{
	memcpy(o, f->net.relay_mac, 6);
	flood_mac(f, o + 6);
	be16(o + 12, type);
	return ETH;
}

static void ip4_csum(uint8_t *ip)
{
	uint32_t sum = 0;
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	for (size_t i = 0; i + 1 < hl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	be16(ip + 10, ~sum & 0xffff);
}

/* IPv4 header (20 bytes) from a source-range address to dst. */
static void ip4(struct sg_gen_flood *f, uint8_t *ip, const uint8_t dst[4], uint8_t proto,
		size_t payload, uint16_t frag)
{
	ip[0] = 0x45;
	ip[1] = 0;
	be16(ip + 2, IP4 + payload);
	be16(ip + 4, below(f, 65536));
	be16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	src_addr(f, ip + 12);
	memcpy(ip + 16, dst, 4);
	ip4_csum(ip);
}

/* IPv6 header (40 bytes) 2001:2::N -> 2001:2::1. */
static void ip6(struct sg_gen_flood *f, uint8_t *ip, uint8_t next, size_t payload)
{
	static const uint8_t net6[8] = { 0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0 };

	memset(ip, 0, IP6);
	ip[0] = 0x60;
	be16(ip + 4, payload);
	ip[6] = next;
	ip[7] = 64;
	memcpy(ip + 8, net6, 8);
	sg_put_be16(ip + 22, (uint16_t)(below(f, 65535) + 2));
	memcpy(ip + 24, net6, 8);
	ip[39] = 1;
}

static void udp(struct sg_gen_flood *f, uint8_t *u, uint16_t dport, size_t payload)
{
	be16(u, 1024 + below(f, 64512));
	be16(u + 2, dport);
	be16(u + 4, UDP + payload);
	be16(u + 6, 0);
}

/* Ethernet + IPv4 + UDP to the relay's port, plen payload bytes at *pl. */
static size_t udp_to_relay(struct sg_gen_flood *f, uint8_t *o, size_t plen, uint8_t **pl)
{
	size_t n = eth(f, o, ETH_IP4);

	ip4(f, o + n, f->net.relay_ip, P_UDP, UDP + plen, 0);
	udp(f, o + n + IP4, f->net.relay_port, plen);
	*pl = o + n + IP4 + UDP;
	return n + IP4 + UDP + plen;
}

/* A live session's index, or 0 when there is none yet. */
static uint32_t live_index(struct sg_gen_flood *f)
{
	return f->net.n_live ? f->net.live[below(f, f->net.n_live)] : 0;
}

/* A transport header: type, flags, reserved 0, receiver, counter; the rest random. */
static void transport(struct sg_gen_flood *f, uint8_t *m, size_t len, uint8_t type,
		      uint8_t flags, uint32_t receiver, uint64_t counter)
{
	rbytes(f, m, len);
	m[0] = type;
	m[SG_HDR_OFF_FLAGS] = flags;
	m[SG_HDR_OFF_RESERVED] = m[SG_HDR_OFF_RESERVED + 1] = 0;
	sg_put_le32(m + SG_HDR_OFF_RECEIVER, receiver);
	sg_put_le64(m + SG_HDR_OFF_COUNTER, counter);
}

/* A handshake-kind message: type, three reserved zero bytes, the rest random. */
static void handshake(struct sg_gen_flood *f, uint8_t *m, size_t len, uint8_t type)
{
	rbytes(f, m, len);
	m[0] = type;
	m[1] = m[2] = m[3] = 0;
}

static size_t data_len(struct sg_gen_flood *f)
{
	return SG_DATA_MIN_LEN + below(f, 200);
}

/* --- garbage ---------------------------------------------------------- */

/* Random bytes under an EtherType the relay has no use for (an 802.3 length). */
static size_t g_l2(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t len = ETH + below(f, FLOOD_MTU + 1);

	rbytes(f, o, len);
	memcpy(o, f->net.relay_mac, 6);
	be16(o + 12, below(f, 0x0600));
	*x = SG_GEN_FX_L2;
	return len;
}

/* Runts shorter than an Ethernet header, and QinQ / double tags. */
static size_t g_runt(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t len;

	*x = SG_GEN_FX_L2;
	if (below(f, 2)) {
		len = 1 + below(f, ETH - 1);
		rbytes(f, o, len);
		return len;
	}
	len = eth(f, o, below(f, 2) ? ETH_QINQ : ETH_VLAN) + 4 + 64;
	rbytes(f, o + ETH, len - ETH);
	be16(o + ETH + 2, below(f, 2) ? ETH_VLAN : ETH_QINQ); /* a second tag: not ours */
	return len;
}

static size_t g_ip_header(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t n, plen = UDP + below(f, 64);
	uint32_t v;
	uint8_t *ip;

	*x = SG_GEN_FX_IP_HEADER;
	if (below(f, 4) == 0) { /* IPv6: payload length past the frame, or hop limit 0 */
		n = eth(f, o, ETH_IP6);
		ip6(f, o + n, P_UDP, plen);
		if (below(f, 2))
			be16(o + n + 4, plen + 1 + below(f, 1000));
		else
			o[n + 7] = 0;
		rbytes(f, o + n + IP6, plen);
		return n + IP6 + plen;
	}
	n = eth(f, o, ETH_IP4);
	ip = o + n;
	ip4(f, ip, f->net.relay_ip, P_UDP, plen, 0);
	rbytes(f, ip + IP4, plen);
	switch (below(f, 5)) {
	case 0: v = below(f, 15); ip[0] = (uint8_t)((v + (v >= 4)) << 4 | 5); break; /* not 4 */
	case 1: ip[0] = (uint8_t)(0x40 | below(f, 5)); break;          /* IHL < 5 */
	case 2: be16(ip + 2, IP4 + plen + 1 + below(f, 2000)); break;  /* past the frame */
	case 3: be16(ip + 2, below(f, IP4)); break;                     /* shorter than its header */
	default: ip[8] = 0; break;                                      /* TTL 0 */
	}
	ip4_csum(ip);
	return n + IP4 + plen;
}

static size_t g_ipv6_ext(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	static const uint8_t ext[] = { 0, 43, 60, 51, 50, 135, 139, 140, 253, 254 };
	size_t n = eth(f, o, ETH_IP6), plen = 8 + below(f, 120);

	ip6(f, o + n, ext[below(f, sizeof(ext))], plen);
	rbytes(f, o + n + IP6, plen);
	*x = SG_GEN_FX_IPV6_EXT;
	return n + IP6 + plen;
}

/* TCP, GRE or any protocol but UDP and ICMP, to the relay. */
static size_t g_proto(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t n = eth(f, o, ETH_IP4), plen = 20 + below(f, 200);
	uint8_t p = (uint8_t)below(f, 256);

	if (p == P_UDP || p == P_ICMP)
		p = below(f, 2) ? P_TCP : P_GRE;
	ip4(f, o + n, f->net.relay_ip, p, plen, 0);
	rbytes(f, o + n + IP4, plen);
	*x = SG_GEN_FX_PROTO;
	return n + IP4 + plen;
}

/* ICMP to the relay that is not an echo request: a timestamp, an echo with code 1. */
static size_t g_icmp(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t n = eth(f, o, ETH_IP4), plen = 8 + below(f, 56);
	uint8_t *icmp = o + n + IP4;

	ip4(f, o + n, f->net.relay_ip, P_ICMP, plen, 0);
	rbytes(f, icmp, plen);
	icmp[0] = below(f, 2) ? 13 : 8;
	icmp[1] = icmp[0] == 8 ? (uint8_t)(1 + below(f, 255)) : 0;
	*x = SG_GEN_FX_ICMP;
	return n + IP4 + plen;
}

/* UDP to the relay's port and ICMP echo, at an address that is not the relay's. */
static size_t g_not_ours(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t n = eth(f, o, ETH_IP4), plen = SG_INIT_LEN;
	uint8_t dst[4], *ip = o + n;

	other_addr(f, dst);
	if (below(f, 2)) {
		ip4(f, ip, dst, P_UDP, UDP + plen, 0);
		udp(f, ip + IP4, f->net.relay_port, plen);
		handshake(f, ip + IP4 + UDP, plen, SG_MSG_HANDSHAKE_INIT);
		plen += UDP;
	} else {
		plen = 8 + below(f, 56);
		ip4(f, ip, dst, P_ICMP, plen, 0);
		rbytes(f, ip + IP4, plen);
		ip[IP4] = 8;
		ip[IP4 + 1] = 0;
	}
	*x = SG_GEN_FX_NOT_OURS;
	return n + IP4 + plen;
}

/* A UDP length that disagrees with the IP length (shorter than 8 included). */
static size_t g_udp_header(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint8_t *pl;
	size_t len = udp_to_relay(f, o, SG_KEEPALIVE_LEN, &pl);
	uint8_t *u = pl - UDP;

	rbytes(f, pl, SG_KEEPALIVE_LEN);
	be16(u + 4, below(f, 2) ? below(f, UDP) : UDP + SG_KEEPALIVE_LEN + 1 + below(f, 1000));
	*x = SG_GEN_FX_UDP_HEADER;
	return len;
}

static size_t g_wrong_port(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint8_t *pl;
	size_t len = udp_to_relay(f, o, SG_INIT_LEN, &pl);
	uint16_t port = (uint16_t)below(f, 65536);

	handshake(f, pl, SG_INIT_LEN, SG_MSG_HANDSHAKE_INIT);
	be16(pl - UDP + 2, port == f->net.relay_port ? port ^ 1 : port);
	*x = SG_GEN_FX_WRONG_PORT;
	return len;
}

/*
 * A random payload to the relay's port, judged by the relay's own first
 * look: a random type byte, a valid type of random length, a valid length
 * with random reserved bits, or nothing at all.  A payload that happens to
 * pass gets type 0.
 */
static size_t g_classify(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	static const uint16_t fixed[SG_MSG_TYPE_MAX + 1] = {
		0, SG_INIT_LEN, SG_RESP_LEN, SG_COOKIE_REPLY_LEN, SG_DATA_MIN_LEN + 64,
		SG_KEEPALIVE_LEN, SG_CLOSE_LEN, SG_REPLY_LEN, SG_ACK_MIN_LEN, SG_LOOKUP_LEN,
		SG_KEYINFO_LEN, SG_RESUME_LEN, SG_TICKET_MSG_LEN, SG_RRESP_LEN,
	};
	unsigned how = below(f, 4);
	uint8_t type = (uint8_t)(1 + below(f, SG_MSG_TYPE_MAX)), *pl;
	size_t plen = how == 3 ? 0 : how == 2 ? fixed[type] : below(f, SG_DATA_MAX_LEN + 1);
	size_t len = udp_to_relay(f, o, plen, &pl);
	int rc;

	rbytes(f, pl, plen);
	if (how == 1 || how == 2)
		pl[0] = type;
	if (how == 2 && !(pl[1] | pl[2] | pl[3]))
		pl[2] = 1;
	rc = sg_proto_classify(pl, plen);
	if (rc >= 0) {
		pl[0] = 0;
		rc = SG_E_TYPE;
	}
	*x = rc == SG_E_TYPE ? SG_GEN_FX_TYPE : rc == SG_E_LENGTH ? SG_GEN_FX_LENGTH :
								    SG_GEN_FX_RESERVED;
	return len;
}

/* Valid messages the relay sends but never receives. */
static size_t g_unexpected(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	static const struct { uint8_t type, hs; uint16_t len; } m[] = {
		{ SG_MSG_HANDSHAKE_RESP, 1, SG_RESP_LEN },
		{ SG_MSG_COOKIE_REPLY, 1, SG_COOKIE_REPLY_LEN },
		{ SG_MSG_RESUME_RESP, 1, SG_RRESP_LEN },
		{ SG_MSG_RELAY_REPLY, 0, SG_REPLY_LEN },
		{ SG_MSG_KEY_INFO, 0, SG_KEYINFO_LEN },
		{ SG_MSG_TICKET, 0, SG_TICKET_MSG_LEN },
	};
	unsigned k = below(f, sizeof(m) / sizeof(m[0]));
	uint8_t *pl;
	size_t len = udp_to_relay(f, o, m[k].len, &pl);

	if (m[k].hs)
		handshake(f, pl, m[k].len, m[k].type);
	else
		transport(f, pl, m[k].len, m[k].type, 0, live_index(f), rnd(f));
	*x = SG_GEN_FX_UNEXPECTED;
	return len;
}

/* Initiations and resumptions with random bytes for a mac1. */
static size_t g_mac1(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	int init = below(f, 4) != 0;
	size_t plen = init ? SG_INIT_LEN : SG_RESUME_LEN;
	uint8_t *pl;
	size_t len = udp_to_relay(f, o, plen, &pl);

	handshake(f, pl, plen, init ? SG_MSG_HANDSHAKE_INIT : SG_MSG_RESUME);
	*x = SG_GEN_FX_MAC1;
	return len;
}

/* Transport frames for slot 0, which no session ever has. */
static size_t g_unknown(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	static const uint8_t types[] = { SG_MSG_DATA, SG_MSG_KEEPALIVE, SG_MSG_CLOSE,
					 SG_MSG_DELIVERY_ACK, SG_MSG_KEY_LOOKUP };
	uint8_t type = types[below(f, sizeof(types))], *pl;
	size_t plen = type == SG_MSG_DATA ? data_len(f) : type == SG_MSG_KEEPALIVE ?
		      SG_KEEPALIVE_LEN : type == SG_MSG_CLOSE ? SG_CLOSE_LEN :
		      type == SG_MSG_DELIVERY_ACK ? SG_ACK_MIN_LEN : SG_LOOKUP_LEN;
	size_t len = udp_to_relay(f, o, plen, &pl);

	transport(f, pl, plen, type, 0, (uint32_t)rnd(f) & 0xff000000u, rnd(f) >> 8);
	*x = SG_GEN_FX_UNKNOWN_SESSION;
	return len;
}

/* A live session's slot under another generation (the index's top bit flipped). */
static size_t g_stale(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint32_t idx = live_index(f);
	uint8_t *pl;
	size_t plen = data_len(f), len = udp_to_relay(f, o, plen, &pl);

	transport(f, pl, plen, SG_MSG_DATA, 0, idx ? idx ^ 0x80000000u : 0, rnd(f) >> 8);
	*x = idx ? SG_GEN_FX_STALE_GENERATION : SG_GEN_FX_UNKNOWN_SESSION;
	return len;
}

static size_t g_key_phase(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint32_t idx = live_index(f);
	uint8_t *pl;
	size_t plen = data_len(f), len = udp_to_relay(f, o, plen, &pl);

	transport(f, pl, plen, SG_MSG_DATA, SG_HDR_F_KEY_PHASE, idx, rnd(f) >> 8);
	*x = idx ? SG_GEN_FX_KEY_PHASE : SG_GEN_FX_UNKNOWN_SESSION;
	return len;
}

/*
 * A live session, a counter far ahead of any the user will send (the window
 * passes it), random ciphertext: the relay opens it and the tag fails; a
 * frame that fails leaves the window as it was.
 */
static size_t g_tag(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint32_t idx = live_index(f);
	uint8_t *pl;
	size_t plen = data_len(f), len = udp_to_relay(f, o, plen, &pl);

	transport(f, pl, plen, SG_MSG_DATA, 0, idx, (1ull << 62) + (rnd(f) >> 24));
	*x = idx ? SG_GEN_FX_TAG : SG_GEN_FX_UNKNOWN_SESSION;
	return len;
}

/* --- oversize --------------------------------------------------------- */

/* DATA and initiations longer than their longest length, in frames up to 2048 bytes. */
static size_t o_long(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	size_t room = SG_GEN_FLOOD_FRAME_MAX - ETH - IP4 - UDP;
	size_t plen = SG_DATA_MAX_LEN + 1 + below(f, (uint32_t)(room - SG_DATA_MAX_LEN));
	uint8_t *pl;
	size_t len = udp_to_relay(f, o, plen, &pl);

	if (below(f, 2))
		transport(f, pl, plen, SG_MSG_DATA, 0, live_index(f), rnd(f) >> 8);
	else
		handshake(f, pl, plen, SG_MSG_HANDSHAKE_INIT);
	*x = SG_GEN_FX_LENGTH;
	return len;
}

/* A full-size frame whose IP or UDP length claims 9000 bytes. */
static size_t o_claims(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint8_t *pl;
	size_t plen = FLOOD_MTU - IP4 - UDP, len = udp_to_relay(f, o, plen, &pl);

	transport(f, pl, plen, SG_MSG_DATA, 0, live_index(f), rnd(f) >> 8);
	if (below(f, 2)) {
		be16(o + ETH + 2, 9000);
		ip4_csum(o + ETH);
		*x = SG_GEN_FX_IP_HEADER;
	} else {
		be16(pl - UDP + 4, 9000 - IP4);
		*x = SG_GEN_FX_UDP_HEADER;
	}
	return len;
}

/* --- fragments -------------------------------------------------------- */

/*
 * IPv4 fragments of one 1200-byte datagram to the relay's port: the first
 * (UDP header and a DATA header inside), a middle one, the last, one
 * overlapping the first, a tiny first fragment of 8 bytes; IPv6 fragment
 * headers, first and last.
 */
static size_t f_frag(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	unsigned k = below(f, 6);
	size_t n, plen;
	uint16_t frag;
	uint8_t *ip;

	*x = SG_GEN_FX_IP_FRAGMENT;
	if (k == 5) {
		n = eth(f, o, ETH_IP6);
		plen = 8 + 8 + below(f, 600);
		ip6(f, o + n, P_FRAG6, plen);
		rbytes(f, o + n + IP6, plen);
		o[n + IP6] = P_UDP;
		o[n + IP6 + 1] = 0;
		/* offset 0 with M, or the last piece at an offset */
		be16(o + n + IP6 + 2, below(f, 2) ? 1 : (uint16_t)((1 + below(f, 100)) << 3));
		return n + IP6 + plen;
	}
	n = eth(f, o, ETH_IP4);
	ip = o + n;
	switch (k) {
	case 0: plen = 600; frag = IP4_MF; break;                             /* first */
	case 1: plen = 400; frag = IP4_MF | 75; break;                        /* middle: at 600 */
	case 2: plen = 200; frag = 125; break;                                /* last: at 1000 */
	case 3: plen = 400; frag = IP4_MF | (uint16_t)(1 + below(f, 70)); break; /* overlaps */
	default: plen = 8; frag = IP4_MF; break;                              /* tiny first */
	}
	ip4(f, ip, f->net.relay_ip, P_UDP, plen, frag);
	rbytes(f, ip + IP4, plen);
	if ((frag & 0x1fff) == 0) { /* a first fragment starts with the UDP header */
		udp(f, ip + IP4, f->net.relay_port, 1200 - UDP);
		if (plen > UDP + SG_HDR_LEN)
			transport(f, ip + IP4 + UDP, SG_HDR_LEN, SG_MSG_DATA, 0, live_index(f),
				  rnd(f) >> 8);
	}
	return n + IP4 + plen;
}

/* --- ARP -------------------------------------------------------------- */

static size_t arp(struct sg_gen_flood *f, uint8_t *o, uint16_t op, const uint8_t tpa[4],
		  const uint8_t spa[4])
{
	uint8_t *a = o + ETH;

	memset(o, 0xff, 6); /* broadcast */
	flood_mac(f, o + 6);
	be16(o + 12, ETH_ARP);
	be16(a, 1);
	be16(a + 2, ETH_IP4);
	a[4] = 6;
	a[5] = 4;
	be16(a + 6, op);
	memcpy(a + 8, o + 6, 6);
	if (spa)
		memcpy(a + 14, spa, 4);
	else
		src_addr(f, a + 14);
	if (op == 2)
		memcpy(o, f->net.relay_mac, 6);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tpa, 4);
	memset(a + ARP_LEN, 0, 60 - ETH - ARP_LEN);
	return 60;
}

static size_t a_arp(struct sg_gen_flood *f, uint8_t *o, unsigned *x)
{
	uint8_t other[4], gra[4];
	size_t len;

	switch (below(f, 6)) {
	case 0:
	case 1: /* a question for the relay, from a new MAC and address each time */
		*x = SG_GEN_FX_ARP_ANSWERED;
		return arp(f, o, 1, f->net.relay_ip, NULL);
	case 2: /* for another address */
		other_addr(f, other);
		*x = SG_GEN_FX_ARP;
		return arp(f, o, 1, other, NULL);
	case 3: /* an unsolicited reply that claims the relay's address */
		other_addr(f, other);
		len = arp(f, o, 2, other, f->net.relay_ip);
		*x = SG_GEN_FX_ARP;
		return len;
	case 4: /* gratuitous: a sender announcing its own address */
		src_addr(f, gra);
		*x = SG_GEN_FX_ARP;
		return arp(f, o, 1, gra, gra);
	default: /* malformed: hardware length, protocol type, or cut short */
		len = arp(f, o, 1, f->net.relay_ip, NULL);
		*x = SG_GEN_FX_ARP;
		switch (below(f, 3)) {
		case 0: o[ETH + 4] = 8; return len;
		case 1: be16(o + ETH + 2, ETH_IP6); return len;
		default: return ETH + below(f, ARP_LEN);
		}
	}
}

/* --- replay ----------------------------------------------------------- */

uint64_t sg_gen_flood_capture(struct sg_gen_flood *f, const uint8_t *frame, size_t len,
			      unsigned q)
{
	uint64_t slot = f->cap_head++;
	unsigned i = (unsigned)(slot % SG_GEN_FLOOD_CAP_SLOTS);

	if (!f->cap || len > SG_GEN_FLOOD_CAP_FRAME) {
		if (f->cap_len)
			f->cap_len[i] = 0;
		return slot;
	}
	memcpy(f->cap + (size_t)i * SG_GEN_FLOOD_CAP_FRAME, frame, len);
	f->cap_len[i] = (uint16_t)len;
	f->cap_q[i] = (uint8_t)q;
	return slot;
}

void sg_gen_flood_uncapture(struct sg_gen_flood *f, uint64_t slot)
{
	if (f->cap_len && slot + SG_GEN_FLOOD_CAP_SLOTS > f->cap_head)
		f->cap_len[slot % SG_GEN_FLOOD_CAP_SLOTS] = 0;
}

/*
 * A capture at least SG_GEN_FLOOD_CAP_LAG old (so its original reached the
 * relay first: same queue, earlier), as it was or from another MAC,
 * address and port.
 */
static size_t r_replay(struct sg_gen_flood *f, uint8_t *o, unsigned *x, unsigned *q)
{
	uint64_t old = f->cap_head > SG_GEN_FLOOD_CAP_SLOTS ? SG_GEN_FLOOD_CAP_SLOTS :
							      f->cap_head;
	uint8_t a[4], *ip = o + ETH;
	unsigned i;
	size_t len;

	for (unsigned t = 0; t < 4 && old > SG_GEN_FLOOD_CAP_LAG; t++) {
		i = (unsigned)((f->cap_head - SG_GEN_FLOOD_CAP_LAG - 1 -
				below(f, (uint32_t)(old - SG_GEN_FLOOD_CAP_LAG))) %
			       SG_GEN_FLOOD_CAP_SLOTS);
		len = f->cap_len[i];
		if (!len)
			continue;
		memcpy(o, f->cap + (size_t)i * SG_GEN_FLOOD_CAP_FRAME, len);
		*q = f->cap_q[i];
		*x = SG_GEN_FX_REPLAY;
		if (below(f, 2) && len >= ETH + IP4 + UDP && o[12] == 0x08 && o[13] == 0x00 &&
		    ip[0] == 0x45) {
			flood_mac(f, o + 6);
			src_addr(f, a);
			memcpy(ip + 12, a, 4);
			ip4_csum(ip);
			be16(ip + IP4, 1024 + below(f, 64512));
		}
		return len;
	}
	f->replay_starved++;
	return 0;
}

/* --- modes ------------------------------------------------------------ */

typedef size_t (*kind_fn)(struct sg_gen_flood *f, uint8_t *o, unsigned *x);

static const kind_fn garbage[] = {
	g_l2, g_runt, g_ip_header, g_ipv6_ext, g_proto, g_icmp, g_not_ours, g_udp_header,
	g_wrong_port, g_classify, g_classify, g_classify, g_unexpected, g_mac1, g_unknown,
	g_stale, g_key_phase, g_tag,
};
static const kind_fn oversize[] = { o_long, o_long, o_claims };
static const kind_fn fragment[] = { f_frag };
static const kind_fn arps[] = { a_arp };
static const kind_fn handshakes[] = { g_mac1 };

#define KINDS(a) { a, sizeof(a) / sizeof(a[0]) }
static const struct { const kind_fn *fn; unsigned n; } modes[SG_GEN_FLOOD_N_MODES] = {
	[SG_GEN_FLOOD_GARBAGE] = KINDS(garbage),
	[SG_GEN_FLOOD_OVERSIZE] = KINDS(oversize),
	[SG_GEN_FLOOD_FRAGMENT] = KINDS(fragment),
	[SG_GEN_FLOOD_ARP] = KINDS(arps),
	[SG_GEN_FLOOD_HANDSHAKE] = KINDS(handshakes),
};

size_t sg_gen_flood_build(struct sg_gen_flood *f, unsigned mode, uint8_t *out,
			  unsigned *expect, unsigned *q)
{
	unsigned k;

	if (mode == SG_GEN_FLOOD_REPLAY)
		return r_replay(f, out, expect, q);
	if (mode >= SG_GEN_FLOOD_N_MODES || !modes[mode].n)
		return 0;
	k = f->cursor[mode];
	f->cursor[mode] = k + 1 < modes[mode].n ? k + 1 : 0;
	return modes[mode].fn[k](f, out, expect);
}

int sg_gen_flood_parse_modes(const char *s, uint8_t m[SG_GEN_FLOOD_MAX_MODES], unsigned *n)
{
	unsigned seen = 0;

	*n = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		unsigned k;

		for (k = 0; k < SG_GEN_FLOOD_N_MODES; k++)
			if (strlen(sg_gen_flood_mode_names[k]) == len &&
			    strncmp(s, sg_gen_flood_mode_names[k], len) == 0)
				break;
		if (k == SG_GEN_FLOOD_N_MODES || (seen & 1u << k) || *n == SG_GEN_FLOOD_MAX_MODES)
			return -1;
		seen |= 1u << k;
		m[(*n)++] = (uint8_t)k;
		s += len;
		if (*s == ',' && !*++s)
			return -1; /* a trailing comma */
	}
	return *n ? 0 : -1;
}

int sg_gen_flood_init(struct sg_gen_flood *f, const struct sg_gen_flood_net *net, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->net = *net;
	if (!f->net.src_count)
		f->net.src_count = 1;
	f->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	f->rand = malloc(SG_GEN_FLOOD_RAND + SG_GEN_FLOOD_FRAME_MAX);
	f->cap = malloc((size_t)SG_GEN_FLOOD_CAP_SLOTS * SG_GEN_FLOOD_CAP_FRAME);
	f->cap_len = calloc(SG_GEN_FLOOD_CAP_SLOTS, sizeof(*f->cap_len));
	f->cap_q = calloc(SG_GEN_FLOOD_CAP_SLOTS, sizeof(*f->cap_q));
	if (!f->rand || !f->cap || !f->cap_len || !f->cap_q) {
		sg_gen_flood_fini(f);
		return -1;
	}
	for (size_t i = 0; i < SG_GEN_FLOOD_RAND + SG_GEN_FLOOD_FRAME_MAX; i += 8) {
		uint64_t r = rnd(f);

		memcpy(f->rand + i, &r, 8);
	}
	return 0;
}

void sg_gen_flood_fini(struct sg_gen_flood *f)
{
	free(f->rand);
	free(f->cap);
	free(f->cap_len);
	free(f->cap_q);
	f->rand = f->cap = NULL;
	f->cap_len = NULL;
	f->cap_q = NULL;
}
