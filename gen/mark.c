/* SPDX-License-Identifier: MIT */
/*
 * mark.c - surge-gen's body prefix and marked frames (mark.h).  Pure C.
 */
#include <pthread.h>
#include <stddef.h>

#include "mark.h"

uint64_t sg_gen_mark_below(double pct)
{
	if (!(pct > 0))
		return 0;
	if (pct >= 100)
		return UINT64_C(1) << 32;
	return (uint64_t)(pct / 100.0 * 4294967296.0 + 0.5);
}

void sg_gen_prefix_put(uint8_t out[SG_GEN_PREFIX_LEN], uint64_t tsc, uint64_t seq)
{
	for (unsigned i = 0; i < 8; i++) {
		out[i] = (uint8_t)(0x80 | ((tsc >> (7 * i)) & 0x7f));
		out[8 + i] = (uint8_t)(0x80 | ((seq >> (7 * i)) & 0x7f));
	}
}

int sg_gen_prefix_get(const uint8_t in[SG_GEN_PREFIX_LEN], uint64_t *tsc, uint64_t *seq)
{
	uint8_t all = 0x80;

	*tsc = *seq = 0;
	for (unsigned i = 0; i < 8; i++) {
		all &= in[i] & in[8 + i];
		*tsc |= (uint64_t)(in[i] & 0x7f) << (7 * i);
		*seq |= (uint64_t)(in[8 + i] & 0x7f) << (7 * i);
	}
	return all ? 0 : -1;
}

/* Chat words: nothing in rules/default.rules matches them or their runs. */
const char *const sg_gen_text_words[] = {
	"the", "meeting", "is", "moved", "to", "thursday", "afternoon", "and", "we", "will",
	"review", "slides", "for", "project", "budget", "please", "bring", "notes", "from",
	"last", "week", "dinner", "tonight", "sounds", "good", "call", "me", "when", "you",
	"arrive", "station", "train", "late", "again", "sorry", "about", "that", "photos",
	"weekend", "trip", "were", "great", "kids", "loved", "beach", "see", "soon", "thanks",
	"draft", "report", "attached", "comments", "welcome", "happy", "birthday", "mum",
	"groceries", "milk", "bread", "coffee", "running", "minutes", "behind", "schedule",
};

const unsigned sg_gen_text_n_words = sizeof(sg_gen_text_words) / sizeof(sg_gen_text_words[0]);

static uint8_t text[SG_GEN_TEXT_LEN];

static void text_build(void)
{
	uint64_t x = 0x5eed5eed5eedull;
	unsigned n = 0;

	while (n < SG_GEN_TEXT_LEN) {
		const char *w;

		x = x * 6364136223846793005ull + 1442695040888963407ull; /* an LCG: fixed text */
		w = sg_gen_text_words[(x >> 33) % sg_gen_text_n_words];
		for (size_t i = 0; w[i] && n < SG_GEN_TEXT_LEN; i++)
			text[n++] = (uint8_t)w[i];
		if (n < SG_GEN_TEXT_LEN)
			text[n++] = (x >> 20) % 12 == 0 ? '.' : ' ';
	}
}

const uint8_t *sg_gen_text(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, text_build);
	return text;
}
