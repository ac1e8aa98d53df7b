/* SPDX-License-Identifier: MIT */
/*
 * crypto_bench.h - the two measurements of surge-bench-crypto, shared by
 * crypto.c (options and output), crypto_aead.c and crypto_handshake.c.
 */
#ifndef SG_BENCH_CRYPTO_BENCH_H
#define SG_BENCH_CRYPTO_BENCH_H

#include <stdint.h>

#include "proto/messages.h"

/* One row of the AEAD table: a suite and a body size. */
struct sg_bench_aead_result {
	uint8_t suite;
	unsigned body;
	double api_fps, raw_fps;
	double spread; /* largest max/min over the repetitions of either path */
};

struct sg_bench_hs_result {
	double responder_hps, x25519_hps, initiator_hps;
	double resume_hps; /* resumption responder (no X25519), PROTOCOL.md section 9 */
	double spread;
};

/*
 * AEAD open+seal frames/s of suite with body-byte bodies, burst API and raw
 * libsodium interleaved for reps repetitions of about seconds each.  Any
 * failed open, seal or cross-check ends the program (sg_bench_die).
 */
void sg_bench_aead_measure(uint8_t suite, unsigned body, unsigned reps, double seconds,
			   struct sg_bench_aead_result *r);

/* The libsodium the raw baseline runs on, for the JSON output. */
const char *sg_bench_aead_libsodium_version(void);

/*
 * Noise IK handshakes/s, responder and initiator, next to the responder's
 * X25519 bound; have_aes decides the suite the relay chooses.  Likewise dies
 * on any failure.
 */
void sg_bench_handshake_measure(int have_aes, unsigned reps, double seconds,
				struct sg_bench_hs_result *r);

static inline const char *sg_bench_suite_name(uint8_t suite)
{
	return suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";
}

#endif /* SG_BENCH_CRYPTO_BENCH_H */
