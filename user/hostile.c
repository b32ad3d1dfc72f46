/* SPDX-License-Identifier: MIT */
/*
 * hostile - what pid 1 must survive from an ordinary user program.
 *
 * usage: hostile orphan [ticks]   (default 100)
 *        hostile nap ticks
 *        hostile kill1
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
	fprintf(2, "usage: hostile orphan [ticks] | hostile nap ticks | hostile kill1\n");
	return 2;
}
