/* SPDX-License-Identifier: MIT */
/*
 * walk.c - single-address look-ups: sv39_walk and sv39_translate.
 */
#include "base.h"
#include "entry.h"
#include "txn.h"

/*
 * Create the tables for levels l-1 .. 0 below the empty entry for va in
 * table (a level-l table), all or none, and return the level-0 slot. Does
 * not flush: only new entries become valid. Out of line: the rare path of
 * sv39_walk, and one of the functions tests/host/check-fence.py names.
 */
static __attribute__((noinline)) int
walk_create(struct sv39_space *s, sv39_pte_t *table, sv39_va_t va, unsigned l, sv39_pte_t **pte)
{
	struct sv39_txn t;
	int err;

	sv39_txn_init_(&t, s);
	t.need = l;
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	/*
	 * Each new table is empty (zeroed by the embedder), so linking from
	 * the top down is fine once the zeroing is ordered first (pte_publish).
	 */
	for (; l > 0; l--) {
		sv39_pa_t pa = sv39_txn_take_(&t);

		pte_publish(&table[pte_index(va, l)], sv39_pte_make(pa, SV39_PTE_V));
		table = table_of(s, pa);
	}
	s->gen++;
	*pte = &table[pte_index(va, 0)];
	return 0;
}

int
sv39_walk(struct sv39_space *s, sv39_va_t va, unsigned flags, sv39_pte_t **pte, unsigned *level)
{
	bool alloc = flags & SV39_WALK_ALLOC, borrowed = false;
	sv39_pte_t *table, *slot, e;
	unsigned l;
	int err;

	if (!space_ok(s) || !pte || (flags & ~SV39_WALK_ALLOC))
		return SV39_EINVAL;
	*pte = NULL;
	if (!va_is_canonical(va))
		return SV39_ERANGE;

	table = table_of(s, s->root);
	for (l = SV39_ROOT_LEVEL; l > 0; l--) {
		slot = &table[pte_index(va, l)];
		e = pte_get(slot);
		if (pte_leaf(e))
			break;
		if (!pte_valid(e)) {
			/* Creating tables inside a borrowed part would change the lender's. */
			if (!alloc)
				return SV39_ENOENT;
			if (borrowed)
				return SV39_EBUSY;
			err = walk_create(s, table, va, l, pte);
			if (!err && level)
				*level = 0;
			return err;
		}
		if (pte_malformed_in(s, e, l))
			return SV39_EINVAL;
		borrowed |= pte_borrowed(e);
		table = next_table(s, e);
	}

	/* l is the level of the leaf found, or 0 for the level-0 slot. */
	slot = &table[pte_index(va, l)];
	if (!pte_leaf(pte_get(slot))) {
		if (!alloc)
			return SV39_ENOENT;
		if (borrowed) /* an empty slot of the lender's, for the caller to fill */
			return SV39_EBUSY;
	}
	*pte = slot;
	if (level)
		*level = l;
	return 0;
}

/*
 * translate's fast tests, a subset of what pte_malformed() (base.h, the
 * one definition of a malformed entry) accepts: a plain pointer has V alone
 * among POINTER_MASK; a plain leaf V and R alone among LEAF_FAST_MASK (no
 * PBMT, no N, no reserved bit). Anything else goes to translate_other,
 * which asks pte_malformed.
 */
#define LEAF_FAST_MASK \
	(SV39_PTE_V | SV39_PTE_R | SV39_PTE_RESERVED_MASK | SV39_PTE_N | SV39_PTE_PBMT_MASK)
#define POINTER_MASK \
	(SV39_PTE_V | SV39_PTE_LEAF_MASK | SV39_NONLEAF_BAD | SV39_PTE_RESERVED_MASK | SV39_PTE_N)

/*
 * One step of the spec's walk at a constant level: the entry for va in
 * table. Inlined three times so that every shift is a constant.
 */
static inline sv39_pte_t
translate_step(const sv39_pte_t *table, sv39_va_t va, unsigned level)
{
	return pte_get(&table[(va >> (SV39_PAGE_SHIFT + SV39_INDEX_BITS * level)) &
			      (SV39_PTES_PER_TABLE - 1)]);
}

/* How translate reaches a table page; a constant at each inlined call. */
enum reach { BY_OFFSET, BY_CALL, BY_HOOK };

/*
 * The table page at pa: pa + off on the linear fast path, a call of p2v
 * (loaded once per translate), or the build-time hook.
 */
