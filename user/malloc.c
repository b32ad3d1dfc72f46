/* SPDX-License-Identifier: MIT */
/*
 * malloc.c - a first-fit allocator on sbrk().
 *
 * Memory is handed out in 16-byte units. Each block starts with a one-unit
 * header; free blocks sit on a list sorted by address, so free() can merge
 * a block with the neighbours it touches. The heap only grows: memory given
 * back by free() is kept for later malloc() calls, never returned with a
 * negative sbrk, so a program may still move the break itself (the tests
 * do) as long as it does not shrink below what malloc took.
 */
#include "user.h"

#define UNIT 16UL
#define GROW_UNITS 4096UL /* ask sbrk for at least 64 KiB at a time */

struct block {
	struct block *next;  /* next free block, higher address; NULL at the end */
	unsigned long units; /* size, header included */
};

static struct block *free_list;

/* Put b on the free list in address order, merging it with its neighbours. */
static void
list_insert(struct block *b)
{
	struct block *prev = NULL, *cur = free_list;

	while (cur != NULL && cur < b) {
		prev = cur;
		cur = cur->next;
	}
	b->next = cur;
	if (cur != NULL && (char *)b + b->units * UNIT == (char *)cur) {
		b->units += cur->units;
		b->next = cur->next;
	}
	if (prev == NULL) {
		free_list = b;
	} else if ((char *)prev + prev->units * UNIT == (char *)b) {
		prev->units += b->units;
		prev->next = b->next;
	} else {
		prev->next = b;
	}
}

/* Get at least units more from sbrk onto the free list; 0 or -1. */
static int
grow(unsigned long units)
{
	unsigned long bytes;
	uint64 start, pad;
	char *p;

	if (units < GROW_UNITS)
		units = GROW_UNITS;
	bytes = units * UNIT + UNIT; /* room to align the start */
	if (bytes > 0x7fffffffUL)
		return -1;
	p = sbrk((int)bytes);
	if (p == (char *)-1)
		return -1;
	start = ((uint64)p + UNIT - 1) & ~(UNIT - 1);
	pad = start - (uint64)p;
	((struct block *)start)->units = (bytes - pad) / UNIT;
	list_insert((struct block *)start);
	return 0;
}

void *
malloc(unsigned long n)
{
	unsigned long units;
	struct block *prev, *b;

	if (n > 0x7fff0000UL)
		return NULL;
	units = (n + UNIT - 1) / UNIT + 1;
	for (;;) {
		prev = NULL;
		for (b = free_list; b != NULL; prev = b, b = b->next) {
			if (b->units < units)
				continue;
			if (b->units == units) {
				if (prev == NULL)
					free_list = b->next;
				else
					prev->next = b->next;
			} else {
				/* hand out the tail; the head stays on the list */
				b->units -= units;
				b = (struct block *)((char *)b + b->units * UNIT);
				b->units = units;
			}
			b->next = NULL;
			return b + 1;
		}
		if (grow(units) < 0)
			return NULL;
	}
}

void
free(void *p)
{
	if (p != NULL)
		list_insert((struct block *)p - 1);
}
