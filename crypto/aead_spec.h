/* SPDX-License-Identifier: MIT */
/*
 * aead_spec.h - which data-plane AEAD back end the relay uses, as the
 * configuration names it (key `crypto`, docs/CONFIG.md):
 *
 *   auto                 the fastest of libsodium and every crypto device
 *                        that passes a self-test at start, suite by suite
 *   sodium               libsodium only (the back end of crypto/aead.c)
 *   cryptodev:<driver>   the DPDK cryptodev driver <driver> (crypto_aesni_gcm,
 *                        crypto_aesni_mb, crypto_qat, ...) for every suite it
 *                        offers, libsodium for the others; the relay stops
 *                        when it is missing or fails its self-test
 *
 * Pure: no DPDK; the config parser and the relay's start both use it.
 */
#ifndef SG_CRYPTO_AEAD_SPEC_H
#define SG_CRYPTO_AEAD_SPEC_H

#include <stddef.h>

enum sg_aead_mode { SG_AEAD_AUTO = 0, SG_AEAD_SODIUM = 1, SG_AEAD_CRYPTODEV = 2 };

enum { SG_AEAD_DRIVER_MAX = 64 }; /* driver name, with its NUL */

/*
 * Parse spec.  0 with *mode (and driver for cryptodev:, else ""), or -1
 * with the reason in err.  A driver name is 1..63 bytes of [a-z0-9_].
 */
int sg_aead_spec_parse(const char *spec, enum sg_aead_mode *mode,
		       char driver[SG_AEAD_DRIVER_MAX], char *err, size_t errlen);

#endif /* SG_CRYPTO_AEAD_SPEC_H */
