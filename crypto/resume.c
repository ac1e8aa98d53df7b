/* SPDX-License-Identifier: MIT */
/*
 * resume.c - session resumption on both sides (docs/PROTOCOL.md section 9).
 *
 *   RESUME (180):      type=11, 3 reserved, sender index, client_random (16),
 *                      ticket (92), AEAD(k_init; timestamp, suites) (16+16),
 *                      mac1, mac2
 *   RESUME_RESP (92):  type=13, 3 reserved, sender index, receiver index,
 *                      relay_random (16), AEAD(k_resp; response payload)
 *                      (16+16), mac1, mac2
 *
 * No DH anywhere: every key comes from the resumption secret by keyed
 * BLAKE2b, with distinct labels, so the relay's cost is one ticket open, one
 * payload open, one response seal and a few hashes.  Each AEAD key is used
 * for exactly one message (k_init is fresh per client_random, k_resp per
 * relay_random), so the nonce is always zero.  The AD of each message is all
 * of its bytes before the ciphertext, so the header, the randoms and the
 * ticket are authenticated by the payload's tag; the MACs come after, as on
 * the Noise handshake.  The session keys bind H, the hash of the whole
 * RESUME before its MACs.  Secrets are wiped as soon as they are used.
 */
#include <string.h>

#include <sodium.h>

#include "aead.h"
#include "crypto.h"
#include "proto/bytes.h"
#include "proto/status.h"
#include "resume.h"

static const char label_init[17] = "surge resume init";
static const char label_resp[17] = "surge resume resp";
static const char label_keys[17] = "surge resume keys";

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

/* out (outlen bytes) = BLAKE2b(key = secret, label || a || b || c); b, c may be NULL. */
static void derive(uint8_t *out, size_t outlen, const uint8_t secret[SG_KEY_LEN],
		   const char label[17], const uint8_t *a, size_t alen, const uint8_t *b,
		   size_t blen, const uint8_t *c, size_t clen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, secret, SG_KEY_LEN, outlen);
	crypto_generichash_update(&st, (const uint8_t *)label, 17);
	crypto_generichash_update(&st, a, alen);
	if (b)
		crypto_generichash_update(&st, b, blen);
	if (c)
		crypto_generichash_update(&st, c, clen);
	crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof(st));
}

static void k_init(uint8_t k[SG_KEY_LEN], const struct sg_resume *rs)
{
	derive(k, SG_KEY_LEN, rs->secret, label_init, rs->client_random, SG_RESUME_RANDOM_LEN,
	       NULL, 0, NULL, 0);
}

static void k_resp(uint8_t k[SG_KEY_LEN], const struct sg_resume *rs)
{
	derive(k, SG_KEY_LEN, rs->secret, label_resp, rs->client_random, SG_RESUME_RANDOM_LEN,
	       rs->relay_random, SG_RESUME_RANDOM_LEN, rs->hash, SG_HASH_LEN);
}

static void fill_random(uint8_t out[SG_RESUME_RANDOM_LEN], const struct sg_resume_fixed *fx)
{
	if (fx && fx->random)
		memcpy(out, fx->random, SG_RESUME_RANDOM_LEN);
	else
		randombytes_buf(out, SG_RESUME_RANDOM_LEN);
}

int sg_resume_ticket_store(struct sg_resume_ticket *t, const uint8_t *plain, size_t plen,
			   uint64_t now)
{
	struct sg_ticket_msg tm;
	int rc;

	if (plen != SG_TICKET_MSG_PLAIN_LEN)
		return SG_E_LENGTH;
	if ((rc = sg_ticket_msg_decode(&tm, plain)) != SG_OK)
		return rc;
	sg_resume_ticket_wipe(t);
	memcpy(t->secret, tm.secret, SG_KEY_LEN);
	memcpy(t->ticket, tm.ticket, SG_TICKET_LEN);
	t->expires = now + tm.lifetime_s;
	t->valid = 1;
	sodium_memzero(&tm, sizeof(tm));
	return SG_OK;
}

int sg_resume_ticket_usable(const struct sg_resume_ticket *t, uint64_t now)
{
	return t->valid && now + SG_RESUME_TICKET_MARGIN_S < t->expires;
}

void sg_resume_ticket_wipe(struct sg_resume_ticket *t)
{
	sodium_memzero(t, sizeof(*t));
}

