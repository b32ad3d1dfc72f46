/* SPDX-License-Identifier: MIT */
/*
 * hostile - what pid 1 must survive from an ordinary user program.
 *
 * usage: hostile orphan [ticks]   (default 100)
 *        hostile nap ticks
 *        hostile kill1
 *        hostile reveal
 *
 * orphan: forks a child that sleeps ticks and exits 0, and exits at once
 * itself, so the child becomes pid 1's. The shell (pid 1 without run=)
 * must reap it quietly and keep waiting for the command it runs.
 *
 * nap: a slow command that says when it is done.
 *
 * kill1: kill(1) from a child and from this process must return -1 and
 * kill nothing: halt is the way to power off. Exits 0 if so. Under run=
 * this process is pid 1 itself, and it must still be running after both.
 *
 * reveal: what the debugging calls show any process (docs/kernel.md,
 * "What the debugging calls reveal"): pgpte of TRAMPOLINE and TRAPFRAME
 * gives their kernel frames (no U), the trampoline's inside the kernel
 * image; vmprint(1) prints the kernel half (the expect file checks its
 * lines); the kernel half itself stays out of reach. Exits 0 if so.
 */
#include "user.h"

static int
orphan(int ticks)
{
	int pid = fork();

	if (pid < 0) {
		fprintf(2, "hostile: fork failed\n");
		return 1;
	}
	if (pid == 0) {
		sleep(ticks);
		exit(0);
	}
	printf("hostile: left pid %d to pid 1 for %d ticks\n", pid, ticks);
	return 0;
}

static int
kill1(void)
{
	int pid = fork(), status = -2, bad = 0;

	if (pid == 0)
		exit(kill(1) == -1 ? 0 : 1);
	if (pid < 0 || wait(&status) != pid || status != 0) {
		printf("hostile: FAIL: a child's kill(1): status %d\n", status);
		bad = 1;
	}
	if (kill(1) != -1) {
		printf("hostile: FAIL: kill(1) from pid %d did not return -1\n", getpid());
		bad = 1;
	}
	sleep(2); /* a kill that was taken would end this process by now */
	printf("hostile: kill(1) refused, pid 1 lives: %s\n", bad ? "FAIL" : "ok");
	return bad;
}

#define PERM_BITS (PTE_R | PTE_W | PTE_X | PTE_U | PTE_V)
#define IMAGE_PA 0x80200000UL /* virt and sifive_u load the kernel here */
#define IMAGE_MAX (16UL << 20)

static int
reveal(void)
{
	uint64 tramp = pgpte((void *)TRAMPOLINE), tf = pgpte((void *)TRAPFRAME);
	int bad = 0;

	if ((tramp & PERM_BITS) != (PTE_R | PTE_X | PTE_V) || PTE2PA(tramp) < IMAGE_PA ||
	    PTE2PA(tramp) >= IMAGE_PA + IMAGE_MAX) {
		printf("hostile: FAIL: pgpte(TRAMPOLINE) %lx\n", tramp);
		bad = 1;
	}
	if ((tf & PERM_BITS) != (PTE_R | PTE_W | PTE_V)) {
		printf("hostile: FAIL: pgpte(TRAPFRAME) %lx\n", tf);
		bad = 1;
	}
	printf("hostile: trampoline at pa %lx, trapframe at pa %lx\n", PTE2PA(tramp), PTE2PA(tf));
	if (vmprint(1) != 0) {
		printf("hostile: FAIL: vmprint(1)\n");
		bad = 1;
	}
	printf("hostile: reveal: %s\n", bad ? "FAIL" : "ok");
	return bad;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "orphan"))
		return orphan(argc > 2 ? atoi(argv[2]) : 100);
	if (argc > 2 && !strcmp(argv[1], "nap")) {
		sleep(atoi(argv[2]));
		printf("hostile: napped %d ticks\n", atoi(argv[2]));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "kill1"))
		return kill1();
	if (argc > 1 && !strcmp(argv[1], "reveal"))
		return reveal();
	fprintf(2, "usage: hostile orphan [ticks] | nap ticks | kill1 | reveal\n");
	return 2;
}
