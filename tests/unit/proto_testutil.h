/* SPDX-License-Identifier: MIT */
/*
 * proto_testutil.h - helpers of the proto/ tests: exact-size heap buffers
 * (so the address sanitizer reports any read one byte too far) and
 * table-driven byte mutations of an encoded message.  Header-only.
 */
#ifndef SG_TESTS_PROTO_TESTUTIL_H
#define SG_TESTS_PROTO_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/status.h"

/* A heap buffer of exactly len bytes (1 byte allocated for len 0), zeroed. */
static inline uint8_t *heap_buf(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memset(p, 0, len ? len : 1);
	return p;
}

static inline uint8_t *heap_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = heap_buf(len);

	memcpy(p, src, len);
	return p;
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
static inline void run_muts(const char *what, decode_fn dec, const uint8_t *base, size_t len,
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


#endif /* SG_TESTS_PROTO_TESTUTIL_H */
