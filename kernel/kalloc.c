/* SPDX-License-Identifier: MIT */
/*
 * kalloc.c - the physical page allocator.
 *
 * Free memory is kept two ways: a sorted list of untouched ranges (carved
 * from the front, or anywhere by kalloc_contig), and a list of single
 * freed pages linked through the pages themselves (via the direct map).
 * Whole 2 MiB blocks given back by kfree_contig (a user megapage that
 * lived out its life whole) go on a third list, so that the next megapage
 * can have them; kalloc() breaks one up only when nothing else is left.
 * The ranges never touch the memory they describe, so the allocator works
 * before the direct map covers all of RAM: early allocations come from the
 * lowest range, the pages just above the kernel image, which the boot page
 * table maps.
 *
 * Managed: every /memory bank, minus
 *   - everything below the kernel image in its bank (OpenSBI's firmware
 *     and heap, whether or not the tree reserves it),
 *   - /reserved-memory regions and /memreserve/ entries,
 *   - the kernel image and the device-tree blob.
 */
#include "kernel.h"
#include "platform.h"
#include "spinlock.h"

#define MAX_RANGES 32
#define HUGE_SIZE (2UL << 20)
#define HUGE_PAGES (HUGE_SIZE / PAGE_SIZE)

struct freepage {
	struct freepage *next;
};

static struct spinlock kalloc_lock;
static struct range ranges[MAX_RANGES]; /* sorted, disjoint, page aligned */
static int nranges;
static struct freepage *freelist;
static struct freepage *hugelist; /* free 2 MiB-aligned 2 MiB blocks */
static uint64_t nfree;		  /* pages in ranges + freelist */

/* Remove [lo, hi) from the free ranges (splitting one if needed). */
static void
ranges_cut(uint64_t lo, uint64_t hi)
{
	lo = ALIGN_DOWN(lo, PAGE_SIZE);
	hi = ALIGN_UP(hi, PAGE_SIZE);
	for (int i = 0; i < nranges; i++) {
		uint64_t b = ranges[i].base, e = b + ranges[i].size;

		if (hi <= b || lo >= e)
			continue;
		if (lo > b && hi < e) {
			if (nranges == MAX_RANGES)
				panic("kalloc: more than %d free ranges", MAX_RANGES);
			memmove(&ranges[i + 2], &ranges[i + 1],
				(size_t)(nranges - i - 1) * sizeof(ranges[0]));
			nranges++;
			ranges[i].size = lo - b;
			ranges[i + 1].base = hi;
			ranges[i + 1].size = e - hi;
			return;
		}
		if (lo <= b)
			b = hi < e ? hi : e;
		if (hi >= e)
			e = lo > b ? lo : b;
		ranges[i].base = b;
		ranges[i].size = e - b;
	}
	/* Drop emptied ranges. */
	for (int i = 0; i < nranges;) {
		if (ranges[i].size) {
			i++;
			continue;
		}
		memmove(&ranges[i], &ranges[i + 1], (size_t)(nranges - i - 1) * sizeof(ranges[0]));
		nranges--;
	}
}

static void
ranges_add(uint64_t base, uint64_t size)
{
	int i;

	base = ALIGN_UP(base, PAGE_SIZE);
	size = ALIGN_DOWN(size, PAGE_SIZE);
	if (!size)
		return;
	if (nranges == MAX_RANGES)
		panic("kalloc: more than %d RAM ranges", MAX_RANGES);
	for (i = nranges; i > 0 && ranges[i - 1].base > base; i--)
		ranges[i] = ranges[i - 1];
	ranges[i].base = base;
	ranges[i].size = size;
	nranges++;
}

void
kalloc_init(const struct platform *pl)
{
	uint64_t img_lo = kimage_to_pa(_text), img_hi = kimage_to_pa(_end);

	for (int i = 0; i < pl->nmem; i++) {
		uint64_t b = pl->mem[i].base, e = b + pl->mem[i].size;

		/* The firmware lives below us in our own bank. */
		if (img_lo >= b && img_lo < e)
			b = img_lo;
		ranges_add(b, e - b);
	}
	for (int i = 0; i < pl->nresv; i++)
		ranges_cut(pl->resv[i].base, pl->resv[i].base + pl->resv[i].size);
	ranges_cut(img_lo, img_hi);
	ranges_cut(pl->fdt.base, pl->fdt.base + pl->fdt.size);
	nfree = 0;
	for (int i = 0; i < nranges; i++)
		nfree += ranges[i].size / PAGE_SIZE;
}

