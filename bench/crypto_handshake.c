/* SPDX-License-Identifier: MIT */
/*
 * crypto_handshake.c - surge-bench-crypto's handshake part: Noise IK
 * responder and initiator handshakes/s, and the responder's X25519 bound.
 *
 * Handshakes/s: the Noise IK responder's work per handshake is
 * sg_cookie_validate (mac1) + sg_hs_initiation_consume +
 * sg_hs_response_create + sg_hs_keys (keys wiped), round-robin over 64
 * initiations made by 64 client key pairs.  Its X25519 cost is 4
 * variable-base crypto_scalarmult + 1 crypto_scalarmult_base (es, ss, ee, se
 * and the ephemeral key), timed in a loop in exactly that mix: "X25519
 * bound" = 1 / (time of one mix).  The initiator (sg_hs_initiation_create +
 * sg_hs_response_consume + sg_hs_keys) replays prepared responses: it uses
 * the fixed-ephemeral test hook so its state matches them, which skips one
 * 32-byte random draw per handshake and nothing else.
 * The three are interleaved, one pass (8 handshakes) per clock read.
 *
 * Resumptions/s (docs/PROTOCOL.md section 9): the relay's crypto for one
 * RESUME, everything control/resume_ctl.c does with keys: sg_cookie_validate
 * (mac1) + ticket ring tick + sg_resume_consume (ticket open, payload open)
 * + suite choice + sg_resume_response_create (mac1 keyed with the client's
 * key) + sg_resume_keys + the new TICKET: sg_resume_ticket_issue and its
 * transport seal under a freshly expanded send context (as sg_plane_send
 * does).  No X25519.  Round-robin over 64 RESUMEs of 64 tickets; the
 * timestamp check (a 12-byte compare in the registry) is not crypto and is
 * left out, so each RESUME can be replayed to the bench.  The full
 * handshake's figure above does not include the TICKET the relay now sends
 * after it (about the cost of one resumption's TICKET part).
 *
 * One of the two files outside crypto/ that include <sodium.h> (STYLE.md),
 * with crypto_aead.c: only for the raw X25519 mix above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bench/bench.h"
#include "bench/crypto_bench.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/keys.h"
#include "crypto/resume.h"
#include "crypto/transport.h"
#include "proto/handshake_msg.h"
#include "proto/messages.h"
#include "proto/status.h"
#include "proto/tai64n.h"

enum {
	BENCH_CLIENTS = 64,   /* distinct initiations */
	BENCH_HS_PASS = 8,    /* handshakes between clock reads */
};

struct hs_bench {
	struct sg_keypair relay;
	struct sg_cookie_checker checker;
	int relay_has_aes;
	unsigned next;
	uint64_t now;
	struct sg_keypair client[BENCH_CLIENTS];
	struct sg_cookie_maker maker[BENCH_CLIENTS];
	uint8_t init[BENCH_CLIENTS][SG_INIT_LEN];    /* responder's input */
	/* Initiator: fixed ephemeral keys, payloads and the responses to them. */
	uint8_t eph[BENCH_CLIENTS][SG_KEY_LEN];
	struct sg_init_payload payload[BENCH_CLIENTS];
	uint8_t resp[BENCH_CLIENTS][SG_RESP_LEN];
	/* Resumption: the relay's ticket keys, one RESUME per client. */
	struct sg_ticket_ring ring;
	uint8_t resume[BENCH_CLIENTS][SG_RESUME_LEN];
	uint64_t unix_now;
};

static const uint8_t bench_src[6] = { 198, 18, 0, 1, 0x1d, 0x13 }; /* 198.18.0.1:7443 */

