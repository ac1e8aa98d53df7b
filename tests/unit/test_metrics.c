/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c - the relay's metrics model and Prometheus exposition
 * (control/metrics.c) and its HTTP endpoint (control/metrics_http.c):
 * names get the "surge_" namespace, their unit and "_total" on counters,
 * and names that already carry them or hold bad bytes are refused; scaled
 * values print exactly; HELP and TYPE once per family; help text and label
 * values escaped as the text format wants; a bad series is skipped whole.
 * The endpoint: metrics_listen's address syntax; GET /metrics answered 200
 * with the handler's body; other paths 404, other methods 405, a bad
 * request line 400, an oversized head 431 (and the handler never runs for
 * them); a client that sends nothing neither blocks a poll nor keeps others
 * from being served, and is dropped at its deadline; connections beyond
 * the limit are closed at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/metrics.h"
#include "control/metrics_http.h"

static const struct {
	const char *name, *unit;
	enum sg_metric_type type;
	const char *prom, *key; /* NULL: refused */
} name_cases[] = {
	{ "handshakes", NULL, SG_METRIC_COUNTER, "surge_handshakes_total", "handshakes" },
	{ "worker_rx", "bytes", SG_METRIC_COUNTER, "surge_worker_rx_bytes_total", "worker_rx_bytes" },
	{ "uptime", "seconds", SG_METRIC_GAUGE, "surge_uptime_seconds", "uptime_seconds" },
	{ "sessions", NULL, SG_METRIC_GAUGE, "surge_sessions", "sessions" },
	{ "rx_total", NULL, SG_METRIC_COUNTER, NULL, NULL },      /* would double _total */
	{ "heap_bytes", "bytes", SG_METRIC_GAUGE, NULL, NULL },   /* would double the unit */
	{ "Handshakes", NULL, SG_METRIC_COUNTER, NULL, NULL },    /* upper case */
	{ "hand-shakes", NULL, SG_METRIC_COUNTER, NULL, NULL },   /* bad byte */
	{ "1st", NULL, SG_METRIC_COUNTER, NULL, NULL },           /* starts with a digit */
	{ "x", "Bytes", SG_METRIC_GAUGE, NULL, NULL },            /* bad unit */
	{ "", NULL, SG_METRIC_GAUGE, NULL, NULL },
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct sg_metric m = { .name = name_cases[i].name, .unit = name_cases[i].unit,
				       .type = name_cases[i].type };
		char buf[SG_METRIC_NAME_MAX];
		int n = sg_metrics_name(&m, 1, buf, sizeof(buf));

		if (!name_cases[i].prom) {
			assert_int_equal(n, -1);
			assert_int_equal(sg_metrics_name(&m, 0, buf, sizeof(buf)), -1);
			continue;
		}
		assert_int_equal(n, (int)strlen(name_cases[i].prom));
		assert_string_equal(buf, name_cases[i].prom);
		assert_true(sg_metrics_name(&m, 0, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, name_cases[i].key);
	}
	/* Too long for the buffer: refused, not cut. */
	{
		struct sg_metric m = { .name = "handshakes", .type = SG_METRIC_COUNTER };
		char small[16];

		assert_int_equal(sg_metrics_name(&m, 1, small, sizeof(small)), -1);
	}
}

static void test_format_value(void **state)
{
	static const struct {
		uint64_t v;
		uint32_t scale;
		const char *text; /* NULL: refused */
	} t[] = {
		{ 0, 0, "0" },
		{ 1234, 1, "1234" },
		{ 18446744073709551615ull, 0, "18446744073709551615" },
		{ 250, 1000000, "0.000250" },
		{ 1500000, 1000000, "1.500000" },
		{ 7, 10, "0.7" },
		{ 5, 3, NULL },
		{ 5, 1001, NULL },
	};
	char buf[SG_METRIC_VALUE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = sg_metrics_format_value(t[i].v, t[i].scale, buf, sizeof(buf));

		if (!t[i].text) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal(n, (int)strlen(t[i].text));
		assert_string_equal(buf, t[i].text);
	}
}

