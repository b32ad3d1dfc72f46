/* SPDX-License-Identifier: MIT */
/*
 * probe.S - accesses made on purpose that may fault (probe.h).
 *
 * Each probe swaps stvec for its own vector around one access. A fault
 * there lands in the vector, which records scause and stval in the
 * struct probe_result and resumes at the probe's recovery label; no
 * fault, and the access completes. Interrupts are masked for the window,
 * so the vector only ever sees the probed access's exception.
 *
 * Registers the probed code leaves alone carry the state across the trap:
 *   S-mode probes: t2 = result, t4 = the kernel's stvec, t5 = sstatus,
 *     t6 = where to resume (the targets probe_exec calls only write a0);
 *   the U-mode probe: s1 = result, s2 = stvec, s3 = sie, s4 = sstatus, and
 *     sp/tp still the kernel's (the user stubs below touch a0, a1, ra only).
 */
#include "riscv.h"

/* struct probe_result offsets */
#define R_VAL 0
#define R_CAUSE 8
#define R_STVAL 16

	.text
	.option	push
	.option	norvc		/* the user stubs sit at fixed 8-byte offsets */

/* Mask interrupts, point stvec at probe_vector, resume at \recover on a fault. */
	.macro	probe_begin recover
	mv	t2, a0
	sd	zero, R_VAL(t2)
	sd	zero, R_CAUSE(t2)
	sd	zero, R_STVAL(t2)
	csrr	t5, sstatus
	csrci	sstatus, SSTATUS_SIE
	csrr	t4, stvec
	lla	t3, probe_vector
	csrw	stvec, t3
	lla	t6, \recover
	.endm

/* The kernel's stvec back, and interrupts as they were. */
	.macro	probe_end
	csrw	stvec, t4
	andi	t5, t5, SSTATUS_SIE
	csrs	sstatus, t5
	.endm

	.balign	4
probe_vector:
	csrr	t3, scause
	sd	t3, R_CAUSE(t2)
	csrr	t3, stval
	sd	t3, R_STVAL(t2)
	csrw	sepc, t6
	sret			/* to the recovery label, still in S-mode */

/* void probe_ld(struct probe_result *r, uint64_t va) */
	.globl	probe_ld
probe_ld:
	probe_begin 1f
	ld	t3, 0(a1)
	sd	t3, R_VAL(t2)
1:	probe_end
	ret

/* void probe_sd(struct probe_result *r, uint64_t va, uint64_t val) */
	.globl	probe_sd
probe_sd:
	probe_begin 1f
	sd	a2, 0(a1)
1:	probe_end
	ret

/*
 * void probe_exec(struct probe_result *r, uint64_t va): calls va, which
 * must hold code that sets a0 and returns (mmudiff's frames hold
 * "lui a0, N; ret"); a fetch fault there resumes at the recovery label.
 */
	.globl	probe_exec
probe_exec:
	addi	sp, sp, -16
	sd	ra, 0(sp)
	probe_begin 1f
	jalr	ra, 0(a1)
	sd	a0, R_VAL(t2)
1:	probe_end
	ld	ra, 0(sp)
	addi	sp, sp, 16
	ret

/*
 * The U-mode probe stubs. mmudiff copies [uprobe_code, uprobe_code_end)
 * into a user page; each stub does one access on a0 (a1 = value to
 * store) and then ecalls back.
 */
	.globl	uprobe_code, uprobe_code_end
	.balign	8
uprobe_code:
	/* +0: load */
	ld	a0, 0(a0)
	ecall
	/* +8: store */
	sd	a1, 0(a0)
	ecall
	/* +16: fetch: the target sets a0 and returns here */
	jalr	ra, 0(a0)
	ecall
uprobe_code_end:

/*
 * void uprobe_call(struct probe_result *r, uint64_t pc, uint64_t a0,
 * uint64_t a1): sret to U-mode at pc with every interrupt source masked
 * (in U-mode sstatus.SIE does not hold S interrupts off, sie does); the
 * stub's ecall or fault comes back through uprobe_vector.
 */
	.globl	uprobe_call
uprobe_call:
	addi	sp, sp, -48
	sd	ra, 0(sp)
	sd	s1, 8(sp)
	sd	s2, 16(sp)
	sd	s3, 24(sp)
	sd	s4, 32(sp)
	mv	s1, a0
	sd	zero, R_VAL(s1)
	sd	zero, R_CAUSE(s1)
	sd	zero, R_STVAL(s1)
	csrr	s4, sstatus
	csrci	sstatus, SSTATUS_SIE
	csrrw	s3, sie, zero
	csrr	s2, stvec
	lla	t0, uprobe_vector
	csrw	stvec, t0
	csrw	sepc, a1
	li	t0, SSTATUS_SPP
	csrc	sstatus, t0	/* sret goes to U-mode */
	mv	a0, a2
	mv	a1, a3
	sret

	.balign	4
uprobe_vector:
	csrr	t0, scause
	li	t1, EXC_ECALL_U
	bne	t0, t1, 1f
	li	t0, 0		/* the stub's ecall: it ran to the end */
1:	sd	t0, R_CAUSE(s1)
	csrr	t0, stval
	sd	t0, R_STVAL(s1)
	sd	a0, R_VAL(s1)
	csrw	stvec, s2
	csrw	sie, s3
	li	t0, SSTATUS_SPP
	csrs	sstatus, t0	/* as the kernel had it */
	andi	s4, s4, SSTATUS_SIE
	csrs	sstatus, s4
	ld	ra, 0(sp)
	ld	s1, 8(sp)
	ld	s2, 16(sp)
	ld	s3, 24(sp)
	ld	s4, 32(sp)
	addi	sp, sp, 48
	ret
	.option	pop
