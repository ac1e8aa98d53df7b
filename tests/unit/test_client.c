/* SPDX-License-Identifier: MIT */
/*
 * test_client.c - libsurge against a fake relay in the same process
 * (fake_relay.c).
 *
 * The fake relay is a thread with a UDP socket on 127.0.0.1 (or ::1), port
 * 0.  It is the responder of crypto/handshake.h (optionally answering the
 * first initiation with a cookie reply), opens the client's frames, and
 * plays the other users:
 *   BOB (1000002)     echoes DATA back as if Bob sent it; opens secret bodies
 *                     as Bob, checks them, and seals them again for the client
 *   CAROL (1000003)   known key; sends a first-contact secret on request
 *   FLAKY (88)        KEY_INFO answers a different key the second time (TOFU)
 *   DAVE (1000004)    offline: DATA is answered with RELAY_REPLY STORED
 *   NOBODY (999)      unknown: UNKNOWN_RECIPIENT, KEY_INFO unknown user
 * Cloud bodies sent to Bob that start with "cmd:" make the relay misbehave
 * (replay, garbage, close, tamper, ...) to exercise the client's checks.
 * The client runs in the test's thread; a shared clock offset lets tests
 * jump time (key update after 600 s, rekey after ~1 h) for both sides.
 * Every wait is bounded; the relay thread stops after 20 s whatever happens.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "client/surge.h"
#include "crypto/crypto.h"
#include "crypto/e2e.h"
#include "crypto/handshake.h"
#include "crypto/transport.h"
#include "proto/bytes.h"
#include "proto/classify.h"
#include "proto/status.h"
#include "proto/tai64n.h"
#include "fake_relay.h"

/* ---- client side helpers ---- */

static struct sg_client *client_for(struct frelay *r, struct sg_keypair *id)
{
	struct sg_client_config cfg = { .handshake_retry_ms = 200, .clock_ms = test_clock,
					.key_updates = 1 };
	char addr[64], err[256];
	struct sg_client *c;

	snprintf(addr, sizeof(addr), r->cfg.family == AF_INET6 ? "[::1]:%u" : "127.0.0.1:%u",
		 r->port);
	cfg.relay = addr;
	memcpy(cfg.relay_pub, r->key.pub, SG_KEY_LEN);
	if (id != NULL)
		cfg.identity = *id;
	else
		sg_keypair_generate(&cfg.identity);
	c = sg_client_new(&cfg, err, sizeof(err));
	if (c == NULL)
		fail_msg("sg_client_new: %s", err);
	return c;
}

/* The next event other than NONE within timeout_ms (NONE if there is none). */
static int next_event(struct sg_client *c, struct sg_client_event *ev, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	int rc;

	for (;;) {
		rc = sg_client_poll(c, ev, 50);
		if (rc != SG_CLIENT_EV_NONE || mono_ms() >= end)
			return rc;
	}
}

static void expect_echo(struct sg_client *c, uint64_t id, const char *text)
{
	struct sg_client_event ev;

	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.cls, SG_CLASS_CLOUD);
	assert_int_equal(ev.len, strlen(text));
	assert_memory_equal(ev.body, text, ev.len);
}

static uint64_t send_cloud(struct sg_client *c, uint64_t to, const char *text)
{
	uint64_t id = 0;

	assert_int_equal(sg_client_send(c, to, SG_CLASS_CLOUD, text, strlen(text), 60, &id),
			 SG_OK);
	return id;
}

static void echo(struct sg_client *c, const char *text)
{
	expect_echo(c, send_cloud(c, BOB, text), text);
}

static struct sg_client *connected(struct frelay *r)
{
	struct sg_client *c = client_for(r, NULL);

	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	return c;
}

static void finish(struct frelay *r, struct sg_client *c)
{
	sg_client_close(c);
	sg_client_free(c);
	fr_stop(r);
}

/* ---- tests ---- */

