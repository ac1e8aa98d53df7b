/* SPDX-License-Identifier: MIT */
/*
 * users_ctl.c - registered users on the operator socket (the requests are
 * in sessions_ctl.h): how many and how many may be, and one user by id or
 * by identity public key with what the relay knows of them.
 *
 * Invariants:
 * - Each answer is O(1): a registry lookup (by id, or the key's hash), the
 *   user map for the online session, the store's in-memory mailbox depth.
 * - "registered" is the highest id handed out (sg_registry_count): ids are
 *   dense from 1, and an id skipped by a restored store stays a hole, which
 *   "users show" answers as not found.
 * - A key is the base64 text surge-chat --genkey prints (crypto/keys.h),
 *   never a key file's content (that is the private key).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/keys.h"
#include "plane.h"
#include "proto/status.h"
#include "registry.h"
#include "sessions_ctl.h"
#include "store.h"

/* "2026-11-25 04:20:01 UTC" */
static const char *utc(uint64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, cap, "never");
	return buf;
}

static void count(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	unsigned long long n = (unsigned long long)sg_registry_count(p->registry);
	unsigned cap = sg_registry_capacity(p->registry);

	if (json)
		sg_ctl_buf_printf(b, "{\"registered\": %llu, \"capacity\": %u, \"online\": %u, "
				     "\"durable\": %s}\n",
				  n, cap, p->sessions->live, p->store ? "true" : "false");
	else
		sg_ctl_buf_printf(b, "%llu users registered (highest id) of %u (max_users), %u online"
				     "%s\n",
				  n, cap, p->sessions->live,
				  p->store ? "" : "; no store: they are forgotten at a restart");
}

static void show(struct sg_plane *p, const struct sg_user *u, struct sg_ctl_buf *b, int json)
{
	uint64_t now = (uint64_t)time(NULL);
	uint32_t index = sg_session_of_user(p->sessions, u->id);
	char key[SG_KEY_B64_LEN + 1], c[32], l[32];

	sg_key_to_base64(key, u->pub);
	if (json) {
		sg_ctl_buf_printf(b, "{\"id\": %llu, \"key\": \"%s\", \"created\": %llu, "
				     "\"last_seen\": %llu, \"session\": ",
				  (unsigned long long)u->id, key, (unsigned long long)u->created,
				  (unsigned long long)u->last_seen);
		if (index)
			sg_ctl_buf_printf(b, "%u", index);
		else
			sg_ctl_buf_printf(b, "null");
		if (p->store)
			sg_ctl_buf_printf(b, ", \"mailbox\": %u}\n",
					  sg_store_mbox_depth(p->store, u->id));
		else
			sg_ctl_buf_printf(b, ", \"mailbox\": null}\n");
		return;
	}
	sg_ctl_buf_printf(b, "user %llu\n"
			     "  key        %s\n"
			     "  created    %s (%llu s ago)\n"
			     "  last seen  %s (%llu s ago; a handshake or resumption)\n",
			  (unsigned long long)u->id, key, utc(u->created, c, sizeof(c)),
			  (unsigned long long)(now > u->created ? now - u->created : 0),
			  utc(u->last_seen, l, sizeof(l)),
			  (unsigned long long)(now > u->last_seen ? now - u->last_seen : 0));
	if (index)
		sg_ctl_buf_printf(b, "  online     session %u (surgectl sessions show %u)\n", index,
				  index);
	else
		sg_ctl_buf_printf(b, "  online     no\n");
	if (p->store)
		sg_ctl_buf_printf(b, "  mailbox    %u messages\n", sg_store_mbox_depth(p->store, u->id));
	else
		sg_ctl_buf_printf(b, "  mailbox    none (no store)\n");
}

int sg_plane_users_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	const char *sub = r->argc > 1 ? r->argv[1] : "count";
	int json = r->argc > 2 && strcmp(r->argv[2], "json") == 0;
	int a = 2 + json;
	const struct sg_user *u;
	uint8_t pub[SG_KEY_LEN];
	uint64_t id;

	if (!strcmp(sub, "count") && r->argc == a) {
		count(p, b, json);
		return SG_CTL_OK;
	}
	if (!strcmp(sub, "show") && r->argc == a + 1) {
		id = sg_ctl_number(r->argv[a], UINT64_MAX);
		if (!id) {
			sg_ctl_buf_printf(b, "users show: '%s' is not a user id (1, 2, ...)", r->argv[a]);
			return SG_CTL_E_ARGS;
		}
		u = sg_registry_by_id(p->registry, id);
		if (!u) {
			sg_ctl_buf_printf(b, "users show: no user %llu (%llu registered; surgectl users "
					     "lookup KEY finds one by key)", (unsigned long long)id,
					  (unsigned long long)sg_registry_count(p->registry));
			return SG_CTL_E_NOTFOUND;
		}
		show(p, u, b, json);
		return SG_CTL_OK;
	}
	if (!strcmp(sub, "lookup") && r->argc == a + 1) {
		if (sg_key_from_base64(pub, r->argv[a]) != SG_OK) {
			sg_ctl_buf_printf(b, "users lookup: '%s' is not a public key (44 base64 "
					     "characters, as surge-chat --genkey prints it)", r->argv[a]);
			return SG_CTL_E_ARGS;
		}
		u = sg_registry_by_key(p->registry, pub);
		if (!u) {
			sg_ctl_buf_printf(b, "users lookup: no user has key %s (never signed up here, "
					     "or signed up before the store was restored)", r->argv[a]);
			return SG_CTL_E_NOTFOUND;
		}
		show(p, u, b, json);
		return SG_CTL_OK;
	}
	sg_ctl_buf_printf(b, "usage: users count | users show ID | users lookup KEY (json after "
			     "the sub-command)");
	return SG_CTL_E_ARGS;
}
