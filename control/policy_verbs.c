/* SPDX-License-Identifier: MIT */
/*
 * policy_verbs.c - the content policy on the operator socket: the
 * "rules ..." requests and the policy's part of a stats reply.  The one
 * control-plane API for the policy (plane.h: sg_plane_policy_*) is behind
 * them; surgectl only sends these lines.
 *
 *   rules list [json]                          every rule with its hits
 *   rules reload [json]                        compile rules_file again
 *   rules add [json] ID ACTION FLAGS PATTERN   one rule more (a rules line)
 *   rules remove [json] ID                     one rule less
 *
 * reload, add and remove compile on the compile thread: the request is
 * answered (sg_ctl_server_reply) when the new set is in force or has been
 * refused, and the set in force stays on any error.  One change at a time:
 * another one meanwhile gets ERR 4 (busy).  add and remove change the set in
 * force, not the file: the next reload from the file replaces them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plane.h"
#include "policy/policy.h"

/* "FLAGS PATTERN" of r, as a rules line writes them. */
static const char *flags_and_pattern(const struct sg_rule *r, char *buf, size_t cap)
{
	const char *p = buf;

	sg_rules_format(r, buf, cap);
	for (int w = 0; w < 2 && (p = strchr(p, ' ')) != NULL; w++)
		p++;
	return p ? p : "";
}

static void list(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	const struct sg_policy_set *set = p->policy_set;
	const struct sg_rules *rs = set ? sg_policy_rules(set->policy) : NULL;
	struct sg_policy_totals t;
	uint64_t *hits = sg_plane_policy_count(p, &t);
	char line[SG_RULES_LINE_MAX + 1];

	if (!hits) {
		b->oom = 1;
		return;
	}
	if (json) {
		sg_ctl_buf_printf(b, "{\"generation\": %llu, \"file\": ",
				  (unsigned long long)(set ? set->generation : 0));
		sg_ctl_buf_json_str(b, p->cfg->rules_file, strlen(p->cfg->rules_file));
		sg_ctl_buf_printf(b, ", \"changes\": %u, \"rules\": [", set ? set->changes : 0);
	} else if (!set) {
		sg_ctl_buf_printf(b, "no rules in force (no rules_file; rules add starts a set)\n");
	} else {
		sg_ctl_buf_printf(b, "%u rules in force, generation %llu, from %s%s", rs->n,
				  (unsigned long long)set->generation,
				  p->cfg->rules_file[0] ? p->cfg->rules_file : "the socket",
				  set->changes ? "" : "\n");
		if (set->changes)
			sg_ctl_buf_printf(b, " and %u change%s over the socket\n", set->changes,
					  set->changes == 1 ? "" : "s");
		sg_ctl_buf_printf(b, "%10s  %-6s  %12s  %-6s  %s\n", "ID", "ACTION", "HITS",
				  "LINE", "FLAGS PATTERN");
	}
	for (unsigned i = 0; rs && i < rs->n && !b->oom; i++) {
		const struct sg_rule *r = &rs->v[i];
		const char *fp = flags_and_pattern(r, line, sizeof(line));

		if (json) {
			sg_ctl_buf_printf(b, "%s{\"id\": %u, \"action\": \"%s\", \"flags\": \"%.*s\", "
					     "\"hits\": %llu, \"line\": ",
					  i ? ", " : "", r->id, sg_rules_action_name(r->action),
					  (int)strcspn(fp, " "), fp, (unsigned long long)hits[i]);
			if (r->line)
				sg_ctl_buf_printf(b, "%u", r->line);
			else
				sg_ctl_buf_printf(b, "null");
			sg_ctl_buf_printf(b, ", \"pattern\": ");
			sg_ctl_buf_json_str(b, r->pattern, strlen(r->pattern));
			sg_ctl_buf_printf(b, "}");
		} else {
			char src[16] = "added";

			if (r->line)
				snprintf(src, sizeof(src), "%u", r->line);
			sg_ctl_buf_printf(b, "%10u  %-6s  %12llu  %-6s  %s\n", r->id,
					  sg_rules_action_name(r->action), (unsigned long long)hits[i],
					  src, fp);
		}
	}
	if (json)
		sg_ctl_buf_printf(b, "]}\n");
	free(hits);
}

