/* SPDX-License-Identifier: MIT */
/*
 * walk.c - single-address look-ups: sv39_walk and sv39_translate.
 */
#include "internal.h"

int
sv39_walk(struct sv39_space *s, sv39_va_t va, unsigned flags, sv39_pte_t **pte, unsigned *level)
{
	bool alloc = flags & SV39_WALK_ALLOC;
	sv39_pte_t *table;
	unsigned l;

	if (!pte || (flags & ~SV39_WALK_ALLOC))
		return SV39_EINVAL;
	*pte = NULL;
	if (!va_is_canonical(va))
		return SV39_ERANGE;

	table = table_of(s, s->root);
	for (l = SV39_ROOT_LEVEL; l > 0; l--) {
		sv39_pte_t *e = &table[pte_index(va, l)];

		if (pte_leaf(*e))
			break;
		if (!pte_valid(*e)) {
			struct sv39_txn t;
			int err;

			if (!alloc)
				return SV39_ENOENT;
			/*
			 * Tables for levels l-1 .. 0, all or none. Each is
			 * empty (zeroed by the embedder), so linking from the
			 * top down is fine once the zeroing is ordered first.
			 */
			sv39_txn_init(&t, s);
			t.need = l;
			err = sv39_txn_reserve(&t);
			if (err)
				return err;
			for (; l > 0; l--) {
				sv39_pa_t pa = sv39_txn_take(&t);

				pte_publish(&table[pte_index(va, l)],
					    sv39_pte_make(pa, SV39_PTE_V));
				table = table_of(s, pa);
			}
			break;
		}
		if (alloc && pte_borrowed(*e))
			return SV39_EBUSY;
		table = next_table(s, *e);
	}

	/* l is the level of the leaf found, or 0 for the level-0 slot. */
	if (!alloc && !pte_leaf(table[pte_index(va, l)]))
		return SV39_ENOENT;
	if (alloc && l == 0 && pte_borrowed(table[pte_index(va, 0)]))
		return SV39_EBUSY;
	*pte = &table[pte_index(va, l)];
	if (level)
		*level = l;
	return 0;
}

/* Bits a pointer (non-leaf) entry may not carry: the spec reserves them. */
#define NONLEAF_BAD                                                               \
	(SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_N | SV39_PTE_PBMT_MASK | \
	 SV39_PTE_RESERVED_MASK)

/*
 * Is this valid leaf one the hardware faults on whatever the access?
 * Reserved bits, Svnapot (not supported here), PBMT = 3, W without R.
 */
static inline bool
leaf_reserved(sv39_pte_t e)
{
	return (e & (SV39_PTE_RESERVED_MASK | SV39_PTE_N)) ||
	       (e & (SV39_PTE_R | SV39_PTE_W)) == SV39_PTE_W ||
	       (e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK;
}

/*
 * One step of the spec's walk at a constant level: the entry for va in
 * table. Inlined three times so that every shift is a constant.
 */
static inline sv39_pte_t
translate_step(const sv39_pte_t *table, sv39_va_t va, unsigned level)
{
	return table[(va >> (SV39_PAGE_SHIFT + SV39_INDEX_BITS * level)) &
		     (SV39_PTES_PER_TABLE - 1)];
}

int
sv39_translate(const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa, uint64_t *pte_flags,
	       uint64_t *page_size)
{
	unsigned level = SV39_ROOT_LEVEL;
	uint64_t size;
	sv39_pte_t e;

	if (!va_is_canonical(va))
		return SV39_ERANGE;
	/* The spec's walk: follow pointers (V set, R = W = X = 0) down. */
	e = translate_step(table_of(s, s->root), va, 2);
	if (pte_table(e)) {
		if (e & NONLEAF_BAD)
			return SV39_EINVAL;
		e = translate_step(next_table(s, e), va, 1);
		level = 1;
		if (pte_table(e)) {
			if (e & NONLEAF_BAD)
				return SV39_EINVAL;
			e = translate_step(next_table(s, e), va, 0);
			level = 0;
			if (pte_table(e))
				return SV39_EINVAL; /* a pointer at level 0 */
		}
	}
	if (!(e & SV39_PTE_V))
		return SV39_ENOENT;
	size = level_size(level);
	if (leaf_reserved(e) || (sv39_pte_pa(e) & (size - 1)))
		return SV39_EINVAL; /* reserved bits, or a misaligned superpage */
	if (pa)
		*pa = sv39_pte_pa(e) + (va & (size - 1));
	if (pte_flags)
		*pte_flags = e & SV39_PTE_FLAGS_MASK;
	if (page_size)
		*page_size = size;
	return 0;
}
