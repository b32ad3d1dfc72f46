/* SPDX-License-Identifier: MIT */
/*
 * QEMU "sifive_u" (HiFive Unleashed): compile-time defaults. Hart 0 is the
 * E51 monitor core (M-mode only, no MMU): OpenSBI never boots the kernel
 * on it and the kernel never starts it.
 */
#ifndef BOARD_H
#define BOARD_H

#define BOARD_NAME "qemu-sifive-u"

/* OpenSBI (fw_dynamic) occupies the first 2 MiB of RAM at 0x80000000. */
#define BOARD_KERNEL_PA 0x80200000

/*
 * No power-off register (test/finisher device) on this machine: runs end
 * with an SBI system reset, and tests read the verdict from the console.
 */
#define BOARD_POWEROFF_REG_PA 0

#endif /* BOARD_H */
