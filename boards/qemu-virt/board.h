/* SPDX-License-Identifier: MIT */
/*
 * QEMU "virt": compile-time defaults. Everything else (RAM, harts, UART,
 * PLIC) comes from the device tree at boot.
 */
#ifndef BOARD_H
#define BOARD_H

#define BOARD_NAME "qemu-virt"

/*
 * Physical load address of the kernel image. OpenSBI (fw_dynamic) sits in
 * the first 2 MiB of RAM at 0x80000000; QEMU loads the ELF at its LMA.
 */
#define BOARD_KERNEL_PA 0x80200000

/*
 * The power-off register (the SiFive test/finisher device), used only by
 * an early fault before the device tree has been read (0 when the board
 * has none).
 */
#define BOARD_POWEROFF_REG_PA 0x100000

#endif /* BOARD_H */
