/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frame.c - a received Ethernet frame through the relay's receive path
 * up to the cryptography, in the order dataplane/worker.c's admit() and
 * route() take it, with the same pure functions (the worker itself needs
 * DPDK mbufs and EAL; every decision it makes on frame bytes is one of these
 * calls):
 *
 *   sg_pkt_parse ─┬─ ARP / ICMP echo / NDP: the in-place answer
 *                 │  (sg_pkt_arp_reply, sg_pkt_icmp4/6_echo_reply,
 *                 │  sg_pkt_ndp_advert) into a buffer of the mbuf's room
 *                 └─ UDP: sg_proto_classify ─┬─ INIT / RESUME: mac1 under
 *                    either relay key (sg_cookie_mac1_match), header check
 *                    └─ transport: sg_hdr_decode, the AEAD open of a fixed
 *                       session (sg_transport_open on a copy), then every
 *                       decoder of the control plane and libsurge on the
 *                       sealed bytes, as an authenticated peer controls them
 *
 * plus the capture filter (control/capture_match.c), which parses every
 * frame a running capture sees.  Invariants checked: parse results stay
 * inside the frame, every decoder that accepts its input re-encodes it to
 * the same bytes, and an answer never grows past the room it was given.
 * Input: the frame's bytes.
 */
#include "control/capture_match.h"
#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/transport.h"
#include "fuzz.h"
#include "proto/classify.h"
#include "proto/handshake_msg.h"
#include "proto/pkt.h"
#include "proto/resume_msg.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"

enum { TAILROOM = 128 }; /* what an mbuf leaves after a frame, at least */

static const uint8_t our_mac[6] = { 0x02, 0x53, 0x47, 0x00, 0x00, 0x01 };

/* The in-place answer, on a copy with the mbuf's room after it. */
static void answer(const uint8_t *frame, size_t len, const struct sg_pkt *p, int kind)
{
	size_t cap = len + TAILROOM, out = 0;
	uint8_t *b = malloc(cap);

	if (!b)
		abort();
	memcpy(b, frame, len);
	memset(b + len, 0xa5, TAILROOM);
	switch (kind) {
	case SG_PKT_ARP:
		/* The worker answers only for its own address: the one asked for. */
		out = sg_pkt_arp_reply(b, len, p, our_mac, p->dst_addr);
		break;
	case SG_PKT_ICMP4_ECHO:
		out = sg_pkt_icmp4_echo_reply(b, len, p, our_mac);
		break;
	case SG_PKT_ICMP6_ECHO:
		out = sg_pkt_icmp6_echo_reply(b, len, p, our_mac);
		break;
	case SG_PKT_NDP_NS:
		out = sg_pkt_ndp_advert(b, len, cap, p, our_mac, p->dst_addr);
		break;
	}
	FUZZ_CHECK(out <= cap);
	if (out && kind != SG_PKT_NDP_NS)
		FUZZ_CHECK(out <= len);
	if (out) {
		/* The answer is a frame the relay's own parser reads back. */
		struct sg_pkt again;

		(void)sg_pkt_parse(b, out, &again);
	}
	free(b);
}

