/* SPDX-License-Identifier: MIT */
/*
 * sessions_ctl.c - the live sessions on the operator socket (the requests
 * are in sessions_ctl.h): list with filters, top by frames, show one, kill
 * one.
 *
 * Invariants:
 * - Nothing here costs the data path anything: frames each way are the
 *   session's own counters, send_counter (relay -> client, the nonce the
 *   workers take) and the replay window's next (client -> relay: the
 *   highest counter accepted + 1), read relaxed.
 * - A request never walks the whole table at once.  A listing by user is
 *   one lookup in the user map; any other looks at SCAN_SLICE slots in the
 *   request and SCAN_SLICE more each round after (sg_plane_sessions_poll),
 *   and is answered (a deferred reply, ctl.h) when it has seen every slot:
 *   at 16 M slots that is 256 rounds, each about a millisecond.  One listing
 *   at a time; another meanwhile is told busy.  The rows are copies taken
 *   when their slot was looked at, so a listing is not one instant's table.
 * - A listing keeps at most its limit of rows (SG_LIST_LIMIT_MAX): the first
 *   matches in slot order, or for top the most frames (a min-heap); it
 *   counts the rest and says how many there were.
 * - kill retires the session the way expiry does (control.c timer_fired):
 *   unpublished now, keys wiped after the RCU grace period.  A CLOSE
 *   (reason admin) goes to the client first, so it knows at once and may
 *   connect again.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plane.h"
#include "proto/transport_msg.h"
#include "sessions_ctl.h"

enum { SCAN_SLICE = 65536 }; /* slots looked at a round (about 1 ms) */

/* A session as it was when its slot was looked at. */
struct row {
	uint32_t index;
	uint8_t suite;
	uint16_t dpdk_port;
	uint64_t user;
	uint64_t born, last_seen;  /* relay clock, s */
	uint64_t tx, rx;           /* frames to the client, from it */
	struct sg_endpoint ep;
};

struct sg_sessions_scan {
	unsigned token;
	int json, top, has_addr;
	struct sg_endpoint addr;   /* family and addr only */
	uint32_t limit, n, next_slot;
	uint64_t matched;
	struct row rows[];         /* limit */
};

static const char *suite_name(uint8_t suite)
{
	switch (suite) {
	case SG_SUITE_CHACHA20_POLY1305: return "chacha20-poly1305";
	case SG_SUITE_AES256_GCM: return "aes-256-gcm";
	default: return "none";
	}
}

/* "a.b.c.d:port" or "[v6]:port". */
static const char *peer(const struct sg_endpoint *ep, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, a, sizeof(a));
	snprintf(buf, cap, ep->family == 6 ? "[%s]:%u" : "%s:%u", a, ep->port);
	return buf;
}

static void row_of(struct row *w, const struct sg_session *s, uint32_t index)
{
	w->index = index;
	w->suite = s->suite;
	w->dpdk_port = s->dpdk_port;
	w->user = s->user_id;
	w->born = s->born;
	w->last_seen = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);
	w->tx = __atomic_load_n(&s->send_counter, __ATOMIC_RELAXED);
	w->rx = __atomic_load_n(&s->replay.next, __ATOMIC_RELAXED);
	w->ep = s->ep;
}

