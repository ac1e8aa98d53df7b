/* SPDX-License-Identifier: MIT */
/*
 * capture.h - the readers' side of a packet capture (control/capture_ctl.h):
 * does a frame match the published capture, and its copy into the reader's
 * ring.  Called by a worker at its two hook points (RX before processing,
 * TX before the TX buffer) only when a capture is published.
 */
#ifndef SG_DATAPLANE_CAPTURE_H
#define SG_DATAPLANE_CAPTURE_H

#include <stdint.h>

#include "control/capture_ctl.h"

struct rte_mbuf;

/*
 * Copy m (port, queue; out: 1 sent, 0 received) into reader's ring when it
 * matches d: every frame of d->port, or the UDP frames of d->session (see
 * capture.c).  Never waits; counts what it could not copy.  An
 * sg_capture_tap_fn.
 */
void sg_capture_tap(struct sg_capture_desc *d, unsigned reader, uint16_t port, uint16_t queue,
		    const struct rte_mbuf *m, int out);

#endif /* SG_DATAPLANE_CAPTURE_H */