/* decode -> encode gives the same bytes, for every decoder that accepts. */
static void plaintexts(uint8_t type, const uint8_t *plain, size_t plen)
{
	uint8_t out[SG_ACK_MAX_LEN];
	struct sg_ack_entry acks[SG_ACK_MAX_ENTRIES];
	struct sg_data_inner d;
	struct sg_reply r;
	struct sg_key_info k;
	struct sg_ticket_msg t;
	uint64_t user;
	uint16_t reason;
	unsigned n;
	size_t alen;

	switch (type) {
	case SG_MSG_DATA:
		FUZZ_CHECK(plen >= SG_DATA_INNER_LEN);
		if (sg_data_inner_decode(&d, plain) == SG_OK) {
			sg_data_inner_encode(out, &d);
			FUZZ_CHECK(memcmp(out, plain, SG_DATA_INNER_LEN) == 0);
		}
		break;
	case SG_MSG_RELAY_REPLY:
		FUZZ_CHECK(plen == SG_REPLY_PLAIN_LEN);
		if (sg_reply_decode(&r, plain) == SG_OK) {
			sg_reply_encode(out, &r);
			FUZZ_CHECK(memcmp(out, plain, SG_REPLY_PLAIN_LEN) == 0);
		}
		break;
	case SG_MSG_CLOSE:
		FUZZ_CHECK(plen == SG_CLOSE_PLAIN_LEN);
		if (sg_close_decode(&reason, plain) == SG_OK) {
			sg_close_encode(out, reason);
			FUZZ_CHECK(memcmp(out, plain, SG_CLOSE_PLAIN_LEN) == 0);
		}
		break;
	case SG_MSG_DELIVERY_ACK:
		if (sg_ack_decode(acks, SG_ACK_MAX_ENTRIES, &n, plain, plen) == SG_OK) {
			FUZZ_CHECK(n >= 1 && n <= SG_ACK_MAX_ENTRIES);
			FUZZ_CHECK(sg_ack_encode(out, sizeof(out), acks, n, &alen) == SG_OK);
			FUZZ_CHECK(alen == plen && memcmp(out, plain, plen) == 0);
		}
		break;
	case SG_MSG_KEY_LOOKUP:
		FUZZ_CHECK(plen == SG_LOOKUP_PLAIN_LEN);
		if (sg_lookup_decode(&user, plain) == SG_OK) {
			sg_lookup_encode(out, user);
			FUZZ_CHECK(memcmp(out, plain, SG_LOOKUP_PLAIN_LEN) == 0);
		}
		break;
	case SG_MSG_KEY_INFO:
		FUZZ_CHECK(plen == SG_KEYINFO_PLAIN_LEN);
		if (sg_keyinfo_decode(&k, plain) == SG_OK) {
			sg_keyinfo_encode(out, &k);
			FUZZ_CHECK(memcmp(out, plain, SG_KEYINFO_PLAIN_LEN) == 0);
		}
		break;
	case SG_MSG_TICKET:
		FUZZ_CHECK(plen == SG_TICKET_MSG_PLAIN_LEN);
		if (sg_ticket_msg_decode(&t, plain) == SG_OK) {
			FUZZ_CHECK(t.lifetime_s != 0);
			sg_ticket_msg_encode(out, &t);
			FUZZ_CHECK(memcmp(out, plain, SG_TICKET_MSG_PLAIN_LEN) == 0);
		}
		break;
	default:
		break;
	}
}

/* The handshake family: header checks, mac1, and the payload decoders. */
static void handshake(int type, const uint8_t *msg, size_t len)
{
	static struct sg_cookie_keys keys[2];
	static int ready;
	uint8_t out[SG_INIT_PAYLOAD_LEN];
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	uint64_t sec;
	uint32_t nsec;
	size_t want;
	int which;

	if (!ready) {
		sg_cookie_keys_init(&keys[0], fz_key(FZ_RELAY)->pub);
		sg_cookie_keys_init(&keys[1], fz_key(FZ_RELAY_OLD)->pub);
		ready = 1;
	}
	switch (type) {
	case SG_MSG_HANDSHAKE_INIT: want = SG_INIT_LEN; break;
	case SG_MSG_HANDSHAKE_RESP: want = SG_RESP_LEN; break;
	case SG_MSG_RESUME: want = SG_RESUME_LEN; break;
	case SG_MSG_RESUME_RESP: want = SG_RRESP_LEN; break;
	default: want = SG_COOKIE_REPLY_LEN; break;
	}
	FUZZ_CHECK(len == want);
	if (type != SG_MSG_COOKIE_REPLY)
		FUZZ_CHECK(sg_hs_header_check(msg, len, want, (uint8_t)type) == SG_OK);
	if (type == SG_MSG_HANDSHAKE_INIT || type == SG_MSG_RESUME) {
		which = sg_cookie_mac1_match(keys, 2, msg, len);
		FUZZ_CHECK(which >= -1 && which <= 1);
	}
	/* What the payloads decode to once a peer with its own keys sealed them. */
	if (type == SG_MSG_HANDSHAKE_INIT) {
		const uint8_t *pl = msg + SG_INIT_OFF_PAYLOAD;

		if (sg_init_payload_decode(&ip, pl) == SG_OK) {
			FUZZ_CHECK(sg_init_payload_encode(out, &ip) == SG_OK);
			FUZZ_CHECK(memcmp(out, pl, SG_INIT_PAYLOAD_LEN) == 0);
			(void)sg_tai64n_decode(ip.timestamp, &sec, &nsec);
		}
	} else if (type == SG_MSG_RESUME) {
		const uint8_t *pl = msg + SG_RESUME_OFF_PAYLOAD;

		if (sg_resume_payload_decode(&ip, pl) == SG_OK) {
			FUZZ_CHECK(sg_resume_payload_encode(out, &ip) == SG_OK);
			FUZZ_CHECK(memcmp(out, pl, SG_RESUME_PAYLOAD_LEN) == 0);
		}
	} else if (type == SG_MSG_HANDSHAKE_RESP || type == SG_MSG_RESUME_RESP) {
		const uint8_t *pl = msg + (type == SG_MSG_HANDSHAKE_RESP ? SG_RESP_OFF_PAYLOAD
									   : SG_RRESP_OFF_PAYLOAD);

		if (sg_resp_payload_decode(&rp, pl) == SG_OK) {
			FUZZ_CHECK(sg_resp_payload_encode(out, &rp) == SG_OK);
			FUZZ_CHECK(memcmp(out, pl, SG_RESP_PAYLOAD_LEN) == 0);
		}
	}
}

