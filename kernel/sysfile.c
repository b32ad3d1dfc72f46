/* SPDX-License-Identifier: MIT */
/*
 * sysfile.c - read and write. There is no file system: fd 0 reads the
 * console, fds 1 and 2 write it.
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "syscall.h"

uint64_t
sys_read(struct proc *p)
{
	int fd = argint(p, 0), n = argint(p, 2);

	if (fd != 0 || n < 0)
		return (uint64_t)-1;
	return (uint64_t)(long)console_read(p, argaddr(p, 1), n);
}

/*
 * write(fd, buf, n): all of buf or nothing. Every page of buf is checked
 * readable (U and R in the user table) before the first byte is printed,
 * so a buffer that runs into unmapped memory prints nothing and gives
 * -1; a checked buffer is printed whole and gives n. Nothing can unmap it
 * in between: the process is in this call, and the kernel table mirrors
 * the user table after every system call (uvm.c).
 */
uint64_t
sys_write(struct proc *p)
{
	int fd = argint(p, 0), n = argint(p, 2);
	uint64_t buf = argaddr(p, 1);

	if ((fd != 1 && fd != 2) || n < 0 || !uvm_user_ok(p, buf, (uint64_t)n, SV39_PTE_R))
		return (uint64_t)-1;
	return (uint64_t)(long)console_write_user(p, buf, n);
}
