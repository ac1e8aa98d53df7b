/* SPDX-License-Identifier: MIT */
/*
 * crypto_aead.c - surge-bench-crypto's AEAD part: open+seal frames/s of the
 * burst API next to raw libsodium on the same frames.
 *
 * AEAD "open+seal" frames/s: per DATA frame a relay worker opens (decrypts
 * and verifies) a frame sealed under the sender's key, then seals it again
 * under the recipient's key.  AEAD plaintext = the 24-byte inner header +
 * body, AD = the 16-byte transport header, detached 16-byte tag, in place.
 * A pool of 256 distinct frames (header | inner + body | tag, 64-byte
 * stride) is walked in bursts of 32: open the 32, rewrite each header
 * (receiver index, new counter), seal the 32 under the other key.  Two
 * sessions' keys alternate every pass over the pool, so every open is of a
 * frame the previous pass really sealed; every open and seal must succeed,
 * and any failure aborts the run.  Two paths with the same buffers, ops
 * array, nonces and loop:
 *   api: sg_aead_open_burst / sg_aead_seal_burst (contexts from
 *        sg_aead_ctx_init);
 *   raw: libsodium itself on the same ops: AES-256-GCM *_afternm with a
 *        precomputed state, ChaCha20-Poly1305-IETF *_detached.
 * The raw path opens what the API sealed and the other way round, and the
 * plaintext is compared with a snapshot before and after the runs.
 * (DESIGN.md's reference table sealed plaintext = body with no AD; the
 * real frame's 24 more bytes cost ~25-30% at 64 B, so expect less there.)
 * The two paths are interleaved, one pass (256 frames) per clock read.
 *
 * One of the two files outside crypto/ that include <sodium.h> (STYLE.md),
 * with crypto_handshake.c: only for the raw libsodium baseline.
 */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench/bench.h"
#include "bench/crypto_bench.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "proto/bytes.h"
#include "proto/messages.h"
#include "proto/status.h"
#include "proto/transport_msg.h"

enum {
	BENCH_FRAMES = 256,   /* distinct frames in the pool */
	BENCH_BURST = 32,     /* ops per burst call */
	BENCH_NONCE_LEN = 12,
};

/* One session's key in both forms: the API's context and libsodium's own. */
struct side {
	struct sg_aead_ctx api;
	alignas(64) crypto_aead_aes256gcm_state gcm;
	uint8_t key[SG_KEY_LEN];
	uint32_t index; /* the receiver index written into its frames' headers */
};

struct pool {
	struct side side[2];
	uint8_t suite;
	unsigned phase;   /* frames are sealed under side[phase] */
	uint64_t counter; /* next send counter: a nonce is never used twice */
	uint32_t len;     /* AEAD plaintext: inner header + body */
	size_t stride;
	uint8_t *buf;     /* BENCH_FRAMES frames, stride apart */
	uint8_t *snap;    /* each frame's plaintext, for verify_pass */
};

/* The nonce as aead.h defines it: 4 zero bytes || counter, little-endian. */
static inline void raw_nonce(uint8_t nonce[BENCH_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	sg_put_le64(nonce + 4, counter);
}

static inline uint8_t *frame_at(const struct pool *p, unsigned i)
{
	return p->buf + (size_t)i * p->stride;
}

/* Both paths: ops for opening frames first .. first + BURST - 1 under ctx. */
static inline void ops_open(const struct pool *p, struct sg_aead_op *ops, unsigned first,
			    const struct sg_aead_ctx *ctx)
{
	for (unsigned i = 0; i < BENCH_BURST; i++) {
		uint8_t *f = frame_at(p, first + i);

		ops[i] = (struct sg_aead_op){
			.ctx = ctx,
			.ad = f,
			.data = f + SG_HDR_LEN,
			.tag = f + SG_HDR_LEN + p->len,
			.counter = sg_le64(f + SG_HDR_OFF_COUNTER),
			.len = p->len,
			.ad_len = SG_HDR_LEN,
		};
	}
}

/* Both paths: the relay's rewrite before sealing for the recipient. */
static inline void ops_reseal(struct pool *p, struct sg_aead_op *ops, const struct side *to)
{
	for (unsigned i = 0; i < BENCH_BURST; i++) {
		uint8_t *f = ops[i].data - SG_HDR_LEN;
		uint64_t c = p->counter++;

		sg_put_le32(f + SG_HDR_OFF_RECEIVER, to->index);
		sg_put_le64(f + SG_HDR_OFF_COUNTER, c);
		ops[i].ctx = &to->api;
		ops[i].counter = c;
	}
}

static unsigned raw_open(uint8_t suite, const struct side *s, struct sg_aead_op *ops, unsigned n)
{
	uint8_t nonce[BENCH_NONCE_LEN];
	unsigned bad = 0;

	if (suite == SG_SUITE_AES256_GCM) {
		for (unsigned i = 0; i < n; i++) {
			raw_nonce(nonce, ops[i].counter);
			bad += crypto_aead_aes256gcm_decrypt_detached_afternm(
				       ops[i].data, NULL, ops[i].data, ops[i].len, ops[i].tag,
				       ops[i].ad, ops[i].ad_len, nonce, &s->gcm) != 0;
		}
	} else {
		for (unsigned i = 0; i < n; i++) {
			raw_nonce(nonce, ops[i].counter);
			bad += crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				       ops[i].data, NULL, ops[i].data, ops[i].len, ops[i].tag,
				       ops[i].ad, ops[i].ad_len, nonce, s->key) != 0;
		}
	}
	return bad;
}