/* A transport message: header, the open of a fixed session, the decoders. */
static void transport(int type, const uint8_t *msg, size_t len)
{
	static struct sg_aead_ctx ctx[2];
	static int ready;
	size_t min, max, plen = 0;
	struct sg_hdr h;
	uint8_t *copy;
	int rc;

	if (!ready) {
		uint8_t key[SG_KEY_LEN];

		fz_fixed(key, sizeof(key), 7);
		if (sg_aead_ctx_init(&ctx[0], SG_SUITE_CHACHA20_POLY1305, key) != SG_OK)
			abort();
		if (sg_aead_ctx_init(&ctx[1], SG_SUITE_AES256_GCM, key) != SG_OK)
			ctx[1] = ctx[0]; /* no AES-NI here */
		ready = 1;
	}
	sg_proto_transport_len_range((uint8_t)type, &min, &max);
	FUZZ_CHECK(len >= min && len <= max && min >= SG_TRANSPORT_OVERHEAD);
	FUZZ_CHECK(sg_hdr_decode(&h, msg, len) == SG_OK && h.type == type);
	copy = fz_dup(msg, len);
	rc = sg_transport_open(&ctx[h.counter & 1], copy, len, &h, &plen);
	FUZZ_CHECK(rc == SG_OK || rc == SG_E_TAG);
	free(copy);
	/* An authenticated client controls the plaintext: decode what it sent. */
	copy = fz_dup(msg + SG_HDR_LEN, len - SG_TRANSPORT_OVERHEAD);
	plaintexts((uint8_t)type, copy, len - SG_TRANSPORT_OVERHEAD);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame = fz_dup(data, size), *payload;
	struct sg_capture_filter cf = { 0 };
	struct sg_pkt p;
	int kind, type;

	kind = sg_pkt_parse(frame, size, &p);
	FUZZ_CHECK(kind >= SG_PKT_E_ARP && kind <= SG_PKT_NDP_NS && kind != 0);
	if (kind > 0 && kind != SG_PKT_ARP)
		FUZZ_CHECK((size_t)p.payload_off + p.payload_len <= size && p.l4_off <= size &&
			   p.l3_off < p.l4_off);
	if (kind == SG_PKT_ARP)
		FUZZ_CHECK(p.l3_off + 28u <= size);

	/* A capture of the session whose indexes the frame names, both ways. */
	if (size >= 14 + 20 + 8 + SG_HDR_LEN) {
		cf.session = (uint32_t)frame[size - 1] << 8 | frame[size / 2];
		cf.peer_index = cf.session;
		cf.peer_port = p.dst_port;
	}
	(void)sg_capture_match(&cf, frame, size, 0);
	(void)sg_capture_match(&cf, frame, size, 1);

	if (kind > 0 && kind != SG_PKT_UDP) {
		answer(frame, size, &p, kind);
	} else if (kind == SG_PKT_UDP) {
		/* The payload alone, as its own allocation: nothing may read past it. */
		payload = fz_dup(frame + p.payload_off, p.payload_len);
		type = sg_proto_classify(payload, p.payload_len);
		FUZZ_CHECK(type == SG_E_LENGTH || type == SG_E_TYPE || type == SG_E_RESERVED ||
			   (type >= 1 && type <= SG_MSG_TYPE_MAX));
		if (type > 0) {
			FUZZ_CHECK(type == payload[0]);
			if (sg_proto_is_transport((uint8_t)type))
				transport(type, payload, p.payload_len);
			else
				handshake(type, payload, p.payload_len);
		}
		free(payload);
	}
	free(frame);
	return 0;
}
