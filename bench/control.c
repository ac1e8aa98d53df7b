/* SPDX-License-Identifier: MIT */
/*
 * control.c - surge-bench-control: what one control lcore does per second,
 * through the relay's own control loop (sg_plane_poll), with nothing else
 * on its CPU:
 *   - sign-ups: Noise IK initiations of new users (mac1, Noise, registry,
 *     session slot, response, store write, publish, TICKET), the response
 *     and TICKET held until the round's LMDB commit (real fsync unless
 *     --sync 0), then sent;
 *   - resumptions: RESUME of the same users with tickets from the relay's
 *     key ring (no X25519), likewise committed;
 *   - the responder limit of the same CPU in the same run: message 1 consumed
 *     plus the response made, in a loop, nothing else (what bench/crypto
 *     calls the Noise IK responder);
 * and the commit waits the relay recorded (batch opened -> durable).
 *
 * Set-up is surge-relay's (main.c): mbuf pool with the sg_toctl private
 * area, session table, registry, key, store in a temporary directory, one
 * worker's rings, a net_ring port (rte_eth_from_rings) whose control TX
 * queue this program drains.  Client messages are made before the clock
 * starts (their X25519 is the clients' cost, not the relay's); each is put
 * in an mbuf as the worker would hand it over (frame, parse in the private
 * area) and enqueued on the handshake ring, which the loop drains.
 *
 *   surge-bench-control [--users N] [--reps R] [--sync 0|1] [--file-prefix P]
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "bench/bench.h"
#include "control/config.h"
#include "control/plane.h"
#include "control/registry.h"
#include "control/session.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/resume.h"
#include "dataplane/port.h"
#include "proto/pkt.h"
#include "proto/tai64n.h"

enum {
	RING_SIZE = 4096,
	N_TXQ = 2, /* worker 0's TX queue and the control plane's */
	MAX_REPS = 15,
};

struct bench {
	struct sg_config cfg;
	struct sg_plane p;
	struct sg_session_table sessions;
	struct sg_registry *registry;
	struct sg_keypair *key;
	struct rte_mempool *pool;
	struct rte_ring *ring, *hs_ring, *rx, *tx[N_TXQ];
	uint16_t port;
	struct sg_endpoint client, relay;
	char dir[64];
	unsigned users, reps;
};

static void eal_start(const char *prog, const char *prefix)
{
	char *argv[] = {
		(char *)prog, "--no-huge", "-m", "1024", "--no-pci", "--file-prefix",
		(char *)prefix, "--lcores", "0@0", "--log-level", "lib.eal:warning", NULL,
	};

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		sg_bench_die(rte_strerror(rte_errno));
}

