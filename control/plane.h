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
#include "proto/pkt.h"
#include "ratelimit.h"
#include "session.h"
#include "wake.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct sg_registry;
struct sg_ticket_ring;

enum sg_toctl_kind {
	SG_TOCTL_HANDSHAKE = 1,  /* HANDSHAKE_INIT, raw */
	SG_TOCTL_UNDELIVERED,    /* DATA, opened; recipient has no live session */
	SG_TOCTL_MALFORMED,      /* DATA, opened; inner header invalid */
	SG_TOCTL_TOO_LARGE,      /* DATA, opened; body too large for the recipient's path */
	SG_TOCTL_CLOSE,          /* CLOSE, opened */
	SG_TOCTL_ACK,            /* DELIVERY_ACK, opened */
	SG_TOCTL_LOOKUP,         /* KEY_LOOKUP, opened */
};

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
	SG_PC_ACKS,            /* DELIVERY_ACK received (no mailbox yet) */
	SG_PC_STALE_SESSION,   /* handed over for a session gone meanwhile: dropped */
	SG_PC_BAD_CLOSE,       /* CLOSE or DELIVERY_ACK with a malformed plaintext */
	SG_PC_TX_FAILED,       /* control TX queue full, mbuf dropped */
	SG_PC_NO_MBUF,
	SG_PC_SLEEPS,          /* times the control lcore slept in poll(2), idle */
	/* Resumption (resume_ctl.c); mac1, cookie, rate, suite, full: as handshakes. */
	SG_PC_RESUMPTIONS,     /* RESUME_RESP sent */
	SG_PC_RESUME_BAD_TICKET, /* dropped: ticket does not open under either key */
	SG_PC_RESUME_EXPIRED,  /* dropped: ticket older than its lifetime */
	SG_PC_RESUME_NOISE,    /* dropped: payload does not open (not the secret) or malformed */
	SG_PC_RESUME_TIMESTAMP, /* dropped: replayed (timestamp not newer) */
	SG_PC_RESUME_NO_USER,  /* dropped: the ticket's user is not registered */
	SG_PC_TICKETS,         /* TICKET sent */
	SG_PC_MAX,
};

/* Appends the workers' counters (JSON members or text lines) to a stats reply. */
typedef void (*sg_plane_stats_fn)(void *arg, struct sg_ctl_buf *b, int json);

struct sg_plane {
	const struct sg_config *cfg;
	struct sg_session_table *sessions;
	struct sg_registry *registry;
	const struct sg_keypair *key;         /* in secure memory */
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
	uint64_t expiry_cursor;
	uint64_t counters[SG_PC_MAX];
	uint8_t under_load;                   /* this round asks for mac2 (cfg->cookie_backlog) */
	sg_plane_stats_fn worker_stats;
	void *worker_stats_arg;
	struct sg_cookie_checker *cookie;     /* in secure memory */
	struct sg_wake wake;                  /* workers kick it when they hand frames over */
	struct sg_ratelimit ratelimit;        /* per-source handshake buckets (under load) */
	struct sg_ticket_ring *tickets;       /* resumption ticket keys, in secure memory */
};

/* Name of a control-plane counter ("handshakes", "signups", ...). */
const char *sg_plane_counter_name(unsigned c);

/* Set up (socket, cookie checker, rate limiter).  0, or -1 with err. */
int sg_plane_init(struct sg_plane *p, char *err, size_t errlen);

/*
 * One round, in priority order: all session-bound frames waiting (replies,
 * lookups, closes of established sessions), then at most CTL_HS_BURST
 * handshakes per worker, then the operator socket, expiry and reclamation.
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

/* The stats reply (text, or JSON when json): control plane, then workers. */
void sg_plane_stats(struct sg_plane *p, struct sg_ctl_buf *b, int json);

/* Handshake initiation in m (a SG_TOCTL_HANDSHAKE); consumes m. */
void sg_plane_handshake(struct sg_plane *p, struct rte_mbuf *m);

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
