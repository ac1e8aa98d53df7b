/* SPDX-License-Identifier: MIT */
/*
 * crypto.c - surge-bench-crypto: the per-core crypto limits the relay is
 * measured against.  A benchmark, not a test; pin it yourself (taskset).
 * This file is its main: options, the table and the JSON output.
 *
 * AEAD "open+seal" frames/s (crypto_aead.c): per DATA frame a relay worker
 * opens a frame sealed under the sender's key and seals it again under the
 * recipient's, in bursts of 32 over a pool of 256 frames; the burst API
 * (sg_aead_open_burst / sg_aead_seal_burst) next to raw libsodium on the
 * same buffers, ops, nonces and loop, each opening what the other sealed.
 *
 * Handshakes/s (crypto_handshake.c): the Noise IK responder next to its
 * X25519 bound (its 4 variable-base + 1 fixed-base scalar multiplications,
 * timed alone), and the initiator replaying prepared responses.
 *
 * Each measurement runs for about --seconds; the paths compared with each
 * other are interleaved (a, b, a, b, ...) for --reps repetitions after a
 * warm-up, and the median of each is reported: single runs on shared
 * machines vary, medians of interleaved runs compare fairly.  Timing is
 * CLOCK_MONOTONIC, read once per pass (256 frames or 8 handshakes).  The
 * spread (slowest to fastest repetition, "spread" in --json) is checked:
 * above 1.25 a note on stderr says the machine was noisy during that row
 * (bench.c).
 *
 * crypto_aead.c and crypto_handshake.c are the only files outside crypto/
 * that include <sodium.h> (STYLE.md): only for the raw libsodium baseline
 * and the raw X25519 mix.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/crypto_bench.h"
#include "crypto/crypto.h"
#include "proto/bytes.h"
#include "proto/messages.h"
#include "proto/status.h"

enum { BENCH_MAX_SIZES = 16 };

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

/* ---- Output -------------------------------------------------------------- */

static void print_table(const struct opts *o, const char *cpu, int have_aes, int aes_wanted,
			const struct sg_bench_aead_result *res, unsigned n_res,
			const struct sg_bench_hs_result *hs)
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
			printf("%-26s %6u   %-12s %-15s %.3f\n", sg_bench_suite_name(res[i].suite),
			       res[i].body, a, b, res[i].api_fps / res[i].raw_fps);
		}
	}
	if (!hs)
		return;
	snprintf(a, sizeof(a), "%s/s", sg_bench_thousands(b, sizeof(b), hs->responder_hps));
	printf("Handshake (Noise IK responder)   %10s   X25519 bound %s/s   ratio %.3f"
	       " (target >= 0.85)\n", a, sg_bench_thousands(b, sizeof(b), hs->x25519_hps),
	       hs->responder_hps / hs->x25519_hps);
	snprintf(a, sizeof(a), "%s/s", sg_bench_thousands(b, sizeof(b), hs->initiator_hps));
	printf("Handshake (Noise IK initiator)   %10s   (prepared responses, fixed-ephemeral"
	       " hook)\n", a);
	snprintf(a, sizeof(a), "%s/s", sg_bench_thousands(b, sizeof(b), hs->resume_hps));
	printf("Resumption (responder, + TICKET) %10s   %.1fx the IK responder (target >= 10)\n",
	       a, hs->resume_hps / hs->responder_hps);
}

static void print_json(const struct opts *o, const char *cpu, int have_aes,
		       const struct sg_bench_aead_result *res, unsigned n_res,
		       const struct sg_bench_hs_result *hs)
{
	printf("{\"cpu\": ");
	sg_bench_json_string(cpu);
	printf(", \"libsodium\": ");
	sg_bench_json_string(sg_bench_aead_libsodium_version());
	printf(", \"reps\": %u, \"seconds\": %g, \"aes256gcm_available\": %s, \"aead\": [",
	       o->reps, o->seconds, have_aes ? "true" : "false");
	for (unsigned i = 0; i < n_res; i++)
		printf("%s{\"suite\": \"%s\", \"body\": %u, \"api_fps\": %.0f, \"raw_fps\": %.0f,"
		       " \"ratio\": %.4f, \"spread\": %.3f}", i ? ", " : "",
		       sg_bench_suite_name(res[i].suite), res[i].body, res[i].api_fps,
		       res[i].raw_fps, res[i].api_fps / res[i].raw_fps, res[i].spread);
	printf("], \"handshake\": ");
	if (hs)
		printf("{\"responder_hps\": %.0f, \"x25519_bound_hps\": %.0f, \"ratio\": %.4f,"
		       " \"initiator_hps\": %.0f, \"initiator_method\":"
		       " \"prepared responses, fixed-ephemeral hook\", \"resume_responder_hps\":"
		       " %.0f, \"resume_ratio\": %.2f, \"spread\": %.3f}",
		       hs->responder_hps, hs->x25519_hps, hs->responder_hps / hs->x25519_hps,
		       hs->initiator_hps, hs->resume_hps, hs->resume_hps / hs->responder_hps,
		       hs->spread);
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

			if (*optarg == '-' || end == optarg || *end || v < 1 ||
			    v > SG_BENCH_MAX_REPS)
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
	struct sg_bench_aead_result res[2 * BENCH_MAX_SIZES];
	struct sg_bench_hs_result hs;
	struct opts o;
	char cpu[256];
	unsigned n_res = 0;
	int have_aes, aes_wanted = 0, rc;

	sg_bench_set_prog("surge-bench-crypto");
	if ((rc = parse_opts(&o, argc, argv)) != 0)
		return rc == 1 ? 0 : rc;
	if (sg_crypto_init() != SG_OK)
		sg_bench_die("libsodium failed to start");
	have_aes = sg_crypto_have_aes256gcm();
	sg_bench_cpu_model(cpu, sizeof(cpu));
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
			sg_bench_aead_measure(o.suites[s], o.sizes[z], o.reps, o.seconds,
					      &res[n_res++]);
	}
	if (o.handshake)
		sg_bench_handshake_measure(have_aes, o.reps, o.seconds, &hs);
	if (o.json)
		print_json(&o, cpu, have_aes, res, n_res, o.handshake ? &hs : NULL);
	else
		print_table(&o, cpu, have_aes, aes_wanted, res, n_res, o.handshake ? &hs : NULL);
	return 0;
}
