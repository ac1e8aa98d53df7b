/* SPDX-License-Identifier: MIT */
/*
 * stats_ctl.c - what the relay says about itself on the operator socket:
 * "stats" (every counter: control plane, store, policy, handshake lcores,
 * workers, and each port's own counters from its driver) and "status" (version, uptime, workers, ports, crypto, the
 * relay's public key and, during a key rotation's grace period, the
 * previous one).  Read only: counters are relaxed snapshots, each with one
 * writer elsewhere.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "hs_lcore.h"
#include "keys_ctl.h"
#include "metrics_ctl.h"
#include "metrics_http.h"
#include "plane.h"
#include "registry.h"
#include "store.h"

/* plane.h */
uint64_t sg_plane_heap_bytes(void)
{
	uint64_t sum = 0;

	for (unsigned s = 0; s < rte_socket_count(); s++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			sum += st.heap_allocsz_bytes;
	}
	return sum;
}

/* plane.h */
void sg_plane_rss(struct sg_plane_rss *out)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];

	memset(out, 0, sizeof(*out));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kb;

		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			out->rss = kb * 1024;
		else if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			out->anon = kb * 1024;
		else if (sscanf(line, "RssShmem: %llu kB", &kb) == 1)
			out->shmem = kb * 1024;
	}
	fclose(f);
}

/* The store: mailbox total and commit waits (JSON member or text lines). */
static void store_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	uint32_t p50, p99, max;
	unsigned long long total = p->store ? sg_store_mbox_total(p->store) : 0;

	sg_plane_commit_wait(p, &p50, &p99, &max);
	if (json) {
		sg_ctl_buf_printf(b, ", \"store\": {\"durable\": %s, \"mailbox_messages\": %llu, "
				     "\"commit_wait_us\": {\"p50\": %u, \"p99\": %u, \"max\": %u}}",
				  p->store ? "true" : "false", total, p50, p99, max);
		return;
	}
	if (!p->store) {
		sg_ctl_buf_printf(b, "store: none (users and mailboxes are not durable)\n");
		return;
	}
	sg_ctl_buf_printf(b, "store: %llu messages in mailboxes; commit wait p50 %u us, "
			     "p99 %u us, max %u us (last %u commits)%s%s\n",
			  total, p50, p99, max, SG_COMMIT_SAMPLES,
			  p->store_error[0] ? "; last error: " : "", p->store_error);
}

/*
 * Bounds that bit outside the counters above (docs/SECURITY.md, "Resource
 * bounds"): the control plane's handshake buckets, the operator socket, the
 * metrics endpoint, the store's map.
 */
static void bounds_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	struct sg_ctl_server_counts c = { 0 };
	struct sg_metrics_http_counts h = { 0 };
	uint64_t map = 0, used = 0;

	if (p->ctl)
		sg_ctl_server_counts(p->ctl, &c);
	if (p->metrics && p->metrics->http)
		sg_metrics_http_counts(p->metrics->http, &h);
	if (p->store)
		sg_store_map_use(p->store, &map, &used);
	sg_ctl_buf_printf(b, json ? ", \"bounds\": {\"handshake_bucket_collisions\": %llu, "
				    "\"control_socket_refused\": %llu, \"control_socket_evicted\": %llu, "
				    "\"control_socket_timed_out\": %llu, \"control_socket_too_long\": %llu, "
				    "\"metrics_refused\": %llu, \"metrics_timed_out\": %llu, "
				    "\"metrics_too_large\": %llu, \"store_map_bytes\": %llu, "
				    "\"store_map_used_bytes\": %llu}"
				  : "bounds: handshake bucket collisions %llu; control socket refused %llu, "
				    "evicted %llu, timed out %llu, too long %llu; metrics refused %llu, "
				    "timed out %llu, too large %llu; store map %llu bytes, %llu used\n",
			  (unsigned long long)p->ratelimit.collisions, (unsigned long long)c.refused,
			  (unsigned long long)c.evicted, (unsigned long long)c.timed_out,
			  (unsigned long long)c.too_long, (unsigned long long)h.refused,
			  (unsigned long long)h.timed_out, (unsigned long long)h.too_large,
			  (unsigned long long)map, (unsigned long long)used);
}

/*
 * Each port's driver counters (rte_eth_stats_get): what reached the port,
 * and what it lost before any worker saw it (imissed: RX ring full;
 * rx_nombuf: no mbuf to receive into; ierrors: bad frames).
 */
