/* SPDX-License-Identifier: MIT */
/*
 * iter.c - sv39_for_each: visit leaves in address order.
 */
#include "internal.h"

struct iter_args {
	int (*fn)(void *arg, const struct sv39_leaf *leaf);
	void *arg;
	uint64_t gen; /* s->gen when the walk began */
};

/*
 * Call fn for one leaf. If fn changed the space (its generation moved),
 * the tables the walk stands in may be gone: SV39_EBUSY, and the caller
 * reads nothing more.
 */
static int
iter_visit(const struct sv39_space *s, const struct iter_args *it, const struct sv39_leaf *leaf)
{
	int ret = it->fn(it->arg, leaf);

	if (s->gen != it->gen)
		return SV39_EBUSY;
	return ret;
}

static int
iter_table(const struct sv39_space *s, const struct iter_args *it, const sv39_pte_t *table,
	   unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = table[sl.i];
		int ret;

		if (pte_leaf(e)) {
			struct sv39_leaf leaf;

			leaf.size = level_size(level);
			leaf.va = sl.va & ~(leaf.size - 1);
			leaf.pa = sv39_pte_pa(e);
			leaf.pte = e;
			leaf.level = level;
			ret = iter_visit(s, it, &leaf);
		} else if (pte_table(e) && level > 0) {
			ret = iter_table(s, it, next_table(s, e), level - 1, sl.va, sl.last);
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
	struct iter_args it = { .fn = fn, .arg = arg };
	sv39_va_t last;
	int err;

	if (!space_ok(s) || !fn)
		return SV39_EINVAL;
	it.gen = s->gen;
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	return iter_table(s, &it, table_of(s, s->root), SV39_ROOT_LEVEL, va, last);
}
