/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the data plane: RX burst -> parse -> classify -> session by
 * index -> replay pre-check -> AEAD open (burst) -> replay update -> route
 * -> AEAD seal (burst) -> rewrite L2/L3/L4 -> buffered TX.
 *
 * Invariants: no locks held across a burst (a session's replay_lock is held
 * for one window update only), no allocation, no logging; every frame ends
 * in exactly one of: transmitted (forwarded, keepalive, ARP/ICMP/NDP answer),
 * handed to the control plane (to_control), or dropped under one reason.
 * Frame parse results go straight into the mbuf's private area (struct
 * sg_toctl), so a hand-off to the control plane copies nothing.
 *
 * Cross-worker replay: the window lives in the session, not in the worker,
 * and is updated under the session's spinlock after authentication, so a
 * copy of a frame that arrives on another queue finds its bit already set.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "capture.h"
#include "control/hs_common.h"
#include "control/plane.h"
#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/replay.h"
#include "policy/policy.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/transport_msg.h"
#include "worker.h"

enum {
	MAX_BURST = 64,
	WORKER_RATELIMIT_SOURCES = 16384, /* handshake buckets a worker (32 bytes each) */
};

/* One frame between open and seal. */
struct pending {
	struct rte_mbuf *m;
	struct sg_session *s; /* sender (open), then destination (seal) */
	const struct sg_pkt_tpl *tpl; /* headers toward the destination, or NULL */
	uint8_t *payload;
	uint16_t plen;
	uint8_t type;
	uint8_t pi;           /* port index it arrived on */
	uint8_t blocked;      /* the content policy dropped it: rule is the rule's id */
	uint32_t rule;
};

static const uint8_t pkt_drop[] = {
	[1] = SG_DROP_L2,        [2] = SG_DROP_IP_HEADER, [3] = SG_DROP_IP_FRAGMENT,
	[4] = SG_DROP_IPV6_EXT,  [5] = SG_DROP_PROTO,     [6] = SG_DROP_UDP_HEADER,
	[7] = SG_DROP_ICMP,      [8] = SG_DROP_ARP,
};

static inline void drop(struct sg_worker *w, struct rte_mbuf *m, unsigned reason)
{
	w->c.drops[reason]++;
	rte_pktmbuf_free(m);
}

static inline unsigned classify_drop(int rc)
{
	return rc == SG_E_TYPE ? SG_DROP_TYPE : rc == SG_E_LENGTH ? SG_DROP_LENGTH :
								   SG_DROP_RESERVED;
}

/* The configured address equal to addr, or NULL. */
static const uint8_t *ours(const struct sg_config *c, uint8_t family, const uint8_t *addr)
{
	if (family == 4) {
		for (unsigned i = 0; i < c->n_addr4; i++)
			if (memcmp(c->addr4[i], addr, 4) == 0)
				return c->addr4[i];
	} else {
		for (unsigned i = 0; i < c->n_addr6; i++)
			if (memcmp(c->addr6[i], addr, 16) == 0)
				return c->addr6[i];
	}
	return NULL;
}

static inline unsigned port_index(const struct sg_config *c, uint16_t port)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (c->ports[i] == port)
			return i;
	return 0;
}

/* What a transmitted frame is counted as; undone if the TX queue refuses it. */
enum tx_kind { TXK_FORWARDED, TXK_KEEPALIVE, TXK_ARP, TXK_ICMP, TXK_NDP, TXK_COOKIE };

static inline uint64_t *tx_counter(struct sg_worker *w, unsigned kind)
{
	switch (kind) {
	case TXK_FORWARDED:
		return &w->c.forwarded;
	case TXK_KEEPALIVE:
		return &w->c.keepalives;
	case TXK_ARP:
		return &w->c.arp;
	case TXK_ICMP:
		return &w->c.icmp;
	case TXK_COOKIE:
		return &w->c.cookie_replies;
	default:
		return &w->c.ndp;
	}
}

/* Out of line and cold: while no capture runs, tx() and the RX loop stay as small as before. */
static __rte_noinline __rte_cold void capture(struct sg_worker *w, unsigned pi,
					      const struct rte_mbuf *m, int out)
{
	sg_capture_tap(w->cap, w->id, w->cfg->ports[pi], (uint16_t)w->id, m, out);
}

static inline void tx(struct sg_worker *w, unsigned pi, struct rte_mbuf *m, unsigned kind)
{
	struct sg_toctl *t = rte_mbuf_to_priv(m);

	t->tx_kind = (uint8_t)kind;
	(*tx_counter(w, kind))++;
	if (unlikely(w->cap))
		capture(w, pi, m, 1);
	w->c.tx_frames++;
	w->c.tx_bytes += rte_pktmbuf_pkt_len(m);
	rte_eth_tx_buffer(w->cfg->ports[pi], (uint16_t)w->id, w->txb[pi], m);
}

