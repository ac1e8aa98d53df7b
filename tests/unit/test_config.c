/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - the relay's configuration (control/config.c).
 *
 * Tables: good lines with the value they leave (rendered as text by show()),
 * bad lines with a piece of their error message (the config must stay
 * untouched), validate failures.  Files are written to temp files to check
 * comments, line numbers in errors, long lines, unreadable paths.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The value of key in c as text: numbers in decimal, the last address added. */
static void show(const struct sg_config *c, const char *key, char *out, size_t n)
{
	out[0] = '\0';
	if (!strcmp(key, "udp_port"))
		snprintf(out, n, "%u", c->udp_port);
	else if (!strcmp(key, "workers"))
		snprintf(out, n, "%u", c->workers);
	else if (!strcmp(key, "burst"))
		snprintf(out, n, "%u", c->burst);
	else if (!strcmp(key, "keepalive"))
		snprintf(out, n, "%u", c->keepalive_s);
	else if (!strcmp(key, "max_sessions"))
		snprintf(out, n, "%u", (unsigned)c->max_sessions);
	else if (!strcmp(key, "max_users"))
		snprintf(out, n, "%u", (unsigned)c->max_users);
	else if (!strcmp(key, "cookie_backlog"))
		snprintf(out, n, "%u", c->cookie_backlog);
	else if (!strcmp(key, "handshake_rate"))
		snprintf(out, n, "%u", c->handshake_rate);
	else if (!strcmp(key, "handshake_burst"))
		snprintf(out, n, "%u", c->handshake_burst);
	else if (!strcmp(key, "store_dir"))
		snprintf(out, n, "%s", c->store_dir);
	else if (!strcmp(key, "store_init"))
		snprintf(out, n, "%u", c->store_init);
	else if (!strcmp(key, "mailbox_per_user"))
		snprintf(out, n, "%u", c->mailbox_per_user);
	else if (!strcmp(key, "mailbox_max_ttl"))
		snprintf(out, n, "%u", c->mailbox_max_ttl);
	else if (!strcmp(key, "mbufs"))
		snprintf(out, n, "%u", c->mbufs);
	else if (!strcmp(key, "key_file"))
		snprintf(out, n, "%s", c->key_file);
	else if (!strcmp(key, "control_socket"))
		snprintf(out, n, "%s", c->control_socket);
	else if (!strcmp(key, "crypto"))
		snprintf(out, n, "%s", c->crypto);
	else if (!strcmp(key, "address4") && c->n_addr4)
		inet_ntop(AF_INET, c->addr4[c->n_addr4 - 1], out, (socklen_t)n);
	else if (!strcmp(key, "address6") && c->n_addr6)
		inet_ntop(AF_INET6, c->addr6[c->n_addr6 - 1], out, (socklen_t)n);
	else if (!strcmp(key, "ports"))
		for (unsigned i = 0; i < c->n_ports; i++)
			snprintf(out + strlen(out), n - strlen(out), "%s%u", i ? "," : "",
				 c->ports[i]);
	else if (!strcmp(key, "gateway_mac") && c->has_gateway_mac)
		snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", c->gateway_mac[0],
			 c->gateway_mac[1], c->gateway_mac[2], c->gateway_mac[3],
			 c->gateway_mac[4], c->gateway_mac[5]);
}

static void test_defaults(void **state)
{
	struct sg_config c;
	char err[256];

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	sg_config_defaults(&c);
	assert_int_equal(c.n_addr4, 0);
	assert_int_equal(c.n_addr6, 0);
	assert_int_equal(c.udp_port, 7443);
	assert_string_equal(c.key_file, "");
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.n_ports, 1);
	assert_int_equal(c.ports[0], 0);
	assert_int_equal(c.has_gateway_mac, 0);
	assert_int_equal(c.max_sessions, 65535);
	assert_int_equal(c.max_users, 1048576);
	assert_string_equal(c.control_socket, "/run/surge/relay.sock");
	assert_int_equal(c.keepalive_s, 25);
	assert_int_equal(c.burst, 32);
	assert_int_equal(c.mbufs, 8191);
	assert_int_equal(c.cookie_backlog, 256);
	assert_int_equal(c.handshake_rate, 20);
	assert_int_equal(c.handshake_burst, 5);
	assert_string_equal(c.store_dir, "");
	assert_int_equal(c.store_init, 0);
	assert_int_equal(c.store_sync, 1);
	assert_int_equal(c.store_map_mib, 4096);
	assert_int_equal(c.mailbox_per_user, 256);
	assert_int_equal(c.mailbox_total, 1000000);
	assert_int_equal(c.mailbox_max_ttl, 604800);
	assert_int_equal(c.ticket_lifetime_s, 43200);
	assert_string_equal(c.crypto, "auto");
	/* defaults alone are not a runnable config: no key, no address */
	assert_int_equal(sg_config_validate(&c, err, sizeof(err)), -1);
}

