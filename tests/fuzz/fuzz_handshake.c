/* SPDX-License-Identifier: MIT */
/*
 * fuzz_handshake.c - the relay's responder fed initiation and RESUME bytes,
 * with fixed relay static keys (current and previous) and a fixed ticket
 * key ring, in the order the worker and the control plane take them
 * (dataplane/worker.c, control/hs_ctl.c, control/resume_ctl.c):
 *
 *   sg_proto_classify -> mac1 under either key (sg_cookie_mac1_match)
 *   -> under load: mac2 (sg_cookie_validate_keys), else a cookie reply
 *   -> INIT: sg_hs_initiation_consume -> sg_hs_choose_suite -> registry
 *      (sign-up, replayed timestamp) -> sg_hs_response_prepare/_finish
 *      -> sg_hs_keys
 *   -> RESUME: sg_resume_consume (ticket, payload) -> registry by id
 *      -> timestamp -> sg_resume_response_create -> sg_resume_keys
 *
 * Random bytes never pass mac1 or Noise, so most inputs are built: an
 * attacker knows the relay's public key (mac1) and may hold its own static
 * key or a ticket, so the harness builds a real initiation or RESUME from
 * fuzzed keys and plaintexts, may flip bytes of it, and may recompute the
 * MACs over the result.  When a built message is accepted, the initiator's
 * side consumes the relay's answer and both sides must hold the same keys.
 *
 * Input: mode (1), flags (1), now (4), then per mode:
 *   0 raw initiation, 2 raw RESUME: the message bytes
 *   1 built initiation: client private key 32, ephemeral private key 32,
 *     sender index 4, payload plaintext 20, user's last timestamp 12,
 *     mutations
 *   3 built RESUME: user id 8, secret 32, issue time offset 4, client
 *     random 16, sender index 4, timestamp 12, suites 4, last timestamp 12,
 *     mutations
 *   4 ticket key export (what the store hands back at start): 104 bytes
 * mutations: count (1), then count x (offset 1, xor 1), applied after the
 *   MACs of a built message.
 * flags: 1 recompute mac1 (after the mutations), 2 under load, 4 recompute
 *   mac2 with a cookie for the source, 8 mac1 under the previous key,
 *   16 the relay has AES-256-GCM.
 */
#include "control/registry.h"
#include "crypto/cookie.h"
#include "crypto/crypto.h"
#include "crypto/handshake.h"
#include "crypto/noise.h"
#include "crypto/resume.h"
#include "crypto/ticket.h"
#include "fuzz.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/handshake_msg.h"
#include "proto/status.h"

enum {
	F_MAC1 = 1,
	F_LOAD = 2,
	F_MAC2 = 4,
	F_OLD_KEY = 8,
	BASE_NOW = 1700000000, /* unix seconds the fuzzed offset is added to */
	ROTATE_S = 6 * 3600,
};

static const uint8_t src[6] = { 198, 18, 0, 2, 0x1d, 0x13 }; /* address, port */

struct ctx {
	struct sg_cookie_keys keys[2];
	struct sg_cookie_checker checker; /* a follower: the cookie secret is fixed */
	struct sg_ticket_ring ring;
	uint64_t now;
	uint8_t flags;
};

/* A ring of two fixed ticket keys, the current one born before now. */
static void ring_init(struct sg_ticket_ring *r, uint64_t now)
{
	uint8_t ex[SG_TICKET_KEYS_EXPORT_LEN] = { 0 };

	FUZZ_CHECK(sg_ticket_ring_init(r, ROTATE_S, 0, now) == SG_OK);
	sg_put_le32(ex, SG_TICKET_KEYS_FORMAT);
	sg_put_le32(ex + 8, 7);
	sg_put_le32(ex + 12, 1);
	sg_put_le64(ex + 16, now - 60);
	fz_fixed(ex + 24, SG_KEY_LEN, 0x71);
	sg_put_le32(ex + 56, 6);
	sg_put_le32(ex + 60, 1);
	sg_put_le64(ex + 64, now - 60 - ROTATE_S);
	fz_fixed(ex + 72, SG_KEY_LEN, 0x72);
	FUZZ_CHECK(sg_ticket_keys_import(r, ex, now) == SG_OK);
}

