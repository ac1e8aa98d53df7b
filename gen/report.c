/* SPDX-License-Identifier: MIT */
/*
 * report.c - what surge-gen says: a one-line progress display on stderr
 * each second (rewritten in place with \r), the summary table on stdout at
 * the end, and with --json the same numbers as one JSON object with the
 * per-second timeline (timeline.c).  Rates use the traffic phase's
 * measured length; Gbit/s counts wire bytes (frame + FCS, preamble and
 * gap: 24 bytes).  Loss is offered - delivered - policy_blocked: a frame
 * the relay answered POLICY_BLOCKED (naming it, rx.c) is not lost.
 * Latencies are in microseconds, from the log-bucket
 * histograms (hist.h).  A run that stopped early says why in the first line
 * of the summary and in "failed"; what it reports is what happened until
 * then.
 */
#include <stdio.h>

#include "gen.h"

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double q_us(const struct sg_gen_hist *h, double q)
{
	return us(sg_gen_hist_quantile(h, q));
}

void sg_gen_progress(const struct sg_gen *g, unsigned second, const struct sg_gen_second *s)
{
	double dt = s->dt_s > 0 ? s->dt_s : 1;
	long long loss = sg_gen_lost(&g->c);

	fprintf(stderr, "\r[%3us] data %.0f/s %.3f Gb/s loss %lld p99 %.0fus", second,
		(double)s->delivered / dt, (double)s->delivered_wire_bytes * 8 / 1e9 / dt, loss,
		us(s->lat_p99_ns));
	if (g->have_surge)
		fprintf(stderr, " | signup %.0f/%.0f/s fail %llu login %.0f+%.0f/s hs p99 %.1fms "
				"live %llu infl %llu", (double)s->su_done / dt,
			(double)s->su_offered / dt, (unsigned long long)g->surge.c.su_failed,
			(double)s->li_done / dt, (double)s->rs_done / dt,
			(double)s->hs_p99_ns / 1e6, (unsigned long long)s->live,
			(unsigned long long)s->in_flight);
	fputs("   ", stderr);
	fflush(stderr);
}

static double rate_of(const struct sg_gen *g, double v)
{
	return g->run_s > 0 ? v / g->run_s : 0;
}

static void surge_summary(const struct sg_gen *g);
static void src_summary(const struct sg_gen *g);
static void flood_summary(const struct sg_gen *g);

/* The suite the relay chose for the chat users (user 0's; all offer the same). */
static const char *suite_name(const struct sg_gen *g)
{
	if (!g->u || !g->u[0].connected)
		return "none";
	return g->u[0].send_ctx.suite == SG_SUITE_AES256_GCM ? "aes256gcm" : "chacha20poly1305";
}