struct good {
	const char *line;
	const char *key;  /* NULL: a line that changes nothing */
	const char *want; /* show(key) afterwards */
};

static const struct good good_lines[] = {
	{ "udp_port = 7443", "udp_port", "7443" },
	{ "udp_port=1", "udp_port", "1" },
	{ "  udp_port   =   65535   ", "udp_port", "65535" },
	{ "\tudp_port\t=\t443\t# https", "udp_port", "443" },
	{ "udp_port = 0080", "udp_port", "80" },
	{ "udp_port = 9000 #", "udp_port", "9000" },
	{ "udp_port = 7444\n", "udp_port", "7444" },
	{ "udp_port = 7445\r\n", "udp_port", "7445" },
	{ "workers = 1", "workers", "1" },
	{ "workers = 64", "workers", "64" },
	{ "burst = 1", "burst", "1" },
	{ "burst = 64", "burst", "64" },
	{ "keepalive = 5", "keepalive", "5" },
	{ "keepalive = 3600", "keepalive", "3600" },
	{ "max_sessions = 16", "max_sessions", "16" },
	{ "max_sessions = 16777215", "max_sessions", "16777215" },
	{ "max_users = 1", "max_users", "1" },
	{ "store_dir = /var/lib/surge", "store_dir", "/var/lib/surge" },
	{ "store_init = 1", "store_init", "1" },
	{ "mailbox_per_user = 65535", "mailbox_per_user", "65535" },
	{ "mailbox_max_ttl = 60", "mailbox_max_ttl", "60" },
	{ "max_users = 100000000", "max_users", "100000000" },
	{ "mbufs = 1023", "mbufs", "1023" },
	{ "cookie_backlog = 0", "cookie_backlog", "0" },
	{ "cookie_backlog = 1048576", "cookie_backlog", "1048576" },
	{ "handshake_rate = 1", "handshake_rate", "1" },
	{ "handshake_rate = 1000000", "handshake_rate", "1000000" },
	{ "handshake_burst = 1", "handshake_burst", "1" },
	{ "handshake_burst = 1000000", "handshake_burst", "1000000" },
	{ "mbufs = 1048575", "mbufs", "1048575" },
	{ "key_file = /etc/surge/relay.key", "key_file", "/etc/surge/relay.key" },
	{ "key_file = /srv/my keys/k#1.key  # a '#' inside a word stays", "key_file",
	  "/srv/my keys/k#1.key" },
	{ "key_file = relative.key", "key_file", "relative.key" },
	{ "control_socket = /tmp/surge/ctl.sock", "control_socket", "/tmp/surge/ctl.sock" },
	{ "crypto = sodium", "crypto", "sodium" },
	{ "crypto = auto", "crypto", "auto" },
	{ "crypto = cryptodev:crypto_aesni_gcm", "crypto", "cryptodev:crypto_aesni_gcm" },
	{ "crypto = cryptodev:crypto_qat  # QAT", "crypto", "cryptodev:crypto_qat" },
	{ "address4 = 198.18.0.1", "address4", "198.18.0.1" },
	{ "address4 = 10.255.255.254", "address4", "10.255.255.254" },
	{ "address6 = 2001:2::1", "address6", "2001:2::1" },
	{ "address6 = 2001:0002:0000:0000:0000:0000:0000:00ff", "address6", "2001:2::ff" },
	{ "address6 = fe80::1", "address6", "fe80::1" },
	{ "ports = 1", "ports", "1" },
	{ "ports = 0,1, 2 ,3", "ports", "0,1,2,3" },
	{ "ports = 1023,0", "ports", "1023,0" },
	{ "ports = 0,1,2,3,4,5,6,7", "ports", "0,1,2,3,4,5,6,7" },
	{ "gateway_mac = 02:00:5E:10:00:01", "gateway_mac", "02:00:5e:10:00:01" },
	{ "gateway_mac = fe:ff:ff:ff:ff:ff", "gateway_mac", "fe:ff:ff:ff:ff:ff" },
	{ "# a comment", NULL, NULL },
	{ "   # an indented comment = with an equals sign", NULL, NULL },
	{ "#udp_port = 1", NULL, NULL },
	{ "", NULL, NULL },
	{ " \t \t", NULL, NULL },
	{ "\n", NULL, NULL },
	{ "\r\n", NULL, NULL },
};

