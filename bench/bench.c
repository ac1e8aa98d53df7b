/* SPDX-License-Identifier: MIT */
/*
 * bench.c - measurement helpers shared by the surge-bench-* benchmarks.
 *
 * Timing is CLOCK_MONOTONIC, read once per pass (a pass is what the caller's
 * sg_bench_pass_fn does between clock reads).  A measurement repeats passes
 * for about the given seconds and stops at the first failure.  Callers
 * interleave the paths they compare (a, b, a, b, ...) and report the median
 * of each: single runs on shared machines vary, medians of interleaved runs
 * compare fairly.  The spread (slowest to fastest repetition) is checked:
 * above 1.25 a note on stderr says the machine was noisy during that row.
 */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BENCH_NOISY_PCT = 125 }; /* max/min over the reps above this: say so */

static const char *bench_prog = "surge-bench";

void sg_bench_set_prog(const char *prog)
{
	bench_prog = prog;
}

double sg_bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int sg_bench_measure(sg_bench_pass_fn fn, void *arg, double seconds, double *rate)
{
	uint64_t units = 0, bad = 0;
	double t0 = sg_bench_now_s(), t;

	do {
		units += fn(arg, &bad);
		t = sg_bench_now_s();
	} while (t - t0 < seconds && bad == 0);
	*rate = (double)units / (t - t0);
	return bad == 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double sg_bench_median(double *v, unsigned n, const char *what, unsigned body, double *spread)
{
	double sp;

	qsort(v, n, sizeof(*v), cmp_double);
	sp = v[0] > 0 ? v[n - 1] / v[0] : 0;
	if (sp > *spread)
		*spread = sp;
	if (sp * 100 > BENCH_NOISY_PCT)
		fprintf(stderr, "%s: note: %s%.0u%s varied %.2fx across the runs"
			" (%.0f to %.0f/s): the machine was noisy; rerun or compare within a run\n",
			bench_prog, what, body, body ? "-byte body" : "", sp, v[0], v[n - 1]);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void sg_bench_die(const char *what)
{
	fprintf(stderr, "%s: %s; aborting\n", bench_prog, what);
	exit(1);
}

void sg_bench_cpu_model(char *out, size_t cap)
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

void sg_bench_json_string(const char *s)
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

const char *sg_bench_thousands(char *buf, size_t cap, double v)
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
