/* SPDX-License-Identifier: MIT */
/*
 * entry.S - the first instructions, with the MMU off.
 *
 * OpenSBI enters _start in S-mode at the ELF's physical entry point with
 * a0 = hartid, a1 = physical address of the device tree, satp = 0. The
 * kernel is linked at KIMAGE_VA in the upper half, so until the jump to
 * high_start only PC-relative code may run here: `la` yields physical
 * addresses, and the absolute (linked) address of a label is read from a
 * .dword.
 *
 * The boot page table is one static page of 1 GiB leaves, built here:
 *   - the image's GiB, identity mapped (the instruction after the satp
 *     write is fetched at a physical address),
 *   - the same GiB at KIMAGE_GIGA_VA (where the kernel is linked),
 *   - GiB 0 (MMIO), the image's GiB and the device tree's GiB in the
 *     direct map at DIRECT_MAP_BASE + pa, so that early C code reaches
 *     the device tree, the first free pages and the power-off register
 *     the same way it will once the real kernel table is live.
 * kvm.c replaces it with the global table built by libsv39.
 */
#include <sv39/pte.h>

#include "cpu.h"
#include "exit.h"
#include "memlayout.h"

/* A 1 GiB leaf for PPN in t-register \ppn's GiB: V R W X A D. */
#define GIGA_RWX (SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_X | SV39_PTE_A | SV39_PTE_D)
#define GIGA_RW (SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_A | SV39_PTE_D)
#define DIRECT_MAP_SLOT 256 /* root index of DIRECT_MAP_BASE */
#define KIMAGE_SLOT 510     /* root index of KIMAGE_GIGA_VA */

	.section .text.entry, "ax"
	.globl _start
_start:
	/* No interrupts; any trap from here on is reported, never looped on. */
	csrw	sie, zero
	csrw	sscratch, zero
	mv	tp, zero
	lla	t0, early_trap
	csrw	stvec, t0
	/*
	 * One hart runs the boot path. OpenSBI 1.1's HSM can let a hart we
	 * start leave its wait loop before it has stored the address we
	 * asked for, and then sends that hart here, to the firmware's own
	 * next address, with a1 = the device tree. Such a hart must not zero
	 * .bss under the running kernel: it goes the secondary way and finds
	 * its struct cpu by hartid (hart_cpu[], smp.c). Seen on 8 harts, about
	 * one boot in twenty.
	 */
	lla	t0, boot_claimed
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez	t1, stray_secondary
	lla	sp, boot_stack_top
	mv	s0, a0
	mv	s1, a1

	/* Zero .bss (the boot page table and boot stack live there). */
	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	lla	a0, boot_pgtable
	lla	t0, _start
	srli	t0, t0, 30		/* t0 = the image's GiB number */
	slli	t1, t0, 28		/* its PPN in PTE position */
	ori	t2, t1, GIGA_RWX
	slli	t3, t0, 3
	add	t3, a0, t3
	sd	t2, 0(t3)		/* identity */
	li	t3, KIMAGE_SLOT * 8
	add	t3, a0, t3
	sd	t2, 0(t3)		/* linked address */
	ori	t2, t1, GIGA_RW
	addi	t3, t0, DIRECT_MAP_SLOT
	slli	t3, t3, 3
	add	t3, a0, t3
	sd	t2, 0(t3)		/* direct map of the image's GiB */
	li	t2, GIGA_RW
	li	t3, DIRECT_MAP_SLOT * 8
	add	t3, a0, t3
	sd	t2, 0(t3)		/* direct map of GiB 0: MMIO */
	srli	t0, s1, 30		/* the device tree's GiB */
	li	t3, 254
	bgeu	t0, t3, 3f		/* beyond the direct map: kmain says so */
	slli	t1, t0, 28
	ori	t2, t1, GIGA_RW
	addi	t3, t0, DIRECT_MAP_SLOT
	slli	t3, t3, 3
	add	t3, a0, t3
	sd	t2, 0(t3)
3:
	call	boot_paging_on
	ld	t0, .Lhigh_start
	jr	t0

/*
 * Turn on paging with the boot table. Called at a physical address; the
 * caller's next instruction is still reachable through the identity GiB.
 */
boot_paging_on:
	lla	t0, boot_pgtable
	srli	t0, t0, SV39_PAGE_SHIFT
	li	t1, SV39_SATP_MODE_SV39
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma
	ret

	.balign 8
.Lhigh_start:
	.dword	high_start
.Lsecondary_high:
	.dword	secondary_high

/*
 * Harts started by sbi_hart_start() arrive here, MMU off, with
 * a0 = hartid and a1 = the linked (high) address of their struct cpu.
 */
/* A started hart that arrived at _start instead (see there): cpu unknown. */
stray_secondary:
	mv	s0, a0
	li	s1, 0
	call	boot_paging_on
	ld	t0, .Lsecondary_high
	jr	t0

	.globl secondary_entry