static inline __attribute__((always_inline)) const sv39_pte_t *
translate_table(const struct sv39_space *s, enum reach how, uint64_t off,
		void *(*p2v)(void *ctx, sv39_pa_t pa), void *ctx, sv39_pa_t pa)
{
	if (how == BY_OFFSET)
		return (const sv39_pte_t *)(uintptr_t)(pa + off);
	if (how == BY_CALL)
		return (const sv39_pte_t *)p2v(ctx, pa);
	return table_of(s, pa);
}

/*
 * Is e a pointer with none of the bits a pointer may not carry, i.e. is
 * (e & POINTER_MASK) == V? Written as (e - V) & mask == 0: with V set the
 * subtraction only clears it; with V clear it borrows into bit 0.
 */
static inline bool
plain_pointer(sv39_pte_t e)
{
	return ((e - SV39_PTE_V) & POINTER_MASK) == 0;
}

/* The same test for a plain leaf: (e & LEAF_FAST_MASK) == (V | R). */
static inline bool
plain_leaf(sv39_pte_t e)
{
	return ((e - (SV39_PTE_V | SV39_PTE_R)) & LEAF_FAST_MASK) == 0;
}

/*
 * The same test for a group member in its usual form: V, R, N and the
 * 64 KiB encoding, no reserved bit, PBMT 0. Well formed wherever the harts
 * have Svnapot (pte_malformed_in); its PPN's bits 54..63 but N are clear.
 */
#define NAPOT_FAST_MASK (LEAF_FAST_MASK | SV39_NAPOT_PPN_BITS)
#define NAPOT_FAST_BITS (SV39_PTE_V | SV39_PTE_R | SV39_PTE_N | SV39_NAPOT_ENCODING)

static inline bool
plain_napot_member(sv39_pte_t e)
{
	return (e & NAPOT_FAST_MASK) == NAPOT_FAST_BITS;
}

/* Canonical Sv39 va: adding 2^38 maps both halves onto [0, 2^39). */
static inline bool
translate_canonical(sv39_va_t va)
{
	return ((va + ((sv39_va_t)1 << (SV39_VA_BITS - 1))) >> SV39_VA_BITS) == 0;
}

/*
 * The table a pointer entry that passed the POINTER_MASK test points at:
 * its bits 54..63 are zero, so no PPN mask is needed.
 */
static inline sv39_pa_t
pointer_pa(sv39_pte_t e)
{
	return (e >> SV39_PTE_PPN_SHIFT) << SV39_PAGE_SHIFT;
}

/* translate's outputs for a leaf of size bytes mapping va to base + offset. */
static inline __attribute__((always_inline)) void
translate_out(sv39_pte_t e, uint64_t size, sv39_pa_t base, sv39_va_t va, sv39_pa_t *pa,
	      uint64_t *pte_flags, uint64_t *page_size)
{
	if (pa)
		*pa = base + (va & (size - 1));
	if (pte_flags)
		*pte_flags = e & SV39_PTE_FLAGS_MASK;
	if (page_size)
		*page_size = size;
}

/*
 * The end of a translate whose entry e at level is not a plain leaf: why
 * there is no translation, or a leaf with PBMT, X only and so on. Out of
 * line and cold, so that the common path saves no register for it.
 */
static __attribute__((noinline, cold)) int
translate_other(const struct sv39_space *s, sv39_pte_t e, unsigned level, sv39_va_t va,
		sv39_pa_t *pa, uint64_t *pte_flags, uint64_t *page_size)
{
	if (!(e & SV39_PTE_V))
		return SV39_ENOENT;
	/* A malformed leaf or pointer, or a pointer at level 0. */
	if (pte_malformed_in(s, e, level) || !(e & SV39_PTE_LEAF_MASK))
		return SV39_EINVAL;
	/* A group member: like the hardware, this one entry gives all 64 KiB. */
	if (e & SV39_PTE_N) {
		translate_out(e, SV39_NAPOT_SIZE, napot_pa(e), va, pa, pte_flags, page_size);
		return 0;
	}
	translate_out(e, level_size(level), sv39_pte_pa(e), va, pa, pte_flags, page_size);
	return 0;
}

/*
 * The end of a translate that found entry e at a constant level. The
 * common case is one test: V and R, no reserved bit, no N, PBMT 0 (so W
 * without R and PBMT = 3 are ruled out too, and bits 54..63 are clear: no
 * PPN mask), and for a superpage an aligned PA. At level 0 a group member
 * in its usual form is the second test, then whether the harts have
 * Svnapot; pointer_pa drops N (bit 63 shifts out), and the page's pa is
 * the group's first frame plus va's offset in the 64 KiB, as the hardware
 * makes it from this one member.
 */