/*
 * The TX queue refused frames: each was counted as sent under its kind;
 * move it to the tx_full drop so every frame stays counted exactly once.
 */
static void tx_refused(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct sg_worker *w = arg;

	for (uint16_t i = 0; i < unsent; i++) {
		const struct sg_toctl *t = rte_mbuf_to_priv(pkts[i]);

		(*tx_counter(w, t->tx_kind))--;
		w->c.tx_frames--;
		w->c.tx_bytes -= rte_pktmbuf_pkt_len(pkts[i]);
		w->c.drops[SG_DROP_TX_FULL]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

static void to_ctl(struct sg_worker *w, struct rte_mbuf *m, unsigned pi, uint8_t kind,
		   uint32_t session, uint32_t detail)
{
	struct sg_toctl *t = rte_mbuf_to_priv(m);

	t->kind = kind;
	t->session = session;
	t->detail = detail;
	t->port = w->cfg->ports[pi];
	if (rte_ring_sp_enqueue(kind == SG_TOCTL_HANDSHAKE ? w->to_hs : w->to_ctl, m) != 0) {
		drop(w, m, SG_DROP_CTL_RING_FULL);
		return;
	}
	w->c.to_control++;
}

/* An answer built in place (ARP, ICMP, NDP): set the length and send it back. */
static void answer(struct sg_worker *w, struct rte_mbuf *m, unsigned pi, size_t len,
		   unsigned reason, unsigned kind)
{
	if (len == 0) {
		drop(w, m, reason);
		return;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	tx(w, pi, m, kind);
}

/*
 * The control plane's newest cookie secret into this worker's follower
 * checker (plane.h: struct sg_cookie_pub is a seqlock).  0 when nothing was
 * ever published (the control plane then answers cookies itself).
 */
static int cookie_sync(struct sg_worker *w)
{
	const struct sg_cookie_pub *pub = w->cookie_pub;

	for (int tries = 0; tries < 4; tries++) {
		uint8_t secret[SG_KEY_LEN];
		uint32_t seq = __atomic_load_n(&pub->seq, __ATOMIC_ACQUIRE);
		uint64_t born;

		if (seq == w->cookie_seq)
			return seq != 0;
		if (seq & 1)
			continue; /* being written: a few instructions */
		memcpy(secret, pub->secret, sizeof(secret));
		born = pub->born;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&pub->seq, __ATOMIC_RELAXED) != seq)
			continue;
		sg_cookie_checker_follow(&w->cookie, secret, born);
		sg_wipe(secret, sizeof(secret));
		w->cookie_seq = seq;
		return 1;
	}
	return w->cookie_seq != 0; /* the one held: at worst its cookies are refused once */
}

/*
 * Under load, a handshake message whose mac2 is not valid for its source is
 * answered here, in place, with a COOKIE_REPLY (no ring slot, no control
 * time, no DH), and one whose mac2 is valid takes a token from this
 * worker's bucket for its source (else it is dropped, handshake_ratelimited):
 * a flood is shed by cookies and buckets at the edge (PROTOCOL.md section
 * 5).  k: the mac1 and cookie keys of the static key msg's mac1 is under
 * (the reply is readable only under that key; NULL: no keys published, the
 * control plane decides).  -1: m consumed; 1: admitted (mac2 and token
 * checked here); 0: not under load here, the control plane decides.
 */
static int cookie_shed(struct sg_worker *w, unsigned pi, struct rte_mbuf *m,
		       const struct sg_pkt *pk, const uint8_t *msg, uint64_t now,
		       const struct sg_cookie_keys *k)
{
	uint8_t src[18], out[SG_COOKIE_REPLY_LEN];
	size_t srclen;
	struct sg_endpoint from, to;
	unsigned hl;
	uint8_t *f;

	if (!k || !w->under_load || !__atomic_load_n(w->under_load, __ATOMIC_RELAXED) ||
	    !cookie_sync(w))
		return 0;
	srclen = sg_hs_cookie_source(&pk->src, src);
	if (sg_cookie_validate_keys(&w->cookie, k, msg, pk->payload_len, src, srclen, now) ==
	    SG_MAC_BOTH_OK) {
		/* Proved its address: its source's rate, then the control plane. */
		if (w->limits &&
		    __atomic_load_n(&w->limits->gen, __ATOMIC_ACQUIRE) != w->limits_gen) {
			/* config reload: a rare, cold path (under load only) */
			w->limits_gen = __atomic_load_n(&w->limits->gen, __ATOMIC_ACQUIRE);
			sg_ratelimit_set(&w->ratelimit, w->limits->rate, w->limits->burst);
		}
		if (!sg_ratelimit_allow(&w->ratelimit, pk->src.family, pk->src.addr,
					sg_hs_monotonic_ns()))
			return drop(w, m, SG_DROP_RATELIMITED), -1;
		return 1;
	}
	if (sg_cookie_reply_create_keys(&w->cookie, k, out, msg, pk->payload_len,
					sg_le32(msg + SG_INIT_OFF_SENDER), src, srclen, now,
					NULL) != SG_OK)
		return drop(w, m, SG_DROP_MAC1), -1; /* too short for MACs: classify forbids it */
	to = pk->src;
	if (w->cfg->has_gateway_mac)
		memcpy(to.mac, w->cfg->gateway_mac, 6);
	memset(&from, 0, sizeof(from));
	memcpy(from.mac, w->port_mac[pi], 6);
	from.family = to.family;
	from.port = w->cfg->udp_port;
	memcpy(from.addr, pk->dst_addr, sizeof(from.addr));
	hl = sg_pkt_udp_headers_len(&to);
	rte_pktmbuf_reset(m);
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + sizeof(out)));
	if (!f)
		return drop(w, m, SG_DROP_NO_MBUF), -1;
	memcpy(f + hl, out, sizeof(out));
	sg_pkt_write_udp_headers(f, &from, &to, sizeof(out));
	tx(w, pi, m, TXK_COOKIE);
	return -1;
}

