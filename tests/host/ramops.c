/* SPDX-License-Identifier: MIT */
/*
 * ramops - RAM-backed struct sv39_ops for the host tests.
 *
 * Table pages come from one page-aligned host buffer that pretends to sit
 * at RAMOPS_PA_BASE, so a library that used a PA as a pointer (or forgot
 * phys_to_virt) crashes or reads garbage instead of passing by luck. A
 * second buffer at RAMOPS_FRAME_BASE holds leaf frames for the copy
 * helpers. Freed table pages are filled with 0xa5 so a use after free
 * reads as a pile of invalid (reserved-bit) entries.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ramops.h"

#define PAGE 4096u
#define POISON 0xa5

/*
 * Under AddressSanitizer a table page that is not handed out is also
 * poisoned for ASan, so that any read of a freed table page (through a
 * pointer the library kept, not only through phys_to_virt) is reported as
 * a use after free with its stack.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAMOPS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RAMOPS_ASAN 1
#endif
#ifdef RAMOPS_ASAN
#include <sanitizer/asan_interface.h>
#define page_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define page_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define page_poison(p, n) ((void)(p), (void)(n))
#define page_unpoison(p, n) ((void)(p), (void)(n))
#endif

static bool
in_table_buf(const struct ramops *r, sv39_pa_t pa)
{
	return pa >= RAMOPS_PA_BASE && pa - RAMOPS_PA_BASE < (uint64_t)r->npages * PAGE;
}

static bool
in_frame_buf(const struct ramops *r, sv39_pa_t pa)
{
	return r->frame_mem && pa >= RAMOPS_FRAME_BASE &&
	       pa - RAMOPS_FRAME_BASE < (uint64_t)r->nframes * PAGE;
}

/* The index of a table page, or -1 when pa is not one (or not aligned). */
static long
table_index(const struct ramops *r, sv39_pa_t pa)
{
	if (!in_table_buf(r, pa) || (pa & (PAGE - 1)))
		return -1;
	return (long)((pa - RAMOPS_PA_BASE) / PAGE);
}

/* Is the page at pa one a cached walk read (table) or maps (frame)? */
static void
check_stale(struct ramops *r, sv39_pa_t pa, uint64_t size, bool table)
{
	for (size_t i = 0; i < r->tlb_size; i++) {
		const struct ramops_tlb_entry *e = &r->tlb[i];

		if (!e->valid)
			continue;
		if (table) {
			for (int l = 0; l < 3; l++)
				if (e->tables[l] == pa)
					r->stale_frees++;
		} else if (e->pa_page - pa < size || pa - e->pa_page < e->span) {
			r->stale_frees++;
		}
	}
}

static int
ram_alloc_table(void *ctx, sv39_pa_t *pa)
{
	struct ramops *r = ctx;
	uint64_t call = ++r->alloc_calls;

	if (r->fail_at && (call == r->fail_at || (r->fail_after && call > r->fail_at)))
		return -1;
	/* Next fit, so that a freed page is not handed out again at once. */
	for (size_t n = 0; n < r->npages; n++) {
		size_t i = (r->alloc_cursor + n) % r->npages;

		if (r->in_use[i])
			continue;
		r->in_use[i] = 1;
		r->allocated++;
		r->alloc_cursor = (i + 1) % r->npages;
		page_unpoison(r->mem + i * PAGE, PAGE);
		memset(r->mem + i * PAGE, 0, PAGE);
		*pa = RAMOPS_PA_BASE + (uint64_t)i * PAGE;
		return 0;
	}
	return -1;
}

static void
ram_free_table(void *ctx, sv39_pa_t pa)
{
	struct ramops *r = ctx;
	long i = table_index(r, pa);

	r->free_calls++;
	if (i < 0 || !r->in_use[i]) {
		r->errors++;
		return;
	}
	check_stale(r, pa, PAGE, true);
	r->in_use[i] = 0;
	r->allocated--;
	memset(r->mem + (size_t)i * PAGE, POISON, PAGE);
	page_poison(r->mem + (size_t)i * PAGE, PAGE);
}

