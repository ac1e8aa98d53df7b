/* SPDX-License-Identifier: MIT */
/*
 * config.c - surge-relay's configuration: defaults, one "key = value" line at
 * a time, whole files, and the final checks.  docs/CONFIG.md is the
 * operator's page for everything here.
 *
 * Invariants:
 * - Pure: no DPDK, no sockets, no allocation; inet_pton (also behind
 *   metrics_http.h's address parser) is the only help.
 * - Every key is one row of cfg_keys[]; flags and file lines go through the
 *   same sg_config_set(), so a flag and a file line accept exactly the same.
 * - A failed set leaves the config unchanged (lists are parsed aside first).
 * - Errors name the key and the reason; sg_config_load() prefixes
 *   "path:line: " and stops at the first error.  Within one file a key that
 *   is not repeatable may appear once (a second line is an error, not a
 *   silent override); flags applied after the file override it.
 * - Comments: a line whose first non-blank byte is '#', and "# ..." after a
 *   value when the '#' follows a blank.  A '#' inside a word stays.
 */
#include "control/config.h"
#include "control/err.h"
#include "control/metrics_http.h"
#include "crypto/aead_spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define CFG_LINE_MAX 1023 /* bytes per file line, without the newline */

_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "config stores unsigned as 32 bits");

enum cfg_kind {
	K_UINT,  /* decimal, [min, max], stored in a 2- or 4-byte field */
	K_PATH,  /* text, shorter than the field */
	K_ADDR4, /* IPv4 unicast address, appended */
	K_ADDR6, /* IPv6 unicast address, appended */
	K_PORTS, /* comma list of DPDK port ids, replaces the list */
	K_MAC,   /* xx:xx:xx:xx:xx:xx, unicast */
	K_CRYPTO, /* auto | sodium | cryptodev:<driver> (crypto/aead_spec.h) */
};

struct cfg_key {
	const char *name;
	enum cfg_kind kind;
	size_t off, size;
	unsigned long min, max;
	int reload; /* a running relay takes a new value (config reload) */
};

#define FIELD(f) offsetof(struct sg_config, f), sizeof(((struct sg_config *)0)->f)
#define UINT(n, f, lo, hi) { n, K_UINT, FIELD(f), lo, hi, 0 }
#define OTHER(n, k, f) { n, k, FIELD(f), 0, 0, 0 }
#define UINT_R(n, f, lo, hi) { n, K_UINT, FIELD(f), lo, hi, 1 }
#define OTHER_R(n, k, f) { n, k, FIELD(f), 0, 0, 1 }

enum { PORT_ID_MAX = 1023 };

/* Sorted by name; docs/CONFIG.md has the same rows. */
static const struct cfg_key cfg_keys[] = {
	OTHER("address4", K_ADDR4, addr4),
	OTHER("address6", K_ADDR6, addr6),
	UINT("burst", burst, 1, 64),
	UINT_R("cookie_backlog", cookie_backlog, 0, 1048576),
	OTHER("control_socket", K_PATH, control_socket),
	OTHER("crypto", K_CRYPTO, crypto),
	OTHER("gateway_mac", K_MAC, gateway_mac),
	UINT_R("handshake_burst", handshake_burst, 1, 1000000),
	UINT("handshake_lcores", handshake_lcores, 0, SG_CFG_MAX_HS_LCORES),
	UINT_R("handshake_rate", handshake_rate, 1, 1000000),
	UINT_R("keepalive", keepalive_s, 5, 3600),
	OTHER_R("key_file", K_PATH, key_file),
	UINT_R("key_grace", key_grace_s, 0, 2592000),
	UINT_R("log_level", log_level, 0, 8),
	UINT_R("mailbox_max_ttl", mailbox_max_ttl, 1, 2592000), /* SG_TTL_MAX_S */
	UINT_R("mailbox_per_user", mailbox_per_user, 1, 65535),
	UINT_R("mailbox_total", mailbox_total, 1, 100000000),
	UINT("max_sessions", max_sessions, 16, 16777215),
	UINT("max_users", max_users, 1, 100000000),
	UINT("mbufs", mbufs, 1023, 1048575),
	OTHER("metrics_listen", K_PATH, metrics_listen),
	OTHER("ports", K_PORTS, ports),
	OTHER_R("rules_cache", K_PATH, rules_cache),
	OTHER_R("rules_file", K_PATH, rules_file),
	OTHER("store_dir", K_PATH, store_dir),
	UINT("store_init", store_init, 0, 1),
	UINT("store_map_mib", store_map_mib, 16, 1048576),
	UINT("store_sync", store_sync, 0, 1),
	UINT("ticket_lifetime", ticket_lifetime_s, 600, 604800),
	UINT("udp_port", udp_port, 1, 65535),
	UINT("workers", workers, 1, SG_CFG_MAX_WORKERS),
};

