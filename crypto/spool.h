/* SPDX-License-Identifier: MIT */
/*
 * spool.h - sealing of mailbox bodies at rest (the spool), for
 * control/store.c.
 *
 *   record = nonce (24 random bytes) || XChaCha20-Poly1305-IETF(key, nonce,
 *            ad, body) || tag (16)
 *
 * The key is the relay's spool key: 32 random bytes made once when the store
 * is created and kept in the store's metadata.  So sealing does not hide a
 * body from whoever holds the whole store file; it keeps bodies out of plain
 * sight (a grep of the disk, a stray page, a copy of the mailbox without the
 * metadata), and it gives integrity: the caller passes the record's own key
 * and clear header as associated data, so a record changed, moved to another
 * key or given another header fails to open instead of delivering the wrong
 * bytes.  A random 192-bit nonce per record needs no counter kept on disk.
 */
#ifndef SG_CRYPTO_SPOOL_H
#define SG_CRYPTO_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

enum {
	SG_SPOOL_NONCE_LEN = 24,
	SG_SPOOL_OVERHEAD = SG_SPOOL_NONCE_LEN + SG_TAG_LEN, /* 40 */
};

/* Fill key with a fresh random spool key. */
void sg_spool_keygen(uint8_t key[SG_KEY_LEN]);

/* Writes len + SG_SPOOL_OVERHEAD bytes at out (out must not overlap in). */
void sg_spool_seal(const uint8_t key[SG_KEY_LEN], const uint8_t *ad, size_t adlen,
		   const uint8_t *in, size_t len, uint8_t *out);

/*
 * Opens a record of inlen bytes into out (inlen - SG_SPOOL_OVERHEAD bytes).
 * SG_OK; SG_E_LENGTH when inlen is shorter than the overhead; SG_E_TAG when
 * the record or its ad was changed (out then holds no plaintext).
 */
int sg_spool_open(const uint8_t key[SG_KEY_LEN], const uint8_t *ad, size_t adlen,
		  const uint8_t *in, size_t inlen, uint8_t *out);

#endif /* SG_CRYPTO_SPOOL_H */
