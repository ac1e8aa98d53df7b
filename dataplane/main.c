/* SPDX-License-Identifier: MIT */
/*
 * main.c - surge-relay: configuration, EAL, ports, session table, workers
 * on the worker lcores, the control plane on the main lcore, and an orderly
 * shutdown on SIGINT/SIGTERM (workers stop, counters are printed, every key
 * is wiped).
 *
 *   surge-relay [--config FILE] [--KEY VALUE ...] -- [EAL arguments]
 *   surge-relay --genkey FILE      create a relay key file (0600)
 *   surge-relay --pubkey FILE      print a key file's public key (base64)
 *
 * Flags are the configuration keys with '-' for '_' (docs/CONFIG.md); they
 * override the file.  Everything after "--" goes to rte_eal_init().
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "capture.h"
#include "control/config.h"
#include "control/plane.h"
#include "control/hs_lcore.h"
#include "control/metrics_ctl.h"
#include "control/registry.h"
#include "control/session.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "crypto/secure.h"
#include "crypto/secure_mempool.h"
#include "crypto_ctl.h"
#include "port.h"
#include "telemetry.h"
#include "worker.h"

static volatile int stop_flag;
static volatile sig_atomic_t reload_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/*
 * SIGHUP: a config reload (rules included) at the control plane's next
 * round.  Installed first thing in main: a SIGHUP during start-up (systemd's
 * ExecReload, an operator) must not kill the relay; it is served once the
 * control plane runs.
 */
static void on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: surge-relay [--config FILE] [--KEY VALUE ...] -- [EAL arguments]\n"
		   "       surge-relay --genkey FILE | --pubkey FILE | --help | --version\n"
		   "KEY is any configuration key with '-' for '_' (docs/CONFIG.md), e.g.\n"
		   "  --address4 198.18.0.1 --key-file relay.key --workers 1 --udp-port 7443\n");
}

static int key_tool(const char *mode, const char *path)
{
	struct sg_keypair kp;
	char err[256], b64[SG_KEY_B64_LEN + 1];
	int rc;

	if (sg_crypto_init() != 0)
		return 1;
	if (strcmp(mode, "--genkey") == 0) {
		sg_keypair_generate(&kp);
		rc = sg_keyfile_save(path, &kp, err, sizeof(err));
	} else {
		rc = sg_keyfile_load(path, &kp, err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "surge-relay: %s\n", err);
		return 1;
	}
	sg_key_to_base64(b64, kp.pub);
	printf("%s\n", b64);
	sg_keypair_wipe(&kp);
	return 0;
}

/*
 * Our arguments (before "--") onto cfg: --config first, then every --key
 * value.  0, or -1 with err (*bad_arg set when the words themselves are
 * wrong).  At start and again at every config reload.
 */
static int load_config(struct sg_config *cfg, int argc, char **argv, char *err, size_t errlen,
		       int *bad_arg)
{
	char why[512], key[64];

	*bad_arg = 0;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc &&
		    sg_config_load(cfg, argv[i + 1], err, errlen) != 0)
			return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) != 0 || i + 1 >= argc || strlen(a + 2) >= sizeof(key)) {
			snprintf(err, errlen, "unexpected argument '%s'", a);
			*bad_arg = 1;
			return -1;
		}
		if (strcmp(a, "--config") != 0) {
			size_t k;

			for (k = 0; a[2 + k]; k++)
				key[k] = a[2 + k] == '-' ? '_' : a[2 + k];
			key[k] = '\0';
			if (sg_config_set(cfg, key, argv[i + 1], why, sizeof(why)) != 0) {
				snprintf(err, errlen, "%s: %s", a, why);
				return -1;
			}
		}
		i++;
	}
	return sg_config_validate(cfg, err, errlen);
}

static int parse_args(struct sg_config *cfg, int argc, char **argv)
{
	char err[768];
	int bad_arg;

	if (load_config(cfg, argc, argv, err, sizeof(err), &bad_arg) != 0) {
		fprintf(stderr, "surge-relay: %s\n", err);
		if (bad_arg)
			usage(stderr);
		return -1;
	}
	return 0;
}

