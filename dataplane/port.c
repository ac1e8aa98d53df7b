/* SPDX-License-Identifier: MIT */
/* port.c - ethdev configuration and start/stop (see port.h). */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "port.h"

enum { RX_DESC = 1024, TX_DESC = 1024 };

int sg_port_start(uint16_t port, unsigned n_workers, struct rte_mempool *pool, uint8_t mac[6],
		  int *extra_rx, char *err, size_t errlen)
{
	unsigned n_rx;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr ea;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(port)) {
		snprintf(err, errlen, "port %u: no such DPDK port (add a --vdev or bind a NIC)",
			 port);
		return -1;
	}
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: dev_info: %s", port, strerror(-rc));
		return -1;
	}
	/*
	 * net_tap refuses unequal queue counts; net_af_packet spreads received
	 * frames over all its qpairs sockets (PACKET_FANOUT), the one beside the
	 * control plane's TX queue included.  Both get the extra RX queue.
	 */
	*extra_rx = strcmp(info.driver_name, "net_tap") == 0 ||
		    strcmp(info.driver_name, "net_af_packet") == 0;
	n_rx = n_workers + (*extra_rx ? 1 : 0);
	if (info.max_rx_queues < n_rx || info.max_tx_queues < n_workers + 1) {
		snprintf(err, errlen, "port %u (%s): needs %u RX and %u TX queues, has %u and %u",
			 port, info.driver_name, n_rx, n_workers + 1, info.max_rx_queues,
			 info.max_tx_queues);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	if (n_workers > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	rc = rte_eth_dev_configure(port, (uint16_t)n_rx, (uint16_t)(n_workers + 1), &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = 0;
	for (unsigned q = 0; rc == 0 && q < n_rx; q++)
		rc = rte_eth_rx_queue_setup(port, (uint16_t)q, nrx, (unsigned)socket, NULL, pool);
	for (unsigned q = 0; rc == 0 && q <= n_workers; q++)
		rc = rte_eth_tx_queue_setup(port, (uint16_t)q, ntx, (unsigned)socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): configure/start: %s", port, info.driver_name,
			 strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	rte_eth_promiscuous_enable(port); /* best effort; virtual PMDs may refuse */
	rte_eth_macaddr_get(port, &ea);
	memcpy(mac, ea.addr_bytes, 6);
	return 0;
}

void sg_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
