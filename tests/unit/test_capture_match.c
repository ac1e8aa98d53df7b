/* SPDX-License-Identifier: MIT */
/*
 * test_capture_match.c - which frames a session capture takes
 * (control/capture_match.h): a table of messages, each built into a whole
 * Ethernet frame (IPv4, and IPv6 for some), received or sent, with the
 * answer expected for one session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/capture_match.h"
#include "proto/bytes.h"
#include "proto/pkt.h"

#define SESSION 0x00420003u
#define PEER 0xa1b2c3d4u /* the client's index */
enum { PEER_PORT = 40000, RELAY_PORT = 7443 };

static const struct sg_capture_filter filter = {
	.session = SESSION, .peer_index = PEER, .peer_port = PEER_PORT,
};

struct row {
	const char *what;
	int out;          /* 1: sent by the relay */
	uint8_t type;
	uint32_t index;   /* at offset 4: sender (handshakes) or receiver (transport) */
	uint16_t len;     /* UDP payload bytes */
	uint16_t port;    /* the client's UDP port */
	int family;
	int expect;
};

static const struct row rows[] = {
	{ "DATA in to the session", 0, 4, SESSION, 68, PEER_PORT, 4, 1 },
	{ "DATA in over IPv6", 0, 4, SESSION, 68, PEER_PORT, 6, 1 },
	{ "KEEPALIVE in", 0, 5, SESSION, 32, PEER_PORT, 4, 1 },
	{ "CLOSE in", 0, 6, SESSION, 36, PEER_PORT, 4, 1 },
	{ "DATA in from another client port (roamed)", 0, 4, SESSION, 68, 41000, 4, 1 },
	{ "DATA in to another session", 0, 4, SESSION + 1, 68, PEER_PORT, 4, 0 },
	{ "HANDSHAKE_INIT in (names no relay index)", 0, 1, SESSION, 156, PEER_PORT, 4, 0 },
	{ "RESUME in", 0, 11, SESSION, 180, PEER_PORT, 4, 0 },
	{ "DATA in shorter than a header", 0, 4, SESSION, 15, PEER_PORT, 4, 0 },
	{ "HANDSHAKE_RESP out opening it", 1, 2, SESSION, 108, PEER_PORT, 4, 1 },
	{ "HANDSHAKE_RESP out of another", 1, 2, SESSION + 1, 108, PEER_PORT, 4, 0 },
	{ "RESUME_RESP out opening it", 1, 13, SESSION, 92, PEER_PORT, 6, 1 },
	{ "DATA out to the client", 1, 4, PEER, 68, PEER_PORT, 4, 1 },
	{ "TICKET out to the client", 1, 12, PEER, 164, PEER_PORT, 4, 1 },
	{ "RELAY_REPLY out to the client", 1, 7, PEER, 56, PEER_PORT, 6, 1 },
	{ "DATA out, same index, another client's port", 1, 4, PEER, 68, PEER_PORT + 1, 4, 0 },
	{ "DATA out to another index", 1, 4, PEER + 1, 68, PEER_PORT, 4, 0 },
	{ "DATA out naming the relay's index", 1, 4, SESSION, 68, PEER_PORT, 4, 0 },
	{ "COOKIE_REPLY out (not a transport message)", 1, 3, PEER, 64, PEER_PORT, 4, 0 },
};

/* The row's message in a whole frame; returns its length. */
static size_t build(const struct row *r, uint8_t *f, size_t cap)
{
	struct sg_endpoint relay = { .mac = { 2, 0, 0, 0, 0, 1 }, .port = RELAY_PORT };
	struct sg_endpoint client = { .mac = { 2, 0, 0, 0, 0, 2 }, .port = r->port };
	unsigned hl;

	relay.family = client.family = (uint8_t)r->family;
	if (r->family == 4) {
		memcpy(relay.addr, (uint8_t[]){ 198, 18, 0, 1 }, 4);
		memcpy(client.addr, (uint8_t[]){ 198, 18, 0, 2 }, 4);
	} else {
		memcpy(relay.addr, (uint8_t[]){ 0x20, 0x01, 0, 2, [15] = 1 }, 16);
		memcpy(client.addr, (uint8_t[]){ 0x20, 0x01, 0, 2, [15] = 2 }, 16);
	}
	hl = r->out ? sg_pkt_write_udp_headers(f, &relay, &client, r->len) :
		      sg_pkt_write_udp_headers(f, &client, &relay, r->len);
	assert_true(hl + r->len <= cap);
	memset(f + hl, 0x5a, r->len);
	f[hl] = r->type;
	f[hl + 1] = f[hl + 2] = f[hl + 3] = 0;
	if (r->len >= 8)
		sg_put_le32(f + hl + 4, r->index);
	return hl + r->len;
}

static void test_table(void **state)
{
	uint8_t frame[512];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = build(&rows[i], frame, sizeof(frame));
		uint8_t *exact = malloc(len); /* exactly its length: reads past it are caught */

		assert_non_null(exact);
		memcpy(exact, frame, len);
		if (sg_capture_match(&filter, exact, len, rows[i].out) != rows[i].expect)
			fail_msg("%s: expected %d", rows[i].what, rows[i].expect);
		free(exact);
	}
}

/* Frames that do not parse, or are not UDP, are never a session's. */
static void test_not_udp(void **state)
{
	static const struct row data = { "DATA in", 0, 4, SESSION, 68, PEER_PORT, 4, 1 };
	uint8_t frame[512];
	size_t len = build(&data, frame, sizeof(frame));

	(void)state;
	assert_int_equal(sg_capture_match(&filter, frame, len, 0), 1);
	for (size_t cut = 0; cut < len - 16; cut++)
		assert_int_equal(sg_capture_match(&filter, frame, cut, 0), 0);
	frame[12] = 0x08, frame[13] = 0x06; /* ARP */
	assert_int_equal(sg_capture_match(&filter, frame, len, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_not_udp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
