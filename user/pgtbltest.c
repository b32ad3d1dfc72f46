/* SPDX-License-Identifier: MIT */
/*
 * pgtbltest - the page-table features a process can see:
 *   layout     what pgpte() reports for page 0, text, data, stack, USYSCALL
 *   ugetpid    64 children each compare getpid() with ugetpid()
 *   pgaccess   accessed bits of a 32-page buffer, harvested and cleared
 *   superpage  an 8 MiB sbrk touched whole is mapped with 2 MiB leaves,
 *              fork shares them as 2 MiB leaves (read-only, marked shared),
 *              the child's writes copy only its pages, the parent takes
 *              its megapages back whole once the child is gone, and
 *              shrinking by one page splits the last
 *   vmprint    the process's own table, printed by the kernel
 * Exits 0 only if every check passed; each failure is printed.
 */
#include "user.h"

#define LEAF_BITS (PTE_R | PTE_W | PTE_X)
#define SAME_LEAF(a, b) ((((a) ^ (b)) & ~(PTE_A | PTE_D)) == 0)

static int failures;
static int data_word = 1; /* lives in the data segment */

#define FAIL(...)                                            \
	do {                                                 \
		fprintf(2, "pgtbltest: FAIL: " __VA_ARGS__); \
		failures++;                                  \
	} while (0)

/* The leaf mapping va must have every bit of want and none of deny. */
static void
expect_pte(const char *what, uint64 va, uint64 want, uint64 deny)
{
	uint64 pte = pgpte((void *)va);

	if ((pte & want) != want || (pte & deny) != 0)
		FAIL("%s: pgpte(%p) = 0x%lx, want bits 0x%lx set and 0x%lx clear\n", what,
		     (void *)va, pte, want, deny);
}

static void
layout_test(void)
{
	int local = 0;

	if (pgpte(NULL) != 0)
		FAIL("page 0 is mapped (pte 0x%lx): NULL must fault\n", pgpte(NULL));
	expect_pte("text", UTEXT, PTE_V | PTE_R | PTE_X | PTE_U, PTE_W);
	expect_pte("data", (uint64)&data_word, PTE_V | PTE_R | PTE_W | PTE_U, PTE_X);
	expect_pte("stack", (uint64)&local, PTE_V | PTE_R | PTE_W | PTE_U, PTE_X);
	expect_pte("USYSCALL", USYSCALL, PTE_V | PTE_R | PTE_U, PTE_W | PTE_X);
	if (pgpte((void *)0xffffffc000000000UL) != 0)
		FAIL("the kernel half is visible in the user table\n");
	if (data_word != 1 || local != 0)
		FAIL("data segment or stack corrupted\n");
}

static void
ugetpid_test(void)
{
	int i, pid, status, before = failures;

	if (ugetpid() != getpid())
		FAIL("ugetpid() = %d, getpid() = %d\n", ugetpid(), getpid());
	for (i = 0; i < 64; i++) {
		pid = fork();
		if (pid < 0) {
			FAIL("fork %d failed\n", i);
			break;
		}
		if (pid == 0)
			exit(getpid() == ugetpid() ? 0 : 1);
		status = -2;
		if (wait(&status) != pid || status != 0) {
			FAIL("child %d: ugetpid() != getpid() (status %d)\n", pid, status);
			break;
		}
	}
	if (failures == before)
		printf("pgtbltest: ugetpid: OK\n");
}

static void
pgaccess_test(void)
{
	char *raw = malloc(33 * PGSIZE);
	volatile char *buf;
	uint64 mask, want = (1UL << 1) | (1UL << 2) | (1UL << 30);
	int before = failures;

	if (raw == NULL) {
		FAIL("pgaccess: malloc failed\n");
		return;
	}
	buf = (volatile char *)PGROUNDUP(raw);
	/* freshly mapped pages may start accessed: harvest once to clear */
	mask = 0;
	if (pgaccess((void *)buf, 32, &mask) < 0)
		FAIL("pgaccess: first call failed\n");
	buf[PGSIZE * 1] += 1;
	buf[PGSIZE * 2] += 2;
	buf[PGSIZE * 30] += 3;
	mask = 0;
	if (pgaccess((void *)buf, 32, &mask) < 0)
		FAIL("pgaccess: second call failed\n");
	if (mask != want)
		FAIL("pgaccess: mask 0x%lx, want 0x%lx (pages 1, 2, 30)\n", mask, want);
	mask = ~0UL;
	if (pgaccess((void *)buf, 32, &mask) < 0)
		FAIL("pgaccess: third call failed\n");
	if ((mask & 0xffffffffUL) != 0)
		FAIL("pgaccess: bits not cleared: mask 0x%lx\n", mask);
	if (pgaccess((void *)buf, 65, &mask) != -1)
		FAIL("pgaccess: npages = 65 did not return -1\n");
	free(raw);
	if (failures == before)
		printf("pgtbltest: pgaccess: OK\n");
}

