/* SPDX-License-Identifier: MIT */
/*
 * crypto.h - start-up of the crypto core and what this CPU offers.
 * Call sg_crypto_init() once, before any other sg_* crypto function.
 */
#ifndef SG_CRYPTO_CRYPTO_H
#define SG_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* SG_OK, or SG_E_SYSTEM when libsodium cannot start. Idempotent. */
int sg_crypto_init(void);

/* True when AES-256-GCM runs in hardware here (AES-NI and CLMUL). */
int sg_crypto_have_aes256gcm(void);

/* Fill buf with n bytes from the OS CSPRNG. */
void sg_random(void *buf, size_t n);

/* Uniform in [0, upper_bound). */
uint32_t sg_random_uniform(uint32_t upper_bound);

/* Overwrite n bytes with zeros in a way the compiler cannot elide. */
void sg_wipe(void *p, size_t n);

/* Constant-time comparison of n bytes: 0 when equal. */
int sg_ct_memcmp(const void *a, const void *b, size_t n);

#endif /* SG_CRYPTO_CRYPTO_H */
