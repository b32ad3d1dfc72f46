/* SPDX-License-Identifier: MIT */
/*
 * memtests - user memory the kernel must refuse, and memory limits.
 *
 *   badptr   every system call that copies from or to user memory (write,
 *            read, exec's path and argv, pgaccess's mask, wait's status)
 *            given every class of bad pointer returns -1 and kills nobody
 *   kill     bad accesses from user mode (kernel addresses, the reserved
 *            top pages, data as code, a write to text or USYSCALL, the
 *            stack guard page) kill the child that makes them, with
 *            status -1, and nothing else
 *   bigheap  sbrk grows the heap past 0x0c000000 when RAM allows
 *   oom      a child sbrk's and touches until memory runs out; fork then
 *            fails
 *            cleanly; every page comes back when the child exits
 * Exits 0 only if every check passed; each failure is printed.
 */
#include "user.h"

#define KILLED (-1)    /* wait() status of a process the kernel killed */
#define SURVIVED 77    /* a child that should have been killed exits with this */
#define EXEC_FAILED 42 /* a child whose exec() returned -1 exits with this */
#define WATCHDOG_TICKS 50

#define NONCANON MAXVA /* first address of the hole */
#define WRAP_ADDR 0xfffffffffffff000UL
#define WRAP_LEN 0x2000

static int failures;

#define FAIL(...)                                           \
	do {                                                \
		fprintf(2, "memtests: FAIL: " __VA_ARGS__); \
		failures++;                                 \
	} while (0)

/* A bad user range and what makes it bad. */
struct bad {
	const char *what;
	uint64 addr;
	int len;
};

/*
 * Set up by find_bad_ranges(). heap_end is page aligned: the last heap
 * page is all 'n' (no NUL) and nothing is mapped above it.
 */
static struct bad bad_in[16], bad_out[20];
static int nbad_in, nbad_out;
static uint64 heap_end, stack_guard;
static char *heap_buf;	  /* 17 pages from malloc, taken before heap_end is fixed */
static uint32 *heap_code; /* a malloc'd ret instruction */
static uint32 data_code[2] = { 0x00008067, 0x00008067 }; /* ret, in .data */

static void
add_bad(struct bad *tab, int *n, const char *what, uint64 addr, int len)
{
	tab[*n].what = what;
	tab[*n].addr = addr;
	tab[*n].len = len;
	(*n)++;
}

static void
find_bad_ranges(void)
{
	uint64 brk;
	char *page;
	int straddle;

	/* malloc first: it must not move the break after heap_end is set */
	heap_buf = malloc(17 * PGSIZE);
	heap_code = malloc(64);
	if (heap_buf == NULL || heap_code == NULL) {
		FAIL("malloc failed\n");
		exit(1);
	}
	memmove(heap_code, data_code, sizeof(data_code));

	/* end the heap on a page boundary with one page of 'n's, no NUL */
	brk = (uint64)sbrk(0);
	sbrk((int)(PGROUNDUP(brk) - brk));
	page = sbrk(PGSIZE);
	if (page == (char *)-1) {
		FAIL("sbrk(%d) failed\n", PGSIZE);
		exit(1);
	}
	memset(page, 'n', PGSIZE);
	heap_end = (uint64)page + PGSIZE;
	stack_guard = stack_guard_page();
	if (stack_guard == 0)
		FAIL("no stack guard page below the stack\n");

	/* bad to read from (copyin) */
	add_bad(bad_in, &nbad_in, "NULL", 0, 16);
	add_bad(bad_in, &nbad_in, "unmapped above the heap", heap_end + 16 * PGSIZE, 16);
	add_bad(bad_in, &nbad_in, "unmapped mid user half", 0x2000000000UL, 16);
	straddle = nbad_in;
	add_bad(bad_in, &nbad_in, "straddling the heap end", heap_end - 8, 16);
	add_bad(bad_in, &nbad_in, "kernel half", KERNEL_BASE, 16);
	add_bad(bad_in, &nbad_in, "kernel image", KERNEL_IMAGE, 16);
	add_bad(bad_in, &nbad_in, "non-canonical", NONCANON, 16);
	add_bad(bad_in, &nbad_in, "page below TRAPFRAME/TRAMPOLINE", TOP_PAGES - PGSIZE, 16);
	add_bad(bad_in, &nbad_in, "TRAPFRAME/TRAMPOLINE page 1", TOP_PAGES, 16);
	add_bad(bad_in, &nbad_in, "TRAPFRAME/TRAMPOLINE page 2", TOP_PAGES + PGSIZE, 16);
	add_bad(bad_in, &nbad_in, "into USYSCALL from below", USYSCALL - 8, 16);
	add_bad(bad_in, &nbad_in, "wrapping range", WRAP_ADDR, WRAP_LEN);
	if (stack_guard != 0)
		add_bad(bad_in, &nbad_in, "stack guard page", stack_guard, 16);

	/* bad to write to (copyout): all of the above and read-only pages */
	memmove(bad_out, bad_in, sizeof(bad_in[0]) * (unsigned long)nbad_in);
	nbad_out = nbad_in;
	/* any copyout of 2 bytes or more (a 4-byte status, a mask) crosses */
	bad_out[straddle].addr = heap_end - 1;
	add_bad(bad_out, &nbad_out, "USYSCALL (read-only)", USYSCALL, 8);
	add_bad(bad_out, &nbad_out, "text (read-only)", UTEXT, 8);
}

