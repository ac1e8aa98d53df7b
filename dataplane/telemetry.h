/* SPDX-License-Identifier: MIT */
/*
 * telemetry.h - the relay's metrics as DPDK telemetry commands, for DPDK's
 * own dpdk-telemetry.py (docs/OPERATIONS.md, "Metrics"):
 *
 *   /surge/stats          every relay-wide series (the names of
 *                         `surgectl --json stats`; labelled ones as a dict)
 *   /surge/workers[,ID]   totals over the workers, or worker ID's counters;
 *                         drops by reason as the dict "drops"
 *   /surge/policy[,PAGE]  the policy's totals and verdicts, or one page of
 *                         per-rule hits (SG_TELEMETRY_PAGE rules a page: a
 *                         22.11 reply holds at most 256 dict entries)
 *
 * DPDK calls the commands on its telemetry thread, not the control lcore,
 * so they read only a snapshot of the series (control/metrics_ctl.h's
 * sg_plane_metrics, the same as Prometheus gets) that the control lcore
 * rebuilds once a second in sg_telemetry_tick.  The snapshot is swapped
 * under a mutex the control lcore only ever try-locks: a reader can delay
 * a refresh by a round, never stall the loop.
 */
#ifndef SG_DATAPLANE_TELEMETRY_H
#define SG_DATAPLANE_TELEMETRY_H

#include <stdint.h>

struct sg_plane;

enum {
	SG_TELEMETRY_PAGE = 200,         /* rules per /surge/policy page */
	SG_TELEMETRY_REFRESH_MS = 1000,  /* snapshot age, at most (plus a round) */
};

/*
 * Register the commands (once per process: DPDK cannot unregister them)
 * and take a first snapshot of p.  0, or -1 when DPDK refused a command.
 */
int sg_telemetry_init(struct sg_plane *p);

/* Control lcore, once a round: a new snapshot when the last is old enough. */
void sg_telemetry_tick(struct sg_plane *p);

/* The commands answer an error from here on; the snapshots are freed. */
void sg_telemetry_fini(void);

#endif /* SG_DATAPLANE_TELEMETRY_H */
