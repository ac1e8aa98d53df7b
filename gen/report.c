/* SPDX-License-Identifier: MIT */
/*
 * report.c - what surge-gen says: a one-line progress display on stderr
 * each second (rewritten in place with \r), the summary table on stdout at
 * the end, and with --json the same numbers as one JSON object with a
 * per-second timeline.  Rates use the traffic phase's measured length;
 * Gbit/s counts wire bytes (frame + FCS, preamble and gap: 24 bytes).
 * Latencies are in microseconds, from the log-bucket histograms (hist.h).
 */
#include <stdio.h>

#include "gen.h"

static const char *const reply_names[SG_REPLY_CODE_MAX + 2] = {
	"stored", "unknown_recipient", "recipient_offline", "mailbox_full", "policy_blocked",
	"too_large", "rate_limited", "malformed", "unavailable", "unknown_code",
};

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double q_us(const struct sg_gen_hist *h, double q)
{
	return us(sg_gen_hist_quantile(h, q));
}

void sg_gen_progress(const struct sg_gen *g, unsigned second, const struct sg_gen_counters *prev,
		     double dt_s)
{
	double off = (double)(g->c.offered - prev->offered) / dt_s;
	double del = (double)(g->c.delivered - prev->delivered) / dt_s;
	long long loss = (long long)g->c.offered - (long long)g->c.delivered;

	fprintf(stderr, "\r[%3us] offered %10.0f/s  delivered %10.0f/s  loss %8lld  "
			"p99 %9.1f us ", second, off, del, loss, q_us(&g->lat, 0.99));
	fflush(stderr);
}

static double rate_of(const struct sg_gen *g, double v)
{
	return g->run_s > 0 ? v / g->run_s : 0;
}

void sg_gen_summary(const struct sg_gen *g)
{
	const struct sg_gen_counters *c = &g->c;
	long long loss = (long long)c->offered - (long long)c->delivered;
	uint64_t replies = 0;
	char rate[32], body[16];

	printf("surge-gen summary%s%s%s\n", g->failed ? " (partial: " : "",
	       g->failed ? g->failed : "", g->failed ? ")" : "");
	printf("  %-30s %u\n", "users", g->o.users);
	printf("  %-30s %llu of %u   p50 %.1f us   p99 %.1f us\n", "handshakes completed",
	       (unsigned long long)c->hs_done, g->o.users, q_us(&g->hs_lat, 0.5),
	       q_us(&g->hs_lat, 0.99));
	if (g->o.rate > 0)
		snprintf(rate, sizeof(rate), "%.0f frames/s", g->o.rate);
	else
		snprintf(rate, sizeof(rate), "as fast as possible");
	if (g->o.mix == SG_GEN_MIX_IMIX)
		snprintf(body, sizeof(body), "imix");
	else
		snprintf(body, sizeof(body), "%u B", g->o.size);
	printf("  %-30s %.2f s at %s, body %s, %u queues\n", "traffic phase", g->run_s, rate,
	       body, g->o.queues);
	printf("  %-30s %llu\n", "frames offered", (unsigned long long)c->offered);
	printf("  %-30s %llu\n", "frames delivered", (unsigned long long)c->delivered);
	printf("  %-30s %lld (%.3f %%)\n", "loss (offered - delivered)", loss,
	       c->offered ? 100.0 * (double)loss / (double)c->offered : 0.0);
	printf("  %-30s %.0f frames/s   %.3f Gbit/s (wire)\n", "delivered",
	       rate_of(g, (double)c->delivered),
	       rate_of(g, (double)c->delivered_wire_bytes * 8 / 1e9));
	printf("  %-30s %.0f frames/s   %.3f Gbit/s (wire)\n", "offered",
	       rate_of(g, (double)c->offered), rate_of(g, (double)c->offered_bytes * 8 / 1e9));
	printf("  %-30s %llu ok, %llu failed (1 in %u checked)\n", "verified",
	       (unsigned long long)c->verified, (unsigned long long)c->verify_failed,
	       g->o.verify_every);
	printf("  %-30s p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  (max %.1f, n %llu)\n",
	       "relay-added latency (us)", q_us(&g->lat, 0.5), q_us(&g->lat, 0.9),
	       q_us(&g->lat, 0.99), q_us(&g->lat, 0.999), us(g->lat.max),
	       (unsigned long long)g->lat.n);
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		if (c->replies[i]) {
			printf("  %-30s %s %llu\n", replies ? "" : "relay replies", reply_names[i],
			       (unsigned long long)c->replies[i]);
			replies += c->replies[i];
		}
	if (!replies)
		printf("  %-30s none\n", "relay replies");
	printf("  %-30s %llu\n", "unexpected frames", (unsigned long long)c->unexpected);
	printf("  %-30s %llu\n", "not sent (TX queue full)", (unsigned long long)c->tx_full);
	fflush(stdout);
}

