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

/*
 * Does the protect leave leaf e as it is, whatever a hardware walker does to
 * it meanwhile? The walker only sets A and D, so the answer must not depend
 * on them: a protect that sets or clears A or D is never a no-op here.
 * prepare and apply ask it of the same leaf and must agree, since prepare's
 * count of splits is what apply takes from the reserve.
 */
static inline bool
protect_noop(const struct protect_args *p, sv39_pte_t e)
{
	return !((p->set | p->clear) & (SV39_PTE_A | SV39_PTE_D)) && protect_pte(p, e) == e;
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
		if (pte_leaf(e) && protect_noop(p, e))
			continue; /* unchanged: no split, no flush */
		if (pte_leaf(e)) {
			err = sv39_perm_check_(protect_pte(p, e) & SV39_PERM_MASK);
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

/*
 * Apply what protect_prepare checked. A leaf is changed by one atomic
 * read-modify-write (pte_update), never a load and a store, so that A and D
 * set by a hardware walker in between are kept. Does not flush: records
 * the changed span for sv39_txn_finish_.
 */
static void
protect_apply(struct sv39_txn *t, const struct protect_args *p, sv39_pte_t *table, unsigned level,
	      sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];
		sv39_pte_t e = pte_get(slot);

		if (pte_leaf(e) && protect_noop(p, e))
			continue; /* as protect_prepare: unchanged, not split */
		if (pte_leaf(e) && sl.covered) {
			/* Hardware only ever sets A and D: "no change" stays true. */
			if (protect_pte(p, e) != e) {
				pte_update(slot, p->clear, p->set);
				sv39_txn_changed_(t, sl.va, sl.last);
			}
			continue;
		}
		if (pte_leaf(e))
			sv39_split_leaf_(t, slot, level);
		protect_apply(t, p, next_table(t->s, pte_get(slot)), level - 1, sl.va, sl.last);
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
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	p.set &= ~SV39_PTE_V; /* implied: never set or cleared */
	p.clear &= ~SV39_PTE_V;
	if ((p.set | p.clear) & ~SV39_PERM_MASK)
		return SV39_EPERM;

	sv39_txn_init_(&t, s);
	root = table_of(s, s->root);
	err = protect_prepare(&t, &p, view_real(root), SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	protect_apply(&t, &p, root, SV39_ROOT_LEVEL, va, last);
	sv39_txn_finish_(&t);
	return 0;
}
