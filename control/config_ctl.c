/* SPDX-License-Identifier: MIT */
/*
 * config_ctl.c - "config reload": read the configuration again (the file
 * and the command line's flags, through main.c's p->config_load, the same
 * path as at start) and apply what a running relay can take, under traffic:
 *
 *   handshake_rate, handshake_burst  the control plane's buckets at once, the
 *                                    workers' at their next handshake under
 *                                    load (struct sg_limits_pub, plane.h)
 *   cookie_backlog, keepalive,       read by the control plane only: the next
 *   mailbox_max_ttl                  round uses them
 *   mailbox_per_user, mailbox_total  the store's caps (sg_store_set_limits)
 *   log_level                        DPDK's global log level
 *   rules_file, rules_cache          the rules are compiled again (always: the
 *                                    file may have changed), on the compile
 *                                    thread; the reply waits for it
 *   key_file, key_grace              the key file is read again (always: it
 *                                    may have been rewritten in place); a key
 *                                    other than the current one is rotated in,
 *                                    the current one accepted key_grace s more
 *                                    (keys_ctl.c); a missing or bad key file
 *                                    refuses the whole reload
 *
 * Every other key that changed is named in the reply as needing a restart
 * and keeps its running value.  A file that does not parse, or a value out
 * of range, changes nothing and is answered with file:line (config.c).
 * No session is touched: nothing here is on the data path.
 */
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "config_ctl.h"
#include "keys_ctl.h"
#include "plane.h"
#include "store.h"

enum { DIFF_MAX = 64 };

/* The keys that changed, into b as "a, b, c" (reloadable or not, as asked). */
static void list_keys(struct sg_ctl_buf *b, const char *names[], const int reload[], unsigned n,
		      int want, int json)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (reload[i] != want)
			continue;
		if (json)
			sg_ctl_buf_printf(b, "%s\"%s\"", k ? ", " : "", names[i]);
		else
			sg_ctl_buf_printf(b, "%s%s", k ? ", " : "", names[i]);
		k++;
	}
	if (!k && !json)
		sg_ctl_buf_printf(b, "none");
}

/* The reloadable keys' values of nc into c. */
static void copy_reloadable(struct sg_config *c, const struct sg_config *nc)
{
	c->handshake_rate = nc->handshake_rate;
	c->handshake_burst = nc->handshake_burst;
	c->cookie_backlog = nc->cookie_backlog;
	c->keepalive_s = nc->keepalive_s;
	c->mailbox_max_ttl = nc->mailbox_max_ttl;
	c->mailbox_per_user = nc->mailbox_per_user;
	c->mailbox_total = nc->mailbox_total;
	c->log_level = nc->log_level;
	memcpy(c->rules_file, nc->rules_file, sizeof(c->rules_file));
	memcpy(c->rules_cache, nc->rules_cache, sizeof(c->rules_cache));
	memcpy(c->key_file, nc->key_file, sizeof(c->key_file));
	c->key_grace_s = nc->key_grace_s;
}

/*
 * Take the reloadable values of nc into the running configuration (the key
 * file already staged: sg_plane_keys_stage).  1 when the relay key rotated.
 */
static int apply(struct sg_plane *p, const struct sg_config *nc)
{
	struct sg_config *c = p->cfg_live;
	int rotated;

	if (c->handshake_rate != nc->handshake_rate || c->handshake_burst != nc->handshake_burst) {
		sg_ratelimit_set(&p->ratelimit, nc->handshake_rate, nc->handshake_burst);
		p->limits.rate = nc->handshake_rate;
		p->limits.burst = nc->handshake_burst;
		__atomic_store_n(&p->limits.gen, p->limits.gen + 1, __ATOMIC_RELEASE);
	}
	if (p->store)
		sg_store_set_limits(p->store, nc->mailbox_per_user, nc->mailbox_total);
	if (nc->log_level && nc->log_level != c->log_level)
		rte_log_set_global_level(nc->log_level); /* 0: EAL's --log-level stays */
	rotated = sg_plane_keys_commit(p, nc->key_grace_s);
	copy_reloadable(c, nc);
	copy_reloadable(p->cfg_read, nc);
	sg_policy_job_set_cache(p->policy_job, c->rules_cache);
	return rotated;
}

