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
 * not fill the pool for nothing.
 *
 * What "one session's frames" means on the wire (PROTOCOL.md): received,
 * the transport messages whose receiver index is the session's index;
 * sent, the transport messages to the client (receiver index = the
 * client's index, to its UDP port) and the HANDSHAKE_RESP or RESUME_RESP
 * that opened the session (sender index = the session's).  The initiation
 * or resumption that asked for it names no relay index: it is not included.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng is experimental in 22.11 */

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "capture.h"
#include "proto/bytes.h"
#include "proto/messages.h"
#include "proto/pkt.h"

/* Transport messages (section 6.1): a 16-byte header naming the receiver. */
static int transport(uint8_t type)
{
	return (type >= SG_MSG_DATA && type <= SG_MSG_KEY_INFO) || type == SG_MSG_TICKET;
}

static int session_match(const struct sg_capture_desc *d, const struct rte_mbuf *m, int out)
{
	struct sg_pkt pk;
	const uint8_t *u;

	if (m->nb_segs != 1 ||
	    sg_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &pk) !=
		    SG_PKT_UDP ||
	    pk.payload_len < SG_HDR_LEN)
		return 0;
	u = rte_pktmbuf_mtod_offset(m, const uint8_t *, pk.payload_off);
	if (!out)
		return transport(u[0]) && sg_le32(u + SG_HDR_OFF_RECEIVER) == d->session;
	if (u[0] == SG_MSG_HANDSHAKE_RESP || u[0] == SG_MSG_RESUME_RESP)
		return sg_le32(u + SG_RESP_OFF_SENDER) == d->session;
	return transport(u[0]) && sg_le32(u + SG_HDR_OFF_RECEIVER) == d->peer_index &&
	       pk.dst_port == d->peer_port;
}

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
	if (d->mode == SG_CAPTURE_PORT ? port != d->port : !session_match(d, m, out))
		return;
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
