/* SPDX-License-Identifier: MIT */
/*
 * relay_insns.c - surge-bench-relay-insns: DATA frames from client A to
 * client B through one relay worker, all in one process, so that
 * scripts/bench-insns can count the instructions of the worker loop per
 * relayed frame with callgrind.
 *
 * Set-up is what surge-relay's main.c does (mbuf pool with a struct
 * sg_toctl private area, session table with one RCU reader, a to-control
 * ring, one worker, id 0, polling RX queue 0 of one port with 1 RX / 2 TX
 * queues, started by sg_port_start()), and the two sessions come from real
 * Noise IK handshakes, client and relay side in process, filled in the way
 * control/hs_ctl.c fills them.  The port is a net_ring port made with
 * rte_eth_from_rings() over rings this program owns: one RX ring it feeds,
 * one TX ring per TX queue it drains, so the worker runs the ring PMD's real
 * receive and transmit functions.
 *
 * A round: feed_round() builds a burst of fresh frames (mbufs from the pool,
 * Ethernet/IPv4/UDP headers copied from a template, DATA sealed with A's
 * send key under the next counter: the replay window refuses repeats) and
 * puts them on the RX ring; sg_worker_poll() runs one loop round (RX burst,
 * parse, open, route, seal, TX flush, RCU quiescent); drain_round() takes
 * what was transmitted, checks the count (and opens some frames as B would:
 * every frame of the first round, the first of each later one) and frees
 * it.  Frame preparation and checks stay outside sg_worker_poll, so its
 * inclusive cost under callgrind is the worker loop alone, PMD RX and TX
 * included.  Any frame not forwarded aborts the run.
 *
 * What net_ring leaves out: a NIC's PMD allocates mbufs to refill its RX
 * ring and frees transmitted ones inside its burst calls, so inside the
 * loop; here the bench allocates and frees them, outside it, and the ring
 * PMD's bursts are just ring copies.  A hardware port costs more per frame.
 *
 * With --crypto the worker's AEAD runs on that back end (config crypto:
 * sodium, the default here, or cryptodev:DRIVER: the relay's own choice
 * code makes the device and gives the worker its queue pair), and --cpu
 * puts the one lcore on another CPU: the "frames/s in sg_worker_poll alone"
 * line is then the worker's rate on a port that costs next to nothing
 * (scripts/bench's "relay ring" step; its frames are all of one session,
 * A to B, so a burst is one CPU-crypto call).
 *
 *   surge-bench-relay-insns [--frames N] [--size BYTES] [--suite aes|chacha]
 *                           [--file-prefix NAME] [--crypto SPEC] [--cpu N]
 */
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "bench/bench.h"
#include "control/config.h"
#include "control/plane.h"
#include "control/session.h"
#include "crypto/crypto.h"
#include "crypto/cryptodev_select.h"
#include "crypto/handshake.h"
#include "crypto/transport.h"
#include "dataplane/drop.h"
#include "dataplane/port.h"
#include "dataplane/worker.h"
#include "proto/bytes.h"
#include "proto/pkt.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"

enum {
	BURST = 32,
	RING_SIZE = 1024,
	RING_FLAGS = RING_F_SP_ENQ | RING_F_SC_DEQ,
	N_TXQ = 2,          /* the worker's TX queue 0 and the control plane's 1 */
	N_MBUFS = 8191,
	USER_A = 1001,
	USER_B = 1002,
};

struct opts {
	uint64_t frames;
	unsigned size;
	uint8_t suite;      /* SG_SUITE_NONE: offer both, the relay chooses */
	char prefix[64];
	char crypto[80];    /* the worker's AEAD back end (config crypto) */
	unsigned cpu;       /* the CPU of the one lcore */
};

