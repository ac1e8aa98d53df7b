/* SPDX-License-Identifier: MIT */
/*
 * crypto.c - surge-bench-crypto: the per-core crypto limits the relay is
 * measured against.  A benchmark, not a test; pin it yourself (taskset).
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
 *
 * Handshakes/s: the Noise IK responder's work per handshake is
 * sg_cookie_validate (mac1) + sg_hs_initiation_consume +
 * sg_hs_response_create + sg_hs_keys (keys wiped), round-robin over 64
 * initiations made by 64 client key pairs.  Its X25519 cost is 4
 * variable-base crypto_scalarmult + 1 crypto_scalarmult_base (es, ss, ee, se
 * and the ephemeral key), timed in a loop in exactly that mix: "X25519
 * bound" = 1 / (time of one mix).  The initiator (sg_hs_initiation_create +
 * sg_hs_response_consume + sg_hs_keys) replays prepared responses: it uses
 * the fixed-ephemeral test hook so its state matches them, which skips one
 * 32-byte random draw per handshake and nothing else.
 *
 * Each measurement runs for about --seconds; the paths compared with each
 * other are interleaved (a, b, a, b, ...) for --reps repetitions after a
 * warm-up, and the median of each is reported: single runs on shared
 * machines vary, medians of interleaved runs compare fairly.  Timing is
 * CLOCK_MONOTONIC, read once per pass (256 frames or 8 handshakes).  The
 * spread (slowest to fastest repetition, "spread" in --json) is checked:
 * above 1.25 a note on stderr says the machine was noisy during that row.
 *
 * This is the one file outside crypto/ that includes <sodium.h> (STYLE.md):
 * only for the raw libsodium baseline and the raw X25519 mix above.
 */
#include <getopt.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "proto/bytes.h"
#include "proto/handshake_msg.h"
#include "proto/messages.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"

enum {
	BENCH_FRAMES = 256,   /* distinct frames in the pool */
	BENCH_BURST = 32,     /* ops per burst call */
	BENCH_MAX_SIZES = 16,
	BENCH_MAX_REPS = 1000,
	BENCH_CLIENTS = 64,   /* distinct initiations */
	BENCH_HS_PASS = 8,    /* handshakes between clock reads */
	BENCH_NONCE_LEN = 12,
};