void sg_gen_summary(const struct sg_gen *g)
{
	const struct sg_gen_counters *c = &g->c;
	long long loss = sg_gen_lost(c);
	uint64_t replies = 0;
	char rate[32], body[16];

	printf("surge-gen summary%s%s%s\n", g->failed ? " (partial: " : "",
	       g->failed ? g->failed : "", g->failed ? ")" : "");
	printf("  %-30s %u (suite %s)\n", "users", g->o.users, suite_name(g));
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
	printf("  %-30s %.2f s at %s, body %s, %u %% secret, %u queues\n", "traffic phase",
	       g->run_s, rate, body, g->o.secret_pct, g->o.queues);
	printf("  %-30s %llu\n", "frames offered", (unsigned long long)c->offered);
	printf("  %-30s %llu\n", "frames delivered", (unsigned long long)c->delivered);
	if (c->policy_blocked || c->policy_blocked_bad)
		printf("  %-30s %llu (%llu marked), %llu naming no cloud frame of ours\n",
		       "answered POLICY_BLOCKED", (unsigned long long)c->policy_blocked,
		       (unsigned long long)c->policy_blocked_marked,
		       (unsigned long long)c->policy_blocked_bad);
	printf("  %-30s %lld (%.3f %%)\n", "loss (not delivered/blocked)", loss,
	       c->offered ? 100.0 * (double)loss / (double)c->offered : 0.0);
	printf("  %-30s %.0f frames/s   %.3f Gbit/s (wire)\n", "delivered",
	       rate_of(g, (double)c->delivered),
	       rate_of(g, (double)c->delivered_wire_bytes * 8 / 1e9));
	printf("  %-30s %.0f frames/s   %.3f Gbit/s (wire)\n", "offered",
	       rate_of(g, (double)c->offered), rate_of(g, (double)c->offered_bytes * 8 / 1e9));
	printf("  %-30s cloud %llu (%llu marked), secret %llu (%llu marked)\n",
	       "frames sent by class",
	       (unsigned long long)(c->sent[SG_GEN_KIND_CLOUD] + c->sent[SG_GEN_KIND_MARKED]),
	       (unsigned long long)c->sent[SG_GEN_KIND_MARKED],
	       (unsigned long long)(c->sent[SG_GEN_KIND_SECRET] +
				    c->sent[SG_GEN_KIND_SECRET | SG_GEN_KIND_MARKED]),
	       (unsigned long long)c->sent[SG_GEN_KIND_SECRET | SG_GEN_KIND_MARKED]);
	if (g->o.match_pct > 0)
		printf("  %-30s %.3f %% of frames carry \"%s\"\n", "marker", g->o.match_pct,
		       g->o.match_text);
	printf("  %-30s %llu ok, %llu failed (1 in %u checked)\n", "verified",
	       (unsigned long long)c->verified, (unsigned long long)c->verify_failed,
	       g->o.verify_every);
	printf("  %-30s p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  (max %.1f, n %llu)\n",
	       "relay-added latency (us)", q_us(&g->lat, 0.5), q_us(&g->lat, 0.9),
	       q_us(&g->lat, 0.99), q_us(&g->lat, 0.999), us(g->lat.max),
	       (unsigned long long)g->lat.n);
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		if (c->replies[i]) {
			printf("  %-30s %s %llu\n", replies ? "" : "relay replies", sg_gen_reply_names[i],
			       (unsigned long long)c->replies[i]);
			replies += c->replies[i];
		}
	if (!replies)
		printf("  %-30s none\n", "relay replies");
	printf("  %-30s %llu\n", "unexpected frames", (unsigned long long)c->unexpected);
	printf("  %-30s %llu\n", "not sent (TX queue full)", (unsigned long long)c->tx_full);
	if (c->pace_skipped)
		printf("  %-30s %llu (due while the generator was held up)\n", "not sent (pacing skipped)",
		       (unsigned long long)c->pace_skipped);
	if (c->hs_retries || c->cookies || c->hs_late)
		printf("  %-30s %llu retries, %llu cookie replies, %llu late answers\n",
		       "chat sign-ups", (unsigned long long)c->hs_retries,
		       (unsigned long long)c->cookies, (unsigned long long)c->hs_late);
	if (c->wrong_addr || c->arp_answered)
		printf("  %-30s %llu answers to another of our addresses, %llu ARP requests "
		       "answered\n", "addresses", (unsigned long long)c->wrong_addr,
		       (unsigned long long)c->arp_answered);
	if (g->src.count > 1)
		src_summary(g);
	if (g->have_surge)
		surge_summary(g);
	if (g->o.n_flood)
		flood_summary(g);
	fflush(stdout);
}

/* The flood: what the port took, by mode and by what the relay must do with it. */
static void flood_summary(const struct sg_gen *g)
{
	const struct sg_gen_flood_counters *c = &g->fc;
	double span = g->flood_t1 > g->flood_t0 ? (double)(g->flood_t1 - g->flood_t0) /
							  (double)g->hz : 0;

	printf("flood\n");
	printf("  %-30s %llu frames (%.0f/s over %.1f s), %llu bytes; %llu refused by the "
	       "full TX ring, %llu without an mbuf\n", "sent", (unsigned long long)g->c.flood_sent,
	       span > 0 ? (double)g->c.flood_sent / span : 0.0, span,
	       (unsigned long long)c->bytes, (unsigned long long)g->c.flood_tx_full,
	       (unsigned long long)c->no_mbuf);
	for (unsigned i = 0; i < g->o.n_flood; i++)
		printf("  %-30s %llu\n", sg_gen_flood_mode_names[g->o.flood_modes[i]],
		       (unsigned long long)c->by_mode[g->o.flood_modes[i]]);
	for (unsigned x = 0; x < SG_GEN_FX_N; x++)
		if (c->sent[x])
			printf("  %-30s %llu\n", x == SG_GEN_FX_ARP_ANSWERED ? "for the relay to answer (arp)" :
			       sg_gen_flood_expect_names[x], (unsigned long long)c->sent[x]);
	printf("  %-30s %llu\n", "ARP answers received", (unsigned long long)c->arp_answers);
	if (g->have_flood && g->flood.replay_starved)
		printf("  %-30s %llu\n", "replays with no capture", (unsigned long long)
		       g->flood.replay_starved);
}

