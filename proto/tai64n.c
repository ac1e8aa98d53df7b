/* SPDX-License-Identifier: MIT */
/*
 * tai64n.c - TAI64N timestamps: 8 bytes big-endian of 2^62 + unix seconds,
 * then 4 bytes big-endian of nanoseconds.  Big-endian keeps byte order equal
 * to time order, so sg_tai64n_cmp() is memcmp().  Leap seconds are ignored,
 * as in WireGuard: only the ordering of one sender's stamps matters.
 */
#include <string.h>
#include <time.h>

#include "status.h"
#include "tai64n.h"

enum { NSEC_PER_SEC = 1000000000 };

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

void sg_tai64n_encode(uint8_t out[12], uint64_t unix_sec, uint32_t nsec)
{
	uint64_t label = SG_TAI64N_BASE + unix_sec;

	put_be32(out, (uint32_t)(label >> 32));
	put_be32(out + 4, (uint32_t)label);
	put_be32(out + 8, nsec);
}

void sg_tai64n_now(uint8_t out[12])
{
	struct timespec ts;

	/* CLOCK_REALTIME cannot fail with a valid pointer; zero is a safe floor. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	sg_tai64n_encode(out, (uint64_t)ts.tv_sec,
			 (uint32_t)ts.tv_nsec & SG_TAI64N_WHITEN_MASK);
}

int sg_tai64n_decode(const uint8_t in[12], uint64_t *unix_sec, uint32_t *nsec)
{
	uint64_t label = (uint64_t)be32(in) << 32 | be32(in + 4);
	uint32_t ns = be32(in + 8);

	if (label < SG_TAI64N_BASE || ns >= NSEC_PER_SEC)
		return SG_E_RESERVED;
	*unix_sec = label - SG_TAI64N_BASE;
	*nsec = ns;
	return SG_OK;
}

int sg_tai64n_cmp(const uint8_t a[12], const uint8_t b[12])
{
	int c = memcmp(a, b, 12);

	return (c > 0) - (c < 0);
}
