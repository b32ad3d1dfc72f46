/* SPDX-License-Identifier: MIT */
/*
 * user.h - everything a user program includes: system calls (xv6's
 * signatures and numbers where xv6 has them, the project's own from 22),
 * the user library (printf, malloc, strings) and the memory layout constants
 * a program may rely on.
 *
 * System call ABI: a7 = number (syscall_nr.h), arguments in a0..a5,
 * ecall, result in a0; -1 on any error, including a bad user pointer.
 * A process killed by the kernel (bad access, kill()) exits with status -1.
 * main(argc, argv) is called by crt0 with argc in a0 and argv in a1
 * (a NULL-terminated array on the user stack); its return value is passed
 * to exit().
 */
#ifndef USER_H
#define USER_H

#include <sv39/pte.h>

#include "syscall_nr.h"
#include "user_layout.h" /* USYSCALL, struct usyscall, UVM_TOP, MAXVA */

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;
typedef signed char int8;
typedef short int16;
typedef int int32;
typedef long int64;

#ifndef NULL
#define NULL ((void *)0)
#endif

/* Memory layout (Sv39 lower half, owned by the process). */
#define PGSIZE 4096
#define PGSHIFT 12
#define PGROUNDUP(a) (((uint64)(a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define PGROUNDDOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))
#define MEGASIZE (2UL * 1024 * 1024) /* an Sv39 megapage */
#define UTEXT 0x1000UL		     /* where user.ld puts text; page 0 is unmapped */

/* The upper half, where user programs aim their bad pointers. */
#define KERNEL_BASE SV39_HIGH_BASE	  /* first address of the upper half */
#define KERNEL_IMAGE 0xffffffff80000000UL /* the kernel image's GiB */

/* xv6's names for the Sv39 PTE bits of sv39/pte.h, to decode pgpte(). */
#define PTE_V SV39_PTE_V
#define PTE_R SV39_PTE_R
#define PTE_W SV39_PTE_W
#define PTE_X SV39_PTE_X
#define PTE_U SV39_PTE_U
#define PTE_G SV39_PTE_G
#define PTE_A SV39_PTE_A
#define PTE_D SV39_PTE_D
#define PTE2PA(pte) sv39_pte_pa(pte)

/*
 * The time CSR: 10 MHz on QEMU virt. The kernel lets user mode read it
 * (scounteren.TM); bench.c checks that it ticks before trusting it.
 */
static inline uint64
rdtime(void)
{
	uint64 t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* System calls (usys.S). */
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);
int read(int fd, void *buf, int n);
int write(int fd, const void *buf, int n); /* n, or -1 with nothing written */
int kill(int pid);
int exec(const char *path, char **argv);
int getpid(void);
char *sbrk(int n);
int sleep(int ticks);
int uptime(void);
int pgaccess(void *base, int npages, void *mask);
uint64 pgpte(void *va);
int vmprint(int which);
int freepages(void);
int halt(int code);
int copybench(int mode, void *buf, int len); /* syscall_nr.h; for bench */

/* ulib.c */
int ugetpid(void);
char *strcpy(char *dst, const char *src);
uint strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, uint n);
char *strchr(const char *s, int c);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);
int atoi(const char *s);
char *gets(char *buf, int max);
uint64 stack_guard_page(void);

/* printf.c: %d %i %u %x %p %s %c %%, l/ll/z sizes, '-' '0' and width */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* malloc.c: a first-fit free list on sbrk */
void *malloc(unsigned long n);
void free(void *p);

#endif /* USER_H */
