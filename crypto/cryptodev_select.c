/* SPDX-License-Identifier: MIT */
/*
 * cryptodev_select.c - choosing the data-plane AEAD back end at start (see
 * the header): candidates, the self-test against libsodium, the timing.
 *
 * Invariants:
 *  - Only the main lcore runs this, before any worker; trials use queue
 *    pair 0 of a one-queue-pair back end, freed (device stopped and closed)
 *    before the chosen one is set up again for every worker.
 *  - A vdev made here that is not chosen is removed again; one that is
 *    chosen is removed by sg_cdev_choice_free.
 *  - Nothing here is on the data path: it may allocate and format text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "crypto/crypto.h"
#include "cryptodev_select.h"
#include "proto/messages.h"
#include "proto/status.h"

enum {
	ST_SIZES = 14,
	TIME_BURST = 32,
	TIME_BURSTS = 8,      /* bursts of each size per round */
	TIME_ROUNDS = 5,      /* the fastest round counts */
	TRIAL_SESSIONS = 64,
	MAX_PLAIN = SG_DATA_INNER_LEN + SG_BODY_MAX, /* 1440 */
	STRIDE = (SG_HDR_LEN + MAX_PLAIN + SG_TAG_LEN + 63) & ~63,
};

/* Plaintext lengths of the self-test: edges of AES and ChaCha blocks, the bench's frames. */
static const uint16_t st_sizes[ST_SIZES] = { 0,  1,  15,  16,   17,   31,   63,
					      64, 65, 88, 280, 1048, 1424, MAX_PLAIN };

/* Software PMDs auto tries when no device of theirs was probed. */
static const char *const known[] = { "crypto_aesni_mb", "crypto_aesni_gcm",
				     "crypto_chacha20_poly1305", "crypto_openssl" };

static const uint8_t suites[2] = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 };

static const char *suite_name(uint8_t suite)
{
	return suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";
}

static void add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* ---- self-test ------------------------------------------------------- */

struct st_frame {
	uint8_t key[SG_KEY_LEN];
	uint8_t ad[SG_HDR_LEN];
	uint64_t counter;
	uint16_t len;
	struct sg_aead_ctx dseal, dopen, sodium;
};

/* ops over buf: frame i at i * STRIDE (AD | data | tag), contexts from pick. */
static void st_ops(struct sg_aead_op *ops, uint8_t *buf, struct st_frame *f, int which)
{
	for (unsigned i = 0; i < ST_SIZES; i++) {
		uint8_t *b = buf + (size_t)i * STRIDE;

		memcpy(b, f[i].ad, SG_HDR_LEN);
		ops[i] = (struct sg_aead_op){
			.ctx = which == 0 ? &f[i].dseal : which == 1 ? &f[i].dopen : &f[i].sodium,
			.ad = b, .ad_len = SG_HDR_LEN, .data = b + SG_HDR_LEN,
			.tag = b + SG_HDR_LEN + f[i].len, .len = f[i].len, .counter = f[i].counter,
		};
	}
}

static int st_fail(char *err, size_t errlen, const char *dev, uint8_t suite, const char *what,
		   unsigned len)
{
	snprintf(err, errlen, "%s: %s self-test: %s (%u-byte plaintext)", dev,
		 suite == SG_SUITE_AES256_GCM ? "AES-256-GCM" : "ChaCha20-Poly1305", what, len);
	return -1;
}

