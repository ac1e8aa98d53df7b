/* SPDX-License-Identifier: MIT */
/*
 * keys_ctl.c - the relay's static key ring: the current key and, for
 * key_grace seconds after a rotation (config reload with a new key_file),
 * the previous one, so that clients still holding the old public key keep
 * connecting while the new one is distributed (docs/OPERATIONS.md).
 *
 * Which key a handshake message is under is told by its mac1 (keyed by the
 * static public key the client used).  Three readers, three guarantees:
 *
 * - Workers check mac1 (and, under load, answer cookies under that key's
 *   cookie key) from p->keys_pub, a struct sg_keys_pub that is immutable
 *   once published: a new one is swapped in with one release store and the
 *   old one freed only after the session table's RCU grace period
 *   (rte_rcu_qsbr, as the policy set: policy_ctl.c).  No lock on the data
 *   path; a worker sees the new keys at its next handshake at the latest.
 *
 * - The main lcore decides again which key a message is under when it
 *   takes it (sg_hs_admit), from the same published view: a message a
 *   worker admitted under a key dropped since is refused (handshake_mac1).
 *
 * - Handshake lcores use a private key for the X25519 half.  Invariant: a
 *   key's private half is wiped only when it is neither current nor
 *   previous (so sg_plane_keys_hold can no longer hand it out) AND its
 *   count of handshakes in flight is zero.  The main lcore alone counts:
 *   +1 when a handshake is given the key (hold, before it goes into a
 *   handshake lcore's ring), -1 when it comes back out through
 *   sg_plane_handshake_finish (release), or at once when the ring refused
 *   it.  A handshake lcore holds a key only between taking a handshake from
 *   its in ring and putting it on its out ring, and every handshake it takes
 *   comes back (hs_lcore.c), so a count of zero means no handshake lcore
 *   holds the key and none can pick it up again: the ring drain is the
 *   grace period for private keys, and no lcore ever reads a freed key.
 *
 * At most two keys are accepted; a rotation during a grace period drops
 * the previous key.  Keys, current and dropped, live in sg_secure_alloc
 * memory and are wiped (sg_keypair_wipe) before it is freed.  Times are the
 * relay clock's seconds (p->sessions->now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "crypto/crypto.h"
#include "keys_ctl.h"
#include "plane.h"

enum {
	KEYS_DYING_MAX = 4,   /* dropped keys waiting for their handshakes to finish */
	KEYS_RETIRED_MAX = 4, /* workers' views waiting for their RCU grace period */
};

/* One static key; kp first (preps point at it). */
struct relay_key {
	struct sg_keypair kp;
	uint32_t inflight; /* handshakes holding kp (main lcore only) */
};

struct sg_keyring {
	struct relay_key *cur;
	struct relay_key *prev;        /* NULL: no grace period */
	uint64_t rotated;              /* relay second of the last rotation */
	uint64_t prev_until;           /* prev is accepted while now < prev_until (until()) */
	struct relay_key *staged;      /* read by a config reload, not applied yet */
	struct sg_keys_pub *staged_pub; /* its view, allocated with it (commit cannot fail) */
	struct relay_key *dying[KEYS_DYING_MAX];
	unsigned n_dying;
	struct sg_keys_pub *retired[KEYS_RETIRED_MAX];
	unsigned n_retired;
	uint64_t checked;              /* relay second of the last expiry check */
};

static struct relay_key *key_new(void)
{
	struct relay_key *k = sg_secure_alloc(sizeof(*k));

	if (k)
		memset(k, 0, sizeof(*k));
	return k;
}

static void key_free(struct relay_key *k)
{
	if (!k)
		return;
	sg_keypair_wipe(&k->kp);
	sg_secure_free(k);
}

/* No new handshake gets k; wiped once none holds it (see the top). */
static void key_drop(struct sg_keyring *r, struct relay_key *k)
{
	if (k->inflight == 0) {
		key_free(k);
		return;
	}
	/* Room guaranteed: sg_plane_keys_stage refuses a rotation without it. */
	r->dying[r->n_dying++] = k;
}

/*
 * The relay second from which a key rotated out at `from` is refused: at
 * least grace_s seconds later (the clock counts whole seconds, so up to one
 * more), and at once for 0.
 */
static uint64_t until(uint64_t from, unsigned grace_s)
{
	return grace_s ? from + grace_s + 1 : from;
}