static void setup(struct bench *b, int sync)
{
	static const uint8_t relay_ip[4] = { 198, 18, 0, 1 }, client_ip[4] = { 198, 18, 0, 2 };
	struct rte_ring *rx[1];
	char err[512];
	int socket = (int)rte_socket_id(), extra_rx = 0, port;

	sg_config_defaults(&b->cfg);
	memcpy(b->cfg.addr4[0], relay_ip, 4);
	b->cfg.n_addr4 = 1;
	b->cfg.cookie_backlog = 1048576; /* never under load: the plain path */
	/* Every run signs up new users (and resumes them) in the same relay. */
	b->cfg.max_sessions = (b->reps + 1) * b->users + 16;
	b->cfg.max_users = b->reps * b->users + 16;
	b->cfg.store_init = 1;
	b->cfg.store_sync = (unsigned)sync;
	snprintf(b->dir, sizeof(b->dir), "/tmp/surge-bench-control.XXXXXX");
	if (!mkdtemp(b->dir))
		sg_bench_die("mkdtemp");
	snprintf(b->cfg.store_dir, sizeof(b->cfg.store_dir), "%s/store", b->dir);
	snprintf(b->cfg.control_socket, sizeof(b->cfg.control_socket), "%s/ctl.sock", b->dir);

	b->pool = rte_pktmbuf_pool_create("bench_mbufs", 2 * RING_SIZE + 4096, 256,
					  RTE_ALIGN(sizeof(struct sg_toctl), RTE_MBUF_PRIV_ALIGN),
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!b->pool)
		sg_bench_die(rte_strerror(rte_errno));
	if (sg_session_table_init(&b->sessions, b->cfg.max_sessions, b->cfg.max_users, 1,
				  "bench_sessions", err, sizeof(err)) != 0)
		sg_bench_die(err);
	b->registry = sg_registry_new(b->cfg.max_users);
	b->key = sg_secure_alloc(sizeof(*b->key));
	if (!b->registry || !b->key)
		sg_bench_die("out of memory");
	sg_keypair_generate(b->key);
	b->ring = rte_ring_create("bench_toctl", RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	b->hs_ring = rte_ring_create("bench_tohs", RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	b->rx = rte_ring_create("bench_rx", 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	b->tx[0] = rte_ring_create("bench_tx0", 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	b->tx[1] = rte_ring_create("bench_tx1", RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!b->ring || !b->hs_ring || !b->rx || !b->tx[0] || !b->tx[1])
		sg_bench_die(rte_strerror(rte_errno));
	rx[0] = b->rx;
	port = rte_eth_from_rings("bench_port", rx, 1, b->tx, N_TXQ, (unsigned)socket);
	if (port < 0)
		sg_bench_die("rte_eth_from_rings failed");
	b->port = (uint16_t)port;
	b->cfg.ports[0] = b->port;
	b->cfg.n_ports = 1;

	b->p.cfg = &b->cfg;
	b->p.sessions = &b->sessions;
	b->p.registry = b->registry;
	b->p.key = b->key;
	b->p.rings = &b->ring;
	b->p.hs_rings = &b->hs_ring;
	b->p.n_rings = 1;
	b->p.n_workers = 1;
	b->p.pool = b->pool;
	if (sg_port_start(b->port, 1, b->pool, b->p.port_mac[0], &extra_rx, err, sizeof(err)) != 0)
		sg_bench_die(err);
	if (sg_plane_init(&b->p, err, sizeof(err)) != 0)
		sg_bench_die(err);

	memset(&b->client, 0, sizeof(b->client));
	b->client.family = 4;
	memcpy(b->client.addr, client_ip, 4);
	b->client.port = 40000;
	memcpy(b->client.mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 2 }, 6);
	b->relay = b->client;
	memcpy(b->relay.addr, relay_ip, 4);
	b->relay.port = b->cfg.udp_port;
	memcpy(b->relay.mac, b->p.port_mac[0], 6);
}

/* An mbuf holding msg as a worker hands it to the control plane. */
static struct rte_mbuf *handed_over(struct bench *b, const uint8_t *msg, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	struct sg_toctl *t;
	unsigned hl = sg_pkt_udp_headers_len(&b->relay);
	uint8_t *f;

	if (!m || !(f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + len))))
		sg_bench_die("out of mbufs");
	b->client.port = (uint16_t)(40000 + (rte_rand() & 0x3fff));
	sg_pkt_write_udp_headers(f, &b->client, &b->relay, len);
	memcpy(f + hl, msg, len);
	t = rte_mbuf_to_priv(m);
	memset(t, 0, sizeof(*t));
	if (sg_pkt_parse(f, hl + len, &t->pkt) != SG_PKT_UDP)
		sg_bench_die("frame does not parse");
	t->kind = SG_TOCTL_HANDSHAKE;
	t->port = b->port;
	return m;
}

/* Everything the control plane transmitted: freed, counted. */
static unsigned drain_tx(struct bench *b)
{
	struct rte_mbuf *ms[64];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(b->tx[1], (void **)ms, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk(ms, n);
		total += n;
	}
	return total;
}

/*
 * Run msgs[0..n) through the control loop; returns the seconds from the
 * first enqueue until the last answer left.  want = frames expected out.
 */
static double run_loop(struct bench *b, uint8_t **msgs, const uint16_t *lens, unsigned n,
		       unsigned want)
{
	unsigned next = 0, out = 0;
	double t0 = sg_bench_now_s();

	while (out < want) {
		while (next < n && rte_ring_free_count(b->hs_ring) > 0) {
			struct rte_mbuf *m = handed_over(b, msgs[next], lens[next]);

			if (rte_ring_sp_enqueue(b->hs_ring, m) != 0)
				sg_bench_die("handshake ring");
			next++;
			if ((next & 255) == 0)
				break;
		}
		sg_plane_poll(&b->p);
		out += drain_tx(b);
		if (sg_bench_now_s() - t0 > 120)
			sg_bench_die("the control loop stopped answering");
	}
	return sg_bench_now_s() - t0;
}

struct client {
	struct sg_keypair kp;
	struct sg_resume_ticket ticket;
};

static uint64_t responder_pass(void *arg, uint64_t *bad)
{
	struct bench *b = arg;
	static uint8_t msg[SG_INIT_LEN];
	static int ready;
	struct sg_handshake hs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp = { .user_id = 1, .suite = SG_SUITE_CHACHA20_POLY1305 };
	uint8_t pub[SG_KEY_LEN], resp[SG_RESP_LEN];

	if (!ready) {
		struct sg_keypair c;
		struct sg_cookie_maker mk;
		struct sg_init_payload p0 = { .version = SG_PROTO_VERSION, .n_suites = 1,
					      .suites = { SG_SUITE_CHACHA20_POLY1305 } };

		sg_keypair_generate(&c);
		sg_cookie_maker_init(&mk, b->key->pub);
		sg_tai64n_now(p0.timestamp);
		if (sg_hs_initiation_create(&hs, msg, &c, b->key->pub, 1, &p0, &mk, 0, NULL) !=
		    SG_OK)
			sg_bench_die("initiation");
		ready = 1;
	}
	memset(&hs, 0, sizeof(hs));
	if (sg_hs_initiation_consume(&hs, b->key, msg, sizeof(msg), &ip, pub) != SG_OK ||
	    sg_hs_response_create(&hs, resp, 7, &rp, NULL) != SG_OK)
		(*bad)++;
	sg_hs_wipe(&hs);
	return 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: surge-bench-control [--users N] [--reps R] [--sync 0|1] "
			"[--file-prefix P]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "users", required_argument, NULL, 'u' },
		{ "reps", required_argument, NULL, 'r' },
		{ "sync", required_argument, NULL, 's' },
		{ "file-prefix", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bench b;
	char prefix[64];
	unsigned reps = 3, sync = 1;
	double su[MAX_REPS], rs[MAX_REPS], lim[MAX_REPS], spread;
	uint32_t w50[MAX_REPS], w99[MAX_REPS], wmax[MAX_REPS];
	int c;

	sg_bench_set_prog("surge-bench-control");
	snprintf(prefix, sizeof(prefix), "surge-bench-control-%d", (int)getpid());
	b.users = 4000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': b.users = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': reps = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': sync = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': snprintf(prefix, sizeof(prefix), "%s", optarg); break;
		default: usage();
		}
	}
	if (b.users < 100 || b.users > 1000000 || reps < 1 || reps > MAX_REPS || reps % 2 == 0 ||
	    sync > 1)
		usage();
	if (sg_crypto_init() != SG_OK)
		sg_bench_die("libsodium");
	eal_start(argv[0], prefix);
	b.reps = reps;
	setup(&b, (int)sync);

	for (unsigned r = 0; r < reps; r++) {
		struct client *cl = calloc(b.users, sizeof(*cl));
		uint8_t **msgs = calloc(b.users, sizeof(*msgs));
		uint16_t *lens = calloc(b.users, sizeof(*lens));
		struct sg_cookie_maker mk;
		struct sg_init_payload ip = { .version = SG_PROTO_VERSION, .n_suites = 1,
					      .suites = { SG_SUITE_CHACHA20_POLY1305 } };
		double t;

		if (!cl || !msgs || !lens)
			sg_bench_die("out of memory");
		sg_cookie_maker_init(&mk, b.key->pub);
		/* Sign-ups: initiations of new identities, made before the clock. */
		for (unsigned i = 0; i < b.users; i++) {
			struct sg_handshake hs;

			msgs[i] = malloc(SG_RESUME_LEN);
			sg_keypair_generate(&cl[i].kp);
			sg_tai64n_now(ip.timestamp);
			if (!msgs[i] || sg_hs_initiation_create(&hs, msgs[i], &cl[i].kp, b.key->pub,
								r * b.users + i + 1, &ip, &mk, 0,
								NULL) != SG_OK)
				sg_bench_die("initiation");
			sg_hs_wipe(&hs);
			lens[i] = SG_INIT_LEN;
		}
		/* Each answered by a response and a TICKET. */
		b.p.commit_samples = 0; /* commit waits of this run's sign-ups only */
		t = run_loop(&b, msgs, lens, b.users, 2 * b.users);
		if (b.p.counters[SG_PC_SIGNUPS] != (uint64_t)(r + 1) * b.users)
			sg_bench_die("not every sign-up completed");
		su[r] = b.users / t;
		sg_plane_commit_wait(&b.p, &w50[r], &w99[r], &wmax[r]);

		/* Resumptions: tickets from the relay's ring, RESUMEs made before the clock. */
		for (unsigned i = 0; i < b.users; i++) {
			uint8_t plain[SG_TICKET_MSG_PLAIN_LEN];
			struct sg_resume rsm;
			const struct sg_user *u = sg_registry_by_key(b.registry, cl[i].kp.pub);
			uint64_t now = (uint64_t)time(NULL);

			if (!u)
				sg_bench_die("user not registered");
			sg_resume_ticket_issue(b.p.tickets, plain, u->id, now, NULL);
			if (sg_resume_ticket_store(&cl[i].ticket, plain, sizeof(plain), now) != SG_OK)
				sg_bench_die("ticket");
			sg_tai64n_now(ip.timestamp);
			if (sg_resume_create(&rsm, msgs[i], &cl[i].ticket, 100000 + i, &ip, &mk, 0,
					     NULL) != SG_OK)
				sg_bench_die("resume");
			sg_resume_wipe(&rsm);
			lens[i] = SG_RESUME_LEN;
		}
		t = run_loop(&b, msgs, lens, b.users, 2 * b.users);
		if (b.p.counters[SG_PC_RESUMPTIONS] != (uint64_t)(r + 1) * b.users)
			sg_bench_die("not every resumption completed");
		rs[r] = b.users / t;

		if (sg_bench_measure(responder_pass, &b, 1.0, &lim[r]) != 0)
			sg_bench_die("responder");
		printf("run %u: sign-ups %.0f/s, resumptions %.0f/s, responder limit %.0f/s, "
		       "commit wait p50 %u us p99 %u us max %u us\n",
		       r + 1, su[r], rs[r], lim[r], w50[r], w99[r], wmax[r]);
		for (unsigned i = 0; i < b.users; i++) {
			free(msgs[i]);
			sg_resume_ticket_wipe(&cl[i].ticket);
		}
		sg_wipe(cl, sizeof(*cl) * b.users);
		free(cl);
		free(msgs);
		free(lens);
	}
	{
		double s = sg_bench_median(su, reps, "sign-ups", 0, &spread);
		double x = sg_bench_median(rs, reps, "resumptions", 0, &spread);
		double l = sg_bench_median(lim, reps, "responder", 0, &spread);

		printf("\nmedian of %u runs, %u users each, store sync %s, one control lcore:\n",
		       reps, b.users, sync ? "on (fdatasync per commit)" : "off");
		printf("  sign-ups (full Noise IK, stored, TICKET)  %9.0f /s  = %.2f x responder limit\n",
		       s, s / l);
		printf("  resumptions (stored, TICKET)             %9.0f /s  = %.1f x sign-ups\n", x,
		       x / s);
		printf("  Noise IK responder limit (crypto only)   %9.0f /s\n", l);
		printf("targets: sign-ups >= 0.80 x responder limit; resumptions >= 10 x that\n");
	}
	sg_plane_fini(&b.p);
	{
		/* The store's temporary directory and EAL's runtime directory. */
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s %s", b.dir, rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b.dir);
	}
	return 0;
}
