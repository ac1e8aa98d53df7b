/* SPDX-License-Identifier: MIT */
/*
 * gen.h - surge-gen, a DPDK traffic generator whose simulated users sign
 * up with real Noise IK handshakes and then chat through the relay: the
 * state of one run (one lcore, one net_memif server port) and the calls
 * between its files:
 *   main.c     options, the order of the steps, exit codes
 *   port.c     the DPDK port: set-up, link wait, single-frame TX, linger
 *   users.c    ARP for the relay, the chat users' sign-ups, sessions
 *   traffic.c  the chat phase: TSC pacing, the surge's turn each round, the
 *              relay's health (link, silence)
 *   data.c     DATA frames: sealing, queue by session, TX bursts; checks
 *   surge_io.c the surge population on the wire: the profile's due
 *              sign-ups and log-ins, retries, cookies, the final drain
 *   rx.c       every returned frame: counted; every K-th DATA opened,
 *              checked; handshake answers to users.c or surge.c
 *   timeline.c the per-second rows, CSV
 *   report.c   the live progress line, the summary table, JSON
 *   hist.c     the latency histogram (pure C)
 *   mark.c     the body's TSC and seq prefix, marked frames (pure C)
 *   profile.c  the sign-up / log-in schedule (pure C)
 *   surge.c    the surge population: keys, handshake window (pure C)
 *   src.c      the source address range users send from, ARP answers (pure C)
 *   flood.c    hostile frames of the flood modes, each with what the relay
 *              must do with it (pure C)
 *   flood_io.c the flood on the wire beside the chat: schedule, pacing, TX,
 *              counts; the relay's ARP answers to it
 *
 * Queues: the relay (memif client) has W workers, W RX and W + 1 TX queues
 * (the control plane sends on queue W).  This side mirrors it: --queues
 * Q = W + 1 RX queues, all polled, and Q - 1 TX queues, one per worker; a
 * session's frames go on queue (relay session index % (Q - 1)), the worker
 * that owns it.
 */
#ifndef SG_GEN_H
#define SG_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "flood.h"
#include "hist.h"
#include "mark.h"
#include "profile.h"
#include "proto/messages.h"
#include "src.h"
#include "surge.h"

struct rte_mempool;
struct sg_endpoint;

enum {
	SG_GEN_MAX_USERS = 20000,
	SG_GEN_MAX_Q = 8,
	SG_GEN_BURST = 32,
	SG_GEN_PACE_SLACK = 2 * 32,    /* DATA frames a paced run may fall behind */
	SG_GEN_FRAME_MAX = 1536,
	SG_GEN_BODY_MIN = SG_GEN_PREFIX_LEN, /* TSC timestamp + sequence number */
	SG_GEN_TTL_S = 60,
	SG_GEN_PORT_BASE = 20000,      /* user i sends from UDP port BASE + i */
	SG_GEN_ANSWER_MS = 5000,       /* ARP and handshakes: the relay must answer */
	SG_GEN_DRAIN_MS = 200,         /* after the last DATA, for frames in flight */
	SG_GEN_MAX_SECONDS = 3600,
	SG_GEN_WIRE_EXTRA = 24,        /* FCS 4 + preamble 8 + inter-frame gap 12 */
	SG_GEN_ETH_IPV4_UDP = 42,      /* Ethernet 14 + IPv4 20 + UDP 8 */
	SG_GEN_STALL_MS = 2000,        /* sending, nothing back this long: the relay stopped */
	SG_GEN_HEALTH_MS = 10,         /* how often the link is looked at */
	SG_GEN_SURGE_PER_ROUND = 2,    /* surge initiations per loop round, at most */
	SG_GEN_SURGE_SCAN = 64,        /* in-flight slots checked for timeouts per round */
	SG_GEN_SURGE_DEFAULT_SIZE = 50000,
	SG_GEN_SURGE_DRAIN_MS = 5000,  /* after the traffic phase, for handshakes in flight */
	SG_GEN_MATCH_MAX = 64,         /* --match-text bytes at most */
};

/* A DATA frame's kind, counted when the port took it: class, and --match-pct. */
enum sg_gen_kind {
	SG_GEN_KIND_CLOUD = 0,
	SG_GEN_KIND_SECRET = 1,        /* bit 0: class secret */
	SG_GEN_KIND_MARKED = 2,        /* bit 1: the body carries --match-text */
	SG_GEN_N_KINDS = 4,
};

#define SG_GEN_MATCH_TEXT "surge-policy-marker"