static int responder_one(struct hs_bench *hb, unsigned i)
{
	struct sg_handshake hs;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .keepalive_s = SG_KEEPALIVE_S };
	uint8_t client_pub[SG_KEY_LEN], send[SG_KEY_LEN], recv[SG_KEY_LEN];
	uint8_t out[SG_RESP_LEN];
	int rc;

	rc = sg_cookie_validate(&hb->checker, hb->init[i], SG_INIT_LEN, bench_src,
				sizeof(bench_src), hb->now);
	if (rc != SG_MAC_MAC1_OK)
		return rc < 0 ? rc : SG_E_MAC2;
	rc = sg_hs_initiation_consume(&hs, &hb->relay, hb->init[i], SG_INIT_LEN, &p, client_pub);
	if (rc != SG_OK)
		return rc;
	rp.user_id = 1 + i;
	rp.suite = sg_hs_choose_suite(&p, hb->relay_has_aes);
	rc = sg_hs_response_create(&hs, out, 0x02000000 + i, &rp, NULL);
	if (rc == SG_OK)
		rc = sg_hs_keys(&hs, send, recv);
	else
		sg_hs_wipe(&hs);
	sg_wipe(send, sizeof(send));
	sg_wipe(recv, sizeof(recv));
	return rc;
}

/* The relay's side of RESUME i: see the top comment. */
static int resumer_one(struct hs_bench *hb, unsigned i)
{
	struct sg_resume rs;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .keepalive_s = SG_KEEPALIVE_S };
	struct sg_aead_ctx ctx;
	struct sg_hdr h = { .type = SG_MSG_TICKET, .receiver = 1 + i, .counter = i };
	uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN], out[SG_RRESP_LEN];
	uint8_t plain[SG_TICKET_MSG_PLAIN_LEN], ticket_msg[SG_TICKET_MSG_LEN];
	uint64_t uid = 0;
	size_t len;
	int rc;

	rc = sg_cookie_validate(&hb->checker, hb->resume[i], SG_RESUME_LEN, bench_src,
				sizeof(bench_src), hb->now);
	if (rc != SG_MAC_MAC1_OK)
		return rc < 0 ? rc : SG_E_MAC2;
	sg_ticket_ring_tick(&hb->ring, hb->unix_now);
	rc = sg_resume_consume(&rs, &hb->ring, hb->resume[i], SG_RESUME_LEN, hb->unix_now, &p,
			       &uid);
	if (rc != SG_OK)
		return rc;
	if (uid != 1 + i) {
		sg_resume_wipe(&rs);
		return SG_E_STATE;
	}
	rp.user_id = uid;
	rp.suite = sg_hs_choose_suite(&p, hb->relay_has_aes);
	rc = sg_resume_response_create(&rs, out, 0x03000000 + i, hb->client[i].pub, &rp, NULL);
	if (rc == SG_OK)
		rc = sg_resume_keys(&rs, send, recv);
	else
		sg_resume_wipe(&rs);
	if (rc == SG_OK) {
		sg_resume_ticket_issue(&hb->ring, plain, uid, hb->unix_now, NULL);
		rc = sg_aead_ctx_init(&ctx, rp.suite, send);
		if (rc == SG_OK)
			rc = sg_transport_seal(&ctx, &h, plain, sizeof(plain), ticket_msg,
					       sizeof(ticket_msg), &len);
		sg_aead_ctx_wipe(&ctx);
		sg_wipe(plain, sizeof(plain));
	}
	sg_wipe(send, sizeof(send));
	sg_wipe(recv, sizeof(recv));
	return rc;
}

static int initiator_one(struct hs_bench *hb, unsigned i, uint8_t send[SG_KEY_LEN],
			 uint8_t recv[SG_KEY_LEN])
{
	const struct sg_hs_fixed fx = { .ephemeral_priv = hb->eph[i] };
	struct sg_handshake hs;
	struct sg_resp_payload rp;
	uint8_t msg[SG_INIT_LEN];
	int rc;

	rc = sg_hs_initiation_create(&hs, msg, &hb->client[i], hb->relay.pub, 1 + i,
				     &hb->payload[i], &hb->maker[i], hb->now, &fx);
	if (rc == SG_OK)
		rc = sg_hs_response_consume(&hs, &hb->client[i], hb->resp[i], SG_RESP_LEN, &rp);
	if (rc == SG_OK)
		return sg_hs_keys(&hs, send, recv);
	sg_hs_wipe(&hs);
	return rc;
}

static uint64_t pass_responder(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;

	for (unsigned k = 0; k < BENCH_HS_PASS; k++)
		*bad += responder_one(hb, hb->next++ % BENCH_CLIENTS) != SG_OK;
	return BENCH_HS_PASS;
}

