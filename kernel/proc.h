/* SPDX-License-Identifier: MIT */
/*
 * proc.h - processes: the table (proc.c), exec (exec.c), the user trap path (usertrap.c, trampoline.S) and the
 * system calls (syscall.c, sysproc.c, sysfile.c).
 *
 * Each process owns two Sv39 spaces, both built with libsv39 only:
 *   upt  the user table: user memory (with U) plus TRAMPOLINE, TRAPFRAME
 *        and USYSCALL at the top; no kernel mapping at all (KPTI)
 *   kpt  its kernel table: the global kernel half through sv39_share, a
 *        mirror of upt's user memory without U (sv39_clone_range), the
 *        TRAMPOLINE and the process's kernel stack (memlayout.h)
 * docs/kernel.md draws both; uvm.h declares what builds and changes them.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

/*
 * The page at TRAPFRAME. trampoline.S reads the first five words and
 * saves x1..x31 at UTF_REG(n); keep the two in step.
 */
#define UTF_KERNEL_SATP 0
#define UTF_KERNEL_SP 8
#define UTF_KERNEL_TRAP 16
#define UTF_EPC 24
#define UTF_KERNEL_TP 32
#define UTF_KERNEL_FLUSH 40
#define UTF_REG(n) (40 + 8 * (n)) /* x1 at 48 ... x31 at 288 */

#ifndef __ASSEMBLER__
#include <sv39/sv39.h>

#include "cpu.h"
#include "kernel.h"
#include "ptpages.h"
#include "spinlock.h"

struct utrapframe {
	uint64_t kernel_satp;  /* the process's kernel table */
	uint64_t kernel_sp;    /* top of its kernel stack */
	uint64_t kernel_trap;  /* usertrap() */
	uint64_t epc;	       /* user pc */
	uint64_t kernel_tp;    /* this hart's struct cpu */
	uint64_t kernel_flush; /* sfence.vma around satp writes (no ASIDs) */
	uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
	uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	uint64_t t3, t4, t5, t6;
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

/*
 * The ops context of one process space (its user or kernel table, or
 * exec's image): pt first, for the shared pt_* callbacks, then the
 * process whose running makes the space's flushes matter (uvm.c).
 */
struct proc_pt_ctx {
	struct pt_ctx pt;   /* must stay first: ptpages.c casts ctx to it */
	struct proc *owner; /* NULL: live on no hart, nothing to flush */
};

struct proc {
	/* Under proc_lock. */
	enum procstate state;
	void *chan; /* sleeping on this */
	int killed;
	int xstate; /* exit status for wait() */
	int pid;
	struct proc *parent;

	/* Private to the process (or to whoever creates or reaps it). */
	uint64_t sz;	      /* user memory is [UTEXT_MIN, sz), minus the guard */
	uint64_t stack_guard; /* va of the unmapped page below the user stack */
	uint64_t heap_base;   /* sbrk never shrinks below this (the stack top) */
	uint64_t promo_va;    /* pagefault.c: 2 MiB region being counted, + 1; 0 none */
	uint64_t promo_n;     /* its private 4 KiB pages */
	uint64_t ucopy_va;    /* the last fault in ucopy.S: address */
	uint64_t ucopy_cause; /* and scause; 0 if none since it was cleared */
	int fork_eager;	      /* fork copies every page (copybench 8: bench's reference) */
	struct sv39_space upt;
	struct sv39_space kpt;
	struct proc_pt_ctx upt_ctx, kpt_ctx;
	uint64_t upt_satp, kpt_satp;
	uint64_t tf_pa, usys_pa;
	struct utrapframe *tf; /* TRAPFRAME's frame, through the direct map */
	struct context context;
	uint64_t fpregs[33]; /* f0..f31, fcsr: the user's, when fp_valid */
	int fp_valid;	     /* 0: the Initial state, all zero (usertrap.c) */
	int fp_cpu;	     /* the hart fpregs were last saved or loaded on, -1 */
	char name[16];
	int slot;     /* index in the table: picks the ASIDs */
	int last_cpu; /* the hart it last ran on, -1 for none */
};

extern struct spinlock proc_lock;
extern volatile uint64_t ticks;

static inline struct proc *
myproc(void)
{
	struct proc *p;

	push_off();
	p = mycpu()->proc;
	pop_off();
	return p;
}

/*
 * A new process or a new image: the FP registers' Initial state, all zero,
 * nothing saved (usertrap.c loads and saves them).
 */
static inline void
fp_state_init(struct proc *p)
{
	p->fp_valid = 0;
	p->fp_cpu = -1; /* loaded on no hart */
}

/*
 * fork: the child starts with the parent's FP state (saved by the trap that
 * entered the kernel, if it was Dirty), loaded on no hart yet.
 */
static inline void
fp_state_fork(struct proc *np, const struct proc *p)
{
	np->fp_valid = p->fp_valid;
	if (p->fp_valid)
		memcpy(np->fpregs, p->fpregs, sizeof(np->fpregs));
	np->fp_cpu = -1;
}

/* proc.c */
void proc_start(const char *init_cmd, int vmprint) __attribute__((noreturn));
void scheduler(void) __attribute__((noreturn));
void hart_schedule(struct cpu *c) __attribute__((noreturn)); /* smp_start_others */
extern volatile int sched_running;
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(uint64_t status_va);
int proc_kill(int pid);
int proc_killed(struct proc *p);
void proc_set_killed(struct proc *p);
void proc_yield(void);
void proc_resched_point(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
void clock_tick(void);
extern int boot_vmprint;

/* exec.c */
int exec(struct proc *p, const char *path, char *const argv[]);

/* usertrap.c */
void usertrap(void) __attribute__((noreturn));
void usertrapret(void) __attribute__((noreturn));

/* syscall.c */
void syscall(struct proc *p);

/* tty.c: console input, and write() to the console */
void console_rx(int c);
int console_read(struct proc *p, uint64_t dst, int n);
int console_write_user(struct proc *p, uint64_t src, int n);

/* swtch.S */
void swtch(struct context *save, const struct context *load);
void fp_save(uint64_t *regs);
void fp_restore(const uint64_t *regs);
void fp_zero(void);

#endif /* !__ASSEMBLER__ */
#endif /* KERNEL_PROC_H */
