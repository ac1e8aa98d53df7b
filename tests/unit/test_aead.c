/* SPDX-License-Identifier: MIT */
/*
 * test_aead.c - the data-plane AEAD (crypto/aead.c) and single-message
 * transport seal/open (crypto/transport.c).
 *
 * Both suites run every test; AES-256-GCM missing on the CPU is a failure,
 * never a skip.  Results are cross-checked against direct libsodium calls
 * with the same key, nonce and associated data, and every failed open must
 * leave the frame exactly as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"

enum { BUF_LEN = 4096 + 64 };

static const uint8_t suites[] = { SG_SUITE_CHACHA20_POLY1305, SG_SUITE_AES256_GCM };
static const uint32_t body_sizes[] = { 0, 1, 15, 16, 17, 64, 256, 1024, 1400, 1416 };

/* Deterministic bytes, different for every (seed, index). */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + seed * 7919u + (i >> 8) * 17u) ^ (seed >> 3));
}

static void test_key(uint8_t key[SG_KEY_LEN], uint32_t seed)
{
	fill(key, SG_KEY_LEN, seed + 1000u);
}

static const char *suite_name(uint8_t suite)
{
	return suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";
}

static void require_aes(void)
{
	if (!crypto_aead_aes256gcm_is_available() || !sg_crypto_have_aes256gcm())
		fail_msg("AES-256-GCM is not available on this CPU (needs AES-NI and CLMUL): "
			 "the relay's AES suite cannot be tested here, refusing to skip");
}

static void ctx_for(struct sg_aead_ctx *ctx, uint8_t suite, uint32_t key_seed)
{
	uint8_t key[SG_KEY_LEN];

	test_key(key, key_seed);
	assert_int_equal(sg_aead_ctx_init(ctx, suite, key), SG_OK);
	assert_int_equal(ctx->suite, suite);
}

/* libsodium, called directly: c and tag of m under key/counter/ad. */
static void direct_seal(uint8_t suite, const uint8_t key[SG_KEY_LEN], uint64_t counter,
			const uint8_t *ad, size_t ad_len, const uint8_t *m, size_t len, uint8_t *c,
			uint8_t tag[SG_TAG_LEN])
{
	uint8_t nonce[12] = { 0 };
	unsigned long long tag_len = 0;
	int rc;

	sg_put_le64(nonce + 4, counter);
	if (suite == SG_SUITE_AES256_GCM)
		rc = crypto_aead_aes256gcm_encrypt_detached(c, tag, &tag_len, m, len, ad, ad_len,
							    NULL, nonce, key);
	else
		rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, tag, &tag_len, m, len,
									ad, ad_len, NULL, nonce,
									key);
	assert_int_equal(rc, 0);
	assert_int_equal(tag_len, SG_TAG_LEN);
}

static int setup(void **state)
{
	(void)state;
	return sg_crypto_init() == SG_OK ? 0 : -1;
}

static void test_aes_available(void **state)
{
	(void)state;
	require_aes();
}

static void test_nonce(void **state)
{
	const uint8_t want[12] = { 0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	uint8_t nonce[12];

	(void)state;
	memset(nonce, 0xee, sizeof(nonce));
	sg_aead_nonce(nonce, UINT64_C(0x0102030405060708));
	assert_memory_equal(nonce, want, sizeof(want));
	sg_aead_nonce(nonce, 0);
	assert_true(sg_all_zero(nonce, sizeof(nonce)));
}

/* Seal and open every body size; ciphertext and tag match libsodium's. */
static void test_round_trip(void **state)
{
	static uint8_t plain[BUF_LEN], data[BUF_LEN], direct[BUF_LEN];
	uint8_t key[SG_KEY_LEN], ad[SG_HDR_LEN], tag[SG_TAG_LEN], direct_tag[SG_TAG_LEN];
	struct sg_aead_ctx ctx;

	(void)state;
	require_aes();
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < SG_ARRAY_SIZE(body_sizes); i++) {
			uint32_t len = body_sizes[i];
			uint64_t counter = UINT64_C(0x1122334455) * (i + 1);
			struct sg_aead_op op = {
				.ctx = &ctx, .ad = ad, .ad_len = sizeof(ad), .data = data,
				.tag = tag, .counter = counter, .len = len, .status = 99,
			};

			test_key(key, (uint32_t)s);
			assert_int_equal(sg_aead_ctx_init(&ctx, suites[s], key), SG_OK);
			fill(plain, len, len);
			fill(ad, sizeof(ad), len + 1);
			memcpy(data, plain, len);

			if (sg_aead_seal_burst(&op, 1) != 1 || op.status != SG_OK)
				fail_msg("%s, %u bytes: seal %s", suite_name(suites[s]), len,
					 sg_status_name(op.status));
			direct_seal(suites[s], key, counter, ad, sizeof(ad), plain, len, direct,
				    direct_tag);
			if (memcmp(data, direct, len) != 0 ||
			    memcmp(tag, direct_tag, SG_TAG_LEN) != 0)
				fail_msg("%s, %u bytes: differs from libsodium",
					 suite_name(suites[s]), len);
			if (len >= 16)
				assert_memory_not_equal(data, plain, len);

			op.status = 99;
			if (sg_aead_open_burst(&op, 1) != 1 || op.status != SG_OK)
				fail_msg("%s, %u bytes: open %s", suite_name(suites[s]), len,
					 sg_status_name(op.status));
			assert_memory_equal(data, plain, len);
			sg_aead_ctx_wipe(&ctx);
		}
	}
}

