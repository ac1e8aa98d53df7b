/* SPDX-License-Identifier: MIT */
/*
 * crypto_ctl.c - the relay's data-plane AEAD back end and its operator view
 * (see the header).  Runs on the main lcore: start and stop around the
 * workers' lives, the views on the control loop (relaxed snapshots of the
 * queue pairs' counters, one writer each: their worker).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_ctl.h"
#include "proto/messages.h"

static const struct {
	const char *name, *help;
	size_t off;
} series[] = {
#define S(n, f, h) { n, h, offsetof(struct sg_cdev_stats, f) }
	S("worker_crypto_device_ops", ops, "Frames given to the worker's crypto device (open or seal)."),
	S("worker_crypto_device_errors", errors,
	  "Frames the crypto device failed (not a wrong tag), refused or did not give back."),
	S("worker_crypto_device_timeouts", timeouts,
	  "Enqueue/dequeue bursts the crypto device did not give back in time."),
	S("worker_crypto_device_late", late,
	  "Timed-out frames the crypto device gave back later (freed then)."),
	S("worker_crypto_sessions_created", sessions, "Crypto device sessions created."),
	S("worker_crypto_sessions_freed", sessions_freed, "Crypto device sessions freed."),
	S("worker_crypto_session_failures", session_failures,
	  "Crypto device sessions that could not be made (pool empty or device refused)."),
#undef S
};

_Static_assert(sizeof(series) / sizeof(series[0]) + 1 ==
		       sizeof(struct sg_cdev_stats) / sizeof(uint64_t),
	       "every queue pair counter but `injected` has a metric");

int sg_crypto_ctl_start(struct sg_crypto_ctl *cc, const char *spec, unsigned n_qps,
			unsigned sessions, int socket, char *err, size_t errlen)
{
	struct sg_cdev_faults f = { 0 };
	const char *env = getenv("SURGE_TEST_CRYPTODEV_FAULT");

	memset(cc, 0, sizeof(*cc));
	snprintf(cc->spec, sizeof(cc->spec), "%s", spec);
	cc->n_qps = cc->n_shown = n_qps;
	if (env && *env) {
		if (strcmp(env, "start") == 0)
			f.at_start = 1;
		else
			f.every_n = (unsigned)strtoul(env, NULL, 10);
		cc->fault_every = f.every_n;
		printf("surge-relay: crypto: TEST faults injected (SURGE_TEST_CRYPTODEV_FAULT=%s)\n",
		       env);
	}
	if (sg_cdev_select(spec, n_qps, sessions, socket, &f, &cc->ch, err, errlen) != 0)
		return -1;
	printf("surge-relay: crypto %s: %s\n", spec, cc->ch.line);
	if (cc->ch.detail[0])
		printf("surge-relay: crypto %s: tried: %s\n", spec, cc->ch.detail);
	return 0;
}

void sg_crypto_ctl_fini(struct sg_crypto_ctl *cc)
{
	sg_cdev_choice_free(&cc->ch);
}

struct sg_cdev_qp *sg_crypto_ctl_qp(struct sg_crypto_ctl *cc, unsigned i)
{
	return cc->ch.be ? sg_cdev_qp(cc->ch.be, i) : NULL;
}

/* Every queue pair's counters added up. */
static void totals(struct sg_crypto_ctl *cc, struct sg_cdev_stats *t)
{
	uint64_t *tv = (uint64_t *)t;

	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; cc->ch.be && i < cc->n_qps; i++) {
		struct sg_cdev_stats s;
		const uint64_t *sv = (const uint64_t *)&s;

		sg_cdev_qp_stats(sg_cdev_qp(cc->ch.be, i), &s);
		for (size_t k = 0; k < sizeof(s) / sizeof(uint64_t); k++)
			tv[k] += sv[k];
	}
}

static const uint8_t suites[2] = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 };

