/* SPDX-License-Identifier: MIT */
/*
 * base.h - libsv39's private base: what every file of src/ needs. Never
 * installed; nor are the other private headers beside it:
 *   entry.h   reading and writing entries a walker may touch (atomics,
 *             publishing a table)
 *   table.h   whole table pages (table.c), and the read-only view of a
 *             table and the slots of a range that prepare steps walk
 *   txn.h     the transaction of a mutating call (txn.c, split.c)
 *   loan.h    what a space lent and borrowed (loan.c)
 * Each .c file includes those whose names it uses.
 *
 * Conventions used throughout src/:
 *  - A range is [va, last] with last the address of its final byte, so the
 *    top of the high half (2^64) needs no special case.
 *  - Level 2 is the root, level 0 holds 4 KiB leaves.
 *  - Outside a call, every invalid PTE (V = 0) is zero. During a call an
 *    entry may be a "zombie": V cleared, everything else kept, so that the
 *    page it points at can be freed after the TLB flush (see txn.c).
 */
#ifndef SV39_BASE_H
#define SV39_BASE_H

#include <sv39/sv39.h>

/* An embedder may define SV39_ASSERT before building; it defaults to nothing. */
#ifndef SV39_ASSERT
#define SV39_ASSERT(cond) ((void)0)
#endif

#define SV39_LIKELY(x) __builtin_expect(!!(x), 1)
#define SV39_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define SV39_ROOT_LEVEL (SV39_LEVELS - 1)
#define SV39_INDEX_BITS 9
#define SV39_VA_BITS 39

/* Flags of a leaf that are not PPN: bits 0..9 and 54..63. */
#define SV39_PTE_FLAGS_MASK (~SV39_PTE_PPN_MASK)

static inline unsigned
level_shift(unsigned level)
{
	return SV39_PAGE_SHIFT + SV39_INDEX_BITS * level;
}

/* Bytes one entry covers at this level: 4 KiB, 2 MiB or 1 GiB. */
static inline uint64_t
level_size(unsigned level)
{
	return (uint64_t)1 << level_shift(level);
}

static inline unsigned
pte_index(sv39_va_t va, unsigned level)
{
	return (unsigned)(va >> level_shift(level)) & (SV39_PTES_PER_TABLE - 1);
}

/* Sign-extend bit 38, as a canonical Sv39 address is. */
static inline sv39_va_t
va_canon(sv39_va_t va)
{
	return (sv39_va_t)((int64_t)(va << (64 - SV39_VA_BITS)) >> (64 - SV39_VA_BITS));
}

static inline bool
va_is_canonical(sv39_va_t va)
{
	return va_canon(va) == va;
}

/* Does [va, last] run from the low half past its end (into the hole)? */
static inline bool
span_crosses_hole(sv39_va_t va, sv39_va_t last)
{
	return va < SV39_LOW_END && last >= SV39_LOW_END;
}

static inline bool
is_aligned(uint64_t x, uint64_t align)
{
	return (x & (align - 1)) == 0;
}

static inline bool
pte_valid(sv39_pte_t pte)
{
	return pte & SV39_PTE_V;
}

static inline bool
pte_leaf(sv39_pte_t pte)
{
	return sv39_pte_is_leaf(pte); /* the public one, pte.h */
}

static inline bool
pte_table(sv39_pte_t pte)
{
	return (pte & SV39_PTE_V) && !(pte & SV39_PTE_LEAF_MASK);
}

static inline bool
pte_borrowed(sv39_pte_t pte)
{
	return (pte & SV39_PTE_V) && (pte & SV39_PTE_BORROWED);
}

/* A space a call may use: not NULL, initialised and not destroyed. */
static inline bool
space_ok(const struct sv39_space *s)
{
	return s && s->ops;
}

/* Bits a pointer (non-leaf) entry may not carry: the spec reserves them. */
#define SV39_NONLEAF_BAD (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_PBMT_MASK)

/*
 * Svnapot (ops->features): a NAPOT group is 16 level-0 leaves for a 64 KiB
 * aligned va range, each with N set and the PPN of the group's first frame
 * (64 KiB aligned) with PPN[3:0] replaced by the encoding 0b1000, every
 * other bit alike (the hardware may set A and D in any one member; the
 * group's A and D are the OR of its members'). The hardware reads only the
 * member for the page it translates, and that one entry alone says where
 * the whole 64 KiB go: a TLB may cache it for all 16 pages.
 */
#define SV39_NAPOT_PAGES 16u
#define SV39_NAPOT_PPN_BITS SV39_U64(0x3c00) /* PPN[3:0], in the PTE */
#define SV39_NAPOT_ENCODING SV39_U64(0x2000) /* PPN[3:0] = 0b1000 */

static inline bool
space_napot(const struct sv39_space *s)
{
	return s->ops->features & SV39_FEATURE_SVNAPOT;
}

/* Is e a level-0 leaf with N and the 64 KiB encoding (alone, not its group)? */
static inline bool
pte_napot(sv39_pte_t e)
{
	return (e & SV39_PTE_N) && pte_leaf(e) && (e & SV39_NAPOT_PPN_BITS) == SV39_NAPOT_ENCODING;
}

/* The first frame of the group a member e maps. */
static inline sv39_pa_t
napot_pa(sv39_pte_t e)
{
	return sv39_pte_pa(e) & ~(SV39_NAPOT_SIZE - 1);
}