/* libsodium seals, we open: the other direction of the cross-check. */
static void test_open_direct(void **state)
{
	static uint8_t plain[BUF_LEN], data[BUF_LEN];
	uint8_t key[SG_KEY_LEN], ad[5] = { 1, 2, 3, 4, 5 }, tag[SG_TAG_LEN];
	struct sg_aead_ctx ctx;

	(void)state;
	require_aes();
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < SG_ARRAY_SIZE(body_sizes); i++) {
			uint32_t len = body_sizes[i];
			struct sg_aead_op op = {
				.ctx = &ctx, .ad = ad, .ad_len = sizeof(ad), .data = data,
				.tag = tag, .counter = SG_REJECT_AFTER_MESSAGES - 1, .len = len,
			};

			test_key(key, 7);
			ctx_for(&ctx, suites[s], 7);
			fill(plain, len, 3 * len);
			direct_seal(suites[s], key, op.counter, ad, sizeof(ad), plain, len, data,
				    tag);
			assert_int_equal(sg_aead_open_burst(&op, 1), 1);
			assert_int_equal(op.status, SG_OK);
			assert_memory_equal(data, plain, len);
		}
	}
}

enum tamper {
	TAMPER_TAG,
	TAMPER_FIRST,
	TAMPER_MIDDLE,
	TAMPER_LAST,
	TAMPER_AD,
	TAMPER_COUNTER,
	TAMPER_KEY,
	TAMPER_SUITE,
	TAMPER_COUNT,
};

static const char *const tamper_names[] = {
	"tag bit", "first byte", "middle byte", "last byte", "ad bit",
	"counter + 1", "another key", "the other suite",
};

/*
 * Open fails with SG_E_TAG for each tampering, never releases the plaintext
 * (libsodium zeroes the buffer), and leaves the tag alone.
 */
static void tamper_one(uint8_t suite, uint32_t len, enum tamper t)
{
	static uint8_t plain[BUF_LEN], data[BUF_LEN];
	uint8_t ad[SG_HDR_LEN], tag[SG_TAG_LEN], tag_before[SG_TAG_LEN];
	struct sg_aead_ctx ctx, other;
	struct sg_aead_op op = {
		.ctx = &ctx, .ad = ad, .ad_len = sizeof(ad), .data = data, .tag = tag,
		.counter = 41, .len = len,
	};

	ctx_for(&ctx, suite, 1);
	fill(plain, len, 5);
	fill(ad, sizeof(ad), 6);
	memcpy(data, plain, len);
	assert_int_equal(sg_aead_seal_burst(&op, 1), 1);

	switch (t) {
	case TAMPER_TAG:
		tag[7] ^= 0x10;
		break;
	case TAMPER_FIRST:
		data[0] ^= 0x01;
		break;
	case TAMPER_MIDDLE:
		data[len / 2] ^= 0x80;
		break;
	case TAMPER_LAST:
		data[len - 1] ^= 0x04;
		break;
	case TAMPER_AD:
		ad[SG_HDR_OFF_RECEIVER] ^= 0x02;
		break;
	case TAMPER_COUNTER:
		op.counter++;
		break;
	case TAMPER_KEY:
		ctx_for(&other, suite, 2);
		op.ctx = &other;
		break;
	case TAMPER_SUITE:
		ctx_for(&other, suite == SG_SUITE_AES256_GCM ? SG_SUITE_CHACHA20_POLY1305 :
							       SG_SUITE_AES256_GCM, 1);
		op.ctx = &other;
		break;
	default:
		fail();
	}
	memcpy(tag_before, tag, sizeof(tag));

	op.status = 99;
	if (sg_aead_open_burst(&op, 1) != 0 || op.status != SG_E_TAG)
		fail_msg("%s, %u bytes, %s: opened (status %s)", suite_name(suite), len,
			 tamper_names[t], sg_status_name(op.status));
	assert_memory_equal(tag, tag_before, sizeof(tag));
	if (len >= 16)
		assert_memory_not_equal(data, plain, len);
}

