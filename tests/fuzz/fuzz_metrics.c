/* SPDX-License-Identifier: MIT */
/*
 * fuzz_metrics.c - the Prometheus endpoint (control/metrics_http.c), the
 * relay's other listening socket: the bytes a TCP client sends on
 * loopback, in one or two writes, read by sg_metrics_http_poll (the head
 * limit, the terminator split across reads, the request line) and
 * answered; the answer read back must be one HTTP/1.0 status line with a
 * Content-Length equal to the body that follows.  Also the metrics_listen
 * address parser (sg_metrics_http_parse_addr) on the bytes as text.
 *
 * Input: mode (1) then
 *   0 request: split point (2), how an unfinished head ends (1: bit 0 the
 *     client's end of file, else a reset), the bytes the client sends
 *   1 address: the text
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/metrics_http.h"
#include "fuzz.h"

static struct sg_metrics_http *server;
static int scrapes;

static int handler(void *ctx, struct sg_ctl_buf *body)
{
	(void)ctx;
	scrapes++;
	sg_ctl_buf_printf(body, "# HELP surge_up 1\n# TYPE surge_up gauge\nsurge_up 1\n");
	return 0;
}

static void server_close(void)
{
	sg_metrics_http_close(server);
}

/* Everything the server answers, polling it meanwhile, until it closes. */
static size_t read_answer(int fd, char *out, size_t cap)
{
	size_t got = 0;

	for (int rounds = 0; rounds < 100000; rounds++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		(void)sg_metrics_http_poll(server, handler, NULL, 4);
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
	FUZZ_CHECK(!"the endpoint neither answered nor closed");
	return got;
}

static void check_answer(const char *a, size_t len, int want_scrape)
{
	const char *end = NULL, *cl;
	unsigned long clen;

	if (len == 0)
		return; /* closed unanswered: a peer that ended before its head */
	FUZZ_CHECK(len > 12 && memcmp(a, "HTTP/1.0 ", 9) == 0);
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(a + i, "\r\n\r\n", 4) == 0) {
			end = a + i + 4;
			break;
		}
	FUZZ_CHECK(end != NULL);
	cl = memmem(a, (size_t)(end - a), "Content-Length: ", 16);
	FUZZ_CHECK(cl != NULL);
	clen = strtoul(cl + 16, NULL, 10);
	FUZZ_CHECK((size_t)(end - a) + clen == len);
	FUZZ_CHECK(want_scrape == (memcmp(a + 9, "200 ", 4) == 0));
}

/* A connection to the endpoint from the next address of 127.1.0.0/16. */
static int dial(void)
{
	static uint32_t conns;
	struct sockaddr_in sa = { .sin_family = AF_INET }, me = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	FUZZ_CHECK(fd >= 0);
	/*
	 * A client that ends a request early closes first and leaves a
	 * TIME_WAIT for 60 s; a run makes ten thousand connections a second:
	 * spread them over many local addresses so that none runs out of ports.
	 */
	me.sin_addr.s_addr = htonl(0x7f010000u | (conns++ & 0xffffu));
	FUZZ_CHECK(bind(fd, (struct sockaddr *)&me, sizeof(me)) == 0);
	/* Closing sends a reset: no TIME_WAIT when the endpoint closed first. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	sa.sin_port = htons((uint16_t)sg_metrics_http_port(server));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (errno == EISCONN)
			break;
		/* libFuzzer's timer signal may interrupt the handshake: wait for it */
		if (errno != EINTR && errno != EALREADY && errno != EINPROGRESS) {
			fprintf(stderr, "fuzz_metrics: connect: %s\n", strerror(errno));
			abort();
		}
		(void)poll(&p, 1, 100);
	}
	return fd;
}

static void mode_request(struct fz *f)
{
	static char answer[65536];
	size_t split = fz_u16(f), len, got = 0;
	uint8_t how = fz_u8(f);
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	int fd = dial(), before = scrapes;
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (split > len)
		split = len;
	/* Two writes with the endpoint polled between: a head may arrive in pieces. */
	if (split && send(fd, p, split, MSG_NOSIGNAL) != (ssize_t)split)
		abort();
	for (int i = 0; i < 3; i++)
		(void)sg_metrics_http_poll(server, handler, NULL, 4);
	if (len > split)
		(void)send(fd, p + split, len - split, MSG_NOSIGNAL | MSG_DONTWAIT);
	for (int i = 0; i < 3; i++)
		(void)sg_metrics_http_poll(server, handler, NULL, 4);
	if (poll(&pf, 1, 0) > 0) {
		/* Answered (a whole head, or too large a one): all of it, then its close. */
		got = read_answer(fd, answer, sizeof(answer));
		check_answer(answer, got, scrapes != before);
	} else if (how & 1) {
		/* The head never ends: the client's end of file, and nothing back. */
		shutdown(fd, SHUT_WR);
		got = read_answer(fd, answer, sizeof(answer));
		FUZZ_CHECK(got == 0 && scrapes == before);
	} else {
		/* ... or the client resets the connection: the endpoint lets it go. */
		close(fd);
		for (int i = 0; i < 3; i++)
			(void)sg_metrics_http_poll(server, handler, NULL, 4);
		FUZZ_CHECK(scrapes == before);
		return;
	}
	close(fd);
}

static void mode_addr(struct fz *f)
{
	struct sockaddr_storage ss;
	unsigned sslen = 0;
	size_t len;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	char *text = malloc(len + 1), err[256];

	if (!text)
		abort();
	memcpy(text, p, len);
	text[len] = '\0';
	if (sg_metrics_http_parse_addr(text, &ss, &sslen, err, sizeof(err)) == 0)
		FUZZ_CHECK((ss.ss_family == AF_INET && sslen == sizeof(struct sockaddr_in)) ||
			   (ss.ss_family == AF_INET6 && sslen == sizeof(struct sockaddr_in6)));
	else
		FUZZ_CHECK(err[0]);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	if (!server) {
		char err[256];

		server = sg_metrics_http_open("127.0.0.1:0", err, sizeof(err));
		if (!server) {
			fprintf(stderr, "fuzz_metrics: %s\n", err);
			abort();
		}
		atexit(server_close);
	}
	if (fz_u8(&f) & 1)
		mode_addr(&f);
	else
		mode_request(&f);
	return 0;
}
