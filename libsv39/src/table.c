/* SPDX-License-Identifier: MIT */
/*
 * table.c - whole table pages: are they empty, do they hold a borrowed
 * entry, freeing a subtree, and reading a root's lent marks. Needs nothing but the embedder's ops, so
 * every other file may use it (txn.c frees parked subtrees with it).
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "loan.h"

/* True when no entry of the table is valid (zombies count as gone). */
bool
sv39_table_is_empty_(const sv39_pte_t *table)
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
sv39_table_has_borrowed_(const sv39_pte_t *table)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		if (pte_borrowed(pte_get(&table[i])))
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
sv39_free_subtree_(const struct sv39_space *s, sv39_pa_t pa, unsigned level, bool free_frames)
{
	sv39_pte_t *table = table_of(s, pa);

	if (level > 0 || free_frames) {
		for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
			sv39_pte_t e = table[i];

			if (e == 0 || (e & SV39_PTE_BORROWED))
				continue;
			if (e & SV39_PTE_LEAF_MASK) {
				if (free_frames)
					leaf_free_frame(s, e, level, i);
			} else if (level > 0) {
				sv39_free_subtree_(s, sv39_pte_pa(e), level - 1, free_frames);
			}
		}
	}
	s->ops->free_table(s->ctx, pa);
}

/*
 * Fill s->lent of a struct rebuilt from its root from the lent marks of
 * the root's own entries (SV39_PTE_LENT_), once: most roots lent nothing,
 * and one pass of loads and ORs says so.
 */
void
sv39_table_read_lent_(struct sv39_space *s)
{
	const sv39_pte_t *root = table_of(s, s->root);
	sv39_pte_t any = 0;

	s->loans = SV39_LOANS_REBUILT_;
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
		any |= pte_get(&root[i]);
	if (!(any & SV39_PTE_LENT_))
		return;
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&root[i]);

		if (pte_table(e) && !pte_borrowed(e) && (e & SV39_PTE_LENT_))
			s->lent[i / 64] |= (uint64_t)1 << (i % 64);
	}
}