static void test_tamper(void **state)
{
	const uint32_t lens[] = { 1, 2, 17, 64, 1416, 4096 };

	(void)state;
	require_aes();
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < SG_ARRAY_SIZE(lens); i++)
			for (int t = 0; t < TAMPER_COUNT; t++)
				tamper_one(suites[s], lens[i], (enum tamper)t);
		/* An empty body: only the tag, the AD and the nonce can be wrong. */
		tamper_one(suites[s], 0, TAMPER_TAG);
		tamper_one(suites[s], 0, TAMPER_AD);
		tamper_one(suites[s], 0, TAMPER_COUNTER);
		tamper_one(suites[s], 0, TAMPER_KEY);
		tamper_one(suites[s], 0, TAMPER_SUITE);
	}
}

/* Frames larger than any datagram take the verify-then-decrypt path. */
static void test_large_frame(void **state)
{
	static uint8_t plain[BUF_LEN], data[BUF_LEN], direct[BUF_LEN];
	uint8_t key[SG_KEY_LEN], tag[SG_TAG_LEN], direct_tag[SG_TAG_LEN];
	struct sg_aead_ctx ctx;

	(void)state;
	require_aes();
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		struct sg_aead_op op = {
			.ctx = &ctx, .data = data, .tag = tag, .counter = 9, .len = 4096,
		};

		test_key(key, 3);
		ctx_for(&ctx, suites[s], 3);
		fill(plain, op.len, 9);
		memcpy(data, plain, op.len);
		assert_int_equal(sg_aead_seal_burst(&op, 1), 1);
		direct_seal(suites[s], key, 9, NULL, 0, plain, op.len, direct, direct_tag);
		assert_memory_equal(data, direct, op.len);
		assert_memory_equal(tag, direct_tag, SG_TAG_LEN);
		assert_int_equal(sg_aead_open_burst(&op, 1), 1);
		assert_memory_equal(data, plain, op.len);
	}
}