secondary_entry:
	csrw	sie, zero
	csrw	sscratch, zero
	lla	t0, early_trap
	csrw	stvec, t0
	mv	s0, a0
	mv	s1, a1
	call	boot_paging_on
	ld	t0, .Lsecondary_high
	jr	t0

	.text
/* Now at the linked address, on the boot table. */
high_start:
	lla	t0, early_trap
	csrw	stvec, t0
	lla	sp, boot_stack_top
	mv	a0, s0
	mv	a1, s1
	call	kmain
	j	early_trap

/*
 * A started hart: switch to the global kernel table (its kernel stack is
 * mapped only there), then run on that stack.
 */
secondary_high:
	lla	t0, early_trap
	csrw	stvec, t0
	bnez	s1, 1f
	/* Arrived through _start: look the struct cpu up by hartid. */
	li	t0, HART_CPU_MAX
	bgeu	s0, t0, early_trap
	lla	t0, hart_cpu
	slli	t1, s0, 3
	add	t0, t0, t1
	ld	s1, 0(t0)
	beqz	s1, early_trap
1:
	ld	t0, kvm_satp
	sfence.vma
	csrw	satp, t0
	sfence.vma
	mv	tp, s1
	ld	sp, CPU_KSTACK_HI(tp)
	mv	a0, tp
	call	secondary_main
	j	early_trap

/*
 * cpu_switch_stack(cpu, fn): continue on cpu's kernel stack with
 * fn(cpu); the old stack is abandoned.
 */
	.globl cpu_switch_stack
cpu_switch_stack:
	mv	tp, a0
	ld	sp, CPU_KSTACK_HI(a0)
	mv	ra, zero
	jr	a1

/*
 * early_trap: the trap vector until trap_init_hart() installs the real
 * one. Prints scause, sepc and stval through the SBI console (needs no
 * memory and works with the MMU on or off), then fails the run through
 * the board's power-off register, else by SBI system reset. sscratch, zero
 * until the real vector is installed, guards against a trap in here.
 */
	.balign 4
	.globl early_trap
early_trap:
	csrrwi	t0, sscratch, 1
	bnez	t0, .Learly_reset
	lla	s2, .Learly_msg
	call	early_puts
	csrr	a0, scause
	call	early_puthex
	lla	s2, .Learly_sepc
	call	early_puts
	csrr	a0, sepc
	call	early_puthex
	lla	s2, .Learly_stval
	call	early_puts
	csrr	a0, stval
	call	early_puthex
	li	a0, '\n'
	call	early_putc
	li	t0, BOARD_POWEROFF_REG_PA
	beqz	t0, .Learly_reset
	csrr	t1, satp
	beqz	t1, 1f
	li	t1, DIRECT_MAP_BASE
	add	t0, t0, t1
1:	li	t1, POWEROFF_REG_FAIL | (EXIT_EARLY_TRAP << 16)
	sw	t1, 0(t0)
.Learly_reset:
	li	a7, 0x53525354		/* SBI SRST: shutdown, system failure */
	li	a6, 0
	li	a0, 0
	li	a1, 1
	ecall
	li	a7, 0x53525354		/* else a cold reboot (-no-reboot exits) */
	li	a6, 0
	li	a0, 1
	li	a1, 1
	ecall
2:	wfi
	j	2b

/* The SBI v0.1 console putchar: a0 = the character. */
early_putc:
	li	a7, 1
	ecall
	ret

/* Print the NUL-terminated string at s2. */
early_puts:
	mv	s4, ra
1:	lbu	a0, 0(s2)
	beqz	a0, 2f
	call	early_putc
	addi	s2, s2, 1
	j	1b
2:	mv	ra, s4
	ret

/* Print a0 as 16 hex digits. */
early_puthex:
	mv	s4, ra
	mv	s3, a0
	li	s5, 60
1:	srl	a0, s3, s5
	andi	a0, a0, 15
	li	t0, 10
	blt	a0, t0, 2f
	addi	a0, a0, 'a' - 10 - '0'
2:	addi	a0, a0, '0'
	call	early_putc
	addi	s5, s5, -4
	bgez	s5, 1b
	mv	ra, s4
	ret

	.section .rodata
.Learly_msg:
	.asciz	"\nearly trap: scause 0x"
.Learly_sepc:
	.asciz	" sepc 0x"
.Learly_stval:
	.asciz	" stval 0x"

	.bss
	.balign 4096
	.globl boot_pgtable
boot_pgtable:
	.space	4096
	.balign 16
boot_stack:
	.space	BOOT_STACK_SIZE
boot_stack_top:

/* Set by the first hart to reach _start; in .data, not the .bss it zeroes. */
	.data
	.balign 4
boot_claimed:
	.word	0
