/* SPDX-License-Identifier: MIT */
/*
 * relay_stats.c - `stats json` from the relay, read into numbers (see
 * relay_stats.h).  The reader finds a member by name inside the byte range
 * of one object (braces matched, strings skipped), so a name that appears in
 * several objects ("replay" under each worker and under "total") is always
 * taken from the object asked about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl.h"
#include "relay_stats.h"

struct span {
	const char *p, *end; /* [p, end): one object or array, brackets included */
};

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* End (one past the closing bracket) of the object or array at p, or NULL. */
static const char *match(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				;
			if (p == end)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

/* The value of member `name` at the top level of object o, or NULL. */
static const char *member(struct span o, const char *name)
{
	size_t n = strlen(name);
	const char *p = o.p + 1; /* after '{' */

	while (p < o.end) {
		const char *k, *v;

		p = skip_ws(p, o.end);
		if (p >= o.end || *p != '"')
			return NULL;
		k = p + 1;
		for (p = k; p < o.end && *p != '"'; p++)
			;
		if (p >= o.end)
			return NULL;
		v = skip_ws(p + 1, o.end);
		if (v >= o.end || *v != ':')
			return NULL;
		v = skip_ws(v + 1, o.end);
		if ((size_t)(p - k) == n && memcmp(k, name, n) == 0)
			return v;
		/* skip the value */
		if (*v == '{' || *v == '[') {
			p = match(v, o.end);
			if (!p)
				return NULL;
		} else if (*v == '"') {
			for (p = v + 1; p < o.end && *p != '"'; p++)
				;
			p++;
		} else {
			for (p = v; p < o.end && *p != ',' && *p != '}'; p++)
				;
		}
		p = skip_ws(p, o.end);
		if (p < o.end && *p == ',')
			p++;
	}
	return NULL;
}

static int sub(struct span o, const char *name, char open, struct span *out)
{
	const char *v = member(o, name);

	if (!v || *v != open)
		return -1;
	out->p = v;
	out->end = match(v, o.end);
	return out->end ? 0 : -1;
}

static int num(struct span o, const char *name, uint64_t *out)
{
	const char *v = member(o, name);
	char *e;

	if (!v || *v < '0' || *v > '9')
		return -1;
	*out = strtoull(v, &e, 10);
	return e > v && e <= o.end ? 0 : -1;
}

/* Sum of every member of a flat object of numbers. */
static int sum(struct span o, uint64_t *out)
{
	const char *p = o.p + 1;

	*out = 0;
	for (;;) {
		char *e;

		p = skip_ws(p, o.end);
		if (p < o.end && *p == '}')
			return 0;
		if (p >= o.end || *p != '"')
			return -1;
		for (p++; p < o.end && *p != '"'; p++)
			;
		p = skip_ws(p + 1, o.end);
		if (p >= o.end || *p != ':')
			return -1;
		p = skip_ws(p + 1, o.end);
		if (p >= o.end || *p < '0' || *p > '9')
			return -1;
		*out += strtoull(p, &e, 10);
		p = skip_ws(e, o.end);
		if (p < o.end && *p == ',')
			p++;
	}
}

static int worker(struct span o, struct sg_test_worker_stats *w)
{
	struct span d;

	if (num(o, "rx_frames", &w->rx_frames) || num(o, "tx_frames", &w->tx_frames) ||
	    num(o, "forwarded", &w->forwarded) || num(o, "to_control", &w->to_control) ||
	    num(o, "arp", &w->arp) || sub(o, "drops", '{', &d) || sum(d, &w->drops) ||
	    num(d, "replay", &w->replay) || num(d, "tag", &w->tag) ||
	    num(d, "unknown_session", &w->unknown_session))
		return -1;
	return 0;
}

int sg_test_stats_parse(const char *json, struct sg_test_stats *s, char *err, size_t errlen)
{
	struct span all, ctl, tot, ws;
	const char *p;

	memset(s, 0, sizeof(*s));
	all.p = skip_ws(json, json + strlen(json));
	all.end = *all.p == '{' ? match(all.p, json + strlen(json)) : NULL;
	if (!all.end || sub(all, "control", '{', &ctl) || num(ctl, "handshakes", &s->handshakes) ||
	    num(ctl, "signups", &s->signups)) {
		snprintf(err, errlen, "stats json: no \"control\" counters");
		return -1;
	}
	if (sub(all, "total", '{', &tot) || worker(tot, &s->total)) {
		snprintf(err, errlen, "stats json: no \"total\" counters");
		return -1;
	}
	if (sub(all, "workers", '[', &ws)) {
		snprintf(err, errlen, "stats json: no \"workers\" array");
		return -1;
	}
	for (p = skip_ws(ws.p + 1, ws.end); p < ws.end && *p == '{';) {
		struct span o = { p, match(p, ws.end) };
		uint64_t id;

		if (!o.end || num(o, "id", &id) || id >= SG_TEST_MAX_WORKERS ||
		    worker(o, &s->w[id])) {
			snprintf(err, errlen, "stats json: malformed worker entry");
			return -1;
		}
		if (id + 1 > s->n_workers)
			s->n_workers = (unsigned)id + 1;
		p = skip_ws(o.end, ws.end);
		if (p < ws.end && *p == ',')
			p = skip_ws(p + 1, ws.end);
	}
	return 0;
}

int sg_test_stats_read(const char *socket, int timeout_ms, struct sg_test_stats *s, char *err,
		       size_t errlen)
{
	char *body = NULL;
	int rc = sg_ctl_call(socket, "stats json", timeout_ms, &body, NULL, err, errlen);

	if (rc != SG_CTL_OK) {
		if (rc > 0) /* the relay answered an error; err holds its message */
			snprintf(err + strlen(err), errlen - strlen(err), " (code %d)", rc);
		free(body);
		return -1;
	}
	rc = sg_test_stats_parse(body, s, err, errlen);
	free(body);
	return rc;
}
