/* SPDX-License-Identifier: MIT */
/*
 * cryptodev.c - surge-bench-cryptodev: open+seal frames/s of the
 * data-plane AEAD burst API through a DPDK crypto device (the cryptodev
 * back end, crypto/cryptodev.h) beside the libsodium back end, on the same
 * frames, interleaved.  A benchmark, not a test; pin it yourself (taskset).
 *
 *   surge-bench-cryptodev [--driver crypto_aesni_gcm] [--suite aes256gcm]
 *       [--sizes 64,256,1024,1400] [--reps 3] [--seconds 0.5] [--sessions K]
 *       [--json] -- [EAL arguments]
 *
 * The frames are the relay's: AEAD plaintext = 24-byte inner header + body,
 * AD = the 16-byte transport header, 16-byte tag, in place; a pool of 256
 * frames in bursts of 32: open the 32 under one key, rewrite each header
 * (a new counter), seal them under the other key (--sessions K: frame i of
 * a burst under key pair i mod K, so K > 1 makes one device call a frame,
 * as the relay's bursts of many users do); the keys swap every pass
 * so every open is of a frame the pass before sealed, and every open and
 * seal must succeed (any failure aborts).  The device back end is made by
 * the relay's own choice code (sg_cdev_select "cryptodev:<driver>": a vdev
 * when none was probed, the self-test against libsodium) with one queue
 * pair; frames carry no mbuf (hardware wants the relay's mbufs: this bench
 * is for software devices).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "bench/bench.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/cryptodev.h"
#include "crypto/cryptodev_select.h"
#include "proto/bytes.h"
#include "proto/messages.h"
#include "proto/status.h"

enum { FRAMES = 256, BURST = 32, MAX_SIZES = 16, MAX_SESSIONS = 32 };

struct side {
	struct sg_aead_ctx dseal, dopen, sseal; /* device: seal, open; libsodium (both ways) */
};

struct pool {
	struct sg_cdev_qp *q;
	unsigned k;                      /* key pairs in use */
	struct side side[2][MAX_SESSIONS];
	unsigned phase;
	uint64_t counter;
	uint32_t len;
	size_t stride;
	uint8_t *buf;
};

static inline uint8_t *frame_at(const struct pool *p, unsigned i)
{
	return p->buf + (size_t)i * p->stride;
}

/* which: 0 device open, 1 device seal, 2 libsodium; of side phase ph. */
static inline const struct sg_aead_ctx *ctx_of(const struct pool *p, unsigned ph, unsigned i,
					       int which)
{
	const struct side *sd = &p->side[ph][i % p->k];

	return which == 0 ? &sd->dopen : which == 1 ? &sd->dseal : &sd->sseal;
}

static void ops_for(const struct pool *p, struct sg_aead_op *ops, unsigned first, unsigned ph,
		    int which)
{
	for (unsigned i = 0; i < BURST; i++) {
		uint8_t *f = frame_at(p, first + i);

		ops[i] = (struct sg_aead_op){ .ctx = ctx_of(p, ph, i, which), .ad = f,
					      .ad_len = SG_HDR_LEN,
					      .data = f + SG_HDR_LEN, .tag = f + SG_HDR_LEN + p->len,
					      .counter = sg_le64(f + SG_HDR_OFF_COUNTER),
					      .len = p->len };
	}
}

static void reseal(struct pool *p, struct sg_aead_op *ops, unsigned ph, int which)
{
	for (unsigned i = 0; i < BURST; i++) {
		uint64_t c = p->counter++;

		sg_put_le64(ops[i].data - SG_HDR_LEN + SG_HDR_OFF_COUNTER, c);
		ops[i].counter = c;
		ops[i].ctx = ctx_of(p, ph, i, which);
	}
}

/* One pass over the pool; dev: through the device, else libsodium. */
static uint64_t pass(struct pool *p, int dev, uint64_t *bad)
{
	struct sg_aead_op ops[BURST];

	for (unsigned b = 0; b < FRAMES; b += BURST) {
		ops_for(p, ops, b, p->phase, dev ? 0 : 2);
		*bad += BURST - (dev ? sg_cdev_open_burst(p->q, ops, BURST) :
				       sg_aead_open_burst(ops, BURST));
		reseal(p, ops, p->phase ^ 1, dev ? 1 : 2);
		*bad += BURST - (dev ? sg_cdev_seal_burst(p->q, ops, BURST) :
				       sg_aead_seal_burst(ops, BURST));
	}
	p->phase ^= 1;
	return FRAMES;
}