static inline __attribute__((always_inline)) int
translate_done(const struct sv39_space *s, sv39_pte_t e, unsigned level, sv39_va_t va,
	       sv39_pa_t *pa, uint64_t *pte_flags, uint64_t *page_size)
{
	const uint64_t size = level_size(level);

	if (SV39_LIKELY(plain_leaf(e) && !(level && (pointer_pa(e) & (size - 1))))) {
		SV39_ASSERT(!pte_malformed(e, level));
		translate_out(e, size, pointer_pa(e), va, pa, pte_flags, page_size);
		return 0;
	}
	if (level == 0 && plain_napot_member(e) && space_napot(s)) {
		SV39_ASSERT(!pte_malformed_in(s, e, 0));
		translate_out(e, SV39_NAPOT_SIZE, pointer_pa(e) & ~(SV39_NAPOT_SIZE - 1), va, pa,
			      pte_flags, page_size);
		return 0;
	}
	return translate_other(s, e, level, va, pa, pte_flags, page_size);
}

/*
 * sv39_translate's body, inlined once per way of reaching a table. The
 * common case (a pointer, a pointer, a leaf) is one mask-and-compare per
 * level, and each level ends in its own copy of translate_done so that the
 * page size is a constant.
 */
static inline __attribute__((always_inline)) int
translate_in(const struct sv39_space *s, const sv39_pte_t *root, sv39_va_t va, enum reach how,
	     uint64_t off, void *(*p2v)(void *ctx, sv39_pa_t pa), void *ctx, sv39_pa_t *pa,
	     uint64_t *pte_flags, uint64_t *page_size)
{
	sv39_pte_t e;

	if (SV39_UNLIKELY(!translate_canonical(va)))
		return SV39_ERANGE;
	/* The spec's walk: follow pointers (V set, R = W = X = 0) down. */
	e = translate_step(root, va, 2);
	if (SV39_UNLIKELY(!plain_pointer(e)))
		return translate_done(s, e, 2, va, pa, pte_flags, page_size);
	e = translate_step(translate_table(s, how, off, p2v, ctx, pointer_pa(e)), va, 1);
	if (SV39_UNLIKELY(!plain_pointer(e)))
		return translate_done(s, e, 1, va, pa, pte_flags, page_size);
	e = translate_step(translate_table(s, how, off, p2v, ctx, pointer_pa(e)), va, 0);
	return translate_done(s, e, 0, va, pa, pte_flags, page_size);
}

#ifndef SV39_PHYS_TO_VIRT
/*
 * translate off the linear fast path: a destroyed or zeroed space, or one
 * whose tables phys_to_virt must find (it borrowed, or a page was not at
 * the offset learned from its root). Out of line, so that the fast path
 * in sv39_translate saves no registers for its calls.
 */
static __attribute__((noinline)) int
translate_slow(const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa, uint64_t *pte_flags,
	       uint64_t *page_size)
{
	if (!space_ok(s))
		return SV39_EINVAL;
	if (!s->p2v) /* a direct map whose root is at virtual 0 */
		return translate_in(s, table_of(s, s->root), va, BY_OFFSET, s->p2v_offset, NULL,
				    NULL, pa, pte_flags, page_size);
	return translate_in(s, s->p2v(s->ctx, s->root), va, BY_CALL, 0, s->p2v, s->ctx, pa,
			    pte_flags, page_size);
}
#endif

int
sv39_translate(const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa, uint64_t *pte_flags,
	       uint64_t *page_size)
{
	if (SV39_UNLIKELY(!s))
		return SV39_EINVAL;
#ifdef SV39_PHYS_TO_VIRT
	if (SV39_UNLIKELY(!space_ok(s)))
		return SV39_EINVAL;
	return translate_in(s, table_of(s, s->root), va, BY_HOOK, 0, NULL, NULL, pa, pte_flags,
			    page_size);
#else
	/* Non-zero only in a live space whose every table is at pa + p2v_offset. */
	if (SV39_LIKELY(s->linear_root))
		return translate_in(s, (const sv39_pte_t *)s->linear_root, va, BY_OFFSET,
				    s->p2v_offset, NULL, NULL, pa, pte_flags, page_size);
	return translate_slow(s, va, pa, pte_flags, page_size);
#endif
}
