/* SPDX-License-Identifier: MIT */
/*
 * test_cryptodev.c - the cryptodev back end of the data-plane AEAD
 * (crypto/cryptodev.c) and its choice at start (crypto/cryptodev_select.c),
 * on intel-ipsec-mb's software devices made as vdevs: crypto_aesni_gcm (CPU
 * crypto), crypto_chacha20_poly1305 (enqueue/dequeue: it has no CPU-crypto
 * function), crypto_aesni_mb (both suites) and crypto_null (no AEAD).
 *
 * The reference is the libsodium back end (crypto/aead.c): every plaintext
 * length from 0 to 1440 bytes is sealed by one and opened by the other, both
 * ways, and the two seals must be equal byte for byte.  EAL runs without
 * hugepages and with its own --file-prefix; nothing here polls a NIC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/cryptodev.h"
#include "crypto/cryptodev_select.h"
#include "proto/messages.h"
#include "proto/status.h"

enum {
	MAX_PLAIN = SG_DATA_INNER_LEN + SG_BODY_MAX, /* 1440 */
	BURST = 48,
	STRIDE = (SG_HDR_LEN + MAX_PLAIN + SG_TAG_LEN + 63) & ~63,
	SESSIONS = 256,
};

struct dev_case {
	const char *name; /* vdev */
	uint8_t suite;
	enum sg_cdev_path path;
};

static const struct dev_case cases[] = {
	{ "crypto_aesni_gcm_t", SG_SUITE_AES256_GCM, SG_CDEV_CPU },
	{ "crypto_chacha20_poly1305_t", SG_SUITE_CHACHA20_POLY1305, SG_CDEV_ENQ },
	{ "crypto_aesni_mb_t", SG_SUITE_AES256_GCM, SG_CDEV_CPU },
	{ "crypto_aesni_mb_t", SG_SUITE_CHACHA20_POLY1305, 0 /* whatever it runs */ },
};

static uint8_t *buf_a, *buf_b, *plain;
static struct rte_mempool *mbufs;

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + seed * 7919u + (i >> 8) * 17u) ^ (seed >> 3));
}

static int dev_id(const char *name)
{
	int id = rte_cryptodev_get_dev_id(name);

	if (id < 0)
		fail_msg("no crypto device %s (EAL --vdev in this test's setup)", name);
	return id;
}

/* A started back end with device `name` for suite, n_qps queue pairs. */
static struct sg_cdev *backend(const char *name, uint8_t suite, unsigned n_qps)
{
	struct sg_cdev *c = sg_cdev_new(n_qps, SESSIONS, 0);
	char err[256];

