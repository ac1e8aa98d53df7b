/* SPDX-License-Identifier: MIT */
/*
 * plane.h - the control plane on the main lcore, and what workers hand it.
 *
 * Workers pass frames the data plane does not finish itself over one
 * single-producer/single-consumer ring each, as mbufs whose private area
 * holds a struct sg_toctl (the parse result and, for transport messages,
 * the sender's session: the plaintext is already decrypted in place after
 * the 16-byte header).  The control plane answers on its own TX queue
 * (queue number = number of workers) and frees or reuses every mbuf it gets.
 * Its loop takes a bounded amount of work per round and sleeps briefly when
 * idle: it never spins on the CPU the generator shares with it.
 */
#ifndef SG_CONTROL_PLANE_H
#define SG_CONTROL_PLANE_H

#include <stdint.h>

#include "config.h"
#include "crypto/cookie.h"
#include "crypto/keys.h"
#include "ctl.h"
#include "policy/job.h"
#include "policy/rules.h"
#include "proto/pkt.h"
#include "ratelimit.h"
#include "session.h"
#include "timers.h"
#include "wake.h"
#include "wheel.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct sg_ack_entry;
struct sg_hs_lcore;
struct sg_metrics_ctl;
struct sg_keyring;
struct sg_registry;
struct sg_store;
struct sg_user;
struct sg_ticket_ring;
struct sg_sessions_scan;

enum sg_toctl_kind {
	SG_TOCTL_HANDSHAKE = 1,  /* HANDSHAKE_INIT or RESUME, raw */
	SG_TOCTL_UNDELIVERED,    /* DATA, opened; recipient has no live session */
	SG_TOCTL_MALFORMED,      /* DATA, opened; inner header invalid */
	SG_TOCTL_TOO_LARGE,      /* DATA, opened; body too large for the recipient's path */
	SG_TOCTL_CLOSE,          /* CLOSE, opened */
	SG_TOCTL_ACK,            /* DELIVERY_ACK, opened */
	SG_TOCTL_LOOKUP,         /* KEY_LOOKUP, opened */
	SG_TOCTL_BLOCKED,        /* DATA, opened; the content policy dropped it (detail: rule id) */
};

/*
 * detail of a SG_TOCTL_HANDSHAKE: under load, the worker found its mac2
 * valid and took its source's token (the control plane does neither again).
 */
enum { SG_TOCTL_HS_ADMITTED = 1 };

/* In the mbuf's private area (rte_mbuf_to_priv). */
struct sg_toctl {
	struct sg_pkt pkt;   /* parse of the frame as received */
	uint32_t session;    /* sender's session index (transport kinds) */
	uint32_t detail;     /* e.g. the largest body for TOO_LARGE */
	uint16_t port;       /* DPDK port it arrived on */
	uint8_t kind;        /* enum sg_toctl_kind */
	uint8_t tx_kind;     /* worker: which sent-counter a transmitted frame is under */
};