/* One client of the relay: its identity, address and session keys. */
struct client {
	struct sg_aead_ctx send_ctx, recv_ctx;
	struct sg_keypair kp;
	struct sg_endpoint ep;
	uint64_t user_id;
	uint32_t index;        /* the client's own index (receiver of frames to it) */
	uint32_t relay_index;  /* the relay's session index (receiver of frames to the relay) */
	uint64_t send_counter; /* next counter of frames it sends */
	uint64_t recv_counter; /* counter expected on the next frame to it */
	uint8_t suite;
};

struct bench {
	struct sg_config cfg;
	const char *crypto;          /* config crypto of the worker */
	struct sg_keypair relay;
	struct sg_cookie_checker cookie;
	struct sg_session_table sessions;
	struct rte_mempool *pool;
	struct rte_ring *to_ctl, *rx, *tx[N_TXQ];
	struct sg_worker *w;
	struct sg_cdev_choice cdev;  /* the worker's AEAD back end */
	uint16_t port;
	uint8_t port_mac[6];
	struct sg_endpoint relay_ep; /* the relay as A's frames address it */
	struct client a, b;
	uint8_t hdr[64];             /* Ethernet/IPv4/UDP headers of A's frames */
	unsigned hdr_len;
	uint8_t plain[SG_DATA_INNER_LEN + SG_BODY_MAX]; /* inner header + body */
	unsigned plain_len;
	unsigned msg_len;            /* DATA message bytes */
	uint64_t checked;            /* frames opened as B would */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-bench-relay-insns [--frames N] [--size BYTES] [--suite aes|chacha]\n"
		"                               [--file-prefix NAME]\n"
		"  --frames N        frames to relay, rounded up to whole bursts of %u\n"
		"                    (default 1000000)\n"
		"  --size BYTES      DATA body size, 0..%u (default 64)\n"
		"  --suite S         offer only this AEAD suite (default: both; the relay picks)\n"
		"  --file-prefix P   EAL --file-prefix (default surge-insns-<pid>)\n"
		"  --crypto SPEC     the worker's AEAD: sodium (default) or cryptodev:DRIVER\n"
		"  --cpu N           run the lcore on CPU N (default 0)\n",
		BURST, SG_BODY_MAX_IPV4);
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "suite", required_argument, NULL, 'c' },
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "crypto", required_argument, NULL, 'C' },
		{ "cpu", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->frames = 1000000;
	o->size = 64;
	o->suite = SG_SUITE_NONE;
	snprintf(o->prefix, sizeof(o->prefix), "surge-insns-%ld", (long)getpid());
	snprintf(o->crypto, sizeof(o->crypto), "sodium");
	o->cpu = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->frames = strtoull(optarg, &end, 10);
			if (*end || o->frames == 0)
				return -1;
			break;
		case 's':
			o->size = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->size > SG_BODY_MAX_IPV4)
				return -1;
			break;
		case 'c':
			if (strcmp(optarg, "aes") == 0)
				o->suite = SG_SUITE_AES256_GCM;
			else if (strcmp(optarg, "chacha") == 0)
				o->suite = SG_SUITE_CHACHA20_POLY1305;
			else
				return -1;
			break;
		case 'p':
			snprintf(o->prefix, sizeof(o->prefix), "%s", optarg);
			break;
		case 'C':
			snprintf(o->crypto, sizeof(o->crypto), "%s", optarg);
			break;
		case 'u':
			o->cpu = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->cpu > 1023)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static void eal_start(const char *prog, const char *prefix, unsigned cpu)
{
	char lcores[16];
	char *argv[] = {
		(char *)prog, "--no-huge", "-m", "512", "--no-pci", "--file-prefix",
		(char *)prefix, "--lcores", lcores, "--log-level", "lib.eal:warning", NULL,
	};

	snprintf(lcores, sizeof(lcores), "0@%u", cpu);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		sg_bench_die(rte_strerror(rte_errno));
}

/* ---- Set-up: what surge-relay's main.c does -------------------------------- */