/* Chat users' sender indexes: BASE | attempt << 15 | user (user < 2^15). */
#define SG_GEN_IDX_BASE 0x6e000000u
#define SG_GEN_IDX_USER_MASK 0x7fffu

enum sg_gen_mix { SG_GEN_MIX_FIXED = 0, SG_GEN_MIX_IMIX = 1 };

struct sg_gen_opts {
	const char *relay_key_file, *json, *csv;
	uint8_t relay_ip[4], gen_ip[4];
	uint16_t udp_port;
	unsigned users, size, mix, secret_pct, duration_s, verify_every, queues;
	unsigned link_timeout_s, linger_s;
	double rate; /* DATA frames/s; 0: as fast as possible */
	struct sg_gen_profile prof; /* surge users: sign-ups and log-ins during the chat */
	unsigned hs_window, hs_timeout_ms, hs_tries;
	uint64_t seed;
	/* Source addresses (src.h): surge users, and chat users with src_chat. */
	uint8_t src_base[4];  /* --src-base; default --gen-ip */
	unsigned src_count;   /* --src-count; default 1 */
	int src_chat;         /* --src-chat */
	int no_resume;        /* --no-resume: storms log in with full handshakes */
	/*
	 * --match-pct, --match-text: a frame is marked when a hash of its seq
	 * is below match_below (of 2^32, mark.h); its body carries the text at
	 * offset SG_GEN_BODY_MIN (every body is long enough: main.c checks).
	 */
	double match_pct;
	const char *match_text;
	unsigned match_len;
	const uint8_t *body_text;           /* --body text: mark.h's text; NULL: the byte pattern */
	uint64_t match_below;
	/* --flood LIST: modes (flood.h) run one after another from --flood-at for --flood-for. */
	uint8_t flood_modes[SG_GEN_FLOOD_MAX_MODES];
	unsigned n_flood;
	double flood_rate;    /* --flood-rate: flood frames/s; 0: as fast as possible */
	double flood_at;      /* --flood-at: seconds into the chat phase */
	double flood_for;     /* --flood-for: seconds; 0: to the end of the chat phase */
};

struct sg_gen_user {
	struct sg_aead_ctx send_ctx, recv_ctx; /* 64-byte aligned: first */
	struct sg_keypair id;
	struct sg_cookie_maker maker;
	struct sg_handshake hs;
	uint64_t user_id, send_counter, hs_sent_tsc, hs_first_tsc;
	uint32_t local_index, relay_index; /* local: IDX_BASE | attempt << 15 | i */
	uint16_t udp_port, attempts;
	int connected;
};

struct sg_gen_counters {
	uint64_t offered, offered_bytes, tx_full;
	uint64_t delivered, delivered_wire_bytes;
	uint64_t verified, verify_failed;
	uint64_t replies[SG_REPLY_CODE_MAX + 2]; /* last: an unknown code */
	uint64_t unexpected, rx_frames, arp_replies, hs_sent, hs_done, hs_failed;
	uint64_t hs_retries, hs_late, cookies; /* the chat users' sign-ups */
	uint64_t pace_skipped; /* DATA due while the generator was held up, not sent */
	uint64_t arp_answered; /* ARP requests for one of our addresses, answered */
	uint64_t wrong_addr;   /* an answer to one of our users sent to another of our addresses */
	uint64_t chat_tickets; /* TICKETs to chat users (opened, counted, not kept) */
	uint64_t sent[SG_GEN_N_KINDS]; /* DATA the port took, by enum sg_gen_kind */
	/*
	 * RELAY_REPLY POLICY_BLOCKED naming a cloud frame of the user it came
	 * to (msg_id = seq): that frame is answered, not lost; of them, marked.
	 * A reply naming a secret frame or another user's is policy_blocked_bad
	 * (the relay scanned what it must not, or answered the wrong frame).
	 */
	uint64_t policy_blocked, policy_blocked_marked, policy_blocked_bad;
	uint64_t flood_sent, flood_tx_full; /* flood frames the port took, and refused */
};

/* The flood's own counts (flood_io.c): frames the port took, by expectation and mode. */
struct sg_gen_flood_counters {
	uint64_t sent[SG_GEN_FX_N];
	uint64_t by_mode[SG_GEN_FLOOD_N_MODES];
	uint64_t bytes;
	uint64_t no_mbuf;     /* frames not built: the pool was empty */
	uint64_t arp_answers; /* the relay's ARP replies to the flood's questions */
};

