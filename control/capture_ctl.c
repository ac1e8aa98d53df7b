/* SPDX-License-Identifier: MIT */
/*
 * capture_ctl.c - packet capture, the control plane's side (capture_ctl.h):
 * the "capture" verb, the capture's file and life cycle, and the drain of
 * the readers' rings into the file.
 *
 * Life cycle: idle -> running (descriptor published) -> stopping
 * (unpublished at a bound, by "capture stop" or a write error; the queued
 * copies are still written within the bounds) -> stopped, once the
 * readers' grace period has passed and every ring is empty: the file is
 * closed, the descriptor freed and its counts kept for status.  A "capture
 * stop" is answered then (deferred), so the file is complete when surgectl
 * returns.  A new start is refused (busy) until the previous capture is
 * stopped.
 *
 * Bounds: at most count frames and size bytes in the file (its headers
 * included); a copy that would pass either is freed, counted as over_limit,
 * and the capture stops.  Budget: CAPTURE_BUDGET copies written a round.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng is experimental in 22.11 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "capture_ctl.h"
#include "plane.h"

enum {
	CAPTURE_BUDGET = 512, /* copies taken from the rings a round, at most */
	CAPTURE_BATCH = 32,
	CAPTURE_POOL_CACHE = 64,
	CAPTURE_SIZE_MIN = 4096,
};

enum state { ST_IDLE, ST_RUNNING, ST_STOPPING, ST_STOPPED };
static const char *const state_names[] = { "idle", "running", "stopping", "stopped" };

struct sg_capture {
	struct sg_capture_desc *slot;   /* published: readers load it once per burst */
	struct sg_capture_desc *cur;    /* running or stopping, else NULL */
	sg_capture_tap_fn tap;
	struct rte_ring *rings[SG_CFG_MAX_WORKERS + 1];
	unsigned n_readers;             /* the last one is the control lcore */
	struct rte_mempool *mp;
	rte_pcapng_t *pcapng;
	enum state state;
	uint64_t token;                 /* cur's grace period, once unpublished */
	int answer;                     /* a "capture stop" waits for the close */
	unsigned answer_token;
	int answer_json;
	/* The current or the last capture, for status. */
	uint32_t id;
	uint8_t mode;
	uint16_t port;
	uint32_t session;
	char path[SG_CAPTURE_PATH_MAX + 1];
	uint64_t count_max, size_max;
	uint64_t written, bytes;        /* frames in the file, its size */
	uint64_t over;                  /* copies freed unwritten: past a bound or an error */
	int full;                       /* a bound was reached: nothing more is written */
	struct sg_capture_reader total; /* the readers' counts, once stopped */
	const char *reason;             /* why it stopped (or is stopping) */
	char error[SG_CAPTURE_PATH_MAX + 128]; /* the write error, when that is the reason */
	struct timespec started, ended;
};

static double seconds(const struct sg_capture *c)
{
	struct timespec now;
	const struct timespec *e = &c->ended;

	if (c->state == ST_RUNNING) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		e = &now;
	}
	return (double)(e->tv_sec - c->started.tv_sec) +
	       (double)(e->tv_nsec - c->started.tv_nsec) / 1e9;
}

/* The readers' counts: a relaxed snapshot while cur lives, else the final ones. */
static void totals(const struct sg_capture *c, struct sg_capture_reader *t)
{
	if (!c->cur) {
		*t = c->total;
		return;
	}
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < c->n_readers; i++) {
		const struct sg_capture_reader *r = &c->cur->readers[i];

		t->captured += __atomic_load_n(&r->captured, __ATOMIC_RELAXED);
		t->ring_full += __atomic_load_n(&r->ring_full, __ATOMIC_RELAXED);
		t->no_mbuf += __atomic_load_n(&r->no_mbuf, __ATOMIC_RELAXED);
	}
}

