/* SPDX-License-Identifier: MIT */
/*
 * mark.h - what surge-gen writes at the start of a DATA body, and which
 * frames carry the content-policy marker (pure C, unit-tested without EAL):
 *
 *   prefix   16 bytes: the low 56 bits of the TSC timestamp, then of the
 *            sequence number, 7 bits a byte, least significant first, each
 *            byte with its high bit set.  No byte is ASCII, so no rule on
 *            text can match inside it by chance (raw binary timestamps
 *            spell "btc" between word boundaries about once per million
 *            frames: rules/default.rules 5003).
 *   marked   frame seq is marked when a multiplicative hash of seq (top 32
 *            bits) is below a threshold of 2^32: --match-pct P gives
 *            P / 100 of 2^32, so 0 marks none and 100 all; the share over
 *            any long run of consecutive seq is P % (a Weyl sequence).
 */
#ifndef SG_GEN_MARK_H
#define SG_GEN_MARK_H

#include <stdint.h>

#define SG_GEN_PREFIX_LEN 16
#define SG_GEN_PREFIX_MASK ((UINT64_C(1) << 56) - 1) /* TSC wraps in it after years */

/* The threshold for a share of pct percent, 0..100. */
uint64_t sg_gen_mark_below(double pct);

static inline int sg_gen_mark_is(uint64_t below, uint64_t seq)
{
	return ((seq * UINT64_C(0xd6e8feb86659fd93)) >> 32) < below;
}

void sg_gen_prefix_put(uint8_t out[SG_GEN_PREFIX_LEN], uint64_t tsc, uint64_t seq);
/* tsc and seq (56 bits each) from a prefix; -1 when a byte lacks its high bit. */
int sg_gen_prefix_get(const uint8_t in[SG_GEN_PREFIX_LEN], uint64_t *tsc, uint64_t *seq);

/*
 * --body text: bodies cut from one English-like text (chat words, blanks,
 * full stops; deterministic) instead of the byte pattern, so that a content
 * policy scans what it would scan in real chats (Hyperscan's literal
 * prefilters hit far more often in text than in the pattern).  Frame seq's
 * body byte i (from the prefix on) is text[sg_gen_text_off(seq) + i]; the
 * text is long enough for any body at any offset.  No word, nor any run of
 * them, matches a rule of rules/default.rules.
 */
enum { SG_GEN_TEXT_SPAN = 16384, SG_GEN_TEXT_LEN = SG_GEN_TEXT_SPAN + 2048 };

/* Its chat words (also surge-bench-policy's text bodies). */
extern const char *const sg_gen_text_words[];
extern const unsigned sg_gen_text_n_words;

/* The text (built on first use; thread-safe once built). */
const uint8_t *sg_gen_text(void);

static inline uint32_t sg_gen_text_off(uint64_t seq)
{
	return (uint32_t)(((seq * UINT64_C(0x9e3779b97f4a7c15)) >> 40) % SG_GEN_TEXT_SPAN);
}

#endif /* SG_GEN_MARK_H */
