/* SPDX-License-Identifier: MIT */
/*
 * status.h - named results shared by proto/ and crypto/.
 *
 * Every parser and crypto entry point returns SG_OK (0) or one of these
 * negative values; sg_status_name() gives the stable name used in counters,
 * logs and tests.  Values never change meaning once released.
 */
#ifndef SG_PROTO_STATUS_H
#define SG_PROTO_STATUS_H

enum sg_status {
	SG_OK = 0,
	SG_E_LENGTH = -1,       /* wrong length for the message type */
	SG_E_TYPE = -2,         /* unknown or unsupported message type */
	SG_E_RESERVED = -3,     /* a reserved field or flag bit is not zero */
	SG_E_VERSION = -4,      /* unsupported protocol version */
	SG_E_TAG = -5,          /* AEAD authentication failed */
	SG_E_REPLAY = -6,       /* counter already seen or behind the window */
	SG_E_MAC1 = -7,         /* mac1 missing or wrong */
	SG_E_MAC2 = -8,         /* mac2 missing or wrong (no cookie or stale cookie) */
	SG_E_STALE_COOKIE = -9, /* cookie too old to use, or reply for another message */
	SG_E_TIMESTAMP = -10,   /* initiation timestamp not newer than the last one */
	SG_E_SUITE = -11,       /* no common or no available AEAD suite */
	SG_E_DH = -12,          /* X25519 result is all zero (low-order point) */
	SG_E_STATE = -13,       /* call out of order for this handshake state */
	SG_E_KEY = -14,         /* malformed key (encoding, file, permissions) */
	SG_E_CLASS = -15,       /* unknown message class */
	SG_E_COUNTER = -16,     /* counter exhausted: the session must rekey */
	SG_E_NOSPACE = -17,     /* output buffer too small */
	SG_E_INVAL = -18,       /* invalid argument from the caller (not the wire) */
	SG_E_SYSTEM = -19,      /* the operating system refused (see errno) */
	SG_E_EXPIRED = -20,     /* a resumption ticket older than its lifetime */
	SG_E_DEVICE = -21,      /* a crypto device failed the operation (not a wrong tag) */
	SG_E_MIN = -21,
};

/* Stable lower-case name ("ok", "length", "tag", ...); "unknown" otherwise. */
const char *sg_status_name(int status);

#endif /* SG_PROTO_STATUS_H */
