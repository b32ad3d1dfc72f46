/* SPDX-License-Identifier: MIT */
/*
 * sysproc.c - the process and memory system calls: fork, exit, wait,
 * kill, exec, getpid, sbrk, sleep, uptime, and the project's own
 * pgaccess, pgpte, vmprint, freepages, halt and copybench.
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "syscall.h"
#include "riscv.h"
#include "syscall_nr.h"

#define EXEC_PATH_MAX 64
#define EXEC_ARG_MAX 32 /* arguments, argv[0] included */
#define PGACCESS_MAX 64 /* pages one pgaccess() may ask about */
#define COPYBENCH_MAX (64 * 1024)

uint64_t
sys_fork(struct proc *p)
{
	(void)p;
	return (uint64_t)(long)proc_fork();
}

uint64_t
sys_exit(struct proc *p)
{
	proc_exit(argint(p, 0));
}

uint64_t
sys_wait(struct proc *p)
{
	return (uint64_t)(long)proc_wait(argaddr(p, 0));
}

uint64_t
sys_kill(struct proc *p)
{
	return (uint64_t)(long)proc_kill(argint(p, 0));
}

uint64_t
sys_getpid(struct proc *p)
{
	return (uint64_t)(long)p->pid;
}

/*
 * exec(path, argv): the path, the argv[] pointers and every string are
 * copied in (each checked) before anything changes. The strings go into
 * one kernel page.
 */
uint64_t
sys_exec(struct proc *p)
{
	char path[EXEC_PATH_MAX], *argv[EXEC_ARG_MAX + 1];
	uint64_t uargv = argaddr(p, 1), page = kalloc(), used = 0;
	char *buf;
	int argc = 0, r = -1;

	if (!page)
		return (uint64_t)-1;
	buf = pa_to_kva(page);
	if (copyinstr(p, path, argaddr(p, 0), sizeof(path)))
		goto out;
	for (;;) {
		uint64_t uarg;

		if (argc > EXEC_ARG_MAX || copyin(p, &uarg, uargv + (uint64_t)argc * 8, 8))
			goto out;
		if (!uarg)
			break;
		if (argc == EXEC_ARG_MAX || used >= PAGE_SIZE ||
		    copyinstr(p, buf + used, uarg, PAGE_SIZE - used))
			goto out;
		argv[argc++] = buf + used;
		used += strlen(buf + used) + 1;
	}
	argv[argc] = NULL;
	r = exec(p, path, argv);
out:
	kfree(page);
	return (uint64_t)(long)r;
}

/* sbrk(n): the old break, or -1 with nothing changed. */
uint64_t
sys_sbrk(struct proc *p)
{
	long n = argint(p, 0);
	uint64_t old = p->sz;

	if (n > 0 && uvm_grow(p, old + (uint64_t)n))
		return (uint64_t)-1;
	if (n < 0 && ((uint64_t)-n > old || uvm_shrink(p, old - (uint64_t)-n)))
		return (uint64_t)-1;
	return old;
}

uint64_t
sys_sleep(struct proc *p)
{
	int n = argint(p, 0);
	uint64_t t0;

	if (n < 0)
		return (uint64_t)-1;
	acquire(&proc_lock);
	t0 = ticks;
	while (ticks - t0 < (uint64_t)n) {
		if (p->killed) {
			release(&proc_lock);
			return (uint64_t)-1;
		}
		sleep((void *)&ticks, &proc_lock);
	}
	release(&proc_lock);
	return 0;
}

uint64_t
sys_uptime(struct proc *p)
{
	(void)p;
	return ticks;
}

/*
 * pgaccess(base, npages, mask): which of npages pages from base were
 * accessed since the last call (sv39_harvest reads and clears A in the
 * user table). mask gets (npages + 7) / 8 bytes, bit i for page i.
 */
uint64_t
sys_pgaccess(struct proc *p)
{
	uint64_t base = argaddr(p, 0), mask = argaddr(p, 2), bits = 0;
	int n = argint(p, 1);

	if (n <= 0 || n > PGACCESS_MAX || (base & (PAGE_SIZE - 1)) || base < UTEXT_MIN ||
	    base > ALIGN_UP(p->sz, PAGE_SIZE) ||
	    (uint64_t)n > (ALIGN_UP(p->sz, PAGE_SIZE) - base) / PAGE_SIZE)
		return (uint64_t)-1;
	/* Check the mask first, so that a bad one clears no A bit. */
	if (!uvm_user_ok(p, mask, (uint64_t)(n + 7) / 8, SV39_PTE_W))
		return (uint64_t)-1;
	if (sv39_harvest(&p->upt, base, (uint64_t)n, SV39_PTE_A, &bits) < 0)
		return (uint64_t)-1;
	if (copyout(p, mask, &bits, (uint64_t)(n + 7) / 8))
		return (uint64_t)-1;
	return 0;
}

/* pgpte(va): the raw leaf PTE mapping va in the user table, 0 if none. */
uint64_t
sys_pgpte(struct proc *p)
{
	sv39_pte_t *pte;

	if (sv39_walk(&p->upt, argaddr(p, 0), 0, &pte, NULL))
		return 0;
	return *pte;
}

