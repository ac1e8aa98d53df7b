/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - the per-second rows of a run (struct sg_gen_second) and
 * their CSV and JSON forms.  A row holds what happened in that second:
 * counter deltas, so every column sums to the run's total; latencies of
 * that second alone (data: the difference of the cumulative histogram
 * since the second began; surge handshakes: a histogram reset each
 * second), plus the cumulative data p99 and the state at its end (live
 * sessions, handshakes in flight).  The last row also holds the drain
 * after the traffic phase (frames and handshakes still in flight).
 */
#include <stdio.h>
#include <sys/time.h>

#include "gen.h"

const char *const sg_gen_reply_names[SG_REPLY_CODE_MAX + 2] = {
	"stored", "unknown_recipient", "recipient_offline", "mailbox_full", "policy_blocked",
	"too_large", "rate_limited", "malformed", "unavailable", "unknown_code",
};

static double wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void sg_gen_timeline_start(struct sg_gen *g, uint64_t now)
{
	g->t0_tsc = now;
	g->lat_mark = g->lat;
	g->n_sec = 0;
}

void sg_gen_timeline_close(struct sg_gen *g, uint64_t now, struct sg_gen_counters *prev,
			   struct sg_gen_surge_counters *sprev, uint64_t *mark)
{
	struct sg_gen_second *s = &g->sec[g->n_sec];
	const struct sg_gen_surge_counters *c = &g->surge.c;
	static struct sg_gen_hist d; /* one lcore; too large for the stack */

	s->t_unix = wall_now();
	s->dt_s = (double)(now - *mark) / (double)g->hz;
	s->offered = g->c.offered - prev->offered;
	s->delivered = g->c.delivered - prev->delivered;
	s->delivered_wire_bytes = g->c.delivered_wire_bytes - prev->delivered_wire_bytes;
	s->tx_full = g->c.tx_full - prev->tx_full;
	s->pace_skipped = g->c.pace_skipped - prev->pace_skipped;
	s->flood_sent = g->c.flood_sent - prev->flood_sent;
	s->flood_tx_full = g->c.flood_tx_full - prev->flood_tx_full;
	s->flood_mode = sg_gen_flood_mode_at(g, *mark + (now - *mark) / 2); /* mid-row */
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		s->replies[i] = g->c.replies[i] - prev->replies[i];
	s->p99_ns = sg_gen_hist_quantile(&g->lat, 0.99);
	sg_gen_hist_delta(&d, &g->lat, &g->lat_mark);
	s->lat_p99_ns = sg_gen_hist_quantile(&d, 0.99);
	g->lat_mark = g->lat;

	s->su_due = g->su_due - (g->n_sec ? g->sec[g->n_sec - 1].su_due_cum : 0);
	s->su_due_cum = g->su_due;
	s->su_offered = c->su_offered - sprev->su_offered;
	s->su_done = c->su_done - sprev->su_done;
	s->su_failed = c->su_failed - sprev->su_failed;
	s->li_offered = c->li_offered - sprev->li_offered;
	s->li_done = c->li_done - sprev->li_done;
	s->li_failed = c->li_failed - sprev->li_failed;
	s->rs_offered = c->rs_offered - sprev->rs_offered;
	s->rs_done = c->rs_done - sprev->rs_done;
	s->rs_failed = c->rs_failed - sprev->rs_failed;
	s->retries = c->retries - sprev->retries;
	s->cookies = c->cookies - sprev->cookies;
	s->hs_p50_ns = sg_gen_hist_quantile(&g->surge.lat_sec, 0.5);
	s->hs_p99_ns = sg_gen_hist_quantile(&g->surge.lat_sec, 0.99);
	sg_gen_hist_reset(&g->surge.lat_sec);
	s->live = g->c.hs_done + g->surge.live;
	s->in_flight = g->have_surge ? sg_gen_surge_in_flight(&g->surge) : 0;

