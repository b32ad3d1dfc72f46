/* SPDX-License-Identifier: MIT */
/*
 * proc.h - processes: the table (proc.c), their address spaces (uvm.c),
 * exec (exec.c), the user trap path (usertrap.c, trampoline.S) and the
 * system calls (syscall.c, sysproc.c, sysfile.c).
 *
 * Each process owns two Sv39 spaces, both built with libsv39 only:
 *   upt  the user table: user memory (with U) plus TRAMPOLINE, TRAPFRAME
 *        and USYSCALL at the top; no kernel mapping at all (KPTI)
 *   kpt  its kernel table: the global kernel half through sv39_share, a
 *        mirror of upt's user memory without U (sv39_clone_range), the
 *        TRAMPOLINE and the process's kernel stack (memlayout.h)
 * docs/kernel.md draws both.
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

/* The ops context of one process space: counts its page-table pages. */
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
	struct pt_ctx upt_ctx, kpt_ctx;
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

/* proc.c */
void proc_start(const char *bootargs) __attribute__((noreturn));
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
extern int use_asids;
uint16_t proc_asid(const struct proc *p, int kernel);

/* uvm.c */
int uvm_create(struct proc *p);
void uvm_destroy(struct proc *p);
void uvm_release_user(struct proc *p);
int uvm_map_top(struct sv39_space *s, struct proc *p);
void uvm_free_space(struct sv39_space *s);

/* exec's new user image, built beside the live one (uvm.c). */
struct uvm_image {
	struct sv39_space upt;
	struct pt_ctx ctx;
};
int uvm_image_init(struct uvm_image *im, struct proc *p);
void uvm_image_free(struct uvm_image *im);
int uvm_image_commit(struct proc *p, struct uvm_image *im, uint64_t top);
void uvm_report_layout(struct proc *p, int vmprint);
int uvm_grow(struct proc *p, uint64_t newsz);
int uvm_shrink(struct proc *p, uint64_t newsz);
int uvm_sync_kernel(struct proc *p, uint64_t lo, uint64_t hi);
int uvm_range_ok(struct proc *p, uint64_t va, uint64_t len);
int copyin(struct proc *p, void *dst, uint64_t va, uint64_t len);
int copyout(struct proc *p, uint64_t va, const void *src, uint64_t len);
int copyinstr(struct proc *p, char *dst, uint64_t va, uint64_t max);
int uvm_user_ok(struct proc *p, uint64_t va, uint64_t len, uint64_t need);
void uvm_flush_local_all(void);

/* pagefault.c */
int uvm_copy(struct proc *from, struct proc *to);
int uvm_fault(struct proc *p, uint64_t va, uint64_t cause);

/* exec.c */
int exec(struct proc *p, const char *path, char *const argv[]);

/* usertrap.c */
void usertrap(void) __attribute__((noreturn));
void usertrapret(void) __attribute__((noreturn));
int ucopy_fixup(struct trapframe *tf);
void fp_state_init(struct proc *p);
void fp_state_fork(struct proc *np, const struct proc *p);

/* syscall.c */
void syscall(struct proc *p);
int argint(struct proc *p, int n);
uint64_t argaddr(struct proc *p, int n);

/* tty.c: console input, and write() to the console */
void console_rx(int c);
int console_read(struct proc *p, uint64_t dst, int n);
int console_write_user(struct proc *p, uint64_t src, int n);

/* swtch.S */
void swtch(struct context *save, const struct context *load);
void fp_save(uint64_t *regs);
void fp_restore(const uint64_t *regs);
void fp_zero(void);

/* ucopy.S: copies that may fault on user addresses (0 or -1). */
int ucopy(void *dst, const void *src, uint64_t len);
long ucopy_str(char *dst, const char *src, uint64_t max);
#endif /* !__ASSEMBLER__ */
#endif /* KERNEL_PROC_H */