static int st_run(struct sg_cdev_qp *q, uint8_t suite, struct st_frame *f, uint8_t *a,
		  uint8_t *b, uint8_t *plain, const char *dev, char *err, size_t errlen)
{
	struct sg_aead_op oa[ST_SIZES], ob[ST_SIZES];

	/* The same plaintext sealed by the device (a) and by libsodium (b). */
	st_ops(oa, a, f, 0);
	st_ops(ob, b, f, 2);
	for (unsigned i = 0; i < ST_SIZES; i++) {
		memcpy(oa[i].data, plain + (size_t)i * MAX_PLAIN, f[i].len);
		memcpy(ob[i].data, plain + (size_t)i * MAX_PLAIN, f[i].len);
	}
	sg_cdev_seal_burst(q, oa, ST_SIZES);
	sg_aead_seal_burst(ob, ST_SIZES);
	for (unsigned i = 0; i < ST_SIZES; i++) {
		if (oa[i].status != SG_OK)
			return st_fail(err, errlen, dev, suite, oa[i].status == SG_E_DEVICE ?
				       "the device failed a seal" : "a seal failed", f[i].len);
		if (memcmp(oa[i].data, ob[i].data, f[i].len) != 0 ||
		    memcmp(oa[i].tag, ob[i].tag, SG_TAG_LEN) != 0)
			return st_fail(err, errlen, dev, suite,
				       "the device sealed differently from libsodium", f[i].len);
	}
	/* The device opens what libsodium sealed... */
	st_ops(ob, b, f, 1);
	sg_cdev_open_burst(q, ob, ST_SIZES);
	for (unsigned i = 0; i < ST_SIZES; i++)
		if (ob[i].status != SG_OK ||
		    memcmp(ob[i].data, plain + (size_t)i * MAX_PLAIN, f[i].len) != 0)
			return st_fail(err, errlen, dev, suite,
				       "the device did not open what libsodium sealed", f[i].len);
	/* ...and refuses a flipped tag bit, leaving no plaintext. */
	st_ops(oa, a, f, 1);
	for (unsigned i = 0; i < ST_SIZES; i++)
		oa[i].tag[i % SG_TAG_LEN] ^= (uint8_t)(1u << (i % 8));
	sg_cdev_open_burst(q, oa, ST_SIZES);
	for (unsigned i = 0; i < ST_SIZES; i++) {
		uint8_t acc = 0;

		for (unsigned k = 0; k < f[i].len; k++)
			acc |= oa[i].data[k];
		if (oa[i].status != SG_E_TAG || acc != 0)
			return st_fail(err, errlen, dev, suite,
				       "a wrong tag was not refused (or left plaintext)", f[i].len);
	}
	return 0;
}

int sg_cdev_selftest(struct sg_cdev *c, uint8_t suite, char *err, size_t errlen)
{
	struct sg_cdev_qp *q = sg_cdev_qp(c, 0);
	const char *dev = sg_cdev_dev_name(c, suite);
	size_t bytes = (size_t)ST_SIZES * STRIDE;
	struct st_frame *f = rte_zmalloc(NULL, sizeof(*f) * ST_SIZES, 64);
	uint8_t *a = rte_zmalloc(NULL, bytes, 64), *b = rte_zmalloc(NULL, bytes, 64);
	uint8_t *plain = rte_zmalloc(NULL, (size_t)ST_SIZES * MAX_PLAIN, 64);
	int rc = -1;

	if (!q || !f || !a || !b || !plain) {
		snprintf(err, errlen, "%s: self-test: out of memory", dev);
		goto out;
	}
	sg_random(plain, (size_t)ST_SIZES * MAX_PLAIN);
	for (unsigned i = 0; i < ST_SIZES; i++) {
		sg_random(f[i].key, SG_KEY_LEN);
		sg_random(f[i].ad, SG_HDR_LEN);
		sg_random(&f[i].counter, sizeof(f[i].counter));
		f[i].len = st_sizes[i];
		if (sg_cdev_ctx_init(q, &f[i].dseal, suite, SG_AEAD_SEAL, f[i].key) != SG_OK ||
		    sg_cdev_ctx_init(q, &f[i].dopen, suite, SG_AEAD_OPEN, f[i].key) != SG_OK ||
		    sg_aead_ctx_init(&f[i].sodium, suite, f[i].key) != SG_OK) {
			snprintf(err, errlen, "%s: self-test: no session for %s", dev,
				 suite_name(suite));
			goto out;
		}
	}
	rc = st_run(q, suite, f, a, b, plain, dev, err, errlen);
out:
	if (f) {
		for (unsigned i = 0; i < ST_SIZES && q; i++) {
			sg_cdev_ctx_release(q, &f[i].dseal);
			sg_cdev_ctx_release(q, &f[i].dopen);
			sg_aead_ctx_wipe(&f[i].sodium);
		}
		sg_wipe(f, sizeof(*f) * ST_SIZES);
	}
	rte_free(f);
	rte_free(a);
	rte_free(b);
	rte_free(plain);
	return rc;
}

