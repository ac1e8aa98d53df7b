/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the operator socket: request parsing, the relay's non-blocking
 * server and surgectl's client.  Protocol in ctl.h.
 *
 * Invariants:
 * - The server never blocks: one poll() with timeout 0 per call, every fd is
 *   non-blocking, writes that do not fit wait for the next call.
 * - Bounded: at most SG_CTL_MAX_CONNS connections; when they are all taken
 *   a new one takes the slot of the oldest that has not sent its request
 *   (told "ERR 4" and closed), so idle clients cannot lock the operator out;
 *   one whose bytes wait unread in its socket is spared while another can
 *   go (a client accepted in the same burst as a flood of idle ones);
 *   only when every slot is answering does the new one get "ERR 4"; at most
 *   SG_CTL_LINE_MAX + 1 bytes of input each, a
 *   reply body of at most SG_CTL_BODY_MAX, and a 2 s deadline from accept to
 *   the last byte of the reply, after which the connection is dropped
 *   (SG_CTL_DEFER_MS for a deferred request: the wait is ours, not the
 *   client's; a deferred connection is neither read nor polled until its
 *   reply, and its token carries a generation so a reply to a connection
 *   that has gone never reaches the next one in its slot).
 * - A request line must end in '\n': a peer that closes earlier is dropped
 *   unanswered, so a truncated request is never executed.
 * - Every send uses MSG_NOSIGNAL: a peer that goes away cannot SIGPIPE the
 *   relay.  The client bounds its whole call by one deadline.
 * - The server unlinks its socket on close only if it is still the one it
 *   created (same inode), and replaces an existing one only when it is a
 *   socket nobody is listening on.
 */
#include "control/ctl.h"
#include "control/err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
	CTL_DEADLINE_MS = 2000, /* accept to last reply byte */
	CTL_ACCEPT_BURST = 64,  /* accepts per poll call */
	CTL_MSG_MAX = 256,      /* bytes of an ERR message */
	CTL_HDR_MAX = 512,      /* client: longest reply line it accepts */
};

struct ctl_conn {
	int fd;                          /* -1: free slot */
	int replying;                    /* 0: reading the request; 1: writing */
	int deferred;                    /* request taken, reply to come (token) */
	uint64_t deadline_ms;
	unsigned token;                  /* what serve_line hands the handler */
	uint64_t seq;                    /* accept order: the oldest is evicted first */
	size_t in_len;
	char in[SG_CTL_LINE_MAX + 1];    /* request bytes, '\n' included */
	char *out;                       /* out_heap or out_small */
	char *out_heap;
	size_t out_len, out_off;
	char out_small[CTL_MSG_MAX + 32];
};

struct sg_ctl_server {
	int fd;
	dev_t dev;
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_conn conns[SG_CTL_MAX_CONNS];
	unsigned gen[SG_CTL_MAX_CONNS];  /* bumped at every accept into the slot */
	uint64_t accepted;               /* connections accepted so far */
	struct sg_ctl_server_counts n;
};

enum { CTL_SLOT_BITS = 5 }; /* token = gen << CTL_SLOT_BITS | slot */

_Static_assert(SG_CTL_MAX_CONNS <= 1 << CTL_SLOT_BITS, "token slot bits");


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- response bodies ---- */

