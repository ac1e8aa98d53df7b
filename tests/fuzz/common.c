/* SPDX-License-Identifier: MIT */
/*
 * common.c - fixed keys, heap copies and in-memory files for the harnesses
 * (fuzz.h).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "fuzz.h"

uint8_t *fz_dup(const void *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	if (!b)
		abort();
	if (len && p)
		memcpy(b, p, len);
	else if (len)
		memset(b, 0, len);
	return b;
}

void fz_fixed(uint8_t *out, size_t n, uint8_t label)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(label * 37u + i * 11u + 1u);
}

const struct sg_keypair *fz_key(enum fz_key k)
{
	static struct sg_keypair keys[FZ_KEYS];
	static int ready;

	if (!ready) {
		if (sg_crypto_init() != 0)
			abort();
		for (int i = 0; i < FZ_KEYS; i++) {
			uint8_t priv[SG_KEY_LEN];

			fz_fixed(priv, sizeof(priv), (uint8_t)(0x40 + i));
			if (sg_keypair_from_private(&keys[i], priv) != 0)
				abort();
		}
		ready = 1;
	}
	return &keys[k];
}

const char *fz_file(const void *data, size_t len)
{
	static int fd = -1;
	static char path[64];
	const uint8_t *p = data;

	if (fd < 0) {
		fd = memfd_create("surge-fuzz", MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0)
		return NULL;
	for (size_t off = 0; off < len;) {
		ssize_t w = pwrite(fd, p + off, len - off, (off_t)off);

		if (w <= 0)
			return NULL;
		off += (size_t)w;
	}
	return path;
}
