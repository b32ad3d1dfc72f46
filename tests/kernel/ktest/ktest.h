/* SPDX-License-Identifier: MIT */
/*
 * ktest.h - what the files of the kernel-test image share.
 */
#ifndef KTEST_KTEST_H
#define KTEST_KTEST_H

/* mmudiff.c: libsv39's translation against QEMU's MMU; 0 on a pass. */
int ktest_mmudiff(void);

/* hwad.c: hardware-set D bits survive protect, split and harvest; 0 on a pass. */
int ktest_hwad(void);

/*
 * ktest.c: every other hart runs fn() from its idle loop (the mailbox);
 * ktest_others_wait() returns once they all have returned from it.
 */
void ktest_others_run(void (*fn)(void));
void ktest_others_wait(void);

/* entry.S: the trap vector in force before trap_init_hart(). */
extern char early_trap[];

#endif /* KTEST_KTEST_H */
