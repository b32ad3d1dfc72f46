/* SPDX-License-Identifier: MIT */
/*
 * usys.S - system call stubs: number in a7, arguments already in a0..a5
 * (the C calling convention put them there), ecall, result in a0.
 * Each stub has its own section so --gc-sections drops the unused ones.
 */
#include "syscall_nr.h"

#define SYSCALL(name)					\
	.section .text.sys_##name, "ax", @progbits;	\
	.globl name;					\
	.type name, @function;				\
name:							\
	li	a7, SYS_##name;				\
	ecall;						\
	ret;						\
	.size name, . - name

SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(read)
SYSCALL(kill)
SYSCALL(exec)
SYSCALL(getpid)
SYSCALL(sbrk)
SYSCALL(sleep)
SYSCALL(uptime)
SYSCALL(write)
SYSCALL(pgaccess)
SYSCALL(pgpte)
SYSCALL(vmprint)
SYSCALL(freepages)
SYSCALL(halt)
SYSCALL(copybench)
