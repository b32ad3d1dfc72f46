/* SPDX-License-Identifier: MIT */
/*
 * main.c - the rest of the kernel that docs/porting.md's examples link
 * into (porting-doc test): xv6's kalloc/kfree/memset/memmove/printf/panic,
 * the linker symbols the examples name, and an entry point that calls
 * every example, so that a link proves nothing is missing. It is linked
 * at 0x80200000 and never run.
 */
#include "xv6.h"

#define POOL_PAGES 64

static _Alignas(4096) unsigned char pool[POOL_PAGES][4096];
static unsigned pool_next;
char etext[1], trampoline[1];

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
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		while (n--)
			*d++ = *s++;
	else
		while (n--)
			d[n] = s[n];
	return dst;
}

void *
memcpy(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

int
printf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void
panic(const char *msg)
{
	(void)msg;
	for (;;)
		;
}

/* the examples, as a kernel would reach them */
void kvminit(void);
void kvminithart(void);
int uvmcreate(struct proc *p);
void proc_freepagetable(struct proc *p);
int uvmcopy(struct sv39_space *old, struct sv39_space *new, uint64 sz);
uint64 walkaddr(struct sv39_space *s, uint64 va);
int copyout(struct sv39_space *s, uint64 dstva, char *src, uint64 len);
int copyout_ro(struct sv39_space *s, uint64 dstva, const char *src, uint64 len);
int copyin(struct sv39_space *s, char *dst, uint64 srcva, uint64 len);
int copyinstr(struct sv39_space *s, char *dst, uint64 srcva, uint64 max);
void vmprint(struct sv39_space *s);
int uvmclear(struct proc *p, uint64 sp_base);
uint64 user_satp(struct proc *p);
int exec_commit(struct proc *p, uint64 sz);
pagetable_t uvmcreate_root(void);
void uvmunmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free);

void _start(void) __attribute__((noreturn));

void
_start(void)
{
	static struct proc p, c;
	char buf[8] = "x";

	kvminit();
	kvminithart();
	uvmcreate(&p);
	uvmcreate(&c);
	uvmalloc(&p.uspace, 0, 2 * PGSIZE, SV39_PTE_W);
	uvmcopy(&p.uspace, &c.uspace, 2 * PGSIZE);
	walkaddr(&p.uspace, 0);
	copyout(&p.uspace, 0, buf, 1);
	copyout_ro(&p.uspace, 0, buf, 1);
	copyin(&p.uspace, buf, 0, 1);
	copyinstr(&p.uspace, buf, 0, sizeof(buf));
	vmprint(&p.uspace);
	uvmclear(&p, 2 * PGSIZE);
	user_satp(&p);
	exec_commit(&p, PGSIZE);
	uvmunmap(uvmcreate_root(), 0, 0, 0);
	uvmdealloc(&p.uspace, 2 * PGSIZE, 0);
	proc_freepagetable(&c);
	proc_freepagetable(&p);
	panic("done");
}