static void port_stats(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	if (json)
		sg_ctl_buf_printf(b, ", \"ports\": [");
	for (unsigned i = 0; i < p->cfg->n_ports; i++) {
		struct rte_eth_stats st;
		uint16_t port = p->cfg->ports[i];

		if (rte_eth_stats_get(port, &st) != 0)
			memset(&st, 0, sizeof(st));
		if (json)
			sg_ctl_buf_printf(b, "%s{\"port\": %u, \"ipackets\": %llu, \"imissed\": %llu, "
					     "\"ierrors\": %llu, \"rx_nombuf\": %llu, "
					     "\"opackets\": %llu, \"oerrors\": %llu}", i ? ", " : "",
					  port, (unsigned long long)st.ipackets,
					  (unsigned long long)st.imissed, (unsigned long long)st.ierrors,
					  (unsigned long long)st.rx_nombuf,
					  (unsigned long long)st.opackets, (unsigned long long)st.oerrors);
		else
			sg_ctl_buf_printf(b, "port %u: rx %llu, missed %llu, errors %llu, no mbuf "
					     "%llu; tx %llu, errors %llu\n", port,
					  (unsigned long long)st.ipackets,
					  (unsigned long long)st.imissed, (unsigned long long)st.ierrors,
					  (unsigned long long)st.rx_nombuf,
					  (unsigned long long)st.opackets, (unsigned long long)st.oerrors);
	}
	if (json)
		sg_ctl_buf_printf(b, "]");
}

void sg_plane_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	uint64_t up = (uint64_t)time(NULL) - p->started;
	struct sg_secure_stats sec;
	struct sg_plane_rss rss;

	sg_secure_stats(&sec);
	sg_plane_rss(&rss);
	if (json) {
		sg_ctl_buf_printf(b, "{\"uptime_s\": %llu, \"sessions\": %u, \"users\": %llu, "
				     "\"mbufs_in_use\": %u, \"memory\": {\"dpdk_heap_bytes\": %llu, "
				     "\"registry_bytes\": %llu, \"timers_bytes\": %llu, "
				     "\"rss_bytes\": %llu, \"rss_anon_bytes\": %llu, "
				     "\"rss_shmem_bytes\": %llu}, \"secrets\": {\"regions\": %llu, "
				     "\"bytes\": %llu, \"unlocked\": %llu, \"dumpable\": %llu}, "
				     "\"control\": {",
				  (unsigned long long)up, p->sessions->live,
				  (unsigned long long)sg_registry_count(p->registry),
				  rte_mempool_in_use_count(p->pool), (unsigned long long)sg_plane_heap_bytes(),
				  (unsigned long long)sg_registry_bytes(p->registry),
				  (unsigned long long)sg_wheel_bytes(p->wheel.capacity,
								     SG_PLANE_WHEEL_BUCKETS),
				  (unsigned long long)rss.rss, (unsigned long long)rss.anon,
				  (unsigned long long)rss.shmem, (unsigned long long)sec.regions,
				  (unsigned long long)sec.bytes, (unsigned long long)sec.unlocked,
				  (unsigned long long)sec.dumpable);
		for (unsigned c = 0; c < SG_PC_MAX; c++)
			sg_ctl_buf_printf(b, "%s\"%s\": %llu", c ? ", " : "", sg_plane_counter_name(c),
					  (unsigned long long)p->counters[c]);
		sg_ctl_buf_printf(b, "}");
		store_stats(p, b, 1);
		bounds_stats(p, b, 1);
		sg_plane_policy_stats(p, b, 1);
		sg_ctl_buf_printf(b, ", \"handshake_lcores\": [");
		for (unsigned l = 0; l < p->n_hs_lcores; l++)
			sg_ctl_buf_printf(b, "%s{\"prepared\": %llu, \"sleeps\": %llu}", l ? ", " : "",
					  (unsigned long long)__atomic_load_n(
						  &p->hs_lcores[l].prepared, __ATOMIC_RELAXED),
					  (unsigned long long)p->hs_lcores[l].sleeps);
		sg_ctl_buf_printf(b, "]");
		port_stats(p, b, 1);
		if (p->worker_stats)
			p->worker_stats(p->worker_stats_arg, b, 1);
		sg_ctl_buf_printf(b, "}\n");
		return;
	}
	sg_ctl_buf_printf(b, "uptime %llu s, %u sessions, %llu users, %u mbufs in use\n"
			     "memory: DPDK heap %.1f MiB, user registry %.1f MiB; resident %.1f MiB "
			     "(anonymous %.1f, shared %.1f)\n"
			     "secrets: %llu regions, %.1f MiB, locked and left out of core dumps; "
			     "%llu not locked, %llu dumpable\n",
			  (unsigned long long)up, p->sessions->live,
			  (unsigned long long)sg_registry_count(p->registry),
			  rte_mempool_in_use_count(p->pool), (double)sg_plane_heap_bytes() / 1048576.0,
			  (double)sg_registry_bytes(p->registry) / 1048576.0,
			  (double)rss.rss / 1048576.0, (double)rss.anon / 1048576.0,
			  (double)rss.shmem / 1048576.0, (unsigned long long)sec.regions,
			  (double)sec.bytes / 1048576.0, (unsigned long long)sec.unlocked,
			  (unsigned long long)sec.dumpable);
	for (unsigned c = 0; c < SG_PC_MAX; c++)
		sg_ctl_buf_printf(b, "  %-22s %llu\n", sg_plane_counter_name(c),
				  (unsigned long long)p->counters[c]);
	store_stats(p, b, 0);
	bounds_stats(p, b, 0);
	sg_plane_policy_stats(p, b, 0);
	for (unsigned l = 0; l < p->n_hs_lcores; l++)
		sg_ctl_buf_printf(b, "handshake lcore %u: %llu prepared\n", l,
				  (unsigned long long)__atomic_load_n(&p->hs_lcores[l].prepared,
								     __ATOMIC_RELAXED));
	port_stats(p, b, 0);
	if (p->worker_stats)
		p->worker_stats(p->worker_stats_arg, b, 0);
}

