/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - metric names and the Prometheus text exposition (format
 * 0.0.4: "# HELP", "# TYPE", then "name{label=\"value\"} value" lines).
 * The model and its invariants are in metrics.h.
 *
 * Invariants:
 * - Conventions are added here, not by emitters: the "surge_" namespace,
 *   the unit as a suffix, "_total" on counters.  A bare name that already
 *   ends in its unit or in "_total" is refused, so no name doubles them.
 * - Escaping as the format wants it: in HELP '\\' and newline; in label
 *   values '\\', '"' and newline.  Other bytes pass as they are.
 * - A series is composed aside and appended whole, or not at all.
 */
#include "control/metrics.h"

#include <stdio.h>
#include <string.h>

static int is_lower_word(const char *s)
{
	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static int label_name_ok(const char *s)
{
	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	if (s[0] == '_' && s[1] == '_')
		return 0; /* reserved for Prometheus itself */
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int sg_metrics_name(const struct sg_metric *m, int prom, char *buf, size_t len)
{
	char unit[40] = "";
	int n;

	if (!is_lower_word(m->name) || ends_with(m->name, "_total") || ends_with(m->name, "_"))
		return -1;
	if (m->unit) {
		if (!is_lower_word(m->unit) || strlen(m->unit) + 2 > sizeof(unit))
			return -1;
		snprintf(unit, sizeof(unit), "_%s", m->unit);
		if (ends_with(m->name, unit))
			return -1;
	}
	n = snprintf(buf, len, "%s%s%s%s", prom ? "surge_" : "", m->name, unit,
		     prom && m->type == SG_METRIC_COUNTER ? "_total" : "");
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int sg_metrics_format_value(uint64_t value, uint32_t scale, char *buf, size_t len)
{
	unsigned digits = 0;
	int n;

	if (scale <= 1) {
		n = snprintf(buf, len, "%llu", (unsigned long long)value);
		return n < 0 || (size_t)n >= len ? -1 : n;
	}
	for (uint32_t s = scale; s > 1; s /= 10, digits++)
		if (s % 10)
			return -1;
	n = snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(value / scale), (int)digits,
		     (unsigned long long)(value % scale));
	return n < 0 || (size_t)n >= len ? -1 : n;
}

void sg_metrics_prom_init(struct sg_metrics_prom *w, struct sg_ctl_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

/* Append s with '\\' and newline escaped, and '"' too when quote. */
static void put_escaped(struct sg_ctl_buf *b, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" :
				  quote && *s == '"' ? "\\\"" : NULL;

		if (!esc)
			continue;
		sg_ctl_buf_printf(b, "%.*s%s", (int)(s - run), run, esc);
		run = s + 1;
	}
	sg_ctl_buf_printf(b, "%s", run);
}

void sg_metrics_prom_emit(void *arg, const struct sg_metric *m)
{
	struct sg_metrics_prom *w = arg;
	struct sg_ctl_buf line = { 0 };
	char name[SG_METRIC_NAME_MAX], value[SG_METRIC_VALUE_MAX];

	if (sg_metrics_name(m, 1, name, sizeof(name)) < 0 || m->n_labels > SG_METRIC_LABELS_MAX ||
	    sg_metrics_format_value(m->value, m->scale, value, sizeof(value)) < 0)
		goto bad;
	for (unsigned i = 0; i < m->n_labels; i++)
		if (!label_name_ok(m->labels[i].name) || !m->labels[i].value)
			goto bad;
	if (strcmp(name, w->family) != 0) {
		sg_ctl_buf_printf(&line, "# HELP %s ", name);
		put_escaped(&line, m->help ? m->help : "", 0);
		sg_ctl_buf_printf(&line, "\n# TYPE %s %s\n", name,
				  m->type == SG_METRIC_COUNTER ? "counter" : "gauge");
	}
	sg_ctl_buf_printf(&line, "%s", name);
	for (unsigned i = 0; i < m->n_labels; i++) {
		sg_ctl_buf_printf(&line, "%s%s=\"", i ? "," : "{", m->labels[i].name);
		put_escaped(&line, m->labels[i].value, 1);
		sg_ctl_buf_printf(&line, "\"");
	}
	sg_ctl_buf_printf(&line, "%s %s\n", m->n_labels ? "}" : "", value);
	if (line.oom) {
		w->b->oom = 1;
		sg_ctl_buf_free(&line);
		return;
	}
	sg_ctl_buf_printf(w->b, "%s", line.data);
	memcpy(w->family, name, sizeof(name));
	w->series++;
	sg_ctl_buf_free(&line);
	return;
bad:
	w->errors++;
}