static void test_good_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good_lines); i++) {
		const struct good *g = &good_lines[i];
		struct sg_config c, d;
		char err[256] = "", got[256];

		sg_config_defaults(&c);
		sg_config_defaults(&d);
		if (sg_config_parse_line(&c, g->line, err, sizeof(err)) != 0)
			fail_msg("line %zu '%s': refused: %s", i, g->line, err);
		if (!g->key) {
			if (memcmp(&c, &d, sizeof(c)) != 0)
				fail_msg("line %zu '%s' changed the config", i, g->line);
			continue;
		}
		show(&c, g->key, got, sizeof(got));
		if (strcmp(got, g->want) != 0)
			fail_msg("line %zu '%s': %s is '%s', want '%s'", i, g->line, g->key, got,
				 g->want);
	}
}

struct bad {
	const char *line;
	const char *msg; /* must occur in the error */
};

static const struct bad bad_lines[] = {
	{ "udp_port 7443", "missing '=' in 'udp_port 7443'" },
	{ "crypto = fastest", "crypto: 'fastest': expected auto, sodium or cryptodev:<driver>" },
	{ "crypto = cryptodev:", "crypto: 'cryptodev:': the driver name must be 1..63 bytes" },
	{ "crypto = cryptodev:crypto_aesni_gcm,socket_id=0", "a driver name is made of a-z, 0-9 and _" },
	{ "crypto = Sodium", "expected auto, sodium or cryptodev:<driver>" },
	{ "crypto = cryptodev:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "the driver name must be 1..63 bytes" },
	{ "udp_port   ", "missing '=' in 'udp_port'" },
	{ "= 7443", "missing key before '='" },
	{ "  =", "missing key before '='" },
	{ "udp port = 1", "blank in key 'udp port'" },
	{ "udpport = 1", "unknown key 'udpport'" },
	{ "UDP_PORT = 1", "unknown key 'UDP_PORT'" },
	{ "address = 198.18.0.1", "unknown key 'address'" },
	/* A key file given as the config: its base64 is never echoed (SECURITY.md). */
	{ "mDzFk1hOQkjv0AOSPAKuwcJ1L+Q0p7QSlmoqJOkHlHw=", "unknown key '(not shown: not a key name)'" },
	{ "mDzFk1hOQkjv0AOSPAKuwcJ1LQ0p7QSlmoqJOkHlHw", "missing '=' in '(not shown: not a key name)'" },
	{ "udp_port =", "udp_port: empty value" },
	{ "udp_port =   \t", "udp_port: empty value" },
	{ "udp_port = # nothing", "udp_port: empty value" },
	{ "udp_port = 0", "udp_port: 0 is out of range 1..65535" },
	{ "store_init = 2", "store_init: 2 is out of range 0..1" },
	{ "ticket_lifetime = 599", "ticket_lifetime: 599 is out of range 600..604800" },
	{ "mailbox_per_user = 0", "mailbox_per_user: 0 is out of range 1..65535" },
	{ "udp_port = 65536", "udp_port: 65536 is out of range 1..65535" },
	{ "udp_port = -1", "udp_port: -1 is out of range 1..65535" },
	{ "udp_port = 99999999999999999999999", "is out of range 1..65535" },
	{ "udp_port = 0x1F", "udp_port: not a decimal number: '0x1F'" },
	{ "udp_port = 7443abc", "not a decimal number: '7443abc'" },
	{ "udp_port = +7443", "not a decimal number: '+7443'" },
	{ "udp_port = 7 443", "not a decimal number: '7 443'" },
	{ "udp_port = 7443#x", "not a decimal number: '7443#x'" },
	{ "udp_port = -", "not a decimal number: '-'" },
	{ "workers = 0", "workers: 0 is out of range 1..64" },
	{ "workers = 65", "workers: 65 is out of range 1..64" },
	{ "burst = 0", "burst: 0 is out of range 1..64" },
	{ "burst = 65", "burst: 65 is out of range 1..64" },
	{ "keepalive = 4", "keepalive: 4 is out of range 5..3600" },
	{ "keepalive = 3601", "keepalive: 3601 is out of range 5..3600" },
	{ "max_sessions = 15", "max_sessions: 15 is out of range 16..16777215" },
	{ "max_sessions = 16777216", "max_sessions: 16777216 is out of range 16..16777215" },
	{ "max_users = 0", "max_users: 0 is out of range 1..100000000" },
	{ "max_users = 100000001", "max_users: 100000001 is out of range 1..100000000" },
	{ "mbufs = 1022", "mbufs: 1022 is out of range 1023..1048575" },
	{ "mbufs = 1048576", "mbufs: 1048576 is out of range 1023..1048575" },
	{ "cookie_backlog = 1048577", "cookie_backlog: 1048577 is out of range 0..1048576" },
	{ "cookie_backlog = -1", "cookie_backlog: -1 is out of range 0..1048576" },
	{ "handshake_rate = 0", "handshake_rate: 0 is out of range 1..1000000" },
	{ "handshake_rate = 1000001", "handshake_rate: 1000001 is out of range 1..1000000" },
	{ "handshake_rate = 2.5", "handshake_rate: not a decimal number: '2.5'" },
	{ "handshake_burst = 0", "handshake_burst: 0 is out of range 1..1000000" },
	{ "handshake_burst = 1000001", "handshake_burst: 1000001 is out of range 1..1000000" },
	{ "address4 = 198.18.0", "address4: bad IPv4 address '198.18.0'" },
	{ "address4 = 198.18.0.1/24", "bad IPv4 address '198.18.0.1/24' (no prefix length)" },
	{ "address4 = 256.1.1.1", "address4: bad IPv4 address '256.1.1.1'" },
	{ "address4 = 2001:2::1", "address4: bad IPv4 address '2001:2::1'" },
	{ "address4 = relay.example", "address4: bad IPv4 address 'relay.example'" },
	{ "address4 = 0.0.0.0", "address4: 0.0.0.0 is not a unicast address" },
	{ "address4 = 224.0.0.1", "address4: 224.0.0.1 is not a unicast address" },
	{ "address4 = 255.255.255.255", "is not a unicast address" },
	{ "address6 = 198.18.0.1", "address6: bad IPv6 address '198.18.0.1'" },
	{ "address6 = 2001:2::1/64", "(no prefix length)" },
	{ "address6 = 2001:2:::1", "address6: bad IPv6 address" },
	{ "address6 = ::", "address6: :: is not a unicast address" },
	{ "address6 = ff02::1", "address6: ff02::1 is not a unicast address" },
	{ "ports = 0,,1", "ports: empty item in list '0,,1'" },
	{ "ports = 0,", "ports: empty item in list" },
	{ "ports = ,0", "ports: empty item in list" },
	{ "ports = 1024", "ports: bad port id '1024' (0..1023)" },
	{ "ports = a", "ports: bad port id 'a'" },
	{ "ports = -1", "ports: bad port id '-1'" },
	{ "ports = 1 2", "ports: bad port id '1 2'" },
	{ "ports = 1,1", "ports: duplicate port 1" },
	{ "ports = 0,1,2,3,4,5,6,7,8", "ports: too many ports (at most 8)" },
	{ "gateway_mac = 02:00:5e:10:00", "gateway_mac: bad MAC address '02:00:5e:10:00'" },
	{ "gateway_mac = 02-00-5e-10-00-01", "(expected xx:xx:xx:xx:xx:xx)" },
	{ "gateway_mac = 02:00:5e:10:00:0g", "gateway_mac: bad MAC address" },
	{ "gateway_mac = 2:0:5e:10:0:1", "gateway_mac: bad MAC address" },
	{ "gateway_mac = 02:00:5e:10:00:01:", "gateway_mac: bad MAC address" },
	{ "gateway_mac = ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff is not a unicast MAC address" },
	{ "gateway_mac = 01:00:5e:00:00:01", "is not a unicast MAC address" },
	{ "gateway_mac = 00:00:00:00:00:00", "is not a unicast MAC address" },
	{ "udp_port = 74\00143", "control character in line (byte 14)" },
	{ "udp_port = 7443\x7f", "control character in line" },
	{ "udp\x1b_port = 1", "control character in line" },
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
		const struct bad *b = &bad_lines[i];
		struct sg_config c, d;
		char err[256] = "";

		sg_config_defaults(&c);
		sg_config_defaults(&d);
		if (sg_config_parse_line(&c, b->line, err, sizeof(err)) != -1)
			fail_msg("line %zu '%s' accepted", i, b->line);
		if (!strstr(err, b->msg))
			fail_msg("line %zu '%s': error '%s' lacks '%s'", i, b->line, err, b->msg);
		if (memcmp(&c, &d, sizeof(c)) != 0)
			fail_msg("line %zu '%s': a refused line changed the config", i, b->line);
	}
}

