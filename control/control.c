/* SPDX-License-Identifier: MIT */
/*
 * control.c - the control plane's loop on the main lcore.
 *
 * One round (sg_plane_poll) takes at most CTL_BURST frames from each
 * worker's ring, serves at most CTL_REQUESTS operator requests, fires at
 * most CTL_TIMERS_BUDGET session timers (the timing wheel: the cost follows
 * what is due, not the table) and reclaims retired ones; when a round
 * did nothing the caller sleeps (sg_plane_sleep: poll(2) on the workers'
 * wake-up eventfd and the operator socket, wake.h).  It is the only writer
 * of the session table's identity fields, the user hash and the registry.
 * It transmits on its own TX queue (number n_workers) of each port.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "capture_ctl.h"
#include "crypto/crypto.h"
#include "crypto/transport.h"
#include "hs_lcore.h"
#include "metrics_ctl.h"
#include "metrics_http.h"
#include "keys_ctl.h"
#include "plane.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "proto/transport_msg.h"
#include "registry.h"
#include "store.h"
#include "resume_ctl.h"
#include "sessions_ctl.h"

enum {
	CTL_BURST = 32,     /* frames dequeued at a time */
	CTL_SESSION_MAX = 8 * CTL_BURST, /* session-bound frames per ring per round */
	CTL_HS_BURST = 8,   /* handshakes taken at a time (~1 ms of X25519 when all are full) */
	CTL_HS_MAX = 128,   /* handshakes per ring per round, at most */
	CTL_HS_BUDGET_US = 1500, /* handshake time per round, about (then the commit) */
	CTL_REQUESTS = 4,
	CTL_DELIVER_BUDGET = 256, /* mailbox messages sent per round */
	CTL_TIMERS_BUDGET = 1024, /* session timers fired per round, at most */
	CTL_RATELIMIT_SOURCES = 16384, /* handshake buckets (32 bytes each, ratelimit.h) */
};

static const char *const counter_names[SG_PC_MAX] = {
	[SG_PC_HANDSHAKES] = "handshakes",
	[SG_PC_SIGNUPS] = "signups",
	[SG_PC_HS_MAC1] = "handshake_mac1",
	[SG_PC_HS_NOISE] = "handshake_noise",
	[SG_PC_HS_VERSION] = "handshake_version",
	[SG_PC_HS_TIMESTAMP] = "handshake_timestamp",
	[SG_PC_HS_SUITE] = "handshake_suite",
	[SG_PC_HS_FULL] = "handshake_full",
	[SG_PC_COOKIE_REPLIES] = "cookie_replies",
	[SG_PC_HS_RATELIMITED] = "handshake_ratelimited",
	[SG_PC_REPLACED] = "sessions_replaced",
	[SG_PC_CLOSED] = "sessions_closed",
	[SG_PC_EXPIRED] = "sessions_expired",
	[SG_PC_REPLIES] = "relay_replies",
	[SG_PC_LOOKUPS] = "key_lookups",
	[SG_PC_ACKS] = "delivery_acks",
	[SG_PC_STALE_SESSION] = "control_stale_session",
	[SG_PC_BAD_CLOSE] = "control_malformed",
	[SG_PC_TX_FAILED] = "control_tx_failed",
	[SG_PC_NO_MBUF] = "control_no_mbuf",
	[SG_PC_SLEEPS] = "control_sleeps",
	[SG_PC_STORED] = "mailbox_stored",
	[SG_PC_MBOX_FULL] = "mailbox_full",
	[SG_PC_MBOX_DELIVERED] = "mailbox_delivered",
	[SG_PC_MBOX_ACKED] = "mailbox_acked",
	[SG_PC_MBOX_EXPIRED] = "mailbox_expired",
	[SG_PC_MBOX_DEFERRED] = "mailbox_deferred",
	[SG_PC_MBOX_TOO_LARGE] = "mailbox_too_large",
	[SG_PC_STORE_COMMITS] = "store_commits",
	[SG_PC_STORE_ERRORS] = "store_errors",
	[SG_PC_HELD_DROPPED] = "store_held_dropped",
	[SG_PC_HS_BUSY] = "handshake_busy",
	[SG_PC_POLICY_BLOCKED] = "policy_blocked",
	[SG_PC_POLICY_LOADS] = "policy_loads",
	[SG_PC_POLICY_FAILED] = "policy_load_failures",
	[SG_PC_CONFIG_RELOADS] = "config_reloads",
	[SG_PC_CONFIG_FAILED] = "config_reload_failures",
	[SG_PC_RESUMPTIONS] = "resumptions",
	[SG_PC_RESUME_BAD_TICKET] = "resume_bad_ticket",
	[SG_PC_RESUME_EXPIRED] = "resume_expired",
	[SG_PC_RESUME_NOISE] = "resume_noise",
	[SG_PC_RESUME_TIMESTAMP] = "resume_timestamp",
	[SG_PC_RESUME_NO_USER] = "resume_unknown_user",
	[SG_PC_TICKETS] = "tickets_sent",
	[SG_PC_KILLED] = "sessions_killed",
	[SG_PC_HS_OLD_KEY] = "handshakes_old_key",
	[SG_PC_SESSIONS_FULL] = "sessions_full",
	[SG_PC_USERS_FULL] = "users_full",
	[SG_PC_MBOX_UNAVAILABLE] = "mailbox_unavailable",
};

