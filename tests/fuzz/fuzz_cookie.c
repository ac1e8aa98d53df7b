/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cookie.c - cookie handling on both sides (crypto/cookie.c):
 *
 *   relay (checker): sg_cookie_validate / _validate_keys on handshake bytes
 *     from any source at any time, sg_cookie_mac1_match over two keys,
 *     sg_cookie_reply_create / _keys, with a rotating checker (the control
 *     plane's, driven by sg_cookie_tick) and a follower (a worker's copy);
 *   client (maker): sg_cookie_add_macs, then sg_cookie_reply_consume of a
 *     COOKIE_REPLY that is raw bytes or a real reply with bytes flipped.
 *
 * Invariants: a message whose MACs a maker wrote passes mac1; after the
 * maker took the checker's reply for that message, the next message it
 * MACs at most 114 s later from the same source passes mac2 (BOTH_OK); a
 * reply for another message or altered anywhere is refused.
 *
 * Input: mode (1) then
 *   0 checker: now (8), secret born (8), source length (1) and bytes,
 *     flags (1: 1 recompute mac1, 2 also mac2 with a valid cookie), the
 *     message bytes
 *   1 maker: now (8), later (2, seconds), message length (2, 33..1500),
 *     message filler byte, mutations count (1) x (offset 1, xor 1) of the
 *     reply, raw (1: use the rest of the input as the reply instead)
 */
#include "crypto/cookie.h"
#include "fuzz.h"
#include "proto/bytes.h"
#include "proto/status.h"

static void checker_mode(struct fz *f)
{
	struct sg_cookie_checker owner, follower;
	struct sg_cookie_keys keys[2];
	struct sg_cookie_maker m;
	uint8_t srcb[255], secret[SG_KEY_LEN], reply[SG_COOKIE_REPLY_LEN], nonce[24];
	uint64_t now = fz_u64(f), born = fz_u64(f);
	size_t srclen = fz_u8(f), len;
	uint8_t flags;
	const uint8_t *p;
	uint8_t *msg;
	int v1, v2, which;

	fz_bytes(f, srcb, srclen);
	flags = fz_u8(f);
	p = fz_take(f, SIZE_MAX, &len);
	msg = fz_dup(p, len);

	sg_cookie_checker_init(&owner, fz_key(FZ_RELAY)->pub);
	sg_cookie_checker_init(&follower, fz_key(FZ_RELAY)->pub);
	fz_fixed(secret, sizeof(secret), 0x21);
	sg_cookie_checker_follow(&follower, secret, born);
	sg_cookie_keys_init(&keys[0], fz_key(FZ_RELAY_OLD)->pub);
	sg_cookie_keys_init(&keys[1], fz_key(FZ_RELAY)->pub);
	fz_fixed(nonce, sizeof(nonce), 0x22);

	if ((flags & 3) && len >= 2 * SG_MAC_LEN + 1) {
		sg_cookie_maker_init(&m, fz_key(FZ_RELAY)->pub);
		sg_cookie_add_macs(&m, msg, len, now);
		if (flags & 2) {
			FUZZ_CHECK(sg_cookie_reply_create(&follower, reply, msg, len, 9, srcb, srclen,
							  now, nonce) == SG_OK);
			FUZZ_CHECK(sg_cookie_reply_consume(&m, reply, sizeof(reply), now) == SG_OK);
			sg_cookie_add_macs(&m, msg, len, now);
		}
		sg_cookie_maker_wipe(&m);
	}

	v1 = sg_cookie_validate(&follower, msg, len, srcb, srclen, now);
	v2 = sg_cookie_validate_keys(&follower, &keys[1], msg, len, srcb, srclen, now);
	FUZZ_CHECK(v1 == v2);
	FUZZ_CHECK(v1 == SG_E_LENGTH || v1 == SG_E_MAC1 || v1 == SG_MAC_MAC1_OK ||
		   v1 == SG_MAC_BOTH_OK);
	FUZZ_CHECK((v1 == SG_E_LENGTH) == (len < 2 * SG_MAC_LEN + 1));
	if (flags & 3 && len >= 2 * SG_MAC_LEN + 1)
		FUZZ_CHECK(v1 == ((flags & 2) ? SG_MAC_BOTH_OK : SG_MAC_MAC1_OK));
	FUZZ_CHECK(sg_cookie_mac1_valid(follower.mac1_key, msg, len) ==
		   (v1 == SG_MAC_MAC1_OK || v1 == SG_MAC_BOTH_OK));
	which = sg_cookie_mac1_match(keys, 2, msg, len);
	FUZZ_CHECK(which == -1 || which == 0 || which == 1);
	if (v1 >= SG_MAC_MAC1_OK)
		FUZZ_CHECK(which == 1);

	/* The owner rotates on its own clock: every path of refresh_secret. */
	sg_cookie_tick(&owner, now);
	(void)sg_cookie_validate(&owner, msg, len, srcb, srclen, now + born % 300);
	if (sg_cookie_reply_create_keys(&owner, &keys[which < 0 ? 0 : which], reply, msg, len,
					len >= 8 ? sg_le32(msg + 4) : 0, srcb, srclen, now,
					NULL) == SG_OK)
		FUZZ_CHECK(reply[0] == SG_MSG_COOKIE_REPLY && len >= 2 * SG_MAC_LEN + 1);
	else
		FUZZ_CHECK(len < 2 * SG_MAC_LEN + 1);
	sg_cookie_checker_wipe(&owner);
	sg_cookie_checker_wipe(&follower);
	free(msg);
}