static void test_connect_cookie_retry_and_echo(void **state)
{
	struct fr_cfg cfg = { .cookie_first = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client_counters n;
	struct sg_client_event ev;
	struct sg_client *c;
	struct fr_stats st;
	uint64_t id, id2;
	(void)state;

	c = client_for(r, NULL);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_CLOUD, "x", 1, 0, NULL),
			 SG_CLIENT_E_NOT_CONNECTED);
	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	assert_true(sg_client_is_connected(c));
	assert_int_equal(sg_client_user_id(c), CLIENT_UID);
	assert_true(sg_client_signed_up(c));
	assert_int_equal(sg_client_suite(c), sg_crypto_have_aes256gcm() ? SG_SUITE_AES256_GCM
									: SG_SUITE_CHACHA20_POLY1305);
	assert_int_equal(sg_client_keepalive_s(c), SG_KEEPALIVE_S);
	assert_int_equal(sg_client_connect(c, 100), SG_E_STATE);

	st = fr_stats(r);
	assert_int_equal(st.cookies_sent, 1);
	assert_int_equal(st.inits, 2);         /* the first, then at once again with mac2 */
	assert_int_equal(st.inits_no_mac2, 0);
	assert_int_equal(st.handshakes, 1);
	assert_memory_not_equal(st.eph[0], st.eph[1], SG_KEY_LEN); /* a fresh initiation */
	assert_int_not_equal(st.sender_idx[0], st.sender_idx[1]);
	assert_int_equal(st.suites[0], sg_crypto_have_aes256gcm() ? SG_SUITE_AES256_GCM
								  : SG_SUITE_CHACHA20_POLY1305);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.cookie_replies, 1);
	assert_int_equal(n.initiations_sent, 2);
	assert_int_equal(n.handshakes, 1);

	/* Cloud: echoed by "Bob"; message ids increase. */
	id = send_cloud(c, BOB, "hello, surge");
	expect_echo(c, id, "hello, surge");
	id2 = send_cloud(c, BOB, "");
	assert_int_equal(id2, id + 1);
	expect_echo(c, id2, "");

	/* Relay replies name the message. */
	id = send_cloud(c, NOBODY, "anyone?");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_RELAY_REPLY);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.peer, NOBODY);
	assert_int_equal(ev.code, SG_REPLY_UNKNOWN_RECIPIENT);
	id = send_cloud(c, DAVE, "for later");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_RELAY_REPLY);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.code, SG_REPLY_STORED);

	/* Secret to a user whose key we do not know: lookup first, then sealed. */
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, "psst", 4, 60, &id),
			 SG_CLIENT_QUEUED);
	assert_int_equal(sg_client_pending(c), 2); /* the message and its lookup */
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_OK);
	assert_int_equal(ev.peer, BOB);
	assert_true(ev.flags & SG_CLIENT_F_NEW_PIN);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.cls, SG_CLASS_SECRET);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.len, 4);
	assert_memory_equal(ev.body, "psst", 4);
	assert_int_equal(sg_client_pending(c), 0);
	st = fr_stats(r);
	assert_int_equal(st.secret_ok, 1);
	assert_string_equal(st.secret_text, "psst");
	assert_int_equal(st.lookups, 1);

	/* Now pinned: straight out, no second lookup; the largest secret fits. */
	{
		uint8_t big[SG_E2E_PLAIN_MAX + 1];

		memset(big, 'z', sizeof(big));
		assert_int_equal(sg_client_body_max(c, SG_CLASS_SECRET), SG_E2E_PLAIN_MAX);
		assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, big, sizeof(big), 60,
						&id), SG_CLIENT_E_TOO_LARGE);
		assert_int_equal(sg_client_send(c, BOB, SG_CLASS_SECRET, big, sizeof(big) - 1, 60,
						&id), SG_OK);
		assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
		assert_int_equal(ev.len, SG_E2E_PLAIN_MAX);
		assert_int_equal(fr_stats(r).lookups, 1);
	}

	sg_client_close(c);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(FR_AWAIT(r, closes, 1), 1);
	st = fr_stats(r);
	assert_int_equal(st.close_reason, SG_CLOSE_NORMAL);
	assert_int_equal(st.bad_tag + st.bad_index + st.replays + st.bad_phase, 0);
	assert_int_equal(sg_client_poll(c, &ev, 0), SG_CLIENT_E_NOT_CONNECTED);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_length + n.drop_type + n.drop_reserved + n.drop_handshake +
			 n.drop_index + n.drop_replay + n.drop_tag + n.drop_malformed, 0);
	finish(r, c);
}

