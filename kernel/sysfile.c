/* SPDX-License-Identifier: MIT */
/*
 * sysfile.c - read and write. There is no file system: fd 0 reads the
 * console, fds 1 and 2 write it.
 */
#include "kernel.h"
#include "proc.h"
#include "syscall.h"

uint64_t
sys_read(struct proc *p)
{
	int fd = argint(p, 0), n = argint(p, 2);

	if (fd != 0 || n < 0)
		return (uint64_t)-1;
	return (uint64_t)(long)console_read(p, argaddr(p, 1), n);
}

uint64_t
sys_write(struct proc *p)
{
	int fd = argint(p, 0), n = argint(p, 2);

	if ((fd != 1 && fd != 2) || n < 0)
		return (uint64_t)-1;
	return (uint64_t)(long)console_write_user(p, argaddr(p, 1), n);
}