/* One second of the run: counts are what happened in it (deltas). */
struct sg_gen_second {
	double t_unix, dt_s;         /* wall clock at its end; its length */
	uint64_t offered, delivered, delivered_wire_bytes, tx_full, pace_skipped;
	uint64_t p99_ns;             /* cumulative data latency p99 at its end */
	uint64_t lat_p99_ns;         /* data latency p99 of this second alone */
	uint64_t su_due, su_due_cum, su_offered, su_done, su_failed;
	uint64_t li_offered, li_done, li_failed, retries, cookies;
	uint64_t rs_offered, rs_done, rs_failed; /* log-ins by RESUME; fell back */
	uint64_t flood_sent, flood_tx_full; /* flood frames taken and refused by the port */
	int flood_mode;              /* the flood mode at its end, or -1 */
	uint64_t hs_p50_ns, hs_p99_ns; /* surge handshakes completed in this second */
	uint64_t live, in_flight;    /* at its end */
	uint64_t replies[SG_REPLY_CODE_MAX + 2];
};

struct sg_gen {
	struct sg_gen_opts o;
	uint16_t port;
	unsigned txq, rxq;
	struct rte_mempool *pool;
	uint8_t mac[6], relay_mac[6], relay_pub[SG_KEY_LEN];
	int have_relay_mac, linked;
	uint64_t hz;
	struct sg_gen_user *u;
	struct sg_gen_src src;           /* the addresses users send from */
	struct sg_gen_counters c;
	struct sg_gen_hist lat, hs_lat;  /* nanoseconds */
	struct sg_gen_hist lat_mark;     /* g->lat when the current second began */
	struct sg_gen_second *sec;       /* duration_s + 1 entries */
	unsigned n_sec;
	double run_s;                    /* traffic phase as it ran */
	const char *failed;              /* why the run stopped early, or NULL */
	char failed_buf[128];
	/* The surge population (surge_io.c); have_surge when the profile has one. */
	struct sg_gen_surge surge;
	int have_surge;
	uint64_t t0_tsc;                 /* start of the traffic phase */
	uint64_t su_due;                 /* sign-ups due by the profile so far */
	uint64_t su_unfinished;          /* surge handshakes still in flight at the end */
	/* The relay's health: TSC of the first send not followed by any RX, or 0. */
	uint64_t unanswered_since, next_health;
	/* The flood (flood_io.c); have_flood when --flood names modes. */
	struct sg_gen_flood flood;
	struct sg_gen_flood_counters fc;
	int have_flood, flood_capture;   /* flood_capture: replay is a mode: data.c captures */
	uint32_t *flood_live;            /* the chat users' relay indexes */
	uint64_t flood_t0, flood_t1, flood_seg; /* TSC: start, end, each mode's share */
	uint64_t flood_done, flood_rr;   /* frames due so far (pacing); queue round robin */
};

/* port.c */
int sg_gen_port_start(struct sg_gen *g);
void sg_gen_port_stop(struct sg_gen *g);
/* Copy one frame into an mbuf and send it on q (bounded retries). 0 or -1. */
int sg_gen_send_frame(struct sg_gen *g, unsigned q, const uint8_t *frame, size_t len);
void sg_gen_port_linger(struct sg_gen *g);
uint64_t sg_gen_ms_to_tsc(const struct sg_gen *g, uint64_t ms);

/* users.c */
int sg_gen_users_init(struct sg_gen *g);
void sg_gen_users_fini(struct sg_gen *g);
int sg_gen_arp(struct sg_gen *g);
int sg_gen_signup(struct sg_gen *g);
unsigned sg_gen_queue_of(const struct sg_gen *g, const struct sg_gen_user *u);
/* Chat user u's source address: --gen-ip, or its place in the range (--src-chat). */
void sg_gen_user_addr(const struct sg_gen *g, const struct sg_gen_user *u, uint8_t out[4]);
/* Ethernet/IPv4/UDP endpoints of user u's frames to the relay. */
void sg_gen_endpoints(const struct sg_gen *g, const struct sg_gen_user *u,
		      struct sg_endpoint *from, struct sg_endpoint *to);

