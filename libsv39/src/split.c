/* SPDX-License-Identifier: MIT */
/*
 * split.c - splitting a superpage into a table of its pages, with a table
 * taken from the call's reserve (txn.c).
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
sv39_split_leaf_(struct sv39_txn *t, sv39_pte_t *slot, unsigned level)
{
	sv39_pte_t leaf = pte_get(slot);
	sv39_pa_t pa = sv39_txn_take_(t);
	sv39_pte_t *child = table_of(t->s, pa);
	uint64_t step = level_size(level - 1) >> SV39_PAGE_SHIFT << SV39_PTE_PPN_SHIFT;
	sv39_pte_t pointer = sv39_pte_make(pa, SV39_PTE_V); /* made before the fence */

	SV39_ASSERT(level > 0 && pte_leaf(leaf));
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		child[i] = leaf + i * step;
	for (;;) {
		sv39_pte_t seen;

		publish_fence();
		seen = pte_link_cas(slot, leaf, pointer);
		if (seen == leaf)
			break;
		leaf = seen;
		/* Only A and D can have changed: the caller holds the space. */
		SV39_ASSERT(pte_leaf(leaf));
		for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
			child[i] |= leaf & (SV39_PTE_A | SV39_PTE_D);
	}
}
