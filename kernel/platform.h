/* SPDX-License-Identifier: MIT */
/*
 * platform.h - what the kernel learns from the device tree at boot.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdint.h>

#include "memlayout.h"

#define PLAT_MAX_MEM 8
#define PLAT_MAX_RESV 16

struct range {
	uint64_t base, size;
};

struct platform {
	struct range mem[PLAT_MAX_MEM]; /* /memory reg entries */
	int nmem;
	struct range resv[PLAT_MAX_RESV]; /* /reserved-memory + /memreserve/ */
	int resv_nomap[PLAT_MAX_RESV];	  /* "no-map": not even in the direct map */
	int nresv;
	uint64_t hartid[NCPU]; /* S-mode harts, boot hart first */
	int nharts;
	int harts_skipped; /* usable harts beyond NCPU */
	int svpbmt;	   /* every hart has Svpbmt */
	int svnapot;	   /* every hart has Svnapot (64 KiB NAPOT groups) */
	uint64_t timebase; /* time CSR ticks per second */
	int uart_kind;	   /* UART_NS16550A or UART_SIFIVE */
	struct range uart;
	unsigned uart_shift;
	struct range plic;

	/* Interrupts. */
	int sstc;	     /* every hart's riscv,isa names Sstc (stimecmp) */
	uint32_t uart_irq;   /* the UART's PLIC source; 0: none known (polled) */
	uint32_t plic_ndev;  /* riscv,ndev: sources 1..ndev */
	int plic_ctx[NCPU];  /* hartid[i]'s S-mode PLIC context; -1: none */
	uint32_t intc[NCPU]; /* hartid[i]'s cpu-intc phandle (0: none) */
	/* The power-off/exit register (sifive,test0; QEMU's virt test device). */
	struct range poweroff_reg; /* size 0: none */
	char bootargs[256];
	struct range fdt; /* the blob itself */
};

/*
 * platform_parse - fill p from the blob at kernel address blob, physical
 * address fdt_pa, booted on hart boot_hartid.
 * Return: NULL, or a message naming what is missing or malformed.
 */
const char *platform_parse(struct platform *p, const void *blob, uint64_t fdt_pa,
			   uint64_t boot_hartid);
#endif /* KERNEL_PLATFORM_H */
