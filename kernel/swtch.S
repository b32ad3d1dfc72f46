/* SPDX-License-Identifier: MIT */
/*
 * swtch.S - switching kernel threads, and the user's FP registers.
 *
 * swtch(save, load): store the callee-saved registers (the only ones a C
 * caller expects to survive a call) in *save and load *load's, so the
 * return lands in the other thread. tp is not touched: it belongs to the
 * hart (its struct cpu), so a process resumed on another hart picks up
 * that hart's tp.
 */
#include "callee_saved.h"

	.text
	.globl swtch
swtch:
	save_callee_saved	a0
	load_callee_saved	a1
	ret

/*
 * fp_save(regs) / fp_restore(regs): f0..f31 and fcsr, 33 words;
 * fp_zero(): all of them zero. The kernel itself never uses the FP
 * registers (it runs with sstatus.FS Off), so they hold the user's values
 * from the trap until the return; the caller turns FS on around these.
 */
#define FREGS(op)                                                       \
	op f0, 0(a0); op f1, 8(a0); op f2, 16(a0); op f3, 24(a0);      \
	op f4, 32(a0); op f5, 40(a0); op f6, 48(a0); op f7, 56(a0);    \
	op f8, 64(a0); op f9, 72(a0); op f10, 80(a0); op f11, 88(a0);  \
	op f12, 96(a0); op f13, 104(a0); op f14, 112(a0); op f15, 120(a0); \
	op f16, 128(a0); op f17, 136(a0); op f18, 144(a0); op f19, 152(a0); \
	op f20, 160(a0); op f21, 168(a0); op f22, 176(a0); op f23, 184(a0); \
	op f24, 192(a0); op f25, 200(a0); op f26, 208(a0); op f27, 216(a0); \
	op f28, 224(a0); op f29, 232(a0); op f30, 240(a0); op f31, 248(a0)

	.globl fp_save
fp_save:
	FREGS(fsd)
	frcsr	t0
	sd	t0, 256(a0)
	ret

	.globl fp_restore
fp_restore:
	FREGS(fld)
	ld	t0, 256(a0)
	fscsr	t0
	ret

	.globl fp_zero
fp_zero:
	fmv.d.x	f0, zero
	fmv.d.x	f1, zero
	fmv.d.x	f2, zero
	fmv.d.x	f3, zero
	fmv.d.x	f4, zero
	fmv.d.x	f5, zero
	fmv.d.x	f6, zero
	fmv.d.x	f7, zero
	fmv.d.x	f8, zero
	fmv.d.x	f9, zero
	fmv.d.x	f10, zero
	fmv.d.x	f11, zero
	fmv.d.x	f12, zero
	fmv.d.x	f13, zero
	fmv.d.x	f14, zero
	fmv.d.x	f15, zero
	fmv.d.x	f16, zero
	fmv.d.x	f17, zero
	fmv.d.x	f18, zero
	fmv.d.x	f19, zero
	fmv.d.x	f20, zero
	fmv.d.x	f21, zero
	fmv.d.x	f22, zero
	fmv.d.x	f23, zero
	fmv.d.x	f24, zero
	fmv.d.x	f25, zero
	fmv.d.x	f26, zero
	fmv.d.x	f27, zero
	fmv.d.x	f28, zero
	fmv.d.x	f29, zero
	fmv.d.x	f30, zero
	fmv.d.x	f31, zero
	fscsr	zero
	ret