struct relay {
	struct sg_config cfg;
	struct sg_config cfg_read; /* cfg as read, before start-up raised any floor */
	struct sg_keypair *key;
	struct rte_mempool *pool;
	struct sg_session_table sessions;
	struct sg_registry *registry;
	struct rte_ring *rings[SG_CFG_MAX_WORKERS + 1];    /* session-bound, per worker */
	struct rte_ring *hs_rings[SG_CFG_MAX_WORKERS + 1]; /* handshakes, per worker */
	struct sg_worker *workers;
	struct sg_worker_set set;
	struct sg_plane plane;
	unsigned ports_started;
	struct sg_worker *extra;   /* polled by the control lcore (dataplane/port.h) */
	struct sg_hs_lcore *hs;    /* handshake lcores (control/hs_lcore.h) */
	struct sg_crypto_ctl crypto; /* the data-plane AEAD back end (crypto_ctl.h) */
	int crypto_ok;             /* sg_crypto_ctl_start succeeded */
	int plane_ok;              /* sg_plane_init succeeded */
	int argc;                  /* our arguments, read again by a config reload */
	char **argv;
};

/* plane.h config_load: the configuration as a start would read it now. */
static int reload_config(void *arg, struct sg_config *out, char *err, size_t errlen)
{
	const struct relay *r = arg;
	int bad_arg;

	sg_config_defaults(out);
	return load_config(out, r->argc, r->argv, err, errlen, &bad_arg);
}

/*
 * The workers' counters as metrics (control/metrics.h), worker by worker
 * under the label worker="ID" (ID n_workers: the control lcore's extra RX
 * queue).  Names are those of `surgectl --json stats` with "worker_" before
 * them; the assertion below breaks the build when a counter is added to
 * struct sg_worker_counters without a row here.
 */
static const struct {
	const char *name, *unit, *help;
	size_t off;
	int tsc; /* TSC cycles, written as seconds */
} worker_series[] = {
#define WS(n, u, f, h) { n, u, h, offsetof(struct sg_worker_counters, f), 0 }
	WS("worker_rx", "frames", rx_frames, "Frames received."),
	WS("worker_rx", "bytes", rx_bytes, "Bytes received (frames, Ethernet header included)."),
	WS("worker_tx", "frames", tx_frames, "Frames transmitted."),
	WS("worker_tx", "bytes", tx_bytes, "Bytes transmitted (frames, Ethernet header included)."),
	WS("worker_forwarded", NULL, forwarded, "DATA messages re-sealed to their recipient."),
	WS("worker_keepalives", NULL, keepalives, "KEEPALIVEs answered."),
	WS("worker_to_control", NULL, to_control, "Frames handed to the control plane."),
	WS("worker_arp", NULL, arp, "ARP requests answered."),
	WS("worker_icmp", NULL, icmp, "ICMP and ICMPv6 echo requests answered."),
	WS("worker_ndp", NULL, ndp, "IPv6 neighbour solicitations answered."),
	WS("worker_cookie_replies", NULL, cookie_replies,
	   "Handshakes answered with a COOKIE_REPLY by the worker (under load)."),
	{ "worker_policy_scan", "seconds",
	  "Time spent in content-policy scans of cloud bodies (rate: share of the worker's core).",
	  offsetof(struct sg_worker_counters, policy_cycles), 1 },
#undef WS
};

_Static_assert(RTE_DIM(worker_series) + SG_DROP_MAX ==
		       sizeof(struct sg_worker_counters) / sizeof(uint64_t),
	       "every worker counter has a row in worker_series[]");

