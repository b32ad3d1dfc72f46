/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - the smallest kernel-shaped user of libsv39, built against
 * an installed copy (pkg-config) or straight from its sources (a plain
 * Makefile). It maps two pages, translates, destroys, and exits 0 only if
 * every answer was right.
 *
 * It uses nothing but <sv39/sv39.h>, so the same file also builds
 * freestanding for riscv64 (with start.c), where it is only linked, never
 * run: the link is the proof that the library needs no libc.
 */
#include <sv39/sv39.h>

/* Table pages: a static pool (zero, as .bss is) at a fake physical base. */
#define POOL_PAGES 8
#define POOL_PA 0x80000000ULL

static _Alignas(4096) unsigned char pool[POOL_PAGES][4096];
static unsigned pool_next, pool_freed;

static int
pool_alloc(void *ctx, sv39_pa_t *pa)
{
	(void)ctx;
	if (pool_next == POOL_PAGES)
		return -1;
	*pa = POOL_PA + (sv39_pa_t)pool_next++ * SV39_PAGE_SIZE;
	return 0;
}

/* A bump allocator never reuses a page: freeing only counts. */
static void
pool_free(void *ctx, sv39_pa_t pa)
{
	(void)ctx;
	(void)pa;
	pool_freed++;
}

static void *
pool_p2v(void *ctx, sv39_pa_t pa)
{
	(void)ctx;
	return pool[(pa - POOL_PA) / SV39_PAGE_SIZE];
}

/* flush_tlb and free_frame may be NULL: this space is never live. */
static const struct sv39_ops pool_ops = {
	.alloc_table = pool_alloc,
	.free_table = pool_free,
	.phys_to_virt = pool_p2v,
};

int
main(void)
{
	struct sv39_space s;
	sv39_pa_t pa;
	uint64_t flags, size;

	if (sv39_space_init(&s, &pool_ops, 0) != 0)
		return 1;
	if (sv39_map(&s, 0x1000, 0x87654000, 2 * SV39_PAGE_SIZE, SV39_PTE_R | SV39_PTE_W, 0) != 0)
		return 2;
	if (sv39_translate(&s, 0x2abc, &pa, &flags, &size) != 0 || pa != 0x87655abc ||
	    size != SV39_PAGE_SIZE || !(flags & SV39_PTE_W) || (flags & SV39_PTE_U))
		return 3;
	if (sv39_translate(&s, 0x3000, 0, 0, 0) != SV39_ENOENT)
		return 4;
	if (sv39_satp(&s) >> 60 != 8 ||
	    (sv39_satp(&s) & SV39_SATP_PPN_MASK) != POOL_PA >> SV39_PAGE_SHIFT)
		return 5;
	sv39_space_destroy(&s, 0);
	if (pool_freed != pool_next)
		return 6;
	return 0;
}
