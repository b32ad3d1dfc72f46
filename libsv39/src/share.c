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
 *
 * Only tables are ever lent. A src superpage at the sharing level is split
 * first (a table of src's own, from a reserve in src's transaction; the
 * translation does not change, so nothing is flushed) and that table is
 * lent: a copied leaf would drift from src's later protect and unmap, and
 * keep a frame src gave back. No chain of lending can form: src may not
 * lend what it borrowed, and dst may not borrow inside a root slot it lent.
 */
#include "internal.h"

/* The entry dst gets for src's table entry e. */
static inline sv39_pte_t
borrowed_pte(sv39_pte_t e)
{
	return sv39_pte_make(sv39_pte_pa(e), SV39_PTE_V | SV39_PTE_BORROWED);
}

static void
mark_lent(struct sv39_space *s, sv39_va_t va)
{
	unsigned i = pte_index(va, SV39_ROOT_LEVEL);

	s->lent[i / 64] |= (uint64_t)1 << (i % 64);
}

/*
 * Check one partial gigabyte [va, last]: dst's root entry de, src's se.
 * Counts dst's level-1 table into t->need and src's splits into ts->need.
 */
static int
share_prepare_mega(struct sv39_txn *t, struct sv39_txn *ts, sv39_pte_t de, sv39_pte_t se,
		   sv39_va_t va, sv39_va_t last, bool *linked)
{
	struct view dv = view_child(t->s, de), sv = view_child(ts->s, se);
	bool any = false;
	struct slot sl;

	if (pte_borrowed(de) || pte_borrowed(se))
		return SV39_EBUSY;
	/* dst lent this slot: what it borrowed here would be lent on. */
	if (space_lent(t->s, va))
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
		ts->need += pte_leaf(s1); /* split the megapage */
	}
	t->need += any && !pte_valid(de);
	ts->need += any && pte_leaf(se); /* split the gigapage first */
	*linked |= any;
	return 0;
}

/*
 * Find every error and count the tables both sides need. *linked: the
 * share will link something (and so record the loan in both ledgers).
 */
static int
share_prepare(struct sv39_txn *t, struct sv39_txn *ts, sv39_va_t va, sv39_va_t last, bool *linked)
{
	const sv39_pte_t *droot = table_of(t->s, t->s->root);
	const sv39_pte_t *sroot = table_of(ts->s, ts->s->root);
	struct slot sl;

	for_each_slot (sl, SV39_ROOT_LEVEL, va, last) {
		sv39_pte_t de = droot[sl.i], se = sroot[sl.i];
		int err;

		if (sl.covered) {
			if (pte_valid(de))
				return SV39_EEXIST;
			/* No lending on of what src itself borrowed. */
			if (pte_borrowed(se) ||
			    (pte_table(se) && sv39_table_has_borrowed(next_table(ts->s, se))))
				return SV39_EBUSY;
			ts->need += pte_leaf(se); /* split the gigapage */
			*linked |= pte_valid(se);
			continue;
		}
		err = share_prepare_mega(t, ts, de, se, sl.va, sl.last, linked);
		if (err)
			return err;
	}
	return 0;
}

/* src's table entry for a slot: a superpage there is split first. */
static sv39_pte_t
lendable(struct sv39_txn *ts, sv39_pte_t *slot, unsigned level)
{
	if (pte_leaf(*slot))
		sv39_split_leaf(ts, slot, level);
	return *slot;
}

/* Share the 2 MiB slots [va, last] of one gigabyte; droot_e is dst's root entry. */
static void
share_apply_mega(struct sv39_txn *t, struct sv39_txn *ts, sv39_pte_t *droot_e, sv39_pte_t *sroot_e,
		 sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *dl1 = NULL, *sl1;
	struct slot sl;

	if (!pte_valid(*sroot_e))
		return;
	sl1 = next_table(ts->s, lendable(ts, sroot_e, 2));
	for_each_slot (sl, 1, va, last) {
		if (!pte_valid(sl1[sl.i]))
			continue;
		if (!dl1) {
			if (!pte_valid(*droot_e))
				*droot_e = sv39_pte_make(sv39_txn_take(t), SV39_PTE_V);
			dl1 = next_table(t->s, *droot_e);
		}
		dl1[sl.i] = borrowed_pte(lendable(ts, &sl1[sl.i], 1));
		mark_lent(ts->s, sl.va);
	}
}

static void
share_apply(struct sv39_txn *t, struct sv39_txn *ts, sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *droot = table_of(t->s, t->s->root);
	sv39_pte_t *sroot = table_of(ts->s, ts->s->root);
	struct slot sl;

	for_each_slot (sl, SV39_ROOT_LEVEL, va, last) {
		if (!sl.covered) {
			share_apply_mega(t, ts, &droot[sl.i], &sroot[sl.i], sl.va, sl.last);
			continue;
		}
		if (!pte_valid(sroot[sl.i]))
			continue;
		droot[sl.i] = borrowed_pte(lendable(ts, &sroot[sl.i], 2));
		mark_lent(ts->s, sl.va);
	}
}

int
sv39_share(struct sv39_space *dst, struct sv39_space *src, sv39_va_t va, uint64_t size)
{
	sv39_va_t last;
	struct sv39_txn t, ts; /* dst's tables, src's splits */
	bool linked = false;
	int err;

	if (!space_ok(dst) || !space_ok(src) || dst == src)
		return SV39_EINVAL;
	err = sv39_range_check(va, size, SV39_MEGA_SIZE, &last);
	if (err)
		return err;

	sv39_txn_init(&t, dst);
	sv39_txn_init(&ts, src);
	err = share_prepare(&t, &ts, va, last, &linked);
	if (err)
		return err;
	if (linked) { /* both ledgers record the loan (a page each, maybe) */
		t.need += sv39_loan_need(dst, src);
		ts.need += sv39_loan_need(src, dst);
	}
	err = sv39_txn_reserve(&t);
	if (err)
		return err;
	err = sv39_txn_reserve(&ts);
	if (err) {
		sv39_txn_cancel(&t);
		return err;
	}
	share_apply(&t, &ts, va, last);
	if (linked) {
		sv39_loan_add(&t, src, SV39_LOAN_BORROWED);
		sv39_loan_add(&ts, dst, SV39_LOAN_LENT);
	}
	/* Splits keep every translation and links are new: nothing to flush. */
	sv39_txn_finish(&ts);
	sv39_txn_finish(&t);
	return 0;
}