static void setup_relay(struct bench *b)
{
	static const uint8_t relay_ip[4] = { 198, 18, 0, 1 };
	struct rte_ring *rx[1];
	char err[256];
	int extra_rx = 0, port;
	int socket = (int)rte_socket_id();

	sg_config_defaults(&b->cfg);
	memcpy(b->cfg.addr4[0], relay_ip, 4);
	b->cfg.n_addr4 = 1;
	b->cfg.udp_port = SG_UDP_PORT_DEFAULT;
	b->cfg.burst = BURST;

	b->pool = rte_pktmbuf_pool_create("bench_mbufs", N_MBUFS, 256,
					  RTE_ALIGN(sizeof(struct sg_toctl), RTE_MBUF_PRIV_ALIGN),
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!b->pool)
		sg_bench_die(rte_strerror(rte_errno));
	if (sg_session_table_init(&b->sessions, 64, 1024, 1, "bench_sessions", err, sizeof(err)) != 0)
		sg_bench_die(err);
	b->sessions.now = rte_get_tsc_cycles() / rte_get_tsc_hz(); /* as control.c does */
	b->to_ctl = rte_ring_create("bench_toctl", RING_SIZE, socket, RING_FLAGS);
	b->rx = rte_ring_create("bench_rx", RING_SIZE, socket, RING_FLAGS);
	b->tx[0] = rte_ring_create("bench_tx0", RING_SIZE, socket, RING_FLAGS);
	b->tx[1] = rte_ring_create("bench_tx1", RING_SIZE, socket, RING_FLAGS);
	if (!b->to_ctl || !b->rx || !b->tx[0] || !b->tx[1])
		sg_bench_die(rte_strerror(rte_errno));

	rx[0] = b->rx;
	port = rte_eth_from_rings("bench_port", rx, 1, b->tx, N_TXQ, (unsigned)socket);
	if (port < 0)
		sg_bench_die("rte_eth_from_rings failed");
	b->port = (uint16_t)port;
	b->cfg.ports[0] = b->port;
	b->cfg.n_ports = 1;
	if (sg_port_start(b->port, 1, b->pool, b->port_mac, &extra_rx, err, sizeof(err)) != 0)
		sg_bench_die(err);
	if (extra_rx)
		sg_bench_die("the ring PMD asked for an extra RX queue");

	b->w = rte_zmalloc("bench_worker", sizeof(*b->w), RTE_CACHE_LINE_SIZE);
	if (!b->w)
		sg_bench_die("out of memory for the worker");
	b->w->id = 0;
	b->w->cfg = &b->cfg;
	b->w->sessions = &b->sessions;
	b->w->to_ctl = b->to_ctl;
	b->w->to_hs = b->to_ctl; /* no handshakes reach the worker here */
	b->w->pool = b->pool;
	b->w->rx_ports = 1;
	memcpy(b->w->port_mac[0], b->port_mac, 6);
	if (sg_worker_init(b->w, socket) != 0)
		sg_bench_die("sg_worker_init failed");
	if (sg_cdev_select(b->crypto, 1, SG_AEAD_CACHE_WORKER_ENTRIES + SG_AEAD_CACHE_SPARES + 16,
			   socket, NULL, &b->cdev, err, sizeof(err)) != 0)
		sg_bench_die(err);
	sg_aead_cache_set_cdev(&b->w->cache, sg_cdev_qp(b->cdev.be, 0));
	rte_rcu_qsbr_thread_register(b->sessions.qsbr, b->w->id);
	rte_rcu_qsbr_thread_online(b->sessions.qsbr, b->w->id);

	sg_keypair_generate(&b->relay);
	sg_cookie_checker_init(&b->cookie, b->relay.pub);
	memset(&b->relay_ep, 0, sizeof(b->relay_ep));
	memcpy(b->relay_ep.mac, b->port_mac, 6);
	b->relay_ep.family = 4;
	b->relay_ep.port = b->cfg.udp_port;
	memcpy(b->relay_ep.addr, relay_ip, 4);
}