#define N_KEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))


void sg_config_defaults(struct sg_config *c)
{
	static const char sock[] = "/run/surge/relay.sock";
	static const char listen[] = "127.0.0.1:9469";
	static const char crypto[] = "auto";

	memset(c, 0, sizeof(*c));
	c->udp_port = 7443;
	c->workers = 1;
	c->ports[0] = 0;
	c->n_ports = 1;
	c->max_sessions = 65535;
	c->max_users = 1048576;
	memcpy(c->control_socket, sock, sizeof(sock));
	c->keepalive_s = 25;
	c->burst = 32;
	c->mbufs = 8191;
	c->cookie_backlog = 256;
	c->handshake_rate = 20;
	c->handshake_burst = 5;
	c->store_map_mib = 4096;
	c->store_sync = 1;
	c->mailbox_per_user = 256;
	c->mailbox_total = 1000000;
	c->mailbox_max_ttl = 604800;
	c->ticket_lifetime_s = 43200;
	memcpy(c->metrics_listen, listen, sizeof(listen));
	memcpy(c->crypto, crypto, sizeof(crypto));
	c->key_grace_s = 86400;
}

static const struct cfg_key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

/*
 * Decimal digits only (no sign, no blanks).  0; -1: not a number; -2: a
 * number too large for unsigned long (so out of any range here).
 */
static int parse_ulong(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	int huge = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (~0UL - 9) / 10)
			huge = 1;
		else
			v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return huge ? -2 : 0;
}

static int set_uint(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		    size_t errlen)
{
	unsigned long n;
	char *p = (char *)c + k->off;

	int r = parse_ulong(v, &n);

	if (r == -1 && v[0] == '-' && parse_ulong(v + 1, &n) != -1)
		r = -2; /* a negative number: out of range, not gibberish */
	if (r == -1)
		return sg_seterr(err, errlen, "%s: not a decimal number: '%s'", k->name, v);
	if (r == -2 || n < k->min || n > k->max)
		return sg_seterr(err, errlen, "%s: %s is out of range %lu..%lu", k->name, v, k->min,
			      k->max);
	if (k->size == sizeof(uint16_t)) {
		uint16_t v16 = (uint16_t)n;

		memcpy(p, &v16, sizeof(v16));
	} else {
		uint32_t v32 = (uint32_t)n;

		memcpy(p, &v32, sizeof(v32));
	}
	return 0;
}

static int set_path(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		    size_t errlen)
{
	size_t len = strlen(v);

	if (len >= k->size)
		return sg_seterr(err, errlen, "%s: path too long (%zu bytes, at most %zu)", k->name,
			      len, k->size - 1);
	memcpy((char *)c + k->off, v, len + 1);
	return 0;
}

static int addr_is_unicast(int af, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (af == AF_INET) {
		if (memcmp(a, zero, 4) == 0 || a[0] >= 224) /* 0.0.0.0, multicast, 240/4 */
			return 0;
		return 1;
	}
	return memcmp(a, zero, 16) != 0 && a[0] != 0xff; /* ::, ff00::/8 */
}

