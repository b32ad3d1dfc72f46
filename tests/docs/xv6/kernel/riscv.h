/* SPDX-License-Identifier: MIT */
/* riscv.h: stand-in for xv6's page-table names (porting-doc test). */
typedef uint64 pte_t;
typedef uint64 *pagetable_t; /* the root table's address */

#define PGSIZE 4096
#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(uint64)(PGSIZE - 1))

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)

#define PA2PTE(pa) ((((uint64)(pa)) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte)&0x3FF)

/* one past the highest user address: Sv39's lower half, less its top bit */
#define MAXVA (1L << 38)
