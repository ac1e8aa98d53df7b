/* SPDX-License-Identifier: MIT */
/*
 * client_int.h - libsurge's insides, shared by the files of client/ and the unit test;
 * never installed.  surge.h is the public face.
 *
 *   addr.c     relay address text -> connected UDP socket
 *   pins.c     identity keys of other users (TOFU pins) and their e2e keys
 *   queue.c    events waiting for sg_client_poll, secret messages waiting
 *              for a key, recently received (sender, id) pairs
 *   session.c  handshake, sessions, transport seal/open, timers
 *   secret.c   key lookups, TOFU pins, e2e sealing, parked secret messages
 *   client.c   the public API: send, ack, poll, close; datagram input
 *   identity.c identity and relay key files
 */
#ifndef SG_CLIENT_CLIENT_INT_H
#define SG_CLIENT_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/replay.h"
#include "crypto/resume.h"
#include "crypto/session_keys.h"
#include "proto/transport_msg.h"
#include "surge.h"

enum {
	SG_CLIENT_RX_BUF = 2048,       /* > largest datagram (1472); larger ones are truncated */
	SG_CLIENT_EVENTS = 48,         /* > SG_CLIENT_PARKED + the event that released them */
	SG_CLIENT_PARKED = 32,         /* secret messages waiting for a key, both directions */
	SG_CLIENT_SEEN = 512,          /* (sender, id) pairs remembered for duplicates */
	SG_CLIENT_LOOKUP_RETRY_MS = 1000,
	SG_CLIENT_LOOKUP_TRIES = 4,    /* then the messages waiting for the key fail */
	SG_CLIENT_RETRY_MS_DEFAULT = 1000,
};

/* ---- addr.c ---- */

/* Parse "host:port", "[v6]:port", "host", "[v6]" into host and port. 0 or -1. */
int sg_client_addr_split(const char *spec, char *host, size_t hostcap, uint16_t *port);

/* A non-blocking UDP socket connect()ed to spec; fd, or -1 with err. */
int sg_client_addr_open(const char *spec, int *family, char *err, size_t errlen);

/* ---- pins.c ---- */

struct sg_client_pin {
	uint64_t user;               /* 0: empty slot */
	uint8_t pub[SG_KEY_LEN];     /* pinned identity key (has_key) */
	uint8_t e2e[SG_E2E_KEY_LEN]; /* pair key with us, derived when pinned */
	uint8_t has_key;
	uint8_t changed;             /* the relay later answered with another key */
	uint8_t lookup_pending;      /* KEY_LOOKUP sent, no answer yet */
	uint8_t tries;
	uint64_t retry_at_ms;
};

struct sg_client_pins {
	struct sg_client_pin *slot;
	size_t cap;                  /* power of two */
	size_t used;
	size_t pending;              /* entries with lookup_pending */
};

int sg_client_pins_init(struct sg_client_pins *p);
void sg_client_pins_fini(struct sg_client_pins *p); /* wipes every key */
struct sg_client_pin *sg_client_pins_find(const struct sg_client_pins *p, uint64_t user);
/* Find or add (NULL when out of memory or user == 0). */
struct sg_client_pin *sg_client_pins_get(struct sg_client_pins *p, uint64_t user);
/* Pin pub for e (derives the e2e key with me); SG_E_DH for a low-order key. */
int sg_client_pins_set(struct sg_client_pin *e, const struct sg_keypair *me,
		       const uint8_t pub[SG_KEY_LEN]);
void sg_client_pins_set_pending(struct sg_client_pins *p, struct sg_client_pin *e, int on);

/* ---- queue.c ---- */

struct sg_client_parked {
	uint64_t peer;   /* outgoing: recipient; incoming: sender */
	uint64_t msg_id;
	uint32_t ttl_s;
	uint8_t incoming;
	uint8_t flags;   /* incoming: wire inner flags */
	uint8_t dup;     /* incoming: (sender, id) was seen before */
	uint16_t len;
	uint8_t body[SG_BODY_MAX]; /* outgoing: plaintext; incoming: e2e body */
};

struct sg_client_queues {
	struct sg_client_event ev[SG_CLIENT_EVENTS];
	unsigned ev_head, ev_n;
	struct sg_client_parked parked[SG_CLIENT_PARKED];
	unsigned n_parked;
	struct { uint64_t sender, msg_id; } seen[SG_CLIENT_SEEN];
	unsigned seen_next, seen_n;
};

/* A free event slot at the tail (zeroed), or NULL when full. */
struct sg_client_event *sg_client_ev_push(struct sg_client_queues *q);
int sg_client_ev_pop(struct sg_client_queues *q, struct sg_client_event *out);
struct sg_client_parked *sg_client_park(struct sg_client_queues *q);
/* True once if (sender, id) was seen before; remembers it otherwise. */
int sg_client_seen(struct sg_client_queues *q, uint64_t sender, uint64_t msg_id);
void sg_client_queues_wipe(struct sg_client_queues *q);

/* ---- session.c ---- */

struct sg_client_sess {
	struct sg_aead_ctx send_ctx;  /* for keys.send of send_ctx_phase */
	struct sg_session_keys keys;
	struct sg_replay_client replay;
	uint64_t send_counter;
	uint32_t local_index;         /* ours: the relay puts it in frames to us */
	uint32_t remote_index;        /* the relay's session index */
	uint8_t send_ctx_phase;
	uint8_t live;
};

