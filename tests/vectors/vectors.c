/* SPDX-License-Identifier: MIT */
/*
 * vectors.c - deterministic test vectors for every message type.
 *
 * Fixed private keys, ephemeral keys, timestamps, cookie secret and nonce
 * are injected through the test hooks of crypto/ (sg_hs_fixed, a fixed
 * cookie nonce, a chosen cookie secret), so the bytes depend only on the
 * protocol.  An independent implementation that reproduces these bytes
 * from docs/PROTOCOL.md interoperates with surge.
 */
#include <string.h>

#include "crypto/aead.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/kdf.h"
#include "crypto/resume.h"
#include "crypto/transport.h"
#include "proto/handshake_msg.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"
#include "vectors.h"

static void seq(uint8_t *out, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(first + i);
}

/* Hex dump: 16 bytes a line, 4-byte groups, offsets in hex. */
static void dump(FILE *out, const char *name, const uint8_t *p, size_t n)
{
	fprintf(out, "%s (%zu bytes):\n", name, n);
	for (size_t off = 0; off < n; off += 16) {
		fprintf(out, "  %04zx:", off);
		for (size_t i = off; i < off + 16 && i < n; i++)
			fprintf(out, "%s%02x", (i - off) % 4 == 0 ? " " : "", p[i]);
		fputc('\n', out);
	}
}

static int seal(FILE *out, const char *name, const struct sg_aead_ctx *ctx,
		const struct sg_hdr *h, const uint8_t *plain, size_t plen)
{
	uint8_t msg[SG_DATA_MAX_LEN];
	size_t len;
	int rc = sg_transport_seal(ctx, h, plain, plen, msg, sizeof(msg), &len);

	if (rc != SG_OK)
		return rc;
	dump(out, name, msg, len);
	return SG_OK;
}

struct keys {
	struct sg_keypair relay, client;
	uint8_t client_e[32], relay_e[32];
	uint8_t c2r[32], r2c[32];
};

