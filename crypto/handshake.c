/* SPDX-License-Identifier: MIT */
/*
 * handshake.c - surge's handshake initiation and response around Noise IK.
 *
 *   initiation (156 B): type=1, 3 reserved, sender index,
 *                       Noise msg 1 (e 32, enc s 48, enc payload 20+16),
 *                       mac1, mac2
 *   response (108 B):   type=2, 3 reserved, sender index, receiver index,
 *                       Noise msg 2 (e 32, enc payload 16+16), mac1, mac2
 *
 * The clear header bytes are covered by mac1 (and mac2), not by Noise: an
 * attacker who rewrites an index only misroutes a message that then fails
 * (the index selects keys), which costs it nothing it could not do by
 * dropping.  The responder's mac1 is keyed with the client's static key,
 * which the relay learns from message 1.
 */
#include <string.h>

#include "aead.h"
#include "crypto.h"
#include "handshake.h"
#include "proto/bytes.h"
#include "proto/status.h"

static const uint8_t *fixed_e(const struct sg_hs_fixed *fx)
{
	return fx ? fx->ephemeral_priv : NULL;
}

static void noise_start(struct sg_handshake *hs, enum sg_noise_role role,
			const uint8_t responder_pub[SG_KEY_LEN])
{
	sg_noise_init(&hs->noise, role, (const uint8_t *)SG_NOISE_PROLOGUE, SG_NOISE_PROLOGUE_LEN,
		      responder_pub);
}

int sg_hs_initiation_create(struct sg_handshake *hs, uint8_t out[SG_INIT_LEN],
			    const struct sg_keypair *client, const uint8_t relay_pub[SG_KEY_LEN],
			    uint32_t sender_index, const struct sg_init_payload *p,
			    struct sg_cookie_maker *m, uint64_t now, const struct sg_hs_fixed *fx)
{
	uint8_t plain[SG_INIT_PAYLOAD_LEN];
	int rc;

	memset(hs, 0, sizeof(*hs));
	if ((rc = sg_init_payload_encode(plain, p)) != SG_OK)
		return rc;
	noise_start(hs, SG_NOISE_INITIATOR, relay_pub);
	sg_init_header_put(out, sender_index);
	rc = sg_noise_write_msg1(&hs->noise, client, fixed_e(fx), plain, sizeof(plain),
				 out + SG_INIT_OFF_EPHEMERAL);
	sg_wipe(plain, sizeof(plain));
	if (rc != SG_OK)
		return rc;
	sg_cookie_add_macs(m, out, SG_INIT_LEN, now);
	hs->local_index = sender_index;
	memcpy(hs->offered, p->suites, sizeof(hs->offered));
	return SG_OK;
}

int sg_hs_initiation_consume(struct sg_handshake *hs, const struct sg_keypair *relay,
			     const uint8_t *msg, size_t len, struct sg_init_payload *p,
			     uint8_t client_pub[SG_KEY_LEN])
{
	uint8_t plain[SG_INIT_PAYLOAD_LEN];
	int rc;

	memset(hs, 0, sizeof(*hs));
	if ((rc = sg_hs_header_check(msg, len, SG_INIT_LEN, SG_MSG_HANDSHAKE_INIT)) != SG_OK)
		return rc;
	noise_start(hs, SG_NOISE_RESPONDER, relay->pub);
	rc = sg_noise_read_msg1(&hs->noise, relay, msg + SG_INIT_OFF_EPHEMERAL, SG_INIT_NOISE_LEN,
				plain);
	if (rc == SG_OK)
		rc = sg_init_payload_decode(p, plain);
	sg_wipe(plain, sizeof(plain));
	if (rc != SG_OK) {
		sg_hs_wipe(hs);
		return rc;
	}
	memcpy(client_pub, hs->noise.rs, SG_KEY_LEN);
	hs->remote_index = sg_le32(msg + SG_INIT_OFF_SENDER);
	return SG_OK;
}

int sg_hs_response_prepare(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			   const struct sg_hs_fixed *fx)
{
	return sg_noise_write_msg2_dh(&hs->noise, fixed_e(fx), out + SG_RESP_OFF_EPHEMERAL);
}

int sg_hs_response_finish(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			  uint32_t local_index, const struct sg_resp_payload *p)
{
	uint8_t plain[SG_RESP_PAYLOAD_LEN];
	struct sg_cookie_maker to_client;
	int rc;

	if ((rc = sg_resp_payload_encode(plain, p)) != SG_OK)
		return rc;
	sg_resp_header_put(out, local_index, hs->remote_index);
	rc = sg_noise_write_msg2_payload(&hs->noise, plain, sizeof(plain),
					 out + SG_RESP_OFF_EPHEMERAL);
	sg_wipe(plain, sizeof(plain));
	if (rc != SG_OK)
		return rc;
	/* mac1 keyed with the client's static key; the relay never sends mac2. */
	sg_cookie_maker_init(&to_client, hs->noise.rs);
	sg_cookie_add_macs(&to_client, out, SG_RESP_LEN, 0);
	sg_cookie_maker_wipe(&to_client);
	hs->local_index = local_index;
	return SG_OK;
}