/* Unpublish: readers stop copying within their grace period. */
static void stop(struct sg_plane *p, const char *reason)
{
	struct sg_capture *c = p->capture;

	if (c->state != ST_RUNNING)
		return;
	__atomic_store_n(&c->slot, NULL, __ATOMIC_RELEASE);
	c->token = rte_rcu_qsbr_start(p->sessions->qsbr);
	c->state = ST_STOPPING;
	c->reason = reason;
	clock_gettime(CLOCK_MONOTONIC, &c->ended);
}

/* Write what fits the bounds of n copies; free them all. */
static void write_copies(struct sg_plane *p, struct rte_mbuf **ms, unsigned n)
{
	struct sg_capture *c = p->capture;
	struct rte_mbuf *ok[CAPTURE_BATCH];
	uint64_t bytes = 0;
	unsigned k = 0;
	ssize_t w;

	for (unsigned i = 0; i < n && !c->full; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(ms[i]);

		if (c->written + k >= c->count_max) {
			c->full = 1;
			break;
		}
		if (c->bytes + bytes + len > c->size_max) {
			c->full = 1;
			stop(p, "size");
			break;
		}
		ok[k++] = ms[i];
		bytes += len;
	}
	c->over += n - k;
	if (k) {
		w = rte_pcapng_write_packets(c->pcapng, ok, (uint16_t)k);
		if (w < 0) {
			snprintf(c->error, sizeof(c->error), "writing %s: %s", c->path,
				 strerror(errno));
			c->full = 1;
			c->over += k;
			stop(p, "write_error");
		} else {
			c->written += k;
			c->bytes += (uint64_t)w;
		}
	}
	if (c->written >= c->count_max) {
		c->full = 1;
		stop(p, "count");
	}
	rte_pktmbuf_free_bulk(ms, n);
}

/* Up to budget copies from the rings into the file; returns copies taken. */
static unsigned drain(struct sg_plane *p, unsigned budget)
{
	struct sg_capture *c = p->capture;
	struct rte_mbuf *ms[CAPTURE_BATCH];
	unsigned got = 0;

	for (unsigned i = 0; i < c->n_readers && got < budget; i++) {
		unsigned n;

		do {
			n = rte_ring_sc_dequeue_burst(c->rings[i], (void **)ms,
						      RTE_MIN(CAPTURE_BATCH, budget - got), NULL);
			if (n)
				write_copies(p, ms, n);
			got += n;
		} while (n && got < budget);
	}
	return got;
}

static void status(const struct sg_plane *p, struct sg_ctl_buf *b, int json);

/* Stopping and past the grace period: the last copies, close, keep the counts. */
static void finish(struct sg_plane *p)
{
	struct sg_capture *c = p->capture;
	struct sg_ctl_buf b = { 0 };

	/* No reader copies any more: the rings hold at most SG_CAPTURE_RING each. */
	drain(p, c->n_readers * SG_CAPTURE_RING);
	totals(c, &c->total);
	rte_pcapng_close(c->pcapng); /* closes the file descriptor too */
	c->pcapng = NULL;
	rte_free(c->cur);
	c->cur = NULL;
	c->state = ST_STOPPED;
	if (c->answer) {
		c->answer = 0;
		status(p, &b, c->answer_json);
		if (p->ctl)
			sg_ctl_server_reply(p->ctl, c->answer_token, b.oom ? SG_CTL_E_INTERNAL :
									   SG_CTL_OK, &b);
		sg_ctl_buf_free(&b);
	}
}

unsigned sg_plane_capture_poll(struct sg_plane *p)
{
	struct sg_capture *c = p->capture;
	unsigned got;

	if (!c || !c->cur)
		return 0;
	got = drain(p, CAPTURE_BUDGET);
	if (c->state == ST_STOPPING && rte_rcu_qsbr_check(p->sessions->qsbr, c->token, false) == 1)
		finish(p);
	return got;
}

