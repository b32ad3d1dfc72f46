/* SPDX-License-Identifier: MIT */
/*
 * starve - a sleeper must not starve behind siblings that live in the
 * kernel.
 *
 * usage: starve [hogs [sleeps [size [KIND [limit]]]]]
 *   (defaults 4, 10, 8, sbrk, 20; KIND: sbrk fork write vmprint copybench5..7
 *   freesbrk freeexit freeexec forkbig)
 *
 * hogs children loop on sbrk(+size MiB), a store to every page of it
 * (sbrk maps nothing until a page is touched: each store is a page
 * fault, served in the kernel), sbrk(-size MiB): almost all of their
 * time is spent in the kernel, where a timer tick used to be counted and
 * nothing else. With "fork", each hog grows by size MiB once, touches
 * it, and then loops on fork() (a child that exits at once) and wait():
 * fork shares the pages (copy-on-write), and the child's exit gives back
 * its tables. With "write", each hog
 * loops on write(1) of size KiB of dots (the console takes about 1.7 us a
 * byte under QEMU TCG: 256 KiB is over 40 ticks), so only the point
 * between write's chunks keeps the sleeper on time. With "vmprint", each
 * hog grows its heap by size MiB 4 KiB at a time, touching all but one
 * page of each 2 MiB (one leaf per page, no megapage), and loops on
 * vmprint(0): thousands of console lines in one call. With
 * "copybench5".."copybench7", each hog loops on copybench(mode, 0, 65536),
 * 65,536 round trips through the page allocator's lock in one call. With
 * "freesbrk", "freeexit", "freeexec", starve grows a heap of size MiB
 * (up to 4096) in 4 KiB leaves, the hogs share it (fork), and once the
 * sleeper naps each hog gives it all back in long kernel calls: by
 * sbrk(-2047 MiB) calls, by exit, or by exec of nop (free_test). With
 * "forkbig", the hogs share such a heap the same way and, instead of
 * giving it back, fork it again and again (a child that exits at once)
 * until the sleeper's naps are over: a fork of the whole heap, the
 * child's exit and its reaping are each one kernel call. One
 * more child, the sleeper, then calls sleep(10) sleeps times and measures
 * each with uptime(): every one must return within limit ticks. The hogs are killed, and freepages() must
 * be back where it started. Exits 0 only if every check passed.
 */
#include "user.h"

#define MAX_HOGS 16
#define NAP 10
#define COPYBENCH_LOOPS 65536 /* the kernel's largest count */

enum hog_kind {
	HOG_SBRK,
	HOG_FORK,
	HOG_WRITE,
	HOG_VMPRINT,
	HOG_COPYBENCH,
	HOG_FREE_SBRK,
	HOG_FREE_EXIT,
	HOG_FREE_EXEC,
	HOG_FORK_BIG
};

#define SBRK_STEP (2047 << 20) /* the most one sbrk(int) moves, MiB aligned */
#define FLAG_MIB 256	       /* touched by starve once the free hogs exist */
#define FLAG_PAGES (FLAG_MIB * 256)
#define FREE_DELAY 20 /* ticks between the flag and a free hog's free */

static int limit = 20; /* ticks a sleep(NAP) may take */
static int copybench_mode;

/* write(1) of bytes of dots, 63 to a line, for ever. */
static void __attribute__((noreturn)) write_hog(int bytes)
{
	char *buf = sbrk(bytes);

	if (buf == (char *)-1)
		exit(1);
	for (int i = 0; i < bytes; i++)
		buf[i] = i % 64 == 63 ? '\n' : '.';
	for (;;)
		write(1, buf, bytes);
}

/* One store per page: each maps a page (or, when memory is short, kills the hog). */
static void
touch(char *p, int bytes)
{
	for (int off = 0; off < bytes; off += PGSIZE)
		p[off] = 1;
}

/*
 * A heap of bytes grown a page at a time, each page touched but the last
 * of every 2 MiB region (a region touched whole becomes one megapage),
 * printed by vmprint(0) for ever: about one line per page.
 */
static void __attribute__((noreturn)) vmprint_hog(int bytes)
{
	for (int i = 0; i < bytes / PGSIZE; i++) {
		char *p = sbrk(PGSIZE);

		if (p == (char *)-1)
			exit(1);
		if (((uint64)p / PGSIZE) % 512 != 511)
			touch(p, PGSIZE);
	}
	for (;;)
		vmprint(0);
}

/*
 * A heap of mib MiB in 4 KiB leaves: every page touched but the last of
 * each 2 MiB region (a region touched whole becomes one megapage, cheap to
 * free). sbrk takes an int: grown in steps. 0, or -1 when memory ran out.
 */