/* The workers' view of the ring as it is now, into v. */
static void view_fill(const struct sg_keyring *r, struct sg_keys_pub *v)
{
	memset(v, 0, sizeof(*v));
	sg_cookie_keys_init(&v->key[SG_KEY_CURRENT], r->cur->kp.pub);
	v->n = 1;
	if (r->prev) {
		sg_cookie_keys_init(&v->key[SG_KEY_PREVIOUS], r->prev->kp.pub);
		v->n = 2;
	}
}

/* Publish v (filled); the view it replaces is freed after the RCU grace period. */
static void publish(struct sg_plane *p, struct sg_keys_pub *v)
{
	struct sg_keyring *r = p->keys;
	struct sg_keys_pub *old = p->keys_pub;

	__atomic_store_n(&p->keys_pub, v, __ATOMIC_RELEASE);
	p->key = &r->cur->kp;
	/* The checker's own keys follow the current key (its secret is unchanged). */
	memcpy(p->cookie->mac1_key, v->key[SG_KEY_CURRENT].mac1_key, SG_KEY_LEN);
	memcpy(p->cookie->cookie_key, v->key[SG_KEY_CURRENT].cookie_key, SG_KEY_LEN);
	if (old) {
		old->token = rte_rcu_qsbr_start(p->sessions->qsbr);
		r->retired[r->n_retired++] = old;
	}
}

int sg_plane_keys_init(struct sg_plane *p, char *err, size_t errlen)
{
	struct sg_keyring *r = calloc(1, sizeof(*r));
	struct sg_keys_pub *v = calloc(1, sizeof(*v));

	p->keys = r;
	if (!r || !v || !(r->cur = key_new())) {
		free(v);
		snprintf(err, errlen, "cannot allocate the relay's key ring");
		return -1;
	}
	r->cur->kp = *p->key;
	r->checked = p->sessions->now;
	view_fill(r, v);
	p->keys_pub = v;
	p->key = &r->cur->kp;
	return 0;
}

void sg_plane_keys_fini(struct sg_plane *p)
{
	struct sg_keyring *r = p->keys;

	if (!r)
		return;
	key_free(r->cur);
	key_free(r->prev);
	key_free(r->staged);
	free(r->staged_pub);
	for (unsigned i = 0; i < r->n_dying; i++)
		key_free(r->dying[i]);
	for (unsigned i = 0; i < r->n_retired; i++)
		free(r->retired[i]);
	free(p->keys_pub);
	p->keys_pub = NULL;
	p->key = NULL;
	free(r);
	p->keys = NULL;
}

int sg_plane_keys_match(const struct sg_plane *p, const uint8_t *msg, size_t len)
{
	const struct sg_keys_pub *v = p->keys_pub;

	return sg_cookie_mac1_match(v->key, v->n, msg, len);
}

const struct sg_cookie_keys *sg_plane_keys_cookie(const struct sg_plane *p, int which)
{
	return &p->keys_pub->key[which];
}

const struct sg_keypair *sg_plane_keys_hold(struct sg_plane *p, int which)
{
	struct sg_keyring *r = p->keys;
	struct relay_key *k = which == SG_KEY_PREVIOUS && r->prev ? r->prev : r->cur;

	k->inflight++;
	return &k->kp;
}

void sg_plane_keys_release(struct sg_plane *p, const struct sg_keypair *kp)
{
	struct sg_keyring *r = p->keys;

	if (!kp)
		return;
	if (&r->cur->kp == kp) {
		r->cur->inflight--;
		return;
	}
	if (r->prev && &r->prev->kp == kp) {
		r->prev->inflight--;
		return;
	}
	for (unsigned i = 0; i < r->n_dying; i++)
		if (&r->dying[i]->kp == kp) {
			r->dying[i]->inflight--;
			return; /* freed by the next poll */
		}
}

int sg_plane_keys_stage(struct sg_plane *p, const char *path, char *err, size_t errlen)
{
	struct sg_keyring *r = p->keys;
	struct relay_key *k;

	sg_plane_keys_unstage(p);
	if (r->n_dying + 2 > KEYS_DYING_MAX || r->n_retired == KEYS_RETIRED_MAX) {
		snprintf(err, errlen, "key_file: the keys of earlier rotations are still being "
				      "freed; try again in a second");
		return -1;
	}
	k = key_new();
	if (!k) {
		snprintf(err, errlen, "key_file: cannot allocate locked memory");
		return -1;
	}
	if (sg_keyfile_load(path, &k->kp, err, errlen) != 0) {
		key_free(k);
		return -1;
	}
	if (memcmp(k->kp.pub, r->cur->kp.pub, SG_KEY_LEN) == 0) {
		key_free(k);
		return 0;
	}
	r->staged_pub = calloc(1, sizeof(*r->staged_pub));
	if (!r->staged_pub) {
		key_free(k);
		snprintf(err, errlen, "key_file: out of memory");
		return -1;
	}
	r->staged = k;
	return 1;
}

