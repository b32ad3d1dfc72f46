/* SPDX-License-Identifier: MIT */
/*
 * cowtest - copy-on-write fork and lazy sbrk, as a process sees them:
 *   lazy       sbrk maps nothing; touching pages costs those pages (and
 *              their tables; with Svnapot, whole 64 KiB groups); reads of untouched pages see zeros; sbrk
 *              past the half or beyond free memory fails, changing nothing
 *   shrink     a page given back by sbrk(-n) kills the child that touches it
 *   forkpages  a fork allocates no more than the child's tables and its
 *              own pages; a write after the child is gone takes the frame
 *              back (same frame, no page used)
 *   big        a process holding 60% of free memory forks; the child sees
 *              all of it, writes a quarter, the parent writes all after
 *   threegen   three generations fork, write and compare
 *   syscalls   copyout (wait's status, pgaccess's mask) into shared
 *              pages; read(0) into a shared buffer (with a typed line);
 *              copyin/copyinstr from lazy pages
 *   pgaccess   accessed bits of lazy and shared pages
 *   oom        a lazy touch and a copy-on-write write with no memory left
 *              kill only that process
 *   storm      children on every hart write every shared page at once
 *   eager      copybench mode 8 (bench's eager reference): fork copies
 *              every page, marked ones included, into private writable
 *              frames; the parent's pages stay as they were
 * Each check ends with freepages() back at its baseline. Exits 0 only if
 * every check passed; usage: cowtest [test...] (default: all but read).
 */
#include "memcheck.h"

static int failures;

#define FAIL(...)                                          \
	do {                                               \
		fprintf(2, "cowtest: FAIL: " __VA_ARGS__); \
		failures++;                                \
	} while (0)

/* check_pages, counted in failures. */
static int
check(const char *who, uint64 lo, uint64 hi, uint64 salt)
{
	int bad = check_pages("cowtest", who, lo, hi, salt);

	failures += bad != 0;
	return bad;
}

static void
release(const char *what, uint64 brk, int free0)
{
	failures += release_heap("cowtest", what, brk, free0);
}

static void
done(const char *what, int before)
{
	if (failures == before)
		printf("cowtest: %s: OK\n", what);
}

#define LAZY_BYTES (64UL << 20)
#define LAZY_TOUCH 10
#define PTE_N (1UL << 63)	 /* a member of a 64 KiB Svnapot group */
#define GROUP_BYTES (64UL << 10) /* such a group */

/*
 * The frames of the leaves mapping the n pages from lo: one per 4 KiB
 * leaf, 16 per 64 KiB group (with Svnapot, a first touch of a whole
 * untouched heap block maps the block).
 */
static int
leaf_pages(uint64 lo, int n)
{
	int pages = 0;
	uint64 last_group = 1;

	for (uint64 va = lo; va < lo + (uint64)n * PGSIZE; va += PGSIZE) {
		uint64 pte = pgpte((void *)va), block = va & ~(GROUP_BYTES - 1);

		if (!(pte & PTE_N))
			pages += pte != 0;
		else if (block != last_group)
			pages += GROUP_BYTES / PGSIZE, last_group = block;
	}
	return pages;
}

