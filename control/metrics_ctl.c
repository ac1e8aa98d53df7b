/* SPDX-License-Identifier: MIT */
/*
 * metrics_ctl.c - the control plane's side of the relay's metrics: every
 * series it has (what `surgectl stats` shows, by the same names) emitted
 * into a sink, and the Prometheus endpoint polled from the control loop.
 *
 * Invariants:
 * - Control lcore only: the policy's sets, the registry and the store are
 *   read here, never from DPDK's telemetry thread (metrics_ctl.h).
 * - A family's series are emitted together (metrics.h), and every family is
 *   emitted at every call, zero or not, so a dashboard's series never
 *   vanish: the exceptions are per-rule hits (the rules in force) and
 *   per-lcore series (the lcores configured).
 * - Names are the stats names: a control counter's is sg_plane_counter_name,
 *   so a counter added to plane.h shows up here without an edit (its help
 *   text then says only that it is a control-plane counter: add one below).
 * - The endpoint is bounded (metrics_http.h) and serves at most
 *   METRICS_SCRAPES_PER_ROUND scrapes a round: a scrape costs the round the
 *   time to format every series (about a microsecond each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mempool.h>

#include "crypto/secure.h"
#include "hs_lcore.h"
#include "metrics_ctl.h"
#include "metrics_http.h"
#include "plane.h"
#include "policy/policy.h"
#include "registry.h"
#include "store.h"

enum { METRICS_SCRAPES_PER_ROUND = 2 };

static const char *const counter_help[SG_PC_MAX] = {
	[SG_PC_HANDSHAKES] = "Handshake responses sent (full handshakes completed by the relay).",
	[SG_PC_SIGNUPS] = "Handshakes that registered a new user.",
	[SG_PC_HS_MAC1] = "Handshakes refused by the control plane: bad mac1.",
	[SG_PC_HS_NOISE] = "Handshakes refused: the Noise message or its payload did not open.",
	[SG_PC_HS_VERSION] = "Handshakes refused: a protocol version this relay does not speak.",
	[SG_PC_HS_TIMESTAMP] = "Handshakes refused: replayed (timestamp not newer than the user's last).",
	[SG_PC_HS_SUITE] = "Handshakes refused: no cipher suite in common.",
	[SG_PC_HS_FULL] = "Handshakes refused: session table or registry full, or the user record not written.",
	[SG_PC_COOKIE_REPLIES] = "COOKIE_REPLY sent by the control plane instead of a handshake (under load).",
	[SG_PC_HS_RATELIMITED] = "Handshakes dropped by the control plane: source over handshake_rate (under load).",
	[SG_PC_REPLACED] = "Sessions replaced by a newer session of the same user.",
	[SG_PC_CLOSED] = "Sessions closed by their client (CLOSE).",
	[SG_PC_EXPIRED] = "Sessions wiped after SESSION_DEAD or REJECT_AFTER.",
	[SG_PC_REPLIES] = "RELAY_REPLY messages sent.",
	[SG_PC_LOOKUPS] = "KEY_INFO answers sent to KEY_LOOKUP.",
	[SG_PC_ACKS] = "DELIVERY_ACK messages received.",
	[SG_PC_STALE_SESSION] = "Frames handed to the control plane for a session gone meanwhile: dropped.",
	[SG_PC_BAD_CLOSE] = "CLOSE or DELIVERY_ACK with a malformed plaintext.",
	[SG_PC_TX_FAILED] = "Frames the control plane could not transmit (its TX queue full).",
	[SG_PC_NO_MBUF] = "Control-plane sends that found the mbuf pool empty.",
	[SG_PC_SLEEPS] = "Times the idle control plane slept in poll(2) (about 50 a second when idle).",
	[SG_PC_STORED] = "Messages put in a mailbox (STORED after the commit).",
	[SG_PC_MBOX_FULL] = "Messages refused with MAILBOX_FULL.",
	[SG_PC_MBOX_DELIVERED] = "Stored messages sent to their recipient.",
	[SG_PC_MBOX_ACKED] = "Stored messages deleted on the recipient's DELIVERY_ACK.",
	[SG_PC_MBOX_EXPIRED] = "Stored messages deleted when their TTL ended.",
	[SG_PC_MBOX_DEFERRED] = "Users with mail who could not join the delivery queue (next log-in).",
	[SG_PC_MBOX_TOO_LARGE] = "Stored bodies too large for the recipient's path: kept, skipped.",
	[SG_PC_STORE_COMMITS] = "Store batches made durable.",
	[SG_PC_STORE_ERRORS] = "Store writes or commits that failed.",
	[SG_PC_HELD_DROPPED] = "Replies dropped because their commit failed (clients retry).",
	[SG_PC_HS_BUSY] = "Handshakes refused: every handshake lcore's queue full (under load).",
	[SG_PC_POLICY_BLOCKED] = "Cloud messages a drop rule matched: POLICY_BLOCKED sent to the sender.",
	[SG_PC_POLICY_LOADS] = "Rule sets compiled and swapped in (start, reload, add, remove).",
	[SG_PC_POLICY_FAILED] = "Rules reloads, adds and removes refused (the rules in force stayed).",
	[SG_PC_RESUMPTIONS] = "RESUME_RESP sent (sessions resumed without X25519).",
	[SG_PC_RESUME_BAD_TICKET] = "RESUMEs refused: the ticket opens under neither ticket key.",
	[SG_PC_RESUME_EXPIRED] = "RESUMEs refused: ticket older than its lifetime, or from the future.",
	[SG_PC_RESUME_NOISE] = "RESUMEs refused: the payload does not open, or is malformed.",
	[SG_PC_RESUME_TIMESTAMP] = "RESUMEs refused: replayed (timestamp not newer than the user's last).",
	[SG_PC_RESUME_NO_USER] = "RESUMEs refused: the ticket's user is not registered.",
	[SG_PC_TICKETS] = "Resumption TICKETs sent.",
	[SG_PC_SESSIONS_FULL] = "Handshakes and resumptions refused because the session table held "
				"max_sessions sessions (counted in handshake_full too).",
	[SG_PC_USERS_FULL] = "Sign-ups refused because the registry held max_users users "
			     "(counted in handshake_full too).",
	[SG_PC_MBOX_UNAVAILABLE] = "Messages answered UNAVAILABLE: their store write or commit failed.",
};

static void put(const struct sg_metrics_sink *s, const char *name, const char *unit,
		enum sg_metric_type type, const char *help, uint64_t v)
{
	sg_metrics_emit(s, &(struct sg_metric){ .name = name, .unit = unit, .help = help,
						.type = type, .value = v });
}

static void put_label(const struct sg_metrics_sink *s, const char *name, enum sg_metric_type type,
		      const char *help, const char *label, const char *value, uint64_t v)
{
	sg_metrics_emit(s, &(struct sg_metric){ .name = name, .help = help, .type = type,
						.n_labels = 1, .labels = { { label, value } },
						.value = v });
}

static void store_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s)
{
	static const char *const names[3] = { "store_commit_wait_p50", "store_commit_wait_p99",
					      "store_commit_wait_max" };
	static const char *const helps[3] = {
		"Median wait from a store batch's first write to its commit (fsync included), last 4096 commits.",
		"99th percentile of the same waits.",
		"Longest of the same waits.",
	};
	uint32_t w[3];

	put(s, "store_durable", NULL, SG_METRIC_GAUGE,
	    "1 when users and mailboxes are durable (store_dir set), else 0.", p->store != NULL);
	put(s, "mailbox_messages", NULL, SG_METRIC_GAUGE, "Messages waiting in mailboxes.",
	    p->store ? sg_store_mbox_total(p->store) : 0);
	sg_plane_commit_wait(p, &w[0], &w[1], &w[2]);
	for (int i = 0; i < 3; i++)
		sg_metrics_emit(s, &(struct sg_metric){ .name = names[i], .unit = "seconds",
							.help = helps[i], .type = SG_METRIC_GAUGE,
							.value = w[i], .scale = 1000000 });
}

static void policy_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s)
{
	const struct sg_policy_set *set = p->policy_set;
	const struct sg_rules *rs = set ? sg_policy_rules(set->policy) : NULL;
	struct sg_policy_totals t;
	uint64_t *hits = sg_plane_policy_count(p, &t);

	put(s, "policy_rules", NULL, SG_METRIC_GAUGE, "Content policy rules in force.",
	    rs ? rs->n : 0);
	put(s, "policy_generation", NULL, SG_METRIC_GAUGE,
	    "Rule sets swapped in so far (1 after the start; 0: no policy).",
	    set ? set->generation : 0);
	put(s, "policy_compiling", NULL, SG_METRIC_GAUGE,
	    "1 while a rules change compiles on the policy thread.",
	    (uint64_t)sg_policy_job_busy(p->policy_job, NULL));
	if (!hits)
		return; /* out of memory: the counts are left out rather than wrong */
	put(s, "policy_scanned", NULL, SG_METRIC_COUNTER, "Cloud message bodies scanned.",
	    t.scanned);
	put(s, "policy_scanned", "bytes", SG_METRIC_COUNTER, "Bytes of cloud bodies scanned.",
	    t.bytes);
	put(s, "policy_errors", NULL, SG_METRIC_COUNTER,
	    "Scans that failed (the message was forwarded).", t.errors);
	for (unsigned v = 0; v <= SG_RULE_ACTION_MAX; v++)
		put_label(s, "policy_verdicts", SG_METRIC_COUNTER,
			  "Scanned bodies by verdict (the strongest rule that matched; none: no match).",
			  "verdict", sg_rules_action_name(v), t.verdicts[v]);
	for (unsigned r = 0; rs && r < rs->n; r++) {
		char id[16];

		snprintf(id, sizeof(id), "%u", rs->v[r].id);
		put_label(s, "policy_rule_hits", SG_METRIC_COUNTER,
			  "Bodies a rule in force matched, since the start (carried across swaps by rule id).",
			  "rule", id, hits[r]);
	}
	free(hits);
}

