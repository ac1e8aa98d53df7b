/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - small helpers shared by the unit tests: hex, files under
 * the source tree (SG_SOURCE_ROOT, set by meson), and a cheap field reader
 * for the flat JSON of the Noise test vectors.  Header-only on purpose.
 */
#ifndef SG_TESTS_TESTUTIL_H
#define SG_TESTS_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int tu_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode up to cap bytes of hex (stops at the first non-hex pair); returns bytes. */
static inline size_t tu_unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	while (n < cap && tu_hexval(hex[0]) >= 0 && tu_hexval(hex[1]) >= 0) {
		out[n++] = (uint8_t)(tu_hexval(hex[0]) << 4 | tu_hexval(hex[1]));
		hex += 2;
	}
	return n;
}

static inline void tu_hex(char *out, const uint8_t *in, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Whole file under the source root, NUL-terminated; NULL if unreadable. */
static inline char *tu_read_source_file(const char *rel)
{
	const char *root = getenv("SG_SOURCE_ROOT");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * In flat JSON text, find the nth (0-based) occurrence of "key": "value" at or
 * after from, return a pointer to the value's first character (or NULL).
 */
static inline const char *tu_json_str(const char *from, const char *key, int nth)
{
	char pat[128];
	const char *p = from;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	for (;;) {
		p = strstr(p, pat);
		if (!p)
			return NULL;
		p += strlen(pat);
		if (nth-- == 0)
			return p;
	}
}

#endif /* SG_TESTS_TESTUTIL_H */
