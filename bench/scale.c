/* SPDX-License-Identifier: MIT */
/*
 * scale.c - surge-bench-scale: the session table at 1 K, 1 M and 10 M live
 * sessions: the memory each session costs and the data path's lookup cost
 * at each size.
 *
 * For each size N (--sizes), in one process, one after the other:
 *
 *  1. Memory.  Snapshot the DPDK heap (rte_malloc_get_socket_stats: bytes
 *     allocated), the hugepages mapped (HugetlbPages in /proc/self/status)
 *     and the process RSS (/proc/self/statm); then what the control plane
 *     holds for N sessions: the real session table (sg_session_table_init
 *     with max_sessions = max_users = N), N sessions allocated, filled and
 *     published as control/hs_ctl.c does (dummy keys and endpoint, user ids
 *     1..N as the registry assigns them), and the timing wheel with each
 *     session's entry armed (control/timers.c).  Snapshot again: growth / N.
 *     With hugepages the table is in the DPDK heap and NOT in RSS (hugetlb
 *     pages are not counted there), while the wheel (malloc) is in RSS only,
 *     so the budget is heap + RSS growth.  Without hugepages (--no-huge) the
 *     heap is ordinary memory already inside RSS: the budget is RSS growth
 *     alone and the sum would count the table twice.
 *  2. Lookup.  An active set of min(N, 100000) distinct live sessions chosen
 *     at random; a stream of indexes drawn at random from it (made before
 *     timing).  A burst: 32 indexes from the stream, a prefetch of each
 *     session's two hot cache lines (the index/born/key line and the
 *     counters/replay line), then per index what the worker reads:
 *     sg_session_get, the key age check (born), the replay pre-check (reads
 *     replay.next and one bitmap word), send_counter fetch-add, last_seen
 *     (stored when it changed, as worker.c does).  ns per lookup is the median
 *     of --reps repetitions; also without the prefetch, and the user map
 *     (sg_session_of_user over min(N, 100000) random users, prefetched).
 *     Ratios are to the first size (1000 by default).
 *
 * Run with hugepages, as root, under the CPU lock (scripts do not do it):
 *
 *   surge-bench-scale [--sizes 1000,1000000,10000000] [--reps 5]
 *                     [--lookups N] [--file-prefix P] [--huge-dir DIR | --no-huge MB]
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "bench/bench.h"
#include "control/plane.h"
#include "control/session.h"
#include "control/timers.h"
#include "control/wheel.h"
#include "crypto/crypto.h"
#include "proto/status.h"

enum {
	BURST = 32,
	MAX_SIZES = 8,
	MAX_REPS = 31,
	ACTIVE_MAX = 100000,
	STREAM_LEN = 1 << 20,        /* indexes drawn before timing, walked cyclically */
	WHEEL_BUCKETS = 4096,        /* 68 min horizon: every session deadline fits */
	NOW = 1000,                  /* the relay clock the sessions are born at */
};

struct opts {
	uint64_t sizes[MAX_SIZES];
	unsigned n_sizes;
	unsigned reps;
	uint64_t lookups;            /* per repetition, rounded to whole bursts */
	char prefix[64];
	char huge_dir[256];
	unsigned no_huge_mb;         /* 0: hugepages */
};

struct mem {
	uint64_t heap, rss, hugetlb;
};

struct result {
	uint64_t n;
	uint32_t n_slots;
	struct mem grow;
	double ns_get, ns_get_nopf, ns_user;
	double spread_get, spread_nopf, spread_user;
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-bench-scale [--sizes N,N,...] [--reps R] [--lookups L]\n"
		"                         [--file-prefix P] [--huge-dir DIR | --no-huge MB]\n"
		"  --sizes       live sessions per run (default 1000,1000000,10000000; max 16777215)\n"
		"  --reps        repetitions a median is taken of, odd, <= %u (default 5)\n"
		"  --lookups     lookups per repetition (default 4194304)\n"
		"  --file-prefix EAL --file-prefix (default surge-scale-<pid>)\n"
		"  --huge-dir    hugetlbfs mount for EAL (default: EAL finds one)\n"
		"  --no-huge MB  no hugepages, MB of ordinary memory (smoke runs only)\n",
		MAX_REPS);
}

