/* SPDX-License-Identifier: MIT */
/*
 * test_classify.c - the first look at a datagram (type, length, reserved bits), and status names.
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
#include "proto_testutil.h"

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
	/* RESUME: exactly 180 */
	OK_(11, 180), BAD(11, 179, SG_E_LENGTH), BAD(11, 181, SG_E_LENGTH),
	BAD(11, 156, SG_E_LENGTH), BAD(11, 1, SG_E_LENGTH),
	SET(11, 180, 1, 0x01, SG_E_RESERVED), SET(11, 180, 3, 0x80, SG_E_RESERVED),
	SET(11, 180, 4, 0xff, 11),
	/* TICKET: exactly 164, a transport message */
	OK_(12, 164), BAD(12, 163, SG_E_LENGTH), BAD(12, 165, SG_E_LENGTH),
	BAD(12, 32, SG_E_LENGTH), SET(12, 164, 1, 0x01, 12),
	SET(12, 164, 1, 0x02, SG_E_RESERVED), SET(12, 164, 2, 0x01, SG_E_RESERVED),
	/* RESUME_RESP: exactly 92 */
	OK_(13, 92), BAD(13, 91, SG_E_LENGTH), BAD(13, 93, SG_E_LENGTH),
	BAD(13, 108, SG_E_LENGTH), SET(13, 92, 2, 0x01, SG_E_RESERVED),
	SET(13, 92, 8, 0xff, 13),
	/* unknown types, at lengths valid for other types */
	BAD(0, 1, SG_E_TYPE), BAD(0, 32, SG_E_TYPE), BAD(0, 156, SG_E_TYPE),
	BAD(14, 1, SG_E_TYPE), BAD(14, 32, SG_E_TYPE), BAD(14, 56, SG_E_TYPE),
	BAD(14, 180, SG_E_TYPE), BAD(15, 164, SG_E_TYPE), BAD(15, 92, SG_E_TYPE),
	BAD(128, 56, SG_E_TYPE), BAD(255, 1, SG_E_TYPE), BAD(255, 156, SG_E_TYPE),
	SET(14, 32, 1, 0x02, SG_E_TYPE), /* type before reserved */
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
	case 11: lo = hi = 180; handshake = 1; break;
	case 12: lo = hi = 164; break;
	case 13: lo = hi = 92; handshake = 1; break;
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
	/* zero fill: 5 handshake + 1417 DATA + 6 fixed transport + 64 ACK lengths;
	 * all ones: none; key-phase flag: the transport ones only */
	assert_int_equal(valid, (5 + 1417 + 6 + 64) + 0 + (1417 + 6 + 64));
}

static void test_transport_ranges(void **state)
{
	static const struct {
		size_t min, max;
	} want[14] = {
		[4] = { 56, 1472 }, [5] = { 32, 32 }, [6] = { 36, 36 }, [7] = { 56, 56 },
		[8] = { 52, 1060 }, [9] = { 40, 40 }, [10] = { 80, 80 }, [12] = { 164, 164 },
	};

	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		size_t min = 99, max = 99, wmin = 0, wmax = 0;
		int transport = sg_proto_is_transport((uint8_t)t);

		if (t < 14) {
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
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
