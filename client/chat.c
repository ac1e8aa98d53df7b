/* SPDX-License-Identifier: MIT */
/*
 * chat.c - surge-chat: a line-based chat client on libsurge.
 *
 *   surge-chat --relay ADDR:PORT --relay-key KEYFILE_OR_BASE64_PUB
 *              --key IDENTITY_FILE [--genkey] [--batch] [--timeout MS]
 *              [--ttl S] [--known FILE]
 *
 * One poll() over stdin and the client's socket.  Input lines are commands
 * (docs/CLIENT.md); every output line is one event, flushed at once because
 * tests read it through pipes.  In --batch mode any error ends the run with
 * exit status 1 and the reason on stderr; at end of input the run waits for
 * work in flight (secret messages waiting for a key) up to --timeout, sends
 * CLOSE and exits 0.  Exit status 2: bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/surge.h"
#include "crypto/crypto.h"
#include "proto/status.h"

enum { LINE_MAX_LEN = 4096, TIMEOUT_DEFAULT_MS = 5000, TTL_DEFAULT_S = 86400 };

enum block { BLOCK_NONE, BLOCK_WAIT_MSGS, BLOCK_WAIT_REPLIES, BLOCK_SLEEP };

struct chat {
	struct sg_client *c;
	int batch;
	int timeout_ms;
	uint32_t ttl_s;
	const char *known;      /* file of pinned keys, or NULL */
	char in[LINE_MAX_LEN + 1];
	size_t in_len;
	int eof;
	int quit;
	uint64_t msgs, msgs_used;       /* received messages; consumed by "wait" */
	uint64_t replies, replies_used; /* relay replies; consumed by "wait-replies" */
	enum block blk;
	uint64_t blk_n;
	uint64_t blk_until_ms;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vwarn(const char *fmt, va_list ap)
{
	fputs("surge-chat: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

/* A command failed: fatal in batch mode, a warning otherwise.  Returns -1 / 0. */
static int cmd_error(struct chat *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd_error(struct chat *ch, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return ch->batch ? -1 : 0;
}

static const char *reply_name(uint16_t code, char *buf, size_t cap)
{
	static const char *const names[] = {
		[SG_REPLY_STORED] = "STORED",
		[SG_REPLY_UNKNOWN_RECIPIENT] = "UNKNOWN_RECIPIENT",
		[SG_REPLY_RECIPIENT_OFFLINE] = "RECIPIENT_OFFLINE",
		[SG_REPLY_MAILBOX_FULL] = "MAILBOX_FULL",
		[SG_REPLY_POLICY_BLOCKED] = "POLICY_BLOCKED",
		[SG_REPLY_TOO_LARGE] = "TOO_LARGE",
		[SG_REPLY_RATE_LIMITED] = "RATE_LIMITED",
		[SG_REPLY_MALFORMED] = "MALFORMED",
		[SG_REPLY_UNAVAILABLE] = "UNAVAILABLE",
	};

	if (code <= SG_REPLY_CODE_MAX)
		return names[code];
	snprintf(buf, cap, "CODE_%u", code); /* unknown codes are refusals */
	return buf;
}

static const char *close_name(uint16_t reason)
{
	static const char *const names[] = {
		[SG_CLOSE_NORMAL] = "normal",       [SG_CLOSE_IDLE] = "idle",
		[SG_CLOSE_KEY_EXPIRED] = "key_expired", [SG_CLOSE_ADMIN] = "admin",
		[SG_CLOSE_SHUTDOWN] = "shutdown",   [SG_CLOSE_REPLACED] = "replaced",
	};

	return reason <= SG_CLOSE_REASON_MAX ? names[reason] : "normal";
}

/* Body as text: printable ASCII as is, the rest (and '\') escaped. */
static void print_body(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (b[i]) {
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (b[i] >= 0x20 && b[i] < 0x7f)
				putchar(b[i]);
			else
				printf("\\x%02x", b[i]);
		}
	}
}

static void known_append(const struct chat *ch, uint64_t user, const uint8_t key[SG_KEY_LEN])
{
	char b64[SG_KEY_B64_LEN + 1];
	FILE *f;

	if (ch->known == NULL)
		return;
	f = fopen(ch->known, "a");
	if (f == NULL) {
		warn("%s: %s", ch->known, strerror(errno));
		return;
	}
	sg_key_to_base64(b64, key);
	fprintf(f, "%" PRIu64 " %s\n", user, b64);
	fclose(f);
}

static int known_load(struct chat *ch)
{
	char line[256], b64[128];
	uint8_t key[SG_KEY_LEN];
	unsigned long long user;
	unsigned lineno = 0;
	FILE *f;

	if (ch->known == NULL)
		return 0;
	f = fopen(ch->known, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : (warn("%s: %s", ch->known, strerror(errno)), -1);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%llu %127s", &user, b64) != 2 ||
		    sg_key_from_base64(key, b64) != SG_OK || sg_client_pin(ch->c, user, key) != SG_OK) {
			warn("%s:%u: expected USERID BASE64-PUBLIC-KEY", ch->known, lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* Report one event.  Returns -1 when the run must end with an error. */
static int on_event(struct chat *ch, const struct sg_client_event *ev)
{
	char b64[SG_KEY_B64_LEN + 1], name[16];

	switch (ev->type) {
	case SG_CLIENT_EV_MESSAGE:
		if (ev->flags & SG_DATA_F_FROM_MAILBOX)
			sg_client_ack(ch->c, ev->peer, ev->msg_id);
		if (ev->flags & SG_CLIENT_F_DUPLICATE)
			return 0; /* delivered again after a reconnect: acked, not shown */
		ch->msgs++;
		printf("msg from=%" PRIu64 " id=%" PRIu64 " class=%s len=%zu text=", ev->peer,
		       ev->msg_id, ev->cls == SG_CLASS_SECRET ? "secret" : "cloud", ev->len);
		print_body(ev->body, ev->len);
		out("\n");
		return 0;
	case SG_CLIENT_EV_E2E_ERROR:
		if (ev->flags & SG_DATA_F_FROM_MAILBOX)
			sg_client_ack(ch->c, ev->peer, ev->msg_id); /* it will never open */
		if (ev->flags & SG_CLIENT_F_DUPLICATE)
			return 0;
		ch->msgs++;
		out("e2e-error from=%" PRIu64 " id=%" PRIu64 " reason=%s\n", ev->peer, ev->msg_id,
		    sg_client_strerror(ev->status));
		warn("secret message %" PRIu64 " from user %" PRIu64 " could not be decrypted (%s)",
		     ev->msg_id, ev->peer, sg_client_strerror(ev->status));
		return 0;
	case SG_CLIENT_EV_RELAY_REPLY:
		ch->replies++;
		out("reply id=%" PRIu64 " to=%" PRIu64 " code=%s detail=%u\n", ev->msg_id, ev->peer,
		    reply_name(ev->code, name, sizeof(name)), ev->detail);
		return 0;
	case SG_CLIENT_EV_KEY_INFO:
		sg_key_to_base64(b64, ev->key);
		out("key user=%" PRIu64 " status=%s key=%s%s\n", ev->peer,
		    ev->status == SG_OK ? "found" : sg_client_strerror(ev->status), b64,
		    ev->flags & SG_CLIENT_F_NEW_PIN ? " pinned=new" : "");
		if (ev->flags & SG_CLIENT_F_NEW_PIN)
			known_append(ch, ev->peer, ev->key);
		if (ev->status == SG_CLIENT_E_KEY_CHANGED)
			warn("WARNING: the relay now gives user %" PRIu64 " another identity key "
			     "than the one pinned; secret messages to them are refused", ev->peer);
		return 0;
	case SG_CLIENT_EV_SEND_FAILED:
		out("send-failed id=%" PRIu64 " to=%" PRIu64 " reason=%s\n", ev->msg_id, ev->peer,
		    sg_client_strerror(ev->status));
		return cmd_error(ch, "secret message %" PRIu64 " to user %" PRIu64 " not sent: %s",
				 ev->msg_id, ev->peer, sg_client_strerror(ev->status));
	case SG_CLIENT_EV_CLOSED:
		out("closed reason=%s%s\n", close_name(ev->code),
		    ev->flags & SG_CLIENT_F_LOCAL ? " local=1" : "");
		warn("session closed (%s)", close_name(ev->code));
		return -1;
	case SG_CLIENT_EV_NONE:
		break;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || (*end != '\0' && *end != ' '))
		return -1;
	*v = x;
	return 0;
}

static int send_text(struct chat *ch, const char *args, uint8_t cls)
{
	const char *text = strchr(args, ' ');
	uint64_t to, id = 0;
	size_t len;
	int rc;

	if (parse_u64(args, &to) != 0 || text == NULL)
		return cmd_error(ch, "expected: %sUSERID TEXT",
				 cls == SG_CLASS_SECRET ? "/secret " : "");
	text++;
	len = strlen(text);
	rc = sg_client_send(ch->c, to, cls, text, len, ch->ttl_s, &id);
	if (rc < 0)
		return cmd_error(ch, "send to %" PRIu64 ": %s%s%s", to, sg_client_strerror(rc),
				 sg_client_errmsg(ch->c)[0] ? ": " : "", sg_client_errmsg(ch->c));
	out("sent id=%" PRIu64 " to=%" PRIu64 " class=%s len=%zu%s\n", id, to,
	    cls == SG_CLASS_SECRET ? "secret" : "cloud", len,
	    rc == SG_CLIENT_QUEUED ? " queued=1" : "");
	return 0;
}

/* "N [MS]" of wait and wait-replies. */
static int block_on(struct chat *ch, const char *args, enum block what)
{
	uint64_t n, ms = TIMEOUT_DEFAULT_MS;
	const char *sp = strchr(args, ' ');

	if (parse_u64(args, &n) != 0 || (sp != NULL && parse_u64(sp + 1, &ms) != 0))
		return cmd_error(ch, "expected: wait N [MS]");
	ch->blk = what;
	ch->blk_n = n;
	ch->blk_until_ms = now_ms() + ms;
	return 0;
}

/* Close and connect again: with a ticket from the relay this is a resumption. */
static int reconnect(struct chat *ch)
{
	struct sg_client_counters before, after;

	sg_client_get_counters(ch->c, &before);
	sg_client_close(ch->c);
	if (sg_client_connect(ch->c, ch->timeout_ms) != SG_OK)
		return cmd_error(ch, "reconnect: %s", sg_client_errmsg(ch->c));
	sg_client_get_counters(ch->c, &after);
	out("reconnected user %" PRIu64 " resumed=%d suite=%s\n", sg_client_user_id(ch->c),
	    after.resumptions > before.resumptions, sg_client_suite_name(sg_client_suite(ch->c)));
	return 0;
}

static int command(struct chat *ch, char *line)
{
	uint64_t v;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if (strcmp(line, "/quit") == 0) {
		ch->quit = 1;
		return 0;
	}
	if (strcmp(line, "/reconnect") == 0)
		return reconnect(ch);
	if (strncmp(line, "/secret ", 8) == 0)
		return send_text(ch, line + 8, SG_CLASS_SECRET);
	if (strncmp(line, "/lookup ", 8) == 0) {
		if (parse_u64(line + 8, &v) != 0 || strchr(line + 8, ' ') != NULL)
			return cmd_error(ch, "expected: /lookup USERID");
		if (sg_client_lookup(ch->c, v) < 0)
			return cmd_error(ch, "lookup %" PRIu64 ": %s", v,
					 sg_client_errmsg(ch->c));
		return 0;
	}
	if (strncmp(line, "wait ", 5) == 0)
		return block_on(ch, line + 5, BLOCK_WAIT_MSGS);
	if (strncmp(line, "wait-replies ", 13) == 0)
		return block_on(ch, line + 13, BLOCK_WAIT_REPLIES);
	if (strncmp(line, "sleep ", 6) == 0) {
		if (parse_u64(line + 6, &v) != 0)
			return cmd_error(ch, "expected: sleep MS");
		ch->blk = BLOCK_SLEEP;
		ch->blk_until_ms = now_ms() + v;
		return 0;
	}
	if (line[0] >= '0' && line[0] <= '9')
		return send_text(ch, line, SG_CLASS_CLOUD);
	return cmd_error(ch, "unknown command: %.40s", line);
}

/* Is the blocking command done?  -1 when a wait ran out of time. */
static int block_check(struct chat *ch, uint64_t now)
{
	uint64_t *have = ch->blk == BLOCK_WAIT_MSGS ? &ch->msgs : &ch->replies;
	uint64_t *used = ch->blk == BLOCK_WAIT_MSGS ? &ch->msgs_used : &ch->replies_used;

	if (ch->blk == BLOCK_NONE)
		return 0;
	if (ch->blk == BLOCK_SLEEP) {
		if (now >= ch->blk_until_ms)
			ch->blk = BLOCK_NONE;
		return 0;
	}
	if (*have - *used >= ch->blk_n) {
		*used += ch->blk_n;
		ch->blk = BLOCK_NONE;
		return 0;
	}
	if (now >= ch->blk_until_ms) {
		warn("wait: %" PRIu64 " of %" PRIu64 " %s arrived in time", *have - *used, ch->blk_n,
		     ch->blk == BLOCK_WAIT_MSGS ? "messages" : "replies");
		return -1;
	}
	return 0;
}

/* Run the next complete input line, if any.  1 when one ran, 0 none, -1 error. */
static int next_line(struct chat *ch)
{
	char *nl = memchr(ch->in, '\n', ch->in_len);
	size_t n;
	int rc;

	if (nl == NULL) {
		if (!ch->eof || ch->in_len == 0)
			return 0;
		nl = ch->in + ch->in_len; /* last line without a newline */
	}
	n = (size_t)(nl - ch->in);
	ch->in[n] = '\0';
	if (n > 0 && ch->in[n - 1] == '\r')
		ch->in[n - 1] = '\0';
	rc = command(ch, ch->in);
	n = n < ch->in_len ? n + 1 : n;
	memmove(ch->in, ch->in + n, ch->in_len - n);
	ch->in_len -= n;
	return rc < 0 ? -1 : 1;
}

static int read_stdin(struct chat *ch)
{
	ssize_t n = read(STDIN_FILENO, ch->in + ch->in_len, LINE_MAX_LEN - ch->in_len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : (warn("stdin: %s", strerror(errno)), -1);
	if (n == 0)
		ch->eof = 1;
	ch->in_len += (size_t)n;
	if (ch->in_len == LINE_MAX_LEN && memchr(ch->in, '\n', ch->in_len) == NULL) {
		warn("input line longer than %d bytes", LINE_MAX_LEN);
		return -1;
	}
	return 0;
}

static int run(struct chat *ch)
{
	struct sg_client_event *ev = malloc(sizeof(*ev));
	uint64_t drain_until = 0, now;
	struct pollfd pfd[2];
	int rc, wait, due, status = 0;

	if (ev == NULL)
		return -1;
	for (;;) {
		while ((rc = sg_client_poll(ch->c, ev, 0)) > 0)
			if (on_event(ch, ev) < 0)
				goto fail;
		if (rc < 0 && rc != SG_CLIENT_E_NOT_CONNECTED) {
			warn("%s", sg_client_errmsg(ch->c));
			goto fail;
		}
		if (stop_signal || ch->quit)
			break;
		now = now_ms();
		if (block_check(ch, now) < 0)
			goto fail;
		if (ch->blk == BLOCK_NONE) {
			rc = next_line(ch);
			if (rc < 0)
				goto fail;
			if (rc > 0)
				continue;
		}
		if (ch->eof && ch->blk == BLOCK_NONE && ch->in_len == 0) {
			if (drain_until == 0)
				drain_until = now + (uint64_t)ch->timeout_ms;
			if (sg_client_pending(ch->c) == 0)
				break;
			if (now >= drain_until) {
				warn("%u secret message(s) or lookup(s) still in flight after %d ms",
				     sg_client_pending(ch->c), ch->timeout_ms);
				goto fail;
			}
		}
		wait = -1;
		if (ch->blk != BLOCK_NONE)
			wait = ch->blk_until_ms > now ? (int)(ch->blk_until_ms - now) : 0;
		if (drain_until != 0)
			wait = drain_until > now ? (int)(drain_until - now) : 0;
		due = sg_client_next_timeout_ms(ch->c);
		if (due >= 0 && (wait < 0 || due < wait))
			wait = due;
		pfd[0] = (struct pollfd){ .fd = sg_client_fd(ch->c), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		/* stdin is read only when no command blocks, so input waits its turn */
		rc = poll(pfd, ch->blk == BLOCK_NONE && !ch->eof ? 2 : 1, wait);
		if (rc < 0 && errno != EINTR) {
			warn("poll: %s", strerror(errno));
			goto fail;
		}
		if (rc > 0 && ch->blk == BLOCK_NONE && !ch->eof && pfd[1].revents &&
		    read_stdin(ch) < 0)
			goto fail;
	}
	free(ev);
	return status;
fail:
	free(ev);
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-chat --relay ADDR:PORT --relay-key KEYFILE_OR_BASE64_PUB\n"
		"                  --key IDENTITY_FILE [--genkey] [--batch] [--timeout MS]\n"
		"                  [--ttl S] [--known FILE]\n"
		"       surge-chat --genkey --key IDENTITY_FILE\n"
		"input lines: USERID TEXT | /secret USERID TEXT | /lookup USERID | /reconnect | /quit\n"
		"             wait N [MS] | wait-replies N [MS] | sleep MS   (see docs/CLIENT.md)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "relay", required_argument, NULL, 'r' },
		{ "relay-key", required_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'k' },
		{ "genkey", no_argument, NULL, 'g' },
		{ "batch", no_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "known", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct chat ch = { .timeout_ms = TIMEOUT_DEFAULT_MS, .ttl_s = TTL_DEFAULT_S };
	struct sg_client_config cfg = { 0 };
	const char *relay = NULL, *relay_key = NULL, *key = NULL;
	char err[256], b64[SG_KEY_B64_LEN + 1];
	int genkey = 0, created = 0, o, rc;
	uint64_t v;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': relay = optarg; break;
		case 'R': relay_key = optarg; break;
		case 'k': key = optarg; break;
		case 'g': genkey = 1; break;
		case 'b': ch.batch = 1; break;
		case 'K': ch.known = optarg; break;
		case 't':
		case 'T':
			if (parse_u64(optarg, &v) != 0 || v > INT32_MAX) {
				warn("--%s: expected a number", o == 't' ? "timeout" : "ttl");
				return 2;
			}
			if (o == 't')
				ch.timeout_ms = (int)v;
			else
				ch.ttl_s = (uint32_t)v;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || key == NULL || (!genkey && (relay == NULL || relay_key == NULL)) ||
	    (relay == NULL) != (relay_key == NULL)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sg_crypto_init() != SG_OK) {
		warn("libsodium failed to start");
		return 1;
	}
	if (sg_client_identity_load(key, genkey, &cfg.identity, &created, err, sizeof(err)) !=
	    SG_OK) {
		warn("%s", err);
		return 1;
	}
	if (genkey) {
		sg_key_to_base64(b64, cfg.identity.pub);
		out("%s\n", b64);
		if (relay == NULL)
			return 0;
	}
	if (sg_client_relay_key(relay_key, cfg.relay_pub, err, sizeof(err)) != SG_OK) {
		warn("--relay-key: %s", err);
		return 1;
	}
	cfg.relay = relay;
	ch.c = sg_client_new(&cfg, err, sizeof(err));
	sg_keypair_wipe(&cfg.identity);
	if (ch.c == NULL) {
		warn("%s", err);
		return 1;
	}
	if (known_load(&ch) != 0) {
		sg_client_free(ch.c);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = sg_client_connect(ch.c, ch.timeout_ms);
	if (rc != SG_OK) {
		warn("connect to %s: %s", relay, sg_client_errmsg(ch.c));
		sg_client_free(ch.c);
		return 1;
	}
	out("connected user %" PRIu64 " signed_up=%d suite=%s\n", sg_client_user_id(ch.c),
	    sg_client_signed_up(ch.c), sg_client_suite_name(sg_client_suite(ch.c)));
	rc = run(&ch);
	sg_client_close(ch.c);
	sg_client_free(ch.c);
	return rc < 0 ? 1 : 0;
}
