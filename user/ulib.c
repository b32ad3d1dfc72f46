/* SPDX-License-Identifier: MIT */
/*
 * ulib.c - the small C library of user programs: strings, memory, atoi,
 * line input and ugetpid().
 *
 * Built with -ffreestanding -fno-tree-loop-distribute-patterns so that the
 * loops below are never turned back into calls to themselves.
 */
#include "user.h"

/*
 * Read the pid the kernel published in the USYSCALL page: a plain load,
 * no trap. The page is read-only to us; the kernel fills it per process.
 */
int
ugetpid(void)
{
	volatile struct usyscall *u = (volatile struct usyscall *)USYSCALL;

	return u->pid;
}

char *
strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

uint
strlen(const char *s)
{
	uint n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (uchar)*a - (uchar)*b;
}

int
strncmp(const char *a, const char *b, uint n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (uchar)*a - (uchar)*b;
		if (*a == '\0')
			break;
	}
	return 0;
}

char *
strchr(const char *s, int c)
{
	for (; *s != '\0'; s++)
		if (*s == (char)c)
			return (char *)s;
	return c == '\0' ? (char *)s : NULL;
}

void *
memset(void *dst, int c, unsigned long n)
{
	uchar *d = dst;

	while (n-- > 0)
		*d++ = (uchar)c;
	return dst;
}

/* Copies correctly when the ranges overlap, in either direction. */
void *
memmove(void *dst, const void *src, unsigned long n)
{
	uchar *d = dst;
	const uchar *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		while (n-- > 0)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n-- > 0)
			*--d = *--s;
	}
	return dst;
}

void *
memcpy(void *dst, const void *src, unsigned long n)
{
	return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, unsigned long n)
{
	const uchar *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* Decimal, with optional leading blanks and sign; stops at the first non-digit. */
int
atoi(const char *s)
{
	int neg = 0, n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}

/*
 * Read one line from fd 0 into buf, at most max-1 characters, keeping the
 * '\n' (or '\r') that ended it, always NUL-terminated. On end of input or
 * error buf holds what was read so far (buf[0] == '\0' if nothing).
 */
char *
gets(char *buf, int max)
{
	int i = 0;
	char c;

	while (i + 1 < max) {
		if (read(0, &c, 1) < 1)
			break;
		buf[i++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	if (max > 0)
		buf[i] = '\0';
	return buf;
}

/*
 * The stack guard: the first page below the stack pointer's page that user
 * mode cannot use (unmapped, or mapped without PTE_U as in xv6), or 0.
 */
uint64
stack_guard_page(void)
{
	extern char end[]; /* user.ld: the end of bss */
	uint64 va = PGROUNDDOWN((uint64)__builtin_frame_address(0));

	for (int i = 0; i < 4096 && va > (uint64)end; i++, va -= PGSIZE)
		if ((pgpte((void *)va) & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
			return va;
	return 0;
}
