/* SPDX-License-Identifier: MIT */
/*
 * walk.c - single-address look-ups: sv39_walk and sv39_translate.
 */
#include "internal.h"

/*
 * Create the tables for levels l-1 .. 0 below the empty entry for va in
 * table (a level-l table), all or none, and return the level-0 slot. Does
 * not flush: only new entries become valid.
 */
static int
walk_create(struct sv39_space *s, sv39_pte_t *table, sv39_va_t va, unsigned l, sv39_pte_t **pte)
{
	struct sv39_txn t;
	int err;

	sv39_txn_init(&t, s);
	t.need = l;
	err = sv39_txn_reserve(&t);
	if (err)
		return err;
	for (; l > 0; l--) {
		sv39_pa_t pa = sv39_txn_take(&t);

		table[pte_index(va, l)] = sv39_pte_make(pa, SV39_PTE_V);
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
	sv39_pte_t *table, *e;
	unsigned l;
	int err;

	if (!space_ok(s) || !pte || (flags & ~SV39_WALK_ALLOC))
		return SV39_EINVAL;
	*pte = NULL;
	if (!va_is_canonical(va))
		return SV39_ERANGE;

	table = table_of(s, s->root);
	for (l = SV39_ROOT_LEVEL; l > 0; l--) {
		e = &table[pte_index(va, l)];
		if (pte_leaf(*e))
			break;
		if (!pte_valid(*e)) {
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
		if (pte_malformed(*e, l))
			return SV39_EINVAL;
		borrowed |= pte_borrowed(*e);
		table = next_table(s, *e);
	}

	/* l is the level of the leaf found, or 0 for the level-0 slot. */
	e = &table[pte_index(va, l)];
	if (!pte_leaf(*e)) {
		if (!alloc)
			return SV39_ENOENT;
		if (borrowed) /* an empty slot of the lender's, for the caller to fill */
			return SV39_EBUSY;
	}
	*pte = e;
	if (level)
		*level = l;
	return 0;
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

	if (!space_ok(s))
		return SV39_EINVAL;
	if (!va_is_canonical(va))
		return SV39_ERANGE;
	/* The spec's walk: follow pointers (V set, R = W = X = 0) down. */
	e = translate_step(table_of(s, s->root), va, 2);
	if (pte_table(e)) {
		if (pte_malformed(e, 2))
			return SV39_EINVAL;
		e = translate_step(next_table(s, e), va, 1);
		level = 1;
		if (pte_table(e)) {
			if (pte_malformed(e, 1))
				return SV39_EINVAL;
			e = translate_step(next_table(s, e), va, 0);
			level = 0;
		}
	}
	if (!(e & SV39_PTE_V))
		return SV39_ENOENT;
	if (pte_malformed(e, level))
		return SV39_EINVAL; /* also a pointer at level 0 */
	size = level_size(level);
	if (pa)
		*pa = sv39_pte_pa(e) + (va & (size - 1));
	if (pte_flags)
		*pte_flags = e & SV39_PTE_FLAGS_MASK;
	if (page_size)
		*page_size = size;
	return 0;
}
