/* SPDX-License-Identifier: MIT */
/*
 * kalloc.c - the physical page allocator: a buddy allocator.
 *
 * Free memory is a set of blocks of 2^order pages (order 0 = 4 KiB up to
 * MAX_ORDER = 1 GiB), each aligned to its own size in physical address
 * space. A block's buddy is the other half of the block one order up,
 * at pa ^ (PAGE_SIZE << order). Freeing a block merges it with its buddy
 * for as long as the buddy is free and whole (the same order): 4 KiB
 * pages given back one by one become 2 MiB, and larger, blocks again.
 * Allocation takes the smallest free block that is big enough and gives
 * back the halves it does not need.
 *
 * Metadata: one bit per page of the managed span, set when the page is
 * the first page of a free block (free_head, carved from free memory at
 * boot: 4 KiB per 128 MiB of RAM, 0.003%). A free block's order and its
 * free-list links live in its own first page, through the direct map; the
 * bit is what makes that header trustworthy, since only the first page of
 * a free block is ever read as one.
 *
 * Sharing: one 16-bit count per page of the span (frame_extra, carved at
 * boot beside the bitmap: 2 bytes per 4 KiB page, 0.05%) of the holders
 * a page has beyond its first. A page from kalloc has one holder (count
 * 0); copy-on-write fork adds one per child (frame_share) and every
 * holder lets go with frame_put, which frees the page when the last one
 * does. The counts live under kalloc_lock, the innermost lock: nothing is
 * taken while it is held.
 *
 * Boot: until the global kernel table maps all of RAM, only the image's
 * GiB is reachable, so free memory starts as a sorted list of ranges that
 * never touch the memory they describe, and early allocations are carved
 * from the lowest one, the pages just above the kernel image (which the
 * boot page table maps). kalloc_start(), once the kernel table is live,
 * hands every range to the buddy lists; pages carved early and freed
 * later join them like any other.
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
#define MAX_ORDER 18 /* 2^18 pages: 1 GiB */
#define BLOCK_SIZE(order) (PAGE_SIZE << (order))

/* The header in the first page of a free block. */
struct freeblock {
	struct freeblock *next, *prev; /* in free_lists[order], circular */
	uint64_t order;
};

static struct spinlock kalloc_lock;
static struct range ranges[MAX_RANGES]; /* sorted, disjoint, page aligned */
static int nranges;
static struct freeblock free_lists[MAX_ORDER + 1]; /* list heads */
static uint64_t *free_head;			   /* one bit per page of the span */
static uint16_t *frame_extra;			   /* holders beyond the first, per page */
static uint64_t span_lo, span_hi;		   /* the pages free_head covers */
static uint64_t nfree;				   /* pages in ranges + blocks */

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

/* Carve size bytes (page multiple) from the front of the lowest range that holds them. */
static uint64_t
ranges_take(uint64_t size, uint64_t align)
{
	for (int i = 0; i < nranges; i++) {
		uint64_t b = ALIGN_UP(ranges[i].base, align);

		if (b >= ranges[i].base && b + size <= ranges[i].base + ranges[i].size) {
			ranges_cut(b, b + size);
			return b;
		}
	}
	return 0;
}

static uint64_t
page_index(uint64_t pa)
{
	return (pa - span_lo) / PAGE_SIZE;
}

static int
is_free_head(uint64_t pa)
{
	uint64_t i = page_index(pa);

	return (int)((free_head[i / 64] >> (i % 64)) & 1);
}

static void
set_free_head(uint64_t pa, int on)
{
	uint64_t i = page_index(pa);

	if (on)
		free_head[i / 64] |= 1UL << (i % 64);
	else
		free_head[i / 64] &= ~(1UL << (i % 64));
}

/* Put the block at pa on its list. Lock held; no merging. */
static void
block_push(uint64_t pa, unsigned order)
{
	struct freeblock *b = pa_to_kva(pa), *head = &free_lists[order];

	b->order = order;
	b->next = head->next;
	b->prev = head;
	head->next->prev = b;
	head->next = b;
	set_free_head(pa, 1);
}

/* Take a block off its list. Lock held. */
static void
block_remove(struct freeblock *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	set_free_head(kva_to_pa(b), 0);
}

/* Is the block of this order at pa free and whole? Lock held. */
static int
block_is_free(uint64_t pa, unsigned order)
{
	if (pa < span_lo || pa + BLOCK_SIZE(order) > span_hi || !is_free_head(pa))
		return 0;
	return ((struct freeblock *)pa_to_kva(pa))->order == order;
}

/*
 * Free the block of this order at pa (aligned to its size), merging it
 * with its buddy, and the result with its buddy, while they are free.
 * Lock held; nfree is the caller's.
 */