static void cookie_publish(struct sg_plane *p, uint64_t now);

const char *sg_plane_counter_name(unsigned c)
{
	return c < SG_PC_MAX ? counter_names[c] : "unknown";
}

int sg_plane_tx_udp(struct sg_plane *p, struct rte_mbuf *m, uint16_t port,
		    const uint8_t local_addr[16], const struct sg_endpoint *to,
		    const uint8_t *payload, uint16_t plen)
{
	struct sg_endpoint from;
	unsigned hl = sg_pkt_udp_headers_len(to);
	unsigned pi;
	uint8_t *out;

	memset(&from, 0, sizeof(from));
	for (pi = 0; pi < p->cfg->n_ports && p->cfg->ports[pi] != port; pi++)
		;
	memcpy(from.mac, p->port_mac[pi < p->cfg->n_ports ? pi : 0], 6);
	from.family = to->family;
	from.port = p->cfg->udp_port;
	memcpy(from.addr, local_addr, 16);

	rte_pktmbuf_reset(m);
	out = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + plen));
	if (!out) {
		p->counters[SG_PC_NO_MBUF]++;
		rte_pktmbuf_free(m);
		return -1;
	}
	memmove(out + hl, payload, plen);
	sg_pkt_write_udp_headers(out, &from, to, plen);
	sg_plane_capture_tx(p, m, port);
	if (p->holding) {
		sg_plane_hold(p, m, port);
		return 0;
	}
	if (rte_eth_tx_burst(port, (uint16_t)p->n_workers, &m, 1) != 1) {
		p->counters[SG_PC_TX_FAILED]++;
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

int sg_plane_send(struct sg_plane *p, struct sg_session *s, uint8_t type, const uint8_t *plain,
		  uint16_t plen, struct rte_mbuf *m)
{
	struct sg_aead_ctx ctx;
	struct sg_hdr h = { .type = type, .receiver = s->peer_index };
	uint8_t msg[SG_DATA_MAX_LEN];
	size_t len;
	int rc;

	if (!m && !(m = rte_pktmbuf_alloc(p->pool))) {
		p->counters[SG_PC_NO_MBUF]++;
		return -1;
	}
	h.counter = __atomic_fetch_add(&s->send_counter, 1, __ATOMIC_RELAXED);
	rc = sg_aead_ctx_init(&ctx, s->suite, s->send_key);
	if (rc == SG_OK)
		rc = sg_transport_seal(&ctx, &h, plain, plen, msg, sizeof(msg), &len);
	sg_aead_ctx_wipe(&ctx);
	if (rc != SG_OK) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return sg_plane_tx_udp(p, m, s->dpdk_port, s->local_addr, &s->ep, msg, (uint16_t)len);
}

/* Plaintext of an opened transport message in m: after the 16-byte header. */
static const uint8_t *plaintext(struct rte_mbuf *m, const struct sg_toctl *t, uint16_t *plen)
{
	*plen = (uint16_t)(t->pkt.payload_len - SG_TRANSPORT_OVERHEAD);
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, t->pkt.payload_off + SG_HDR_LEN);
}