int sg_resume_create(struct sg_resume *rs, uint8_t out[SG_RESUME_LEN],
		     const struct sg_resume_ticket *t, uint32_t sender_index,
		     const struct sg_init_payload *p, struct sg_cookie_maker *m, uint64_t now,
		     const struct sg_resume_fixed *fx)
{
	uint8_t plain[SG_RESUME_PAYLOAD_LEN], k[SG_KEY_LEN];
	int rc;

	memset(rs, 0, sizeof(*rs));
	if (!t->valid)
		return SG_E_STATE;
	if ((rc = sg_resume_payload_encode(plain, p)) != SG_OK)
		return rc;
	memcpy(rs->secret, t->secret, SG_KEY_LEN);
	fill_random(rs->client_random, fx);

	sg_resume_header_put(out, sender_index);
	memcpy(out + SG_RESUME_OFF_RANDOM, rs->client_random, SG_RESUME_RANDOM_LEN);
	memcpy(out + SG_RESUME_OFF_TICKET, t->ticket, SG_TICKET_LEN);
	k_init(k, rs);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + SG_RESUME_OFF_PAYLOAD, NULL, plain,
						  sizeof(plain), out, SG_RESUME_OFF_PAYLOAD,
						  NULL, zero_nonce, k);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(plain, sizeof(plain));
	sg_blake2b(rs->hash, out, SG_RESUME_OFF_MAC1, NULL, 0);
	sg_cookie_add_macs(m, out, SG_RESUME_LEN, now);

	rs->local_index = sender_index;
	memcpy(rs->offered, p->suites, sizeof(rs->offered));
	rs->is_client = 1;
	rs->step = SG_RESUME_STEP_SENT;
	return SG_OK;
}

int sg_resume_consume(struct sg_resume *rs, const struct sg_ticket_ring *ring,
		      const uint8_t *msg, size_t len, uint64_t now, struct sg_init_payload *p,
		      uint64_t *user_id)
{
	uint8_t plain[SG_RESUME_PAYLOAD_LEN], k[SG_KEY_LEN];
	struct sg_ticket_plain tp;
	int rc;

	memset(rs, 0, sizeof(*rs));
	if ((rc = sg_hs_header_check(msg, len, SG_RESUME_LEN, SG_MSG_RESUME)) != SG_OK)
		return rc;
	if ((rc = sg_ticket_open(ring, msg + SG_RESUME_OFF_TICKET, now, &tp)) != SG_OK)
		return rc;
	memcpy(rs->secret, tp.secret, SG_KEY_LEN);
	memcpy(rs->client_random, msg + SG_RESUME_OFF_RANDOM, SG_RESUME_RANDOM_LEN);
	k_init(k, rs);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL,
						      msg + SG_RESUME_OFF_PAYLOAD,
						      SG_RESUME_PAYLOAD_LEN + SG_TAG_LEN, msg,
						      SG_RESUME_OFF_PAYLOAD, zero_nonce, k) != 0)
		rc = SG_E_TAG;
	else
		rc = sg_resume_payload_decode(p, plain);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(&tp.secret, sizeof(tp.secret));
	if (rc != SG_OK) {
		sg_resume_wipe(rs);
		return rc;
	}
	sg_blake2b(rs->hash, msg, SG_RESUME_OFF_MAC1, NULL, 0);
	rs->remote_index = sg_le32(msg + SG_RESUME_OFF_SENDER);
	rs->step = SG_RESUME_STEP_READ;
	*user_id = tp.user_id;
	return SG_OK;
}

int sg_resume_response_create(struct sg_resume *rs, uint8_t out[SG_RRESP_LEN],
			      uint32_t local_index, const uint8_t client_pub[SG_KEY_LEN],
			      const struct sg_resp_payload *p, const struct sg_resume_fixed *fx)
{
	uint8_t plain[SG_RESP_PAYLOAD_LEN], k[SG_KEY_LEN];
	struct sg_cookie_maker to_client;
	int rc;

	if (rs->is_client || rs->step != SG_RESUME_STEP_READ)
		return SG_E_STATE;
	if ((rc = sg_resp_payload_encode(plain, p)) != SG_OK)
		return rc;
	fill_random(rs->relay_random, fx);
	sg_rresp_header_put(out, local_index, rs->remote_index);
	memcpy(out + SG_RRESP_OFF_RANDOM, rs->relay_random, SG_RESUME_RANDOM_LEN);
	k_resp(k, rs);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + SG_RRESP_OFF_PAYLOAD, NULL, plain,
						  sizeof(plain), out, SG_RRESP_OFF_PAYLOAD, NULL,
						  zero_nonce, k);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(plain, sizeof(plain));
	/* mac1 keyed with the client's identity key, as on the handshake response. */
	sg_cookie_maker_init(&to_client, client_pub);
	sg_cookie_add_macs(&to_client, out, SG_RRESP_LEN, 0);
	sg_cookie_maker_wipe(&to_client);
	rs->local_index = local_index;
	rs->step = SG_RESUME_STEP_DONE;
	return SG_OK;
}