struct opts {
	int json;
	int handshake;
	unsigned reps;
	double seconds;
	uint8_t suites[2];
	unsigned n_suites;
	unsigned sizes[BENCH_MAX_SIZES];
	unsigned n_sizes;
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

struct aead_result {
	uint8_t suite;
	unsigned body;
	double api_fps, raw_fps;
	double spread; /* largest max/min over the repetitions of either path */
};

struct hs_bench {
	struct sg_keypair relay;
	struct sg_cookie_checker checker;
	int relay_has_aes;
	unsigned next;
	uint64_t now;
	struct sg_keypair client[BENCH_CLIENTS];
	struct sg_cookie_maker maker[BENCH_CLIENTS];
	uint8_t init[BENCH_CLIENTS][SG_INIT_LEN];    /* responder's input */
	/* Initiator: fixed ephemeral keys, payloads and the responses to them. */
	uint8_t eph[BENCH_CLIENTS][SG_KEY_LEN];
	struct sg_init_payload payload[BENCH_CLIENTS];
	uint8_t resp[BENCH_CLIENTS][SG_RESP_LEN];
};

typedef uint64_t (*pass_fn)(void *arg, uint64_t *bad);

static const uint8_t bench_src[6] = { 198, 18, 0, 1, 0x1d, 0x13 }; /* 198.18.0.1:7443 */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run fn for about seconds; units/s in *rate, or -1 when anything failed. */
static int measure(pass_fn fn, void *arg, double seconds, double *rate)
{
	uint64_t units = 0, bad = 0;
	double t0 = now_s(), t;

	do {
		units += fn(arg, &bad);
		t = now_s();
	} while (t - t0 < seconds && bad == 0);
	*rate = (double)units / (t - t0);
	return bad == 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum { BENCH_NOISY_PCT = 125 }; /* max/min over the reps above this: say so */

/* Median of v (sorted in place); widens *spread to max/min; notes noise. */
static double median(double *v, unsigned n, const char *what, unsigned body, double *spread)
{
	double sp;

	qsort(v, n, sizeof(*v), cmp_double);
	sp = v[0] > 0 ? v[n - 1] / v[0] : 0;
	if (sp > *spread)
		*spread = sp;
	if (sp * 100 > BENCH_NOISY_PCT)
		fprintf(stderr, "surge-bench-crypto: note: %s%.0u%s varied %.2fx across the runs"
			" (%.0f to %.0f/s): the machine was noisy; rerun or compare within a run\n",
			what, body, body ? "-byte body" : "", sp, v[0], v[n - 1]);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *suite_name(uint8_t suite)
{
	return suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";
}

static void die(const char *what)
{
	fprintf(stderr, "surge-bench-crypto: %s; aborting\n", what);
	exit(1);
}

/* ---- AEAD ---------------------------------------------------------------- */

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

	snprintf(msg, sizeof(msg), "%s, %u-byte body: %s", suite_name(p->suite),
		 p->len - SG_DATA_INNER_LEN, what);
	die(msg);
}

static void bench_aead(uint8_t suite, unsigned body, const struct opts *o,
		       struct aead_result *r)
{
	double api[BENCH_MAX_REPS], raw[BENCH_MAX_REPS], warm = o->seconds / 5, rate;
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
	if (measure(pass_api, &p, warm, &rate) != 0 || measure(pass_raw, &p, warm, &rate) != 0)
		aead_fail(&p, "an open failed during the warm-up");
	for (unsigned i = 0; i < o->reps; i++) {
		if (measure(pass_api, &p, o->seconds, &api[i]) != 0)
			aead_fail(&p, "sg_aead_open_burst or _seal_burst failed");
		if (measure(pass_raw, &p, o->seconds, &raw[i]) != 0)
			aead_fail(&p, "a raw libsodium open or seal failed");
	}
	if (verify_pass(&p) != 0)
		aead_fail(&p, "plaintext changed across the runs");
	r->suite = suite;
	r->body = body;
	r->spread = 1;
	snprintf(what, sizeof(what), "%s burst API, ", suite_name(suite));
	r->api_fps = median(api, o->reps, what, body, &r->spread);
	snprintf(what, sizeof(what), "%s raw libsodium, ", suite_name(suite));
	r->raw_fps = median(raw, o->reps, what, body, &r->spread);
	pool_fini(&p);
}

/* ---- Handshakes ---------------------------------------------------------- */

static int responder_one(struct hs_bench *hb, unsigned i)
{
	struct sg_handshake hs;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .keepalive_s = SG_KEEPALIVE_S };
	uint8_t client_pub[SG_KEY_LEN], send[SG_KEY_LEN], recv[SG_KEY_LEN];
	uint8_t out[SG_RESP_LEN];
	int rc;

	rc = sg_cookie_validate(&hb->checker, hb->init[i], SG_INIT_LEN, bench_src,
				sizeof(bench_src), hb->now);
	if (rc != SG_MAC_MAC1_OK)
		return rc < 0 ? rc : SG_E_MAC2;
	rc = sg_hs_initiation_consume(&hs, &hb->relay, hb->init[i], SG_INIT_LEN, &p, client_pub);
	if (rc != SG_OK)
		return rc;
	rp.user_id = 1 + i;
	rp.suite = sg_hs_choose_suite(&p, hb->relay_has_aes);
	rc = sg_hs_response_create(&hs, out, 0x02000000 + i, &rp, NULL);
	if (rc == SG_OK)
		rc = sg_hs_keys(&hs, send, recv);
	else
		sg_hs_wipe(&hs);
	sg_wipe(send, sizeof(send));
	sg_wipe(recv, sizeof(recv));
	return rc;
}

static int initiator_one(struct hs_bench *hb, unsigned i, uint8_t send[SG_KEY_LEN],
			 uint8_t recv[SG_KEY_LEN])
{
	const struct sg_hs_fixed fx = { .ephemeral_priv = hb->eph[i] };
	struct sg_handshake hs;
	struct sg_resp_payload rp;
	uint8_t msg[SG_INIT_LEN];
	int rc;

	rc = sg_hs_initiation_create(&hs, msg, &hb->client[i], hb->relay.pub, 1 + i,
				     &hb->payload[i], &hb->maker[i], hb->now, &fx);
	if (rc == SG_OK)
		rc = sg_hs_response_consume(&hs, &hb->client[i], hb->resp[i], SG_RESP_LEN, &rp);
	if (rc == SG_OK)
		return sg_hs_keys(&hs, send, recv);
	sg_hs_wipe(&hs);
	return rc;
}

static uint64_t pass_responder(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;

	for (unsigned k = 0; k < BENCH_HS_PASS; k++)
		*bad += responder_one(hb, hb->next++ % BENCH_CLIENTS) != SG_OK;
	return BENCH_HS_PASS;
}

static uint64_t pass_initiator(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;
	uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN];