void sg_ctl_buf_printf(struct sg_ctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (b->oom)
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n >= room) {
		size_t need = b->len + (size_t)n + 1, cap = b->cap ? b->cap : 256;
		char *p;

		if (need > (size_t)SG_CTL_BODY_MAX + 1) {
			b->oom = 1;
			return;
		}
		while (cap < need)
			cap *= 2;
		if (cap > (size_t)SG_CTL_BODY_MAX + 1)
			cap = (size_t)SG_CTL_BODY_MAX + 1;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void sg_ctl_buf_free(struct sg_ctl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void sg_ctl_buf_json_str(struct sg_ctl_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[256 + 8];
	size_t n = 0;

	tmp[n++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (n > sizeof(tmp) - 8) {
			sg_ctl_buf_printf(b, "%.*s", (int)n, tmp);
			n = 0;
		}
		if (ch == '"' || ch == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)ch;
		} else if (ch < 0x20 || ch > 0x7e) {
			memcpy(tmp + n, "\\u00", 4);
			tmp[n + 4] = hex[ch >> 4];
			tmp[n + 5] = hex[ch & 15];
			n += 6;
		} else {
			tmp[n++] = (char)ch;
		}
	}
	tmp[n++] = '"';
	sg_ctl_buf_printf(b, "%.*s", (int)n, tmp);
}

/* ---- requests ---- */

unsigned long long sg_ctl_number(const char *s, unsigned long long max)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 20)
		return 0;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

/* NULL when the line is a valid request (split into r), else the reason. */
static const char *parse_request(struct sg_ctl_request *r, const char *line, size_t len)
{
	char *p;

	r->argc = 0;
	if (len && line[len - 1] == '\n')
		len--;
	if (len == 0)
		return "empty request";
	if (len > SG_CTL_LINE_MAX)
		return "request too long";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 || ch > 0x7e)
			return "bad byte in request";
		if (ch == ' ' && (i == 0 || i == len - 1 || line[i - 1] == ' '))
			return "words must be separated by single spaces";
	}
	memcpy(r->buf, line, len);
	r->buf[len] = '\0';
	for (p = r->buf;;) {
		char *sp = strchr(p, ' ');

		if (r->argc == SG_CTL_MAX_ARGS) {
			r->argc = 0;
			return "too many arguments";
		}
		r->argv[r->argc++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return NULL;
}

int sg_ctl_parse_request(struct sg_ctl_request *r, const char *line, size_t len)
{
	return parse_request(r, line, len) ? -1 : 0;
}

/* ---- server ---- */

static void conn_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out_heap);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Is there a live listener at path?  Used before replacing a socket file. */
static int socket_is_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int live;

	if (fd < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN;
	close(fd);
	return live;
}

/* mkdir the parent of path (one level, mode 0700) when it is missing. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sg_ctl_server *)0)->path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return sg_seterr(err, errlen, "%s: not a directory", dir);
		return 0;
	}
	if (errno != ENOENT)
		return sg_seterr(err, errlen, "%s: %s", dir, strerror(errno));
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return 0; /* made by someone else meanwhile: theirs to keep */
		return sg_seterr(err, errlen, "cannot create %s: %s", dir, strerror(errno));
	}
	if (chmod(dir, 0700) < 0) /* whatever the umask */
		return sg_seterr(err, errlen, "%s: %s", dir, strerror(errno));
	return 0;
}

struct sg_ctl_server *sg_ctl_server_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sg_ctl_server *s;
	struct stat st;
	mode_t old_mask;
	int rc;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		sg_seterr(err, errlen, "control socket path empty or too long (at most %zu bytes)",
		       sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_parent(path, err, errlen) < 0)
		return NULL;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			sg_seterr(err, errlen, "%s: exists and is not a socket", path);
			return NULL;
		}
		if (socket_is_live(&sa)) {
			sg_seterr(err, errlen, "%s: another process is listening there", path);
			return NULL;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			sg_seterr(err, errlen, "%s: cannot remove stale socket: %s", path,
			       strerror(errno));
			return NULL;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		sg_seterr(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	for (int i = 0; i < SG_CTL_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		sg_seterr(err, errlen, "socket: %s", strerror(errno));
		free(s);
		return NULL;
	}
	old_mask = umask(0177);
	rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || chmod(path, 0600) < 0 || stat(path, &st) < 0 ||
	    listen(s->fd, SG_CTL_MAX_CONNS) < 0) {
		sg_seterr(err, errlen, "%s: %s", path, strerror(errno));
		if (rc == 0)
			unlink(path);
		close(s->fd);
		free(s);
		return NULL;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return s;
}

void sg_ctl_server_close(struct sg_ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	for (int i = 0; i < SG_CTL_MAX_CONNS; i++)
		conn_close(&s->conns[i]);
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->fd);
	free(s);
}

