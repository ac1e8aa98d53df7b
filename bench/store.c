/* SPDX-License-Identifier: MIT */
/*
 * store.c - surge-bench-store: the durable store (control/store.c) with
 * real fsync, in a fresh store made under --dir and removed at the end.
 *
 *   1. Sign-up commits: batches of B user puts then one commit, B in 1, 8,
 *      32, 128: the commit's latency (p50, p99, max) and users/s.
 *   2. Paced sign-ups at --rate (default 5,000/s), committed as the control
 *      plane will: when the batch is --window-us old (default 1,000) or
 *      holds 64 puts, whichever comes first.  Latency runs from the sign-up's scheduled arrival (so
 *      time spent waiting behind a commit counts) to the end of the commit
 *      that made it durable: the target is p99 under 5 ms.
 *   3. Mailbox: puts of 256-byte bodies in batches of 64 per commit,
 *      messages/s; then acks of all of them, likewise.
 *
 * One thread, as the control plane.  Each phase runs --seconds (default 2).
 * The numbers are the disk's: run it on the filesystem the relay will use.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "control/store.h"

enum {
	PACED_BATCH_MAX = 64,
	MBOX_BODY = 256,
	MBOX_BATCH = 64,
	MBOX_MAX_MSGS = 400000,     /* bounds the disk the mailbox phase takes */
	MAX_USERS = 1u << 20,
};

struct opts {
	const char *parent;
	double seconds;
	double rate;
	double window_us;       /* the paced phase's batch age limit */
};

/* Latencies in nanoseconds, grown as needed. */
struct lat {
	uint64_t *v;
	size_t n, cap;
};

