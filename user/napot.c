/* SPDX-License-Identifier: MIT */
/*
 * napot - user memory in 64 KiB Svnapot groups, as a process sees it
 * through pgpte() (a group member has N, bit 63). Usage:
 *   napot on     the harts have Svnapot: groups are expected
 *   napot off    they do not: every page is a 4 KiB leaf, as before
 *   napot on|off figures   only print leaf and table counts of a 16 MiB heap
 * Checks, each with freepages() back at its baseline:
 *   exec      a 64 KiB aligned run of the bss is a group; the stack is not
 *   lazy      a first touch maps the whole 64 KiB block (16 pages) when it is
 *             heap and untouched; a cut block or one already touched gets
 *             4 KiB pages
 *   cow       fork shares groups read-only; a write splits only that group;
 *             three generations see their own writes; the parent takes a
 *             group back whole once no one else holds it, or one page
 *   shrink    sbrk(-n) through a group keeps the rest, frees exactly n
 *   oom       no 64 KiB block free: a lazy touch gets a 4 KiB page
 *   pgaccess  a page of a group reports A for all 16 (the OR of members)
 *   promote   a 2 MiB region touched whole is a megapage, gathered from groups
 *   eager     copybench mode 8: fork copies a group into a private group
 * Exits 0 only if every check passed.
 */
#include "memcheck.h"

#define PTE_N (1UL << 63)
#define PTE_SHARED SV39_PTE_RSW_EMBEDDER
#define GROUP (64UL * 1024)
#define GROUP_PAGES 16
#define SAME_LEAF(a, b) ((((a) ^ (b)) & ~(PTE_A | PTE_D)) == 0)

static int failures, want_groups;
/* Two 64 KiB aligned runs of bss: exec must map them as groups. */
static char big_bss[2 * GROUP] __attribute__((aligned(65536)));

#define FAIL(...)                                        \
	do {                                             \
		fprintf(2, "napot: FAIL: " __VA_ARGS__); \
		failures++;                              \
	} while (0)

static void
done(const char *what, int before)
{
	if (failures == before)
		printf("napot: %s: OK\n", what);
}

/* The physical address of the page at va (a member's PPN is the group's, encoded). */
static uint64
page_pa(uint64 va)
{
	uint64 pte = pgpte((void *)va);

	if (pte & PTE_N)
		return (PTE2PA(pte) & ~(GROUP - 1)) + (va & (GROUP - 1));
	return PTE2PA(pte);
}

/*
 * The 64 KiB block at va (aligned) must be one group (want_groups: 16
 * members alike but for A and D, on a 64 KiB aligned frame, with the bits
 * of want) or, without Svnapot, 4 KiB leaves with want where mapped.
 */
static void
expect_block(const char *who, uint64 va, uint64 want)
{
	uint64 first = pgpte((void *)va), bits = PTE_V | PTE_W | PTE_SHARED | PTE_N;

	want |= PTE_V | (want_groups ? PTE_N : 0);
	for (uint64 a = va; a < va + GROUP; a += PGSIZE) {
		uint64 pte = pgpte((void *)a);

		if (!want_groups && !pte)
			continue; /* 4 KiB pages: only the ones touched are mapped */
		if ((pte & bits) != want || (want_groups && !SAME_LEAF(pte, first))) {
			FAIL("%s: %p: pte 0x%lx, want bits 0x%lx of 0x%lx, a group %s\n", who,
			     (void *)a, pte, want, bits, want_groups ? "yes" : "no");
			return;
		}
	}
	if (want_groups && page_pa(va) % GROUP)
		FAIL("%s: the group at %p has pa 0x%lx\n", who, (void *)va, page_pa(va));
}

/* The page at va must be a plain 4 KiB leaf with the bits of want among V W SHARED. */
static void
expect_page(const char *who, uint64 va, uint64 want)
{
	uint64 pte = pgpte((void *)va), bits = PTE_V | PTE_W | PTE_SHARED | PTE_N;

	if ((pte & bits) != (want | PTE_V))
		FAIL("%s: %p: pte 0x%lx, want a 4 KiB leaf with bits 0x%lx\n", who, (void *)va, pte,
		     (uint64)(want | PTE_V));
}