static void test_connect_timeout_retransmits(void **state)
{
	struct fr_cfg cfg = { .silent = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = client_for(r, NULL);
	uint64_t t0 = mono_ms(), dt;
	struct fr_stats st;
	(void)state;

	assert_int_equal(sg_client_connect(c, 700), SG_CLIENT_E_TIMEOUT);
	dt = mono_ms() - t0;
	assert_true(dt >= 690 && dt < 2000);
	assert_non_null(strstr(sg_client_errmsg(c), "no handshake response"));
	st = fr_stats(r);
	assert_true(st.inits >= 3 && st.inits <= 6); /* every 200 ms */
	assert_int_equal(st.n_consumed, st.inits);
	assert_int_equal(st.ts_not_newer, 0);        /* never a timestamp twice */
	for (int i = 1; i < st.inits; i++) {
		assert_true(sg_tai64n_cmp(st.ts[i], st.ts[i - 1]) > 0);
		assert_memory_not_equal(st.eph[i], st.eph[i - 1], SG_KEY_LEN);
		assert_int_not_equal(st.sender_idx[i], st.sender_idx[i - 1]);
	}
	assert_false(sg_client_is_connected(c));
	finish(r, c);
}

static void test_invalid_datagrams_are_counted(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	uint64_t id;
	(void)state;

	id = send_cloud(c, BOB, "cmd:garbage");
	expect_echo(c, id, "cmd:garbage");
	expect_echo(c, id + 1, "cmd:garbage"); /* behind all the junk */
	id = send_cloud(c, BOB, "cmd:replay");
	expect_echo(c, id, "cmd:replay");
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE); /* not twice */
	echo(c, "still fine");

	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_length, 1);
	assert_int_equal(n.drop_type, 2);      /* type 99, a handshake initiation */
	assert_int_equal(n.drop_reserved, 1);
	assert_int_equal(n.drop_handshake, 1); /* a response with no handshake outstanding */
	assert_int_equal(n.drop_tag, 2);       /* the flipped tag, the forged frame */
	assert_int_equal(n.drop_index, 1);
	assert_int_equal(n.drop_replay, 1);
	assert_int_equal(n.drop_malformed + n.drop_expired + n.drop_phase, 0);
	assert_int_equal(n.rx_messages, 4);
	finish(r, c);
}

static void test_mailbox_duplicates_and_ack(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	uint64_t id;
	(void)state;

	id = send_cloud(c, BOB, "cmd:mailbox");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.flags, SG_DATA_F_FROM_MAILBOX);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.flags, SG_DATA_F_FROM_MAILBOX | SG_CLIENT_F_DUPLICATE);
	assert_int_equal(sg_client_ack(c, ev.peer, ev.msg_id), SG_OK);
	assert_int_equal(FR_AWAIT(r, acks, 1), 1);
	assert_int_equal(fr_stats(r).ack_sender, BOB);
	assert_int_equal(fr_stats(r).ack_msg, id);
	finish(r, c);
}