/* Flags come through sg_config_set: same keys, the value taken as it is. */
static void test_set(void **state)
{
	struct sg_config c;
	char err[256];

	(void)state;
	sg_config_defaults(&c);
	assert_int_equal(sg_config_set(&c, "udp_port", "9443", err, sizeof(err)), 0);
	assert_int_equal(c.udp_port, 9443);
	assert_int_equal(sg_config_set(&c, "ports", "2,3", err, sizeof(err)), 0);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(sg_config_set(&c, "ports", "4", err, sizeof(err)), 0);
	assert_int_equal(c.n_ports, 1); /* a list replaces, never appends */
	assert_int_equal(c.ports[0], 4);
	assert_int_equal(sg_config_set(&c, "udp-port", "1", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown key 'udp-port'");
	assert_int_equal(sg_config_set(&c, "udp_port", "", err, sizeof(err)), -1);
	assert_string_equal(err, "udp_port: empty value");
	assert_int_equal(sg_config_set(&c, "key_file", "a\nb", err, sizeof(err)), -1);
	assert_string_equal(err, "key_file: control character in value");
	/* no comment stripping for flags: the value is the whole argument */
	assert_int_equal(sg_config_set(&c, "key_file", "/k #1", err, sizeof(err)), 0);
	assert_string_equal(c.key_file, "/k #1");
	assert_int_equal(c.udp_port, 9443);
	/* a NULL or tiny error buffer is fine */
	assert_int_equal(sg_config_set(&c, "nope", "1", NULL, 0), -1);
	err[0] = 'x';
	err[1] = 'y';
	assert_int_equal(sg_config_set(&c, "nope", "1", err, 1), -1);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'y');
}

static void test_long_values(void **state)
{
	struct sg_config c;
	char line[1100], err[256];
	size_t n;

	(void)state;
	sg_config_defaults(&c);
	/* key_file: 255 bytes fit, 256 do not */
	n = (size_t)snprintf(line, sizeof(line), "key_file = /");
	memset(line + n, 'k', 254);
	line[n + 254] = '\0';
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(strlen(c.key_file), 255);
	strcat(line, "k");
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "key_file: path too long (256 bytes, at most 255)"));
	/* control_socket: 107 bytes fit (sun_path), 108 do not */
	n = (size_t)snprintf(line, sizeof(line), "control_socket = /");
	memset(line + n, 's', 106);
	line[n + 106] = '\0';
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(strlen(c.control_socket), 107);
	strcat(line, "s");
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control_socket: path too long (108 bytes, at most 107)"));
	/* a line: 1023 bytes fit, 1024 do not */
	memset(line, ' ', 1023);
	line[0] = '#';
	line[1023] = '\0';
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), 0);
	line[1023] = '\n';
	line[1024] = '\0';
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), 0);
	line[1023] = ' ';
	assert_int_equal(sg_config_parse_line(&c, line, err, sizeof(err)), -1);
	assert_string_equal(err, "line too long (more than 1023 bytes)");
}

