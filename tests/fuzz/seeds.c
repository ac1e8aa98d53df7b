/* SPDX-License-Identifier: MIT */
/*
 * seeds.c - fuzz_seeds DIR: writes the binary seeds of tests/fuzz/corpus/
 * into DIR/<harness>/, built with the project's own encoders and fixed keys
 * (so the files are the same on every run): a frame of every message type
 * over IPv4, IPv6 and a VLAN, ARP/ICMP/NDP questions, real initiations and
 * RESUMEs in the formats fuzz_handshake.c reads, cookie exchanges, and
 * client sessions for fuzz_client.c.  The text seeds (config, rules, ctl,
 * metrics) are plain files in the tree.  Run by hand after a format change:
 *
 *   ninja -C build tests/fuzz/fuzz_seeds && build/tests/fuzz/fuzz_seeds tests/fuzz/corpus
 */
#include <errno.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/resume.h"
#include "crypto/ticket.h"
#include "crypto/transport.h"
#include "fuzz.h"
#include "proto/bytes.h"
#include "proto/pkt.h"
#include "proto/resume_msg.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "proto/transport_msg.h"

static const char *root;
static unsigned written;

static void put(const char *harness, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, harness);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, harness, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	written++;
}

/* A growing byte string. */
struct bs {
	uint8_t b[8192];
	size_t n;
};

static void b_u8(struct bs *s, uint8_t v) { s->b[s->n++] = v; }
static void b_u16(struct bs *s, uint16_t v) { sg_put_le16(s->b + s->n, v); s->n += 2; }
static void b_u32(struct bs *s, uint32_t v) { sg_put_le32(s->b + s->n, v); s->n += 4; }
static void b_u64(struct bs *s, uint64_t v) { sg_put_le64(s->b + s->n, v); s->n += 8; }
static void b_mem(struct bs *s, const void *p, size_t n) { memcpy(s->b + s->n, p, n); s->n += n; }

/* ------------------------------------------------------------ messages */

static const struct sg_hs_fixed fixed_e = { .ephemeral_priv = (const uint8_t *)"0123456789abcdef0123456789abcdef" };

static void init_payload(struct sg_init_payload *p)
{
	sg_init_payload_client(p, 1);
	sg_tai64n_encode(p->timestamp, 1700000000, 0);
}

/* A real initiation from Alice to the relay. */
static void make_init(uint8_t out[SG_INIT_LEN], uint64_t now)
{
	struct sg_handshake hs;
	struct sg_init_payload p;
	struct sg_cookie_maker m;

	init_payload(&p);
	sg_cookie_maker_init(&m, fz_key(FZ_RELAY)->pub);
	if (sg_hs_initiation_create(&hs, out, fz_key(FZ_ALICE), fz_key(FZ_RELAY)->pub, 0x11223344,
				    &p, &m, now, &fixed_e) != SG_OK)
		abort();
}

/* The relay's response to it. */
static void make_resp(uint8_t out[SG_RESP_LEN])
{
	uint8_t init[SG_INIT_LEN], pub[SG_KEY_LEN];
	struct sg_handshake hs;
	struct sg_init_payload p;
	struct sg_resp_payload rp = { .user_id = 1000001, .suite = SG_SUITE_CHACHA20_POLY1305,
				      .keepalive_s = 25 };

	make_init(init, 0);
	if (sg_hs_initiation_consume(&hs, fz_key(FZ_RELAY), init, sizeof(init), &p, pub) != SG_OK ||
	    sg_hs_response_create(&hs, out, 0x55667788, &rp, &fixed_e) != SG_OK)
		abort();
}

static void make_cookie_reply(uint8_t out[SG_COOKIE_REPLY_LEN])
{
	struct sg_cookie_checker c;
	uint8_t init[SG_INIT_LEN], secret[SG_KEY_LEN], nonce[24];
	static const uint8_t src[6] = { 198, 18, 0, 2, 0x1d, 0x13 };

	make_init(init, 0);
	sg_cookie_checker_init(&c, fz_key(FZ_RELAY)->pub);
	fz_fixed(secret, sizeof(secret), 1);
	sg_cookie_checker_follow(&c, secret, 0);
	fz_fixed(nonce, sizeof(nonce), 2);
	if (sg_cookie_reply_create(&c, out, init, sizeof(init), 0x11223344, src, sizeof(src), 0,
				   nonce) != SG_OK)
		abort();
}

