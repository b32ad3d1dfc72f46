/* SPDX-License-Identifier: MIT */
/* memlayout.h: stand-in for xv6's (porting-doc test): RAM at 0x80000000,
 * identity-mapped, and the two pages at the top of every user table. */
#define KERNBASE 0x80000000L
#define PHYSTOP (KERNBASE + 128 * 1024 * 1024)
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME (TRAMPOLINE - PGSIZE)
