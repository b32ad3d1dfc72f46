/* SPDX-License-Identifier: MIT */
/*
 * user_layout.h - the top of a process's address space, the one place the
 * kernel (memlayout.h, uvm.c, exec.c) and user programs (user.h) read it
 * from. Plain #defines outside the struct, so the linker script and
 * assembly can include it too.
 *
 * In every user table, at the top of the lower half:
 *   USYSCALL    R+U  struct usyscall, read-only for the process
 *   TRAPFRAME   R+W  where the trampoline saves the user registers (no U)
 *   TRAMPOLINE  R+X  uservec/userret (no U); the same page in the process's
 *                    kernel table, so that the code survives the satp write
 * User memory (text, data, stack, heap) lies in [UTEXT_MIN, UVM_TOP): the
 * top 2 MiB of the half is reserved for the pages above (and, in the
 * process's kernel table only, its kernel stack; memlayout.h).
 */
#ifndef ABI_USER_LAYOUT_H
#define ABI_USER_LAYOUT_H

#define MAXVA 0x4000000000	/* one past the last user address (Sv39 low half) */
#define USYSCALL 0x3ffffff000	/* read-only page shared with the kernel */
#define TRAPFRAME 0x3fffffe000	/* the saved user registers */
#define TRAMPOLINE 0x3fffffd000 /* the trap entry and exit code */
#define TOP_PAGES TRAMPOLINE	/* the lowest of the three pages above */
#define UVM_TOP 0x3fffe00000	/* user memory ends here */
#define UTEXT_MIN 0x1000	/* page 0 is never mapped: NULL faults */
#define USTACK_PAGES 4		/* user stack, above its guard page */

#ifndef __ASSEMBLER__
/* What the kernel keeps at USYSCALL, readable by the process without a trap. */
struct usyscall {
	int pid;
};
#endif

#endif /* ABI_USER_LAYOUT_H */
