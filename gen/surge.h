/* SPDX-License-Identifier: MIT */
/*
 * surge.h - surge-gen's surge population (pure C, no DPDK): users who sign
 * up (and later log in again) during the traffic phase, on top of the chat
 * users, with bounded memory however large the surge:
 *
 *   - a user is an index; its identity key is derived when needed,
 *     private = BLAKE2b-512("surge-gen user v1" || seed || index)[0..32],
 *     so the population costs one 16-byte record each (user id from the
 *     relay, state, the second its session began) and nothing else;
 *   - a handshake in flight lives in one of `window` slots (Noise state, the
 *     key pair, the cookie maker, the initiation bytes, timers); our sender
 *     index names the slot and an attempt number, so a late answer to an
 *     earlier attempt is recognised and ignored;
 *   - an unanswered initiation is sent again (new ephemeral key and
 *     timestamp) after timeout, 2 x timeout, 4 x timeout ...; after `tries`
 *     attempts the handshake counts as failed and the slot is freed;
 *   - a cookie reply is decrypted into the slot's cookie maker and the same
 *     initiation goes out again at once with mac2 (an attempt too);
 *   - session resumption (docs/PROTOCOL.md section 9), when cfg.tickets > 0:
 *     users [0, tickets) keep the newest TICKET the relay sent them after a
 *     handshake (secret, ticket, identity public key: SG_GEN_SURGE_TICKET_COST
 *     bytes each; nobody else keeps one, so the table is sized for the
 *     storms, whose cursor starts at user 0).  To read a TICKET, the receive
 *     key of each slot's last completed handshake waits in a per-slot
 *     record until the slot's next handshake completes.  A log-in of a user
 *     with a usable ticket sends RESUME instead of an initiation (the ticket
 *     is used up: one attempt per ticket); a cookie reply makes it go again
 *     with mac2; when it times out it falls back at once to a full
 *     handshake from the same slot (its own `tries`);
 *   - live sessions, the generator's view: the chat users' plus one per
 *     surge user whose last handshake completed less than SESSION_DEAD
 *     (540 s) ago, which is when the relay expires a silent session (surge
 *     users send no DATA and no keepalives).  A log-in replaces the user's
 *     session, so it does not add one.
 *
 * Time is nanoseconds of the caller's monotonic clock; `sec` is the second
 * of the run.  One thread.  Every function that produces an initiation
 * (or a RESUME) writes it into out[SG_GEN_SURGE_MSG_MAX] (its length:
 * sg_gen_surge_msg_len) and the UDP source port of the slot into
 * *port (SG_GEN_SURGE_PORT_BASE + slot): the port stays the same for every
 * attempt and cookie resend of one handshake, as the source address does
 * (a function of the user, src.h), so a cookie the relay bound to them
 * stays valid.
 */
#ifndef SG_GEN_SURGE_H
#define SG_GEN_SURGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cookie.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/resume.h"
#include "hist.h"

enum {
	SG_GEN_SURGE_SLOT_BITS = 14,
	SG_GEN_SURGE_MAX_WINDOW = 1 << SG_GEN_SURGE_SLOT_BITS,
	SG_GEN_SURGE_PORT_BASE = 44000, /* chat users: 20000 + i, below */
	SG_GEN_SURGE_MAX_USERS = 1u << 26, /* 64 M: 1 GiB of records */
	SG_GEN_SURGE_MSG_MAX = SG_RESUME_LEN, /* an initiation (156) or a RESUME (180) */
};

/* Our sender indexes: top bit set (chat users' are 0x6e000000 + i). */
#define SG_GEN_SURGE_IDX_BASE 0x80000000u

enum sg_gen_surge_state {
	SG_GEN_SU_NEW = 0,  /* not offered yet */
	SG_GEN_SU_SIGNUP,   /* sign-up in flight */
	SG_GEN_SU_DONE,     /* signed up (and idle) */
	SG_GEN_SU_LOGIN,    /* log-in in flight */
	SG_GEN_SU_FAILED,   /* sign-up gave up */
};

/* What a start/expire call did. */
enum {
	SG_GEN_SURGE_NONE = 0,  /* nothing to send */
	SG_GEN_SURGE_SEND = 1,  /* out holds an initiation */
	SG_GEN_SURGE_FULL = 2,  /* the window is full; try later */
	SG_GEN_SURGE_ERROR = -1,
};