static int
grow_small_pages(int mib)
{
	for (int left = mib; left > 0; left -= SBRK_STEP >> 20) {
		int step = left < (SBRK_STEP >> 20) ? left : (SBRK_STEP >> 20);
		char *p = sbrk(step << 20);

		if (p == (char *)-1)
			return -1;
		for (int off = 0; off < step << 20; off += PGSIZE)
			if (((uint64)(p + off) / PGSIZE) % 512 != 511)
				p[off] = 1;
	}
	return 0;
}

/* Give back mib MiB of heap in calls of at most SBRK_STEP bytes. */
static void
shrink_heap(int mib)
{
	for (int left = mib; left > 0; left -= SBRK_STEP >> 20) {
		int step = left < (SBRK_STEP >> 20) ? left : (SBRK_STEP >> 20);

		sbrk(-(step << 20));
	}
}

/* Sleep a tick at a time until fewer than mark pages are free. */
static void
wait_free_below(int mark)
{
	while (freepages() >= mark)
		sleep(1);
}

/*
 * fork() the whole heap (a child that exits at once) and wait() for it,
 * again and again until uptime() reaches end: the fork's walk and clone,
 * the child's exit and its reaping are each a long kernel call.
 */
static void
fork_big_until(int end)
{
	while (uptime() < end) {
		int pid = fork();

		if (pid == 0)
			exit(0);
		if (pid < 0 || wait(0) != pid)
			exit(1);
	}
}

/*
 * A free hog shares starve's heap (copy-on-write). Once starve has
 * touched its flag area (free pages below mark), the sleeper is napping:
 * FREE_DELAY ticks later the hog gives the whole heap back in long
 * kernel calls: sbrk(-2047 MiB) calls, its exit, or an exec of nop.
 * Giving back a shared page walks and drops its leaf as freeing does.
 * A forkbig hog first forks the heap for as long as the sleeper's naps
 * may take (sleeps times limit ticks from the flag), then exits.
 */
static void __attribute__((noreturn)) free_hog(int mib, enum hog_kind kind, int mark, int sleeps)
{
	static char *nop_argv[] = { "nop", 0 };
	int flag_seen;

	wait_free_below(mark);
	flag_seen = uptime();
	sleep(FREE_DELAY);
	if (kind == HOG_FORK_BIG)
		fork_big_until(flag_seen + sleeps * limit);
	if (kind == HOG_FREE_SBRK)
		shrink_heap(mib);
	if (kind == HOG_FREE_EXEC)
		exec("nop", nop_argv);
	exit(0);
}

static void __attribute__((noreturn)) hog(int bytes, enum hog_kind kind)
{
	if (kind == HOG_WRITE)
		write_hog(bytes);
	if (kind == HOG_VMPRINT)
		vmprint_hog(bytes);
	while (kind == HOG_COPYBENCH)
		copybench(copybench_mode, 0, COPYBENCH_LOOPS);
	if (kind == HOG_FORK) {
		char *p = sbrk(bytes);

		if (p == (char *)-1)
			exit(1);
		touch(p, bytes);
		for (;;) {
			int pid = fork();

			if (pid == 0)
				exit(0);
			if (pid > 0)
				wait(0);
			else
				sleep(1);
		}
	}
	for (;;) {
		char *p = sbrk(bytes);

		if (p == (char *)-1) {
			sleep(1); /* memory is short: try again later */
			continue;
		}
		touch(p, bytes);
		sbrk(-bytes);
	}
}

/* The sleeper's exit status: 0, or 1 at the first nap that took too long. */
static int
sleeper(int sleeps, int mark)
{
	int worst = 0;

	if (mark)
		wait_free_below(mark); /* the free hogs exist and are waiting */
	else
		sleep(5); /* let the hogs get into their loop */
	for (int i = 0; i < sleeps; i++) {
		int t0 = uptime(), dt;

		sleep(NAP);
		dt = uptime() - t0;
		if (dt > worst)
			worst = dt;
		printf("starve: sleep(%d) took %d ticks\n", NAP, dt);
		if (dt > limit) {
			printf("starve: FAIL: sleep(%d) took %d ticks (limit %d)\n", NAP, dt,
			       limit);
			return 1;
		}
	}
	printf("starve: %d naps of %d ticks, the longest took %d\n", sleeps, NAP, worst);
	return 0;
}

static enum hog_kind
hog_kind_of(const char *word)
{
	if (!strcmp(word, "fork"))
		return HOG_FORK;
	if (!strcmp(word, "write"))
		return HOG_WRITE;
	if (!strcmp(word, "vmprint"))
		return HOG_VMPRINT;
	if (!strcmp(word, "freesbrk"))
		return HOG_FREE_SBRK;
	if (!strcmp(word, "freeexit"))
		return HOG_FREE_EXIT;
	if (!strcmp(word, "freeexec"))
		return HOG_FREE_EXEC;
	if (!strcmp(word, "forkbig"))
		return HOG_FORK_BIG;
	if (!strncmp(word, "copybench", 9)) {
		copybench_mode = atoi(word + 9);
		return HOG_COPYBENCH;
	}
	return HOG_SBRK;
}