/* A ticket ring with fixed keys, the one fuzz_handshake.c makes for now. */
static void ring_for(struct sg_ticket_ring *r, uint64_t now)
{
	uint8_t ex[SG_TICKET_KEYS_EXPORT_LEN] = { 0 };

	if (sg_ticket_ring_init(r, 6 * 3600, 0, now) != SG_OK)
		abort();
	sg_put_le32(ex, SG_TICKET_KEYS_FORMAT);
	sg_put_le32(ex + 8, 7);
	sg_put_le32(ex + 12, 1);
	sg_put_le64(ex + 16, now - 60);
	fz_fixed(ex + 24, SG_KEY_LEN, 0x71);
	sg_put_le32(ex + 56, 6);
	sg_put_le32(ex + 60, 1);
	sg_put_le64(ex + 64, now - 60 - 6 * 3600);
	fz_fixed(ex + 72, SG_KEY_LEN, 0x72);
	if (sg_ticket_keys_import(r, ex, now) != SG_OK)
		abort();
}

static void make_resume(uint8_t out[SG_RESUME_LEN], uint64_t now)
{
	struct sg_ticket_ring ring;
	struct sg_resume_ticket t = { .valid = 1 };
	struct sg_init_payload p;
	struct sg_cookie_maker m;
	struct sg_resume rs;
	uint8_t rnd[SG_RESUME_RANDOM_LEN], nonce[24];
	struct sg_resume_fixed fx = { .random = rnd };

	ring_for(&ring, now);
	fz_fixed(t.secret, sizeof(t.secret), 3);
	fz_fixed(nonce, sizeof(nonce), 4);
	fz_fixed(rnd, sizeof(rnd), 5);
	(void)sg_ticket_seal(&ring, t.ticket, 1000001, t.secret, now, nonce);
	init_payload(&p);
	sg_cookie_maker_init(&m, fz_key(FZ_RELAY)->pub);
	if (sg_resume_create(&rs, out, &t, 0x99aabbcc, &p, &m, now, &fx) != SG_OK)
		abort();
}

/* A transport message of type with plaintext plain, under a fixed key. */
static size_t make_transport(uint8_t *out, uint8_t type, const uint8_t *plain, size_t plen)
{
	struct sg_aead_ctx ctx;
	uint8_t key[SG_KEY_LEN];
	struct sg_hdr h = { .type = type, .receiver = 0x00010002, .counter = 7 };
	size_t len;

	fz_fixed(key, sizeof(key), 7);
	if (sg_aead_ctx_init(&ctx, SG_SUITE_CHACHA20_POLY1305, key) != SG_OK ||
	    sg_transport_seal(&ctx, &h, plain, plen, out, 2048, &len) != SG_OK)
		abort();
	return len;
}

/* ---------------------------------------------------------------- frames */

enum { V4 = 0, V6 = 1, VLAN = 2 };