static void maker_mode(struct fz *f)
{
	struct sg_cookie_checker c;
	struct sg_cookie_maker m;
	uint8_t secret[SG_KEY_LEN], good[SG_COOKIE_REPLY_LEN], orig[SG_COOKIE_REPLY_LEN], nonce[24];
	static const uint8_t src[18] = { 0x20, 0x01, 0x00, 0x02, [15] = 7, [16] = 0x1d };
	uint64_t now = fz_u64(f) >> 2; /* no wrap of now + later */
	unsigned later = fz_u16(f), n_mut;
	size_t len = 33 + fz_u16(f) % 1468, rlen;
	uint8_t fill = fz_u8(f), raw;
	uint8_t *msg = malloc(len), *reply;
	const uint8_t *p;
	int rc, changed = 0, v;

	if (!msg)
		abort();
	memset(msg, fill, len);
	msg[0] = SG_MSG_HANDSHAKE_INIT;
	sg_cookie_checker_init(&c, fz_key(FZ_RELAY)->pub);
	fz_fixed(secret, sizeof(secret), 0x23);
	sg_cookie_checker_follow(&c, secret, now);
	sg_cookie_maker_init(&m, fz_key(FZ_RELAY)->pub);

	/* Nothing sent yet: no reply is taken. */
	FUZZ_CHECK(sg_cookie_reply_consume(&m, good, 0, now) == SG_E_LENGTH);
	sg_cookie_add_macs(&m, msg, len, now);
	FUZZ_CHECK(sg_cookie_validate(&c, msg, len, src, sizeof(src), now) == SG_MAC_MAC1_OK);
	fz_fixed(nonce, sizeof(nonce), 0x24);
	FUZZ_CHECK(sg_cookie_reply_create(&c, good, msg, len, 3, src, sizeof(src), now, nonce) ==
		   SG_OK);

	memcpy(orig, good, sizeof(orig));
	n_mut = fz_u8(f) % 8;
	for (unsigned i = 0; i < n_mut; i++) {
		uint8_t off = fz_u8(f) % SG_COOKIE_REPLY_LEN;

		good[off] ^= fz_u8(f);
	}
	/*
	 * Bytes 1..7 (reserved, receiver index) are not authenticated: the
	 * client's classify refuses reserved bits and session.c checks the index.
	 */
	changed = good[0] != orig[0] ||
		  memcmp(good + SG_COOKIE_OFF_NONCE, orig + SG_COOKIE_OFF_NONCE,
			 SG_COOKIE_REPLY_LEN - SG_COOKIE_OFF_NONCE) != 0;
	raw = fz_u8(f);
	if (raw & 1) {
		p = fz_take(f, SIZE_MAX, &rlen);
		reply = fz_dup(p, rlen);
	} else {
		rlen = sizeof(good);
		reply = fz_dup(good, rlen);
	}
	rc = sg_cookie_reply_consume(&m, reply, rlen, now);
	FUZZ_CHECK(rc == SG_OK || rc == SG_E_LENGTH || rc == SG_E_TYPE || rc == SG_E_TAG);
	if (!(raw & 1))
		FUZZ_CHECK((rc == SG_OK) == !changed);
	/* A reply is taken once per message sent. */
	if (rc == SG_OK)
		FUZZ_CHECK(sg_cookie_reply_consume(&m, reply, rlen, now) == SG_E_STALE_COOKIE);

	/* The next message, some seconds later: mac2 iff a fresh cookie is held. */
	sg_cookie_add_macs(&m, msg, len, now + later);
	v = sg_cookie_validate(&c, msg, len, src, sizeof(src), now + later);
	if (rc == SG_OK && later < SG_COOKIE_SECRET_MAX_AGE_S - SG_COOKIE_LATENCY_S)
		FUZZ_CHECK(v == SG_MAC_BOTH_OK);
	else
		FUZZ_CHECK(v == SG_MAC_MAC1_OK);
	sg_cookie_maker_wipe(&m);
	sg_cookie_checker_wipe(&c);
	free(reply);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	if (fz_u8(&f) & 1)
		maker_mode(&f);
	else
		checker_mode(&f);
	return 0;
}
