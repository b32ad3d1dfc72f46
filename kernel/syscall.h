/* SPDX-License-Identifier: MIT */
/*
 * syscall.h - the system calls, declared once: syscall.c dispatches to
 * them by number (abi/syscall_nr.h); sysproc.c and sysfile.c define them.
 * Each takes its arguments from p's trapframe and returns the value for
 * a0 (-1 on any error).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>

#include "proc.h"

/* Argument n as the C int the user passed (the low 32 bits, sign-extended). */
static inline int
argint(struct proc *p, int n)
{
	return (int)(&p->tf->a0)[n];
}

/* Argument n as an address: checked by whoever dereferences it. */
static inline uint64_t
argaddr(struct proc *p, int n)
{
	return (&p->tf->a0)[n];
}

uint64_t sys_fork(struct proc *p);
uint64_t sys_exit(struct proc *p);
uint64_t sys_wait(struct proc *p);
uint64_t sys_read(struct proc *p);
uint64_t sys_kill(struct proc *p);
uint64_t sys_exec(struct proc *p);
uint64_t sys_getpid(struct proc *p);
uint64_t sys_sbrk(struct proc *p);
uint64_t sys_sleep(struct proc *p);
uint64_t sys_uptime(struct proc *p);
uint64_t sys_write(struct proc *p);
uint64_t sys_pgaccess(struct proc *p);
uint64_t sys_pgpte(struct proc *p);
uint64_t sys_vmprint(struct proc *p);
uint64_t sys_freepages(struct proc *p);
uint64_t sys_halt(struct proc *p);
uint64_t sys_copybench(struct proc *p);

#endif /* KERNEL_SYSCALL_H */