static const char *code_text(int code)
{
	switch (code) {
	case SG_CTL_E_VERB:
		return "unknown verb";
	case SG_CTL_E_ARGS:
		return "bad arguments";
	case SG_CTL_E_NOTFOUND:
		return "not found";
	case SG_CTL_E_BUSY:
		return "busy";
	default:
		return "internal error";
	}
}

/* Queue "ERR code msg\n"; msg is cut at its first line and made printable. */
static void reply_err(struct ctl_conn *c, int code, const char *msg, size_t len)
{
	char clean[CTL_MSG_MAX + 1];
	size_t n = 0;
	int hl;

	if (code < SG_CTL_E_VERB || code > SG_CTL_E_INTERNAL)
		code = SG_CTL_E_INTERNAL;
	for (size_t i = 0; msg && i < len && n < CTL_MSG_MAX && msg[i] != '\n'; i++) {
		unsigned char ch = (unsigned char)msg[i];

		clean[n++] = ch < 0x20 || ch > 0x7e ? '?' : (char)ch;
	}
	while (n && clean[n - 1] == ' ')
		n--;
	clean[n] = '\0';
	hl = snprintf(c->out_small, sizeof(c->out_small), "ERR %d %s\n", code,
		      n ? clean : code_text(code));
	c->out = c->out_small;
	c->out_len = (size_t)hl;
	c->out_off = 0;
	c->replying = 1;
}

static void reply_err_str(struct ctl_conn *c, int code, const char *msg)
{
	reply_err(c, code, msg, strlen(msg));
}

static void reply_ok(struct ctl_conn *c, const struct sg_ctl_buf *body)
{
	char hdr[32];
	int hl = snprintf(hdr, sizeof(hdr), "OK %zu\n", body->len);
	char *p = malloc((size_t)hl + body->len);

	if (!p) {
		reply_err_str(c, SG_CTL_E_INTERNAL, "out of memory");
		return;
	}
	memcpy(p, hdr, (size_t)hl);
	if (body->len)
		memcpy(p + hl, body->data, body->len);
	c->out = c->out_heap = p;
	c->out_len = (size_t)hl + body->len;
	c->out_off = 0;
	c->replying = 1;
}

static void serve_line(struct ctl_conn *c, size_t len, sg_ctl_handler h, void *ctx)
{
	struct sg_ctl_request req = { .token = c->token };
	struct sg_ctl_buf body = { 0 };
	const char *why = parse_request(&req, c->in, len);
	int code;

	if (why) {
		reply_err_str(c, SG_CTL_E_ARGS, why);
		return;
	}
	code = h(ctx, &req, &body);
	if (code == SG_CTL_DEFER) {
		c->deferred = 1;
		c->deadline_ms = now_ms() + SG_CTL_DEFER_MS;
	} else if (body.oom)
		reply_err_str(c, SG_CTL_E_INTERNAL, "reply too large or out of memory");
	else if (code == SG_CTL_OK)
		reply_ok(c, &body);
	else
		reply_err(c, code, body.data, body.len);
	sg_ctl_buf_free(&body);
}

/* Read what is there; 1 when a request was served, 0 if not yet, -1: drop. */
static int conn_read(struct ctl_conn *c, sg_ctl_handler h, void *ctx,
		     struct sg_ctl_server_counts *cnt)
{
	while (c->in_len < sizeof(c->in)) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
				 MSG_DONTWAIT);
		char *nl;

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1; /* closed before '\n': never run a cut request */
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			serve_line(c, (size_t)(nl - c->in), h, ctx);
			return 1;
		}
	}
	reply_err_str(c, SG_CTL_E_ARGS, "request too long");
	cnt->too_long++;
	return 1;
}

