/* SPDX-License-Identifier: MIT */
/*
 * ktest.h - what the files of the kernel-test image share.
 */
#ifndef KTEST_KTEST_H
#define KTEST_KTEST_H

/* mmudiff.c: libsv39's translation against QEMU's MMU; 0 on a pass. */
int ktest_mmudiff(void);

/* entry.S: the trap vector in force before trap_init_hart(). */
extern char early_trap[];

#endif /* KTEST_KTEST_H */
