/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - system call dispatch. The user puts the number in a7 and
 * the arguments in a0..a5 (user/usys.S), the result goes back in a0.
 * The numbers are user/syscall_nr.h, shared with the user side. An
 * unknown number returns -1; so does every call given bad arguments.
 */
#include "kernel.h"
#include "proc.h"
#include "syscall_nr.h"

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

static uint64_t (*const syscalls[])(struct proc *) = {
	[SYS_fork] = sys_fork,	   [SYS_exit] = sys_exit,	    [SYS_wait] = sys_wait,
	[SYS_read] = sys_read,	   [SYS_kill] = sys_kill,	    [SYS_exec] = sys_exec,
	[SYS_getpid] = sys_getpid, [SYS_sbrk] = sys_sbrk,	    [SYS_sleep] = sys_sleep,
	[SYS_uptime] = sys_uptime, [SYS_write] = sys_write,	    [SYS_pgaccess] = sys_pgaccess,
	[SYS_pgpte] = sys_pgpte,   [SYS_vmprint] = sys_vmprint,	    [SYS_freepages] = sys_freepages,
	[SYS_halt] = sys_halt,	   [SYS_copybench] = sys_copybench,
};

/* Argument n as the C int the user passed (the low 32 bits, sign-extended). */
int
argint(struct proc *p, int n)
{
	return (int)(&p->tf->a0)[n];
}

/* Argument n as an address: checked by whoever dereferences it. */
uint64_t
argaddr(struct proc *p, int n)
{
	return (&p->tf->a0)[n];
}

void
syscall(struct proc *p)
{
	uint64_t num = p->tf->a7;

	if (num < ARRAY_SIZE(syscalls) && syscalls[num])
		p->tf->a0 = syscalls[num](p);
	else
		p->tf->a0 = (uint64_t)-1;
	proc_resched_point(); /* a tick taken in the kernel ends the time slice here */
}
