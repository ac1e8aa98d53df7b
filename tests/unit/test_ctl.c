/* SPDX-License-Identifier: MIT */
/*
 * test_ctl.c - the operator socket (control/ctl.c).
 *
 * A table of request lines for the parser; then a real server on a socket in
 * a temp directory, polled by a thread (as the relay's main loop would), and
 * driven from the test's thread by sg_ctl_call and by raw sockets that
 * misbehave: half lines, long lines, idle connections, peers that leave or
 * read slowly.  Every wait is bounded (poll timeouts; the server thread stops
 * by itself after SRV_LIMIT_MS).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/ctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	SRV_LIMIT_MS = 60000, /* the server thread never outlives this */
	CALL_MS = 3000,       /* sg_ctl_call timeout */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- the parser ---- */

struct req_case {
	const char *line;
	size_t len;       /* 0: strlen(line) */
	int rc;
	const char *args; /* argv joined by '|' when rc == 0 */
};

static const struct req_case req_cases[] = {
	{ "stats", 0, 0, "stats" },
	{ "stats json", 0, 0, "stats|json" },
	{ "sessions show 42", 0, 0, "sessions|show|42" },
	{ "stats\n", 0, 0, "stats" },
	{ "rules add 7 /a[b]{2}/ drop", 0, 0, "rules|add|7|/a[b]{2}/|drop" },
	{ "a b c d e f g h i j k l m n o p", 0, 0, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p" },
	{ "", 0, -1, NULL },
	{ "\n", 0, -1, NULL },
	{ " ", 0, -1, NULL },
	{ " stats", 0, -1, NULL },
	{ "stats ", 0, -1, NULL },
	{ "stats  json", 0, -1, NULL },
	{ "stats\tjson", 0, -1, NULL },
	{ "stats\r", 0, -1, NULL },
	{ "stats\r\n", 0, -1, NULL },
	{ "stats\n\n", 0, -1, NULL },
	{ "sta\x01ts", 0, -1, NULL },
	{ "stats\x7f", 0, -1, NULL },
	{ "\x1b[2Jstats", 0, -1, NULL },
	{ "caf\xc3\xa9", 0, -1, NULL },
	{ "sta\0ts", 6, -1, NULL },
	{ "a b c d e f g h i j k l m n o p q", 0, 0, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q" },
	{ "0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 "
	  "0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4", 0, -1, NULL }, /* 65 words */
};

static void check_request(size_t i, const char *line, size_t len, int want_rc, const char *want)
{
	struct sg_ctl_request r;
	char joined[SG_CTL_LINE_MAX + 2] = "";
	int rc;

	memset(&r, 0x5a, sizeof(r));
	rc = sg_ctl_parse_request(&r, line, len);
	if (rc != want_rc)
		fail_msg("case %zu: rc %d, want %d", i, rc, want_rc);
	if (rc != 0)
		return;
	for (int a = 0; a < r.argc; a++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 a ? "|" : "", r.argv[a]);
	if (want && strcmp(joined, want) != 0)
		fail_msg("case %zu: args '%s', want '%s'", i, joined, want);
}

static void test_parse_request(void **state)
{
	char line[SG_CTL_LINE_MAX + 2];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(req_cases); i++) {
		const struct req_case *c = &req_cases[i];

		check_request(i, c->line, c->len ? c->len : strlen(c->line), c->rc, c->args);
	}
	/* length: SG_CTL_LINE_MAX bytes (plus an optional '\n') fit, one more does not */
	memset(line, 'v', sizeof(line));
	check_request(100, line, SG_CTL_LINE_MAX, 0, NULL);
	line[SG_CTL_LINE_MAX] = '\n';
	check_request(101, line, SG_CTL_LINE_MAX + 1, 0, NULL);
	line[SG_CTL_LINE_MAX] = 'v';
	check_request(102, line, SG_CTL_LINE_MAX + 1, -1, NULL);
	check_request(103, line, SG_CTL_LINE_MAX + 2, -1, NULL);
}

static void test_buf(void **state)
{
	struct sg_ctl_buf b = { 0 };

	(void)state;
	sg_ctl_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.oom, 0);
	sg_ctl_buf_printf(&b, "{\"n\":%d}", 42);
	sg_ctl_buf_printf(&b, "%*s", 5000, "");
	assert_int_equal(b.len, 8 + 5000);
	assert_memory_equal(b.data, "{\"n\":42}    ", 12);
	assert_int_equal(b.data[b.len], '\0');
	/* up to SG_CTL_BODY_MAX bytes, and not one more */
	sg_ctl_buf_printf(&b, "%*s", (int)(SG_CTL_BODY_MAX - b.len), "");
	assert_int_equal(b.len, SG_CTL_BODY_MAX);
	assert_int_equal(b.oom, 0);
	sg_ctl_buf_printf(&b, "x");
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, SG_CTL_BODY_MAX);
	sg_ctl_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.oom, 0);
}