void sg_plane_reply(struct sg_plane *p, struct sg_session *s, struct rte_mbuf *m, uint16_t code,
		    uint32_t detail)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	uint8_t out[SG_REPLY_PLAIN_LEN];
	struct sg_reply r = { .code = code, .detail = detail };
	uint16_t plen;
	const uint8_t *in = plaintext(m, t, &plen);

	/* Best effort on a malformed inner header: its id fields are still bytes. */
	if (plen >= SG_DATA_INNER_LEN) {
		r.peer_user = sg_le64(in);
		r.msg_id = sg_le64(in + 8);
	}
	sg_reply_encode(out, &r);
	if (sg_plane_send(p, s, SG_MSG_RELAY_REPLY, out, sizeof(out), m) == 0)
		p->counters[SG_PC_REPLIES]++;
}

static void lookup(struct sg_plane *p, struct sg_session *s, struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	struct sg_key_info ki = { .status = SG_KEYINFO_UNKNOWN_USER };
	uint8_t out[SG_KEYINFO_PLAIN_LEN];
	const struct sg_user *u;
	uint16_t plen;
	const uint8_t *in = plaintext(m, t, &plen);

	if (sg_lookup_decode(&ki.user_id, in) != SG_OK) {
		rte_pktmbuf_free(m);
		return;
	}
	u = sg_registry_by_id(p->registry, ki.user_id);
	if (u) {
		ki.status = SG_KEYINFO_FOUND;
		memcpy(ki.public_key, u->pub, SG_KEY_LEN);
	}
	sg_keyinfo_encode(out, &ki);
	if (sg_plane_send(p, s, SG_MSG_KEY_INFO, out, sizeof(out), m) == 0)
		p->counters[SG_PC_LOOKUPS]++;
}

/* A RESUME handed over on the handshake ring (the type byte; classified). */
static int is_resume(struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);

	return *rte_pktmbuf_mtod_offset(m, const uint8_t *, t->pkt.payload_off) == SG_MSG_RESUME;
}

