/* SPDX-License-Identifier: MIT */
/*
 * readers - concurrent read(0)s each get whole lines.
 *
 * usage: readers [readers [lines [payload]]]   (defaults 2, 10 and 20)
 *
 * The children all block in read(0) while lines are typed (the kernel
 * tests feed tests/kernel/expect/readers-*.input): lines numbered
 * 1..lines, each "Lnn:" and payload characters that depend on nn, then
 * one "end" line per reader. A child checks that every read returned one whole
 * line (the right length, the payload of its number, the newline), and
 * exits with the number of lines it read, or with BAD at the first
 * partial line. The parent adds the counts: every line must have been
 * read whole, by exactly one reader. Exits 0 only if so.
 */
#include "user.h"

#define MAX_READERS 8
#define MAX_PAYLOAD 200
#define BAD 255

static int payload = 20;

static char
payload_char(int nr, int i)
{
	return (char)('a' + (nr * 7 + i) % 26);
}

/* 1..99 if buf[0..n) is line nr's whole text, 0 for "end", -1 otherwise. */
static int
check_line(const char *buf, int n)
{
	int nr;

	if (n == 4 && !memcmp(buf, "end\n", 4))
		return 0;
	if (n != 4 + payload + 1 || buf[0] != 'L' || buf[3] != ':' || buf[n - 1] != '\n')
		return -1;
	if (buf[1] < '0' || buf[1] > '9' || buf[2] < '0' || buf[2] > '9')
		return -1;
	nr = (buf[1] - '0') * 10 + (buf[2] - '0');
	for (int i = 0; i < payload; i++)
		if (buf[4 + i] != payload_char(nr, i))
			return -1;
	return nr ? nr : -1;
}

static int
reader(int id)
{
	char buf[256];
	int got = 0;

	for (;;) {
		int n = read(0, buf, sizeof(buf) - 1), nr;

		if (n <= 0) {
			printf("readers: reader %d: read returned %d\n", id, n);
			return BAD;
		}
		buf[n] = '\0';
		nr = check_line(buf, n);
		if (nr < 0) {
			printf("readers: reader %d: PARTIAL line (%d bytes): %s", id, n, buf);
			if (buf[n - 1] != '\n')
				printf("\n");
			return BAD;
		}
		if (nr == 0)
			break;
		got++; /* no printing: straight back into read(), to contend */
	}
	printf("readers: reader %d: %d whole lines\n", id, got);
	return got;
}

int
main(int argc, char **argv)
{
	int nreaders = argc > 1 ? atoi(argv[1]) : 2;
	int lines = argc > 2 ? atoi(argv[2]) : 10;
	int total = 0, bad = 0;

	payload = argc > 3 ? atoi(argv[3]) : payload;
	if (nreaders < 1 || nreaders > MAX_READERS || lines < 1 || lines > 99 || payload < 1 ||
	    payload > MAX_PAYLOAD) {
		fprintf(2, "usage: readers [readers (1..%d) [lines (1..99) [payload (1..%d)]]]\n",
			MAX_READERS, MAX_PAYLOAD);
		return 2;
	}
	printf("readers: %d readers, %d typed lines of %d bytes\n", nreaders, lines,
	       4 + payload + 1);
	for (int i = 0; i < nreaders; i++) {
		int pid = fork();

		if (pid < 0) {
			fprintf(2, "readers: fork failed\n");
			return 1;
		}
		if (pid == 0)
			exit(reader(i));
	}
	for (int i = 0; i < nreaders; i++) {
		int status;

		if (wait(&status) < 0 || status == BAD || status < 0)
			bad = 1;
		else
			total += status;
	}
	if (total != lines)
		bad = 1;
	printf("readers: %d of %d lines read whole: %s\n", total, lines, bad ? "FAIL" : "ok");
	return bad;
}