/* ---- timing ------------------------------------------------------------ */

static uint16_t t_burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, int open)
{
	if (q)
		return open ? sg_cdev_open_burst(q, ops, TIME_BURST) :
			      sg_cdev_seal_burst(q, ops, TIME_BURST);
	return open ? sg_aead_open_burst(ops, TIME_BURST) : sg_aead_seal_burst(ops, TIME_BURST);
}

/* ns per open+seal of plain-byte plaintexts; < 0 on a failed frame. */
static double time_size(struct sg_cdev_qp *q, const struct sg_aead_ctx *seal,
			const struct sg_aead_ctx *open, uint8_t *buf, unsigned plain)
{
	struct sg_aead_op ops[TIME_BURST];
	uint64_t best = UINT64_MAX, counter = 1;

	for (unsigned r = 0; r < TIME_ROUNDS; r++) {
		uint64_t t0 = rte_rdtsc_precise(), t;

		for (unsigned k = 0; k < TIME_BURSTS; k++) {
			for (unsigned i = 0; i < TIME_BURST; i++) {
				uint8_t *b = buf + (size_t)i * STRIDE;

				ops[i] = (struct sg_aead_op){ .ctx = seal, .ad = b, .ad_len = SG_HDR_LEN,
							      .data = b + SG_HDR_LEN,
							      .tag = b + SG_HDR_LEN + plain,
							      .len = plain, .counter = counter++ };
			}
			if (t_burst(q, ops, 0) != TIME_BURST)
				return -1;
			for (unsigned i = 0; i < TIME_BURST; i++)
				ops[i].ctx = open;
			if (t_burst(q, ops, 1) != TIME_BURST)
				return -1;
		}
		t = rte_rdtsc_precise() - t0;
		best = t < best ? t : best;
	}
	return (double)best * 1e9 / (double)rte_get_tsc_hz() / (TIME_BURSTS * TIME_BURST);
}

double sg_cdev_time_ns(struct sg_cdev *c, uint8_t suite)
{
	struct sg_cdev_qp *q = c ? sg_cdev_qp(c, 0) : NULL;
	uint8_t key[SG_KEY_LEN];
	struct sg_aead_ctx *ctx = rte_zmalloc(NULL, 2 * sizeof(*ctx), 64);
	uint8_t *buf = rte_zmalloc(NULL, (size_t)TIME_BURST * STRIDE, 64);
	double ns = -1, a, b;
	int ok;

	sg_random(key, sizeof(key));
	if (!ctx || !buf)
		goto out;
	if (q)
		ok = sg_cdev_ctx_init(q, &ctx[0], suite, SG_AEAD_SEAL, key) == SG_OK &&
		     sg_cdev_ctx_init(q, &ctx[1], suite, SG_AEAD_OPEN, key) == SG_OK;
	else
		ok = sg_aead_ctx_init(&ctx[0], suite, key) == SG_OK &&
		     sg_aead_ctx_init(&ctx[1], suite, key) == SG_OK;
	if (ok) {
		a = time_size(q, &ctx[0], &ctx[1], buf, SG_DATA_INNER_LEN + 64);
		b = time_size(q, &ctx[0], &ctx[1], buf, SG_DATA_INNER_LEN + 1400);
		ns = a < 0 || b < 0 ? -1 : (a + b) / 2;
	}
	if (q) {
		sg_cdev_ctx_release(q, &ctx[0]);
		sg_cdev_ctx_release(q, &ctx[1]);
	} else {
		sg_aead_ctx_wipe(&ctx[0]);
		sg_aead_ctx_wipe(&ctx[1]);
	}
out:
	sg_wipe(key, sizeof(key));
	rte_free(ctx);
	rte_free(buf);
	return ns;
}

/* ---- choice ------------------------------------------------------------ */

struct cand {
	uint8_t id;
	uint8_t made;         /* a vdev made here */
	uint8_t used;         /* chosen for a suite */
	char name[SG_CDEV_NAME_MAX];
};

struct sel {
	struct cand c[RTE_CRYPTO_MAX_DEVS];
	unsigned n;
};