static void emit_all(struct sg_metrics_prom *w, const struct sg_metric *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sg_metrics_prom_emit(w, &m[i]);
}

static void test_exposition(void **state)
{
	const struct sg_metric m[] = {
		{ .name = "handshakes", .help = "Handshake responses sent.",
		  .type = SG_METRIC_COUNTER, .value = 42 },
		{ .name = "worker_rx", .unit = "bytes", .help = "Bytes received.",
		  .type = SG_METRIC_COUNTER, .n_labels = 1, .labels = { { "worker", "0" } },
		  .value = 1000 },
		{ .name = "worker_rx", .unit = "bytes", .help = "Bytes received.",
		  .type = SG_METRIC_COUNTER, .n_labels = 1, .labels = { { "worker", "1" } },
		  .value = 2000 },
		{ .name = "worker_drops", .help = "Drops.", .type = SG_METRIC_COUNTER,
		  .n_labels = 2, .labels = { { "worker", "0" }, { "reason", "tag" } }, .value = 3 },
		{ .name = "store_commit_wait_p99", .unit = "seconds", .help = "Commit wait.",
		  .type = SG_METRIC_GAUGE, .value = 1250, .scale = 1000000 },
	};
	static const char want[] =
		"# HELP surge_handshakes_total Handshake responses sent.\n"
		"# TYPE surge_handshakes_total counter\n"
		"surge_handshakes_total 42\n"
		"# HELP surge_worker_rx_bytes_total Bytes received.\n"
		"# TYPE surge_worker_rx_bytes_total counter\n"
		"surge_worker_rx_bytes_total{worker=\"0\"} 1000\n"
		"surge_worker_rx_bytes_total{worker=\"1\"} 2000\n"
		"# HELP surge_worker_drops_total Drops.\n"
		"# TYPE surge_worker_drops_total counter\n"
		"surge_worker_drops_total{worker=\"0\",reason=\"tag\"} 3\n"
		"# HELP surge_store_commit_wait_p99_seconds Commit wait.\n"
		"# TYPE surge_store_commit_wait_p99_seconds gauge\n"
		"surge_store_commit_wait_p99_seconds 0.001250\n";
	struct sg_ctl_buf b = { 0 };
	struct sg_metrics_prom w;

	(void)state;
	sg_metrics_prom_init(&w, &b);
	emit_all(&w, m, sizeof(m) / sizeof(m[0]));
	assert_int_equal(w.errors, 0);
	assert_int_equal(w.series, 5);
	assert_non_null(b.data);
	assert_string_equal(b.data, want);
	sg_ctl_buf_free(&b);
}

static void test_escaping(void **state)
{
	const struct sg_metric m[] = {
		{ .name = "rule_hits", .help = "Hits of a\\b rule,\nper \"rule\".",
		  .type = SG_METRIC_COUNTER, .n_labels = 1,
		  .labels = { { "rule", "a\"b\\c\nd" } }, .value = 1 },
	};
	/* HELP escapes only '\\' and newline; label values '"' too. */
	static const char want[] =
		"# HELP surge_rule_hits_total Hits of a\\\\b rule,\\nper \"rule\".\n"
		"# TYPE surge_rule_hits_total counter\n"
		"surge_rule_hits_total{rule=\"a\\\"b\\\\c\\nd\"} 1\n";
	struct sg_ctl_buf b = { 0 };
	struct sg_metrics_prom w;

	(void)state;
	sg_metrics_prom_init(&w, &b);
	emit_all(&w, m, 1);
	assert_int_equal(w.errors, 0);
	assert_string_equal(b.data, want);
	sg_ctl_buf_free(&b);
}