	for (unsigned k = 0; k < BENCH_HS_PASS; k++) {
		*bad += initiator_one(hb, hb->next++ % BENCH_CLIENTS, send, recv) != SG_OK;
		sg_wipe(send, sizeof(send));
		sg_wipe(recv, sizeof(recv));
	}
	return BENCH_HS_PASS;
}

/* The responder's X25519 work: es, ss, ee, se (variable base) + its e. */
static uint64_t pass_x25519(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;
	uint8_t q[SG_KEY_LEN];

	for (unsigned k = 0; k < BENCH_HS_PASS; k++) {
		unsigned i = hb->next++ % BENCH_CLIENTS, j = (i + 1) % BENCH_CLIENTS;

		*bad += crypto_scalarmult(q, hb->relay.priv, hb->client[i].pub) != 0;
		*bad += crypto_scalarmult(q, hb->relay.priv, hb->client[j].pub) != 0;
		*bad += crypto_scalarmult(q, hb->eph[i], hb->client[j].pub) != 0;
		*bad += crypto_scalarmult(q, hb->eph[i], hb->client[i].pub) != 0;
		*bad += crypto_scalarmult_base(q, hb->eph[j]) != 0;
	}
	sodium_memzero(q, sizeof(q));
	return BENCH_HS_PASS;
}

