/* SPDX-License-Identifier: MIT */
/*
 * messages.h - surge wire constants: message types, byte sizes, reason codes,
 * AEAD suite identifiers and the protocol's timers and limits.
 *
 * This file is the single source of truth for numbers that appear on the
 * wire; docs/PROTOCOL.md describes the same values and tests/unit/test_vectors
 * keeps the document and the code in agreement.  All integers on the wire are
 * little-endian, except the TAI64N timestamp (big-endian by its definition).
 */
#ifndef SG_PROTO_MESSAGES_H
#define SG_PROTO_MESSAGES_H

#include <stdint.h>

enum sg_msg_type {
	SG_MSG_HANDSHAKE_INIT = 1,  /* client -> relay, Noise IK message 1 */
	SG_MSG_HANDSHAKE_RESP = 2,  /* relay -> client, Noise IK message 2 */
	SG_MSG_COOKIE_REPLY = 3,    /* relay -> client, under load */
	SG_MSG_DATA = 4,            /* either way, a message for a user */
	SG_MSG_KEEPALIVE = 5,       /* either way, empty */
	SG_MSG_CLOSE = 6,           /* either way, ends the session */
	SG_MSG_RELAY_REPLY = 7,     /* relay -> client: STORED or an error */
	SG_MSG_DELIVERY_ACK = 8,    /* client -> relay: frees mailbox entries */
	SG_MSG_KEY_LOOKUP = 9,      /* client -> relay: user id -> identity key */
	SG_MSG_KEY_INFO = 10,       /* relay -> client: answer to KEY_LOOKUP */
	SG_MSG_RESUME = 11,         /* client -> relay, resumption with a ticket (section 9) */
	SG_MSG_TICKET = 12,         /* relay -> client, sealed in the session: a new ticket */
	SG_MSG_RESUME_RESP = 13,    /* relay -> client, answer to RESUME */
	SG_MSG_TYPE_MAX = 13,
};

/* Protocol version carried in the handshake initiation payload. */
enum { SG_PROTO_VERSION = 1 };

/* Noise prologue, hashed into both sides' handshake state (8 bytes, no NUL). */
#define SG_NOISE_PROLOGUE "surge v1"
#define SG_NOISE_PROLOGUE_LEN 8u
#define SG_NOISE_PROTOCOL_NAME "Noise_IK_25519_ChaChaPoly_BLAKE2b"

enum sg_sizes {
	SG_KEY_LEN = 32,          /* X25519 keys, AEAD keys */
	SG_TAG_LEN = 16,          /* Poly1305 and GCM tags */
	SG_MAC_LEN = 16,          /* mac1, mac2 */
	SG_COOKIE_LEN = 16,
	SG_COOKIE_NONCE_LEN = 24, /* XChaCha20-Poly1305 */
	SG_TAI64N_LEN = 12,
	SG_MAX_SUITES = 4,        /* slots for suites in the initiation payload */

	/* Handshake initiation: fixed 156 bytes. */
	SG_INIT_PAYLOAD_LEN = 20,
	SG_INIT_OFF_SENDER = 4,
	SG_INIT_OFF_EPHEMERAL = 8,
	SG_INIT_OFF_STATIC = 40,  /* 32-byte key + 16-byte tag */
	SG_INIT_OFF_PAYLOAD = 88, /* 20-byte payload + 16-byte tag */
	SG_INIT_OFF_MAC1 = 124,
	SG_INIT_OFF_MAC2 = 140,
	SG_INIT_LEN = 156,
	SG_INIT_NOISE_LEN = SG_INIT_OFF_MAC1 - SG_INIT_OFF_EPHEMERAL, /* 116 */

	/* Handshake response: fixed 108 bytes. */
	SG_RESP_PAYLOAD_LEN = 16,
	SG_RESP_OFF_SENDER = 4,
	SG_RESP_OFF_RECEIVER = 8,
	SG_RESP_OFF_EPHEMERAL = 12,
	SG_RESP_OFF_PAYLOAD = 44, /* 16-byte payload + 16-byte tag */
	SG_RESP_OFF_MAC1 = 76,
	SG_RESP_OFF_MAC2 = 92,
	SG_RESP_LEN = 108,
	SG_RESP_NOISE_LEN = SG_RESP_OFF_MAC1 - SG_RESP_OFF_EPHEMERAL, /* 64 */

	/* Cookie reply: fixed 64 bytes. */
	SG_COOKIE_OFF_RECEIVER = 4,
	SG_COOKIE_OFF_NONCE = 8,
	SG_COOKIE_OFF_COOKIE = 32, /* 16-byte cookie + 16-byte tag */
	SG_COOKIE_REPLY_LEN = 64,

	/* Transport messages: 16-byte header, sealed plaintext, 16-byte tag. */
	SG_HDR_LEN = 16,
	SG_HDR_OFF_FLAGS = 1,
	SG_HDR_OFF_RESERVED = 2,
	SG_HDR_OFF_RECEIVER = 4,
	SG_HDR_OFF_COUNTER = 8,
	SG_TRANSPORT_OVERHEAD = SG_HDR_LEN + SG_TAG_LEN, /* 32 */