static void test_tofu_pins_and_key_change(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	uint8_t pinned[SG_KEY_LEN], first[SG_KEY_LEN];
	uint64_t id;
	(void)state;

	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(sg_client_lookup(c, FLAKY), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_OK);
	assert_true(ev.flags & SG_CLIENT_F_NEW_PIN);
	memcpy(first, ev.key, SG_KEY_LEN);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_OK);
	assert_memory_equal(pinned, first, SG_KEY_LEN);

	/* The relay now claims another key: reported, the pin is kept, secrets refused. */
	assert_int_equal(sg_client_lookup(c, FLAKY), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_CLIENT_E_KEY_CHANGED);
	assert_false(ev.flags & SG_CLIENT_F_NEW_PIN);
	assert_memory_not_equal(ev.key, first, SG_KEY_LEN);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_CLIENT_E_KEY_CHANGED);
	assert_memory_equal(pinned, first, SG_KEY_LEN);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_SECRET, "s", 1, 0, &id),
			 SG_CLIENT_E_KEY_CHANGED);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_CLOUD, "c", 1, 0, &id), SG_OK);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.key_changes, 1);

	/* The user accepts the new key explicitly (e.g. after comparing safety numbers). */
	assert_int_equal(sg_client_pin(c, FLAKY, ev.key), SG_OK);
	assert_int_equal(sg_client_pinned_key(c, FLAKY, pinned), SG_OK);
	assert_int_equal(sg_client_send(c, FLAKY, SG_CLASS_SECRET, "s", 1, 0, &id), SG_OK);

	/* Unknown users: the lookup says so and a queued secret fails with an event. */
	assert_int_equal(sg_client_send(c, NOBODY, SG_CLASS_SECRET, "s", 1, 0, &id),
			 SG_CLIENT_QUEUED);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.status, SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_SEND_FAILED);
	assert_int_equal(ev.status, SG_CLIENT_E_UNKNOWN_USER);
	assert_int_equal(ev.msg_id, id);
	assert_int_equal(ev.peer, NOBODY);
	assert_int_equal(sg_client_pending(c), 0);

	/* Bad arguments. */
	assert_int_equal(sg_client_pin(c, FLAKY, (const uint8_t[SG_KEY_LEN]){ 0 }), SG_E_DH);
	assert_int_equal(sg_client_send(c, 0, SG_CLASS_CLOUD, "x", 1, 0, NULL), SG_E_INVAL);
	assert_int_equal(sg_client_send(c, BOB, 3, "x", 1, 0, NULL), SG_E_CLASS);
	assert_int_equal(sg_client_lookup(c, 0), SG_E_INVAL);
	assert_int_equal(fr_stats(r).secret_bad, 1); /* the one to FLAKY: not Bob's key */
	finish(r, c);
}

static void test_first_contact_secret_and_tampering(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	(void)state;

	/* Carol writes first: the client looks her key up, then opens it. */
	send_cloud(c, BOB, "cmd:carol");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(ev.peer, CAROL);
	assert_int_equal(ev.status, SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_MESSAGE);
	assert_int_equal(ev.peer, CAROL);
	assert_int_equal(ev.msg_id, 5000);
	assert_int_equal(ev.cls, SG_CLASS_SECRET);
	assert_int_equal(ev.len, strlen("hi, it's carol"));
	assert_memory_equal(ev.body, "hi, it's carol", ev.len);

	/* A secret body altered on the way: reported, not delivered. */
	assert_int_equal(sg_client_lookup(c, BOB), SG_OK);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	send_cloud(c, BOB, "cmd:tamper");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_E2E_ERROR);
	assert_int_equal(ev.status, SG_E_TAG);
	assert_int_equal(ev.peer, BOB);
	assert_int_equal(ev.msg_id, 6000);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.e2e_failures, 1);
	finish(r, c);
}

static void test_keepalive(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	int due;
	(void)state;

	assert_int_equal(sg_client_keepalive_s(c), 1);
	due = sg_client_next_timeout_ms(c);
	assert_true(due > 0 && due <= 1000);
	assert_int_equal(sg_client_poll(c, &ev, 1500), SG_CLIENT_EV_NONE);
	assert_true(FR_AWAIT(r, keepalives, 1) >= 1);
	assert_int_equal(sg_client_poll(c, &ev, 100), SG_CLIENT_EV_NONE); /* read the answer */
	sg_client_get_counters(c, &n);
	assert_true(n.keepalives_sent >= 1);
	assert_true(n.keepalives_received >= 1);
	finish(r, c);
}