	assert_non_null(c);
	if (sg_cdev_add(c, suite, (uint8_t)dev_id(name), err, sizeof(err)) != 0 ||
	    sg_cdev_start(c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	return c;
}

static void ctx_pair(struct sg_cdev_qp *q, struct sg_aead_ctx *seal, struct sg_aead_ctx *open,
		     struct sg_aead_ctx *sod, uint8_t suite, uint32_t seed)
{
	uint8_t key[SG_KEY_LEN];

	fill(key, sizeof(key), seed);
	assert_int_equal(sg_cdev_ctx_init(q, seal, suite, SG_AEAD_SEAL, key), SG_OK);
	assert_int_equal(sg_cdev_ctx_init(q, open, suite, SG_AEAD_OPEN, key), SG_OK);
	assert_int_equal(sg_aead_ctx_init(sod, suite, key), SG_OK);
}

/* Frame i of a buffer: AD at i * STRIDE, data after it, tag after the data. */
static struct sg_aead_op op_at(uint8_t *buf, unsigned i, const struct sg_aead_ctx *ctx,
			       uint32_t len, uint64_t counter)
{
	uint8_t *b = buf + (size_t)i * STRIDE;

	return (struct sg_aead_op){ .ctx = ctx, .ad = b, .ad_len = SG_HDR_LEN,
				    .data = b + SG_HDR_LEN, .tag = b + SG_HDR_LEN + len,
				    .len = len, .counter = counter };
}

/*
 * Every length 0..1440: a burst seals with the device in buf_a and with
 * libsodium in buf_b (the same plaintext, AD, counter, key); the results are
 * equal; the device opens buf_b, libsodium opens buf_a.  Two keys alternate
 * in runs of three inside each burst (runs of one session and changes), and
 * every fifth frame of a device burst uses a libsodium context (the burst
 * takes both).
 */
static void interop(const struct dev_case *dc)
{
	struct sg_cdev *c = backend(dc->name, dc->suite, 2);
	struct sg_cdev_qp *q = sg_cdev_qp(c, 1);
	struct sg_aead_ctx seal[2], open[2], sod[2];
	struct sg_aead_op a[BURST], b[BURST];
	struct sg_cdev_stats st;
	uint64_t dev_frames = 0;

	if (dc->path)
		assert_int_equal(sg_cdev_path_of(c, dc->suite), dc->path);
	ctx_pair(q, &seal[0], &open[0], &sod[0], dc->suite, 11);
	ctx_pair(q, &seal[1], &open[1], &sod[1], dc->suite, 12);
	for (uint32_t first = 0; first <= MAX_PLAIN; first += BURST) {
		unsigned n = (unsigned)(MAX_PLAIN + 1 - first < BURST ? MAX_PLAIN + 1 - first : BURST);

		for (unsigned i = 0; i < n; i++) {
			uint32_t len = first + i;
			unsigned k = (i / 3) & 1;
			int via_sodium = i % 5 == 4;
			uint64_t ctr = (uint64_t)len * 0x10001u + 7;

			fill(buf_a + (size_t)i * STRIDE, SG_HDR_LEN, len + 1);
			fill(plain + (size_t)i * MAX_PLAIN, len, len + 99);
			memcpy(buf_a + (size_t)i * STRIDE + SG_HDR_LEN, plain + (size_t)i * MAX_PLAIN,
			       len);
			memcpy(buf_b + (size_t)i * STRIDE, buf_a + (size_t)i * STRIDE,
			       SG_HDR_LEN + len);
			a[i] = op_at(buf_a, i, via_sodium ? &sod[k] : &seal[k], len, ctr);
			b[i] = op_at(buf_b, i, &sod[k], len, ctr);
			dev_frames += !via_sodium;
		}
		assert_int_equal(sg_cdev_seal_burst(q, a, (uint16_t)n), n);
		assert_int_equal(sg_aead_seal_burst(b, (uint16_t)n), n);
		for (unsigned i = 0; i < n; i++) {
			if (memcmp(buf_a + (size_t)i * STRIDE, buf_b + (size_t)i * STRIDE,
				   SG_HDR_LEN + first + i + SG_TAG_LEN) != 0)
				fail_msg("%s %u bytes: the device's seal differs from libsodium's",
					 dc->name, first + i);
			assert_int_equal(a[i].kept, 0);
		}
		/* Device opens what libsodium sealed; libsodium opens what the device sealed. */
		for (unsigned i = 0; i < n; i++) {
			unsigned k = (i / 3) & 1;

			b[i].ctx = i % 5 == 4 ? &sod[k] : &open[k];
			a[i].ctx = &sod[k];
		}
		assert_int_equal(sg_cdev_open_burst(q, b, (uint16_t)n), n);
		assert_int_equal(sg_aead_open_burst(a, (uint16_t)n), n);
		for (unsigned i = 0; i < n; i++)
			if (memcmp(b[i].data, plain + (size_t)i * MAX_PLAIN, b[i].len) != 0 ||
			    memcmp(a[i].data, plain + (size_t)i * MAX_PLAIN, a[i].len) != 0)
				fail_msg("%s %u bytes: plaintext differs after open", dc->name,
					 first + i);
	}
	sg_cdev_qp_stats(q, &st);
	assert_int_equal(st.ops, 2 * dev_frames);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.sessions, 4);
	for (int k = 0; k < 2; k++) {
		sg_cdev_ctx_release(q, &seal[k]);
		sg_cdev_ctx_release(q, &open[k]);
		sg_aead_ctx_wipe(&sod[k]);
	}
	sg_cdev_qp_stats(q, &st);
	assert_int_equal(st.sessions_freed, 4);
	sg_cdev_free(c);
}

static void test_interop_aesni_gcm(void **state)
{
	(void)state;
	interop(&cases[0]);
}

static void test_interop_chacha20_poly1305(void **state)
{
	(void)state;
	interop(&cases[1]);
}

static void test_interop_aesni_mb_aes(void **state)
{
	(void)state;
	interop(&cases[2]);
}

static void test_interop_aesni_mb_chacha(void **state)
{
	(void)state;
	interop(&cases[3]);
}

/*
 * The relay's shape: frames in mbufs (Ethernet/IP/UDP headers before the
 * transport header), op->buf set, so the enqueue/dequeue path takes its
 * offsets and IO addresses from the mbuf; both suites in one burst through
 * one back end (two devices, two paths).
 */
static void test_mbufs_both_paths(void **state)
{
	struct sg_cdev *c = sg_cdev_new(1, SESSIONS, 0);
	struct sg_cdev_qp *q;
	struct sg_aead_ctx seal[2], open[2], sod[2];
	struct rte_mbuf *m[32];
	struct sg_aead_op ops[32], ref[32];
	char err[256];
	const uint8_t su[2] = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 };