static void mutate(struct fz *f, uint8_t *msg, size_t len)
{
	unsigned n = fz_u8(f) % 8;

	for (unsigned i = 0; i < n; i++) {
		uint8_t off = fz_u8(f);

		msg[off % len] ^= fz_u8(f);
	}
}

/* MACs as the flags ask: mac1 under the chosen relay key, mac2 with the source's cookie. */
static void fix_macs(struct ctx *x, uint8_t *msg, size_t len, int always)
{
	struct sg_cookie_maker m;
	uint8_t reply[SG_COOKIE_REPLY_LEN], nonce[SG_COOKIE_NONCE_LEN];

	if ((!always && !(x->flags & (F_MAC1 | F_MAC2))) || len < 2 * SG_MAC_LEN + 1)
		return;
	sg_cookie_maker_init(&m, fz_key(x->flags & F_OLD_KEY ? FZ_RELAY_OLD : FZ_RELAY)->pub);
	if (x->flags & F_MAC2) {
		/* The cookie the relay would send this source, taken as a client takes it. */
		fz_fixed(nonce, sizeof(nonce), 0x33);
		sg_cookie_add_macs(&m, msg, len, x->now);
		FUZZ_CHECK(sg_cookie_reply_create_keys(&x->checker,
						       &x->keys[x->flags & F_OLD_KEY ? 1 : 0],
						       reply, msg, len, 1, src, sizeof(src), x->now,
						       nonce) == SG_OK);
		FUZZ_CHECK(sg_cookie_reply_consume(&m, reply, sizeof(reply), x->now) == SG_OK);
	}
	sg_cookie_add_macs(&m, msg, len, x->now);
	sg_cookie_maker_wipe(&m);
}

/*
 * The worker's and the control plane's checks before any DH: the relay key
 * msg's mac1 is under (0 current, 1 previous), or -1 when refused here.
 */
static int admit(struct ctx *x, const uint8_t *msg, size_t len)
{
	int type = sg_proto_classify(msg, len), which, v;
	uint8_t reply[SG_COOKIE_REPLY_LEN], nonce[SG_COOKIE_NONCE_LEN];

	if (type != SG_MSG_HANDSHAKE_INIT && type != SG_MSG_RESUME)
		return -1;
	which = sg_cookie_mac1_match(x->keys, 2, msg, len);
	if (which < 0)
		return -1;
	if (x->flags & F_LOAD) {
		v = sg_cookie_validate_keys(&x->checker, &x->keys[which], msg, len, src,
					    sizeof(src), x->now);
		FUZZ_CHECK(v == SG_MAC_MAC1_OK || v == SG_MAC_BOTH_OK);
		if (v != SG_MAC_BOTH_OK) {
			fz_fixed(nonce, sizeof(nonce), 0x34);
			FUZZ_CHECK(sg_cookie_reply_create_keys(&x->checker, &x->keys[which], reply,
							       msg, len,
							       sg_le32(msg + SG_INIT_OFF_SENDER),
							       src, sizeof(src), x->now,
							       nonce) == SG_OK);
			return -1;
		}
	}
	return which;
}

