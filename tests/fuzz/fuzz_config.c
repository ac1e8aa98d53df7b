/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - surge-relay's configuration file (control/config.c):
 * sg_config_load on a file holding the input (what the relay reads at start
 * and at `config reload`), then sg_config_validate (which parses
 * metrics_listen) and sg_config_diff against the defaults, as config
 * reload does.  Each line is also given to sg_config_parse_line alone, and
 * "key=value" lines to sg_config_set (the flags' way in).
 *
 * Invariants: a failed load says "path:line: reason" with a line number
 * within the file; a set that fails leaves the config unchanged; lists stay
 * within their bounds.  Input: the file's bytes.
 */
#include "control/config.h"
#include "fuzz.h"

static void check_bounds(const struct sg_config *c)
{
	FUZZ_CHECK(c->n_addr4 <= SG_CFG_MAX_ADDRS && c->n_addr6 <= SG_CFG_MAX_ADDRS);
	FUZZ_CHECK(c->n_ports >= 1 && c->n_ports <= SG_CFG_MAX_PORTS);
	FUZZ_CHECK(memchr(c->key_file, 0, sizeof(c->key_file)) != NULL);
	FUZZ_CHECK(memchr(c->control_socket, 0, sizeof(c->control_socket)) != NULL);
	FUZZ_CHECK(memchr(c->rules_file, 0, sizeof(c->rules_file)) != NULL);
	FUZZ_CHECK(memchr(c->rules_cache, 0, sizeof(c->rules_cache)) != NULL);
	FUZZ_CHECK(memchr(c->store_dir, 0, sizeof(c->store_dir)) != NULL);
	FUZZ_CHECK(memchr(c->metrics_listen, 0, sizeof(c->metrics_listen)) != NULL);
}

/* Every line alone, through parse_line and (key=value) set. */
static void lines(const uint8_t *data, size_t size)
{
	struct sg_config c, before;
	char err[256], *text = malloc(size + 1);
	size_t pos = 0;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	sg_config_defaults(&c);
	while (pos <= size) {
		char *line = text + pos, *nl = strchr(line, '\n'), *eq;
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		line[n] = '\0';
		memcpy(&before, &c, sizeof(c));
		if (sg_config_parse_line(&c, line, err, sizeof(err)) != 0)
			FUZZ_CHECK(memcmp(&before, &c, sizeof(c)) == 0 && err[0]);
		eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			memcpy(&before, &c, sizeof(c));
			if (sg_config_set(&c, line, eq + 1, err, sizeof(err)) != 0)
				FUZZ_CHECK(memcmp(&before, &c, sizeof(c)) == 0 && err[0]);
		}
		check_bounds(&c);
		pos += n + 1;
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_config c, d;
	const char *names[64];
	int reload[64];
	char err[512];
	const char *path = fz_file(data, size);
	unsigned lines_in = 1, n;

	if (!path)
		abort();
	for (size_t i = 0; i < size; i++)
		lines_in += data[i] == '\n';
	sg_config_defaults(&c);
	sg_config_defaults(&d);
	err[0] = '\0';
	if (sg_config_load(&c, path, err, sizeof(err)) != 0) {
		/* "path:line: reason" (or "path: reason" for a read error) */
		size_t pl = strlen(path);
		unsigned long line;

		FUZZ_CHECK(strncmp(err, path, pl) == 0 && err[pl] == ':');
		line = strtoul(err + pl + 1, NULL, 10);
		FUZZ_CHECK(line >= 1 && line <= lines_in);
	}
	check_bounds(&c);
	(void)sg_config_validate(&c, err, sizeof(err));
	n = sg_config_diff(&d, &c, names, reload, 64);
	FUZZ_CHECK(n <= 64);
	for (unsigned i = 0; i < n; i++)
		FUZZ_CHECK(names[i] && (reload[i] == 0 || reload[i] == 1));
	lines(data, size);
	return 0;
}