static void src_summary(const struct sg_gen *g)
{
	uint32_t used, lo, hi;
	uint8_t a[4], z[4];

	sg_gen_src_spread(&g->src, &used, &lo, &hi);
	sg_gen_src_addr(&g->src, 0, a);
	sg_gen_src_addr(&g->src, g->src.count - 1, z);
	printf("  %-30s %u.%u.%u.%u .. %u.%u.%u.%u (%u, %s): %u used, "
	       "%u .. %u initiations each\n", "source addresses", a[0], a[1], a[2], a[3], z[0], z[1], z[2],
	       z[3], g->src.count, g->o.src_chat ? "surge and chat users" : "surge users", used,
	       lo, hi);
}

static void surge_summary(const struct sg_gen *g)
{
	const struct sg_gen_profile *p = &g->o.prof;
	const struct sg_gen_surge *s = &g->surge;
	const struct sg_gen_surge_counters *c = &s->c;
	double busy = 0;
	unsigned peak = 0;

	printf("surge\n");
	if (p->surge_n)
		printf("  %-30s %llu over %.0f s of surge time = %.2f/s, x%.0f = %.0f/s from "
		       "%.0f s; running %llu (%.3f %% of it, %.1f s)\n", "outage step",
		       (unsigned long long)p->surge_n, p->surge_s,
		       (double)p->surge_n / p->surge_s, p->compress, sg_gen_profile_surge_rate(p),
		       p->surge_at, (unsigned long long)p->surge_size,
		       100.0 * (double)p->surge_size / (double)p->surge_n,
		       sg_gen_profile_surge_len(p));
	if (p->baseline > 0)
		printf("  %-30s %.1f sign-ups/s\n", "baseline", p->baseline);
	for (unsigned i = 0; i < g->n_sec; i++)
		if (g->sec[i].su_done > peak && g->sec[i].dt_s > 0.5) {
			peak = (unsigned)g->sec[i].su_done;
			busy = g->sec[i].dt_s;
		}
	printf("  %-30s %llu due, %llu offered, %llu completed, %llu failed, %llu unfinished"
	       " (peak %.0f/s)\n", "sign-ups", (unsigned long long)g->su_due,
	       (unsigned long long)c->su_offered, (unsigned long long)c->su_done,
	       (unsigned long long)c->su_failed, (unsigned long long)g->su_unfinished,
	       busy > 0 ? peak / busy : 0.0);
	if (p->n_storms)
		printf("  %-30s %llu due, %llu begun, %llu skipped\n", "log-ins (reconnect storms)",
		       (unsigned long long)sg_gen_profile_logins_total(p),
		       (unsigned long long)c->li_started, (unsigned long long)c->li_skipped);
	if (p->n_storms)
		printf("  %-30s %llu offered, %llu completed, %llu failed"
		       "   p50 %.1f ms   p99 %.1f ms\n", "log-ins by full handshake",
		       (unsigned long long)c->li_offered, (unsigned long long)c->li_done,
		       (unsigned long long)c->li_failed, q_us(&s->login_lat, 0.5) / 1e3, q_us(&s->login_lat, 0.99) / 1e3);
	if (p->n_storms)
		printf("  %-30s %llu offered, %llu completed, %llu fell back to a full log-in, "
		       "%llu bad answers   p50 %.1f ms   p99 %.1f ms\n", "log-ins by resumption",
		       (unsigned long long)c->rs_offered, (unsigned long long)c->rs_done,
		       (unsigned long long)c->rs_failed, (unsigned long long)c->rs_bad,
		       q_us(&s->resume_lat, 0.5) / 1e3, q_us(&s->resume_lat, 0.99) / 1e3);
	if (p->n_storms)
		printf("  %-30s %llu kept (a table of %u, %u B each; %s), %llu not kept, %llu bad, "
		       "%llu to chat users\n", "tickets", (unsigned long long)c->tickets,
		       s->cfg.tickets, (unsigned)SG_GEN_SURGE_TICKET_COST,
		       g->o.no_resume ? "--no-resume" : "resumption on",
		       (unsigned long long)c->ticket_ignored, (unsigned long long)c->ticket_bad,
		       (unsigned long long)g->c.chat_tickets);
	printf("  %-30s p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n %llu)\n",
	       "handshake latency (ms)", q_us(&s->lat, 0.5) / 1e3, q_us(&s->lat, 0.9) / 1e3,
	       q_us(&s->lat, 0.99) / 1e3, q_us(&s->lat, 0.999) / 1e3, us(s->lat.max) / 1e3,
	       (unsigned long long)s->lat.n);
	printf("  %-30s %llu retries, %llu cookie replies (%llu refused), %llu late, "
	       "%llu bad\n", "handshake answers", (unsigned long long)c->retries,
	       (unsigned long long)c->cookies, (unsigned long long)c->cookie_bad,
	       (unsigned long long)c->late, (unsigned long long)c->resp_bad);
	if (c->signup_known || c->login_mismatch)
		printf("  %-30s %llu sign-ups answered as log-ins, %llu log-ins not matching\n",
		       "surprises", (unsigned long long)c->signup_known,
		       (unsigned long long)c->login_mismatch);
	printf("  %-30s %llu at the end (%llu chat + %llu surge; window %u, seed %llu)\n",
	       "live sessions (gen's view)", (unsigned long long)(g->c.hs_done + s->live),
	       (unsigned long long)g->c.hs_done, (unsigned long long)s->live, s->cfg.window,
	       (unsigned long long)g->o.seed);
}

