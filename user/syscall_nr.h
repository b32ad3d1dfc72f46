/* SPDX-License-Identifier: MIT */
/*
 * syscall_nr.h - system call numbers, shared by the kernel and user/.
 *
 * The user side loads the number into a7 and the arguments into a0..a5,
 * executes ecall and finds the result in a0 (-1 on any error).
 * 1..16 follow xv6; the project's own calls start at 22.
 * Plain #defines only: usys.S includes this file too.
 */
#ifndef SYSCALL_NR_H
#define SYSCALL_NR_H

#define SYS_fork	1
#define SYS_exit	2
#define SYS_wait	3
#define SYS_read	5
#define SYS_kill	6
#define SYS_exec	7
#define SYS_getpid	11
#define SYS_sbrk	12
#define SYS_sleep	13
#define SYS_uptime	14
#define SYS_write	16

#define SYS_pgaccess	22	/* int pgaccess(void *base, int npages, void *mask) */
#define SYS_pgpte	23	/* uint64 pgpte(void *va) */
#define SYS_vmprint	24	/* int vmprint(int which) */
#define SYS_freepages	25	/* int freepages(void) */
#define SYS_halt	26	/* int halt(int code) */

#define SYS_MAX		26	/* the highest number in use */

#endif /* SYSCALL_NR_H */
