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
 * image; pgpte of a kernel address gives 0; vmprint(0) and vmprint(1)
 * are printed between marker lines while a child holds a page of its
 * own, for tests/kernel/check-reveal.py to read. Exits 0 if so.
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
#define IMAGE_VA 0xffffffff80200000UL  /* the image, linked here */
#define DIRECT_VA 0xffffffc080200000UL /* the same frame in the direct map */
#define CHILD_PRINT_TICKS 20	       /* the child prints its frame meanwhile */

/* pgpte of TRAMPOLINE and TRAPFRAME: their frames, no U; 1 if not so. */
static int
reveal_top_pages(uint64 *tramp_pa, uint64 *tf_pa)
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
	*tramp_pa = PTE2PA(tramp);
	*tf_pa = PTE2PA(tf);
	return bad;
}

/*
 * What the calls refuse: pgpte walks the user table only, which holds no
 * kernel address (the image, the direct map), and vmprint knows tables 0
 * and 1 only. 1 if any of that is not so.
 */
static int
reveal_refusals(void)
{
	uint64 image = pgpte((void *)IMAGE_VA), direct = pgpte((void *)DIRECT_VA);
	int bad = 0;

	if (image || direct) {
		printf("hostile: FAIL: pgpte of a kernel address: %lx %lx\n", image, direct);
		bad = 1;
	}
	if (vmprint(2) != -1 || vmprint(-1) != -1) {
		printf("hostile: FAIL: vmprint of a table other than 0 and 1\n");
		bad = 1;
	}
	return bad;
}

/*
 * A child with a page of its own (written, so not shared with this
 * process) says which frame holds it and waits to be killed, so that the
 * dumps this process prints meanwhile can be checked to show none of it.
 */
static int
reveal_fork_witness(void)
{
	int pid = fork();

	if (pid == 0) {
		char *page = sbrk(4096);

		if (page == (char *)-1)
			exit(1);
		page[0] = 1;
		printf("hostile: child frame pa %lx\n", PTE2PA(pgpte(page)));
		for (;;)
			sleep(100);
	}
	if (pid > 0)
		sleep(CHILD_PRINT_TICKS);
	return pid;
}

static int
reveal(void)
{
	uint64 tramp_pa, tf_pa;
	int bad = reveal_top_pages(&tramp_pa, &tf_pa) | reveal_refusals();
	int child = reveal_fork_witness(), r0, r1;

	printf("hostile: trampoline at pa %lx, trapframe at pa %lx\n", tramp_pa, tf_pa);
	printf("hostile: vmprint(0) follows\n");
	r0 = vmprint(0);
	printf("hostile: vmprint(1) follows\n");
	r1 = vmprint(1);
	printf("hostile: end of dumps\n");
	if (r0 != 0 || r1 != 0 || child < 0) {
		printf("hostile: FAIL: vmprint(0) %d, vmprint(1) %d, fork %d\n", r0, r1, child);
		bad = 1;
	}
	if (child > 0) {
		kill(child);
		wait(NULL);
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
