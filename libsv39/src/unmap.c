/* SPDX-License-Identifier: MIT */
/*
 * unmap.c - sv39_unmap.
 *
 * Removal never writes a page that is about to be freed: every removed leaf
 * and every table whose whole range goes away is turned into a zombie (V
 * cleared by one atomic AND, the rest kept: a leaf keeps its final A and
 * D) and zeroed, its frame (SV39_UNMAP_FREE) or table freed, by
 * sv39_txn_finish_ after the TLB flush. A table wholly inside the range is dropped at its parent
 * entry without touching its leaves.
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"
#include "loan.h"

#define UNMAP_FLAGS (SV39_UNMAP_FREE | SV39_UNMAP_HOLES)

/*
 * Find every error (a hole without SV39_UNMAP_HOLES, a borrowed entry) and
 * count the superpages the range edges split. Reads only; v is the table
 * as it is or as a split would make it.
 */
static int
unmap_prepare(struct sv39_txn *t, unsigned flags, struct view v, unsigned level, sv39_va_t va,
	      sv39_va_t last)
{
	bool holes_ok = flags & SV39_UNMAP_HOLES;
	struct slot sl;

	if (level == 0) {
		if (holes_ok || v.leaf)
			return 0;
		if (!v.table)
			return SV39_ENOENT;
		for (unsigned i = pte_index(va, 0); i <= pte_index(last, 0); i++)
			if (!pte_valid(pte_get(&v.table[i])))
				return SV39_ENOENT;
		return 0;
	}

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = view_get(v, sl.i, level);
		int err;

		if (!pte_valid(e)) {
			if (!holes_ok)
				return SV39_ENOENT;
			continue;
		}
		if (pte_borrowed(e))
			return SV39_EBUSY;
		if (pte_leaf(e)) {
			if (sl.covered)
				continue;
			t->need++; /* split the superpage at the range edge */
		} else if (sl.covered && holes_ok && level == 1) {
			continue; /* a level-0 table holds nothing borrowed */
		}
		err = unmap_prepare(t, flags, view_child(t->s, e), level - 1, sl.va, sl.last);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Remove the leaf in *slot, which maps [va, last]: a zombie (V cleared by
 * one atomic AND), so that the entry keeps the final A and D the hardware
 * set until sv39_txn_finish_ zeroes it (and frees its frame with
 * SV39_UNMAP_FREE) after the flush.
 */
static void
unmap_leaf(struct sv39_txn *t, sv39_pte_t *slot, sv39_va_t va, sv39_va_t last)
{
	sv39_txn_zombie_(t, slot, va, last);
}

/*
 * Remove what [va, last] maps below table (at level). Cannot fail; takes
 * exactly the splits unmap_prepare counted. Tables a lent root slot holds
 * stay (the borrower walks them); any other table left empty, or wholly in
 * range, becomes a zombie. Does not flush and frees nothing: removed
 * entries and zombies are recorded for sv39_txn_finish_.
 */
static void
unmap_apply(struct sv39_txn *t, sv39_pte_t *table, unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0)
		sv39_napot_split_edges_(t, table, va, last);
	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];
		sv39_pte_t e = pte_get(slot);
		bool keep_tables = space_lent(t->s, sl.va);
		sv39_pte_t *child;

		if (!pte_valid(e))
			continue;
		if (pte_leaf(e) && sl.covered) {
			unmap_leaf(t, slot, sl.va, sl.last);
			continue;
		}
		if (level == 0)
			continue; /* not a leaf at level 0: nothing maps here */
		if (pte_table(e) && sl.covered && !keep_tables) {
			sv39_txn_zombie_(t, slot, sl.va, sl.last); /* whole subtree */
			continue;
		}
		if (pte_leaf(e))
			sv39_split_leaf_(t, slot, level);
		child = next_table(t->s, pte_get(slot));
		unmap_apply(t, child, level - 1, sl.va, sl.last);
		if (!keep_tables && sv39_table_is_empty_(child)) {
			sv39_va_t base = sl.va & ~(level_size(level) - 1);

			sv39_txn_zombie_(t, slot, base, base + (level_size(level) - 1));
		}
	}
}

int
sv39_unmap(struct sv39_space *s, sv39_va_t va, uint64_t size, unsigned flags)
{
	sv39_pte_t *root;
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(s) || (flags & ~UNMAP_FLAGS))
		return SV39_EINVAL;
	if ((flags & SV39_UNMAP_FREE) && !s->ops->free_frame)
		return SV39_EINVAL;
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;

	sv39_txn_init_(&t, s);
	t.free_frames = flags & SV39_UNMAP_FREE;
	root = table_of(s, s->root);
	err = unmap_prepare(&t, flags, view_real(root), SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	unmap_apply(&t, root, SV39_ROOT_LEVEL, va, last);
	sv39_txn_finish_(&t);
	return 0;
}