static uint64_t pass_resumer(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;

	for (unsigned k = 0; k < BENCH_HS_PASS; k++)
		*bad += resumer_one(hb, hb->next++ % BENCH_CLIENTS) != SG_OK;
	return BENCH_HS_PASS;
}

static uint64_t pass_initiator(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;
	uint8_t send[SG_KEY_LEN], recv[SG_KEY_LEN];

	for (unsigned k = 0; k < BENCH_HS_PASS; k++) {
		*bad += initiator_one(hb, hb->next++ % BENCH_CLIENTS, send, recv) != SG_OK;
		sg_wipe(send, sizeof(send));
		sg_wipe(recv, sizeof(recv));
	}
	return BENCH_HS_PASS;
}

/* The responder's X25519 work: es, ss, ee, se (variable base) + its e. */
static uint64_t pass_x25519(void *arg, uint64_t *bad)
{
	struct hs_bench *hb = arg;
	uint8_t q[SG_KEY_LEN];

	for (unsigned k = 0; k < BENCH_HS_PASS; k++) {
		unsigned i = hb->next++ % BENCH_CLIENTS, j = (i + 1) % BENCH_CLIENTS;

		*bad += crypto_scalarmult(q, hb->relay.priv, hb->client[i].pub) != 0;
		*bad += crypto_scalarmult(q, hb->relay.priv, hb->client[j].pub) != 0;
		*bad += crypto_scalarmult(q, hb->eph[i], hb->client[j].pub) != 0;
		*bad += crypto_scalarmult(q, hb->eph[i], hb->client[i].pub) != 0;
		*bad += crypto_scalarmult_base(q, hb->eph[j]) != 0;
	}
	sodium_memzero(q, sizeof(q));
	return BENCH_HS_PASS;
}

static int hs_setup(struct hs_bench *hb, int have_aes)
{
	uint8_t rs[SG_KEY_LEN], rr[SG_KEY_LEN], cs[SG_KEY_LEN], cr[SG_KEY_LEN];
	struct sg_handshake hs;
	struct sg_init_payload p = {
		.version = SG_PROTO_VERSION,
		.n_suites = 2,
		.suites = { SG_SUITE_AES256_GCM, SG_SUITE_CHACHA20_POLY1305 },
	};
	struct sg_resp_payload rp = { .keepalive_s = SG_KEEPALIVE_S };
	uint8_t pub[SG_KEY_LEN], msg[SG_INIT_LEN];
	int rc = SG_OK;

	memset(hb, 0, sizeof(*hb));
	hb->relay_has_aes = have_aes;
	hb->now = (uint64_t)sg_bench_now_s();
	hb->unix_now = (uint64_t)time(NULL);
	sg_keypair_generate(&hb->relay);
	sg_cookie_checker_init(&hb->checker, hb->relay.pub);
	rc = sg_ticket_ring_init(&hb->ring, 0, 0, hb->unix_now);
	for (unsigned i = 0; i < BENCH_CLIENTS && rc == SG_OK; i++) {
		const struct sg_hs_fixed fx = { .ephemeral_priv = hb->eph[i] };
		uint8_t tmsg[SG_TICKET_MSG_PLAIN_LEN];
		struct sg_resume_ticket held = { 0 };
		struct sg_resume crs;

		sg_keypair_generate(&hb->client[i]);
		sg_cookie_maker_init(&hb->maker[i], hb->relay.pub);
		sg_tai64n_now(p.timestamp);
		hb->payload[i] = p;
		/* The responder's input: a production initiation (fresh ephemeral). */
		rc = sg_hs_initiation_create(&hs, hb->init[i], &hb->client[i], hb->relay.pub, 1 + i,
					     &p, &hb->maker[i], hb->now, NULL);
		sg_hs_wipe(&hs);
		if (rc != SG_OK || (rc = responder_one(hb, i)) != SG_OK)
			break;
		/* The initiator's: a fixed ephemeral key and the relay's response. */
		sg_random(hb->eph[i], sizeof(hb->eph[i]));
		rc = sg_hs_initiation_create(&hs, msg, &hb->client[i], hb->relay.pub, 1 + i, &p,
					     &hb->maker[i], hb->now, &fx);
		sg_hs_wipe(&hs);
		if (rc != SG_OK)
			break;
		rc = sg_hs_initiation_consume(&hs, &hb->relay, msg, SG_INIT_LEN, &p, pub);
		rp.user_id = 1 + i;
		rp.suite = sg_hs_choose_suite(&p, have_aes);
		if (rc == SG_OK)
			rc = sg_hs_response_create(&hs, hb->resp[i], 0x02000000 + i, &rp, NULL);
		if (rc == SG_OK)
			rc = sg_hs_keys(&hs, rs, rr);
		if (rc == SG_OK)
			rc = initiator_one(hb, i, cs, cr);
		/* Both ends agree on the keys, and the relay saw the client's identity. */
		if (rc == SG_OK && (memcmp(cs, rr, SG_KEY_LEN) != 0 ||
				    memcmp(cr, rs, SG_KEY_LEN) != 0 ||
				    memcmp(pub, hb->client[i].pub, SG_KEY_LEN) != 0))
			rc = SG_E_STATE;
		/* The ticket of that session, and the client's RESUME with it. */
		if (rc == SG_OK) {
			sg_resume_ticket_issue(&hb->ring, tmsg, 1 + i, hb->unix_now, NULL);
			rc = sg_resume_ticket_store(&held, tmsg, sizeof(tmsg), hb->now);
			sg_wipe(tmsg, sizeof(tmsg));
		}
		if (rc == SG_OK)
			rc = sg_resume_create(&crs, hb->resume[i], &held, 1 + i, &p, &hb->maker[i],
					      hb->now, NULL);
		sg_resume_wipe(&crs);
		sg_resume_ticket_wipe(&held);
		if (rc == SG_OK)
			rc = resumer_one(hb, i);
	}
	sg_wipe(rs, sizeof(rs));
	sg_wipe(rr, sizeof(rr));
	sg_wipe(cs, sizeof(cs));
	sg_wipe(cr, sizeof(cr));
	if (rc != SG_OK)
		fprintf(stderr, "surge-bench-crypto: handshake setup: %s\n", sg_status_name(rc));
	return rc;
}