/* Write what fits; 1 when the reply is out, 0 to continue later, -1: drop. */
static int conn_write(struct ctl_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)n;
	}
	return 1;
}

/* Run one connection as far as it goes now; counts a served request. */
static void conn_step(struct ctl_conn *c, sg_ctl_handler h, void *ctx, int *served,
		      struct sg_ctl_server_counts *cnt)
{
	int r;

	if (!c->replying) {
		r = conn_read(c, h, ctx, cnt);
		if (r < 0) {
			conn_close(c);
			return;
		}
		if (r == 0)
			return;
		(*served)++;
		if (c->deferred)
			return;
	}
	r = conn_write(c);
	if (r != 0)
		conn_close(c);
}

/* Bytes from the peer wait unread in the socket: its request is coming in. */
static int has_input(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/*
 * A slot for a new connection: a free one, else the slot of the oldest
 * connection still waiting for its request line (told "busy" and closed):
 * idle clients must not lock the operator out until their deadline.  The
 * oldest with nothing unread goes first: a client accepted just before a
 * burst of idle connections has usually sent its request by the time the
 * burst is accepted, and it is served in the next round.  NULL when every
 * slot is answering or deferred.
 */
static struct ctl_conn *take_slot(struct sg_ctl_server *s)
{
	static const char evicted[] = "ERR 4 busy: closed for a newer connection (too many "
				      "idle control connections)\n";
	struct ctl_conn *oldest = NULL, *quiet = NULL;

	for (int i = 0; i < SG_CTL_MAX_CONNS; i++) {
		struct ctl_conn *c = &s->conns[i];

		if (c->fd < 0)
			return c;
		if (c->replying || c->deferred)
			continue;
		if (!oldest || c->seq < oldest->seq)
			oldest = c;
		if ((!quiet || c->seq < quiet->seq) && !has_input(c->fd))
			quiet = c;
	}
	if (quiet)
		oldest = quiet;
	if (oldest) {
		if (send(oldest->fd, evicted, sizeof(evicted) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* best effort: the peer sees EOF instead */
		}
		conn_close(oldest);
		s->n.evicted++;
	}
	return oldest;
}

static void accept_new(struct sg_ctl_server *s, sg_ctl_handler h, void *ctx, int *served,
		       int max, uint64_t now)
{
	static const char busy[] = "ERR 4 busy: too many control connections\n";

	for (int k = 0; k < CTL_ACCEPT_BURST; k++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_conn *c;

		if (fd < 0)
			return; /* EAGAIN, or an error the next call retries */
		c = take_slot(s);
		if (!c) {
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* best effort: the peer sees EOF instead */
			}
			close(fd);
			s->n.refused++;
			continue;
		}
		c->fd = fd;
		c->deadline_ms = now + CTL_DEADLINE_MS;
		c->seq = s->accepted++;
		s->gen[c - s->conns]++;
		c->token = s->gen[c - s->conns] << CTL_SLOT_BITS | (unsigned)(c - s->conns);
		if (max <= 0 || *served < max)
			conn_step(c, h, ctx, served, &s->n);
	}
}

int sg_ctl_server_poll(struct sg_ctl_server *s, sg_ctl_handler h, void *ctx, int max_requests)
{
	struct pollfd pfd[SG_CTL_MAX_CONNS + 1];
	int idx[SG_CTL_MAX_CONNS + 1];
	uint64_t now = now_ms();
	int n = 0, served = 0;

	for (int i = 0; i < SG_CTL_MAX_CONNS; i++) {
		struct ctl_conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms) {
			conn_close(c);
			s->n.timed_out++;
			continue;
		}
		if (c->deferred)
			continue;
		pfd[n] = (struct pollfd){ .fd = c->fd, .events = c->replying ? POLLOUT : POLLIN };
		idx[n++] = i;
	}
	pfd[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n + 1, 0) <= 0)
		return 0;
	for (int j = 0; j < n; j++) {
		struct ctl_conn *c = &s->conns[idx[j]];

		if (!pfd[j].revents)
			continue;
		if (!c->replying && max_requests > 0 && served >= max_requests)
			continue;
		conn_step(c, h, ctx, &served, &s->n);
	}
	if (pfd[n].revents & POLLIN)
		accept_new(s, h, ctx, &served, max_requests, now);
	return served;
}

