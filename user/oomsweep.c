/* SPDX-License-Identifier: MIT */
/*
 * oomsweep - a system call that fails for want of memory changes nothing.
 *
 * Each sweep runs in a child that first takes (nearly) all free memory,
 * then gives it back one page at a time; at every step it makes the call
 * under test and, when the call fails, checks that freepages(), the
 * break and the page tables are exactly what they were before it:
 *   grow     sbrk(+16 pages) (it maps nothing: it fails only while fewer
 *            pages than it asks for are free)
 *   fork     fork() of a process that holds all memory
 *   exec     exec("oomsweep") (until it works: the new image reports)
 *   shrink   sbrk(-4096) cutting a 2 MiB megapage, which needs a table
 *            page in the user table and one in the kernel table's mirror;
 *            a helper child holds memory so that 0, 1, 2, ... pages are
 *            free when the cut is tried
 * Every sweep must see at least one failing call, and all memory must
 * come back when its child exits. Exits 0 only if every check passed.
 */
#include "user.h"

#define GROW_PAGES 16
#define MAX_STEPS 400
#define SHRINK_LEVELS 8
#define STABLE_TICKS 20
#define EXECD_OK 0

static int failures;

#define FAIL(...)                                           \
	do {                                                \
		fprintf(2, "oomsweep: FAIL: " __VA_ARGS__); \
		failures++;                                 \
	} while (0)

/*
 * Take memory until `leave` pages are free (or sbrk fails), touching
 * every page (sbrk maps nothing until a page is touched), in steps of at
 * most 1 MiB, then a page at a time; a page that starts a 2 MiB region
 * also needs a table in each of the process's two tables, so it is taken
 * only while that leaves `leave`. (Regions touched whole become
 * megapages; giving their pages back one at a time splits the first.)
 */
static void
take_memory(int leave)
{
	char *p;

	for (int chunk = 1024 * 1024; chunk >= PGSIZE; chunk /= 2)
		while (freepages() > leave + chunk / PGSIZE + 8) {
			if ((p = sbrk(chunk)) == (char *)-1)
				break;
			for (int off = 0; off < chunk; off += PGSIZE)
				p[off] = 1;
		}
	for (;;) {
		uint64 brk = (uint64)sbrk(0);

		if (freepages() <= leave + (brk % MEGASIZE == 0 ? 2 : 0))
			break;
		if ((p = sbrk(PGSIZE)) == (char *)-1)
			break;
		*p = 1;
	}
}

/* After a failed call: nothing changed. */
static int
unchanged(const char *what, int step, int free0, char *brk0)
{
	int f = freepages();

	if (f != free0) {
		FAIL("%s at step %d (%d free pages): %d pages free after the failed call\n", what,
		     step, free0, f);
		return 0;
	}
	if (sbrk(0) != brk0) {
		FAIL("%s at step %d: the break moved from %p to %p\n", what, step, brk0, sbrk(0));
		return 0;
	}
	return 1;
}

/* The grow and fork sweeps, in a child that holds all memory. */
static void __attribute__((noreturn)) sweep_child(int fork_sweep)
{
	const char *what = fork_sweep ? "fork" : "sbrk grow";
	int nfail = 0, step;

	take_memory(0);
	for (step = 0; step < MAX_STEPS; step++) {
		int free0 = freepages(), pid;
		char *brk0 = sbrk(0);

		if (fork_sweep) {
			pid = fork();
			if (pid == 0)
				exit(0);
			if (pid > 0) {
				wait(NULL);
				break;
			}
		} else if (sbrk(GROW_PAGES * PGSIZE) != (char *)-1) {
			sbrk(-GROW_PAGES * PGSIZE);
			break;
		}
		nfail++;
		if (!unchanged(what, step, free0, brk0))
			exit(1);
		if (sbrk(-PGSIZE) == (char *)-1) {
			FAIL("%s: giving back a 4 KiB page failed\n", what);
			exit(1);
		}
	}
	printf("oomsweep: %s: %d failing calls left nothing behind%s\n", what, nfail,
	       step < MAX_STEPS ? ", then it worked" : "");
	exit(nfail > 0 ? 0 : 1);
}

static void
utoa(char *buf, unsigned n)
{
	char tmp[16];
	int i = 0;

	do
		tmp[i++] = (char)('0' + n % 10);
	while (n /= 10);
	while (i > 0)
		*buf++ = tmp[--i];
	*buf = '\0';
}