static int parse_sizes(struct opts *o, const char *arg)
{
	char *end;

	o->n_sizes = 0;
	for (const char *p = arg; *p;) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p || v == 0 || v > (1u << 24) - 1 || o->n_sizes == MAX_SIZES)
			return -1;
		o->sizes[o->n_sizes++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return o->n_sizes ? 0 : -1;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "lookups", required_argument, NULL, 'l' },
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "huge-dir", required_argument, NULL, 'd' },
		{ "no-huge", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	parse_sizes(o, "1000,1000000,10000000");
	o->reps = 5;
	o->lookups = 1 << 22;
	snprintf(o->prefix, sizeof(o->prefix), "surge-scale-%ld", (long)getpid());
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_sizes(o, optarg) != 0)
				return -1;
			break;
		case 'r':
			o->reps = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->reps == 0 || o->reps > MAX_REPS || o->reps % 2 == 0)
				return -1;
			break;
		case 'l':
			o->lookups = strtoull(optarg, &end, 10);
			if (*end || o->lookups < BURST || o->lookups > (UINT64_C(1) << 32))
				return -1;
			break;
		case 'p':
			snprintf(o->prefix, sizeof(o->prefix), "%s", optarg);
			break;
		case 'd':
			snprintf(o->huge_dir, sizeof(o->huge_dir), "%s", optarg);
			break;
		case 'n':
			o->no_huge_mb = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->no_huge_mb == 0)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o->no_huge_mb && o->huge_dir[0])
		return -1;
	return optind == argc ? 0 : -1;
}

/* EAL on one lcore, the first CPU this process may run on (taskset). */
static void eal_start(const char *prog, const struct opts *o)
{
	char lcores[32], mb[16];
	char *argv[16];
	int argc = 0;
	cpu_set_t set;
	int cpu = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcores, sizeof(lcores), "0@%d", cpu);
	snprintf(mb, sizeof(mb), "%u", o->no_huge_mb);
	argv[argc++] = (char *)prog;
	if (o->no_huge_mb) {
		argv[argc++] = "--no-huge";
		argv[argc++] = "-m";
		argv[argc++] = mb;
	}
	if (o->huge_dir[0]) {
		argv[argc++] = "--huge-dir";
		argv[argc++] = (char *)o->huge_dir;
	}
	argv[argc++] = "--no-pci";
	argv[argc++] = "--file-prefix";
	argv[argc++] = (char *)o->prefix;
	argv[argc++] = "--lcores";
	argv[argc++] = lcores;
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level";
	argv[argc++] = "lib.eal:warning";
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0)
		sg_bench_die(rte_strerror(rte_errno));
}

