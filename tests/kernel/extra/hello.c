/* SPDX-License-Identifier: MIT */
/*
 * hello - an extra program (meson -Dextra_programs=<this file>): it proves
 * that the option builds a single-file program into the kernel image, and
 * that the kernel keeps each process's floating-point registers when it
 * preempts it. Three children sum i * 0.5 in a double long enough to be
 * preempted many times; the sums are exact, so any register lost to
 * another process shows.
 */
#include "user.h"

#define NCHILD 3

static volatile long iterations = 4000000;

static int
fp_child(int id)
{
	double acc = 0.0, step = 0.5 * (id + 1);
	long n = iterations;

	for (long i = 0; i < n; i++)
		acc += (double)i * step;
	return acc == step * (double)(n * (n - 1) / 2) ? 0 : 1;
}

int
main(void)
{
	int i, pid, status, bad = 0;

	printf("hello: an extra program, built with -Dextra_programs\n");
	for (i = 0; i < NCHILD; i++) {
		pid = fork();
		if (pid == 0)
			exit(fp_child(i));
		if (pid < 0)
			bad++;
	}
	for (i = 0; i < NCHILD; i++)
		if (wait(&status) < 0 || status != 0)
			bad++;
	if (bad) {
		printf("hello: FP results wrong or children lost (%d)\n", bad);
		return 1;
	}
	printf("hello: %d processes kept their FP registers across preemption\n", NCHILD);
	return 0;
}
