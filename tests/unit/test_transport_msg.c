/* SPDX-License-Identifier: MIT */
/*
 * test_transport_msg.c - transport header and sealed plaintexts (DATA inner header, reply, close, ack, lookup, key info): round trips, known bytes, every bad field.
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
#include "proto/messages.h"
#include "proto/status.h"
#include "proto/transport_msg.h"
#include "proto_testutil.h"

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
		{ 16, 0, 12, SG_OK },     /* TICKET is a transport message */
		{ 16, 0, 13, SG_E_TYPE },
		{ 16, 0, 14, SG_E_TYPE },
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


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_roundtrip),
		cmocka_unit_test(test_hdr_decode_rejects),
		cmocka_unit_test(test_data_inner),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_ack_decode_rejects),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_keyinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
