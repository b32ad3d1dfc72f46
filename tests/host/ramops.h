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
	sv39_va_t va_page;   /* first VA the entry translates (aligned to span) */
	sv39_pa_t pa_page;   /* PA of va_page */
	uint64_t span;	     /* bytes it translates: 4 KiB, or 64 KiB for a group */
	uint64_t flags;	     /* leaf's non-PPN bits */
	sv39_pa_t tables[3]; /* the table pages the walk read (0 = unused) */
	uint16_t asid;	     /* the space's asid when the entry was filled */
};

/* One free_frame call, as logged. */
struct ramops_frame_free {
	sv39_pa_t pa;
	uint64_t size;
};

struct ramops {
	struct sv39_ops ops; /* pass &r->ops and r to sv39_space_init */
	uint8_t *mem;	     /* page-aligned buffer of npages pages */
	size_t npages;
	uint8_t *in_use;      /* per page: 1 when handed out */
	size_t allocated;     /* pages currently handed out */
	uint64_t alloc_calls; /* alloc_table calls so far, failed ones too */
	uint64_t free_calls;
	uint64_t fail_at; /* if nonzero, alloc call number fail_at fails (1-based) */
	bool fail_after;  /* with fail_at: also fail every later call */
	uint64_t errors;  /* bad free_table (double/foreign), bad phys_to_virt */
	/* flush log */
	struct ramops_flush *flushes;
	size_t nflushes, flushes_cap;
	/* free_frame log: sum and count */
	uint64_t frames_freed;	    /* calls */
	uint64_t frame_bytes_freed; /* sum of sizes */
	/* simulated TLB: filled by ramops_tlb_lookup; flush_tlb drops entries */
	struct ramops_tlb_entry *tlb;
	size_t tlb_size;
	uint64_t stale_frees; /* a page freed while a TLB entry walked through it */
	/* added after the first version of this header */
	size_t tlb_next;     /* FIFO replacement cursor */
	size_t alloc_cursor; /* next-fit: freed pages are not reused at once */
	/* frames: a second buffer at RAMOPS_FRAME_BASE for the copy helpers */
	uint8_t *frame_mem;
	size_t nframes;	    /* pages in frame_mem */
	size_t frames_next; /* bump allocator, in pages */
	/* every free_frame call, in order */
	struct ramops_frame_free *frame_log;
	size_t nframe_log, frame_log_cap;
	/*
	 * The direct-map variant (RAMOPS_DIRECT=1 in the environment, or
	 * ramops_init_direct): ops.phys_to_virt is NULL and ops.phys_offset
	 * places both buffers at their fake physical addresses inside one
	 * reserved host region, so the library's runtime direct-map fast path
	 * runs every test. ramops counts no bad phys_to_virt in this mode.
	 */
	bool direct;
	uint8_t *direct_base; /* host address of RAMOPS_PA_BASE */
	size_t direct_len;
	/*
	 * A Svnapot hart may cache a group whole (one 64 KiB entry: a flush
	 * of any page of it drops it) or fractured (one 4 KiB entry per page
	 * looked up: a flush drops only the pages it names). false (the
	 * default) simulates the first, true the second; the library must
	 * be right for both, so it flushes every page of a changed group.
	 */
	bool tlb_fracture_napot;
};

/*
 * Leaf frames that the copy helpers may read and write live at
 * [RAMOPS_FRAME_BASE, RAMOPS_FRAME_BASE + nframes * 4096). The base is
 * 1 GiB aligned, so frames for superpages can be handed out.
 */
#define RAMOPS_FRAME_BASE 0x00000b0000000000ULL

/*
 * What counts as an error (r->errors): free_table of a PA not handed out or
 * already freed; phys_to_virt of a PA in neither buffer, or of a table page
 * not handed out; free_frame with a size other than 4 KiB, 2 MiB or 1 GiB
 * or a PA not aligned to it.
 */

/*
 * Make an ops over npages table pages; tlb_entries may be 0 (no TLB). With
 * RAMOPS_DIRECT=1 in the environment this is ramops_init_direct.
 */
int ramops_init(struct ramops *r, size_t npages, size_t tlb_entries);
/* The direct-map variant, whatever the environment says. */
int ramops_init_direct(struct ramops *r, size_t npages, size_t tlb_entries);
/* Frames the direct variant has room for (ramops_frames_init). */
#define RAMOPS_DIRECT_MAX_FRAMES 65536
void ramops_fini(struct ramops *r);

/*
 * Start over on the same buffers (a fuzz target's next input): every page
 * must be back (returns -1 otherwise); counters, logs, the TLB and the
 * failure injection are reset.
 */
int ramops_reset(struct ramops *r);

/* Forget the flush log (keeps counters). */
void ramops_clear_log(struct ramops *r);

/*
 * Look va up through the simulated TLB: a hit returns the cached entry,
 * a miss walks the raw tree of s (as the hardware would, with
 * phys_to_virt) and caches the result. A page of a Svnapot group (when
 * s's ops have SV39_FEATURE_SVNAPOT) is cached as one 64 KiB entry, as a
 * hart may: a later hit on any member uses it, and only a flush that
 * reaches some page of the 64 KiB drops it. Returns 0 and fills pa/flags, or
 * -1 when the hardware walk faults (nothing cached).
 */
int ramops_tlb_lookup(struct ramops *r, const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa,
		      uint64_t *flags);

/* Host pointer for a table PA handed out by this ramops (NULL if foreign). */
void *ramops_ptr(struct ramops *r, sv39_pa_t pa);

/* Copy of every allocated table page (in page order), for bit-for-bit compares. */
struct ramops_snapshot {
	size_t npages;
	uint8_t *in_use;
	uint8_t *mem;
};
void ramops_snapshot_take(struct ramops *r, struct ramops_snapshot *snap);
/* true when the in-use set and every in-use page's bytes are identical */
bool ramops_snapshot_equal(struct ramops *r, const struct ramops_snapshot *snap);
void ramops_snapshot_free(struct ramops_snapshot *snap);

/* Give r a frame buffer of npages zeroed pages (once, after ramops_init). */
int ramops_frames_init(struct ramops *r, size_t npages);
/*
 * Hand out npages contiguous zeroed frames whose PA is aligned to align
 * bytes (a power of two, at least 4096). Returns the PA, 0 when out of
 * frames. Frames are never taken back: free_frame only logs.
 */
sv39_pa_t ramops_frame_alloc(struct ramops *r, size_t npages, uint64_t align);
/* Host pointer for a PA inside the frame buffer (NULL otherwise). */
void *ramops_frame_ptr(struct ramops *r, sv39_pa_t pa);

/* true when the flush log covers [va, va + size) (size 0 = whole space). */
bool ramops_flushed(const struct ramops *r, sv39_va_t va, uint64_t size);
/* Drop every simulated TLB entry (a full sfence.vma). */
void ramops_tlb_clear(struct ramops *r);
/*
 * Drop the entries of one space: call before sv39_space_destroy, which
 * assumes the space is live on no hart and so frees without a flush.
 */
void ramops_tlb_forget(struct ramops *r, const struct sv39_space *s);
/* Forget the free_frame log (keeps the counters). */
void ramops_clear_frame_log(struct ramops *r);

#endif /* RAMOPS_H */