int sg_hs_response_create(struct sg_handshake *hs, uint8_t out[SG_RESP_LEN],
			  uint32_t local_index, const struct sg_resp_payload *p,
			  const struct sg_hs_fixed *fx)
{
	uint8_t chk[SG_RESP_PAYLOAD_LEN];
	int rc = sg_resp_payload_encode(chk, p); /* a bad payload costs no DH */

	if (rc != SG_OK)
		return rc;
	rc = sg_hs_response_prepare(hs, out, fx);
	return rc == SG_OK ? sg_hs_response_finish(hs, out, local_index, p) : rc;
}

int sg_hs_response_consume(struct sg_handshake *hs, const struct sg_keypair *client,
			   const uint8_t *msg, size_t len, struct sg_resp_payload *p)
{
	uint8_t plain[SG_RESP_PAYLOAD_LEN];
	struct sg_cookie_checker mine;
	int rc;

	if ((rc = sg_hs_header_check(msg, len, SG_RESP_LEN, SG_MSG_HANDSHAKE_RESP)) != SG_OK)
		return rc;
	if (sg_le32(msg + SG_RESP_OFF_RECEIVER) != hs->local_index ||
	    hs->noise.step != SG_NOISE_STEP_MSG2)
		return SG_E_STATE;
	sg_cookie_checker_init(&mine, client->pub);
	rc = sg_cookie_validate(&mine, msg, len, NULL, 0, 0);
	sg_cookie_checker_wipe(&mine);
	if (rc < 0)
		return rc;
	rc = sg_noise_read_msg2(&hs->noise, client, msg + SG_RESP_OFF_EPHEMERAL,
				SG_RESP_NOISE_LEN, plain);
	if (rc == SG_OK)
		rc = sg_resp_payload_decode(p, plain);
	if (rc == SG_OK && memchr(hs->offered, p->suite, sizeof(hs->offered)) == NULL)
		rc = SG_E_SUITE; /* the relay chose a suite we did not offer */
	sg_wipe(plain, sizeof(plain));
	if (rc != SG_OK) {
		sg_hs_wipe(hs);
		return rc;
	}
	hs->remote_index = sg_le32(msg + SG_RESP_OFF_SENDER);
	return SG_OK;
}

int sg_hs_keys(struct sg_handshake *hs, uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN])
{
	return sg_noise_split(&hs->noise, send, recv, NULL);
}

int sg_hs_response_to_ctx(struct sg_handshake *hs, const struct sg_keypair *client,
			  const uint8_t *msg, size_t len, struct sg_resp_payload *p,
			  struct sg_aead_ctx *send, struct sg_aead_ctx *recv)
{
	uint8_t s[SG_KEY_LEN], r[SG_KEY_LEN];
	int rc = sg_hs_response_consume(hs, client, msg, len, p);

	if (rc == SG_OK)
		rc = sg_hs_keys(hs, s, r);
	return rc == SG_OK ? sg_aead_ctx_init_pair(send, recv, p->suite, s, r) : rc;
}

void sg_init_payload_client(struct sg_init_payload *p, int offer_aes)
{
	memset(p, 0, sizeof(*p));
	p->version = SG_PROTO_VERSION;
	if (offer_aes)
		p->suites[p->n_suites++] = SG_SUITE_AES256_GCM;
	p->suites[p->n_suites++] = SG_SUITE_CHACHA20_POLY1305;
}

uint8_t sg_hs_choose_suite(const struct sg_init_payload *p, int relay_has_aes)
{
	int aes = 0, chacha = 0;

	for (unsigned i = 0; i < p->n_suites && i < SG_MAX_SUITES; i++) {
		aes |= p->suites[i] == SG_SUITE_AES256_GCM;
		chacha |= p->suites[i] == SG_SUITE_CHACHA20_POLY1305;
	}
	if (aes && relay_has_aes)
		return SG_SUITE_AES256_GCM;
	if (chacha)
		return SG_SUITE_CHACHA20_POLY1305;
	return SG_SUITE_NONE;
}

void sg_hs_wipe(struct sg_handshake *hs)
{
	sg_wipe(hs, sizeof(*hs));
	hs->noise.step = SG_NOISE_STEP_DEAD;
}
