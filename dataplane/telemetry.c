/* SPDX-License-Identifier: MIT */
/*
 * telemetry.c - /surge/... DPDK telemetry commands over a snapshot of the
 * relay's metrics (telemetry.h says what each command answers).
 *
 * Invariants:
 * - The telemetry thread touches only the front snapshot, under `lock`; it
 *   never reads the plane.  The control lcore builds the back snapshot from
 *   sg_plane_metrics outside the lock, then swaps front and back under a
 *   pthread_mutex_trylock: when a reader holds the lock the swap waits for
 *   the next round, the loop never does.  After the swap nobody reads the
 *   old front (a reader finishes before it unlocks), so it is the next back.
 * - DPDK's callbacks take no argument, so the state is this file's static
 *   (one relay per process).  Commands stay registered after fini and then
 *   answer an error.
 * - A reply stays within RTE_TEL_MAX_DICT_ENTRIES per dict: long lists
 *   (per-rule hits) are paged, SG_TELEMETRY_PAGE a page.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "control/metrics_ctl.h"
#include "control/plane.h"
#include "telemetry.h"

enum tel_group { TG_STATS, TG_WORKER, TG_RULE };

struct tel_series {
	char key[SG_METRIC_NAME_MAX]; /* the metric's key, without its group's prefix */
	char sub[32];   /* the value of its other label ("" when none) */
	uint32_t id;    /* worker id (TG_WORKER), rule id (TG_RULE) */
	uint32_t scale;
	uint8_t group;
	uint64_t value;
};

struct tel_snap {
	struct tel_series *v;
	unsigned n, cap;
	int oom;
};

static struct {
	pthread_mutex_t lock;
	struct tel_snap snap[2];
	struct tel_snap *front;  /* NULL: not serving (before init, after fini) */
	uint64_t next_tsc;
} tel = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int registered;

/* The snapshot's sink: file each series under its group. */
static void snap_emit(void *arg, const struct sg_metric *m)
{
	struct tel_snap *s = arg;
	struct tel_series *e;
	char key[SG_METRIC_NAME_MAX];
	const char *k = key;
	unsigned lab = 0;

	if (sg_metrics_name(m, 0, key, sizeof(key)) < 0)
		return;
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 256;
		struct tel_series *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->oom = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->group = TG_STATS;
	if (m->n_labels && strcmp(m->labels[0].name, "worker") == 0) {
		e->group = TG_WORKER;
		lab = 1;
		if (strncmp(k, "worker_", 7) == 0)
			k += 7;
	} else if (m->n_labels && strcmp(m->labels[0].name, "rule") == 0) {
		e->group = TG_RULE;
		lab = 1;
	}
	if (lab)
		e->id = (uint32_t)strtoul(m->labels[0].value, NULL, 10);
	if (m->n_labels > lab)
		snprintf(e->sub, sizeof(e->sub), "%s", m->labels[lab].value);
	snprintf(e->key, sizeof(e->key), "%s", k);
	e->scale = m->scale;
	e->value = m->value;
	s->n++;
}

static void refresh(struct sg_plane *p)
{
	struct tel_snap *back = tel.front == &tel.snap[0] ? &tel.snap[1] : &tel.snap[0];

	back->n = 0;
	back->oom = 0;
	sg_plane_metrics(p, &(struct sg_metrics_sink){ snap_emit, back });
	if (back->oom)
		return; /* keep serving the older, whole snapshot */
	if (pthread_mutex_trylock(&tel.lock) != 0)
		return; /* a reader is in: next round */
	tel.front = back;
	pthread_mutex_unlock(&tel.lock);
	tel.next_tsc = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * SG_TELEMETRY_REFRESH_MS;
}

void sg_telemetry_tick(struct sg_plane *p)
{
	if (tel.front && rte_get_timer_cycles() >= tel.next_tsc)
		refresh(p);
}

/* One series as a dict entry: an integer, or decimal text when scaled. */
static void add_value(struct rte_tel_data *d, const char *key, const struct tel_series *e)
{
	char text[SG_METRIC_VALUE_MAX];

	if (e->scale > 1 && sg_metrics_format_value(e->value, e->scale, text, sizeof(text)) > 0)
		rte_tel_data_add_dict_string(d, key, text);
	else
		rte_tel_data_add_dict_u64(d, key, e->value);
}

/*
 * The series of group (and, for TG_WORKER, of worker id) into d: plain ones
 * as entries, a labelled family as a dict of its own under its key.  With
 * prefix, only the keys that start with it, without it.
 */
static void add_group(struct rte_tel_data *d, const struct tel_snap *s, enum tel_group group,
		      uint32_t id, const char *prefix)
{
	size_t skip = prefix ? strlen(prefix) : 0;

	for (unsigned i = 0; i < s->n;) {
		const struct tel_series *e = &s->v[i];
		struct rte_tel_data *c;

		if (e->group != group || (group == TG_WORKER && e->id != id) ||
		    (prefix && strncmp(e->key, prefix, skip) != 0)) {
			i++;
			continue;
		}
		if (!e->sub[0]) {
			add_value(d, e->key + skip, e);
			i++;
			continue;
		}
		c = rte_tel_data_alloc();
		if (c)
			rte_tel_data_start_dict(c);
		for (; i < s->n && strcmp(s->v[i].key, e->key) == 0; i++)
			if (c && s->v[i].group == group && (group != TG_WORKER || s->v[i].id == id))
				add_value(c, s->v[i].sub, &s->v[i]);
		if (c && rte_tel_data_add_dict_container(d, e->key + skip, c, 0) != 0)
			rte_tel_data_free(c);
	}
}

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	pthread_mutex_lock(&tel.lock);
	if (!tel.front) {
		pthread_mutex_unlock(&tel.lock);
		return -ENODEV;
	}
	rte_tel_data_start_dict(d);
	add_group(d, tel.front, TG_STATS, 0, NULL);
	pthread_mutex_unlock(&tel.lock);
	return 0;
}

