/* SPDX-License-Identifier: MIT */
/*
 * ucopy.S - the kernel's only loads and stores at user addresses.
 *
 * The kernel reaches user memory by plain dereference through the
 * process's kernel table (a mirror of the user table without U). The
 * caller has checked the range against the process size; what remains
 * possible is a page the process does not have inside it (the stack
 * guard, a gap between ELF segments) or a store to a read-only page
 * (text). Those fault: trap.c sees a page fault whose sepc lies in
 * [ucopy_begin, ucopy_end) and resumes at ucopy_fault, which returns -1.
 * The routines are leaves with no stack frame, so the return is clean.
 *
 * int ucopy(void *dst, const void *src, uint64_t len): 0 or -1.
 * long ucopy_str(char *dst, const char *src, uint64_t max): the string's
 *	length (its NUL copied too), -1 if no NUL within max bytes or a fault.
 */
	.text
	.globl ucopy, ucopy_str, ucopy_begin, ucopy_end, ucopy_fault
ucopy_begin:
ucopy:
	or	t0, a0, a1
	or	t0, t0, a2
	andi	t0, t0, 7
	bnez	t0, 2f
	/* 8-byte words, 4 at a time while possible */
	li	t1, 32
1:	bltu	a2, t1, 4f
	ld	t2, 0(a1)
	ld	t3, 8(a1)
	ld	t4, 16(a1)
	ld	t5, 24(a1)
	sd	t2, 0(a0)
	sd	t3, 8(a0)
	sd	t4, 16(a0)
	sd	t5, 24(a0)
	addi	a0, a0, 32
	addi	a1, a1, 32
	addi	a2, a2, -32
	j	1b
4:	beqz	a2, 3f
	ld	t2, 0(a1)
	sd	t2, 0(a0)
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	a2, a2, -8
	j	4b
2:	beqz	a2, 3f
	lbu	t2, 0(a1)
	sb	t2, 0(a0)
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	a2, a2, -1
	j	2b
3:	li	a0, 0
	ret

ucopy_str:
	li	t0, 0
1:	beq	t0, a2, ucopy_fault
	add	t1, a1, t0
	lbu	t2, 0(t1)
	add	t1, a0, t0
	sb	t2, 0(t1)
	beqz	t2, 2f
	addi	t0, t0, 1
	j	1b
2:	mv	a0, t0
	ret
ucopy_end:

ucopy_fault:
	li	a0, -1
	ret
