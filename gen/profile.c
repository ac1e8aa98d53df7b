/* SPDX-License-Identifier: MIT */
/*
 * profile.c - the sign-up and log-in schedule of profile.h.  Counts are
 * floors of the exact cumulative curves, so the offered stream has no
 * rounding drift over a long run.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int sg_gen_profile_parse_duration(const char *s, double *secs)
{
	char *e;
	double v, unit = 1;

	errno = 0;
	v = strtod(s, &e);
	if (errno || e == s || !(v > 0) || v > 1e9)
		return -1;
	if (*e) {
		switch (*e) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		if (e[1])
			return -1;
	}
	*secs = v * unit;
	return 0;
}

static int parse_u64(const char *s, const char *end, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *e;
	unsigned long long v;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || e != end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int sg_gen_profile_parse_surge(const char *s, uint64_t *n, double *secs)
{
	const char *slash = strchr(s, '/');

	if (!slash || parse_u64(s, slash, 1, UINT32_MAX, n) != 0)
		return -1;
	return sg_gen_profile_parse_duration(slash + 1, secs);
}

static int parse_secs0(const char *s, const char *end, double *out)
{
	char buf[32], *e;
	size_t len = (size_t)(end - s);
	double v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &e);
	if (errno || *e || e == buf || !(v >= 0) || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

int sg_gen_profile_parse_storm(const char *s, struct sg_gen_storm *st)
{
	const char *at = strchr(s, '@'), *slash;
	uint64_t n;

	if (!at || parse_u64(s, at, 1, UINT32_MAX, &n) != 0)
		return -1;
	slash = strchr(at + 1, '/');
	st->n = (uint32_t)n;
	st->over_s = 0;
	if (parse_secs0(at + 1, slash ? slash : at + 1 + strlen(at + 1), &st->at_s) != 0)
		return -1;
	if (slash && parse_secs0(slash + 1, slash + 1 + strlen(slash + 1), &st->over_s) != 0)
		return -1;
	return 0;
}

double sg_gen_profile_surge_rate(const struct sg_gen_profile *p)
{
	return p->surge_n && p->surge_s > 0 ? (double)p->surge_n / p->surge_s * p->compress : 0;
}

double sg_gen_profile_surge_len(const struct sg_gen_profile *p)
{
	double r = sg_gen_profile_surge_rate(p);

	return r > 0 ? (double)p->surge_size / r : 0;
}

uint64_t sg_gen_profile_signups_due(const struct sg_gen_profile *p, double t)
{
	double r = sg_gen_profile_surge_rate(p), step = 0;

	if (t <= 0)
		return 0;
	if (r > 0 && t > p->surge_at) {
		step = floor((t - p->surge_at) * r);
		if (step > (double)p->surge_size)
			step = (double)p->surge_size;
	}
	return (uint64_t)floor(p->baseline * t) + (uint64_t)step;
}

uint64_t sg_gen_profile_logins_due(const struct sg_gen_profile *p, double t)
{
	uint64_t due = 0;

	for (unsigned i = 0; i < p->n_storms; i++) {
		const struct sg_gen_storm *st = &p->storm[i];

		if (t < st->at_s)
			continue;
		if (st->over_s <= 0 || t >= st->at_s + st->over_s)
			due += st->n;
		else
			due += (uint64_t)floor((double)st->n * (t - st->at_s) / st->over_s);
	}
	return due;
}

uint64_t sg_gen_profile_logins_total(const struct sg_gen_profile *p)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < p->n_storms; i++)
		n += p->storm[i].n;
	return n;
}
