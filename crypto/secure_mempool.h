/* SPDX-License-Identifier: MIT */
/*
 * secure_mempool.h - a DPDK mempool's memory locked and left out of core
 * dumps (crypto/secure.h, sg_secure_region on every chunk): the mbuf pool,
 * whose frames are opened in place, and the cryptodev session pools, which
 * hold the device's copy of the keys.
 */
#ifndef SG_CRYPTO_SECURE_MEMPOOL_H
#define SG_CRYPTO_SECURE_MEMPOOL_H

struct rte_mempool;

/* Every memory chunk of mp through sg_secure_region (counted there). */
void sg_secure_mempool(struct rte_mempool *mp);

#endif /* SG_CRYPTO_SECURE_MEMPOOL_H */
