/* SPDX-License-Identifier: MIT */
/*
 * durable.c - what the control plane makes durable, and the rule that
 * nothing promising durability leaves before it is: the store (LMDB,
 * control/store.h) opened at start and the registry loaded from it, then
 * group commit with held replies.
 *
 * Group commit: a handshake that wrote its user record, and a frame put in
 * a mailbox, set p->holding while they send their answer; sg_plane_tx_udp
 * then appends the finished frame to p->held instead of transmitting it.
 * sg_plane_commit() (at the end of every control round that wrote, or when
 * the held list is full) commits the open LMDB transaction, fsync
 * included, and only then transmits the held frames in order.  When the
 * commit fails (a full map, a full disk), a held STORED reply becomes
 * UNAVAILABLE (the message is not stored, and its sender is told:
 * mailbox_unavailable) and the other held frames are dropped and counted
 * (store_held_dropped): the clients' retries find the users in memory and
 * write them again.  Store errors are logged on stderr, rate-limited
 * (sg_plane_store_failed).  A round is bounded (about 1.5 ms of
 * handshakes, CTL_SESSION_MAX frames a ring: control.c), so the wait a
 * commit adds is one round plus one fsync; the last SG_COMMIT_SAMPLES waits are kept for
 * `stats` (p50, p99, max).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "crypto/crypto.h"
#include "plane.h"
#include "proto/status.h"
#include "proto/transport_msg.h"
#include "registry.h"
#include "store.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int load_user(void *arg, const struct sg_store_user *su)
{
	struct sg_registry *r = arg;
	struct sg_user u = { .id = su->id, .created = su->created, .last_seen = su->last_seen };

	memcpy(u.pub, su->pub, SG_KEY_LEN);
	memcpy(u.last_ts, su->last_ts, SG_TAI64N_LEN);
	return sg_registry_restore(r, &u) == SG_OK ? 0 : -1;
}

int sg_plane_store_open(struct sg_plane *p, char *err, size_t errlen)
{
	const struct sg_config *c = p->cfg;
	struct sg_store_opts o = {
		.dir = c->store_dir,
		.init = (int)c->store_init,
		.map_bytes = (uint64_t)c->store_map_mib << 20,
		.max_users = c->max_users,
		.mbox_per_user = c->mailbox_per_user,
		.mbox_total = c->mailbox_total,
		.nosync = !c->store_sync,
	};
	char why[256];
	int rc;

	if (!c->store_dir[0])
		return 0;
	if (sg_store_open(&p->store, &o, err, errlen) != 0)
		return -1;
	rc = sg_store_users_load(p->store, load_user, p->registry, why, sizeof(why));
	if (rc != 0) {
		if (rc > 0)
			snprintf(why, sizeof(why), "a user is out of order, beyond max_users (%u) "
						   "or registered twice",
				 c->max_users);
		snprintf(err, errlen, "%s: loading users: %s", c->store_dir, why);
		sg_store_close(p->store);
		p->store = NULL;
		return -1;
	}
	return 0;
}

void sg_plane_store_close(struct sg_plane *p)
{
	if (!p->store)
		return;
	sg_plane_commit(p); /* what the last round wrote; a failure is counted */
	sg_store_close(p->store);
	p->store = NULL;
}

int sg_plane_store_user(struct sg_plane *p, const struct sg_user *u)
{
	struct sg_store_user su = { .id = u->id, .created = u->created, .last_seen = u->last_seen };
	char err[256];

	if (!p->store)
		return 0;
	memcpy(su.pub, u->pub, SG_KEY_LEN);
	memcpy(su.last_ts, u->last_ts, SG_TAI64N_LEN);
	if (sg_store_user_put(p->store, &su, err, sizeof(err)) != 0) {
		sg_plane_store_failed(p, err);
		return -1;
	}
	return 0;
}

void sg_plane_store_failed(struct sg_plane *p, const char *err)
{
	uint64_t now = (uint64_t)time(NULL), n = ++p->counters[SG_PC_STORE_ERRORS];

	snprintf(p->store_error, sizeof(p->store_error), "%s", err);
	if (p->store_logged_at && now < p->store_logged_at + SG_STORE_LOG_S)
		return;
	fprintf(stderr, "surge-relay: store error: %s (store_errors %llu, %llu since the last "
			"line); messages get UNAVAILABLE, sign-ups and log-ins whose record is not "
			"written go unanswered, until the store has room again\n", err,
		(unsigned long long)n, (unsigned long long)(n - p->store_errors_logged));
	p->store_logged_at = now;
	p->store_errors_logged = n;
}