void sg_bench_handshake_measure(int have_aes, unsigned reps, double seconds,
				struct sg_bench_hs_result *r)
{
	double resp[SG_BENCH_MAX_REPS], x[SG_BENCH_MAX_REPS], init[SG_BENCH_MAX_REPS], rate;
	double res[SG_BENCH_MAX_REPS];
	struct hs_bench *hb = malloc(sizeof(*hb));
	const double warm = seconds / 5;

	if (!hb || hs_setup(hb, have_aes) != SG_OK)
		sg_bench_die("handshake setup failed");
	if (sg_bench_measure(pass_responder, hb, warm, &rate) != 0 ||
	    sg_bench_measure(pass_x25519, hb, warm, &rate) != 0 ||
	    sg_bench_measure(pass_initiator, hb, warm, &rate) != 0 ||
	    sg_bench_measure(pass_resumer, hb, warm, &rate) != 0)
		sg_bench_die("a handshake failed during the warm-up");
	for (unsigned i = 0; i < reps; i++) {
		if (sg_bench_measure(pass_responder, hb, seconds, &resp[i]) != 0)
			sg_bench_die("a responder handshake failed");
		if (sg_bench_measure(pass_x25519, hb, seconds, &x[i]) != 0)
			sg_bench_die("an X25519 operation failed");
		if (sg_bench_measure(pass_initiator, hb, seconds, &init[i]) != 0)
			sg_bench_die("an initiator handshake failed");
		if (sg_bench_measure(pass_resumer, hb, seconds, &res[i]) != 0)
			sg_bench_die("a resumption failed");
	}
	r->spread = 1;
	r->responder_hps = sg_bench_median(resp, reps, "responder handshakes", 0, &r->spread);
	r->x25519_hps = sg_bench_median(x, reps, "X25519 mix", 0, &r->spread);
	r->initiator_hps = sg_bench_median(init, reps, "initiator handshakes", 0, &r->spread);
	r->resume_hps = sg_bench_median(res, reps, "resumptions", 0, &r->spread);
	sg_ticket_ring_wipe(&hb->ring);
	sg_keypair_wipe(&hb->relay);
	sg_cookie_checker_wipe(&hb->checker);
	sodium_memzero(hb, sizeof(*hb));
	free(hb);
}
