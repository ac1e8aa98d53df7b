/* SPDX-License-Identifier: MIT */
/*
 * surge.h - libsurge: a surge client over an ordinary UDP socket.
 *
 * One struct sg_client is one user (an identity key pair) talking to one
 * relay.  The library is single-threaded and non-blocking apart from
 * sg_client_connect(): the caller drives it by calling sg_client_poll(),
 * which reads datagrams, runs the timers (keepalive, key update, rekey,
 * key-lookup retries) and reports one event at a time.  A caller with its
 * own event loop polls sg_client_fd() for input and wakes up after
 * sg_client_next_timeout_ms() at the latest, then calls sg_client_poll()
 * with timeout 0 until it reports SG_CLIENT_EV_NONE.
 *
 * Results: SG_OK (0), a positive SG_CLIENT_QUEUED, or a negative code: the
 * sg_status values of proto/status.h or the SG_CLIENT_E_* below;
 * sg_client_strerror() names both, sg_client_errmsg() holds details of the
 * last failure (errno text, which address, ...).
 *
 * Secret messages are sealed end to end (crypto/e2e.h) with a key derived
 * from the two identity keys.  The peer's identity key comes from the relay
 * (KEY_LOOKUP) and is pinned the first time (trust on first use); a later
 * answer that differs is reported and secret sends to that user are refused
 * until the caller pins a key explicitly (sg_client_pin).  See docs/CLIENT.md.
 *
 * Call sg_crypto_init() (crypto/crypto.h) once before sg_client_new();
 * sg_client_new() does it too.
 */
#ifndef SG_CLIENT_SURGE_H
#define SG_CLIENT_SURGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "proto/messages.h"

struct sg_client;

/* Results beyond proto/status.h.  SG_CLIENT_QUEUED is a success. */
enum sg_client_status {
	SG_CLIENT_QUEUED = 1,             /* accepted; waits for the recipient's key */
	SG_CLIENT_E_TIMEOUT = -64,        /* no answer in time */
	SG_CLIENT_E_NOT_CONNECTED = -65,  /* no session (never connected, or closed) */
	SG_CLIENT_E_KEY_CHANGED = -66,    /* the relay's key for this user differs from the pin */
	SG_CLIENT_E_UNKNOWN_USER = -67,   /* the relay knows no such user */
	SG_CLIENT_E_QUEUE_FULL = -68,     /* too many secret messages wait for keys */
	SG_CLIENT_E_TOO_LARGE = -69,      /* body longer than sg_client_body_max() */
	SG_CLIENT_E_ADDRESS = -70,        /* relay address unparsable or unresolvable */
	SG_CLIENT_E_SOCKET = -71,         /* the socket failed (errno in sg_client_errmsg) */
	SG_CLIENT_E_MIN = -71,
};

/* Name of any result: "ok", "queued", "timeout", "key_changed", "tag", ... */
const char *sg_client_strerror(int rc);

/* Details of the last failure of c ("" when none). */
const char *sg_client_errmsg(const struct sg_client *c);

struct sg_client_config {
	/* "198.18.0.1:7443", "[2001:2::1]:7443", "relay.example:7443"; the port
	 * defaults to 7443 when left out ("198.18.0.1", "[::1]"). */
	const char *relay;
	uint8_t relay_pub[SG_KEY_LEN];     /* the relay's static public key */
	struct sg_keypair identity;        /* this user's identity (copied, wiped on free) */
	unsigned handshake_retry_ms;       /* 0: 1000; initiation resent (fresh) this often */
	/*
	 * 1: replace the send key every 600 s (PROTOCOL.md 8.3).  Default 0,
	 * because surge-relay does not follow KEY_PHASE yet (it drops such
	 * frames as key_phase); receiving updated keys always works.
	 */
	int key_updates;
	/* Test hook: a monotonic clock in ms; NULL = CLOCK_MONOTONIC. */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
};

/*
 * A client for cfg, with its socket connect()ed to the relay (IPv4 or IPv6);
 * no traffic yet.  NULL on failure with the reason in err (errlen bytes).
 */
struct sg_client *sg_client_new(const struct sg_client_config *cfg, char *err, size_t errlen);

/* Wipe every key and close the socket (sends nothing: call sg_client_close first). */
void sg_client_free(struct sg_client *c);

/*
 * Handshake with the relay, blocking up to timeout_ms: an initiation (new
 * ephemeral key, new TAI64N timestamp, suites [AES-256-GCM if this CPU has it,
 * ChaCha20-Poly1305]) every handshake_retry_ms; a COOKIE_REPLY is taken and
 * the initiation is sent again at once with mac2.  SG_OK when a valid
 * response arrived (sg_client_user_id() etc. then tell the result),
 * SG_CLIENT_E_TIMEOUT, SG_CLIENT_E_SOCKET, SG_E_STATE if already connected.
 * Also reconnects a client whose session was closed (pins are kept).
 */