static int handshake(FILE *out, struct keys *k)
{
	struct sg_cookie_maker maker;
	struct sg_cookie_checker checker;
	struct sg_handshake ci, rs;
	struct sg_init_payload ip = { .version = SG_PROTO_VERSION, .n_suites = 2,
				      .suites = { SG_SUITE_AES256_GCM,
						  SG_SUITE_CHACHA20_POLY1305 } };
	struct sg_resp_payload rp = { .user_id = 1000001, .suite = SG_SUITE_AES256_GCM,
				      .flags = SG_RESP_F_SIGNED_UP, .keepalive_s = 25 };
	struct sg_init_payload got_ip;
	struct sg_resp_payload got_rp;
	struct sg_hs_fixed fc = { .ephemeral_priv = k->client_e };
	struct sg_hs_fixed fr = { .ephemeral_priv = k->relay_e };
	uint8_t init[SG_INIT_LEN], resp[SG_RESP_LEN], reply[SG_COOKIE_REPLY_LEN];
	uint8_t plain[SG_INIT_PAYLOAD_LEN], cpub[32], s2[32], r2[32], nonce[24];
	static const uint8_t src[6] = { 198, 18, 0, 1, 0x9c, 0x40 }; /* 198.18.0.1:40000 */
	int rc;

	sg_tai64n_encode(ip.timestamp, 1552521600, 0); /* 2019-03-14 00:00:00 UTC */
	sg_cookie_maker_init(&maker, k->relay.pub);
	sg_cookie_checker_init(&checker, k->relay.pub);

	fprintf(out, "\n### V2. mac1 and cookie keys of the relay\n\n```\n");
	dump(out, "mac1 key = BLAKE2b-256(\"mac1----\" || relay public)", maker.mac1_key, 32);
	dump(out, "cookie key = BLAKE2b-256(\"cookie--\" || relay public)", maker.cookie_key, 32);
	fprintf(out, "```\n");

	fprintf(out, "\n### V3. Handshake initiation\n\n"
		     "sender index 0x01020304; payload: TAI64N of 2019-03-14 00:00:00 UTC, "
		     "version 1, suites [AES-256-GCM, ChaCha20-Poly1305]; no cookie.\n\n```\n");
	sg_init_payload_encode(plain, &ip);
	dump(out, "initiation payload (plaintext)", plain, sizeof(plain));
	rc = sg_hs_initiation_create(&ci, init, &k->client, k->relay.pub, 0x01020304, &ip, &maker,
				     0, &fc);
	if (rc != SG_OK)
		return rc;
	dump(out, "handshake initiation", init, sizeof(init));
	fprintf(out, "```\n");

	if (sg_cookie_validate(&checker, init, sizeof(init), src, sizeof(src), 0) != SG_MAC_MAC1_OK)
		return SG_E_MAC1;
	rc = sg_hs_initiation_consume(&rs, &k->relay, init, sizeof(init), &got_ip, cpub);
	if (rc != SG_OK)
		return rc;

	fprintf(out, "\n### V4. Handshake response\n\n"
		     "relay session index 0x0a0b0c0d; payload: user id 1000001, AES-256-GCM, "
		     "flags SIGNED_UP, keepalive 25 s.\n\n```\n");
	rc = sg_hs_response_create(&rs, resp, 0x0a0b0c0d, &rp, &fr);
	if (rc != SG_OK)
		return rc;
	dump(out, "handshake response", resp, sizeof(resp));
	rc = sg_hs_response_consume(&ci, &k->client, resp, sizeof(resp), &got_rp);
	if (rc != SG_OK)
		return rc;
	if ((rc = sg_hs_keys(&ci, k->c2r, k->r2c)) != SG_OK ||
	    (rc = sg_hs_keys(&rs, s2, r2)) != SG_OK)
		return rc;
	if (memcmp(s2, k->r2c, 32) || memcmp(r2, k->c2r, 32))
		return SG_E_STATE;
	dump(out, "transport key client -> relay", k->c2r, 32);
	dump(out, "transport key relay -> client", k->r2c, 32);
	fprintf(out, "```\n");

	fprintf(out, "\n### V5. Cookie reply and an initiation with mac2\n\n"
		     "cookie secret = bytes 0xc1..0xe0; source 198.18.0.1 port 40000, as the "
		     "relay hashes it: c6 12 00 01 9c 40; nonce = bytes 0xa1..0xb8; it answers "
		     "the initiation of V3.  The client then sends the same initiation with mac2.\n"
		     "\n```\n");
	seq(checker.secret, sizeof(checker.secret), 0xc1);
	checker.secret_born = 0;
	checker.secret_valid = 1;
	seq(nonce, sizeof(nonce), 0xa1);
	rc = sg_cookie_reply_create(&checker, reply, init, sizeof(init), 0x01020304, src,
				    sizeof(src), 0, nonce);
	if (rc != SG_OK)
		return rc;
	dump(out, "cookie reply", reply, sizeof(reply));
	if ((rc = sg_cookie_reply_consume(&maker, reply, sizeof(reply), 0)) != SG_OK)
		return rc;
	dump(out, "cookie (decrypted by the client)", maker.cookie, sizeof(maker.cookie));
	sg_cookie_add_macs(&maker, init, sizeof(init), 1);
	dump(out, "initiation of V3 with new mac1 and mac2", init, sizeof(init));
	if (sg_cookie_validate(&checker, init, sizeof(init), src, sizeof(src), 1) != SG_MAC_BOTH_OK)
		return SG_E_MAC2;
	fprintf(out, "```\n");
	return SG_OK;
}