/* ---- Memory ---------------------------------------------------------------- */

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		sg_bench_die("cannot read /proc/self/statm");
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		sg_bench_die("cannot parse /proc/self/statm");
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* HugetlbPages of /proc/self/status (hugepages mapped by this process). */
static uint64_t hugetlb_bytes(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		sg_bench_die("cannot read /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugetlbPages: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

static struct mem mem_now(void)
{
	return (struct mem){ .heap = sg_plane_heap_bytes(), .rss = rss_bytes(), .hugetlb = hugetlb_bytes() };
}

static uint64_t grown(uint64_t after, uint64_t before)
{
	return after > before ? after - before : 0;
}

/* What the control plane does for a handshake, minus the handshake. */
static void fill_and_publish(struct sg_session_table *t, struct sg_wheel *w,
			     const struct sg_timers_cfg *tc, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint32_t index;
		struct sg_session *s = sg_session_alloc(t, &index);

		if (!s)
			sg_bench_die("the session table is full before N sessions");
		s->suite = SG_SUITE_AES256_GCM;
		s->user_id = i + 1;
		s->peer_index = (uint32_t)(i * 2654435761u) | 1;
		s->born = NOW;
		s->last_seen = NOW;
		s->dpdk_port = 0;
		s->ep.family = 4;
		s->ep.port = (uint16_t)(1024 + i % 60000);
		memcpy(s->ep.addr, &i, sizeof(uint32_t));
		memset(s->ep.mac, 0x02, sizeof(s->ep.mac));
		memset(s->local_addr, 0xc6, 4);
		memset(s->recv_key, (int)(i & 0xff), sizeof(s->recv_key));
		memset(s->send_key, (int)(~i & 0xff), sizeof(s->send_key));
		/* A window that has seen frames: the pre-check reads a bitmap word. */
		s->replay.next = 65 + (i & 1023);
		if (sg_session_publish(t, s, index) != 0)
			sg_bench_die("a user had a session already");
		sg_timers_session_born(tc, w, index & t->slot_mask, NOW);
	}
}

/* ---- Lookup ---------------------------------------------------------------- */

struct lookup {
	const struct sg_session_table *t;
	uint32_t *stream;            /* STREAM_LEN session indexes (or user ids) */
	uint64_t lookups;
	uint64_t now;
	uint64_t sink;
};

/* Distinct live session indexes, at random: bitmap of slots taken. */
static void pick_active(const struct sg_session_table *t, uint32_t *active, uint32_t a)
{
	uint8_t *taken = calloc(t->n_slots / 8 + 1, 1);
	uint64_t tries = 0;

	if (!taken)
		sg_bench_die("no memory for the active set");
	for (uint32_t k = 0; k < a;) {
		uint32_t slot = 1 + rnd(t->n_slots - 1);
		uint32_t index = t->slots[slot].index;

		if (++tries > (uint64_t)a * 64)
			sg_bench_die("cannot find enough live sessions");
		if (index == 0 || taken[slot / 8] & (1u << (slot % 8)))
			continue;
		taken[slot / 8] |= (uint8_t)(1u << (slot % 8));
		active[k++] = index;
	}
	free(taken);
}

/* Distinct user ids 1..n, at random (Floyd's sample over a bitmap). */
static void pick_users(uint64_t n, uint32_t *users, uint32_t a)
{
	uint8_t *taken = calloc(n / 8 + 1, 1);

	if (!taken)
		sg_bench_die("no memory for the user set");
	for (uint32_t k = 0; k < a;) {
		uint32_t u = 1 + rnd((uint32_t)n);

		if (taken[u / 8] & (1u << (u % 8)))
			continue;
		taken[u / 8] |= (uint8_t)(1u << (u % 8));
		users[k++] = u;
	}
	free(taken);
}

/* What a worker reads of the session an index names. */
static inline uint64_t touch(struct lookup *L, struct sg_session *s)
{
	uint64_t sent, r = s->key_id;
	int rp;

	if (L->now >= (uint64_t)s->born + SG_REJECT_AFTER_S)
		r++;
	rp = sg_replay_window_check(&s->replay, s->replay.next - 1);
	sent = __atomic_fetch_add(&s->send_counter, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&s->last_seen, __ATOMIC_RELAXED) != L->now)
		__atomic_store_n(&s->last_seen, L->now, __ATOMIC_RELAXED);
	return r + (uint64_t)rp + sent;
}

static uint64_t run_get(struct lookup *L, int prefetch)
{
	const struct sg_session_table *t = L->t;
	uint64_t bad = 0, pos = 0;

	for (uint64_t done = 0; done < L->lookups; done += BURST) {
		const uint32_t *idx = &L->stream[pos];
		int miss;

		if (prefetch)
			for (unsigned i = 0; i < BURST; i++) {
				const struct sg_session *s = &t->slots[idx[i] & t->slot_mask];

				rte_prefetch0(s);
				rte_prefetch0(&s->send_counter);
			}
		for (unsigned i = 0; i < BURST; i++) {
			struct sg_session *s = sg_session_get(t, idx[i], &miss);

			if (!s) {
				bad++;
				continue;
			}
			L->sink += touch(L, s);
		}
		pos = (pos + BURST) & (STREAM_LEN - 1);
	}
	return bad;
}

static uint64_t run_user(struct lookup *L)
{
	const struct sg_session_table *t = L->t;
	uint64_t bad = 0, pos = 0;

	for (uint64_t done = 0; done < L->lookups; done += BURST) {
		const uint32_t *u = &L->stream[pos];

		for (unsigned i = 0; i < BURST; i++)
			rte_prefetch0(&t->by_user[u[i]]);
		for (unsigned i = 0; i < BURST; i++) {
			uint32_t index = sg_session_of_user(t, u[i]);

			bad += index == 0;
			L->sink += index;
		}
		pos = (pos + BURST) & (STREAM_LEN - 1);
	}
	return bad;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n, double *spread)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*spread = v[0] > 0 ? v[n - 1] / v[0] : 0;
	return v[n / 2];
}