static void
buddy_free(uint64_t pa, unsigned order)
{
	while (order < MAX_ORDER) {
		uint64_t buddy = pa ^ BLOCK_SIZE(order);

		if (!block_is_free(buddy, order))
			break;
		block_remove(pa_to_kva(buddy));
		pa &= ~BLOCK_SIZE(order); /* the lower of the two */
		order++;
	}
	block_push(pa, order);
}

/*
 * A block of 2^order pages from the smallest free block big enough,
 * whose unused halves go back on the lists; 0 if none. Lock held.
 */
static uint64_t
buddy_alloc(unsigned order)
{
	unsigned k = order;
	struct freeblock *b;
	uint64_t pa;

	while (k <= MAX_ORDER && free_lists[k].next == &free_lists[k])
		k++;
	if (k > MAX_ORDER)
		return 0;
	b = free_lists[k].next;
	block_remove(b);
	pa = kva_to_pa(b);
	while (k > order) {
		k--;
		block_push(pa + BLOCK_SIZE(k), k);
	}
	return pa;
}

/* Free [pa, pa + size) (page aligned) as the largest aligned blocks that fit. Lock held. */
static void
buddy_free_range(uint64_t pa, uint64_t size)
{
	while (size) {
		unsigned order = pa ? (unsigned)__builtin_ctzl(pa / PAGE_SIZE) : MAX_ORDER;
		unsigned fit = 63 - (unsigned)__builtin_clzl(size / PAGE_SIZE);

		if (order > fit)
			order = fit;
		if (order > MAX_ORDER)
			order = MAX_ORDER;
		buddy_free(pa, order);
		pa += BLOCK_SIZE(order);
		size -= BLOCK_SIZE(order);
	}
}

/* The smallest order whose block holds size bytes. */
static unsigned
order_for(uint64_t size)
{
	unsigned order = 0;

	while (BLOCK_SIZE(order) < size)
		order++;
	return order;
}

/*
 * Boot hart, once, before any allocation: the RAM banks of pl less the
 * reserved ranges, the kernel image and the device tree become the free
 * ranges, and the free-page bitmap and share counts are carved from the
 * lowest. Returns nothing; panics if no memory or no room for the bitmap.
 */
void
kalloc_init(const struct platform *pl)
{
	uint64_t img_lo = kimage_to_pa(_text), img_hi = kimage_to_pa(_end), bytes, bitmap;

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
	if (!nranges)
		panic("kalloc: no free memory");
	for (int i = 0; i <= MAX_ORDER; i++)
		free_lists[i].next = free_lists[i].prev = &free_lists[i];
	/* The bitmap, from the lowest range (the boot table maps it). */
	span_lo = ranges[0].base;
	span_hi = ranges[nranges - 1].base + ranges[nranges - 1].size;
	bitmap = ALIGN_UP((span_hi - span_lo) / PAGE_SIZE / 8 + 8, PAGE_SIZE);
	bytes = bitmap + ALIGN_UP((span_hi - span_lo) / PAGE_SIZE * sizeof(uint16_t), PAGE_SIZE);
	if (ranges[0].size < bytes)
		panic("kalloc: no room for the %lu-byte free-page bitmap and share counts", bytes);
	free_head = pa_to_kva(ranges_take(bytes, PAGE_SIZE));
	memset(free_head, 0, bytes);
	frame_extra = (uint16_t *)((char *)free_head + bitmap);
	nfree = 0;
	for (int i = 0; i < nranges; i++)
		nfree += ranges[i].size / PAGE_SIZE;
	kprintf("kalloc: buddy allocator, 4 KiB to 1 GiB blocks; %lu bytes of bitmap and "
		"share counts for %lu MiB\n",
		bytes, (span_hi - span_lo) >> 20);
}

/*
 * Every free range into the buddy lists, once RAM is all mapped (before,
 * kalloc takes pages from the ranges the boot table maps). Takes
 * kalloc_lock; allocates nothing, cannot fail.
 */
void
kalloc_start(void)
{
	spin_lock(&kalloc_lock);
	for (int i = 0; i < nranges; i++)
		buddy_free_range(ranges[i].base, ranges[i].size);
	nranges = 0;
	spin_unlock(&kalloc_lock);
}

/*
 * One zeroed 4 KiB page: its physical address, or 0 when memory has run
 * out (nothing changed). The page has one holder, the caller; kfree or
 * frame_put gives it back. Takes kalloc_lock (the innermost lock), so any
 * lock may be held; never sleeps.
 */
uint64_t
kalloc(void)
{
	uint64_t pa;

	spin_lock(&kalloc_lock);
	pa = buddy_alloc(0);
	if (!pa)
		pa = ranges_take(PAGE_SIZE, PAGE_SIZE); /* before kalloc_start */
	if (pa)
		nfree--;
	spin_unlock(&kalloc_lock);
	if (pa)
		memset(pa_to_kva(pa), 0, PAGE_SIZE);
	return pa;
}