static int transport(FILE *out, const struct keys *k)
{
	struct sg_aead_ctx c2r, r2c, c2r_chacha;
	struct sg_data_inner d = { .peer_user = 1000002, .msg_id = 1, .ttl_s = 86400,
				   .class = SG_CLASS_CLOUD };
	struct sg_reply r = { .msg_id = 1, .peer_user = 1000002, .code = SG_REPLY_STORED };
	struct sg_ack_entry ack = { .sender_user = 1000002, .msg_id = 7 };
	struct sg_key_info ki = { .user_id = 1000002, .status = SG_KEYINFO_FOUND };
	static const char body[] = "hello, surge";
	uint8_t plain[SG_DATA_INNER_LEN + sizeof(body) - 1 + 64], next[32];
	size_t alen;
	struct sg_hdr h = { .type = SG_MSG_DATA, .receiver = 0x0a0b0c0d, .counter = 0 };
	int rc;

	if ((rc = sg_aead_ctx_init(&c2r, SG_SUITE_AES256_GCM, k->c2r)) != SG_OK ||
	    (rc = sg_aead_ctx_init(&r2c, SG_SUITE_AES256_GCM, k->r2c)) != SG_OK ||
	    (rc = sg_aead_ctx_init(&c2r_chacha, SG_SUITE_CHACHA20_POLY1305, k->c2r)) != SG_OK)
		return rc;

	fprintf(out, "\n### V6. Transport messages (keys of V4)\n\n"
		     "Client to relay (receiver index 0x0a0b0c0d), relay to client (receiver "
		     "index 0x01020304).  DATA: peer user 1000002, message id 1, TTL 86400 s, "
		     "class cloud, body \"hello, surge\" (12 bytes).\n\n```\n");
	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, body, sizeof(body) - 1);
	dump(out, "DATA plaintext (inner header + body)", plain, SG_DATA_INNER_LEN + 12);
	if ((rc = seal(out, "DATA, AES-256-GCM, counter 0", &c2r, &h, plain,
		       SG_DATA_INNER_LEN + 12)) != SG_OK)
		return rc;
	if ((rc = seal(out, "same DATA under ChaCha20-Poly1305 (same key), counter 0",
		       &c2r_chacha, &h, plain, SG_DATA_INNER_LEN + 12)) != SG_OK)
		return rc;

	h.type = SG_MSG_KEEPALIVE;
	h.counter = 1;
	if ((rc = seal(out, "KEEPALIVE, counter 1", &c2r, &h, NULL, 0)) != SG_OK)
		return rc;

	h.type = SG_MSG_DELIVERY_ACK;
	h.counter = 2;
	if ((rc = sg_ack_encode(plain, sizeof(plain), &ack, 1, &alen)) != SG_OK ||
	    (rc = seal(out, "DELIVERY_ACK of (sender 1000002, message 7), counter 2", &c2r, &h,
		       plain, alen)) != SG_OK)
		return rc;

	h.type = SG_MSG_KEY_LOOKUP;
	h.counter = 3;
	sg_lookup_encode(plain, 1000002);
	if ((rc = seal(out, "KEY_LOOKUP of user 1000002, counter 3", &c2r, &h, plain,
		       SG_LOOKUP_PLAIN_LEN)) != SG_OK)
		return rc;

	h.type = SG_MSG_CLOSE;
	h.counter = 4;
	sg_close_encode(plain, SG_CLOSE_NORMAL);
	if ((rc = seal(out, "CLOSE (normal), counter 4", &c2r, &h, plain, SG_CLOSE_PLAIN_LEN)) !=
	    SG_OK)
		return rc;

	h.receiver = 0x01020304;
	h.type = SG_MSG_RELAY_REPLY;
	h.counter = 0;
	sg_reply_encode(plain, &r);
	if ((rc = seal(out, "relay to client: RELAY_REPLY STORED for message 1, counter 0", &r2c,
		       &h, plain, SG_REPLY_PLAIN_LEN)) != SG_OK)
		return rc;

	h.type = SG_MSG_KEY_INFO;
	h.counter = 1;
	seq(ki.public_key, 32, 0x21); /* stands for user 1000002's key */
	sg_keyinfo_encode(plain, &ki);
	if ((rc = seal(out, "relay to client: KEY_INFO of user 1000002 (key = bytes 0x21..0x40), "
			    "counter 1",
		       &r2c, &h, plain, SG_KEYINFO_PLAIN_LEN)) != SG_OK)
		return rc;

	h.type = SG_MSG_DATA;
	h.counter = 2;
	d.peer_user = 1000002;
	d.msg_id = 9;
	d.ttl_s = 3600;
	d.class = SG_CLASS_SECRET;
	d.flags = SG_DATA_F_FROM_MAILBOX;
	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, body, sizeof(body) - 1);
	if ((rc = seal(out, "relay to client: DATA from user 1000002, message 9, TTL 3600, "
			    "secret, from mailbox, counter 2",
		       &r2c, &h, plain, SG_DATA_INNER_LEN + 12)) != SG_OK)
		return rc;
	fprintf(out, "```\n");

	fprintf(out, "\n### V7. Key update\n\n```\n");
	sg_aead_key_next(next, k->c2r);
	dump(out, "next client -> relay key = BLAKE2b-256(key = V4 key, \"surge key update\")",
	     next, 32);
	fprintf(out, "```\n");

	sg_aead_ctx_wipe(&c2r);
	sg_aead_ctx_wipe(&r2c);
	sg_aead_ctx_wipe(&c2r_chacha);
	return SG_OK;
}