static void *
ram_phys_to_virt(void *ctx, sv39_pa_t pa)
{
	struct ramops *r = ctx;

	if (in_table_buf(r, pa)) {
		size_t i = (size_t)((pa - RAMOPS_PA_BASE) / PAGE);

		if (!r->in_use[i]) {
			r->errors++;
			return NULL;
		}
		return r->mem + (pa - RAMOPS_PA_BASE);
	}
	if (in_frame_buf(r, pa))
		return r->frame_mem + (pa - RAMOPS_FRAME_BASE);
	r->errors++;
	return NULL;
}

/* Append to the flush log and drop the simulated TLB entries it covers. */
static void
ram_flush_tlb(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	struct ramops *r = ctx;

	if (r->nflushes == r->flushes_cap) {
		size_t cap = r->flushes_cap ? r->flushes_cap * 2 : 64;
		struct ramops_flush *f = realloc(r->flushes, cap * sizeof(*f));

		if (!f)
			abort();
		r->flushes = f;
		r->flushes_cap = cap;
	}
	r->flushes[r->nflushes++] = (struct ramops_flush){ va, size, asid };

	for (size_t i = 0; i < r->tlb_size; i++) {
		struct ramops_tlb_entry *e = &r->tlb[i];

		/*
		 * sfence.vma drops every entry that translates a page of the
		 * range: an entry (of span bytes) overlapping it. Unsigned
		 * differences: also right when va + size wraps to 0.
		 */
		if (e->valid && e->asid == asid &&
		    (size == 0 || e->va_page - va < size || va - e->va_page < e->span))
			e->valid = false;
	}
}

static void
ram_free_frame(void *ctx, sv39_pa_t pa, uint64_t size)
{
	struct ramops *r = ctx;

	r->frames_freed++;
	r->frame_bytes_freed += size;
	if ((size != SV39_PAGE_SIZE && size != SV39_NAPOT_SIZE && size != SV39_MEGA_SIZE &&
	     size != SV39_GIGA_SIZE) ||
	    (pa & (size - 1)))
		r->errors++;
	if (r->nframe_log == r->frame_log_cap) {
		size_t cap = r->frame_log_cap ? r->frame_log_cap * 2 : 64;
		struct ramops_frame_free *f = realloc(r->frame_log, cap * sizeof(*f));

		if (!f)
			abort();
		r->frame_log = f;
		r->frame_log_cap = cap;
	}
	r->frame_log[r->nframe_log++] = (struct ramops_frame_free){ pa, size };
	check_stale(r, pa, size, false);
}

/*
 * The direct variant's host region: RAMOPS_PA_BASE .. the end of the
 * largest frame buffer, reserved without backing (MAP_NORESERVE), so that
 * pa + phys_offset is a host pointer for every table page and frame.
 */
static int
direct_reserve(struct ramops *r, size_t npages)
{
	size_t len = (size_t)(RAMOPS_FRAME_BASE - RAMOPS_PA_BASE) +
		     (size_t)RAMOPS_DIRECT_MAX_FRAMES * PAGE;
	void *base;

	if ((uint64_t)npages * PAGE > RAMOPS_FRAME_BASE - RAMOPS_PA_BASE)
		return -1;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (base == MAP_FAILED)
		return -1;
	r->direct = true;
	r->direct_base = base;
	r->direct_len = len;
	r->mem = base;
	r->ops.phys_to_virt = NULL;
	r->ops.phys_offset = (uint64_t)(uintptr_t)base - RAMOPS_PA_BASE;
	return 0;
}