/* The word stored at both ends of every page of the superpage test. */
static uint64
pattern(uint64 va, uint64 salt)
{
	return (va * 0x9e3779b97f4a7c15UL) ^ salt;
}

static void
fill(uint64 lo, uint64 hi, uint64 salt)
{
	uint64 va;

	for (va = lo; va < hi; va += PGSIZE) {
		*(uint64 *)va = pattern(va, salt);
		*(uint64 *)(va + PGSIZE - 8) = ~pattern(va, salt);
	}
}

/* Number of pages in [lo, hi) whose words are not what fill() wrote. */
static int
check(const char *who, uint64 lo, uint64 hi, uint64 salt)
{
	uint64 va;
	int bad = 0;

	for (va = lo; va < hi; va += PGSIZE) {
		if (*(uint64 *)va != pattern(va, salt) ||
		    *(uint64 *)(va + PGSIZE - 8) != ~pattern(va, salt)) {
			if (bad++ == 0)
				FAIL("%s: data at %p is wrong\n", who, (void *)va);
		}
	}
	return bad;
}

#define PTE_SHARED (1UL << 8) /* the kernel's copy-on-write mark (RSW bit 8) */
#define PRIVATE_RW (PTE_V | PTE_R | PTE_W | PTE_U)
#define SHARED_RO (PTE_V | PTE_R | PTE_U | PTE_SHARED)

/*
 * Every 2 MiB region in [lo, hi) (both 2 MiB aligned) must be one leaf:
 * a 2 MiB-aligned frame, the same PTE for each of its 512 pages, with
 * the bits of want among PTE_W and PTE_SHARED.
 */
static void
expect_megapages(const char *who, uint64 lo, uint64 hi, uint64 want)
{
	uint64 r, va, pte, other, bits = PTE_V | PTE_R | PTE_W | PTE_U | PTE_SHARED;

	for (r = lo; r < hi; r += MEGASIZE) {
		pte = pgpte((void *)r);
		if ((pte & bits) != want) {
			FAIL("%s: %p: pte 0x%lx, want bits 0x%lx of 0x%lx\n", who, (void *)r, pte,
			     want, bits);
			continue;
		}
		if (PTE2PA(pte) % MEGASIZE != 0) {
			FAIL("%s: %p is not in a megapage (pa 0x%lx)\n", who, (void *)r,
			     PTE2PA(pte));
			continue;
		}
		for (va = r + PGSIZE; va < r + MEGASIZE; va += PGSIZE) {
			other = pgpte((void *)va);
			if (!SAME_LEAF(pte, other)) {
				FAIL("%s: %p and %p have different leaves (0x%lx, 0x%lx)\n", who,
				     (void *)r, (void *)va, pte, other);
				break;
			}
		}
	}
}

/*
 * A forked child must see the heap [lo, hi) as the parent filled it, with
 * [first, hi) still in 2 MiB leaves, shared (read-only, marked), and its
 * own writes must not show in the parent. The parent's leaves are the
 * same shared megapages while the child lives; once it is gone, a write
 * takes each back whole and writable (the same frame: no copy).
 */