static int set_addr(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		    size_t errlen)
{
	int af = k->kind == K_ADDR4 ? AF_INET : AF_INET6;
	size_t alen = af == AF_INET ? 4 : 16;
	uint8_t *list = (uint8_t *)c + k->off;
	unsigned *n = af == AF_INET ? &c->n_addr4 : &c->n_addr6;
	uint8_t a[16];

	if (inet_pton(af, v, a) != 1)
		return sg_seterr(err, errlen, "%s: bad %s address '%s'%s", k->name,
			      af == AF_INET ? "IPv4" : "IPv6", v,
			      strchr(v, '/') ? " (no prefix length)" : "");
	if (!addr_is_unicast(af, a))
		return sg_seterr(err, errlen, "%s: %s is not a unicast address", k->name, v);
	for (unsigned i = 0; i < *n; i++)
		if (memcmp(list + i * alen, a, alen) == 0)
			return sg_seterr(err, errlen, "%s: duplicate address %s", k->name, v);
	if (*n >= SG_CFG_MAX_ADDRS)
		return sg_seterr(err, errlen, "%s: too many addresses (at most %d)", k->name,
			      SG_CFG_MAX_ADDRS);
	memcpy(list + *n * alen, a, alen);
	(*n)++;
	return 0;
}

static int set_ports(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		     size_t errlen)
{
	uint16_t ids[SG_CFG_MAX_PORTS];
	unsigned n = 0;
	const char *p = v;

	for (;;) {
		char item[16];
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		unsigned long id;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			return sg_seterr(err, errlen, "%s: empty item in list '%s'", k->name, v);
		if (len >= sizeof(item))
			len = sizeof(item) - 1; /* too many digits: fails below */
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse_ulong(item, &id) < 0 || id > PORT_ID_MAX)
			return sg_seterr(err, errlen, "%s: bad port id '%s' (0..%d)", k->name, item,
				      PORT_ID_MAX);
		for (unsigned i = 0; i < n; i++)
			if (ids[i] == id)
				return sg_seterr(err, errlen, "%s: duplicate port %lu", k->name, id);
		if (n >= SG_CFG_MAX_PORTS)
			return sg_seterr(err, errlen, "%s: too many ports (at most %d)", k->name,
				      SG_CFG_MAX_PORTS);
		ids[n++] = (uint16_t)id;
		if (!end)
			break;
		p = end + 1;
	}
	memcpy(c->ports, ids, n * sizeof(ids[0]));
	c->n_ports = n;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int set_mac(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		   size_t errlen)
{
	static const uint8_t zero[6];
	uint8_t m[6];

	if (strlen(v) != 17)
		goto bad;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(v[3 * i]), lo = hexval(v[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && v[3 * i + 2] != ':'))
			goto bad;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (memcmp(m, zero, 6) == 0 || (m[0] & 1))
		return sg_seterr(err, errlen, "%s: %s is not a unicast MAC address", k->name, v);
	memcpy(c->gateway_mac, m, 6);
	c->has_gateway_mac = 1;
	return 0;
bad:
	return sg_seterr(err, errlen, "%s: bad MAC address '%s' (expected xx:xx:xx:xx:xx:xx)",
		      k->name, v);
}

static int set_crypto(struct sg_config *c, const struct cfg_key *k, const char *v, char *err,
		      size_t errlen)
{
	enum sg_aead_mode mode;
	char driver[SG_AEAD_DRIVER_MAX], why[160];

	if (sg_aead_spec_parse(v, &mode, driver, why, sizeof(why)) != 0)
		return sg_seterr(err, errlen, "%s: %s", k->name, why);
	if (strlen(v) >= k->size)
		return sg_seterr(err, errlen, "%s: value too long", k->name);
	memcpy((char *)c + k->off, v, strlen(v) + 1);
	return 0;
}