static void frame(const char *name, int how, const uint8_t *payload, size_t plen)
{
	struct sg_endpoint from = { .mac = { 2, 0, 0, 0, 0, 2 }, .port = 40000 };
	struct sg_endpoint to = { .mac = { 2, 0x53, 0x47, 0, 0, 1 }, .port = 7443 };
	uint8_t buf[2048];
	unsigned hl;

	from.family = to.family = how == V6 ? 6 : 4;
	if (how == V6) {
		static const uint8_t a[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
		static const uint8_t b[16] = { 0x20, 0x01, 0, 2, [15] = 1 };

		memcpy(from.addr, a, 16);
		memcpy(to.addr, b, 16);
	} else {
		static const uint8_t a[4] = { 198, 18, 0, 2 }, b[4] = { 198, 18, 0, 1 };

		memcpy(from.addr, a, 4);
		memcpy(to.addr, b, 4);
	}
	if (how == VLAN) {
		to.has_vlan = 1;
		to.vlan_tci = 42;
	}
	hl = sg_pkt_udp_headers_len(&to);
	memcpy(buf + hl, payload, plen);
	sg_pkt_write_udp_headers(buf, &from, &to, (uint16_t)plen);
	put("frame", name, buf, hl + plen);
}

/* ICMP echo (v4) or ICMPv6 echo / neighbour solicitation, by hand. */
static void icmp_frames(void)
{
	uint8_t f[128] = { 2, 0x53, 0x47, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	uint8_t *ip = f + 14;

	/* IPv4 echo request, 8 bytes of data */
	f[12] = 0x08;
	f[13] = 0x00;
	ip[0] = 0x45;
	sg_put_be16(ip + 2, 20 + 16);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, (uint8_t[]){ 198, 18, 0, 2 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 198, 18, 0, 1 }, 4);
	ip[20] = 8;
	memcpy(ip + 28, "pingdata", 8);
	put("frame", "icmp4_echo", f, 14 + 36);

	/* IPv6 echo request and neighbour solicitation for 2001:2::1 */
	memset(ip, 0, 100);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	sg_put_be16(ip + 4, 16);
	ip[6] = 58;
	ip[7] = 64;
	memcpy(ip + 8, (uint8_t[]){ 0x20, 0x01, 0, 2, [15] = 2 }, 16);
	memcpy(ip + 24, (uint8_t[]){ 0x20, 0x01, 0, 2, [15] = 1 }, 16);
	ip[40] = 128;
	memcpy(ip + 48, "pingdata", 8);
	put("frame", "icmp6_echo", f, 14 + 56);

	sg_put_be16(ip + 4, 32);
	ip[7] = 255;
	memset(ip + 24, 0, 16);
	memcpy(ip + 24, (uint8_t[]){ 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 }, 16);
	memset(ip + 40, 0, 32);
	ip[40] = 135;
	memcpy(ip + 48, (uint8_t[]){ 0x20, 0x01, 0, 2, [15] = 1 }, 16);
	ip[64] = 1;
	ip[65] = 1;
	memcpy(ip + 66, f + 6, 6);
	put("frame", "ndp_ns", f, 14 + 72);
}

static void frame_seeds(void)
{
	uint8_t m[2048], plain[1500], arp[SG_PKT_ARP_REQUEST_LEN];
	struct sg_data_inner d = { .peer_user = 1000002, .msg_id = 1, .ttl_s = 60,
				   .class = SG_CLASS_CLOUD };
	struct sg_reply r = { .msg_id = 1, .peer_user = 1000002, .code = SG_REPLY_STORED };
	struct sg_ack_entry acks[2] = { { 1000002, 1 }, { 1000003, 2 } };
	struct sg_key_info ki = { .user_id = 1000002 };
	struct sg_ticket_msg tm = { .lifetime_s = 43200 };
	size_t n, alen;

	make_init(m, 0);
	frame("init_v4", V4, m, SG_INIT_LEN);
	frame("init_v6", V6, m, SG_INIT_LEN);
	make_resp(m);
	frame("resp_v4", V4, m, SG_RESP_LEN);
	make_cookie_reply(m);
	frame("cookie_v4", V4, m, SG_COOKIE_REPLY_LEN);
	make_resume(m, 1700000000);
	frame("resume_vlan", VLAN, m, SG_RESUME_LEN);

	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, "hello, bob", 10);
	n = make_transport(m, SG_MSG_DATA, plain, SG_DATA_INNER_LEN + 10);
	frame("data_v4", V4, m, n);
	frame("data_v6", V6, m, n);
	frame("data_vlan", VLAN, m, n);
	n = make_transport(m, SG_MSG_KEEPALIVE, NULL, 0);
	frame("keepalive_v4", V4, m, n);
	sg_close_encode(plain, SG_CLOSE_NORMAL);
	n = make_transport(m, SG_MSG_CLOSE, plain, SG_CLOSE_PLAIN_LEN);
	frame("close_v4", V4, m, n);
	sg_reply_encode(plain, &r);
	n = make_transport(m, SG_MSG_RELAY_REPLY, plain, SG_REPLY_PLAIN_LEN);
	frame("reply_v4", V4, m, n);
	if (sg_ack_encode(plain, sizeof(plain), acks, 2, &alen) != SG_OK)
		abort();
	n = make_transport(m, SG_MSG_DELIVERY_ACK, plain, alen);
	frame("ack_v6", V6, m, n);
	sg_lookup_encode(plain, 1000002);
	n = make_transport(m, SG_MSG_KEY_LOOKUP, plain, SG_LOOKUP_PLAIN_LEN);
	frame("lookup_v4", V4, m, n);
	memcpy(ki.public_key, fz_key(FZ_BOB)->pub, SG_KEY_LEN);
	sg_keyinfo_encode(plain, &ki);
	n = make_transport(m, SG_MSG_KEY_INFO, plain, SG_KEYINFO_PLAIN_LEN);
	frame("keyinfo_v4", V4, m, n);
	sg_ticket_msg_encode(plain, &tm);
	n = make_transport(m, SG_MSG_TICKET, plain, SG_TICKET_MSG_PLAIN_LEN);
	frame("ticket_v4", V4, m, n);
	memset(m, 0, SG_RRESP_LEN);
	sg_rresp_header_put(m, 1, 2);
	frame("rresp_v4", V4, m, SG_RRESP_LEN);

	sg_pkt_arp_request(arp, (uint8_t[]){ 2, 0, 0, 0, 0, 2 }, (uint8_t[]){ 198, 18, 0, 2 },
			   (uint8_t[]){ 198, 18, 0, 1 });
	put("frame", "arp_request", arp, sizeof(arp));
	icmp_frames();
}