static void test_bad_series_skipped(void **state)
{
	const struct sg_metric m[] = {
		{ .name = "ok", .help = "fine", .type = SG_METRIC_GAUGE, .value = 1 },
		{ .name = "bad_total", .help = "x", .type = SG_METRIC_COUNTER, .value = 2 },
		{ .name = "lab", .help = "x", .type = SG_METRIC_GAUGE, .n_labels = 1,
		  .labels = { { "__reserved", "v" } }, .value = 3 },
		{ .name = "lab", .help = "x", .type = SG_METRIC_GAUGE, .n_labels = 1,
		  .labels = { { "bad-name", "v" } }, .value = 4 },
		{ .name = "lab", .help = "x", .type = SG_METRIC_GAUGE, .n_labels = 1,
		  .labels = { { "l", NULL } }, .value = 5 },
		{ .name = "lab", .help = "x", .type = SG_METRIC_GAUGE, .n_labels = 3, .value = 6 },
		{ .name = "scaled", .help = "x", .type = SG_METRIC_GAUGE, .value = 7, .scale = 7 },
	};
	struct sg_ctl_buf b = { 0 };
	struct sg_metrics_prom w;

	(void)state;
	sg_metrics_prom_init(&w, &b);
	emit_all(&w, m, sizeof(m) / sizeof(m[0]));
	assert_int_equal(w.series, 1);
	assert_int_equal(w.errors, 6);
	assert_string_equal(b.data, "# HELP surge_ok fine\n# TYPE surge_ok gauge\nsurge_ok 1\n");
	sg_ctl_buf_free(&b);
}

static void test_listen_syntax(void **state)
{
	static const struct {
		const char *text;
		int ok;
	} t[] = {
		{ "127.0.0.1:9469", 1 }, { "[::1]:9469", 1 }, { "0.0.0.0:80", 1 },
		{ "127.0.0.1", 0 }, { "127.0.0.1:0", 0 }, { "127.0.0.1:65536", 0 },
		{ "localhost:9469", 0 }, { "::1:9469", 0 }, { "[::1]:", 0 }, { "1.2.3.4:9x", 0 },
		{ "", 0 }, { "off", 0 },
	};
	struct sockaddr_storage ss;
	unsigned len;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sg_metrics_http_parse_addr(t[i].text, &ss, &len, err, sizeof(err)),
				 t[i].ok ? 0 : -1);
		if (!t[i].ok)
			assert_true(err[0] != '\0');
	}
	assert_int_equal(sg_metrics_http_parse_addr("[::1]:9469", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 9469);
}

/* ---- the endpoint ---- */

static int handler_calls;