static void hs_lcore_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s)
{
	char id[16];

	for (unsigned l = 0; l < p->n_hs_lcores; l++) {
		snprintf(id, sizeof(id), "%u", l);
		put_label(s, "handshake_lcore_prepared", SG_METRIC_COUNTER,
			  "Handshakes whose X25519 half this handshake lcore did.", "lcore", id,
			  __atomic_load_n(&p->hs_lcores[l].prepared, __ATOMIC_RELAXED));
	}
	for (unsigned l = 0; l < p->n_hs_lcores; l++) {
		snprintf(id, sizeof(id), "%u", l);
		put_label(s, "handshake_lcore_sleeps", SG_METRIC_COUNTER,
			  "Times this handshake lcore slept, idle.", "lcore", id,
			  __atomic_load_n(&p->hs_lcores[l].sleeps, __ATOMIC_RELAXED));
	}
}

/* Bounds that bit outside the control counters (docs/SECURITY.md, "Resource bounds"). */
static void bounds_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s)
{
	struct sg_ctl_server_counts c = { 0 };
	struct sg_metrics_http_counts h = { 0 };

	put(s, "handshake_bucket_collisions", NULL, SG_METRIC_COUNTER,
	    "The control plane's per-source handshake buckets: a new source took the slot of "
	    "another (whose bucket was lost; the table holds 16384).", p->ratelimit.collisions);
	if (p->ctl)
		sg_ctl_server_counts(p->ctl, &c);
	put(s, "control_socket_refused", NULL, SG_METRIC_COUNTER,
	    "Operator socket connections refused: all 16 slots answering.", c.refused);
	put(s, "control_socket_evicted", NULL, SG_METRIC_COUNTER,
	    "Idle operator socket connections closed for a newer one.", c.evicted);
	put(s, "control_socket_timed_out", NULL, SG_METRIC_COUNTER,
	    "Operator socket connections dropped at their 2 s deadline.", c.timed_out);
	put(s, "control_socket_too_long", NULL, SG_METRIC_COUNTER,
	    "Operator requests longer than 1024 bytes (refused).", c.too_long);
	if (p->metrics && p->metrics->http)
		sg_metrics_http_counts(p->metrics->http, &h);
	put(s, "metrics_refused", NULL, SG_METRIC_COUNTER,
	    "Metrics connections closed at once: all 8 slots taken.", h.refused);
	put(s, "metrics_timed_out", NULL, SG_METRIC_COUNTER,
	    "Metrics connections dropped at their 2 s deadline.", h.timed_out);
	put(s, "metrics_too_large", NULL, SG_METRIC_COUNTER,
	    "Metrics requests whose head was over 4096 bytes (431).", h.too_large);
	if (p->store) {
		uint64_t map, used;

		sg_store_map_use(p->store, &map, &used);
		put(s, "store_map", "bytes", SG_METRIC_GAUGE,
		    "The store's map size (store_map_mib): batches fail when it is used up.", map);
		put(s, "store_map_used", "bytes", SG_METRIC_GAUGE,
		    "Bytes of the store's map its pages use now.", used);
	}
}

