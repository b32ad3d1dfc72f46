/* SPDX-License-Identifier: MIT */
/*
 * stress - many processes creating and destroying address spaces at once.
 *
 * usage: stress [workers [rounds]]   (defaults 8 and 300)
 *
 * Each worker runs rounds cycles, rotating through: fork + exec("nop"),
 * fork + sbrk + touch + exit, its own sbrk grow and shrink, and fork + exit
 * with a status to check. Then one child is killed while it spins. At the
 * end every process is gone and freepages() must be what it was at the
 * start. Exits 0 only if every check passed.
 */
#include "user.h"

#define MAX_WORKERS 32

static void
worker(int id, int rounds)
{
	static char *nop_argv[] = { "nop", NULL };
	int i, pid, status, bad = 0, pages;
	char *p;

	for (i = 0; i < rounds && bad < 5; i++) {
		pages = 1 + (i + id) % 24;
		switch (i % 4) {
		case 0: /* exec a tiny program */
			pid = fork();
			if (pid == 0) {
				exec("nop", nop_argv);
				exit(99);
			}
			break;
		case 1: /* a child that grows, touches, exits */
			pid = fork();
			if (pid == 0) {
				p = sbrk(pages * PGSIZE);
				if (p == (char *)-1)
					exit(98);
				memset(p, id, (unsigned long)pages * PGSIZE);
				exit(0);
			}
			break;
		case 2: /* grow and shrink ourselves */
			pid = 0;
			p = sbrk(pages * PGSIZE);
			if (p == (char *)-1) {
				fprintf(2, "stress: worker %d: sbrk failed\n", id);
				bad++;
				break;
			}
			p[0] = p[pages * PGSIZE - 1] = (char)i;
			sbrk(-pages * PGSIZE);
			break;
		default: /* fork + exit, with a status to check */
			pid = fork();
			if (pid == 0)
				exit(i & 0x7f);
			break;
		}
		if (pid < 0) {
			fprintf(2, "stress: worker %d: fork failed in round %d\n", id, i);
			bad++;
			continue;
		}
		if (pid == 0)
			continue;
		status = -2;
		if (wait(&status) != pid) {
			fprintf(2, "stress: worker %d: wait lost child %d\n", id, pid);
			bad++;
		} else if (status != (i % 4 == 3 ? (i & 0x7f) : 0)) {
			fprintf(2, "stress: worker %d: round %d: child status %d\n", id, i, status);
			bad++;
		}
	}
	exit(bad == 0 ? 0 : 1);
}

/* A child that spins until killed: kill() must end it with status -1. */
static int
kill_test(void)
{
	int pid, status = -2;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		for (;;)
			;
	}
	sleep(2);
	if (kill(pid) != 0 || wait(&status) != pid || status != -1) {
		fprintf(2, "stress: killing a spinning child: status %d\n", status);
		return -1;
	}
	if (kill(pid) != -1) {
		fprintf(2, "stress: kill of a reaped pid did not return -1\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int workers = argc > 1 ? atoi(argv[1]) : 8;
	int rounds = argc > 2 ? atoi(argv[2]) : 300;
	int pids[MAX_WORKERS];
	int i, j, pid, status, failed = 0, free0, free1, t0;

	if (workers < 1 || workers > MAX_WORKERS || rounds < 1) {
		fprintf(2, "usage: stress [workers (1..%d) [rounds]]\n", MAX_WORKERS);
		return 2;
	}
	free0 = freepages();
	t0 = uptime();
	printf("stress: %d workers x %d rounds, %d free pages\n", workers, rounds, free0);
	for (i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(2, "stress: fork of worker %d failed\n", i);
			failed++;
		} else if (pids[i] == 0) {
			worker(i, rounds);
		}
	}
	for (i = 0; i < workers; i++) {
		if (pids[i] < 0)
			continue;
		status = -2;
		pid = wait(&status);
		for (j = 0; j < workers && pids[j] != pid; j++)
			;
		if (j == workers) {
			fprintf(2, "stress: wait returned %d, not a worker\n", pid);
			failed++;
		} else if (status != 0) {
			fprintf(2, "stress: worker %d failed (status %d)\n", j, status);
			failed++;
		}
	}
	if (wait(NULL) != -1) {
		fprintf(2, "stress: a process was left over\n");
		failed++;
	}
	if (kill_test() < 0)
		failed++;
	free1 = freepages();
	if (free1 != free0) {
		fprintf(2, "stress: %d free pages at the end, %d at the start\n", free1, free0);
		failed++;
	}
	printf("stress: %d cycles in %d ticks\n", workers * rounds, uptime() - t0);
	if (failed != 0) {
		printf("stress: FAILED\n");
		return 1;
	}
	printf("stress: all tests passed\n");
	return 0;
}
