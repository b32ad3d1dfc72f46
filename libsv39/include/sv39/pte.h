/* SPDX-License-Identifier: MIT */
/*
 * sv39/pte.h - Sv39 page-table entry, SATP and size constants.
 *
 * Usable from C and from assembly: everything outside the
 * __ASSEMBLER__ guard is a plain integer constant.
 *
 * Sv39 (RISC-V privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory
 * System"): three levels of 512-entry tables, each a 4 KiB page.
 *   level 2 (root)  entry covers 1 GiB  (a leaf here is a gigapage)
 *   level 1         entry covers 2 MiB  (a leaf here is a megapage)
 *   level 0         entry covers 4 KiB
 * A PTE is a leaf when any of R, W, X is set; V set with R=W=X=0 points
 * at the next-level table.
 */
#ifndef SV39_PTE_H
#define SV39_PTE_H

#ifdef __ASSEMBLER__
#define SV39_U64(x) x
#else
#define SV39_U64(x) x##ULL
#endif

/* PTE bits 0..7, as the hardware defines them. */
#define SV39_PTE_V SV39_U64(0x001) /* valid */
#define SV39_PTE_R SV39_U64(0x002) /* readable */
#define SV39_PTE_W SV39_U64(0x004) /* writable (needs R) */
#define SV39_PTE_X SV39_U64(0x008) /* executable */
#define SV39_PTE_U SV39_U64(0x010) /* user-mode accessible */
#define SV39_PTE_G SV39_U64(0x020) /* global: in every address space */
#define SV39_PTE_A SV39_U64(0x040) /* accessed */
#define SV39_PTE_D SV39_U64(0x080) /* dirty */

/*
 * RSW, bits 8..9: ignored by the hardware, reserved for software. Bit 8 is
 * the embedder's (e.g. a copy-on-write mark): it may be passed in perm, set
 * and clear, and every call keeps it in the leaves it rewrites (protect,
 * clone_range, splits, harvest; share shows it through).
 */
#define SV39_PTE_RSW_EMBEDDER SV39_U64(0x100) /* bit 8: the embedder's */
#define SV39_PTE_BORROWED SV39_U64(0x200)     /* bit 9: libsv39's share mark */

/* Svpbmt memory types (bits 61..62) and Svnapot (bit 63). */
#define SV39_PTE_PBMT_NC SV39_U64(0x2000000000000000) /* non-cacheable */
#define SV39_PTE_PBMT_IO SV39_U64(0x4000000000000000) /* I/O, strongly ordered */
#define SV39_PTE_PBMT_MASK SV39_U64(0x6000000000000000)
#define SV39_PTE_N SV39_U64(0x8000000000000000)

/* Bits 54..60 are reserved by the spec and must be zero. */
#define SV39_PTE_RESERVED_MASK SV39_U64(0x1fc0000000000000)

#define SV39_PTE_PPN_SHIFT 10
#define SV39_PTE_PPN_MASK SV39_U64(0x003ffffffffffc00) /* bits 10..53 */
#define SV39_PTE_LEAF_MASK SV39_U64(0x00e)	       /* R | W | X */

/*
 * The bits a caller may pass as perm, set or clear: R W X U G A D, the
 * embedder's RSW bit 8 and the PBMT bits. V may be passed too and is
 * ignored (it is implied).
 */
#define SV39_PERM_MASK SV39_U64(0x60000000000001fe)

/* Sizes. */
#define SV39_PAGE_SHIFT 12
#define SV39_PAGE_SIZE SV39_U64(0x1000)	    /* 4 KiB */
#define SV39_MEGA_SIZE SV39_U64(0x200000)   /* 2 MiB */
#define SV39_GIGA_SIZE SV39_U64(0x40000000) /* 1 GiB */
#define SV39_NAPOT_SIZE SV39_U64(0x10000)   /* 64 KiB: a Svnapot group of 16 leaves */
#define SV39_LEVELS 3			    /* Sv39: levels 2, 1, 0 */
#define SV39_PTES_PER_TABLE 512
#define SV39_PA_BITS 56
#define SV39_PA_LIMIT SV39_U64(0x0100000000000000) /* first PA beyond 56 bits */

/* The two canonical halves of the 39-bit virtual address space. */
#define SV39_LOW_END SV39_U64(0x0000004000000000)   /* low half: [0, LOW_END) */
#define SV39_HIGH_BASE SV39_U64(0xffffffc000000000) /* high half: [HIGH_BASE, 2^64) */

/* satp: MODE in bits 60..63 (8 = Sv39), ASID in 44..59, root PPN in 0..43. */
#define SV39_SATP_MODE_SV39 SV39_U64(0x8000000000000000)
#define SV39_SATP_ASID_SHIFT 44
#define SV39_SATP_ASID_MASK SV39_U64(0xffff)
#define SV39_SATP_PPN_MASK SV39_U64(0x00000fffffffffff)

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint64_t sv39_pa_t;  /* physical address */
typedef uint64_t sv39_va_t;  /* virtual address, sign-extended from bit 38 */
typedef uint64_t sv39_pte_t; /* one page-table entry */

/* The physical address a PTE points at (a frame or a next-level table). */
static inline sv39_pa_t
sv39_pte_pa(sv39_pte_t pte)
{
	return ((pte >> SV39_PTE_PPN_SHIFT) & ((SV39_U64(1) << 44) - 1)) << SV39_PAGE_SHIFT;
}

/* A PTE pointing at physical address pa with the given low bits. */
static inline sv39_pte_t
sv39_pte_make(sv39_pa_t pa, uint64_t bits)
{
	return ((pa >> SV39_PAGE_SHIFT) << SV39_PTE_PPN_SHIFT) | bits;
}

static inline int
sv39_pte_is_leaf(sv39_pte_t pte)
{
	return (pte & SV39_PTE_V) && (pte & SV39_PTE_LEAF_MASK);
}
#endif

#endif /* SV39_PTE_H */
