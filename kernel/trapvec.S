/* SPDX-License-Identifier: MIT */
/*
 * trapvec.S - the kernel's trap vector.
 *
 * sscratch holds this hart's struct cpu (tp holds it too while the kernel
 * runs). Entry swaps tp and sscratch, so tp = cpu whatever mode trapped,
 * and picks a stack for the trap frame:
 *   - from U-mode, which cannot happen (processes trap through the
 *     trampoline): the emergency stack, and trap_handler reports it;
 *   - from S-mode on a sane sp (the kernel stack or the emergency stack,
 *     with room for a frame): the same stack;
 *   - from S-mode on any other sp, i.e. the kernel stack overflowed into
 *     its unmapped guard page: the per-hart emergency stack, with
 *     cpu->overflow set. Pushing the frame on the faulting sp would fault
 *     again before anything could be reported.
 */
#include "cpu.h"
#include "riscv.h"

#define SAVE(r, n) sd r, (n * 8)(sp)
#define LOAD(r, n) ld r, (n * 8)(sp)

	.text
	.balign 4
	.globl trap_vector
trap_vector:
	csrrw	tp, sscratch, tp
	sd	t0, CPU_SCRATCH0(tp)
	sd	t1, CPU_SCRATCH1(tp)
	csrr	t0, sstatus
	andi	t0, t0, SSTATUS_SPP
	beqz	t0, .Lfrom_user

	addi	t0, sp, -TF_SIZE
	ld	t1, CPU_KSTACK_LO(tp)
	bltu	t0, t1, .Lnot_kstack
	ld	t1, CPU_KSTACK_HI(tp)
	bleu	sp, t1, .Lhave_frame
.Lnot_kstack:
	ld	t1, CPU_ESTACK_LO(tp)
	bltu	t0, t1, .Loverflow
	ld	t1, CPU_ESTACK_HI(tp)
	bleu	sp, t1, .Lhave_frame
.Loverflow:
	li	t1, 1
	sd	t1, CPU_OVERFLOW(tp)
	ld	t0, CPU_ESTACK_HI(tp)
	addi	t0, t0, -TF_SIZE
	j	.Lhave_frame
.Lfrom_user:
	ld	t0, CPU_ESTACK_HI(tp)
	addi	t0, t0, -TF_SIZE
.Lhave_frame:
	/* t0 = frame. Save the interrupted sp, then everything else. */
	sd	sp, (2 * 8)(t0)
	mv	sp, t0
	SAVE(ra, 1)
	SAVE(gp, 3)
	SAVE(t2, 7)
	SAVE(s0, 8)
	SAVE(s1, 9)
	SAVE(a0, 10)
	SAVE(a1, 11)
	SAVE(a2, 12)
	SAVE(a3, 13)
	SAVE(a4, 14)
	SAVE(a5, 15)
	SAVE(a6, 16)
	SAVE(a7, 17)
	SAVE(s2, 18)
	SAVE(s3, 19)
	SAVE(s4, 20)
	SAVE(s5, 21)
	SAVE(s6, 22)
	SAVE(s7, 23)
	SAVE(s8, 24)
	SAVE(s9, 25)
	SAVE(s10, 26)
	SAVE(s11, 27)
	SAVE(t3, 28)
	SAVE(t4, 29)
	SAVE(t5, 30)
	SAVE(t6, 31)
	ld	t0, CPU_SCRATCH0(tp)
	SAVE(t0, 5)
	ld	t0, CPU_SCRATCH1(tp)
	SAVE(t0, 6)
	csrrw	t0, sscratch, tp	/* sscratch = cpu again */
	SAVE(t0, 4)			/* the interrupted tp */
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)

	mv	a0, sp
	call	trap_handler

	/* trap_handler may have changed sepc, sstatus and any register. */
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	LOAD(ra, 1)
	LOAD(gp, 3)
	LOAD(tp, 4)
	LOAD(t0, 5)
	LOAD(t1, 6)
	LOAD(t2, 7)
	LOAD(s0, 8)
	LOAD(s1, 9)
	LOAD(a0, 10)
	LOAD(a1, 11)
	LOAD(a2, 12)
	LOAD(a3, 13)
	LOAD(a4, 14)
	LOAD(a5, 15)
	LOAD(a6, 16)
	LOAD(a7, 17)
	LOAD(s2, 18)
	LOAD(s3, 19)
	LOAD(s4, 20)
	LOAD(s5, 21)
	LOAD(s6, 22)
	LOAD(s7, 23)
	LOAD(s8, 24)
	LOAD(s9, 25)
	LOAD(s10, 26)
	LOAD(s11, 27)
	LOAD(t3, 28)
	LOAD(t4, 29)
	LOAD(t5, 30)
	LOAD(t6, 31)
	LOAD(sp, 2)
	sret
