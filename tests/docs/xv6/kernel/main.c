/* SPDX-License-Identifier: MIT */
/*
 * main.c - the rest of a stock-xv6 kernel that docs/porting.md's
 * keep-the-root vm.c links into (porting-doc test): kalloc, kfree, the
 * string functions and panic as xv6 declares them, and an entry point that
 * calls every function the page replaces, so that a bare `ld` link (no
 * libgcc, no libc) proves nothing is missing. Linked, never run.
 */
#include "types.h"
#include "riscv.h"
#include "memlayout.h"
#include "defs.h"

void freewalk(pagetable_t pagetable); /* vm.c's, not in xv6's defs.h */
void _entry(void) __attribute__((noreturn));

#define POOL_PAGES 32

static _Alignas(PGSIZE) char pool[POOL_PAGES][PGSIZE];
static int pool_next;

void *
kalloc(void)
{
	return pool_next < POOL_PAGES ? pool[pool_next++] : 0;
}

void
kfree(void *pa)
{
	(void)pa;
}

void *
memset(void *dst, int c, uint n)
{
	char *d = dst;

	while (n-- > 0)
		*d++ = (char)c;
	return dst;
}

void *
memmove(void *dst, const void *src, uint n)
{
	char *d = dst;
	const char *s = src;

	if (d < s)
		while (n-- > 0)
			*d++ = *s++;
	else
		while (n-- > 0)
			d[n] = s[n];
	return dst;
}

/* xv6's string.c has one too: a compiler may turn a struct copy into it */
void *
memcpy(void *dst, const void *src, uint n)
{
	return memmove(dst, src, n);
}

void
panic(char *s)
{
	(void)s;
	for (;;)
		;
}

static pagetable_t
new_root(void)
{
	pagetable_t pt = kalloc(); /* what xv6's uvmcreate does */

	if (pt)
		memset(pt, 0, PGSIZE);
	return pt;
}

void
_entry(void)
{
	pagetable_t k = new_root(), p = new_root(), c = new_root();
	char buf[8] = "x";

	mappages(k, KERNBASE, PHYSTOP - KERNBASE, KERNBASE, PTE_R | PTE_W | PTE_X);
	mappages(p, TRAMPOLINE, PGSIZE, KERNBASE, PTE_R | PTE_X);
	mappages(p, 0, PGSIZE, (uint64)kalloc(), PTE_R | PTE_W | PTE_U);
	walk(p, 0, 0);
	walk(p, PGSIZE, 1);
	walkaddr(p, 0);
	copyout(p, 0, buf, 1);
	copyin(p, buf, 0, 1);
	copyinstr(p, buf, 0, sizeof(buf));
	uvmcopy(p, c, PGSIZE);
	uvmclear(c, 0);
	uvmunmap(p, TRAMPOLINE, 1, 0);
	uvmfree(p, PGSIZE);
	uvmfree(c, PGSIZE);
	freewalk(new_root());
	panic("done");
}