	(void)state;
	assert_non_null(c);
	assert_int_equal(sg_cdev_add(c, su[0], (uint8_t)dev_id("crypto_aesni_gcm_t"), err,
				     sizeof(err)), 0);
	assert_int_equal(sg_cdev_add(c, su[1], (uint8_t)dev_id("crypto_chacha20_poly1305_t"), err,
				     sizeof(err)), 0);
	assert_int_equal(sg_cdev_start(c, err, sizeof(err)), 0);
	assert_int_equal(sg_cdev_path_of(c, su[0]), SG_CDEV_CPU);
	assert_int_equal(sg_cdev_path_of(c, su[1]), SG_CDEV_ENQ);
	q = sg_cdev_qp(c, 0);
	for (int s = 0; s < 2; s++)
		ctx_pair(q, &seal[s], &open[s], &sod[s], su[s], 40u + (unsigned)s);
	assert_int_equal(rte_pktmbuf_alloc_bulk(mbufs, m, 32), 0);
	for (unsigned i = 0; i < 32; i++) {
		uint32_t len = 24 + 45 * i;
		uint8_t *f = (uint8_t *)rte_pktmbuf_append(m[i], (uint16_t)(42 + SG_HDR_LEN + len +
									   SG_TAG_LEN));
		uint8_t *ad = f + 42;

		assert_non_null(f);
		fill(f, 42 + SG_HDR_LEN + len, i + 500);
		ops[i] = (struct sg_aead_op){ .ctx = &seal[i & 1], .ad = ad, .ad_len = SG_HDR_LEN,
					      .data = ad + SG_HDR_LEN, .tag = ad + SG_HDR_LEN + len,
					      .len = len, .counter = 1000 + i, .buf = m[i] };
		memcpy(plain + (size_t)i * MAX_PLAIN, ops[i].data, len);
		/* The reference: libsodium on a copy in plain memory. */
		memcpy(buf_b + (size_t)i * STRIDE, ad, SG_HDR_LEN + len);
		ref[i] = op_at(buf_b, i, &sod[i & 1], len, 1000 + i);
	}
	assert_int_equal(sg_cdev_seal_burst(q, ops, 32), 32);
	assert_int_equal(sg_aead_seal_burst(ref, 32), 32);
	for (unsigned i = 0; i < 32; i++) {
		assert_memory_equal(ops[i].data, ref[i].data, ops[i].len);
		assert_memory_equal(ops[i].tag, ref[i].tag, SG_TAG_LEN);
		ops[i].ctx = &open[i & 1];
	}
	assert_int_equal(sg_cdev_open_burst(q, ops, 32), 32);
	for (unsigned i = 0; i < 32; i++)
		assert_memory_equal(ops[i].data, plain + (size_t)i * MAX_PLAIN, ops[i].len);
	rte_pktmbuf_free_bulk(m, 32);
	for (int s = 0; s < 2; s++) {
		sg_cdev_ctx_release(q, &seal[s]);
		sg_cdev_ctx_release(q, &open[s]);
		sg_aead_ctx_wipe(&sod[s]);
	}
	sg_cdev_free(c);
}