static int hs_setup(struct hs_bench *hb, int have_aes)
{
	uint8_t rs[SG_KEY_LEN], rr[SG_KEY_LEN], cs[SG_KEY_LEN], cr[SG_KEY_LEN];
	struct sg_handshake hs;
	struct sg_init_payload p = {
		.version = SG_PROTO_VERSION,
		.n_suites = 2,
		.suites = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 },
	};
	struct sg_resp_payload rp = { .keepalive_s = SG_KEEPALIVE_S };
	uint8_t pub[SG_KEY_LEN], msg[SG_INIT_LEN];
	int rc = SG_OK;

	memset(hb, 0, sizeof(*hb));
	hb->relay_has_aes = have_aes;
	hb->now = (uint64_t)now_s();
	sg_keypair_generate(&hb->relay);
	sg_cookie_checker_init(&hb->checker, hb->relay.pub);
	for (unsigned i = 0; i < BENCH_CLIENTS && rc == SG_OK; i++) {
		const struct sg_hs_fixed fx = { .ephemeral_priv = hb->eph[i] };

		sg_keypair_generate(&hb->client[i]);
		sg_cookie_maker_init(&hb->maker[i], hb->relay.pub);
		sg_tai64n_now(p.timestamp);
		hb->payload[i] = p;
		/* The responder's input: a production initiation (fresh ephemeral). */
		rc = sg_hs_initiation_create(&hs, hb->init[i], &hb->client[i], hb->relay.pub, 1 + i,
					     &p, &hb->maker[i], hb->now, NULL);
		sg_hs_wipe(&hs);
		if (rc != SG_OK || (rc = responder_one(hb, i)) != SG_OK)
			break;
		/* The initiator's: a fixed ephemeral key and the relay's response. */
		sg_random(hb->eph[i], sizeof(hb->eph[i]));
		rc = sg_hs_initiation_create(&hs, msg, &hb->client[i], hb->relay.pub, 1 + i, &p,
					     &hb->maker[i], hb->now, &fx);
		sg_hs_wipe(&hs);
		if (rc != SG_OK)
			break;
		rc = sg_hs_initiation_consume(&hs, &hb->relay, msg, SG_INIT_LEN, &p, pub);
		rp.user_id = 1 + i;
		rp.suite = sg_hs_choose_suite(&p, have_aes);
		if (rc == SG_OK)
			rc = sg_hs_response_create(&hs, hb->resp[i], 0x02000000 + i, &rp, NULL);
		if (rc == SG_OK)
			rc = sg_hs_keys(&hs, rs, rr);
		if (rc == SG_OK)
			rc = initiator_one(hb, i, cs, cr);
		/* Both ends agree on the keys, and the relay saw the client's identity. */
		if (rc == SG_OK && (memcmp(cs, rr, SG_KEY_LEN) != 0 ||
				    memcmp(cr, rs, SG_KEY_LEN) != 0 ||
				    memcmp(pub, hb->client[i].pub, SG_KEY_LEN) != 0))
			rc = SG_E_STATE;
	}
	sg_wipe(rs, sizeof(rs));
	sg_wipe(rr, sizeof(rr));
	sg_wipe(cs, sizeof(cs));
	sg_wipe(cr, sizeof(cr));
	if (rc != SG_OK)
		fprintf(stderr, "surge-bench-crypto: handshake setup: %s\n", sg_status_name(rc));
	return rc;
}

struct hs_result {
	double responder_hps, x25519_hps, initiator_hps;
	double spread;
};

static void bench_handshake(const struct opts *o, int have_aes, struct hs_result *r)
{
	double resp[BENCH_MAX_REPS], x[BENCH_MAX_REPS], init[BENCH_MAX_REPS], rate;
	struct hs_bench *hb = malloc(sizeof(*hb));
	const double warm = o->seconds / 5;

	if (!hb || hs_setup(hb, have_aes) != SG_OK)
		die("handshake setup failed");
	if (measure(pass_responder, hb, warm, &rate) != 0 ||
	    measure(pass_x25519, hb, warm, &rate) != 0 ||
	    measure(pass_initiator, hb, warm, &rate) != 0)
		die("a handshake failed during the warm-up");
	for (unsigned i = 0; i < o->reps; i++) {
		if (measure(pass_responder, hb, o->seconds, &resp[i]) != 0)
			die("a responder handshake failed");
		if (measure(pass_x25519, hb, o->seconds, &x[i]) != 0)
			die("an X25519 operation failed");
		if (measure(pass_initiator, hb, o->seconds, &init[i]) != 0)
			die("an initiator handshake failed");
	}
	r->spread = 1;
	r->responder_hps = median(resp, o->reps, "responder handshakes", 0, &r->spread);
	r->x25519_hps = median(x, o->reps, "X25519 mix", 0, &r->spread);
	r->initiator_hps = median(init, o->reps, "initiator handshakes", 0, &r->spread);
	sg_keypair_wipe(&hb->relay);
	sg_cookie_checker_wipe(&hb->checker);
	sodium_memzero(hb, sizeof(*hb));
	free(hb);
}

/* ---- Output -------------------------------------------------------------- */

static void cpu_model(char *out, size_t cap)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, cap, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !c)
			continue;
		for (c++; *c == ' ' || *c == '\t'; c++)
			;
		c[strcspn(c, "\n")] = '\0';
		snprintf(out, cap, "%s", c);
		break;
	}
	fclose(f);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* 4812.3 -> "4,812" */