/* Counters of the bounds of a worker's own tables (not in struct sg_worker_counters). */
static const struct {
	const char *name, *help;
	size_t off;
} worker_bounds[] = {
	{ "worker_handshake_bucket_collisions",
	  "Per-source handshake buckets of this worker (16384): a new source took the slot of "
	  "another, whose bucket was lost.", offsetof(struct sg_worker, ratelimit.collisions) },
	{ "worker_aead_cache_hits", "Expanded AEAD contexts found in this worker's cache (1024 "
	  "entries).", offsetof(struct sg_worker, cache.hits) },
	{ "worker_aead_cache_misses", "Expanded AEAD contexts built into the cache (a key seen "
	  "first, or its entry taken by another).", offsetof(struct sg_worker, cache.misses) },
	{ "worker_aead_cache_collisions", "Contexts built into a spare because their entry was in "
	  "use in the same burst (64 spares a burst).", offsetof(struct sg_worker, cache.collisions) },
	{ "worker_aead_cache_swept", "Cache entries wiped because their session ended.",
	  offsetof(struct sg_worker, cache.swept) },
};

static void worker_metrics(void *arg, const struct sg_metrics_sink *s)
{
	struct relay *r = arg;
	const struct sg_worker_set *set = &r->set;
	char ids[SG_CFG_MAX_WORKERS + 1][12];

	for (unsigned i = 0; i < set->n; i++)
		snprintf(ids[i], sizeof(ids[i]), "%u", i);
	for (size_t k = 0; k < RTE_DIM(worker_series); k++)
		for (unsigned i = 0; i < set->n; i++) {
			const uint64_t *c = (const uint64_t *)((const char *)&set->w[i].c +
								worker_series[k].off);
			uint64_t v = __atomic_load_n(c, __ATOMIC_RELAXED);

			sg_metrics_emit(s, &(struct sg_metric){
				.name = worker_series[k].name, .unit = worker_series[k].unit,
				.help = worker_series[k].help, .type = SG_METRIC_COUNTER,
				.n_labels = 1, .labels = { { "worker", ids[i] } },
				.value = worker_series[k].tsc ? sg_worker_policy_ns(v) : v,
				.scale = worker_series[k].tsc ? 1000000000u : 1 });
		}
	/*
	 * Bounds of a worker's own tables (docs/SECURITY.md, "Resource bounds"):
	 * written by the worker alone, read relaxed like its counters.  By name,
	 * then worker: one family's series stay together.
	 */
	for (size_t k = 0; k < RTE_DIM(worker_bounds); k++)
		for (unsigned i = 0; i < set->n; i++)
			sg_metrics_emit(s, &(struct sg_metric){
				.name = worker_bounds[k].name, .help = worker_bounds[k].help,
				.type = SG_METRIC_COUNTER, .n_labels = 1,
				.labels = { { "worker", ids[i] } },
				.value = __atomic_load_n((const uint64_t *)((const char *)&set->w[i] +
									   worker_bounds[k].off),
							 __ATOMIC_RELAXED) });
	for (unsigned i = 0; i < set->n; i++)
		for (unsigned d = 0; d < SG_DROP_MAX; d++)
			sg_metrics_emit(s, &(struct sg_metric){
				.name = "worker_drops",
				.help = "Frames a worker dropped, by reason (dataplane/drop.h).",
				.type = SG_METRIC_COUNTER, .n_labels = 2,
				.labels = { { "worker", ids[i] }, { "reason", sg_drop_name(d) } },
				.value = __atomic_load_n(&set->w[i].c.drops[d], __ATOMIC_RELAXED) });
	if (r->crypto_ok)
		sg_crypto_ctl_metrics(&r->crypto, s);
}

/* "stats": the workers' counters, then the crypto back end's (sg_plane_stats_fn). */
static void worker_stats(void *arg, struct sg_ctl_buf *b, int json)
{
	struct relay *r = arg;

	sg_worker_stats(&r->set, b, json);
	if (r->crypto_ok)
		sg_crypto_ctl_stats(&r->crypto, b, json);
}

/* The control lcore's turn on a PMD's extra RX queue (between handshakes too). */
static unsigned poll_extra(void *arg)
{
	return sg_worker_poll(arg);
}

/*
 * Secrets the relay could not lock or keep out of core dumps: said once at
 * start (surgectl status and the metrics keep saying it).
 */
