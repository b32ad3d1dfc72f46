/* SPDX-License-Identifier: MIT */
/*
 * clone.c - sv39_clone_range: mirror one space's mappings into another.
 *
 * dst is walked together with src. Where src has nothing, dst's mappings go
 * (tables left empty are freed after the flush); where src has a leaf, dst
 * gets the same frame with the bits changed; a src superpage wholly inside
 * the range becomes one leaf in dst, replacing whatever tables dst had
 * there (they are freed after the flush, unless dst lent them).
 */
#include "internal.h"

struct clone_args {
	const struct sv39_space *src;
	uint64_t clear, set;
	bool perm_safe; /* no valid perm set can turn invalid: skip the checks */
};

/* The leaf dst gets for src leaf e: never carries src's borrowed mark. */
static inline sv39_pte_t
clone_pte(const struct clone_args *c, sv39_pte_t e)
{
	return (e & ~(c->clear | SV39_PTE_BORROWED)) | c->set;
}

/*
 * Does src map anything in [va, last] at or below its entry se of a
 * level-(level) table? Read only; stops at the first leaf. Lets a clone
 * skip a src subtree that holds tables but no leaves (a lender keeps lent
 * tables that emptied) instead of building, then dropping, a table for it.
 */
static bool
src_has_leaf(const struct sv39_space *src, sv39_pte_t se, unsigned level, sv39_va_t va,
	     sv39_va_t last)
{
	const sv39_pte_t *table;
	struct slot sl;

	if (pte_leaf(se))
		return true;
	if (!pte_table(se) || level == 0)
		return false;
	table = next_table(src, se);
	for_each_slot (sl, level - 1, va, last)
		if (src_has_leaf(src, table[sl.i], level - 1, sl.va, sl.last))
			return true;
	return false;
}

/*
 * Find every error and count the tables needed. d is dst's table as it is
 * or will be; sv is src's.
 */
