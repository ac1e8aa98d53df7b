/* SPDX-License-Identifier: MIT */
/*
 * test_keys.c - key pairs, base64 text form, key files (permissions,
 * exclusive creation, malformed content) and secure memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "proto/bytes.h"
#include "proto/status.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/surge-test-keys-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_keypair(void **state)
{
	struct sg_keypair a, b;
	(void)state;

	sg_keypair_generate(&a);
	assert_int_equal(sg_keypair_from_private(&b, a.priv), SG_OK);
	assert_memory_equal(a.pub, b.pub, 32);
	sg_keypair_wipe(&b);
	assert_true(sg_all_zero((const uint8_t *)&b, sizeof(b)));
}

static void test_base64(void **state)
{
	static const struct {
		const char *text;
		int expect;
	} t[] = {
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", SG_OK },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SG_E_KEY },   /* 43 */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", SG_E_KEY }, /* 45 */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SG_E_KEY },  /* no pad */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=", SG_E_KEY },  /* bad char */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=", SG_E_KEY },  /* url alphabet */
		{ "", SG_E_KEY },
	};
	uint8_t key[32], back[32];
	char text[SG_KEY_B64_LEN + 1];
	(void)state;

	for (unsigned i = 0; i < SG_ARRAY_SIZE(t); i++)
		assert_int_equal(sg_key_from_base64(key, t[i].text), t[i].expect);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 37 + 11);
	sg_key_to_base64(text, key);
	assert_int_equal(strlen(text), SG_KEY_B64_LEN);
	assert_int_equal(sg_key_from_base64(back, text), SG_OK);
	assert_memory_equal(key, back, 32);
}

static void test_keyfile_round_trip(void **state)
{
	struct sg_keypair kp, back;
	char path[128], err[256];
	struct stat st;
	(void)state;

	snprintf(path, sizeof(path), "%s/relay.key", dir);
	sg_keypair_generate(&kp);
	assert_int_equal(sg_keyfile_save(path, &kp, err, sizeof(err)), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SG_KEY_B64_LEN + 1);
	assert_int_equal(sg_keyfile_load(path, &back, err, sizeof(err)), SG_OK);
	assert_memory_equal(&kp, &back, sizeof(kp));
	/* Never overwrites an existing key. */
	assert_int_equal(sg_keyfile_save(path, &kp, err, sizeof(err)), SG_E_KEY);
	assert_non_null(strstr(err, "exists"));
}

static void test_keyfile_refusals(void **state)
{
	struct sg_keypair kp;
	char path[128], err[256];
	(void)state;

	snprintf(path, sizeof(path), "%s/missing.key", dir);
	assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_E_KEY);
	assert_non_null(strstr(err, "missing.key"));

	snprintf(path, sizeof(path), "%s/open.key", dir);
	write_file(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0644);
	assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_E_KEY);
	assert_non_null(strstr(err, "chmod 600"));

	snprintf(path, sizeof(path), "%s/garbage.key", dir);
	write_file(path, "not a key at all\n", 0600);
	assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_E_KEY);
	assert_non_null(strstr(err, "44 base64"));

	snprintf(path, sizeof(path), "%s/two-lines.key", dir);
	write_file(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nX", 0600);
	assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_E_KEY);

	snprintf(path, sizeof(path), "%s/ok-no-newline.key", dir);
	write_file(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0600);
	assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_OK);

	assert_int_equal(sg_keyfile_load(dir, &kp, err, sizeof(err)), SG_E_KEY);

	/* Owned by someone else (root can give it away; others cannot run this part). */
	snprintf(path, sizeof(path), "%s/foreign.key", dir);
	write_file(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0600);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sg_keyfile_load(path, &kp, err, sizeof(err)), SG_E_KEY);
		assert_non_null(strstr(err, "not owned by the user reading it"));
	} else {
		print_message("not root: the foreign owner case is not exercised\n");
	}
}

static void test_secure_alloc(void **state)
{
	uint8_t *p = sg_secure_alloc(100);
	(void)state;

	assert_non_null(p);
	assert_true(sg_all_zero(p, 100));
	memset(p, 0xee, 100);
	sg_secure_free(p);
	sg_secure_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keypair),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_keyfile_round_trip),
		cmocka_unit_test(test_keyfile_refusals),
		cmocka_unit_test(test_secure_alloc),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
