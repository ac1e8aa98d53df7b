/* SPDX-License-Identifier: MIT */
/*
 * test_handshake_msg.c - handshake payloads and clear headers: round trips, known bytes, every bad field.
 *
 * Inputs live in heap buffers of exactly their length, so the address
 * sanitizer reports any read past the end.  Expected values are written as
 * literal numbers, independent of messages.h, so an error in the header's
 * arithmetic shows up as a failure rather than being agreed with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/handshake_msg.h"
#include "proto/messages.h"
#include "proto/status.h"
#include "proto_testutil.h"

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


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_payload_roundtrip),
		cmocka_unit_test(test_init_payload_encode_rejects),
		cmocka_unit_test(test_init_payload_decode_rejects),
		cmocka_unit_test(test_resp_payload),
		cmocka_unit_test(test_handshake_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