/* ns per lookup, median of reps; mode 0: prefetched, 1: not, 2: user map. */
static double time_lookups(struct lookup *L, unsigned reps, int mode, double *spread)
{
	double ns[MAX_REPS];

	for (unsigned r = 0; r <= reps; r++) {       /* the first is a warm-up */
		double t0 = sg_bench_now_s(), dt;
		uint64_t bad;

		L->now = NOW + 1 + r;
		bad = mode == 2 ? run_user(L) : run_get(L, mode == 0);
		dt = sg_bench_now_s() - t0;
		if (bad)
			sg_bench_die("a lookup missed a live session");
		if (r > 0)
			ns[r - 1] = dt * 1e9 / (double)L->lookups;
	}
	return median(ns, reps, spread);
}

/* ---- One size ---------------------------------------------------------------- */

static uint32_t active_of(uint64_t n)
{
	return n < ACTIVE_MAX ? (uint32_t)n : ACTIVE_MAX;
}

static void bytes_line(const char *what, double bytes, uint64_t n)
{
	printf("    %-42s %12.0f B  %8.1f B/session\n", what, bytes, bytes / (double)n);
}

static void run_size(const struct opts *o, uint64_t n, struct result *res)
{
	struct sg_session_table t;
	struct sg_timers_cfg tc;
	struct sg_wheel w;
	struct lookup L;
	struct mem before, after;
	uint32_t a = active_of(n);
	uint32_t *active;
	char err[256];
	double t0;

	memset(res, 0, sizeof(*res));
	res->n = n;
	sg_timers_cfg_default(&tc);
	before = mem_now();
	t0 = sg_bench_now_s();
	if (sg_session_table_init(&t, (uint32_t)n, (uint32_t)n, 1, "sg_scale_sessions", err,
				  sizeof(err)) != 0)
		sg_bench_die(err);
	if (sg_wheel_init(&w, t.n_slots, WHEEL_BUCKETS, NOW) != 0)
		sg_bench_die("no memory for the timing wheel");
	fill_and_publish(&t, &w, &tc, n);
	after = mem_now();
	res->n_slots = t.n_slots;
	res->grow.heap = grown(after.heap, before.heap);
	res->grow.rss = grown(after.rss, before.rss);
	res->grow.hugetlb = grown(after.hugetlb, before.hugetlb);
	if (t.live != n || sg_wheel_count(&w) != n)
		sg_bench_die("live sessions or wheel entries are not N");

	printf("\nN = %llu live sessions (%u slots, set up in %.1f s)\n", (unsigned long long)n,
	       t.n_slots, sg_bench_now_s() - t0);
	printf("  measured growth:\n");
	bytes_line("DPDK heap (rte_malloc)", (double)res->grow.heap, n);
	bytes_line("hugepages mapped (HugetlbPages)", (double)res->grow.hugetlb, n);
	bytes_line("process RSS (statm)", (double)res->grow.rss, n);
	if (rte_eal_has_hugepages())
		bytes_line("budget: heap + RSS", (double)(res->grow.heap + res->grow.rss), n);
	else
		bytes_line("budget: RSS (heap is inside it)", (double)res->grow.rss, n);
	printf("  where it goes (sizes of the arrays):\n");
	bytes_line("slots (sizeof(struct sg_session) x slots)",
		   (double)sizeof(struct sg_session) * t.n_slots, n);
	bytes_line("by_user (4 x (max_users + 1))", 4.0 * ((double)t.max_user + 1), n);
	bytes_line("gen (4 x slots)", 4.0 * t.n_slots, n);
	bytes_line("free_slots ring (4 x slots)", 4.0 * t.n_slots, n);
	bytes_line("retired ring (12 x slots)", 12.0 * t.n_slots, n);
	bytes_line("timing wheel (malloc)", (double)sg_wheel_bytes(t.n_slots, WHEEL_BUCKETS), n);

	/* The lookup sets are made after the snapshot: not the relay's memory. */
	active = malloc(sizeof(*active) * a);
	L = (struct lookup){ .t = &t, .stream = malloc(sizeof(uint32_t) * STREAM_LEN),
			     .lookups = (o->lookups + BURST - 1) / BURST * BURST };
	if (!active || !L.stream)
		sg_bench_die("no memory for the lookup streams");
	pick_active(&t, active, a);
	for (uint32_t k = 0; k < STREAM_LEN; k++)
		L.stream[k] = active[rnd(a)];
	res->ns_get = time_lookups(&L, o->reps, 0, &res->spread_get);
	res->ns_get_nopf = time_lookups(&L, o->reps, 1, &res->spread_nopf);
	pick_users(n, active, a);
	for (uint32_t k = 0; k < STREAM_LEN; k++)
		L.stream[k] = active[rnd(a)];
	res->ns_user = time_lookups(&L, o->reps, 2, &res->spread_user);
	printf("  lookups over %u active sessions, bursts of %u, median of %u x %llu:\n", a,
	       BURST, o->reps, (unsigned long long)L.lookups);
	printf("    session get, prefetched      %7.2f ns  (reps spread %.2fx)\n", res->ns_get,
	       res->spread_get);
	printf("    session get, no prefetch     %7.2f ns  (reps spread %.2fx)\n",
	       res->ns_get_nopf, res->spread_nopf);
	printf("    user map, prefetched         %7.2f ns  (reps spread %.2fx)\n", res->ns_user,
	       res->spread_user);
	if (L.sink == 42)        /* keeps the reads; never true in practice */
		printf("\n");
	fflush(stdout);

	free(active);
	free(L.stream);
	sg_wheel_fini(&w);
	sg_session_table_fini(&t);
}

