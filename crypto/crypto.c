/* SPDX-License-Identifier: MIT */
/*
 * crypto.c - libsodium start-up, CPU capabilities, randomness, wiping.
 */
#include <stdio.h>

#include <sodium.h>

#include "crypto.h"
#include "proto/status.h"

int sg_crypto_init(void)
{
	/* sodium_init() is thread-safe; 1 means it already ran. */
	int rc = sodium_init();

	if (rc < 0)
		return SG_E_SYSTEM;
#ifdef SG_NULL_CIPHER
	/* A test build for scripts/bench --null: say so once, loudly. */
	if (rc == 0)
		fputs("surge: WARNING: NULL-CIPHER TEST BUILD (-Dnull_cipher=true): DATA frames are "
		      "NOT encrypted or authenticated; never deploy this build\n", stderr);
#endif
	return SG_OK;
}

int sg_crypto_have_aes256gcm(void)
{
	return crypto_aead_aes256gcm_is_available();
}

void sg_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

uint32_t sg_random_uniform(uint32_t upper_bound)
{
	return randombytes_uniform(upper_bound);
}

void sg_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

int sg_ct_memcmp(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}
