/* SPDX-License-Identifier: MIT */
/*
 * cookie.c - mac1/mac2 and cookie replies (WireGuard's design, BLAKE2b).
 *
 * Invariants: mac1 is verified before anything else is done with a handshake
 * message; the cookie secret is never older than SG_COOKIE_SECRET_MAX_AGE_S
 * when a cookie is made or checked; a client uses a cookie only while it is
 * younger than SG_COOKIE_SECRET_MAX_AGE_S - SG_COOKIE_LATENCY_S; a cookie
 * reply is accepted only as the answer to the last message this maker sent.
 * The *_keys variants differ from the plain ones only in whose mac1 and
 * cookie keys they use (a relay with two static keys); the secret is c's.
 */
#include <string.h>

#include <sodium.h>

#include "cookie.h"
#include "proto/bytes.h"
#include "proto/status.h"

static const char mac1_label[8] = "mac1----";
static const char cookie_label[8] = "cookie--";

/* key = BLAKE2b-256(label || pub) */
static void derive_key(uint8_t key[SG_KEY_LEN], const char label[8], const uint8_t pub[SG_KEY_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SG_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, 8);
	crypto_generichash_update(&st, pub, SG_KEY_LEN);
	crypto_generichash_final(&st, key, SG_KEY_LEN);
}

static void mac16(uint8_t out[SG_MAC_LEN], const uint8_t *key, size_t keylen, const uint8_t *msg,
		  size_t len)
{
	crypto_generichash(out, SG_MAC_LEN, msg, len, key, keylen);
}

static void refresh_secret(struct sg_cookie_checker *c, uint64_t now)
{
	if (c->follower)
		return;
	if (!c->secret_valid || now - c->secret_born >= SG_COOKIE_SECRET_MAX_AGE_S ||
	    now < c->secret_born)
		sg_cookie_rotate(c, now);
}

static void make_cookie(struct sg_cookie_checker *c, uint8_t cookie[SG_COOKIE_LEN],
			const uint8_t *src, size_t srclen, uint64_t now)
{
	refresh_secret(c, now);
	mac16(cookie, c->secret, sizeof(c->secret), src, srclen);
}

void sg_cookie_checker_init(struct sg_cookie_checker *c, const uint8_t our_pub[SG_KEY_LEN])
{
	memset(c, 0, sizeof(*c));
	derive_key(c->mac1_key, mac1_label, our_pub);
	derive_key(c->cookie_key, cookie_label, our_pub);
}

void sg_cookie_checker_wipe(struct sg_cookie_checker *c)
{
	sodium_memzero(c, sizeof(*c));
}

void sg_cookie_tick(struct sg_cookie_checker *c, uint64_t now)
{
	refresh_secret(c, now);
}

void sg_cookie_checker_follow(struct sg_cookie_checker *c, const uint8_t secret[SG_KEY_LEN],
			      uint64_t born)
{
	memcpy(c->secret, secret, SG_KEY_LEN);
	c->secret_born = born;
	c->secret_valid = 1;
	c->follower = 1;
}

void sg_cookie_rotate(struct sg_cookie_checker *c, uint64_t now)
{
	randombytes_buf(c->secret, sizeof(c->secret));
	c->secret_born = now;
	c->secret_valid = 1;
}

int sg_cookie_mac1_valid(const uint8_t mac1_key[SG_KEY_LEN], const uint8_t *msg, size_t len)
{
	uint8_t mac[SG_MAC_LEN];

	if (len < 2 * SG_MAC_LEN + 1)
		return 0;
	mac16(mac, mac1_key, SG_KEY_LEN, msg, len - 2 * SG_MAC_LEN);
	return sodium_memcmp(mac, msg + len - 2 * SG_MAC_LEN, SG_MAC_LEN) == 0;
}

/* The checks of sg_cookie_validate under the given mac1 key. */
static int validate(struct sg_cookie_checker *c, const uint8_t mac1_key[SG_KEY_LEN],
		    const uint8_t *msg, size_t len, const uint8_t *src, size_t srclen, uint64_t now)
{
	uint8_t mac[SG_MAC_LEN], cookie[SG_COOKIE_LEN];
	const uint8_t *mac1, *mac2;
	int ok;

	if (len < 2 * SG_MAC_LEN + 1)
		return SG_E_LENGTH;
	mac1 = msg + len - 2 * SG_MAC_LEN;
	mac2 = msg + len - SG_MAC_LEN;

	mac16(mac, mac1_key, SG_KEY_LEN, msg, len - 2 * SG_MAC_LEN);
	if (sodium_memcmp(mac, mac1, SG_MAC_LEN) != 0)
		return SG_E_MAC1;

	if (sodium_is_zero(mac2, SG_MAC_LEN))
		return SG_MAC_MAC1_OK;
	make_cookie(c, cookie, src, srclen, now);
	mac16(mac, cookie, sizeof(cookie), msg, len - SG_MAC_LEN);
	ok = sodium_memcmp(mac, mac2, SG_MAC_LEN) == 0;
	sodium_memzero(cookie, sizeof(cookie));
	return ok ? SG_MAC_BOTH_OK : SG_MAC_MAC1_OK;
}

