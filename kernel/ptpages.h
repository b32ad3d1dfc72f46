/* SPDX-License-Identifier: MIT */
/*
 * ptpages.h - page-table pages from kalloc: the table half of the struct
 * sv39_ops of every libsv39 space the kernel keeps (the global table,
 * each process's two tables, mmudiff's scratch space). Each such space's
 * ctx is, or begins with, a struct pt_ctx; the TLB half (flush_tlb) is each
 * space's own, and so is what else its ctx holds (kvm.c's allocation limit,
 * a process table's owner in proc.h).
 */
#ifndef KERNEL_PTPAGES_H
#define KERNEL_PTPAGES_H

#include <sv39/sv39.h>

/* The first member of every kernel space's ctx: the pt_* callbacks use it. */
struct pt_ctx {
	uint64_t tables; /* page-table pages the space holds */
};

/*
 * The harts' sv39 features (SV39_FEATURE_SVNAPOT when every hart has
 * Svnapot), set once at boot before any space exists; every kernel
 * sv39_ops carries the same value.
 */
extern unsigned pt_features;
void pt_set_features(unsigned features);
/* SV39_MAP_64K when the harts have Svnapot, else 0: a flag for sv39_map. */
unsigned pt_map_64k(void);

int pt_alloc_table(void *ctx, sv39_pa_t *pa);
void pt_free_table(void *ctx, sv39_pa_t pa);
void *pt_phys_to_virt(void *ctx, sv39_pa_t pa);
void pt_free_frame(void *ctx, sv39_pa_t pa, uint64_t size);

#endif /* KERNEL_PTPAGES_H */