struct sg_gen_surge_user {
	uint64_t user_id; /* from the relay; 0 until signed up */
	uint32_t sec;     /* run second the current session began */
	uint8_t state;
	uint8_t logins;   /* completed log-ins, saturating */
	uint16_t slot;    /* while in flight */
};

struct sg_gen_surge_slot {
	struct sg_handshake hs;
	struct sg_resume rs;           /* while resume */
	struct sg_keypair id;          /* resume: the public key only */
	struct sg_cookie_maker maker;
	uint8_t msg[SG_GEN_SURGE_MSG_MAX];
	uint64_t first_ns, deadline_ns;
	uint32_t user, index;
	uint8_t busy, login, tries;
	uint8_t resume;                /* a RESUME is outstanding, not an initiation */
};

/* A user's ticket (users [0, cfg.tickets) only). */
struct sg_gen_surge_ticket {
	struct sg_resume_ticket t;
	uint8_t pub[SG_KEY_LEN];       /* the user's identity key: mac1 of RESUME_RESP */
};

/* The receive key of a slot's last completed handshake, for its TICKET. */
struct sg_gen_surge_pend {
	uint8_t key[SG_KEY_LEN];
	uint8_t pub[SG_KEY_LEN];
	uint32_t index, user;          /* the handshake's index (the TICKET's receiver) */
	uint8_t suite, valid;
};

enum { SG_GEN_SURGE_TICKET_COST = sizeof(struct sg_gen_surge_ticket) };

struct sg_gen_surge_cfg {
	uint64_t seed;
	uint32_t users;      /* population */
	uint32_t window;     /* handshakes in flight, 1..SG_GEN_SURGE_MAX_WINDOW */
	uint64_t timeout_ns; /* first retransmission; doubles each attempt */
	unsigned tries;      /* attempts before a handshake fails, >= 1 */
	unsigned max_seconds; /* run seconds (live-session bookkeeping) */
	int offer_aes;       /* list AES-256-GCM first (hardware AES here) */
	uint32_t tickets;    /* users [0, tickets) keep tickets and resume; 0: never */
};

struct sg_gen_surge_counters {
	uint64_t su_offered, su_done, su_failed;       /* sign-ups */
	uint64_t li_started;  /* storm log-ins begun, either way (what the profile counts) */
	uint64_t li_offered, li_done, li_failed, li_skipped; /* full log-ins (IK) */
	uint64_t rs_offered, rs_done; /* log-ins by RESUME */
	uint64_t rs_failed;   /* resumptions timed out: fell back to a full log-in */
	uint64_t rs_bad;      /* RESUME_RESP that did not verify */
	uint64_t tickets;     /* TICKETs opened and kept */
	uint64_t ticket_ignored; /* TICKETs to users the table has no place for (or stale) */
	uint64_t ticket_bad;  /* TICKETs that did not open or decode */
	uint64_t retries;     /* initiations sent again after a timeout */
	uint64_t cookies;     /* cookie replies taken */
	uint64_t cookie_bad;  /* cookie replies refused (not for our last message) */
	uint64_t late;        /* answers to an attempt no longer outstanding */
	uint64_t resp_bad;    /* responses that failed mac1 / Noise / payload */
	uint64_t signup_known; /* a sign-up answered without SIGNED_UP */
	uint64_t login_mismatch; /* a log-in answered with SIGNED_UP or another user id */
};

struct sg_gen_surge {
	struct sg_gen_surge_cfg cfg;
	uint8_t relay_pub[SG_KEY_LEN];
	struct sg_gen_surge_user *u;
	struct sg_gen_surge_slot *slot;
	struct sg_gen_surge_ticket *tk; /* cfg.tickets entries, or NULL */
	struct sg_gen_surge_pend *pend; /* window entries, with tk */
	uint32_t *free_slot, n_free;
	uint32_t next_signup;   /* users [0, next_signup) have been offered */
	uint32_t login_cursor;  /* next user a storm considers */
	uint32_t expire_cursor; /* next slot the timeout scan looks at */
	uint32_t attempt;       /* goes into sender indexes */
	uint32_t *est;          /* sessions begun per run second, still current */
	uint32_t sec;           /* the current run second */
	uint64_t live;          /* surge sessions the relay still holds (gen's view) */
	struct sg_gen_surge_counters c;
	struct sg_gen_hist lat, lat_sec, login_lat; /* ns, from the first attempt */
	struct sg_gen_hist resume_lat;  /* log-ins completed by RESUME_RESP */
};