/* ------------------------------------------------------------- handshake */

static void handshake_seeds(void)
{
	struct bs s;
	uint8_t m[SG_RESUME_LEN], k[SG_KEY_LEN], ts[12], plain[SG_INIT_PAYLOAD_LEN];
	struct sg_init_payload p;
	uint32_t now_off = 1000;
	struct sg_ticket_ring ring;
	uint8_t ex[SG_TICKET_KEYS_EXPORT_LEN];

	/* mode 0: a real initiation (its MACs as built), not under load, and under load */
	for (int load = 0; load < 2; load++) {
		s.n = 0;
		b_u8(&s, 0);
		b_u8(&s, load ? 2 | 4 : 0);
		b_u32(&s, now_off);
		make_init(m, 1700000000 + now_off);
		b_mem(&s, m, SG_INIT_LEN);
		put("handshake", load ? "init_raw_load" : "init_raw", s.b, s.n);
	}
	/* mode 1: built from keys and a payload plaintext */
	init_payload(&p);
	if (sg_init_payload_encode(plain, &p) != SG_OK)
		abort();
	for (int v = 0; v < 3; v++) {
		s.n = 0;
		b_u8(&s, 1);
		b_u8(&s, (uint8_t[]){ 0, 2 | 4 | 16, 8 }[v]);
		b_u32(&s, now_off);
		fz_fixed(k, sizeof(k), 0x42);
		b_mem(&s, k, SG_KEY_LEN);
		fz_fixed(k, sizeof(k), 0x50);
		b_mem(&s, k, SG_KEY_LEN);
		b_u32(&s, 0x01020304);
		b_mem(&s, plain, sizeof(plain));
		memset(ts, 0, sizeof(ts));
		b_mem(&s, ts, sizeof(ts));
		b_u8(&s, 0); /* no mutations */
		put("handshake", (const char *[]){ "init_built", "init_built_load", "init_built_oldkey" }[v],
		    s.b, s.n);
	}
	/* mode 2: a real RESUME under the harness's ring */
	s.n = 0;
	b_u8(&s, 2);
	b_u8(&s, 0);
	b_u32(&s, now_off);
	make_resume(m, 1700000000 + now_off);
	b_mem(&s, m, SG_RESUME_LEN);
	put("handshake", "resume_raw", s.b, s.n);
	/* mode 3: built RESUME */
	for (int v = 0; v < 2; v++) {
		s.n = 0;
		b_u8(&s, 3);
		b_u8(&s, v ? 2 | 4 : 0);
		b_u32(&s, now_off);
		b_u64(&s, 1000001);
		fz_fixed(k, sizeof(k), 0x60);
		b_mem(&s, k, SG_KEY_LEN);
		b_u32(&s, (uint32_t)-100);
		b_mem(&s, k, SG_RESUME_RANDOM_LEN);
		b_u32(&s, 0x0a0b0c0d);
		b_mem(&s, p.timestamp, SG_TAI64N_LEN);
		b_mem(&s, p.suites, SG_MAX_SUITES);
		memset(ts, 0, sizeof(ts));
		b_mem(&s, ts, sizeof(ts));
		b_u8(&s, 0);
		put("handshake", v ? "resume_built_load" : "resume_built", s.b, s.n);
	}
	/* mode 4: ticket keys as exported */
	ring_for(&ring, 1700000000);
	sg_ticket_keys_export(&ring, ex);
	s.n = 0;
	b_u8(&s, 4);
	b_u8(&s, 0);
	b_u32(&s, 100);
	b_mem(&s, ex, sizeof(ex));
	put("handshake", "ticket_keys", s.b, s.n);
}

