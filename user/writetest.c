/* SPDX-License-Identifier: MIT */
/*
 * writetest - write() prints the whole buffer or nothing.
 *
 * The heap is made to end on a page boundary with nothing mapped above.
 *   edge     buffers that end exactly at the heap end (one byte, less
 *            than a 256-byte chunk, several chunks) are printed whole and
 *            write() returns their length
 *   cross    buffers that run from mapped memory into the unmapped page
 *            above, with the first bad byte at a 256-byte chunk boundary
 *            of the buffer and at a byte inside a chunk: write() returns
 *            -1 and nothing reaches the console (the expect file
 *            tests/kernel/expect/writetest.txt forbids the marker LEAKED)
 * Exits 0 only if every return value was right.
 */
#include "user.h"

static int failures;
static char *heap_end;

/* Fill [p, p + n) with copies of s. */
static void
fill(char *p, int n, const char *s)
{
	int len = (int)strlen(s);

	for (int i = 0; i < n; i++)
		p[i] = s[i % len];
}

/* A buffer of n bytes ending at the heap end, one line of text. */
static void
edge(const char *what, int n)
{
	char *buf = heap_end - n;
	char head[64];
	int r, hl;

	hl = (int)strlen(what);
	memmove(head, what, (unsigned long)hl);
	if (n > hl + 1) {
		fill(buf, n - 1, "=");
		memmove(buf, head, (unsigned long)hl);
		buf[n - 1] = '\n';
	} else {
		fill(buf, n, "\n");
	}
	r = write(1, buf, n);
	if (r != n) {
		fprintf(2,
			"writetest: FAIL: write of %d bytes ending at the heap end returned %d\n",
			n, r);
		failures++;
	}
}

/* readable bytes below the heap end, then n - readable above it. */
static void
cross(int readable, int n)
{
	char *buf = heap_end - readable;
	int r;

	fill(buf, readable, "LEAKED ");
	r = write(1, buf, n);
	if (r != -1) {
		fprintf(2, "writetest: FAIL: write of %d bytes, %d of them mapped, returned %d\n",
			n, readable, r);
		failures++;
	}
}

int
main(void)
{
	uint64 brk = (uint64)sbrk(0);
	char *page;

	sbrk((int)(PGROUNDUP(brk) - brk));
	page = sbrk(2 * PGSIZE);
	if (page == (char *)-1) {
		fprintf(2, "writetest: FAIL: sbrk\n");
		return 1;
	}
	heap_end = page + 2 * PGSIZE;

	edge("", 1);
	edge("writetest: edge short", 100);
	edge("writetest: edge one chunk", 256);
	edge("writetest: edge long", 1000);
	edge("writetest: edge two pages", 2 * PGSIZE);

	/* the first bad byte at a chunk boundary of the buffer */
	cross(256, 257);
	cross(256, 512);
	cross(512, 768);
	cross(2 * PGSIZE - 4096 % 256, 2 * PGSIZE + 256);
	/* the first bad byte inside a chunk */
	cross(1, 2);
	cross(300, 600);
	cross(100, 200);
	cross(4000, 4200);
	cross(2 * PGSIZE - 1, 2 * PGSIZE + 100);

	if (failures) {
		printf("writetest: %d FAILED\n", failures);
		return 1;
	}
	printf("writetest: all tests passed\n");
	return 0;
}