/*
 * One line of vmprint's dump, then a preemption point: a heap grown 4 KiB
 * at a time prints thousands of lines, many ticks of UART time. Legal
 * here (docs/kernel.md, "Preemption"): kprintf has dropped the console
 * lock, the kernel keeps no per-process VM lock, and sv39_dump only reads
 * tables that nothing but this process (which is in this call) changes:
 * its own user table and kernel-table mirror, and the global half, which
 * is fixed once pid 1 exists. A killed caller prints no more lines.
 */
static void
vmprint_line(void *arg, const char *line)
{
	struct proc *p = arg;

	if (proc_killed(p))
		return;
	kputs_line(NULL, line);
	proc_resched_point();
}

/* vmprint(which): 0 the user table, 1 the process's kernel table. */
uint64_t
sys_vmprint(struct proc *p)
{
	int which = argint(p, 0);

	if (which != 0 && which != 1)
		return (uint64_t)-1;
	return sv39_dump(which ? &p->kpt : &p->upt, SV39_DUMP_VMPRINT, vmprint_line, p)
		       ? (uint64_t)-1
		       : 0;
}

uint64_t
sys_freepages(struct proc *p)
{
	(void)p;
	return kalloc_nfree();
}

uint64_t
sys_halt(struct proc *p)
{
	int code = argint(p, 0);

	kprintf("halt: pid %d powers off with code %d\n", p->pid, code);
	power_exit(code & 0xff);
}

/*
 * copybench(mode, buf, len): the in-kernel half of user/bench.
 *   mode 0  copy len bytes from buf by plain dereference (copyin)
 *   mode 1  the same by sv39_copy_in's software walk of the user table
 *   -> the time CSR ticks the copy took, or -1 for a bad range
 *   mode 2, 3, 4  page-table pages of the caller's user table, of its
 *           kernel table, of the global kernel table
 *   mode 5, 6, 7  the page allocator, len times: kalloc+kfree of one page;
 *           len kallocs then len kfrees; kalloc_contig+kfree_contig of
 *           2 MiB -> time-CSR ticks, or -1 when memory ran out
 *   mode 8  len != 0: the caller's forks copy every page at once, as
 *           before copy-on-write (the benchmark's reference); 0: share
 * len is at most 64 KiB.
 */
static char copybench_buf[COPYBENCH_MAX];

/*
 * copybench modes 5..7: the allocator's cost, ticks or -1. Up to 65,536
 * round trips through kalloc's lock (several ticks, more when other harts
 * contend for it): a preemption point before each, where no lock is held.
 * A yield there lands in the figure, so take the best of several runs.
 */
static uint64_t
kalloc_bench(int mode, int n)
{
	uint64_t t0 = rdtime(), head = 0, pa;
	int got = 0;

	for (int i = 0; i < n; i++) {
		proc_resched_point();
		if (mode == COPYBENCH_KALLOC_ONE) {
			if (!(pa = kalloc()))
				return (uint64_t)-1;
			kfree(pa);
		} else if (mode == COPYBENCH_KALLOC_2M) {
			if (!(pa = kalloc_contig(SV39_MEGA_SIZE, SV39_MEGA_SIZE)))
				return (uint64_t)-1;
			kfree_contig(pa, SV39_MEGA_SIZE);
		} else if ((pa = kalloc()) != 0) {
			*(uint64_t *)pa_to_kva(pa) = head; /* chained through themselves */
			head = pa;
			got++;
		}
	}
	while (head) {
		proc_resched_point();
		pa = head;
		head = *(uint64_t *)pa_to_kva(pa);
		kfree(pa);
	}
	return mode == COPYBENCH_KALLOC_MANY && got < n ? (uint64_t)-1 : rdtime() - t0;
}

uint64_t
sys_copybench(struct proc *p)
{
	int mode = argint(p, 0), len = argint(p, 2), err;
	uint64_t src = argaddr(p, 1), t0;

	switch (mode) {
	case COPYBENCH_UPT_TABLES:
		return p->upt_ctx.pt.tables;
	case COPYBENCH_KPT_TABLES:
		return p->kpt_ctx.pt.tables;
	case COPYBENCH_KVM_TABLES:
		return kvm_table_pages();
	case COPYBENCH_FORK_EAGER:
		p->fork_eager = len != 0;
		return 0;
	case COPYBENCH_KALLOC_ONE:
	case COPYBENCH_KALLOC_MANY:
	case COPYBENCH_KALLOC_2M:
		return len < 0 || len > COPYBENCH_MAX ? (uint64_t)-1 : kalloc_bench(mode, len);
	case COPYBENCH_COPYIN:
	case COPYBENCH_WALK:
		break;
	default:
		return (uint64_t)-1;
	}
	if (len < 0 || len > COPYBENCH_MAX)
		return (uint64_t)-1;
	t0 = rdtime();
	if (mode == COPYBENCH_COPYIN)
		err = copyin(p, copybench_buf, src, (uint64_t)len);
	else
		err = sv39_copy_in(&p->upt, copybench_buf, src, (uint64_t)len);
	if (err)
		return (uint64_t)-1;
	return rdtime() - t0;
}
