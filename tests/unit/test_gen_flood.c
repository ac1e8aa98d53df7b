/* SPDX-License-Identifier: MIT */
/*
 * test_gen_flood.c - surge-gen's hostile frames (gen/flood.h): every frame
 * of every mode, 4,000 a mode, is judged the way the relay's worker judges
 * it (proto/pkt.h's parse, the address and port, proto/classify.h, then the
 * receiver index against the live sessions: dataplane/worker.c's order,
 * restated here) and must get the expectation the generator counted it
 * under; each mode produces every kind it names; frames fit one mbuf;
 * replays are captures at least
 * SG_GEN_FLOOD_CAP_LAG old, never a capture the port refused; --flood lists
 * parse, and bad ones are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gen/flood.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/messages.h"
#include "proto/pkt.h"
#include "proto/status.h"

enum { N = 4000, PORT = 7443 };

static const uint32_t live[] = { 0x00010001u, 0x00020002u, 0x00030003u };
static const uint8_t relay_ip[4] = { 198, 18, 0, 1 };

static const struct sg_gen_flood_net net = {
	.relay_mac = { 0x02, 0, 0, 0, 0, 1 },
	.relay_ip = { 198, 18, 0, 1 },
	.relay_port = PORT,
	.src_base = { 198, 18, 4, 0 },
	.src_count = 1024,
	.live = live,
	.n_live = 3,
};

static int is_live(uint32_t index)
{
	for (unsigned i = 0; i < 3; i++)
		if (live[i] == index)
			return 1;
	return 0;
}

/* The relay's verdict (dataplane/worker.c, admit()), for a table whose slots are 16 bits. */
static unsigned verdict(const uint8_t *f, size_t len)
{
	static const unsigned pkt[] = {
		0, SG_GEN_FX_L2, SG_GEN_FX_IP_HEADER, SG_GEN_FX_IP_FRAGMENT, SG_GEN_FX_IPV6_EXT,
		SG_GEN_FX_PROTO, SG_GEN_FX_UDP_HEADER, SG_GEN_FX_ICMP, SG_GEN_FX_ARP,
	};
	struct sg_pkt p;
	const uint8_t *m;
	uint32_t index;
	int rc;

	rc = sg_pkt_parse(f, len, &p);
	if (rc < 0)
		return pkt[-rc];
	if (rc == SG_PKT_ARP)
		return memcmp(p.dst_addr, relay_ip, 4) ? SG_GEN_FX_ARP : SG_GEN_FX_ARP_ANSWERED;
	if (rc == SG_PKT_NDP_NS)
		return SG_GEN_FX_ICMP;
	if (p.src.family != 4 || memcmp(p.dst_addr, relay_ip, 4))
		return SG_GEN_FX_NOT_OURS;
	if (rc != SG_PKT_UDP)
		return SG_GEN_FX_N; /* an echo to the relay: answered, never built */
	if (p.dst_port != PORT)
		return SG_GEN_FX_WRONG_PORT;
	m = f + p.payload_off;
	rc = sg_proto_classify(m, p.payload_len);
	if (rc < 0)
		return rc == SG_E_TYPE ? SG_GEN_FX_TYPE : rc == SG_E_LENGTH ? SG_GEN_FX_LENGTH :
									    SG_GEN_FX_RESERVED;
	if (rc == SG_MSG_HANDSHAKE_INIT || rc == SG_MSG_RESUME)
		return SG_GEN_FX_MAC1; /* random bytes where mac1 goes */
	if (!sg_proto_is_transport((uint8_t)rc) || rc == SG_MSG_RELAY_REPLY ||
	    rc == SG_MSG_KEY_INFO || rc == SG_MSG_TICKET)
		return SG_GEN_FX_UNEXPECTED;
	index = sg_le32(m + SG_HDR_OFF_RECEIVER);
	if (!is_live(index)) /* a slot in use under another generation, or not in use */
		return (index & 0xffffu) >= 1 && (index & 0xffffu) <= 3 ?
			       SG_GEN_FX_STALE_GENERATION : SG_GEN_FX_UNKNOWN_SESSION;
	if (m[SG_HDR_OFF_FLAGS] & SG_HDR_F_KEY_PHASE)
		return SG_GEN_FX_KEY_PHASE;
	if (sg_le64(m + SG_HDR_OFF_COUNTER) >= 1ull << 62)
		return SG_GEN_FX_TAG; /* random ciphertext, a counter the window passes */
	return SG_GEN_FX_REPLAY;  /* a live session's own frame: only a capture comes here */
}

