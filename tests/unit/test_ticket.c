/* SPDX-License-Identifier: MIT */
/*
 * test_ticket.c - the relay's ticket key ring with an explicit unix clock:
 * seal and open, tampering anywhere, expiry at exactly the lifetime, key
 * rotation (previous key accepted, older refused and wiped), the lifetime
 * announced to clients, export/import across a "restart".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/ticket.h"
#include "proto/bytes.h"
#include "proto/status.h"

enum { T0 = 1700000000, ROT = 6 * 3600, LIFE = 12 * 3600, USER = 4242 };

static const uint8_t secret[SG_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
					     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
					     29, 30, 31, 32 };

static void ring(struct sg_ticket_ring *r)
{
	assert_int_equal(sg_ticket_ring_init(r, 0, 0, T0), SG_OK);
	assert_int_equal(r->rotate_s, ROT);
	assert_int_equal(r->lifetime_s, LIFE);
}

static void expect_open(const struct sg_ticket_ring *r, const uint8_t *t, uint64_t now, int want)
{
	struct sg_ticket_plain p;

	memset(&p, 0xee, sizeof(p));
	assert_int_equal(sg_ticket_open(r, t, now, &p), want);
	if (want == SG_OK) {
		assert_int_equal(p.user_id, USER);
		assert_memory_equal(p.secret, secret, SG_KEY_LEN);
	} else {
		assert_int_equal(p.user_id, 0xeeeeeeeeeeeeeeeeULL); /* untouched */
	}
}

static void test_round_trip(void **state)
{
	struct sg_ticket_ring r;
	struct sg_ticket_plain p;
	uint8_t t[SG_TICKET_LEN], t2[SG_TICKET_LEN];

	(void)state;
	ring(&r);
	assert_int_equal(sg_ticket_seal(&r, t, USER, secret, T0 + 5, NULL), LIFE - 5);
	assert_int_equal(sg_le32(t + SG_TICKET_OFF_KEY_ID), r.cur.id);
	assert_int_equal(sg_ticket_open(&r, t, T0 + 5, &p), SG_OK);
	assert_int_equal(p.user_id, USER);
	assert_int_equal(p.issued, T0 + 5);
	assert_memory_equal(p.secret, secret, SG_KEY_LEN);
	/* The secret does not show in the ticket; a second seal uses a new nonce. */
	for (unsigned i = 0; i + SG_KEY_LEN <= SG_TICKET_LEN; i++)
		assert_memory_not_equal(t + i, secret, SG_KEY_LEN);
	sg_ticket_seal(&r, t2, USER, secret, T0 + 5, NULL);
	assert_memory_not_equal(t + SG_TICKET_OFF_NONCE, t2 + SG_TICKET_OFF_NONCE, 24);
	sg_ticket_ring_wipe(&r);
}

static void test_tampered(void **state)
{
	struct sg_ticket_ring r, other;
	uint8_t t[SG_TICKET_LEN], bad[SG_TICKET_LEN];

	(void)state;
	ring(&r);
	ring(&other);
	sg_ticket_seal(&r, t, USER, secret, T0, NULL);
	/* Every byte: key id (unknown key), nonce, ciphertext, tag. */
	for (unsigned i = 0; i < SG_TICKET_LEN; i++) {
		memcpy(bad, t, sizeof(t));
		bad[i] ^= 0x01;
		expect_open(&r, bad, T0, SG_E_KEY);
	}
	/* Another relay's ring, even with this key id, cannot open it. */
	other.cur.id = r.cur.id;
	expect_open(&other, t, T0, SG_E_KEY);
	expect_open(&r, t, T0, SG_OK);
}

static void test_expiry(void **state)
{
	struct sg_ticket_ring r;
	uint8_t t[SG_TICKET_LEN];

	(void)state;
	assert_int_equal(sg_ticket_ring_init(&r, 1000, 1500, T0), SG_OK);
	sg_ticket_seal(&r, t, USER, secret, T0, NULL);
	expect_open(&r, t, T0 + 1499, SG_OK);
	expect_open(&r, t, T0 + 1500, SG_E_EXPIRED);
	expect_open(&r, t, T0 + 100000, SG_E_EXPIRED);
	/* Issued in the future: within the slack is fine, beyond is not. */
	expect_open(&r, t, T0 - SG_TICKET_CLOCK_SLACK_S, SG_OK);
	expect_open(&r, t, T0 - SG_TICKET_CLOCK_SLACK_S - 1, SG_E_EXPIRED);
	/* A lifetime longer than two rotations would outlive the key. */
	assert_int_equal(sg_ticket_ring_init(&r, 1000, 2001, T0), SG_E_INVAL);
	assert_int_equal(sg_ticket_ring_init(&r, 1000, 2000, T0), SG_OK);
}

