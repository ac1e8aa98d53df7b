/* SPDX-License-Identifier: MIT */
/*
 * stats_ctl.c - what the relay says about itself on the operator socket:
 * "stats" (every counter: control plane, store, policy, handshake lcores,
 * workers) and "status" (version, uptime, workers, ports, crypto, the
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
#include "hs_lcore.h"
#include "keys_ctl.h"
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

void sg_plane_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	uint64_t up = (uint64_t)time(NULL) - p->started;

	if (json) {
		sg_ctl_buf_printf(b, "{\"uptime_s\": %llu, \"sessions\": %u, \"users\": %llu, "
				     "\"mbufs_in_use\": %u, \"memory\": {\"dpdk_heap_bytes\": %llu, "
				     "\"registry_bytes\": %llu, \"timers_bytes\": %llu}, "
				     "\"control\": {",
				  (unsigned long long)up, p->sessions->live,
				  (unsigned long long)sg_registry_count(p->registry),
				  rte_mempool_in_use_count(p->pool), (unsigned long long)sg_plane_heap_bytes(),
				  (unsigned long long)sg_registry_bytes(p->registry),
				  (unsigned long long)sg_wheel_bytes(p->wheel.capacity,
								     SG_PLANE_WHEEL_BUCKETS));
		for (unsigned c = 0; c < SG_PC_MAX; c++)
			sg_ctl_buf_printf(b, "%s\"%s\": %llu", c ? ", " : "", sg_plane_counter_name(c),
					  (unsigned long long)p->counters[c]);
		sg_ctl_buf_printf(b, "}");
		store_stats(p, b, 1);
		sg_plane_policy_stats(p, b, 1);
		sg_ctl_buf_printf(b, ", \"handshake_lcores\": [");
		for (unsigned l = 0; l < p->n_hs_lcores; l++)
			sg_ctl_buf_printf(b, "%s{\"prepared\": %llu, \"sleeps\": %llu}", l ? ", " : "",
					  (unsigned long long)__atomic_load_n(
						  &p->hs_lcores[l].prepared, __ATOMIC_RELAXED),
					  (unsigned long long)p->hs_lcores[l].sleeps);
		sg_ctl_buf_printf(b, "]");
		if (p->worker_stats)
			p->worker_stats(p->worker_stats_arg, b, 1);
		sg_ctl_buf_printf(b, "}\n");
		return;
	}
	sg_ctl_buf_printf(b, "uptime %llu s, %u sessions, %llu users, %u mbufs in use\n"
			     "memory: DPDK heap %.1f MiB, user registry %.1f MiB\n",
			  (unsigned long long)up, p->sessions->live,
			  (unsigned long long)sg_registry_count(p->registry),
			  rte_mempool_in_use_count(p->pool), (double)sg_plane_heap_bytes() / 1048576.0,
			  (double)sg_registry_bytes(p->registry) / 1048576.0);
	for (unsigned c = 0; c < SG_PC_MAX; c++)
		sg_ctl_buf_printf(b, "  %-22s %llu\n", sg_plane_counter_name(c),
				  (unsigned long long)p->counters[c]);
	store_stats(p, b, 0);
	sg_plane_policy_stats(p, b, 0);
	for (unsigned l = 0; l < p->n_hs_lcores; l++)
		sg_ctl_buf_printf(b, "handshake lcore %u: %llu prepared\n", l,
				  (unsigned long long)__atomic_load_n(&p->hs_lcores[l].prepared,
								     __ATOMIC_RELAXED));
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