/* 32 frames, both suites, some tampered, one on a dead context. */
static void test_burst(void **state)
{
	enum { N = 32 };
	static uint8_t plain[N][1500], data[N][1500], sealed[N][1500];
	uint8_t ad[N][SG_HDR_LEN], tag[N][SG_TAG_LEN];
	struct sg_aead_ctx ctx[2], dead;
	struct sg_aead_op ops[N];
	int16_t want[N];
	uint16_t want_ok = 0;

	(void)state;
	require_aes();
	ctx_for(&ctx[0], SG_SUITE_CHACHA20_POLY1305, 11);
	ctx_for(&ctx[1], SG_SUITE_AES256_GCM, 12);
	ctx_for(&dead, SG_SUITE_AES256_GCM, 13);
	sg_aead_ctx_wipe(&dead);

	for (int i = 0; i < N; i++) {
		uint32_t len = (uint32_t)(i * 47) % 1417;

		fill(plain[i], len, (uint32_t)i);
		fill(ad[i], SG_HDR_LEN, (uint32_t)i + 100);
		memcpy(data[i], plain[i], len);
		ops[i] = (struct sg_aead_op){
			.ctx = i == 13 ? &dead : &ctx[i % 2], .ad = ad[i], .ad_len = SG_HDR_LEN,
			.data = data[i], .tag = tag[i], .counter = (uint64_t)i * 1000, .len = len,
			.status = 99,
		};
	}
	assert_int_equal(sg_aead_seal_burst(ops, N), N - 1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(ops[i].status, i == 13 ? SG_E_SUITE : SG_OK);
		if (i == 13)
			assert_memory_equal(data[i], plain[i], ops[i].len); /* untouched */
	}

	for (int i = 0; i < N; i++) {
		want[i] = SG_OK;
		if (i == 13) {
			want[i] = SG_E_SUITE;
		} else if (i % 5 == 2) {
			tag[i][i % SG_TAG_LEN] ^= 1;
			want[i] = SG_E_TAG;
		} else if (i % 7 == 3 && ops[i].len > 0) {
			data[i][ops[i].len - 1] ^= 0x40;
			want[i] = SG_E_TAG;
		} else if (i == 30) {
			ops[i].ctx = &ctx[1 - i % 2]; /* the other suite */
			want[i] = SG_E_TAG;
		}
		want_ok += want[i] == SG_OK;
		memcpy(sealed[i], data[i], ops[i].len);
		ops[i].status = 99;
	}
	assert_int_equal(want_ok, 20);
	assert_int_equal(sg_aead_open_burst(ops, N), want_ok);
	for (int i = 0; i < N; i++) {
		if (ops[i].status != want[i])
			fail_msg("op %d: status %s, want %s", i, sg_status_name(ops[i].status),
				 sg_status_name(want[i]));
		if (want[i] == SG_OK)
			assert_memory_equal(data[i], plain[i], ops[i].len);
		else if (want[i] == SG_E_TAG && ops[i].len >= 16)
			assert_memory_not_equal(data[i], plain[i], ops[i].len);
		else if (want[i] == SG_E_SUITE)
			assert_memory_equal(data[i], sealed[i], ops[i].len); /* untouched */
	}
	assert_int_equal(sg_aead_open_burst(ops, 0), 0);
}

static void test_ctx_init(void **state)
{
	const uint8_t bad[] = { SG_SUITE_NONE, 3, 255 };
	uint8_t key[SG_KEY_LEN];
	struct sg_aead_ctx ctx;

	(void)state;
	require_aes();
	test_key(key, 4);
	for (size_t i = 0; i < SG_ARRAY_SIZE(bad); i++) {
		memset(&ctx, 0xa5, sizeof(ctx));
		assert_int_equal(sg_aead_ctx_init(&ctx, bad[i], key), SG_E_SUITE);
		assert_int_equal(ctx.suite, SG_SUITE_NONE);
		assert_true(sg_all_zero(ctx.key, sizeof(ctx.key)));
	}

	/* Each suite keeps only its own half: no raw key beside the AES schedule. */
	assert_int_equal(sg_aead_ctx_init(&ctx, SG_SUITE_AES256_GCM, key), SG_OK);
	assert_int_equal(ctx.suite, SG_SUITE_AES256_GCM);
	assert_true(sg_all_zero(ctx.key, sizeof(ctx.key)));
	assert_false(sg_all_zero(ctx.state, sizeof(ctx.state)));
	assert_int_equal(sg_aead_ctx_init(&ctx, SG_SUITE_CHACHA20_POLY1305, key), SG_OK);
	assert_int_equal(ctx.suite, SG_SUITE_CHACHA20_POLY1305);
	assert_memory_equal(ctx.key, key, SG_KEY_LEN);
	assert_true(sg_all_zero(ctx.state, sizeof(ctx.state)));
}

static void test_ctx_wipe(void **state)
{
	static const struct sg_aead_ctx zero;
	struct sg_aead_ctx ctx;

	(void)state;
	require_aes();
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		memset(&ctx, 0x5a, sizeof(ctx));
		ctx_for(&ctx, suites[s], 8);
		sg_aead_ctx_wipe(&ctx);
		assert_memory_equal(&ctx, &zero, sizeof(ctx));
		assert_int_equal(ctx.suite, SG_SUITE_NONE);
	}
	/* Every byte, padding included, whatever was there. */
	memset(&ctx, 0x5a, sizeof(ctx));
	sg_aead_ctx_wipe(&ctx);
	assert_memory_equal(&ctx, &zero, sizeof(ctx));
	assert_int_equal(sizeof(struct sg_aead_ctx), 576);
}

