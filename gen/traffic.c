/* SPDX-License-Identifier: MIT */
/*
 * traffic.c - the chat phase: for --duration seconds, DATA frame number
 * seq goes from user s = seq % N to user (s + 1) % N, sealed with s's
 * session key and its next counter, on the TX queue of s's worker (data.c).
 * Pacing uses the TSC: frame i is due at start + i / rate; each round sends
 * the frames that are due (at most a burst).  A generator held up for longer
 * (descheduled, or busy with handshakes) does not catch up: it skips all but
 * one burst of what fell due and counts them (pace_skipped), so it is never
 * bursty by accident.  Each round also gives the surge population its turn
 * (a bounded number of initiations, surge_io.c), then the flood its turn
 * (a burst at most, flood_io.c), and polls RX.  --rate 0
 * sends full bursts.  Each second closes a row of the timeline (timeline.c); the last
 * row also holds the drain (frames and handshakes in flight).
 *
 * The relay's health: every SG_GEN_HEALTH_MS the memif link is looked at,
 * and when something was sent SG_GEN_STALL_MS ago and nothing at all came
 * back since, the relay is taken to have stopped.  Either ends the phase
 * with g->failed set (a partial report follows, exit code 1), never a hang.
 * The frames themselves: data.c.
 */
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "gen.h"

int sg_gen_relay_alive(struct sg_gen *g, uint64_t now)
{
	struct rte_eth_link link;
	double at = (double)(now - g->t0_tsc) / (double)g->hz;

	if (g->failed)
		return -1;
	if (g->unanswered_since && now - g->unanswered_since > sg_gen_ms_to_tsc(g, SG_GEN_STALL_MS)) {
		snprintf(g->failed_buf, sizeof(g->failed_buf), "the relay stopped answering at "
			 "%.1f s (nothing back for %u ms while sending)", at, SG_GEN_STALL_MS);
		g->failed = g->failed_buf;
	} else if (now >= g->next_health) {
		g->next_health = now + sg_gen_ms_to_tsc(g, SG_GEN_HEALTH_MS);
		if (rte_eth_link_get_nowait(g->port, &link) == 0 && !link.link_status) {
			snprintf(g->failed_buf, sizeof(g->failed_buf), "the relay closed the memif "
				 "connection at %.1f s (link down)", at);
			g->failed = g->failed_buf;
			g->linked = 0;
		}
	}
	if (!g->failed)
		return 0;
	fprintf(stderr, "\nsurge-gen: %s\n", g->failed);
	return -1;
}

int sg_gen_traffic(struct sg_gen *g)
{
	uint64_t start = rte_get_tsc_cycles(), now = start, seq = 0, mark = start;
	uint64_t end = start + g->hz * g->o.duration_s, next_sec = start + g->hz;
	uint64_t drain_end;
	double per_tsc = g->o.rate / (double)g->hz;
	struct sg_gen_counters prev = g->c;
	struct sg_gen_surge_counters sprev = g->surge.c;

	sg_gen_timeline_start(g, start);
	sg_gen_flood_arm(g, start);
	while (now < end) {
		uint64_t due = g->o.rate > 0 ? (uint64_t)((double)(now - start) * per_tsc) + 1 :
					      seq + SG_GEN_BURST;
		unsigned n;

		if (due > seq + SG_GEN_PACE_SLACK) { /* held up: no catch-up burst */
			g->c.pace_skipped += due - SG_GEN_BURST - seq;
			seq = due - SG_GEN_BURST;
		}
		n = due > seq ? (unsigned)(due - seq < SG_GEN_BURST ? due - seq : SG_GEN_BURST) : 0;

		if (n) {
			if (sg_gen_send_data(g, seq, n))
				sg_gen_sent(g, now);
			seq += n;
		}
		sg_gen_surge_round(g, now);
		sg_gen_flood_round(g, now);
		sg_gen_poll_rx(g);
		now = rte_get_tsc_cycles();
		if (sg_gen_relay_alive(g, now) != 0)
			break;
		if (now >= next_sec && g->n_sec + 1 < g->o.duration_s) {
			sg_gen_timeline_close(g, now, &prev, &sprev, &mark);
			next_sec += g->hz;
		}
	}
	g->run_s = (double)(now - start) / (double)g->hz;
	if (!g->failed) {
		drain_end = now + sg_gen_ms_to_tsc(g, SG_GEN_DRAIN_MS);
		while (rte_get_tsc_cycles() < drain_end)
			sg_gen_poll_rx(g);
		sg_gen_surge_drain(g);
	}
	if (g->n_sec < g->o.duration_s) /* its rates per the traffic, not the drain */
		sg_gen_timeline_close(g, now, &prev, &sprev, &mark);
	fputc('\n', stderr);
	return g->failed ? -1 : 0;
}
