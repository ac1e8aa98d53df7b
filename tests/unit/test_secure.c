/* SPDX-License-Identifier: MIT */
/*
 * test_secure.c - memory for secrets (crypto/secure.h): the kernel's own
 * record of a mapping (/proc/self/smaps, VmFlags "dd": left out of core
 * dumps, "lo": locked) must say what sg_secure_region and sg_secure_alloc
 * asked for, for exactly the pages of the region, and the counts follow.
 * A real core dump of the relay is tests/integration/core_keys.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/secure.h"
#include "proto/status.h"

/*
 * VmFlags of the mapping that holds addr, as " dd lo ... " (blank at both
 * ends, so " dd " finds the flag), into out.  0, or -1 when not found.
 */
static int vm_flags(const void *addr, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
		    strncmp(line, "VmFlags", 7) != 0) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, outlen, "%s ", line + 8);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int has_flag(const void *addr, const char *flag)
{
	char flags[600], want[8];

	assert_int_equal(vm_flags(addr, flags, sizeof(flags)), 0);
	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(flags, want) != NULL;
}

/* A region in the middle of a mapping: its pages, and only those, are marked. */
static void test_region_pages(void **state)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	struct sg_secure_stats a, b;
	int rc;
	(void)state;

	assert_true(map != MAP_FAILED);
	memset(map, 0x5a, 8 * pg);
	assert_false(has_flag(map + 3 * pg, "dd"));
	sg_secure_stats(&a);
	/* Unaligned at both ends: pages 2, 3 and 4 of 0..7. */
	rc = sg_secure_region(map + 2 * pg + 100, 2 * pg);
	sg_secure_stats(&b);
	assert_int_equal(rc & SG_SECURE_DUMPABLE, 0);
	for (size_t i = 2; i <= 4; i++) {
		assert_true(has_flag(map + i * pg, "dd"));
		assert_int_equal(has_flag(map + i * pg, "lo"), !(rc & SG_SECURE_UNLOCKED));
	}
	assert_false(has_flag(map + 1 * pg, "dd"));
	assert_false(has_flag(map + 5 * pg, "dd"));
	assert_false(has_flag(map + 5 * pg, "lo"));
	assert_int_equal(b.regions, a.regions + 1);
	assert_int_equal(b.bytes, a.bytes + 2 * pg);
	assert_int_equal(b.dumpable, a.dumpable);
	assert_int_equal(b.unlocked, a.unlocked + !!(rc & SG_SECURE_UNLOCKED));
	/* The contents are untouched. */
	for (size_t i = 0; i < 8 * pg; i++)
		if (map[i] != 0x5a)
			fail_msg("byte %zu changed", i);
	munmap(map, 8 * pg);
}

static void test_region_nothing(void **state)
{
	struct sg_secure_stats a, b;
	(void)state;

	sg_secure_stats(&a);
	assert_int_equal(sg_secure_region(NULL, 100), 0);
	assert_int_equal(sg_secure_region(&a, 0), 0);
	sg_secure_stats(&b);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* Memory no mapping backs cannot be marked: said, and counted. */
static void test_region_unmapped(void **state)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sg_secure_stats a, b;
	(void)state;

	assert_true(map != MAP_FAILED);
	munmap(map, 4 * pg);
	sg_secure_stats(&a);
	assert_int_equal(sg_secure_region(map + pg, pg), SG_SECURE_DUMPABLE | SG_SECURE_UNLOCKED);
	sg_secure_stats(&b);
	assert_int_equal(b.dumpable, a.dumpable + 1);
	assert_int_equal(b.unlocked, a.unlocked + 1);
}

static void test_alloc(void **state)
{
	struct sg_secure_stats a, b;
	uint8_t *p;
	(void)state;

	sg_secure_stats(&a);
	p = sg_secure_alloc(100);
	sg_secure_stats(&b);
	assert_non_null(p);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	assert_true(has_flag(p, "dd"));
	assert_int_equal(has_flag(p, "lo"), b.unlocked == a.unlocked);
	assert_int_equal(b.regions, a.regions + 1);
	assert_int_equal(b.bytes, a.bytes + 100);
	memset(p, 0xee, 100);
	sg_secure_free(p);
	sg_secure_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_pages),
		cmocka_unit_test(test_region_nothing),
		cmocka_unit_test(test_region_unmapped),
		cmocka_unit_test(test_alloc),
	};

	if (sg_crypto_init() != SG_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