static unsigned raw_seal(uint8_t suite, const struct side *s, struct sg_aead_op *ops, unsigned n)
{
	uint8_t nonce[BENCH_NONCE_LEN];
	unsigned bad = 0;

	if (suite == SG_SUITE_AES256_GCM) {
		for (unsigned i = 0; i < n; i++) {
			raw_nonce(nonce, ops[i].counter);
			bad += crypto_aead_aes256gcm_encrypt_detached_afternm(
				       ops[i].data, ops[i].tag, NULL, ops[i].data, ops[i].len,
				       ops[i].ad, ops[i].ad_len, NULL, nonce, &s->gcm) != 0;
		}
	} else {
		for (unsigned i = 0; i < n; i++) {
			raw_nonce(nonce, ops[i].counter);
			bad += crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				       ops[i].data, ops[i].tag, NULL, ops[i].data, ops[i].len,
				       ops[i].ad, ops[i].ad_len, NULL, nonce, s->key) != 0;
		}
	}
	return bad;
}

/* One pass over the pool through the burst API. */
static uint64_t pass_api(void *arg, uint64_t *bad)
{
	struct pool *p = arg;
	const struct side *from = &p->side[p->phase], *to = &p->side[p->phase ^ 1];
	struct sg_aead_op ops[BENCH_BURST];

	for (unsigned b = 0; b < BENCH_FRAMES; b += BENCH_BURST) {
		ops_open(p, ops, b, &from->api);
		*bad += BENCH_BURST - sg_aead_open_burst(ops, BENCH_BURST);
		ops_reseal(p, ops, to);
		*bad += BENCH_BURST - sg_aead_seal_burst(ops, BENCH_BURST);
	}
	p->phase ^= 1;
	return BENCH_FRAMES;
}

/* The same pass, libsodium called directly on the same ops. */
static uint64_t pass_raw(void *arg, uint64_t *bad)
{
	struct pool *p = arg;
	const struct side *from = &p->side[p->phase], *to = &p->side[p->phase ^ 1];
	struct sg_aead_op ops[BENCH_BURST];

	for (unsigned b = 0; b < BENCH_FRAMES; b += BENCH_BURST) {
		ops_open(p, ops, b, &from->api);
		*bad += raw_open(p->suite, from, ops, BENCH_BURST);
		ops_reseal(p, ops, to);
		*bad += raw_seal(p->suite, to, ops, BENCH_BURST);
	}
	p->phase ^= 1;
	return BENCH_FRAMES;
}

/* Untimed: a raw pass that also compares every plaintext with the snapshot. */
static uint64_t verify_pass(struct pool *p)
{
	const struct side *from = &p->side[p->phase], *to = &p->side[p->phase ^ 1];
	struct sg_aead_op ops[BENCH_BURST];
	uint64_t bad = 0;

	for (unsigned b = 0; b < BENCH_FRAMES; b += BENCH_BURST) {
		ops_open(p, ops, b, &from->api);
		bad += raw_open(p->suite, from, ops, BENCH_BURST);
		for (unsigned i = 0; i < BENCH_BURST; i++)
			bad += memcmp(ops[i].data, p->snap + (size_t)(b + i) * p->len, p->len) != 0;
		ops_reseal(p, ops, to);
		bad += raw_seal(p->suite, to, ops, BENCH_BURST);
	}
	p->phase ^= 1;
	return bad;
}

static int side_init(struct side *s, uint8_t suite, uint32_t index)
{
	sg_random(s->key, sizeof(s->key));
	s->index = index;
	if (sg_aead_ctx_init(&s->api, suite, s->key) != SG_OK)
		return -1;
	if (suite == SG_SUITE_AES256_GCM)
		crypto_aead_aes256gcm_beforenm(&s->gcm, s->key);
	return 0;
}