enum sg_plane_counter {
	SG_PC_HANDSHAKES = 0,  /* responses sent */
	SG_PC_SIGNUPS,
	SG_PC_HS_MAC1,         /* dropped: bad mac1 */
	SG_PC_HS_NOISE,        /* dropped: Noise or payload failed */
	SG_PC_HS_VERSION,      /* dropped: protocol version not spoken here */
	SG_PC_HS_TIMESTAMP,    /* dropped: replayed initiation */
	SG_PC_HS_SUITE,        /* dropped: no common suite */
	SG_PC_HS_FULL,         /* dropped: session table or registry full */
	SG_PC_COOKIE_REPLIES,  /* COOKIE_REPLY sent instead of a handshake (under load) */
	SG_PC_HS_RATELIMITED,  /* dropped: valid mac2 but its source over handshake_rate (under load) */
	SG_PC_REPLACED,        /* sessions replaced by a newer one of the same user */
	SG_PC_CLOSED,          /* sessions closed by the client */
	SG_PC_EXPIRED,         /* sessions wiped after SESSION_DEAD or REJECT_AFTER */
	SG_PC_REPLIES,         /* RELAY_REPLY sent */
	SG_PC_LOOKUPS,         /* KEY_INFO sent */
	SG_PC_ACKS,            /* DELIVERY_ACK received */
	SG_PC_STALE_SESSION,   /* handed over for a session gone meanwhile: dropped */
	SG_PC_BAD_CLOSE,       /* CLOSE or DELIVERY_ACK with a malformed plaintext */
	SG_PC_TX_FAILED,       /* control TX queue full, mbuf dropped */
	SG_PC_NO_MBUF,
	SG_PC_SLEEPS,          /* times the control lcore slept in poll(2), idle */
	SG_PC_STORED,          /* frames put in a mailbox (STORED after the commit) */
	SG_PC_MBOX_FULL,       /* refused: MAILBOX_FULL */
	SG_PC_MBOX_DELIVERED,  /* stored frames sent to their recipient */
	SG_PC_MBOX_ACKED,      /* stored frames deleted on the recipient's DELIVERY_ACK */
	SG_PC_MBOX_EXPIRED,    /* stored frames deleted when their TTL ended */
	SG_PC_MBOX_DEFERRED,   /* delivery queue full: the user gets them at the next log-in */
	SG_PC_MBOX_TOO_LARGE,  /* a stored body too large for the recipient's path: kept */
	SG_PC_STORE_COMMITS,
	SG_PC_STORE_ERRORS,    /* store writes or commits that failed */
	SG_PC_HELD_DROPPED,    /* replies dropped because their commit failed */
	SG_PC_HS_BUSY,         /* dropped: every handshake lcore's ring full (under load) */
	SG_PC_POLICY_BLOCKED,  /* cloud DATA the content policy dropped: POLICY_BLOCKED sent */
	SG_PC_POLICY_LOADS,    /* rule sets compiled and published (reloads, adds, removes) */
	SG_PC_POLICY_FAILED,   /* reloads, adds and removes refused (the rules in force stay) */
	SG_PC_CONFIG_RELOADS,  /* config reloads applied (config_ctl.c) */
	SG_PC_CONFIG_FAILED,   /* config reloads refused: the file did not parse, nothing changed */
	/* Resumption (resume_ctl.c); mac1, cookie, rate, suite, full: as handshakes. */
	SG_PC_RESUMPTIONS,     /* RESUME_RESP sent */
	SG_PC_RESUME_BAD_TICKET, /* dropped: ticket does not open under either key */
	SG_PC_RESUME_EXPIRED,  /* dropped: ticket older than its lifetime */
	SG_PC_RESUME_NOISE,    /* dropped: payload does not open (not the secret) or malformed */
	SG_PC_RESUME_TIMESTAMP, /* dropped: replayed (timestamp not newer) */
	SG_PC_RESUME_NO_USER,  /* dropped: the ticket's user is not registered */
	SG_PC_TICKETS,         /* TICKET sent */
	SG_PC_KILLED,          /* sessions ended by the operator (surgectl sessions kill) */
	SG_PC_HS_OLD_KEY,      /* handshakes and resumptions answered under the previous static key */
	SG_PC_SESSIONS_FULL,   /* of handshake_full: the session table at max_sessions */
	SG_PC_USERS_FULL,      /* of handshake_full: a sign-up with the registry at max_users */
	SG_PC_MBOX_UNAVAILABLE, /* messages answered UNAVAILABLE: their write or their batch's commit failed */
	SG_PC_MAX,
};

enum {
	SG_HELD_MAX = 1024,        /* replies waiting for a commit */
	SG_DELIVER_MAX = 1024,     /* users whose mailbox is being delivered */
	SG_DELIVER_WINDOW = 64,    /* mailbox messages in flight to one client */
	SG_COMMIT_SAMPLES = 4096,  /* commit waits kept for stats */
	SG_STORE_LOG_S = 10,       /* store errors: one log line at most this often */
};

/*
 * A held STORED reply: the sender's session index (0: the frame is no
 * STORED reply), the recipient and the message id it names, so a failed
 * commit can answer UNAVAILABLE instead (durable.c).
 */
struct sg_held_stored {
	uint32_t index;
	uint64_t peer, msg_id;
};

/* Frames finished but held until the store's open batch is durable. */
struct sg_held {
	struct rte_mbuf *m[SG_HELD_MAX];
	uint16_t port[SG_HELD_MAX];
	struct sg_held_stored stored[SG_HELD_MAX];
	unsigned n;
};

