/* SPDX-License-Identifier: MIT */
/*
 * capture.c - the readers' side of a packet capture: match, copy with
 * rte_pcapng_copy into the capture's pool, enqueue on the reader's own ring
 * (single producer: one reader per ring).
 *
 * Invariants: never blocks, never logs; a frame it cannot copy is counted
 * (ring_full, no_mbuf) and goes on as if no capture ran: the original mbuf
 * is only read.  A reader copies at most d->count frames (the control plane
 * writes at most that many in all), so a short capture of a busy port does
 * not fill the pool for nothing.  What "one session's frames" are:
 * control/capture_match.h.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng is experimental in 22.11 */

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "capture.h"
#include "control/capture_match.h"

/*
 * rte_pcapng_copy (22.11) turns the TSC into time with a base taken in a
 * constructor, before EAL has measured the TSC: its timestamps are wrong.
 * Ours go into the Enhanced Packet Block instead (block type 6, then
 * length, interface, timestamp high and low words, in host order):
 * nanoseconds since the epoch, the resolution its interface blocks declare.
 */
static void stamp(const struct sg_capture_desc *d, struct rte_mbuf *copy, uint64_t tsc)
{
	uint32_t *epb = rte_pktmbuf_mtod(copy, uint32_t *);
	uint64_t dt = tsc - d->tsc0, ns;

	if (rte_pktmbuf_data_len(copy) < 20 || epb[0] != 6 || !d->tsc_hz)
		return;
	ns = d->ns0 + dt / d->tsc_hz * 1000000000ull + dt % d->tsc_hz * 1000000000ull / d->tsc_hz;
	epb[3] = (uint32_t)(ns >> 32);
	epb[4] = (uint32_t)ns;
}

void sg_capture_tap(struct sg_capture_desc *d, unsigned reader, uint16_t port, uint16_t queue,
		    const struct rte_mbuf *m, int out)
{
	struct sg_capture_reader *c = &d->readers[reader];
	struct rte_mbuf *copy;
	uint64_t tsc;

	if (c->captured >= d->count)
		return;
	if (d->mode == SG_CAPTURE_PORT ? port != d->port :
					  m->nb_segs != 1 ||
					  !sg_capture_match(&d->filter, rte_pktmbuf_mtod(m, const uint8_t *),
							    rte_pktmbuf_data_len(m), out))
		return;
	if (rte_ring_full(d->rings[reader])) { /* only we fill it: no copy for nothing */
		c->ring_full++;
		return;
	}
	tsc = rte_get_tsc_cycles();
	copy = rte_pcapng_copy(port, queue, m, d->mp, SG_CAPTURE_SNAPLEN, tsc,
			       out ? RTE_PCAPNG_DIRECTION_OUT : RTE_PCAPNG_DIRECTION_IN);
	if (!copy) {
		c->no_mbuf++;
		return;
	}
	stamp(d, copy, tsc);
	if (rte_ring_sp_enqueue(d->rings[reader], copy) != 0) {
		rte_pktmbuf_free(copy);
		c->ring_full++;
		return;
	}
	c->captured++;
}
