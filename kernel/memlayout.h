/* SPDX-License-Identifier: MIT */
/*
 * memlayout.h - where things live in the kernel's (upper) half of Sv39.
 * docs/kernel.md draws it.
 *
 *   0xffffffc000000000  DIRECT_MAP_BASE: every RAM page and MMIO region at
 *                       DIRECT_MAP_BASE + pa (254 GiB of room)
 *   0xffffffff80000000  the GiB of the kernel image
 *   KIMAGE_VA           the image, linked here (text, rodata, data, bss)
 *   after the image     per-hart kernel stacks, each with an unmapped guard
 *                       page below it (same 2 MiB table as the image)
 *
 * Usable from the linker script and assembly.
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

#include "board.h"
#include "user_layout.h"

#define DIRECT_MAP_BASE 0xffffffc000000000
#define DIRECT_MAP_END 0xffffffff80000000 /* the image GiB starts here */

/* The image's virtual address keeps the physical 1 GiB alignment. */
#define KIMAGE_GIGA_VA 0xffffffff80000000
#define KIMAGE_PA BOARD_KERNEL_PA
#define KIMAGE_VA (KIMAGE_GIGA_VA + (BOARD_KERNEL_PA & 0x3fffffff))
#define KIMAGE_OFFSET (KIMAGE_VA - KIMAGE_PA) /* va = pa + KIMAGE_OFFSET */

/*
 * The top of the lower half: user_layout.h (shared with user/). Only in the
 * process's kernel table, below TRAMPOLINE and an unmapped page:
 *   PKSTACK     the process's kernel stack, PKSTACK_PAGES R+W pages above
 *               an unmapped guard page (PKSTACK_GUARD)
 */
#define PKSTACK_PAGES 4
#define PKSTACK_HI 0x3fffffc000
#define PKSTACK_LO (PKSTACK_HI - PKSTACK_PAGES * 0x1000)
#define PKSTACK_GUARD (PKSTACK_LO - 0x1000)

#define NCPU 8		     /* harts the kernel can run on */
#define NPROC 128	     /* process table slots (stress 32 needs 65) */
#define KSTACK_PAGES 4	     /* 16 KiB kernel stack per hart */
#define ESTACK_SIZE 4096     /* per-hart emergency stack (in bss) */
#define BOOT_STACK_SIZE 8192 /* the boot hart's stack before kvm is up */

#endif /* KERNEL_MEMLAYOUT_H */