static void teardown_relay(struct bench *b)
{
	rte_rcu_qsbr_thread_offline(b->sessions.qsbr, b->w->id);
	rte_rcu_qsbr_thread_unregister(b->sessions.qsbr, b->w->id);
	sg_port_stop(b->port);
	sg_worker_fini(b->w);
	sg_cdev_choice_free(&b->cdev);
	rte_free(b->w);
	rte_ring_free(b->tx[1]);
	rte_ring_free(b->tx[0]);
	rte_ring_free(b->rx);
	rte_ring_free(b->to_ctl);
	sg_session_table_fini(&b->sessions);
	rte_mempool_free(b->pool);
	sg_cookie_checker_wipe(&b->cookie);
	sg_keypair_wipe(&b->relay);
	sg_keypair_wipe(&b->a.kp);
	sg_keypair_wipe(&b->b.kp);
	sg_aead_ctx_wipe(&b->a.send_ctx);
	sg_aead_ctx_wipe(&b->a.recv_ctx);
	sg_aead_ctx_wipe(&b->b.send_ctx);
	sg_aead_ctx_wipe(&b->b.recv_ctx);
}

/* ---- Sessions: a real handshake, the relay's half as control/hs_ctl.c ------ */

static void client_init(struct client *c, uint8_t host, uint64_t user_id)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };

	memset(c, 0, sizeof(*c));
	sg_keypair_generate(&c->kp);
	memcpy(c->ep.mac, mac, 6);
	c->ep.mac[5] = host;
	c->ep.family = 4;
	c->ep.port = (uint16_t)(40000 + host);
	c->ep.addr[0] = 198;
	c->ep.addr[1] = 18;
	c->ep.addr[2] = 0;
	c->ep.addr[3] = host;
	c->user_id = user_id;
	c->index = 0x51000000u | host;
}