static void
lazy_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures, f1, sum = 0, want;

	if (grow_heap(LAZY_BYTES, PGSIZE, &lo)) {
		FAIL("lazy: sbrk(%lu) failed\n", LAZY_BYTES);
		return;
	}
	if (freepages() != free0)
		FAIL("lazy: sbrk(64 MiB) took %d pages\n", free0 - freepages());
	if (pgpte((void *)(lo + PGSIZE)) != 0)
		FAIL("lazy: an untouched page is mapped\n");
	/*
	 * LAZY_TOUCH pages of one 2 MiB region cost their leaves' frames
	 * (those pages, or whole 64 KiB groups) and at most a table in each table
	 */
	f1 = freepages();
	for (int i = 0; i < LAZY_TOUCH; i++)
		*(volatile char *)(lo + (uint64)i * PGSIZE) = 1;
	want = leaf_pages(lo, LAZY_TOUCH);
	if (want < LAZY_TOUCH || f1 - freepages() < want || f1 - freepages() > want + 4)
		FAIL("lazy: touching %d pages took %d (their leaves hold %d)\n", LAZY_TOUCH,
		     f1 - freepages(), want);
	/* reads of untouched pages see zeros */
	for (uint64 va = lo + 32 * PGSIZE; va < lo + 40 * PGSIZE; va += PGSIZE)
		sum += *(volatile int *)(va + 100);
	if (sum != 0)
		FAIL("lazy: an untouched page does not read as zeros\n");
	/* the end of the new heap is reachable, in a page the break cuts too */
	*(volatile char *)(lo + LAZY_BYTES - 1) = 2;
	sbrk(100);
	*(volatile char *)(lo + LAZY_BYTES + 99) = 3;
	if (sbrk(0x7fffffff) != (char *)-1 && sbrk(0x7fffffff) != (char *)-1 &&
	    sbrk(0x7fffffff) != (char *)-1)
		FAIL("lazy: sbrk beyond free memory succeeded\n");
	release("lazy", brk, free0);
	done("lazy", before);
}

/* A child that touches the page sbrk(-n) took back is killed. */
static void
shrink_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures, pid;

	if (grow_heap(2 * PGSIZE, PGSIZE, &lo)) {
		FAIL("shrink: sbrk failed\n");
		return;
	}
	*(volatile char *)lo = 1;
	*(volatile char *)(lo + PGSIZE) = 1;
	sbrk(-PGSIZE);
	if (pgpte((void *)(lo + PGSIZE)) != 0)
		FAIL("shrink: the page sbrk(-%d) gave back is still mapped\n", PGSIZE);
	for (int write = 0; write < 2; write++) {
		pid = fork();
		if (pid == 0) {
			if (write)
				*(volatile char *)(lo + PGSIZE) = 3;
			else
				(void)*(volatile char *)(lo + PGSIZE);
			exit(0);
		}
		if (wait_status(pid) != -1)
			FAIL("shrink: a %s of the freed page was not killed\n",
			     write ? "store" : "load");
	}
	if (*(volatile char *)lo != 1)
		FAIL("shrink: the page below the break lost its data\n");
	release("shrink", brk, free0);
	done("shrink", before);
}

#define FORK_PAGES 256

/*
 * Pages one fork takes: at most the child's two tables (the parent's
 * own counts, copybench 2 and 3: same shape) and its own pages
 * (trapframe, USYSCALL, 4 kernel-stack pages), plus the parent's first
 * store after fork (its stack: a copy). Then, with the child gone, a
 * store into a shared page keeps the frame (take-back) and takes no page.
 */
