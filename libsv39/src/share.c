/* SPDX-License-Identifier: MIT */
/*
 * share.c - sv39_share: one space borrows another's page-table pages.
 *
 * Each whole 1 GiB slot of the range is shared at the root; the 2 MiB slots
 * of a partial gigabyte are shared at level 1, in a level-1 table of dst's
 * own. dst's entries carry SV39_PTE_BORROWED, which every mutating call of
 * dst refuses to go through (SV39_EBUSY) and sv39_space_destroy skips. src
 * records the root slots it lent in s->lent and never frees a table page
 * under them while it lives (the bit cannot tell lender from borrower on
 * its own, since both entries point at the same page).
 */
#include "internal.h"

/* The entry dst gets for src entry e. */
static inline sv39_pte_t
borrowed_pte(sv39_pte_t e)
{
	if (pte_table(e))
		return sv39_pte_make(sv39_pte_pa(e), SV39_PTE_V | SV39_PTE_BORROWED);
	return e | SV39_PTE_BORROWED;
}

static void
mark_lent(struct sv39_space *s, sv39_va_t va)
{
	unsigned i = pte_index(va, SV39_ROOT_LEVEL);

	s->lent[i / 64] |= (uint64_t)1 << (i % 64);
}

/*
 * Check one partial gigabyte: dst's root entry de, src's se. Sets *need
 * when dst needs a level-1 table of its own there.
 */
static int
share_prepare_mega(const struct sv39_space *dst, const struct sv39_space *src, sv39_pte_t de,
		   sv39_pte_t se, sv39_va_t va, sv39_va_t last, bool *need)
{
	struct view dv = view_child(dst, de), sv = view_child(src, se);
	bool any = false;
	struct slot sl;

	if (pte_borrowed(de) || pte_borrowed(se))
		return SV39_EBUSY;
	if (pte_leaf(de))
		return SV39_EEXIST;
	for_each_slot (sl, 1, va, last) {
		sv39_pte_t s1 = view_get(sv, sl.i, 1);

		if (pte_valid(view_get(dv, sl.i, 1)))
			return SV39_EEXIST;
		if (pte_borrowed(s1))
			return SV39_EBUSY;
		any |= pte_valid(s1);
	}
	*need = any && !pte_valid(de);
	return 0;
}

static int
share_prepare(struct sv39_txn *t, const struct sv39_space *src, sv39_va_t va, sv39_va_t last)
{
	const sv39_pte_t *droot = table_of(t->s, t->s->root);
	const sv39_pte_t *sroot = table_of(src, src->root);
	struct slot sl;

	for_each_slot (sl, SV39_ROOT_LEVEL, va, last) {
		sv39_pte_t de = droot[sl.i], se = sroot[sl.i];
		bool need = false;
		int err;

		if (sl.covered) {
			if (pte_valid(de))
				return SV39_EEXIST;
			/* No lending on of what src itself borrowed. */
			if (pte_borrowed(se) ||
			    (pte_table(se) && sv39_table_has_borrowed(next_table(src, se))))
				return SV39_EBUSY;
			continue;
		}
		err = share_prepare_mega(t->s, src, de, se, sl.va, sl.last, &need);
		if (err)
			return err;
		t->need += need;
	}
	return 0;
}

/* Share the 2 MiB slots [va, last] of one gigabyte; droot_e is dst's root entry. */
static void
share_apply_mega(struct sv39_txn *t, struct sv39_space *src, sv39_pte_t *droot_e, struct view sv,
		 sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *dl1 = NULL;
	struct slot sl;

	for_each_slot (sl, 1, va, last) {
		sv39_pte_t s1 = view_get(sv, sl.i, 1);

		if (!pte_valid(s1))
			continue;
		if (!dl1) {
			if (!pte_valid(*droot_e))
				*droot_e = sv39_pte_make(sv39_txn_take(t), SV39_PTE_V);
			dl1 = next_table(t->s, *droot_e);
		}
		dl1[sl.i] = borrowed_pte(s1);
		if (pte_table(s1))
			mark_lent(src, sl.va);
	}
}

static void
share_apply(struct sv39_txn *t, struct sv39_space *src, sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *droot = table_of(t->s, t->s->root);
	const sv39_pte_t *sroot = table_of(src, src->root);
	struct slot sl;

	for_each_slot (sl, SV39_ROOT_LEVEL, va, last) {
		sv39_pte_t se = sroot[sl.i];

		if (!pte_valid(se))
			continue;
		if (sl.covered) {
			droot[sl.i] = borrowed_pte(se);
			if (pte_table(se))
				mark_lent(src, sl.va);
			continue;
		}
		share_apply_mega(t, src, &droot[sl.i], view_child(src, se), sl.va, sl.last);
	}
}

int
sv39_share(struct sv39_space *dst, struct sv39_space *src, sv39_va_t va, uint64_t size)
{
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(dst) || !space_ok(src) || dst == src)
		return SV39_EINVAL;
	err = sv39_range_check(va, size, SV39_MEGA_SIZE, &last);
	if (err)
		return err;

	sv39_txn_init(&t, dst);
	err = share_prepare(&t, src, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve(&t);
	if (err)
		return err;
	share_apply(&t, src, va, last);
	sv39_txn_finish(&t); /* only new entries: nothing to flush */
	return 0;
}