int sg_client_connect(struct sg_client *c, int timeout_ms);

/* After a successful connect: */
uint64_t sg_client_user_id(const struct sg_client *c);
int sg_client_signed_up(const struct sg_client *c); /* this handshake registered us */
uint8_t sg_client_suite(const struct sg_client *c); /* enum sg_suite */
const char *sg_client_suite_name(uint8_t suite);    /* "aes-256-gcm", "chacha20-poly1305" */
uint16_t sg_client_keepalive_s(const struct sg_client *c);
int sg_client_is_connected(const struct sg_client *c);

/* Largest body of class cls on this address family (secret: plaintext). */
size_t sg_client_body_max(const struct sg_client *c, uint8_t cls);

/*
 * Send body (len bytes) to user `to` as class SG_CLASS_CLOUD (as is) or
 * SG_CLASS_SECRET (sealed end to end), kept by the relay up to ttl_s seconds
 * if `to` is offline (0: never stored).  *msg_id (may be NULL) receives the
 * message id, taken from a counter that starts at a random value.
 * SG_OK: sent.  SG_CLIENT_QUEUED: a secret message to a user whose key is not
 * known yet; a KEY_LOOKUP went out and the message leaves when KEY_INFO
 * arrives (or fails later with an SG_CLIENT_EV_SEND_FAILED event).
 * Errors: SG_CLIENT_E_NOT_CONNECTED, SG_CLIENT_E_TOO_LARGE, SG_E_CLASS,
 * SG_E_INVAL (to == 0), SG_CLIENT_E_KEY_CHANGED (secret to a user whose key
 * changed), SG_CLIENT_E_QUEUE_FULL, SG_CLIENT_E_SOCKET.
 */
int sg_client_send(struct sg_client *c, uint64_t to, uint8_t cls, const void *body, size_t len,
		   uint32_t ttl_s, uint64_t *msg_id);

/* Ask the relay for user's identity key; the answer is an SG_CLIENT_EV_KEY_INFO event. */
int sg_client_lookup(struct sg_client *c, uint64_t user);

/* Acknowledge a message received with SG_DATA_F_FROM_MAILBOX (DELIVERY_ACK). */
int sg_client_ack(struct sg_client *c, uint64_t sender, uint64_t msg_id);

/*
 * Pin user's identity key (from a file of known users, or a safety number
 * compared out of band), replacing any pin and clearing a key change.
 * SG_E_DH for a low-order key.
 */
int sg_client_pin(struct sg_client *c, uint64_t user, const uint8_t pub[SG_KEY_LEN]);

/* The pinned key of user: SG_OK, SG_CLIENT_E_UNKNOWN_USER (no pin), or
 * SG_CLIENT_E_KEY_CHANGED (pinned, but the relay later gave another key). */
int sg_client_pinned_key(const struct sg_client *c, uint64_t user, uint8_t pub[SG_KEY_LEN]);

/* Work in flight: secret messages waiting for a key plus key lookups unanswered. */
unsigned sg_client_pending(const struct sg_client *c);

/* Send CLOSE (normal) and wipe the session keys; drops work in flight.  Idempotent. */
int sg_client_close(struct sg_client *c);

enum sg_client_event_type {
	SG_CLIENT_EV_NONE = 0,        /* timeout: nothing happened */
	SG_CLIENT_EV_MESSAGE = 1,     /* a DATA message for us */
	SG_CLIENT_EV_RELAY_REPLY = 2, /* STORED or a refusal of one of our messages */
	SG_CLIENT_EV_KEY_INFO = 3,    /* the answer to a key lookup */
	SG_CLIENT_EV_E2E_ERROR = 4,   /* a secret message that could not be decrypted */
	SG_CLIENT_EV_SEND_FAILED = 5, /* a queued secret message that could not be sent */
	SG_CLIENT_EV_CLOSED = 6,      /* the session ended; sg_client_connect() again */
};

/* Library flags in sg_client_event.flags, above the wire's inner-header flags. */
enum sg_client_event_flags {
	/* MESSAGE/E2E_ERROR: SG_DATA_F_FROM_MAILBOX (bit 0) as on the wire. */
	SG_CLIENT_F_DUPLICATE = 1u << 8, /* MESSAGE: (sender, id) seen before; ack it, don't show it */
	SG_CLIENT_F_NEW_PIN = 1u << 9,   /* KEY_INFO: this answer was pinned now (first use) */
	SG_CLIENT_F_LOCAL = 1u << 10,    /* CLOSED: decided here (keys expired, relay silent) */
};