	SG_DATA_INNER_LEN = 24,   /* peer user, message id, ttl, class, flags */
	SG_DATA_OVERHEAD = SG_TRANSPORT_OVERHEAD + SG_DATA_INNER_LEN, /* 56 */
	/* Largest body: what fits a 1500-byte IP MTU. */
	SG_BODY_MAX_IPV4 = 1500 - 20 - 8 - SG_DATA_OVERHEAD, /* 1416 */
	SG_BODY_MAX_IPV6 = 1500 - 40 - 8 - SG_DATA_OVERHEAD, /* 1396 */
	SG_BODY_MAX = SG_BODY_MAX_IPV4,
	SG_DATA_MIN_LEN = SG_DATA_OVERHEAD,                  /* empty body */
	SG_DATA_MAX_LEN = SG_DATA_OVERHEAD + SG_BODY_MAX,    /* 1472 */

	SG_KEEPALIVE_LEN = SG_TRANSPORT_OVERHEAD,            /* 32 */
	SG_CLOSE_PLAIN_LEN = 4,
	SG_CLOSE_LEN = SG_TRANSPORT_OVERHEAD + SG_CLOSE_PLAIN_LEN,       /* 36 */
	SG_REPLY_PLAIN_LEN = 24,
	SG_REPLY_LEN = SG_TRANSPORT_OVERHEAD + SG_REPLY_PLAIN_LEN,       /* 56 */
	SG_ACK_MAX_ENTRIES = 64,
	SG_ACK_ENTRY_LEN = 16,    /* sender user id, message id */
	SG_ACK_PLAIN_HDR_LEN = 4, /* count, reserved */
	SG_ACK_MIN_LEN = SG_TRANSPORT_OVERHEAD + SG_ACK_PLAIN_HDR_LEN + SG_ACK_ENTRY_LEN,
	SG_ACK_MAX_LEN = SG_TRANSPORT_OVERHEAD + SG_ACK_PLAIN_HDR_LEN +
			 SG_ACK_MAX_ENTRIES * SG_ACK_ENTRY_LEN,          /* 1060 */
	SG_LOOKUP_PLAIN_LEN = 8,
	SG_LOOKUP_LEN = SG_TRANSPORT_OVERHEAD + SG_LOOKUP_PLAIN_LEN,     /* 40 */
	SG_KEYINFO_PLAIN_LEN = 48,
	SG_KEYINFO_LEN = SG_TRANSPORT_OVERHEAD + SG_KEYINFO_PLAIN_LEN,   /* 80 */

	/*
	 * Resumption (section 9).  A ticket is opaque to clients: key id (4),
	 * nonce (24), XChaCha20-Poly1305 of user id (8), issued (8), resumption
	 * secret (32), tag (16).
	 */
	SG_RESUME_RANDOM_LEN = 16,
	SG_TICKET_PLAIN_LEN = 8 + 8 + SG_KEY_LEN,                        /* 48 */
	SG_TICKET_OFF_KEY_ID = 0,
	SG_TICKET_OFF_NONCE = 4,
	SG_TICKET_OFF_SEALED = 28,
	SG_TICKET_LEN = SG_TICKET_OFF_SEALED + SG_TICKET_PLAIN_LEN + SG_TAG_LEN, /* 92 */

	/* TICKET (transport): lifetime_s, reserved, resumption secret, ticket. */
	SG_TICKET_MSG_PLAIN_LEN = 4 + 4 + SG_KEY_LEN + SG_TICKET_LEN,    /* 132 */
	SG_TICKET_MSG_LEN = SG_TRANSPORT_OVERHEAD + SG_TICKET_MSG_PLAIN_LEN, /* 164 */

	/* RESUME: fixed 180 bytes. */
	SG_RESUME_PAYLOAD_LEN = SG_TAI64N_LEN + SG_MAX_SUITES,           /* 16 */
	SG_RESUME_OFF_SENDER = 4,
	SG_RESUME_OFF_RANDOM = 8,
	SG_RESUME_OFF_TICKET = 24,
	SG_RESUME_OFF_PAYLOAD = 116, /* 16-byte payload + 16-byte tag */
	SG_RESUME_OFF_MAC1 = 148,
	SG_RESUME_OFF_MAC2 = 164,
	SG_RESUME_LEN = 180,

	/* RESUME_RESP: fixed 92 bytes; its payload is the handshake response's. */
	SG_RRESP_OFF_SENDER = 4,
	SG_RRESP_OFF_RECEIVER = 8,
	SG_RRESP_OFF_RANDOM = 12,
	SG_RRESP_OFF_PAYLOAD = 28,   /* 16-byte payload + 16-byte tag */
	SG_RRESP_OFF_MAC1 = 60,
	SG_RRESP_OFF_MAC2 = 76,
	SG_RRESP_LEN = 92,
};