/* The control plane's side of a full handshake; 1 and the keys when answered. */
static int respond_init(struct ctx *x, const uint8_t *msg, size_t len, const uint8_t last_ts[12],
			uint8_t resp[SG_RESP_LEN], uint8_t send[SG_KEY_LEN],
			uint8_t recv[SG_KEY_LEN])
{
	struct sg_handshake hs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	struct sg_registry *reg;
	struct sg_user *u;
	uint8_t client_pub[SG_KEY_LEN], e[SG_KEY_LEN];
	struct sg_hs_fixed fx = { .ephemeral_priv = e };
	int which = admit(x, msg, len), created = 0, rc, ok = 0;
	uint8_t suite;

	if (which < 0)
		return 0;
	rc = sg_hs_initiation_consume(&hs, fz_key(which ? FZ_RELAY_OLD : FZ_RELAY), msg, len,
				      &ip, client_pub);
	if (rc != SG_OK)
		return 0;
	fz_fixed(e, sizeof(e), 0x55);
	rc = sg_hs_response_prepare(&hs, resp, &fx);
	suite = sg_hs_choose_suite(&ip, x->flags & 0x10);
	FUZZ_CHECK(suite <= SG_SUITE_MAX);
	if (rc != SG_OK || suite == SG_SUITE_NONE) {
		sg_hs_wipe(&hs);
		return 0;
	}
	reg = sg_registry_new(4);
	FUZZ_CHECK(reg != NULL);
	/* The user as the registry holds it after an earlier handshake. */
	u = sg_registry_get_or_add(reg, client_pub, x->now, &created);
	FUZZ_CHECK(u != NULL && created && u->id == 1);
	memcpy(u->last_ts, last_ts, SG_TAI64N_LEN);
	if (sg_registry_accept_timestamp(u, ip.timestamp) == SG_OK) {
		FUZZ_CHECK(memcmp(u->last_ts, ip.timestamp, SG_TAI64N_LEN) == 0);
		rp = (struct sg_resp_payload){ .user_id = u->id, .suite = suite,
					       .keepalive_s = SG_KEEPALIVE_S };
		FUZZ_CHECK(sg_hs_response_finish(&hs, resp, 0x1234, &rp) == SG_OK);
		FUZZ_CHECK(sg_hs_keys(&hs, send, recv) == SG_OK);
		ok = 1;
	}
	sg_registry_free(reg);
	sg_hs_wipe(&hs);
	return ok;
}

static void mode_raw_init(struct ctx *x, struct fz *f)
{
	size_t len;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	uint8_t *msg = fz_dup(p, len), resp[SG_RESP_LEN], s[SG_KEY_LEN], r[SG_KEY_LEN];
	static const uint8_t zero_ts[12];

	fix_macs(x, msg, len, 0);
	(void)respond_init(x, msg, len, zero_ts, resp, s, r);
	free(msg);
}

static void mode_built_init(struct ctx *x, struct fz *f)
{
	uint8_t cpriv[SG_KEY_LEN], epriv[SG_KEY_LEN], plain[SG_INIT_PAYLOAD_LEN], last_ts[12];
	uint8_t rs[SG_KEY_LEN], rr[SG_KEY_LEN], is[SG_KEY_LEN], ir[SG_KEY_LEN];
	uint8_t *msg = fz_dup(NULL, SG_INIT_LEN), resp[SG_RESP_LEN];
	struct sg_keypair client;
	struct sg_handshake ihs;
	struct sg_resp_payload rp;
	uint32_t sender;

	fz_bytes(f, cpriv, sizeof(cpriv));
	fz_bytes(f, epriv, sizeof(epriv));
	sender = fz_u32(f);
	fz_bytes(f, plain, sizeof(plain));
	fz_bytes(f, last_ts, sizeof(last_ts));
	FUZZ_CHECK(sg_keypair_from_private(&client, cpriv) == SG_OK);

	/* The initiator: Noise message 1 around any payload plaintext. */
	memset(&ihs, 0, sizeof(ihs));
	sg_noise_init(&ihs.noise, SG_NOISE_INITIATOR, (const uint8_t *)SG_NOISE_PROLOGUE,
		      SG_NOISE_PROLOGUE_LEN, fz_key(x->flags & F_OLD_KEY ? FZ_RELAY_OLD : FZ_RELAY)->pub);
	sg_init_header_put(msg, sender);
	memset(msg + SG_INIT_OFF_MAC1, 0, 2 * SG_MAC_LEN);
	if (sg_noise_write_msg1(&ihs.noise, &client, epriv, plain, sizeof(plain),
				msg + SG_INIT_OFF_EPHEMERAL) != SG_OK)
		goto out; /* a low-order key the initiator itself refuses */
	ihs.local_index = sender;
	memcpy(ihs.offered, plain + 14, SG_MAX_SUITES);
	fix_macs(x, msg, SG_INIT_LEN, 1);
	mutate(f, msg, SG_INIT_LEN);
	fix_macs(x, msg, SG_INIT_LEN, 0);
	if (!respond_init(x, msg, SG_INIT_LEN, last_ts, resp, rs, rr))
		goto out;
	/* Both ends agree, or the initiator refuses the answer. */
	if (sg_hs_response_consume(&ihs, &client, resp, sizeof(resp), &rp) == SG_OK) {
		FUZZ_CHECK(rp.user_id == 1 && rp.suite >= 1 && rp.suite <= SG_SUITE_MAX);
		FUZZ_CHECK(sg_hs_keys(&ihs, is, ir) == SG_OK);
		FUZZ_CHECK(memcmp(is, rr, SG_KEY_LEN) == 0 && memcmp(ir, rs, SG_KEY_LEN) == 0);
	}
out:
	sg_hs_wipe(&ihs);
	sg_keypair_wipe(&client);
	free(msg);
}