static void test_key_next(void **state)
{
	uint8_t cur[SG_KEY_LEN], next[SG_KEY_LEN], again[SG_KEY_LEN], direct[SG_KEY_LEN];
	uint8_t third[SG_KEY_LEN];

	(void)state;
	test_key(cur, 21);
	sg_aead_key_next(next, cur);
	sg_aead_key_next(again, cur);
	assert_memory_equal(next, again, SG_KEY_LEN);
	assert_memory_not_equal(next, cur, SG_KEY_LEN);

	assert_int_equal(crypto_generichash(direct, sizeof(direct),
					    (const unsigned char *)"surge key update", 16, cur,
					    sizeof(cur)), 0);
	assert_memory_equal(next, direct, SG_KEY_LEN);

	/* Not an involution, and a different input gives a different key. */
	sg_aead_key_next(third, next);
	assert_memory_not_equal(third, cur, SG_KEY_LEN);
	assert_memory_not_equal(third, next, SG_KEY_LEN);
	cur[0] ^= 1;
	sg_aead_key_next(again, cur);
	assert_memory_not_equal(again, next, SG_KEY_LEN);
}

/* --- transport: one message at a time ---------------------------------- */

struct sealed {
	uint8_t buf[2048];
	size_t len;
};

static void seal_ok(const struct sg_aead_ctx *ctx, const struct sg_hdr *h, const uint8_t *plain,
		    size_t plen, struct sealed *out)
{
	int rc = sg_transport_seal(ctx, h, plain, plen, out->buf, sizeof(out->buf), &out->len);

	if (rc != SG_OK)
		fail_msg("seal of type %u, %zu bytes: %s", h->type, plen, sg_status_name(rc));
	assert_int_equal(out->len, SG_TRANSPORT_OVERHEAD + plen);
	assert_int_equal(sg_proto_classify(out->buf, out->len), h->type);
}

static void open_ok(const struct sg_aead_ctx *ctx, struct sealed *m, const struct sg_hdr *want,
		    const uint8_t *plain, size_t plen)
{
	struct sg_hdr h;
	size_t got_len = 0;
	int rc = sg_transport_open(ctx, m->buf, m->len, &h, &got_len);

	if (rc != SG_OK)
		fail_msg("open of type %u: %s", want->type, sg_status_name(rc));
	assert_int_equal(h.type, want->type);
	assert_int_equal(h.flags, want->flags);
	assert_int_equal(h.receiver, want->receiver);
	assert_int_equal(h.counter, want->counter);
	assert_int_equal(got_len, plen);
	assert_memory_equal(m->buf + SG_HDR_LEN, plain, plen);
}

static void test_transport_round_trip(void **state)
{
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX], close_plain[SG_CLOSE_PLAIN_LEN];
	uint8_t reply_plain[SG_REPLY_PLAIN_LEN];
	const struct sg_data_inner inner = {
		.peer_user = UINT64_C(0x0123456789abcdef), .msg_id = 77, .ttl_s = 3600,
		.class = SG_CLASS_SECRET, .flags = 0,
	};
	const struct sg_reply reply = {
		.msg_id = 77, .peer_user = 5, .code = SG_REPLY_MAILBOX_FULL, .detail = 1,
	};
	struct sg_data_inner inner_got;
	struct sg_aead_ctx ctx;
	struct sealed m;

	(void)state;
	require_aes();
	sg_data_inner_encode(plain, &inner);
	fill(plain + SG_DATA_INNER_LEN, SG_BODY_MAX, 31);
	sg_close_encode(close_plain, SG_CLOSE_IDLE);
	sg_reply_encode(reply_plain, &reply);

	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		const size_t bodies[] = { 0, 1, 100, SG_BODY_MAX };
		struct sg_hdr h = {
			.type = SG_MSG_DATA, .flags = SG_HDR_F_KEY_PHASE, .receiver = 0xdeadbeef,
			.counter = 12345,
		};

		ctx_for(&ctx, suites[s], 40);
		for (size_t b = 0; b < SG_ARRAY_SIZE(bodies); b++) {
			size_t plen = SG_DATA_INNER_LEN + bodies[b];

			h.counter++;
			seal_ok(&ctx, &h, plain, plen, &m);
			open_ok(&ctx, &m, &h, plain, plen);
			assert_int_equal(sg_data_inner_decode(&inner_got, m.buf + SG_HDR_LEN),
					 SG_OK);
			assert_int_equal(inner_got.peer_user, inner.peer_user);
			assert_int_equal(inner_got.msg_id, inner.msg_id);
			assert_int_equal(inner_got.class, inner.class);
		}

		h = (struct sg_hdr){ .type = SG_MSG_KEEPALIVE, .receiver = 1, .counter = 0 };
		seal_ok(&ctx, &h, NULL, 0, &m);
		assert_int_equal(m.len, SG_KEEPALIVE_LEN);
		open_ok(&ctx, &m, &h, NULL, 0);

		h = (struct sg_hdr){ .type = SG_MSG_CLOSE, .receiver = 2, .counter = 3 };
		seal_ok(&ctx, &h, close_plain, sizeof(close_plain), &m);
		assert_int_equal(m.len, SG_CLOSE_LEN);
		open_ok(&ctx, &m, &h, close_plain, sizeof(close_plain));

		h = (struct sg_hdr){ .type = SG_MSG_RELAY_REPLY, .receiver = 3,
				     .counter = SG_REJECT_AFTER_MESSAGES - 1 };
		seal_ok(&ctx, &h, reply_plain, sizeof(reply_plain), &m);
		assert_int_equal(m.len, SG_REPLY_LEN);
		open_ok(&ctx, &m, &h, reply_plain, sizeof(reply_plain));
	}
}