/*
 * A user whose mailbox is being sent to session `index`, after seq `after`;
 * at most SG_DELIVER_WINDOW unacknowledged at a time (mbox_ctl.c).
 */
struct sg_mbox_delivery {
	uint32_t index;
	uint32_t unacked;    /* sent in this session, not acknowledged yet */
	uint64_t user;
	uint64_t after;
	uint64_t progress_ms; /* last send or acknowledgement (monotonic ms) */
};

/*
 * The cookie secret as workers see it: the control plane's checker owns and
 * rotates it and publishes each new one here; workers copy it into their
 * follower checkers (crypto/cookie.h) to answer cookies themselves under
 * load.  A seqlock: seq is odd while it is written, and a reader that saw it
 * change copies again.  In locked memory (sg_secure_alloc).
 */
struct sg_cookie_pub {
	uint32_t seq;         /* 0: nothing published yet */
	uint8_t secret[SG_KEY_LEN];
	uint64_t born;
};

/*
 * The relay's static keys as the workers see them (keys_ctl.c): the mac1
 * and cookie-reply keys (public material) of the current key, key[0], and
 * of the previous one, key[1], while a rotation's grace period lasts (n 2).
 * Immutable once published: p->keys_pub is swapped with a release store and
 * the view it replaces freed after the session table's RCU grace period.
 */
struct sg_keys_pub {
	struct sg_cookie_keys key[2];
	uint32_t n;          /* keys accepted: 1, or 2 during a grace period */
	uint64_t token;      /* RCU QSBR token once retired (the control plane's) */
};

struct sg_policy;
struct sg_policy_scratch;
struct sg_policy_counters;

/*
 * The per-source handshake limits as the workers see them (config reload,
 * control/config_ctl.c): rate and burst written first, then gen with a
 * release store; a worker that sees a new gen (acquire) takes both.
 */
struct sg_limits_pub {
	uint32_t gen;
	uint32_t rate, burst;
};

/* A rule index by id (sorted by id): how hits follow a rule across sets. */
struct sg_policy_idx {
	uint32_t id, idx;
};

/*
 * The content policy as published to the workers (control/policy_ctl.c):
 * immutable once published; reader i uses scratch[i] and counters[i].  The
 * fields after token are the control plane's alone.
 */
struct sg_policy_set {
	struct sg_policy *policy;
	struct sg_policy_scratch *scratch[SG_CFG_MAX_WORKERS + 1];
	struct sg_policy_counters *counters[SG_CFG_MAX_WORKERS + 1];
	uint64_t token;                   /* RCU QSBR token once retired */
	uint64_t *carried;                /* per rule index: hits of its id in the sets before */
	struct sg_policy_idx *by_id;      /* the rules' indexes sorted by id */
	uint64_t generation;              /* 1 for the first set, +1 per swap */
	uint32_t changes;                 /* rules added or removed since the file was read */
	int from_cache;                   /* the database came from cfg->rules_cache */
};

/* The policy's verdict counts summed over sets (policy_ctl.c). */
struct sg_policy_totals {
	uint64_t scanned, bytes, errors;
	uint64_t verdicts[SG_RULE_ACTION_MAX + 1];
};

enum { SG_POLICY_RETIRED_MAX = 8 };

enum { SG_PLANE_WHEEL_BUCKETS = 4096 }; /* 1 s each: 68 minutes ahead (REJECT_AFTER fits) */

/* Appends the workers' counters (JSON members or text lines) to a stats reply. */
typedef void (*sg_plane_stats_fn)(void *arg, struct sg_ctl_buf *b, int json);

