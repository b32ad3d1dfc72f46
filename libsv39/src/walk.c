/* SPDX-License-Identifier: MIT */
/*
 * walk.c - single-address look-ups: sv39_walk and sv39_translate.
 */
#include "internal.h"

int
sv39_walk(struct sv39_space *s, sv39_va_t va, unsigned flags, sv39_pte_t **pte,
	  unsigned *level)
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
			/* Tables for levels l-1 .. 0, all or none. */
			sv39_txn_init(&t, s);
			t.need = l;
			err = sv39_txn_reserve(&t);
			if (err)
				return err;
			for (; l > 0; l--) {
				sv39_pa_t pa = sv39_txn_take(&t);

				table[pte_index(va, l)] =
					sv39_pte_make(pa, SV39_PTE_V);
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

/*
 * The checks the privileged spec's translation makes on every PTE it reads,
 * whatever the access: reserved bits and encodings make the walk fault.
 */
static bool
pte_reserved(sv39_pte_t e)
{
	if (e & (SV39_PTE_RESERVED_MASK | SV39_PTE_N))
		return true;
	if ((e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
		return true;
	if ((e & SV39_PTE_W) && !(e & SV39_PTE_R))
		return true;
	return false;
}

int
sv39_translate(const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa,
	       uint64_t *pte_flags, uint64_t *page_size)
{
	const sv39_pte_t *table;

	if (!va_is_canonical(va))
		return SV39_ERANGE;
	table = table_of(s, s->root);
	for (unsigned l = SV39_ROOT_LEVEL;; l--) {
		sv39_pte_t e = table[pte_index(va, l)];
		uint64_t size = level_size(l);

		if (!pte_valid(e))
			return SV39_ENOENT;
		if (pte_reserved(e))
			return SV39_EINVAL;
		if (!pte_leaf(e)) {
			/* A pointer may not carry leaf-only bits, nor sit at level 0. */
			if (l == 0 || (e & (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D |
					    SV39_PTE_PBMT_MASK)))
				return SV39_EINVAL;
			table = next_table(s, e);
			continue;
		}
		if (!is_aligned(sv39_pte_pa(e), size))
			return SV39_EINVAL; /* misaligned superpage */
		if (pa)
			*pa = sv39_pte_pa(e) + (va & (size - 1));
		if (pte_flags)
			*pte_flags = e & SV39_PTE_FLAGS_MASK;
		if (page_size)
			*page_size = size;
		return 0;
	}
}