/* The sealed layout is header | aead(plain, ad = header) | tag, nothing else. */
static void test_transport_layout(void **state)
{
	uint8_t key[SG_KEY_LEN], plain[SG_CLOSE_PLAIN_LEN] = { 4, 0, 0, 0 };
	uint8_t c[SG_CLOSE_PLAIN_LEN], tag[SG_TAG_LEN], hdr[SG_HDR_LEN];
	const struct sg_hdr h = { .type = SG_MSG_CLOSE, .receiver = 0x01020304, .counter = 99 };
	struct sg_aead_ctx ctx;
	struct sealed m;

	(void)state;
	require_aes();
	test_key(key, 50);
	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		ctx_for(&ctx, suites[s], 50);
		seal_ok(&ctx, &h, plain, sizeof(plain), &m);
		sg_hdr_encode(hdr, &h);
		assert_memory_equal(m.buf, hdr, SG_HDR_LEN);
		direct_seal(suites[s], key, h.counter, hdr, SG_HDR_LEN, plain, sizeof(plain), c,
			    tag);
		assert_memory_equal(m.buf + SG_HDR_LEN, c, sizeof(c));
		assert_memory_equal(m.buf + SG_HDR_LEN + sizeof(c), tag, SG_TAG_LEN);
	}
}

/* Plaintext already in place behind the header (what a client does). */
static void test_transport_in_place(void **state)
{
	uint8_t plain[SG_REPLY_PLAIN_LEN];
	const struct sg_hdr h = { .type = SG_MSG_RELAY_REPLY, .receiver = 8, .counter = 8 };
	struct sg_aead_ctx ctx;
	struct sealed m;

	(void)state;
	ctx_for(&ctx, SG_SUITE_CHACHA20_POLY1305, 60);
	fill(plain, sizeof(plain), 60);
	memcpy(m.buf + SG_HDR_LEN, plain, sizeof(plain));
	assert_int_equal(sg_transport_seal(&ctx, &h, m.buf + SG_HDR_LEN, sizeof(plain), m.buf,
					   sizeof(m.buf), &m.len), SG_OK);
	open_ok(&ctx, &m, &h, plain, sizeof(plain));
}

