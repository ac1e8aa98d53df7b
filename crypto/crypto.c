/* SPDX-License-Identifier: MIT */
/*
 * crypto.c - libsodium start-up, CPU capabilities, randomness, wiping.
 */
#include <sodium.h>

#include "crypto.h"
#include "proto/status.h"

int sg_crypto_init(void)
{
	/* sodium_init() is thread-safe; 1 means it already ran. */
	return sodium_init() < 0 ? SG_E_SYSTEM : SG_OK;
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
