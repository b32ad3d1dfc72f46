/* SPDX-License-Identifier: MIT */
/*
 * protect.c - sv39_protect.
 */
#include "internal.h"

struct protect_args {
	uint64_t set, clear;
};

static inline sv39_pte_t
protect_pte(const struct protect_args *p, sv39_pte_t e)
{
	return (e & ~p->clear) | p->set;
}

/* Every page mapped, nothing borrowed, every new leaf a valid perm set. */
static int
protect_prepare(struct sv39_txn *t, const struct protect_args *p, struct view v, unsigned level,
		sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0 && v.leaf) /* a split superpage: checked at its level */
		return 0;
	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = view_get(v, sl.i, level);
		int err;

		if (!pte_valid(e) || (level == 0 && !pte_leaf(e)))
			return SV39_ENOENT;
		if (pte_borrowed(e))
			return SV39_EBUSY;
		if (pte_leaf(e) && protect_pte(p, e) == e)
			continue; /* unchanged: no split, no flush */
		if (pte_leaf(e)) {
			err = sv39_perm_check(protect_pte(p, e) & SV39_PERM_MASK);
			if (err)
				return err;
			if (sl.covered)
				continue;
			t->need++; /* split at the range edge */
		}
		err = protect_prepare(t, p, view_child(t->s, e), level - 1, sl.va, sl.last);
		if (err)
			return err;
	}
	return 0;
}

static void
protect_apply(struct sv39_txn *t, const struct protect_args *p, sv39_pte_t *table, unsigned level,
	      sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];

		if (pte_leaf(*slot) && protect_pte(p, *slot) == *slot)
			continue; /* as protect_prepare: unchanged, not split */
		if (pte_leaf(*slot) && sl.covered) {
			sv39_pte_t e = protect_pte(p, *slot);

			if (e != *slot) {
				*slot = e;
				sv39_txn_changed(t, sl.va, sl.last);
			}
			continue;
		}
		if (pte_leaf(*slot))
			sv39_split_leaf(t, slot, level);
		protect_apply(t, p, next_table(t->s, *slot), level - 1, sl.va, sl.last);
	}
}

int
sv39_protect(struct sv39_space *s, sv39_va_t va, uint64_t size, uint64_t set, uint64_t clear)
{
	struct protect_args p = { .set = set, .clear = clear };
	sv39_pte_t *root;
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(s))
		return SV39_EINVAL;
	err = sv39_range_check(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	p.set &= ~SV39_PTE_V; /* implied: never set or cleared */
	p.clear &= ~SV39_PTE_V;
	if ((p.set | p.clear) & ~SV39_PERM_MASK)
		return SV39_EPERM;

	sv39_txn_init(&t, s);
	root = table_of(s, s->root);
	err = protect_prepare(&t, &p, view_real(root), SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve(&t);
	if (err)
		return err;
	protect_apply(&t, &p, root, SV39_ROOT_LEVEL, va, last);
	sv39_txn_finish(&t);
	return 0;
}
