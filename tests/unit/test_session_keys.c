/* SPDX-License-Identifier: MIT */
/*
 * test_session_keys.c - key life cycle of a session: expiry, send key
 * update, the receiver following the peer's phase with a grace period for
 * late frames, and wiping.  Two ends (a, b) are simulated with a clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/session_keys.h"
#include "proto/bytes.h"
#include "proto/status.h"

struct ends {
	struct sg_session_keys a, b;
};

static void ends_init(struct ends *e, uint64_t now)
{
	uint8_t k1[32], k2[32];

	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	sg_skeys_init(&e->a, SG_SUITE_AES256_GCM, k1, k2, now);
	sg_skeys_init(&e->b, SG_SUITE_AES256_GCM, k2, k1, now);
}

/* b receives a frame a sealed now: the key b picks must be a's send key. */
static int b_receives(struct ends *e, uint8_t phase, const uint8_t *sent_with, uint64_t now)
{
	uint8_t key[32];
	int is_next, rc;

	rc = sg_skeys_recv_select(&e->b, phase, now, key, &is_next);
	if (rc != SG_OK)
		return rc;
	if (memcmp(key, sent_with, 32) != 0)
		return SG_E_TAG; /* would fail authentication */
	if (is_next)
		sg_skeys_recv_commit(&e->b, now);
	return SG_OK;
}

static void test_expiry(void **state)
{
	struct ends e;
	(void)state;

	ends_init(&e, 1000);
	assert_false(sg_skeys_expired(&e.a, 1000));
	assert_false(sg_skeys_expired(&e.a, 1000 + SG_REJECT_AFTER_S - 1));
	assert_true(sg_skeys_expired(&e.a, 1000 + SG_REJECT_AFTER_S));
	/* Key updates do not extend the life of the session's keys. */
	sg_skeys_send_update(&e.a, 2000);
	assert_true(sg_skeys_expired(&e.a, 1000 + SG_REJECT_AFTER_S));
}

static void test_send_update(void **state)
{
	struct ends e;
	uint8_t old[32], want[32];
	(void)state;

	ends_init(&e, 0);
	assert_false(sg_skeys_send_update_due(&e.a, SG_KEY_UPDATE_AFTER_S - 1));
	assert_true(sg_skeys_send_update_due(&e.a, SG_KEY_UPDATE_AFTER_S));
	memcpy(old, e.a.send, 32);
	sg_aead_key_next(want, old);
	sg_skeys_send_update(&e.a, SG_KEY_UPDATE_AFTER_S);
	assert_int_equal(e.a.send_phase, 1);
	assert_memory_equal(e.a.send, want, 32);
	assert_false(sg_skeys_send_update_due(&e.a, 2 * SG_KEY_UPDATE_AFTER_S - 1));
	assert_true(sg_skeys_send_update_due(&e.a, 2 * SG_KEY_UPDATE_AFTER_S));
}

static void test_receiver_follows_phase(void **state)
{
	/* A timeline: (time, action) with a = sender, b = receiver. */
	enum { SEND_CUR, SEND_OLD, UPDATE, TICK };
	static const struct {
		uint64_t t;
		int action;
		int expect;
	} steps[] = {
		{ 10, SEND_CUR, SG_OK },     /* phase 0 */
		{ 600, UPDATE, SG_OK },      /* a -> phase 1 */
		{ 601, SEND_OLD, SG_OK },    /* a frame of phase 0 still in flight: b has no prev, */
		{ 602, SEND_CUR, SG_OK },    /* ... then phase 1: b derives next and commits */
		{ 603, SEND_OLD, SG_OK },    /* late phase 0 within grace: previous key */
		{ 611, SEND_OLD, SG_OK },    /* still inside 602 + 10 */
		{ 612, SEND_OLD, SG_E_TAG },   /* grace over: read as the next key, fails */
		{ 612, SEND_CUR, SG_OK },
		{ 612, TICK, SG_OK },        /* prev wiped */
		{ 1200, UPDATE, SG_OK },     /* a -> phase 0 again */
		{ 1201, SEND_CUR, SG_OK },
		{ 1202, SEND_CUR, SG_OK },
	};
	struct ends e;
	uint8_t old[32];
	(void)state;

	ends_init(&e, 0);
	memcpy(old, e.a.send, 32);
	for (unsigned i = 0; i < SG_ARRAY_SIZE(steps); i++) {
		int rc = SG_OK;

		switch (steps[i].action) {
		case SEND_CUR:
			rc = b_receives(&e, e.a.send_phase, e.a.send, steps[i].t);
			break;
		case SEND_OLD:
			rc = b_receives(&e, e.a.send_phase ^ 1, old, steps[i].t);
			break;
		case UPDATE:
			memcpy(old, e.a.send, 32);
			sg_skeys_send_update(&e.a, steps[i].t);
			break;
		case TICK:
			sg_skeys_tick(&e.b, steps[i].t);
			assert_false(e.b.has_prev);
			assert_true(sg_all_zero(e.b.recv_prev, 32));
			break;
		}
		if (rc != steps[i].expect)
			fail_msg("step %u (t=%llu): %s, want %s", i,
				 (unsigned long long)steps[i].t, sg_status_name(rc),
				 sg_status_name(steps[i].expect));
	}
}

static void test_wipe(void **state)
{
	struct ends e;
	(void)state;

	ends_init(&e, 0);
	sg_skeys_wipe(&e.a);
	assert_true(sg_all_zero((const uint8_t *)&e.a, sizeof(e.a)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_send_update),
		cmocka_unit_test(test_receiver_follows_phase),
		cmocka_unit_test(test_wipe),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