static const char *driver_of(uint8_t id)
{
	struct rte_cryptodev_info info;

	rte_cryptodev_info_get(id, &info);
	return info.driver_name ? info.driver_name : "";
}

/* A device of driver: one already probed, else a vdev "<driver>_surge" made now. */
static int find_or_make(struct sel *s, const char *driver, int make)
{
	char name[SG_CDEV_NAME_MAX];
	int id;

	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(driver_of(s->c[i].id), driver) == 0)
			return (int)i;
	if (!make)
		return -1;
	snprintf(name, sizeof(name), "%s_surge", driver);
	if (rte_vdev_init(name, NULL) != 0)
		return -1;
	id = rte_cryptodev_get_dev_id(name);
	if (id < 0 || s->n >= RTE_CRYPTO_MAX_DEVS) {
		rte_vdev_uninit(name);
		return -1;
	}
	s->c[s->n] = (struct cand){ .id = (uint8_t)id, .made = 1 };
	snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s", name);
	return (int)s->n++;
}

static void sel_probe(struct sel *s)
{
	s->n = 0;
	for (uint8_t id = 0; id < RTE_CRYPTO_MAX_DEVS && s->n < RTE_CRYPTO_MAX_DEVS; id++) {
		if (!rte_cryptodev_is_valid_dev(id))
			continue;
		s->c[s->n] = (struct cand){ .id = id };
		snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s",
			 rte_cryptodev_name_get(id));
		s->n++;
	}
}

/* Remove the vdevs made here that no suite uses. */
static void sel_drop_unused(struct sel *s, struct sg_cdev *be)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (!s->c[i].made)
			continue;
		if (s->c[i].used && be) {
			sg_cdev_created(be, s->c[i].id);
			continue;
		}
		rte_vdev_uninit(s->c[i].name);
	}
}

/*
 * One candidate for one suite: a one-queue-pair back end, its self-test and
 * its time.  ns, or < 0 with the reason in why.
 */
static double trial(uint8_t id, uint8_t suite, int socket, const struct sg_cdev_faults *faults,
		    char *why, size_t whylen)
{
	struct sg_cdev *t = sg_cdev_new(1, TRIAL_SESSIONS, socket);
	double ns = -1;

	if (!t) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (sg_cdev_add(t, suite, id, why, whylen) == 0 && sg_cdev_start(t, why, whylen) == 0) {
		if (faults && faults->at_start)
			sg_cdev_inject(sg_cdev_qp(t, 0), 1);
		if (sg_cdev_selftest(t, suite, why, whylen) == 0) {
			ns = sg_cdev_time_ns(t, suite);
			if (ns < 0)
				snprintf(why, whylen, "a frame failed while timing");
			else
				snprintf(why, whylen, "%s", sg_cdev_path_name(sg_cdev_path_of(t, suite)));
		}
	}
	sg_cdev_free(t);
	return ns;
}

/* The final back end with the devices chosen, self-tested again at full size. */
static int build(struct sg_cdev_choice *out, const int dev[2], unsigned n_qps, unsigned sessions,
		 int socket, const struct sg_cdev_faults *faults, char *err, size_t errlen)
{
	struct sg_cdev *be = sg_cdev_new(n_qps, sessions, socket);

	if (!be) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->be = be;
	for (int i = 0; i < 2; i++)
		if (dev[i] >= 0 && sg_cdev_add(be, suites[i], (uint8_t)dev[i], err, errlen) != 0)
			return -1;
	if (sg_cdev_start(be, err, errlen) != 0)
		return -1;
	if (faults && faults->at_start)
		sg_cdev_inject(sg_cdev_qp(be, 0), 1);
	for (int i = 0; i < 2; i++)
		if (dev[i] >= 0 && sg_cdev_selftest(be, suites[i], err, errlen) != 0)
			return -1;
	sg_cdev_inject(sg_cdev_qp(be, 0), 0);
	return 0;
}