/* Build n frames of mode; each must get its expectation.  Kinds seen into seen[]. */
static void run_mode(struct sg_gen_flood *f, unsigned mode, unsigned n, uint64_t seen[SG_GEN_FX_N])
{
	static uint8_t buf[SG_GEN_FLOOD_FRAME_MAX];

	for (unsigned i = 0; i < n; i++) {
		unsigned x = SG_GEN_FX_N, q = 99;
		size_t len = sg_gen_flood_build(f, mode, buf, &x, &q);

		if (mode == SG_GEN_FLOOD_REPLAY && len == 0)
			continue;
		assert_true(len > 0 && len <= SG_GEN_FLOOD_FRAME_MAX);
		assert_true(x < SG_GEN_FX_N);
		if (verdict(buf, len) != x)
			fail_msg("mode %s frame %u (%zu bytes): counted %s, the relay would say %s",
				 sg_gen_flood_mode_names[mode], i, len, sg_gen_flood_expect_names[x],
				 verdict(buf, len) < SG_GEN_FX_N ?
					 sg_gen_flood_expect_names[verdict(buf, len)] : "answer");
		if (mode == SG_GEN_FLOOD_REPLAY)
			assert_int_equal(q, 1);
		else
			assert_int_equal(q, 99);
		seen[x]++;
	}
}

static void test_modes(void **state)
{
	static const unsigned want[SG_GEN_FLOOD_N_MODES][SG_GEN_FX_N + 1] = {
		[SG_GEN_FLOOD_GARBAGE] = { SG_GEN_FX_L2, SG_GEN_FX_IP_HEADER, SG_GEN_FX_IPV6_EXT,
					   SG_GEN_FX_NOT_OURS, SG_GEN_FX_PROTO, SG_GEN_FX_UDP_HEADER,
					   SG_GEN_FX_WRONG_PORT, SG_GEN_FX_ICMP, SG_GEN_FX_TYPE,
					   SG_GEN_FX_LENGTH, SG_GEN_FX_RESERVED, SG_GEN_FX_UNEXPECTED,
					   SG_GEN_FX_MAC1, SG_GEN_FX_UNKNOWN_SESSION,
					   SG_GEN_FX_STALE_GENERATION, SG_GEN_FX_KEY_PHASE, SG_GEN_FX_TAG,
					   SG_GEN_FX_N },
		[SG_GEN_FLOOD_OVERSIZE] = { SG_GEN_FX_LENGTH, SG_GEN_FX_IP_HEADER,
					    SG_GEN_FX_UDP_HEADER, SG_GEN_FX_N },
		[SG_GEN_FLOOD_FRAGMENT] = { SG_GEN_FX_IP_FRAGMENT, SG_GEN_FX_N },
		[SG_GEN_FLOOD_ARP] = { SG_GEN_FX_ARP, SG_GEN_FX_ARP_ANSWERED, SG_GEN_FX_N },
		[SG_GEN_FLOOD_HANDSHAKE] = { SG_GEN_FX_MAC1, SG_GEN_FX_N },
	};
	struct sg_gen_flood f;
	(void)state;

	assert_int_equal(sg_gen_flood_init(&f, &net, 42), 0);
	for (unsigned mode = 0; mode < SG_GEN_FLOOD_N_MODES; mode++) {
		uint64_t seen[SG_GEN_FX_N] = { 0 };
		unsigned kinds = 0;

		if (mode == SG_GEN_FLOOD_REPLAY)
			continue;
		run_mode(&f, mode, N, seen);
		for (unsigned k = 0; want[mode][k] != SG_GEN_FX_N; k++, kinds++)
			if (!seen[want[mode][k]])
				fail_msg("mode %s made no %s frame", sg_gen_flood_mode_names[mode],
					 sg_gen_flood_expect_names[want[mode][k]]);
		for (unsigned x = 0; x < SG_GEN_FX_N; x++)
			if (seen[x])
				kinds--;
		assert_int_equal(kinds, 0); /* nothing it does not name */
	}
	sg_gen_flood_fini(&f);
}

/* A DATA frame of a live session, as the chat sends it (counter c). */
static size_t chat_frame(uint8_t *o, uint64_t c)
{
	struct sg_endpoint from = { .mac = { 2, 0, 0, 0, 0, 2 }, .family = 4, .port = 20000,
				    .addr = { 198, 18, 0, 2 } };
	struct sg_endpoint to = { .mac = { 2, 0, 0, 0, 0, 1 }, .family = 4, .port = PORT,
				  .addr = { 198, 18, 0, 1 } };
	size_t plen = SG_DATA_MIN_LEN + 64;
	unsigned hl = sg_pkt_udp_headers_len(&to);

	memset(o + hl, 0x5a, plen);
	o[hl] = SG_MSG_DATA;
	o[hl + 1] = o[hl + 2] = o[hl + 3] = 0;
	sg_put_le32(o + hl + SG_HDR_OFF_RECEIVER, live[c % 3]);
	sg_put_le64(o + hl + SG_HDR_OFF_COUNTER, c);
	sg_pkt_write_udp_headers(o, &from, &to, (uint16_t)plen);
	return hl + plen;
}

static void test_replay(void **state)
{
	static uint8_t buf[SG_GEN_FLOOD_FRAME_MAX], frame[256];
	uint64_t seen[SG_GEN_FX_N] = { 0 };
	struct sg_gen_flood f;
	unsigned x, q;
	(void)state;

	assert_int_equal(sg_gen_flood_init(&f, &net, 7), 0);
	/* Nothing captured, or nothing old enough: nothing to send. */
	assert_int_equal(sg_gen_flood_build(&f, SG_GEN_FLOOD_REPLAY, buf, &x, &q), 0);
	for (uint64_t c = 0; c < SG_GEN_FLOOD_CAP_LAG; c++)
		sg_gen_flood_capture(&f, frame, chat_frame(frame, c), 1);
	assert_int_equal(sg_gen_flood_build(&f, SG_GEN_FLOOD_REPLAY, buf, &x, &q), 0);
	assert_int_equal(f.replay_starved, 2);

	/* Captures refused by the port are never replayed: every odd one here. */
	for (uint64_t c = SG_GEN_FLOOD_CAP_LAG; c < 3 * SG_GEN_FLOOD_CAP_SLOTS; c++) {
		uint64_t slot = sg_gen_flood_capture(&f, frame, chat_frame(frame, c), 1);

		if (c & 1)
			sg_gen_flood_uncapture(&f, slot);
	}
	for (unsigned i = 0; i < N; i++) {
		struct sg_pkt p;
		size_t len = sg_gen_flood_build(&f, SG_GEN_FLOOD_REPLAY, buf, &x, &q);
		uint64_t c;

		if (!len)
			continue;
		assert_int_equal(x, SG_GEN_FX_REPLAY);
		assert_int_equal(q, 1);
		assert_int_equal(sg_pkt_parse(buf, len, &p), SG_PKT_UDP);
		c = sg_le64(buf + p.payload_off + SG_HDR_OFF_COUNTER);
		assert_true((c & 1) == 0); /* a capture the port took */
		/* From the last SLOTS captures, none of the newest LAG. */
		assert_true(c >= 3 * SG_GEN_FLOOD_CAP_SLOTS - SG_GEN_FLOOD_CAP_SLOTS &&
			    c < 3 * SG_GEN_FLOOD_CAP_SLOTS - SG_GEN_FLOOD_CAP_LAG);
		assert_int_equal(verdict(buf, len), SG_GEN_FX_REPLAY);
		seen[x]++;
	}
	assert_true(seen[SG_GEN_FX_REPLAY] > N / 2);
	sg_gen_flood_fini(&f);
}

static void test_parse_modes(void **state)
{
	static const char *const bad[] = {
		"", ",", "garbage,", ",garbage", "garbage,,arp", "flood", "garbage,garbage",
		"GARBAGE", "garbage arp",
	};
	uint8_t m[SG_GEN_FLOOD_MAX_MODES];
	unsigned n;
	(void)state;

	assert_int_equal(sg_gen_flood_parse_modes("garbage", m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0], SG_GEN_FLOOD_GARBAGE);
	assert_int_equal(sg_gen_flood_parse_modes("arp,garbage,replay,oversize,fragment,handshake",
						  m, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(m[0], SG_GEN_FLOOD_ARP);
	assert_int_equal(m[5], SG_GEN_FLOOD_HANDSHAKE);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sg_gen_flood_parse_modes(bad[i], m, &n) == 0)
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_parse_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
