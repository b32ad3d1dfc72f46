/* SPDX-License-Identifier: MIT */
/*
 * ptpages.c - the kalloc-backed callbacks every kernel sv39_ops shares
 * (ptpages.h). Tables come zeroed from kalloc, as libsv39 requires, and
 * are reached through the direct map.
 */
#include "kernel.h"
#include "ptpages.h"

/*
 * sv39_ops.alloc_table: a zeroed page from kalloc for a table of the space
 * whose ctx is given, counted in its tables. 0 with *pa set, or -1 when
 * memory ran out (nothing kept). Takes kalloc_lock only, under whatever
 * the caller holds.
 */
int
pt_alloc_table(void *ctx, sv39_pa_t *pa)
{
	struct pt_ctx *c = ctx;
	uint64_t p = kalloc();

	if (!p)
		return -1;
	c->tables++;
	*pa = p;
	return 0;
}

/*
 * sv39_ops.free_table: a table page the space no longer uses goes back to
 * kalloc and leaves the ctx's count. libsv39 calls it only after the
 * space's flush, so no TLB still walks it. Takes kalloc_lock; cannot fail.
 */
void
pt_free_table(void *ctx, sv39_pa_t pa)
{
	struct pt_ctx *c = ctx;

	c->tables--;
	kfree(pa);
}

/*
 * sv39_ops.phys_to_virt: where the kernel reads a table page, its
 * direct-map address (every allocatable page is in the direct map once
 * kvm_switch has run; before, the boot table maps the image's GiB).
 * Never fails; no lock.
 */
void *
pt_phys_to_virt(void *ctx, sv39_pa_t pa)
{
	(void)ctx;
	return pa_to_kva(pa);
}

/*
 * sv39_ops.free_frame, for a leaf's frame: 4 KiB, 2 MiB, or any 4 KiB
 * piece of a split megapage. The space lets go of it; it is freed once no
 * other space holds it (copy-on-write fork shares frames: kalloc.c
 * counts the holders). Takes kalloc_lock; cannot fail.
 */
void
pt_free_frame(void *ctx, sv39_pa_t pa, uint64_t size)
{
	(void)ctx;
	frame_put(pa, size);
}

unsigned pt_features;

/* Boot only (kvm_init), before any space exists. */
void
pt_set_features(unsigned features)
{
	pt_features = features;
}

unsigned
pt_map_64k(void)
{
	return (pt_features & SV39_FEATURE_SVNAPOT) ? SV39_MAP_64K : 0;
}