static void json_hist(FILE *f, const char *name, const struct sg_gen_hist *h)
{
	fprintf(f, "\"%s\": {\"n\": %llu, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
		   "\"p99_9\": %.3f, \"max\": %.3f}", name, (unsigned long long)h->n,
		q_us(h, 0.5), q_us(h, 0.9), q_us(h, 0.99), q_us(h, 0.999), us(h->max));
}

static void json_surge(const struct sg_gen *g, FILE *f)
{
	const struct sg_gen_profile *p = &g->o.prof;
	const struct sg_gen_surge *s = &g->surge;
	const struct sg_gen_surge_counters *c = &s->c;

	fprintf(f, "\"surge\": {\"enabled\": %s, \"seed\": %llu, \"baseline\": %.3f, "
		   "\"surge_n\": %llu, \"surge_s\": %.0f, \"compress\": %.3f, \"surge_at\": %.3f, "
		   "\"surge_size\": %llu, \"surge_rate\": %.3f, \"window\": %u, "
		   "\"timeout_ms\": %u, \"tries\": %u, \"population\": %u, \"storms\": [",
		g->have_surge ? "true" : "false", (unsigned long long)g->o.seed, p->baseline,
		(unsigned long long)p->surge_n, p->surge_s, p->compress, p->surge_at,
		(unsigned long long)p->surge_size, sg_gen_profile_surge_rate(p), g->o.hs_window,
		g->o.hs_timeout_ms, g->o.hs_tries, s->cfg.users);
	for (unsigned i = 0; i < p->n_storms; i++)
		fprintf(f, "%s{\"n\": %u, \"at_s\": %.3f, \"over_s\": %.3f}", i ? ", " : "",
			p->storm[i].n, p->storm[i].at_s, p->storm[i].over_s);
	fprintf(f, "], \"signups_due\": %llu, \"signups_offered\": %llu, \"signups_done\": %llu, "
		   "\"signups_failed\": %llu, \"signups_unfinished\": %llu, "
		   "\"signups_known\": %llu, \"logins_due\": %llu, \"logins_offered\": %llu, "
		   "\"logins_done\": %llu, \"logins_failed\": %llu, \"logins_skipped\": %llu, "
		   "\"login_mismatch\": %llu, \"retries\": %llu, \"cookies\": %llu, "
		   "\"cookie_bad\": %llu, \"late\": %llu, \"resp_bad\": %llu, "
		   "\"live_sessions\": %llu, \"logins_started\": %llu, \"resume\": %s, "
		   "\"ticket_table\": %u, \"resumes_offered\": %llu, \"resumes_done\": %llu, "
		   "\"resumes_failed\": %llu, \"resumes_bad\": %llu, \"tickets\": %llu, "
		   "\"ticket_ignored\": %llu, \"ticket_bad\": %llu, \"chat_tickets\": %llu, ",
		(unsigned long long)g->su_due, (unsigned long long)c->su_offered,
		(unsigned long long)c->su_done, (unsigned long long)c->su_failed,
		(unsigned long long)g->su_unfinished, (unsigned long long)c->signup_known,
		(unsigned long long)sg_gen_profile_logins_total(p),
		(unsigned long long)c->li_offered, (unsigned long long)c->li_done,
		(unsigned long long)c->li_failed, (unsigned long long)c->li_skipped,
		(unsigned long long)c->login_mismatch, (unsigned long long)c->retries,
		(unsigned long long)c->cookies, (unsigned long long)c->cookie_bad,
		(unsigned long long)c->late, (unsigned long long)c->resp_bad,
		(unsigned long long)(g->c.hs_done + s->live), (unsigned long long)c->li_started,
		g->o.no_resume ? "false" : "true", s->cfg.tickets,
		(unsigned long long)c->rs_offered, (unsigned long long)c->rs_done,
		(unsigned long long)c->rs_failed, (unsigned long long)c->rs_bad,
		(unsigned long long)c->tickets, (unsigned long long)c->ticket_ignored,
		(unsigned long long)c->ticket_bad,
		(unsigned long long)g->c.chat_tickets);
	json_hist(f, "handshake_latency_us", &s->lat);
	fprintf(f, ", ");
	json_hist(f, "login_latency_us", &s->login_lat);
	fprintf(f, ", ");
	json_hist(f, "resume_latency_us", &s->resume_lat);
	fprintf(f, "}");
}