void sg_plane_keys_unstage(struct sg_plane *p)
{
	struct sg_keyring *r = p->keys;

	key_free(r->staged);
	free(r->staged_pub);
	r->staged = NULL;
	r->staged_pub = NULL;
}

/* The previous key's grace has ended: it goes (later, if the workers' view cannot yet). */
static unsigned expire(struct sg_plane *p, uint64_t now)
{
	struct sg_keyring *r = p->keys;
	struct relay_key *prev = r->prev;
	struct sg_keys_pub *v;

	if (!prev || now < r->prev_until || r->n_retired == KEYS_RETIRED_MAX ||
	    r->n_dying == KEYS_DYING_MAX)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return 0; /* accepted a second longer */
	r->prev = NULL;
	view_fill(r, v);
	publish(p, v);
	key_drop(r, prev);
	return 1;
}

int sg_plane_keys_commit(struct sg_plane *p, unsigned grace_s)
{
	struct sg_keyring *r = p->keys;
	const uint64_t now = p->sessions->now;
	struct sg_keys_pub *v = r->staged_pub;
	struct relay_key *gone, *old;

	if (!r->staged) {
		/* A grace period in progress ends grace_s after its rotation. */
		if (r->prev) {
			r->prev_until = until(r->rotated, grace_s);
			expire(p, now); /* key_grace 0 (or shorter than it ran): now */
		}
		return 0;
	}
	gone = r->prev;
	old = r->cur;
	r->prev = grace_s ? old : NULL;
	r->cur = r->staged;
	r->rotated = now;
	r->prev_until = until(now, grace_s);
	r->staged = NULL;
	r->staged_pub = NULL;
	view_fill(r, v);
	publish(p, v); /* room: sg_plane_keys_stage checked */
	/* Out of the ring first, then dropped (room for both: stage checked). */
	if (gone)
		key_drop(r, gone);
	if (!grace_s)
		key_drop(r, old);
	return 1;
}

unsigned sg_plane_keys_poll(struct sg_plane *p)
{
	struct sg_keyring *r = p->keys;
	const uint64_t now = p->sessions->now;
	unsigned work = 0, k = 0;

	if (!r)
		return 0;
	if (now != r->checked) {
		r->checked = now;
		work += expire(p, now);
	}
	for (unsigned i = 0; i < r->n_retired; i++) {
		if (rte_rcu_qsbr_check(p->sessions->qsbr, r->retired[i]->token, false) != 1) {
			r->retired[k++] = r->retired[i];
			continue;
		}
		free(r->retired[i]);
		work++;
	}
	r->n_retired = k;
	k = 0;
	for (unsigned i = 0; i < r->n_dying; i++) {
		if (r->dying[i]->inflight) {
			r->dying[k++] = r->dying[i];
			continue;
		}
		key_free(r->dying[i]);
		work++;
	}
	r->n_dying = k;
	return work;
}

void sg_plane_keys_status(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	const struct sg_keyring *r = p->keys;
	const uint64_t now = p->sessions->now;
	char cur[SG_KEY_B64_LEN + 1], prev[SG_KEY_B64_LEN + 1];
	unsigned long long left;

	if (!r)
		return;
	sg_key_to_base64(cur, r->cur->kp.pub);
	if (json)
		sg_ctl_buf_printf(b, "\"public_key\": \"%s\"", cur);
	else
		sg_ctl_buf_printf(b, "public key %s\n", cur);
	if (!r->prev)
		return;
	sg_key_to_base64(prev, r->prev->kp.pub);
	/* Whole seconds it is still accepted for at least (until(): up to one more). */
	left = r->prev_until > now + 1 ? (unsigned long long)(r->prev_until - now - 1) : 0;
	if (json)
		sg_ctl_buf_printf(b, ", \"previous_public_key\": \"%s\", \"previous_key_left_s\": %llu",
				  prev, left);
	else
		sg_ctl_buf_printf(b, "previous public key %s, accepted at least %llu s more\n",
				  prev, left);
}