static uint64_t pass_dev(void *arg, uint64_t *bad)
{
	return pass(arg, 1, bad);
}

static uint64_t pass_sodium(void *arg, uint64_t *bad)
{
	return pass(arg, 0, bad);
}

static void pool_init(struct pool *p, struct sg_cdev_qp *q, uint8_t suite, unsigned body,
		      unsigned k)
{
	struct sg_aead_op ops[BURST];

	memset(p, 0, sizeof(*p));
	p->q = q;
	p->k = k;
	p->len = SG_DATA_INNER_LEN + body;
	p->stride = ((size_t)SG_HDR_LEN + p->len + SG_TAG_LEN + 63) & ~(size_t)63;
	p->counter = 1;
	p->buf = rte_zmalloc(NULL, p->stride * FRAMES, 64);
	if (!p->buf)
		sg_bench_die("out of memory");
	for (int s = 0; s < 2; s++)
		for (unsigned j = 0; j < k; j++) {
			struct side *sd = &p->side[s][j];
			uint8_t key[SG_KEY_LEN];

			sg_random(key, sizeof(key));
			if (sg_cdev_ctx_init(q, &sd->dseal, suite, SG_AEAD_SEAL, key) != SG_OK ||
			    sg_cdev_ctx_init(q, &sd->dopen, suite, SG_AEAD_OPEN, key) != SG_OK ||
			    sg_aead_ctx_init(&sd->sseal, suite, key) != SG_OK)
				sg_bench_die("no session or context");
			sg_wipe(key, sizeof(key));
		}
	for (unsigned i = 0; i < FRAMES; i++) {
		uint8_t *f = frame_at(p, i);

		f[0] = SG_MSG_DATA;
		sg_random(f + SG_HDR_LEN, p->len);
	}
	for (unsigned b = 0; b < FRAMES; b += BURST) {
		ops_for(p, ops, b, 0, 2);
		reseal(p, ops, 0, 2);
		if (sg_aead_seal_burst(ops, BURST) != BURST)
			sg_bench_die("initial seal failed");
	}
}

static void pool_fini(struct pool *p)
{
	for (int s = 0; s < 2; s++)
		for (unsigned j = 0; j < p->k; j++) {
			sg_cdev_ctx_release(p->q, &p->side[s][j].dseal);
			sg_cdev_ctx_release(p->q, &p->side[s][j].dopen);
			sg_aead_ctx_wipe(&p->side[s][j].sseal);
		}
	rte_free(p->buf);
}