void sg_plane_capture_tx(struct sg_plane *p, const struct rte_mbuf *m, uint16_t port)
{
	struct sg_capture *c = p->capture;

	if (c && c->state == ST_RUNNING)
		c->tap(c->cur, c->n_readers - 1, port, (uint16_t)p->n_workers, m, 1);
}

static void status(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	const struct sg_capture *c = p->capture;
	struct sg_capture_reader t;
	char what[32];

	totals(c, &t);
	if (c->mode == SG_CAPTURE_PORT)
		snprintf(what, sizeof(what), "port %u", c->port);
	else
		snprintf(what, sizeof(what), "session %u", c->session);
	if (json) {
		sg_ctl_buf_printf(b, "{\"state\": \"%s\"", state_names[c->state]);
		if (c->state == ST_IDLE) {
			sg_ctl_buf_printf(b, "}\n");
			return;
		}
		sg_ctl_buf_printf(b, ", \"id\": %u, \"mode\": \"%s\", \"port\": ", c->id,
				  c->mode == SG_CAPTURE_PORT ? "port" : "session");
		if (c->mode == SG_CAPTURE_PORT)
			sg_ctl_buf_printf(b, "%u, \"session\": null", c->port);
		else
			sg_ctl_buf_printf(b, "null, \"session\": %u", c->session);
		sg_ctl_buf_printf(b, ", \"file\": ");
		sg_ctl_buf_json_str(b, c->path, strlen(c->path));
		sg_ctl_buf_printf(b, ", \"count_limit\": %llu, \"size_limit\": %llu, "
				     "\"captured\": %llu, \"written\": %llu, \"bytes\": %llu, "
				     "\"dropped\": %llu, \"ring_full\": %llu, \"no_mbuf\": %llu, "
				     "\"over_limit\": %llu, \"seconds\": %.3f, \"stop_reason\": ",
				  (unsigned long long)c->count_max, (unsigned long long)c->size_max,
				  (unsigned long long)t.captured, (unsigned long long)c->written,
				  (unsigned long long)c->bytes,
				  (unsigned long long)(t.ring_full + t.no_mbuf),
				  (unsigned long long)t.ring_full, (unsigned long long)t.no_mbuf,
				  (unsigned long long)c->over, seconds(c));
		if (c->reason)
			sg_ctl_buf_printf(b, "\"%s\"", c->reason);
		else
			sg_ctl_buf_printf(b, "null");
		sg_ctl_buf_printf(b, ", \"error\": ");
		if (c->error[0])
			sg_ctl_buf_json_str(b, c->error, strlen(c->error));
		else
			sg_ctl_buf_printf(b, "null");
		sg_ctl_buf_printf(b, "}\n");
		return;
	}
	if (c->state == ST_IDLE) {
		sg_ctl_buf_printf(b, "no capture since the relay started\n");
		return;
	}
	sg_ctl_buf_printf(b, "capture %u: %s", c->id, state_names[c->state]);
	if (c->reason)
		sg_ctl_buf_printf(b, " (%s%s)", c->reason,
				  strcmp(c->reason, "count") == 0 || strcmp(c->reason, "size") == 0 ?
					  " limit reached" : "");
	sg_ctl_buf_printf(b, ", %s into %s, %.1f s\n", what, c->path, seconds(c));
	sg_ctl_buf_printf(b, "  written   %llu of %llu frames, %llu of %llu bytes\n",
			  (unsigned long long)c->written, (unsigned long long)c->count_max,
			  (unsigned long long)c->bytes, (unsigned long long)c->size_max);
	sg_ctl_buf_printf(b, "  captured  %llu; dropped %llu (ring full %llu, no mbuf %llu); "
			     "over the limit %llu\n",
			  (unsigned long long)t.captured,
			  (unsigned long long)(t.ring_full + t.no_mbuf),
			  (unsigned long long)t.ring_full, (unsigned long long)t.no_mbuf,
			  (unsigned long long)c->over);
	if (c->error[0])
		sg_ctl_buf_printf(b, "  error: %s\n", c->error);
}

