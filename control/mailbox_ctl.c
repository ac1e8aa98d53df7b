/* SPDX-License-Identifier: MIT */
/*
 * mailbox_ctl.c - the mailboxes on the operator socket (the requests are in
 * sessions_ctl.h): totals, one user's mailbox, and expiry on demand.  What
 * stores, delivers and expires mail in normal operation is mbox_ctl.c.
 *
 * Invariants:
 * - The store keeps when a message expires, not when it came: the spans
 *   answered are expiry times (the soonest is the message closest to being
 *   lost), from the expiry index's two ends (all mailboxes: O(log n)) or
 *   one mailbox's record headers (at most SPAN_MAX, nothing decrypted).
 * - purge-expired deletes what the once-a-second pass would (at most
 *   PURGE_MAX a request, counted in mailbox_expired like it) and commits
 *   before it answers, so the count it gives is durable.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plane.h"
#include "registry.h"
#include "sessions_ctl.h"
#include "store.h"

enum {
	SPAN_MAX = 65536,    /* record headers read for one mailbox's span */
	PURGE_MAX = 10000,   /* messages deleted by one purge-expired (tens of ms) */
};

static int no_store(struct sg_ctl_buf *b, const char *sub)
{
	sg_ctl_buf_printf(b, "mailbox %s: this relay has no store (store_dir), so no mailboxes: "
			     "messages to offline users are refused", sub);
	return SG_CTL_E_NOTFOUND;
}

/* "in 35 s" or "35 s ago" into buf. */
static const char *when(uint64_t t, uint64_t now, char *buf, size_t cap)
{
	if (t >= now)
		snprintf(buf, cap, "in %llu s", (unsigned long long)(t - now));
	else
		snprintf(buf, cap, "%llu s ago", (unsigned long long)(now - t));
	return buf;
}

static int totals(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	uint64_t now = (uint64_t)time(NULL), first = 0, last = 0;
	unsigned long long n = 0, users = 0;
	char err[256], w1[32], w2[32];
	int rc = 0;

	if (p->store) {
		n = sg_store_mbox_total(p->store);
		users = sg_store_mbox_users(p->store);
		rc = sg_store_mbox_span(p->store, 0, 1, &first, &last, err, sizeof(err));
		if (rc < 0) {
			sg_ctl_buf_printf(b, "mailbox: %s", err);
			return SG_CTL_E_INTERNAL;
		}
	}
	if (json) {
		sg_ctl_buf_printf(b, "{\"durable\": %s, \"messages\": %llu, \"users_with_mail\": %llu, "
				     "\"capacity\": %llu, \"per_user\": %u, \"first_expiry\": %llu, "
				     "\"last_expiry\": %llu}\n",
				  p->store ? "true" : "false", n, users,
				  (unsigned long long)p->cfg->mailbox_total, p->cfg->mailbox_per_user,
				  (unsigned long long)first, (unsigned long long)last);
		return SG_CTL_OK;
	}
	if (!p->store) {
		sg_ctl_buf_printf(b, "no store (store_dir): no mailboxes; messages to offline users "
				     "are refused\n");
		return SG_CTL_OK;
	}
	sg_ctl_buf_printf(b, "%llu messages for %llu users (at most %llu, %u a user)\n", n, users,
			  (unsigned long long)p->cfg->mailbox_total, p->cfg->mailbox_per_user);
	if (rc > 0)
		sg_ctl_buf_printf(b, "first expiry %s, last expiry %s\n", when(first, now, w1, 32),
				  when(last, now, w2, 32));
	return SG_CTL_OK;
}

static int show(struct sg_plane *p, const char *arg, struct sg_ctl_buf *b, int json)
{
	uint64_t user = sg_ctl_number(arg, UINT64_MAX), now = (uint64_t)time(NULL);
	uint64_t first, last;
	char err[256], w1[32], w2[32];
	uint32_t depth;
	int rc;

	if (!user) {
		sg_ctl_buf_printf(b, "mailbox show: '%s' is not a user id (1, 2, ...)", arg);
		return SG_CTL_E_ARGS;
	}
	if (!sg_registry_by_id(p->registry, user)) {
		sg_ctl_buf_printf(b, "mailbox show: no user %llu (%llu registered; surgectl users "
				     "lookup KEY gives a user's id)", (unsigned long long)user,
				  (unsigned long long)sg_registry_count(p->registry));
		return SG_CTL_E_NOTFOUND;
	}
	depth = sg_store_mbox_depth(p->store, user);
	rc = sg_store_mbox_span(p->store, user, SPAN_MAX, &first, &last, err, sizeof(err));
	if (rc < 0) {
		sg_ctl_buf_printf(b, "mailbox show: %s", err);
		return SG_CTL_E_INTERNAL;
	}
	if (json) {
		sg_ctl_buf_printf(b, "{\"user\": %llu, \"messages\": %u, \"first_expiry\": %llu, "
				     "\"last_expiry\": %llu}\n",
				  (unsigned long long)user, depth, (unsigned long long)first,
				  (unsigned long long)last);
		return SG_CTL_OK;
	}
	sg_ctl_buf_printf(b, "user %llu: %u messages (at most %u)\n", (unsigned long long)user,
			  depth, p->cfg->mailbox_per_user);
	if (rc > 0)
		sg_ctl_buf_printf(b, "first expiry %s, last expiry %s\n", when(first, now, w1, 32),
				  when(last, now, w2, 32));
	return SG_CTL_OK;
}

static int purge(struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	char err[256];
	int n = sg_store_mbox_expire(p->store, (uint64_t)time(NULL), PURGE_MAX, NULL, NULL, err,
				     sizeof(err));

	if (n < 0) {
		sg_plane_store_failed(p, err);
		sg_ctl_buf_printf(b, "mailbox purge-expired: %s (surgectl stats: last error)", err);
		return SG_CTL_E_INTERNAL;
	}
	p->counters[SG_PC_MBOX_EXPIRED] += (unsigned)n;
	if (sg_plane_commit(p) < 0) {
		sg_ctl_buf_printf(b, "mailbox purge-expired: the commit failed, nothing was deleted: "
				     "%s", p->store_error);
		return SG_CTL_E_INTERNAL;
	}
	if (json)
		sg_ctl_buf_printf(b, "{\"deleted\": %d, \"more\": %s, \"messages\": %llu}\n", n,
				  n == PURGE_MAX ? "true" : "false",
				  (unsigned long long)sg_store_mbox_total(p->store));
	else
		sg_ctl_buf_printf(b, "%d expired messages deleted, %llu held%s\n", n,
				  (unsigned long long)sg_store_mbox_total(p->store),
				  n == PURGE_MAX ? "; more may have expired: run it again" : "");
	return SG_CTL_OK;
}

int sg_plane_mailbox_ctl(struct sg_plane *p, const struct sg_ctl_request *r,
			 struct sg_ctl_buf *b)
{
	const char *sub = r->argc > 1 ? r->argv[1] : "totals";
	int json = r->argc > 2 && strcmp(r->argv[2], "json") == 0;
	int a = 2 + json;

	if (!strcmp(sub, "totals") && r->argc == a)
		return totals(p, b, json);
	if (!strcmp(sub, "show") && r->argc == a + 1)
		return p->store ? show(p, r->argv[a], b, json) : no_store(b, sub);
	if (!strcmp(sub, "purge-expired") && r->argc == a)
		return p->store ? purge(p, b, json) : no_store(b, sub);
	sg_ctl_buf_printf(b, "usage: mailbox totals | mailbox show USER | mailbox purge-expired "
			     "(json after the sub-command)");
	return SG_CTL_E_ARGS;
}
