/* SPDX-License-Identifier: MIT */
/*
 * test_vectors.c - docs/PROTOCOL.md cannot drift from the code: its
 * test-vector appendix must equal, byte for byte, what the code produces
 * now (tests/vectors/vectors.c), and the sizes its tables state must equal
 * messages.h.  To update the document after a deliberate wire change:
 *     scripts/update-vectors
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/messages.h"
#include "testutil.h"
#include "vectors.h"

static char *doc;

static int load(void **state)
{
	(void)state;
	doc = tu_read_source_file("docs/PROTOCOL.md");
	return doc ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	free(doc);
	return 0;
}

static void test_appendix_matches_code(void **state)
{
	char *gen = NULL, *begin, *end;
	size_t gen_len = 0;
	FILE *mem = open_memstream(&gen, &gen_len);
	(void)state;

	assert_non_null(mem);
	assert_int_equal(sg_vectors_print(mem), 0);
	fclose(mem);

	begin = strstr(doc, SG_VECTORS_BEGIN);
	end = strstr(doc, SG_VECTORS_END);
	assert_non_null(begin);
	assert_non_null(end);
	begin += strlen(SG_VECTORS_BEGIN) + 1; /* the marker's newline */
	assert_true(end >= begin);
	if ((size_t)(end - begin) != gen_len || memcmp(begin, gen, gen_len) != 0) {
		size_t i = 0;

		while (i < gen_len && begin + i < end && begin[i] == gen[i])
			i++;
		print_error("docs/PROTOCOL.md appendix differs from the code at byte %zu:\n"
			    "  doc:  %.60s\n  code: %.60s\n"
			    "Run scripts/update-vectors if the wire change is intended.\n",
			    i, begin + i, gen + i);
		fail();
	}
	free(gen);
}

/* Every "| NAME | N |" size row in the document equals the constant. */
static void test_size_table_matches_header(void **state)
{
	static const struct {
		const char *row;
		long value;
	} t[] = {
		{ "| handshake initiation | ", SG_INIT_LEN },
		{ "| handshake response | ", SG_RESP_LEN },
		{ "| cookie reply | ", SG_COOKIE_REPLY_LEN },
		{ "| keepalive | ", SG_KEEPALIVE_LEN },
		{ "| close | ", SG_CLOSE_LEN },
		{ "| relay reply | ", SG_REPLY_LEN },
		{ "| key lookup | ", SG_LOOKUP_LEN },
		{ "| key info | ", SG_KEYINFO_LEN },
		{ "| resume | ", SG_RESUME_LEN },
		{ "| ticket | ", SG_TICKET_MSG_LEN },
		{ "| resume response | ", SG_RRESP_LEN },
		{ "| data, smallest (empty body) | ", SG_DATA_MIN_LEN },
		{ "| data, largest | ", SG_DATA_MAX_LEN },
		{ "| largest body over IPv4 | ", SG_BODY_MAX_IPV4 },
		{ "| largest body over IPv6 | ", SG_BODY_MAX_IPV6 },
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *p = strstr(doc, t[i].row);

		if (!p)
			print_error("row not found in docs/PROTOCOL.md: \"%s\"\n", t[i].row);
		assert_non_null(p);
		assert_int_equal(strtol(p + strlen(t[i].row), NULL, 10), t[i].value);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appendix_matches_code),
		cmocka_unit_test(test_size_table_matches_header),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
