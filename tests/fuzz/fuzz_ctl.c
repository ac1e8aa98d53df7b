/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ctl.c - the operator socket protocol (control/ctl.c), both ways,
 * over real Unix sockets:
 *
 *   relay side: the bytes a client sends, in one or two writes, read by
 *     sg_ctl_server_poll (framing, the line limit, sg_ctl_parse_request)
 *     and answered by a handler that uses the request as the relay's verbs
 *     do (sg_ctl_number on arguments, sg_ctl_buf_json_str of every word,
 *     errors with the argument in the message, a deferred answer through
 *     sg_ctl_server_reply); the reply read back must be "OK <n>\n" and n
 *     bytes, or one "ERR <code> <message>\n" line;
 *   surgectl side: sg_ctl_call against a server thread that answers the
 *     input's bytes and closes (the status line, the body length, a body
 *     cut short, an ERR line with any code);
 *   and sg_ctl_parse_request, sg_ctl_number on the bytes directly.
 *
 * Input: mode (1) then
 *   0 server: split point (2), the bytes the client sends (then it shuts
 *     its side down, so a request without '\n' is dropped unanswered)
 *   1 client: the bytes the relay answers
 *   2 words: the bytes as a request line and as numbers
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/ctl.h"
#include "fuzz.h"

/* ------------------------------------------------------------ relay side */

static struct sg_ctl_server *server;
static char server_path[108], answer_path[108];
static int deferred_token = -1;

static int handler(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *body)
{
	unsigned long long v;

	(void)ctx;
	FUZZ_CHECK(r->argc >= 1 && r->argc <= SG_CTL_MAX_ARGS);
	for (int i = 0; i < r->argc; i++)
		FUZZ_CHECK(r->argv[i][0] != '\0' && !strchr(r->argv[i], ' '));
	if (strcmp(r->argv[0], "defer") == 0) {
		deferred_token = (int)r->token;
		return SG_CTL_DEFER;
	}
	if (strcmp(r->argv[0], "error") == 0) {
		/* An error message built from the request, as "not found: ..." is. */
		int code = r->argc > 2 ? (int)sg_ctl_number(r->argv[2], 200) : SG_CTL_E_NOTFOUND;

		sg_ctl_buf_printf(body, "no such thing: %s\nsecond line", r->argc > 1 ? r->argv[1] : "");
		if (code == SG_CTL_DEFER)
			deferred_token = (int)r->token;
		return code;
	}
	if (strcmp(r->argv[0], "big") == 0 && r->argc > 1) {
		/* A long body: up to 4 x 64 KiB, or past SG_CTL_BODY_MAX (oom path) with "huge". */
		v = sg_ctl_number(r->argv[1], 4);
		for (unsigned long long k = 0; k < v * 1024; k++)
			sg_ctl_buf_printf(body, "%063llu\n", k);
		if (r->argc > 2 && strcmp(r->argv[2], "huge") == 0)
			sg_ctl_buf_printf(body, "%*s", SG_CTL_BODY_MAX, "");
		return SG_CTL_OK;
	}
	sg_ctl_buf_printf(body, "{\"verb\": ");
	sg_ctl_buf_json_str(body, r->argv[0], strlen(r->argv[0]));
	for (int i = 1; i < r->argc; i++) {
		v = sg_ctl_number(r->argv[i], 1000000);
		sg_ctl_buf_printf(body, ", \"arg%d\": %llu, \"text%d\": ", i, v, i);
		sg_ctl_buf_json_str(body, r->argv[i], strlen(r->argv[i]));
	}
	sg_ctl_buf_printf(body, "}\n");
	return SG_CTL_OK;
}

static void server_open(void)
{
	char err[256];

	snprintf(server_path, sizeof(server_path), "/tmp/surge-fuzz-ctl-%d.sock", (int)getpid());
	server = sg_ctl_server_open(server_path, err, sizeof(err));
	if (!server) {
		fprintf(stderr, "fuzz_ctl: %s\n", err);
		abort();
	}
}

