/* SPDX-License-Identifier: MIT */
/*
 * exit.h - the codes a run ends with. On virt they become QEMU's exit
 * code through the test device (0x3333 | code << 16); 0 is a pass.
 */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#define EXIT_PASS 0
#define EXIT_PANIC 1	      /* unexpected trap or kernel panic */
#define EXIT_EARLY_TRAP 2     /* a trap before the real trap vector */
#define EXIT_FDT 3	      /* the device tree lacks something we need */
#define EXIT_KTEST 5	      /* a kernel test failed */
#define EXIT_NO_KTEST 6	      /* ktest= names no test (4 is unused) */
#define EXIT_SMP 7	      /* a hart did not come up */
#define EXIT_STACK_OVERFLOW 8 /* a kernel stack ran into its guard page */

/*
 * The commands the power-off register takes (QEMU virt's test device,
 * hw/misc/sifive_test): pass, or fail with code << 16.
 */
#define POWEROFF_REG_PASS 0x5555
#define POWEROFF_REG_FAIL 0x3333

#endif /* KERNEL_EXIT_H */