static void test_rotation(void **state)
{
	struct sg_ticket_ring r;
	uint8_t t0[SG_TICKET_LEN], t1[SG_TICKET_LEN], t2[SG_TICKET_LEN];
	uint32_t id0;

	(void)state;
	ring(&r);
	id0 = r.cur.id;
	sg_ticket_seal(&r, t0, USER, secret, T0, NULL);
	sg_ticket_ring_tick(&r, T0 + ROT - 1);
	assert_int_equal(r.cur.id, id0); /* not due yet */
	assert_false(r.prev.valid);

	sg_ticket_ring_tick(&r, T0 + ROT);
	assert_int_equal(r.cur.id, id0 + 1);
	assert_true(r.prev.valid);
	assert_int_equal(r.prev.id, id0);
	expect_open(&r, t0, T0 + ROT, SG_OK); /* previous key accepted */
	/* A ticket sealed now lives only as long as its new key. */
	assert_int_equal(sg_ticket_seal(&r, t1, USER, secret, T0 + ROT, NULL), LIFE);
	assert_int_equal(sg_le32(t1 + SG_TICKET_OFF_KEY_ID), id0 + 1);

	sg_ticket_ring_tick(&r, T0 + 2 * ROT);
	assert_int_equal(r.cur.id, id0 + 2);
	assert_int_equal(r.prev.id, id0 + 1);
	expect_open(&r, t0, T0 + 2 * ROT - 1, SG_E_KEY); /* two rotations back: key gone */
	expect_open(&r, t1, T0 + 2 * ROT, SG_OK);

	/* Sealed late in a key's life: the announced lifetime is the key's rest. */
	sg_ticket_ring_tick(&r, T0 + 3 * ROT - 100); /* key born at 2 ROT, not due */
	assert_int_equal(r.cur.id, id0 + 2);
	assert_int_equal(sg_ticket_seal(&r, t2, USER, secret, T0 + 3 * ROT - 100, NULL),
			 ROT + 100); /* the key is wiped at 4 ROT */
	sg_ticket_rotate(&r, T0 + 3 * ROT - 50);
	assert_int_equal(sg_ticket_seal(&r, t2, USER, secret, T0 + 3 * ROT - 50 + 2 * ROT - 10,
					NULL), 10);

	/* A relay that slept through several rotations keeps no stale previous key. */
	sg_ticket_ring_tick(&r, T0 + 100 * ROT);
	assert_false(r.prev.valid);
	expect_open(&r, t1, T0 + 100 * ROT, SG_E_KEY);
	sg_ticket_ring_wipe(&r);
	assert_false(r.cur.valid);
}

static void test_export_import(void **state)
{
	struct sg_ticket_ring r, restarted;
	uint8_t t0[SG_TICKET_LEN], t1[SG_TICKET_LEN], buf[SG_TICKET_KEYS_EXPORT_LEN],
		bad[SG_TICKET_KEYS_EXPORT_LEN];

	(void)state;
	ring(&r);
	sg_ticket_seal(&r, t0, USER, secret, T0, NULL);
	sg_ticket_ring_tick(&r, T0 + ROT);
	sg_ticket_seal(&r, t1, USER, secret, T0 + ROT, NULL);
	sg_ticket_keys_export(&r, buf);

	/* A restart: a fresh ring whose own keys open neither ticket, then the import. */
	ring(&restarted);
	expect_open(&restarted, t0, T0 + ROT + 10, SG_E_KEY);
	assert_int_equal(sg_ticket_keys_import(&restarted, buf, T0 + ROT + 10), SG_OK);
	expect_open(&restarted, t0, T0 + ROT + 10, SG_OK);
	expect_open(&restarted, t1, T0 + ROT + 10, SG_OK);
	assert_int_equal(restarted.cur.id, r.cur.id);
	assert_int_equal(restarted.cur.born, r.cur.born);

	/* Imported late: the due rotation happens, the oldest key is gone. */
	assert_int_equal(sg_ticket_keys_import(&restarted, buf, T0 + 2 * ROT), SG_OK);
	assert_int_equal(restarted.cur.id, r.cur.id + 1);
	expect_open(&restarted, t0, T0 + 2 * ROT - 1, SG_E_KEY);
	expect_open(&restarted, t1, T0 + 2 * ROT, SG_OK);

	/* Refused buffers leave the ring as it was. */
	memcpy(bad, buf, sizeof(bad));
	bad[0] = 2;
	assert_int_equal(sg_ticket_keys_import(&restarted, bad, T0 + 2 * ROT), SG_E_VERSION);
	memcpy(bad, buf, sizeof(bad));
	bad[8 + 4] = 0; /* current key not valid */
	assert_int_equal(sg_ticket_keys_import(&restarted, bad, T0 + 2 * ROT), SG_E_KEY);
	memcpy(bad, buf, sizeof(bad));
	bad[8 + 4] = 3; /* undefined flag */
	assert_int_equal(sg_ticket_keys_import(&restarted, bad, T0 + 2 * ROT), SG_E_KEY);
	memcpy(bad, buf, sizeof(bad));
	memcpy(bad + 8 + 48, bad + 8, 4); /* previous with the current's id */
	assert_int_equal(sg_ticket_keys_import(&restarted, bad, T0 + 2 * ROT), SG_E_KEY);
	assert_int_equal(restarted.cur.id, r.cur.id + 1);
	expect_open(&restarted, t1, T0 + 2 * ROT, SG_OK);

	/* A fresh ring exports no previous key: all zero. */
	ring(&r);
	sg_ticket_keys_export(&r, buf);
	for (unsigned i = 8 + 48; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	sg_wipe(buf, sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_export_import),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
