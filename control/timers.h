/* SPDX-License-Identifier: MIT */
/*
 * timers.h - the relay's session timers: what the control plane decides
 * when a session's wheel entry fires (timers.c says every timer and its
 * formula).  Pure C, no DPDK: the caller passes the session's born and
 * last_seen and the relay clock, and the wheel (control/wheel.h) whose entry
 * for the session is its slot number.
 */
#ifndef SG_CONTROL_TIMERS_H
#define SG_CONTROL_TIMERS_H

#include <stdint.h>

struct sg_wheel;

struct sg_timers_cfg {
	uint32_t reject_after_s;   /* key age limit, from the handshake (SG_REJECT_AFTER_S) */
	uint32_t dead_after_s;     /* no authenticated frame this long (SG_SESSION_DEAD_S) */
};

enum sg_timers_verdict {
	SG_TIMERS_KEEP = 0,        /* not due: re-armed at *next */
	SG_TIMERS_EXPIRE_IDLE,     /* dead_after_s without traffic: retire, keys wiped */
	SG_TIMERS_EXPIRE_REJECT,   /* keys reject_after_s old: retire, keys wiped */
};

/* The protocol's values (proto/messages.h). */
void sg_timers_cfg_default(struct sg_timers_cfg *c);

/* When the session next needs a look: min(born + reject, last_seen + dead). */
uint64_t sg_timers_deadline(const struct sg_timers_cfg *c, uint64_t born, uint64_t last_seen);

/*
 * The decision at now: EXPIRE_REJECT when the keys are too old (even if
 * active), else EXPIRE_IDLE when silent too long, else KEEP with the next
 * deadline in *next (untouched otherwise).
 */
enum sg_timers_verdict sg_timers_check(const struct sg_timers_cfg *c, uint64_t born,
				       uint64_t last_seen, uint64_t now, uint64_t *next);

/* Verb: a session was published in slot id (its born is also its last_seen). */
void sg_timers_session_born(const struct sg_timers_cfg *c, struct sg_wheel *w, uint32_t id,
			    uint64_t born);

/*
 * Verb: the wheel fired slot id (call from the wheel's callback).  Reads the
 * session's actual last_seen: KEEP re-arms the entry; an EXPIRE verdict
 * leaves it disarmed and the caller retires the session.
 */
enum sg_timers_verdict sg_timers_session_fired(const struct sg_timers_cfg *c,
					       struct sg_wheel *w, uint32_t id, uint64_t born,
					       uint64_t last_seen, uint64_t now);

/* Verb: the session in slot id went away otherwise (replaced, closed). */
void sg_timers_session_gone(struct sg_wheel *w, uint32_t id);

#endif /* SG_CONTROL_TIMERS_H */
