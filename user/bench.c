/* SPDX-License-Identifier: MIT */
/*
 * bench - the user side of the in-kernel benchmark: what a system call,
 * a fork and an exec cost, and what ugetpid() saves over getpid().
 *
 * usage: bench [timebase-hz]   (default 10000000, QEMU virt's timebase)
 *
 * Method: each operation runs in batches that double until one batch
 * takes at least MIN_UNITS of the clock; cost = batch time / batch size,
 * loop overhead included. The clock is the time CSR (rdtime) when user
 * mode may read it (the kernel sets scounteren.TM); otherwise uptime()
 * ticks, and only ratios are meaningful. exec's cost is derived:
 * (fork + exec("nop") + exit + wait) - (fork + exit + wait). The page
 * allocator is timed inside the kernel (copybench modes 5..7).
 *
 * fork of a big process: the heap grown by 1 MiB and by 64 MiB, every
 * page written once, then fork+exit+wait timed as above, first with the
 * eager copy fork did before copy-on-write (copybench mode 8, for this
 * process only), then copy-on-write, in the same run; the pages fork
 * takes (freepages() before fork minus right after it, the child asleep,
 * most of FORK_TRIES); and the first write to each page of a 1 MiB
 * buffer while a forked child still holds it, per page.
 */
#include "user.h"

static int use_rdtime;
static uint64 timebase_hz = 10000000;

static uint64
now(void)
{
	return use_rdtime ? rdtime() : (uint64)uptime();
}

/* Can user mode read the time CSR? A child tries; it dies if it cannot. */
static int
probe_rdtime(void)
{
	int pid, status = -1;

	pid = fork();
	if (pid == 0) {
		uint64 a = rdtime(), b = rdtime();

		exit(b >= a ? 0 : 1);
	}
	if (pid < 0 || wait(&status) != pid)
		return 0;
	return status == 0;
}

static void
loop_getpid(int n)
{
	while (n-- > 0)
		getpid();
}

static void
loop_ugetpid(int n)
{
	while (n-- > 0)
		ugetpid();
}

static void
loop_fork(int n)
{
	int pid;

	while (n-- > 0) {
		pid = fork();
		if (pid == 0)
			exit(0);
		if (pid < 0 || wait(NULL) != pid) {
			fprintf(2, "bench: fork failed\n");
			exit(1);
		}
	}
}

static void
loop_fork_exec(int n)
{
	static char *argv[] = { "nop", NULL };
	int pid;

	while (n-- > 0) {
		pid = fork();
		if (pid == 0) {
			exec("nop", argv);
			exit(1);
		}
		if (pid < 0 || wait(NULL) != pid) {
			fprintf(2, "bench: fork failed\n");
			exit(1);
		}
	}
}

struct result {
	uint64 ops;
	uint64 units;
};

/* Time fn in batches from n up, doubling, until a batch lasts long enough. */
static struct result
measure(void (*fn)(int), int n)
{
	uint64 min_units = use_rdtime ? timebase_hz / 5 : 20; /* 0.2 s or 20 ticks */
	struct result r;
	uint64 t0;

	for (;;) {
		t0 = now();
		fn(n);
		r.units = now() - t0;
		r.ops = (uint64)n;
		if (r.units >= min_units || n >= (1 << 28))
			return r;
		n *= 2;
	}
}

#define SCALE 10000UL /* costs are kept in 1/SCALE clock units */

/* Cost of one op in 1/SCALE clock units. */
static uint64
cost(struct result r)
{
	return r.ops == 0 ? 0 : r.units * SCALE / r.ops;
}

/* Print a cost: ns (one decimal) with rdtime, clock units without. */
static void
print_cost(const char *what, uint64 c)
{
	uint64 ns10;

	if (use_rdtime) {
		/* tenths of ns: (c / SCALE) units * 1e9 / hz * 10 */
		ns10 = c * (10000000000UL / SCALE) / timebase_hz;
		printf("  %-24s %lu.%lu ns", what, ns10 / 10, ns10 % 10);
		if (ns10 > 0)
			printf("  (%lu per second)", 10000000000UL / ns10);
		printf("\n");
	} else {
		printf("  %-24s %lu.%04lu ticks\n", what, c / SCALE, c % SCALE);
	}
}

