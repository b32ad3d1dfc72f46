/* SPDX-License-Identifier: MIT */
/*
 * riscv.h - supervisor CSRs and the few instructions C cannot express.
 */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

/* sstatus */
#define SSTATUS_SIE (1UL << 1)	       /* interrupts enabled in S-mode */
#define SSTATUS_SPIE (1UL << 5)	       /* SIE before the trap */
#define SSTATUS_SPP (1UL << 8)	       /* trapped from S-mode (1) or U-mode (0) */
#define SSTATUS_SUM (1UL << 18)	       /* S-mode may load/store U pages */
#define SSTATUS_MXR (1UL << 19)	       /* loads from execute-only pages succeed */
#define SSTATUS_FS (3UL << 13)	       /* the FP registers' state: Off, */
#define SSTATUS_FS_INITIAL (1UL << 13) /* Initial, */
#define SSTATUS_FS_CLEAN (2UL << 13)   /* Clean (saved), */
#define SSTATUS_FS_DIRTY (3UL << 13)   /* Dirty (changed since) */

/* sie / sip */
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)

/* scause */
#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_TIMER 5
#define IRQ_S_EXTERNAL 9
#define EXC_INSN_MISALIGNED 0
#define EXC_INSN_ACCESS 1
#define EXC_ILLEGAL_INSN 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_INSN_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

#ifndef __ASSEMBLER__
#include <stdint.h>

#define csr_read(csr)                                                    \
	__extension__({                                                  \
		uint64_t v_;                                             \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
		v_;                                                      \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")
#define csr_clear(csr, bits) \
	__asm__ volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")

/* Drop every cached translation (all addresses, all ASIDs). */
static inline void
sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* Drop cached translations of one page, for every ASID. */
static inline void
sfence_vma_page(uint64_t va)
{
	__asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

/* Drop cached non-global translations of one ASID. */
static inline void
sfence_vma_asid(uint64_t asid)
{
	__asm__ volatile("sfence.vma zero, %0" ::"r"(asid) : "memory");
}

static inline void
intr_on(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void
intr_off(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline void
wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

/* Sstc: the S-mode timer fires once time >= stimecmp (CSR 0x14d). */
static inline void
csr_write_stimecmp(uint64_t when)
{
	__asm__ volatile("csrw 0x14d, %0" ::"r"(when) : "memory");
}

static inline uint64_t
rdtime(void)
{
	return csr_read(time);
}
#endif /* !__ASSEMBLER__ */

#endif /* KERNEL_RISCV_H */
