/* SPDX-License-Identifier: MIT */
/*
 * trampoline.S - the one page of kernel code a user table maps (at
 * TRAMPOLINE, R+X without U), and the process's kernel table maps at the
 * same address. It must be the same virtual page in both, because the
 * instruction after a satp write is fetched through the new table.
 *
 * uservec (stvec while in U-mode): the user table has no kernel stack and
 * no kernel half, so it saves the user registers in the TRAPFRAME page
 * (mapped only in the user table), then loads the kernel's satp, sp, tp
 * and usertrap() from that page's first words, switches satp and jumps.
 * sscratch holds the hart's struct cpu (as everywhere in the kernel); it
 * lends itself for a moment to keep a0.
 *
 * userret(satp, flush): from the process's kernel table to its user
 * table, then the user registers back from TRAPFRAME and sret.
 *
 * The user and kernel tables map the same user addresses differently (U),
 * so their translations must never mix. With ASIDs (the usual case) each
 * table has its own and a satp write needs no flush; on a hart without
 * enough ASID bits everything is ASID 0 and each satp write is framed by
 * sfence.vma (the flush flag, UTF_KERNEL_FLUSH for the way in).
 */
#include "memlayout.h"
#include "proc.h"

	.section .text.trampoline, "ax"
	.balign 4096
	.globl trampoline, uservec, userret
trampoline:
uservec:
	csrrw	a0, sscratch, a0	/* sscratch = user a0 */
	li	a0, TRAPFRAME
	sd	x1, UTF_REG(1)(a0)
	sd	x2, UTF_REG(2)(a0)
	sd	x3, UTF_REG(3)(a0)
	sd	x4, UTF_REG(4)(a0)
	sd	x5, UTF_REG(5)(a0)
	sd	x6, UTF_REG(6)(a0)
	sd	x7, UTF_REG(7)(a0)
	sd	x8, UTF_REG(8)(a0)
	sd	x9, UTF_REG(9)(a0)
	sd	x11, UTF_REG(11)(a0)
	sd	x12, UTF_REG(12)(a0)
	sd	x13, UTF_REG(13)(a0)
	sd	x14, UTF_REG(14)(a0)
	sd	x15, UTF_REG(15)(a0)
	sd	x16, UTF_REG(16)(a0)
	sd	x17, UTF_REG(17)(a0)
	sd	x18, UTF_REG(18)(a0)
	sd	x19, UTF_REG(19)(a0)
	sd	x20, UTF_REG(20)(a0)
	sd	x21, UTF_REG(21)(a0)
	sd	x22, UTF_REG(22)(a0)
	sd	x23, UTF_REG(23)(a0)
	sd	x24, UTF_REG(24)(a0)
	sd	x25, UTF_REG(25)(a0)
	sd	x26, UTF_REG(26)(a0)
	sd	x27, UTF_REG(27)(a0)
	sd	x28, UTF_REG(28)(a0)
	sd	x29, UTF_REG(29)(a0)
	sd	x30, UTF_REG(30)(a0)
	sd	x31, UTF_REG(31)(a0)
	csrr	t0, sscratch
	sd	t0, UTF_REG(10)(a0)
	ld	tp, UTF_KERNEL_TP(a0)
	csrw	sscratch, tp		/* sscratch = cpu again */
	ld	sp, UTF_KERNEL_SP(a0)
	ld	t0, UTF_KERNEL_TRAP(a0)
	ld	t1, UTF_KERNEL_SATP(a0)
	ld	t2, UTF_KERNEL_FLUSH(a0)
	beqz	t2, 1f
	sfence.vma zero, zero
1:	csrw	satp, t1
	beqz	t2, 2f
	sfence.vma zero, zero
2:	jr	t0			/* usertrap(), never returns here */

userret:
	beqz	a1, 1f
	sfence.vma zero, zero
1:	csrw	satp, a0
	beqz	a1, 2f
	sfence.vma zero, zero
2:	li	a0, TRAPFRAME
	ld	x1, UTF_REG(1)(a0)
	ld	x2, UTF_REG(2)(a0)
	ld	x3, UTF_REG(3)(a0)
	ld	x4, UTF_REG(4)(a0)
	ld	x5, UTF_REG(5)(a0)
	ld	x6, UTF_REG(6)(a0)
	ld	x7, UTF_REG(7)(a0)
	ld	x8, UTF_REG(8)(a0)
	ld	x9, UTF_REG(9)(a0)
	ld	x11, UTF_REG(11)(a0)
	ld	x12, UTF_REG(12)(a0)
	ld	x13, UTF_REG(13)(a0)
	ld	x14, UTF_REG(14)(a0)
	ld	x15, UTF_REG(15)(a0)
	ld	x16, UTF_REG(16)(a0)
	ld	x17, UTF_REG(17)(a0)
	ld	x18, UTF_REG(18)(a0)
	ld	x19, UTF_REG(19)(a0)
	ld	x20, UTF_REG(20)(a0)
	ld	x21, UTF_REG(21)(a0)
	ld	x22, UTF_REG(22)(a0)
	ld	x23, UTF_REG(23)(a0)
	ld	x24, UTF_REG(24)(a0)
	ld	x25, UTF_REG(25)(a0)
	ld	x26, UTF_REG(26)(a0)
	ld	x27, UTF_REG(27)(a0)
	ld	x28, UTF_REG(28)(a0)
	ld	x29, UTF_REG(29)(a0)
	ld	x30, UTF_REG(30)(a0)
	ld	x31, UTF_REG(31)(a0)
	ld	a0, UTF_REG(10)(a0)
	sret
	.balign 4096
	.globl trampoline_end
trampoline_end:
