/* SPDX-License-Identifier: MIT */
/*
 * test_proto.c - cmocka tests of proto/: classify, the handshake and
 * transport encoders/decoders, TAI64N and status names.
 *
 * Every classify input lives in a heap buffer of exactly its length, so the
 * address sanitizer reports any read past the end.  Expected lengths are
 * written here as literal numbers, independent of messages.h, so an error in
 * the header's arithmetic shows up as a failure rather than being agreed with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/handshake_msg.h"
#include "proto/messages.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"

/* A heap buffer of exactly len bytes (1 byte allocated for len 0), zeroed. */
static uint8_t *heap_buf(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memset(p, 0, len ? len : 1);
	return p;
}

static uint8_t *heap_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = heap_buf(len);

	memcpy(p, src, len);
	return p;
}

/* ------------------------------------------------------------------ classify */

struct classify_row {
	unsigned type; /* written to byte 0 when len > 0 */
	size_t len;
	size_t off;    /* when non-zero and < len: byte off is set to val */
	uint8_t val;
	int expected;
};

#define OK_(t, n) { (t), (n), 0, 0, (t) }
#define BAD(t, n, e) { (t), (n), 0, 0, (e) }
#define SET(t, n, o, v, e) { (t), (n), (o), (v), (e) }

static const struct classify_row classify_rows[] = {
	/* empty, whatever the type would have been */
	BAD(1, 0, SG_E_LENGTH),
	BAD(0, 0, SG_E_LENGTH),
	/* HANDSHAKE_INIT: exactly 156 */
	OK_(1, 156), BAD(1, 155, SG_E_LENGTH), BAD(1, 157, SG_E_LENGTH),
	BAD(1, 1, SG_E_LENGTH), BAD(1, 3, SG_E_LENGTH), BAD(1, 4, SG_E_LENGTH),
	SET(1, 156, 1, 0x01, SG_E_RESERVED), SET(1, 156, 2, 0x80, SG_E_RESERVED),
	SET(1, 156, 3, 0xff, SG_E_RESERVED), SET(1, 156, 4, 0xff, 1),
	SET(1, 155, 1, 0x01, SG_E_LENGTH), /* length before reserved */
	/* HANDSHAKE_RESP: exactly 108 */
	OK_(2, 108), BAD(2, 107, SG_E_LENGTH), BAD(2, 109, SG_E_LENGTH),
	SET(2, 108, 1, 0x01, SG_E_RESERVED), SET(2, 108, 3, 0x01, SG_E_RESERVED),
	SET(2, 108, 8, 0xff, 2),
	/* COOKIE_REPLY: exactly 64 */
	OK_(3, 64), BAD(3, 63, SG_E_LENGTH), BAD(3, 65, SG_E_LENGTH),
	SET(3, 64, 1, 0x01, SG_E_RESERVED), SET(3, 64, 2, 0x01, SG_E_RESERVED),
	SET(3, 64, 3, 0x40, SG_E_RESERVED),
	/* DATA: 56..1472 */
	OK_(4, 56), OK_(4, 57), OK_(4, 700), OK_(4, 1471), OK_(4, 1472),
	BAD(4, 55, SG_E_LENGTH), BAD(4, 1473, SG_E_LENGTH), BAD(4, 1500, SG_E_LENGTH),
	BAD(4, 16, SG_E_LENGTH), BAD(4, 1, SG_E_LENGTH),
	SET(4, 56, 1, 0x01, 4), SET(4, 56, 1, 0x02, SG_E_RESERVED),
	SET(4, 56, 1, 0x80, SG_E_RESERVED), SET(4, 56, 1, 0xff, SG_E_RESERVED),
	SET(4, 56, 2, 0x01, SG_E_RESERVED), SET(4, 56, 3, 0x01, SG_E_RESERVED),
	SET(4, 1472, 4, 0xff, 4), SET(4, 1473, 1, 0x02, SG_E_LENGTH),
	/* KEEPALIVE: exactly 32 */
	OK_(5, 32), BAD(5, 31, SG_E_LENGTH), BAD(5, 33, SG_E_LENGTH),
	SET(5, 32, 1, 0x01, 5), SET(5, 32, 1, 0x02, SG_E_RESERVED),
	SET(5, 32, 3, 0x01, SG_E_RESERVED),
	/* CLOSE: exactly 36 */
	OK_(6, 36), BAD(6, 35, SG_E_LENGTH), BAD(6, 37, SG_E_LENGTH),
	SET(6, 36, 1, 0x04, SG_E_RESERVED),
	/* RELAY_REPLY: exactly 56 */
	OK_(7, 56), BAD(7, 55, SG_E_LENGTH), BAD(7, 57, SG_E_LENGTH),
	SET(7, 56, 1, 0x10, SG_E_RESERVED), SET(7, 56, 2, 0x01, SG_E_RESERVED),
	/* DELIVERY_ACK: 52..1060, 36 + 16 n */
	OK_(8, 52), OK_(8, 68), OK_(8, 84), OK_(8, 1044), OK_(8, 1060),
	BAD(8, 51, SG_E_LENGTH), BAD(8, 53, SG_E_LENGTH), BAD(8, 67, SG_E_LENGTH),
	BAD(8, 69, SG_E_LENGTH), BAD(8, 60, SG_E_LENGTH), BAD(8, 1059, SG_E_LENGTH),
	BAD(8, 1061, SG_E_LENGTH), BAD(8, 1076, SG_E_LENGTH), BAD(8, 36, SG_E_LENGTH),
	BAD(8, 32, SG_E_LENGTH), BAD(8, 56, SG_E_LENGTH),
	SET(8, 52, 1, 0x01, 8), SET(8, 52, 1, 0x20, SG_E_RESERVED),
	SET(8, 1060, 3, 0x01, SG_E_RESERVED),
	/* KEY_LOOKUP: exactly 40 */
	OK_(9, 40), BAD(9, 39, SG_E_LENGTH), BAD(9, 41, SG_E_LENGTH),
	SET(9, 40, 1, 0x02, SG_E_RESERVED),
	/* KEY_INFO: exactly 80 */
	OK_(10, 80), BAD(10, 79, SG_E_LENGTH), BAD(10, 81, SG_E_LENGTH),
	SET(10, 80, 1, 0x01, 10), SET(10, 80, 1, 0x03, SG_E_RESERVED),
	SET(10, 80, 2, 0x01, SG_E_RESERVED),
	/* unknown and reserved types, at lengths valid for other types */
	BAD(0, 1, SG_E_TYPE), BAD(0, 32, SG_E_TYPE), BAD(0, 156, SG_E_TYPE),
	BAD(11, 1, SG_E_TYPE), BAD(11, 32, SG_E_TYPE), BAD(11, 56, SG_E_TYPE),
	BAD(11, 156, SG_E_TYPE), BAD(12, 32, SG_E_TYPE), BAD(12, 56, SG_E_TYPE),
	BAD(128, 56, SG_E_TYPE), BAD(255, 1, SG_E_TYPE), BAD(255, 156, SG_E_TYPE),
	SET(11, 32, 1, 0x02, SG_E_TYPE), /* type before reserved */
};

static void run_classify_row(size_t i, const struct classify_row *r)
{
	uint8_t *buf = heap_buf(r->len);
	int got;

	if (r->len > 0)
		buf[0] = (uint8_t)r->type;
	if (r->off != 0 && r->off < r->len)
		buf[r->off] = r->val;
	got = sg_proto_classify(buf, r->len);
	free(buf);
	if (got != r->expected) {
		print_error("classify row %zu: type %u len %zu [%zu]=%#x: "
			    "got %d (%s), want %d (%s)\n", i, r->type, r->len, r->off, r->val,
			    got, sg_status_name(got), r->expected, sg_status_name(r->expected));
		fail();
	}
}

static void test_classify_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(classify_rows); i++)
		run_classify_row(i, &classify_rows[i]);
}

enum fill { FILL_ZERO, FILL_ONES, FILL_KEY_PHASE, FILL_N };

/* The rules, written out again by hand. */
static int expect_classify(unsigned type, size_t len, enum fill fill)
{
	size_t lo, hi;
	int handshake = 0, ack = 0;

	if (len == 0)
		return SG_E_LENGTH;
	switch (type) {
	case 1: lo = hi = 156; handshake = 1; break;
	case 2: lo = hi = 108; handshake = 1; break;
	case 3: lo = hi = 64; handshake = 1; break;
	case 4: lo = 56; hi = 1472; break;
	case 5: lo = hi = 32; break;
	case 6: lo = hi = 36; break;
	case 7: lo = hi = 56; break;
	case 8: lo = 52; hi = 1060; ack = 1; break;
	case 9: lo = hi = 40; break;
	case 10: lo = hi = 80; break;
	default: return SG_E_TYPE;
	}
	if (len < lo || len > hi || (ack && (len - 36) % 16 != 0))
		return SG_E_LENGTH;
	if (fill == FILL_ONES || (fill == FILL_KEY_PHASE && handshake))
		return SG_E_RESERVED;
	return (int)type;
}

static void test_classify_exhaustive(void **state)
{
	unsigned long checked = 0, valid = 0;

	(void)state;
	for (int f = 0; f < FILL_N; f++) {
		for (size_t len = 0; len <= 1600; len++) {
			uint8_t *buf = heap_buf(len);

			if (f == FILL_ONES)
				memset(buf, 0xff, len);
			else if (f == FILL_KEY_PHASE && len > 1)
				buf[1] = SG_HDR_F_KEY_PHASE;
			for (unsigned t = 0; t < 256; t++) {
				int want = expect_classify(t, len, (enum fill)f);
				int got;

				if (len > 0)
					buf[0] = (uint8_t)t;
				got = sg_proto_classify(buf, len);
				if (got != want) {
					print_error("fill %d type %u len %zu: got %d, want %d\n",
						    f, t, len, got, want);
					free(buf);
					fail();
				}
				checked++;
				valid += got > 0;
			}
			free(buf);
		}
	}
	assert_int_equal(checked, 3UL * 256 * 1601);
	/* zero fill: 3 handshake + 1417 DATA + 5 fixed transport + 64 ACK lengths;
	 * all ones: none; key-phase flag: the transport ones only */
	assert_int_equal(valid, (3 + 1417 + 5 + 64) + 0 + (1417 + 5 + 64));
}

static void test_transport_ranges(void **state)
{
	static const struct {
		size_t min, max;
	} want[11] = {
		[4] = { 56, 1472 }, [5] = { 32, 32 }, [6] = { 36, 36 }, [7] = { 56, 56 },
		[8] = { 52, 1060 }, [9] = { 40, 40 }, [10] = { 80, 80 },
	};

	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		size_t min = 99, max = 99, wmin = 0, wmax = 0;
		int transport = sg_proto_is_transport((uint8_t)t);

		if (t < 11) {
			wmin = want[t].min;
			wmax = want[t].max;
		}
		sg_proto_transport_len_range((uint8_t)t, &min, &max);
		if (min != wmin || max != wmax || transport != (wmin != 0)) {
			print_error("type %u: range %zu..%zu transport %d\n", t, min, max,
				    transport);
			fail();
		}
	}
}

/* --------------------------------------------------------- mutation tables */

struct mut {
	size_t off;
	uint8_t val;
	size_t off2; /* second byte to set when non-zero */
	uint8_t val2;
	int expected;
};

typedef int (*decode_fn)(const uint8_t *in);

/* Apply each mutation to a copy of base (in an exact-size heap buffer). */
static void run_muts(const char *what, decode_fn dec, const uint8_t *base, size_t len,
		     const struct mut *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *buf = heap_copy(base, len);
		int got;

		assert_true(m[i].off < len && m[i].off2 < len);
		buf[m[i].off] = m[i].val;
		if (m[i].off2)
			buf[m[i].off2] = m[i].val2;
		got = dec(buf);
		free(buf);
		if (got != m[i].expected) {
			print_error("%s row %zu: [%zu]=%#x: got %d (%s), want %d (%s)\n", what, i,
				    m[i].off, m[i].val, got, sg_status_name(got), m[i].expected,
				    sg_status_name(m[i].expected));
			fail();
		}
	}
}

/* ------------------------------------------------------------- handshake */

static const struct sg_init_payload init_sample = {
	.timestamp = { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15 },
	.version = 1,
	.n_suites = 2,
	.suites = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305, 0, 0 },
};

static const uint8_t init_sample_wire[20] = {
	0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15,
	1, 2, 2, 1, 0, 0, 0, 0,
};

static void assert_init_equal(const struct sg_init_payload *a, const struct sg_init_payload *b)
{
	assert_memory_equal(a->timestamp, b->timestamp, 12);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->n_suites, b->n_suites);
	assert_memory_equal(a->suites, b->suites, 4);
}

static void test_init_payload_roundtrip(void **state)
{
	static const struct sg_init_payload cases[] = {
		{ .version = 1, .n_suites = 1, .suites = { 1 } },
		{ .version = 1, .n_suites = 4, .suites = { 2, 1, 0x7f, 0xff } },
		{ .version = 9, .n_suites = 3, .suites = { 0xaa, 1, 2 },
		  .timestamp = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 7, 6, 5, 4 } },
	};
	uint8_t wire[20];
	struct sg_init_payload p;

	(void)state;
	assert_int_equal(sg_init_payload_encode(wire, &init_sample), SG_OK);
	assert_memory_equal(wire, init_sample_wire, 20);
	memset(&p, 0xee, sizeof(p));
	assert_int_equal(sg_init_payload_decode(&p, wire), SG_OK);
	assert_init_equal(&p, &init_sample);

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		memset(wire, 0xcc, sizeof(wire));
		assert_int_equal(sg_init_payload_encode(wire, &cases[i]), SG_OK);
		assert_int_equal(wire[12], cases[i].version);
		assert_int_equal(wire[13], cases[i].n_suites);
		assert_int_equal(wire[18], 0);
		assert_int_equal(wire[19], 0);
		if (cases[i].version != SG_PROTO_VERSION) {
			/* the encoder carries any version; the decoder refuses it */
			assert_int_equal(sg_init_payload_decode(&p, wire), SG_E_VERSION);
			continue;
		}
		memset(&p, 0xee, sizeof(p));
		assert_int_equal(sg_init_payload_decode(&p, wire), SG_OK);
		assert_init_equal(&p, &cases[i]);
	}
}

static void test_init_payload_encode_rejects(void **state)
{
	static const struct sg_init_payload bad[] = {
		{ .version = 1, .n_suites = 0 },
		{ .version = 1, .n_suites = 0, .suites = { 1 } },
		{ .version = 1, .n_suites = 5, .suites = { 1, 1, 1, 1 } },
		{ .version = 1, .n_suites = 255, .suites = { 1, 1, 1, 1 } },
		{ .version = 1, .n_suites = 1, .suites = { 0 } },
		{ .version = 1, .n_suites = 2, .suites = { 1, 0 } },
		{ .version = 1, .n_suites = 4, .suites = { 1, 2, 0, 1 } },
		{ .version = 1, .n_suites = 1, .suites = { 1, 2 } },
		{ .version = 1, .n_suites = 3, .suites = { 1, 2, 1, 1 } },
	};
	uint8_t wire[20];

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(bad); i++) {
		if (sg_init_payload_encode(wire, &bad[i]) != SG_E_INVAL) {
			print_error("init encode row %zu accepted\n", i);
			fail();
		}
	}
}

static int dec_init(const uint8_t *in)
{
	struct sg_init_payload p;

	return sg_init_payload_decode(&p, in);
}

static void test_init_payload_decode_rejects(void **state)
{
	static const struct mut m[] = {
		{ 12, 0, 0, 0, SG_E_VERSION },
		{ 12, 2, 0, 0, SG_E_VERSION },
		{ 12, 0xff, 0, 0, SG_E_VERSION },
		{ 12, 2, 18, 1, SG_E_VERSION }, /* version first */
		{ 13, 0, 0, 0, SG_E_SUITE },
		{ 13, 5, 0, 0, SG_E_SUITE },
		{ 13, 0xff, 0, 0, SG_E_SUITE },
		{ 13, 3, 0, 0, SG_E_SUITE },    /* slot 2 used but 0 */
		{ 14, 0, 0, 0, SG_E_SUITE },
		{ 15, 0, 0, 0, SG_E_SUITE },
		{ 15, 0, 16, 1, SG_E_SUITE },   /* used zero before unused non-zero */
		{ 13, 1, 0, 0, SG_E_RESERVED }, /* slot 1 now unused and non-zero */
		{ 16, 1, 0, 0, SG_E_RESERVED },
		{ 17, 0x80, 0, 0, SG_E_RESERVED },
		{ 18, 1, 0, 0, SG_E_RESERVED },
		{ 19, 0x80, 0, 0, SG_E_RESERVED },
		{ 14, 0x7f, 0, 0, SG_OK },      /* unknown suite: accepted */
		{ 15, 0xff, 0, 0, SG_OK },
		{ 13, 3, 16, 0x33, SG_OK },
		{ 0, 0, 0, 0, SG_OK },          /* timestamp not judged here */
		{ 0, 0xff, 0, 0, SG_OK },
	};

	(void)state;
	run_muts("init decode", dec_init, init_sample_wire, 20, m, SG_ARRAY_SIZE(m));
}

static const uint8_t resp_sample_wire[16] = {
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 2, 1, 25, 0, 0, 0, 0, 0,
};

static void test_resp_payload(void **state)
{
	static const struct sg_resp_payload cases[] = {
		{ 0x0102030405060708, 2, 1, 25 },
		{ 0, 1, 0, 0 },
		{ UINT64_MAX, 2, 0, UINT16_MAX },
	};
	static const struct sg_resp_payload bad[] = {
		{ 1, 0, 0, 25 }, { 1, 3, 0, 25 }, { 1, 0xff, 0, 25 },
		{ 1, 1, 2, 25 }, { 1, 1, 0x80, 25 }, { 1, 1, 3, 25 },
	};
	static const struct mut m[] = {
		{ 8, 0, 0, 0, SG_E_SUITE },
		{ 8, 3, 0, 0, SG_E_SUITE },
		{ 8, 0xff, 0, 0, SG_E_SUITE },
		{ 8, 0, 12, 1, SG_E_SUITE }, /* suite first */
		{ 9, 2, 0, 0, SG_E_RESERVED },
		{ 9, 0x80, 0, 0, SG_E_RESERVED },
		{ 12, 1, 0, 0, SG_E_RESERVED },
		{ 13, 1, 0, 0, SG_E_RESERVED },
		{ 14, 1, 0, 0, SG_E_RESERVED },
		{ 15, 0x80, 0, 0, SG_E_RESERVED },
		{ 8, 1, 9, 0, SG_OK },
	};
	uint8_t wire[16];
	struct sg_resp_payload p;

	(void)state;
	assert_int_equal(sg_resp_payload_encode(wire, &cases[0]), SG_OK);
	assert_memory_equal(wire, resp_sample_wire, 16);
	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		memset(wire, 0xcc, sizeof(wire));
		assert_int_equal(sg_resp_payload_encode(wire, &cases[i]), SG_OK);
		assert_true(sg_all_zero(wire + 12, 4));
		memset(&p, 0xee, sizeof(p));
		assert_int_equal(sg_resp_payload_decode(&p, wire), SG_OK);
		assert_int_equal(p.user_id, cases[i].user_id);
		assert_int_equal(p.suite, cases[i].suite);
		assert_int_equal(p.flags, cases[i].flags);
		assert_int_equal(p.keepalive_s, cases[i].keepalive_s);
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(bad); i++) {
		if (sg_resp_payload_encode(wire, &bad[i]) != SG_E_INVAL) {
			print_error("resp encode row %zu accepted\n", i);
			fail();
		}
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(m); i++) {
		uint8_t *buf = heap_copy(resp_sample_wire, 16);

		buf[m[i].off] = m[i].val;
		if (m[i].off2)
			buf[m[i].off2] = m[i].val2;
		if (sg_resp_payload_decode(&p, buf) != m[i].expected) {
			print_error("resp decode row %zu\n", i);
			free(buf);
			fail();
		}
		free(buf);
	}
}

static void test_handshake_headers(void **state)
{
	uint8_t init[156], resp[108], cookie[64];
	uint8_t *buf;

	(void)state;
	memset(init, 0xaa, sizeof(init));
	sg_init_header_put(init, 0x11223344);
	assert_memory_equal(init, ((const uint8_t[]){ 1, 0, 0, 0, 0x44, 0x33, 0x22, 0x11 }), 8);
	assert_int_equal(init[8], 0xaa);
	assert_int_equal(init[155], 0xaa);

	memset(resp, 0xaa, sizeof(resp));
	sg_resp_header_put(resp, 0x11223344, 0xa1b2c3d4);
	assert_memory_equal(resp, ((const uint8_t[]){ 2, 0, 0, 0, 0x44, 0x33, 0x22, 0x11,
						       0xd4, 0xc3, 0xb2, 0xa1 }), 12);
	assert_int_equal(resp[12], 0xaa);

	memset(cookie, 0xaa, sizeof(cookie));
	sg_cookie_header_put(cookie, 0xdeadbeef);
	assert_memory_equal(cookie, ((const uint8_t[]){ 3, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde }), 8);
	assert_int_equal(cookie[8], 0xaa);

	/* what the headers write, classify accepts */
	buf = heap_copy(init, sizeof(init));
	assert_int_equal(sg_proto_classify(buf, sizeof(init)), SG_MSG_HANDSHAKE_INIT);
	free(buf);
	buf = heap_copy(resp, sizeof(resp));
	assert_int_equal(sg_proto_classify(buf, sizeof(resp)), SG_MSG_HANDSHAKE_RESP);
	free(buf);
	buf = heap_copy(cookie, sizeof(cookie));
	assert_int_equal(sg_proto_classify(buf, sizeof(cookie)), SG_MSG_COOKIE_REPLY);
	free(buf);
}

/* ------------------------------------------------------------- transport */

static void test_hdr_roundtrip(void **state)
{
	static const uint8_t golden[16] = {
		4, 1, 0, 0, 0x44, 0x33, 0x22, 0x11, 8, 7, 6, 5, 4, 3, 2, 1,
	};
	struct sg_hdr h = { 4, 1, 0x11223344, 0x0102030405060708 }, g;
	uint8_t wire[16];

	(void)state;
	sg_hdr_encode(wire, &h);
	assert_memory_equal(wire, golden, 16);

	for (unsigned t = SG_MSG_DATA; t <= SG_MSG_KEY_INFO; t++) {
		for (unsigned f = 0; f <= 1; f++) {
			uint8_t *buf;

			h.type = (uint8_t)t;
			h.flags = (uint8_t)f;
			h.receiver = 0xf0000000u | t;
			h.counter = UINT64_MAX - t;
			memset(wire, 0xcc, sizeof(wire));
			sg_hdr_encode(wire, &h);
			assert_int_equal(wire[2] | wire[3], 0);
			buf = heap_copy(wire, 16);
			memset(&g, 0xee, sizeof(g));
			assert_int_equal(sg_hdr_decode(&g, buf, 16), SG_OK);
			free(buf);
			assert_int_equal(g.type, h.type);
			assert_int_equal(g.flags, h.flags);
			assert_int_equal(g.receiver, h.receiver);
			assert_int_equal(g.counter, h.counter);
		}
	}
}

static void test_hdr_decode_rejects(void **state)
{
	static const struct {
		size_t len;
		size_t off; /* byte to set, when < len */
		uint8_t val;
		int expected;
	} rows[] = {
		{ 0, 99, 0, SG_E_LENGTH },
		{ 1, 99, 0, SG_E_LENGTH },
		{ 15, 99, 0, SG_E_LENGTH },
		{ 16, 99, 0, SG_OK },
		{ 17, 99, 0, SG_OK },
		{ 1600, 99, 0, SG_OK },
		{ 16, 0, 0, SG_E_TYPE },
		{ 16, 0, 1, SG_E_TYPE },
		{ 16, 0, 2, SG_E_TYPE },
		{ 16, 0, 3, SG_E_TYPE },
		{ 16, 0, 11, SG_E_TYPE },
		{ 16, 0, 12, SG_E_TYPE },
		{ 16, 0, 255, SG_E_TYPE },
		{ 16, 0, 10, SG_OK },
		{ 16, 1, 1, SG_OK },
		{ 16, 1, 2, SG_E_RESERVED },
		{ 16, 1, 0x80, SG_E_RESERVED },
		{ 16, 2, 1, SG_E_RESERVED },
		{ 16, 3, 0x80, SG_E_RESERVED },
		{ 16, 4, 0xff, SG_OK },
	};
	struct sg_hdr h;

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		uint8_t *buf = heap_buf(rows[i].len);
		int got;

		if (rows[i].len > 0)
			buf[0] = SG_MSG_DATA;
		if (rows[i].off < rows[i].len)
			buf[rows[i].off] = rows[i].val;
		got = sg_hdr_decode(&h, buf, rows[i].len);
		free(buf);
		if (got != rows[i].expected) {
			print_error("hdr row %zu: got %d want %d\n", i, got, rows[i].expected);
			fail();
		}
	}
}

static const uint8_t data_sample_wire[24] = {
	0x01, 0, 0, 0, 0, 0, 0, 0x80, 0x22, 0x11, 0, 0, 0, 0, 0, 0,
	0x80, 0x51, 0x01, 0x00, 2, 1, 0, 0,
};

static int dec_data(const uint8_t *in)
{
	struct sg_data_inner d;

	return sg_data_inner_decode(&d, in);
}

static void test_data_inner(void **state)
{
	static const struct sg_data_inner cases[] = {
		{ 0x8000000000000001, 0x1122, 86400, SG_CLASS_SECRET, SG_DATA_F_FROM_MAILBOX },
		{ 0, 0, 0, SG_CLASS_CLOUD, 0 },
		{ UINT64_MAX, UINT64_MAX, UINT32_MAX, SG_CLASS_SECRET, 0 },
	};
	static const struct mut m[] = {
		{ 20, 0, 0, 0, SG_E_CLASS },
		{ 20, 3, 0, 0, SG_E_CLASS },
		{ 20, 0xff, 0, 0, SG_E_CLASS },
		{ 20, 0, 21, 0x80, SG_E_CLASS }, /* class first */
		{ 21, 2, 0, 0, SG_E_RESERVED },
		{ 21, 0x80, 0, 0, SG_E_RESERVED },
		{ 22, 1, 0, 0, SG_E_RESERVED },
		{ 23, 0x80, 0, 0, SG_E_RESERVED },
		{ 20, 1, 21, 0, SG_OK },
		{ 16, 0xff, 0, 0, SG_OK },
	};
	uint8_t wire[24];
	struct sg_data_inner d;

	(void)state;
	sg_data_inner_encode(wire, &cases[0]);
	assert_memory_equal(wire, data_sample_wire, 24);
	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		memset(wire, 0xcc, sizeof(wire));
		sg_data_inner_encode(wire, &cases[i]);
		memset(&d, 0xee, sizeof(d));
		assert_int_equal(sg_data_inner_decode(&d, wire), SG_OK);
		assert_int_equal(d.peer_user, cases[i].peer_user);
		assert_int_equal(d.msg_id, cases[i].msg_id);
		assert_int_equal(d.ttl_s, cases[i].ttl_s);
		assert_int_equal(d.class, cases[i].class);
		assert_int_equal(d.flags, cases[i].flags);
	}
	run_muts("data inner", dec_data, data_sample_wire, 24, m, SG_ARRAY_SIZE(m));
}

static int dec_reply(const uint8_t *in)
{
	struct sg_reply r;

	return sg_reply_decode(&r, in);
}

static void test_reply(void **state)
{
	static const uint8_t golden[24] = {
		1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x2a, 0, 0, 0,
	};
	static const struct sg_reply cases[] = {
		{ 1, 2, SG_REPLY_MAILBOX_FULL, 42 },
		{ UINT64_MAX, 0, SG_REPLY_STORED, 0 },
		{ 7, 7, 0xffff, UINT32_MAX }, /* unknown code carried and accepted */
	};
	static const struct mut m[] = {
		{ 18, 1, 0, 0, SG_E_RESERVED },
		{ 19, 0x80, 0, 0, SG_E_RESERVED },
		{ 16, 0xff, 17, 0xff, SG_OK },
		{ 16, SG_REPLY_CODE_MAX + 1, 0, 0, SG_OK },
	};
	uint8_t wire[24];
	struct sg_reply r;

	(void)state;
	sg_reply_encode(wire, &cases[0]);
	assert_memory_equal(wire, golden, 24);
	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		memset(wire, 0xcc, sizeof(wire));
		sg_reply_encode(wire, &cases[i]);
		memset(&r, 0xee, sizeof(r));
		assert_int_equal(sg_reply_decode(&r, wire), SG_OK);
		assert_int_equal(r.msg_id, cases[i].msg_id);
		assert_int_equal(r.peer_user, cases[i].peer_user);
		assert_int_equal(r.code, cases[i].code);
		assert_int_equal(r.detail, cases[i].detail);
	}
	run_muts("reply", dec_reply, golden, 24, m, SG_ARRAY_SIZE(m));
}

static int dec_close(const uint8_t *in)
{
	uint16_t reason;

	return sg_close_decode(&reason, in);
}

static void test_close(void **state)
{
	static const uint16_t reasons[] = { SG_CLOSE_NORMAL, SG_CLOSE_REPLACED, 0x1234, 0xffff };
	static const uint8_t golden[4] = { 5, 0, 0, 0 };
	static const struct mut m[] = {
		{ 2, 1, 0, 0, SG_E_RESERVED },
		{ 3, 0x80, 0, 0, SG_E_RESERVED },
		{ 0, 0xff, 1, 0xff, SG_OK },
	};
	uint8_t wire[4];
	uint16_t reason;

	(void)state;
	sg_close_encode(wire, SG_CLOSE_REPLACED);
	assert_memory_equal(wire, golden, 4);
	for (size_t i = 0; i < SG_ARRAY_SIZE(reasons); i++) {
		memset(wire, 0xcc, sizeof(wire));
		sg_close_encode(wire, reasons[i]);
		reason = 0xeeee;
		assert_int_equal(sg_close_decode(&reason, wire), SG_OK);
		assert_int_equal(reason, reasons[i]);
	}
	run_muts("close", dec_close, golden, 4, m, SG_ARRAY_SIZE(m));
}

static void fill_entries(struct sg_ack_entry *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		e[i].sender_user = 0x1000000000000000u + i;
		e[i].msg_id = UINT64_MAX - 3 * (uint64_t)i;
	}
}

static void ack_roundtrip(unsigned n)
{
	struct sg_ack_entry in[64], out[64];
	size_t need = 4 + 16 * (size_t)n, len = 0;
	uint8_t *wire = heap_buf(need);
	unsigned got = 0;

	fill_entries(in, n);
	memset(wire, 0xcc, need);
	assert_int_equal(sg_ack_encode(wire, need, in, n, &len), SG_OK);
	assert_int_equal(len, need);
	assert_int_equal(sg_le16(wire), n);
	assert_int_equal(wire[2] | wire[3], 0);
	assert_int_equal(sg_le64(wire + 4), in[0].sender_user);
	assert_int_equal(sg_le64(wire + 12), in[0].msg_id);
	assert_int_equal(sg_le64(wire + need - 8), in[n - 1].msg_id);

	/* cap exactly n, and one fewer */
	memset(out, 0, sizeof(out));
	assert_int_equal(sg_ack_decode(out, n, &got, wire, len), SG_OK);
	assert_int_equal(got, n);
	assert_memory_equal(out, in, n * sizeof(in[0]));
	assert_int_equal(sg_ack_decode(out, n - 1, &got, wire, len), SG_E_NOSPACE);
	/* a length one off either side */
	assert_int_equal(sg_ack_decode(out, 64, &got, wire, len - 1), SG_E_LENGTH);
	/* output cap one short */
	assert_int_equal(sg_ack_encode(wire, need - 1, in, n, &len), SG_E_NOSPACE);
	free(wire);
}

static void test_ack(void **state)
{
	struct sg_ack_entry e[65];
	uint8_t big[4 + 16 * 66];
	size_t len = 12345;

	(void)state;
	ack_roundtrip(1);
	ack_roundtrip(2);
	ack_roundtrip(63);
	ack_roundtrip(64);

	fill_entries(e, 65);
	assert_int_equal(sg_ack_encode(big, sizeof(big), e, 65, &len), SG_E_INVAL);
	assert_int_equal(sg_ack_encode(big, sizeof(big), e, 0, &len), SG_E_INVAL);
	assert_int_equal(sg_ack_encode(big, 0, e, 1, &len), SG_E_NOSPACE);
	assert_int_equal(sg_ack_encode(big, 19, e, 1, &len), SG_E_NOSPACE);
	assert_int_equal(len, 12345);
}

static void test_ack_decode_rejects(void **state)
{
	static const struct {
		size_t len;
		uint16_t count;
		size_t off; /* extra byte to set when non-zero and < len */
		uint8_t val;
		unsigned cap;
		int expected;
	} rows[] = {
		{ 0, 0, 0, 0, 64, SG_E_LENGTH },
		{ 1, 1, 0, 0, 64, SG_E_LENGTH },
		{ 3, 1, 0, 0, 64, SG_E_LENGTH },
		{ 4, 0, 0, 0, 64, SG_E_LENGTH },
		{ 4, 1, 0, 0, 64, SG_E_LENGTH },
		{ 20, 0, 0, 0, 64, SG_E_LENGTH },
		{ 20, 1, 0, 0, 64, SG_OK },
		{ 20, 2, 0, 0, 64, SG_E_LENGTH },
		{ 21, 1, 0, 0, 64, SG_E_LENGTH },
		{ 36, 1, 0, 0, 64, SG_E_LENGTH },
		{ 36, 2, 0, 0, 64, SG_OK },
		{ 35, 2, 0, 0, 64, SG_E_LENGTH },
		{ 4 + 16 * 64, 64, 0, 0, 64, SG_OK },
		{ 4 + 16 * 65, 65, 0, 0, 65, SG_E_LENGTH },
		{ 4 + 16 * 64, 65, 0, 0, 65, SG_E_LENGTH },
		{ 4 + 16 * 64, 0xffff, 0, 0, 64, SG_E_LENGTH },
		{ 20, 1, 2, 1, 64, SG_E_RESERVED },
		{ 20, 1, 3, 0x80, 64, SG_E_RESERVED },
		{ 20, 2, 2, 1, 64, SG_E_LENGTH },    /* length before reserved */
		{ 36, 2, 2, 1, 1, SG_E_RESERVED },   /* reserved before cap */
		{ 36, 2, 0, 0, 1, SG_E_NOSPACE },
		{ 20, 1, 0, 0, 0, SG_E_NOSPACE },
		{ 20, 1, 19, 0xff, 64, SG_OK },
	};
	struct sg_ack_entry out[65];

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		uint8_t *buf = heap_buf(rows[i].len);
		unsigned n = 999;
		int got;

		if (rows[i].len >= 1)
			buf[0] = (uint8_t)rows[i].count;
		if (rows[i].len >= 2)
			buf[1] = (uint8_t)(rows[i].count >> 8);
		if (rows[i].off && rows[i].off < rows[i].len)
			buf[rows[i].off] = rows[i].val;
		got = sg_ack_decode(out, rows[i].cap, &n, buf, rows[i].len);
		free(buf);
		if (got != rows[i].expected || (got == SG_OK && n != rows[i].count)) {
			print_error("ack row %zu: got %d n %u, want %d\n", i, got, n,
				    rows[i].expected);
			fail();
		}
	}
}

static void test_lookup(void **state)
{
	static const uint64_t ids[] = { 0, 1, 0x0102030405060708, UINT64_MAX };
	static const uint8_t golden[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	uint8_t wire[8];
	uint64_t id;

	(void)state;
	sg_lookup_encode(wire, 0x0102030405060708);
	assert_memory_equal(wire, golden, 8);
	for (size_t i = 0; i < SG_ARRAY_SIZE(ids); i++) {
		sg_lookup_encode(wire, ids[i]);
		id = 0xeeeeeeee;
		assert_int_equal(sg_lookup_decode(&id, wire), SG_OK);
		assert_int_equal(id, ids[i]);
	}
}

static int dec_keyinfo(const uint8_t *in)
{
	struct sg_key_info k;

	return sg_keyinfo_decode(&k, in);
}

static void test_keyinfo(void **state)
{
	struct sg_key_info found = { .user_id = 0x0102030405060708, .status = SG_KEYINFO_FOUND };
	struct sg_key_info unknown = { .user_id = 77, .status = SG_KEYINFO_UNKNOWN_USER };
	static const struct mut m_found[] = {
		{ 8, 2, 0, 0, SG_E_RESERVED },
		{ 9, 1, 0, 0, SG_E_RESERVED },   /* status 0x100 */
		{ 8, 0xff, 9, 0xff, SG_E_RESERVED },
		{ 10, 1, 0, 0, SG_E_RESERVED },
		{ 12, 1, 0, 0, SG_E_RESERVED },
		{ 15, 0x80, 0, 0, SG_E_RESERVED },
		{ 16, 0, 47, 0, SG_OK },         /* a FOUND key may hold any bytes */
		{ 8, 1, 0, 0, SG_E_RESERVED },   /* UNKNOWN_USER with a key */
	};
	static const struct mut m_unknown[] = {
		{ 16, 1, 0, 0, SG_E_RESERVED },
		{ 47, 0x80, 0, 0, SG_E_RESERVED },
		{ 8, 0, 0, 0, SG_OK },           /* FOUND with an all-zero key */
		{ 0, 0xff, 7, 0xff, SG_OK },
		{ 11, 1, 0, 0, SG_E_RESERVED },
	};
	uint8_t wire[48], golden[48];
	struct sg_key_info k;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		found.public_key[i] = (uint8_t)(0xa0 + i);
	memset(golden, 0, sizeof(golden));
	memcpy(golden, (const uint8_t[]){ 8, 7, 6, 5, 4, 3, 2, 1 }, 8);
	memcpy(golden + 16, found.public_key, 32);
	memset(wire, 0xcc, sizeof(wire));
	sg_keyinfo_encode(wire, &found);
	assert_memory_equal(wire, golden, 48);

	memset(&k, 0xee, sizeof(k));
	assert_int_equal(sg_keyinfo_decode(&k, wire), SG_OK);
	assert_int_equal(k.user_id, found.user_id);
	assert_int_equal(k.status, found.status);
	assert_memory_equal(k.public_key, found.public_key, 32);
	run_muts("keyinfo found", dec_keyinfo, wire, 48, m_found, SG_ARRAY_SIZE(m_found));

	memset(wire, 0xcc, sizeof(wire));
	sg_keyinfo_encode(wire, &unknown);
	assert_int_equal(sg_le16(wire + 8), SG_KEYINFO_UNKNOWN_USER);
	memset(&k, 0xee, sizeof(k));
	assert_int_equal(sg_keyinfo_decode(&k, wire), SG_OK);
	assert_int_equal(k.user_id, 77);
	assert_int_equal(k.status, SG_KEYINFO_UNKNOWN_USER);
	assert_true(sg_all_zero(k.public_key, 32));
	run_muts("keyinfo unknown", dec_keyinfo, wire, 48, m_unknown, SG_ARRAY_SIZE(m_unknown));
}

/* ---------------------------------------------------------------- tai64n */

static void test_tai64n_known(void **state)
{
	static const struct {
		uint64_t sec;
		uint32_t nsec;
		uint8_t wire[12];
	} rows[] = {
		{ 0, 0, { 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 1700000000, 123456789,
		  { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15 } },
		{ 0x100000000, 999999999,
		  { 0x40, 0, 0, 1, 0, 0, 0, 0, 0x3b, 0x9a, 0xc9, 0xff } },
		{ 1, 1, { 0x40, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 } },
		{ (UINT64_C(1) << 63) + (UINT64_C(1) << 62) - 1, 0,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 } },
	};
	uint8_t wire[12];
	uint64_t sec;
	uint32_t nsec;

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		memset(wire, 0xcc, sizeof(wire));
		sg_tai64n_encode(wire, rows[i].sec, rows[i].nsec);
		assert_memory_equal(wire, rows[i].wire, 12);
		sec = 1;
		nsec = 1;
		assert_int_equal(sg_tai64n_decode(wire, &sec, &nsec), SG_OK);
		assert_int_equal(sec, rows[i].sec);
		assert_int_equal(nsec, rows[i].nsec);
	}
}