/* A wrong tag: SG_E_TAG, zeros where the plaintext would be, not a device error. */
static void bad_tag(const struct dev_case *dc)
{
	struct sg_cdev *c = backend(dc->name, dc->suite, 1);
	struct sg_cdev_qp *q = sg_cdev_qp(c, 0);
	struct sg_aead_ctx seal, open, sod;
	struct sg_aead_op ops[8];
	struct sg_cdev_stats st;

	ctx_pair(q, &seal, &open, &sod, dc->suite, 77);
	for (unsigned i = 0; i < 8; i++) {
		fill(buf_a + (size_t)i * STRIDE, SG_HDR_LEN + 100, i);
		ops[i] = op_at(buf_a, i, &sod, 100, i);
	}
	assert_int_equal(sg_aead_seal_burst(ops, 8), 8);
	for (unsigned i = 0; i < 8; i++) {
		ops[i].ctx = &open;
		if (i & 1)
			ops[i].tag[i] ^= 0x40;
	}
	assert_int_equal(sg_cdev_open_burst(q, ops, 8), 4);
	for (unsigned i = 0; i < 8; i++) {
		static const uint8_t zero[100];

		assert_int_equal(ops[i].status, i & 1 ? SG_E_TAG : SG_OK);
		if (i & 1)
			assert_memory_equal(ops[i].data, zero, 100);
	}
	/* A context of the other direction is refused, not run. */
	ops[0].ctx = &seal;
	assert_int_equal(sg_cdev_open_burst(q, ops, 1), 0);
	assert_int_equal(ops[0].status, SG_E_SUITE);
	sg_cdev_qp_stats(q, &st);
	assert_int_equal(st.errors, 0);
	sg_cdev_ctx_release(q, &seal);
	sg_cdev_ctx_release(q, &open);
	sg_aead_ctx_wipe(&sod);
	sg_cdev_free(c);
}

static void test_bad_tag(void **state)
{
	(void)state;
	bad_tag(&cases[0]);
	bad_tag(&cases[1]);
}

/*
 * Device errors (injected: every 3rd device frame fails after the device
 * ran it): those frames are SG_E_DEVICE with zeroed data on open, counted;
 * the others are unaffected; libsodium frames never fail.
 */
static void faults(const struct dev_case *dc)
{
	struct sg_cdev *c = backend(dc->name, dc->suite, 1);
	struct sg_cdev_qp *q = sg_cdev_qp(c, 0);
	struct sg_aead_ctx seal, open, sod;
	struct sg_aead_op ops[30];
	struct sg_cdev_stats st;
	unsigned failed = 0;

	ctx_pair(q, &seal, &open, &sod, dc->suite, 90);
	for (unsigned i = 0; i < 30; i++) {
		fill(buf_a + (size_t)i * STRIDE, SG_HDR_LEN + 64, i);
		ops[i] = op_at(buf_a, i, &sod, 64, i);
	}
	assert_int_equal(sg_aead_seal_burst(ops, 30), 30);
	for (unsigned i = 0; i < 30; i++)
		ops[i].ctx = i < 20 ? &open : &sod;
	sg_cdev_inject(q, 3);
	assert_int_equal(sg_cdev_open_burst(q, ops, 30), 30 - 6);
	for (unsigned i = 0; i < 30; i++) {
		if (ops[i].status == SG_E_DEVICE) {
			static const uint8_t zero[64];

			failed++;
			assert_true(i < 20);
			assert_int_equal(ops[i].kept, 0);
			assert_memory_equal(ops[i].data, zero, 64);
		} else {
			assert_int_equal(ops[i].status, SG_OK);
		}
	}
	assert_int_equal(failed, 6);
	sg_cdev_qp_stats(q, &st);
	assert_int_equal(st.errors, 6);
	assert_int_equal(st.injected, 6);
	assert_int_equal(st.ops, 20);
	sg_cdev_inject(q, 0);
	sg_cdev_ctx_release(q, &seal);
	sg_cdev_ctx_release(q, &open);
	sg_aead_ctx_wipe(&sod);
	sg_cdev_free(c);
}