static void test_transport_seal_refuses(void **state)
{
	static uint8_t plain[2048], out[2048];
	struct sg_aead_ctx ctx;
	struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = 1, .counter = 1 };
	size_t out_len = 12345;
	const struct {
		uint8_t type;
		size_t plen;
	} bad_len[] = {
		{ SG_MSG_KEEPALIVE, 1 },
		{ SG_MSG_CLOSE, SG_CLOSE_PLAIN_LEN - 1 },
		{ SG_MSG_CLOSE, SG_CLOSE_PLAIN_LEN + 1 },
		{ SG_MSG_RELAY_REPLY, 0 },
		{ SG_MSG_DATA, SG_DATA_INNER_LEN - 1 },
		{ SG_MSG_DATA, SG_DATA_INNER_LEN + SG_BODY_MAX + 1 },
		{ SG_MSG_DATA, SIZE_MAX },
		{ SG_MSG_DELIVERY_ACK, SG_ACK_PLAIN_HDR_LEN },
		{ SG_MSG_DELIVERY_ACK, SG_ACK_PLAIN_HDR_LEN + SG_ACK_ENTRY_LEN + 1 },
		{ SG_MSG_DELIVERY_ACK, SG_ACK_PLAIN_HDR_LEN + 65 * SG_ACK_ENTRY_LEN },
		{ SG_MSG_KEY_LOOKUP, SG_LOOKUP_PLAIN_LEN + 1 },
		{ SG_MSG_KEY_INFO, SG_KEYINFO_PLAIN_LEN - 1 },
	};

	(void)state;
	ctx_for(&ctx, SG_SUITE_CHACHA20_POLY1305, 70);
	for (size_t i = 0; i < SG_ARRAY_SIZE(bad_len); i++) {
		int rc;

		h.type = bad_len[i].type;
		rc = sg_transport_seal(&ctx, &h, plain, bad_len[i].plen, out, sizeof(out),
				       &out_len);
		if (rc != SG_E_LENGTH)
			fail_msg("type %u, plen %zu: %s, want length", h.type, bad_len[i].plen,
				 sg_status_name(rc));
	}
	assert_int_equal(out_len, 12345);

	/* The counter limit, and the last counter before it. */
	h = (struct sg_hdr){ .type = SG_MSG_KEEPALIVE, .counter = SG_REJECT_AFTER_MESSAGES };
	assert_int_equal(sg_transport_seal(&ctx, &h, NULL, 0, out, sizeof(out), &out_len),
			 SG_E_COUNTER);
	h.counter = UINT64_MAX;
	assert_int_equal(sg_transport_seal(&ctx, &h, NULL, 0, out, sizeof(out), &out_len),
			 SG_E_COUNTER);
	h.counter = SG_REJECT_AFTER_MESSAGES - 1;
	assert_int_equal(sg_transport_seal(&ctx, &h, NULL, 0, out, sizeof(out), &out_len), SG_OK);

	/* Capacity: one byte short, then exact. */
	h = (struct sg_hdr){ .type = SG_MSG_CLOSE, .counter = 5 };
	assert_int_equal(sg_transport_seal(&ctx, &h, plain, SG_CLOSE_PLAIN_LEN, out,
					   SG_CLOSE_LEN - 1, &out_len), SG_E_NOSPACE);
	assert_int_equal(sg_transport_seal(&ctx, &h, plain, SG_CLOSE_PLAIN_LEN, out, 0,
					   &out_len), SG_E_NOSPACE);
	assert_int_equal(sg_transport_seal(&ctx, &h, plain, SG_CLOSE_PLAIN_LEN, out,
					   SG_CLOSE_LEN, &out_len), SG_OK);
	assert_int_equal(out_len, SG_CLOSE_LEN);

	/* Not a transport type; a flag bit the wire does not define. */
	h = (struct sg_hdr){ .type = SG_MSG_HANDSHAKE_INIT, .counter = 5 };
	assert_int_equal(sg_transport_seal(&ctx, &h, plain, SG_INIT_LEN - SG_TRANSPORT_OVERHEAD,
					   out, sizeof(out), &out_len), SG_E_TYPE);
	h = (struct sg_hdr){ .type = SG_MSG_RESUME, .counter = 5 };
	assert_int_equal(sg_transport_seal(&ctx, &h, NULL, 0, out, sizeof(out), &out_len),
			 SG_E_TYPE);
	h = (struct sg_hdr){ .type = SG_MSG_KEEPALIVE, .flags = 0x02, .counter = 5 };
	assert_int_equal(sg_transport_seal(&ctx, &h, NULL, 0, out, sizeof(out), &out_len),
			 SG_E_RESERVED);
}

