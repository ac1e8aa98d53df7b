/* SPDX-License-Identifier: MIT */
/*
 * policy.c - surge-bench-policy: raw Hyperscan scans of the content policy
 * (policy/policy.c, sg_policy_scan: hs_scan, the callback and counters), the
 * half of the bench that needs no relay.
 *
 *   Rule sets: 0 (an empty policy: the call, no scan), 10 (every tenth rule
 *   of --rules), 100 (all of --rules, rules/default.rules), 1000 (the 100
 *   and nine numbered variants of each: "vN-" before the pattern).
 *   Bodies: 1,024 per size (64, 256, 1400 B) of lower-case English-like
 *   text, of which 1 in 100 carries a phishing or scam snippet that
 *   default.rules drops or flags.
 *
 * One thread, one scratch and one counters block, as one worker.  Each
 * cell is the median of --reps (5) interleaved passes of --seconds (0.2)
 * each.  The last columns set the scan beside the relay's per-frame time
 * on one core (docs/BENCHMARKS.md: 1.9 / 1.46 / 0.4 M frames/s at 64 /
 * 256 / 1400 B): the share of a frame's time the scan adds, and the relay
 * throughput that leaves as a fraction of today's.
 *
 * --set FILE scans with the rules of FILE as they are (one set, no derived
 * ones) at --sizes, on --bodies text (above) or gen: surge-gen's bodies
 * (gen/data.c: TSC, seq, then the byte pattern of seq), 1 in 100 with
 * surge-gen's marker after the 16-byte prefix, as the relay sees them under
 * `surge-gen --match-pct 1`; --json prints the cells as one JSON object.
 * scripts/bench-policy sets these numbers beside the relay's throughput on
 * the same file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "gen/mark.h"
#include "policy/policy.h"

enum { N_BODIES = 1024, N_SETS = 4, N_SIZES = 3, MAX_REPS = 20, MAX_SET_SIZES = 8 };

static const unsigned sizes[N_SIZES] = { 64, 256, 1400 };
static const double relay_fps[N_SIZES] = { 1.9e6, 1.46e6, 0.4e6 }; /* docs/BENCHMARKS.md */
static const unsigned set_rules[N_SETS] = { 0, 10, 100, 1000 };


/* Snippets the 1% carry: each is dropped or flagged by default.rules. */
static const char *const bad_snippets[] = {
	"http://paypal-secure.example.com/login",
	"your account has been suspended",
	"send me 0.5 btc",
	"keep your seed phrase",
	"http://10.1.2.3/account/verify.php",
	"claim your prize today",
};