static char errbuf[512];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4096;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			sg_bench_die("out of memory");
	}
	l->v[l->n++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* "p50 0.123 ms  p99 0.456 ms  max 1.234 ms" (sorts l). */
static void lat_print(struct lat *l)
{
	if (l->n == 0) {
		printf("no samples");
		return;
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	printf("p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms", l->v[l->n / 2] / 1e6,
	       l->v[l->n * 99 / 100] / 1e6, l->v[l->n - 1] / 1e6);
}

static void check(int rc, const char *what)
{
	char msg[600];

	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", what, errbuf);
		sg_bench_die(msg);
	}
}

static void user_of(struct sg_store_user *u, uint64_t id)
{
	memset(u, 0, sizeof(*u));
	u->id = id;
	for (unsigned i = 0; i < SG_KEY_LEN; i += 8)
		memcpy(u->pub + i, &id, 8);
	u->created = u->last_seen = (uint64_t)time(NULL);
}

/* 1. Batches of b sign-ups, one commit each. */
static uint64_t run_batches(struct sg_store *st, unsigned b, double seconds, uint64_t next_id)
{
	struct lat l = { 0 };
	struct sg_store_user u;
	uint64_t users = 0, t0 = mono_ns(), t;
	char buf[32];

	do {
		for (unsigned i = 0; i < b; i++) {
			user_of(&u, next_id++);
			check(sg_store_user_put(st, &u, errbuf, sizeof(errbuf)), "user put");
		}
		t = mono_ns();
		check(sg_store_commit(st, errbuf, sizeof(errbuf)), "commit");
		lat_add(&l, mono_ns() - t);
		users += b;
	} while (mono_ns() - t0 < (uint64_t)(seconds * 1e9));
	t = mono_ns() - t0;
	printf("  B = %3u   %6zu commits   commit ", b, l.n);
	lat_print(&l);
	printf("   %9s users/s\n", sg_bench_thousands(buf, sizeof(buf), users / (t / 1e9)));
	free(l.v);
	return next_id;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* 2. Sign-ups arriving at rate/s, committed at window_ns or 64 puts. */
static uint64_t run_paced(struct sg_store *st, double rate, uint64_t window_ns, double seconds,
			  uint64_t next_id)
{
	uint64_t arrivals[PACED_BATCH_MAX];
	uint64_t gap = (uint64_t)(1e9 / rate), t0 = mono_ns(), end, next, now;
	uint64_t commits = 0, done = 0;
	struct lat l = { 0 }, c = { 0 };
	struct sg_store_user u;
	unsigned n = 0;
	char buf[32];

	end = t0 + (uint64_t)(seconds * 1e9);
	next = t0;
	for (;;) {
		now = mono_ns();
		/* Every sign-up due by now, as long as the batch has room. */
		while (next <= now && next < end && n < PACED_BATCH_MAX) {
			user_of(&u, next_id++);
			check(sg_store_user_put(st, &u, errbuf, sizeof(errbuf)), "user put");
			arrivals[n++] = next;
			next += gap;
		}
		now = mono_ns();        /* after the puts: the batch opened before now */
		if (n > 0 && (n == PACED_BATCH_MAX ||
			      now - sg_store_open_since_ns(st) >= window_ns || next >= end)) {
			uint64_t t = mono_ns();

			check(sg_store_commit(st, errbuf, sizeof(errbuf)), "commit");
			now = mono_ns();
			lat_add(&c, now - t);
			for (unsigned i = 0; i < n; i++)
				lat_add(&l, now - arrivals[i]);
			done += n;
			commits++;
			n = 0;
			continue;
		}
		if (next >= end && n == 0)
			break;
		/* Nothing to do before the next arrival or the batch deadline. */
		if (n > 0 && sg_store_open_since_ns(st) + window_ns < next)
			sleep_until(sg_store_open_since_ns(st) + window_ns);
		else if (next > now)
			sleep_until(next);
	}
	now = mono_ns() - t0;
	printf("  %s sign-ups/s offered, ", sg_bench_thousands(buf, sizeof(buf), rate));
	printf("%s/s done in %llu commits (%.1f per commit)\n",
	       sg_bench_thousands(buf, sizeof(buf), done / (now / 1e9)),
	       (unsigned long long)commits, commits ? (double)done / commits : 0.0);
	printf("  put -> durable   ");
	lat_print(&l);
	printf("   (target: p99 < 5 ms)\n  commit alone     ");
	lat_print(&c);
	printf("\n");
	free(l.v);
	free(c.v);
	return next_id;
}

/* 3. Mailbox puts then acks, MBOX_BATCH per commit. */
static void run_mbox(struct sg_store *st, double seconds)
{
	static uint8_t body[MBOX_BODY];
	struct sg_store_msg m = { .len = MBOX_BODY, .body = body, .class = 2,
				  .expires = (uint64_t)time(NULL) + 86400 };
	uint64_t n = 0, t0 = mono_ns(), t;
	char buf[32];

	memset(body, 0x5a, sizeof(body));
	do {
		for (unsigned i = 0; i < MBOX_BATCH; i++, n++) {
			m.recipient = 1 + n % 10000;
			m.sender = 1 + n % 7;
			m.msg_id = n;
			if (sg_store_mbox_put(st, &m, errbuf, sizeof(errbuf)) != SG_STORE_OK)
				sg_bench_die("mailbox put refused");
		}
		check(sg_store_commit(st, errbuf, sizeof(errbuf)), "commit");
	} while (mono_ns() - t0 < (uint64_t)(seconds * 1e9) && n < MBOX_MAX_MSGS);
	t = mono_ns() - t0;
	printf("  put %u-byte bodies, %u per commit: %9s messages/s (%llu stored)\n", MBOX_BODY,
	       MBOX_BATCH, sg_bench_thousands(buf, sizeof(buf), n / (t / 1e9)),
	       (unsigned long long)n);

	t0 = mono_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (sg_store_mbox_ack(st, 1 + i % 10000, 1 + i % 7, i, errbuf, sizeof(errbuf)) != 1)
			sg_bench_die("mailbox ack found nothing");
		if ((i + 1) % MBOX_BATCH == 0 || i + 1 == n)
			check(sg_store_commit(st, errbuf, sizeof(errbuf)), "commit");
	}
	t = mono_ns() - t0;
	printf("  ack, %u per commit:                %9s acks/s (%llu left)\n", MBOX_BATCH,
	       sg_bench_thousands(buf, sizeof(buf), n / (t / 1e9)),
	       (unsigned long long)sg_store_mbox_total(st));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-bench-store [--dir DIR] [--seconds S] [--rate N] [--window-us W]\n"
		"Sign-up commit latency and throughput of the relay's durable store, with\n"
		"real fsync, in a temporary store made under DIR (default /tmp) and\n"
		"removed afterwards; S seconds a phase (default 2); the paced phase\n"
		"offers N sign-ups/s (default 5000) and commits when the batch is W us old\n"
		"(default 1000) or holds 64 sign-ups.\n");
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "window-us", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->parent = "/tmp";
	o->seconds = 2;
	o->rate = 5000;
	o->window_us = 1000;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->parent = optarg;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 600))
				goto bad;
			break;
		case 'r':
			o->rate = strtod(optarg, &end);
			if (*end || !(o->rate >= 1 && o->rate <= 1e7))
				goto bad;
			break;
		case 'w':
			o->window_us = strtod(optarg, &end);
			if (*end || !(o->window_us >= 0 && o->window_us <= 1e6))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const unsigned batches[] = { 1, 8, 32, 128 };
	struct sg_store_opts so = { .init = 1, .map_bytes = 8ull << 30, .max_users = MAX_USERS,
				    .mbox_per_user = 1000, .mbox_total = MBOX_MAX_MSGS + 1 };
	char dir[4096], cpu[256];
	struct sg_store *st;
	struct opts o;
	uint64_t id = 1;
	int rc;

	sg_bench_set_prog("surge-bench-store");
	if ((rc = parse_opts(&o, argc, argv)) != 0)
		return rc == 1 ? 0 : rc;
	snprintf(dir, sizeof(dir), "%s/surge-bench-store-XXXXXX", o.parent);
	if (!mkdtemp(dir))
		sg_bench_die("cannot make a directory under --dir");
	so.dir = dir;
	if (sg_store_open(&st, &so, errbuf, sizeof(errbuf)) != 0) {
		fprintf(stderr, "surge-bench-store: %s\n", errbuf);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	sg_bench_cpu_model(cpu, sizeof(cpu));
	printf("surge-bench-store: %s, store in %s (fsync on), %g s a phase\n", cpu, dir,
	       o.seconds);
	printf("1. sign-ups: B user puts, then one commit\n");
	for (unsigned i = 0; i < sizeof(batches) / sizeof(batches[0]); i++)
		id = run_batches(st, batches[i], o.seconds, id);
	printf("2. paced sign-ups, commit at %g us or %u puts\n", o.window_us, PACED_BATCH_MAX);
	id = run_paced(st, o.rate, (uint64_t)(o.window_us * 1000), o.seconds, id);
	printf("3. mailbox\n");
	run_mbox(st, o.seconds);
	sg_store_close(st);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
