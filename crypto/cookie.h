/* SPDX-License-Identifier: MIT */
/*
 * cookie.h - mac1, mac2 and cookie replies, as WireGuard does them.
 *
 *   mac1 = BLAKE2b-128(key = BLAKE2b-256("mac1----" || receiver static pub),
 *                      message bytes before mac1)
 *   mac2 = BLAKE2b-128(key = cookie, message bytes before mac2), or zeros
 *   cookie = BLAKE2b-128(key = secret, source address bytes)
 *   secret: 32 random bytes, replaced when older than 120 s
 *   cookie reply = XChaCha20-Poly1305(key = BLAKE2b-256("cookie--" ||
 *                  relay static pub), nonce = 24 random bytes,
 *                  ad = mac1 of the message answered, plaintext = cookie)
 *
 * mac1 proves the sender knows the receiver's public key and is checked
 * before any DH.  mac2 proves the sender receives at its source address; the
 * relay asks for it (by answering with a cookie reply) when under load.
 * Times are seconds of the caller's monotonic clock, passed in for tests.
 * The source address is opaque bytes: the IP address then the UDP port.
 *
 * A relay that accepts two static keys (a key rotation's grace period,
 * control/keys_ctl.c) keeps one checker for the rotating secret and one
 * struct sg_cookie_keys per static key: mac1 tells which key the client
 * used (sg_cookie_mac1_match), and the *_keys variants check mac2 and
 * encrypt the cookie reply under that key's pair.  mac2 and the cookie do
 * not depend on the static key, so one secret serves both.
 */
#ifndef SG_CRYPTO_COOKIE_H
#define SG_CRYPTO_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

/* Relay side. Keep one per relay static key; it holds the rotating secret. */
struct sg_cookie_checker {
	uint8_t mac1_key[SG_KEY_LEN];
	uint8_t cookie_key[SG_KEY_LEN];
	uint8_t secret[SG_KEY_LEN];
	uint64_t secret_born;
	uint8_t secret_valid;
	uint8_t follower;  /* never rotates: holds another checker's secret (sg_cookie_checker_follow) */
};

/* The mac1 and cookie-reply keys of one relay static public key (public material). */
struct sg_cookie_keys {
	uint8_t mac1_key[SG_KEY_LEN];
	uint8_t cookie_key[SG_KEY_LEN];
};

/* Client side, one per peer it sends handshakes to. */
struct sg_cookie_maker {
	uint8_t mac1_key[SG_KEY_LEN];
	uint8_t cookie_key[SG_KEY_LEN];
	uint8_t cookie[SG_COOKIE_LEN];
	uint64_t cookie_born;
	uint8_t have_cookie;
	uint8_t have_last_mac1;
	uint8_t last_mac1[SG_MAC_LEN]; /* of the last handshake message sent */
};

enum sg_mac_verdict {
	SG_MAC_MAC1_OK = 1, /* mac1 valid, mac2 absent or invalid */
	SG_MAC_BOTH_OK = 2, /* mac1 and mac2 valid */
};

void sg_cookie_checker_init(struct sg_cookie_checker *c, const uint8_t our_pub[SG_KEY_LEN]);
void sg_cookie_checker_wipe(struct sg_cookie_checker *c);

/*
 * Check the MACs at the end of a handshake message (msg[len-32 .. len)).
 * Returns SG_MAC_MAC1_OK, SG_MAC_BOTH_OK, or SG_E_MAC1 / SG_E_LENGTH.
 */
int sg_cookie_validate(struct sg_cookie_checker *c, const uint8_t *msg, size_t len,
		       const uint8_t *src, size_t srclen, uint64_t now);

/*
 * mac1 alone, from the checker's mac1_key (which never changes: read-only,
 * so any thread may call this; workers drop forged handshakes with it).
 * 1 valid, 0 not (or too short).
 */
int sg_cookie_mac1_valid(const uint8_t mac1_key[SG_KEY_LEN], const uint8_t *msg, size_t len);

void sg_cookie_keys_init(struct sg_cookie_keys *k, const uint8_t our_pub[SG_KEY_LEN]);

/*
 * Which of keys[0 .. n) msg's mac1 is keyed with: its index (the first
 * that matches), or -1 (none, or too short).  Read-only, any thread.
 */
int sg_cookie_mac1_match(const struct sg_cookie_keys *keys, unsigned n, const uint8_t *msg,
			 size_t len);

/*
 * sg_cookie_validate and sg_cookie_reply_create under the key pair k
 * instead of c's own: c supplies only the secret (it may be a follower).
 */
int sg_cookie_validate_keys(struct sg_cookie_checker *c, const struct sg_cookie_keys *k,
			    const uint8_t *msg, size_t len, const uint8_t *src, size_t srclen,
			    uint64_t now);
int sg_cookie_reply_create_keys(struct sg_cookie_checker *c, const struct sg_cookie_keys *k,
				uint8_t out[SG_COOKIE_REPLY_LEN], const uint8_t *msg, size_t len,
				uint32_t receiver_index, const uint8_t *src, size_t srclen,
				uint64_t now, const uint8_t *nonce_fixed);

/*
 * Build the cookie reply answering msg (a handshake message whose mac1 was
 * valid) for the given source; receiver_index is msg's sender index.
 * nonce_fixed is NULL in production (random nonce); tests fix it.
 */
int sg_cookie_reply_create(struct sg_cookie_checker *c, uint8_t out[SG_COOKIE_REPLY_LEN],
			   const uint8_t *msg, size_t len, uint32_t receiver_index,
			   const uint8_t *src, size_t srclen, uint64_t now,
			   const uint8_t *nonce_fixed);

/* The owner's clock: a fresh secret when the one held is 120 s old (or none). */
void sg_cookie_tick(struct sg_cookie_checker *c, uint64_t now);

/*
 * Make c (initialised with the same static key) a follower of the owner's
 * secret (a copy, for another thread: workers answer cookies with it).  A
 * follower never rotates; whoever copied it refreshes it when the owner
 * rotates (control/plane.h: struct sg_cookie_pub).
 */
void sg_cookie_checker_follow(struct sg_cookie_checker *c, const uint8_t secret[SG_KEY_LEN],
			      uint64_t born);

/* Force a fresh secret at now (tests; operator-driven rotation). */
void sg_cookie_rotate(struct sg_cookie_checker *c, uint64_t now);

void sg_cookie_maker_init(struct sg_cookie_maker *m, const uint8_t peer_pub[SG_KEY_LEN]);
void sg_cookie_maker_wipe(struct sg_cookie_maker *m);

/*
 * Write mac1 and mac2 into the last 32 bytes of msg.  mac2 is zero unless a
 * cookie younger than 120 - 5 s is held.  Remembers mac1 for the reply.
 */
void sg_cookie_add_macs(struct sg_cookie_maker *m, uint8_t *msg, size_t len, uint64_t now);

/*
 * Take a cookie reply.  SG_E_LENGTH, SG_E_TYPE, SG_E_STALE_COOKIE (no
 * handshake outstanding), SG_E_TAG (not for our last message).
 */
int sg_cookie_reply_consume(struct sg_cookie_maker *m, const uint8_t *reply, size_t len,
			    uint64_t now);

#endif /* SG_CRYPTO_COOKIE_H */