static int
clone_prepare(struct sv39_txn *t, const struct clone_args *c, struct view d, struct view sv,
	      unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t de = view_get(d, sl.i, level);
		sv39_pte_t se = view_get(sv, sl.i, level);
		int err;

		if (level == 0 && c->perm_safe)
			break; /* nothing left to check below level 1 */
		if (pte_borrowed(de))
			return SV39_EBUSY;
		if (pte_leaf(se) && !c->perm_safe) {
			err = sv39_perm_check(clone_pte(c, se) & SV39_PERM_MASK);
			if (err)
				return err;
		}
		if (level == 0)
			continue;
		/* Nothing in src and nothing in dst: no table to make (a no-op). */
		if (!pte_valid(de) && !src_has_leaf(c->src, se, level, sl.va, sl.last))
			continue;
		if (sl.covered && pte_leaf(se) && pte_table(de) && !space_lent(t->s, sl.va)) {
			/* dst's subtree is replaced by one leaf. */
			if (level == 2 && sv39_table_has_borrowed(next_table(t->s, de)))
				return SV39_EBUSY;
			sv39_txn_count_defer(t); /* clone_apply parks dst's subtree */
			continue;
		}
		if (!pte_valid(se) && !pte_valid(de))
			continue;
		if (sl.covered && (pte_leaf(se) || !pte_valid(se)) && !pte_table(de))
			continue; /* a leaf written or removed in place */
		/* dst needs a table here: new, split, or its own. */
		if (!pte_table(de))
			t->need++;
		err = clone_prepare(t, c, view_child(t->s, de), view_child(c->src, se), level - 1,
				    sl.va, sl.last);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Make dst's level-0 slots for [va, last] equal src's: the hot loop of a
 * clone. Branch-free per entry; changed valid entries are collected as one
 * span for the flush.
 */
static void
clone_fill_ptes(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t *dst, struct view sv,
		sv39_va_t va, sv39_va_t last, bool fresh)
{
	unsigned i0 = pte_index(va, 0), i1 = pte_index(last, 0);
	const sv39_pte_t keep = ~(c->clear | SV39_PTE_BORROWED), set = c->set;
	const sv39_pte_t *src = sv.table;
	unsigned first_changed = SV39_PTES_PER_TABLE, last_changed = 0;

	if (src && fresh) {
		/* A table just taken from the reserve: nothing to compare with. */
		for (unsigned i = i0; i <= i1; i++) {
			sv39_pte_t se = src[i];
			/* 1 for a valid leaf (V and one of R, W, X), in arithmetic */
			sv39_pte_t leaf = se & ((se >> 1) | (se >> 2) | (se >> 3)) & 1;

			dst[i] = ((se & keep) | set) & -leaf;
		}
		return;
	}
	if (!src) {
		/* A split src superpage or nothing: rare, take the slow way. */
		for (unsigned i = i0; i <= i1; i++) {
			sv39_pte_t se = view_get(sv, i, 0);
			sv39_pte_t e = pte_leaf(se) ? (se & keep) | set : 0;

			if (pte_valid(dst[i]) && dst[i] != e) {
				first_changed = first_changed < i ? first_changed : i;
				last_changed = i;
			}
			dst[i] = e;
		}
	} else {
		for (unsigned i = i0; i <= i1; i++) {
			sv39_pte_t se = src[i], old = dst[i];
			/* all ones when se is a valid leaf, else zero */
			sv39_pte_t is_leaf =
				-(sv39_pte_t)((se & SV39_PTE_V) && (se & SV39_PTE_LEAF_MASK));
			sv39_pte_t e = ((se & keep) | set) & is_leaf;

			if ((old & SV39_PTE_V) && old != e) {
				first_changed = first_changed < i ? first_changed : i;
				last_changed = i;
			}
			dst[i] = e;
		}
	}
	if (first_changed <= last_changed) {
		sv39_va_t base = va - ((sv39_va_t)i0 << SV39_PAGE_SHIFT);

		sv39_txn_changed(t, base + ((sv39_va_t)first_changed << SV39_PAGE_SHIFT),
				 base + ((sv39_va_t)last_changed << SV39_PAGE_SHIFT) +
					 (SV39_PAGE_SIZE - 1));
	}
}

static void
clone_apply(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t *dst, bool fresh,
	    struct view sv, unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0) {
		clone_fill_ptes(t, c, dst, sv, va, last, fresh);
		return;
	}
	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &dst[sl.i];
		sv39_pte_t se = view_get(sv, sl.i, level);
		bool keep_tables = space_lent(t->s, sl.va);
		bool child_fresh;
		sv39_pte_t *child;

		if (!pte_valid(*slot) && !src_has_leaf(c->src, se, level, sl.va, sl.last))
			continue; /* as clone_prepare: nothing to mirror */
		if (sl.covered && pte_leaf(se)) {
			sv39_pte_t e = clone_pte(c, se);

			if (pte_table(*slot) && !keep_tables) {
				sv39_txn_defer_subtree(t, sv39_pte_pa(*slot), level - 1, sl.va,
						       sl.last);
				*slot = e;
				continue;
			}
			if (!pte_table(*slot)) {
				if (pte_valid(*slot) && *slot != e)
					sv39_txn_changed(t, sl.va, sl.last);
				*slot = e;
				continue;
			}
		}
		if (sl.covered && !pte_valid(se) && pte_leaf(*slot)) {
			*slot = 0;
			sv39_txn_changed(t, sl.va, sl.last);
			continue;
		}
		child_fresh = !pte_valid(*slot);
		if (child_fresh)
			*slot = sv39_pte_make(sv39_txn_take(t), SV39_PTE_V);
		else if (pte_leaf(*slot))
			sv39_split_leaf(t, slot, level);
		child = next_table(t->s, *slot);
		clone_apply(t, c, child, child_fresh, view_child(c->src, se), level - 1, sl.va,
			    sl.last);
		if (!keep_tables && sv39_table_is_empty(child)) {
			sv39_va_t base = sl.va & ~(level_size(level) - 1);

			sv39_txn_zombie(t, slot, base, base + (level_size(level) - 1));
		}
	}
}

int
sv39_clone_range(struct sv39_space *dst, const struct sv39_space *src, sv39_va_t va, uint64_t size,
		 uint64_t clear, uint64_t set)
{
	struct clone_args c = { .src = src, .clear = clear, .set = set };
	sv39_pte_t *root;
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(dst) || !space_ok(src) || dst == src)
		return SV39_EINVAL;
	err = sv39_range_check(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	clear &= ~SV39_PTE_V; /* implied: never set or cleared */
	set &= ~SV39_PTE_V;
	if ((clear | set) & ~SV39_PERM_MASK)
		return SV39_EPERM;
	c.clear = clear;
	c.set = set;
	/*
	 * R and X survive, W never comes without R and no PBMT bit is added
	 * (which could make PBMT = 3): every valid leaf stays valid.
	 */
	c.perm_safe = !(clear & (SV39_PTE_R | SV39_PTE_X)) &&
		      (!(set & SV39_PTE_W) || (set & SV39_PTE_R)) && !(set & SV39_PTE_PBMT_MASK);

	sv39_txn_init(&t, dst);
	root = table_of(dst, dst->root);
	err = clone_prepare(&t, &c, view_real(root), view_real(table_of(src, src->root)),
			    SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve(&t);
	if (err)
		return err;
	clone_apply(&t, &c, root, false, view_real(table_of(src, src->root)), SV39_ROOT_LEVEL, va,
		    last);
	sv39_txn_finish(&t);
	return 0;
}
