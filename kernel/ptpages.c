/* SPDX-License-Identifier: MIT */
/*
 * ptpages.c - the kalloc-backed callbacks every kernel sv39_ops shares
 * (ptpages.h). Tables come zeroed from kalloc, as libsv39 requires, and
 * are reached through the direct map.
 */
#include "kernel.h"
#include "ptpages.h"

int
pt_alloc_table(void *ctx, sv39_pa_t *pa)
{
	struct pt_ctx *c = ctx;
	uint64_t p = kalloc();

	if (!p)
		return -1;
	if (c->limit_hi && (p < c->limit_lo || p >= c->limit_hi)) {
		kfree(p);
		return -1;
	}
	c->tables++;
	*pa = p;
	return 0;
}

void
pt_free_table(void *ctx, sv39_pa_t pa)
{
	struct pt_ctx *c = ctx;

	c->tables--;
	kfree(pa);
}

void *
pt_phys_to_virt(void *ctx, sv39_pa_t pa)
{
	(void)ctx;
	return pa_to_kva(pa);
}

/*
 * A leaf's frame: 4 KiB, 2 MiB, or any 4 KiB piece of a split megapage.
 * The space lets go of it; it is freed once no other space holds it
 * (copy-on-write fork shares frames: kalloc.c counts the holders).
 */
void
pt_free_frame(void *ctx, sv39_pa_t pa, uint64_t size)
{
	(void)ctx;
	frame_put(pa, size);
}