	sg_gen_progress(g, g->n_sec + 1, s);
	g->n_sec++;
	if (g->have_surge)
		sg_gen_surge_second(&g->surge, g->n_sec);
	*prev = g->c;
	*sprev = *c;
	*mark = now;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double gbps(const struct sg_gen_second *s)
{
	return s->dt_s > 0 ? (double)s->delivered_wire_bytes * 8 / 1e9 / s->dt_s : 0;
}

int sg_gen_csv(const struct sg_gen *g, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "second,t_unix,dt_s,offered,delivered,delivered_gbps,tx_full,pace_skipped,"
		   "lat_p99_us,"
		   "lat_p99_cum_us,signups_due,signups_offered,signups_done,signups_failed,"
		   "logins_offered,logins_done,logins_failed,retries,cookies,hs_p50_us,hs_p99_us,"
		   "live_sessions,in_flight");
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		fprintf(f, ",reply_%s", sg_gen_reply_names[i]);
	fprintf(f, ",resumes_offered,resumes_done,resumes_failed,flood_sent,flood_tx_full,"
		   "flood_mode\n"); /* last: new columns */
	for (unsigned r = 0; r < g->n_sec; r++) {
		const struct sg_gen_second *s = &g->sec[r];

		fprintf(f, "%u,%.3f,%.4f,%llu,%llu,%.6f,%llu,%llu,%.3f,%.3f,%llu,%llu,%llu,%llu,"
			   "%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,%llu,%llu", r + 1, s->t_unix, s->dt_s,
			(unsigned long long)s->offered, (unsigned long long)s->delivered, gbps(s),
			(unsigned long long)s->tx_full, (unsigned long long)s->pace_skipped,
			us(s->lat_p99_ns), us(s->p99_ns),
			(unsigned long long)s->su_due, (unsigned long long)s->su_offered,
			(unsigned long long)s->su_done, (unsigned long long)s->su_failed,
			(unsigned long long)s->li_offered, (unsigned long long)s->li_done,
			(unsigned long long)s->li_failed, (unsigned long long)s->retries,
			(unsigned long long)s->cookies, us(s->hs_p50_ns), us(s->hs_p99_ns),
			(unsigned long long)s->live, (unsigned long long)s->in_flight);
		for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
			fprintf(f, ",%llu", (unsigned long long)s->replies[i]);
		fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%s\n", (unsigned long long)s->rs_offered,
			(unsigned long long)s->rs_done, (unsigned long long)s->rs_failed,
			(unsigned long long)s->flood_sent, (unsigned long long)s->flood_tx_full,
			s->flood_mode < 0 ? "" : sg_gen_flood_mode_names[s->flood_mode]);
	}
	return fclose(f) == 0 ? 0 : -1;
}

void sg_gen_timeline_json(const struct sg_gen *g, FILE *f)
{
	fprintf(f, "[");
	for (unsigned r = 0; r < g->n_sec; r++) {
		const struct sg_gen_second *s = &g->sec[r];

		fprintf(f, "%s\n  {\"second\": %u, \"t_unix\": %.3f, \"dt_s\": %.4f, "
			   "\"offered\": %llu, \"delivered\": %llu, \"delivered_gbps\": %.6f, "
			   "\"tx_full\": %llu, \"pace_skipped\": %llu, \"lat_p99_us\": %.3f, "
			   "\"p99_us\": %.3f, "
			   "\"signups_due\": %llu, \"signups_offered\": %llu, \"signups_done\": %llu, "
			   "\"signups_failed\": %llu, \"logins_offered\": %llu, \"logins_done\": %llu, "
			   "\"logins_failed\": %llu, \"resumes_offered\": %llu, "
			   "\"resumes_done\": %llu, \"resumes_failed\": %llu, "
			   "\"retries\": %llu, \"cookies\": %llu, "
			   "\"hs_p50_us\": %.3f, \"hs_p99_us\": %.3f, \"live_sessions\": %llu, "
			   "\"in_flight\": %llu, \"flood_sent\": %llu, \"flood_tx_full\": %llu, "
			   "\"flood_mode\": \"%s\", \"replies\": {",
			r ? "," : "", r + 1, s->t_unix, s->dt_s, (unsigned long long)s->offered,
			(unsigned long long)s->delivered, gbps(s), (unsigned long long)s->tx_full,
			(unsigned long long)s->pace_skipped, us(s->lat_p99_ns), us(s->p99_ns),
			(unsigned long long)s->su_due,
			(unsigned long long)s->su_offered, (unsigned long long)s->su_done,
			(unsigned long long)s->su_failed, (unsigned long long)s->li_offered,
			(unsigned long long)s->li_done, (unsigned long long)s->li_failed,
			(unsigned long long)s->rs_offered, (unsigned long long)s->rs_done,
			(unsigned long long)s->rs_failed,
			(unsigned long long)s->retries, (unsigned long long)s->cookies,
			us(s->hs_p50_ns), us(s->hs_p99_ns), (unsigned long long)s->live,
			(unsigned long long)s->in_flight, (unsigned long long)s->flood_sent,
			(unsigned long long)s->flood_tx_full,
			s->flood_mode < 0 ? "" : sg_gen_flood_mode_names[s->flood_mode]);
		for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
			fprintf(f, "%s\"%s\": %llu", i ? ", " : "", sg_gen_reply_names[i],
				(unsigned long long)s->replies[i]);
		fprintf(f, "}}");
	}
	fprintf(f, "]");
}