void sg_crypto_ctl_status(void *arg, struct sg_ctl_buf *b, int json)
{
	struct sg_crypto_ctl *cc = arg;
	struct sg_cdev_stats t;

	totals(cc, &t);
	if (!json) {
		sg_ctl_buf_printf(b, "crypto (%s): %s; device errors %llu\n", cc->spec, cc->ch.line,
				  (unsigned long long)t.errors);
		return;
	}
	sg_ctl_buf_printf(b, "\"crypto\": {\"setting\": \"%s\"", cc->spec);
	for (int i = 0; i < 2; i++) {
		enum sg_cdev_path p = sg_cdev_path_of(cc->ch.be, suites[i]);
		const char *n = suites[i] == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";

		if (p == SG_CDEV_SODIUM)
			sg_ctl_buf_printf(b, ", \"%s\": {\"backend\": \"sodium\"}", n);
		else
			sg_ctl_buf_printf(b, ", \"%s\": {\"backend\": \"cryptodev:%s\", "
					     "\"device\": \"%s\", \"path\": \"%s\"}", n,
					  sg_cdev_driver(cc->ch.be, suites[i]),
					  sg_cdev_dev_name(cc->ch.be, suites[i]), sg_cdev_path_name(p));
	}
	sg_ctl_buf_printf(b, ", \"device_errors\": %llu}, ", (unsigned long long)t.errors);
}

static void stats_json(struct sg_ctl_buf *b, const struct sg_cdev_stats *s)
{
	sg_ctl_buf_printf(b, "\"device_ops\": %llu, \"device_errors\": %llu, \"timeouts\": %llu, "
			     "\"late\": %llu, \"sessions_created\": %llu, \"sessions_freed\": %llu, "
			     "\"session_failures\": %llu, \"injected\": %llu",
			  (unsigned long long)s->ops, (unsigned long long)s->errors,
			  (unsigned long long)s->timeouts, (unsigned long long)s->late,
			  (unsigned long long)s->sessions, (unsigned long long)s->sessions_freed,
			  (unsigned long long)s->session_failures, (unsigned long long)s->injected);
}

void sg_crypto_ctl_stats(struct sg_crypto_ctl *cc, struct sg_ctl_buf *b, int json)
{
	struct sg_cdev_stats t;

	totals(cc, &t);
	if (json) {
		sg_ctl_buf_printf(b, ", \"crypto\": {\"setting\": \"%s\", \"backend\": \"%s\", "
				     "\"queue_pairs\": [", cc->spec, cc->ch.line);
		for (unsigned i = 0; cc->ch.be && i < cc->n_shown; i++) {
			struct sg_cdev_stats s;

			sg_cdev_qp_stats(sg_cdev_qp(cc->ch.be, i), &s);
			sg_ctl_buf_printf(b, "%s{\"worker\": %u, ", i ? ", " : "", i);
			stats_json(b, &s);
			sg_ctl_buf_printf(b, "}");
		}
		sg_ctl_buf_printf(b, "], \"total\": {");
		stats_json(b, &t);
		sg_ctl_buf_printf(b, "}}");
		return;
	}
	sg_ctl_buf_printf(b, "crypto (%s): %s\n", cc->spec, cc->ch.line);
	if (!cc->ch.be)
		return;
	sg_ctl_buf_printf(b, "  crypto device: ops %llu, errors %llu, timeouts %llu, late %llu, "
			     "sessions %llu created / %llu freed / %llu failed%s\n",
			  (unsigned long long)t.ops, (unsigned long long)t.errors,
			  (unsigned long long)t.timeouts, (unsigned long long)t.late,
			  (unsigned long long)t.sessions, (unsigned long long)t.sessions_freed,
			  (unsigned long long)t.session_failures,
			  t.injected ? " (TEST faults injected)" : "");
}

void sg_crypto_ctl_metrics(struct sg_crypto_ctl *cc, const struct sg_metrics_sink *s)
{
	for (size_t k = 0; cc->ch.be && k < sizeof(series) / sizeof(series[0]); k++)
		for (unsigned i = 0; i < cc->n_shown; i++) {
			struct sg_cdev_stats st;
			char id[12];

			sg_cdev_qp_stats(sg_cdev_qp(cc->ch.be, i), &st);
			snprintf(id, sizeof(id), "%u", i);
			sg_metrics_emit(s, &(struct sg_metric){
				.name = series[k].name, .help = series[k].help,
				.type = SG_METRIC_COUNTER, .n_labels = 1,
				.labels = { { "worker", id } },
				.value = *(const uint64_t *)((const char *)&st + series[k].off) });
		}
}