void sg_plane_policy_stats(const struct sg_plane *p, struct sg_ctl_buf *b, int json)
{
	const struct sg_policy_set *set = p->policy_set;
	const struct sg_rules *rs = set ? sg_policy_rules(set->policy) : NULL;
	struct sg_policy_totals t;
	uint64_t *hits;
	int busy = sg_policy_job_busy(p->policy_job, NULL);

	if (!set) {
		if (json)
			sg_ctl_buf_printf(b, ", \"policy\": null");
		else
			sg_ctl_buf_printf(b, "policy: none\n");
		return;
	}
	hits = sg_plane_policy_count(p, &t);
	if (!hits) {
		b->oom = 1;
		return;
	}
	if (json) {
		sg_ctl_buf_printf(b, ", \"policy\": {\"rules\": %u, \"generation\": %llu, "
				     "\"changes\": %u, \"compiling\": %s, \"from_cache\": %s, "
				     "\"scanned\": %llu, "
				     "\"bytes\": %llu, \"no_match\": %llu, \"count\": %llu, "
				     "\"flag\": %llu, \"drop\": %llu, \"errors\": %llu, \"hits\": {",
				  rs->n, (unsigned long long)set->generation, set->changes,
				  busy ? "true" : "false", set->from_cache ? "true" : "false",
				  (unsigned long long)t.scanned, (unsigned long long)t.bytes,
				  (unsigned long long)t.verdicts[SG_RULE_NONE],
				  (unsigned long long)t.verdicts[SG_RULE_COUNT],
				  (unsigned long long)t.verdicts[SG_RULE_FLAG],
				  (unsigned long long)t.verdicts[SG_RULE_DROP],
				  (unsigned long long)t.errors);
		for (unsigned r = 0; r < rs->n; r++)
			sg_ctl_buf_printf(b, "%s\"%u\": %llu", r ? ", " : "", rs->v[r].id,
					  (unsigned long long)hits[r]);
		sg_ctl_buf_printf(b, "}}");
	} else {
		sg_ctl_buf_printf(b, "policy: %u rules (generation %llu%s), %llu scanned, "
				     "%llu dropped, %llu flagged, %llu counted, %llu errors\n",
				  rs->n, (unsigned long long)set->generation,
				  busy ? ", a change compiling" : "", (unsigned long long)t.scanned,
				  (unsigned long long)t.verdicts[SG_RULE_DROP],
				  (unsigned long long)t.verdicts[SG_RULE_FLAG],
				  (unsigned long long)t.verdicts[SG_RULE_COUNT],
				  (unsigned long long)t.errors);
	}
	free(hits);
}

/* Start a change; SG_CTL_DEFER, or an error code with the reason in b. */
static int start(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b,
		 enum sg_policy_job_kind kind, const char *text, uint32_t id, int json)
{
	char err[512];
	double secs = 0;

	if (sg_plane_policy_start(p, kind, text, id, 1, r->token, json, err, sizeof(err)) == 0)
		return SG_CTL_DEFER;
	if (sg_policy_job_busy(p->policy_job, &secs)) {
		sg_ctl_buf_printf(b, "another rules change has been compiling for %.1f s; "
				     "try again when it has finished", secs);
		return SG_CTL_E_BUSY;
	}
	sg_ctl_buf_printf(b, "%s", err);
	return strstr(err, "too fast") ? SG_CTL_E_BUSY : SG_CTL_E_ARGS;
}

int sg_plane_policy_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b)
{
	const char *sub = r->argc > 1 ? r->argv[1] : "";
	int json = r->argc > 2 && strcmp(r->argv[2], "json") == 0;
	int a = 2 + json; /* the first argument after the sub-verb */
	const struct sg_policy_set *set = p->policy_set;
	uint32_t id;

	if (!strcmp(sub, "list") && r->argc == a) {
		list(p, b, json);
		return SG_CTL_OK;
	}
	if (!strcmp(sub, "reload") && r->argc == a)
		return start(p, r, b, SG_POLICY_JOB_LOAD, NULL, 0, json);
	if (!strcmp(sub, "remove") && r->argc == a + 1) {
		id = (uint32_t)sg_ctl_number(r->argv[a], UINT32_MAX);
		if (!id) {
			sg_ctl_buf_printf(b, "rules remove: '%s' is not a rule id (1..4294967295)",
					  r->argv[a]);
			return SG_CTL_E_ARGS;
		}
		if (!set || sg_rules_find(sg_policy_rules(set->policy), id) < 0) {
			sg_ctl_buf_printf(b, "rules remove: no rule %u in force (rules list shows "
					     "them)", id);
			return SG_CTL_E_NOTFOUND;
		}
		return start(p, r, b, SG_POLICY_JOB_REMOVE, NULL, id, json);
	}
	if (!strcmp(sub, "add") && r->argc >= a + 4) {
		char line[SG_CTL_LINE_MAX + 1];
		size_t n = 0;

		id = (uint32_t)sg_ctl_number(r->argv[a], UINT32_MAX);
		if (!id) {
			sg_ctl_buf_printf(b, "rules add: '%s' is not a rule id (1..4294967295)",
					  r->argv[a]);
			return SG_CTL_E_ARGS;
		}
		if (set && sg_rules_find(sg_policy_rules(set->policy), id) >= 0) {
			sg_ctl_buf_printf(b, "rules add: rule %u is already in force; rules remove "
					     "%u first", id, id);
			return SG_CTL_E_ARGS;
		}
		/* The words were split at single spaces: joined, they are the line sent. */
		for (int i = a; i < r->argc; i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i > a ? " " : "",
					      r->argv[i]);
		return start(p, r, b, SG_POLICY_JOB_ADD, line, id, json);
	}
	sg_ctl_buf_printf(b, "usage: rules list | rules reload | rules add ID ACTION FLAGS "
			     "PATTERN | rules remove ID (json after the sub-command)");
	return SG_CTL_E_ARGS;
}
