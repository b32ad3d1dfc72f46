/* SPDX-License-Identifier: MIT */
/*
 * killread - a reader killed in read(0) must not take a line with it.
 *
 * usage: killread step [hogs]                (default 120; one hart)
 *        killread storm [readers [lines [hogs]]]   (defaults 4, 64, 1)
 *
 * Typed lines are "Lnn" (nn = 01..99), then "end"
 * (tests/kernel/expect/killread-*.input). Every reader here reads one
 * line and exits with its number, END for "end", NONE when read failed.
 *
 * step: a line a second is typed. After L01 (read here, to know where the
 * typing is), a reader is put to sleep in read(0) and killed while the
 * input buffer is empty; hogs that wake just after the kill keep it off
 * the hart (one hart: it is last in the round-robin order) for about
 * `hogs` ticks, while L02 arrives. The killed reader must take nothing:
 * its status is not a line number, and the lines read here afterwards are
 * L02, L03, L04, end, in order.
 *
 * storm: readers are killed at random while lines are pasted in bursts;
 * each one that exits is replaced. Spinning hogs keep killed readers
 * waiting for a hart, so that lines arrive between a kill and the
 * killed reader's run. Every line must reach a reader that was live when
 * it took it exactly once: that reader returns it to user mode and its
 * own exit(nn) stands (a kill takes effect at the next kernel entry, and
 * exit's status stands), so the statuses account for every line.
 */
#include "user.h"

#define END 100
#define NONE 101
#define BAD 102
#define MAX_READERS 16
#define MAX_LINES 99
#define STEP_GATE 60	 /* ticks after L01 when the hogs start spinning */
#define STORM_TICKS 2500 /* the storm gives up after 25 s */

/* The number of a typed line: 1..99, END, or BAD. */
static int
line_number(const char *buf, int n)
{
	if (n == 4 && !memcmp(buf, "end\n", 4))
		return END;
	if (n != 4 || buf[0] != 'L' || buf[3] != '\n' || buf[1] < '0' || buf[1] > '9' ||
	    buf[2] < '0' || buf[2] > '9')
		return BAD;
	return (buf[1] - '0') * 10 + (buf[2] - '0');
}

/* Read one line and report it as the exit status. */
static void __attribute__((noreturn)) read_one(void)
{
	char buf[64];
	int n = read(0, buf, sizeof(buf));

	exit(n > 0 ? line_number(buf, n) : NONE);
}

static void __attribute__((noreturn)) spin(void)
{
	for (;;)
		;
}

/* A hog that sleeps until tick gate (0: not at all), then spins. */
static int
fork_hog(int gate)
{
	int pid = fork();

	if (pid == 0) {
		int now = uptime();

		if (gate > now)
			sleep(gate - now);
		spin();
	}
	return pid;
}

static int
kill_and_reap(int *pids, int n)
{
	int status, bad = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i]) < 0)
			bad = 1;
	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && wait(&status) < 0)
			bad = 1;
	return bad;
}

/* The next typed line's number, read here. */
static int
read_here(void)
{
	char buf[64];
	int n = read(0, buf, sizeof(buf));

	return n > 0 ? line_number(buf, n) : NONE;
}

static int hog_pids[128];

static int
step(int hogs)
{
	int t0, gate, reader, status = -2, bad = 0, want[] = { 2, 3, 4, END };

	if (read_here() != 1) {
		printf("killread: step: the first line is not L01\n");
		return 1;
	}
	t0 = uptime();
	gate = t0 + STEP_GATE;
	for (int i = 0; i < hogs; i++)
		if ((hog_pids[i] = fork_hog(gate)) < 0)
			return 1;
	reader = fork(); /* after the hogs: the last slot in round-robin order */
	if (reader == 0)
		read_one();
	if (reader < 0 || uptime() >= gate - 2) {
		printf("killread: step: forks took %d ticks, too slow\n", uptime() - t0);
		return 1;
	}
	sleep(gate - 1 - uptime());
	kill(reader); /* it sleeps in read(0) on an empty buffer */
	while (uptime() < gate + 1)
		; /* hold the hart until the hogs wake: the reader queues behind them */
	if (wait(&status) != reader || (status >= 1 && status <= END)) {
		printf("killread: step: FAIL: the killed reader took line %d\n", status);
		bad = 1;
	}
	printf("killread: step: killed reader's status %d, after %d ticks\n", status,
	       uptime() - gate);
	bad |= kill_and_reap(hog_pids, hogs);
	for (int i = 0; i < 4; i++) {
		int nr = read_here();

		if (nr != want[i]) {
			printf("killread: step: FAIL: read line %d, want %d\n", nr, want[i]);
			bad = 1;
		}
		if (nr == END || nr == NONE)
			break; /* no more input */
	}
	return bad;
}

static unsigned rng_state;

static unsigned
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 16;
}

/* A reader's status: count its line. 1 if it says END. */
static int
account(int *seen, int status, int *bad)
{
	if (status >= 1 && status <= MAX_LINES)
		seen[status]++;
	else if (status == BAD)
		*bad = 1;
	return status == END;
}

static int
storm(int nreaders, int lines, int hogs)
{
	int readers[MAX_READERS], seen[MAX_LINES + 1] = { 0 };
	int done = 0, bad = 0, kills = 0, status, t_end;

	rng_state = (unsigned)uptime() * 2654435761u + 1;
	for (int i = 0; i < hogs; i++)
		if ((hog_pids[i] = fork_hog(0)) < 0)
			return 1;
	for (int i = 0; i < nreaders; i++)
		if ((readers[i] = fork()) == 0)
			read_one();
	t_end = uptime() + STORM_TICKS;
	while (!done && uptime() < t_end) {
		int d = (int)(rng() % 3), pid;

		if (d)
			sleep(d);
		kills += kill(readers[rng() % (unsigned)nreaders]) == 0;
		pid = wait(&status);
		done = account(seen, status, &bad);
		for (int i = 0; i < nreaders; i++)
			if (readers[i] == pid && !done && (readers[i] = fork()) == 0)
				read_one();
	}
	for (int i = 0; i < nreaders; i++)
		kill(readers[i]);
	for (int i = 0; i < hogs; i++)
		kill(hog_pids[i]);
	while ((status = -2, wait(&status)) > 0)
		if (account(seen, status, &bad))
			done = 1;
	bad |= !done;
	for (int nr = 1; nr <= lines; nr++)
		if (seen[nr] != 1) {
			printf("killread: storm: FAIL: line %d read %d times\n", nr, seen[nr]);
			bad = 1;
		}
	printf("killread: storm: %d lines, %d readers killed: %s\n", lines, kills,
	       bad ? "FAIL" : "ok");
	return bad;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "step")) {
		int hogs = argc > 2 ? atoi(argv[2]) : 120;

		if (hogs >= 1 && hogs <= 124)
			return step(hogs);
	} else if (argc > 1 && !strcmp(argv[1], "storm")) {
		int nreaders = argc > 2 ? atoi(argv[2]) : 4, lines = argc > 3 ? atoi(argv[3]) : 64;
		int hogs = argc > 4 ? atoi(argv[4]) : 1;

		if (nreaders >= 1 && nreaders <= MAX_READERS && lines >= 1 && lines <= MAX_LINES &&
		    hogs >= 0 && hogs <= 8)
			return storm(nreaders, lines, hogs);
	}
	fprintf(2,
		"usage: killread step [hogs (1..124)] | "
		"storm [readers (1..%d) [lines (1..%d) [hogs (0..8)]]]\n",
		MAX_READERS, MAX_LINES);
	return 2;
}