/*
 * The lock-free pre-check can read a window another worker is sliding (new
 * `next`, word not yet cleared) and refuse a valid counter; a refusal is
 * therefore confirmed under the lock.  Replays are rare, so the lock is taken
 * only then.  True when the counter is acceptable after all.
 */
static int replay_recheck(struct sg_session *s, uint64_t counter)
{
	int rc;

	/* The window only moves up: "too old" cannot become acceptable. */
	if (sg_replay_too_old(s->replay.next, SG_REPLAY_NBLOCKS(&s->replay), counter))
		return 0;
	rte_spinlock_lock(&s->replay_lock);
	rc = sg_replay_window_check(&s->replay, counter);
	rte_spinlock_unlock(&s->replay_lock);
	return rc == SG_OK;
}

/*
 * Frames that are not transport messages end here; transport messages that
 * passed the cheap checks are queued in ops/x for the open burst.
 */
static int admit(struct sg_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now,
		 struct sg_aead_op *op, struct pending *x)
{
	struct sg_toctl *t = rte_mbuf_to_priv(m);
	struct sg_pkt *pk = &t->pkt;
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	const uint8_t *mac = w->port_mac[pi];
	const uint8_t *addr;
	int shed;
	const struct sg_cookie_keys *ck = NULL;
	const struct sg_aead_ctx *ctx;
	struct sg_session *s;
	uint8_t *payload;
	uint32_t index;
	uint64_t counter;
	int rc, rp, miss = 0;

	if (m->nb_segs != 1)
		return drop(w, m, SG_DROP_L2), 0;
	rc = sg_pkt_parse(data, len, pk);
	if (rc < 0)
		return drop(w, m, -rc < (int)sizeof(pkt_drop) ? pkt_drop[-rc] : SG_DROP_L2), 0;
	addr = ours(w->cfg, rc == SG_PKT_ARP ? 4 : pk->src.family, pk->dst_addr);
	switch (rc) {
	case SG_PKT_ARP:
		if (!addr)
			return drop(w, m, SG_DROP_ARP), 0;
		answer(w, m, pi, sg_pkt_arp_reply(data, len, pk, mac, addr), SG_DROP_ARP, TXK_ARP);
		return 0;
	case SG_PKT_ICMP4_ECHO:
	case SG_PKT_ICMP6_ECHO:
		if (!addr)
			return drop(w, m, SG_DROP_NOT_OURS), 0;
		answer(w, m, pi,
		       rc == SG_PKT_ICMP4_ECHO ? sg_pkt_icmp4_echo_reply(data, len, pk, mac) :
						 sg_pkt_icmp6_echo_reply(data, len, pk, mac),
		       SG_DROP_ICMP, TXK_ICMP);
		return 0;
	case SG_PKT_NDP_NS:
		if (!addr)
			return drop(w, m, SG_DROP_ICMP), 0;
		answer(w, m, pi,
		       sg_pkt_ndp_advert(data, len, len + rte_pktmbuf_tailroom(m), pk, mac, addr),
		       SG_DROP_ICMP, TXK_NDP);
		return 0;
	default:
		break;
	}
	if (!addr)
		return drop(w, m, SG_DROP_NOT_OURS), 0;
	if (pk->dst_port != w->cfg->udp_port)
		return drop(w, m, SG_DROP_WRONG_PORT), 0;

