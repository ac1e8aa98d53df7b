/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - one structured form of every counter and gauge the relay has,
 * and the Prometheus text exposition of it.  Pure: no DPDK, no sockets.
 *
 * The relay describes its state once (control/metrics_ctl.c for the control
 * plane, dataplane/main.c for the workers) by emitting struct sg_metric
 * values into a sink; the sinks are the Prometheus writer below and DPDK
 * telemetry's snapshot (dataplane/telemetry.c).  So the names, help texts
 * and values of both come from one place.
 *
 * A metric's name is bare: "handshakes", "worker_rx" with unit "bytes".
 * Its Prometheus name is "surge_" + name + "_" + unit, + "_total" for a
 * counter (sg_metrics_name): the writer adds the conventions, an emitter
 * cannot forget them.  Its key elsewhere (telemetry, and the names of
 * `surgectl --json stats`) is name + "_" + unit.
 *
 * Invariants:
 * - The series of one family (same name) are emitted one after another;
 *   the writer prints HELP and TYPE once, at its first series.
 * - A value is an unsigned integer in 1/scale of its unit (scale 0 or 1:
 *   whole units; else a power of ten, e.g. 1000000 for microseconds of a
 *   "seconds" metric): exact, no floating point on the way.
 */
#ifndef SG_CONTROL_METRICS_H
#define SG_CONTROL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"

enum sg_metric_type {
	SG_METRIC_COUNTER = 0, /* only grows (from the start of the relay) */
	SG_METRIC_GAUGE,       /* a level now */
};

enum {
	SG_METRIC_LABELS_MAX = 2,
	SG_METRIC_NAME_MAX = 128, /* a whole Prometheus name, NUL included */
	SG_METRIC_VALUE_MAX = 32, /* sg_metrics_format_value's text, NUL included */
};

struct sg_metric_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not starting "__" */
	const char *value; /* any bytes but NUL; escaped by the writer */
};

struct sg_metric {
	const char *name; /* bare: [a-z][a-z0-9_]*, no "surge_", no unit, no "_total" */
	const char *unit; /* "bytes", "seconds", ... or NULL (a count) */
	const char *help; /* one line for people; escaped by the writer */
	enum sg_metric_type type;
	unsigned n_labels;
	struct sg_metric_label labels[SG_METRIC_LABELS_MAX];
	uint64_t value;
	uint32_t scale;   /* value is in 1/scale units; 0 or 1: whole units */
};

/* Where metrics go: emit is called once per series. */
struct sg_metrics_sink {
	void (*emit)(void *arg, const struct sg_metric *m);
	void *arg;
};

static inline void sg_metrics_emit(const struct sg_metrics_sink *s, const struct sg_metric *m)
{
	s->emit(s->arg, m);
}

/*
 * m's full name into buf: Prometheus ("surge_NAME_UNIT_total") when prom,
 * else the key ("NAME_UNIT").  Returns its length, or -1 when m's name,
 * unit or buffer is not fit (bad bytes, a name ending in the unit or in
 * "_total" already, too long).
 */
int sg_metrics_name(const struct sg_metric *m, int prom, char *buf, size_t len);

/* value / scale as decimal text ("12", "0.000250"); its length, -1 when scale is no power of ten. */
int sg_metrics_format_value(uint64_t value, uint32_t scale, char *buf, size_t len);

/*
 * The Prometheus text format (version 0.0.4) writer: a sink whose arg is
 * this.  Series that cannot be written (a bad name or label) are skipped
 * and counted in errors, never written half.
 */
struct sg_metrics_prom {
	struct sg_ctl_buf *b;
	char family[SG_METRIC_NAME_MAX]; /* the family whose HELP/TYPE is out */
	unsigned series, errors;
};

void sg_metrics_prom_init(struct sg_metrics_prom *w, struct sg_ctl_buf *b);
void sg_metrics_prom_emit(void *w, const struct sg_metric *m);

#endif /* SG_CONTROL_METRICS_H */
