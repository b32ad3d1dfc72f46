/* SPDX-License-Identifier: MIT */
/*
 * callee_saved.h - assembler macros that store and load the registers a C
 * caller expects to survive a call (ra, sp, s0..s11), 8 bytes each at
 * offsets 0..104 from a base register: the layout of struct context.
 */
#ifndef CALLEE_SAVED_H
#define CALLEE_SAVED_H

#ifdef __ASSEMBLER__
/* Assembler, not C: */
/* clang-format off */
	.macro	save_callee_saved base
	sd	ra, 0(\base)
	sd	sp, 8(\base)
	sd	s0, 16(\base)
	sd	s1, 24(\base)
	sd	s2, 32(\base)
	sd	s3, 40(\base)
	sd	s4, 48(\base)
	sd	s5, 56(\base)
	sd	s6, 64(\base)
	sd	s7, 72(\base)
	sd	s8, 80(\base)
	sd	s9, 88(\base)
	sd	s10, 96(\base)
	sd	s11, 104(\base)
	.endm

	.macro	load_callee_saved base
	ld	ra, 0(\base)
	ld	sp, 8(\base)
	ld	s0, 16(\base)
	ld	s1, 24(\base)
	ld	s2, 32(\base)
	ld	s3, 40(\base)
	ld	s4, 48(\base)
	ld	s5, 56(\base)
	ld	s6, 64(\base)
	ld	s7, 72(\base)
	ld	s8, 80(\base)
	ld	s9, 88(\base)
	ld	s10, 96(\base)
	ld	s11, 104(\base)
	.endm
/* clang-format on */
#endif

#endif