static void side_wipe(struct side *s)
{
	sg_aead_ctx_wipe(&s->api);
	sodium_memzero(&s->gcm, sizeof(s->gcm));
	sodium_memzero(s->key, sizeof(s->key));
}

/* Fill the pool with distinct DATA frames sealed (by the API) under side[0]. */
static int pool_init(struct pool *p, uint8_t suite, unsigned body)
{
	struct sg_aead_op ops[BENCH_BURST];

	memset(p, 0, sizeof(*p));
	p->suite = suite;
	p->len = SG_DATA_INNER_LEN + body;
	p->stride = ((size_t)SG_HDR_LEN + p->len + SG_TAG_LEN + 63) & ~(size_t)63;
	p->counter = 1;
	p->buf = aligned_alloc(64, p->stride * BENCH_FRAMES);
	p->snap = malloc((size_t)p->len * BENCH_FRAMES);
	if (!p->buf || !p->snap || side_init(&p->side[0], suite, 0x01000001) != 0 ||
	    side_init(&p->side[1], suite, 0x01000002) != 0)
		return -1;
	memset(p->buf, 0, p->stride * BENCH_FRAMES);
	for (unsigned i = 0; i < BENCH_FRAMES; i++) {
		uint8_t *f = frame_at(p, i), *plain = f + SG_HDR_LEN;
		struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = p->side[0].index };
		struct sg_data_inner d = {
			.peer_user = 1000 + i, .msg_id = i, .ttl_s = 3600, .class = SG_CLASS_CLOUD,
		};

		sg_hdr_encode(f, &h);
		sg_data_inner_encode(plain, &d);
		sg_random(plain + SG_DATA_INNER_LEN, body);
		memcpy(p->snap + (size_t)i * p->len, plain, p->len);
	}
	/* Initial seal: "opened" frames with their plaintext in place. */
	for (unsigned b = 0; b < BENCH_FRAMES; b += BENCH_BURST) {
		ops_open(p, ops, b, &p->side[0].api);
		ops_reseal(p, ops, &p->side[0]);
		if (sg_aead_seal_burst(ops, BENCH_BURST) != BENCH_BURST)
			return -1;
	}
	p->phase = 0;
	return 0;
}

static void pool_fini(struct pool *p)
{
	side_wipe(&p->side[0]);
	side_wipe(&p->side[1]);
	free(p->buf);
	free(p->snap);
}

static void aead_fail(const struct pool *p, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s, %u-byte body: %s", sg_bench_suite_name(p->suite),
		 p->len - SG_DATA_INNER_LEN, what);
	sg_bench_die(msg);
}

void sg_bench_aead_measure(uint8_t suite, unsigned body, unsigned reps, double seconds,
			   struct sg_bench_aead_result *r)
{
	double api[SG_BENCH_MAX_REPS], raw[SG_BENCH_MAX_REPS], warm = seconds / 5, rate;
	char what[64];
	struct pool p;
	uint64_t bad = 0;

	if (pool_init(&p, suite, body) != 0)
		aead_fail(&p, "setup failed (memory or sg_aead_ctx_init)");
	/* Cross-checks: raw opens what the API sealed, the API what raw sealed. */
	if (verify_pass(&p) != 0)
		aead_fail(&p, "raw libsodium cannot open frames sealed by sg_aead_seal_burst");
	pass_api(&p, &bad);
	if (bad != 0)
		aead_fail(&p, "sg_aead_open_burst cannot open frames sealed by raw libsodium");
	if (sg_bench_measure(pass_api, &p, warm, &rate) != 0 ||
	    sg_bench_measure(pass_raw, &p, warm, &rate) != 0)
		aead_fail(&p, "an open failed during the warm-up");
	for (unsigned i = 0; i < reps; i++) {
		if (sg_bench_measure(pass_api, &p, seconds, &api[i]) != 0)
			aead_fail(&p, "sg_aead_open_burst or _seal_burst failed");
		if (sg_bench_measure(pass_raw, &p, seconds, &raw[i]) != 0)
			aead_fail(&p, "a raw libsodium open or seal failed");
	}
	if (verify_pass(&p) != 0)
		aead_fail(&p, "plaintext changed across the runs");
	r->suite = suite;
	r->body = body;
	r->spread = 1;
	snprintf(what, sizeof(what), "%s burst API, ", sg_bench_suite_name(suite));
	r->api_fps = sg_bench_median(api, reps, what, body, &r->spread);
	snprintf(what, sizeof(what), "%s raw libsodium, ", sg_bench_suite_name(suite));
	r->raw_fps = sg_bench_median(raw, reps, what, body, &r->spread);
	pool_fini(&p);
}

const char *sg_bench_aead_libsodium_version(void)
{
	return sodium_version_string();
}