static void test_key_updates_both_ways(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 400 }; /* no silence probes at these jumps */
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	echo(c, "before");
	atomic_fetch_add(&clock_offset_ms, 301 * 1000);
	echo(c, "five minutes later");
	assert_int_equal(fr_stats(r).phase_flips, 0);
	atomic_fetch_add(&clock_offset_ms, 301 * 1000);
	echo(c, "sealed under the next key"); /* the send key is 602 s old */
	assert_int_equal(fr_stats(r).phase_flips, 1);
	echo(c, "cmd:keyupdate");             /* the relay's send key moves on too */
	echo(c, "after both updates");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_phase + n.drop_tag + n.drop_replay, 0);
	assert_int_equal(n.handshakes, 1);
	assert_int_equal(fr_stats(r).bad_tag + fr_stats(r).bad_phase, 0);
	atomic_store(&clock_offset_ms, 0);
	finish(r, c);
}

static void test_rekey_in_background(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 600 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct sg_client_event ev;
	char text[32];
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	for (int t = 400; t <= 3600; t += 400) {
		atomic_fetch_add(&clock_offset_ms, 400 * 1000);
		snprintf(text, sizeof(text), "t=%d", t);
		echo(c, text);
	}
	/* By 3600 s the rekey (at 3240..3600 s) must have run, in the background. */
	(void)FR_AWAIT(r, handshakes, 2);
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE);
	sg_client_get_counters(c, &n);
	assert_int_equal(n.handshakes, 2);
	assert_int_equal(fr_stats(r).handshakes, 2);
	assert_true(sg_client_is_connected(c));
	assert_true(sg_client_signed_up(c)); /* still what connect said, not the rekey */
	echo(c, "on the new session");
	echo(c, "cmd:prev"); /* a late frame on the old session still opens */
	assert_int_equal(sg_client_poll(c, &ev, 200), SG_CLIENT_EV_NONE); /* its CLOSE: quiet */
	assert_true(sg_client_is_connected(c));
	/* Past the old keys' REJECT_AFTER_TIME the client is still fine. */
	atomic_fetch_add(&clock_offset_ms, 300 * 1000);
	echo(c, "t=3900");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.drop_index + n.drop_tag + n.drop_expired, 0);
	atomic_store(&clock_offset_ms, 0);
	finish(r, c);
}

