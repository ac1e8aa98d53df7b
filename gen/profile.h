/* SPDX-License-Identifier: MIT */
/*
 * profile.h - surge-gen's sign-up profile (pure C, no DPDK): how many
 * sign-ups and log-ins are due t seconds into the traffic phase.
 *
 *   baseline   R sign-ups per second of the run, from t = 0
 *   outage     N sign-ups over D seconds of surge time (--surge N/D), run
 *              K times faster (--compress K: K surge seconds per real
 *              second) from t = at (--surge-at); only the first `size`
 *              of them run (--surge-size)
 *   storms     N log-ins of users already signed up, at t = T, spread
 *              evenly over S seconds (S = 0: all due at once); the window
 *              of handshakes in flight paces them (--reconnect-storm N@T[/S])
 *
 * "Due" is cumulative and a function of t alone, so the sender can fall
 * behind (the backlog is due - offered) without the profile changing.
 */
#ifndef SG_GEN_PROFILE_H
#define SG_GEN_PROFILE_H

#include <stdint.h>

enum { SG_GEN_MAX_STORMS = 8 };

struct sg_gen_storm {
	uint32_t n;
	double at_s, over_s;
};

struct sg_gen_profile {
	double baseline;    /* sign-ups per real second */
	uint64_t surge_n;   /* sign-ups of the outage step ... */
	double surge_s;     /* ... over this many seconds of surge time */
	double compress;    /* surge seconds per real second (>= 1 in practice) */
	double surge_at;    /* real second at which the step starts */
	uint64_t surge_size; /* how many of the step run (<= surge_n) */
	unsigned n_storms;
	struct sg_gen_storm storm[SG_GEN_MAX_STORMS];
};

/* "3000000/24h": a count, '/', a duration ("90", "90s", "30m", "24h", "1d"). 0 or -1. */
int sg_gen_profile_parse_surge(const char *s, uint64_t *n, double *secs);
/* "N@T" or "N@T/S": N log-ins at second T over S seconds.  0 or -1. */
int sg_gen_profile_parse_storm(const char *s, struct sg_gen_storm *st);
/* A duration as above ("90", "1.5m", "24h"); 0 or -1. */
int sg_gen_profile_parse_duration(const char *s, double *secs);

/* Real sign-ups per second of the outage step (0 without one). */
double sg_gen_profile_surge_rate(const struct sg_gen_profile *p);
/* Real seconds the capped step lasts. */
double sg_gen_profile_surge_len(const struct sg_gen_profile *p);
/* Sign-ups due by t (baseline + step), cumulative. */
uint64_t sg_gen_profile_signups_due(const struct sg_gen_profile *p, double t);
/* Log-ins due by t (all storms), cumulative. */
uint64_t sg_gen_profile_logins_due(const struct sg_gen_profile *p, double t);
/* Log-ins of all storms together. */
uint64_t sg_gen_profile_logins_total(const struct sg_gen_profile *p);

#endif /* SG_GEN_PROFILE_H */
