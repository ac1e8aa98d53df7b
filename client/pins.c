/* SPDX-License-Identifier: MIT */
/*
 * pins.c - identity keys of other users, pinned on first use, and the e2e
 * pair key derived from each (one X25519 per peer, not per message).
 *
 * An open-addressing table keyed by user id (0 marks an empty slot: the
 * relay never assigns user id 0), linear probing, doubled at 3/4 load;
 * entries are never removed, so probing needs no tombstones.  The table is
 * in locked memory left out of core dumps (crypto/secure.h); every key is
 * wiped when it grows or is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "proto/status.h"

enum { PINS_INITIAL = 16 };

static size_t slot_of(uint64_t user, size_t cap)
{
	/* Fibonacci hashing: user ids are often sequential. */
	return (size_t)((user * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

int sg_client_pins_init(struct sg_client_pins *p)
{
	memset(p, 0, sizeof(*p));
	p->slot = sg_secure_alloc(PINS_INITIAL * sizeof(*p->slot));
	if (p->slot == NULL)
		return SG_E_SYSTEM;
	p->cap = PINS_INITIAL;
	return SG_OK;
}

void sg_client_pins_fini(struct sg_client_pins *p)
{
	sg_secure_free(p->slot); /* zeroed first; NULL: nothing */
	memset(p, 0, sizeof(*p));
}

struct sg_client_pin *sg_client_pins_find(const struct sg_client_pins *p, uint64_t user)
{
	size_t i;

	if (user == 0 || p->slot == NULL)
		return NULL;
	for (i = slot_of(user, p->cap);; i = (i + 1) & (p->cap - 1)) {
		if (p->slot[i].user == user)
			return &p->slot[i];
		if (p->slot[i].user == 0)
			return NULL;
	}
}

static int grow(struct sg_client_pins *p)
{
	size_t ncap = p->cap * 2, i, j;
	struct sg_client_pin *n;

	if (ncap > SIZE_MAX / sizeof(*n))
		return -1;
	n = sg_secure_alloc(ncap * sizeof(*n));
	if (n == NULL)
		return -1;
	for (i = 0; i < p->cap; i++) {
		if (p->slot[i].user == 0)
			continue;
		for (j = slot_of(p->slot[i].user, ncap); n[j].user != 0; j = (j + 1) & (ncap - 1))
			;
		n[j] = p->slot[i];
	}
	sg_secure_free(p->slot); /* zeroed first */
	p->slot = n;
	p->cap = ncap;
	return 0;
}

struct sg_client_pin *sg_client_pins_get(struct sg_client_pins *p, uint64_t user)
{
	struct sg_client_pin *e = sg_client_pins_find(p, user);
	size_t i;

	if (e != NULL || user == 0 || p->slot == NULL)
		return e;
	if ((p->used + 1) * 4 > p->cap * 3 && grow(p) != 0)
		return NULL;
	for (i = slot_of(user, p->cap); p->slot[i].user != 0; i = (i + 1) & (p->cap - 1))
		;
	p->slot[i].user = user;
	p->used++;
	return &p->slot[i];
}

int sg_client_pins_set(struct sg_client_pin *e, const struct sg_keypair *me,
		       const uint8_t pub[SG_KEY_LEN])
{
	uint8_t k[SG_E2E_KEY_LEN];
	int rc = sg_e2e_key(k, me, pub);

	if (rc != SG_OK)
		return rc;
	memcpy(e->pub, pub, SG_KEY_LEN);
	memcpy(e->e2e, k, sizeof(k));
	sg_wipe(k, sizeof(k));
	e->has_key = 1;
	e->changed = 0;
	return SG_OK;
}

void sg_client_pins_set_pending(struct sg_client_pins *p, struct sg_client_pin *e, int on)
{
	if (on && !e->lookup_pending)
		p->pending++;
	else if (!on && e->lookup_pending)
		p->pending--;
	e->lookup_pending = on ? 1 : 0;
	if (!on)
		e->tries = 0;
}