/*
 * copyin of len bytes two ways, timed inside the kernel (copybench): by
 * plain dereference through the process's kernel table, which mirrors user
 * memory without PTE_U, and by sv39_copy_in's software walk of the user
 * table. Best of REPS, so that a timer interrupt in one copy does not count.
 */
#define COPY_REPS 32

static void print_ratio(const char *what, uint64 a, uint64 b);

static int
copyin_best(int mode, char *buf, int len)
{
	int best = -1;

	for (int i = 0; i < COPY_REPS; i++) {
		int t = copybench(mode, buf, len);

		if (t < 0)
			return -1;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

static void
copyin_bench(int len)
{
	char *buf = malloc(len);
	int direct, walk;

	if (!buf) {
		printf("bench: copyin %d: no memory\n", len);
		return;
	}
	memset(buf, 0x5a, len); /* fault every page in first */
	direct = copyin_best(0, buf, len);
	walk = copyin_best(1, buf, len);
	free(buf);
	if (direct <= 0 || walk < 0) {
		printf("bench: copyin %d: copybench failed\n", len);
		return;
	}
	printf("bench: copyin %d bytes, best of %d, time-CSR ticks: "
	       "direct %d, sv39_copy_in %d\n",
	       len, COPY_REPS, direct, walk);
	print_ratio(len == 4096 ? "copyin 4K walk / direct" : "copyin 64K walk / direct",
		    (uint64)walk, (uint64)direct);
}

/*
 * The kernel's page allocator (copybench modes 5..7), timed inside the
 * kernel, best of ALLOC_REPS: ns per 4 KiB page for kalloc (which zeroes
 * the page) + kfree, one page at a time and n at a time, and per 2 MiB
 * block for kalloc_contig + kfree_contig (not zeroed).
 */
#define ALLOC_REPS 8

static void
alloc_bench_one(const char *what, int mode, int n)
{
	int best = -1, t;
	uint64 ns10;

	for (int i = 0; i < ALLOC_REPS; i++) {
		t = copybench(mode, 0, n);
		if (t < 0) {
			printf("bench: %s: out of memory\n", what);
			return;
		}
		if (best < 0 || t < best)
			best = t;
	}
	ns10 = (uint64)best * 10000000000UL / timebase_hz / (uint64)n;
	printf("  %-36s %lu.%lu ns  (n = %d, best of %d)\n", what, ns10 / 10, ns10 % 10, n,
	       ALLOC_REPS);
}

static void
alloc_bench(void)
{
	printf("bench: page allocator, inside the kernel, per page or block:\n");
	alloc_bench_one("kalloc+kfree, 4 KiB, one by one", 5, 4096);
	alloc_bench_one("kalloc x n, then kfree x n, 4 KiB", 6, 4096);
	alloc_bench_one("kalloc_contig+kfree_contig 2 MiB", 7, 256);
}

/* a / b with two decimals. */
static void
print_ratio(const char *what, uint64 a, uint64 b)
{
	uint64 r = b == 0 ? 0 : a * 100 / b;

	printf("  %-24s %lu.%02lux\n", what, r / 100, r % 100);
}

/* Touch every page of [p, p + len): one store each. */
static void
touch_pages(char *p, uint64 len, int salt)
{
	for (uint64 off = 0; off < len; off += PGSIZE)
		p[off] = (char)(off / PGSIZE + (uint64)salt);
}

#define FORK_TRIES 5

/*
 * Pages the kernel takes for one fork of this process: free pages before
 * fork() minus right after it returns in the parent, the child asleep
 * (most of FORK_TRIES: the child may have run before the count).
 */
static int
fork_pages(void)
{
	int most = -1;

	for (int i = 0; i < FORK_TRIES; i++) {
		int f0 = freepages(), pid = fork(), used;

		if (pid == 0) {
			sleep(1000);
			exit(0);
		}
		used = f0 - freepages();
		if (pid < 0)
			return -1;
		kill(pid);
		wait(NULL);
		if (used > most)
			most = used;
	}
	return most;
}

/*
 * The first write to each page of a buffer of len bytes (written once
 * before) while a forked child, asleep, still maps it: time-CSR ticks per
 * page; the same loop once the child is gone, for comparison.
 */
static void
first_write_bench(char *p, uint64 len)
{
	uint64 t0, shared, alone, n = len / PGSIZE;
	int pid = fork();

	if (pid == 0) {
		sleep(1000);
		exit(0);
	}
	if (pid < 0) {
		printf("bench: first write: fork failed\n");
		return;
	}
	t0 = rdtime();
	touch_pages(p, len, 3);
	shared = rdtime() - t0;
	kill(pid);
	wait(NULL);
	t0 = rdtime();
	touch_pages(p, len, 4);
	alone = rdtime() - t0;
	printf("bench: first write to each of %lu pages after fork, child alive: %lu ticks "
	       "per page; again, child gone: %lu ticks per page\n",
	       n, shared / n, alone / n);
}

/*
 * fork+exit+wait of this process with mib MiB more heap, all of it
 * touched: eagerly (copybench mode 8 makes this process's forks copy
 * every page, as before copy-on-write) and copy-on-write, back to back
 * in the same run, and the pages one fork takes each way.
 */
static void
fork_big_bench(int mib)
{
	uint64 len = (uint64)mib << 20, c_eager, c_cow;
	char *p = sbrk((int)len);
	char name[] = "fork+exit+wait NN MiB eager";
	int pages_eager, pages_cow;

	if (p == (char *)-1) {
		printf("bench: fork %d MiB: sbrk failed\n", mib);
		return;
	}
	touch_pages(p, len, 1);
	name[15] = mib >= 10 ? (char)('0' + mib / 10 % 10) : ' ';
	name[16] = (char)('0' + mib % 10);
	copybench(COPYBENCH_FORK_EAGER, 0, 1);
	c_eager = cost(measure(loop_fork, 1));
	pages_eager = fork_pages();
	copybench(COPYBENCH_FORK_EAGER, 0, 0);
	c_cow = cost(measure(loop_fork, 1));
	pages_cow = fork_pages();
	print_cost(name, c_eager);
	memcpy(name + 22, "cow", 4);
	print_cost(name, c_cow);
	print_ratio("eager / copy-on-write", c_eager, c_cow);
	printf("  %-24s %d eager, %d copy-on-write (of %lu touched)\n", "pages one fork takes",
	       pages_eager, pages_cow, len / PGSIZE);
	if (mib == 1 && use_rdtime)
		first_write_bench(p, len);
	sbrk(-(int)len);
}

int
main(int argc, char *argv[])
{
	uint64 c_getpid, c_ugetpid, c_fork, c_forkexec, c_exec;

	if (argc > 1 && atoi(argv[1]) > 0)
		timebase_hz = (uint64)atoi(argv[1]);
	use_rdtime = probe_rdtime();
	if (use_rdtime)
		printf("bench: clock rdtime at %lu Hz (give another as argument)\n", timebase_hz);
	else
		printf("bench: clock uptime() ticks (rdtime traps: only ratios count)\n");
	printf("bench: each cost = batch time / batch size, batches doubled "
	       "until one lasts %s\n",
	       use_rdtime ? "0.2 s" : "20 ticks");

	c_getpid = cost(measure(loop_getpid, 1000));
	c_ugetpid = cost(measure(loop_ugetpid, 100000));
	c_fork = cost(measure(loop_fork, 16));
	c_forkexec = cost(measure(loop_fork_exec, 16));
	c_exec = c_forkexec > c_fork ? c_forkexec - c_fork : 0;

	printf("bench: per operation\n");
	print_cost("getpid() (ecall)", c_getpid);
	print_cost("ugetpid() (USYSCALL)", c_ugetpid);
	print_cost("fork+exit+wait", c_fork);
	print_cost("fork+exec+exit+wait", c_forkexec);
	print_cost("exec (difference)", c_exec);
	printf("bench: ratios\n");
	print_ratio("getpid / ugetpid", c_getpid, c_ugetpid);
	print_ratio("fork / getpid", c_fork, c_getpid);
	print_ratio("exec / fork", c_exec, c_fork);
	copyin_bench(4096);
	copyin_bench(65536);
	if (use_rdtime)
		alloc_bench();
	printf("bench: fork of a process whose heap grew by N MiB, every page written:\n");
	fork_big_bench(1);
	fork_big_bench(64);
	printf("bench: page-table pages: global %d, this process's kernel table %d, "
	       "its user table %d\n",
	       copybench(COPYBENCH_KVM_TABLES, 0, 0), copybench(COPYBENCH_KPT_TABLES, 0, 0),
	       copybench(COPYBENCH_UPT_TABLES, 0, 0));
	return 0;
}