/* One page from the lowest range; 0 when empty. Lock held. */
static uint64_t
range_take_page(void)
{
	uint64_t pa;

	if (!nranges)
		return 0;
	pa = ranges[0].base;
	ranges_cut(pa, pa + PAGE_SIZE);
	return pa;
}

uint64_t
kalloc(void)
{
	uint64_t pa;

	spin_lock(&kalloc_lock);
	if (freelist) {
		pa = kva_to_pa(freelist);
		freelist = freelist->next;
	} else {
		pa = range_take_page();
	}
	if (!pa && hugelist) {
		/* Break up a free 2 MiB block: keep its first page. */
		struct freepage *h = hugelist;

		hugelist = h->next;
		pa = kva_to_pa(h);
		for (uint64_t i = HUGE_PAGES - 1; i > 0; i--) {
			struct freepage *f = pa_to_kva(pa + i * PAGE_SIZE);

			f->next = freelist;
			freelist = f;
		}
	}
	if (pa)
		nfree--;
	spin_unlock(&kalloc_lock);
	if (pa)
		memset(pa_to_kva(pa), 0, PAGE_SIZE);
	return pa;
}

void
kfree(uint64_t pa)
{
	struct freepage *p = pa_to_kva(pa);

	if (pa & (PAGE_SIZE - 1))
		panic("kfree: %lx not page aligned", pa);
	spin_lock(&kalloc_lock);
	p->next = freelist;
	freelist = p;
	nfree++;
	spin_unlock(&kalloc_lock);
}

/*
 * size bytes of physically contiguous memory aligned to align, from the
 * free 2 MiB blocks (for exactly 2 MiB) or the untouched ranges (freed
 * single pages are not merged back). Not zeroed.
 */
uint64_t
kalloc_contig(uint64_t size, uint64_t align)
{
	uint64_t pa = 0;

	spin_lock(&kalloc_lock);
	if (size == HUGE_SIZE && !(HUGE_SIZE % align) && hugelist) {
		pa = kva_to_pa(hugelist);
		hugelist = hugelist->next;
		nfree -= HUGE_PAGES;
		spin_unlock(&kalloc_lock);
		return pa;
	}
	for (int i = 0; i < nranges && !pa; i++) {
		uint64_t b = ALIGN_UP(ranges[i].base, align);

		if (b >= ranges[i].base && b + size <= ranges[i].base + ranges[i].size)
			pa = b;
	}
	if (pa) {
		ranges_cut(pa, pa + size);
		nfree -= size / PAGE_SIZE;
	}
	spin_unlock(&kalloc_lock);
	return pa;
}

/*
 * Give back size bytes at pa: whole aligned 2 MiB blocks stay whole (on
 * the huge list), anything else goes back page by page. Any 4 KiB piece
 * of an earlier contiguous allocation may come back this way on its own.
 */
void
kfree_contig(uint64_t pa, uint64_t size)
{
	if (pa & (PAGE_SIZE - 1))
		panic("kfree_contig: %lx not page aligned", pa);
	while (size) {
		if (!(pa & (HUGE_SIZE - 1)) && size >= HUGE_SIZE) {
			struct freepage *h = pa_to_kva(pa);

			spin_lock(&kalloc_lock);
			h->next = hugelist;
			hugelist = h;
			nfree += HUGE_PAGES;
			spin_unlock(&kalloc_lock);
			pa += HUGE_SIZE;
			size -= HUGE_SIZE;
			continue;
		}
		kfree(pa);
		pa += PAGE_SIZE;
		size -= size < PAGE_SIZE ? size : PAGE_SIZE;
	}
}

uint64_t
kalloc_nfree(void)
{
	return nfree;
}