/* "stats [json]" */
/* "VERB" or "VERB json": 0 or 1; -1 (and the reason in b) for anything else. */
static int json_only(const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	if (r->argc == 1)
		return 0;
	if (r->argc == 2 && strcmp(r->argv[1], "json") == 0)
		return 1;
	sg_ctl_buf_printf(b, "usage: %s [json]", r->argv[0]);
	return -1;
}

int sg_plane_ctl_stats(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	int json = json_only(r, b);

	if (json < 0)
		return SG_CTL_E_ARGS;
	sg_plane_stats(p, b, json);
	return SG_CTL_OK;
}

/* "status [json]": the relay's state in short. */
/* Handshakes waiting: the workers' handshake rings and the handshake lcores' queues. */
static unsigned hs_backlog(const struct sg_plane *p)
{
	unsigned backlog = 0;

	for (unsigned w = 0; w < p->n_rings; w++)
		backlog += rte_ring_count(p->hs_rings[w]);
	for (unsigned l = 0; l < p->n_hs_lcores; l++)
		backlog += rte_ring_count(p->hs_lcores[l].in);
	return backlog;
}

/* The ports with their link state (rte_eth_link_get_nowait: never waits). */
static void ports_status(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	for (unsigned i = 0; i < p->cfg->n_ports; i++) {
		struct rte_eth_link link;
		uint16_t port = p->cfg->ports[i];
		int ok = rte_eth_link_get_nowait(port, &link) == 0;

		if (json)
			sg_ctl_buf_printf(b, "%s{\"port\": %u, \"link\": \"%s\", \"speed_mbps\": %u}",
					  i ? ", " : "", port,
					  !ok ? "unknown" : link.link_status ? "up" : "down",
					  ok && link.link_status ? link.link_speed : 0);
		else if (ok && link.link_status)
			sg_ctl_buf_printf(b, "  port %u: link up, %u Mbit/s%s\n", port,
					  link.link_speed, link.link_duplex ? ", full duplex" : "");
		else
			sg_ctl_buf_printf(b, "  port %u: link %s\n", port, ok ? "down" : "unknown");
	}
}

int sg_plane_ctl_status(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	int json = json_only(r, b);
	uint64_t up = (uint64_t)time(NULL) - p->started;
	unsigned backlog, mbufs, mbufs_max;
	uint8_t loaded;

	if (json < 0)
		return SG_CTL_E_ARGS;
	backlog = hs_backlog(p);
	loaded = __atomic_load_n(&p->under_load, __ATOMIC_RELAXED);
	mbufs = rte_mempool_in_use_count(p->pool);
	mbufs_max = p->pool->size;
	if (json) {
		sg_ctl_buf_printf(b, "{\"version\": \"%s\", \"uptime_s\": %llu, "
				     "\"workers\": %u, \"handshake_lcores\": %u, \"ports\": [",
				  SG_VERSION, (unsigned long long)up, p->n_workers, p->n_hs_lcores);
		ports_status(p, b, 1);
		sg_ctl_buf_printf(b, "], \"aes256gcm\": %s, \"load\": {\"under_load\": %s, "
				     "\"handshake_backlog\": %u, \"sessions\": %u, "
				     "\"max_sessions\": %u, \"mbufs_in_use\": %u, \"mbufs\": %u}, ",
				  sg_crypto_have_aes256gcm() ? "true" : "false",
				  loaded ? "true" : "false", backlog, p->sessions->live,
				  p->cfg->max_sessions, mbufs, mbufs_max);
		if (p->crypto_status)
			p->crypto_status(p->crypto_status_arg, b, 1);
	} else {
		sg_ctl_buf_printf(b, "surge-relay %s, up %llu s, %u workers, %u handshake lcores, "
				     "%u ports, AES-256-GCM %s\n",
				  SG_VERSION, (unsigned long long)up, p->n_workers, p->n_hs_lcores,
				  p->cfg->n_ports,
				  sg_crypto_have_aes256gcm() ? "in hardware" : "unavailable");
		ports_status(p, b, 0);
		sg_ctl_buf_printf(b, "load: %s (handshake backlog %u, cookie_backlog %u); "
				     "sessions %u of %u; mbufs %u of %u in use\n",
				  loaded ? "UNDER LOAD, cookies asked" : "normal", backlog,
				  p->cfg->cookie_backlog, p->sessions->live, p->cfg->max_sessions,
				  mbufs, mbufs_max);
		if (p->crypto_status)
			p->crypto_status(p->crypto_status_arg, b, 0);
	}
	/* The static key(s) clients must hold (keys_ctl.c), as --pubkey prints them. */
	sg_plane_keys_status(p, b, json);
	if (json)
		sg_ctl_buf_printf(b, "}\n");
	return SG_CTL_OK;
}