static void secure_report(void)
{
	struct sg_secure_stats st;

	sg_secure_stats(&st);
	if (st.unlocked)
		fprintf(stderr, "surge-relay: warning: %llu of %llu regions holding secrets are not "
			"locked in memory (RLIMIT_MEMLOCK; CAP_IPC_LOCK or LimitMEMLOCK=infinity): "
			"they may be swapped out\n", (unsigned long long)st.unlocked,
			(unsigned long long)st.regions);
	if (st.dumpable)
		fprintf(stderr, "surge-relay: warning: %llu of %llu regions holding secrets could "
			"not be left out of core dumps\n", (unsigned long long)st.dumpable,
			(unsigned long long)st.regions);
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "surge-relay: %s: %s\n", what, why);
	return -1;
}

static int relay_start(struct relay *r)
{
	char err[512];
	unsigned n = r->cfg.workers, lcore, i = 0, need;
	int socket = (int)rte_socket_id();

	if (rte_lcore_count() < n + 1 + r->cfg.handshake_lcores)
		return fail("lcores", "need one main lcore, one lcore per worker and one per "
				      "handshake lcore (EAL --lcores, e.g. --lcores 0@0,1@1 for one "
				      "worker; 0@0,1@1,2@0 with handshake_lcores 1: handshake lcores "
				      "sleep when idle, so one may share the main lcore's CPU)");
	/*
	 * Enough mbufs for every descriptor ring (RX and TX queues of every
	 * port), every control ring, the per-lcore caches and the TX buffers, so
	 * the pool cannot run dry while frames sit in queues (a stalled RX ring
	 * never refills).  The configured figure is the floor.
	 */
	need = r->cfg.n_ports * ((n + 1) * 1024u + (n + 1) * 1024u + (n + 1) * 64u) +
	       2 * (n + 1) * 1024u + (n + 1) * 384u + 1024u;
	if (need > r->cfg.mbufs) {
		printf("surge-relay: mbufs %u raised to %u (rings, queues and caches need them)\n",
		       r->cfg.mbufs, need);
		r->cfg.mbufs = need;
	}
	r->pool = rte_pktmbuf_pool_create("sg_mbufs", r->cfg.mbufs, 256,
					  RTE_ALIGN(sizeof(struct sg_toctl), RTE_MBUF_PRIV_ALIGN),
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!r->pool)
		return fail("mbuf pool", rte_strerror(rte_errno));
	/*
	 * Frames are opened in place (cloud plaintext, inner headers) and a
	 * handshake's Noise state travels in its mbuf (control/hs_lcore.h): the
	 * pool is locked and left out of core dumps like the keys.
	 */
	sg_secure_mempool(r->pool);
	/* Readers: the workers and, for the extra RX queue, the control lcore. */
	if (sg_session_table_init(&r->sessions, r->cfg.max_sessions, r->cfg.max_users, n + 1,
				  "sg_sessions", err, sizeof(err)) != 0)
		return fail("session table", err);
	r->registry = sg_registry_new(r->cfg.max_users);
	if (!r->registry)
		return fail("registry", "out of memory");
	r->workers = rte_zmalloc("sg_workers", sizeof(*r->workers) * (n + 1), RTE_CACHE_LINE_SIZE);
	if (!r->workers)
		return fail("workers", "out of memory");
	/* Each holds a copy of the cookie secret and spare AEAD contexts. */
	(void)sg_secure_region(r->workers, sizeof(*r->workers) * (n + 1));
	for (unsigned w = 0; w <= n; w++) {
		char name[32];

		snprintf(name, sizeof(name), "sg_toctl_%u", w);
		r->rings[w] = rte_ring_create(name, 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "sg_tohs_%u", w);
		r->hs_rings[w] = rte_ring_create(name, 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!r->rings[w] || !r->hs_rings[w])
			return fail("ring", rte_strerror(rte_errno));
	}
	/*
	 * The data-plane AEAD back end (config crypto): a queue pair per worker
	 * context, sessions for a worker's whole AEAD cache.  Chosen before the
	 * ports start: its self-test and timing take a while (longer under a
	 * sanitizer), and a port that is up with no worker polling it leaves
	 * the peer's frames unread (a memif peer found its TX ring full).
	 */
	if (sg_crypto_ctl_start(&r->crypto, r->cfg.crypto, n + 1,
				SG_AEAD_CACHE_WORKER_ENTRIES + SG_AEAD_CACHE_SPARES + 16, socket, err,
				sizeof(err)) != 0)
		return fail("crypto", err);
	r->crypto_ok = 1;
	for (unsigned p = 0; p < r->cfg.n_ports; p++) {
		int extra_rx = 0;

		if (sg_port_start(r->cfg.ports[p], n, r->pool, r->plane.port_mac[p], &extra_rx, err,
				  sizeof(err)) != 0)
			return fail("port", err);
		r->ports_started = p + 1;
		for (unsigned w = 0; w < n; w++)
			r->workers[w].rx_ports |= 1u << p;
		if (extra_rx)
			r->workers[n].rx_ports |= 1u << p;
	}
	for (unsigned w = 0; w <= n; w++) {
		struct sg_worker *wk = &r->workers[w];

		wk->id = w;
		wk->cfg = &r->cfg;
		wk->sessions = &r->sessions;
		wk->to_ctl = r->rings[w];
		wk->to_hs = r->hs_rings[w];
		wk->wake = &r->plane.wake;
		wk->pool = r->pool;
		wk->stop = &stop_flag;
		memcpy(wk->port_mac, r->plane.port_mac, sizeof(wk->port_mac));
		if (sg_worker_init(wk, socket) != 0)
			return fail("worker", "out of memory");
		sg_aead_cache_set_cdev(&wk->cache, sg_crypto_ctl_qp(&r->crypto, w));
	}
	if (r->workers[n].rx_ports) {
		r->extra = &r->workers[n];
		rte_rcu_qsbr_thread_register(r->sessions.qsbr, n);
		rte_rcu_qsbr_thread_online(r->sessions.qsbr, n);
	}
	r->set.w = r->workers;
	r->set.n = r->extra ? n + 1 : n;
	r->set.n_workers = n;
	r->crypto.n_shown = r->set.n;
	r->plane.cfg = &r->cfg;
	r->plane.sessions = &r->sessions;
	r->plane.registry = r->registry;
	r->plane.key = r->key;
	r->plane.rings = r->rings;
	r->plane.hs_rings = r->hs_rings;
	r->plane.n_rings = r->extra ? n + 1 : n;
	r->plane.between = r->extra ? poll_extra : NULL;
	r->plane.between_arg = r->extra;
	r->plane.n_workers = n;
	r->plane.pool = r->pool;
	r->plane.worker_stats = worker_stats;
	r->plane.worker_stats_arg = r;
	r->plane.crypto_status = sg_crypto_ctl_status;
	r->plane.crypto_status_arg = &r->crypto;
	r->plane.config_load = reload_config;
	r->plane.config_load_arg = r;
	r->plane.cfg_live = &r->cfg;
	r->plane.cfg_read = &r->cfg_read;
	r->plane.limits.rate = r->cfg.handshake_rate;
	r->plane.limits.burst = r->cfg.handshake_burst;
	if (r->cfg.handshake_lcores) {
		r->hs = rte_zmalloc("sg_hs_lcores", sizeof(*r->hs) * r->cfg.handshake_lcores,
				    RTE_CACHE_LINE_SIZE);
		if (!r->hs)
			return fail("handshake lcores", "out of memory");
		for (unsigned h = 0; h < r->cfg.handshake_lcores; h++)
			if (sg_hs_lcore_init(&r->hs[h], h, 1024, socket, &r->plane.wake,
					     &stop_flag, err, sizeof(err)) != 0)
				return fail("handshake lcores", err);
		r->plane.hs_lcores = r->hs;
		r->plane.n_hs_lcores = r->cfg.handshake_lcores;
	}
	if (sg_plane_init(&r->plane, err, sizeof(err)) != 0)
		return fail("control plane", err);
	r->plane_ok = 1;
	switch (sg_plane_metrics_init(&r->plane, worker_metrics, r, err, sizeof(err))) {
	case 0:
		break;
	case 1: /* relaying matters more than being scraped */
		fprintf(stderr, "surge-relay: warning: no Prometheus endpoint: %s\n", err);
		break;
	default:
		return fail("metrics", err);
	}
	if (sg_telemetry_init(&r->plane) != 0)
		return fail("telemetry", "cannot register the /surge/ commands");
	/* Capture readers: the workers and the control lcore (reader n). */
	if (sg_capture_ctl_init(&r->plane, n + 1, socket, sg_capture_tap, err, sizeof(err)) != 0)
		return fail("capture", err);
	/* The plane's key ring holds its own locked copy (and rotates it): ours goes. */
	sg_keypair_wipe(r->key);
	sg_secure_free(r->key);
	r->key = NULL;
	for (unsigned w = 0; w <= n; w++) {
		struct sg_worker *wk = &r->workers[w];

		wk->keys = &r->plane.keys_pub;            /* the key ring's view (keys_ctl.c) */
		wk->cookie = *r->plane.cookie;            /* its secret follows; keys: wk->keys */
		wk->cookie.follower = 1;
		wk->cookie_seq = 0;
		wk->cookie_pub = r->plane.cookie_pub;
		wk->under_load = &r->plane.under_load;
		wk->policy_slot = &r->plane.policy_set;
		wk->limits = &r->plane.limits;
		wk->limits_gen = 0;
		wk->capture_slot = sg_capture_ctl_slot(&r->plane);
	}

	/* Workers on the first worker lcores, handshake lcores on the next ones. */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == n + r->cfg.handshake_lcores)
			break;
		if (rte_eal_remote_launch(i < n ? sg_worker_main : sg_hs_lcore_main,
					  i < n ? (void *)&r->workers[i] : (void *)&r->hs[i - n],
					  lcore) != 0)
			return fail("launch", "cannot start a worker or handshake lcore");
		i++;
	}
	return 0;
}