/* The cookie reply, encrypted under the given cookie key. */
static int reply_create(struct sg_cookie_checker *c, const uint8_t cookie_key[SG_KEY_LEN],
			uint8_t out[SG_COOKIE_REPLY_LEN], const uint8_t *msg, size_t len,
			uint32_t receiver_index, const uint8_t *src, size_t srclen, uint64_t now,
			const uint8_t *nonce_fixed)
{
	uint8_t cookie[SG_COOKIE_LEN];
	uint8_t *nonce = out + SG_COOKIE_OFF_NONCE;

	if (len < 2 * SG_MAC_LEN + 1)
		return SG_E_LENGTH;
	memset(out, 0, SG_COOKIE_REPLY_LEN);
	out[0] = SG_MSG_COOKIE_REPLY;
	sg_put_le32(out + SG_COOKIE_OFF_RECEIVER, receiver_index);
	if (nonce_fixed)
		memcpy(nonce, nonce_fixed, SG_COOKIE_NONCE_LEN);
	else
		randombytes_buf(nonce, SG_COOKIE_NONCE_LEN);
	make_cookie(c, cookie, src, srclen, now);
	/* AD: the mac1 of the message being answered. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SG_COOKIE_OFF_COOKIE, NULL, cookie,
						   sizeof(cookie), msg + len - 2 * SG_MAC_LEN,
						   SG_MAC_LEN, NULL, nonce, cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
	return SG_OK;
}

int sg_cookie_validate(struct sg_cookie_checker *c, const uint8_t *msg, size_t len,
		       const uint8_t *src, size_t srclen, uint64_t now)
{
	return validate(c, c->mac1_key, msg, len, src, srclen, now);
}

int sg_cookie_reply_create(struct sg_cookie_checker *c, uint8_t out[SG_COOKIE_REPLY_LEN],
			   const uint8_t *msg, size_t len, uint32_t receiver_index,
			   const uint8_t *src, size_t srclen, uint64_t now,
			   const uint8_t *nonce_fixed)
{
	return reply_create(c, c->cookie_key, out, msg, len, receiver_index, src, srclen, now,
			    nonce_fixed);
}

void sg_cookie_keys_init(struct sg_cookie_keys *k, const uint8_t our_pub[SG_KEY_LEN])
{
	derive_key(k->mac1_key, mac1_label, our_pub);
	derive_key(k->cookie_key, cookie_label, our_pub);
}

int sg_cookie_mac1_match(const struct sg_cookie_keys *keys, unsigned n, const uint8_t *msg,
			 size_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (sg_cookie_mac1_valid(keys[i].mac1_key, msg, len))
			return (int)i;
	return -1;
}

int sg_cookie_validate_keys(struct sg_cookie_checker *c, const struct sg_cookie_keys *k,
			    const uint8_t *msg, size_t len, const uint8_t *src, size_t srclen,
			    uint64_t now)
{
	return validate(c, k->mac1_key, msg, len, src, srclen, now);
}

int sg_cookie_reply_create_keys(struct sg_cookie_checker *c, const struct sg_cookie_keys *k,
				uint8_t out[SG_COOKIE_REPLY_LEN], const uint8_t *msg, size_t len,
				uint32_t receiver_index, const uint8_t *src, size_t srclen,
				uint64_t now, const uint8_t *nonce_fixed)
{
	return reply_create(c, k->cookie_key, out, msg, len, receiver_index, src, srclen, now,
			    nonce_fixed);
}

void sg_cookie_maker_init(struct sg_cookie_maker *m, const uint8_t peer_pub[SG_KEY_LEN])
{
	memset(m, 0, sizeof(*m));
	derive_key(m->mac1_key, mac1_label, peer_pub);
	derive_key(m->cookie_key, cookie_label, peer_pub);
}

void sg_cookie_maker_wipe(struct sg_cookie_maker *m)
{
	sodium_memzero(m, sizeof(*m));
}

void sg_cookie_add_macs(struct sg_cookie_maker *m, uint8_t *msg, size_t len, uint64_t now)
{
	uint8_t *mac1 = msg + len - 2 * SG_MAC_LEN;
	uint8_t *mac2 = msg + len - SG_MAC_LEN;

	mac16(mac1, m->mac1_key, sizeof(m->mac1_key), msg, len - 2 * SG_MAC_LEN);
	memcpy(m->last_mac1, mac1, SG_MAC_LEN);
	m->have_last_mac1 = 1;

	if (m->have_cookie && now >= m->cookie_born &&
	    now - m->cookie_born < SG_COOKIE_SECRET_MAX_AGE_S - SG_COOKIE_LATENCY_S)
		mac16(mac2, m->cookie, sizeof(m->cookie), msg, len - SG_MAC_LEN);
	else
		memset(mac2, 0, SG_MAC_LEN);
}

int sg_cookie_reply_consume(struct sg_cookie_maker *m, const uint8_t *reply, size_t len,
			    uint64_t now)
{
	uint8_t cookie[SG_COOKIE_LEN];

	if (len != SG_COOKIE_REPLY_LEN)
		return SG_E_LENGTH;
	if (reply[0] != SG_MSG_COOKIE_REPLY)
		return SG_E_TYPE;
	if (!m->have_last_mac1)
		return SG_E_STALE_COOKIE;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    cookie, NULL, NULL, reply + SG_COOKIE_OFF_COOKIE, SG_COOKIE_LEN + SG_TAG_LEN,
		    m->last_mac1, SG_MAC_LEN, reply + SG_COOKIE_OFF_NONCE, m->cookie_key) != 0)
		return SG_E_TAG;
	memcpy(m->cookie, cookie, sizeof(cookie));
	m->cookie_born = now;
	m->have_cookie = 1;
	m->have_last_mac1 = 0; /* one reply per message sent */
	sodium_memzero(cookie, sizeof(cookie));
	return SG_OK;
}