static void handshake(struct bench *b, struct client *c, uint8_t offer)
{
	struct sg_handshake chs, rhs;
	struct sg_cookie_maker maker;
	struct sg_init_payload ip = { .version = SG_PROTO_VERSION }, rip;
	struct sg_resp_payload rp, crp;
	struct sg_session *s;
	uint8_t init[SG_INIT_LEN], resp[SG_RESP_LEN], client_pub[SG_KEY_LEN], src[6];
	const uint64_t now = sg_session_now(&b->sessions);
	uint32_t index;
	uint8_t suite;

	/* Client: initiation. */
	sg_tai64n_now(ip.timestamp);
	if (offer != SG_SUITE_NONE) {
		ip.n_suites = 1;
		ip.suites[0] = offer;
	} else {
		ip.n_suites = 2;
		ip.suites[0] = SG_SUITE_AES256_GCM;
		ip.suites[1] = SG_SUITE_CHACHA20_POLY1305;
	}
	sg_cookie_maker_init(&maker, b->relay.pub);
	if (sg_hs_initiation_create(&chs, init, &c->kp, b->relay.pub, c->index, &ip, &maker, now,
				    NULL) != SG_OK)
		sg_bench_die("handshake: initiation");

	/* Relay: mac1, Noise message 1, suite, session slot, response, keys. */
	memcpy(src, c->ep.addr, 4);
	src[4] = (uint8_t)(c->ep.port >> 8);
	src[5] = (uint8_t)c->ep.port;
	if (sg_cookie_validate(&b->cookie, init, sizeof(init), src, sizeof(src), now) < 0)
		sg_bench_die("handshake: mac1");
	if (sg_hs_initiation_consume(&rhs, &b->relay, init, sizeof(init), &rip, client_pub) !=
	    SG_OK)
		sg_bench_die("handshake: relay cannot read the initiation");
	suite = sg_hs_choose_suite(&rip, sg_crypto_have_aes256gcm());
	if (suite == SG_SUITE_NONE)
		sg_bench_die("handshake: no usable suite (AES-256-GCM needs AES-NI and CLMUL)");
	s = sg_session_alloc(&b->sessions, &index);
	if (!s)
		sg_bench_die("handshake: session table full");
	rp = (struct sg_resp_payload){ .user_id = c->user_id, .suite = suite,
				       .flags = SG_RESP_F_SIGNED_UP,
				       .keepalive_s = (uint16_t)b->cfg.keepalive_s };
	if (sg_hs_response_create(&rhs, resp, index, &rp, NULL) != SG_OK ||
	    sg_hs_keys(&rhs, s->send_key, s->recv_key) != SG_OK)
		sg_bench_die("handshake: response");
	s->suite = suite;
	s->user_id = c->user_id;
	s->peer_index = rhs.remote_index;
	s->born = (uint32_t)now;
	s->last_seen = now;
	s->dpdk_port = b->port;
	s->ep = c->ep;
	memcpy(s->local_addr, b->relay_ep.addr, sizeof(s->local_addr));
	sg_hs_wipe(&rhs);
	if (sg_session_publish(&b->sessions, s, index) != 0)
		sg_bench_die("handshake: the user already had a session");

	/* Client: response, keys, AEAD contexts. */
	if (sg_hs_response_consume(&chs, &c->kp, resp, sizeof(resp), &crp) != SG_OK ||
	    crp.user_id != c->user_id || crp.suite != suite)
		sg_bench_die("handshake: client cannot read the response");
	{
		uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN];

		if (sg_hs_keys(&chs, send, recv) != SG_OK ||
		    sg_aead_ctx_init(&c->send_ctx, suite, send) != SG_OK ||
		    sg_aead_ctx_init(&c->recv_ctx, suite, recv) != SG_OK)
			sg_bench_die("handshake: client keys");
		sg_wipe(send, sizeof(send));
		sg_wipe(recv, sizeof(recv));
	}
	c->relay_index = chs.remote_index; /* the response's sender index */
	if (c->relay_index != index)
		sg_bench_die("handshake: the client read another session index");
	c->suite = suite;
	sg_hs_wipe(&chs);
	sg_cookie_maker_wipe(&maker);
}

/* Headers of A's frames to the relay and the plaintext every frame carries. */
static void build_templates(struct bench *b, unsigned size)
{
	struct sg_data_inner in = { .peer_user = b->b.user_id, .msg_id = 0, .ttl_s = 0,
				    .class = SG_CLASS_CLOUD, .flags = 0 };

	b->plain_len = SG_DATA_INNER_LEN + size;
	b->msg_len = SG_TRANSPORT_OVERHEAD + b->plain_len;
	sg_data_inner_encode(b->plain, &in);
	for (unsigned i = 0; i < size; i++)
		b->plain[SG_DATA_INNER_LEN + i] = (uint8_t)(i * 7 + 1);
	b->hdr_len = sg_pkt_udp_headers_len(&b->relay_ep);
	if (b->hdr_len > sizeof(b->hdr))
		sg_bench_die("header template too small");
	sg_pkt_write_udp_headers(b->hdr, &b->a.ep, &b->relay_ep, (uint16_t)b->msg_len);
}

/* ---- The measured loop's neighbours: never inlined into it ----------------- */

/* A burst of fresh frames from A on the port's RX ring. */
static __attribute__((noinline)) void feed_round(struct bench *b)
{
	struct rte_mbuf *m[BURST];
	struct sg_hdr h = { .type = SG_MSG_DATA, .flags = 0, .receiver = b->a.relay_index };

	if (rte_pktmbuf_alloc_bulk(b->pool, m, BURST) != 0)
		sg_bench_die("mbuf pool empty");
	for (unsigned i = 0; i < BURST; i++) {
		const uint16_t flen = (uint16_t)(b->hdr_len + b->msg_len);
		uint8_t *f = (uint8_t *)rte_pktmbuf_append(m[i], flen);
		size_t out_len;

		if (!f)
			sg_bench_die("frame does not fit an mbuf");
		memcpy(f, b->hdr, b->hdr_len);
		h.counter = b->a.send_counter++;
		sg_put_le64(b->plain + 8, h.counter); /* message id */
		if (sg_transport_seal(&b->a.send_ctx, &h, b->plain, b->plain_len, f + b->hdr_len,
				      b->msg_len, &out_len) != SG_OK)
			sg_bench_die("sealing A's frame failed");
	}
	if (rte_ring_enqueue_bulk(b->rx, (void **)m, BURST, NULL) != BURST)
		sg_bench_die("RX ring full");
}