/* Children that call exec() must report its failure this way. */
static void
exec_child(char *path, char **argv)
{
	int r = exec(path, argv);

	exit(r == -1 ? EXEC_FAILED : EXEC_FAILED + 1);
}

/* exec(path, argv) must return -1; it runs in a child in case it works. */
static void
expect_exec_fails(const char *what, char *path, char **argv)
{
	int pid, status = -2;

	pid = fork();
	if (pid < 0) {
		FAIL("fork failed\n");
		return;
	}
	if (pid == 0)
		exec_child(path, argv);
	wait(&status);
	if (status == EXEC_FAILED)
		return;
	if (status == EXEC_FAILED + 1)
		FAIL("exec with %s returned something other than -1\n", what);
	else if (status == KILLED)
		FAIL("exec with %s killed the process instead of returning -1\n", what);
	else
		FAIL("exec with %s ran a program (status %d)\n", what, status);
}

static void
exec_tests(void)
{
	char *argv[3], path[4] = "nop";
	char *tail = (char *)heap_end - 3; /* "nnn" and then unmapped */
	char **argtail = (char **)(heap_end - sizeof(char *));
	int i;

	/* the path */
	for (i = 0; i < nbad_in; i++) {
		argv[0] = path;
		argv[1] = NULL;
		expect_exec_fails(bad_in[i].what, (char *)bad_in[i].addr, argv);
	}
	argv[0] = path;
	argv[1] = NULL;
	memmove(tail, "nop", 3); /* "nop" with no NUL before the heap end */
	expect_exec_fails("a path running off the heap end", tail, argv);
	memset(tail, 'n', 3);

	/* the argv array, and the strings in it */
	for (i = 0; i < nbad_in; i++) {
		expect_exec_fails(bad_in[i].what, path, (char **)bad_in[i].addr);
		if (bad_in[i].addr == 0)
			continue; /* argv[1] = NULL just ends argv: exec must work */
		argv[0] = path;
		argv[1] = (char *)bad_in[i].addr;
		argv[2] = NULL;
		expect_exec_fails(bad_in[i].what, path, argv);
	}
	argv[0] = path;
	argv[1] = tail;
	argv[2] = NULL;
	expect_exec_fails("an argument running off the heap end", path, argv);
	*argtail = path; /* an argv[] with no NULL before the heap end */
	expect_exec_fails("an argv[] running off the heap end", path, argtail);
	memset(argtail, 'n', sizeof(char *));
}

/* The read() checks: a child, because a kernel might block for input first. */
static void
read_child(void)
{
	int i, bad = 0;

	for (i = 0; i < nbad_out; i++) {
		if (read(0, (void *)bad_out[i].addr, bad_out[i].len) != -1) {
			FAIL("read(0, %s) did not return -1\n", bad_out[i].what);
			bad++;
		}
	}
	exit(bad == 0 ? 0 : 1);
}

static void
read_tests(void)
{
	int pid, dog, who, status = -2, other;

	pid = fork();
	if (pid == 0)
		read_child();
	dog = fork();
	if (dog == 0) {
		sleep(WATCHDOG_TICKS);
		kill(pid);
		exit(0);
	}
	if (pid < 0 || dog < 0) {
		FAIL("fork failed\n");
		while (wait(NULL) >= 0)
			;
		return;
	}
	who = wait(&status);
	if (who == dog) {
		/* the watchdog went first: the reader was killed or will be */
		wait(&status);
		FAIL("read(0, bad pointer) blocked: check the buffer before waiting for input\n");
		return;
	}
	kill(dog);
	wait(&other);
	if (status != 0)
		FAIL("read(0, bad pointer) checks failed (status %d)\n", status);
}

static void
wait_tests(void)
{
	int i, pid;

	for (i = 0; i < nbad_out; i++) {
		if (bad_out[i].addr == 0)
			continue; /* wait(0): no status wanted, not an error */
		pid = fork();
		if (pid < 0) {
			FAIL("fork failed\n");
			return;
		}
		if (pid == 0)
			exit(0);
		if (wait((int *)bad_out[i].addr) != -1)
			FAIL("wait(%s) did not return -1\n", bad_out[i].what);
		wait(NULL); /* reap the child if the failed wait did not */
	}
}