static void relay_stop(struct relay *r)
{
	struct sg_ctl_buf b = { 0 };

	stop_flag = 1;
	rte_eal_mp_wait_lcore();
	sg_capture_ctl_fini(&r->plane); /* readers stopped: the file is completed */
	if (r->plane_ok) {
		sg_plane_stats(&r->plane, &b, 0);
		if (b.data)
			fputs(b.data, stdout);
		sg_ctl_buf_free(&b);
	}
	sg_telemetry_fini();
	sg_plane_metrics_fini(&r->plane);
	sg_plane_fini(&r->plane);
	if (r->hs) {
		for (unsigned h = 0; h < r->cfg.handshake_lcores; h++)
			sg_hs_lcore_fini(&r->hs[h]);
		rte_free(r->hs);
	}
	for (unsigned p = 0; p < r->ports_started; p++)
		sg_port_stop(r->cfg.ports[p]);
	if (r->extra) {
		rte_rcu_qsbr_thread_offline(r->sessions.qsbr, r->cfg.workers);
		rte_rcu_qsbr_thread_unregister(r->sessions.qsbr, r->cfg.workers);
	}
	if (r->workers)
		for (unsigned w = 0; w <= r->cfg.workers; w++)
			sg_worker_fini(&r->workers[w]); /* their sessions first, */
	if (r->crypto_ok)
		sg_crypto_ctl_fini(&r->crypto);      /* then the devices */
	rte_free(r->workers);
	for (unsigned w = 0; w <= r->cfg.workers; w++)
	{
		rte_ring_free(r->rings[w]);
		rte_ring_free(r->hs_rings[w]);
	}
	if (r->registry)
		sg_registry_free(r->registry);
	if (r->sessions.slots)
		sg_session_table_fini(&r->sessions); /* wipes every session's keys */
	rte_mempool_free(r->pool);
}

