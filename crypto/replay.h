/* SPDX-License-Identifier: MIT */
/*
 * replay.h - RFC 6479 anti-replay sliding window, its size a parameter.
 *
 * The bitmap has nblocks 64-bit words (a power of two).  One word is slack
 * that the window slides into, so a counter is accepted when it is at most
 * (nblocks - 1) * 64 behind the highest counter seen, and not seen before.
 * The relay uses 1024 bits per session (960 counters of reordering), clients
 * 8192 (8128), as docs/PROTOCOL.md says.
 *
 * Call sg_replay_check() before decrypting (cheap early reject, no change)
 * and sg_replay_update() only after the frame authenticated: a forged
 * counter must never move the window.  Counters at or beyond
 * SG_REJECT_AFTER_MESSAGES are refused (SG_E_COUNTER).
 */
#ifndef SG_CRYPTO_REPLAY_H
#define SG_CRYPTO_REPLAY_H

#include <stdint.h>

#include "proto/messages.h"

/* Checks only; SG_OK, SG_E_REPLAY or SG_E_COUNTER. */
int sg_replay_check(uint64_t next, const uint64_t *bitmap, unsigned nblocks, uint64_t counter);

/* Checks and records; SG_OK, SG_E_REPLAY or SG_E_COUNTER. */
int sg_replay_update(uint64_t *next, uint64_t *bitmap, unsigned nblocks, uint64_t counter);

/* Typed windows of the two sizes the protocol uses. */
struct sg_replay_relay {
	uint64_t next; /* highest accepted counter + 1; 0 before the first */
	uint64_t bitmap[SG_REPLAY_BITS_RELAY / 64];
};

struct sg_replay_client {
	uint64_t next;
	uint64_t bitmap[SG_REPLAY_BITS_CLIENT / 64];
};

#define SG_REPLAY_NBLOCKS(w) ((unsigned)(sizeof((w)->bitmap) / sizeof((w)->bitmap[0])))
#define sg_replay_window_check(w, c) sg_replay_check((w)->next, (w)->bitmap, SG_REPLAY_NBLOCKS(w), (c))
#define sg_replay_window_update(w, c) sg_replay_update(&(w)->next, (w)->bitmap, SG_REPLAY_NBLOCKS(w), (c))

#endif /* SG_CRYPTO_REPLAY_H */