/* A decimal 1..max (a session index also as 0x hex); 0 when s is not one. */
static uint64_t parse_num(const char *s, uint64_t max, int hex)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || (!hex && (s[0] == '0' && s[1])))
		return 0;
	errno = 0;
	v = strtoull(s, &end, hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end || v > max)
		return 0;
	return v;
}

/* Create the file (never an existing one); the fd, or -1 with the reason in b. */
static int create(const char *path, struct sg_ctl_buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0) {
		fchmod(fd, 0600); /* whatever the relay's umask */
		return fd;
	}
	if (errno == EEXIST)
		sg_ctl_buf_printf(b, "capture start: %s exists: a capture never overwrites a file; "
				     "remove it or choose another name", path);
	else if (errno == ENOENT || errno == ENOTDIR)
		sg_ctl_buf_printf(b, "capture start: the directory of %s does not exist: create "
				     "it first", path);
	else if (errno == EACCES || errno == EPERM || errno == EROFS)
		sg_ctl_buf_printf(b, "capture start: the relay cannot create %s (%s): choose a "
				     "directory the relay's user may write to", path, strerror(errno));
	else
		sg_ctl_buf_printf(b, "capture start: cannot create %s: %s", path, strerror(errno));
	return -1;
}

static int start(struct sg_plane *p, const struct sg_ctl_request *r, int a, int json,
		 struct sg_ctl_buf *b)
{
	struct sg_capture *c = p->capture;
	struct sg_capture_desc *d;
	struct sg_session *s = NULL;
	const char *path = NULL;
	uint64_t count = SG_CAPTURE_COUNT_DEFAULT, size = SG_CAPTURE_SIZE_DEFAULT, v;
	long port = -1, session = -1;
	char comment[64];
	struct timespec now;
	unsigned pi;
	int fd, miss;
	off_t head;

