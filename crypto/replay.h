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

#include <assert.h>
#include <stdint.h>

#include "proto/messages.h"
#include "proto/status.h"

/*
 * The code is inline (the shape of WireGuard's counter_validate()): the
 * data plane calls it per frame with a constant window size, which the
 * compiler folds.  Invariants:
 *  - next is the highest accepted counter + 1; 0 means nothing accepted yet.
 *  - The bit of counter c is bit (c & 63) of word (c >> 6) & (nblocks - 1).
 *  - When the window moves up, every word after the old top word up to the
 *    new top word is cleared first (at most nblocks of them), so a counter
 *    at most (nblocks - 1) * 64 behind next - 1 maps to a word that holds its
 *    own history, never a neighbour's.
 *  - No loop runs more than nblocks times; sg_replay_check() writes nothing.
 */
enum { SG_REPLAY_WORD_BITS = 64, SG_REPLAY_WORD_SHIFT = 6 };

static inline void sg_replay_assert_nblocks(unsigned nblocks)
{
	assert(nblocks != 0 && (nblocks & (nblocks - 1)) == 0);
	(void)nblocks;
}

/* True when counter is more than (nblocks - 1) * 64 behind next - 1. */
static inline int sg_replay_too_old(uint64_t next, unsigned nblocks, uint64_t counter)
{
	/* counter < next, so next - 1 - counter cannot wrap. */
	return counter < next && next - 1 - counter > (uint64_t)(nblocks - 1) * SG_REPLAY_WORD_BITS;
}

/* Checks only; SG_OK, SG_E_REPLAY or SG_E_COUNTER. */
static inline int sg_replay_check(uint64_t next, const uint64_t *bitmap, unsigned nblocks,
				  uint64_t counter)
{
	sg_replay_assert_nblocks(nblocks);
	if (__builtin_expect(counter >= SG_REJECT_AFTER_MESSAGES, 0))
		return SG_E_COUNTER;
	if (counter >= next)
		return SG_OK;
	if (sg_replay_too_old(next, nblocks, counter))
		return SG_E_REPLAY;
	if (bitmap[(counter >> SG_REPLAY_WORD_SHIFT) & (nblocks - 1)] & (UINT64_C(1) << (counter & 63)))
		return SG_E_REPLAY;
	return SG_OK;
}

/* Checks and records; SG_OK, SG_E_REPLAY or SG_E_COUNTER. */
static inline int sg_replay_update(uint64_t *next, uint64_t *bitmap, unsigned nblocks,
				   uint64_t counter)
{
	const uint64_t mask = nblocks - 1, word = counter >> SG_REPLAY_WORD_SHIFT;
	const uint64_t bit = UINT64_C(1) << (counter & 63);
	uint64_t *slot;

	sg_replay_assert_nblocks(nblocks);
	if (__builtin_expect(counter >= SG_REJECT_AFTER_MESSAGES, 0))
		return SG_E_COUNTER;
	if (sg_replay_too_old(*next, nblocks, counter))
		return SG_E_REPLAY;

	if (counter >= *next) {
		if (*next == 0) {
			/* First counter: start from an empty bitmap, whatever it held. */
			for (unsigned i = 0; i < nblocks; i++)
				bitmap[i] = 0;
		} else {
			const uint64_t top = (*next - 1) >> SG_REPLAY_WORD_SHIFT;
			uint64_t ahead = word - top;

			if (ahead > nblocks)
				ahead = nblocks;
			for (uint64_t i = 1; i <= ahead; i++)
				bitmap[(top + i) & mask] = 0;
		}
		*next = counter + 1;
	}

	slot = &bitmap[word & mask];
	if (*slot & bit)
		return SG_E_REPLAY;
	*slot |= bit;
	return SG_OK;
}

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
#define sg_replay_window_check(w, c) \
	sg_replay_check((w)->next, (w)->bitmap, SG_REPLAY_NBLOCKS(w), (c))
#define sg_replay_window_update(w, c) \
	sg_replay_update(&(w)->next, (w)->bitmap, SG_REPLAY_NBLOCKS(w), (c))

#endif /* SG_CRYPTO_REPLAY_H */