/* B's view of one relayed frame: addressed to B, from A, opens under B's key. */
static void check_frame(struct bench *b, struct rte_mbuf *m)
{
	struct sg_pkt pk;
	struct sg_hdr h;
	struct sg_data_inner in;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	size_t plen;

	if (sg_pkt_parse(f, rte_pktmbuf_data_len(m), &pk) != SG_PKT_UDP ||
	    memcmp(pk.dst_addr, b->b.ep.addr, 4) != 0 || pk.dst_port != b->b.ep.port ||
	    memcmp(pk.src.addr, b->relay_ep.addr, 4) != 0 || pk.src.port != b->relay_ep.port ||
	    memcmp(f, b->b.ep.mac, 6) != 0 || pk.payload_len != b->msg_len)
		sg_bench_die("a relayed frame is not addressed to B");
	if (sg_transport_open(&b->b.recv_ctx, f + pk.payload_off, pk.payload_len, &h, &plen) !=
	    SG_OK)
		sg_bench_die("a relayed frame does not open under B's key");
	if (h.type != SG_MSG_DATA || h.receiver != b->b.index || h.counter < b->b.recv_counter ||
	    sg_data_inner_decode(&in, f + pk.payload_off + SG_HDR_LEN) != SG_OK ||
	    in.peer_user != b->a.user_id ||
	    memcmp(f + pk.payload_off + SG_HDR_LEN + SG_DATA_INNER_LEN,
		   b->plain + SG_DATA_INNER_LEN, b->plain_len - SG_DATA_INNER_LEN) != 0)
		sg_bench_die("a relayed frame carries the wrong content");
	b->b.recv_counter = h.counter + 1;
	b->checked++;
}

/* Take what the worker transmitted; check some of it; free it. */
static __attribute__((noinline)) void drain_round(struct bench *b, int check_all)
{
	struct rte_mbuf *m[BURST];
	unsigned n = rte_ring_dequeue_burst(b->tx[0], (void **)m, BURST, NULL);

	if (n != BURST || rte_ring_count(b->tx[0]) != 0 || rte_ring_count(b->tx[1]) != 0 ||
	    rte_ring_count(b->to_ctl) != 0 || rte_ring_count(b->rx) != 0) {
		fprintf(stderr, "surge-bench-relay-insns: %u of %u frames transmitted\n", n,
			BURST);
		sg_bench_die("frames were not relayed");
	}
	for (unsigned i = 0; i < n; i++)
		if (check_all || i == 0)
			check_frame(b, m[i]);
	rte_pktmbuf_free_bulk(m, n);
}

/* Where the port's burst functions live, as callgrind names a stripped PMD: object+offset. */
static void print_pmd(uint16_t port)
{
	/* Through an integer: ISO C has no function-to-object pointer cast. */
	const uintptr_t fn[2] = { (uintptr_t)rte_eth_fp_ops[port].rx_pkt_burst,
				  (uintptr_t)rte_eth_fp_ops[port].tx_pkt_burst };
	const char *what[2] = { "rx_pkt_burst", "tx_pkt_burst" };

	for (unsigned i = 0; i < 2; i++) {
		Dl_info di;
		const char *obj;

		if (!fn[i] || dladdr((const void *)fn[i], &di) == 0 || !di.dli_fname)
			continue;
		obj = strrchr(di.dli_fname, '/');
		printf("pmd: %s %s+0x%lx\n", what[i], obj ? obj + 1 : di.dli_fname,
		       (unsigned long)(fn[i] - (uintptr_t)di.dli_fbase));
	}
}

