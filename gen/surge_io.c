/* SPDX-License-Identifier: MIT */
/*
 * surge_io.c - the surge population (surge.c) on the wire, during the
 * traffic phase.  Each loop round of traffic.c gives the surge one turn of
 * at most SG_GEN_SURGE_PER_ROUND initiations, so the DATA pacing stays
 * smooth: first initiations whose answer timed out (sent again, or given
 * up), then the log-ins the reconnect storms have made due, then the
 * sign-ups the profile (profile.h) has made due by now; what does not fit
 * waits for the next round (the backlog is due - offered).  The population
 * is floor(baseline x duration) + the surge's size; surge user i sends
 * initiations from its address in the source range (src.h: base + i mod
 * count) and port SG_GEN_SURGE_PORT_BASE + its slot on TX queue (slot % T),
 * and sends no DATA; an answer that comes to another of our addresses is
 * counted (wrong_addr) and dropped.  After the traffic phase the handshakes
 * still in flight get SG_GEN_SURGE_DRAIN_MS to finish.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "crypto/crypto.h"
#include "gen.h"
#include "proto/bytes.h"
#include "proto/pkt.h"

enum { IDLE_US = 10 };

uint64_t sg_gen_tsc_ns(const struct sg_gen *g, uint64_t tsc)
{
	return tsc / g->hz * 1000000000u + tsc % g->hz * 1000000000u / g->hz;
}

int sg_gen_surge_setup(struct sg_gen *g)
{
	const struct sg_gen_profile *p = &g->o.prof;
	uint64_t users = (uint64_t)floor(p->baseline * g->o.duration_s) + p->surge_size;
	struct sg_gen_surge_cfg cfg = {
		.seed = g->o.seed,
		.users = (uint32_t)users,
		.window = g->o.hs_window,
		.timeout_ns = (uint64_t)g->o.hs_timeout_ms * 1000000u,
		.tries = g->o.hs_tries,
		.max_seconds = g->o.duration_s + SG_GEN_SURGE_DRAIN_MS / 1000 + 2,
		.offer_aes = sg_crypto_have_aes256gcm(),
		/* Tickets for the users the storms will log in: the first ones. */
		.tickets = g->o.no_resume ? 0 : (uint32_t)(sg_gen_profile_logins_total(p) <
							   users ? sg_gen_profile_logins_total(p) :
							   users),
	};

	if (users == 0 && p->n_storms == 0)
		return 0;
	if (users > SG_GEN_SURGE_MAX_USERS) {
		fprintf(stderr, "surge-gen: %llu surge users is more than %u\n",
			(unsigned long long)users, SG_GEN_SURGE_MAX_USERS);
		return -1;
	}
	if (sg_gen_surge_init(&g->surge, &cfg, g->relay_pub) != 0) {
		fprintf(stderr, "surge-gen: out of memory for %llu surge users\n",
			(unsigned long long)users);
		return -1;
	}
	g->have_surge = 1;
	return 0;
}

void sg_gen_surge_teardown(struct sg_gen *g)
{
	if (g->have_surge)
		sg_gen_surge_fini(&g->surge);
}

static void send_init(struct sg_gen *g, const uint8_t *msg, uint16_t port, uint64_t now)
{
	uint8_t f[SG_GEN_FRAME_MAX];
	struct sg_endpoint from, to;
	size_t len = sg_gen_surge_msg_len(msg);
	unsigned hl;

	/* Ethernet/IPv4/UDP as a chat user's, from the user's address, the slot's port. */
	uint32_t user = sg_gen_surge_port_user(&g->surge, port);

	sg_gen_endpoints(g, &g->u[0], &from, &to);
	sg_gen_src_addr(&g->src, user, from.addr);
	from.port = port;
	hl = sg_pkt_udp_headers_len(&to);
	memcpy(f + hl, msg, len);
	sg_pkt_write_udp_headers(f, &from, &to, (uint16_t)len);
	if (sg_gen_send_frame(g, (unsigned)(port - SG_GEN_SURGE_PORT_BASE) % g->txq, f,
			      hl + len) == 0) {
		sg_gen_sent(g, now);
		sg_gen_src_note(&g->src, user);
	}
}

