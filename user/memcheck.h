/* SPDX-License-Identifier: MIT */
/*
 * memcheck.h - what the memory tests (cowtest, napot) share: a pattern
 * unique to each page and salt, written to and checked in the first and
 * last word of every page of a range; heap growth from an aligned break;
 * a child's exit status. user/memcheck.c; linked into every program.
 */
#ifndef USER_MEMCHECK_H
#define USER_MEMCHECK_H

#include "user.h"

/* The word fill_pages stores at the start of the page at va (its last word: the complement). */
uint64 page_pattern(uint64 va, uint64 salt);
/* Both words of every page of [lo, hi) (page aligned) get the pattern. */
void fill_pages(uint64 lo, uint64 hi, uint64 salt);
/*
 * The pages of [lo, hi) whose words are not fill_pages' with salt: their
 * count; the first is reported on fd 2 as "PROG: FAIL: WHO: page ...".
 */
int check_pages(const char *prog, const char *who, uint64 lo, uint64 hi, uint64 salt);
/*
 * Shrink the heap back to the break brk; freepages() must be free0 again
 * (waited for up to 50 ticks, while init reaps an orphan that held pages).
 * The failures, each reported on fd 2 as "PROG: FAIL: WHAT: ...".
 */
int release_heap(const char *prog, const char *what, uint64 brk, int free0);
/* Move the break up to a multiple of align, then grow by n: [*lo, *lo + n). 0 or -1. */
int grow_heap(uint64 n, uint64 align, uint64 *lo);
/*
 * Take memory (sbrk and touch) until leave to leave + 5 pages are free, leaving
 * the last 64 KiB of every 2 MiB region untouched: no region is ever whole,
 * so the kernel never promotes one to a megapage. A promotion takes a
 * 2 MiB frame before it gives the 512 pages back, and a process watching
 * freepages() for "memory is gone" could see that dip and then find the
 * memory back.
 */
void take_memory_without_megapages(int leave);
/* wait() for pid: its exit status, or -98 when wait returned another child or none. */
int wait_status(int pid);

#endif /* USER_MEMCHECK_H */