/* The control plane's side of a resumption; 1 and the keys when answered. */
static int respond_resume(struct ctx *x, const uint8_t *msg, size_t len,
			  const uint8_t last_ts[12], uint8_t resp[SG_RRESP_LEN],
			  uint8_t send[SG_KEY_LEN], uint8_t recv[SG_KEY_LEN])
{
	struct sg_resume rs;
	struct sg_init_payload ip;
	struct sg_resp_payload rp;
	uint8_t rnd[SG_RESUME_RANDOM_LEN];
	struct sg_resume_fixed fx = { .random = rnd };
	uint64_t user_id = 0;
	struct sg_user u;
	uint8_t suite;
	int rc;

	if (admit(x, msg, len) < 0)
		return 0;
	sg_ticket_ring_tick(&x->ring, x->now);
	rc = sg_resume_consume(&rs, &x->ring, msg, len, x->now, &ip, &user_id);
	if (rc != SG_OK) {
		FUZZ_CHECK(rs.step == SG_RESUME_STEP_DEAD || rs.step == SG_RESUME_STEP_NONE);
		return 0;
	}
	/* The registry has the ticket's user (its key: Alice's). */
	memset(&u, 0, sizeof(u));
	u.id = user_id;
	memcpy(u.pub, fz_key(FZ_ALICE)->pub, SG_KEY_LEN);
	memcpy(u.last_ts, last_ts, sizeof(u.last_ts));
	suite = sg_hs_choose_suite(&ip, 1);
	if (suite == SG_SUITE_NONE || sg_registry_accept_timestamp(&u, ip.timestamp) != SG_OK) {
		sg_resume_wipe(&rs);
		return 0;
	}
	rp = (struct sg_resp_payload){ .user_id = user_id, .suite = suite,
				       .keepalive_s = SG_KEEPALIVE_S };
	fz_fixed(rnd, sizeof(rnd), 0x66);
	FUZZ_CHECK(sg_resume_response_create(&rs, resp, 0x4321, u.pub, &rp, &fx) == SG_OK);
	FUZZ_CHECK(sg_resume_keys(&rs, send, recv) == SG_OK);
	FUZZ_CHECK(rs.step == SG_RESUME_STEP_DEAD && rs.local_index == 0x4321);
	return 1;
}

static void mode_raw_resume(struct ctx *x, struct fz *f)
{
	size_t len;
	const uint8_t *p = fz_take(f, SIZE_MAX, &len);
	uint8_t *msg = fz_dup(p, len), resp[SG_RRESP_LEN], s[SG_KEY_LEN], r[SG_KEY_LEN];
	static const uint8_t zero_ts[12];

	fix_macs(x, msg, len, 0);
	(void)respond_resume(x, msg, len, zero_ts, resp, s, r);
	free(msg);
}