static void test_addresses(void **state)
{
	struct sg_config c;
	char err[256], v[64];

	(void)state;
	sg_config_defaults(&c);
	for (int i = 0; i < SG_CFG_MAX_ADDRS; i++) {
		snprintf(v, sizeof(v), "198.18.0.%d", i + 1);
		assert_int_equal(sg_config_set(&c, "address4", v, err, sizeof(err)), 0);
		assert_int_equal(c.n_addr4, (unsigned)i + 1);
		snprintf(v, sizeof(v), "2001:2::%x", i + 1);
		assert_int_equal(sg_config_set(&c, "address6", v, err, sizeof(err)), 0);
		assert_int_equal(c.n_addr6, (unsigned)i + 1);
	}
	for (int i = 0; i < SG_CFG_MAX_ADDRS; i++) {
		assert_int_equal(c.addr4[i][0], 198);
		assert_int_equal(c.addr4[i][3], i + 1);
		assert_int_equal(c.addr6[i][15], i + 1);
	}
	/* duplicates are named before the list is found full */
	assert_int_equal(sg_config_parse_line(&c, "address4 = 198.18.0.3", err, sizeof(err)), -1);
	assert_string_equal(err, "address4: duplicate address 198.18.0.3");
	assert_int_equal(sg_config_parse_line(&c, "address4 = 198.18.0.9", err, sizeof(err)), -1);
	assert_string_equal(err, "address4: too many addresses (at most 8)");
	assert_int_equal(sg_config_parse_line(&c, "address6 = 2001:2::9", err, sizeof(err)), -1);
	assert_string_equal(err, "address6: too many addresses (at most 8)");
	assert_int_equal(c.n_addr4, SG_CFG_MAX_ADDRS);
	assert_int_equal(c.n_addr6, SG_CFG_MAX_ADDRS);
	/* the same address spelled differently is still a duplicate */
	sg_config_defaults(&c);
	assert_int_equal(sg_config_set(&c, "address6", "2001:2::1", err, sizeof(err)), 0);
	assert_int_equal(sg_config_set(&c, "address6", "2001:2:0::0:1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "duplicate address"));
	/* families are separate lists */
	assert_int_equal(sg_config_set(&c, "address4", "198.18.0.1", err, sizeof(err)), 0);
	assert_int_equal(c.n_addr4, 1);
	assert_int_equal(c.n_addr6, 1);
}

/* ---- files ---- */

static char tmp_path[64];

static const char *write_temp(const char *text, size_t len)
{
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return tmp_path;
}

static const char sample[] =
	"# surge-relay example\n"
	"\n"
	"key_file = /etc/surge/relay.key   # made by surge-keygen\n"
	"   address4 = 198.18.0.1\n"
	"address4 = 198.18.0.2\n"
	"\taddress6 = 2001:2::1\n"
	"udp_port = 7443\n"
	"workers = 2\n"
	"ports = 0, 1\n"
	"  # indented comment\n"
	"gateway_mac = 02:00:00:00:00:01\n"
	"max_sessions = 1000000\r\n"
	"max_users = 5000000\n"
	"control_socket = /tmp/surge-test.sock\n"
	"keepalive = 30\n"
	"burst = 16\n"
	"mbufs = 16383"; /* no newline at the end */

static void test_load_file(void **state)
{
	struct sg_config c;
	char err[512] = "";
	const char *path = write_temp(sample, sizeof(sample) - 1);
	int rc;

	(void)state;
	sg_config_defaults(&c);
	rc = sg_config_load(&c, path, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		fail_msg("load: %s", err);
	assert_string_equal(c.key_file, "/etc/surge/relay.key");
	assert_int_equal(c.n_addr4, 2);
	assert_int_equal(c.addr4[1][3], 2);
	assert_int_equal(c.n_addr6, 1);
	assert_int_equal(c.udp_port, 7443);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[1], 1);
	assert_int_equal(c.has_gateway_mac, 1);
	assert_int_equal(c.gateway_mac[5], 1);
	assert_int_equal(c.max_sessions, 1000000);
	assert_int_equal(c.max_users, 5000000);
	assert_string_equal(c.control_socket, "/tmp/surge-test.sock");
	assert_int_equal(c.keepalive_s, 30);
	assert_int_equal(c.burst, 16);
	assert_int_equal(c.mbufs, 16383);
	assert_int_equal(sg_config_validate(&c, err, sizeof(err)), 0);
	/* flags after the file override it */
	assert_int_equal(sg_config_set(&c, "workers", "4", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 4);
}

struct bad_file {
	const char *text;
	size_t len;      /* 0: strlen(text) */
	const char *msg; /* after "PATH:" */
};

static const struct bad_file bad_files[] = {
	{ "# one\nkey_file = /k\nudp_port = 0\nworkers = 2\n", 0,
	  "3: udp_port: 0 is out of range 1..65535" },
	{ "udp_port 7443\n", 0, "1: missing '=' in 'udp_port 7443' (expected key = value)" },
	{ "\n\n\n\n\nfoo = 1\n", 0, "6: unknown key 'foo'" },
	{ "workers = 2\n# c\nudp_port = 1\nworkers = 3\n", 0,
	  "4: workers: already set on line 1" },
	{ "ports = 1\nports = 2\n", 0, "2: ports: already set on line 1" },
	{ "address4 = 198.18.0.1\naddress4 = 198.18.0.1\n", 0,
	  "2: address4: duplicate address 198.18.0.1" },
	{ "a\0b = 1\n", 8, "1: NUL byte in line" },
	{ "udp_port = 1\nudp_port = 2", 0, "2: udp_port: already set on line 1" },
};

static void test_file_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_files); i++) {
		const struct bad_file *b = &bad_files[i];
		size_t len = b->len ? b->len : strlen(b->text);
		struct sg_config c;
		char err[512] = "", want[256];
		const char *path;
		int rc;

		path = write_temp(b->text, len);
		sg_config_defaults(&c);
		rc = sg_config_load(&c, path, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:%s", path, b->msg);
		unlink(path);
		assert_int_equal(rc, -1);
		if (strcmp(err, want) != 0)
			fail_msg("file %zu: error '%s', want '%s'", i, err, want);
	}
}

static void test_file_long_line(void **state)
{
	char text[2200], err[512], want[128];
	struct sg_config c;
	const char *path;
	size_t n = 0;
	int rc;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text), "udp_port = 1\n");
	text[n++] = '#';
	memset(text + n, 'x', 1022); /* line 2: 1023 bytes, fine */
	n += 1022;
	text[n++] = '\n';
	text[n++] = '#';
	memset(text + n, 'y', 1023); /* line 3: 1024 bytes, too long */
	n += 1023;
	text[n++] = '\n';
	path = write_temp(text, n);
	sg_config_defaults(&c);
	rc = sg_config_load(&c, path, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: line too long (more than 1023 bytes)", path);
	unlink(path);
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	assert_int_equal(c.udp_port, 1);
	/* the same long line as the last one, without a newline */
	path = write_temp(text, n - 1);
	rc = sg_config_load(&c, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, ":3: line too long"));
}