static int set_key(struct sg_config *c, const struct cfg_key *k, const char *value, char *err,
		   size_t errlen)
{
	if (!value[0])
		return sg_seterr(err, errlen, "%s: empty value", k->name);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return sg_seterr(err, errlen, "%s: control character in value", k->name);
	switch (k->kind) {
	case K_UINT:
		return set_uint(c, k, value, err, errlen);
	case K_PATH:
		return set_path(c, k, value, err, errlen);
	case K_ADDR4:
	case K_ADDR6:
		return set_addr(c, k, value, err, errlen);
	case K_PORTS:
		return set_ports(c, k, value, err, errlen);
	case K_MAC:
		return set_mac(c, k, value, err, errlen);
	case K_CRYPTO:
		return set_crypto(c, k, value, err, errlen);
	}
	return sg_seterr(err, errlen, "%s: internal error", k->name);
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * What an error may quote of a line that is not key = value: only what a
 * key could be (letters, digits, '_', '-', '.', blanks; 32 bytes at most).
 * Anything longer or else may be a secret in the wrong file, e.g. a key
 * file given as --config (44 base64 characters ending in '='): never
 * echoed to a log.
 */
static const char *quotable(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n == 32 || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
				 (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-' ||
				 s[n] == '.' || is_blank(s[n])))
			return "(not shown: not a key name)";
	return s;
}

int sg_config_set(struct sg_config *c, const char *key, const char *value, char *err,
		  size_t errlen)
{
	const struct cfg_key *k = find_key(key);

	if (!k)
		return sg_seterr(err, errlen, "unknown key '%s'", quotable(key));
	return set_key(c, k, value, err, errlen);
}

/*
 * Split and apply one line; *kp is the key it set (NULL for blank and comment
 * lines).  The line is copied, so the caller's text is never changed.
 */
static int parse_line(struct sg_config *c, const char *line, const struct cfg_key **kp, char *err,
		      size_t errlen)
{
	char buf[CFG_LINE_MAX + 1];
	size_t len = strlen(line);
	char *key, *eq, *val, *end;

	*kp = NULL;
	if (len && line[len - 1] == '\n')
		len--;
	if (len > CFG_LINE_MAX)
		return sg_seterr(err, errlen, "line too long (more than %d bytes)", CFG_LINE_MAX);
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
			return sg_seterr(err, errlen, "control character in line (byte %zu)", i + 1);
	key = buf;
	while (is_blank(*key))
		key++;
	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		for (end = key + strlen(key); end > key && is_blank(end[-1]); end--)
			;
		*end = '\0';
		return sg_seterr(err, errlen, "missing '=' in '%s' (expected key = value)",
				 quotable(key));
	}
	for (end = eq; end > key && is_blank(end[-1]); end--)
		;
	*end = '\0';
	if (!*key)
		return sg_seterr(err, errlen, "missing key before '='");
	for (char *p = key; *p; p++)
		if (is_blank(*p))
			return sg_seterr(err, errlen, "blank in key '%s'", quotable(key));
	val = eq + 1;
	while (is_blank(*val))
		val++;
	for (end = val; *end; end++)
		if (*end == '#' && (end == val || is_blank(end[-1])))
			break;
	while (end > val && is_blank(end[-1]))
		end--;
	*end = '\0';
	*kp = find_key(key);
	if (!*kp)
		return sg_seterr(err, errlen, "unknown key '%s'", quotable(key));
	return set_key(c, *kp, val, err, errlen);
}

int sg_config_parse_line(struct sg_config *c, const char *line, char *err, size_t errlen)
{
	const struct cfg_key *k;

	return parse_line(c, line, &k, err, errlen);
}

static int repeatable(const struct cfg_key *k)
{
	return k->kind == K_ADDR4 || k->kind == K_ADDR6;
}

/*
 * Read one line without its '\n' into buf (CFG_LINE_MAX + 1 bytes).
 * 1: a line; 0: end of file; -1: too long; -2: NUL byte; -3: read error.
 */
