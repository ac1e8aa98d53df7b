/* SPDX-License-Identifier: MIT */
/*
 * ticket.c - resumption tickets: a ring of two XChaCha20-Poly1305 keys
 * (current, previous) that seal (user id, issue time, resumption secret).
 *
 * Invariants: a ticket is sealed only under the current key; it opens only
 * under the key its id names, if that key is still in the ring, and only
 * while it is younger than lifetime_s; lifetime_s <= 2 x rotate_s, so no
 * ticket is promised a life its key does not have; a key that leaves the
 * ring (rotated out of "previous", or replaced on import) is wiped at once.
 * The key id authenticates as AD, so a ticket cannot be moved to another
 * key.  Key ids increase by one per rotation; after 2^32 rotations (24 500
 * years at 6 h) they wrap, which only the id comparison would notice.
 */
#include <string.h>

#include <sodium.h>

#include "proto/bytes.h"
#include "proto/status.h"
#include "ticket.h"

enum {
	TP_OFF_USER = 0,
	TP_OFF_ISSUED = 8,
	TP_OFF_SECRET = 16,

	EX_OFF_FORMAT = 0,
	EX_OFF_KEYS = 8,
	EX_KEY_LEN = 48, /* id 4, flags 4, born 8, key 32 */
	EX_FLAG_VALID = 1,
};

_Static_assert(TP_OFF_SECRET + SG_KEY_LEN == SG_TICKET_PLAIN_LEN, "ticket plaintext");
_Static_assert(SG_TICKET_OFF_NONCE + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
		       SG_TICKET_OFF_SEALED, "ticket nonce");
_Static_assert(EX_OFF_KEYS + 2 * EX_KEY_LEN == SG_TICKET_KEYS_EXPORT_LEN, "export layout");

static void new_key(struct sg_ticket_key *k, uint32_t id, uint64_t now)
{
	randombytes_buf(k->key, sizeof(k->key));
	k->id = id;
	k->born = now;
	k->valid = 1;
}

int sg_ticket_ring_init(struct sg_ticket_ring *r, uint32_t rotate_s, uint32_t lifetime_s,
			uint64_t now)
{
	uint32_t id;

	if (!rotate_s)
		rotate_s = SG_TICKET_ROTATE_S;
	if (!lifetime_s)
		lifetime_s = SG_TICKET_LIFETIME_S;
	if ((uint64_t)lifetime_s > 2 * (uint64_t)rotate_s)
		return SG_E_INVAL;
	memset(r, 0, sizeof(*r));
	r->rotate_s = rotate_s;
	r->lifetime_s = lifetime_s;
	/* A random first id: two relays (or a relay that lost its keys) rarely agree. */
	randombytes_buf(&id, sizeof(id));
	new_key(&r->cur, id, now);
	return SG_OK;
}

void sg_ticket_ring_wipe(struct sg_ticket_ring *r)
{
	sodium_memzero(r, sizeof(*r));
}

void sg_ticket_rotate(struct sg_ticket_ring *r, uint64_t now)
{
	sodium_memzero(&r->prev, sizeof(r->prev));
	r->prev = r->cur;
	new_key(&r->cur, r->prev.id + 1, now);
}

/* A previous key is kept until it is 2 x rotate_s old, then wiped. */
static void drop_old_prev(struct sg_ticket_ring *r, uint64_t now)
{
	if (r->prev.valid && (now < r->prev.born || now - r->prev.born >= 2 * (uint64_t)r->rotate_s))
		sodium_memzero(&r->prev, sizeof(r->prev));
}

void sg_ticket_ring_tick(struct sg_ticket_ring *r, uint64_t now)
{
	if (!r->cur.valid || now < r->cur.born || now - r->cur.born >= r->rotate_s)
		sg_ticket_rotate(r, now);
	drop_old_prev(r, now);
}