static void dispatch(struct sg_plane *p, struct rte_mbuf *m)
{
	const struct sg_toctl *t = rte_mbuf_to_priv(m);
	struct sg_session *s = NULL;
	int miss;

	if (t->kind == SG_TOCTL_HANDSHAKE) {
		if (is_resume(m))
			sg_plane_resume(p, m);
		else
			sg_plane_handshake(p, m);
		return;
	}
	/* The sender's session may have gone since the worker saw it. */
	s = sg_session_get(p->sessions, t->session, &miss);
	if (!s) {
		p->counters[SG_PC_STALE_SESSION]++;
		rte_pktmbuf_free(m);
		return;
	}
	switch (t->kind) {
	case SG_TOCTL_UNDELIVERED: {
		uint16_t plen;
		const uint8_t *in = plaintext(m, t, &plen);

		sg_plane_mbox_store(p, s, m, in, plen);
		break;
	}
	case SG_TOCTL_MALFORMED:
		sg_plane_reply(p, s, m, SG_REPLY_MALFORMED, 0);
		break;
	case SG_TOCTL_TOO_LARGE:
		sg_plane_reply(p, s, m, SG_REPLY_TOO_LARGE, t->detail);
		break;
	case SG_TOCTL_BLOCKED:
		p->counters[SG_PC_POLICY_BLOCKED]++;
		sg_plane_reply(p, s, m, SG_REPLY_POLICY_BLOCKED, t->detail);
		break;
	case SG_TOCTL_CLOSE: {
		uint16_t plen, reason;
		const uint8_t *in = plaintext(m, t, &plen);

		if (sg_close_decode(&reason, in) != SG_OK) {
			p->counters[SG_PC_BAD_CLOSE]++;
		} else {
			sg_session_retire(p->sessions, s);
			p->counters[SG_PC_CLOSED]++;
		}
		rte_pktmbuf_free(m);
		break;
	}
	case SG_TOCTL_ACK: {
		struct sg_ack_entry e[SG_ACK_MAX_ENTRIES];
		uint16_t plen;
		unsigned n;
		const uint8_t *in = plaintext(m, t, &plen);

		if (sg_ack_decode(e, SG_ACK_MAX_ENTRIES, &n, in, plen) != SG_OK) {
			p->counters[SG_PC_BAD_CLOSE]++;
		} else {
			p->counters[SG_PC_ACKS]++;
			sg_plane_mbox_ack(p, s, e, n);
		}
		rte_pktmbuf_free(m);
		break;
	}
	case SG_TOCTL_LOOKUP:
		lookup(p, s, m);
		break;
	default:
		rte_pktmbuf_free(m);
	}
}

void sg_plane_session_born(struct sg_plane *p, const struct sg_session *s)
{
	sg_timers_session_born(&p->timers, &p->wheel, s->index & p->sessions->slot_mask, s->born);
}

/*
 * A session's wheel entry fired: the timers policy looks at its real
 * last_seen (workers only report it) and either re-arms or expires it.  An
 * entry of a slot retired otherwise (CLOSE, replaced) finds it empty.
 */
static void timer_fired(void *arg, uint32_t slot)
{
	struct sg_plane *p = arg;
	struct sg_session *s = &p->sessions->slots[slot];
	uint64_t now = sg_session_now(p->sessions);

	if (__atomic_load_n(&s->index, __ATOMIC_RELAXED) == 0)
		return;
	if (sg_timers_session_fired(&p->timers, &p->wheel, slot, s->born,
				    __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED),
				    now) != SG_TIMERS_KEEP) {
		sg_session_retire(p->sessions, s); /* keys wiped after the grace period */
		p->counters[SG_PC_EXPIRED]++;
	}
}