static void test_unreadable(void **state)
{
	struct sg_config c;
	char err[512];

	(void)state;
	sg_config_defaults(&c);
	assert_int_equal(sg_config_load(&c, "/nonexistent/surge.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/surge.conf: No such file or directory");
	assert_int_equal(sg_config_load(&c, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: Is a directory");
	/* an empty file is a valid (empty) config */
	assert_int_equal(sg_config_load(&c, write_temp("", 0), err, sizeof(err)), 0);
	unlink(tmp_path);
}

struct bad_cfg {
	const char *what;
	void (*spoil)(struct sg_config *c);
	const char *msg;
};

static void no_key(struct sg_config *c)
{
	c->key_file[0] = '\0';
}

static void no_address(struct sg_config *c)
{
	c->n_addr4 = 0;
	c->n_addr6 = 0;
}

static void only_v6(struct sg_config *c)
{
	c->n_addr4 = 0;
	c->n_addr6 = 1;
}

static void too_many_workers(struct sg_config *c)
{
	c->workers = SG_CFG_MAX_WORKERS + 1;
}

static void zero_workers(struct sg_config *c)
{
	c->workers = 0;
}

static void no_ports(struct sg_config *c)
{
	c->n_ports = 0;
}

static void too_many_addrs(struct sg_config *c)
{
	c->n_addr4 = SG_CFG_MAX_ADDRS + 1;
}

static const struct bad_cfg bad_cfgs[] = {
	{ "no key file", no_key, "key_file is not set" },
	{ "no address", no_address, "no address: set address4 or address6" },
	{ "IPv6 only is fine", only_v6, NULL },
	{ "65 workers", too_many_workers, "workers: 65 is out of range 1..64" },
	{ "0 workers", zero_workers, "workers: 0 is out of range 1..64" },
	{ "no port", no_ports, "ports: 0 ports (1..8)" },
	{ "9 addresses", too_many_addrs, "too many addresses" },
};

static void test_validate(void **state)
{
	struct sg_config c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cfgs); i++) {
		const struct bad_cfg *b = &bad_cfgs[i];
		int rc;

		sg_config_defaults(&c);
		assert_int_equal(sg_config_set(&c, "key_file", "/k", err, sizeof(err)), 0);
		assert_int_equal(sg_config_set(&c, "address4", "198.18.0.1", err, sizeof(err)), 0);
		assert_int_equal(sg_config_validate(&c, err, sizeof(err)), 0);
		b->spoil(&c);
		err[0] = '\0';
		rc = sg_config_validate(&c, err, sizeof(err));
		if (!b->msg) {
			if (rc != 0)
				fail_msg("%s: refused: %s", b->what, err);
		} else if (rc != -1 || !strstr(err, b->msg)) {
			fail_msg("%s: rc %d, error '%s', want '%s'", b->what, rc, err, b->msg);
		}
	}
}

static void test_diff(void **state)
{
	struct sg_config a, b;
	const char *names[8];
	int reload[8];
	char err[256];

	(void)state;
	sg_config_defaults(&a);
	sg_config_defaults(&b);
	assert_int_equal(sg_config_diff(&a, &b, names, reload, 8), 0);
	assert_int_equal(sg_config_parse_line(&b, "handshake_rate = 50", err, sizeof(err)), 0);
	assert_int_equal(sg_config_parse_line(&b, "workers = 2", err, sizeof(err)), 0);
	assert_int_equal(sg_config_parse_line(&b, "address4 = 198.18.0.1", err, sizeof(err)), 0);
	assert_int_equal(sg_config_parse_line(&b, "rules_file = /x.rules", err, sizeof(err)), 0);
	assert_int_equal(sg_config_parse_line(&b, "log_level = 8", err, sizeof(err)), 0);
	assert_int_equal(sg_config_diff(&a, &b, names, reload, 8), 5);
	/* table order: address4, handshake_rate, log_level, rules_file, workers */
	assert_string_equal(names[0], "address4");
	assert_int_equal(reload[0], 0);
	assert_string_equal(names[1], "handshake_rate");
	assert_int_equal(reload[1], 1);
	assert_string_equal(names[2], "log_level");
	assert_int_equal(reload[2], 1);
	assert_string_equal(names[3], "rules_file");
	assert_int_equal(reload[3], 1);
	assert_string_equal(names[4], "workers");
	assert_int_equal(reload[4], 0);
	/* bounded by max */
	assert_int_equal(sg_config_diff(&a, &b, names, reload, 2), 2);
	/* the same value set again is no change */
	assert_int_equal(sg_config_parse_line(&a, "handshake_rate = 50", err, sizeof(err)), 0);
	assert_int_equal(sg_config_diff(&a, &b, names, reload, 8), 4);
	assert_int_equal(sg_config_parse_line(&b, "log_level = 9", err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_long_line),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