static const char *thousands(char *buf, size_t cap, double v)
{
	char digits[32];
	size_t n, j = 0;

	snprintf(digits, sizeof(digits), "%.0f", v);
	n = strlen(digits);
	for (size_t i = 0; i < n && j + 2 < cap; i++) {
		buf[j++] = digits[i];
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			buf[j++] = ',';
	}
	buf[j] = '\0';
	return buf;
}

static void print_table(const struct opts *o, const char *cpu, int have_aes, int aes_wanted,
			const struct aead_result *res, unsigned n_res, const struct hs_result *hs)
{
	char a[32], b[32];

	printf("surge-bench-crypto: per-core, median of %u runs of %g s (CPU: %s)\n", o->reps,
	       o->seconds, cpu);
	if (aes_wanted && !have_aes)
		printf("aes256gcm: not available on this CPU (no AES-NI/PCLMUL): not measured\n");
	if (n_res) {
		printf("AEAD open+seal (frames/s)   body   burst API    raw libsodium   api/raw\n");
		for (unsigned i = 0; i < n_res; i++) {
			snprintf(a, sizeof(a), "%.2f M/s", res[i].api_fps / 1e6);
			snprintf(b, sizeof(b), "%.2f M/s", res[i].raw_fps / 1e6);
			printf("%-26s %6u   %-12s %-15s %.3f\n", suite_name(res[i].suite),
			       res[i].body, a, b, res[i].api_fps / res[i].raw_fps);
		}
	}
	if (!hs)
		return;
	snprintf(a, sizeof(a), "%s/s", thousands(b, sizeof(b), hs->responder_hps));
	printf("Handshake (Noise IK responder)   %10s   X25519 bound %s/s   ratio %.3f"
	       " (target >= 0.85)\n", a, thousands(b, sizeof(b), hs->x25519_hps),
	       hs->responder_hps / hs->x25519_hps);
	snprintf(a, sizeof(a), "%s/s", thousands(b, sizeof(b), hs->initiator_hps));
	printf("Handshake (Noise IK initiator)   %10s   (prepared responses, fixed-ephemeral"
	       " hook)\n", a);
}

static void print_json(const struct opts *o, const char *cpu, int have_aes,
		       const struct aead_result *res, unsigned n_res, const struct hs_result *hs)
{
	printf("{\"cpu\": ");
	json_string(cpu);
	printf(", \"libsodium\": ");
	json_string(sodium_version_string());
	printf(", \"reps\": %u, \"seconds\": %g, \"aes256gcm_available\": %s, \"aead\": [",
	       o->reps, o->seconds, have_aes ? "true" : "false");
	for (unsigned i = 0; i < n_res; i++)
		printf("%s{\"suite\": \"%s\", \"body\": %u, \"api_fps\": %.0f, \"raw_fps\": %.0f,"
		       " \"ratio\": %.4f, \"spread\": %.3f}", i ? ", " : "",
		       suite_name(res[i].suite), res[i].body, res[i].api_fps, res[i].raw_fps,
		       res[i].api_fps / res[i].raw_fps, res[i].spread);
	printf("], \"handshake\": ");
	if (hs)
		printf("{\"responder_hps\": %.0f, \"x25519_bound_hps\": %.0f, \"ratio\": %.4f,"
		       " \"initiator_hps\": %.0f, \"initiator_method\":"
		       " \"prepared responses, fixed-ephemeral hook\", \"spread\": %.3f}",
		       hs->responder_hps, hs->x25519_hps, hs->responder_hps / hs->x25519_hps,
		       hs->initiator_hps, hs->spread);
	else
		printf("null");
	printf("}\n");
}

