/* SPDX-License-Identifier: MIT */
/*
 * core_probe.c - the client and the core scanner of tests/integration/core_keys.sh,
 * and a mailbox filler for scripts/memory-fill.
 *
 *   surge-test-core-probe connect RELAY RELAY_PUB_FILE OUT
 *     as two libsurge clients: alice signs up and closes (offline); bob
 *     signs up (through a cookie when the relay asks for one), sends
 *     himself a cloud message and waits for it (so a worker has opened and
 *     sealed with both of his session's keys), and sends alice a cloud
 *     message with a random body, which the relay stores (STORED).  Bob
 *     stays connected (no CLOSE).  OUT gets one "name hex" line each for
 *     what the relay then holds or held: bob's session keys, his cookie and
 *     the source it was made for, his identity public key, the stored body.
 *
 *   surge-test-core-probe fill RELAY RELAY_PUB_FILE USERS MESSAGES SIZE
 *     USERS clients sign up and leave; one more fills their mailboxes with
 *     MESSAGES cloud messages of SIZE bytes (for docs/SECURITY.md's memory
 *     measurements, scripts/memory-fill).
 *
 *   surge-test-core-probe scan CORE NAME=HEX ... [cookie=COOKIE:SOURCE]
 *     prints "NAME N" for each pattern: how many times its bytes occur in
 *     the file CORE; for cookie=, how many 8-aligned 32-byte windows of the
 *     file are a key under which BLAKE2b-128(key, SOURCE) is COOKIE: the
 *     relay's cookie secret, wherever a copy of it lies (crypto/cookie.h).
 *     The window search first proves itself on a planted secret.
 *
 * It reads the client's state through client/client_int.h (a test's
 * privilege) and calls libsodium directly as an independent reference.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "client/client_int.h"
#include "client/surge.h"
#include "proto/messages.h"

static int die(const char *what)
{
	fprintf(stderr, "core_probe: %s\n", what);
	return 1;
}

static void put_hex(FILE *f, const char *name, const uint8_t *p, size_t n)
{
	fprintf(f, "%s ", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fprintf(f, "\n");
}

static struct sg_client *client(const char *relay, const uint8_t pub[SG_KEY_LEN])
{
	struct sg_client_config cfg;
	struct sg_client *c;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.relay = relay;
	memcpy(cfg.relay_pub, pub, SG_KEY_LEN);
	sg_keypair_generate(&cfg.identity);
	cfg.handshake_retry_ms = 300;
	c = sg_client_new(&cfg, err, sizeof(err));
	sg_keypair_wipe(&cfg.identity);
	if (!c || sg_client_connect(c, 10000) != SG_OK) {
		fprintf(stderr, "core_probe: connect: %s\n", c ? sg_client_errmsg(c) : err);
		sg_client_free(c);
		return NULL;
	}
	return c;
}

/* Wait (10 s at most) for an event of type; 0, or -1. */
static int wait_for(struct sg_client *c, int type, struct sg_client_event *ev)
{
	for (int i = 0; i < 100; i++)
		if (sg_client_poll(c, ev, 100) == type)
			return 0;
	return -1;
}

