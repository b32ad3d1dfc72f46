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
	sv39_loan_mark_lent_(s, pte_index(va, SV39_ROOT_LEVEL));
}

/*
 * Does root entry e of s lead to a borrowed subtree: borrowed itself, or a
 * level-1 table of s's own holding a borrowed entry?
 */
static bool
slot_borrowed(const struct sv39_space *s, sv39_pte_t e)
{
	return pte_borrowed(e) || (pte_table(e) && sv39_table_has_borrowed_(next_table(s, e)));
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
		sv39_pte_t s1 = view_get(sv, sl.i, 1), d1 = view_get(dv, sl.i, 1);

		/* EBUSY before EEXIST, as for a whole GiB (share_prepare) */
		if (pte_borrowed(d1) || pte_borrowed(s1))
			return SV39_EBUSY;
		if (pte_valid(d1))
			return SV39_EEXIST;
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
			/* dst's slot borrowed or lent; src's borrowed (no lending on) */
			if (slot_borrowed(t->s, de) || space_lent(t->s, sl.va) ||
			    slot_borrowed(ts->s, se))
				return SV39_EBUSY;
			if (pte_valid(de))
				return SV39_EEXIST;
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

/*
 * src's table entry for a slot: a superpage there is split first (a table
 * from ts's reserve; the split keeps every translation, so no flush).
 */
static sv39_pte_t
lendable(struct sv39_txn *ts, sv39_pte_t *slot, unsigned level)
{
	if (pte_leaf(pte_get(slot)))
		sv39_split_leaf_(ts, slot, level);
	return pte_get(slot);
}

/*
 * Share the 2 MiB slots [va, last] of one gigabyte; droot_e is dst's root
 * entry, sroot_e src's. Takes exactly what share_prepare_mega counted: a
 * level-1 table for dst when droot_e is empty (filled completely, then
 * linked with pte_publish), src's splits from ts. Does not flush: every
 * entry it writes in dst was empty, and splits keep src's translations.
 */
static void
share_apply_mega(struct sv39_txn *t, struct sv39_txn *ts, sv39_pte_t *droot_e, sv39_pte_t *sroot_e,
		 sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *dl1 = NULL, *sl1;
	sv39_pa_t fresh = 0;
	struct slot sl;

	if (!pte_valid(pte_get(sroot_e)))
		return;
	sl1 = next_table(ts->s, lendable(ts, sroot_e, 2));
	for_each_slot (sl, 1, va, last) {
		if (!pte_valid(pte_get(&sl1[sl.i])))
			continue;
		if (!dl1 && pte_valid(pte_get(droot_e))) {
			dl1 = next_table(t->s, pte_get(droot_e));
		} else if (!dl1) {
			fresh = sv39_txn_take_(t); /* linked below, once filled */
			dl1 = table_of(t->s, fresh);
		}
		pte_publish(&dl1[sl.i], borrowed_pte(lendable(ts, &sl1[sl.i], 1)));
		mark_lent(ts->s, sl.va);
	}
	if (fresh)
		pte_publish(droot_e, sv39_pte_make(fresh, SV39_PTE_V));
}

/*
 * Link src's tables for [va, last] into dst, marked borrowed: whole
 * gigabytes at the root, 2 MiB slots through share_apply_mega. Cannot
 * fail; takes exactly what share_prepare counted from t (dst) and ts
 * (src). Does not record the loan (sv39_share does) and does not flush.
 */
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
		if (!pte_valid(pte_get(&sroot[sl.i])))
			continue;
		pte_publish(&droot[sl.i], borrowed_pte(lendable(ts, &sroot[sl.i], 2)));
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
	/* Both ledgers name the structs: one rebuilt for a call would dangle. */
	if (space_rebuilt(dst) || space_rebuilt(src))
		return SV39_EINVAL;
	err = sv39_range_check_(va, size, SV39_MEGA_SIZE, &last);
	if (err)
		return err;

	sv39_txn_init_(&t, dst);
	sv39_txn_init_(&ts, src);
	err = share_prepare(&t, &ts, va, last, &linked);
	if (err)
		return err;
	if (linked) { /* both ledgers record the loan (a page each, maybe) */
		t.need += sv39_loan_need_(dst, src);
		ts.need += sv39_loan_need_(src, dst);
	}
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	err = sv39_txn_reserve_(&ts);
	if (err) {
		sv39_txn_cancel_(&t);
		return err;
	}
	/*
	 * dst will walk src's tables, and the ones src adds below them later,
	 * which only src's own reserve checks: translate in dst calls
	 * phys_to_virt from now on (a NULL phys_to_virt vouches for all).
	 */
	if (linked && dst->p2v)
		dst->linear_root = 0;
	share_apply(&t, &ts, va, last);
	if (linked) {
		sv39_loan_add_(&t, src, SV39_LOAN_BORROWED);
		sv39_loan_add_(&ts, dst, SV39_LOAN_LENT);
	}
	/* Splits keep every translation and links are new: nothing to flush. */
	sv39_txn_finish_(&ts);
	sv39_txn_finish_(&t);
	return 0;
}