static void test_device_errors(void **state)
{
	(void)state;
	faults(&cases[0]);
	faults(&cases[1]);
}

/* Does the key (32 bytes) appear anywhere in the pool's memory? */
struct find {
	const uint8_t *key;
	int found;
};

static void find_chunk(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *h,
		       unsigned idx)
{
	struct find *f = arg;

	(void)mp;
	(void)idx;
	if (memmem(h->addr, h->len, f->key, SG_KEY_LEN))
		f->found = 1;
}

/*
 * A released session leaves no key behind: the session pools of the queue
 * pair hold the key (AES-256's first two round keys are the key itself;
 * ChaCha20 keeps it as it is) while the context lives, and not after.
 */
static void session_wipe(const struct dev_case *dc)
{
	struct sg_cdev *c = backend(dc->name, dc->suite, 1);
	struct sg_cdev_qp *q = sg_cdev_qp(c, 0);
	struct sg_aead_ctx ctx;
	uint8_t key[SG_KEY_LEN];
	struct find f = { .key = key };
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];

	fill(key, sizeof(key), 4242);
	assert_int_equal(sg_cdev_ctx_init(q, &ctx, dc->suite, SG_AEAD_SEAL, key), SG_OK);
	/* The pool of this back end's queue pair 0 (cryptodev.c names it sg_cds<seq>_0). */
	mp = NULL;
	for (unsigned seq = 1; seq < 1000 && !mp; seq++) {
		snprintf(name, sizeof(name), "sg_cds%u_0", seq);
		mp = rte_mempool_lookup(name);
		if (mp && !rte_mempool_from_obj(ctx.dev_sess))
			mp = NULL;
		if (mp && rte_mempool_from_obj(ctx.dev_sess) != mp)
			mp = NULL;
	}
	assert_non_null(mp);
	rte_mempool_mem_iter(mp, find_chunk, &f);
	if (!f.found)
		fail_msg("%s: the key is not in the session pool while the session lives: this "
			 "test could not see a leak", dc->name);
	sg_cdev_ctx_release(q, &ctx);
	f.found = 0;
	rte_mempool_mem_iter(mp, find_chunk, &f);
	if (f.found)
		fail_msg("%s: the key is still in the session pool after its release", dc->name);
	sg_cdev_free(c);
}

static void test_session_wipe(void **state)
{
	(void)state;
	session_wipe(&cases[0]);
	session_wipe(&cases[1]);
}