/* Transport header flags.  Bits not named here must be zero. */
enum sg_hdr_flags {
	SG_HDR_F_KEY_PHASE = 1u << 0, /* which of the two symmetric keys sealed it */
	SG_HDR_F_MASK = SG_HDR_F_KEY_PHASE,
};

/* Message class, inner header of DATA. */
enum sg_class {
	SG_CLASS_CLOUD = 1,  /* body readable by the relay, subject to policy */
	SG_CLASS_SECRET = 2, /* body end-to-end encrypted between the two users */
};

/* Inner header flags of DATA.  Bits not named here must be zero. */
enum sg_data_flags {
	SG_DATA_F_FROM_MAILBOX = 1u << 0, /* relay -> recipient: was stored; ack it */
	SG_DATA_F_MASK = SG_DATA_F_FROM_MAILBOX,
};

/* AEAD suites for data (initiation payload lists them, response picks one). */
enum sg_suite {
	SG_SUITE_NONE = 0,
	SG_SUITE_CHACHA20_POLY1305 = 1, /* ChaCha20-Poly1305-IETF (RFC 8439) */
	SG_SUITE_AES256_GCM = 2,        /* AES-256-GCM, 96-bit nonce */
	SG_SUITE_MAX = 2,
};

/* Handshake response payload flags. */
enum sg_resp_flags {
	SG_RESP_F_SIGNED_UP = 1u << 0, /* this handshake registered the identity */
	SG_RESP_F_MASK = SG_RESP_F_SIGNED_UP,
};

/* RELAY_REPLY codes: STORED, or why the relay refused a frame. */
enum sg_reply_code {
	SG_REPLY_STORED = 0,            /* durable in the recipient's mailbox */
	SG_REPLY_UNKNOWN_RECIPIENT = 1, /* no such user */
	SG_REPLY_RECIPIENT_OFFLINE = 2, /* ttl 0 and no live session */
	SG_REPLY_MAILBOX_FULL = 3,      /* detail: 0 per-user cap, 1 relay-wide cap */
	SG_REPLY_POLICY_BLOCKED = 4,    /* detail: the rule id */
	SG_REPLY_TOO_LARGE = 5,         /* detail: largest body the recipient takes */
	SG_REPLY_RATE_LIMITED = 6,
	SG_REPLY_MALFORMED = 7,         /* inner header invalid after decryption */
	SG_REPLY_UNAVAILABLE = 8,       /* storage failed; retry later */
	SG_REPLY_CODE_MAX = 8,
};

/* CLOSE reasons. */
enum sg_close_reason {
	SG_CLOSE_NORMAL = 0,
	SG_CLOSE_IDLE = 1,
	SG_CLOSE_KEY_EXPIRED = 2,
	SG_CLOSE_ADMIN = 3,
	SG_CLOSE_SHUTDOWN = 4,
	SG_CLOSE_REPLACED = 5, /* a newer session of the same user took over */
	SG_CLOSE_REASON_MAX = 5,
};

/* KEY_INFO status. */
enum sg_keyinfo_status {
	SG_KEYINFO_FOUND = 0,
	SG_KEYINFO_UNKNOWN_USER = 1,
};

/*
 * Timers and limits (seconds unless named otherwise).  Policy lives with the
 * code that owns each timer; these are the protocol's values.
 */
enum sg_timers {
	SG_UDP_PORT_DEFAULT = 7443,
	SG_REKEY_AFTER_S = 3600,         /* client starts a new handshake ... */
	SG_REKEY_JITTER_S = 360,         /* ... uniformly in [3600-360, 3600] */
	SG_REJECT_AFTER_S = 3600 + 180,  /* keys refused this long after the handshake */
	SG_KEY_UPDATE_AFTER_S = 600,     /* symmetric key update of one direction */
	SG_KEY_PHASE_GRACE_S = 10,       /* previous key kept for in-flight frames */
	SG_KEEPALIVE_S = 25,             /* default; the response announces it */
	SG_SESSION_DEAD_S = 3 * 180,     /* no traffic: state and keys wiped */
	SG_HANDSHAKE_RETRY_S = 5,        /* initiation retransmitted, with jitter */
	SG_COOKIE_SECRET_MAX_AGE_S = 120,
	SG_COOKIE_LATENCY_S = 5,         /* client drops cookies older than 115 s */
	SG_TTL_MAX_S = 30 * 24 * 3600,   /* larger TTLs are clamped to this */
	SG_TICKET_ROTATE_S = 6 * 3600,   /* the relay makes a new ticket key */
	SG_TICKET_LIFETIME_S = 12 * 3600, /* older tickets are refused; = 2 rotations */
};

#define SG_REKEY_AFTER_MESSAGES (UINT64_C(1) << 60)
#define SG_REJECT_AFTER_MESSAGES (UINT64_MAX - (UINT64_C(1) << 13))

/* Replay windows (bits of bitmap). */
enum sg_replay_sizes {
	SG_REPLAY_BITS_RELAY = 1024,
	SG_REPLAY_BITS_CLIENT = 8192,
};

#endif /* SG_PROTO_MESSAGES_H */
