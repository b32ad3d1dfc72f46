/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - system call dispatch. The user puts the number in a7 and
 * the arguments in a0..a5 (user/usys.S), the result goes back in a0.
 * The numbers are abi/syscall_nr.h, shared with the user side. An
 * unknown number returns -1; so does every call given bad arguments.
 */
#include "kernel.h"
#include "proc.h"
#include "syscall.h"
#include "syscall_nr.h"

static uint64_t (*const syscalls[])(struct proc *) = {
	[SYS_fork] = sys_fork,	   [SYS_exit] = sys_exit,	    [SYS_wait] = sys_wait,
	[SYS_read] = sys_read,	   [SYS_kill] = sys_kill,	    [SYS_exec] = sys_exec,
	[SYS_getpid] = sys_getpid, [SYS_sbrk] = sys_sbrk,	    [SYS_sleep] = sys_sleep,
	[SYS_uptime] = sys_uptime, [SYS_write] = sys_write,	    [SYS_pgaccess] = sys_pgaccess,
	[SYS_pgpte] = sys_pgpte,   [SYS_vmprint] = sys_vmprint,	    [SYS_freepages] = sys_freepages,
	[SYS_halt] = sys_halt,	   [SYS_copybench] = sys_copybench,
};

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