/* The source range and how the initiations spread over it (src.h). */
static void json_src(const struct sg_gen *g, FILE *f)
{
	uint32_t used, lo, hi;
	uint8_t a[4];

	sg_gen_src_spread(&g->src, &used, &lo, &hi);
	sg_gen_src_addr(&g->src, 0, a);
	fprintf(f, "\"src_base\": \"%u.%u.%u.%u\", \"src_count\": %u, \"src_chat\": %s, "
		   "\"src_used\": %u, \"src_inits_min\": %u, \"src_inits_max\": %u, "
		   "\"arp_answered\": %llu, \"wrong_addr\": %llu, ",
		a[0], a[1], a[2], a[3], g->src.count, g->o.src_chat ? "true" : "false", used, lo,
		hi, (unsigned long long)g->c.arp_answered, (unsigned long long)g->c.wrong_addr);
}

/* The flood: modes, schedule, and what the port took by expectation and mode. */
static void json_flood(const struct sg_gen *g, FILE *f)
{
	const struct sg_gen_flood_counters *c = &g->fc;

	fprintf(f, ", \"flood\": {\"modes\": [");
	for (unsigned i = 0; i < g->o.n_flood; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", sg_gen_flood_mode_names[g->o.flood_modes[i]]);
	fprintf(f, "], \"rate\": %.0f, \"at_s\": %.3f, \"for_s\": %.3f, \"sent\": %llu, "
		   "\"bytes\": %llu, \"tx_full\": %llu, \"no_mbuf\": %llu, "
		   "\"arp_answers\": %llu, \"replay_starved\": %llu, \"by_mode\": {",
		g->o.flood_rate, g->o.flood_at,
		g->flood_t1 > g->flood_t0 ? (double)(g->flood_t1 - g->flood_t0) / (double)g->hz : 0,
		(unsigned long long)g->c.flood_sent, (unsigned long long)c->bytes,
		(unsigned long long)g->c.flood_tx_full, (unsigned long long)c->no_mbuf,
		(unsigned long long)c->arp_answers,
		(unsigned long long)(g->have_flood ? g->flood.replay_starved : 0));
	for (unsigned i = 0; i < SG_GEN_FLOOD_N_MODES; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", sg_gen_flood_mode_names[i],
			(unsigned long long)c->by_mode[i]);
	fprintf(f, "}, \"expect\": {");
	for (unsigned x = 0; x < SG_GEN_FX_N; x++)
		fprintf(f, "%s\"%s\": %llu", x ? ", " : "", sg_gen_flood_expect_names[x],
			(unsigned long long)c->sent[x]);
	fprintf(f, "}}");
}

/* Frames by class and marker, and the frames answered POLICY_BLOCKED. */
static void json_match(const struct sg_gen *g, FILE *f)
{
	const struct sg_gen_counters *c = &g->c;

	fprintf(f, ", \"match_pct\": %.3f, \"match_text\": \"", g->o.match_pct);
	for (const char *p = g->o.match_text; *p; p++) /* printable ASCII (main.c) */
		fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	fprintf(f, "\", \"cloud_sent\": %llu, \"secret_sent\": %llu, "
		   "\"marked_cloud_sent\": %llu, \"marked_secret_sent\": %llu, "
		   "\"policy_blocked\": %llu, \"policy_blocked_marked\": %llu, "
		   "\"policy_blocked_bad\": %llu",
		(unsigned long long)(c->sent[SG_GEN_KIND_CLOUD] + c->sent[SG_GEN_KIND_MARKED]),
		(unsigned long long)(c->sent[SG_GEN_KIND_SECRET] +
				     c->sent[SG_GEN_KIND_SECRET | SG_GEN_KIND_MARKED]),
		(unsigned long long)c->sent[SG_GEN_KIND_MARKED],
		(unsigned long long)c->sent[SG_GEN_KIND_SECRET | SG_GEN_KIND_MARKED],
		(unsigned long long)c->policy_blocked, (unsigned long long)c->policy_blocked_marked,
		(unsigned long long)c->policy_blocked_bad);
}

int sg_gen_json(const struct sg_gen *g, const char *path)
{
	const struct sg_gen_counters *c = &g->c;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\"ok\": %s, \"failed\": \"%s\", \"users\": %u, \"suite\": \"%s\", "
		   "\"handshakes\": %llu, ",
		g->failed ? "false" : "true", g->failed ? g->failed : "", g->o.users, suite_name(g),
		(unsigned long long)c->hs_done);
	json_hist(f, "handshake_latency_us", &g->hs_lat);
	fprintf(f, ", \"rate\": %.0f, \"mix\": \"%s\", \"size\": %u, \"frame_len\": %u, "
		   "\"secret_pct\": %u, \"duration_s\": %.3f, "
		   "\"offered\": %llu, \"delivered\": %llu, \"loss\": %lld, "
		   "\"delivered_fps\": %.1f, \"delivered_gbps\": %.6f, \"offered_gbps\": %.6f, "
		   "\"verify_every\": %u, \"verified\": %llu, \"verify_failed\": %llu, ",
		g->o.rate, g->o.mix == SG_GEN_MIX_IMIX ? "imix" : "fixed", g->o.size,
		g->o.mix == SG_GEN_MIX_IMIX ? 0u : SG_GEN_ETH_IPV4_UDP + SG_DATA_OVERHEAD + g->o.size,
		g->o.secret_pct, g->run_s,
		(unsigned long long)c->offered, (unsigned long long)c->delivered,
		sg_gen_lost(c), rate_of(g, (double)c->delivered),
		rate_of(g, (double)c->delivered_wire_bytes * 8 / 1e9),
		rate_of(g, (double)c->offered_bytes * 8 / 1e9), g->o.verify_every,
		(unsigned long long)c->verified, (unsigned long long)c->verify_failed);
	json_hist(f, "latency_us", &g->lat);
	json_match(g, f);
	fprintf(f, ", \"replies\": {");
	for (unsigned i = 0; i < SG_REPLY_CODE_MAX + 2; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", sg_gen_reply_names[i],
			(unsigned long long)c->replies[i]);
	fprintf(f, "}, \"unexpected\": %llu, \"tx_full\": %llu, \"pace_skipped\": %llu, "
		   "\"chat_signup_retries\": %llu, \"chat_cookies\": %llu, ",
		(unsigned long long)c->unexpected, (unsigned long long)c->tx_full,
		(unsigned long long)c->pace_skipped, (unsigned long long)c->hs_retries,
		(unsigned long long)c->cookies);
	json_src(g, f);
	json_surge(g, f);
	json_flood(g, f);
	fprintf(f, ", \"timeline\": ");
	sg_gen_timeline_json(g, f);
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : -1;
}