	payload = data + pk->payload_off;
	rc = sg_proto_classify(payload, pk->payload_len);
	if (rc < 0)
		return drop(w, m, classify_drop(rc)), 0;
	/* Initiations and resumptions share the handshake ring (control.c: resumptions first). */
	if (rc == SG_MSG_HANDSHAKE_INIT || rc == SG_MSG_RESUME) {
		/*
		 * mac1 here, so forged handshakes never take a ring slot or control
		 * time: under the current static key, or the previous one during a
		 * rotation's grace period (keys_ctl.c; the view is RCU-protected:
		 * this worker's quiescent state comes after the burst).
		 */
		if (w->keys) {
			const struct sg_keys_pub *kv = __atomic_load_n(w->keys, __ATOMIC_ACQUIRE);
			int which = sg_cookie_mac1_match(kv->key, kv->n, payload, pk->payload_len);

			if (which < 0)
				return drop(w, m, SG_DROP_MAC1), 0;
			ck = &kv->key[which];
		}
		shed = cookie_shed(w, pi, m, pk, payload, now, ck);
		if (shed < 0)
			return 0;
		return to_ctl(w, m, pi, SG_TOCTL_HANDSHAKE, 0, shed ? SG_TOCTL_HS_ADMITTED : 0), 0;
	}
	if (rc == SG_MSG_HANDSHAKE_RESP || rc == SG_MSG_COOKIE_REPLY ||
	    rc == SG_MSG_RELAY_REPLY || rc == SG_MSG_KEY_INFO || rc == SG_MSG_RESUME_RESP ||
	    rc == SG_MSG_TICKET)
		return drop(w, m, SG_DROP_UNEXPECTED), 0;

	index = sg_le32(payload + SG_HDR_OFF_RECEIVER);
	counter = sg_le64(payload + SG_HDR_OFF_COUNTER);
	s = sg_session_get(w->sessions, index, &miss);
	if (!s)
		return drop(w, m, miss == SG_SESSION_STALE ? SG_DROP_STALE_GENERATION :
							     SG_DROP_UNKNOWN_SESSION), 0;
	if (payload[SG_HDR_OFF_FLAGS] & SG_HDR_F_KEY_PHASE)
		return drop(w, m, SG_DROP_KEY_PHASE), 0;
	if (now >= (uint64_t)s->born + SG_REJECT_AFTER_S)
		return drop(w, m, SG_DROP_KEY_EXPIRED), 0;
	rp = sg_replay_window_check(&s->replay, counter);
	if (rp == SG_E_COUNTER || (rp != SG_OK && !replay_recheck(s, counter)))
		return drop(w, m, SG_DROP_REPLAY), 0;
	ctx = sg_aead_cache_get(&w->cache, s->key_id, SG_AEAD_DIR_RECV, s->suite, s->recv_key,
				index);
	if (!ctx)
		return drop(w, m, SG_DROP_TAG), 0;

	*op = (struct sg_aead_op){
		.ctx = ctx, .ad = payload, .ad_len = SG_HDR_LEN, .data = payload + SG_HDR_LEN,
		.len = (uint32_t)(pk->payload_len - SG_TRANSPORT_OVERHEAD),
		.tag = payload + pk->payload_len - SG_TAG_LEN, .counter = counter, .buf = m,
	};
	*x = (struct pending){ .m = m, .s = s, .payload = payload, .plen = pk->payload_len,
			       .type = (uint8_t)rc, .pi = (uint8_t)pi };
	return 1;
}

/* The relay's end of session d: port MAC, the address the client uses, our port. */
static void relay_end(const struct sg_worker *w, const struct sg_session *d,
		      struct sg_endpoint *from, unsigned *pi)
{
	*pi = port_index(w->cfg, d->dpdk_port);
	memset(from, 0, sizeof(*from));
	memcpy(from->mac, w->port_mac[*pi], 6);
	from->family = d->ep.family;
	from->port = w->cfg->udp_port;
	memcpy(from->addr, d->local_addr, sizeof(from->addr));
}

/*
 * Frame headers toward d, built once per send key and kept beside its
 * expanded context in the cache (the endpoint never changes during a key's
 * life); NULL when ctx is a spare context.
 */
static const struct sg_pkt_tpl *headers_to(struct sg_worker *w, const struct sg_session *d,
					   const struct sg_aead_ctx *ctx)
{
	struct sg_aead_cache_entry *e = sg_aead_cache_entry_of(&w->cache, ctx);
	struct sg_endpoint from;
	unsigned pi;

	if (!e)
		return NULL;
	if (!e->tpl_ok) {
		relay_end(w, d, &from, &pi);
		sg_pkt_tpl_init(&e->tpl, &from, &d->ep);
		e->tpl_ok = 1;
	}
	return &e->tpl;
}

/*
 * Header of a transport message from the relay to session d, sealed in place
 * next.  op is the frame's open op: AD, data, length and tag stay where they
 * are; only the key and the counter change.
 */
static int prepare_seal(struct sg_worker *w, struct pending *x, struct sg_session *d,
			struct sg_aead_op *op)
{
	const struct sg_aead_ctx *ctx;
	uint64_t counter = __atomic_fetch_add(&d->send_counter, 1, __ATOMIC_RELAXED);