/* The member of a group mapping pa (64 KiB aligned) with bits (N not among them). */
static inline sv39_pte_t
napot_make(sv39_pa_t pa, uint64_t bits)
{
	return sv39_pte_make(pa, bits | SV39_PTE_N) | SV39_NAPOT_ENCODING;
}

/*
 * The one definition of a malformed entry, used by sv39_check,
 * sv39_translate and sv39_walk: a valid entry e of a level-(level) table
 * the hardware faults on whatever the access. Any entry: bits 54..60, N
 * (Svnapot is not supported) or PBMT = 3. A leaf: W without R, or a
 * superpage whose PA is not aligned to its size. A pointer: U, A, D or
 * PBMT set, or a pointer at level 0.
 */
static inline bool
pte_malformed(sv39_pte_t e, unsigned level)
{
	if ((e & (SV39_PTE_RESERVED_MASK | SV39_PTE_N)) ||
	    (e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
		return true;
	if (e & SV39_PTE_LEAF_MASK)
		return (e & (SV39_PTE_R | SV39_PTE_W)) == SV39_PTE_W ||
		       !is_aligned(sv39_pte_pa(e), level_size(level));
	return level == 0 || (e & SV39_NONLEAF_BAD);
}

/*
 * pte_malformed for an entry of space s: where the harts have Svnapot, a
 * level-0 leaf with N and the 64 KiB encoding is judged by its other bits
 * (N elsewhere, or with another encoding, stays malformed: the spec
 * reserves it). Whether its group is whole is sv39_check's to see.
 */
static inline bool
pte_malformed_in(const struct sv39_space *s, sv39_pte_t e, unsigned level)
{
	if (level == 0 && pte_napot(e) && space_napot(s))
		return pte_malformed(e & ~SV39_PTE_N, 0);
	return pte_malformed(e, level);
}

/*
 * Where the embedder lets the library touch the page at pa: ops->phys_to_virt,
 * or, when that is NULL, pa + ops->phys_offset (the runtime direct-map fast
 * path, no call); both copied into the space at init (s->p2v,
 * s->p2v_offset). An embedder may also build the library with
 * -DSV39_PHYS_TO_VIRT(ctx, pa)=<expression> to replace both by that
 * expression, as libfdt lets an embedder replace libfdt_env.h. See
 * docs/porting.md.
 */
static inline void *
sv39_phys_to_virt_(const struct sv39_space *s, sv39_pa_t pa)
{
#ifdef SV39_PHYS_TO_VIRT
	return SV39_PHYS_TO_VIRT(s->ctx, pa);
#else
	if (s->p2v)
		return s->p2v(s->ctx, pa);
	return (void *)(uintptr_t)(pa + s->p2v_offset);
#endif
}

/* The table page at pa. */
static inline sv39_pte_t *
table_of(const struct sv39_space *s, sv39_pa_t pa)
{
	return (sv39_pte_t *)sv39_phys_to_virt_(s, pa);
}

/* The table a valid non-leaf entry points at. */
static inline sv39_pte_t *
next_table(const struct sv39_space *s, sv39_pte_t pte)
{
	return table_of(s, sv39_pte_pa(pte));
}

/* Optional hook: flush_tlb may be NULL. */
static inline void
ops_flush_tlb(const struct sv39_space *s, sv39_va_t va, uint64_t size)
{
	if (s->ops->flush_tlb)
		s->ops->flush_tlb(s->ctx, va, size, s->asid);
}

/* Optional hook: free_frame may be NULL. */
static inline void
ops_free_frame(const struct sv39_space *s, sv39_pa_t pa, uint64_t size)
{
	if (s->ops->free_frame)
		s->ops->free_frame(s->ctx, pa, size);
}

/*
 * Hand the frame of leaf e, slot i of a level-(level) table, to free_frame
 * (e's V may be clear: a zombie). A 64 KiB group is one leaf: its frame
 * goes once, at its first member, with size SV39_NAPOT_SIZE.
 */
static inline void
leaf_free_frame(const struct sv39_space *s, sv39_pte_t e, unsigned level, unsigned i)
{
	if (level == 0 && (e & SV39_PTE_N) && space_napot(s)) {
		if (i % SV39_NAPOT_PAGES == 0)
			ops_free_frame(s, napot_pa(e), SV39_NAPOT_SIZE);
		return;
	}
	ops_free_frame(s, sv39_pte_pa(e), level_size(level));
}

/*
 * The files of src/ form a strict order: each uses only those before it.
 *   range.c, table.c      argument checks; whole table pages
 *   txn.c                 the transaction (uses table.c)
 *   split.c, loan.c       superpage splits; the ledger of loans (use txn.c)
 *   the calls             map.c, unmap.c, protect.c, clone.c, share.c,
 *                         harvest.c, walk.c, iter.c, check.c, space.c,
 *                         error.c (use any of the above, never each other)
 *   copy.c, dump.c        built on sv39_translate (walk.c) and
 *                         sv39_for_each (iter.c)
 * The file-order test checks the archive for a cycle.
 * Names the files share end in '_': visibly internal, never declared in
 * sv39.h (the internal-names test checks the archive's symbols).
 */

/* range.c: range validation shared by every range call. */
int sv39_range_check_(sv39_va_t va, uint64_t size, uint64_t align, sv39_va_t *last);
int sv39_perm_check_(uint64_t perm);

#endif /* SV39_BASE_H */