/* check_pages, counted in failures. */
static int
check(const char *who, uint64 lo, uint64 hi, uint64 salt)
{
	int bad = check_pages("napot", who, lo, hi, salt);

	failures += bad != 0;
	return bad;
}

static void
release(const char *what, uint64 brk, int free0)
{
	failures += release_heap("napot", what, brk, free0);
}

static void
exec_test(void)
{
	int local = 1, before = failures;

	for (int i = 0; i < 2; i++)
		expect_block("exec: bss", (uint64)big_bss + i * GROUP, PTE_W);
	expect_page("exec: stack", PGROUNDDOWN((uint64)&local), PTE_W);
	for (uint64 i = 0; i < sizeof(big_bss); i += 512)
		if (big_bss[i] != 0)
			FAIL("exec: bss byte %lu is %d\n", i, big_bss[i]);
	big_bss[GROUP + 5] = 1;
	done("exec", before);
}

/* Pages the touch of va took (its leaf's frame and tables): 16 in a group, else 1. */
static void
touch_costs(const char *who, uint64 va, int group)
{
	int f1 = freepages(), used, want = group ? GROUP_PAGES : 1;

	*(volatile char *)va = 1;
	used = f1 - freepages();
	if (used < want || used > want + 4)
		FAIL("%s: a touch took %d pages, want %d (+ up to 4 tables)\n", who, used, want);
}

static void
lazy_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, sum = 0;
	int free0 = freepages(), before = failures;

	if (grow_heap(4 * GROUP + 3 * PGSIZE, GROUP, &lo)) {
		FAIL("lazy: sbrk failed\n");
		return;
	}
	touch_costs("lazy: whole block", lo + GROUP + 5 * PGSIZE, want_groups);
	expect_block("lazy: whole block", lo + GROUP, PTE_W);
	for (uint64 va = lo + GROUP; va < lo + 2 * GROUP; va += PGSIZE)
		sum += *(volatile uint64 *)(va + 64);
	if (sum != 0)
		FAIL("lazy: the new group is not zeroed\n");
	/* the break cuts the last block: 4 KiB pages there */
	touch_costs("lazy: cut block", lo + 4 * GROUP + PGSIZE, 0);
	expect_page("lazy: cut block", lo + 4 * GROUP + PGSIZE, PTE_W);
	/* the block is whole heap now, but a page of it is mapped: still 4 KiB */
	sbrk((int)GROUP);
	touch_costs("lazy: touched block", lo + 4 * GROUP + 8 * PGSIZE, 0);
	expect_page("lazy: touched block", lo + 4 * GROUP + 8 * PGSIZE, PTE_W);
	if (pgpte((void *)(lo + 4 * GROUP + 9 * PGSIZE)) != 0)
		FAIL("lazy: a page next to a 4 KiB touch was mapped\n");
	release("lazy", brk, free0);
	done("lazy", before);
}

#define COW_BLOCKS 4

/*
 * The grandchild of cow_test: sees its parent's data (salt 1, the page
 * at one written with salt 2), writes another page, exits 0 if all held.
 */
static void
grandchild(uint64 lo, uint64 one, uint64 two)
{
	failures = 0;
	check("cow grandchild", lo, one, 1);
	check("cow grandchild", one, one + PGSIZE, 2);
	check("cow grandchild", one + PGSIZE, lo + COW_BLOCKS * GROUP, 1);
	fill_pages(two, two + PGSIZE, 3);
	exit(failures ? 1 : 0);
}

/*
 * The child of cow_test: its groups are the parent's, shared; writing
 * one page splits only that page's group (the page private, its 15
 * neighbours still shared), then a grandchild writes its own page.
 */
static void
cow_child(uint64 lo, uint64 one, uint64 two, uint64 parent_pa)
{
	int pid;

	failures = 0;
	check("cow child", lo, lo + COW_BLOCKS * GROUP, 1);
	for (int i = 0; i < COW_BLOCKS; i++)
		expect_block("cow child, shared", lo + i * GROUP, PTE_SHARED);
	fill_pages(one, one + PGSIZE, 2);
	expect_page("cow child, written", one, PTE_W);
	if (page_pa(one) == parent_pa)
		FAIL("cow child: the written page was not copied\n");
	expect_page("cow child, split", one + PGSIZE, PTE_SHARED);
	for (int i = 0; i < COW_BLOCKS; i++)
		if (lo + i * GROUP != (one & ~(GROUP - 1)))
			expect_block("cow child, other groups", lo + i * GROUP, PTE_SHARED);
	pid = fork();
	if (pid == 0)
		grandchild(lo, one, two);
	if (wait_status(pid) != 0)
		FAIL("cow child: the grandchild failed\n");
	check("cow child after the grandchild", one, one + PGSIZE, 2);
	check("cow child after the grandchild", two, two + PGSIZE, 1);
	exit(failures ? 1 : 0);
}

/*
 * After a child copied page one and left a grandchild holding the rest
 * of the group: the parent's write to one takes that page back alone
 * (same frame, the group split), its neighbours stay shared.
 */
static void
cow_take_one(uint64 one)
{
	uint64 pa = page_pa(one);
	int pid, holder;

	pid = fork();
	if (pid == 0) {
		fill_pages(one, one + PGSIZE, 4); /* a copy: the parent alone holds one's frame */
		holder = fork();
		if (holder == 0) {
			sleep(1000);
			exit(0);
		}
		exit(holder); /* its pid, for the parent to kill */
	}
	holder = wait_status(pid);
	fill_pages(one, one + PGSIZE, 5);
	expect_page("cow take one", one, PTE_W);
	if (page_pa(one) != pa)
		FAIL("cow take one: the page was copied, not taken back\n");
	expect_page("cow take one, neighbour", one + PGSIZE, PTE_SHARED);
	if (holder > 0) {
		kill(holder);
		wait(0); /* the orphan is ours when we are pid 1 (run=napot); else -1 at once */
	} else
		FAIL("cow take one: the child failed (%d)\n", holder);
}