/* ---- Options ------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-bench-crypto [--json] [--reps N] [--seconds S]\n"
		"                          [--suite aes256gcm|chacha20poly1305]\n"
		"                          [--sizes 64,256,1024,1400] [--no-handshake]\n"
		"Per-core AEAD open+seal frames/s (burst API next to raw libsodium) and\n"
		"Noise IK handshakes/s next to their X25519 bound; medians of N\n"
		"interleaved runs of S seconds.  Pin it with taskset.\n");
}

static int bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "surge-bench-crypto: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "try 'surge-bench-crypto --help'\n");
	return 2;
}

static int parse_sizes(struct opts *o, const char *arg)
{
	const char *s = arg;

	o->n_sizes = 0;
	for (;;) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v > SG_BODY_MAX || o->n_sizes == BENCH_MAX_SIZES ||
		    (*end != ',' && *end != '\0') || *s == '-' || *s == '+')
			return -1;
		o->sizes[o->n_sizes++] = (unsigned)v;
		if (*end == '\0')
			return 0;
		s = end + 1;
	}
}

/* 0 to run, 1 after --help, 2 for a bad command line. */
static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "reps", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "suite", required_argument, NULL, 'S' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "no-handshake", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const unsigned default_sizes[] = { 64, 256, 1024, 1400 };
	char *end;
	int c;

	*o = (struct opts){ .handshake = 1, .reps = 5, .seconds = 0.5, .n_suites = 2,
			    .suites = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 } };
	memcpy(o->sizes, default_sizes, sizeof(default_sizes));
	o->n_sizes = SG_ARRAY_SIZE(default_sizes);
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = 1;
			break;
		case 'r': {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '-' || end == optarg || *end || v < 1 || v > BENCH_MAX_REPS)
				return bad_usage("--reps wants 1..1000", optarg);
			o->reps = (unsigned)v;
			break;
		}
		case 's':
			o->seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(o->seconds >= 0.01 && o->seconds <= 600))
				return bad_usage("--seconds wants 0.01..600", optarg);
			break;
		case 'S':
			o->n_suites = 1;
			if (strcmp(optarg, "aes256gcm") == 0)
				o->suites[0] = SG_SUITE_AES256_GCM;
			else if (strcmp(optarg, "chacha20poly1305") == 0)
				o->suites[0] = SG_SUITE_CHACHA20_POLY1305;
			else
				return bad_usage("--suite wants aes256gcm or chacha20poly1305",
						 optarg);
			break;
		case 'z':
			if (parse_sizes(o, optarg) != 0)
				return bad_usage("--sizes wants up to 16 body sizes 0..1416, "
						 "comma-separated", optarg);
			break;
		case 'n':
			o->handshake = 0;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return bad_usage("bad option", NULL);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	struct aead_result res[2 * BENCH_MAX_SIZES];
	struct hs_result hs;
	struct opts o;
	char cpu[256];
	unsigned n_res = 0;
	int have_aes, aes_wanted = 0, rc;

	if ((rc = parse_opts(&o, argc, argv)) != 0)
		return rc == 1 ? 0 : rc;
	if (sg_crypto_init() != SG_OK)
		die("libsodium failed to start");
	have_aes = sg_crypto_have_aes256gcm();
	cpu_model(cpu, sizeof(cpu));
	for (unsigned s = 0; s < o.n_suites; s++) {
		if (o.suites[s] == SG_SUITE_AES256_GCM) {
			aes_wanted = 1;
			if (!have_aes) {
				fprintf(stderr, "surge-bench-crypto: AES-256-GCM is not available"
					" on this CPU; measuring ChaCha20-Poly1305 only\n");
				continue;
			}
		}
		for (unsigned z = 0; z < o.n_sizes; z++)
			bench_aead(o.suites[s], o.sizes[z], &o, &res[n_res++]);
	}
	if (o.handshake)
		bench_handshake(&o, have_aes, &hs);
	if (o.json)
		print_json(&o, cpu, have_aes, res, n_res, o.handshake ? &hs : NULL);
	else
		print_table(&o, cpu, have_aes, aes_wanted, res, n_res, o.handshake ? &hs : NULL);
	return 0;
}