static void
badptr_tests(void)
{
	uint64 mask;
	char *buf = (char *)PGROUNDUP(heap_buf); /* 16 mapped pages */
	int i, before = failures;

	for (i = 0; i < nbad_in; i++)
		if (write(1, (void *)bad_in[i].addr, bad_in[i].len) != -1)
			FAIL("write(1, %s) did not return -1\n", bad_in[i].what);
	/* 16 pages: the mask is at least 2 bytes however the kernel sizes it */
	for (i = 0; i < nbad_out; i++)
		if (pgaccess(buf, 16, (void *)bad_out[i].addr) != -1)
			FAIL("pgaccess(mask = %s) did not return -1\n", bad_out[i].what);
	if (pgaccess(buf, 16, &mask) != 0)
		FAIL("pgaccess with a good mask failed\n");
	read_tests();
	wait_tests();
	exec_tests();
	if (write(1, "", 0) != 0 || write(1, buf, 0) != 0)
		FAIL("write of 0 bytes did not return 0\n");
	if (failures == before)
		printf("memtests: badptr: OK\n");
}

/* What a child does to get itself killed; it must not come back. */
enum bad_access {
	LOAD,
	STORE,
	FETCH,
};

static void
access_child(enum bad_access how, uint64 addr)
{
	volatile uint64 *p = (volatile uint64 *)addr;

	switch (how) {
	case LOAD:
		(void)*p;
		break;
	case STORE:
		*p = 0x1234;
		break;
	case FETCH:
		__asm__ volatile("fence.i\n\tjalr %0" : : "r"(addr) : "ra", "memory");
		break;
	}
	exit(SURVIVED);
}

static void
expect_killed(const char *what, enum bad_access how, uint64 addr)
{
	int pid, status = -2;

	pid = fork();
	if (pid < 0) {
		FAIL("fork failed\n");
		return;
	}
	if (pid == 0)
		access_child(how, addr);
	if (wait(&status) != pid)
		FAIL("%s: wait did not return the child\n", what);
	else if (status == SURVIVED)
		FAIL("%s: the child was not killed\n", what);
	else if (status != KILLED)
		FAIL("%s: the child's status is %d, want %d\n", what, status, KILLED);
}

static void
kill_tests(void)
{
	uint32 stack_code[2];
	int before = failures;

	memmove(stack_code, data_code, sizeof(data_code));

	expect_killed("load NULL", LOAD, 0);
	expect_killed("load kernel half", LOAD, KERNEL_BASE);
	expect_killed("store kernel half", STORE, KERNEL_BASE);
	expect_killed("load kernel image", LOAD, KERNEL_IMAGE);
	expect_killed("store kernel image", STORE, KERNEL_IMAGE);
	expect_killed("jump to kernel image", FETCH, KERNEL_IMAGE);
	expect_killed("load top page 1", LOAD, TOP_PAGES);
	expect_killed("load top page 2", LOAD, TOP_PAGES + PGSIZE);
	expect_killed("store top page 1", STORE, TOP_PAGES);
	expect_killed("store top page 2", STORE, TOP_PAGES + PGSIZE);
	expect_killed("jump to top page 1", FETCH, TOP_PAGES);
	expect_killed("jump to top page 2", FETCH, TOP_PAGES + PGSIZE);
	expect_killed("store USYSCALL", STORE, USYSCALL);
	expect_killed("jump to USYSCALL", FETCH, USYSCALL);
	expect_killed("store own text", STORE, UTEXT);
	expect_killed("execute heap data", FETCH, (uint64)heap_code);
	expect_killed("execute stack data", FETCH, (uint64)stack_code);
	expect_killed("execute data segment", FETCH, (uint64)data_code);
	if (stack_guard != 0) {
		expect_killed("load stack guard", LOAD, stack_guard);
		expect_killed("store stack guard", STORE, stack_guard + PGSIZE - 8);
	}
	expect_killed("load above the heap", LOAD, heap_end);
	expect_killed("load non-canonical", LOAD, NONCANON);
	if (ugetpid() != getpid())
		FAIL("the parent's USYSCALL page changed\n");
	if (failures == before)
		printf("memtests: kill: OK\n");
}

#define BIG_LINE 0x0c000000UL