static void json_hist(FILE *f, const char *name, const struct sg_gen_hist *h)
{
	fprintf(f, "\"%s\": {\"n\": %llu, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
		   "\"p99_9\": %.3f, \"max\": %.3f}", name, (unsigned long long)h->n,
		q_us(h, 0.5), q_us(h, 0.9), q_us(h, 0.99), q_us(h, 0.999), us(h->max));
}

int sg_gen_json(const struct sg_gen *g, const char *path)
{
	const struct sg_gen_counters *c = &g->c;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\"ok\": %s, \"failed\": \"%s\", \"users\": %u, \"handshakes\": %llu, ",
		g->failed ? "false" : "true", g->failed ? g->failed : "", g->o.users,
		(unsigned long long)c->hs_done);
	json_hist(f, "handshake_latency_us", &g->hs_lat);
	fprintf(f, ", \"rate\": %.0f, \"mix\": \"%s\", \"size\": %u, \"frame_len\": %u, "
		   "\"duration_s\": %.3f, "
		   "\"offered\": %llu, \"delivered\": %llu, \"loss\": %lld, "
		   "\"delivered_fps\": %.1f, \"delivered_gbps\": %.6f, \"offered_gbps\": %.6f, "
		   "\"verify_every\": %u, \"verified\": %llu, \"verify_failed\": %llu, ",
		g->o.rate, g->o.mix == SG_GEN_MIX_IMIX ? "imix" : "fixed", g->o.size,
		g->o.mix == SG_GEN_MIX_IMIX ? 0u : SG_GEN_ETH_IPV4_UDP + SG_DATA_OVERHEAD + g->o.size,
		g->run_s,
		(unsigned long long)c->offered, (unsigned long long)c->delivered,
		(long long)c->offered - (long long)c->delivered, rate_of(g, (double)c->delivered),
		rate_of(g, (double)c->delivered_wire_bytes * 8 / 1e9),
		rate_of(g, (double)c->offered_bytes * 8 / 1e9), g->o.verify_every,
		(unsigned long long)c->verified, (unsigned long long)c->verify_failed);
	json_hist(f, "latency_us", &g->lat);
	fprintf(f, ", \"replies\": {");
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", reply_names[i],
			(unsigned long long)c->replies[i]);
	fprintf(f, "}, \"unexpected\": %llu, \"tx_full\": %llu, \"timeline\": [",
		(unsigned long long)c->unexpected, (unsigned long long)c->tx_full);
	for (unsigned i = 0; i < g->n_sec; i++)
		fprintf(f, "%s{\"second\": %u, \"offered\": %llu, \"delivered\": %llu, "
			   "\"p99_us\": %.3f}", i ? ", " : "", i + 1,
			(unsigned long long)g->sec[i].offered,
			(unsigned long long)g->sec[i].delivered, us(g->sec[i].p99_ns));
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : -1;
}
