/* SPDX-License-Identifier: MIT */
/*
 * fake_relay.h - the fake relay test_client.c runs libsurge against.
 *
 * The fake relay is a thread with a UDP socket on 127.0.0.1 (or ::1), port
 * 0.  It is the responder of crypto/handshake.h (optionally answering the
 * first initiation with a cookie reply) and of crypto/resume.h (with
 * cfg.tickets it sends a TICKET after every handshake and answers RESUME),
 * opens the client's frames, and
 * plays the other users:
 *   BOB (1000002)     echoes DATA back as if Bob sent it; opens secret bodies
 *                     as Bob, checks them, and seals them again for the client
 *   CAROL (1000003)   known key; sends a first-contact secret on request
 *   FLAKY (88)        KEY_INFO answers a different key the second time (TOFU)
 *   DAVE (1000004)    offline: DATA is answered with RELAY_REPLY STORED
 *   NOBODY (999)      unknown: UNKNOWN_RECIPIENT, KEY_INFO unknown user
 * Cloud bodies sent to Bob that start with "cmd:" make the relay misbehave
 * (replay, garbage, close, tamper, ...) to exercise the client's checks.
 * The client runs in the test's thread; a shared clock offset lets tests
 * jump time (key update after 600 s, rekey after ~1 h) for both sides.
 * Every wait is bounded; the relay thread stops after 20 s whatever happens.
 */
#ifndef SG_TESTS_FAKE_RELAY_H
#define SG_TESTS_FAKE_RELAY_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "crypto/cookie.h"
#include "crypto/keys.h"
#include "crypto/replay.h"
#include "crypto/ticket.h"
#include "crypto/session_keys.h"
#include "proto/messages.h"

enum {
	CLIENT_UID = 1000001,
	BOB = 1000002,
	CAROL = 1000003,
	DAVE = 1000004,
	FLAKY = 88,
	NOBODY = 999,
	RELAY_LIFE_MS = 20000,
	MAX_INITS = 32,
};

/* One clock for both sides, with a jump offset the tests move. */
extern _Atomic uint64_t clock_offset_ms;
uint64_t mono_ms(void);
uint64_t test_clock(void *arg);
uint64_t fr_now_s(void);

struct fr_cfg {
	int family;           /* AF_INET (default) or AF_INET6 */
	int cookie_first;     /* answer the first initiation with a cookie reply */
	int silent;           /* read initiations, answer nothing */
	uint16_t keepalive_s; /* announced in the response */
	int tickets;          /* send TICKET after every handshake and resumption */
	int resume_silent;    /* read RESUMEs, answer nothing (the client falls back) */
};

struct fr_sess {
	struct sg_session_keys keys;
	struct sg_replay_relay replay;
	uint64_t send_ctr;
	uint32_t idx, client_idx;
	int live;
};

struct fr_stats {
	int inits, inits_no_mac2, cookies_sent, handshakes, ts_not_newer;
	uint8_t eph[MAX_INITS][SG_KEY_LEN];
	uint8_t ts[MAX_INITS][SG_TAI64N_LEN];
	uint32_t sender_idx[MAX_INITS];
	int n_consumed;
	uint8_t suites[SG_MAX_SUITES];
	int data, secret_ok, secret_bad, keepalives, lookups, acks, closes;
	int phase_flips, bad_index, bad_tag, replays, bad_phase, on_prev;
	int resumes, resumptions, resume_refused, tickets_sent;
	uint64_t ack_sender, ack_msg;
	uint16_t close_reason;
	char secret_text[128];
	char failure[160]; /* the relay thread's first failed check (no cmocka there) */
};

struct frelay {
	struct fr_cfg cfg;
	int fd;
	uint16_t port;
	struct sg_keypair key, bob, carol, flaky_a, flaky_b;
	uint8_t client_pub[SG_KEY_LEN];
	struct sg_cookie_checker checker;
	struct sg_ticket_ring ring;    /* test clock seconds */
	uint8_t last_ts[SG_TAI64N_LEN];
	struct fr_sess cur, prev;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint8_t last_frame[2048];
	size_t last_len;
	int flaky_lookups;
	atomic_int stop;
	pthread_t th;
	pthread_mutex_t mu;
	struct fr_stats st; /* under mu */
};


struct frelay *fr_start(const struct fr_cfg *cfg);
void fr_stop(struct frelay *r);
struct fr_stats fr_stats(struct frelay *r);
/* Wait (bounded) until the int stats field at offset off reaches want. */
int fr_await(struct frelay *r, size_t off, int want);
#define FR_AWAIT(r, field, want) fr_await((r), offsetof(struct fr_stats, field), (want))

#endif /* SG_TESTS_FAKE_RELAY_H */