static void
superpage_fork_test(uint64 lo, uint64 first, uint64 hi)
{
	uint64 pa0 = PTE2PA(pgpte((void *)first));
	int pid, status;

	pid = fork();
	if (pid < 0) {
		FAIL("superpage: fork failed\n");
	} else if (pid == 0) {
		failures = 0;
		check("superpage child", lo, hi, 0x5a5a);
		expect_megapages("superpage child", first, hi, SHARED_RO);
		if (PTE2PA(pgpte((void *)first)) != pa0)
			FAIL("superpage child: the megapage was copied at fork\n");
		fill(lo, hi, 0xc0ffee); /* must not show in the parent */
		check("superpage child after writing", lo, hi, 0xc0ffee);
		exit(failures == 0 ? 0 : 1);
	} else {
		expect_megapages("superpage parent, child alive", first, hi, SHARED_RO);
		status = -2;
		if (wait(&status) != pid || status != 0)
			FAIL("superpage: child failed (status %d)\n", status);
		check("superpage after fork", lo, hi, 0x5a5a);
		fill(lo, hi, 0x5a5a); /* the same data: every page written */
		expect_megapages("superpage parent, child gone", first, hi, PRIVATE_RW);
		if (PTE2PA(pgpte((void *)first)) != pa0)
			FAIL("superpage: the parent's megapage was copied, not taken back\n");
	}
}

/*
 * Shrink the heap ending at hi by one page: that page must go, the rest
 * of the last 2 MiB region must become 511 small leaves, and the regions
 * before it and all the data must stay as they were. Leaves the break at
 * hi - PGSIZE.
 */
static void
superpage_shrink_test(uint64 lo, uint64 first, uint64 hi)
{
	uint64 va, pte, prev = 0;

	if ((uint64)sbrk(-PGSIZE) != hi)
		FAIL("superpage: sbrk(-%d) did not return the old break\n", PGSIZE);
	if (pgpte((void *)(hi - PGSIZE)) != 0)
		FAIL("superpage: %p still mapped after sbrk(-%d)\n", (void *)(hi - PGSIZE), PGSIZE);
	for (va = hi - MEGASIZE; va < hi - PGSIZE; va += PGSIZE) {
		pte = pgpte((void *)va);
		if ((pte & PTE_V) == 0 || (pte & LEAF_BITS) == 0) {
			FAIL("superpage: %p unmapped after the shrink\n", (void *)va);
			break;
		}
		if (prev != 0 && SAME_LEAF(pte, prev)) {
			FAIL("superpage: %p still in a megapage after the shrink (pte 0x%lx)\n",
			     (void *)va, pte);
			break;
		}
		prev = pte;
	}
	expect_megapages("superpage after shrink", first, hi - MEGASIZE, PRIVATE_RW);
	check("superpage after shrink", lo, hi - PGSIZE, 0x5a5a);
}

static void
superpage_test(void)
{
	uint64 start, lo, hi, first;
	int free0, before = failures;

	free0 = freepages();
	start = (uint64)sbrk(0);
	/* [first, hi) is exactly four whole 2 MiB regions, hi ends the heap */
	first = (start + MEGASIZE - 1) & ~(MEGASIZE - 1);
	hi = first + 4 * MEGASIZE;
	lo = PGROUNDUP(start);
	if ((uint64)sbrk((int)(hi - start)) != start) {
		FAIL("superpage: sbrk(%ld) failed\n", (long)(hi - start));
		return;
	}
	if (pgpte((void *)first) != 0)
		FAIL("superpage: sbrk mapped %p before it was touched\n", (void *)first);
	fill(lo, hi, 0x5a5a); /* a region touched whole becomes a megapage */
	expect_megapages("superpage", first, hi, PRIVATE_RW);
	check("superpage", lo, hi, 0x5a5a);
	superpage_fork_test(lo, first, hi);
	superpage_shrink_test(lo, first, hi);

	/* give it all back: no page may be lost on the way */
	sbrk(-(int)(hi - PGSIZE - start));
	if ((uint64)sbrk(0) != start)
		FAIL("superpage: break 0x%lx, want 0x%lx\n", (uint64)sbrk(0), start);
	if (freepages() != free0)
		FAIL("superpage: %d free pages at the end, %d at the start\n", freepages(), free0);
	if (failures == before)
		printf("pgtbltest: superpage: OK\n");
}

int
main(void)
{
	layout_test();
	ugetpid_test();
	pgaccess_test();
	superpage_test();
	printf("pgtbltest: vmprint(0):\n");
	if (vmprint(0) != 0)
		FAIL("vmprint(0) failed\n");
	if (failures != 0) {
		printf("pgtbltest: %d FAILED\n", failures);
		return 1;
	}
	printf("pgtbltest: all tests passed\n");
	return 0;
}
