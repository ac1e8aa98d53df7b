/* SPDX-License-Identifier: MIT */
/*
 * timers.c - the relay's session timers (docs/PROTOCOL.md §8), as verbs and
 * one decision.  Workers only report events: after a frame authenticates
 * they store last_seen = now (relaxed); the control plane alone decides, when
 * the session's wheel entry fires.  All times are the relay clock in seconds.
 *
 * The timers, and who owns each:
 *
 *  - REJECT (relay, here): keys are refused reject_after_s (3780 s) after
 *    their handshake.  Due at born + reject_after_s; the session is retired
 *    and its keys wiped, even if active (workers also refuse frames past it
 *    on their own, worker.c, so expiry is only the clean-up).
 *  - DEAD (relay, here): no authenticated frame for dead_after_s (3 x 180 s).
 *    Due at last_seen + dead_after_s; retired, keys wiped.
 *  - REKEY (client): a new handshake after 3240..3600 s replaces the session;
 *    the relay retires the old one at once (sg_timers_session_gone).
 *  - KEEPALIVE (client): 25 s without sending, it sends a KEEPALIVE; to the
 *    relay that is traffic like any other (it moves last_seen).
 *  - KEY_UPDATE, KEY_PHASE_GRACE: driven by the client's key phases in the
 *    data path; no relay-side timer yet (PROTOCOL.md §8.3).
 *  - Mailbox TTL: the store's own expiry index, which the control plane
 *    ticks once a second; not per session, not here.
 *  - Cookie secret rotation (120 s): inside the handshake checker.
 *
 * Lazy check: the wheel holds one entry per session, armed at
 *
 *	deadline = min(born + reject_after_s, last_seen + dead_after_s)
 *
 * with last_seen as it was when armed.  Workers never touch the wheel.  When
 * the entry fires, sg_timers_check() reads the actual last_seen: REJECT if
 * now >= born + reject_after_s, else DEAD if now >= last_seen + dead_after_s,
 * else the session was active meanwhile and is re-armed at its new deadline.
 *
 * Amortised cost, stated honestly: an idle session costs one firing (its
 * expiry).  An active one is re-armed each time its entry fires: a steadily
 * active session fires about once per dead_after_s (its last_seen is close to
 * the firing time, so the next deadline is ~dead_after_s away), and any
 * session at most twice per dead_after_s (a KEEP at f1 re-arms at L1 + dead
 * with L1 <= f1; a KEEP at f2 needs a frame after f1, so the one after comes
 * after f1 + dead).  Over a key's life of 3780 s that is about 7 firings, 15
 * at worst, each O(1) plus one cache miss on the session's last_seen: at
 * 10 M active sessions ~18.5 k re-arms a second on the control lcore.
 */
#include "control/timers.h"
#include "control/wheel.h"
#include "proto/messages.h"

void sg_timers_cfg_default(struct sg_timers_cfg *c)
{
	c->reject_after_s = SG_REJECT_AFTER_S;
	c->dead_after_s = SG_SESSION_DEAD_S;
}

uint64_t sg_timers_deadline(const struct sg_timers_cfg *c, uint64_t born, uint64_t last_seen)
{
	uint64_t reject = born + c->reject_after_s, dead = last_seen + c->dead_after_s;

	return reject < dead ? reject : dead;
}

enum sg_timers_verdict sg_timers_check(const struct sg_timers_cfg *c, uint64_t born,
				       uint64_t last_seen, uint64_t now, uint64_t *next)
{
	if (now >= born + c->reject_after_s)
		return SG_TIMERS_EXPIRE_REJECT;
	if (now >= last_seen + c->dead_after_s)
		return SG_TIMERS_EXPIRE_IDLE;
	*next = sg_timers_deadline(c, born, last_seen);
	return SG_TIMERS_KEEP;
}

/* The wheel's clock is 32 bits of seconds since boot; saturate, never wrap. */
static uint32_t wheel_time(uint64_t t)
{
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

void sg_timers_session_born(const struct sg_timers_cfg *c, struct sg_wheel *w, uint32_t id,
			    uint64_t born)
{
	sg_wheel_arm(w, id, wheel_time(sg_timers_deadline(c, born, born)));
}

enum sg_timers_verdict sg_timers_session_fired(const struct sg_timers_cfg *c,
					       struct sg_wheel *w, uint32_t id, uint64_t born,
					       uint64_t last_seen, uint64_t now)
{
	enum sg_timers_verdict v;
	uint64_t next;

	v = sg_timers_check(c, born, last_seen, now, &next);
	if (v == SG_TIMERS_KEEP)
		sg_wheel_arm(w, id, wheel_time(next));
	return v;
}

void sg_timers_session_gone(struct sg_wheel *w, uint32_t id)
{
	sg_wheel_cancel(w, id);
}