	ctx = sg_aead_cache_get(&w->cache, d->key_id, SG_AEAD_DIR_SEND, d->suite, d->send_key,
				d->index);
	if (!ctx)
		return 0;
	x->payload[SG_HDR_OFF_FLAGS] = 0;
	sg_put_le32(x->payload + SG_HDR_OFF_RECEIVER, d->peer_index);
	sg_put_le64(x->payload + SG_HDR_OFF_COUNTER, counter);
	op->ctx = ctx;
	op->counter = counter;
	x->s = d;
	x->tpl = headers_to(w, d, ctx);
	return 1;
}

/*
 * After an authenticated open: replay update, last_seen, and for DATA the
 * inner header's checks.  1 when the frame goes on to be routed.
 */
static int accept_frame(struct sg_worker *w, struct pending *x, uint64_t now)
{
	struct sg_session *s = x->s;
	const uint8_t *inner = x->payload + SG_HDR_LEN;
	uint64_t counter = sg_le64(x->payload + SG_HDR_OFF_COUNTER);
	int rc;

	rte_spinlock_lock(&s->replay_lock);
	rc = sg_replay_window_update(&s->replay, counter);
	rte_spinlock_unlock(&s->replay_lock);
	if (rc != SG_OK)
		return drop(w, x->m, SG_DROP_REPLAY), 0;
	if (__atomic_load_n(&s->last_seen, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&s->last_seen, now, __ATOMIC_RELAXED);
	/* sg_data_inner_decode's checks, inline: class, flags, reserved. */
	if (x->type == SG_MSG_DATA &&
	    ((uint8_t)(inner[20] - SG_CLASS_CLOUD) > SG_CLASS_SECRET - SG_CLASS_CLOUD ||
	     (inner[21] & ~SG_DATA_F_MASK) || inner[22] || inner[23]))
		return to_ctl(w, x->m, x->pi, SG_TOCTL_MALFORMED, s->index, 0), 0;
	x->blocked = 0;
	return 1;
}

/*
 * The content policy over a burst's accepted frames, in one pass so that
 * Hyperscan's code and database stay hot from body to body and the time is
 * taken once a burst.  It reads cloud bodies only: a secret body is the
 * users' own ciphertext, never scanned (PROTOCOL.md 6.1).
 */
static void scan_bodies(struct sg_worker *w, struct pending *x, uint16_t n)
{
	const struct sg_policy_set *ps = w->pset;
	const uint64_t t0 = rte_rdtsc();
	unsigned scanned = 0;

	for (uint16_t k = 0; k < n; k++) {
		const uint8_t *inner = x[k].payload + SG_HDR_LEN;
		struct sg_policy_verdict v;

		if (x[k].type != SG_MSG_DATA || inner[20] != SG_CLASS_CLOUD)
			continue;
		sg_policy_scan(ps->policy, ps->scratch[w->id], ps->counters[w->id],
			       inner + SG_DATA_INNER_LEN, (uint32_t)(x[k].plen - SG_DATA_OVERHEAD),
			       &v);
		scanned++;
		if (v.action == SG_RULE_DROP) {
			x[k].blocked = 1;
			x[k].rule = v.rule_id;
		}
	}
	if (scanned)
		w->c.policy_cycles += rte_rdtsc() - t0;
}

/* An accepted frame to its destination.  1 when queued for sealing. */
static int route(struct sg_worker *w, struct pending *x, uint64_t now, struct sg_aead_op *sop)
{
	struct sg_session *s = x->s, *r;
	uint8_t *inner = x->payload + SG_HDR_LEN;
	uint32_t ridx, max;
	int miss;

	switch (x->type) {
	case SG_MSG_DATA:
		if (x->blocked)
			return to_ctl(w, x->m, x->pi, SG_TOCTL_BLOCKED, s->index, x->rule), 0;
		ridx = sg_session_of_user(w->sessions, sg_le64(inner));
		r = ridx ? sg_session_get(w->sessions, ridx, &miss) : NULL;
		if (!r || now >= (uint64_t)r->born + SG_REJECT_AFTER_S)
			return to_ctl(w, x->m, x->pi, SG_TOCTL_UNDELIVERED, s->index, 0), 0;
		max = r->ep.family == 6 ? SG_BODY_MAX_IPV6 : SG_BODY_MAX_IPV4;
		if ((uint32_t)(x->plen - SG_DATA_OVERHEAD) > max)
			return to_ctl(w, x->m, x->pi, SG_TOCTL_TOO_LARGE, s->index, max), 0;
		/* The recipient's view: who sent it; mailbox flags are the relay's own. */
		sg_put_le64(inner, s->user_id);
		inner[21] = 0;
		if (sg_le32(inner + 16) > SG_TTL_MAX_S)
			sg_put_le32(inner + 16, SG_TTL_MAX_S);
		if (!prepare_seal(w, x, r, sop))
			return drop(w, x->m, SG_DROP_TAG), 0;
		return 1;
	case SG_MSG_KEEPALIVE:
		if (!prepare_seal(w, x, s, sop))
			return drop(w, x->m, SG_DROP_TAG), 0;
		return 1;
	case SG_MSG_CLOSE:
		return to_ctl(w, x->m, x->pi, SG_TOCTL_CLOSE, s->index, 0), 0;
	case SG_MSG_DELIVERY_ACK:
		return to_ctl(w, x->m, x->pi, SG_TOCTL_ACK, s->index, 0), 0;
	case SG_MSG_KEY_LOOKUP:
		return to_ctl(w, x->m, x->pi, SG_TOCTL_LOOKUP, s->index, 0), 0;
	default:
		return drop(w, x->m, SG_DROP_UNEXPECTED), 0;
	}
}

/* Sealed in place: move the payload's frame headers to the destination's and send. */
static void emit(struct sg_worker *w, struct pending *x)
{
	struct rte_mbuf *m = x->m;
	const struct sg_session *d = x->s;
	struct sg_endpoint from;
	unsigned hl = x->tpl ? x->tpl->len : sg_pkt_udp_headers_len(&d->ep);
	unsigned off = (unsigned)(x->payload - rte_pktmbuf_mtod(m, uint8_t *));
	unsigned pi = port_index(w->cfg, d->dpdk_port);

	if (off > hl)
		rte_pktmbuf_adj(m, (uint16_t)(off - hl));
	else if (off < hl && !rte_pktmbuf_prepend(m, (uint16_t)(hl - off))) {
		drop(w, m, SG_DROP_NO_MBUF);
		return;
	}
	if (rte_pktmbuf_pkt_len(m) > hl + x->plen)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - hl - x->plen));

	if (x->tpl) {
		sg_pkt_tpl_write(rte_pktmbuf_mtod(m, uint8_t *), x->tpl, x->plen);
	} else {
		relay_end(w, d, &from, &pi);
		sg_pkt_write_udp_headers(rte_pktmbuf_mtod(m, uint8_t *), &from, &d->ep, x->plen);
	}
	tx(w, pi, m, x->type == SG_MSG_DATA ? TXK_FORWARDED : TXK_KEEPALIVE);
}