/* ---------------------------------------------------------------- cookie */

static void cookie_seeds(void)
{
	struct bs s;
	uint8_t m[SG_INIT_LEN];
	static const uint8_t src[6] = { 198, 18, 0, 2, 0x1d, 0x13 };

	make_init(m, 0);
	for (int flags = 0; flags < 3; flags++) {
		s.n = 0;
		b_u8(&s, 0);
		b_u64(&s, 1000 + (uint64_t)flags);
		b_u64(&s, 990);
		b_u8(&s, sizeof(src));
		b_mem(&s, src, sizeof(src));
		b_u8(&s, (uint8_t)flags);
		b_mem(&s, m, sizeof(m));
		put("cookie", (const char *[]){ "checker_asis", "checker_mac1", "checker_mac2" }[flags],
		    s.b, s.n);
	}
	for (int v = 0; v < 3; v++) {
		s.n = 0;
		b_u8(&s, 1);
		b_u64(&s, 5000);
		b_u16(&s, (uint16_t)(v == 1 ? 200 : 10));
		b_u16(&s, 156 - 33);
		b_u8(&s, 0x5a);
		b_u8(&s, v == 2 ? 1 : 0);
		if (v == 2) {
			b_u8(&s, 40);
			b_u8(&s, 1);
		}
		b_u8(&s, 0);
		put("cookie", (const char *[]){ "maker_ok", "maker_late", "maker_flipped" }[v], s.b,
		    s.n);
	}
}

/* ---------------------------------------------------------------- client */

static void op_sealed(struct bs *s, uint8_t type, const uint8_t *plain, uint16_t plen)
{
	b_u8(s, 1);
	b_u8(s, (uint8_t)(type - SG_MSG_DATA));
	b_u8(s, 0);
	b_u8(s, 0);
	b_u8(s, 0);
	b_u16(s, plen);
	b_mem(s, plain, plen);
}