/* A page or range that is not ours to take back is a kernel bug. */
static void
check_free(uint64_t pa, uint64_t size)
{
	if ((pa & (PAGE_SIZE - 1)) || pa < span_lo || pa + size > span_hi || pa + size < pa)
		panic("kfree: %lx..%lx is not allocatable memory", pa, pa + size);
	if (is_free_head(pa))
		panic("kfree: %lx is already free", pa);
}

/*
 * Give back one page from kalloc, whatever its share count: the caller
 * is its last holder (frame_put is the call for a page that may be
 * shared). Merges with free buddies. Panics on a page that is not
 * allocatable memory or already free. Takes kalloc_lock.
 */
void
kfree(uint64_t pa)
{
	check_free(pa, PAGE_SIZE);
	spin_lock(&kalloc_lock);
	buddy_free(pa, 0);
	nfree++;
	spin_unlock(&kalloc_lock);
}

/*
 * size bytes of physically contiguous memory aligned to align (a power
 * of two): the smallest block that holds both, with the pages beyond
 * size given back at once. Not zeroed. Its physical address, or 0 with
 * nothing taken. Takes kalloc_lock; kfree_contig gives it back.
 */
uint64_t
kalloc_contig(uint64_t size, uint64_t align)
{
	unsigned order;
	uint64_t pa = 0;

	size = ALIGN_UP(size, PAGE_SIZE);
	if (!size)
		return 0;
	order = order_for(size > align ? size : align);
	spin_lock(&kalloc_lock);
	if (order <= MAX_ORDER && (pa = buddy_alloc(order)) != 0)
		buddy_free_range(pa + size, BLOCK_SIZE(order) - size);
	else
		pa = ranges_take(size, align < PAGE_SIZE ? PAGE_SIZE : align);
	if (pa)
		nfree -= size / PAGE_SIZE;
	spin_unlock(&kalloc_lock);
	return pa;
}

/*
 * Give back size bytes at pa (rounded up to pages), as the largest
 * aligned blocks that fit; each merges with free neighbours. Any 4 KiB
 * piece of an earlier contiguous allocation may come back on its own.
 * Panics on memory not allocated; takes kalloc_lock.
 */
void
kfree_contig(uint64_t pa, uint64_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!size)
		return;
	check_free(pa, size);
	spin_lock(&kalloc_lock);
	buddy_free_range(pa, size);
	nfree += size / PAGE_SIZE;
	spin_unlock(&kalloc_lock);
}

/*
 * Copy-on-write fork: every page of [pa, pa + size) (allocated, page
 * aligned) gains a holder. A count past 65535 would mean that many
 * mappings of one page, more than every process can make: a bug.
 */
void
frame_share(uint64_t pa, uint64_t size)
{
	check_free(pa, size);
	spin_lock(&kalloc_lock);
	for (uint64_t i = page_index(pa), n = size / PAGE_SIZE; n; i++, n--)
		if (++frame_extra[i] == 0)
			panic("kalloc: %lx has 65536 holders", span_lo + i * PAGE_SIZE);
	spin_unlock(&kalloc_lock);
}

/*
 * A holder of every page of [pa, pa + size) lets go: the pages nobody
 * else holds are freed (as the largest blocks that fit, so a 2 MiB frame
 * held once goes back whole), the others lose one holder.
 */
void
frame_put(uint64_t pa, uint64_t size)
{
	uint64_t run = 0; /* pages to free, ending just before the current one */

	check_free(pa, size);
	spin_lock(&kalloc_lock);
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint16_t *extra = &frame_extra[page_index(pa + off)];

		if (!*extra) {
			run += PAGE_SIZE;
			continue;
		}
		(*extra)--;
		if (run)
			buddy_free_range(pa + off - run, run);
		nfree += run / PAGE_SIZE;
		run = 0;
	}
	if (run)
		buddy_free_range(pa + size - run, run);
	nfree += run / PAGE_SIZE;
	spin_unlock(&kalloc_lock);
}

/*
 * Has any page of [pa, pa + size) (allocated, page aligned) a holder
 * besides the caller? 1 or 0, a snapshot under kalloc_lock. A 0 stays
 * true while the caller holds the pages alone (only its own fork adds a
 * holder); a 1 may turn stale as other holders let go, which costs a copy.
 */
int
frame_shared(uint64_t pa, uint64_t size)
{
	int shared = 0;

	spin_lock(&kalloc_lock);
	for (uint64_t i = page_index(pa), n = size / PAGE_SIZE; n && !shared; i++, n--)
		shared = frame_extra[i] != 0;
	spin_unlock(&kalloc_lock);
	return shared;
}

/*
 * How many 4 KiB pages are free now: read without kalloc_lock, so a
 * figure for reports and tests (freepages), not a promise to the next
 * kalloc.
 */
uint64_t
kalloc_nfree(void)
{
	return nfree;
}
