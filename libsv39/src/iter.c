/* SPDX-License-Identifier: MIT */
/*
 * iter.c - sv39_for_each: visit leaves in address order.
 */
#include "base.h"
#include "entry.h"
#include "table.h"

struct iter_args {
	int (*fn)(void *arg, const struct sv39_leaf *leaf);
	void *arg;
	uint64_t gen; /* s->gen when the walk began */
	/*
	 * The walk's path: table[l] is the level-l table it stands in (table[2]
	 * the root), at physical address pa[l]; index[l] the entry of table[l]
	 * it went down through.
	 */
	const sv39_pte_t *table[SV39_LEVELS];
	sv39_pa_t pa[SV39_LEVELS];
	unsigned index[SV39_LEVELS];
};

/*
 * Do the entries from the root down to the level-(level) table the walk
 * stands in still point at the tables it went through? Read top-down, each
 * table only once its parent's entry was found unchanged, so nothing freed
 * is read: a table is freed only after its parent entry stopped pointing
 * at it. This catches a change made through any struct of the space, where
 * s->gen sees only the changes made through s.
 */
static bool
iter_path_intact(const struct iter_args *it, unsigned level)
{
	for (unsigned l = SV39_ROOT_LEVEL; l > level; l--) {
		sv39_pte_t e = pte_get(&it->table[l][it->index[l]]);

		if (!pte_table(e) || sv39_pte_pa(e) != it->pa[l - 1])
			return false;
	}
	return true;
}

/*
 * Call fn for one leaf of a level-(level) table. If fn changed the space
 * (its generation moved, or a table on the walk's path was unlinked), the
 * tables the walk stands in may be gone: SV39_EBUSY, and the caller reads
 * nothing more.
 */
static int
iter_visit(const struct sv39_space *s, const struct iter_args *it, const struct sv39_leaf *leaf)
{
	int ret = it->fn(it->arg, leaf);

	if (s->gen != it->gen || !iter_path_intact(it, leaf->level))
		return SV39_EBUSY;
	return ret;
}

/*
 * The 64 KiB group whose members are at group (16 level-0 slots, the first
 * at va) as one leaf: the first member's entry with the OR of every
 * member's A and D, which the hardware may set in any one of them.
 */
static void
iter_group_leaf(const sv39_pte_t *group, sv39_va_t va, struct sv39_leaf *leaf)
{
	sv39_pte_t e = pte_get(&group[0]);

	for (unsigned k = 1; k < SV39_NAPOT_PAGES; k++)
		e |= pte_get(&group[k]) & (SV39_PTE_A | SV39_PTE_D);
	leaf->size = SV39_NAPOT_SIZE;
	leaf->va = va;
	leaf->pa = napot_pa(e);
	leaf->pte = e;
	leaf->level = 0;
}

/* Is e, in a level-(level) table of s, a member of a 64 KiB group? */
static inline bool
iter_is_member(const struct sv39_space *s, sv39_pte_t e, unsigned level)
{
	return level == 0 && (e & SV39_PTE_N) && pte_leaf(e) && space_napot(s);
}

static int
iter_table(const struct sv39_space *s, struct iter_args *it, unsigned level, sv39_va_t va,
	   sv39_va_t last)
{
	const sv39_pte_t *table = it->table[level];
	sv39_va_t group_va = 1; /* the group last reported (never aligned: none yet) */
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = pte_get(&table[sl.i]);
		int ret;

		it->index[level] = sl.i;
		if (iter_is_member(s, e, level)) {
			struct sv39_leaf leaf;
			sv39_va_t base = sl.va & ~(SV39_NAPOT_SIZE - 1);

			if (base == group_va)
				continue; /* reported whole at its first member in range */
			group_va = base;
			iter_group_leaf(&table[pte_index(base, 0)], base, &leaf);
			ret = iter_visit(s, it, &leaf);
		} else if (pte_leaf(e)) {
			struct sv39_leaf leaf;

			leaf.size = level_size(level);
			leaf.va = sl.va & ~(leaf.size - 1);
			leaf.pa = sv39_pte_pa(e);
			leaf.pte = e;
			leaf.level = level;
			ret = iter_visit(s, it, &leaf);
		} else if (pte_table(e) && level > 0) {
			it->pa[level - 1] = sv39_pte_pa(e);
			it->table[level - 1] = next_table(s, e);
			ret = iter_table(s, it, level - 1, sl.va, sl.last);
		} else {
			continue;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int
sv39_for_each(const struct sv39_space *s, sv39_va_t va, uint64_t size,
	      int (*fn)(void *arg, const struct sv39_leaf *leaf), void *arg)
{
	struct iter_args it; /* member by member: an initialiser may become memset */
	sv39_va_t last;
	int err;

	if (!space_ok(s) || !fn)
		return SV39_EINVAL;
	it.fn = fn;
	it.arg = arg;
	it.gen = s->gen;
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	it.pa[SV39_ROOT_LEVEL] = s->root;
	it.table[SV39_ROOT_LEVEL] = table_of(s, s->root);
	return iter_table(s, &it, SV39_ROOT_LEVEL, va, last);
}