int sg_ctl_server_reply(struct sg_ctl_server *s, unsigned token, int code,
			const struct sg_ctl_buf *body)
{
	unsigned slot = token & ((1u << CTL_SLOT_BITS) - 1);
	struct ctl_conn *c;

	if (slot >= SG_CTL_MAX_CONNS)
		return -1;
	c = &s->conns[slot];
	if (c->fd < 0 || !c->deferred || c->token != token)
		return -1;
	c->deferred = 0;
	c->deadline_ms = now_ms() + CTL_DEADLINE_MS; /* for the client to read it */
	if (body->oom)
		reply_err_str(c, SG_CTL_E_INTERNAL, "reply too large or out of memory");
	else if (code == SG_CTL_OK)
		reply_ok(c, body);
	else
		reply_err(c, code, body->data, body->len);
	switch (conn_write(c)) {
	case 0:
		return 0; /* the rest goes out in later polls */
	case 1:
		conn_close(c);
		return 0;
	default:
		conn_close(c);
		return -1;
	}
}

void sg_ctl_server_counts(const struct sg_ctl_server *s, struct sg_ctl_server_counts *out)
{
	*out = s->n;
}

/* ---- client ---- */

/* Wait for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
unsigned sg_ctl_server_pollfds(const struct sg_ctl_server *s, struct pollfd *pfd, unsigned max)
{
	unsigned n = 0;

	if (max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (unsigned i = 0; i < SG_CTL_MAX_CONNS && n < max; i++)
		if (s->conns[i].fd >= 0 && !s->conns[i].deferred)
			pfd[n++] = (struct pollfd){ .fd = s->conns[i].fd,
						    .events = s->conns[i].replying ? POLLOUT : POLLIN };
	return n;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ms();
		int r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)(deadline - now));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Parse "<digits>" (no sign, no overflow past limit) ending at *end. */
static int parse_size(const char *s, const char *end, size_t limit, size_t *out)
{
	size_t v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > limit)
			return -1;
	}
	*out = v;
	return 0;
}

