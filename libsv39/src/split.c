/* SPDX-License-Identifier: MIT */
/*
 * split.c - splitting superpages and freeing subtrees.
 */
#include "internal.h"

/*
 * Replace the superpage leaf in *slot (at level, 1 or 2) by a pointer to a
 * reserved table of 512 leaves one level down that map the same range with
 * the same bits. Translations do not change, so no flush is needed for the
 * split itself; the caller flushes the part it then changes.
 *
 * The superpage stays live until the pointer replaces it, and a hardware
 * walker may set its A or D meanwhile: the pointer goes in by a
 * compare-and-swap against the leaf the children were made from, and when
 * that fails the bits the hardware added are copied into every child (still
 * unreachable) and the swap is tried again. So every child carries every
 * A and D the superpage ever had: no child is less dirty than its parent
 * was (a page never written may be reported dirty; a written one never
 * clean). The children are ordered before the pointer (publish_fence).
 */
void
sv39_split_leaf(struct sv39_txn *t, sv39_pte_t *slot, unsigned level)
{
	sv39_pte_t leaf = pte_get(slot);
	sv39_pa_t pa = sv39_txn_take(t);
	sv39_pte_t *child = table_of(t->s, pa);
	uint64_t step = level_size(level - 1) >> SV39_PAGE_SHIFT << SV39_PTE_PPN_SHIFT;

	SV39_ASSERT(level > 0 && pte_leaf(leaf));
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		child[i] = leaf + i * step;
	for (;;) {
		publish_fence();
		if (__atomic_compare_exchange_n(slot, &leaf, sv39_pte_make(pa, SV39_PTE_V), false,
						PTE_PUBLISH_ORDER, __ATOMIC_RELAXED))
			break;
		/* Only A and D can have changed: the caller holds the space. */
		SV39_ASSERT(pte_leaf(leaf));
		for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
			child[i] |= leaf & (SV39_PTE_A | SV39_PTE_D);
	}
}

/* True when no entry of the table is valid (zombies count as gone). */
bool
sv39_table_is_empty(const sv39_pte_t *table)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		if (pte_valid(pte_get(&table[i])))
			return false;
	return true;
}

/*
 * Does an entry of this table point into a borrowed subtree (or is it a
 * borrowed superpage)? Borrowed marks sit only in level-2 and level-1
 * entries, so a level-1 or level-2 table is all that needs a look.
 */
bool
sv39_table_has_borrowed(const sv39_pte_t *table)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		if (pte_borrowed(table[i]))
			return true;
	return false;
}

/*
 * Free the table at pa (at level) and every table below it, valid or zombie
 * entries alike; with free_frames, hand every leaf's frame to free_frame.
 * Borrowed entries are skipped: their pages belong to the lender. Does not
 * flush: the caller has made the subtree unreachable and flushed.
 */
void
sv39_free_subtree(const struct sv39_space *s, sv39_pa_t pa, unsigned level, bool free_frames)
{
	sv39_pte_t *table = table_of(s, pa);

	if (level > 0 || free_frames) {
		for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
			sv39_pte_t e = table[i];

			if (e == 0 || (e & SV39_PTE_BORROWED))
				continue;
			if (e & SV39_PTE_LEAF_MASK) {
				if (free_frames)
					ops_free_frame(s, sv39_pte_pa(e), level_size(level));
			} else if (level > 0) {
				sv39_free_subtree(s, sv39_pte_pa(e), level - 1, free_frames);
			}
		}
	}
	s->ops->free_table(s->ctx, pa);
}