uint32_t sg_ticket_seal(struct sg_ticket_ring *r, uint8_t out[SG_TICKET_LEN], uint64_t user_id,
			const uint8_t secret[SG_KEY_LEN], uint64_t now,
			const uint8_t *nonce_fixed)
{
	uint8_t plain[SG_TICKET_PLAIN_LEN];
	uint8_t *nonce = out + SG_TICKET_OFF_NONCE;
	uint64_t key_left;

	sg_put_le32(out + SG_TICKET_OFF_KEY_ID, r->cur.id);
	if (nonce_fixed)
		memcpy(nonce, nonce_fixed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	else
		randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	sg_put_le64(plain + TP_OFF_USER, user_id);
	sg_put_le64(plain + TP_OFF_ISSUED, now);
	memcpy(plain + TP_OFF_SECRET, secret, SG_KEY_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SG_TICKET_OFF_SEALED, NULL, plain,
						   sizeof(plain), out + SG_TICKET_OFF_KEY_ID, 4,
						   NULL, nonce, r->cur.key);
	sodium_memzero(plain, sizeof(plain));

	/* The key is wiped 2 x rotate_s after its birth; the ticket dies with it. */
	key_left = r->cur.born + 2 * (uint64_t)r->rotate_s - now;
	if (now < r->cur.born || key_left > r->lifetime_s)
		key_left = r->lifetime_s;
	return (uint32_t)key_left;
}

static const struct sg_ticket_key *key_of(const struct sg_ticket_ring *r, uint32_t id)
{
	if (r->cur.valid && r->cur.id == id)
		return &r->cur;
	if (r->prev.valid && r->prev.id == id)
		return &r->prev;
	return NULL;
}

int sg_ticket_open(const struct sg_ticket_ring *r, const uint8_t in[SG_TICKET_LEN], uint64_t now,
		   struct sg_ticket_plain *out)
{
	const struct sg_ticket_key *k = key_of(r, sg_le32(in + SG_TICKET_OFF_KEY_ID));
	uint8_t plain[SG_TICKET_PLAIN_LEN];
	uint64_t issued;

	if (!k)
		return SG_E_KEY;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    plain, NULL, NULL, in + SG_TICKET_OFF_SEALED, SG_TICKET_PLAIN_LEN + SG_TAG_LEN,
		    in + SG_TICKET_OFF_KEY_ID, 4, in + SG_TICKET_OFF_NONCE, k->key) != 0)
		return SG_E_KEY;
	issued = sg_le64(plain + TP_OFF_ISSUED);
	if (issued > now + SG_TICKET_CLOCK_SLACK_S ||
	    (now > issued && now - issued >= r->lifetime_s)) {
		sodium_memzero(plain, sizeof(plain));
		return SG_E_EXPIRED;
	}
	out->user_id = sg_le64(plain + TP_OFF_USER);
	out->issued = issued;
	memcpy(out->secret, plain + TP_OFF_SECRET, SG_KEY_LEN);
	sodium_memzero(plain, sizeof(plain));
	return SG_OK;
}

static void export_key(uint8_t *out, const struct sg_ticket_key *k)
{
	sg_put_le32(out, k->id);
	sg_put_le32(out + 4, k->valid ? EX_FLAG_VALID : 0);
	sg_put_le64(out + 8, k->born);
	memcpy(out + 16, k->key, SG_KEY_LEN);
}

void sg_ticket_keys_export(const struct sg_ticket_ring *r,
			   uint8_t out[SG_TICKET_KEYS_EXPORT_LEN])
{
	memset(out, 0, SG_TICKET_KEYS_EXPORT_LEN);
	sg_put_le32(out + EX_OFF_FORMAT, SG_TICKET_KEYS_FORMAT);
	export_key(out + EX_OFF_KEYS, &r->cur);
	if (r->prev.valid)
		export_key(out + EX_OFF_KEYS + EX_KEY_LEN, &r->prev);
}

/* SG_OK with *k filled (valid or not), or SG_E_KEY. */
static int import_key(struct sg_ticket_key *k, const uint8_t *in)
{
	uint32_t flags = sg_le32(in + 4);

	if (flags & ~(uint32_t)EX_FLAG_VALID)
		return SG_E_KEY;
	memset(k, 0, sizeof(*k));
	if (!flags)
		return sg_all_zero(in, EX_KEY_LEN) ? SG_OK : SG_E_KEY;
	k->id = sg_le32(in);
	k->born = sg_le64(in + 8);
	memcpy(k->key, in + 16, SG_KEY_LEN);
	k->valid = 1;
	return SG_OK;
}

int sg_ticket_keys_import(struct sg_ticket_ring *r, const uint8_t in[SG_TICKET_KEYS_EXPORT_LEN],
			  uint64_t now)
{
	struct sg_ticket_key cur, prev;
	int rc;

	if (sg_le32(in + EX_OFF_FORMAT) != SG_TICKET_KEYS_FORMAT ||
	    !sg_all_zero(in + 4, EX_OFF_KEYS - 4))
		return SG_E_VERSION;
	rc = import_key(&cur, in + EX_OFF_KEYS);
	if (rc == SG_OK)
		rc = import_key(&prev, in + EX_OFF_KEYS + EX_KEY_LEN);
	if (rc == SG_OK && (!cur.valid || (prev.valid && prev.id == cur.id)))
		rc = SG_E_KEY;
	if (rc == SG_OK) {
		sodium_memzero(&r->cur, sizeof(r->cur));
		sodium_memzero(&r->prev, sizeof(r->prev));
		r->cur = cur;
		r->prev = prev;
		sg_ticket_ring_tick(r, now);
	}
	sodium_memzero(&cur, sizeof(cur));
	sodium_memzero(&prev, sizeof(prev));
	return rc;
}
