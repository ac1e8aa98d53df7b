/* SPDX-License-Identifier: MIT */
/* config_ctl.h - config reload on the control plane (config_ctl.c). */
#ifndef SG_CONTROL_CONFIG_CTL_H
#define SG_CONTROL_CONFIG_CTL_H

#include "ctl.h"

struct sg_plane;

/*
 * Read the configuration again and apply its reloadable keys; the report
 * goes into b (SG_CTL_OK), or, when the rules compile, to the control
 * connection token (answer set: SG_CTL_DEFER) or to stderr (answer 0, a
 * SIGHUP) when they are in force.  An error code with the reason in b when
 * nothing could be read (nothing changed) or the rules cannot start now.
 */
int sg_plane_config_reload(struct sg_plane *p, int answer, unsigned token, int json,
			   struct sg_ctl_buf *b);

/* "config reload [json]" */
int sg_plane_config_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);

#endif /* SG_CONTROL_CONFIG_CTL_H */