static void usage(void)
{
	fprintf(stderr, "usage: surge-bench-cryptodev [--driver NAME] [--suite aes256gcm|"
			"chacha20poly1305] [--sizes 64,256,...] [--reps N] [--seconds S] [--sessions K] [--json] "
			"-- [EAL arguments]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "driver", required_argument, NULL, 'd' }, { "suite", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },  { "reps", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 't' }, { "json", no_argument, NULL, 'j' },
		{ "sessions", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *driver = "crypto_aesni_gcm";
	uint8_t suite = SG_SUITE_AES256_GCM;
	unsigned sizes[MAX_SIZES] = { 64, 256, 1024, 1400 }, n_sizes = 4, reps = 3, k = 1;
	double seconds = 0.5, dev[SG_BENCH_MAX_REPS], sod[SG_BENCH_MAX_REPS];
	double dev_fps[MAX_SIZES], sod_fps[MAX_SIZES];
	int json = 0, ours = argc, c, eal_argc;
	char spec[96], err[512], cpu[128];
	struct sg_cdev_choice ch;

	sg_bench_set_prog("surge-bench-cryptodev");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			ours = i;
			break;
		}
	while ((c = getopt_long(ours, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			driver = optarg;
			break;
		case 's':
			if (strcmp(optarg, "aes256gcm") == 0)
				suite = SG_SUITE_AES256_GCM;
			else if (strcmp(optarg, "chacha20poly1305") == 0)
				suite = SG_SUITE_CHACHA20_POLY1305;
			else
				usage();
			break;
		case 'z': {
			char *s = optarg, *end;

			n_sizes = 0;
			while (*s && n_sizes < MAX_SIZES) {
				unsigned long v = strtoul(s, &end, 10);

				if (end == s || v > SG_BODY_MAX)
					usage();
				sizes[n_sizes++] = (unsigned)v;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'r':
			reps = (unsigned)atoi(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			k = (unsigned)atoi(optarg);
			if (k < 1 || k > MAX_SESSIONS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (reps < 1 || reps > SG_BENCH_MAX_REPS || seconds <= 0 || n_sizes == 0)
		usage();
	eal_argc = ours < argc ? argc - ours : 1;
	if (ours < argc)
		argv[ours] = argv[0];
	if (rte_eal_init(eal_argc, ours < argc ? &argv[ours] : argv) < 0)
		sg_bench_die("EAL init failed");
	if (sg_crypto_init() != 0)
		sg_bench_die("libsodium init failed");
	snprintf(spec, sizeof(spec), "cryptodev:%s", driver);
	if (sg_cdev_select(spec, 1, 4 * MAX_SESSIONS + 16, (int)rte_socket_id(), NULL, &ch, err,
			   sizeof(err)) != 0)
		sg_bench_die(err);
	if (sg_cdev_path_of(ch.be, suite) == SG_CDEV_SODIUM)
		sg_bench_die("the driver does not offer this suite");
	for (unsigned z = 0; z < n_sizes; z++) {
		struct pool p;
		double spread = 1, rate;
		char what[160];

		pool_init(&p, sg_cdev_qp(ch.be, 0), suite, sizes[z], k);
		if (sg_bench_measure(pass_dev, &p, seconds / 5, &rate) != 0 ||
		    sg_bench_measure(pass_sodium, &p, seconds / 5, &rate) != 0)
			sg_bench_die("an open or seal failed during the warm-up");
		for (unsigned r = 0; r < reps; r++) {
			if (sg_bench_measure(pass_dev, &p, seconds, &dev[r]) != 0)
				sg_bench_die("a device open or seal failed");
			if (sg_bench_measure(pass_sodium, &p, seconds, &sod[r]) != 0)
				sg_bench_die("a libsodium open or seal failed");
		}
		snprintf(what, sizeof(what), "%s burst API on %s, ", spec,
			 suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305");
		dev_fps[z] = sg_bench_median(dev, reps, what, sizes[z], &spread);
		sod_fps[z] = sg_bench_median(sod, reps, "libsodium burst API, ", sizes[z], &spread);
		pool_fini(&p);
	}
	sg_bench_cpu_model(cpu, sizeof(cpu));
	if (json) {
		printf("{\"cpu\": ");
		sg_bench_json_string(cpu);
		printf(", \"suite\": \"%s\", \"driver\": ",
		       suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305");
		sg_bench_json_string(driver);
		printf(", \"device\": ");
		sg_bench_json_string(sg_cdev_dev_name(ch.be, suite));
		printf(", \"path\": \"%s\", \"reps\": %u, \"seconds\": %g, \"sessions\": %u, "
		       "\"rows\": [", sg_cdev_path_name(sg_cdev_path_of(ch.be, suite)), reps, seconds,
		       k);
		for (unsigned z = 0; z < n_sizes; z++)
			printf("%s{\"body\": %u, \"cryptodev_fps\": %.0f, \"sodium_fps\": %.0f}",
			       z ? ", " : "", sizes[z], dev_fps[z], sod_fps[z]);
		printf("]}\n");
	} else {
		printf("surge-bench-cryptodev: open+seal frames/s, burst API, median of %u runs of "
		       "%g s (CPU: %s)\n%s on %s (%s), %u session(s) a burst\n", reps, seconds, cpu,
		       spec, sg_cdev_dev_name(ch.be, suite),
		       sg_cdev_path_name(sg_cdev_path_of(ch.be, suite)), k);
		printf("  body   cryptodev      libsodium     ratio\n");
		for (unsigned z = 0; z < n_sizes; z++)
			printf("%6u   %6.2f M/s   %6.2f M/s   %5.2f\n", sizes[z], dev_fps[z] / 1e6,
			       sod_fps[z] / 1e6, dev_fps[z] / sod_fps[z]);
	}
	sg_cdev_choice_free(&ch);
	rte_eal_cleanup();
	return 0;
}