static void test_tai64n_decode_rejects(void **state)
{
	static const struct {
		uint8_t wire[12];
		int expected;
	} rows[] = {
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00 }, SG_E_RESERVED }, /* 1e9 */
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, SG_E_RESERVED },
		{ { 0x40, 0, 0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xc9, 0xff }, SG_OK },
		{ { 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0 }, SG_E_RESERVED },
		{ { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, SG_OK },
	};
	uint64_t sec;
	uint32_t nsec;

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		int got = sg_tai64n_decode(rows[i].wire, &sec, &nsec);

		if (got != rows[i].expected) {
			print_error("tai64n decode row %zu: got %d want %d\n", i, got,
				    rows[i].expected);
			fail();
		}
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_tai64n_cmp(void **state)
{
	static const struct {
		uint64_t a_sec;
		uint32_t a_nsec;
		uint64_t b_sec;
		uint32_t b_nsec;
		int expected; /* sign */
	} rows[] = {
		{ 0, 0, 0, 0, 0 },
		{ 0, 0, 0, 1, -1 },
		{ 0, 1, 0, 0, 1 },
		{ 1, 0, 0, 999999999, 1 },
		{ 0, 999999999, 1, 0, -1 },
		{ 0x100000000, 0, 0xffffffff, 999999999, 1 }, /* carry across the word */
		{ 255, 0, 256, 0, -1 },
		{ 1700000000, 16777216, 1700000000, 16777216, 0 },
	};
	uint8_t a[12], b[12];

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rows); i++) {
		sg_tai64n_encode(a, rows[i].a_sec, rows[i].a_nsec);
		sg_tai64n_encode(b, rows[i].b_sec, rows[i].b_nsec);
		if (sign(sg_tai64n_cmp(a, b)) != rows[i].expected ||
		    sign(sg_tai64n_cmp(b, a)) != -rows[i].expected) {
			print_error("tai64n cmp row %zu\n", i);
			fail();
		}
	}
}

static void test_tai64n_now(void **state)
{
	uint8_t prev[12], cur[12];
	uint64_t sec;
	uint32_t nsec;
	time_t t0 = time(NULL);

	(void)state;
	sg_tai64n_now(prev);
	assert_int_equal(sg_tai64n_decode(prev, &sec, &nsec), SG_OK);
	assert_int_equal(nsec & ~SG_TAI64N_WHITEN_MASK, 0);
	assert_int_equal(nsec & 0x00ffffffu, 0);
	assert_true(nsec < 1000000000u);
	assert_true(sec + 2 >= (uint64_t)t0 && sec <= (uint64_t)t0 + 2);

	for (int i = 0; i < 2000; i++) {
		sg_tai64n_now(cur);
		assert_int_equal(sg_tai64n_decode(cur, &sec, &nsec), SG_OK);
		assert_int_equal(nsec & 0x00ffffffu, 0);
		assert_true(sg_tai64n_cmp(cur, prev) >= 0);
		memcpy(prev, cur, sizeof(cur));
	}
}

/* ---------------------------------------------------------------- status */

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sg_status_name(SG_OK), "ok");
	assert_string_equal(sg_status_name(SG_E_LENGTH), "length");
	assert_string_equal(sg_status_name(SG_E_TAG), "tag");
	assert_string_equal(sg_status_name(SG_E_SYSTEM), "system");
	assert_string_equal(sg_status_name(1), "unknown");
	assert_string_equal(sg_status_name(-1000), "unknown");
	assert_string_equal(sg_status_name(SG_E_MIN - 1), "unknown");
	/* every defined status has its own name */
	for (int s = SG_E_MIN; s <= 0; s++) {
		const char *n = sg_status_name(s);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (int t = s + 1; t <= 0; t++)
			assert_string_not_equal(n, sg_status_name(t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_classify_exhaustive),
		cmocka_unit_test(test_transport_ranges),
		cmocka_unit_test(test_init_payload_roundtrip),
		cmocka_unit_test(test_init_payload_encode_rejects),
		cmocka_unit_test(test_init_payload_decode_rejects),
		cmocka_unit_test(test_resp_payload),
		cmocka_unit_test(test_handshake_headers),
		cmocka_unit_test(test_hdr_roundtrip),
		cmocka_unit_test(test_hdr_decode_rejects),
		cmocka_unit_test(test_data_inner),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_ack_decode_rejects),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_keyinfo),
		cmocka_unit_test(test_tai64n_known),
		cmocka_unit_test(test_tai64n_decode_rejects),
		cmocka_unit_test(test_tai64n_cmp),
		cmocka_unit_test(test_tai64n_now),
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
