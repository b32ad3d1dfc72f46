/* SPDX-License-Identifier: MIT */
/*
 * cpu.h - per-hart state. tp and sscratch both hold the hart's struct cpu
 * while it runs the kernel; the trap vector (trapvec.S) reads the first
 * fields by the offsets below, so they are fixed.
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#define CPU_SCRATCH0 0	 /* trap entry saves t0 here */
#define CPU_SCRATCH1 8	 /* and t1 here */
#define CPU_KSTACK_LO 16 /* lowest mapped byte of the kernel stack */
#define CPU_KSTACK_HI 24 /* top of the kernel stack */
#define HART_CPU_MAX 64	 /* hart ids smp.c can start: an SBI hart mask's width */
#define CPU_ESTACK_LO 32 /* emergency stack bounds */
#define CPU_ESTACK_HI 40
#define CPU_OVERFLOW 48 /* set when trap entry had to use the emergency stack */
#define CPU_USER_SP 56	/* where frames go on a trap from U-mode */

/* struct trapframe: x1..x31 at 8 * n, then the CSRs. */
#define TF_SEPC 0 /* slot of x0 */
#define TF_SSTATUS (32 * 8)
#define TF_SCAUSE (33 * 8)
#define TF_STVAL (34 * 8)
#define TF_SIZE (36 * 8) /* a multiple of 16 */

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "memlayout.h"

struct uprobe_ctx;
struct proc;

/* What swtch.S saves: the callee-saved registers of a kernel thread. */
struct context {
	uint64_t ra, sp;
	uint64_t s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

struct trapframe {
	uint64_t sepc; /* x0 is always zero: its slot holds sepc */
	uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
	uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	uint64_t t3, t4, t5, t6;
	uint64_t sstatus, scause, stval, pad;
};

struct cpu {
	uint64_t scratch0, scratch1;
	uint64_t kstack_lo, kstack_hi;
	uint64_t estack_lo, estack_hi;
	uint64_t overflow;
	uint64_t user_sp;

	uint64_t hartid;
	int id;				/* index in cpus[] */
	volatile int online;		/* paging on the global table, timer running */
	volatile uint64_t ticks;	/* timer interrupts taken */
	uint64_t kstack_guard;		/* va of the unmapped guard page */
	int probe_armed;		/* probe.S accesses may fault (probe.h) */
	uint64_t probe_stval;		/* stval of the last caught probe fault */
	struct uprobe_ctx *uprobe;	/* a U-mode probe is running (probe.h) */
	volatile uint64_t mbox_va;	/* ktest: an idle hart loads this va... */
	volatile uint64_t mbox_val;	/* ...into here, then clears mbox_va */
	void (*volatile mbox_fn)(void); /* ktest: an idle hart runs this, then clears it */

	/* Processes (proc.c). */
	struct proc *proc;	 /* running on this hart, or NULL */
	struct context context;	 /* the scheduler's, swtch() back to it */
	int noff;		 /* push_off() depth */
	int intena;		 /* SIE before the first push_off() */
	uint64_t hart_kstack_lo; /* the hart's own stack, while kstack_lo/hi */
	uint64_t hart_kstack_hi; /* describe a process's kernel stack */
	int asid_pid[NPROC];	 /* pid that last used slot i's ASIDs here */
};

extern struct cpu cpus[NCPU];
extern int ncpu; /* harts found in the device tree (<= NCPU) */

static inline struct cpu *
mycpu(void)
{
	struct cpu *c;

	__asm__ volatile("mv %0, tp" : "=r"(c));
	return c;
}
#endif /* !__ASSEMBLER__ */

#endif /* KERNEL_CPU_H */