static int do_connect(const char *relay, const char *pubfile, const char *out)
{
	static struct sg_client_event ev;
	uint8_t pub[SG_KEY_LEN], body[200], src[18];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct sg_client *alice, *bob;
	uint64_t alice_id, bob_id;
	char err[256];
	FILE *f;

	if (sg_client_relay_key(pubfile, pub, err, sizeof(err)) != SG_OK)
		return die(err);
	alice = client(relay, pub);
	if (!alice)
		return 1;
	alice_id = sg_client_user_id(alice);
	sg_client_close(alice);
	sg_client_free(alice);

	bob = client(relay, pub);
	if (!bob)
		return 1;
	bob_id = sg_client_user_id(bob);
	if (sg_client_send(bob, bob_id, SG_CLASS_CLOUD, "to myself", 9, 0, NULL) != SG_OK ||
	    wait_for(bob, SG_CLIENT_EV_MESSAGE, &ev) != 0)
		return die("bob's message to himself did not come back");
	randombytes_buf(body, sizeof(body));
	if (sg_client_send(bob, alice_id, SG_CLASS_CLOUD, body, sizeof(body), 3600, NULL) != SG_OK ||
	    wait_for(bob, SG_CLIENT_EV_RELAY_REPLY, &ev) != 0 || ev.code != SG_REPLY_STORED)
		return die("bob's message to alice was not STORED");
	if (!bob->maker.have_cookie)
		return die("bob holds no cookie: run the relay with cookie_backlog 0");
	if (getsockname(sg_client_fd(bob), (struct sockaddr *)&sa, &salen) != 0 ||
	    sa.sin_family != AF_INET)
		return die("getsockname: not IPv4");
	memcpy(src, &sa.sin_addr, 4);
	memcpy(src + 4, &sa.sin_port, 2); /* the address bytes, then the port, big-endian */

	f = fopen(out, "w");
	if (!f)
		return die("cannot write OUT");
	put_hex(f, "session_send", bob->cur.keys.send, SG_KEY_LEN);
	put_hex(f, "session_recv", bob->cur.keys.recv, SG_KEY_LEN);
	put_hex(f, "identity_pub", bob->id.pub, SG_KEY_LEN);
	put_hex(f, "stored_body", body, sizeof(body));
	fprintf(f, "cookie ");
	for (size_t i = 0; i < SG_COOKIE_LEN; i++)
		fprintf(f, "%02x", bob->maker.cookie[i]);
	fprintf(f, ":");
	for (size_t i = 0; i < 6; i++)
		fprintf(f, "%02x", src[i]);
	fprintf(f, "\n");
	fclose(f);
	sg_client_free(bob); /* no CLOSE: the session stays live on the relay */
	return 0;
}

static size_t from_hex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (h[0] && h[1] && n < max) {
		unsigned v;

		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static size_t count_bytes(const uint8_t *hay, size_t n, const uint8_t *pat, size_t m)
{
	size_t count = 0;
	const uint8_t *p = hay, *end = hay + n;

	while (p < end) {
		const uint8_t *q = memmem(p, (size_t)(end - p), pat, m);

		if (!q)
			break;
		count++;
		p = q + 1;
	}
	return count;
}

/* 8-aligned 32-byte windows w of buf with BLAKE2b-128(key = w, src) == cookie. */
static size_t count_cookie_keys(const uint8_t *buf, size_t n, const uint8_t cookie[16],
				const uint8_t *src, size_t srclen)
{
	static const uint8_t zero[32];
	uint8_t mac[16];
	size_t count = 0;

	for (size_t off = 0; off + 32 <= n; off += 8) {
		if (memcmp(buf + off, zero, 32) == 0)
			continue;
		crypto_generichash(mac, sizeof(mac), src, srclen, buf + off, 32);
		if (memcmp(mac, cookie, sizeof(mac)) == 0)
			count++;
	}
	return count;
}

/* The window search must find a planted secret, or its zero count proves nothing. */
static int cookie_self_test(void)
{
	uint8_t buf[4096], secret[32], cookie[16], src[6] = { 198, 18, 0, 2, 0x1c, 0x23 };

	memset(buf, 0xa5, sizeof(buf));
	randombytes_buf(secret, sizeof(secret));
	memcpy(buf + 1024 + 64, secret, sizeof(secret));
	crypto_generichash(cookie, sizeof(cookie), src, sizeof(src), secret, sizeof(secret));
	return count_cookie_keys(buf, sizeof(buf), cookie, src, sizeof(src)) == 1 ? 0 : -1;
}

static int do_scan(int argc, char **argv)
{
	const char *path = argv[0];
	struct stat st;
	uint8_t *core;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
		return die("cannot read the core file");
	core = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (core == MAP_FAILED)
		return die("cannot map the core file");
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint8_t pat[512], cookie[16], src[18];
		size_t m, sl;

		if (!eq)
			return die("scan: NAME=HEX expected");
		*eq = '\0';
		if (strcmp(argv[i], "cookie") == 0) {
			char *colon = strchr(eq + 1, ':');

			if (!colon || from_hex(eq + 1, cookie, sizeof(cookie)) != sizeof(cookie))
				return die("scan: cookie=COOKIE:SOURCE expected");
			sl = from_hex(colon + 1, src, sizeof(src));
			if (cookie_self_test() != 0)
				return die("scan: the cookie search missed a planted secret");
			printf("cookie_secret %zu\n",
			       count_cookie_keys(core, (size_t)st.st_size, cookie, src, sl));
			continue;
		}
		m = from_hex(eq + 1, pat, sizeof(pat));
		if (m < 16)
			return die("scan: a pattern of at least 16 bytes expected");
		printf("%s %zu\n", argv[i], count_bytes(core, (size_t)st.st_size, pat, m));
	}
	munmap(core, (size_t)st.st_size);
	return 0;
}