static void print_counters(const struct sg_worker *w)
{
	const struct sg_worker_counters *c = &w->c;

	printf("worker: rx_frames %llu rx_bytes %llu tx_frames %llu tx_bytes %llu forwarded %llu "
	       "keepalives %llu to_control %llu\n",
	       (unsigned long long)c->rx_frames, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->tx_frames, (unsigned long long)c->tx_bytes,
	       (unsigned long long)c->forwarded, (unsigned long long)c->keepalives,
	       (unsigned long long)c->to_control);
	for (unsigned d = 0; d < SG_DROP_MAX; d++)
		if (c->drops[d])
			printf("worker: drop %s %llu\n", sg_drop_name(d),
			       (unsigned long long)c->drops[d]);
	printf("aead cache: hits %llu misses %llu collisions %llu\n",
	       (unsigned long long)w->cache.hits, (unsigned long long)w->cache.misses,
	       (unsigned long long)w->cache.collisions);
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct opts o;
	uint64_t rounds, fwd;
	double t0, t_all, t_poll = 0;
	char cpu[128], n1[32], n2[32];

	sg_bench_set_prog("surge-bench-relay-insns");
	if (parse_opts(&o, argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (sg_crypto_init() != SG_OK)
		sg_bench_die("libsodium cannot start");
	eal_start(argv[0], o.prefix, o.cpu);
	b.crypto = o.crypto;
	setup_relay(&b);
	client_init(&b.a, 2, USER_A);
	client_init(&b.b, 3, USER_B);
	handshake(&b, &b.a, o.suite);
	handshake(&b, &b.b, o.suite);
	build_templates(&b, o.size);

	rounds = (o.frames + BURST - 1) / BURST;
	sg_bench_cpu_model(cpu, sizeof(cpu));
	printf("surge-bench-relay-insns: %llu frames (%llu rounds of %u), body %u B, "
	       "DATA %u B, frame %u B, suite %s, cpu %s\n",
	       (unsigned long long)(rounds * BURST), (unsigned long long)rounds, BURST, o.size,
	       b.msg_len, b.hdr_len + b.msg_len,
	       b.a.suite == SG_SUITE_AES256_GCM ? "AES-256-GCM" : "ChaCha20-Poly1305", cpu);
	printf("crypto %s: %s\n", o.crypto, b.cdev.line);
	print_pmd(b.port);
	fflush(stdout);

	t0 = sg_bench_now_s();
	for (uint64_t r = 0; r < rounds; r++) {
		double t1;

		feed_round(&b);
		fwd = b.w->c.forwarded;
		t1 = sg_bench_now_s();
		if (sg_worker_poll(b.w) != BURST)
			sg_bench_die("the worker did not receive the burst");
		t_poll += sg_bench_now_s() - t1;
		if (b.w->c.forwarded != fwd + BURST) {
			print_counters(b.w);
			sg_bench_die("the worker did not forward every frame of the round");
		}
		drain_round(&b, r == 0);
	}
	t_all = sg_bench_now_s() - t0;

	printf("relayed %llu frames, %llu opened as B to check them\n",
	       (unsigned long long)b.w->c.forwarded, (unsigned long long)b.checked);
	printf("frames/s: %s in sg_worker_poll alone, %s with feeding and draining "
	       "(informational; under valgrind meaningless)\n",
	       sg_bench_thousands(n1, sizeof(n1), (double)(rounds * BURST) / t_poll),
	       sg_bench_thousands(n2, sizeof(n2), (double)(rounds * BURST) / t_all));
	print_counters(b.w);
	teardown_relay(&b);
	rte_eal_cleanup();
	return 0;
}
