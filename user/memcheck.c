/* SPDX-License-Identifier: MIT */
/* memcheck.c - helpers the memory tests share (memcheck.h). */
#include "memcheck.h"

uint64
page_pattern(uint64 va, uint64 salt)
{
	return (va * 0x9e3779b97f4a7c15UL) ^ salt;
}

void
fill_pages(uint64 lo, uint64 hi, uint64 salt)
{
	for (uint64 va = lo; va < hi; va += PGSIZE) {
		*(volatile uint64 *)va = page_pattern(va, salt);
		*(volatile uint64 *)(va + PGSIZE - 8) = ~page_pattern(va, salt);
	}
}

int
check_pages(const char *prog, const char *who, uint64 lo, uint64 hi, uint64 salt)
{
	int bad = 0;

	for (uint64 va = lo; va < hi; va += PGSIZE)
		if (*(volatile uint64 *)va != page_pattern(va, salt) ||
		    *(volatile uint64 *)(va + PGSIZE - 8) != ~page_pattern(va, salt))
			if (bad++ == 0)
				fprintf(2, "%s: FAIL: %s: page %p holds 0x%lx\n", prog, who,
					(void *)va, *(volatile uint64 *)va);
	return bad;
}

int
release_heap(const char *prog, const char *what, uint64 brk, int free0)
{
	int failed = 0;

	sbrk(-(int)((uint64)sbrk(0) - brk));
	if ((uint64)sbrk(0) != brk) {
		fprintf(2, "%s: FAIL: %s: break %p, want %p\n", prog, what, sbrk(0), (void *)brk);
		failed++;
	}
	for (int t = 0; t < 50 && freepages() != free0; t++)
		sleep(1);
	if (freepages() != free0) {
		fprintf(2, "%s: FAIL: %s: %d free pages at the end, %d at the start\n", prog, what,
			freepages(), free0);
		failed++;
	}
	return failed;
}

int
grow_heap(uint64 n, uint64 align, uint64 *lo)
{
	uint64 brk = (uint64)sbrk(0), a = (brk + align - 1) & ~(align - 1);

	if (sbrk((int)(a - brk)) == (char *)-1 || sbrk((int)n) == (char *)-1)
		return -1;
	*lo = a;
	return 0;
}

void
take_memory_without_megapages(int leave)
{
	const uint64 spare = 64 * 1024; /* untouched at the top of each 2 MiB region */
	const int tables = 4; /* a chunk's new tables at most: level 0 and 1, twice (mirror) */

	/* Each chunk leaves >= leave free; the last one ends with leave..leave + tables + 1. */
	for (int chunk = 1 << 20; chunk >= PGSIZE; chunk /= 2)
		while (freepages() > leave + chunk / PGSIZE + tables) {
			char *p = sbrk(chunk);

			if (p == (char *)-1)
				break;
			for (uint64 va = (uint64)p; va < (uint64)p + chunk; va += PGSIZE)
				if ((va & (MEGASIZE - 1)) < MEGASIZE - spare)
					*(volatile char *)va = 1;
		}
}

int
wait_status(int pid)
{
	int status = -99;

	if (wait(&status) != pid)
		return -98;
	return status;
}