/* The exec sweep: fails until enough pages are free, then the new image reports. */
static void __attribute__((noreturn)) exec_child(void)
{
	char count[16], *argv[] = { "oomsweep", "execd", count, NULL };

	take_memory(0);
	for (int step = 0; step < MAX_STEPS; step++) {
		int free0 = freepages();
		char *brk0 = sbrk(0);

		utoa(count, (unsigned)step);
		exec("oomsweep", argv);
		if (!unchanged("exec", step, free0, brk0))
			exit(1);
		sbrk(-PGSIZE);
	}
	FAIL("exec: never worked\n");
	exit(1);
}

/* A megapage pte maps its first and second 4 KiB page alike. */
static int
is_megapage(char *va)
{
	uint64 pte = pgpte(va);

	return (pte & PTE_V) && pte == pgpte(va + PGSIZE);
}

/* Wait until the helper has left at most `leave` pages free, or stopped. */
static void
wait_for_helper(int leave)
{
	int stable = 0, f;

	while ((f = freepages()) > leave && stable < STABLE_TICKS) {
		sleep(1);
		stable = freepages() == f ? stable + 1 : 0;
	}
}

static void __attribute__((noreturn)) shrink_child(void)
{
	uint64 brk = (uint64)sbrk(0);
	char *mega, *brk0;
	int nfail = 0, level, worked = 0;

	sbrk((int)(((brk + MEGASIZE - 1) & ~(MEGASIZE - 1)) - brk));
	mega = sbrk(MEGASIZE);
	for (uint64 off = 0; mega != (char *)-1 && off < MEGASIZE; off += PGSIZE)
		mega[off] = 1; /* a region touched whole becomes a megapage */
	if (mega == (char *)-1 || !is_megapage(mega)) {
		FAIL("sbrk shrink: no 2 MiB megapage to cut\n");
		exit(1);
	}
	for (level = 0; level < SHRINK_LEVELS && !worked; level++) {
		int helper = fork(), free0;
		uint64 pte0 = pgpte(mega);

		if (helper == 0) {
			sbrk(-(int)MEGASIZE); /* its copy of the megapage */
			take_memory(level);
			for (;;)
				sleep(1000);
		}
		if (helper < 0) {
			FAIL("sbrk shrink: fork failed\n");
			exit(1);
		}
		wait_for_helper(level);
		free0 = freepages();
		brk0 = sbrk(0);
		if (sbrk(-PGSIZE) != (char *)-1) {
			worked = 1;
		} else {
			nfail++;
			unchanged("sbrk shrink", level, free0, brk0);
			if (pgpte(mega) != pte0 || !is_megapage(mega))
				FAIL("sbrk shrink at %d free pages: the megapage changed\n", free0);
		}
		printf("oomsweep: sbrk shrink with %d free pages: %s\n", free0,
		       worked ? "worked" : "failed");
		kill(helper);
		wait(NULL);
	}
	if (!nfail)
		FAIL("sbrk shrink: no failing call\n");
	if (failures == 0)
		printf("oomsweep: sbrk shrink: %d failing calls left nothing behind%s\n", nfail,
		       worked ? ", then it worked" : "");
	exit(failures == 0 ? 0 : 1);
}

static void
run(const char *what, int which)
{
	int free0 = freepages(), pid, status = -2;

	pid = fork();
	if (pid == 0) {
		if (which == 0 || which == 1)
			sweep_child(which);
		if (which == 2)
			exec_child();
		shrink_child();
	}
	if (pid < 0 || wait(&status) != pid || status != 0)
		FAIL("%s: the sweep failed (status %d)\n", what, status);
	if (freepages() != free0)
		FAIL("%s: %d free pages after the sweep, %d before\n", what, freepages(), free0);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "execd")) {
		int n = atoi(argv[2]);

		printf("oomsweep: exec: %d failing calls left nothing behind, then it worked\n", n);
		return n > 0 ? EXECD_OK : 1;
	}
	/* First, while memory still has whole 2 MiB blocks for the megapage. */
	run("sbrk shrink", 3);
	run("sbrk grow", 0);
	run("fork", 1);
	run("exec", 2);
	if (failures) {
		printf("oomsweep: %d FAILED\n", failures);
		return 1;
	}
	printf("oomsweep: all tests passed\n");
	return 0;
}