static uint64_t ago(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static void row_print(struct sg_ctl_buf *b, const struct row *w, uint64_t now, int json,
		      int first)
{
	char pb[INET6_ADDRSTRLEN + 16];

	peer(&w->ep, pb, sizeof(pb));
	if (json)
		sg_ctl_buf_printf(b, "%s{\"id\": %u, \"user\": %llu, \"peer\": \"%s\", "
				     "\"suite\": \"%s\", \"age_s\": %llu, \"idle_s\": %llu, "
				     "\"frames_in\": %llu, \"frames_out\": %llu}",
				  first ? "" : ", ", w->index, (unsigned long long)w->user, pb,
				  suite_name(w->suite), (unsigned long long)ago(now, w->born),
				  (unsigned long long)ago(now, w->last_seen),
				  (unsigned long long)w->rx, (unsigned long long)w->tx);
	else
		sg_ctl_buf_printf(b, "%10u  %10llu  %-40s  %-17s  %7llu  %7llu  %10llu  %10llu\n",
				  w->index, (unsigned long long)w->user, pb, suite_name(w->suite),
				  (unsigned long long)ago(now, w->born),
				  (unsigned long long)ago(now, w->last_seen),
				  (unsigned long long)w->rx, (unsigned long long)w->tx);
}

static uint64_t frames(const struct row *w)
{
	return w->tx + w->rx;
}

/* top keeps a min-heap on frames: rows[0] is the least of those kept. */
static void heap_down(struct row *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		struct row t;

		if (l < n && frames(&h[l]) < frames(&h[m]))
			m = l;
		if (l + 1 < n && frames(&h[l + 1]) < frames(&h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(struct row *h, uint32_t i)
{
	while (i && frames(&h[(i - 1) / 2]) > frames(&h[i])) {
		struct row t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void keep(struct sg_sessions_scan *sc, const struct row *w)
{
	sc->matched++;
	if (sc->n < sc->limit) {
		sc->rows[sc->n] = *w;
		if (sc->top)
			heap_up(sc->rows, sc->n);
		sc->n++;
	} else if (sc->top && frames(w) > frames(&sc->rows[0])) {
		sc->rows[0] = *w;
		heap_down(sc->rows, sc->n, 0);
	}
}

static int addr_match(const struct sg_sessions_scan *sc, const struct sg_endpoint *ep)
{
	return !sc->has_addr ||
	       (ep->family == sc->addr.family &&
		!memcmp(ep->addr, sc->addr.addr, sc->addr.family == 6 ? 16 : 4));
}

/* The next slice of slots; 1 when every slot has been looked at. */
static int scan_slice(struct sg_plane *p, struct sg_sessions_scan *sc)
{
	const struct sg_session_table *t = p->sessions;
	uint32_t end = t->n_slots - sc->next_slot > SCAN_SLICE ? sc->next_slot + SCAN_SLICE :
								  t->n_slots;

	for (uint32_t slot = sc->next_slot; slot < end; slot++) {
		const struct sg_session *s = &t->slots[slot];
		uint32_t index = __atomic_load_n(&s->index, __ATOMIC_RELAXED);
		struct row w;

		if (index == 0 || !addr_match(sc, &s->ep))
			continue;
		row_of(&w, s, index);
		keep(sc, &w);
	}
	sc->next_slot = end;
	return end == t->n_slots;
}

static int by_frames_desc(const void *a, const void *b)
{
	uint64_t x = frames(a), y = frames(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void scan_answer(struct sg_plane *p, const struct sg_sessions_scan *sc,
			struct sg_ctl_buf *b)
{
	uint64_t now = sg_session_now(p->sessions), more = sc->matched - sc->n;

	if (sc->json) {
		sg_ctl_buf_printf(b, "{\"live\": %u, \"matched\": %llu, \"more\": %llu, "
				     "\"sessions\": [",
				  p->sessions->live, (unsigned long long)sc->matched,
				  (unsigned long long)more);
	} else {
		sg_ctl_buf_printf(b, "%10s  %10s  %-40s  %-17s  %7s  %7s  %10s  %10s\n", "SESSION",
				  "USER", "PEER", "SUITE", "AGE_S", "IDLE_S", "FRAMES_IN",
				  "FRAMES_OUT");
	}
	for (uint32_t i = 0; i < sc->n && !b->oom; i++)
		row_print(b, &sc->rows[i], now, sc->json, i == 0);
	if (sc->json) {
		sg_ctl_buf_printf(b, "]}\n");
		return;
	}
	if (more)
		sg_ctl_buf_printf(b, "%u of %llu sessions shown (%u live); %llu more not shown: "
				     "raise --limit (at most %d)\n",
				  sc->n, (unsigned long long)sc->matched, p->sessions->live,
				  (unsigned long long)more, SG_LIST_LIMIT_MAX);
	else
		sg_ctl_buf_printf(b, "%llu session%s of %u live\n", (unsigned long long)sc->matched,
				  sc->matched == 1 ? "" : "s", p->sessions->live);
}

/* Sorted (top), answered and freed. */
static void scan_finish(struct sg_plane *p, struct sg_sessions_scan *sc, struct sg_ctl_buf *b)
{
	if (sc->top)
		qsort(sc->rows, sc->n, sizeof(sc->rows[0]), by_frames_desc);
	scan_answer(p, sc, b);
}

unsigned sg_plane_sessions_poll(struct sg_plane *p)
{
	struct sg_sessions_scan *sc = p->sessions_scan;
	struct sg_ctl_buf b = { 0 };
	uint32_t from;

	if (!sc)
		return 0;
	from = sc->next_slot;
	if (!scan_slice(p, sc))
		return sc->next_slot - from;
	scan_finish(p, sc, &b);
	sg_ctl_server_reply(p->ctl, sc->token, b.oom ? SG_CTL_E_INTERNAL : SG_CTL_OK, &b);
	sg_ctl_buf_free(&b);
	p->sessions_scan = NULL;
	from = sc->next_slot - from;
	free(sc);
	return from;
}

void sg_plane_sessions_fini(struct sg_plane *p)
{
	free(p->sessions_scan);
	p->sessions_scan = NULL;
}

/* The options of list and top from argv[a]: "user ID", "addr IP", "limit N". */
static int options(struct sg_sessions_scan *sc, uint64_t *user, const struct sg_ctl_request *r,
		   int a, struct sg_ctl_buf *b)
{
	for (int i = a; i < r->argc; i += 2) {
		const char *k = r->argv[i], *v = i + 1 < r->argc ? r->argv[i + 1] : NULL;

		if (!v) {
			sg_ctl_buf_printf(b, "sessions: '%s' needs a value", k);
			return SG_CTL_E_ARGS;
		}
		if (!strcmp(k, "limit")) {
			sc->limit = (uint32_t)sg_ctl_number(v, SG_LIST_LIMIT_MAX);
			if (!sc->limit) {
				sg_ctl_buf_printf(b, "sessions: limit '%s' is not in 1..%d", v,
						  SG_LIST_LIMIT_MAX);
				return SG_CTL_E_ARGS;
			}
		} else if (!strcmp(k, "user") && !sc->top) {
			*user = sg_ctl_number(v, UINT64_MAX);
			if (!*user) {
				sg_ctl_buf_printf(b, "sessions: '%s' is not a user id", v);
				return SG_CTL_E_ARGS;
			}
		} else if (!strcmp(k, "addr") && !sc->top) {
			memset(&sc->addr, 0, sizeof(sc->addr));
			if (inet_pton(AF_INET, v, sc->addr.addr) == 1) {
				sc->addr.family = 4;
			} else if (inet_pton(AF_INET6, v, sc->addr.addr) == 1) {
				sc->addr.family = 6;
			} else {
				sg_ctl_buf_printf(b, "sessions: '%s' is not an IPv4 or IPv6 address", v);
				return SG_CTL_E_ARGS;
			}
			sc->has_addr = 1;
		} else {
			sg_ctl_buf_printf(b, "sessions: unknown option '%s' (list: user, addr, limit; "
					     "top: limit)", k);
			return SG_CTL_E_ARGS;
		}
	}
	return SG_CTL_OK;
}

/* list and top: answered now, or deferred while the slots are looked at. */
static int listing(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b,
		   int top, int json, int a)
{
	struct sg_sessions_scan opt = { .limit = SG_LIST_LIMIT_DEFAULT, .top = top, .json = json };
	struct sg_sessions_scan *sc;
	uint64_t user = 0;
	int rc = options(&opt, &user, r, a, b);

	if (rc != SG_CTL_OK)
		return rc;
	if (p->sessions_scan) {
		sg_ctl_buf_printf(b, "another sessions listing is running (slot %u of %u); try "
				     "again in a moment", p->sessions_scan->next_slot,
				  p->sessions->n_slots);
		return SG_CTL_E_BUSY;
	}
	sc = malloc(sizeof(*sc) + sizeof(sc->rows[0]) * opt.limit);
	if (!sc) {
		b->oom = 1;
		return SG_CTL_E_INTERNAL;
	}
	*sc = opt;
	sc->token = r->token;
	sc->next_slot = 1; /* slot 0 is never used */
	if (user) {
		/* One lookup: the user's current session, if it is at the address. */
		uint32_t index = sg_session_of_user(p->sessions, user);
		int miss;
		const struct sg_session *s = index ? sg_session_get(p->sessions, index, &miss) : NULL;
		struct row w;

		if (s && addr_match(sc, &s->ep)) {
			row_of(&w, s, index);
			keep(sc, &w);
		}
		sc->next_slot = p->sessions->n_slots;
	}
	if (sc->next_slot == p->sessions->n_slots || scan_slice(p, sc)) {
		scan_finish(p, sc, b);
		free(sc);
		return b->oom ? SG_CTL_E_INTERNAL : SG_CTL_OK;
	}
	p->sessions_scan = sc;
	return SG_CTL_DEFER;
}

/* The live session ID names, or NULL with ERR 3's message in b. */
static struct sg_session *find(struct sg_plane *p, const char *sub, const char *id,
			       struct sg_ctl_buf *b, int *rc)
{
	uint32_t index = (uint32_t)sg_ctl_number(id, UINT32_MAX);
	struct sg_session *s;
	int miss;

	if (!index) {
		sg_ctl_buf_printf(b, "sessions %s: '%s' is not a session id (the SESSION column "
				     "of surgectl sessions)", sub, id);
		*rc = SG_CTL_E_ARGS;
		return NULL;
	}
	s = sg_session_get(p->sessions, index, &miss);
	if (!s) {
		sg_ctl_buf_printf(b, "sessions %s: no live session %u (it ended, or was never "
				     "one; surgectl sessions lists them)", sub, index);
		*rc = SG_CTL_E_NOTFOUND;
	}
	return s;
}

static void show(struct sg_plane *p, const struct sg_session *s, struct sg_ctl_buf *b, int json)
{
	uint64_t now = sg_session_now(p->sessions);
	uint64_t reject = s->born + p->timers.reject_after_s;
	char pb[INET6_ADDRSTRLEN + 16], local[INET6_ADDRSTRLEN];
	struct row w;

	row_of(&w, s, s->index);
	peer(&w.ep, pb, sizeof(pb));
	inet_ntop(w.ep.family == 6 ? AF_INET6 : AF_INET, s->local_addr, local, sizeof(local));
	if (json) {
		sg_ctl_buf_printf(b, "{\"id\": %u, \"slot\": %u, \"user\": %llu, \"peer\": \"%s\", "
				     "\"local\": \"%s\", \"dpdk_port\": %u, \"suite\": \"%s\", "
				     "\"age_s\": %llu, \"idle_s\": %llu, \"keys_expire_in_s\": %llu, "
				     "\"frames_in\": %llu, \"frames_out\": %llu}\n",
				  w.index, w.index & p->sessions->slot_mask,
				  (unsigned long long)w.user, pb, local, w.dpdk_port,
				  suite_name(w.suite), (unsigned long long)ago(now, w.born),
				  (unsigned long long)ago(now, w.last_seen),
				  (unsigned long long)ago(reject, now), (unsigned long long)w.rx,
				  (unsigned long long)w.tx);
		return;
	}
	sg_ctl_buf_printf(b, "session %u (slot %u)\n"
			     "  user         %llu\n"
			     "  peer         %s (to %s, DPDK port %u)\n"
			     "  suite        %s\n"
			     "  age          %llu s (keys expire in %llu s)\n"
			     "  idle         %llu s\n"
			     "  frames       %llu in, %llu out\n",
			  w.index, w.index & p->sessions->slot_mask, (unsigned long long)w.user,
			  pb, local, w.dpdk_port, suite_name(w.suite),
			  (unsigned long long)ago(now, w.born), (unsigned long long)ago(reject, now),
			  (unsigned long long)ago(now, w.last_seen), (unsigned long long)w.rx,
			  (unsigned long long)w.tx);
}

static void kill_one(struct sg_plane *p, struct sg_session *s, struct sg_ctl_buf *b, int json)
{
	uint8_t plain[SG_CLOSE_PLAIN_LEN];
	uint32_t index = s->index;
	uint64_t user = s->user_id;
	int told;

	sg_close_encode(plain, SG_CLOSE_ADMIN);
	told = sg_plane_send(p, s, SG_MSG_CLOSE, plain, sizeof(plain), NULL) == 0;
	sg_session_retire(p->sessions, s); /* keys wiped after the grace period */
	p->counters[SG_PC_KILLED]++;
	if (json)
		sg_ctl_buf_printf(b, "{\"killed\": %u, \"user\": %llu, \"client_told\": %s}\n", index,
				  (unsigned long long)user, told ? "true" : "false");
	else
		sg_ctl_buf_printf(b, "session %u of user %llu killed%s\n", index,
				  (unsigned long long)user,
				  told ? "; the client was sent a CLOSE (admin)" :
					 " (the CLOSE to the client could not be sent)");
}

int sg_plane_sessions_ctl(struct sg_plane *p, const struct sg_ctl_request *r,
			  struct sg_ctl_buf *b)
{
	const char *sub = r->argc > 1 ? r->argv[1] : "list";
	int json = r->argc > 2 && strcmp(r->argv[2], "json") == 0;
	int a = 2 + json, rc = SG_CTL_OK;
	struct sg_session *s;

	if (!strcmp(sub, "list") || !strcmp(sub, "top"))
		return listing(p, r, b, sub[0] == 't', json, a);
	if ((!strcmp(sub, "show") || !strcmp(sub, "kill")) && r->argc == a + 1) {
		s = find(p, sub, r->argv[a], b, &rc);
		if (!s)
			return rc;
		if (sub[0] == 's')
			show(p, s, b, json);
		else
			kill_one(p, s, b, json);
		return SG_CTL_OK;
	}
	sg_ctl_buf_printf(b, "usage: sessions list [user ID] [addr IP] [limit N] | sessions top "
			     "[limit N] | sessions show ID | sessions kill ID (json after the "
			     "sub-command)");
	return SG_CTL_E_ARGS;
}
