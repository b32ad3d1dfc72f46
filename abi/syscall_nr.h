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

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_sleep 13
#define SYS_uptime 14
#define SYS_write 16

#define SYS_pgaccess 22	 /* int pgaccess(void *base, int npages, void *mask) */
#define SYS_pgpte 23	 /* uint64 pgpte(void *va) */
#define SYS_vmprint 24	 /* int vmprint(int which) */
#define SYS_freepages 25 /* int freepages(void) */
#define SYS_halt 26	 /* int halt(int code) */
/*
 * int copybench(int mode, void *buf, int len), for user/bench:
 *   mode 0: the kernel copies len (<= 64 KiB) bytes from buf by plain
 *           dereference through the process's kernel table (copyin)
 *   mode 1: the same by sv39_copy_in's software walk of the user table
 *   -> time-CSR ticks the copy took inside the kernel, -1 for a bad range
 *   mode 2, 3, 4: page-table pages of the caller's user table, of its
 *           kernel table, of the global kernel table
 *   mode 5, 6, 7: the page allocator, len times: kalloc+kfree of one
 *           page; len kallocs then len kfrees; kalloc_contig+kfree_contig
 *           of 2 MiB -> time-CSR ticks, -1 when memory ran out
 *   mode 8: len != 0: the caller's forks copy every page at once, as
 *           before copy-on-write (bench's reference); len 0: they share
 *           pages copy-on-write (the default) -> 0
 */
#define SYS_copybench 27

/*
 * copybench's modes. A user-facing call of the production kernel, not a
 * test hook: bench measures with it, and cowtest and starve (kernel suite,
 * on the image `make qemu` boots) read table sizes and load the allocator
 * through it, so those measurements are of the kernel users run.
 */
#define COPYBENCH_COPYIN 0	/* copy by plain dereference (copyin) */
#define COPYBENCH_WALK 1	/* copy by sv39_copy_in's software walk */
#define COPYBENCH_UPT_TABLES 2	/* page-table pages: the user table */
#define COPYBENCH_KPT_TABLES 3	/* the process's kernel table */
#define COPYBENCH_KVM_TABLES 4	/* the global kernel table */
#define COPYBENCH_KALLOC_ONE 5	/* len times kalloc+kfree */
#define COPYBENCH_KALLOC_MANY 6 /* len kallocs, then len kfrees */
#define COPYBENCH_KALLOC_2M 7	/* len times a 2 MiB kalloc_contig+kfree_contig */
#define COPYBENCH_FORK_EAGER 8	/* len != 0: forks copy every page at once */

#define SYS_MAX 27 /* the highest number in use */

#endif /* SYSCALL_NR_H */