static void
cow_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, one, two, pa0;
	int free0 = freepages(), before = failures, pid, f1;

	if (grow_heap(COW_BLOCKS * GROUP, GROUP, &lo)) {
		FAIL("cow: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + COW_BLOCKS * GROUP, 1);
	one = lo + GROUP + 3 * PGSIZE;
	two = lo + 2 * GROUP + 7 * PGSIZE;
	pa0 = page_pa(lo);
	pid = fork();
	if (pid == 0)
		cow_child(lo, one, two, page_pa(one));
	for (int i = 0; i < COW_BLOCKS; i++)
		expect_block("cow parent, shared", lo + i * GROUP, PTE_SHARED);
	if (wait_status(pid) != 0)
		FAIL("cow: the child failed\n");
	check("cow parent", lo, lo + COW_BLOCKS * GROUP, 1);
	/* no one else holds any page: each group is taken back whole, no page used */
	f1 = freepages();
	fill_pages(lo, lo + COW_BLOCKS * GROUP, 6);
	for (int i = 0; i < COW_BLOCKS; i++)
		expect_block("cow parent, taken back", lo + i * GROUP, PTE_W);
	if (page_pa(lo) != pa0 || freepages() != f1)
		FAIL("cow: take-back copied (pa 0x%lx was 0x%lx, %d pages used)\n", page_pa(lo),
		     pa0, f1 - freepages());
	cow_take_one(one);
	release("cow", brk, free0);
	done("cow", before);
}

/* sbrk(-n) through a group: the rest keeps its data as 4 KiB leaves, n pages come back. */
static void
shrink_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures, f1;

	if (grow_heap(2 * GROUP, GROUP, &lo)) {
		FAIL("shrink: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + 2 * GROUP, 9);
	expect_block("shrink: before", lo + GROUP, PTE_W);
	f1 = freepages();
	sbrk(-(int)(5 * PGSIZE));
	if (freepages() != f1 + 5)
		FAIL("shrink: sbrk(-5 pages) gave back %d pages\n", freepages() - f1);
	expect_block("shrink: the block below", lo, PTE_W);
	for (uint64 va = lo + GROUP; va < lo + 2 * GROUP - 5 * PGSIZE; va += PGSIZE)
		expect_page("shrink: the cut block", va, PTE_W);
	if (pgpte((void *)(lo + 2 * GROUP - PGSIZE)) != 0)
		FAIL("shrink: a page above the break is mapped\n");
	check("shrink", lo, lo + 2 * GROUP - 5 * PGSIZE, 9);
	release("shrink", brk, free0);
	done("shrink", before);
}

/*
 * With fewer than 16 pages free no 64 KiB block is: the first touch of
 * an untouched block of heap must still work, with a 4 KiB page.
 */
static void
oom_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures, hogpid;

	if (grow_heap(2 * GROUP, GROUP, &lo)) {
		FAIL("oom: sbrk failed\n");
		return;
	}
	*(volatile char *)lo = 1; /* the tables for the second block exist now */
	hogpid = fork();
	if (hogpid == 0) {
		take_memory_without_megapages(2); /* 3..7 pages left */
		sleep(1000);
		exit(0);
	}
	while (freepages() > 8)
		sleep(1);
	*(volatile char *)(lo + GROUP + 2 * PGSIZE) = 2;
	expect_page("oom: no 64 KiB block", lo + GROUP + 2 * PGSIZE, PTE_W);
	if (pgpte((void *)(lo + GROUP)) != 0)
		FAIL("oom: a page next to the 4 KiB fallback is mapped\n");
	kill(hogpid);
	if (wait_status(hogpid) != -1)
		FAIL("oom: the hog did not survive until killed\n");
	release("oom", brk, free0);
	done("oom", before);
}

/* pgaccess reports a group's A (the OR of its 16 members) for each of its pages. */
static void
pgaccess_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, mask = 0, want;
	int free0 = freepages(), before = failures;

	if (grow_heap(2 * GROUP, GROUP, &lo)) {
		FAIL("pgaccess: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + 2 * GROUP, 1);
	pgaccess((void *)lo, 32, &mask); /* clear */
	(void)*(volatile char *)(lo + 3 * PGSIZE);
	mask = 0;
	if (pgaccess((void *)lo, 32, &mask) < 0)
		FAIL("pgaccess: failed\n");
	want = want_groups ? 0xffffUL : 1UL << 3;
	if (mask != want)
		FAIL("pgaccess: mask 0x%lx, want 0x%lx\n", mask, want);
	mask = ~0UL;
	if (pgaccess((void *)lo, 32, &mask) < 0 || (mask & 0xffffffffUL) != 0)
		FAIL("pgaccess: not cleared: mask 0x%lx\n", mask);
	release("pgaccess", brk, free0);
	done("pgaccess", before);
}

/*
 * A 2 MiB region touched whole is one megapage, gathered from 64 KiB
 * groups too; one touched half stays in groups.
 */
static void
promote_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, pte;
	int free0 = freepages(), before = failures;

	if (grow_heap(2 * MEGASIZE, MEGASIZE, &lo)) {
		FAIL("promote: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + MEGASIZE, 3);
	pte = pgpte((void *)lo);
	if (PTE2PA(pte) % MEGASIZE || (pte & PTE_N) ||
	    !SAME_LEAF(pte, pgpte((void *)(lo + MEGASIZE - PGSIZE))))
		FAIL("promote: the region touched whole is not a megapage (pte 0x%lx)\n", pte);
	check("promote", lo, lo + MEGASIZE, 3);
	fill_pages(lo + MEGASIZE, lo + MEGASIZE + MEGASIZE / 2, 4);
	for (uint64 va = lo + MEGASIZE; va < lo + MEGASIZE + MEGASIZE / 2; va += GROUP)
		expect_block("promote: half a region", va, PTE_W);
	release("promote", brk, free0);
	done("promote", before);
}

/* copybench mode 8: fork copies each group into a private group of its own. */
static void
eager_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, pa;
	int free0 = freepages(), before = failures, pid;

	if (grow_heap(2 * GROUP, GROUP, &lo)) {
		FAIL("eager: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + 2 * GROUP, 5);
	pa = page_pa(lo);
	copybench(COPYBENCH_FORK_EAGER, 0, 1);
	pid = fork();
	if (pid == 0) {
		failures = 0;
		expect_block("eager child", lo, PTE_W);
		expect_block("eager child", lo + GROUP, PTE_W);
		if (page_pa(lo) == pa)
			FAIL("eager child: the group was not copied\n");
		check("eager child", lo, lo + 2 * GROUP, 5);
		exit(failures ? 1 : 0);
	}
	copybench(COPYBENCH_FORK_EAGER, 0, 0);
	if (wait_status(pid) != 0)
		FAIL("eager: the child failed\n");
	expect_block("eager parent", lo, PTE_W);
	release("eager", brk, free0);
	done("eager", before);
}

struct leaves {
	int mega, groups, pages;
};

/* Count the leaves mapping [lo, hi) (2 MiB aligned) by their pgpte()s. */
static struct leaves
count_leaves(uint64 lo, uint64 hi)
{
	struct leaves n = { 0, 0, 0 };
	uint64 va = lo, pte;

	while (va < hi) {
		pte = pgpte((void *)va);
		if (!pte) {
			va += PGSIZE;
		} else if (pte & PTE_N) {
			n.groups++;
			va += GROUP;
		} else if (va % MEGASIZE == 0 && PTE2PA(pte) % MEGASIZE == 0 &&
			   SAME_LEAF(pte, pgpte((void *)(va + PGSIZE)))) {
			n.mega++;
			va += MEGASIZE;
		} else {
			n.pages++;
			va += PGSIZE;
		}
	}
	return n;
}

#define FIG_BYTES (16UL << 20)

/*
 * Touch a page every stride bytes of the first span bytes of each 2 MiB
 * region of a 16 MiB heap (two words a page, so the time is mostly the
 * faults); print its leaves, tables, pages used and the time it took.
 */
static void
figure(const char *how, uint64 span, uint64 stride)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), upt0 = copybench(COPYBENCH_UPT_TABLES, 0, 0);
	int kpt0 = copybench(COPYBENCH_KPT_TABLES, 0, 0), f1;
	uint64 t0;
	struct leaves n;

	if (grow_heap(FIG_BYTES, MEGASIZE, &lo)) {
		FAIL("figures: sbrk failed\n");
		return;
	}
	f1 = freepages();
	t0 = rdtime();
	for (uint64 r = lo; r < lo + FIG_BYTES; r += MEGASIZE)
		for (uint64 va = r; va < r + span; va += stride)
			fill_pages(va, va + PGSIZE, 1);
	t0 = rdtime() - t0;
	n = count_leaves(lo, lo + FIG_BYTES);
	printf("napot: figures: %s Svnapot, 16 MiB heap %s: %d megapages, %d groups, %d 4 KiB "
	       "leaves; table pages +%d user, +%d kernel mirror; %d pages used; touching took %lu "
	       "us\n",
	       want_groups ? "with" : "without", how, n.mega, n.groups, n.pages,
	       copybench(COPYBENCH_UPT_TABLES, 0, 0) - upt0,
	       copybench(COPYBENCH_KPT_TABLES, 0, 0) - kpt0, f1 - freepages(), t0 / 10);
	release("figures", brk, free0);
}

int
main(int argc, char *argv[])
{
	if (argc < 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(2, "usage: napot on|off [figures]\n");
		return 2;
	}
	want_groups = !strcmp(argv[1], "on");
	if (argc > 2 && !strcmp(argv[2], "figures")) {
		figure("touched whole", MEGASIZE, PGSIZE);
		figure("first 1 MiB of each 2 MiB touched", MEGASIZE / 2, PGSIZE);
		figure("one page per 64 KiB touched", MEGASIZE, GROUP);
		return failures ? 1 : 0;
	}
	exec_test();
	lazy_test();
	cow_test();
	shrink_test();
	oom_test();
	pgaccess_test();
	promote_test();
	eager_test();
	if (failures) {
		printf("napot: %d FAILED\n", failures);
		return 1;
	}
	printf("napot: all tests passed (%s)\n", want_groups ? "64 KiB groups" : "4 KiB pages");
	return 0;
}