struct sg_plane {
	const struct sg_config *cfg;
	struct sg_session_table *sessions;
	struct sg_registry *registry;
	const struct sg_keypair *key;         /* the current key (keys_ctl.c), in secure memory */
	struct sg_ctl_server *ctl;
	struct rte_ring **rings;              /* session-bound frames, one per worker (+1,
						 see dataplane/port.h) */
	struct rte_ring **hs_rings;           /* handshake initiations, likewise */
	unsigned n_rings;
	/*
	 * Called between batches of handshakes: the control lcore also polls a
	 * PMD's extra RX queue (dataplane/main.c), which must not wait for a
	 * whole round of X25519 work.  NULL when there is none.
	 */
	unsigned (*between)(void *arg);
	void *between_arg;
	unsigned n_workers;                   /* also the control TX queue number */
	struct rte_mempool *pool;
	uint8_t port_mac[SG_CFG_MAX_PORTS][6];
	uint64_t started;                     /* unix seconds */
	uint64_t tsc_hz;
	struct sg_wheel wheel;                /* session timers: entry = slot (timers.h) */
	struct sg_timers_cfg timers;
	uint64_t counters[SG_PC_MAX];
	uint8_t under_load;                   /* this round asks for mac2 (cfg->cookie_backlog) */
	sg_plane_stats_fn worker_stats;
	void *worker_stats_arg;
	/* The data-plane AEAD back end for "status" (a JSON member with ", " after it), or NULL. */
	sg_plane_stats_fn crypto_status;
	void *crypto_status_arg;
	struct sg_cookie_checker *cookie;     /* in secure memory */
	struct sg_cookie_pub *cookie_pub;     /* its secret for the workers (secure memory) */
	struct sg_keyring *keys;              /* static keys: current, previous (keys_ctl.c) */
	struct sg_keys_pub *keys_pub;         /* their public part, published to the workers */
	struct sg_wake wake;                  /* workers kick it when they hand frames over */
	struct sg_ratelimit ratelimit;        /* per-source handshake buckets (under load) */
	/* Handshake lcores (hs_lcore.h); none: the main lcore does the X25519 too. */
	struct sg_hs_lcore *hs_lcores;
	unsigned n_hs_lcores;
	unsigned hs_next;                     /* round robin */
	/* Durability (durable.c, mbox_ctl.c); store NULL: nothing is durable. */
	struct sg_store *store;
	int holding;                          /* sg_plane_tx_udp holds frames for the commit */
	struct sg_held_stored hold_tag;       /* what the frame being held is (mbox_ctl.c) */
	struct sg_held held;
	struct sg_mbox_delivery deliver[SG_DELIVER_MAX];
	unsigned n_deliver;
	uint64_t mbox_expired_at;             /* unix second of the last expiry pass */
	uint32_t commit_wait_us[SG_COMMIT_SAMPLES]; /* batch opened -> durable */
	uint64_t commit_samples;
	char store_error[256];                /* the last store error, for stats */
	uint64_t store_logged_at;             /* unix second of the last store error logged */
	uint64_t store_errors_logged;         /* store_errors when it was logged */
	uint64_t store_aborted;               /* sg_store_aborted() at the last commit */
	uint64_t held_aborted;                /* sg_store_aborted() when the last frame was held */
	unsigned held_lost;                   /* the first held frames: of a batch thrown away */
	/* Content policy (policy_ctl.c); NULL: nothing is scanned. */
	struct sg_policy_set *policy_set;     /* published: workers load it per burst */
	struct sg_policy_set *policy_retired[SG_POLICY_RETIRED_MAX];
	unsigned n_policy_retired;
	volatile int policy_reload;           /* set by SIGHUP: reload at the next round */
	struct sg_policy_job *policy_job;     /* compiles off this loop (policy/job.h) */
	int policy_answer;                    /* a control connection waits for the job */
	unsigned policy_token;                /* ... this one (sg_ctl_server_reply) */
	int policy_json;                      /* ... and wants JSON */
	uint32_t policy_job_id;               /* the rule id an add or remove is about */
	struct sg_policy_totals policy_folded; /* counts of the sets already freed */
	/* Config reload (config_ctl.c): main.c reads the file and flags again. */
	int (*config_load)(void *arg, struct sg_config *out, char *err, size_t errlen);
	void *config_load_arg;
	struct sg_config *cfg_live;           /* cfg, writable by the reload (its reloadable keys) */
	struct sg_config *cfg_read;           /* as read (cfg may hold raised floors, e.g. mbufs) */
	struct sg_limits_pub limits;          /* handshake_rate/burst for the workers */
	char policy_prefix[512];              /* a config reload's report, before the rules' */
	struct sg_ticket_ring *tickets;       /* resumption ticket keys, in secure memory */
	uint32_t tickets_saved_id;            /* current ticket key id last written to the store */
	struct sg_sessions_scan *sessions_scan; /* a sessions listing going on (sessions_ctl.c) */
	struct sg_metrics_ctl *metrics;       /* Prometheus endpoint, workers' emitter (metrics_ctl.h) */
	struct sg_capture *capture;           /* packet capture (capture_ctl.h); NULL: none */
};