static int
init_common(struct ramops *r, size_t npages, size_t tlb_entries, bool direct)
{
	memset(r, 0, sizeof(*r));
	r->ops.alloc_table = ram_alloc_table;
	r->ops.free_table = ram_free_table;
	r->ops.phys_to_virt = ram_phys_to_virt;
	r->ops.flush_tlb = ram_flush_tlb;
	r->ops.free_frame = ram_free_frame;
	r->npages = npages;
	if (direct) {
		if (direct_reserve(r, npages) != 0)
			return -1;
	} else {
		r->mem = aligned_alloc(PAGE, npages * PAGE);
	}
	r->in_use = calloc(npages ? npages : 1, 1);
	r->tlb_size = tlb_entries;
	r->tlb = calloc(tlb_entries ? tlb_entries : 1, sizeof(*r->tlb));
	if (!r->mem || !r->in_use || !r->tlb) {
		ramops_fini(r);
		return -1;
	}
	memset(r->mem, POISON, npages * PAGE);
	page_poison(r->mem, npages * PAGE);
	return 0;
}

int
ramops_init(struct ramops *r, size_t npages, size_t tlb_entries)
{
	const char *env = getenv("RAMOPS_DIRECT");

	return init_common(r, npages, tlb_entries, env && strcmp(env, "1") == 0);
}

int
ramops_init_direct(struct ramops *r, size_t npages, size_t tlb_entries)
{
	return init_common(r, npages, tlb_entries, true);
}

void
ramops_fini(struct ramops *r)
{
	/* Unpoisoned before it goes back: the next owner of the memory is not a table. */
	if (r->mem)
		page_unpoison(r->mem, r->npages * PAGE);
	if (r->direct) {
		munmap(r->direct_base, r->direct_len);
	} else {
		free(r->mem);
		free(r->frame_mem);
	}
	free(r->in_use);
	free(r->tlb);
	free(r->flushes);
	free(r->frame_log);
	memset(r, 0, sizeof(*r));
}

int
ramops_reset(struct ramops *r)
{
	if (r->allocated)
		return -1;
	r->alloc_calls = r->free_calls = 0;
	r->fail_at = 0;
	r->fail_after = false;
	r->errors = 0;
	r->nflushes = 0;
	r->frames_freed = r->frame_bytes_freed = 0;
	r->stale_frees = 0;
	r->tlb_next = 0;
	r->alloc_cursor = 0;
	r->nframe_log = 0;
	ramops_tlb_clear(r);
	return 0;
}

void
ramops_clear_log(struct ramops *r)
{
	r->nflushes = 0;
}

void
ramops_clear_frame_log(struct ramops *r)
{
	r->nframe_log = 0;
}

void
ramops_tlb_clear(struct ramops *r)
{
	for (size_t i = 0; i < r->tlb_size; i++)
		r->tlb[i].valid = false;
}

void
ramops_tlb_forget(struct ramops *r, const struct sv39_space *s)
{
	for (size_t i = 0; i < r->tlb_size; i++)
		if (r->tlb[i].space == s)
			r->tlb[i].valid = false;
}

/*
 * A leaf with N (Svnapot, 4.5): only where the space's harts have it, only
 * at level 0, and only the 64 KiB encoding (PPN[3:0] = 0b1000); the
 * translation then spans the naturally aligned 64 KiB and its PA drops
 * PPN[3:0]. Fills the entry and returns 0, or -1 for a fault.
 */
static int
napot_leaf(const struct ramops *r, const struct sv39_space *s, uint64_t pte, int level,
	   sv39_va_t va, struct ramops_tlb_entry *e)
{
	uint64_t ppn = (pte & SV39_PTE_PPN_MASK) >> 10;

	if (!(s->ops->features & SV39_FEATURE_SVNAPOT) || level != 0 || (ppn & 0xf) != 0x8)
		return -1;
	e->span = SV39_NAPOT_SIZE;
	e->pa_page = (ppn & ~0xfULL) << 12;
	e->va_page = va & ~(SV39_NAPOT_SIZE - 1);
	e->flags = pte & ~SV39_PTE_PPN_MASK;
	if (r->tlb_fracture_napot) {
		uint64_t off = (va & ~(uint64_t)(PAGE - 1)) - e->va_page;

		e->span = PAGE;
		e->va_page += off;
		e->pa_page += off;
	}
	return 0;
}

