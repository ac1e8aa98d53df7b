/* SPDX-License-Identifier: MIT */
/*
 * tai64n.h - TAI64N timestamps for handshake initiations.
 *
 * 12 bytes, big-endian as TAI64N defines them: 8 bytes of 2^62 + seconds,
 * 4 bytes of nanoseconds.  Big-endian makes "newer" equal to memcmp() > 0,
 * which is how a replayed initiation is recognised (as in WireGuard).  The
 * clock's nanoseconds are rounded down to a multiple of 2^24 ns (~16.8 ms)
 * so the timestamp does not fingerprint the sender's clock.
 */
#ifndef SG_PROTO_TAI64N_H
#define SG_PROTO_TAI64N_H

#include <stdint.h>

#define SG_TAI64N_BASE (UINT64_C(1) << 62)
#define SG_TAI64N_WHITEN_MASK (~((UINT32_C(1) << 24) - 1))

/* Encode unix seconds and nanoseconds exactly (no rounding). */
void sg_tai64n_encode(uint8_t out[12], uint64_t unix_sec, uint32_t nsec);

/* Now, from CLOCK_REALTIME, nanoseconds rounded down (see above). */
void sg_tai64n_now(uint8_t out[12]);

/* Decode; SG_E_RESERVED when nanoseconds >= 10^9 or the label is below 2^62. */
int sg_tai64n_decode(const uint8_t in[12], uint64_t *unix_sec, uint32_t *nsec);

/* <0, 0, >0 as a is older than, equal to, newer than b. */
int sg_tai64n_cmp(const uint8_t a[12], const uint8_t b[12]);

#endif /* SG_PROTO_TAI64N_H */