static void describe(struct sg_cdev_choice *out)
{
	out->line[0] = '\0';
	for (int i = 0; i < 2; i++) {
		enum sg_cdev_path p = sg_cdev_path_of(out->be, suites[i]);

		if (i == 0 && !sg_crypto_have_aes256gcm() && p == SG_CDEV_SODIUM) {
			add(out->line, sizeof(out->line), "aes256gcm: unavailable (no AES-NI); ");
			continue;
		}
		if (p == SG_CDEV_SODIUM)
			add(out->line, sizeof(out->line), "%s: sodium", suite_name(suites[i]));
		else
			add(out->line, sizeof(out->line), "%s: cryptodev:%s (%s, %s)",
			    suite_name(suites[i]), sg_cdev_driver(out->be, suites[i]),
			    sg_cdev_dev_name(out->be, suites[i]), sg_cdev_path_name(p));
		if (out->ns[i] > 0)
			add(out->line, sizeof(out->line), ", %.0f ns/frame", out->ns[i]);
		if (out->sodium_ns[i] > 0 && p != SG_CDEV_SODIUM)
			add(out->line, sizeof(out->line), " (sodium %.0f)", out->sodium_ns[i]);
		if (i == 0)
			add(out->line, sizeof(out->line), "; ");
	}
}

static int select_auto(struct sel *s, unsigned n_qps, unsigned sessions, int socket,
		       const struct sg_cdev_faults *faults, struct sg_cdev_choice *out, char *err,
		       size_t errlen)
{
	int dev[2] = { -1, -1 };
	char why[256];

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (find_or_make(s, known[k], 1) < 0)
			add(out->detail, sizeof(out->detail), "%s: not available; ", known[k]);
	for (int i = 0; i < 2; i++) {
		double best;

		if (suites[i] == SG_SUITE_AES256_GCM && !sg_crypto_have_aes256gcm())
			continue; /* no session ever uses it (handshake.c) */
		best = out->sodium_ns[i] = sg_cdev_time_ns(NULL, suites[i]);
		add(out->detail, sizeof(out->detail), "%s: sodium %.0f ns", suite_name(suites[i]),
		    best);
		for (unsigned c = 0; c < s->n; c++) {
			double ns = trial(s->c[c].id, suites[i], socket, faults, why, sizeof(why));

			if (ns < 0) {
				if (!strstr(why, " has no "))
					add(out->detail, sizeof(out->detail), ", %s: %s", s->c[c].name,
					    why);
				continue;
			}
			add(out->detail, sizeof(out->detail), ", %s %.0f ns (%s)", s->c[c].name, ns,
			    why);
			if (ns < best) {
				best = ns;
				dev[i] = (int)c;
			}
		}
		add(out->detail, sizeof(out->detail), "; ");
		if (dev[i] >= 0) {
			s->c[dev[i]].used = 1;
			out->ns[i] = best;
		} else {
			out->ns[i] = out->sodium_ns[i];
		}
	}
	if (dev[0] < 0 && dev[1] < 0)
		return 0;
	{
		int ids[2] = { dev[0] < 0 ? -1 : s->c[dev[0]].id, dev[1] < 0 ? -1 : s->c[dev[1]].id };

		if (build(out, ids, n_qps, sessions, socket, faults, err, errlen) == 0)
			return 0;
	}
	/* Passed alone, failed at full size: libsodium after all (auto never stops the relay). */
	add(out->detail, sizeof(out->detail), "chosen devices failed at full size (%s): sodium",
	    err);
	sg_cdev_free(out->be);
	out->be = NULL;
	for (unsigned c = 0; c < s->n; c++)
		s->c[c].used = 0;
	out->ns[0] = out->sodium_ns[0];
	out->ns[1] = out->sodium_ns[1];
	return 0;
}

static int select_named(struct sel *s, const char *driver, unsigned n_qps, unsigned sessions,
			int socket, const struct sg_cdev_faults *faults,
			struct sg_cdev_choice *out, char *err, size_t errlen)
{
	int c = find_or_make(s, driver, 1), dev[2] = { -1, -1 };
	struct rte_cryptodev_sym_capability_idx idx = { .type = RTE_CRYPTO_SYM_XFORM_AEAD };