/* Sum of every worker's series, by key and label ("drops" by reason). */
static void add_worker_totals(struct rte_tel_data *d, const struct tel_snap *s)
{
	struct tel_series *sum = calloc(s->n ? s->n : 1, sizeof(*sum));
	struct tel_snap t = { .v = sum, .cap = s->n };
	uint32_t n_workers = 0;

	if (!sum)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		const struct tel_series *e = &s->v[i];
		unsigned j;

		if (e->group != TG_WORKER)
			continue;
		if (e->id + 1 > n_workers)
			n_workers = e->id + 1;
		for (j = 0; j < t.n; j++)
			if (strcmp(sum[j].key, e->key) == 0 && strcmp(sum[j].sub, e->sub) == 0)
				break;
		if (j == t.n) {
			sum[j] = *e;
			sum[j].id = 0;
			sum[j].value = 0;
			t.n++;
		}
		sum[j].value += e->value;
	}
	rte_tel_data_add_dict_u64(d, "queues", n_workers); /* workers, + the control lcore's */
	add_group(d, &t, TG_WORKER, 0, NULL);
	free(sum);
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	unsigned long id = 0;
	int one = params && *params;

	(void)cmd;
	if (one) {
		id = strtoul(params, &end, 10);
		if (*end || end == params)
			return -EINVAL;
	}
	pthread_mutex_lock(&tel.lock);
	if (!tel.front) {
		pthread_mutex_unlock(&tel.lock);
		return -ENODEV;
	}
	rte_tel_data_start_dict(d);
	if (one) {
		rte_tel_data_add_dict_u64(d, "id", id);
		add_group(d, tel.front, TG_WORKER, (uint32_t)id, NULL);
	} else {
		add_worker_totals(d, tel.front);
	}
	pthread_mutex_unlock(&tel.lock);
	return 0;
}

static int cmd_policy(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct tel_snap *s;
	struct rte_tel_data *c;
	unsigned long page = 0;
	unsigned rules = 0, seen = 0;
	char *end;

	(void)cmd;
	if (params && *params) {
		page = strtoul(params, &end, 10);
		if (*end)
			return -EINVAL;
	}
	pthread_mutex_lock(&tel.lock);
	s = tel.front;
	if (!s) {
		pthread_mutex_unlock(&tel.lock);
		return -ENODEV;
	}
	for (unsigned i = 0; i < s->n; i++)
		rules += s->v[i].group == TG_RULE;
	rte_tel_data_start_dict(d);
	if (!(params && *params)) {
		add_group(d, s, TG_STATS, 0, "policy_");
		rte_tel_data_add_dict_u64(d, "rule_pages", (rules + SG_TELEMETRY_PAGE - 1) /
							   SG_TELEMETRY_PAGE);
		pthread_mutex_unlock(&tel.lock);
		return 0;
	}
	rte_tel_data_add_dict_u64(d, "page", page);
	rte_tel_data_add_dict_u64(d, "rules", rules);
	c = rte_tel_data_alloc();
	if (c) {
		rte_tel_data_start_dict(c);
		for (unsigned i = 0; i < s->n; i++) {
			char id[16];

			if (s->v[i].group != TG_RULE)
				continue;
			if (seen++ / SG_TELEMETRY_PAGE != page)
				continue;
			snprintf(id, sizeof(id), "%u", s->v[i].id);
			rte_tel_data_add_dict_u64(c, id, s->v[i].value);
		}
		if (rte_tel_data_add_dict_container(d, "hits", c, 0) != 0)
			rte_tel_data_free(c);
	}
	pthread_mutex_unlock(&tel.lock);
	return 0;
}

int sg_telemetry_init(struct sg_plane *p)
{
	tel.front = NULL;
	tel.snap[0].n = tel.snap[1].n = 0;
	if (!registered) {
		if (rte_telemetry_register_cmd("/surge/stats", cmd_stats,
					       "The relay's counters and gauges (surgectl stats). "
					       "No parameters") != 0 ||
		    rte_telemetry_register_cmd("/surge/workers", cmd_workers,
					       "Workers' counters: totals, or one worker. "
					       "Parameters: [worker id]") != 0 ||
		    rte_telemetry_register_cmd("/surge/policy", cmd_policy,
					       "Content policy totals, or a page of per-rule hits. "
					       "Parameters: [page]") != 0)
			return -1;
		registered = 1;
	}
	/* The first snapshot now, so the commands answer from the start. */
	sg_plane_metrics(p, &(struct sg_metrics_sink){ snap_emit, &tel.snap[0] });
	pthread_mutex_lock(&tel.lock);
	tel.front = &tel.snap[0];
	pthread_mutex_unlock(&tel.lock);
	tel.next_tsc = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * SG_TELEMETRY_REFRESH_MS;
	return 0;
}

void sg_telemetry_fini(void)
{
	pthread_mutex_lock(&tel.lock);
	tel.front = NULL;
	pthread_mutex_unlock(&tel.lock);
	for (int i = 0; i < 2; i++) {
		free(tel.snap[i].v);
		memset(&tel.snap[i], 0, sizeof(tel.snap[i]));
	}
}
