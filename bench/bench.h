/* SPDX-License-Identifier: MIT */
/*
 * bench.h - measurement helpers shared by the surge-bench-* benchmarks:
 * a monotonic clock, "run this pass for about S seconds", the median of
 * interleaved repetitions with a note on stderr when they spread too far,
 * and the small pieces of output every benchmark prints (CPU model, JSON
 * strings, thousands separators).  Messages name the program given to
 * sg_bench_set_prog().
 */
#ifndef SG_BENCH_BENCH_H
#define SG_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

enum { SG_BENCH_MAX_REPS = 1000 }; /* the most repetitions a median is taken of */

/* One timed pass: returns the units it did, adds its failures to *bad. */
typedef uint64_t (*sg_bench_pass_fn)(void *arg, uint64_t *bad);

/* The name that prefixes every message on stderr; set once, from main. */
void sg_bench_set_prog(const char *prog);

/* CLOCK_MONOTONIC, in seconds. */
double sg_bench_now_s(void);

/* Run fn for about seconds; units/s in *rate, or -1 when anything failed. */
int sg_bench_measure(sg_bench_pass_fn fn, void *arg, double seconds, double *rate);

/*
 * Median of v (sorted in place); widens *spread to max/min; notes noise on
 * stderr, naming what (and body, if not 0, as "N-byte body").
 */
double sg_bench_median(double *v, unsigned n, const char *what, unsigned body, double *spread);

/* "<prog>: what; aborting" on stderr, exit status 1. */
noreturn void sg_bench_die(const char *what);

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void sg_bench_cpu_model(char *out, size_t cap);

/* s on stdout as a JSON string, quoted and escaped. */
void sg_bench_json_string(const char *s);

/* 4812.3 -> "4,812", in buf. */
const char *sg_bench_thousands(char *buf, size_t cap, double v);

#endif /* SG_BENCH_BENCH_H */