static void test_transport_open_refuses(void **state)
{
	const size_t header_bytes[] = { 0, SG_HDR_OFF_FLAGS, SG_HDR_OFF_RECEIVER,
					SG_HDR_OFF_RECEIVER + 3, SG_HDR_OFF_COUNTER,
					SG_HDR_LEN - 1 };
	uint8_t plain[SG_REPLY_PLAIN_LEN], copy[sizeof(((struct sealed *)0)->buf)];
	const struct sg_hdr h = { .type = SG_MSG_RELAY_REPLY, .receiver = 9, .counter = 77 };
	struct sg_aead_ctx ctx, dead;
	struct sg_hdr got;
	struct sealed m;
	size_t plen = 999;

	(void)state;
	require_aes();
	fill(plain, sizeof(plain), 80);
	ctx_for(&dead, SG_SUITE_CHACHA20_POLY1305, 81);
	sg_aead_ctx_wipe(&dead); /* any cryptography on it would say SG_E_SUITE */

	for (size_t s = 0; s < SG_ARRAY_SIZE(suites); s++) {
		ctx_for(&ctx, suites[s], 80);
		seal_ok(&ctx, &h, plain, sizeof(plain), &m);

		/* Authenticated header: flip a bit that classify still accepts. */
		for (size_t i = 0; i < SG_ARRAY_SIZE(header_bytes); i++) {
			size_t off = header_bytes[i];
			uint8_t flip = off == 0 ? (SG_MSG_RELAY_REPLY ^ SG_MSG_DATA) : 0x01;
			struct sealed t = m;
			int rc;

			/* Type 7 -> 4: a DATA of 56 bytes passes classify as well. */
			t.buf[off] ^= flip;
			memcpy(copy, t.buf, t.len);
			rc = sg_transport_open(&ctx, t.buf, t.len, &got, &plen);
			if (rc != SG_E_TAG)
				fail_msg("%s, header byte %zu flipped: %s", suite_name(suites[s]),
					 off, sg_status_name(rc));
			assert_memory_equal(t.buf, copy, SG_HDR_LEN);
		}

		/* Reserved bits: refused by classify, no cryptography at all. */
		for (size_t i = 0; i < 3; i++) {
			struct sealed t = m;
			const size_t off[] = { SG_HDR_OFF_FLAGS, SG_HDR_OFF_RESERVED,
					       SG_HDR_OFF_RESERVED + 1 };
			const uint8_t bit[] = { 0x80, 0x01, 0x10 };

			t.buf[off[i]] ^= bit[i];
			memcpy(copy, t.buf, t.len);
			assert_int_equal(sg_transport_open(&dead, t.buf, t.len, &got, &plen),
					 SG_E_RESERVED);
			assert_int_equal(sg_transport_open(&ctx, t.buf, t.len, &got, &plen),
					 SG_E_RESERVED);
			assert_memory_equal(t.buf, copy, t.len);
		}

		/* Truncated, or one byte too many: the length is wrong for the type. */
		for (size_t cut = 1; cut <= 16; cut++) {
			memcpy(copy, m.buf, m.len);
			assert_int_equal(sg_transport_open(&dead, m.buf, m.len - cut, &got, &plen),
					 SG_E_LENGTH);
			assert_int_equal(sg_transport_open(&ctx, m.buf, m.len - cut, &got, &plen),
					 SG_E_LENGTH);
			assert_memory_equal(m.buf, copy, m.len);
		}
		assert_int_equal(sg_transport_open(&ctx, m.buf, m.len + 1, &got, &plen),
				 SG_E_LENGTH);
		assert_int_equal(sg_transport_open(&ctx, m.buf, 0, &got, &plen), SG_E_LENGTH);

		/* The genuine message still opens after all that. */
		open_ok(&ctx, &m, &h, plain, sizeof(plain));

		/* A dead context, then another key of the right suite. */
		seal_ok(&ctx, &h, plain, sizeof(plain), &m);
		assert_int_equal(sg_transport_open(&dead, m.buf, m.len, &got, &plen), SG_E_SUITE);
		ctx_for(&dead, suites[s], 82);
		assert_int_equal(sg_transport_open(&dead, m.buf, m.len, &got, &plen), SG_E_TAG);
		sg_aead_ctx_wipe(&dead);
	}
	assert_int_equal(plen, 999);

	/* A handshake message is no transport message. */
	memset(m.buf, 0, SG_INIT_LEN);
	m.buf[0] = SG_MSG_HANDSHAKE_INIT;
	assert_int_equal(sg_transport_open(&ctx, m.buf, SG_INIT_LEN, &got, &plen), SG_E_TYPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes_available),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_open_direct),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_large_frame),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_ctx_init),
		cmocka_unit_test(test_ctx_wipe),
		cmocka_unit_test(test_key_next),
		cmocka_unit_test(test_transport_round_trip),
		cmocka_unit_test(test_transport_layout),
		cmocka_unit_test(test_transport_in_place),
		cmocka_unit_test(test_transport_seal_refuses),
		cmocka_unit_test(test_transport_open_refuses),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