static void test_number(void **state)
{
	(void)state;
	assert_int_equal(sg_ctl_number("1", 10), 1);
	assert_int_equal(sg_ctl_number("10", 10), 10);
	assert_int_equal(sg_ctl_number("11", 10), 0);
	assert_int_equal(sg_ctl_number("0", 10), 0);
	assert_int_equal(sg_ctl_number("", 10), 0);
	assert_int_equal(sg_ctl_number("+1", 10), 0);
	assert_int_equal(sg_ctl_number("1 ", 10), 0);
	assert_int_equal(sg_ctl_number("4294967295", UINT32_MAX), 4294967295ull);
	assert_int_equal(sg_ctl_number("4294967296", UINT32_MAX), 0);
	assert_true(sg_ctl_number("18446744073709551615", UINT64_MAX) == UINT64_MAX);
	assert_int_equal(sg_ctl_number("18446744073709551616", UINT64_MAX), 0);
	assert_int_equal(sg_ctl_number("000000000000000000001", UINT64_MAX), 0); /* 21 digits */
}

static void test_json_str(void **state)
{
	static const char in[] = "a\"b\\c\x01\n\xe9 z";
	static const char want[] = "\"a\\\"b\\\\c\\u0001\\u000a\\u00e9 z\"";
	char big[1000];
	struct sg_ctl_buf b = { 0 };

	(void)state;
	sg_ctl_buf_json_str(&b, in, sizeof(in) - 1);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	sg_ctl_buf_free(&b);
	/* longer than the escaper's chunk, every byte escaped */
	memset(big, '\\', sizeof(big));
	sg_ctl_buf_json_str(&b, big, sizeof(big));
	assert_int_equal(b.len, 2 + 2 * sizeof(big));
	assert_int_equal(b.data[0], '"');
	assert_int_equal(b.data[b.len - 1], '"');
	for (size_t i = 1; i + 1 < b.len; i++)
		assert_int_equal(b.data[i], '\\');
	sg_ctl_buf_free(&b);
}

/* ---- a server polled by a thread ---- */

struct srv {
	struct sg_ctl_server *s;
	pthread_t th;
	atomic_int stop;
	atomic_int calls;      /* handler invocations */
	atomic_int max_poll_ms; /* longest single sg_ctl_server_poll */
	char dir[64];
	char path[96];
	/* "later": answered by the server thread 200 ms after it was asked */
	atomic_uint later_token;
	atomic_int later_pending;
	atomic_int later_rc;     /* sg_ctl_server_reply's return; -2 before */
	atomic_int again_rc;     /* a second reply with the same token */
	uint64_t later_at;
};

static int handler(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	struct srv *sv = ctx;
	const char *verb = r->argv[0];

	atomic_fetch_add(&sv->calls, 1);
	if (!strcmp(verb, "echo")) {
		sg_ctl_buf_printf(b, "{\"args\":[");
		for (int i = 1; i < r->argc; i++)
			sg_ctl_buf_printf(b, "%s\"%s\"", i > 1 ? "," : "", r->argv[i]);
		sg_ctl_buf_printf(b, "]}");
		return SG_CTL_OK;
	}
	if (!strcmp(verb, "empty"))
		return SG_CTL_OK;
	if (!strcmp(verb, "later")) {
		sg_ctl_buf_printf(b, "ignored"); /* a deferring handler's body is not sent */
		atomic_store(&sv->later_token, r->token);
		sv->later_at = now_ms() + 200;
		atomic_store(&sv->later_rc, -2);
		atomic_store(&sv->later_pending, 1);
		return SG_CTL_DEFER;
	}
	if (!strcmp(verb, "big") && r->argc == 2) {
		sg_ctl_buf_printf(b, "%*s", atoi(r->argv[1]), "");
		return SG_CTL_OK;
	}
	if (!strcmp(verb, "huge")) {
		sg_ctl_buf_printf(b, "%*s", SG_CTL_BODY_MAX + 1, "");
		return SG_CTL_OK;
	}
	if (!strcmp(verb, "fail") && r->argc >= 2) {
		for (int i = 2; i < r->argc; i++)
			sg_ctl_buf_printf(b, "%s%s", i > 2 ? " " : "", r->argv[i]);
		return atoi(r->argv[1]);
	}
	if (!strcmp(verb, "multiline")) {
		sg_ctl_buf_printf(b, "first line\nsecond line");
		return SG_CTL_E_NOTFOUND;
	}
	if (!strcmp(verb, "ctlchars")) {
		sg_ctl_buf_printf(b, "bad\x01" "byte\x7f" "end");
		return SG_CTL_E_ARGS;
	}
	sg_ctl_buf_printf(b, "unknown verb '%s'", verb);
	return SG_CTL_E_VERB;
}

