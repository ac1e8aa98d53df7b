/* SPDX-License-Identifier: MIT */
/*
 * relay_stats.h - the relay's counters as integration tests read them: one
 * `stats json` request over the control socket (control/ctl.h) and a
 * minimal JSON reader, enough for the shape surge-relay writes (objects,
 * one array, unsigned numbers, strings without escapes).  Pure C, no DPDK.
 */
#ifndef SG_TEST_RELAY_STATS_H
#define SG_TEST_RELAY_STATS_H

#include <stddef.h>
#include <stdint.h>

enum { SG_TEST_MAX_WORKERS = 8 };

struct sg_test_worker_stats {
	uint64_t rx_frames, tx_frames, forwarded, to_control, arp;
	uint64_t drops;                     /* sum over every reason */
	uint64_t replay, tag, unknown_session;
};

struct sg_test_stats {
	uint64_t handshakes, signups;       /* "control" */
	struct sg_test_worker_stats total;  /* "total" */
	unsigned n_workers;                 /* entries of "workers" read */
	struct sg_test_worker_stats w[SG_TEST_MAX_WORKERS]; /* by "id" */
};

/*
 * Ask the relay at socket for "stats json" (waiting at most timeout_ms) and
 * read it into s.  0, or -1 with err set.
 */
int sg_test_stats_read(const char *socket, int timeout_ms, struct sg_test_stats *s, char *err,
		       size_t errlen);

/* Read a reply body (NUL-terminated) into s.  0, or -1 with err set. */
int sg_test_stats_parse(const char *json, struct sg_test_stats *s, char *err, size_t errlen);

#endif /* SG_TEST_RELAY_STATS_H */