/* Timeouts only (the drain); returns initiations sent. */
static unsigned retries(struct sg_gen *g, uint64_t now_ns, uint64_t now, unsigned budget)
{
	uint8_t msg[SG_GEN_SURGE_MSG_MAX];
	unsigned sent = 0;
	uint16_t port;

	while (sent < budget && sg_gen_surge_expire(&g->surge, now_ns, SG_GEN_SURGE_SCAN, msg,
						    &port) == SG_GEN_SURGE_SEND) {
		send_init(g, msg, port, now);
		sent++;
	}
	return sent;
}

void sg_gen_surge_round(struct sg_gen *g, uint64_t now)
{
	struct sg_gen_surge *s = &g->surge;
	uint64_t now_ns, li_due, su_due;
	unsigned budget = SG_GEN_SURGE_PER_ROUND;
	uint8_t msg[SG_GEN_SURGE_MSG_MAX];
	uint16_t port;
	double t;

	if (!g->have_surge)
		return;
	now_ns = sg_gen_tsc_ns(g, now);
	t = (double)(now - g->t0_tsc) / (double)g->hz;
	budget -= retries(g, now_ns, now, budget);

	li_due = sg_gen_profile_logins_due(&g->o.prof, t);
	while (budget && s->c.li_started + s->c.li_skipped < li_due) {
		int rc = sg_gen_surge_login(s, now_ns, msg, &port);

		if (rc == SG_GEN_SURGE_SEND) {
			send_init(g, msg, port, now);
			budget--;
		} else if (rc == SG_GEN_SURGE_NONE) {
			/* Nobody signed up and idle: these log-ins cannot happen now. */
			s->c.li_skipped = li_due - s->c.li_started;
		} else {
			break;
		}
	}

	su_due = sg_gen_profile_signups_due(&g->o.prof, t);
	g->su_due = su_due < s->cfg.users ? su_due : s->cfg.users;
	while (budget && s->c.su_offered < g->su_due) {
		if (sg_gen_surge_signup(s, now_ns, msg, &port) != SG_GEN_SURGE_SEND)
			break;
		send_init(g, msg, port, now);
		budget--;
	}
}

void sg_gen_surge_rx(struct sg_gen *g, int type, uint8_t *msg, size_t len,
		     const uint8_t dst[4], uint64_t now)
{
	uint8_t out[SG_GEN_SURGE_MSG_MAX], a[4];
	uint32_t to = sg_le32(msg + (type == SG_MSG_COOKIE_REPLY ? SG_COOKIE_OFF_RECEIVER :
				     type == SG_MSG_TICKET ? SG_HDR_OFF_RECEIVER :
							     SG_RESP_OFF_RECEIVER));
	uint32_t user;
	uint16_t port;

	if (!g->have_surge) {
		g->c.unexpected++;
		return;
	}
	/* The answer must come to the address the user sent from. */
	if (sg_gen_surge_user_of(&g->surge, to, &user) == 0) {
		sg_gen_src_addr(&g->src, user, a);
		if (memcmp(a, dst, 4) != 0) {
			g->c.wrong_addr++;
			return;
		}
	}
	if (type == SG_MSG_TICKET)
		sg_gen_surge_ticket(&g->surge, msg, len, sg_gen_tsc_ns(g, now));
	else if (type == SG_MSG_HANDSHAKE_RESP || type == SG_MSG_RESUME_RESP)
		sg_gen_surge_response(&g->surge, msg, len, sg_gen_tsc_ns(g, now));
	else if (sg_gen_surge_cookie(&g->surge, msg, len, sg_gen_tsc_ns(g, now), out, &port) ==
		 SG_GEN_SURGE_SEND)
		send_init(g, out, port, now);
}

int sg_gen_surge_drain(struct sg_gen *g)
{
	uint64_t now = rte_get_tsc_cycles();
	uint64_t end = now + sg_gen_ms_to_tsc(g, SG_GEN_SURGE_DRAIN_MS);

	if (!g->have_surge)
		return 0;
	while (sg_gen_surge_in_flight(&g->surge) > 0 && now < end) {
		if (sg_gen_poll_rx(g) == 0)
			rte_delay_us_block(IDLE_US);
		now = rte_get_tsc_cycles();
		retries(g, sg_gen_tsc_ns(g, now), now, SG_GEN_SURGE_PER_ROUND);
		if (sg_gen_relay_alive(g, now) != 0)
			break;
	}
	g->su_unfinished = sg_gen_surge_in_flight(&g->surge);
	return g->failed ? -1 : 0;
}