static void mode_built_resume(struct ctx *x, struct fz *f)
{
	struct sg_resume_ticket t = { 0 };
	struct sg_init_payload ip = { 0 };
	struct sg_resp_payload rp;
	struct sg_cookie_maker m;
	struct sg_resume crs;
	uint8_t rnd[SG_RESUME_RANDOM_LEN], nonce[24], last_ts[12];
	uint8_t rs[SG_KEY_LEN], rr[SG_KEY_LEN], cs[SG_KEY_LEN], cr[SG_KEY_LEN];
	uint8_t *msg = fz_dup(NULL, SG_RESUME_LEN), resp[SG_RRESP_LEN];
	struct sg_resume_fixed fx = { .random = rnd };
	uint64_t user_id = fz_u64(f);
	int32_t issued_off;
	uint32_t sender;

	fz_bytes(f, t.secret, sizeof(t.secret));
	issued_off = (int32_t)fz_u32(f);
	fz_bytes(f, rnd, sizeof(rnd));
	sender = fz_u32(f);
	fz_bytes(f, ip.timestamp, sizeof(ip.timestamp));
	fz_bytes(f, ip.suites, sizeof(ip.suites));
	fz_bytes(f, last_ts, sizeof(last_ts));
	while (ip.n_suites < SG_MAX_SUITES && ip.suites[ip.n_suites])
		ip.n_suites++;
	ip.version = SG_PROTO_VERSION;

	/* A ticket the relay issued (at now + offset), held by the client. */
	fz_fixed(nonce, sizeof(nonce), 0x77);
	(void)sg_ticket_seal(&x->ring, t.ticket, user_id, t.secret,
			     x->now + (uint64_t)(int64_t)issued_off, nonce);
	t.valid = 1;
	t.expires = x->now + 3600;
	sg_cookie_maker_init(&m, fz_key(x->flags & F_OLD_KEY ? FZ_RELAY_OLD : FZ_RELAY)->pub);
	/* A suite list the wire cannot carry (a suite after an empty slot) is refused. */
	if (sg_resume_create(&crs, msg, &t, sender, &ip, &m, x->now, &fx) != SG_OK)
		goto out;
	mutate(f, msg, SG_RESUME_LEN);
	fix_macs(x, msg, SG_RESUME_LEN, 0);
	if (!respond_resume(x, msg, SG_RESUME_LEN, last_ts, resp, rs, rr))
		goto out;
	if (sg_resume_response_consume(&crs, fz_key(FZ_ALICE)->pub, resp, sizeof(resp), &rp) ==
	    SG_OK) {
		FUZZ_CHECK(rp.user_id == user_id);
		FUZZ_CHECK(sg_resume_keys(&crs, cs, cr) == SG_OK);
		FUZZ_CHECK(memcmp(cs, rr, SG_KEY_LEN) == 0 && memcmp(cr, rs, SG_KEY_LEN) == 0);
	}
out:
	sg_resume_wipe(&crs);
	sg_cookie_maker_wipe(&m);
	sg_resume_ticket_wipe(&t);
	free(msg);
}

/* The ticket keys as the store returns them at start (docs: the relay's own file). */
static void mode_ticket_import(struct ctx *x, struct fz *f)
{
	uint8_t ex[SG_TICKET_KEYS_EXPORT_LEN], back[SG_TICKET_KEYS_EXPORT_LEN];
	uint8_t tk[SG_TICKET_LEN], secret[SG_KEY_LEN] = { 1 };
	struct sg_ticket_plain tp;

	fz_bytes(f, ex, sizeof(ex));
	if (sg_ticket_keys_import(&x->ring, ex, x->now) != SG_OK)
		return;
	sg_ticket_keys_export(&x->ring, back);
	FUZZ_CHECK(x->ring.cur.valid);
	/* Whatever was imported seals and opens a ticket. */
	(void)sg_ticket_seal(&x->ring, tk, 5, secret, x->now, NULL);
	FUZZ_CHECK(sg_ticket_open(&x->ring, tk, x->now, &tp) == SG_OK && tp.user_id == 5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct ctx x;
	uint8_t secret[SG_KEY_LEN], mode = fz_u8(&f);

	memset(&x, 0, sizeof(x));
	x.flags = fz_u8(&f);
	x.now = BASE_NOW + (uint64_t)fz_u32(&f);
	sg_cookie_keys_init(&x.keys[0], fz_key(FZ_RELAY)->pub);
	sg_cookie_keys_init(&x.keys[1], fz_key(FZ_RELAY_OLD)->pub);
	sg_cookie_checker_init(&x.checker, fz_key(FZ_RELAY)->pub);
	fz_fixed(secret, sizeof(secret), 0x21);
	sg_cookie_checker_follow(&x.checker, secret, x.now - 30);
	ring_init(&x.ring, x.now);

	switch (mode % 5) {
	case 0: mode_raw_init(&x, &f); break;
	case 1: mode_built_init(&x, &f); break;
	case 2: mode_raw_resume(&x, &f); break;
	case 3: mode_built_resume(&x, &f); break;
	default: mode_ticket_import(&x, &f); break;
	}
	sg_cookie_checker_wipe(&x.checker);
	sg_ticket_ring_wipe(&x.ring);
	return 0;
}
