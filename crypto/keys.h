/* SPDX-License-Identifier: MIT */
/*
 * keys.h - X25519 key pairs, their text form and key files, and memory for
 * long-lived secrets.
 *
 * Key files hold one line: the base64 (standard alphabet, padded, 44
 * characters) of a 32-byte X25519 private key, as wg(8) does.  A key file
 * readable or writable by group or others is refused.  Long-lived secrets
 * (the relay's static key, cookie secrets) live in sg_secure_alloc() memory
 * (secure.h): guard pages, mlock()ed, excluded from core dumps, zeroed when
 * freed.
 */
#ifndef SG_CRYPTO_KEYS_H
#define SG_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"
#include "secure.h" /* sg_secure_alloc, sg_secure_free */

enum { SG_KEY_B64_LEN = 44 }; /* without the terminating NUL */

struct sg_keypair {
	uint8_t pub[SG_KEY_LEN];
	uint8_t priv[SG_KEY_LEN];
};

void sg_keypair_generate(struct sg_keypair *kp);
/* Derive pub from priv (clamped by X25519 itself). */
int sg_keypair_from_private(struct sg_keypair *kp, const uint8_t priv[SG_KEY_LEN]);
void sg_keypair_wipe(struct sg_keypair *kp);

/* out must hold SG_KEY_B64_LEN + 1 bytes. */
void sg_key_to_base64(char *out, const uint8_t key[SG_KEY_LEN]);
/* SG_E_KEY unless b64 is exactly one padded 44-character key. */
int sg_key_from_base64(uint8_t key[SG_KEY_LEN], const char *b64);

/*
 * Load a private key file into kp.  SG_E_KEY with a message in err for a
 * missing file, wrong permissions (must be 0600 or stricter) or bad content.
 */
int sg_keyfile_load(const char *path, struct sg_keypair *kp, char *err, size_t errlen);
/* Create path (O_EXCL, mode 0600) holding kp's private key. */
int sg_keyfile_save(const char *path, const struct sg_keypair *kp, char *err, size_t errlen);

#endif /* SG_CRYPTO_KEYS_H */