int sg_gen_surge_init(struct sg_gen_surge *s, const struct sg_gen_surge_cfg *cfg,
		      const uint8_t relay_pub[SG_KEY_LEN]);
void sg_gen_surge_fini(struct sg_gen_surge *s);

/* User i's identity (deterministic in seed and i). */
void sg_gen_surge_key(const struct sg_gen_surge *s, uint32_t i, struct sg_keypair *kp);

/* The next user's sign-up: SEND, FULL, NONE (population used up) or ERROR. */
int sg_gen_surge_signup(struct sg_gen_surge *s, uint64_t now_ns,
			uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port);
/*
 * A log-in of the next signed-up, idle user after the cursor (wrapping,
 * looking at most at 8192 records): RESUME when it holds a usable ticket,
 * else an initiation.  SEND, FULL, NONE (nobody eligible; the caller counts
 * it in c.li_skipped) or ERROR.
 */
int sg_gen_surge_login(struct sg_gen_surge *s, uint64_t now_ns,
		       uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port);
/*
 * Look at up to `scan` slots for an expired attempt: resent (SEND; an
 * expired RESUME falls back to an initiation) or failed and freed (counted;
 * the scan goes on).  NONE when nothing to send.
 */
int sg_gen_surge_expire(struct sg_gen_surge *s, uint64_t now_ns, unsigned scan,
			uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port);

/* Is index one of ours (a surge slot)? */
static inline int sg_gen_surge_owns(uint32_t index)
{
	return (index & SG_GEN_SURGE_IDX_BASE) != 0;
}

/*
 * A handshake response or RESUME_RESP addressed to one of our indexes.
 * SG_OK when it completed a handshake (latency into the histograms, live
 * sessions updated), else a negative status (late: SG_E_STATE; bad: the
 * crypto's; a bad RESUME_RESP leaves the RESUME outstanding).
 */
int sg_gen_surge_response(struct sg_gen_surge *s, const uint8_t *msg, size_t len,
			  uint64_t now_ns);
/*
 * A cookie reply: SEND (out: the same initiation or RESUME with mac2),
 * NONE, or ERROR.
 */
int sg_gen_surge_cookie(struct sg_gen_surge *s, const uint8_t *msg, size_t len,
			uint64_t now_ns, uint8_t out[SG_GEN_SURGE_MSG_MAX], uint16_t *port);
/*
 * A TICKET (transport message, opened in place) to the index of a
 * handshake that completed: kept as the user's newest ticket.  SG_OK;
 * SG_E_STATE when nobody waits for it (counted in c.ticket_ignored: a user
 * past the table, or a slot that has completed another handshake since);
 * else the crypto's status (c.ticket_bad).
 */
int sg_gen_surge_ticket(struct sg_gen_surge *s, uint8_t *msg, size_t len, uint64_t now_ns);

/* The length of a message out holds: an initiation or a RESUME. */
static inline size_t sg_gen_surge_msg_len(const uint8_t *out)
{
	return out[0] == SG_MSG_RESUME ? SG_RESUME_LEN : SG_INIT_LEN;
}

/* Second sec of the run begins: sessions older than SESSION_DEAD leave `live`. */
void sg_gen_surge_second(struct sg_gen_surge *s, uint32_t sec);

/* The user in the slot whose port this is (right after a SEND). */
static inline uint32_t sg_gen_surge_port_user(const struct sg_gen_surge *s, uint16_t port)
{
	return s->slot[(uint16_t)(port - SG_GEN_SURGE_PORT_BASE) % s->cfg.window].user;
}

/* The user whose current attempt this index names: 0 (*user set), or -1. */
static inline int sg_gen_surge_user_of(const struct sg_gen_surge *s, uint32_t index,
				       uint32_t *user)
{
	uint32_t k = index & (SG_GEN_SURGE_MAX_WINDOW - 1);

	if (!sg_gen_surge_owns(index) || k >= s->cfg.window || !s->slot[k].busy ||
	    s->slot[k].index != index)
		return -1;
	*user = s->slot[k].user;
	return 0;
}

static inline uint32_t sg_gen_surge_in_flight(const struct sg_gen_surge *s)
{
	return s->cfg.window - s->n_free;
}

#endif /* SG_GEN_SURGE_H */