struct sg_client_event {
	enum sg_client_event_type type;
	/* KEY_INFO: SG_OK (found), SG_CLIENT_E_UNKNOWN_USER, SG_CLIENT_E_KEY_CHANGED
	 * (key holds the relay's new answer; the pin is kept), SG_E_DH (bad key).
	 * E2E_ERROR, SEND_FAILED: why (SG_E_TAG, SG_CLIENT_E_UNKNOWN_USER, ...). */
	int status;
	uint64_t peer;     /* MESSAGE, E2E_ERROR: sender; RELAY_REPLY, SEND_FAILED: recipient;
			      KEY_INFO: the user looked up */
	uint64_t msg_id;   /* MESSAGE, E2E_ERROR, RELAY_REPLY, SEND_FAILED */
	uint32_t ttl_s;    /* MESSAGE */
	uint32_t flags;    /* wire flags | enum sg_client_event_flags */
	uint8_t cls;       /* MESSAGE, E2E_ERROR: SG_CLASS_CLOUD or SG_CLASS_SECRET */
	uint16_t code;     /* RELAY_REPLY: enum sg_reply_code; CLOSED: enum sg_close_reason */
	uint32_t detail;   /* RELAY_REPLY */
	uint8_t key[SG_KEY_LEN]; /* KEY_INFO */
	size_t len;        /* MESSAGE: body bytes (secret: decrypted) */
	uint8_t body[SG_BODY_MAX];
};

/*
 * Wait up to timeout_ms (0: don't wait, < 0: forever) for something to
 * report, processing every datagram and timer meanwhile, and fill ev.
 * Returns ev->type (SG_CLIENT_EV_NONE on timeout), or SG_CLIENT_E_NOT_CONNECTED
 * when there is no session and no event left, or SG_CLIENT_E_SOCKET.
 * Sends KEEPALIVE after keepalive_s without sending; answers nothing else
 * (acknowledging mailbox messages is the caller's: sg_client_ack).
 */
int sg_client_poll(struct sg_client *c, struct sg_client_event *ev, int timeout_ms);

/* The UDP socket, for the caller's own poll()/epoll (readable = call poll). */
int sg_client_fd(const struct sg_client *c);

/* Milliseconds until a timer needs sg_client_poll() (0: now), -1 when none. */
int sg_client_next_timeout_ms(const struct sg_client *c);

/* Every datagram dropped is counted under exactly one reason. */
struct sg_client_counters {
	uint64_t rx_datagrams;    /* read from the socket */
	uint64_t tx_datagrams;    /* written to the socket */
	uint64_t tx_errors;       /* send() failed */
	uint64_t rx_messages;     /* MESSAGE events (duplicates included) */
	uint64_t rx_duplicates;
	uint64_t keepalives_sent;
	uint64_t keepalives_received;
	uint64_t handshakes;      /* completed (connects and rekeys) */
	uint64_t initiations_sent;
	uint64_t cookie_replies;  /* accepted */
	uint64_t e2e_failures;    /* E2E_ERROR events */
	uint64_t key_changes;     /* KEY_INFO disagreeing with a pin */
	uint64_t resumes_sent;    /* RESUME instead of an initiation (a ticket was held) */
	uint64_t resumptions;     /* of the handshakes, those resumed (no X25519) */
	uint64_t resume_fallbacks; /* RESUME unanswered: ticket dropped, full handshake */
	uint64_t tickets;         /* TICKET messages kept */
	/* drops */
	uint64_t drop_length;     /* sg_proto_classify: length (incl. truncated datagrams) */
	uint64_t drop_type;       /* ... unknown/reserved type, or a type clients never get */
	uint64_t drop_reserved;   /* ... non-zero reserved header bits */
	uint64_t drop_handshake;  /* response or cookie reply not for our outstanding handshake */
	uint64_t drop_no_session; /* transport message while we have no session */
	uint64_t drop_index;      /* receiver index is not ours */
	uint64_t drop_expired;    /* the session's keys are past REJECT_AFTER_TIME */
	uint64_t drop_replay;     /* replay window: seen before or too old */
	uint64_t drop_phase;      /* KEY_PHASE names a key already erased */
	uint64_t drop_tag;        /* AEAD authentication failed */
	uint64_t drop_malformed;  /* authenticated, but the plaintext is invalid */
	uint64_t drop_queue_full; /* a secret message from an unknown sender, no room to wait */
};

void sg_client_get_counters(const struct sg_client *c, struct sg_client_counters *out);

/*
 * Load the identity key file at path (crypto/keys.h format, mode 0600), or
 * create it with a fresh key pair when it does not exist and create is set
 * (*created = 1).  SG_OK or SG_E_KEY with the reason in err.
 */
int sg_client_identity_load(const char *path, int create, struct sg_keypair *kp, int *created,
			    char *err, size_t errlen);

/*
 * The relay's public key from text: 44 base64 characters are the key itself;
 * otherwise a file: "*.pub" holds the public key in base64 (one line), any
 * other name is a private key file (the relay's own key_file, for local
 * setups) whose public half is taken.  SG_OK or SG_E_KEY with err.
 */
int sg_client_relay_key(const char *arg, uint8_t pub[SG_KEY_LEN], char *err, size_t errlen);

#endif /* SG_CLIENT_SURGE_H */