/* The choice at start: named devices that are missing, useless or failing stop it; auto never. */
static void test_select(void **state)
{
	struct sg_cdev_choice ch;
	struct sg_cdev_faults at_start = { .at_start = 1 };
	char err[512];

	(void)state;
	assert_int_equal(sg_cdev_select("fastest", 2, SESSIONS, 0, NULL, &ch, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "expected auto, sodium or cryptodev:<driver>"));
	assert_int_equal(sg_cdev_select("cryptodev:crypto_nonexistent", 2, SESSIONS, 0, NULL, &ch,
					err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such crypto device"));
	assert_null(ch.be);
	assert_int_equal(sg_cdev_select("cryptodev:crypto_null", 2, SESSIONS, 0, NULL, &ch, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "offers neither AES-256-GCM nor ChaCha20-Poly1305"));
	assert_int_equal(sg_cdev_select("cryptodev:crypto_aesni_gcm", 2, SESSIONS, 0, &at_start,
					&ch, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "self-test"));
	assert_null(ch.be);

	/* Named and working: AES-GCM on the device, ChaCha on libsodium. */
	assert_int_equal(sg_cdev_select("cryptodev:crypto_aesni_gcm", 2, SESSIONS, 0, NULL, &ch,
					err, sizeof(err)), 0);
	assert_non_null(ch.be);
	assert_int_equal(sg_cdev_path_of(ch.be, SG_SUITE_AES256_GCM), SG_CDEV_CPU);
	assert_int_equal(sg_cdev_path_of(ch.be, SG_SUITE_CHACHA20_POLY1305), SG_CDEV_SODIUM);
	assert_non_null(strstr(ch.line, "aes256gcm: cryptodev:crypto_aesni_gcm"));
	assert_non_null(strstr(ch.line, "chacha20poly1305: sodium"));
	assert_int_equal(sg_cdev_n_qps(ch.be), 2);
	sg_cdev_choice_free(&ch);

	/* auto whose devices all fail their self-test: libsodium, and it says why. */
	assert_int_equal(sg_cdev_select("auto", 2, SESSIONS, 0, &at_start, &ch, err, sizeof(err)),
			 0);
	assert_null(ch.be);
	assert_non_null(strstr(ch.line, "aes256gcm: sodium"));
	assert_non_null(strstr(ch.detail, "self-test"));
	sg_cdev_choice_free(&ch);

	/* auto: whatever is fastest, every device chosen passed its self-test. */
	assert_int_equal(sg_cdev_select("auto", 2, SESSIONS, 0, NULL, &ch, err, sizeof(err)), 0);
	print_message("auto: %s\n      %s\n", ch.line, ch.detail);
	assert_true(ch.sodium_ns[0] > 0 && ch.sodium_ns[1] > 0);
	sg_cdev_choice_free(&ch);

	/* sodium: nothing on a device. */
	assert_int_equal(sg_cdev_select("sodium", 2, SESSIONS, 0, NULL, &ch, err, sizeof(err)), 0);
	assert_null(ch.be);
	assert_non_null(strstr(ch.line, "chacha20poly1305: sodium"));
}

static int setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_cryptodev", "--no-huge", "-m", "256", "--no-pci", "--log-level", "3",
			 "--file-prefix", prefix,
			 "--vdev", "crypto_aesni_gcm_t", "--vdev", "crypto_chacha20_poly1305_t",
			 "--vdev", "crypto_aesni_mb_t", "--vdev", "crypto_null_t", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "sg-tcd%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	if (sg_crypto_init() != 0 || !sg_crypto_have_aes256gcm())
		return -1; /* AES-GCM must be testable here: a failure, never a skip */
	buf_a = rte_zmalloc(NULL, (size_t)BURST * STRIDE, 64);
	buf_b = rte_zmalloc(NULL, (size_t)BURST * STRIDE, 64);
	plain = rte_zmalloc(NULL, (size_t)BURST * MAX_PLAIN, 64);
	mbufs = rte_pktmbuf_pool_create("tcd_mbufs", 255, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	return buf_a && buf_b && plain && mbufs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rte_free(buf_a);
	rte_free(buf_b);
	rte_free(plain);
	rte_mempool_free(mbufs);
	rte_eal_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interop_aesni_gcm),
		cmocka_unit_test(test_interop_chacha20_poly1305),
		cmocka_unit_test(test_interop_aesni_mb_aes),
		cmocka_unit_test(test_interop_aesni_mb_chacha),
		cmocka_unit_test(test_mbufs_both_paths),
		cmocka_unit_test(test_bad_tag),
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_session_wipe),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
