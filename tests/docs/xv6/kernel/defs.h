/* SPDX-License-Identifier: MIT */
/* defs.h: stand-in for xv6's, the declarations vm.c uses, with stock
 * xv6-riscv's signatures (porting-doc test: the example must match them). */

// kalloc.c
void *kalloc(void);
void kfree(void *);

// printf.c
void panic(char *) __attribute__((noreturn));

// string.c
void *memset(void *, int, uint);
void *memmove(void *, const void *, uint);

// vm.c
void kvminit(void);
void kvminithart(void);
void kvmmap(pagetable_t, uint64, uint64, uint64, int);
int mappages(pagetable_t, uint64, uint64, uint64, int);
pagetable_t uvmcreate(void);
void uvmfirst(pagetable_t, uchar *, uint);
uint64 uvmalloc(pagetable_t, uint64, uint64, int);
uint64 uvmdealloc(pagetable_t, uint64, uint64);
int uvmcopy(pagetable_t, pagetable_t, uint64);
void uvmfree(pagetable_t, uint64);
void uvmunmap(pagetable_t, uint64, uint64, int);
void uvmclear(pagetable_t, uint64);
pte_t *walk(pagetable_t, uint64, int);
uint64 walkaddr(pagetable_t, uint64);
int copyout(pagetable_t, uint64, char *, uint64);
int copyin(pagetable_t, char *, uint64, uint64);
int copyinstr(pagetable_t, char *, uint64, uint64);