int main(int argc, char **argv)
{
	static struct result res[MAX_SIZES];
	struct opts o;
	char cpu[128];

	sg_bench_set_prog("surge-bench-scale");
	if (parse_opts(&o, argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (sg_crypto_init() != SG_OK)
		sg_bench_die("libsodium cannot start");
	eal_start(argv[0], &o);
	sg_bench_cpu_model(cpu, sizeof(cpu));
	printf("surge-bench-scale: cpu %s, %s, sizeof(struct sg_session) %zu B, "
	       "wheel %u B/entry\n", cpu,
	       rte_eal_has_hugepages() ? "hugepages" : "no hugepages (smoke run)",
	       sizeof(struct sg_session), (unsigned)SG_WHEEL_ENTRY_BYTES);
	for (unsigned i = 0; i < o.n_sizes; i++)
		run_size(&o, o.sizes[i], &res[i]);

	/*
	 * Two ratios for the prefetched get: to the first size (the issue's
	 * target, 1 K: all its sessions fit in cache) and to the first size with
	 * as many active sessions (the same working set in a larger table).
	 */
	printf("\nsummary (x1st: ratio to N = %llu; xsame: to the first N with as many "
	       "active sessions)\n", (unsigned long long)res[0].n);
	printf("%10s %10s %9s %9s %9s %9s %8s %6s %6s %8s %6s %8s %6s\n", "N", "slots",
	       "heap B/s", "huge B/s", "rss B/s", "budget", "get ns", "x1st", "xsame", "nopf ns",
	       "x1st", "user ns", "x1st");
	for (unsigned i = 0; i < o.n_sizes; i++) {
		const struct result *r = &res[i];
		uint64_t budget = rte_eal_has_hugepages() ? r->grow.heap + r->grow.rss : r->grow.rss;
		unsigned same = 0;

		while (active_of(res[same].n) != active_of(r->n))
			same++;
		printf("%10llu %10u %9.1f %9.1f %9.1f %9.1f %8.2f %6.2f %6.2f %8.2f %6.2f %8.2f "
		       "%6.2f\n",
		       (unsigned long long)r->n, r->n_slots, (double)r->grow.heap / (double)r->n,
		       (double)r->grow.hugetlb / (double)r->n, (double)r->grow.rss / (double)r->n,
		       (double)budget / (double)r->n, r->ns_get, r->ns_get / res[0].ns_get,
		       r->ns_get / res[same].ns_get, r->ns_get_nopf,
		       r->ns_get_nopf / res[0].ns_get_nopf, r->ns_user, r->ns_user / res[0].ns_user);
	}
	printf("targets: budget <= 400 B/session (10 M in 4 GiB); prefetched get at 10 M <= 1.5x "
	       "the 1 K figure\n");
	rte_eal_cleanup();
	return 0;
}