/*
 * fill: `users` clients sign up and close (offline, registered); one more
 * sends them `msgs` cloud messages of `size` bytes round-robin (TTL 1 day),
 * at most 256 unanswered, and counts the STORED replies.  For measuring the
 * relay's memory with full mailboxes (docs/SECURITY.md).
 */
static int do_fill(const char *relay, const char *pubfile, unsigned users, unsigned msgs,
		   unsigned size)
{
	static struct sg_client_event ev;
	static uint8_t body[SG_BODY_MAX];
	uint8_t pub[SG_KEY_LEN];
	uint64_t first = 0, stored = 0, refused = 0, sent = 0;
	struct sg_client *c;
	char err[256];

	if (sg_client_relay_key(pubfile, pub, err, sizeof(err)) != SG_OK)
		return die(err);
	if (size > sizeof(body) || users == 0)
		return die("fill: bad size or users");
	for (unsigned i = 0; i < users; i++) {
		c = client(relay, pub);
		if (!c)
			return 1;
		if (i == 0)
			first = sg_client_user_id(c);
		sg_client_close(c);
		sg_client_free(c);
	}
	c = client(relay, pub);
	if (!c)
		return 1;
	randombytes_buf(body, size);
	while (stored + refused < msgs) {
		int rc;

		while (sent < msgs && sent - stored - refused < 256) {
			if (sg_client_send(c, first + sent % users, SG_CLASS_CLOUD, body, size, 86400,
					   NULL) != SG_OK)
				return die("fill: send failed");
			sent++;
		}
		rc = sg_client_poll(c, &ev, 2000);
		if (rc == SG_CLIENT_EV_RELAY_REPLY) {
			if (ev.code == SG_REPLY_STORED)
				stored++;
			else
				refused++;
		} else if (rc == SG_CLIENT_EV_NONE) {
			fprintf(stderr, "core_probe: fill: no reply for 2 s (%llu stored of %llu sent)\n",
				(unsigned long long)stored, (unsigned long long)sent);
			break;
		} else if (rc < 0) {
			return die("fill: poll failed");
		}
	}
	printf("fill: %u users from id %llu, %llu messages of %u bytes sent, %llu stored, "
	       "%llu refused, %llu unanswered\n", users, (unsigned long long)first,
	       (unsigned long long)sent, size, (unsigned long long)stored,
	       (unsigned long long)refused, (unsigned long long)(sent - stored - refused));
	sg_client_close(c);
	sg_client_free(c);
	/* UDP: a few may go unanswered (a full ring, a lost datagram); a fill, not a test. */
	return stored >= msgs - msgs / 20 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return die("libsodium");
	if (argc == 5 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3], argv[4]);
	if (argc == 7 && strcmp(argv[1], "fill") == 0)
		return do_fill(argv[2], argv[3], (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]),
			       (unsigned)atoi(argv[6]));
	if (argc >= 4 && strcmp(argv[1], "scan") == 0)
		return do_scan(argc - 2, argv + 2);
	fprintf(stderr, "usage: surge-test-core-probe connect RELAY RELAY_PUB_FILE OUT\n"
			"       surge-test-core-probe fill RELAY RELAY_PUB_FILE USERS MESSAGES SIZE\n"
			"       surge-test-core-probe scan CORE NAME=HEX ... [cookie=COOKIE:SOURCE]\n");
	return 2;
}
