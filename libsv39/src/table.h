/* SPDX-License-Identifier: MIT */
/*
 * table.h - whole table pages (table.c), and how a prepare step sees a
 * table that may not exist yet (struct view) and the slots a range
 * touches in one (for_each_slot). Never installed.
 */
#ifndef SV39_TABLE_H
#define SV39_TABLE_H

#include "base.h"
#include "entry.h"

/* table.c */
bool sv39_table_is_empty_(const sv39_pte_t *table);
bool sv39_table_has_borrowed_(const sv39_pte_t *table);
void sv39_free_subtree_(const struct sv39_space *s, sv39_pa_t table, unsigned level,
			bool free_frames);
void sv39_table_read_lent_(struct sv39_space *s);

/*
 * A read-only view of one table during a prepare step, which must reason
 * about tables that do not exist yet: a real table, an empty one (to be
 * created), or the 512 leaves a superpage would split into.
 */
struct view {
	const sv39_pte_t *table; /* real entries, or NULL */
	sv39_pte_t leaf;	 /* if table is NULL: the superpage to split, or 0 */
};

static inline struct view
view_real(const sv39_pte_t *table)
{
	struct view v = { table, 0 };
	return v;
}

static inline struct view
view_empty(void)
{
	struct view v = { NULL, 0 };
	return v;
}

static inline struct view
view_split(sv39_pte_t leaf)
{
	struct view v = { NULL, leaf };
	return v;
}

/* Entry i of a table at level (level) seen through v. */
static inline sv39_pte_t
view_get(struct view v, unsigned i, unsigned level)
{
	if (v.table)
		return pte_get(&v.table[i]);
	if (!v.leaf)
		return 0;
	return sv39_pte_make(sv39_pte_pa(v.leaf) + ((uint64_t)i << level_shift(level)),
			     v.leaf & SV39_PTE_FLAGS_MASK);
}

/*
 * The child view below entry e of a level-(level) table: the real table it
 * points at, the split of a superpage, or empty.
 */
static inline struct view
view_child(const struct sv39_space *s, sv39_pte_t e)
{
	if (pte_table(e))
		return view_real(next_table(s, e));
	if (pte_leaf(e))
		return view_split(e);
	return view_empty();
}

/*
 * One slot of a table that a range [va, last] touches: its index, the part
 * of the range inside it, and whether the range covers the whole slot.
 */
struct slot {
	unsigned i;
	sv39_va_t va, last;
	bool covered;
};

static inline void
slot_set(struct slot *sl, unsigned level, sv39_va_t cur, sv39_va_t last)
{
	sv39_va_t slot_last = cur | (level_size(level) - 1);

	sl->i = pte_index(cur, level);
	sl->va = cur;
	sl->last = slot_last < last ? slot_last : last;
	sl->covered = is_aligned(cur, level_size(level)) && sl->last == slot_last;
}

/* for (each slot sl of a level-(level) table in [va, last]); continue works. */
#define for_each_slot(sl, level, va, last)                                       \
	for (bool more_ = (slot_set(&(sl), (level), (va), (last)), true); more_; \
	     more_ = (sl).last != (last) &&                                      \
		     (slot_set(&(sl), (level), (sl).last + 1, (last)), true))

#endif /* SV39_TABLE_H */