/* V8: a TICKET in the V4 session, then a resumption with it. */
static int resumption(FILE *out, struct keys *k)
{
	struct sg_ticket_ring ring;
	struct sg_aead_ctx r2c;
	struct sg_cookie_maker maker;
	struct sg_cookie_checker checker;
	struct sg_resume_ticket held;
	struct sg_resume cl, rl;
	struct sg_init_payload ip = { .version = SG_PROTO_VERSION, .n_suites = 2,
				      .suites = { SG_SUITE_AES256_GCM,
						  SG_SUITE_CHACHA20_POLY1305 } };
	struct sg_init_payload got_ip;
	struct sg_resp_payload rp = { .user_id = 1000001, .suite = SG_SUITE_AES256_GCM,
				      .keepalive_s = 25 };
	struct sg_resp_payload got_rp;
	struct sg_hdr h = { .type = SG_MSG_TICKET, .receiver = 0x01020304, .counter = 3 };
	uint8_t secret[32], nonce[24], crand[16], rrand[16], plain[SG_TICKET_MSG_PLAIN_LEN];
	uint8_t msg[SG_RESUME_LEN], resp[SG_RRESP_LEN], cs[32], cr[32], rs[32], rr[32];
	const struct sg_resume_fixed fi = { .secret = secret, .nonce = nonce };
	const struct sg_resume_fixed fc = { .random = crand };
	const struct sg_resume_fixed fr = { .random = rrand };
	const uint64_t issued = 1552521600; /* relay's unix clock at the V4 handshake */
	uint64_t uid = 0;
	int rc;

	memset(&ring, 0, sizeof(ring));
	ring.rotate_s = SG_TICKET_ROTATE_S;
	ring.lifetime_s = SG_TICKET_LIFETIME_S;
	seq(ring.cur.key, 32, 0x81);
	ring.cur.id = 7;
	ring.cur.born = issued;
	ring.cur.valid = 1;
	seq(secret, 32, 0xc1);
	seq(nonce, 24, 0xa1);
	seq(crand, 16, 0xd1);
	seq(rrand, 16, 0xe1);
	sg_tai64n_encode(ip.timestamp, issued + 60, 0);

	fprintf(out, "\n### V8. Resumption\n\n"
		     "Ticket key id 7 = bytes 0x81..0xa0, issued at unix 1552521600 for user "
		     "1000001 with resumption secret = bytes 0xc1..0xe0 and nonce = bytes "
		     "0xa1..0xb8; the TICKET travels in the V4 session (relay to client, counter "
		     "3).  The client resumes a minute later: sender index 0x05060708, "
		     "client_random = bytes 0xd1..0xe0, TAI64N of 2019-03-14 00:01:00 UTC, suites "
		     "[AES-256-GCM, ChaCha20-Poly1305]; the relay answers with session index "
		     "0x0a0b0c0e, relay_random = bytes 0xe1..0xf0, user 1000001, AES-256-GCM, "
		     "keepalive 25 s.\n\n```\n");
	if (sg_resume_ticket_issue(&ring, plain, 1000001, issued, &fi) != SG_TICKET_LIFETIME_S)
		return SG_E_STATE;
	dump(out, "TICKET plaintext", plain, sizeof(plain));
	if ((rc = sg_aead_ctx_init(&r2c, SG_SUITE_AES256_GCM, k->r2c)) != SG_OK)
		return rc;
	rc = seal(out, "TICKET, AES-256-GCM, V4 relay -> client key, counter 3", &r2c, &h, plain,
		  sizeof(plain));
	sg_aead_ctx_wipe(&r2c);
	if (rc != SG_OK)
		return rc;

	memset(&held, 0, sizeof(held));
	sg_cookie_maker_init(&maker, k->relay.pub);
	sg_cookie_checker_init(&checker, k->relay.pub);
	if ((rc = sg_resume_ticket_store(&held, plain, sizeof(plain), 0)) != SG_OK ||
	    (rc = sg_resume_create(&cl, msg, &held, 0x05060708, &ip, &maker, 0, &fc)) != SG_OK)
		return rc;
	dump(out, "RESUME", msg, sizeof(msg));
	if (sg_cookie_validate(&checker, msg, sizeof(msg), NULL, 0, 0) != SG_MAC_MAC1_OK)
		return SG_E_MAC1;
	if ((rc = sg_resume_consume(&rl, &ring, msg, sizeof(msg), issued + 60, &got_ip, &uid)) !=
	    SG_OK)
		return rc;
	if (uid != 1000001)
		return SG_E_STATE;
	if ((rc = sg_resume_response_create(&rl, resp, 0x0a0b0c0e, k->client.pub, &rp, &fr)) !=
	    SG_OK)
		return rc;
	dump(out, "RESUME_RESP", resp, sizeof(resp));
	if ((rc = sg_resume_response_consume(&cl, k->client.pub, resp, sizeof(resp), &got_rp)) !=
		    SG_OK ||
	    (rc = sg_resume_keys(&cl, cs, cr)) != SG_OK || (rc = sg_resume_keys(&rl, rs, rr)) != SG_OK)
		return rc;
	if (memcmp(cs, rr, 32) != 0 || memcmp(cr, rs, 32) != 0)
		return SG_E_STATE;
	dump(out, "resumed transport key client -> relay", cs, 32);
	dump(out, "resumed transport key relay -> client", cr, 32);
	fprintf(out, "```\n");
	sg_ticket_ring_wipe(&ring);
	sg_resume_ticket_wipe(&held);
	sg_wipe(cs, sizeof(cs));
	sg_wipe(cr, sizeof(cr));
	sg_wipe(rs, sizeof(rs));
	sg_wipe(rr, sizeof(rr));
	return SG_OK;
}

