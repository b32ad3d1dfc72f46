/* SPDX-License-Identifier: MIT */
/*
 * starve - a sleeper must not starve behind siblings that live in the
 * kernel.
 *
 * usage: starve [hogs [sleeps [mib [fork]]]]   (defaults 4, 10, 8, sbrk)
 *
 * hogs children loop on sbrk(+mib MiB) / sbrk(-mib MiB): almost all of
 * their time is spent inside system calls, where a timer tick used to be
 * counted and nothing else. With a large mib one sbrk() alone lasts
 * longer than the limit: then only a preemption point inside sbrk's
 * allocation loop keeps the sleeper on time. With "fork", each hog grows
 * by mib MiB once and then loops on fork() (a child that exits at once)
 * and wait(): fork's copy is the long system call. One more child, the sleeper, then calls
 * sleep(10) sleeps times and measures each with uptime(): every one must
 * return within LIMIT ticks. The hogs are killed, and freepages() must
 * be back where it started. Exits 0 only if every check passed.
 */
#include "user.h"

#define MAX_HOGS 16
#define NAP 10
#define LIMIT 20

static void __attribute__((noreturn)) hog(int bytes, int forks)
{
	if (forks) {
		if (sbrk(bytes) == (char *)-1)
			exit(1);
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
		if (sbrk(bytes) == (char *)-1) {
			sleep(1); /* memory is short: try again later */
			continue;
		}
		sbrk(-bytes);
	}
}

/* The sleeper's exit status: 0, or 1 at the first nap that took too long. */
static int
sleeper(int sleeps)
{
	int worst = 0;

	sleep(5); /* let the hogs get into their loop */
	for (int i = 0; i < sleeps; i++) {
		int t0 = uptime(), dt;

		sleep(NAP);
		dt = uptime() - t0;
		if (dt > worst)
			worst = dt;
		printf("starve: sleep(%d) took %d ticks\n", NAP, dt);
		if (dt > LIMIT) {
			printf("starve: FAIL: sleep(%d) took %d ticks (limit %d)\n", NAP, dt,
			       LIMIT);
			return 1;
		}
	}
	printf("starve: %d naps of %d ticks, the longest took %d\n", sleeps, NAP, worst);
	return 0;
}

int
main(int argc, char **argv)
{
	int hogs = argc > 1 ? atoi(argv[1]) : 4;
	int sleeps = argc > 2 ? atoi(argv[2]) : 10;
	int mib = argc > 3 ? atoi(argv[3]) : 8;
	int forks = argc > 4 && !strcmp(argv[4], "fork");
	int pids[MAX_HOGS], sleeper_pid, pid, status = -1, bad = 0, reaped = 0;
	int free0 = freepages();

	if (hogs < 0 || hogs > MAX_HOGS || sleeps < 1 || mib < 1 || mib > 1024) {
		fprintf(2, "usage: starve [hogs (0..%d) [sleeps [mib (1..1024)]]]\n", MAX_HOGS);
		return 2;
	}
	printf("starve: %d hogs on %s %d MiB, %d naps of %d ticks (limit %d)\n", hogs,
	       forks ? "fork() of" : "sbrk(+-)", mib, sleeps, NAP, LIMIT);
	for (int i = 0; i < hogs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(2, "starve: fork failed\n");
			return 1;
		}
		if (pids[i] == 0)
			hog(mib << 20, forks);
	}
	sleeper_pid = fork();
	if (sleeper_pid == 0)
		exit(sleeper(sleeps));
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