static void server_close(void)
{
	sg_ctl_server_close(server);
	unlink(answer_path);
}

static int client_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	FUZZ_CHECK(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

/* Everything the relay answers, polling it meanwhile, until it closes. */
static size_t read_reply(int fd, char *out, size_t cap)
{
	size_t got = 0;

	for (int rounds = 0; rounds < 100000; rounds++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		(void)sg_ctl_server_poll(server, handler, NULL, 4);
		if (deferred_token >= 0) {
			struct sg_ctl_buf b = { 0 };

			sg_ctl_buf_printf(&b, "deferred answer\n");
			(void)sg_ctl_server_reply(server, (unsigned)deferred_token, SG_CTL_OK, &b);
			sg_ctl_buf_free(&b);
			deferred_token = -1;
		}
		if (poll(&p, 1, 0) <= 0)
			continue;
		n = recv(fd, out + got, cap - got, MSG_DONTWAIT);
		if (n == 0)
			return got;
		if (n < 0) {
			FUZZ_CHECK(errno == EAGAIN || errno == EINTR || errno == ECONNRESET);
			if (errno == ECONNRESET)
				return got;
			continue;
		}
		got += (size_t)n;
		FUZZ_CHECK(got < cap);
	}
	FUZZ_CHECK(!"the relay neither answered nor closed");
	return got;
}

/* "OK <n>\n" + n bytes, or one "ERR <code> <msg>\n" line, or nothing. */
static void check_reply(const char *r, size_t len, int had_newline)
{
	const char *nl = memchr(r, '\n', len);
	char *end;
	unsigned long v;

	if (len == 0) {
		FUZZ_CHECK(!had_newline); /* a whole line is always answered */
		return;
	}
	FUZZ_CHECK(nl != NULL);
	if (len >= 3 && memcmp(r, "OK ", 3) == 0) {
		v = strtoul(r + 3, &end, 10);
		FUZZ_CHECK(end == nl && (size_t)(nl + 1 - r) + v == len);
		return;
	}
	FUZZ_CHECK(len > 6 && memcmp(r, "ERR ", 4) == 0);
	v = strtoul(r + 4, &end, 10);
	FUZZ_CHECK(v >= 1 && v <= 5 && *end == ' ' && nl == r + len - 1);
	for (const char *p = r; p < nl; p++)
		FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
}

static void mode_server(struct fz *f)
{
	static char reply[SG_CTL_BODY_MAX + 4096];
	size_t split = fz_u16(f), len, got;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	int fd = client_socket(server_path);
	int had_newline = memchr(p, '\n', len < SG_CTL_LINE_MAX + 1 ? len : SG_CTL_LINE_MAX + 1) != NULL;

	if (split > len)
		split = len;
	/* Two writes with the relay polled between: a request may arrive in pieces. */
	if (split && send(fd, p, split, MSG_NOSIGNAL) != (ssize_t)split)
		abort();
	(void)sg_ctl_server_poll(server, handler, NULL, 4);
	if (len > split) {
		/* The relay stops reading after the line limit and may close first. */
		(void)send(fd, p + split, len - split, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	shutdown(fd, SHUT_WR);
	got = read_reply(fd, reply, sizeof(reply));
	/* A line longer than the limit is refused: the relay answers, no '\n' needed. */
	check_reply(reply, got, had_newline || len > SG_CTL_LINE_MAX);
	close(fd);
}

/* ---------------------------------------------------------- surgectl side */

static pthread_t answerer;
static int answer_listen = -1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static const uint8_t *answer_bytes;
static size_t answer_len;
static int answer_ready, answer_done;

/* The fake relay: accept, read the request line, answer the input, close. */
static void *answer_main(void *arg)
{
	(void)arg;
	for (;;) {
		char line[SG_CTL_LINE_MAX + 2];
		size_t have = 0, off = 0;
		int fd = accept(answer_listen, NULL, NULL);

		if (fd < 0)
			continue;
		pthread_mutex_lock(&mu);
		while (!answer_ready)
			pthread_cond_wait(&cv, &mu);
		answer_ready = 0;
		pthread_mutex_unlock(&mu);
		while (have < sizeof(line) && !memchr(line, '\n', have)) {
			ssize_t n = recv(fd, line + have, sizeof(line) - have, 0);

			if (n <= 0)
				break;
			have += (size_t)n;
		}
		while (off < answer_len) {
			ssize_t n = send(fd, answer_bytes + off, answer_len - off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n <= 0)
				break; /* the client stopped reading (it has what it needs) */
			off += (size_t)n;
		}
		close(fd);
		pthread_mutex_lock(&mu);
		answer_done = 1;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void answerer_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(answer_path, sizeof(answer_path), "/tmp/surge-fuzz-ctlc-%d.sock", (int)getpid());
	unlink(answer_path);
	memcpy(sa.sun_path, answer_path, strlen(answer_path) + 1);
	answer_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (answer_listen < 0 || bind(answer_listen, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(answer_listen, 4) != 0 ||
	    pthread_create(&answerer, NULL, answer_main, NULL) != 0)
		abort();
	pthread_detach(answerer);
}

static void mode_client(struct fz *f)
{
	size_t len, blen = 0;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	char err[512], *body = NULL;
	struct timespec t0, t1;
	int rc;

	pthread_mutex_lock(&mu);
	answer_bytes = p;
	answer_len = len;
	answer_ready = 1;
	answer_done = 0;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sg_ctl_call(answer_path, "status --json", 5000, &body, &blen, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&mu);
	while (!answer_done)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	FUZZ_CHECK(rc == -1 || (rc >= SG_CTL_OK && rc <= 999));
	if (rc == SG_CTL_OK) {
		FUZZ_CHECK(body != NULL && blen <= SG_CTL_BODY_MAX && body[blen] == '\0');
		FUZZ_CHECK(len >= 4 && memcmp(p, "OK ", 3) == 0);
	} else {
		FUZZ_CHECK(body == NULL && blen == 0 && err[0]);
		/* Decided by the relay's answer, never by the deadline: it closed at once. */
		FUZZ_CHECK(t1.tv_sec - t0.tv_sec < 4);
	}
	free(body);
}

/* ------------------------------------------------------------------ words */

static void mode_words(struct fz *f)
{
	struct sg_ctl_request r;
	struct sg_ctl_buf b = { 0 };
	size_t len;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	char *s = (char *)fz_dup(p, len);

	if (sg_ctl_parse_request(&r, s, len) == 0) {
		FUZZ_CHECK(r.argc >= 1 && r.argc <= SG_CTL_MAX_ARGS);
		for (int i = 0; i < r.argc; i++) {
			unsigned long long v = sg_ctl_number(r.argv[i], 1000000);

			/* Digits only, 1..max, the value they spell. */
			if (v) {
				FUZZ_CHECK(strspn(r.argv[i], "0123456789") == strlen(r.argv[i]));
				FUZZ_CHECK(v <= 1000000 && strtoull(r.argv[i], NULL, 10) == v);
			}
			sg_ctl_buf_json_str(&b, r.argv[i], strlen(r.argv[i]));
		}
	}
	sg_ctl_buf_json_str(&b, s, len);
	FUZZ_CHECK(!b.oom && b.len >= len + 2);
	sg_ctl_buf_free(&b);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fz f = { data, size };

	if (!ready) {
		server_open();
		answerer_open();
		atexit(server_close);
		ready = 1;
	}
	switch (fz_u8(&f) % 3) {
	case 0: mode_server(&f); break;
	case 1: mode_client(&f); break;
	default: mode_words(&f); break;
	}
	return 0;
}