/* Name of a control-plane counter ("handshakes", "signups", ...). */
const char *sg_plane_counter_name(unsigned c);

/* Set up (socket, cookie checker, rate limiter).  0, or -1 with err. */
int sg_plane_init(struct sg_plane *p, char *err, size_t errlen);

/*
 * One round, in priority order: all session-bound frames waiting (replies,
 * lookups, closes of established sessions), then handshakes for about
 * 1.5 ms (resumptions first in each burst), the handshake lcores' results,
 * the operator socket, the timing wheel, mailbox expiry, the commit (then
 * the replies it held), mailbox delivery and reclamation.
 * A flood of initiations can delay sign-ups and log-ins but never the
 * established sessions' traffic.  The round is under load when the
 * handshake backlog at its start is above cfg->cookie_backlog (always when
 * that is 0): its initiations then need a valid mac2.  Returns work done.
 */
unsigned sg_plane_poll(struct sg_plane *p);

/*
 * Nothing to do: sleep until a worker hands frames over, the operator
 * socket has something, or timeout_ms pass (wake.h).  Arms the wake-up,
 * runs one more round first and returns its work if it found any.
 */
unsigned sg_plane_sleep(struct sg_plane *p, int timeout_ms);

void sg_plane_fini(struct sg_plane *p);

/*
 * durable.c.  Open the store (cfg->store_dir; none: 0 and p->store NULL) and
 * load its users into p->registry: 0, or -1 with err (a missing store
 * without store_init, a corrupt one: never recreated).
 */
int sg_plane_store_open(struct sg_plane *p, char *err, size_t errlen);
/* Commit what is open and close. */
void sg_plane_store_close(struct sg_plane *p);
/* Write u's record into the open batch (no store: nothing).  0, or -1 (counted). */
int sg_plane_store_user(struct sg_plane *p, const struct sg_user *u);
/*
 * A store write or commit failed: counted, err kept for stats and logged on
 * stderr, the first at once and then at most one line every
 * SG_STORE_LOG_S seconds (with the count since).
 */
void sg_plane_store_failed(struct sg_plane *p, const char *err);
/* Hold m (finished, for the control TX queue of port) until the commit. */
void sg_plane_hold(struct sg_plane *p, struct rte_mbuf *m, uint16_t port);
/*
 * Commit the open batch, then send the held frames; on failure, answer
 * UNAVAILABLE for the STORED replies among them (their messages are not
 * stored) and drop the rest: 1 committed, 0 nothing to do, -1 failed.
 */
int sg_plane_commit(struct sg_plane *p);
/* Commit waits (batch opened -> durable) over the last SG_COMMIT_SAMPLES commits, microseconds. */
void sg_plane_commit_wait(const struct sg_plane *p, uint32_t *p50, uint32_t *p99, uint32_t *max);

/*
 * policy_ctl.c: the content policy's sets.  init starts the compile thread
 * and, when cfg->rules_file is set, compiles it here and now (a start
 * waits for its rules): 0, or -1 with err.
 */
int sg_plane_policy_init(struct sg_plane *p, char *err, size_t errlen);
/*
 * Start compiling a change (policy/job.h: reload the file, add a rules
 * line, remove an id) on the compile thread; the result is published (or
 * refused, the set in force staying) by a later sg_plane_policy_poll, which
 * answers the control connection token when answer is set.  0, or -1 with
 * err (busy, nothing to change).
 */
int sg_plane_policy_start(struct sg_plane *p, enum sg_policy_job_kind kind, const char *text,
			  uint32_t id, int answer, unsigned token, int json, char *err,
			  size_t errlen);
/* Once a round: a SIGHUP's reload, a finished compile, the sets whose grace period passed. */
unsigned sg_plane_policy_poll(struct sg_plane *p);
void sg_plane_policy_fini(struct sg_plane *p);
/* No rules any more (rules_file emptied by a config reload): the set retires. */
void sg_plane_policy_clear(struct sg_plane *p);
/*
 * Counts over every set since the start (the sets freed, the retired ones
 * still draining, the one in force): totals, and per rule of the set in
 * force its hits (calloc()ed, n = its rules; NULL when out of memory).
 */
