/* SPDX-License-Identifier: MIT */
/*
 * keys_ctl.h - the relay's static keys on the control plane (keys_ctl.c):
 * the current key and, for a grace period after a rotation, the previous
 * one; which of them a handshake message is under; their public part for
 * the workers (struct sg_keys_pub, plane.h); rotation by config reload.
 */
#ifndef SG_CONTROL_KEYS_CTL_H
#define SG_CONTROL_KEYS_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cookie.h"
#include "crypto/keys.h"

struct sg_ctl_buf;
struct sg_plane;

enum {
	SG_KEY_CURRENT = 0,
	SG_KEY_PREVIOUS = 1, /* accepted until its grace period ends */
};

/*
 * A ring holding a locked copy of *p->key (the caller keeps, wipes and
 * frees its own), which p->key then points at; published to the workers.
 * 0, or -1 with err.
 */
int sg_plane_keys_init(struct sg_plane *p, char *err, size_t errlen);
/* Every key wiped and freed; the workers and handshake lcores have stopped. */
void sg_plane_keys_fini(struct sg_plane *p);

/* Under which key msg's mac1 is: SG_KEY_CURRENT, SG_KEY_PREVIOUS, or -1 (neither). */
int sg_plane_keys_match(const struct sg_plane *p, const uint8_t *msg, size_t len);
/* That key's mac1 and cookie keys (which: as sg_plane_keys_match returned). */
const struct sg_cookie_keys *sg_plane_keys_cookie(const struct sg_plane *p, int which);

/*
 * That key's pair for one handshake's X25519 half: it is not wiped before
 * sg_plane_keys_release(kp), even if it is dropped meanwhile.  Main lcore.
 */
const struct sg_keypair *sg_plane_keys_hold(struct sg_plane *p, int which);
void sg_plane_keys_release(struct sg_plane *p, const struct sg_keypair *kp);

/*
 * Config reload, before anything is applied: read path (into locked
 * memory).  1: its key differs from the current one and is staged for
 * sg_plane_keys_commit; 0: it is the current key (nothing staged); -1
 * with err: missing, unreadable or bad, or the ring is still freeing the
 * keys of earlier rotations (the reload must change nothing).
 */
int sg_plane_keys_stage(struct sg_plane *p, const char *path, char *err, size_t errlen);
/* The staged key wiped (the reload was refused after all). */
void sg_plane_keys_unstage(struct sg_plane *p);
/*
 * Apply: the staged key (if any) becomes the current one and the current
 * one the previous, accepted for grace_s more seconds (0: dropped now; a
 * previous key still in its grace is dropped).  With nothing staged, a
 * grace period in progress ends grace_s after its rotation instead.
 * 1 when the key rotated, else 0.
 */
int sg_plane_keys_commit(struct sg_plane *p, unsigned grace_s);

/*
 * Once a round: the previous key dropped when its grace period has ended
 * (looked at once a second), the workers' old views freed after their RCU
 * grace period, dropped keys wiped once no handshake holds them.
 */
unsigned sg_plane_keys_poll(struct sg_plane *p);

/*
 * The public keys (base64) for "status": text lines, or JSON members
 * (no braces) "public_key", "previous_public_key", "previous_key_left_s".
 */
void sg_plane_keys_status(const struct sg_plane *p, struct sg_ctl_buf *b, int json);

#endif /* SG_CONTROL_KEYS_CTL_H */
