/* SPDX-License-Identifier: MIT */
/*
 * secure_mempool.c - see secure_mempool.h.
 */
#include <rte_mempool.h>

#include "crypto/secure.h"
#include "secure_mempool.h"

static void secure_chunk(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *m,
			 unsigned idx)
{
	(void)mp;
	(void)arg;
	(void)idx;
	(void)sg_secure_region(m->addr, m->len);
}

void sg_secure_mempool(struct rte_mempool *mp)
{
	rte_mempool_mem_iter(mp, secure_chunk, NULL);
}