/*
 * Start loading the sessions a burst names before any of it is parsed: a
 * guess from the usual layout (untagged IPv4, no options, UDP, then the
 * transport header's receiver index).  A wrong guess costs one wasted
 * prefetch; with millions of sessions the slots are cache misses otherwise
 * (bench/scale.c measures both).  Two lines: the index and identity, and
 * the send counter, last_seen and the replay window's head.
 */
static void prefetch_sessions(const struct sg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	enum { OFF = 14 + 20 + 8 + SG_HDR_OFF_RECEIVER };
	const struct sg_session_table *t = w->sessions;

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint32_t slot;

		if (rte_pktmbuf_data_len(pkts[i]) < OFF + 4)
			continue;
		slot = sg_le32(b + OFF) & t->slot_mask;
		if (slot < t->n_slots) {
			rte_prefetch0(&t->slots[slot]);
			rte_prefetch0(&t->slots[slot].send_counter);
		}
	}
}

/*
 * A frame the AEAD refused: a wrong tag, or an error of the crypto device
 * (crypto/cryptodev.h); one the device still holds (kept) is the back end's
 * to free, so it is counted and left alone.
 */
static void crypto_drop(struct sg_worker *w, const struct sg_aead_op *op, struct rte_mbuf *m)
{
	if (likely(op->status == SG_E_TAG)) {
		drop(w, m, SG_DROP_TAG);
		return;
	}
	if (op->kept) {
		w->c.drops[SG_DROP_CRYPTO_DEVICE]++;
		return;
	}
	drop(w, m, op->status == SG_E_DEVICE ? SG_DROP_CRYPTO_DEVICE : SG_DROP_TAG);
}