static int read_line(FILE *f, char *buf)
{
	size_t len = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0')
			return -2;
		if (len == CFG_LINE_MAX)
			return -1;
		buf[len++] = (char)ch;
	}
	buf[len] = '\0';
	if (ch == EOF && ferror(f))
		return -3;
	return ch == EOF && len == 0 ? 0 : 1;
}

int sg_config_load(struct sg_config *c, const char *path, char *err, size_t errlen)
{
	unsigned first[N_KEYS] = { 0 };
	char line[CFG_LINE_MAX + 1];
	char why[256];
	unsigned lineno = 0;
	int rc = 0, r;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return sg_seterr(err, errlen, "%s: %s", path, strerror(errno));
	while ((r = read_line(f, line)) != 0) {
		const struct cfg_key *k;

		lineno++;
		if (r == -3) {
			rc = sg_seterr(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == -1) {
			rc = sg_seterr(err, errlen, "%s:%u: line too long (more than %d bytes)", path,
				    lineno, CFG_LINE_MAX);
			break;
		}
		if (r == -2) {
			rc = sg_seterr(err, errlen, "%s:%u: NUL byte in line", path, lineno);
			break;
		}
		if (parse_line(c, line, &k, why, sizeof(why)) < 0) {
			rc = sg_seterr(err, errlen, "%s:%u: %s", path, lineno, why);
			break;
		}
		if (k && !repeatable(k)) {
			size_t i = (size_t)(k - cfg_keys);

			if (first[i]) {
				rc = sg_seterr(err, errlen, "%s:%u: %s: already set on line %u", path,
					    lineno, k->name, first[i]);
				break;
			}
			first[i] = lineno;
		}
	}
	fclose(f);
	return rc;
}

int sg_config_validate(const struct sg_config *c, char *err, size_t errlen)
{
	if (!c->key_file[0])
		return sg_seterr(err, errlen, "key_file is not set (key_file = PATH, or --key-file)");
	if (c->n_addr4 == 0 && c->n_addr6 == 0)
		return sg_seterr(err, errlen, "no address: set address4 or address6 (at least one)");
	if (c->n_addr4 > SG_CFG_MAX_ADDRS || c->n_addr6 > SG_CFG_MAX_ADDRS)
		return sg_seterr(err, errlen, "too many addresses (at most %d per family)",
			      SG_CFG_MAX_ADDRS);
	if (c->workers < 1 || c->workers > SG_CFG_MAX_WORKERS)
		return sg_seterr(err, errlen, "workers: %u is out of range 1..%d", c->workers,
			      SG_CFG_MAX_WORKERS);
	if (c->n_ports < 1 || c->n_ports > SG_CFG_MAX_PORTS)
		return sg_seterr(err, errlen, "ports: %u ports (1..%d)", c->n_ports,
			      SG_CFG_MAX_PORTS);
	if (c->udp_port == 0)
		return sg_seterr(err, errlen, "udp_port: 0 is out of range 1..65535");
	if (c->burst < 1 || c->burst > 64)
		return sg_seterr(err, errlen, "burst: %u is out of range 1..64", c->burst);
	if (!c->control_socket[0])
		return sg_seterr(err, errlen, "control_socket is empty");
	if (strcmp(c->metrics_listen, "off") != 0) {
		struct sockaddr_storage ss;
		unsigned sslen;
		char why[160];

		if (sg_metrics_http_parse_addr(c->metrics_listen, &ss, &sslen, why, sizeof(why)) != 0)
			return sg_seterr(err, errlen, "metrics_listen: %s (or off)", why);
	}
	return 0;
}

unsigned sg_config_diff(const struct sg_config *a, const struct sg_config *b, const char *names[],
			int reload[], unsigned max)
{
	unsigned n = 0;

	for (size_t i = 0; i < N_KEYS && n < max; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		/* Unused tails of arrays and strings are zero (defaults memset). */
		if (memcmp((const char *)a + k->off, (const char *)b + k->off, k->size) == 0)
			continue;
		names[n] = k->name;
		reload[n++] = k->reload;
	}
	return n;
}