static void test_silent_relay_closes_the_session(void **state)
{
	struct fr_cfg cfg = { .keepalive_s = 3000 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	(void)state;

	atomic_store(&clock_offset_ms, 0);
	atomic_store(&r->stop, 1); /* the relay goes away */
	pthread_join(r->th, NULL);
	atomic_store(&clock_offset_ms, (uint64_t)(SG_SESSION_DEAD_S + 1) * 1000);
	assert_int_equal(next_event(c, &ev, 1000), SG_CLIENT_EV_CLOSED);
	assert_int_equal(ev.code, SG_CLOSE_IDLE);
	assert_true(ev.flags & SG_CLIENT_F_LOCAL);
	assert_false(sg_client_is_connected(c));
	atomic_store(&clock_offset_ms, 0);
	sg_client_free(c);
	close(r->fd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void test_close_from_relay_and_reconnect(void **state)
{
	struct fr_cfg cfg = { 0 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_event ev;
	(void)state;

	assert_int_equal(sg_client_send(c, NOBODY, SG_CLASS_SECRET, "s", 1, 0, NULL),
			 SG_CLIENT_QUEUED);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_KEY_INFO);
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_SEND_FAILED);
	send_cloud(c, BOB, "cmd:close");
	assert_int_equal(next_event(c, &ev, 2000), SG_CLIENT_EV_CLOSED);
	assert_int_equal(ev.code, SG_CLOSE_ADMIN);
	assert_false(ev.flags & SG_CLIENT_F_LOCAL);
	assert_false(sg_client_is_connected(c));
	assert_int_equal(sg_client_send(c, BOB, SG_CLASS_CLOUD, "x", 1, 0, NULL),
			 SG_CLIENT_E_NOT_CONNECTED);
	assert_int_equal(sg_client_poll(c, &ev, 0), SG_CLIENT_E_NOT_CONNECTED);

	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	assert_false(sg_client_signed_up(c)); /* a log-in this time */
	assert_int_equal(sg_client_user_id(c), CLIENT_UID);
	echo(c, "back again");
	finish(r, c);
}

/* A returning client resumes with its ticket: no initiation, a new ticket each time. */
static void test_resume_reconnect(void **state)
{
	struct fr_cfg cfg = { .tickets = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct fr_stats st;
	(void)state;

	echo(c, "first"); /* the TICKET came right after the response */
	sg_client_get_counters(c, &n);
	assert_int_equal(n.tickets, 1);
	assert_int_equal(n.resumes_sent, 0);
	assert_true(sg_client_signed_up(c));

	for (int round = 1; round <= 2; round++) {
		sg_client_close(c);
		assert_false(sg_client_is_connected(c));
		assert_int_equal(sg_client_connect(c, 3000), SG_OK);
		assert_false(sg_client_signed_up(c));
		assert_int_equal(sg_client_user_id(c), CLIENT_UID);
		echo(c, "resumed");
		sg_client_get_counters(c, &n);
		assert_int_equal(n.resumes_sent, round);
		assert_int_equal(n.resumptions, round);
		assert_int_equal(n.tickets, round + 1); /* a fresh one after each */
		assert_int_equal(n.initiations_sent, 1);
		assert_int_equal(n.resume_fallbacks, 0);
	}
	st = fr_stats(r);
	assert_int_equal(st.inits, 1);
	assert_int_equal(st.resumptions, 2);
	assert_int_equal(st.resume_refused, 0);
	assert_int_equal(st.tickets_sent, 3);

	/* An hour after the last full handshake the next one is full again, ticket or not. */
	sg_client_close(c);
	atomic_store(&clock_offset_ms, (uint64_t)SG_REKEY_AFTER_S * 1000);
	assert_int_equal(sg_client_connect(c, 3000), SG_OK);
	echo(c, "fresh DH");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.initiations_sent, 2);
	assert_int_equal(n.resumes_sent, 2);
	assert_int_equal(n.tickets, 4);
	atomic_store(&clock_offset_ms, 0);
	finish(r, c);
}

/* A relay that does not answer RESUME: the client drops the ticket and handshakes. */
static void test_resume_falls_back(void **state)
{
	struct fr_cfg cfg = { .tickets = 1, .resume_silent = 1 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c = connected(r);
	struct sg_client_counters n;
	struct fr_stats st;
	(void)state;

	echo(c, "first");
	sg_client_close(c);
	assert_int_equal(sg_client_connect(c, 3000), SG_OK); /* after one retry (200 ms) */
	echo(c, "full handshake again");
	sg_client_get_counters(c, &n);
	assert_int_equal(n.resumes_sent, 1);
	assert_int_equal(n.resume_fallbacks, 1);
	assert_int_equal(n.resumptions, 0);
	assert_int_equal(n.initiations_sent, 2);
	st = fr_stats(r);
	assert_int_equal(st.resumes, 1);
	assert_int_equal(st.inits, 2);
	assert_int_equal(st.ts_not_newer, 0);
	finish(r, c);
}

static void test_ipv6(void **state)
{
	struct fr_cfg cfg = { .family = AF_INET6 };
	struct frelay *r = fr_start(&cfg);
	struct sg_client *c;
	(void)state;

	if (r == NULL)
		skip(); /* no IPv6 loopback here */
	c = connected(r);
	assert_int_equal(sg_client_body_max(c, SG_CLASS_CLOUD), SG_BODY_MAX_IPV6);
	assert_int_equal(sg_client_body_max(c, SG_CLASS_SECRET),
			 SG_BODY_MAX_IPV6 - SG_E2E_OVERHEAD);
	echo(c, "over IPv6");
	finish(r, c);
}

static void test_address_forms(void **state)
{
	static const struct {
		const char *spec;
		int ok;
		const char *host;
		uint16_t port;
	} t[] = {
		{ "198.18.0.1:7443", 1, "198.18.0.1", 7443 },
		{ "[2001:2::1]:7443", 1, "2001:2::1", 7443 },
		{ "198.18.0.1", 1, "198.18.0.1", 7443 },
		{ "[::1]", 1, "::1", 7443 },
		{ "2001:2::1", 1, "2001:2::1", 7443 },
		{ "relay.example:9", 1, "relay.example", 9 },
		{ "198.18.0.1:0", 0, NULL, 0 },
		{ "198.18.0.1:65536", 0, NULL, 0 },
		{ "198.18.0.1:x", 0, NULL, 0 },
		{ "198.18.0.1:", 0, NULL, 0 },
		{ "[::1]7443", 0, NULL, 0 },
		{ "[]:7443", 0, NULL, 0 },
		{ "[::1", 0, NULL, 0 },
		{ ":7443", 0, NULL, 0 },
		{ "", 0, NULL, 0 },
	};
	struct sg_client_config cfg = { .relay = "not an address:1" };
	char host[64], err[256];
	uint16_t port;
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(t); i++) {
		int rc = sg_client_addr_split(t[i].spec, host, sizeof(host), &port);

		if (!t[i].ok) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(host, t[i].host);
		assert_int_equal(port, t[i].port);
	}
	assert_null(sg_client_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not an address"));
	cfg.relay = "[::1";
	assert_null(sg_client_new(&cfg, err, sizeof(err)));
}

static void test_key_files(void **state)
{
	char dir[] = "/tmp/sg-client-test-XXXXXX", path[128], pubpath[128], b64[64], err[256];
	struct sg_keypair a, b;
	uint8_t pub[SG_KEY_LEN];
	struct stat st;
	int created = -1;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/id", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/relay.pub", dir);
	assert_int_equal(sg_client_identity_load(path, 0, &a, &created, err, sizeof(err)),
			 SG_E_KEY);
	assert_int_equal(sg_client_identity_load(path, 1, &a, &created, err, sizeof(err)), SG_OK);
	assert_int_equal(created, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sg_client_identity_load(path, 1, &b, &created, err, sizeof(err)), SG_OK);
	assert_int_equal(created, 0);
	assert_memory_equal(a.pub, b.pub, SG_KEY_LEN);

	/* The relay key as base64, as a .pub file, or as a private key file. */
	sg_key_to_base64(b64, a.pub);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(b64, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	f = fopen(pubpath, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", b64);
	fclose(f);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(pubpath, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sg_client_relay_key(path, pub, err, sizeof(err)), SG_OK);
	assert_memory_equal(pub, a.pub, SG_KEY_LEN);
	assert_int_equal(sg_client_relay_key("AAAA", pub, err, sizeof(err)), SG_E_KEY);

	unlink(pubpath);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_cookie_retry_and_echo),
		cmocka_unit_test(test_connect_timeout_retransmits),
		cmocka_unit_test(test_invalid_datagrams_are_counted),
		cmocka_unit_test(test_mailbox_duplicates_and_ack),
		cmocka_unit_test(test_tofu_pins_and_key_change),
		cmocka_unit_test(test_first_contact_secret_and_tampering),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_key_updates_both_ways),
		cmocka_unit_test(test_rekey_in_background),
		cmocka_unit_test(test_silent_relay_closes_the_session),
		cmocka_unit_test(test_close_from_relay_and_reconnect),
		cmocka_unit_test(test_resume_reconnect),
		cmocka_unit_test(test_resume_falls_back),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_key_files),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