enum sg_client_state {
	SG_CLIENT_IDLE = 0,      /* no session (new, or closed) */
	SG_CLIENT_CONNECTED = 1,
};

struct sg_client {
	struct sg_client_sess cur;    /* the session we send on */
	struct sg_client_sess prev;   /* after a rekey: receives late frames until it expires */
	struct sg_handshake hs;
	struct sg_resume rs;          /* the outstanding RESUME, when rs_active */
	struct sg_resume_ticket ticket; /* newest TICKET from the relay (survives closes) */
	struct sg_cookie_maker maker;
	struct sg_keypair id;
	uint8_t relay_pub[SG_KEY_LEN];
	uint8_t last_ts[SG_TAI64N_LEN]; /* newest initiation timestamp sent */
	uint8_t hs_active;            /* an initiation or a RESUME is outstanding */
	uint8_t rs_active;            /* ... and it is a RESUME */
	uint8_t state;                /* enum sg_client_state */
	uint8_t suite;
	uint8_t signed_up;
	uint16_t keepalive_s;
	int fd;
	int family;
	uint64_t user_id;
	uint64_t next_msg_id;
	uint64_t last_sent_ms;
	uint64_t last_recv_ms;
	uint64_t rekey_at_ms;
	uint64_t dh_at_ms;            /* last full (Noise) handshake; 0: none yet */
	uint64_t hs_retry_at_ms;
	unsigned hs_attempts;         /* background initiations since the last success */
	unsigned retry_ms;
	int key_updates;             /* initiate send key updates (cfg) */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
	struct sg_client_pins pins;
	struct sg_client_queues q;
	struct sg_client_counters n;
	char err[192];
	uint8_t rx[SG_CLIENT_RX_BUF];
	uint8_t tx[SG_CLIENT_RX_BUF];
};

uint64_t sg_client_now_ms(const struct sg_client *c);
/* Record a failure text in c->err; returns rc. */
int sg_client_fail(struct sg_client *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Build and send a fresh handshake (newer timestamp, new index): a RESUME
 * when a usable ticket is held and this is not the scheduled rekey (which
 * is a full handshake, for forward secrecy), else an initiation (new
 * ephemeral).  A RESUME still unanswered when this is called again has
 * timed out: its ticket is dropped and the handshake is a full one.
 */
int sg_client_hs_send(struct sg_client *c);
/* Take a handshake response, resume response or cookie reply (classified as type). */
void sg_client_hs_input(struct sg_client *c, int type, uint8_t *msg, size_t len);
/* Keep an authenticated TICKET plaintext for the next connection. */
void sg_client_ticket_input(struct sg_client *c, const uint8_t *plain, size_t plen);

/* Seal plain as a transport message of type on the current session and send it. */
int sg_client_tx(struct sg_client *c, uint8_t type, const uint8_t *plain, size_t plen);

/*
 * Authenticate a transport message in place (index, window, phase, AEAD);
 * on SG_OK the plaintext is at msg + SG_HDR_LEN, *plen bytes, and *on_prev
 * says it came on the session before the last rekey.  Counts drops.
 */
int sg_client_rx_open(struct sg_client *c, uint8_t *msg, size_t len, struct sg_hdr *h,
		      size_t *plen, int *on_prev);
/* The relay closed the session before the last rekey: forget it, nothing else. */
void sg_client_prev_wipe(struct sg_client *c);

/* Timers: keepalive, rekey and its retries, key expiry, grace periods. */
void sg_client_timers(struct sg_client *c);
/* ms until sg_client_timers has work, -1 when none. */
int64_t sg_client_timer_due_ms(const struct sg_client *c);

/* Drop every session key and the handshake state; state becomes IDLE. */
void sg_client_sessions_wipe(struct sg_client *c);
/* Queue a CLOSED event. */
void sg_client_closed(struct sg_client *c, uint16_t reason, int local);

/* ---- client.c ---- */

/* Read and handle one datagram: 1 when one was read, 0 when none waits, < 0 on error. */
int sg_client_read(struct sg_client *c);

/* ---- secret.c ---- */

/* Seal and send to `to` with its pinned key, or park and look the key up (SG_CLIENT_QUEUED). */
int sg_client_secret_send(struct sg_client *c, uint64_t to, uint64_t msg_id, uint32_t ttl_s,
			  const uint8_t *body, size_t len);
/* A secret DATA body for us: open it into an event, or park it until the sender's key comes. */
void sg_client_secret_input(struct sg_client *c, const struct sg_data_inner *d, uint32_t flags,
			    const uint8_t *body, size_t blen);
/* An authenticated KEY_INFO plaintext: pin (first use) or compare, release what waited. */
void sg_client_key_info(struct sg_client *c, const uint8_t *plain);
/* Lookup retries and their failures (called from sg_client_timers). */
void sg_client_lookup_timers(struct sg_client *c, uint64_t now);
/* When the next lookup retry is due; UINT64_MAX when none is pending. */
uint64_t sg_client_lookup_due_ms(const struct sg_client *c);
/* Fail every parked message with status (session gone); forget pending lookups. */
void sg_client_parked_fail_all(struct sg_client *c, int status);
/* Drop parked messages and pending lookups without events (the caller closed). */
void sg_client_parked_clear(struct sg_client *c);

#endif /* SG_CLIENT_CLIENT_INT_H */
