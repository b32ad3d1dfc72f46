/* SPDX-License-Identifier: MIT */
/*
 * ramops - a RAM-backed struct sv39_ops for host tests (like littlefs's
 * lfs_rambd): page-table pages come from a host buffer that pretends to
 * live at a fake, non-identity physical base, every page in and out is
 * counted, every flush_tlb and free_frame call is recorded, allocations can
 * be made to fail on the Nth call, and a small simulated TLB caches
 * translations so that tests can check the TLB rule.
 */
#ifndef RAMOPS_H
#define RAMOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sv39/sv39.h>

/* Table pages live at [RAMOPS_PA_BASE, RAMOPS_PA_BASE + npages * 4096). */
#define RAMOPS_PA_BASE 0x00000a5000000000ULL

struct ramops_flush {
	sv39_va_t va;
	uint64_t size; /* 0 = whole space */
	uint16_t asid;
};

struct ramops_tlb_entry {
	bool valid;
	const struct sv39_space *space;
	sv39_va_t va_page;     /* 4 KiB page number << 12 */
	sv39_pa_t pa_page;
	uint64_t flags;        /* leaf's non-PPN bits */
	sv39_pa_t tables[3];   /* the table pages the walk read (0 = unused) */
};

struct ramops {
	struct sv39_ops ops;      /* pass &r->ops and r to sv39_space_init */
	uint8_t *mem;             /* page-aligned buffer of npages pages */
	size_t npages;
	uint8_t *in_use;          /* per page: 1 when handed out */
	size_t allocated;         /* pages currently handed out */
	uint64_t alloc_calls;     /* alloc_table calls so far, failed ones too */
	uint64_t free_calls;
	uint64_t fail_at;         /* if nonzero, alloc call number fail_at fails (1-based) */
	bool fail_after;          /* with fail_at: also fail every later call */
	uint64_t errors;          /* bad free_table (double/foreign), bad phys_to_virt */
	/* flush log */
	struct ramops_flush *flushes;
	size_t nflushes, flushes_cap;
	/* free_frame log: sum and count */
	uint64_t frames_freed;      /* calls */
	uint64_t frame_bytes_freed; /* sum of sizes */
	/* simulated TLB: filled by ramops_tlb_lookup; flush_tlb drops entries */
	struct ramops_tlb_entry *tlb;
	size_t tlb_size;
	uint64_t stale_frees;       /* a page freed while a TLB entry walked through it */
};

/* Make an ops over npages table pages; tlb_entries may be 0 (no TLB). */
int ramops_init(struct ramops *r, size_t npages, size_t tlb_entries);
void ramops_fini(struct ramops *r);

/* Forget the flush log (keeps counters). */
void ramops_clear_log(struct ramops *r);

/*
 * Look va up through the simulated TLB: a hit returns the cached entry,
 * a miss walks the raw tree of s (as the hardware would, with
 * phys_to_virt) and caches the result. Returns 0 and fills pa/flags, or
 * -1 when the hardware walk faults (nothing cached).
 */
int ramops_tlb_lookup(struct ramops *r, const struct sv39_space *s, sv39_va_t va,
		      sv39_pa_t *pa, uint64_t *flags);

/* Host pointer for a table PA handed out by this ramops (NULL if foreign). */
void *ramops_ptr(struct ramops *r, sv39_pa_t pa);

/* Copy of every allocated table page plus its PA, for bit-for-bit compares. */
struct ramops_snapshot {
	size_t npages;
	uint8_t *in_use;
	uint8_t *mem;
};
void ramops_snapshot_take(struct ramops *r, struct ramops_snapshot *snap);
/* true when the in-use set and every in-use page's bytes are identical */
bool ramops_snapshot_equal(struct ramops *r, const struct ramops_snapshot *snap);
void ramops_snapshot_free(struct ramops_snapshot *snap);

#endif /* RAMOPS_H */
