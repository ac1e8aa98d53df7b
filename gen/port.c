/* SPDX-License-Identifier: MIT */
/*
 * port.c - surge-gen's DPDK port 0 (the net_memif server of the EAL
 * arguments): Q RX and Q - 1 TX queues (gen.h), a bounded wait for the
 * memif connection, single-frame TX for ARP and handshakes, and a bounded
 * linger at the end: DPDK 22.11's memif unmaps the rings on a disconnect
 * without waiting for the relay's busy-polling workers, so this side waits
 * (not touching the port) for the relay to close the connection first.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen.h"

enum { POOL_MBUFS = 16383, POOL_CACHE = 256, RING = 1024, TX_TRIES = 2000, IDLE_US = 50 };

uint64_t sg_gen_ms_to_tsc(const struct sg_gen *g, uint64_t ms)
{
	return g->hz / 1000 * ms;
}

int sg_gen_port_start(struct sg_gen *g)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	struct rte_ether_addr ea;
	uint64_t deadline;
	int rc;

	memset(&conf, 0, sizeof(conf));
	g->port = 0;
	if (!rte_eth_dev_is_valid_port(g->port)) {
		fprintf(stderr, "surge-gen: no DPDK port 0 (add --vdev net_memif0,role=server,"
				"socket=PATH to the EAL arguments)\n");
		return -1;
	}
	g->pool = rte_pktmbuf_pool_create("gen_mbufs", POOL_MBUFS, POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!g->pool) {
		fprintf(stderr, "surge-gen: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rc = rte_eth_dev_configure(g->port, (uint16_t)g->rxq, (uint16_t)g->txq, &conf);
	for (unsigned q = 0; rc == 0 && q < g->rxq; q++)
		rc = rte_eth_rx_queue_setup(g->port, (uint16_t)q, RING, rte_socket_id(), NULL,
					    g->pool);
	for (unsigned q = 0; rc == 0 && q < g->txq; q++)
		rc = rte_eth_tx_queue_setup(g->port, (uint16_t)q, RING, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(g->port);
	if (rc != 0) {
		fprintf(stderr, "surge-gen: port: %s\n", strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	rte_eth_macaddr_get(g->port, &ea);
	memcpy(g->mac, ea.addr_bytes, 6);
	fprintf(stderr, "surge-gen: port up (%u RX, %u TX queues), waiting up to %u s for the "
			"relay's memif connection\n", g->rxq, g->txq, g->o.link_timeout_s);
	deadline = rte_get_tsc_cycles() + g->hz * g->o.link_timeout_s;
	for (uint64_t i = 0; i < (uint64_t)g->o.link_timeout_s * 1000 + 1; i++) {
		if (rte_eth_link_get_nowait(g->port, &link) == 0 && link.link_status) {
			g->linked = 1;
			return 0;
		}
		if (rte_get_tsc_cycles() >= deadline)
			break;
		usleep(1000);
	}
	fprintf(stderr, "surge-gen: the memif link did not come up in %u s (is the relay "
			"running as memif client on this socket?)\n", g->o.link_timeout_s);
	return -1;
}

int sg_gen_send_frame(struct sg_gen *g, unsigned q, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	char *d;

	if (!m || !(d = rte_pktmbuf_append(m, (uint16_t)len))) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, frame, len);
	for (unsigned t = 0; t < TX_TRIES; t++) {
		if (rte_eth_tx_burst(g->port, (uint16_t)q, &m, 1) == 1)
			return 0;
		sg_gen_poll_rx(g);
		usleep(IDLE_US);
	}
	rte_pktmbuf_free(m);
	g->c.tx_full++;
	return -1;
}

void sg_gen_port_linger(struct sg_gen *g)
{
	struct rte_eth_link link;
	uint64_t deadline = rte_get_tsc_cycles() + g->hz * g->o.linger_s;

	if (!g->linked || g->o.linger_s == 0)
		return;
	fprintf(stderr, "surge-gen: waiting up to %u s for the relay to close the memif "
			"connection (stop the relay now)\n", g->o.linger_s);
	for (uint64_t i = 0; i < (uint64_t)g->o.linger_s * 100 + 1; i++) {
		if (rte_eth_link_get_nowait(g->port, &link) == 0 && !link.link_status) {
			fprintf(stderr, "surge-gen: the relay closed the connection\n");
			return;
		}
		if (rte_get_tsc_cycles() >= deadline)
			break;
		usleep(10000);
	}
	fprintf(stderr, "surge-gen: the connection was still up after %u s\n", g->o.linger_s);
}

void sg_gen_port_stop(struct sg_gen *g)
{
	if (!g->pool)
		return;
	rte_eth_dev_stop(g->port);
	rte_eth_dev_close(g->port);
	rte_mempool_free(g->pool);
	g->pool = NULL;
}