/*
 * The free kinds: the sleeper first (it shares no heap), then a heap of
 * mib MiB in 4 KiB leaves, the hogs sharing it, and the flag area that
 * starts the sleeper's naps and, FREE_DELAY ticks later, the hogs'
 * frees. starve lets go of the heap before the flag, so the last hog to
 * free frees every frame. Then starve gives back its flag: every page
 * must be free again. 0 if every check passed.
 */
static int
free_test(int hogs, int sleeps, int mib, enum hog_kind kind)
{
	int free0 = freepages(), sleeper_pid, mark, status = -1, bad = 0, pid, reaped = 0;

	sleeper_pid = fork();
	if (sleeper_pid == 0)
		exit(sleeper(sleeps, free0 - mib * 255 - FLAG_PAGES / 2));
	if (sleeper_pid < 0 || grow_small_pages(mib)) {
		fprintf(2, "starve: no memory for a heap of %d MiB\n", mib);
		return 1;
	}
	/* The hogs' forks take table pages, at most mib + 64 each. */
	mark = freepages() - hogs * (mib + 64) - FLAG_PAGES / 2;
	for (int i = 0; i < hogs; i++) {
		pid = fork();
		if (pid == 0)
			free_hog(mib, kind, mark, sleeps);
		bad |= pid < 0;
	}
	shrink_heap(mib); /* the hogs hold it now: the last one's free is real */
	if (grow_small_pages(FLAG_MIB))
		bad = 1;
	/* The sleeper and every hog (or the nop it became) must exit 0. */
	while ((pid = wait(&status)) > 0) {
		bad |= status != 0;
		reaped++;
	}
	if (reaped != hogs + 1)
		bad = 1;
	shrink_heap(FLAG_MIB);
	if (freepages() != free0) {
		fprintf(2, "starve: free pages %d, were %d\n", freepages(), free0);
		bad = 1;
	}
	printf("starve: %s\n", bad ? "FAIL" : "ok");
	return bad;
}

int
main(int argc, char **argv)
{
	int hogs = argc > 1 ? atoi(argv[1]) : 4;
	int sleeps = argc > 2 ? atoi(argv[2]) : 10;
	int size = argc > 3 ? atoi(argv[3]) : 8;
	enum hog_kind kind = argc > 4 ? hog_kind_of(argv[4]) : HOG_SBRK;
	int pids[MAX_HOGS], sleeper_pid, pid, status = -1, bad = 0, reaped = 0;
	int free0 = freepages();

	limit = argc > 5 ? atoi(argv[5]) : limit;
	if (hogs < 0 || hogs > MAX_HOGS || sleeps < 1 || size < 1 ||
	    size > (kind >= HOG_FREE_SBRK ? 4096 : 1024) || limit < NAP) {
		fprintf(2,
			"usage: starve [hogs (0..%d) [sleeps [size (1..1024; free*, forkbig: 4096) "
			"[sbrk|fork|write|vmprint|copybench5..7|freesbrk|freeexit|freeexec|forkbig "
			"[limit (>= %d)]]]]]\n",
			MAX_HOGS, NAP);
		return 2;
	}

	printf("starve: %d hogs on %s, size %d, %d naps of %d ticks (limit %d)\n", hogs,
	       argc > 4 ? argv[4] : "sbrk", size, sleeps, NAP, limit);
	if (kind >= HOG_FREE_SBRK)
		return free_test(hogs, sleeps, size, kind);
	for (int i = 0; i < hogs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(2, "starve: fork failed\n");
			return 1;
		}
		if (pids[i] == 0)
			hog(kind == HOG_WRITE ? size << 10 : size << 20, kind);
	}
	sleeper_pid = fork();
	if (sleeper_pid == 0)
		exit(sleeper(sleeps, 0));
	if (sleeper_pid < 0 || wait(&status) != sleeper_pid || status != 0)
		bad = 1;
	for (int i = 0; i < hogs; i++)
		kill(pids[i]);
	/* Every hog dies killed; a fork hog's last child comes to us too. */
	while ((pid = wait(&status)) > 0) {
		for (int i = 0; i < hogs; i++) {
			if (pid != pids[i])
				continue;
			reaped++;
			if (status != -1) {
				fprintf(2, "starve: hog %d: status %d\n", pid, status);
				bad = 1;
			}
		}
	}
	if (reaped != hogs) {
		fprintf(2, "starve: %d of %d hogs reaped\n", reaped, hogs);
		bad = 1;
	}
	if (freepages() != free0) {
		fprintf(2, "starve: free pages %d, were %d\n", freepages(), free0);
		bad = 1;
	}
	printf("starve: %s\n", bad ? "FAIL" : "ok");
	return bad;
}
