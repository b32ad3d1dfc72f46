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

#include "syscall_nr.h"

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
#define MAXVA 0x4000000000UL	     /* one past the last user address */
#define USYSCALL 0x3ffffff000UL	     /* read-only page shared with the kernel */
#define UTEXT 0x1000UL		     /* where user.ld puts text; page 0 is unmapped */

/* What the kernel keeps at USYSCALL, readable without a trap. */
struct usyscall {
	int pid;
};

/* Sv39 PTE bits, for decoding what pgpte() returns. */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE2PA(pte) ((((uint64)(pte) >> 10) & ((1UL << 44) - 1)) << 12)

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

/* printf.c: %d %i %u %x %p %s %c %%, l/ll/z sizes, '-' '0' and width */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* malloc.c: a first-fit free list on sbrk */
void *malloc(unsigned long n);
void free(void *p);

#endif /* USER_H */