int sg_resume_response_consume(struct sg_resume *rs, const uint8_t client_pub[SG_KEY_LEN],
			       const uint8_t *msg, size_t len, struct sg_resp_payload *p)
{
	uint8_t plain[SG_RESP_PAYLOAD_LEN], k[SG_KEY_LEN];
	struct sg_cookie_checker mine;
	struct sg_resp_payload got;
	int rc;

	if ((rc = sg_hs_header_check(msg, len, SG_RRESP_LEN, SG_MSG_RESUME_RESP)) != SG_OK)
		return rc;
	if (!rs->is_client || rs->step != SG_RESUME_STEP_SENT ||
	    sg_le32(msg + SG_RRESP_OFF_RECEIVER) != rs->local_index)
		return SG_E_STATE;
	sg_cookie_checker_init(&mine, client_pub);
	rc = sg_cookie_validate(&mine, msg, len, NULL, 0, 0);
	sg_cookie_checker_wipe(&mine);
	if (rc < 0)
		return rc;
	memcpy(rs->relay_random, msg + SG_RRESP_OFF_RANDOM, SG_RESUME_RANDOM_LEN);
	k_resp(k, rs);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL,
						      msg + SG_RRESP_OFF_PAYLOAD,
						      SG_RESP_PAYLOAD_LEN + SG_TAG_LEN, msg,
						      SG_RRESP_OFF_PAYLOAD, zero_nonce, k) != 0)
		rc = SG_E_TAG;
	else
		rc = sg_resp_payload_decode(&got, plain);
	if (rc == SG_OK && memchr(rs->offered, got.suite, sizeof(rs->offered)) == NULL)
		rc = SG_E_SUITE; /* the relay chose a suite we did not offer */
	sodium_memzero(k, sizeof(k));
	sodium_memzero(plain, sizeof(plain));
	if (rc != SG_OK) {
		memset(rs->relay_random, 0, sizeof(rs->relay_random));
		return rc;
	}
	*p = got;
	rs->remote_index = sg_le32(msg + SG_RRESP_OFF_SENDER);
	rs->step = SG_RESUME_STEP_DONE;
	return SG_OK;
}

int sg_resume_keys(struct sg_resume *rs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN])
{
	uint8_t k[2 * SG_KEY_LEN];
	uint32_t local, remote;

	if (rs->step != SG_RESUME_STEP_DONE)
		return SG_E_STATE;
	derive(k, sizeof(k), rs->secret, label_keys, rs->client_random, SG_RESUME_RANDOM_LEN,
	       rs->relay_random, SG_RESUME_RANDOM_LEN, rs->hash, SG_HASH_LEN);
	/* k1 = client -> relay, k2 = relay -> client. */
	memcpy(send, k + (rs->is_client ? 0 : SG_KEY_LEN), SG_KEY_LEN);
	memcpy(recv, k + (rs->is_client ? SG_KEY_LEN : 0), SG_KEY_LEN);
	sodium_memzero(k, sizeof(k));
	/* Secrets go; the indexes stay, as sg_hs_keys leaves them (not secret). */
	local = rs->local_index;
	remote = rs->remote_index;
	sg_resume_wipe(rs);
	rs->local_index = local;
	rs->remote_index = remote;
	return SG_OK;
}

int sg_resume_response_to_ctx(struct sg_resume *rs, const uint8_t client_pub[SG_KEY_LEN],
			      const uint8_t *msg, size_t len, struct sg_resp_payload *p,
			      struct sg_aead_ctx *send, struct sg_aead_ctx *recv)
{
	uint8_t s[SG_KEY_LEN], r[SG_KEY_LEN];
	int rc = sg_resume_response_consume(rs, client_pub, msg, len, p);

	if (rc == SG_OK)
		rc = sg_resume_keys(rs, s, r);
	return rc == SG_OK ? sg_aead_ctx_init_pair(send, recv, p->suite, s, r) : rc;
}

uint32_t sg_resume_ticket_issue(struct sg_ticket_ring *r, uint8_t out[SG_TICKET_MSG_PLAIN_LEN],
				uint64_t user_id, uint64_t now, const struct sg_resume_fixed *fx)
{
	struct sg_ticket_msg tm;
	uint32_t lifetime;

	if (fx && fx->secret)
		memcpy(tm.secret, fx->secret, SG_KEY_LEN);
	else
		randombytes_buf(tm.secret, SG_KEY_LEN);
	sg_ticket_ring_tick(r, now);
	tm.lifetime_s = sg_ticket_seal(r, tm.ticket, user_id, tm.secret, now,
				       fx ? fx->nonce : NULL);
	lifetime = tm.lifetime_s;
	sg_ticket_msg_encode(out, &tm);
	sodium_memzero(&tm, sizeof(tm));
	return lifetime;
}

void sg_resume_wipe(struct sg_resume *rs)
{
	sodium_memzero(rs, sizeof(*rs));
	rs->step = SG_RESUME_STEP_DEAD;
}