/* A leaf without N at level: one 4 KiB page of it is cached. */
static int
plain_leaf(uint64_t pte, int level, sv39_va_t va, struct ramops_tlb_entry *e)
{
	uint64_t size = 1ULL << (12 + 9 * level);
	sv39_pa_t base = sv39_pte_pa(pte);

	if (base & (size - 1))
		return -1;
	e->span = PAGE;
	e->va_page = va & ~(uint64_t)(PAGE - 1);
	e->pa_page = base + (va & (size - 1) & ~(uint64_t)(PAGE - 1));
	e->flags = pte & ~SV39_PTE_PPN_MASK;
	return 0;
}

/*
 * The privileged spec's Sv39 translation (4.3.2), without the permission
 * and A/D checks: a = satp.ppn * 4096, i = 2; read the PTE; invalid, W
 * without R, reserved bits or PBMT = 3 fault; N faults unless it is a
 * Svnapot group the space's harts implement; a leaf ends the walk (a
 * superpage must be aligned); a pointer goes one level down; a pointer at
 * level 0 faults. The non-leaf U/A/D/PBMT/N bits are reserved too and
 * fault here, stricter than some harts.
 */
static int
hw_walk(struct ramops *r, const struct sv39_space *s, sv39_va_t va, struct ramops_tlb_entry *e)
{
	uint64_t top = va >> 38;
	sv39_pa_t a = s->root;

	if (top != 0 && top != (UINT64_MAX >> 38))
		return -1;
	for (int level = 2, depth = 0; level >= 0; level--, depth++) {
		const uint64_t *t = ram_phys_to_virt(r, a);
		unsigned idx = (unsigned)(va >> (12 + 9 * level)) & 511;
		uint64_t pte;

		if (!t || (a & (PAGE - 1)))
			return -1;
		e->tables[depth] = a;
		pte = t[idx];
		if (!(pte & SV39_PTE_V) || (pte & (SV39_PTE_R | SV39_PTE_W)) == SV39_PTE_W ||
		    (pte & SV39_PTE_RESERVED_MASK) ||
		    (pte & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
			return -1;
		if (pte & SV39_PTE_LEAF_MASK) {
			if (pte & SV39_PTE_N)
				return napot_leaf(r, s, pte, level, va, e);
			return plain_leaf(pte, level, va, e);
		}
		if (pte & (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_PBMT_MASK | SV39_PTE_N))
			return -1;
		a = sv39_pte_pa(pte);
	}
	return -1;
}

int
ramops_tlb_lookup(struct ramops *r, const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa,
		  uint64_t *flags)
{
	struct ramops_tlb_entry e = { 0 };
	const struct ramops_tlb_entry *hit = NULL;

	for (size_t i = 0; i < r->tlb_size && !hit; i++) {
		const struct ramops_tlb_entry *c = &r->tlb[i];

		if (c->valid && c->space == s && c->asid == s->asid && va - c->va_page < c->span)
			hit = c;
	}
	if (!hit) {
		if (hw_walk(r, s, va, &e) < 0)
			return -1;
		e.valid = true;
		e.space = s;
		e.asid = s->asid;
		hit = &e;
		if (r->tlb_size) {
			r->tlb[r->tlb_next] = e;
			r->tlb_next = (r->tlb_next + 1) % r->tlb_size;
		}
	}
	if (pa)
		*pa = hit->pa_page + (va - hit->va_page);
	if (flags)
		*flags = hit->flags;
	return 0;
}

void *
ramops_ptr(struct ramops *r, sv39_pa_t pa)
{
	long i = table_index(r, pa);

	if (i < 0 || !r->in_use[i])
		return NULL;
	return r->mem + (size_t)i * PAGE;
}

/* Only the pages in use are copied, in page order (the cost of a snapshot). */
void
ramops_snapshot_take(struct ramops *r, struct ramops_snapshot *snap)
{
	size_t used = 0;

	snap->npages = r->npages;
	snap->in_use = malloc(r->npages ? r->npages : 1);
	if (!snap->in_use)
		abort();
	memcpy(snap->in_use, r->in_use, r->npages);
	for (size_t i = 0; i < r->npages; i++)
		used += r->in_use[i] != 0;
	snap->mem = malloc(used ? used * PAGE : 1);
	if (!snap->mem)
		abort();
	used = 0;
	for (size_t i = 0; i < r->npages; i++)
		if (r->in_use[i])
			memcpy(snap->mem + used++ * PAGE, r->mem + i * PAGE, PAGE);
}

bool
ramops_snapshot_equal(struct ramops *r, const struct ramops_snapshot *snap)
{
	size_t used = 0;

	if (snap->npages != r->npages || memcmp(snap->in_use, r->in_use, r->npages) != 0)
		return false;
	for (size_t i = 0; i < r->npages; i++)
		if (r->in_use[i] && memcmp(snap->mem + used++ * PAGE, r->mem + i * PAGE, PAGE) != 0)
			return false;
	return true;
}

void
ramops_snapshot_free(struct ramops_snapshot *snap)
{
	free(snap->in_use);
	free(snap->mem);
	snap->in_use = NULL;
	snap->mem = NULL;
	snap->npages = 0;
}

int
ramops_frames_init(struct ramops *r, size_t npages)
{
	if (r->frame_mem || !npages)
		return -1;
	if (r->direct && npages > RAMOPS_DIRECT_MAX_FRAMES)
		return -1;
	if (r->direct)
		r->frame_mem = r->direct_base + (RAMOPS_FRAME_BASE - RAMOPS_PA_BASE);
	else
		r->frame_mem = aligned_alloc(PAGE, npages * PAGE);
	if (!r->frame_mem)
		return -1;
	memset(r->frame_mem, 0, npages * PAGE);
	r->nframes = npages;
	r->frames_next = 0;
	return 0;
}

sv39_pa_t
ramops_frame_alloc(struct ramops *r, size_t npages, uint64_t align)
{
	uint64_t apages = align > PAGE ? align / PAGE : 1;
	size_t first = (r->frames_next + apages - 1) & ~(apages - 1);

	if (!npages || first > r->nframes || r->nframes - first < npages)
		return 0;
	r->frames_next = first + npages;
	memset(r->frame_mem + first * PAGE, 0, npages * PAGE);
	return RAMOPS_FRAME_BASE + (uint64_t)first * PAGE;
}

void *
ramops_frame_ptr(struct ramops *r, sv39_pa_t pa)
{
	if (!in_frame_buf(r, pa))
		return NULL;
	return r->frame_mem + (pa - RAMOPS_FRAME_BASE);
}

/*
 * Walk forward from va: each step needs a logged flush that contains the
 * current address; a whole-space flush (size 0) covers everything.
 */
bool
ramops_flushed(const struct ramops *r, sv39_va_t va, uint64_t size)
{
	sv39_va_t cur = va;
	uint64_t left = size;

	for (size_t i = 0; i < r->nflushes; i++)
		if (r->flushes[i].size == 0)
			return true;
	if (!size)
		return false;
	while (left) {
		uint64_t best = 0;

		for (size_t i = 0; i < r->nflushes; i++) {
			const struct ramops_flush *f = &r->flushes[i];
			uint64_t off = cur - f->va;

			if (off < f->size && f->size - off > best)
				best = f->size - off;
		}
		if (!best)
			return false;
		if (best >= left)
			return true;
		cur += best;
		left -= best;
	}
	return true;
}