struct cell {
	const struct sg_policy *p;
	struct sg_policy_scratch *s;
	struct sg_policy_counters *c;
	char **bodies;
	uint32_t len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* len bytes of words; 1 body in 100 gets a bad snippet at a random place. */
static char *make_body(unsigned len, int bad)
{
	char *b = malloc(len + 1);
	unsigned n = 0;

	if (!b)
		sg_bench_die("out of memory");
	while (n < len) {
		const char *w = sg_gen_text_words[rnd() % sg_gen_text_n_words];
		unsigned wl = (unsigned)strlen(w);

		for (unsigned i = 0; i < wl && n < len; i++)
			b[n++] = w[i];
		if (n < len)
			b[n++] = rnd() % 12 == 0 ? '.' : ' ';
	}
	if (bad) {
		const char *s = bad_snippets[rnd() % (sizeof(bad_snippets) / sizeof(bad_snippets[0]))];
		unsigned sl = (unsigned)strlen(s), at;

		if (sl > len)
			sl = len;
		at = rnd() % (len - sl + 1);
		memcpy(b + at, s, sl);
	}
	b[len] = '\0';
	return b;
}

/*
 * surge-gen's body number seq: its prefix (gen/mark.h: TSC and seq), then
 * seq * 131 + i * 7 + (i >> 8) (gen/data.c, sg_gen_body_byte, which needs
 * DPDK: copied), or with --bodies gentext a cut of surge-gen's --body text
 * (gen/mark.h); a marked one has the marker over them from byte 16.
 */
static char *make_gen_body(unsigned len, uint64_t seq, int marked, int text)
{
	static const char marker[] = "surge-policy-marker"; /* SG_GEN_MATCH_TEXT */
	uint64_t tsc = ((uint64_t)rnd() << 32) | rnd();
	char *b = malloc(len + 1);

	if (!b)
		sg_bench_die("out of memory");
	for (unsigned i = 0; i < len; i++)
		b[i] = text ? (char)sg_gen_text()[sg_gen_text_off(seq) + i] :
			      (char)(uint8_t)(seq * 131u + i * 7u + (i >> 8));
	if (len >= SG_GEN_PREFIX_LEN)
		sg_gen_prefix_put((uint8_t *)b, tsc, seq);
	if (marked && len >= SG_GEN_PREFIX_LEN + sizeof(marker) - 1)
		memcpy(b + SG_GEN_PREFIX_LEN, marker, sizeof(marker) - 1);
	b[len] = '\0';
	return b;
}

static uint64_t pass(void *arg, uint64_t *bad)
{
	struct cell *x = arg;
	struct sg_policy_verdict v;

	for (unsigned i = 0; i < N_BODIES; i++)
		*bad += (uint64_t)(sg_policy_scan(x->p, x->s, x->c, x->bodies[i], x->len, &v) < 0);
	return N_BODIES;
}

/* The rule set of n rules built from base (see the top comment). */
static struct sg_policy *make_set(const struct sg_rules *base, unsigned n)
{
	struct sg_policy *p;
	struct sg_rules rs;
	char err[512], pat[SG_RULE_PATTERN_MAX + 16];

