/* SPDX-License-Identifier: MIT */
/*
 * registry.h - registered users: identity public key <-> user id, the
 * newest handshake timestamp accepted for each, and when they signed up.
 *
 * In memory, owned by the control plane alone (single thread, no locks);
 * the durable copy is the store's (control/store.h), loaded at start with
 * sg_registry_restore.  Bounded: at most
 * max_users; a full registry refuses sign-ups (and says so) but keeps
 * serving known users.  Pure C, no DPDK.  User ids are assigned from 1 up.
 */
#ifndef SG_CONTROL_REGISTRY_H
#define SG_CONTROL_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

struct sg_user {
	uint64_t id;
	uint8_t pub[SG_KEY_LEN];
	uint8_t last_ts[SG_TAI64N_LEN]; /* newest initiation timestamp accepted (0 = none) */
	uint64_t created;               /* caller's clock (unix seconds) at sign-up */
	uint64_t last_seen;
};

struct sg_registry;

/*
 * NULL when max_users is 0 or above 2^30, or memory is short.  Returned
 * struct sg_user pointers stay valid until sg_registry_free().
 */
struct sg_registry *sg_registry_new(uint32_t max_users);
void sg_registry_free(struct sg_registry *r);

/*
 * The user with identity pub, registering it when unknown (*created = 1).
 * NULL when unknown and the registry is full.
 */
struct sg_user *sg_registry_get_or_add(struct sg_registry *r, const uint8_t pub[SG_KEY_LEN],
				       uint64_t now, int *created);

struct sg_user *sg_registry_by_key(const struct sg_registry *r, const uint8_t pub[SG_KEY_LEN]);
struct sg_user *sg_registry_by_id(const struct sg_registry *r, uint64_t id);
/* The largest id handed out so far (ids 1..count; holes included). */
uint64_t sg_registry_count(const struct sg_registry *r);

/*
 * Start-up: add a user read from the store, with its id and fields as
 * stored.  Ids must come in ascending order; ids skipped in between become
 * holes (by_id gives NULL; never reused).  SG_OK, or SG_E_INVAL (id not above
 * the last, beyond max_users, or its key already registered).
 */
int sg_registry_restore(struct sg_registry *r, const struct sg_user *u);
/* Bytes the registry reserved for its max_users (its table and records). */
uint64_t sg_registry_bytes(const struct sg_registry *r);
/* max_users as configured. */
uint32_t sg_registry_capacity(const struct sg_registry *r);

/*
 * Replay check of an initiation: SG_OK and remember ts when it is strictly
 * newer than the last accepted one; SG_E_TIMESTAMP otherwise (unchanged).
 */
int sg_registry_accept_timestamp(struct sg_user *u, const uint8_t ts[SG_TAI64N_LEN]);

#endif /* SG_CONTROL_REGISTRY_H */
