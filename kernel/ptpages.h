/* SPDX-License-Identifier: MIT */
/*
 * ptpages.h - page-table pages from kalloc: the table half of the struct
 * sv39_ops of every libsv39 space the kernel keeps (the global table,
 * each process's two tables, mmudiff's scratch space). Each such space's
 * ctx is a struct pt_ctx; the TLB half (flush_tlb) is each space's own.
 */
#ifndef KERNEL_PTPAGES_H
#define KERNEL_PTPAGES_H

#include <sv39/sv39.h>

struct proc;

struct pt_ctx {
	uint64_t tables;    /* page-table pages the space holds */
	struct proc *owner; /* uvm.c: flushes matter only while it runs here */
	/* If limit_hi: only pages in [limit_lo, limit_hi) may become tables. */
	uint64_t limit_lo, limit_hi;
};

int pt_alloc_table(void *ctx, sv39_pa_t *pa);
void pt_free_table(void *ctx, sv39_pa_t pa);
void *pt_phys_to_virt(void *ctx, sv39_pa_t pa);
void pt_free_frame(void *ctx, sv39_pa_t pa, uint64_t size);

#endif /* KERNEL_PTPAGES_H */