void sg_plane_metrics(const struct sg_plane *p, const struct sg_metrics_sink *s)
{
	uint64_t now = (uint64_t)time(NULL);
	struct sg_secure_stats sec;
	struct sg_plane_rss rss;

	put(s, "uptime", "seconds", SG_METRIC_GAUGE, "Seconds since the relay started.",
	    now - p->started);
	put(s, "start_time", "seconds", SG_METRIC_GAUGE, "When the relay started, Unix time.",
	    p->started);
	put(s, "workers", NULL, SG_METRIC_GAUGE, "Data-plane worker lcores.", p->n_workers);
	put(s, "sessions", NULL, SG_METRIC_GAUGE, "Live sessions.", p->sessions->live);
	put(s, "users", NULL, SG_METRIC_GAUGE, "Registered users.", sg_registry_count(p->registry));
	put(s, "mbufs_in_use", NULL, SG_METRIC_GAUGE,
	    "Mbufs of the packet pool in use (queues, rings, caches, held replies).",
	    rte_mempool_in_use_count(p->pool));
	put(s, "memory_dpdk_heap", "bytes", SG_METRIC_GAUGE,
	    "Bytes the DPDK heap holds, all sockets (mempools, rings, tables, caches).",
	    sg_plane_heap_bytes());
	put(s, "memory_registry", "bytes", SG_METRIC_GAUGE, "Bytes of the user registry.",
	    sg_registry_bytes(p->registry));
	put(s, "memory_timers", "bytes", SG_METRIC_GAUGE, "Bytes of the session timing wheel.",
	    sg_wheel_bytes(p->wheel.capacity, SG_PLANE_WHEEL_BUCKETS));
	sg_plane_rss(&rss);
	put(s, "memory_rss", "bytes", SG_METRIC_GAUGE,
	    "Resident memory of the process (VmRSS; hugepages not included).", rss.rss);
	put(s, "memory_rss_anon", "bytes", SG_METRIC_GAUGE,
	    "Resident anonymous memory (malloc: registry, timers, store counts, policy).", rss.anon);
	put(s, "memory_rss_shmem", "bytes", SG_METRIC_GAUGE,
	    "Resident shared memory (the DPDK heap as it is touched, with --no-huge).", rss.shmem);
	sg_secure_stats(&sec);
	put(s, "secret_regions", NULL, SG_METRIC_GAUGE,
	    "Memory regions holding secrets marked locked and left out of core dumps, since the "
	    "start.", sec.regions);
	put(s, "secret_regions_unlocked", NULL, SG_METRIC_GAUGE,
	    "Of those, regions mlock refused (RLIMIT_MEMLOCK): they may be swapped out.",
	    sec.unlocked);
	put(s, "secret_regions_dumpable", NULL, SG_METRIC_GAUGE,
	    "Of those, regions MADV_DONTDUMP refused: they go into core dumps.", sec.dumpable);
	for (unsigned c = 0; c < SG_PC_MAX; c++)
		put(s, sg_plane_counter_name(c), NULL, SG_METRIC_COUNTER,
		    counter_help[c] ? counter_help[c] : "A control-plane counter (docs/OPERATIONS.md).",
		    p->counters[c]);
	store_metrics(p, s);
	bounds_metrics(p, s);
	policy_metrics(p, s);
	hs_lcore_metrics(p, s);
	if (!p->metrics)
		return;
	put(s, "metrics_requests", NULL, SG_METRIC_COUNTER,
	    "HTTP requests the metrics endpoint answered (scrapes, and refusals such as 404).",
	    p->metrics->scrapes);
	if (p->metrics->workers)
		p->metrics->workers(p->metrics->workers_arg, s);
}