/* A rotation in the report: the new public key, the old one's grace. */
static void report_key(struct sg_plane *p, struct sg_ctl_buf *r, unsigned grace_s, int json)
{
	char b64[SG_KEY_B64_LEN + 1];

	sg_key_to_base64(b64, p->key->pub);
	if (json)
		sg_ctl_buf_printf(r, ", \"key_rotated\": true, \"public_key\": \"%s\", "
				     "\"key_grace_s\": %u", b64, grace_s);
	else if (grace_s)
		sg_ctl_buf_printf(r, "relay key rotated: public key %s; the previous key is "
				     "accepted for %u s\n", b64, grace_s);
	else
		sg_ctl_buf_printf(r, "relay key rotated: public key %s; the previous key is "
				     "dropped (key_grace 0)\n", b64);
}

int sg_plane_config_reload(struct sg_plane *p, int answer, unsigned token, int json,
			   struct sg_ctl_buf *b)
{
	const char *names[DIFF_MAX];
	int reload[DIFF_MAX];
	struct sg_config nc;
	char err[512];
	unsigned n;
	int had_rules = p->cfg->rules_file[0] != 0, rotated;

	if (!p->config_load || !p->cfg_read) {
		sg_ctl_buf_printf(b, "config reload: this relay was started without a way to "
				     "read its configuration again");
		return SG_CTL_E_INTERNAL;
	}
	if (p->policy_job && sg_policy_job_busy(p->policy_job, NULL)) {
		sg_ctl_buf_printf(b, "config reload: a rules change is compiling; try again when "
				     "it has finished");
		return SG_CTL_E_BUSY;
	}
	if (p->config_load(p->config_load_arg, &nc, err, sizeof(err)) != 0) {
		sg_ctl_buf_printf(b, "config reload failed, nothing changed: %s", err);
		p->counters[SG_PC_CONFIG_FAILED]++;
		return SG_CTL_E_ARGS;
	}
	/* The key file before anything changes: a bad one refuses it all. */
	if (sg_plane_keys_stage(p, nc.key_file, err, sizeof(err)) < 0) {
		sg_ctl_buf_printf(b, "config reload failed, nothing changed: %s", err);
		p->counters[SG_PC_CONFIG_FAILED]++;
		return SG_CTL_E_ARGS;
	}
	n = sg_config_diff(p->cfg_read, &nc, names, reload, DIFF_MAX);
	rotated = apply(p, &nc);
	p->counters[SG_PC_CONFIG_RELOADS]++;

	/* The report: now, or before the rules' when they compile. */
	struct sg_ctl_buf r = { 0 };

	if (json) {
		sg_ctl_buf_printf(&r, "{\"applied\": [");
		list_keys(&r, names, reload, n, 1, 1);
		sg_ctl_buf_printf(&r, "], \"restart_needed\": [");
		list_keys(&r, names, reload, n, 0, 1);
		sg_ctl_buf_printf(&r, "]");
	} else {
		sg_ctl_buf_printf(&r, "config reloaded: changed and applied: ");
		list_keys(&r, names, reload, n, 1, 0);
		sg_ctl_buf_printf(&r, "\nchanged but kept until a restart: ");
		list_keys(&r, names, reload, n, 0, 0);
		sg_ctl_buf_printf(&r, "\n");
	}
	if (rotated)
		report_key(p, &r, nc.key_grace_s, json);
	if (r.oom) {
		sg_ctl_buf_free(&r);
		b->oom = 1;
		return SG_CTL_E_INTERNAL;
	}
	if (p->cfg->rules_file[0]) {
		/* The rules too; their compile answers (policy_ctl.c: report). */
		snprintf(p->policy_prefix, sizeof(p->policy_prefix), "%.*s%s", (int)r.len, r.data,
			 json ? ", \"rules\": " : "");
		sg_ctl_buf_free(&r);
		if (sg_plane_policy_start(p, SG_POLICY_JOB_LOAD, NULL, 0, answer, token, json, err,
					  sizeof(err)) != 0) {
			p->policy_prefix[0] = '\0';
			sg_ctl_buf_printf(b, "config reloaded, but the rules could not be: %s", err);
			return SG_CTL_E_BUSY;
		}
		return answer ? SG_CTL_DEFER : SG_CTL_OK;
	}
	if (had_rules)
		sg_plane_policy_clear(p); /* rules_file emptied: nothing is scanned now */
	sg_ctl_buf_printf(b, "%.*s%s", (int)r.len, r.data, json ? "}\n" : "");
	sg_ctl_buf_free(&r);
	return SG_CTL_OK;
}

int sg_plane_config_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	int json = r->argc == 3 && strcmp(r->argv[2], "json") == 0;

	if (r->argc >= 2 && strcmp(r->argv[1], "reload") == 0 && (r->argc == 2 || json))
		return sg_plane_config_reload(p, 1, r->token, json, b);
	sg_ctl_buf_printf(b, "usage: config reload [json]");
	return SG_CTL_E_ARGS;
}