uint64_t *sg_plane_policy_count(const struct sg_plane *p, struct sg_policy_totals *t);

/* policy_verbs.c: the "rules ..." requests, and the policy in a stats reply. */
int sg_plane_policy_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);
void sg_plane_policy_stats(const struct sg_plane *p, struct sg_ctl_buf *b, int json);

/* mbox_ctl.c: see the top of that file. */
void sg_plane_mbox_store(struct sg_plane *p, struct sg_session *s, struct rte_mbuf *m,
			 const uint8_t *in, uint16_t plen);
void sg_plane_mbox_ack(struct sg_plane *p, const struct sg_session *s,
		       const struct sg_ack_entry *e, unsigned n);
void sg_plane_mbox_online(struct sg_plane *p, const struct sg_session *s, uint32_t index);
unsigned sg_plane_mbox_deliver(struct sg_plane *p, unsigned budget);
unsigned sg_plane_mbox_expire(struct sg_plane *p);

/* A RELAY_REPLY (code, detail) to s about the DATA in m (its ids); reuses m. */
void sg_plane_reply(struct sg_plane *p, struct sg_session *s, struct rte_mbuf *m, uint16_t code,
		    uint32_t detail);

/* Bytes the DPDK heap holds now, all sockets (mempools, rings, tables, caches). */
uint64_t sg_plane_heap_bytes(void);

/*
 * The process's resident memory (/proc/self/status: VmRSS, RssAnon,
 * RssShmem), bytes; 0s when it cannot be read.  With --no-huge the DPDK
 * heap is shared memory (counted in shmem as it is touched); hugepages are
 * in none of them.
 */
struct sg_plane_rss {
	uint64_t rss, anon, shmem;
};
void sg_plane_rss(struct sg_plane_rss *out);

/* The stats reply (text, or JSON when json): control plane, then workers. */
void sg_plane_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json);

/* verbs.c: the operator socket's handler (an sg_ctl_handler; ctx is the plane). */
int sg_plane_ctl_handle(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *b);
/* stats_ctl.c: "stats [json]", "status [json]". */
int sg_plane_ctl_stats(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);
int sg_plane_ctl_status(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);

/*
 * Handshake initiation in m (a SG_TOCTL_HANDSHAKE); consumes m: checked,
 * then its X25519 half on a handshake lcore (or here when there is none),
 * then sg_plane_handshake_finish() on the main lcore.
 */
void sg_plane_handshake(struct sg_plane *p, struct rte_mbuf *m);
void sg_plane_handshake_finish(struct sg_plane *p, struct rte_mbuf *m);

/* A session was published in slot index & mask: its timers start (timers.h). */
void sg_plane_session_born(struct sg_plane *p, const struct sg_session *s);

/* RESUME in m (a SG_TOCTL_HANDSHAKE whose type is RESUME); consumes m (resume_ctl.c). */
void sg_plane_resume(struct sg_plane *p, struct rte_mbuf *m);

/* A fresh TICKET to session s, sealed in it.  0, or -1 when not sent. */
int sg_plane_ticket_send(struct sg_plane *p, struct sg_session *s);

/*
 * Send a sealed transport message to session s: plain (plen bytes) behind a
 * header of the given type; reuses m when given (else allocates).
 */
int sg_plane_send(struct sg_plane *p, struct sg_session *s, uint8_t type, const uint8_t *plain,
		  uint16_t plen, struct rte_mbuf *m);

/*
 * Make m a UDP frame from (port's MAC, local_addr, the relay's UDP port) to
 * `to` carrying payload (plen bytes, copied) and send it on the control TX
 * queue.  Consumes m.  0, or -1 when it was dropped (counted).
 */
int sg_plane_tx_udp(struct sg_plane *p, struct rte_mbuf *m, uint16_t port,
		    const uint8_t local_addr[16], const struct sg_endpoint *to,
		    const uint8_t *payload, uint16_t plen);

#endif /* SG_CONTROL_PLANE_H */