	if (c < 0) {
		snprintf(err, errlen, "cryptodev:%s: no such crypto device (a PCI device must be "
			 "bound to vfio-pci and probed by EAL; a software driver is made as a "
			 "vdev, which failed: is its PMD installed and does this CPU run it?)",
			 driver);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		const struct rte_cryptodev_symmetric_capability *cap;

		idx.algo.aead = i == 0 ? RTE_CRYPTO_AEAD_AES_GCM : RTE_CRYPTO_AEAD_CHACHA20_POLY1305;
		cap = rte_cryptodev_sym_capability_get(s->c[c].id, &idx);
		if (cap && rte_cryptodev_sym_capability_check_aead(cap, SG_KEY_LEN, SG_TAG_LEN,
								   SG_HDR_LEN, 12) == 0)
			dev[i] = s->c[c].id;
	}
	if (dev[0] < 0 && dev[1] < 0) {
		snprintf(err, errlen, "cryptodev:%s (%s) offers neither AES-256-GCM nor "
			 "ChaCha20-Poly1305 (AEAD, 32-byte key, 12-byte IV, 16-byte AAD and tag)",
			 driver, s->c[c].name);
		return -1;
	}
	s->c[c].used = 1;
	if (build(out, dev, n_qps, sessions, socket, faults, err, errlen) != 0) {
		char why[384];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "cryptodev:%s: %s", driver, why);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		out->sodium_ns[i] = suites[i] == SG_SUITE_AES256_GCM && !sg_crypto_have_aes256gcm() ?
					    0 : sg_cdev_time_ns(NULL, suites[i]);
		out->ns[i] = dev[i] >= 0 ? sg_cdev_time_ns(out->be, suites[i]) : out->sodium_ns[i];
	}
	if (dev[0] < 0 || dev[1] < 0)
		add(out->detail, sizeof(out->detail), "%s has no %s: libsodium serves it; ",
		    driver, dev[0] < 0 ? "AES-256-GCM" : "ChaCha20-Poly1305");
	return 0;
}

int sg_cdev_select(const char *spec, unsigned n_qps, unsigned sessions, int socket,
		   const struct sg_cdev_faults *faults, struct sg_cdev_choice *out, char *err,
		   size_t errlen)
{
	static struct sel s; /* the main lcore's, at start */
	char driver[SG_AEAD_DRIVER_MAX];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (sg_aead_spec_parse(spec, &out->mode, driver, err, errlen) != 0)
		return -1;
#ifdef SG_NULL_CIPHER
	/* A null-cipher test build: only libsodium's bursts are null (crypto/aead.c). */
	if (out->mode == SG_AEAD_CRYPTODEV) {
		snprintf(err, errlen, "%s: a null-cipher test build has no cryptodev back end", spec);
		return -1;
	}
	out->mode = SG_AEAD_SODIUM;
	snprintf(out->detail, sizeof(out->detail), "null-cipher test build: sodium (null) only");
#endif
	if (out->mode == SG_AEAD_SODIUM) {
		for (int i = 0; i < 2; i++)
			if (suites[i] != SG_SUITE_AES256_GCM || sg_crypto_have_aes256gcm())
				out->ns[i] = out->sodium_ns[i] = sg_cdev_time_ns(NULL, suites[i]);
		describe(out);
		return 0;
	}
	sel_probe(&s);
	if (out->mode == SG_AEAD_AUTO)
		rc = select_auto(&s, n_qps, sessions, socket, faults, out, err, errlen);
	else
		rc = select_named(&s, driver, n_qps, sessions, socket, faults, out, err, errlen);
	if (rc != 0) {
		sg_cdev_free(out->be);
		out->be = NULL;
		for (unsigned c = 0; c < s.n; c++)
			s.c[c].used = 0;
	}
	sel_drop_unused(&s, out->be);
	if (rc != 0)
		return rc;
	/* The workers' counters start at 0 (the self-test's frames are not theirs). */
	for (unsigned q = 0; out->be && q < n_qps; q++) {
		sg_cdev_qp_stats_reset(sg_cdev_qp(out->be, q));
		sg_cdev_inject(sg_cdev_qp(out->be, q), faults ? faults->every_n : 0);
	}
	describe(out);
	return 0;
}

void sg_cdev_choice_free(struct sg_cdev_choice *ch)
{
	sg_cdev_free(ch->be);
	ch->be = NULL;
}