static int client_connect(const char *path, uint64_t deadline, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
		return sg_seterr(err, errlen, "control socket path empty or too long");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sg_seterr(err, errlen, "socket: %s", strerror(errno));
	/* A Unix socket connects at once or says EAGAIN while the backlog is full. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if ((errno != EAGAIN && errno != EINTR) || now_ms() >= deadline) {
			sg_seterr(err, errlen, "%s: %s", path,
			       errno == EAGAIN ? "relay busy (connect timed out)"
					       : strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len, uint64_t deadline, char *err,
		    size_t errlen)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return sg_seterr(err, errlen, "send: %s", strerror(errno));
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				return sg_seterr(err, errlen, "send: timed out");
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read into buf (have bytes already there) until a '\n' is in it (line) or
 * it is full (!line).  Returns the bytes held, or -1 with err set.
 */
static ssize_t recv_until(int fd, char *buf, size_t have, size_t cap, int line,
			  uint64_t deadline, char *err, size_t errlen)
{
	while (line ? !memchr(buf, '\n', have) : have < cap) {
		ssize_t n;

		if (have == cap)
			return sg_seterr(err, errlen, "reply line too long");
		n = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (n == 0)
			return sg_seterr(err, errlen, "connection closed before the reply ended");
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return sg_seterr(err, errlen, "recv: %s", strerror(errno));
		if (wait_fd(fd, POLLIN, deadline) <= 0)
			return sg_seterr(err, errlen, "timed out waiting for the reply");
	}
	return (ssize_t)have;
}

/*
 * Parse "ERR <code> <message>": the code, the message into err; -1 if
 * malformed.  The message is shown to an operator: a byte that is not
 * printable ASCII becomes '?' (the relay sends none, reply_err cleans its
 * own), and an empty message is the code's text, as the relay would send.
 */
static int parse_err_line(const char *line, size_t len, char *err, size_t errlen)
{
	const char *code = line + 4, *sp = memchr(code, ' ', len - 4), *msg;
	size_t v, mlen, n = 0;

	if (!sp || parse_size(code, sp, 999, &v) < 0 || v == 0)
		return sg_seterr(err, errlen, "malformed reply from the relay");
	msg = sp + 1;
	mlen = len - (size_t)(msg - line);
	if (mlen == 0) {
		sg_seterr(err, errlen, "%s", code_text((int)v));
		return (int)v;
	}
	if (err && errlen) {
		for (size_t i = 0; i < mlen && n + 1 < errlen; i++) {
			unsigned char ch = (unsigned char)msg[i];

			err[n++] = ch < 0x20 || ch > 0x7e ? '?' : (char)ch;
		}
		err[n] = '\0';
	}
	return (int)v;
}

int sg_ctl_call(const char *path, const char *request, int timeout_ms, char **body,
		size_t *body_len, char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	char line[SG_CTL_LINE_MAX + 1];
	char hdr[CTL_HDR_MAX], serr[128] = "";
	size_t rlen = strlen(request), hlen, blen;
	char *nl, *b;
	ssize_t got;
	int fd, rc = -1;

	if (body)
		*body = NULL;
	if (body_len)
		*body_len = 0;
	if (rlen > SG_CTL_LINE_MAX || memchr(request, '\n', rlen)) {
		sg_seterr(err, errlen, "request too long or not one line");
		return SG_CTL_E_ARGS;
	}
	memcpy(line, request, rlen);
	line[rlen] = '\n';
	fd = client_connect(path, deadline, err, errlen);
	if (fd < 0)
		return -1;
	if (send_all(fd, line, rlen + 1, deadline, serr, sizeof(serr)) < 0)
		deadline = now_ms(); /* a reply may be queued already (busy) */
	got = recv_until(fd, hdr, 0, sizeof(hdr), 1, deadline, err, errlen);
	if (got < 0) {
		if (serr[0])
			sg_seterr(err, errlen, "%s", serr);
		goto out;
	}
	nl = memchr(hdr, '\n', (size_t)got);
	hlen = (size_t)(nl - hdr);
	if (hlen > 4 && memcmp(hdr, "ERR ", 4) == 0) {
		rc = parse_err_line(hdr, hlen, err, errlen);
		goto out;
	}
	if (hlen < 4 || memcmp(hdr, "OK ", 3) != 0 ||
	    parse_size(hdr + 3, nl, SG_CTL_BODY_MAX, &blen) < 0) {
		sg_seterr(err, errlen, "malformed reply from the relay");
		goto out;
	}
	b = malloc(blen + 1);
	if (!b) {
		sg_seterr(err, errlen, "out of memory for a %zu-byte reply", blen);
		goto out;
	}
	/* bytes after the header line already read belong to the body */
	got -= (ssize_t)hlen + 1;
	if ((size_t)got > blen)
		got = (ssize_t)blen;
	memcpy(b, nl + 1, (size_t)got);
	if (recv_until(fd, b, (size_t)got, blen, 0, deadline, err, errlen) < 0) {
		free(b);
		goto out;
	}
	b[blen] = '\0';
	if (body)
		*body = b;
	else
		free(b);
	if (body_len)
		*body_len = blen;
	rc = SG_CTL_OK;
out:
	close(fd);
	if (rc < 0 && err && errlen) { /* name the socket, as connect errors do */
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		sg_seterr(err, errlen, "%s: %s", path, why);
	}
	return rc;
}