static int handler(void *ctx, struct sg_ctl_buf *body)
{
	(void)ctx;
	handler_calls++;
	sg_ctl_buf_printf(body, "surge_up 1\n");
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int client(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/*
 * Poll the server until fd's answer is complete (the server closes) or
 * 3 s pass; each poll must return at once.  The answer, NUL-terminated.
 */
static size_t exchange(struct sg_metrics_http *h, int fd, char *out, size_t cap)
{
	size_t len = 0;
	uint64_t end = mono_ms() + 3000;

	while (mono_ms() < end) {
		uint64_t t0 = mono_ms();
		ssize_t n;

		sg_metrics_http_poll(h, handler, NULL, 2);
		assert_true(mono_ms() - t0 < 100); /* never waits */
		n = recv(fd, out + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n > 0)
			len += (size_t)n;
		else
			usleep(2000);
	}
	out[len] = '\0';
	return len;
}

static void request(struct sg_metrics_http *h, const char *req, char *out, size_t cap)
{
	int fd = client(sg_metrics_http_port(h));

	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	exchange(h, fd, out, cap);
	close(fd);
}

static void test_http_answers(void **state)
{
	char err[160], out[8192], big[SG_METRICS_HTTP_HEAD_MAX + 64];
	struct sg_metrics_http *h = sg_metrics_http_open("127.0.0.1:0", err, sizeof(err));
	struct sg_metrics_http_counts cnt;

	(void)state;
	assert_non_null(h);
	assert_true(sg_metrics_http_port(h) > 0);
	handler_calls = 0;
	request(h, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(out, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(out, "Content-Length: 11\r\n"));
	assert_non_null(strstr(out, "\r\n\r\nsurge_up 1\n"));
	assert_int_equal(handler_calls, 1);
	/* Prometheus may add parameters; a hand-typed request may end in "\n\n". */
	request(h, "GET /metrics?x=1 HTTP/1.0\n\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 200 OK", 15) == 0);
	assert_int_equal(handler_calls, 2);
	request(h, "GET / HTTP/1.0\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 404 ", 13) == 0);
	request(h, "GET /metricsX HTTP/1.0\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 404 ", 13) == 0);
	request(h, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 405 ", 13) == 0);
	assert_non_null(strstr(out, "Allow: GET\r\n"));
	request(h, "HELLO\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 400 ", 13) == 0);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.0\r\nX: ", 26);
	big[sizeof(big) - 1] = '\0';
	request(h, big, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 431 ", 13) == 0);
	assert_int_equal(handler_calls, 2);
	sg_metrics_http_counts(h, &cnt);
	assert_int_equal(cnt.too_large, 1);
	assert_int_equal(cnt.refused + cnt.timed_out, 0);
	sg_metrics_http_close(h);
}

static void test_http_slow_clients(void **state)
{
	char err[160], out[8192];
	struct sg_metrics_http *h = sg_metrics_http_open("127.0.0.1:0", err, sizeof(err));
	int idle[SG_METRICS_HTTP_CONNS + 1], fd;
	struct sg_metrics_http_counts cnt;
	uint64_t t0, closed_after = 0;
	ssize_t n;

	(void)state;
	assert_non_null(h);
	/* One client that sends nothing: another is served meanwhile. */
	idle[0] = client(sg_metrics_http_port(h));
	sg_metrics_http_poll(h, handler, NULL, 2);
	request(h, "GET /metrics HTTP/1.0\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 200 OK", 15) == 0);
	/* Fill every slot; one more is closed at once. */
	for (int i = 1; i < SG_METRICS_HTTP_CONNS; i++)
		idle[i] = client(sg_metrics_http_port(h));
	for (int i = 0; i < 10; i++) {
		sg_metrics_http_poll(h, handler, NULL, 2);
		usleep(1000);
	}
	idle[SG_METRICS_HTTP_CONNS] = client(sg_metrics_http_port(h));
	t0 = mono_ms();
	fd = idle[SG_METRICS_HTTP_CONNS];
	while (mono_ms() - t0 < 1000) {
		sg_metrics_http_poll(h, handler, NULL, 2);
		n = recv(fd, out, sizeof(out), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		usleep(2000);
	}
	assert_true(mono_ms() - t0 < 1000);
	/* The idle ones are dropped at their deadline, not before. */
	t0 = mono_ms();
	while (mono_ms() - t0 < SG_METRICS_HTTP_DEADLINE_MS + 2000) {
		sg_metrics_http_poll(h, handler, NULL, 2);
		n = recv(idle[1], out, sizeof(out), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			closed_after = mono_ms() - t0;
			break;
		}
		usleep(5000);
	}
	printf("idle connection dropped after %llu ms\n", (unsigned long long)closed_after);
	assert_true(closed_after > 0);
	assert_true(closed_after <= SG_METRICS_HTTP_DEADLINE_MS + 100);
	for (int i = 0; i <= SG_METRICS_HTTP_CONNS; i++)
		close(idle[i]);
	/* Slots are free again. */
	request(h, "GET /metrics HTTP/1.0\r\n\r\n", out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.0 200 OK", 15) == 0);
	sg_metrics_http_counts(h, &cnt);
	assert_int_equal(cnt.refused, 1);
	assert_true(cnt.timed_out >= 1 && cnt.timed_out <= SG_METRICS_HTTP_CONNS);
	sg_metrics_http_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bad_series_skipped),
		cmocka_unit_test(test_listen_syntax),
		cmocka_unit_test(test_http_answers),
		cmocka_unit_test(test_http_slow_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