	for (; a < r->argc; a += 2) {
		const char *k = r->argv[a], *val = a + 1 < r->argc ? r->argv[a + 1] : NULL;

		if (!val) {
			sg_ctl_buf_printf(b, "capture start: '%s' needs a value", k);
			return SG_CTL_E_ARGS;
		}
		if (!strcmp(k, "port") && port < 0) {
			if (strlen(val) > 5 || (v = parse_num(val, 65535, 0), v == 0 && strcmp(val, "0"))) {
				sg_ctl_buf_printf(b, "capture start: port '%s' is not a port id", val);
				return SG_CTL_E_ARGS;
			}
			port = (long)v;
		} else if (!strcmp(k, "session") && session < 0) {
			if (!(v = parse_num(val, UINT32_MAX, 1))) {
				sg_ctl_buf_printf(b, "capture start: session '%s' is not a session "
						     "index (1..4294967295)", val);
				return SG_CTL_E_ARGS;
			}
			session = (long)v;
		} else if (!strcmp(k, "file") && !path) {
			path = val;
		} else if (!strcmp(k, "count")) {
			if (!(count = parse_num(val, SG_CAPTURE_COUNT_MAX, 0))) {
				sg_ctl_buf_printf(b, "capture start: count '%s' is not 1..%d", val,
						  SG_CAPTURE_COUNT_MAX);
				return SG_CTL_E_ARGS;
			}
		} else if (!strcmp(k, "size")) {
			size = parse_num(val, SG_CAPTURE_SIZE_MAX, 0);
			if (size < CAPTURE_SIZE_MIN) {
				sg_ctl_buf_printf(b, "capture start: size '%s' is not %d..%llu bytes",
						  val, CAPTURE_SIZE_MIN, SG_CAPTURE_SIZE_MAX);
				return SG_CTL_E_ARGS;
			}
		} else {
			sg_ctl_buf_printf(b, "capture start: unexpected '%s' (port N | session ID, "
					     "file PATH, count N, size BYTES)", k);
			return SG_CTL_E_ARGS;
		}
	}
	if ((port < 0) == (session < 0)) {
		sg_ctl_buf_printf(b, "capture start: name one port or one session (not both)");
		return SG_CTL_E_ARGS;
	}
	if (!path || path[0] != '/' || strlen(path) > SG_CAPTURE_PATH_MAX) {
		sg_ctl_buf_printf(b, "capture start: file needs an absolute path of at most %d "
				     "bytes", SG_CAPTURE_PATH_MAX);
		return SG_CTL_E_ARGS;
	}
	if (c->state == ST_RUNNING || c->state == ST_STOPPING) {
		sg_ctl_buf_printf(b, "busy: capture %u (%s %u into %s) is %s; surgectl capture stop "
				     "first", c->id, c->mode == SG_CAPTURE_PORT ? "port" : "session",
				  c->mode == SG_CAPTURE_PORT ? c->port : c->session, c->path,
				  state_names[c->state]);
		return SG_CTL_E_BUSY;
	}
	if (port >= 0) {
		for (pi = 0; pi < p->cfg->n_ports && p->cfg->ports[pi] != port; pi++)
			;
		if (pi == p->cfg->n_ports) {
			sg_ctl_buf_printf(b, "capture start: the relay has no port %ld (its ports:",
					  port);
			for (pi = 0; pi < p->cfg->n_ports; pi++)
				sg_ctl_buf_printf(b, " %u", p->cfg->ports[pi]);
			sg_ctl_buf_printf(b, ")");
			return SG_CTL_E_NOTFOUND;
		}
	} else if (!(s = sg_session_get(p->sessions, (uint32_t)session, &miss))) {
		sg_ctl_buf_printf(b, "capture start: no live session %ld", session);
		return SG_CTL_E_NOTFOUND;
	}
	d = rte_zmalloc("sg_capture_desc", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (!d) {
		sg_ctl_buf_printf(b, "capture start: out of memory");
		return SG_CTL_E_INTERNAL;
	}
	fd = create(path, b);
	if (fd < 0) {
		rte_free(d);
		return SG_CTL_E_ARGS;
	}
	snprintf(comment, sizeof(comment), "surge capture %u of %s %ld", c->id + 1,
		 port >= 0 ? "port" : "session", port >= 0 ? port : session);
	c->pcapng = rte_pcapng_fdopen(fd, NULL, NULL, "surge-relay " SG_VERSION, comment);
	head = c->pcapng ? lseek(fd, 0, SEEK_CUR) : -1;
	if (!c->pcapng || head < 0 || (uint64_t)head >= size) {
		sg_ctl_buf_printf(b, "capture start: cannot write the pcapng header to %s: %s", path,
				  c->pcapng ? "size too small" : rte_strerror(rte_errno));
		if (c->pcapng)
			rte_pcapng_close(c->pcapng);
		else
			close(fd);
		c->pcapng = NULL;
		unlink(path);
		rte_free(d);
		return SG_CTL_E_INTERNAL;
	}
	d->mode = port >= 0 ? SG_CAPTURE_PORT : SG_CAPTURE_SESSION;
	d->port = port >= 0 ? (uint16_t)port : 0;
	if (s) {
		d->filter.session = (uint32_t)session;
		d->filter.peer_index = s->peer_index;
		d->filter.peer_port = s->ep.port;
	}
	d->count = count;
	clock_gettime(CLOCK_REALTIME, &now);
	d->tsc0 = rte_get_tsc_cycles();
	d->ns0 = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	d->tsc_hz = rte_get_tsc_hz();
	d->mp = c->mp;
	d->rings = c->rings;

	c->id++;
	c->mode = d->mode;
	c->port = d->port;
	c->session = d->filter.session;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->count_max = count;
	c->size_max = size;
	c->written = 0;
	c->bytes = (uint64_t)head;
	c->over = 0;
	c->full = 0;
	c->reason = NULL;
	c->error[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->cur = d;
	c->state = ST_RUNNING;
	__atomic_store_n(&c->slot, d, __ATOMIC_RELEASE);
	status(p, b, json);
	return SG_CTL_OK;
}

int sg_plane_capture_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	struct sg_capture *c = p->capture;
	const char *sub = r->argc > 1 ? r->argv[1] : "";
	int json = r->argc > 2 && strcmp(r->argv[2], "json") == 0;
	int a = 2 + json;

	if (!c) {
		sg_ctl_buf_printf(b, "capture: not available in this relay");
		return SG_CTL_E_INTERNAL;
	}
	if (!strcmp(sub, "status") && r->argc == a) {
		status(p, b, json);
		return SG_CTL_OK;
	}
	if (!strcmp(sub, "stop") && r->argc == a) {
		if (c->state != ST_RUNNING && c->state != ST_STOPPING) {
			sg_ctl_buf_printf(b, "capture stop: no capture is running");
			if (c->state == ST_STOPPED)
				sg_ctl_buf_printf(b, " (capture %u stopped: %s)", c->id, c->reason);
			return SG_CTL_E_NOTFOUND;
		}
		if (c->answer) {
			sg_ctl_buf_printf(b, "capture stop: another stop is waiting for the file "
					     "to be closed");
			return SG_CTL_E_BUSY;
		}
		stop(p, "operator");
		c->answer = 1;
		c->answer_token = r->token;
		c->answer_json = json;
		return SG_CTL_DEFER;
	}
	if (!strcmp(sub, "start"))
		return start(p, r, a, json, b);
	sg_ctl_buf_printf(b, "usage: capture start (port N | session ID) file PATH [count N] "
			     "[size BYTES] | capture stop | capture status (json after the "
			     "sub-command)");
	return SG_CTL_E_ARGS;
}

struct sg_capture_desc **sg_capture_ctl_slot(struct sg_plane *p)
{
	return p->capture ? &p->capture->slot : NULL;
}

int sg_capture_ctl_init(struct sg_plane *p, unsigned n_readers, int socket, sg_capture_tap_fn tap,
			char *err, size_t errlen)
{
	struct sg_capture *c;

	if (n_readers == 0 || n_readers > SG_CFG_MAX_WORKERS + 1) {
		snprintf(err, errlen, "capture: %u readers", n_readers);
		return -1;
	}
	c = rte_zmalloc("sg_capture", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (!c) {
		snprintf(err, errlen, "capture: out of memory");
		return -1;
	}
	p->capture = c;
	c->tap = tap;
	c->n_readers = n_readers;
	for (unsigned i = 0; i < n_readers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "sg_capture_%u", i);
		c->rings[i] = rte_ring_create(name, SG_CAPTURE_RING, socket,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!c->rings[i]) {
			snprintf(err, errlen, "capture ring: %s", rte_strerror(rte_errno));
			return -1;
		}
	}
	/* Every ring full, plus what sits in the readers' caches. */
	c->mp = rte_pktmbuf_pool_create("sg_capture", n_readers * SG_CAPTURE_RING +
							 (n_readers + 1) * CAPTURE_POOL_CACHE,
					CAPTURE_POOL_CACHE, 0,
					(uint16_t)rte_pcapng_mbuf_size(SG_CAPTURE_SNAPLEN), socket);
	if (!c->mp) {
		snprintf(err, errlen, "capture pool: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void sg_capture_ctl_fini(struct sg_plane *p)
{
	struct sg_capture *c = p->capture;

	if (!c)
		return;
	if (c->cur) {
		/* The readers have stopped: nothing copies any more. */
		stop(p, "relay_stopping");
		finish(p);
	}
	for (unsigned i = 0; i < c->n_readers; i++)
		rte_ring_free(c->rings[i]);
	rte_mempool_free(c->mp);
	rte_free(c);
	p->capture = NULL;
}