static void client_seeds(void)
{
	struct bs s;
	uint8_t plain[256];
	struct sg_data_inner d = { .peer_user = 1000002, .msg_id = 9, .ttl_s = 60,
				   .class = SG_CLASS_CLOUD, .flags = SG_DATA_F_FROM_MAILBOX };
	struct sg_reply r = { .msg_id = 5, .peer_user = 1000004, .code = SG_REPLY_STORED };

	/* connect, a cloud message, a reply, a close */
	s.n = 0;
	b_u8(&s, 1);
	sg_data_inner_encode(plain, &d);
	memcpy(plain + SG_DATA_INNER_LEN, "hello alice", 11);
	op_sealed(&s, SG_MSG_DATA, plain, SG_DATA_INNER_LEN + 11);
	sg_reply_encode(plain, &r);
	op_sealed(&s, SG_MSG_RELAY_REPLY, plain, SG_REPLY_PLAIN_LEN);
	op_sealed(&s, SG_MSG_KEEPALIVE, plain, 0);
	sg_close_encode(plain, SG_CLOSE_ADMIN);
	op_sealed(&s, SG_MSG_CLOSE, plain, SG_CLOSE_PLAIN_LEN);
	put("client", "connect_data_close", s.b, s.n);

	/* connect, a secret send to Bob (lookup), KEY_INFO, a secret from Bob */
	s.n = 0;
	b_u8(&s, 1 | 2);
	b_u8(&s, 3); b_u8(&s, 1); b_u8(&s, 1);        /* send secret to Bob */
	b_u8(&s, 5); b_u8(&s, 1); b_u16(&s, 0); b_u8(&s, 0); /* KEY_INFO Bob's key */
	b_u8(&s, 4); b_u64(&s, 77); b_u8(&s, 0); b_u16(&s, 12); b_mem(&s, "secret hello", 12);
	b_u8(&s, 0);
	b_u8(&s, 3); b_u8(&s, 3); b_u8(&s, 1);        /* ack */
	put("client", "connect_secret", s.b, s.n);

	/* connect, a ticket, silence until the probe (75 s), the RESUME answered */
	s.n = 0;
	b_u8(&s, 1);
	b_u8(&s, 7); b_u32(&s, 0);                    /* a real ticket */
	b_u8(&s, 2); b_u16(&s, 1600);                 /* 80 s */
	b_u8(&s, 6); b_u8(&s, 0);                     /* answer the RESUME */
	b_u8(&s, 3); b_u8(&s, 0); b_u8(&s, 1);        /* cloud to Bob */
	b_u8(&s, 2); b_u16(&s, 1600);                 /* again: a ticket was used */
	b_u8(&s, 6); b_u8(&s, 2); b_u8(&s, 77);       /* a flipped answer */
	put("client", "ticket_resume", s.b, s.n);

	/* an hour in steps of 110 s, each silence probe answered: rekeys, prev sessions */
	s.n = 0;
	b_u8(&s, 1 | 4 | 8);
	b_u8(&s, 10);                                 /* keepalive 10 s */
	b_u8(&s, 8);                                  /* the relay's key update */
	op_sealed(&s, SG_MSG_KEEPALIVE, plain, 0);
	for (int i = 0; i < 34; i++) {
		b_u8(&s, 2); b_u16(&s, 2200);
		b_u8(&s, 6); b_u8(&s, (uint8_t)(i % 5 == 4 ? 1 : 0));
	}
	put("client", "rekeys", s.b, s.n);

	/* keys expire (63 min of relay keepalives), then silence kills the next session */
	s.n = 0;
	b_u8(&s, 1);
	for (int i = 0; i < 70; i++) {
		b_u8(&s, 2); b_u16(&s, 1100);         /* 55 s */
		op_sealed(&s, SG_MSG_KEEPALIVE, plain, 0);
	}
	b_u8(&s, 3); b_u8(&s, 6); b_u8(&s, 0);        /* reconnect */
	b_u8(&s, 6); b_u8(&s, 0);
	b_u8(&s, 2); b_u16(&s, 12000);                /* 10 min of silence */
	put("client", "expiry_and_silence", s.b, s.n);

	/* key updates both ways after 10 min of traffic */
	s.n = 0;
	b_u8(&s, 1 | 4);
	for (int i = 0; i < 13; i++) {
		b_u8(&s, 2); b_u16(&s, 1100);         /* 55 s */
		op_sealed(&s, SG_MSG_KEEPALIVE, plain, 0);
		if (i == 11)
			b_u8(&s, 8);                  /* the relay's own update */
	}
	b_u8(&s, 3); b_u8(&s, 0); b_u8(&s, 1);        /* cloud to Bob: the new key */
	put("client", "key_update", s.b, s.n);

	/* key lookups that go unanswered: retries, then the parked message fails */
	s.n = 0;
	b_u8(&s, 1);
	b_u8(&s, 3); b_u8(&s, 1); b_u8(&s, 3);        /* secret to user 1000003 */
	b_u8(&s, 3); b_u8(&s, 2); b_u8(&s, 5);        /* lookup 1000005 */
	for (int i = 0; i < 6; i++) {
		b_u8(&s, 2); b_u16(&s, 25);           /* 1.25 s */
	}
	b_u8(&s, 5); b_u8(&s, 2); b_u16(&s, 1); b_u8(&s, 0); /* KEY_INFO unknown user 2 */
	put("client", "lookup_retries", s.b, s.n);

	/* not connected: a handshake, a cookie reply, the answer; raw garbage */
	s.n = 0;
	b_u8(&s, 0);
	b_u8(&s, 3); b_u8(&s, 6); b_u8(&s, 0);        /* new handshake */
	b_u8(&s, 6); b_u8(&s, 1);                     /* cookie reply */
	b_u8(&s, 6); b_u8(&s, 0);                     /* answer */
	b_u8(&s, 0); b_u16(&s, 4); b_mem(&s, "\x04\0\0\0", 4);
	put("client", "cookie_connect", s.b, s.n);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR (tests/fuzz/corpus)\n");
		return 2;
	}
	root = argv[1];
	if (sg_crypto_init() != SG_OK)
		return 1;
	frame_seeds();
	handshake_seeds();
	cookie_seeds();
	client_seeds();
	printf("%u seeds written under %s\n", written, root);
	return 0;
}
