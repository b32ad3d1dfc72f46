/* SPDX-License-Identifier: MIT */
/*
 * split.c - splitting a superpage into a table of its pages, with a table
 * taken from the call's reserve (txn.c), and a 64 KiB group into 16 plain
 * leaves in place.
 */
#include "base.h"
#include "entry.h"
#include "txn.h"

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

/*
 * Rewrite the 64 KiB group holding va's slot of the level-0 table, if the
 * run holds one, as 16 plain 4 KiB leaves mapping the same frames with the
 * same bits but N; true if it did. No table is needed, so it cannot fail.
 * Each page keeps its translation, but the harts may cache the group as
 * one 64 KiB entry: the whole run is marked changed (one flush, the
 * caller's). Every leaf ends with the group's A and D (the OR of its
 * members', where the hardware may have set them for any page of the
 * group), as a superpage's children do. Each member is swapped by a
 * compare-and-swap that keeps A and D set meanwhile; once none has N, the
 * hardware sets A and D only in a page's own leaf, so the OR is taken and
 * spread after that.
 */
bool
sv39_napot_split_(struct sv39_txn *t, sv39_pte_t *table, sv39_va_t va)
{
	const sv39_pte_t ad = SV39_PTE_A | SV39_PTE_D;
	sv39_va_t base = va & ~(SV39_NAPOT_SIZE - 1);
	sv39_pte_t *group = &table[pte_index(base, 0)];
	sv39_pte_t union_ad = 0;

	if (!(pte_get(&group[0]) & SV39_PTE_N))
		return false; /* check's rule: a member in slot 0 or no group */
	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++) {
		sv39_pte_t e = pte_get(&group[k]);
		sv39_pte_t plain = sv39_pte_make(napot_pa(e) + ((uint64_t)k << SV39_PAGE_SHIFT), 0);

		pte_update(&group[k], SV39_PTE_N | SV39_PTE_PPN_MASK, plain);
	}
	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++)
		union_ad |= pte_get(&group[k]) & ad;
	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++)
		pte_set_bits(&group[k], union_ad);
	sv39_txn_changed_(t, base, base + SV39_NAPOT_SIZE - 1);
	return true;
}

/*
 * Before a change of [va, last] (one level-0 table's part): rewrite as
 * plain leaves a group the range cuts at either edge, so that no group is
 * left with members that differ. Nothing where the harts lack Svnapot.
 */
void
sv39_napot_split_edges_(struct sv39_txn *t, sv39_pte_t *table, sv39_va_t va, sv39_va_t last)
{
	if (!space_napot(t->s))
		return;
	if (!is_aligned(va, SV39_NAPOT_SIZE))
		sv39_napot_split_(t, table, va);
	if (!is_aligned(last + 1, SV39_NAPOT_SIZE))
		sv39_napot_split_(t, table, last);
}
