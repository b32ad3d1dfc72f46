/* SPDX-License-Identifier: MIT */
/*
 * crt0.S - where every user program starts.
 *
 * exec leaves argc in a0 and argv in a1 (argv[] and its strings on the
 * user stack, sp at or below argv); exit(main(argc, argv)).
 * user.ld puts .text.entry first, at the start of text.
 */
	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	andi	sp, sp, -16	/* the psABI's stack alignment, whatever we got */
	li	ra, 0		/* end of the frame chain for debuggers */
	li	s0, 0
	call	main
	call	exit		/* status = main's return value, still in a0 */
1:	j	1b		/* exit does not return */
	.size	_start, . - _start