static void
forkpages_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, pte0, pte1;
	int free0 = freepages(), before = failures, f1, used, bound, pid;

	if (grow_heap(FORK_PAGES * PGSIZE, PGSIZE, &lo)) {
		FAIL("forkpages: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + FORK_PAGES * PGSIZE, 1);
	bound = copybench(COPYBENCH_UPT_TABLES, 0, 0) + copybench(COPYBENCH_KPT_TABLES, 0, 0) + 6 +
		2;
	f1 = freepages();
	pid = fork();
	used = f1 - freepages();
	if (pid == 0) {
		sleep(1000);
		exit(0);
	}
	if (pid < 0 || used > bound)
		FAIL("forkpages: fork took %d pages, more than %d\n", used, bound);
	printf("cowtest: forkpages: a fork of %d touched pages took %d pages (bound %d)\n",
	       FORK_PAGES, used, bound);
	kill(pid);
	wait_status(pid);
	pte0 = pgpte((void *)lo);
	f1 = freepages();
	*(volatile uint64 *)lo = 5;
	pte1 = pgpte((void *)lo);
	if (PTE2PA(pte0) != PTE2PA(pte1) || !(pte1 & PTE_W) || (pte0 & PTE_W))
		FAIL("forkpages: after the child: pte 0x%lx then 0x%lx, want the same frame "
		     "made writable\n",
		     pte0, pte1);
	if (freepages() != f1)
		FAIL("forkpages: the take-back used %d pages\n", f1 - freepages());
	release("forkpages", brk, free0);
	done("forkpages", before);
}

/*
 * copybench(8, 0, 1): this process's forks copy every page (bench's eager
 * reference). The pages are marked by an earlier copy-on-write fork, so
 * the copy must give the child private writable frames of its own (no
 * mark, other frames, same contents) and take at least a page per page.
 */
static void
eager_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, va;
	int free0 = freepages(), before = failures, f1, used, pid, bad = 0;

	if (grow_heap(FORK_PAGES * PGSIZE, PGSIZE, &lo)) {
		FAIL("eager: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + FORK_PAGES * PGSIZE, 7);
	pid = fork(); /* copy-on-write: marks the parent's pages */
	if (pid == 0)
		exit(0);
	wait_status(pid);
	copybench(COPYBENCH_FORK_EAGER, 0, 1);
	f1 = freepages();
	pid = fork();
	used = f1 - freepages();
	if (pid == 0) {
		for (va = lo; va < lo + FORK_PAGES * PGSIZE; va += PGSIZE) {
			uint64 pte = pgpte((void *)va);

			bad += !(pte & PTE_W) || (pte & SV39_PTE_RSW_EMBEDDER);
		}
		bad += check("eager child", lo, lo + FORK_PAGES * PGSIZE, 7);
		fill_pages(lo, lo + FORK_PAGES * PGSIZE, 8);
		exit(bad ? 1 : 0);
	}
	copybench(COPYBENCH_FORK_EAGER, 0, 0);
	if (pid < 0 || used < FORK_PAGES)
		FAIL("eager: fork took %d pages for %d touched\n", used, FORK_PAGES);
	if (wait_status(pid) != 0)
		FAIL("eager: the child's pages were not private writable copies\n");
	check("eager parent", lo, lo + FORK_PAGES * PGSIZE, 7);
	release("eager", brk, free0);
	done("eager", before);
}

/*
 * A process holding 60% of free memory forks (eager copying could not);
 * the child checks all of it and writes a quarter (copies), the parent
 * checks after it, then writes all (take-backs: no page used).
 */
static void
big_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, hi, n, quarter;
	int free0 = freepages(), before = failures, pid, f1;

	n = (uint64)free0 * 6 / 10;
	if (grow_heap(n * PGSIZE, PGSIZE, &lo)) {
		FAIL("big: sbrk(%lu pages) failed\n", n);
		return;
	}
	hi = lo + n * PGSIZE;
	quarter = lo + n / 4 * PGSIZE;
	fill_pages(lo, hi, 0xb16);
	pid = fork();
	if (pid == 0) {
		failures = 0;
		check("big child", lo, hi, 0xb16);
		fill_pages(lo, quarter, 0xc41d);
		check("big child after writing", lo, quarter, 0xc41d);
		check("big child, unwritten", quarter, hi, 0xb16);
		exit(failures ? 1 : 0);
	}
	if (pid < 0)
		FAIL("big: fork of %lu pages with %d free failed\n", n, free0);
	else if (wait_status(pid) != 0)
		FAIL("big: the child failed\n");
	check("big parent", lo, hi, 0xb16);
	f1 = freepages();
	fill_pages(lo, hi, 0xfa7);
	check("big parent after writing", lo, hi, 0xfa7);
	if (freepages() < f1 - 8)
		FAIL("big: the parent's writes used %d pages (take-backs use none)\n",
		     f1 - freepages());
	release("big", brk, free0);
	done("big", before);
}

#define GEN_BYTES (1UL << 20)

/* Generation gen (0..2) writes its stripe and checks every stripe it should see. */
static void
generation(uint64 lo, int gen)
{
	uint64 stripe = GEN_BYTES / 4;
	int pid;

	fill_pages(lo + (uint64)gen * stripe, lo + (uint64)(gen + 1) * stripe, (uint64)gen + 100);
	if (gen < 2) {
		pid = fork();
		if (pid == 0) {
			failures = 0;
			generation(lo, gen + 1);
			exit(failures ? 1 : 0);
		}
		if (pid < 0 || wait_status(pid) != 0)
			FAIL("threegen: generation %d failed\n", gen + 1);
	}
	/* what this generation wrote, what its ancestors wrote, the untouched rest */
	for (int g = 0; g <= gen; g++)
		check("threegen", lo + (uint64)g * stripe, lo + (uint64)(g + 1) * stripe,
		      (uint64)g + 100);
	check("threegen rest", lo + (uint64)(gen + 1) * stripe, lo + GEN_BYTES, 7);
}

static void
threegen_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures;

	if (grow_heap(GEN_BYTES, PGSIZE, &lo)) {
		FAIL("threegen: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + GEN_BYTES, 7);
	fill_pages(lo, lo + 3 * GEN_BYTES / 4, 7);
	generation(lo, 0);
	release("threegen", brk, free0);
	done("threegen", before);
}

static int shared_status = 1234; /* data segment: shared after fork */
static char shared_buf[3 * PGSIZE];

/*
 * System calls write into shared pages and read lazy ones: wait()'s
 * status and pgaccess()'s mask land in pages shared with a sleeping
 * child, which must still see its own values; exec's path and write()'s
 * buffer come from pages never touched.
 */
static void
syscalls_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, mask = 0;
	int free0 = freepages(), before = failures, sleeper, pid;

	memset(shared_buf, 'p', sizeof(shared_buf));
	sleeper = fork();
	if (sleeper == 0) {
		sleep(20);
		exit(shared_status == 1234 && shared_buf[PGSIZE] == 'p' ? 0 : 1);
	}
	pid = fork();
	if (pid == 0)
		exit(42);
	if (wait(&shared_status) != pid || shared_status != 42)
		FAIL("syscalls: wait() into a shared page gave %d\n", shared_status);
	if (pgaccess(shared_buf + PGSIZE - ((uint64)shared_buf % PGSIZE), 1, shared_buf + PGSIZE) <
	    0)
		FAIL("syscalls: pgaccess() with its mask in a shared page failed\n");
	if (wait_status(sleeper) != 0)
		FAIL("syscalls: the sleeping child saw its parent's copyouts\n");
	shared_status = 1234;
	if (grow_heap(4 * PGSIZE, PGSIZE, &lo)) {
		FAIL("syscalls: sbrk failed\n");
		return;
	}
	if (exec((char *)lo, NULL) != -1 || pgpte((void *)lo) == 0)
		FAIL("syscalls: exec's path from a lazy page: not read\n");
	if (write(1, (char *)(lo + PGSIZE), 1) != 1 || *(char *)(lo + PGSIZE) != 0)
		FAIL("syscalls: write() from a lazy page failed\n");
	if (pgaccess((void *)(lo + 2 * PGSIZE), 1, (void *)(lo + 3 * PGSIZE)) < 0)
		FAIL("syscalls: pgaccess() with its mask in a lazy page failed\n");
	(void)mask;
	printf("\n");
	release("syscalls", brk, free0);
	done("syscalls", before);
}

/* read(0) into a buffer shared with a child, which reads its own line. */
static void
read_test(void)
{
	static char buf[PGSIZE];
	int before = failures, pid, n;

	memset(buf, 'p', sizeof(buf));
	pid = fork();
	if (pid == 0) {
		n = read(0, buf, 64);
		exit(n > 0 && !strncmp(buf, "cowline", 7) ? 0 : 1);
	}
	if (pid < 0 || wait_status(pid) != 0)
		FAIL("read: the child's read(0) into a shared page failed\n");
	if (buf[0] != 'p')
		FAIL("read: the child's read(0) reached the parent's page\n");
	n = read(0, buf, 64);
	if (n <= 0 || strncmp(buf, "cowline", 7))
		FAIL("read: the parent's read(0) into a page shared before gave %d\n", n);
	done("read", before);
}

#define PGA_PAGES 8

/* pgaccess on lazy pages (touched: mapped with A) and on shared ones. */
static void
pgaccess_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, mask;
	int free0 = freepages(), before = failures, pid;

	if (grow_heap(PGA_PAGES * PGSIZE, PGSIZE, &lo)) {
		FAIL("pgaccess: sbrk failed\n");
		return;
	}
	mask = 0;
	pgaccess((void *)lo, PGA_PAGES, &mask);
	*(volatile char *)(lo + PGSIZE) = 1;
	(void)*(volatile char *)(lo + 3 * PGSIZE);
	mask = 0;
	if (pgaccess((void *)lo, PGA_PAGES, &mask) < 0 || mask != ((1UL << 1) | (1UL << 3)))
		FAIL("pgaccess: lazy pages 1 and 3 touched, mask 0x%lx\n", mask);
	fill_pages(lo, lo + PGA_PAGES * PGSIZE, 3);
	pid = fork();
	if (pid == 0) {
		sleep(1000);
		exit(0);
	}
	mask = 0;
	pgaccess((void *)lo, PGA_PAGES, &mask);
	(void)*(volatile char *)(lo + 2 * PGSIZE);
	*(volatile char *)(lo + 5 * PGSIZE) = 1;
	mask = 0;
	if (pgaccess((void *)lo, PGA_PAGES, &mask) < 0 || mask != ((1UL << 2) | (1UL << 5)))
		FAIL("pgaccess: shared pages 2 (read) and 5 (copied) touched, mask 0x%lx\n", mask);
	kill(pid);
	wait_status(pid);
	release("pgaccess", brk, free0);
	done("pgaccess", before);
}