/*
 * The main lcore shares its CPU with others (DESIGN.md), so it must not spin
 * when idle.  Without an extra RX queue to poll it sleeps in poll(2) until a
 * worker hands it frames, the operator socket stirs, or CTL_IDLE_MS pass
 * (the relay clock, expiry and reclamation move on at least that often):
 * ~50 wake-ups a second when idle, and a handshake is answered at once.
 * With an extra RX queue (net_tap, net_af_packet: port.h) nothing kicks it
 * for frames there, so it naps 50 us after work, doubling to 1 ms.
 */
enum { CTL_IDLE_MS = 20, NAP_MIN_US = 50, NAP_MAX_US = 1000 };

static void nap(uint64_t us)
{
	struct timespec ts = { 0, (long)(us * 1000) };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static struct relay r;
	char err[512], b64[SG_KEY_B64_LEN + 1];
	int ours = argc, eal_argc, rc;
	char **eal_argv;
	uint64_t nap_us = NAP_MIN_US;

	signal(SIGHUP, on_hup);

	if (argc == 3 && (strcmp(argv[1], "--genkey") == 0 || strcmp(argv[1], "--pubkey") == 0))
		return key_tool(argv[1], argv[2]);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("surge-relay %s\n", SG_VERSION);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			ours = i;
			break;
		}
	sg_config_defaults(&r.cfg);
	if (parse_args(&r.cfg, ours, argv) != 0)
		return 2;
	r.argc = ours;
	r.argv = argv;
	r.cfg_read = r.cfg;
	if (sg_crypto_init() != 0) {
		fail("libsodium", "cannot initialise");
		return 1;
	}
	r.key = sg_secure_alloc(sizeof(*r.key));
	if (!r.key) {
		fail("key", "cannot allocate locked memory");
		return 1;
	}
	if (sg_keyfile_load(r.cfg.key_file, r.key, err, sizeof(err)) != 0) {
		fprintf(stderr, "surge-relay: %s\n", err);
		sg_secure_free(r.key);
		return 1;
	}

	/* EAL gets argv[0] and everything after "--". */
	eal_argc = ours < argc ? argc - ours : 1;
	eal_argv = ours < argc ? &argv[ours] : argv;
	if (ours < argc)
		eal_argv[0] = argv[0];
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "surge-relay: EAL: %s\n", rte_strerror(rte_errno));
		sg_keypair_wipe(r.key);
		sg_secure_free(r.key);
		return 1;
	}
	if (r.cfg.log_level) /* over EAL's --log-level */
		rte_log_set_global_level(r.cfg.log_level);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hup);
	signal(SIGPIPE, SIG_IGN);

	rc = relay_start(&r);
	if (rc == 0)
		secure_report();
	if (rc == 0) {
		sg_key_to_base64(b64, r.plane.key->pub);
		printf("surge-relay: ready: %u worker(s), %u port(s), udp port %u, public key %s\n",
		       r.cfg.workers, r.cfg.n_ports, r.cfg.udp_port, b64);
		if (r.cfg.store_dir[0])
			printf("surge-relay: store %s: %llu users\n", r.cfg.store_dir,
			       (unsigned long long)sg_registry_count(r.registry));
		else
			printf("surge-relay: no store_dir: users and mailboxes are NOT durable\n");
		fflush(stdout);
		while (!stop_flag) {
			unsigned work;

			if (reload_flag) {
				reload_flag = 0;
				r.plane.policy_reload = 1;
			}
			work = sg_plane_poll(&r.plane);
			sg_telemetry_tick(&r.plane);

			if (r.extra)
				work += sg_worker_poll(r.extra);
			if (work != 0) {
				nap_us = NAP_MIN_US;
			} else if (r.extra) {
				nap(nap_us);
				nap_us = RTE_MIN(nap_us * 2, (uint64_t)NAP_MAX_US);
			} else {
				sg_plane_sleep(&r.plane, CTL_IDLE_MS);
			}
		}
		printf("surge-relay: stopping\n");
	}
	relay_stop(&r);
	if (r.key) { /* start-up failed before the plane's key ring took it */
		sg_keypair_wipe(r.key);
		sg_secure_free(r.key);
	}
	rte_eal_cleanup();
	fflush(stdout);
	return rc == 0 ? 0 : 1;
}
