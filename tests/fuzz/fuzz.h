/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every harness in tests/fuzz/ shares: the libFuzzer entry
 * point's prototype, a cursor that takes typed values off the input, the
 * fixed keys that make every run reproducible, and FUZZ_CHECK for the
 * invariants a harness asserts beyond "does not crash".
 *
 * A harness is built twice: with clang and -fsanitize=fuzzer (build-fuzz,
 * scripts/fuzz, meson suite "fuzz"), and with the project's compiler and
 * driver.c, which runs the seed corpus and every regression input as an
 * ordinary unit test (build/, build-asan/).  docs/FUZZING.md has the list.
 */
#ifndef SG_TESTS_FUZZ_H
#define SG_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code under test must keep: report it and abort (a crash). */
#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__,   \
				__LINE__, #cond);                                     \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* Reads typed values off the input; past its end, zeros. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t v = fz_u8(f);

	return (uint16_t)(v | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t v = fz_u16(f);

	return v | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v = fz_u32(f);

	return v | (uint64_t)fz_u32(f) << 32;
}

/* n bytes into out, zero-filled past the end of the input. */
static inline void fz_bytes(struct fz *f, void *out, size_t n)
{
	size_t k = n < f->n ? n : f->n;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, n - k);
	f->p += k;
	f->n -= k;
}

/* Up to n bytes in place (*len of them); what is left of the input for n = SIZE_MAX. */
static inline const uint8_t *fz_take(struct fz *f, size_t n, size_t *len)
{
	const uint8_t *p = f->p;

	*len = n < f->n ? n : f->n;
	f->p += *len;
	f->n -= *len;
	return p;
}

/*
 * A heap copy of exactly len bytes (at least 1 allocated), so that the
 * address sanitizer catches a read one byte too far; free() it.
 */
uint8_t *fz_dup(const void *p, size_t len);

/*
 * The fixed key pairs of every harness: the relay's current and previous
 * static keys, two users.  Deterministic (derived from constant private
 * keys) and computed once.
 */
enum fz_key { FZ_RELAY = 0, FZ_RELAY_OLD = 1, FZ_ALICE = 2, FZ_BOB = 3, FZ_KEYS = 4 };
const struct sg_keypair *fz_key(enum fz_key k);

/* A fixed 32-byte value for secrets and nonces, different per label byte. */
void fz_fixed(uint8_t *out, size_t n, uint8_t label);

/*
 * A path that reads back the given bytes, for parsers that take a file name
 * (config, rules): a memfd reached through /proc/self/fd, rewritten per
 * call.  NULL when the system refuses.
 */
const char *fz_file(const void *data, size_t len);

#endif /* SG_TESTS_FUZZ_H */
