/* SPDX-License-Identifier: MIT */
/*
 * resume_ctl.h - the relay's resumption state on the control plane: the
 * ticket key ring's life (set up, wiped) and its export/import, by which
 * the relay keeps its ticket keys across a restart (reconnect storms follow
 * restarts).  sg_plane_resume and sg_plane_ticket_send are in plane.h.
 */
#ifndef SG_CONTROL_RESUME_CTL_H
#define SG_CONTROL_RESUME_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ticket.h"

struct sg_plane;

/*
 * A ticket key ring in locked memory: the store's keys when it has them,
 * else fresh ones (then written to the store).  0, or -1 with err.
 */
int sg_plane_resume_init(struct sg_plane *p, char *err, size_t errlen);
void sg_plane_resume_fini(struct sg_plane *p);

/*
 * The ring's current and previous keys, to be stored by the caller (the
 * buffer holds secrets: store it where the relay's static key is as safe,
 * wipe it after).  0, or -1 when there is no ring.
 */
int sg_plane_ticket_keys_export(const struct sg_plane *p, uint8_t out[SG_TICKET_KEYS_EXPORT_LEN]);

/*
 * Rotate the ring when due and, with a store, write its keys into the open
 * batch when the current key changed since they were last written.
 */
void sg_plane_tickets_sync(struct sg_plane *p);

/* Put stored keys back (after init, before traffic).  SG_OK or ticket.h's errors. */
int sg_plane_ticket_keys_import(struct sg_plane *p, const uint8_t in[SG_TICKET_KEYS_EXPORT_LEN]);

#endif /* SG_CONTROL_RESUME_CTL_H */