/* GET /metrics: the whole exposition. */
static int scrape(void *ctx, struct sg_ctl_buf *body)
{
	struct sg_plane *p = ctx;
	struct sg_metrics_prom w;

	sg_metrics_prom_init(&w, body);
	sg_plane_metrics(p, &(struct sg_metrics_sink){ sg_metrics_prom_emit, &w });
	return w.errors ? -1 : 0;
}

int sg_plane_metrics_init(struct sg_plane *p, sg_plane_metrics_fn workers, void *workers_arg,
			  char *err, size_t errlen)
{
	struct sg_metrics_ctl *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return -1;
	}
	m->workers = workers;
	m->workers_arg = workers_arg;
	p->metrics = m;
	if (strcmp(p->cfg->metrics_listen, "off") == 0)
		return 0;
	m->http = sg_metrics_http_open(p->cfg->metrics_listen, err, errlen);
	return m->http ? 0 : 1;
}

void sg_plane_metrics_fini(struct sg_plane *p)
{
	if (!p->metrics)
		return;
	sg_metrics_http_close(p->metrics->http);
	free(p->metrics);
	p->metrics = NULL;
}

unsigned sg_plane_metrics_poll(struct sg_plane *p)
{
	int n;

	if (!p->metrics || !p->metrics->http)
		return 0;
	n = sg_metrics_http_poll(p->metrics->http, scrape, p, METRICS_SCRAPES_PER_ROUND);
	p->metrics->scrapes += (unsigned)n;
	return (unsigned)n;
}

unsigned sg_plane_metrics_pollfds(const struct sg_plane *p, struct pollfd *pfd, unsigned max)
{
	if (!p->metrics || !p->metrics->http)
		return 0;
	return sg_metrics_http_pollfds(p->metrics->http, pfd, max);
}