/* data.c */
size_t sg_gen_body_len(const struct sg_gen_opts *o, uint64_t seq);
/* SG_CLASS_SECRET for --secret percent of the frames, else SG_CLASS_CLOUD. */
uint8_t sg_gen_class(const struct sg_gen_opts *o, uint64_t seq);
uint8_t sg_gen_body_byte(uint64_t seq, size_t i);
/* Does frame seq carry --match-text?  (A hash of seq against --match-pct.) */
static inline int sg_gen_marked(const struct sg_gen_opts *o, uint64_t seq)
{
	return sg_gen_mark_is(o->match_below, seq);
}
/* Frames lost: offered, neither delivered nor answered POLICY_BLOCKED. */
static inline long long sg_gen_lost(const struct sg_gen_counters *c)
{
	return (long long)c->offered - (long long)c->delivered - (long long)c->policy_blocked;
}
/* Build and send DATA seq .. seq + n - 1 (n <= SG_GEN_BURST); how many the port took. */
unsigned sg_gen_send_data(struct sg_gen *g, uint64_t seq, unsigned n);
/* Open and check DATA frame msg to user r; its latency into g->lat. */
void sg_gen_verify_data(struct sg_gen *g, struct sg_gen_user *r, uint8_t *msg, size_t len,
			uint64_t now);

/* traffic.c */
int sg_gen_traffic(struct sg_gen *g);
/* A frame went out: the relay's silence is measured from the first unanswered one. */
static inline void sg_gen_sent(struct sg_gen *g, uint64_t now)
{
	if (!g->unanswered_since)
		g->unanswered_since = now ? now : 1;
}
/* 0, or -1 (g->failed set) when the link is down or the relay went silent. */
int sg_gen_relay_alive(struct sg_gen *g, uint64_t now);

/* surge_io.c */
int sg_gen_surge_setup(struct sg_gen *g);
void sg_gen_surge_teardown(struct sg_gen *g);
/* The surge's turn in a loop round: timeouts, due log-ins, due sign-ups. */
void sg_gen_surge_round(struct sg_gen *g, uint64_t now);
/*
 * A handshake response, RESUME_RESP, cookie reply or TICKET (opened in
 * place) to a surge index, that came to address dst.
 */
void sg_gen_surge_rx(struct sg_gen *g, int type, uint8_t *msg, size_t len,
		     const uint8_t dst[4], uint64_t now);
/* After the traffic phase: wait (bounded) for the handshakes in flight. */
int sg_gen_surge_drain(struct sg_gen *g);
uint64_t sg_gen_tsc_ns(const struct sg_gen *g, uint64_t tsc);

/* users.c: a chat user's initiation (again), e.g. after a cookie reply. */
int sg_gen_user_initiate(struct sg_gen *g, struct sg_gen_user *u);
void sg_gen_user_cookie(struct sg_gen *g, struct sg_gen_user *u, const uint8_t *msg, size_t len);

/* flood_io.c */
/* After the sign-up: the flood's state (nothing without --flood).  0 or -1. */
int sg_gen_flood_setup(struct sg_gen *g);
void sg_gen_flood_teardown(struct sg_gen *g);
/* The traffic phase starts at start: the flood's schedule. */
void sg_gen_flood_arm(struct sg_gen *g, uint64_t start);
/* The flood's turn in a loop round: at most one burst of the mode due. */
void sg_gen_flood_round(struct sg_gen *g, uint64_t now);
int sg_gen_flood_mode_at(const struct sg_gen *g, uint64_t now);
/* An ARP frame: 1 when it is the relay's answer to one of the flood's questions. */
int sg_gen_flood_rx_arp(struct sg_gen *g, const uint8_t *f, size_t len);

/* rx.c */
unsigned sg_gen_poll_rx(struct sg_gen *g);
/* The user whose session index this is, or NULL. */
struct sg_gen_user *sg_gen_user_by_index(struct sg_gen *g, uint32_t index);

/* timeline.c */
/* Start the timeline at now (traffic phase begins). */
void sg_gen_timeline_start(struct sg_gen *g, uint64_t now);
/* Close the current second at now (its rates are per now - its start). */
void sg_gen_timeline_close(struct sg_gen *g, uint64_t now, struct sg_gen_counters *prev,
			   struct sg_gen_surge_counters *sprev, uint64_t *mark);
int sg_gen_csv(const struct sg_gen *g, const char *path);
void sg_gen_timeline_json(const struct sg_gen *g, FILE *f);
extern const char *const sg_gen_reply_names[SG_REPLY_CODE_MAX + 2];

/* report.c */
void sg_gen_progress(const struct sg_gen *g, unsigned second, const struct sg_gen_second *s);
void sg_gen_summary(const struct sg_gen *g);
int sg_gen_json(const struct sg_gen *g, const char *path);

#endif /* SG_GEN_H */