int sg_vectors_print(FILE *out)
{
	struct keys k;
	uint8_t priv[32];
	int rc;

	if (sg_crypto_init() != SG_OK || !sg_crypto_have_aes256gcm())
		return SG_E_SUITE;
	memset(&k, 0, sizeof(k));
	seq(priv, 32, 0x01);
	sg_keypair_from_private(&k.relay, priv);
	seq(priv, 32, 0x21);
	sg_keypair_from_private(&k.client, priv);
	seq(k.client_e, 32, 0x41);
	seq(k.relay_e, 32, 0x61);

	fprintf(out, "### V1. Keys\n\n"
		     "Private keys are the byte sequences shown; X25519 clamps them.\n\n```\n");
	dump(out, "relay static private (bytes 0x01..0x20)", k.relay.priv, 32);
	dump(out, "relay static public", k.relay.pub, 32);
	dump(out, "client static private (bytes 0x21..0x40)", k.client.priv, 32);
	dump(out, "client static public", k.client.pub, 32);
	dump(out, "client ephemeral private (bytes 0x41..0x60)", k.client_e, 32);
	dump(out, "relay ephemeral private (bytes 0x61..0x80)", k.relay_e, 32);
	fprintf(out, "```\n");

	rc = handshake(out, &k);
	if (rc == SG_OK)
		rc = transport(out, &k);
	if (rc == SG_OK)
		rc = resumption(out, &k);
	sg_wipe(&k, sizeof(k));
	return rc;
}