static void *srv_main(void *arg)
{
	struct srv *sv = arg;
	uint64_t start = now_ms();

	while (!atomic_load(&sv->stop) && now_ms() - start < SRV_LIMIT_MS) {
		uint64_t t0 = now_ms();
		int dt;

		sg_ctl_server_poll(sv->s, handler, sv, 0);
		if (atomic_load(&sv->later_pending) && now_ms() >= sv->later_at) {
			struct sg_ctl_buf b = { 0 };
			unsigned tok = atomic_load(&sv->later_token);

			sg_ctl_buf_printf(&b, "done later");
			atomic_store(&sv->later_rc, sg_ctl_server_reply(sv->s, tok, SG_CTL_OK, &b));
			atomic_store(&sv->again_rc, sg_ctl_server_reply(sv->s, tok, SG_CTL_OK, &b));
			sg_ctl_buf_free(&b);
			atomic_store(&sv->later_pending, 0);
		}
		dt = (int)(now_ms() - t0);
		if (dt > atomic_load(&sv->max_poll_ms))
			atomic_store(&sv->max_poll_ms, dt);
		sleep_ms(1);
	}
	return NULL;
}

/* Temp dir; the socket goes in a subdirectory the server must create. */
static void srv_paths(struct srv *sv)
{
	snprintf(sv->dir, sizeof(sv->dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(sv->dir));
	snprintf(sv->path, sizeof(sv->path), "%s/run/relay.sock", sv->dir);
}

static void srv_rmdirs(struct srv *sv)
{
	char run[128];

	snprintf(run, sizeof(run), "%s/run", sv->dir);
	rmdir(run);
	rmdir(sv->dir);
}

static struct srv *srv_start(void)
{
	struct srv *sv = calloc(1, sizeof(*sv));
	char err[256];

	assert_non_null(sv);
	srv_paths(sv);
	sv->s = sg_ctl_server_open(sv->path, err, sizeof(err));
	if (!sv->s)
		fail_msg("server_open: %s", err);
	assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
	return sv;
}

/* Stop; *n (may be NULL) gets what the socket's bounds refused (ctl.h). */
static void srv_stop_counts(struct srv *sv, struct sg_ctl_server_counts *n)
{
	struct stat st;

	atomic_store(&sv->stop, 1);
	pthread_join(sv->th, NULL);
	if (n)
		sg_ctl_server_counts(sv->s, n);
	sg_ctl_server_close(sv->s);
	assert_int_equal(lstat(sv->path, &st), -1); /* close unlinked it */
	srv_rmdirs(sv);
	/* a poll never waits: even a 3 MiB reply is queued in a few ms */
	assert_true(atomic_load(&sv->max_poll_ms) < 500);
	free(sv);
}

static void srv_stop(struct srv *sv)
{
	srv_stop_counts(sv, NULL);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const char *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read until EOF, cap bytes or timeout; the bytes read (a reset counts as EOF). */
static size_t raw_read(int fd, char *buf, size_t cap, int timeout_ms, int *eof)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	size_t n = 0;

	*eof = 0;
	while (n < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t r;

		if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
			break;
		r = recv(fd, buf + n, cap - n, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			*eof = 1;
			break;
		}
		if (r > 0)
			n += (size_t)r;
	}
	return n;
}

struct call_case {
	const char *request;
	int rc;
	const char *text; /* body when rc == 0, else the error message */
};

static const struct call_case call_cases[] = {
	{ "echo", SG_CTL_OK, "{\"args\":[]}" },
	{ "echo a b c", SG_CTL_OK, "{\"args\":[\"a\",\"b\",\"c\"]}" },
	{ "empty", SG_CTL_OK, "" },
	{ "nosuch", SG_CTL_E_VERB, "unknown verb 'nosuch'" },
	{ "fail 3 no such session", SG_CTL_E_NOTFOUND, "no such session" },
	{ "fail 4 try later", SG_CTL_E_BUSY, "try later" },
	{ "fail 2", SG_CTL_E_ARGS, "bad arguments" },      /* no message: the code's */
	{ "fail 42 odd", SG_CTL_E_INTERNAL, "odd" },       /* unknown code -> 5 */
	{ "multiline", SG_CTL_E_NOTFOUND, "first line" },  /* one line only */
	{ "ctlchars", SG_CTL_E_ARGS, "bad?byte?end" },     /* made printable */
	{ "huge", SG_CTL_E_INTERNAL, "reply too large or out of memory" },
	{ "echo  a", SG_CTL_E_ARGS, "words must be separated by single spaces" },
	{ "echo a ", SG_CTL_E_ARGS, "words must be separated by single spaces" },
	{ "", SG_CTL_E_ARGS, "empty request" },
	{ "echo a b c d e f g h i j k l m n o p q", SG_CTL_OK,
	  "{\"args\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\","
	  "\"m\",\"n\",\"o\",\"p\",\"q\"]}" },
	{ "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 "
	  "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9",
	  SG_CTL_E_ARGS, "too many arguments" },
	{ "echo \x01", SG_CTL_E_ARGS, "bad byte in request" },
};

static void test_server_calls(void **state)
{
	struct srv *sv;
	struct stat st;
	char err[512], run[128], req[SG_CTL_LINE_MAX + 8];
	mode_t old = umask(0); /* the server must not depend on the caller's umask */
	char *body;
	size_t len;
	int rc;

	(void)state;
	sv = srv_start();
	umask(old);
	assert_int_equal(lstat(sv->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(run, sizeof(run), "%s/run", sv->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	for (size_t i = 0; i < ARRAY_SIZE(call_cases); i++) {
		const struct call_case *c = &call_cases[i];

		err[0] = '\0';
		rc = sg_ctl_call(sv->path, c->request, CALL_MS, &body, &len, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("'%s': rc %d (%s), want %d", c->request, rc, err, c->rc);
		if (rc == SG_CTL_OK) {
			assert_non_null(body);
			assert_int_equal(len, strlen(c->text));
			assert_string_equal(body, c->text);
			free(body);
		} else {
			assert_null(body);
			if (strcmp(err, c->text) != 0)
				fail_msg("'%s': message '%s', want '%s'", c->request, err, c->text);
		}
	}
	/* a 3 MiB body crosses many partial writes and reads */
	rc = sg_ctl_call(sv->path, "big 3145728", CALL_MS, &body, &len, err, sizeof(err));
	assert_int_equal(rc, SG_CTL_OK);
	assert_int_equal(len, 3145728);
	assert_int_equal(body[0], ' ');
	assert_int_equal(body[len - 1], ' ');
	assert_int_equal(body[len], '\0');
	free(body);
	/* body pointers are optional */
	assert_int_equal(sg_ctl_call(sv->path, "echo", CALL_MS, NULL, NULL, err, sizeof(err)), 0);
	/* requests the client refuses to send */
	memset(req, 'x', SG_CTL_LINE_MAX + 1);
	req[SG_CTL_LINE_MAX + 1] = '\0';
	rc = sg_ctl_call(sv->path, req, CALL_MS, &body, &len, err, sizeof(err));
	assert_int_equal(rc, SG_CTL_E_ARGS);
	assert_null(body);
	assert_int_equal(sg_ctl_call(sv->path, "echo\nx", CALL_MS, &body, &len, err, sizeof(err)),
			 SG_CTL_E_ARGS);
	/* SG_CTL_LINE_MAX bytes are a request: here an unknown 1024-byte verb */
	req[SG_CTL_LINE_MAX] = '\0';
	assert_int_equal(sg_ctl_call(sv->path, req, CALL_MS, &body, &len, err, sizeof(err)),
			 SG_CTL_E_VERB);
	srv_stop(sv);
}

/* Wait (bounded) until the server thread has answered the "later" request. */
static void wait_later(struct srv *sv)
{
	for (int i = 0; i < 2000 && atomic_load(&sv->later_pending); i++)
		sleep_ms(1);
	assert_int_equal(atomic_load(&sv->later_pending), 0);
}

static void test_deferred_reply(void **state)
{
	static const char want[] = "OK 10\ndone later";
	struct srv *sv;
	char buf[64], err[256];
	uint64_t t0;
	int fd, eof;
	size_t n;

	(void)state;
	sv = srv_start();
	fd = raw_connect(sv->path);
	t0 = now_ms();
	raw_send(fd, "later\n", 6);
	for (int i = 0; i < 1000 && !atomic_load(&sv->later_pending); i++)
		sleep_ms(1);
	assert_int_equal(atomic_load(&sv->later_pending), 1);
	/* the server goes on serving others meanwhile */
	assert_int_equal(sg_ctl_call(sv->path, "echo x", CALL_MS, NULL, NULL, err, sizeof(err)),
			 SG_CTL_OK);
	assert_int_equal(atomic_load(&sv->later_pending), 1);
	n = raw_read(fd, buf, sizeof(buf), 3000, &eof);
	assert_true(now_ms() - t0 >= 200);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(buf, want, n);
	assert_int_equal(eof, 1);
	close(fd);
	wait_later(sv); /* the reply is out before the server thread records its result */
	assert_int_equal(atomic_load(&sv->later_rc), 0);
	assert_int_equal(atomic_load(&sv->again_rc), -1); /* a token answers once */

	/* the client leaves before the reply: the reply says so, nothing leaks */
	fd = raw_connect(sv->path);
	raw_send(fd, "later\n", 6);
	for (int i = 0; i < 1000 && !atomic_load(&sv->later_pending); i++)
		sleep_ms(1);
	close(fd);
	wait_later(sv);
	assert_int_equal(atomic_load(&sv->later_rc), -1);
	assert_int_equal(atomic_load(&sv->again_rc), -1);
	srv_stop(sv);
}

static void test_unreachable(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[64], path[96], err[512];
	char *body = (char *)1;
	size_t len = 7;
	int fd;

	(void)state;
	assert_int_equal(sg_ctl_call("/nonexistent/relay.sock", "stats", CALL_MS, &body, &len,
				     err, sizeof(err)), -1);
	assert_null(body);
	assert_int_equal(len, 0);
	assert_string_equal(err, "/nonexistent/relay.sock: No such file or directory");
	/* a socket file nobody listens on */
	snprintf(dir, sizeof(dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(sg_ctl_call(path, "stats", CALL_MS, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Connection refused"));
	unlink(path);
	rmdir(dir);
	assert_int_equal(sg_ctl_call("", "stats", CALL_MS, NULL, NULL, err, sizeof(err)), -1);
}

/* ---- surgectl's side: what a relay (or whatever listens there) answers ---- */

struct fake_answer {
	int fd;                 /* listening */
	const char *bytes;
	size_t len;
};

/* Accept one connection, read its request line, answer the bytes, close. */
static void *fake_answer_main(void *arg)
{
	struct fake_answer *fa = arg;
	struct pollfd p = { .fd = fa->fd, .events = POLLIN };
	char line[SG_CTL_LINE_MAX + 2];
	size_t have = 0;
	int c;

	if (poll(&p, 1, CALL_MS) <= 0 || (c = accept(fa->fd, NULL, NULL)) < 0)
		return NULL;
	while (have < sizeof(line) && !memchr(line, '\n', have)) {
		ssize_t n = recv(c, line + have, sizeof(line) - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (send(c, fa->bytes, fa->len, MSG_NOSIGNAL) < 0) {
		/* the test then sees what the client makes of nothing */
	}
	close(c);
	return NULL;
}

struct answer_case {
	const char *bytes;
	size_t len;       /* 0: strlen(bytes) */
	int rc;
	const char *text; /* body (rc 0) or the message in err */
};

static const struct answer_case answer_cases[] = {
	{ "OK 5\nhello", 0, SG_CTL_OK, "hello" },
	{ "OK 0\n", 0, SG_CTL_OK, "" },
	{ "ERR 3 not found: user 12\n", 0, SG_CTL_E_NOTFOUND, "not found: user 12" },
	{ "ERR 42 a code from a newer relay\n", 0, 42, "a code from a newer relay" },
	/* an operator's terminal never gets the relay's control bytes */
	{ "ERR 3 \x1b[2Jgone\x07\n", 0, SG_CTL_E_NOTFOUND, "?[2Jgone?" },
	{ "ERR 3 \0\x0ft x\n", 12, SG_CTL_E_NOTFOUND, "??t x" },
	{ "ERR 2 caf\xc3\xa9\n", 0, SG_CTL_E_ARGS, "caf??" },
	/* an empty message is the code's own text */
	{ "ERR 3 \n", 0, SG_CTL_E_NOTFOUND, "not found" },
	{ "ERR 9 \n", 0, 9, "internal error" },
};

static void test_client_reads_answers(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[64], path[96], err[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fake.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (size_t i = 0; i < ARRAY_SIZE(answer_cases); i++) {
		const struct answer_case *c = &answer_cases[i];
		struct fake_answer fa = { .bytes = c->bytes, .len = c->len ? c->len : strlen(c->bytes) };
		pthread_t t;
		char *body = NULL;
		size_t len = 0;
		int rc;

		fa.fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(fa.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(fa.fd, 1), 0);
		assert_int_equal(pthread_create(&t, NULL, fake_answer_main, &fa), 0);
		err[0] = '\0';
		rc = sg_ctl_call(path, "status", CALL_MS, &body, &len, err, sizeof(err));
		pthread_join(t, NULL);
		close(fa.fd);
		unlink(path);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d (%s), want %d", i, rc, err, c->rc);
		if (rc == SG_CTL_OK) {
			assert_non_null(body);
			assert_int_equal(len, strlen(c->text));
			assert_string_equal(body, c->text);
			free(body);
		} else {
			assert_null(body);
			if (strcmp(err, c->text) != 0)
				fail_msg("case %zu: message '%s', want '%s'", i, err, c->text);
		}
	}
	rmdir(dir);
}

static void test_open_replaces_only_stale_sockets(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sg_ctl_server *s, *s2;
	struct srv sv;
	struct stat st;
	char err[512], moved[160];
	FILE *f;
	int fd;

	(void)state;
	memset(&sv, 0, sizeof(sv));
	srv_paths(&sv);
	/* a regular file in the way is never removed */
	snprintf(moved, sizeof(moved), "%s/run", sv.dir);
	assert_int_equal(mkdir(moved, 0700), 0);
	f = fopen(sv.path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(sg_ctl_server_open(sv.path, err, sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	unlink(sv.path);
	/* a stale socket (its owner died) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sv.path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	s = sg_ctl_server_open(sv.path, err, sizeof(err));
	if (!s)
		fail_msg("stale socket not replaced: %s", err);
	/* a live one is not */
	assert_null(sg_ctl_server_open(sv.path, err, sizeof(err)));
	assert_non_null(strstr(err, "another process is listening"));
	/* close removes only its own socket, not a successor's */
	snprintf(moved, sizeof(moved), "%s/old.sock", sv.dir);
	assert_int_equal(rename(sv.path, moved), 0);
	s2 = sg_ctl_server_open(sv.path, err, sizeof(err));
	if (!s2)
		fail_msg("successor: %s", err);
	sg_ctl_server_close(s); /* its path is now s2's socket */
	assert_int_equal(lstat(sv.path, &st), 0);
	assert_int_equal(lstat(moved, &st), 0);
	unlink(moved);
	sg_ctl_server_close(s2);
	assert_int_equal(lstat(sv.path, &st), -1);
	/* a path that does not fit sun_path */
	memset(moved, 'p', sizeof(moved) - 1);
	moved[sizeof(moved) - 1] = '\0';
	assert_null(sg_ctl_server_open(moved, err, sizeof(err)));
	assert_non_null(strstr(err, "too long"));
	srv_rmdirs(&sv);
}

/* Half a line, then silence: others are served meanwhile; it is dropped at 2 s. */
static void test_slow_client(void **state)
{
	struct sg_ctl_server_counts n;
	struct srv *sv = srv_start();
	char buf[64], err[256], *body;
	size_t len;
	uint64_t t0 = now_ms(), t;
	int fd, eof;

	(void)state;
	fd = raw_connect(sv->path);
	raw_send(fd, "ech", 3);
	sleep_ms(50);
	for (int i = 0; i < 5; i++) {
		uint64_t c0 = now_ms();

		assert_int_equal(sg_ctl_call(sv->path, "echo x", CALL_MS, &body, &len, err,
					     sizeof(err)), SG_CTL_OK);
		free(body);
		assert_true(now_ms() - c0 < 1000);
	}
	assert_int_equal(raw_read(fd, buf, sizeof(buf), 4000, &eof), 0);
	t = now_ms() - t0;
	assert_int_equal(eof, 1); /* dropped, unanswered */
	assert_true(t >= 1900 && t < 4000);
	close(fd);
	/* the same for a client that writes its request but never reads the reply */
	srv_stop_counts(sv, &n);
	assert_int_equal(n.timed_out, 1);
	assert_int_equal(n.refused + n.evicted + n.too_long, 0);
}

static void test_too_long_line(void **state)
{
	struct sg_ctl_server_counts cnt;
	struct srv *sv = srv_start();
	char line[2000], buf[128];
	size_t n;
	int fd, eof;

	(void)state;
	memset(line, 'a', sizeof(line));
	fd = raw_connect(sv->path);
	raw_send(fd, line, sizeof(line));
	n = raw_read(fd, buf, sizeof(buf) - 1, 3000, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "ERR 2 request too long\n");
	assert_int_equal(eof, 1);
	close(fd);
	/* exactly SG_CTL_LINE_MAX + 1 bytes without '\n' is already too long */
	fd = raw_connect(sv->path);
	raw_send(fd, line, SG_CTL_LINE_MAX + 1);
	n = raw_read(fd, buf, sizeof(buf) - 1, 3000, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "ERR 2 request too long\n");
	close(fd);
	assert_int_equal(atomic_load(&sv->calls), 0);
	srv_stop_counts(sv, &cnt);
	assert_int_equal(cnt.too_long, 2);
}

/* A request cut by the peer's close is never run. */
static void test_eof_before_newline(void **state)
{
	struct srv *sv = srv_start();
	char buf[64];
	int fd, eof;

	(void)state;
	fd = raw_connect(sv->path);
	raw_send(fd, "echo cut", 8);
	shutdown(fd, SHUT_WR);
	assert_int_equal(raw_read(fd, buf, sizeof(buf), 3000, &eof), 0);
	assert_int_equal(eof, 1);
	close(fd);
	assert_int_equal(atomic_load(&sv->calls), 0);
	srv_stop(sv);
}

/* Slow readers keep their pending reply; peers that vanish cannot SIGPIPE us. */
static void test_slow_reader_and_vanishing_peer(void **state)
{
	struct srv *sv = srv_start();
	static char buf[3 * 1024 * 1024 + 64];
	char err[256], *body;
	size_t n, len;
	int fd, eof;

	(void)state;
	fd = raw_connect(sv->path);
	raw_send(fd, "big 3000000\n", 12);
	sleep_ms(300); /* the reply does not fit the socket buffer: it waits */
	assert_int_equal(sg_ctl_call(sv->path, "echo y", CALL_MS, &body, &len, err,
				     sizeof(err)), SG_CTL_OK);
	free(body);
	n = raw_read(fd, buf, sizeof(buf), 3000, &eof);
	assert_int_equal(eof, 1);
	assert_int_equal(n, strlen("OK 3000000\n") + 3000000);
	assert_memory_equal(buf, "OK 3000000\n   ", 14);
	close(fd);
	/* ask for a big reply, leave: the server's send fails with EPIPE, no signal */
	for (int i = 0; i < 3; i++) {
		fd = raw_connect(sv->path);
		raw_send(fd, "big 4000000\n", 12);
		close(fd);
	}
	sleep_ms(100);
	assert_int_equal(sg_ctl_call(sv->path, "echo z", CALL_MS, &body, &len, err,
				     sizeof(err)), SG_CTL_OK);
	free(body);
	srv_stop(sv);
}

/*
 * SG_CTL_MAX_CONNS idle connections and more: each newcomer takes the slot
 * of the oldest idle one (told busy), so a real request is answered at once;
 * the rest are dropped at their deadline.
 */
static void test_many_idle_connections(void **state)
{
	static const char evicted[] = "ERR 4 busy: closed for a newer connection (too many "
				      "idle control connections)\n";
	struct sg_ctl_server_counts cnt;
	struct srv *sv = srv_start();
	int idle[SG_CTL_MAX_CONNS], extra[4];
	char buf[128], err[256], *body;
	size_t n, len;
	uint64_t t0 = now_ms(), c0;
	int eof, rc;

	(void)state;
	for (int i = 0; i < SG_CTL_MAX_CONNS; i++)
		idle[i] = raw_connect(sv->path);
	sleep_ms(50); /* all accepted, in this order */
	for (int i = 0; i < 4; i++)
		extra[i] = raw_connect(sv->path);
	/* the four oldest went, told why */
	for (int i = 0; i < 4; i++) {
		n = raw_read(idle[i], buf, sizeof(buf) - 1, 1000, &eof);
		buf[n] = '\0';
		assert_int_equal(eof, 1);
		assert_string_equal(buf, evicted);
		close(idle[i]);
	}
	/* a real request is answered at once (it takes the next oldest slot) */
	c0 = now_ms();
	rc = sg_ctl_call(sv->path, "echo", CALL_MS, &body, &len, err, sizeof(err));
	assert_int_equal(rc, SG_CTL_OK);
	free(body);
	assert_true(now_ms() - c0 < 1000);
	n = raw_read(idle[4], buf, sizeof(buf) - 1, 1000, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, evicted);
	close(idle[4]);
	/* the others are dropped at their deadline, unanswered */
	for (int i = 5; i < SG_CTL_MAX_CONNS; i++) {
		assert_int_equal(raw_read(idle[i], buf, sizeof(buf), 4000, &eof), 0);
		assert_int_equal(eof, 1);
		close(idle[i]);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(raw_read(extra[i], buf, sizeof(buf), 4000, &eof), 0);
		assert_int_equal(eof, 1);
		close(extra[i]);
	}
	assert_true(now_ms() - t0 < 4000);
	assert_int_equal(sg_ctl_call(sv->path, "echo", CALL_MS, &body, &len, err, sizeof(err)),
			 SG_CTL_OK);
	free(body);
	srv_stop_counts(sv, &cnt);
	assert_int_equal(cnt.evicted, 5);   /* four for the extras, one for the request */
	assert_int_equal(cnt.timed_out, SG_CTL_MAX_CONNS - 5 + 4);
	assert_int_equal(cnt.refused, 0);
}

static int count_handler(void *ctx, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	(void)r;
	++*(int *)ctx;
	sg_ctl_buf_printf(b, "n");
	return SG_CTL_OK;
}

/* max_requests bounds the work of one poll; the rest waits for the next. */
static void test_max_requests(void **state)
{
	struct srv sv;
	struct sg_ctl_server *s;
	char err[256], buf[32];
	int fd[3], calls = 0, eof;
	uint64_t t0;

	(void)state;
	srv_paths(&sv);
	s = sg_ctl_server_open(sv.path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sg_ctl_server_poll(s, count_handler, &calls, 1), 0);
	for (int i = 0; i < 3; i++) {
		fd[i] = raw_connect(sv.path);
		raw_send(fd[i], "x\n", 2);
	}
	t0 = now_ms();
	assert_int_equal(sg_ctl_server_poll(s, count_handler, &calls, 1), 1);
	assert_true(now_ms() - t0 < 100);
	assert_int_equal(calls, 1);
	assert_int_equal(sg_ctl_server_poll(s, count_handler, &calls, 1), 1);
	assert_int_equal(sg_ctl_server_poll(s, count_handler, &calls, 1), 1);
	assert_int_equal(sg_ctl_server_poll(s, count_handler, &calls, 1), 0);
	assert_int_equal(calls, 3);
	for (int i = 0; i < 3; i++) {
		size_t n = raw_read(fd[i], buf, sizeof(buf) - 1, 1000, &eof);

		buf[n] = '\0';
		assert_string_equal(buf, "OK 1\nn");
		close(fd[i]);
	}
	sg_ctl_server_close(s);
	srv_rmdirs(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_server_calls),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_deferred_reply),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_client_reads_answers),
		cmocka_unit_test(test_open_replaces_only_stale_sockets),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_too_long_line),
		cmocka_unit_test(test_eof_before_newline),
		cmocka_unit_test(test_slow_reader_and_vanishing_peer),
		cmocka_unit_test(test_many_idle_connections),
		cmocka_unit_test(test_max_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
