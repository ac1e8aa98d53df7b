/* SPDX-License-Identifier: MIT */
/*
 * replay.c - RFC 6479 anti-replay window (the shape of WireGuard's
 * counter_validate()), over a caller-owned bitmap of nblocks 64-bit words.
 *
 * Invariants:
 *  - next is the highest accepted counter + 1; 0 means nothing accepted yet.
 *  - The bit of counter c is bit (c & 63) of word (c >> 6) & (nblocks - 1).
 *  - The word holding next - 1 is the top word.  When the window moves up,
 *    every word after the old top word up to the new top word is cleared
 *    first (at most nblocks of them), so the bitmap only ever holds bits of
 *    counters in [top word - (nblocks - 1), top word]: a counter at most
 *    (nblocks - 1) * 64 behind next - 1 maps to a word that still holds its
 *    own history, never a neighbour's.
 *  - No loop runs more than nblocks times; sg_replay_check() writes nothing.
 */
#include <assert.h>

#include "proto/status.h"
#include "replay.h"

enum { WORD_BITS = 64, WORD_SHIFT = 6 };

static inline void assert_nblocks(unsigned nblocks)
{
	assert(nblocks != 0 && (nblocks & (nblocks - 1)) == 0);
	(void)nblocks;
}

/* True when counter is more than (nblocks - 1) * 64 behind next - 1. */
static inline int too_old(uint64_t next, unsigned nblocks, uint64_t counter)
{
	/* counter < next, so next - 1 - counter cannot wrap. */
	return counter < next && next - 1 - counter > (uint64_t)(nblocks - 1) * WORD_BITS;
}

int sg_replay_check(uint64_t next, const uint64_t *bitmap, unsigned nblocks, uint64_t counter)
{
	assert_nblocks(nblocks);
	if (__builtin_expect(counter >= SG_REJECT_AFTER_MESSAGES, 0))
		return SG_E_COUNTER;
	if (counter >= next)
		return SG_OK;
	if (too_old(next, nblocks, counter))
		return SG_E_REPLAY;
	if (bitmap[(counter >> WORD_SHIFT) & (nblocks - 1)] & (UINT64_C(1) << (counter & 63)))
		return SG_E_REPLAY;
	return SG_OK;
}

int sg_replay_update(uint64_t *next, uint64_t *bitmap, unsigned nblocks, uint64_t counter)
{
	const uint64_t mask = nblocks - 1, word = counter >> WORD_SHIFT;
	const uint64_t bit = UINT64_C(1) << (counter & 63);
	uint64_t *slot;

	assert_nblocks(nblocks);
	if (__builtin_expect(counter >= SG_REJECT_AFTER_MESSAGES, 0))
		return SG_E_COUNTER;
	if (too_old(*next, nblocks, counter))
		return SG_E_REPLAY;

	if (counter >= *next) {
		if (*next == 0) {
			/* First counter: start from an empty bitmap, whatever it held. */
			for (unsigned i = 0; i < nblocks; i++)
				bitmap[i] = 0;
		} else {
			const uint64_t top = (*next - 1) >> WORD_SHIFT;
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
