/* SPDX-License-Identifier: MIT */
/*
 * port.h - ethdev set-up for the relay: one RX queue per worker, one TX
 * queue per worker plus one for the control plane; RSS over IP/UDP where
 * the PMD has it (virtual PMDs without RSS get frames from peers that pick
 * the queue themselves, by session).
 */
#ifndef SG_DATAPLANE_PORT_H
#define SG_DATAPLANE_PORT_H

#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

/*
 * Configure and start a port.  *extra_rx is set when the PMD insists on as
 * many RX as TX queues (net_tap) or spreads frames over all its queue pairs
 * (net_af_packet, qpairs = workers + 1): RX queue n_workers then exists too,
 * and the control lcore polls it (main.c), since frames the kernel puts
 * there would otherwise never be read.
 */
int sg_port_start(uint16_t port, unsigned n_workers, struct rte_mempool *pool, uint8_t mac[6],
		  int *extra_rx, char *err, size_t errlen);
void sg_port_stop(uint16_t port);

#endif /* SG_DATAPLANE_PORT_H */