void sg_worker_burst(struct sg_worker *w, unsigned pi, struct rte_mbuf **pkts, uint16_t n)
{
	struct sg_aead_op ops[MAX_BURST];
	struct pending x[MAX_BURST];
	const uint64_t now = sg_session_now(w->sessions);
	uint16_t no = 0, na = 0, ns = 0;

	uint64_t bytes = 0;

	prefetch_sessions(w, pkts, n);
	/* The policy set for the whole burst (freed only after our quiescent state). */
	w->pset = w->policy_slot ? __atomic_load_n(w->policy_slot, __ATOMIC_ACQUIRE) : NULL;
	/* Likewise the capture: one load, and nothing more while none runs. */
	w->cap = w->capture_slot ? __atomic_load_n(w->capture_slot, __ATOMIC_ACQUIRE) : NULL;
	sg_aead_cache_phase(&w->cache);
	for (uint16_t i = 0; i < n; i++) {
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		if (unlikely(w->cap)) /* as received, before anything rewrites it */
			capture(w, pi, pkts[i], 0);
		no = (uint16_t)(no + admit(w, pi, pkts[i], now, &ops[no], &x[no]));
	}
	w->c.rx_frames += n;
	w->c.rx_bytes += bytes;
	if (no == 0)
		return;
	sg_aead_cache_open_burst(&w->cache, ops, no);

	/*
	 * Same arrays for the rest, compacted twice (accepted, then queued for
	 * sealing): an entry never runs ahead of the one it is copied from, and
	 * a frame sealed in place keeps its open op's buffers.
	 */
	for (uint16_t k = 0; k < no; k++) {
		if (ops[k].status != SG_OK) {
			crypto_drop(w, &ops[k], x[k].m);
			continue;
		}
		if (na != k) {
			x[na] = x[k];
			ops[na] = ops[k];
		}
		na = (uint16_t)(na + accept_frame(w, &x[na], now));
	}
	if (w->pset)
		scan_bodies(w, x, na);
	sg_aead_cache_phase(&w->cache);
	for (uint16_t k = 0; k < na; k++) {
		if (ns != k) {
			x[ns] = x[k];
			ops[ns] = ops[k];
		}
		ns = (uint16_t)(ns + route(w, &x[ns], now, &ops[ns]));
	}
	sg_aead_cache_seal_burst(&w->cache, ops, ns);
	for (uint16_t k = 0; k < ns; k++) {
		if (ops[k].status != SG_OK)
			crypto_drop(w, &ops[k], x[k].m);
		else
			emit(w, &x[k]);
	}
}

int sg_worker_init(struct sg_worker *w, int socket)
{
	if (sg_ratelimit_init(&w->ratelimit, WORKER_RATELIMIT_SOURCES, w->cfg->handshake_rate,
			      w->cfg->handshake_burst) != 0)
		return -1;
	for (unsigned pi = 0; pi < w->cfg->n_ports; pi++) {
		w->txb[pi] = rte_zmalloc_socket("sg_txb", RTE_ETH_TX_BUFFER_SIZE(MAX_BURST), 0,
						socket);
		if (!w->txb[pi] || rte_eth_tx_buffer_init(w->txb[pi], w->cfg->burst) != 0)
			return -1;
		rte_eth_tx_buffer_set_err_callback(w->txb[pi], tx_refused, w);
	}
	return sg_aead_cache_init(&w->cache, SG_AEAD_CACHE_WORKER_ENTRIES, socket);
}

void sg_worker_fini(struct sg_worker *w)
{
	sg_cookie_checker_wipe(&w->cookie);
	sg_ratelimit_fini(&w->ratelimit);
	if (!w->cfg)
		return; /* never initialised (start-up failed before it) */
	for (unsigned pi = 0; pi < w->cfg->n_ports; pi++) {
		rte_free(w->txb[pi]);
		w->txb[pi] = NULL;
	}
	sg_aead_cache_fini(&w->cache);
}

/* For the cache sweep: is the session an entry belongs to still live? */
static int session_live(void *arg, uint32_t index)
{
	int miss;

	return sg_session_get(arg, index, &miss) != NULL;
}

unsigned sg_worker_poll(struct sg_worker *w)
{
	struct rte_mbuf *pkts[MAX_BURST];
	const uint16_t burst = (uint16_t)RTE_MIN(w->cfg->burst, (unsigned)MAX_BURST);
	const uint64_t handed = w->c.to_control;
	unsigned got = 0;

	for (unsigned pi = 0; pi < w->cfg->n_ports; pi++) {
		uint16_t n;

		if (!(w->rx_ports & (1u << pi)))
			continue;
		n = rte_eth_rx_burst(w->cfg->ports[pi], (uint16_t)w->id, pkts, burst);
		if (n)
			sg_worker_burst(w, pi, pkts, n);
		got += n;
	}
	for (unsigned pi = 0; pi < w->cfg->n_ports; pi++)
		rte_eth_tx_buffer_flush(w->cfg->ports[pi], (uint16_t)w->id, w->txb[pi]);
	if (w->c.to_control != handed && w->wake)
		sg_wake_kick(w->wake);
	/* 4 entries a round: a gone session's keys leave the cache within ~256 rounds. */
	sg_aead_cache_sweep(&w->cache, 4, session_live, w->sessions);
	rte_rcu_qsbr_quiescent(w->sessions->qsbr, w->id);
	return got;
}

int sg_worker_main(void *arg)
{
	struct sg_worker *w = arg;
	struct rte_rcu_qsbr *q = w->sessions->qsbr;

	rte_rcu_qsbr_thread_register(q, w->id);
	rte_rcu_qsbr_thread_online(q, w->id);
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED))
		sg_worker_poll(w);
	rte_rcu_qsbr_thread_offline(q, w->id);
	rte_rcu_qsbr_thread_unregister(q, w->id);
	return 0;
}

