/* SPDX-License-Identifier: MIT */
/*
 * traffic.c - the chat phase: for --duration seconds, DATA frame number
 * seq goes from user s = seq % N to user (s + 1) % N (class cloud), sealed
 * with s's session key and its next counter, on the TX queue of s's worker.
 * Pacing uses the TSC: frame i is due at start + i / rate; each round sends
 * the frames that are due (at most a burst, so a late round catches up
 * without one large burst), and polls RX.  --rate 0 sends full bursts.
 * The last second of the timeline also holds the drain (frames in flight).
 * The frames themselves: data.c.
 */
#include <stdio.h>

#include <rte_cycles.h>

#include "gen.h"

/* Close one second of the timeline; its rates are per (now - *mark). */
static void end_second(struct sg_gen *g, struct sg_gen_counters *prev, uint64_t *mark,
		       uint64_t now)
{
	struct sg_gen_second *s = &g->sec[g->n_sec];
	double dt = (double)(now - *mark) / (double)g->hz;

	s->offered = g->c.offered - prev->offered;
	s->delivered = g->c.delivered - prev->delivered;
	s->p99_ns = sg_gen_hist_quantile(&g->lat, 0.99);
	sg_gen_progress(g, g->n_sec + 1, prev, dt);
	g->n_sec++;
	*prev = g->c;
	*mark = now;
}

int sg_gen_traffic(struct sg_gen *g)
{
	uint64_t start = rte_get_tsc_cycles(), now = start, seq = 0, mark = start;
	uint64_t end = start + g->hz * g->o.duration_s, next_sec = start + g->hz;
	uint64_t drain_end;
	double per_tsc = g->o.rate / (double)g->hz;
	struct sg_gen_counters prev = g->c;

	while (now < end) {
		uint64_t due = g->o.rate > 0 ? (uint64_t)((double)(now - start) * per_tsc) + 1 :
					      seq + SG_GEN_BURST;
		unsigned n = due > seq ? (unsigned)(due - seq < SG_GEN_BURST ? due - seq :
										SG_GEN_BURST) : 0;

		if (n) {
			sg_gen_send_data(g, seq, n);
			seq += n;
		}
		sg_gen_poll_rx(g);
		now = rte_get_tsc_cycles();
		if (now >= next_sec && g->n_sec + 1 < g->o.duration_s) {
			end_second(g, &prev, &mark, now);
			next_sec += g->hz;
		}
	}
	g->run_s = (double)(now - start) / (double)g->hz;
	drain_end = now + sg_gen_ms_to_tsc(g, SG_GEN_DRAIN_MS);
	while (rte_get_tsc_cycles() < drain_end)
		sg_gen_poll_rx(g);
	if (g->n_sec < g->o.duration_s) /* its rates per the traffic, not the drain */
		end_second(g, &prev, &mark, now);
	fputc('\n', stderr);
	return 0;
}
