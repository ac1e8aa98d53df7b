/* SPDX-License-Identifier: MIT */
/*
 * secure.c - locked, non-dumpable memory for secrets (secure.h).
 *
 * A mapping of hugepages can only be split at its page size, so
 * madvise() on a range that starts or ends inside a hugepage fails with
 * EINVAL: the range is rounded outwards to 4 KiB first, then to 2 MiB and
 * 1 GiB until the kernel takes it, and mlock() gets the range madvise()
 * took.  mlock() on hugetlb pages locks nothing more (they are never
 * swapped) but is still subject to RLIMIT_MEMLOCK.  mlock is the system
 * call itself: AddressSanitizer turns the libc function into a no-op that
 * reports success, and a sanitizer build must lock (and say) the same.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sodium.h>

#include "secure.h"

static struct sg_secure_stats totals;

static void count(size_t n, int rc)
{
	__atomic_fetch_add(&totals.regions, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&totals.bytes, (uint64_t)n, __ATOMIC_RELAXED);
	if (rc & SG_SECURE_UNLOCKED)
		__atomic_fetch_add(&totals.unlocked, 1, __ATOMIC_RELAXED);
	if (rc & SG_SECURE_DUMPABLE)
		__atomic_fetch_add(&totals.dumpable, 1, __ATOMIC_RELAXED);
}

/* [*start, *end) = [p, p + n) rounded outwards to pg (a power of two). */
static void round_out(const void *p, size_t n, size_t pg, uintptr_t *start, uintptr_t *end)
{
	uintptr_t a = (uintptr_t)p;

	*start = a & ~(uintptr_t)(pg - 1);
	*end = (a + n + pg - 1) & ~(uintptr_t)(pg - 1);
}

static int mark(void *p, size_t n)
{
	const size_t pages[] = { (size_t)sysconf(_SC_PAGESIZE), (size_t)2 << 20, (size_t)1 << 30 };
	uintptr_t start = 0, end = 0;
	int rc = SG_SECURE_DUMPABLE;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		round_out(p, n, pages[i], &start, &end);
		if (madvise((void *)start, end - start, MADV_DONTDUMP) == 0) {
			rc = 0;
			break;
		}
		if (errno != EINVAL)
			break;
	}
	if (rc) /* lock what we can anyway, in small pages */
		round_out(p, n, pages[0], &start, &end);
	if (syscall(SYS_mlock, (void *)start, end - start) != 0)
		rc |= SG_SECURE_UNLOCKED;
	return rc;
}

int sg_secure_region(void *p, size_t n)
{
	int rc;

	if (!p || !n)
		return 0;
	rc = mark(p, n);
	count(n, rc);
	return rc;
}

void sg_secure_stats(struct sg_secure_stats *out)
{
	out->regions = __atomic_load_n(&totals.regions, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&totals.bytes, __ATOMIC_RELAXED);
	out->unlocked = __atomic_load_n(&totals.unlocked, __ATOMIC_RELAXED);
	out->dumpable = __atomic_load_n(&totals.dumpable, __ATOMIC_RELAXED);
}

void *sg_secure_alloc(size_t n)
{
	/*
	 * sodium_malloc: guard pages, MADV_DONTDUMP and mlock, but it does not
	 * say whether mlock worked; marking the same pages again does (and
	 * counts them).  Idempotent: locks do not stack.
	 */
	void *p = sodium_malloc(n);

	if (!p)
		return NULL;
	memset(p, 0, n);
	(void)sg_secure_region(p, n);
	return p;
}

void sg_secure_free(void *p)
{
	sodium_free(p); /* zeroes before unmapping; NULL: nothing */
}