void sg_plane_hold(struct sg_plane *p, struct rte_mbuf *m, uint16_t port)
{
	if (p->held.n == SG_HELD_MAX)
		sg_plane_commit(p); /* sends what it held: room again */
	/*
	 * A write failed since the last frame held and threw its batch away:
	 * the frames held so far promised that batch; this one, the next.
	 */
	if (sg_store_aborted(p->store) != p->held_aborted) {
		p->held_aborted = sg_store_aborted(p->store);
		p->held_lost = p->held.n;
	}
	p->held.m[p->held.n] = m;
	p->held.port[p->held.n] = port;
	p->held.stored[p->held.n] = p->hold_tag;
	p->held.n++;
}

/*
 * A held STORED reply whose batch was lost: UNAVAILABLE to the same sender
 * for the same message, in m, now (if the sender's session is still live).
 */
static void unstored(struct sg_plane *p, struct rte_mbuf *m, const struct sg_held_stored *h)
{
	struct sg_reply r = { .code = SG_REPLY_UNAVAILABLE, .peer_user = h->peer,
			      .msg_id = h->msg_id };
	uint8_t out[SG_REPLY_PLAIN_LEN];
	struct sg_session *s;
	int miss;

	s = sg_session_get(p->sessions, h->index, &miss);
	if (!s) {
		p->counters[SG_PC_HELD_DROPPED]++;
		rte_pktmbuf_free(m);
		return;
	}
	p->counters[SG_PC_MBOX_UNAVAILABLE]++;
	sg_reply_encode(out, &r);
	/* In place of the STORED, which relay_replies counted already. */
	sg_plane_send(p, s, SG_MSG_RELAY_REPLY, out, sizeof(out), m);
}

/*
 * The first n held frames: sent (their batch is durable), or not (it was
 * lost: STORED replies become UNAVAILABLE, the rest are dropped); the
 * frames held after them move to the front.
 */
static void release_held(struct sg_plane *p, int send, unsigned n)
{
	struct sg_held *h = &p->held;
	int holding = p->holding;

	p->holding = 0; /* a commit while holding (the held list full): these go out now */
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = h->m[i];

		if (!send && h->stored[i].index) {
			unstored(p, m, &h->stored[i]);
		} else if (!send) {
			p->counters[SG_PC_HELD_DROPPED]++;
			rte_pktmbuf_free(m);
		} else if (rte_eth_tx_burst(h->port[i], (uint16_t)p->n_workers, &m, 1) != 1) {
			p->counters[SG_PC_TX_FAILED]++;
			rte_pktmbuf_free(m);
		}
	}
	memmove(h->m, h->m + n, (h->n - n) * sizeof(h->m[0]));
	memmove(h->port, h->port + n, (h->n - n) * sizeof(h->port[0]));
	memmove(h->stored, h->stored + n, (h->n - n) * sizeof(h->stored[0]));
	h->n -= n;
	p->holding = holding;
}

int sg_plane_commit(struct sg_plane *p)
{
	char err[256];
	uint64_t since, waited;
	int rc, lost = 0;

	if (!p->store || (!sg_store_pending(p->store) && !p->held.n))
		return 0;
	/*
	 * A write that failed inside the batch (map full, I/O) threw the whole
	 * batch away (store.h): what the frames held until then promise is not
	 * on disk (all of them when it failed after the last one was held).
	 * Those held since belong to the batch the next write opened.
	 */
	if (sg_store_aborted(p->store) != p->store_aborted) {
		unsigned n = sg_store_aborted(p->store) != p->held_aborted ? p->held.n : p->held_lost;

		p->store_aborted = p->held_aborted = sg_store_aborted(p->store);
		p->held_lost = 0;
		release_held(p, 0, n);
		lost = 1;
		if (!sg_store_pending(p->store) && !p->held.n)
			return -1;
	}
	since = sg_store_open_since_ns(p->store);
	rc = sg_store_commit(p->store, err, sizeof(err));
	if (rc != 0) {
		sg_plane_store_failed(p, err);
		p->store_aborted = p->held_aborted = sg_store_aborted(p->store);
		p->held_lost = 0;
		release_held(p, 0, p->held.n);
		return -1;
	}
	if (since) {
		waited = (monotonic_ns() - since) / 1000;
		p->commit_wait_us[p->commit_samples++ % SG_COMMIT_SAMPLES] =
			waited > UINT32_MAX ? UINT32_MAX : (uint32_t)waited;
		p->counters[SG_PC_STORE_COMMITS]++;
	}
	release_held(p, 1, p->held.n);
	return lost ? -1 : 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void sg_plane_commit_wait(const struct sg_plane *p, uint32_t *p50, uint32_t *p99, uint32_t *max)
{
	static uint32_t v[SG_COMMIT_SAMPLES];
	unsigned n = p->commit_samples < SG_COMMIT_SAMPLES ? (unsigned)p->commit_samples :
							     SG_COMMIT_SAMPLES;

	*p50 = *p99 = *max = 0;
	if (!n)
		return;
	memcpy(v, p->commit_wait_us, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	*p50 = v[(n - 1) / 2];
	*p99 = v[(n - 1) * 99 / 100];
	*max = v[n - 1];
}
