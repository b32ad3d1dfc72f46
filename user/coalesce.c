/* SPDX-License-Identifier: MIT */
/*
 * coalesce - physical memory comes back in 2 MiB blocks.
 *
 * A child takes all free memory 4 KiB at a time (sbrk(4096) and a touch,
 * since sbrk maps nothing until then, leaving the first page of each
 * 2 MiB region untouched so that no region becomes a megapage) and
 * exits. Then this process's sbrk of whole 2 MiB-aligned regions,
 * touched whole, must get megapages (pgpte: one leaf maps the first and
 * the second page alike, at a 2 MiB-aligned frame): the allocator merged
 * the freed 4 KiB pages back into whole blocks, from which the kernel
 * takes a megapage for a region touched whole. Twice, and every page
 * must be back at the end. Exits 0 only if every check passed.
 */
#include "user.h"

#define ROUNDS 2
#define MEGAS 8

static int failures;

#define FAIL(...)                                           \
	do {                                                \
		fprintf(2, "coalesce: FAIL: " __VA_ARGS__); \
		failures++;                                 \
	} while (0)

/* A 2 MiB leaf maps va: the same pte for its first two pages, aligned frame. */
static int
is_megapage(char *va)
{
	uint64 pte = pgpte(va);

	return (pte & PTE_V) && pte == pgpte(va + PGSIZE) && !(PTE2PA(pte) & (MEGASIZE - 1));
}

static void __attribute__((noreturn)) fill_child(void)
{
	long pages = 0;
	char *p;

	while (freepages() > 4 && (p = sbrk(PGSIZE)) != (char *)-1) {
		if ((uint64)p % MEGASIZE)
			*p = 1;
		pages++;
	}
	printf("coalesce: the child took %ld pages 4 KiB at a time, %d left\n", pages, freepages());
	exit(pages > 0 ? 0 : 1);
}

static void
round(int r)
{
	int pid, status = -2, got = 0;
	uint64 brk;
	char *base;

	pid = fork();
	if (pid == 0)
		fill_child();
	if (pid < 0 || wait(&status) != pid || status != 0) {
		FAIL("round %d: the filling child failed\n", r);
		return;
	}
	brk = (uint64)sbrk(0);
	sbrk((int)(((brk + MEGASIZE - 1) & ~(MEGASIZE - 1)) - brk));
	base = sbrk(MEGAS * MEGASIZE);
	if (base == (char *)-1) {
		FAIL("round %d: sbrk(%lu) failed\n", r, MEGAS * MEGASIZE);
		return;
	}
	for (uint64 off = 0; off < MEGAS * MEGASIZE; off += PGSIZE)
		base[off] = 1;
	for (int i = 0; i < MEGAS; i++)
		got += is_megapage(base + i * MEGASIZE);
	if (got != MEGAS)
		FAIL("round %d: %d of %d 2 MiB regions got a megapage (pte %lx)\n", r, got, MEGAS,
		     pgpte(base));
	else
		printf("coalesce: round %d: %d of %d 2 MiB regions are megapages\n", r, got, MEGAS);
	sbrk(-(int)(sbrk(0) - (char *)brk));
}

int
main(void)
{
	int free0 = freepages();

	for (int r = 0; r < ROUNDS; r++)
		round(r);
	if (freepages() != free0)
		FAIL("%d free pages at the end, %d at the start\n", freepages(), free0);
	if (failures) {
		printf("coalesce: %d FAILED\n", failures);
		return 1;
	}
	printf("coalesce: all tests passed\n");
	return 0;
}