	sg_rules_init(&rs);
	for (unsigned k = 0; rs.n < n && k < 10; k++)
		for (unsigned i = 0; i < base->n && rs.n < n; i++) {
			struct sg_rule r = base->v[i];

			if (n == 10 && i % 10 != 0)
				continue;
			if (k) {
				snprintf(pat, sizeof(pat), "v%u-%s", k, r.pattern);
				r.pattern = pat;
			}
			r.id = r.id * 10 + k;
			r.line = 0;
			if (sg_rules_add(&rs, &r, err, sizeof(err)) < 0)
				sg_bench_die(err);
		}
	if (rs.n != n)
		sg_bench_die("not enough rules in --rules for the rule sets");
	if (sg_policy_compile(&rs, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "surge-bench-policy: %s\n", err);
		sg_bench_die("compile");
	}
	sg_rules_fini(&rs);
	return p;
}

static void usage(void)
{
	fprintf(stderr, "usage: surge-bench-policy [--rules FILE] [--seconds S] [--reps N]\n"
			"       surge-bench-policy --set FILE [--sizes B,B...] [--bodies text|gen|gentext]\n"
			"                          [--seconds S] [--reps N] [--json]\n");
	exit(2);
}

/* "64,256,1400": up to MAX_SET_SIZES bodies of 16..1416 bytes; how many, or 0. */
static unsigned parse_sizes(const char *s, unsigned *out)
{
	unsigned n = 0;
	char *e;

	while (*s && n < MAX_SET_SIZES) {
		unsigned long v = strtoul(s, &e, 10);

		if (e == s || v < 16 || v > 1416 || (*e && *e != ','))
			return 0;
		out[n++] = (unsigned)v;
		s = *e ? e + 1 : e;
	}
	return *s ? 0 : n;
}

/* --set: the rules of path as one set, each size in sz, text or gen bodies. */
static void run_set(const char *path, const unsigned *sz, unsigned nsz, int gen, double seconds,
		    unsigned reps, int json)
{
	struct sg_policy *p;
	struct sg_rules rs;
	char err[512], cpu[128];
	double t0 = sg_bench_now_s(), compile_s, spread = 1;

	if (sg_rules_load(&rs, path, err, sizeof(err)) < 0 ||
	    sg_policy_compile(&rs, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "surge-bench-policy: %s\n", err);
		sg_bench_die("loading the rules");
	}
	compile_s = sg_bench_now_s() - t0;
	sg_bench_cpu_model(cpu, sizeof(cpu));
	if (json) {
		printf("{\"rules_file\": ");
		sg_bench_json_string(path);
		printf(", \"rules\": %u, \"bodies\": \"%s\", \"compile_s\": %.3f, "
		       "\"db_bytes\": %zu, \"reps\": %u, \"seconds\": %.3f, \"cpu\": ", rs.n,
		       gen == 2 ? "gentext" : gen ? "gen" : "text", compile_s, sg_policy_db_size(p), reps, seconds);
		sg_bench_json_string(cpu);
		printf(", \"cells\": [");
	} else {
		printf("surge-bench-policy: %s, %u rules (compiled in %.2f s), %s bodies, %s\n",
		       path, rs.n, compile_s,
		       gen == 2 ? "surge-gen --body text" : gen ? "surge-gen" : "text", cpu);
		printf("%6s %14s %9s %8s\n", "bytes", "scans/s", "ns/scan", "matched");
	}
	for (unsigned z = 0; z < nsz; z++) {
		struct sg_policy_scratch *s;
		char *bodies[N_BODIES], what[64], th[32];
		struct cell x = { p, NULL, NULL, bodies, sz[z] };
		double rate[MAX_REPS], med;
		uint64_t matched;

		for (unsigned i = 0; i < N_BODIES; i++)
			bodies[i] = gen ? make_gen_body(sz[z], 1000 + i, i % 100 == 37, gen == 2) :
					  make_body(sz[z], i % 100 == 37);
		if (sg_policy_scratch_alloc(p, &s, err, sizeof(err)) < 0)
			sg_bench_die(err);
		x.s = s;
		x.c = sg_policy_counters_alloc(p);
		if (!x.c)
			sg_bench_die("out of memory");
		for (unsigned r = 0; r < reps; r++)
			if (sg_bench_measure(pass, &x, seconds, &rate[r]) < 0)
				sg_bench_die("a scan failed");
		snprintf(what, sizeof(what), "%u rules, ", rs.n);
		med = sg_bench_median(rate, reps, what, sz[z], &spread);
		matched = x.c->scanned - x.c->verdicts[SG_RULE_NONE];
		if (json)
			printf("%s{\"size\": %u, \"scans_per_s\": %.1f, \"ns_per_scan\": %.2f, "
			       "\"matched_pct\": %.3f}", z ? ", " : "", sz[z], med, 1e9 / med,
			       100.0 * (double)matched / (double)x.c->scanned);
		else
			printf("%6u %14s %9.1f %7.2f%%\n", sz[z], sg_bench_thousands(th, sizeof(th), med),
			       1e9 / med, 100.0 * (double)matched / (double)x.c->scanned);
		sg_policy_counters_free(x.c);
		sg_policy_scratch_free(s);
		for (unsigned i = 0; i < N_BODIES; i++)
			free(bodies[i]);
	}
	if (json)
		printf("]}\n");
	sg_policy_free(p);
	sg_rules_fini(&rs);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'n' },
		{ "set", required_argument, NULL, 'S' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "bodies", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rules_path = "rules/default.rules", *set_path = NULL;
	unsigned set_sizes[MAX_SET_SIZES] = { 64, 256, 1400 }, n_set_sizes = 3;
	int gen_bodies = 0, json = 0;
	double seconds = 0.2, spread = 1, t0;
	unsigned reps = 5;
	struct sg_policy *sets[N_SETS];
	struct sg_rules base;
	char *bodies[N_SIZES][N_BODIES], err[512], cpu[128];
	int c;

	sg_bench_set_prog("surge-bench-policy");
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'r': rules_path = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'n': reps = (unsigned)atoi(optarg); break;
		case 'S': set_path = optarg; break;
		case 'j': json = 1; break;
		case 'z':
			n_set_sizes = parse_sizes(optarg, set_sizes);
			if (!n_set_sizes)
				usage();
			break;
		case 'b':
			if (strcmp(optarg, "gen") && strcmp(optarg, "text") && strcmp(optarg, "gentext"))
				usage();
			gen_bodies = !strcmp(optarg, "gen") ? 1 : !strcmp(optarg, "gentext") ? 2 : 0;
			break;
		default:
			usage();
		}
	}
	if (seconds <= 0 || seconds > 10 || reps < 1 || reps > MAX_REPS || optind < argc)
		usage();
	if (set_path) {
		run_set(set_path, set_sizes, n_set_sizes, gen_bodies, seconds, reps, json);
		return 0;
	}
	if (sg_rules_load(&base, rules_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "surge-bench-policy: %s\n", err);
		sg_bench_die("loading the rules");
	}
	for (unsigned i = 0; i < N_SETS; i++) {
		t0 = sg_bench_now_s();
		sets[i] = make_set(&base, set_rules[i]);
		fprintf(stderr, "surge-bench-policy: %u rules: compiled in %.2f s, %zu bytes\n",
			set_rules[i], sg_bench_now_s() - t0, sg_policy_db_size(sets[i]));
	}
	sg_rules_fini(&base);
	for (unsigned z = 0; z < N_SIZES; z++)
		for (unsigned i = 0; i < N_BODIES; i++)
			bodies[z][i] = make_body(sizes[z], i % 100 == 37);

	sg_bench_cpu_model(cpu, sizeof(cpu));
	printf("surge-bench-policy: raw sg_policy_scan (hs_scan, block mode), 1 thread, %s\n", cpu);
	printf("median of %u passes of %.2f s; %u bodies per size, 1 in 100 carries a bad snippet\n\n",
	       reps, seconds, N_BODIES);
	printf("%6s %6s %14s %9s %9s %8s %11s %11s\n", "rules", "bytes", "scans/s", "Gbit/s",
	       "ns/scan", "matched", "frame+%", "relay_x");
	for (unsigned z = 0; z < N_SIZES; z++) {
		for (unsigned i = 0; i < N_SETS; i++) {
			struct sg_policy_scratch *s;
			struct cell x = { sets[i], NULL, NULL, bodies[z], sizes[z] };
			double rate[MAX_REPS], med, ns, budget_ns = 1e9 / relay_fps[z];
			uint64_t matched;
			char what[64], th[32];

			if (sg_policy_scratch_alloc(sets[i], &s, err, sizeof(err)) < 0)
				sg_bench_die(err);
			x.s = s;
			x.c = sg_policy_counters_alloc(sets[i]);
			if (!x.c)
				sg_bench_die("out of memory");
			for (unsigned r = 0; r < reps; r++)
				if (sg_bench_measure(pass, &x, seconds, &rate[r]) < 0)
					sg_bench_die("a scan failed");
			snprintf(what, sizeof(what), "%u rules, ", set_rules[i]);
			med = sg_bench_median(rate, reps, what, sizes[z], &spread);
			ns = 1e9 / med;
			matched = x.c->scanned - x.c->verdicts[SG_RULE_NONE];
			printf("%6u %6u %14s %9.2f %9.1f %7.2f%% %10.1f%% %11.3f\n", set_rules[i],
			       sizes[z], sg_bench_thousands(th, sizeof(th), med),
			       med * sizes[z] * 8 / 1e9, ns,
			       100.0 * (double)matched / (double)x.c->scanned,
			       100.0 * ns / budget_ns, budget_ns / (budget_ns + ns));
			sg_policy_counters_free(x.c);
			sg_policy_scratch_free(s);
		}
		printf("\n");
	}
	printf("frame+%%: scan time as a share of the relay's time per frame on one core\n"
	       "(1.9 / 1.46 / 0.4 M frames/s at 64 / 256 / 1400 B); relay_x: the relay's\n"
	       "throughput with the scan added, as a fraction of today's (target >= 0.90).\n");
	for (unsigned z = 0; z < N_SIZES; z++)
		for (unsigned i = 0; i < N_BODIES; i++)
			free(bodies[z][i]);
	for (unsigned i = 0; i < N_SETS; i++)
		sg_policy_free(sets[i]);
	return 0;
}