static void
bigheap_test(void)
{
	uint64 brk = (uint64)sbrk(0), top, need, va, pte;
	int free0 = freepages(), before = failures;
	long pages;

	top = BIG_LINE + 2 * PGSIZE;
	if (brk >= top) {
		printf("memtests: bigheap: the heap already ends above 0x%lx\n", BIG_LINE);
		return;
	}
	need = top - brk;
	/* frames, a table page per 2 MiB, the kernel's mirror, slack */
	pages = (long)(need / PGSIZE) + 2 * (long)(need / MEGASIZE) + 64;
	if (free0 < pages) {
		printf("memtests: bigheap: skipped (%d free pages, %ld needed)\n", free0, pages);
		return;
	}
	if ((uint64)sbrk((int)need) != brk) {
		FAIL("bigheap: sbrk(%ld) failed with %d free pages\n", (long)need, free0);
		return;
	}
	for (va = PGROUNDUP(brk); va < top; va += 1024 * 1024)
		*(volatile uint64 *)va = va;
	*(volatile uint64 *)(BIG_LINE - 8) = BIG_LINE;
	*(volatile uint64 *)BIG_LINE = BIG_LINE;
	*(volatile uint64 *)(top - 8) = top;
	pte = pgpte((void *)BIG_LINE);
	if ((pte & (PTE_V | PTE_R | PTE_W | PTE_U)) != (PTE_V | PTE_R | PTE_W | PTE_U))
		FAIL("bigheap: 0x%lx mapped with pte 0x%lx\n", BIG_LINE, pte);
	for (va = PGROUNDUP(brk); va < top; va += 1024 * 1024)
		if (*(volatile uint64 *)va != va) {
			FAIL("bigheap: data at %p is wrong\n", (void *)va);
			break;
		}
	if (*(volatile uint64 *)BIG_LINE != BIG_LINE || *(volatile uint64 *)(top - 8) != top)
		FAIL("bigheap: data around 0x%lx is wrong\n", BIG_LINE);
	sbrk(-(int)need);
	if ((uint64)sbrk(0) != brk)
		FAIL("bigheap: break 0x%lx after the shrink, want 0x%lx\n", (uint64)sbrk(0), brk);
	if (freepages() != free0)
		FAIL("bigheap: %d free pages after the shrink, %d before\n", freepages(), free0);
	if (failures == before)
		printf("memtests: bigheap: OK (heap to 0x%lx)\n", top);
}

/*
 * Runs in a child: take all memory, then fork must fail without a leak.
 * sbrk maps nothing until a page is touched, so the child touches every
 * page it takes, in chunks that always leave room for the page tables
 * its faults need, down to OOM_LEAVE free pages (fewer than any fork
 * needs: a trapframe, a USYSCALL page, two tables' roots, a stack).
 */
#define OOM_LEAVE 2

static void
oom_child(void)
{
	unsigned long total = 0;
	int chunk, pid, f1;

	for (chunk = 64 * 1024 * 1024; chunk >= PGSIZE; chunk /= 2)
		while (freepages() > OOM_LEAVE + chunk / PGSIZE + 2 * (int)(chunk / MEGASIZE) + 8) {
			char *p = sbrk(chunk);

			if (p == (char *)-1)
				break;
			for (int off = 0; off < chunk; off += PGSIZE)
				p[off] = 1;
			total += (unsigned long)chunk;
		}
	/* the last pages one at a time: a touch needs a frame and at most one table */
	while (freepages() > OOM_LEAVE) {
		char *p = sbrk(PGSIZE);

		if (p == (char *)-1)
			break;
		*p = 1;
	}
	f1 = freepages();
	printf("memtests: oom: the child took %lu MiB, %d pages left\n", total >> 20, f1);
	/*
	 * Counted again after printf: its deeper stack frames may be the
	 * first stores to stack pages this child still shared with its
	 * parent, each a copy-on-write copy.
	 */
	f1 = freepages();
	pid = fork();
	if (pid == 0)
		exit(0);
	if (pid > 0) {
		wait(NULL);
		FAIL("oom: fork succeeded with memory exhausted\n");
	} else if (freepages() != f1) {
		FAIL("oom: the failed fork leaked %d pages\n", f1 - freepages());
	}
	exit(failures == 0 ? 0 : 1);
}

static void
oom_test(void)
{
	int pid, status = -2, free0 = freepages(), before = failures;

	pid = fork();
	if (pid < 0) {
		FAIL("oom: fork failed\n");
		return;
	}
	if (pid == 0)
		oom_child();
	if (wait(&status) != pid || status != 0)
		FAIL("oom: the child failed (status %d)\n", status);
	if (freepages() != free0)
		FAIL("oom: %d free pages after, %d before\n", freepages(), free0);
	/* the system still works */
	pid = fork();
	if (pid == 0)
		exit(7);
	if (pid < 0 || wait(&status) != pid || status != 7)
		FAIL("oom: fork does not work after the child exited\n");
	if (failures == before)
		printf("memtests: oom: OK\n");
}

int
main(void)
{
	find_bad_ranges();
	badptr_tests();
	kill_tests();
	bigheap_test();
	oom_test();
	if (failures != 0) {
		printf("memtests: %d FAILED\n", failures);
		return 1;
	}
	printf("memtests: all tests passed\n");
	return 0;
}