#define OOM_SHARED 64 /* pages the copier writes */
#define OOM_LEFT 40   /* pages the hog leaves: fewer than the copier needs */

/*
 * No memory left at a fault: a lazy touch (a child touching pages until
 * it dies) and a copy-on-write copy (a child writing pages it shares
 * while a hog holds the rest) each kill only the faulting process; the
 * parent's pages and the hog are intact, and every page comes back.
 */
static void
oom_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo;
	int free0 = freepages(), before = failures, pid, hogpid, flag, status;

	pid = fork();
	if (pid == 0) {
		/* two grows, each within sbrk's bound, more than memory together */
		uint64 n = (uint64)freepages() * 3 / 4 * PGSIZE, p = (uint64)sbrk((int)n);

		if (p == (uint64)-1 || sbrk((int)n) == (char *)-1)
			exit(2);
		for (uint64 va = p; va < p + 2 * n; va += PGSIZE)
			*(volatile char *)va = 1;
		exit(3);
	}
	if (wait_status(pid) != -1)
		FAIL("oom: the child touching all memory was not killed\n");
	if (freepages() != free0)
		FAIL("oom: %d free pages after the lazy OOM, %d before\n", freepages(), free0);
	if (grow_heap(OOM_SHARED * PGSIZE, PGSIZE, &lo)) {
		FAIL("oom: sbrk failed\n");
		return;
	}
	fill_pages(lo, lo + OOM_SHARED * PGSIZE, 0x00f);
	/*
	 * The hog says it is done by killing flag (a sleeper): only then is
	 * the copier forked, so it never races the hog for the last pages
	 * (a hog killed there would free its memory and let the copier
	 * finish). The hog leaves OOM_LEFT pages: enough for the fork of the
	 * copier (tables, kernel stack, trapframe), not for its 64 copies.
	 */
	flag = fork();
	if (flag == 0) {
		sleep(1000);
		exit(0);
	}
	hogpid = fork();
	if (hogpid == 0) {
		take_memory_without_megapages(OOM_LEFT);
		kill(flag);
		sleep(1000);
		exit(0);
	}
	if (wait_status(flag) != -1)
		FAIL("oom: the hog did not finish taking memory\n");
	pid = fork();
	if (pid == 0) {
		if (freepages() >= OOM_SHARED)
			exit(4); /* enough for every copy: the check below would prove nothing */
		fill_pages(lo, lo + OOM_SHARED * PGSIZE, 0xdead);
		exit(0);
	}
	if (pid < 0)
		FAIL("oom: fork of the copier failed with %d pages free\n", freepages());
	else if ((status = wait_status(pid)) == 4)
		FAIL("oom: the copier had %d pages or more free\n", OOM_SHARED);
	else if (status != -1)
		FAIL("oom: the child copying with no memory left was not killed\n");
	kill(hogpid);
	if (wait_status(hogpid) != -1)
		FAIL("oom: the hog did not survive until killed\n");
	check("oom parent", lo, lo + OOM_SHARED * PGSIZE, 0x00f);
	release("oom", brk, free0);
	done("oom", before);
}