uint64_t sg_worker_policy_ns(uint64_t cycles)
{
	const uint64_t hz = rte_get_tsc_hz();

	return hz ? cycles / hz * 1000000000ull + cycles % hz * 1000000000ull / hz : 0;
}

static void counters_json(struct sg_ctl_buf *b, const struct sg_worker_counters *c)
{
	sg_ctl_buf_printf(b, "\"rx_frames\": %llu, \"rx_bytes\": %llu, \"tx_frames\": %llu, "
			     "\"tx_bytes\": %llu, \"forwarded\": %llu, \"keepalives\": %llu, "
			     "\"to_control\": %llu, \"arp\": %llu, \"icmp\": %llu, \"ndp\": %llu, "
			     "\"cookie_replies\": %llu, \"policy_scan_ns\": %llu, \"drops\": {",
			  (unsigned long long)c->rx_frames, (unsigned long long)c->rx_bytes,
			  (unsigned long long)c->tx_frames,
			  (unsigned long long)c->tx_bytes, (unsigned long long)c->forwarded,
			  (unsigned long long)c->keepalives, (unsigned long long)c->to_control,
			  (unsigned long long)c->arp, (unsigned long long)c->icmp,
			  (unsigned long long)c->ndp, (unsigned long long)c->cookie_replies,
			  (unsigned long long)sg_worker_policy_ns(c->policy_cycles));
	for (unsigned d = 0; d < SG_DROP_MAX; d++)
		sg_ctl_buf_printf(b, "%s\"%s\": %llu", d ? ", " : "", sg_drop_name(d),
				  (unsigned long long)c->drops[d]);
	sg_ctl_buf_printf(b, "}");
}

static void snapshot(struct sg_worker_counters *out, const struct sg_worker *w)
{
	const uint64_t *src = (const uint64_t *)&w->c;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void sg_worker_stats(void *arg, struct sg_ctl_buf *b, int json)
{
	const struct sg_worker_set *set = arg;
	struct sg_worker_counters total, c;
	uint64_t *t = (uint64_t *)&total;

	memset(&total, 0, sizeof(total));
	if (json)
		sg_ctl_buf_printf(b, ", \"workers\": [");
	for (unsigned i = 0; i < set->n; i++) {
		const uint64_t *v = (const uint64_t *)&c;

		snapshot(&c, &set->w[i]);
		for (size_t k = 0; k < sizeof(c) / sizeof(uint64_t); k++)
			t[k] += v[k];
		if (json) {
			sg_ctl_buf_printf(b, "%s{\"id\": %u, \"lcore\": \"%s\", ", i ? ", " : "", i,
					  i < set->n_workers ? "worker" : "control");
			counters_json(b, &c);
			sg_ctl_buf_printf(b, "}");
		} else {
			sg_ctl_buf_printf(b, "%s %u: rx %llu (%llu B) tx %llu (%llu B) forwarded "
					     "%llu to_control %llu keepalives %llu cookie_replies "
					     "%llu arp/icmp/ndp %llu/%llu/%llu\n",
					  i < set->n_workers ? "worker" : "control lcore, queue", i,
					  (unsigned long long)c.rx_frames,
					  (unsigned long long)c.rx_bytes,
					  (unsigned long long)c.tx_frames,
					  (unsigned long long)c.tx_bytes,
					  (unsigned long long)c.forwarded,
					  (unsigned long long)c.to_control,
					  (unsigned long long)c.keepalives,
					  (unsigned long long)c.cookie_replies,
					  (unsigned long long)c.arp, (unsigned long long)c.icmp,
					  (unsigned long long)c.ndp);
		}
	}
	if (json) {
		sg_ctl_buf_printf(b, "], \"total\": {");
		counters_json(b, &total);
		sg_ctl_buf_printf(b, "}");
		return;
	}
	sg_ctl_buf_printf(b, "workers in all: rx %llu (%llu B) tx %llu (%llu B) forwarded %llu "
			     "cookie_replies %llu policy_scan_ms %llu\n",
			  (unsigned long long)total.rx_frames, (unsigned long long)total.rx_bytes,
			  (unsigned long long)total.tx_frames, (unsigned long long)total.tx_bytes,
			  (unsigned long long)total.forwarded,
			  (unsigned long long)total.cookie_replies,
			  (unsigned long long)(sg_worker_policy_ns(total.policy_cycles) / 1000000));
	for (unsigned d = 0; d < SG_DROP_MAX; d++)
		if (total.drops[d])
			sg_ctl_buf_printf(b, "  drop %-20s %llu\n", sg_drop_name(d),
					  (unsigned long long)total.drops[d]);
}