int sg_plane_init(struct sg_plane *p, char *err, size_t errlen)
{
	p->tsc_hz = rte_get_tsc_hz();
	p->started = (uint64_t)time(NULL);
	p->sessions->now = rte_get_tsc_cycles() / p->tsc_hz;
	sg_timers_cfg_default(&p->timers);
	if (sg_wheel_init(&p->wheel, p->sessions->n_slots, SG_PLANE_WHEEL_BUCKETS,
			  (uint32_t)p->sessions->now) != 0) {
		snprintf(err, errlen, "cannot allocate the timing wheel");
		return -1;
	}
	if (sg_wake_init(&p->wake) != 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	if (sg_ratelimit_init(&p->ratelimit, CTL_RATELIMIT_SOURCES, p->cfg->handshake_rate,
			      p->cfg->handshake_burst) != 0) {
		snprintf(err, errlen, "cannot set up the handshake rate limiter");
		return -1;
	}
	p->cookie = sg_secure_alloc(sizeof(*p->cookie));
	if (!p->cookie) {
		snprintf(err, errlen, "cannot lock memory for the cookie secret");
		return -1;
	}
	sg_cookie_checker_init(p->cookie, p->key->pub);
	if (sg_plane_keys_init(p, err, errlen) != 0)
		return -1;
	p->cookie_pub = sg_secure_alloc(sizeof(*p->cookie_pub));
	if (!p->cookie_pub) {
		snprintf(err, errlen, "cannot lock memory for the workers' cookie secret");
		return -1;
	}
	memset(p->cookie_pub, 0, sizeof(*p->cookie_pub));
	cookie_publish(p, p->sessions->now);
	if (sg_plane_store_open(p, err, errlen) != 0)
		return -1;
	if (sg_plane_resume_init(p, err, errlen) != 0)
		return -1;
	if (sg_plane_policy_init(p, err, errlen) != 0)
		return -1;
	p->ctl = sg_ctl_server_open(p->cfg->control_socket, err, errlen);
	return p->ctl ? 0 : -1;
}

/*
 * Rotate the cookie secret when due and give a new one to the workers
 * (plane.h: struct sg_cookie_pub, a seqlock with this thread as the only
 * writer).
 */
static void cookie_publish(struct sg_plane *p, uint64_t now)
{
	struct sg_cookie_pub *pub = p->cookie_pub;

	sg_cookie_tick(p->cookie, now);
	if (pub->seq && pub->born == p->cookie->secret_born)
		return;
	__atomic_store_n(&pub->seq, pub->seq + 1, __ATOMIC_RELAXED); /* odd: being written */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(pub->secret, p->cookie->secret, sizeof(pub->secret));
	pub->born = p->cookie->secret_born;
	__atomic_store_n(&pub->seq, pub->seq + 1, __ATOMIC_RELEASE);
}

/* Under load: the handshakes waiting now, summed over the rings, above the threshold. */
static void measure_load(struct sg_plane *p)
{
	unsigned backlog = 0;

	for (unsigned w = 0; w < p->n_rings; w++)
		backlog += rte_ring_count(p->hs_rings[w]);
	for (unsigned l = 0; l < p->n_hs_lcores; l++)
		backlog += rte_ring_count(p->hs_lcores[l].in);
	/* Workers read it too (they answer cookies under load): one relaxed byte. */
	__atomic_store_n(&p->under_load,
			 (uint8_t)(p->cfg->cookie_backlog == 0 || backlog > p->cfg->cookie_backlog),
			 __ATOMIC_RELAXED);
}

unsigned sg_plane_poll(struct sg_plane *p)
{
	struct rte_mbuf *ms[CTL_BURST];
	uint64_t now = rte_get_tsc_cycles() / p->tsc_hz, hs_until;
	unsigned work = 0;

	__atomic_store_n(&p->sessions->now, now, __ATOMIC_RELAXED);
	cookie_publish(p, now);
	measure_load(p);
	/* Established sessions first, up to CTL_SESSION_MAX a ring. */
	for (unsigned w = 0; w < p->n_rings; w++) {
		unsigned got = 0, n;

		do {
			n = rte_ring_dequeue_burst(p->rings[w], (void **)ms, CTL_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				dispatch(p, ms[i]);
			got += n;
		} while (n == CTL_BURST && got < CTL_SESSION_MAX);
		work += got;
	}
	/*
	 * Then a bounded share of handshakes, the extra RX queue polled between:
	 * bursts of CTL_HS_BURST from each ring while the round's handshake time
	 * (CTL_HS_BUDGET_US) lasts, at most CTL_HS_MAX a ring.  A burst of full
	 * handshakes takes about a millisecond of X25519, so that is one or two
	 * bursts; resumptions (no X25519) are cheap, so many share one commit.
	 */
	hs_until = rte_get_tsc_cycles() + p->tsc_hz / 1000000 * CTL_HS_BUDGET_US;
	for (unsigned w = 0; w < p->n_rings; w++) {
		unsigned got = 0, n;

		do {
			n = rte_ring_dequeue_burst(p->hs_rings[w], (void **)ms, CTL_HS_BURST, NULL);
			/* Resumptions first: no X25519, so returning users are back soonest. */
			for (unsigned i = 0; i < n; i++) {
				if (is_resume(ms[i])) {
					dispatch(p, ms[i]);
					ms[i] = NULL; /* consumed */
				}
			}
			for (unsigned i = 0; i < n; i++)
				if (ms[i])
					dispatch(p, ms[i]);
			got += n;
			if (n && p->between)
				work += p->between(p->between_arg);
		} while (n == CTL_HS_BURST && got < CTL_HS_MAX && rte_get_tsc_cycles() < hs_until);
		work += got;
	}
	/* Handshakes back from the handshake lcores: the cheap half. */
	for (unsigned l = 0; l < p->n_hs_lcores; l++) {
		unsigned n = rte_ring_sc_dequeue_burst(p->hs_lcores[l].out, (void **)ms,
						       CTL_BURST, NULL);

		for (unsigned i = 0; i < n; i++)
			sg_plane_handshake_finish(p, ms[i]);
		work += n;
	}
	if (p->ctl)
		work += (unsigned)sg_ctl_server_poll(p->ctl, sg_plane_ctl_handle, p, CTL_REQUESTS);
	work += sg_plane_sessions_poll(p);
	work += sg_plane_metrics_poll(p); /* Prometheus scrapes (metrics_ctl.h) */
	work += sg_plane_capture_poll(p);
	work += sg_wheel_advance(&p->wheel, (uint32_t)now, CTL_TIMERS_BUDGET, timer_fired, p);
	work += sg_plane_mbox_expire(p);
	sg_plane_tickets_sync(p); /* a rotated ticket key joins the batch */
	/* Durable before anything that promised it leaves; then mailboxes. */
	if (sg_plane_commit(p) != 0)
		work++;
	if (p->n_deliver)
		work += sg_plane_mbox_deliver(p, CTL_DELIVER_BUDGET);
	work += sg_session_reclaim(p->sessions);
	work += sg_plane_policy_poll(p);
	work += sg_plane_keys_poll(p);
	return work;
}

unsigned sg_plane_sleep(struct sg_plane *p, int timeout_ms)
{
	struct pollfd pfd[1 + 1 + SG_CTL_MAX_CONNS + 1 + SG_METRICS_HTTP_CONNS];
	unsigned work, n = 0;

	sg_wake_arm(&p->wake);
	work = sg_plane_poll(p); /* what a worker enqueued before it saw armed */
	if (work == 0) {
		pfd[n++] = (struct pollfd){ .fd = p->wake.fd, .events = POLLIN };
		if (p->ctl)
			n += sg_ctl_server_pollfds(p->ctl, pfd + n, (unsigned)RTE_DIM(pfd) - n);
		n += sg_plane_metrics_pollfds(p, pfd + n, (unsigned)RTE_DIM(pfd) - n);
		p->counters[SG_PC_SLEEPS]++;
		poll(pfd, n, timeout_ms); /* EINTR (a signal): the caller looks at its stop flag */
	}
	sg_wake_disarm(&p->wake);
	return work;
}

void sg_plane_fini(struct sg_plane *p)
{
	sg_plane_policy_fini(p); /* first: its compile thread kicks p->wake */
	sg_plane_sessions_fini(p);
	sg_plane_store_close(p);
	sg_wheel_fini(&p->wheel);
	sg_wake_fini(&p->wake);
	if (p->ctl)
		sg_ctl_server_close(p->ctl);
	p->ctl = NULL;
	sg_plane_keys_fini(p);
	if (p->cookie) {
		sg_cookie_checker_wipe(p->cookie);
		sg_secure_free(p->cookie);
	}
	p->cookie = NULL;
	if (p->cookie_pub) {
		sg_wipe(p->cookie_pub, sizeof(*p->cookie_pub));
		sg_secure_free(p->cookie_pub);
	}
	p->cookie_pub = NULL;
	sg_plane_resume_fini(p);
	sg_ratelimit_fini(&p->ratelimit);
}