#define STORM_BYTES (4UL << 20)
#define STORM_CHILDREN 4
#define STORM_ROUNDS 3

/* Children (on every hart there is) and the parent write all shared pages at once. */
static void
storm_test(void)
{
	uint64 brk = (uint64)sbrk(0), lo, hi;
	int free0 = freepages(), before = failures, pids[STORM_CHILDREN];

	if (grow_heap(STORM_BYTES, PGSIZE, &lo)) {
		FAIL("storm: sbrk failed\n");
		return;
	}
	hi = lo + STORM_BYTES;
	fill_pages(lo, hi, 0x5701);
	for (int round = 0; round < STORM_ROUNDS; round++) {
		for (int i = 0; i < STORM_CHILDREN; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				failures = 0;
				fill_pages(lo, hi, (uint64)i + 1);
				check("storm child", lo, hi, (uint64)i + 1);
				exit(failures ? 1 : 0);
			}
		}
		fill_pages(lo, hi, 0x5701 + (uint64)round + 1);
		for (int i = 0; i < STORM_CHILDREN; i++) {
			int status = -99;

			if (pids[i] < 0 || wait(&status) < 0 || status != 0)
				FAIL("storm: round %d: a child failed (status %d)\n", round,
				     status);
		}
		check("storm parent", lo, hi, 0x5701 + (uint64)round + 1);
	}
	release("storm", brk, free0);
	done("storm", before);
}

static const struct {
	const char *name;
	void (*fn)(void);
	int by_default;
} tests[] = {
	{ "lazy", lazy_test, 1 },
	{ "shrink", shrink_test, 1 },
	{ "forkpages", forkpages_test, 1 },
	{ "big", big_test, 1 },
	{ "threegen", threegen_test, 1 },
	{ "syscalls", syscalls_test, 1 },
	{ "read", read_test, 0 },
	{ "pgaccess", pgaccess_test, 1 },
	{ "oom", oom_test, 1 },
	{ "storm", storm_test, 1 },
	{ "eager", eager_test, 1 },
};

int
main(int argc, char *argv[])
{
	for (uint64 i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int run = argc < 2 && tests[i].by_default;

		for (int a = 1; a < argc; a++)
			run |= !strcmp(argv[a], tests[i].name);
		if (run)
			tests[i].fn();
	}
	if (failures) {
		printf("cowtest: %d FAILED\n", failures);
		return 1;
	}
	printf("cowtest: all tests passed\n");
	return 0;
}
