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
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"
#include "loan.h"

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
		if (src_has_leaf(src, pte_get(&table[sl.i]), level - 1, sl.va, sl.last))
			return true;
	return false;
}

/*
 * Is dst's leaf de, cut by the range, already what src's leaf se gives it
 * (same frames, same bits but for A and D, which are dst's own)? Then the
 * clone leaves it whole: a clone already in sync does nothing, where
 * mirroring se as smaller leaves would split de into 512 equal ones.
 */
static inline bool
leaf_in_sync(const struct clone_args *c, sv39_pte_t de, sv39_pte_t se)
{
	return pte_leaf(de) && pte_leaf(se) &&
	       ((de ^ clone_pte(c, se)) & ~(SV39_PTE_A | SV39_PTE_D)) == 0;
}

/*
 * What a clone does at one slot of a level-1 or level-2 table, decided
 * alike by both passes from dst's entry de, src's se, whether src maps
 * anything below se (src_leaf) and whether dst's tables there are lent
 * (keep_tables, never freed).
 */
enum clone_step {
	CLONE_SKIP,	/* nothing in src nor dst, or a cut superpage in sync */
	CLONE_REPLACE,	/* a src leaf covers the slot: dst's subtree goes */
	CLONE_IN_PLACE, /* dst's leaf or hole takes src's leaf, or dst's leaf goes */
	CLONE_DESCEND,	/* dst needs a table here: new, split, or its own */
};

static enum clone_step
clone_classify(const struct clone_args *c, sv39_pte_t de, sv39_pte_t se, bool src_leaf,
	       const struct slot *sl, bool keep_tables)
{
	if (!pte_valid(de) && !src_leaf)
		return CLONE_SKIP; /* no table to make: a no-op */
	if (!sl->covered && leaf_in_sync(c, de, se))
		return CLONE_SKIP; /* a cut superpage in sync stays whole */
	if (sl->covered && pte_leaf(se) && pte_table(de) && !keep_tables)
		return CLONE_REPLACE;
	if (sl->covered && !pte_table(de) && (pte_leaf(se) || !src_leaf))
		return CLONE_IN_PLACE;
	return CLONE_DESCEND;
}

/* The checks of one entry pair: SV39_EBUSY, a leaf perm error, or 0. */
static int
clone_check_entry(const struct clone_args *c, sv39_pte_t de, sv39_pte_t se)
{
	if (pte_borrowed(de))
		return SV39_EBUSY;
	if (pte_leaf(se) && !c->perm_safe)
		return sv39_perm_check_(clone_pte(c, se) & SV39_PERM_MASK);
	return 0;
}

static int clone_prepare(struct sv39_txn *t, const struct clone_args *c, struct view d,
			 struct view sv, unsigned level, sv39_va_t va, sv39_va_t last);

/*
 * The prepare step at one slot sl of a level-1 or level-2 table: count
 * what clone_apply will take there (a table, a parked subtree) and check
 * below. Returns 0 or the first error.
 */
static int
clone_prepare_slot(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t de, sv39_pte_t se,
		   unsigned level, const struct slot *sl)
{
	bool src_leaf = src_has_leaf(c->src, se, level, sl->va, sl->last);

	switch (clone_classify(c, de, se, src_leaf, sl, space_lent(t->s, sl->va))) {
	case CLONE_SKIP:
	case CLONE_IN_PLACE:
		return 0;
	case CLONE_REPLACE:
		if (level == 2 && sv39_table_has_borrowed_(next_table(t->s, de)))
			return SV39_EBUSY;
		sv39_txn_count_defer_(t); /* clone_apply parks dst's subtree */
		return 0;
	case CLONE_DESCEND:
		break;
	}
	if (!pte_table(de))
		t->need++;
	return clone_prepare(t, c, view_child(t->s, de), view_child(c->src, se), level - 1, sl->va,
			     sl->last);
}

/*
 * Find every error and count the tables needed. d is dst's table as it is
 * or will be; sv is src's. Reads only.
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
		err = clone_check_entry(c, de, se);
		if (!err && level > 0)
			err = clone_prepare_slot(t, c, de, se, level, &sl);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The common-case copy of clone_fill_table: keep (and, when with_set, set)
 * applied to every entry, two PTEs per 16-byte access, four accesses per
 * turn. Returns the AND of every source entry. with_set is a constant at
 * each call, so the usual set == 0 loop has no OR in it. src is live (a
 * walker may set A and D in it): read with pte_get_pair.
 */
static inline __attribute__((always_inline)) sv39_pte_t
clone_copy_pairs(pte_pair *restrict to, const pte_pair *restrict from, sv39_pte_t keep,
		 sv39_pte_t set, bool with_set)
{
	const pte_pair k2 = { keep, keep }, s2 = { set, set };
	pte_pair all2 = { ~(sv39_pte_t)0, ~(sv39_pte_t)0 };

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE / 2; i += 4) {
		pte_pair a = pte_get_pair(&from[i]), b = pte_get_pair(&from[i + 1]);
		pte_pair c = pte_get_pair(&from[i + 2]), d = pte_get_pair(&from[i + 3]);

		all2 &= a & b & c & d;
		to[i] = with_set ? (a & k2) | s2 : a & k2;
		to[i + 1] = with_set ? (b & k2) | s2 : b & k2;
		to[i + 2] = with_set ? (c & k2) | s2 : c & k2;
		to[i + 3] = with_set ? (d & k2) | s2 : d & k2;
	}
	return all2[0] & all2[1];
}

/*
 * Fill a whole fresh level-0 table from src's: each valid leaf with keep
 * and set applied, everything else 0. dst is not yet reachable: plain
 * stores; src is live: every entry read single-copy atomic (pte_get_pair,
 * pte_get). Fixed counts, restrict pointers and no branch in the copy, so
 * that it runs two entries per access.
 *
 * First the common case, a table of leaves that all have V and R (every
 * user page): a copy with keep and set applied, ANDing the entries on the
 * way to learn whether it was that case. If not, the exact per-entry form
 * overwrites it: V and one of R, W, X in arithmetic, as
 * ((e & RWX) + RWX) >> 4 is 1 exactly when RWX is nonzero.
 */
static void
clone_fill_table(sv39_pte_t *restrict dst, const sv39_pte_t *restrict src, sv39_pte_t keep,
		 sv39_pte_t set)
{
	const pte_pair *from = (const pte_pair *)(const void *)src; /* tables are */
	pte_pair *to = (pte_pair *)(void *)dst;			    /* page aligned */
	sv39_pte_t all = set ? clone_copy_pairs(to, from, keep, set, true)
			     : clone_copy_pairs(to, from, keep, 0, false);

	if ((all & (SV39_PTE_V | SV39_PTE_R)) == (SV39_PTE_V | SV39_PTE_R))
		return;
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t se = pte_get(&src[i]);
		sv39_pte_t leaf = (((se & SV39_PTE_LEAF_MASK) + SV39_PTE_LEAF_MASK) >> 4) & se;

		dst[i] = ((se & keep) | set) & (0 - (leaf & 1));
	}
}

/*
 * Remove dst's valid leaf in *slot (at level, covering va): a zombie (V
 * cleared by one atomic AND) that keeps its final A and D until
 * sv39_txn_finish_ zeroes it after the flush, as unmap's removals.
 */
static void
clone_remove(struct sv39_txn *t, sv39_pte_t *slot, sv39_va_t va, unsigned level)
{
	sv39_va_t base = va & ~(level_size(level) - 1);

	sv39_txn_zombie_(t, slot, base, base + (level_size(level) - 1));
}

/*
 * Entries i0..i1 of dst, a table just taken from the reserve (nothing to
 * compare with, plain stores), from src's: each valid leaf with keep and
 * set applied, everything else 0. A whole table takes clone_fill_table.
 */
static void
clone_fill_fresh(sv39_pte_t *restrict dst, const sv39_pte_t *restrict src, unsigned i0, unsigned i1,
		 sv39_pte_t keep, sv39_pte_t set)
{
	if (i0 == 0 && i1 == SV39_PTES_PER_TABLE - 1) {
		clone_fill_table(dst, src, keep, set);
		return;
	}
	for (unsigned i = i0; i <= i1; i++) {
		sv39_pte_t se = pte_get(&src[i]);
		/* 1 for a valid leaf (V and one of R, W, X), in arithmetic */
		sv39_pte_t leaf = se & ((se >> 1) | (se >> 2) | (se >> 3)) & 1;

		dst[i] = ((se & keep) | set) & -leaf;
	}
}

/*
 * The entry dst's slot i (of a clone of slots i0..i1) gets for e, a copy of
 * a src leaf with N: as it is where it is a member of a group wholly in
 * the range and dst's harts have Svnapot; else the plain 4 KiB leaf of its
 * page (a group the range cuts is mirrored as plain leaves, as a
 * superpage the range cuts is, and never half written into dst).
 */
static sv39_pte_t
clone_member(const struct sv39_space *dst, sv39_pte_t e, unsigned i, unsigned i0, unsigned i1)
{
	unsigned g0 = i & ~(SV39_NAPOT_PAGES - 1);

	if (!pte_napot(e) || (space_napot(dst) && g0 >= i0 && g0 + SV39_NAPOT_PAGES - 1 <= i1))
		return e;
	return sv39_pte_make(napot_pa(e) + ((uint64_t)(i - g0) << SV39_PAGE_SHIFT),
			     e & SV39_PTE_FLAGS_MASK & ~SV39_PTE_N);
}

/*
 * After clone_fill_fresh into a table no walker reaches yet: the members
 * of src groups that clone_member would have made plain. Only src spaces
 * with Svnapot have members; with dst's too, only the groups at the two
 * edges can be cut.
 */
static void
clone_fresh_members(const struct clone_args *c, const struct sv39_space *dst, sv39_pte_t *table,
		    unsigned i0, unsigned i1)
{
	unsigned from = i0, to = i1;

	if (!space_napot(c->src))
		return;
	if (space_napot(dst)) {
		for (unsigned i = i0; i <= i1 && i % SV39_NAPOT_PAGES; i++)
			table[i] = clone_member(dst, table[i], i, i0, i1);
		from = i1 & ~(SV39_NAPOT_PAGES - 1);
		if ((i1 + 1) % SV39_NAPOT_PAGES == 0)
			return;
		from = from > i0 ? from : i0;
	}
	for (unsigned i = from; i <= to; i++)
		table[i] = clone_member(dst, table[i], i, i0, i1);
}

/*
 * Make dst's level-0 slots for [va, last] equal src's: the hot loop of a
 * clone. Branch-free per entry; changed valid entries are collected as one
 * span for the flush. fresh: dst is not reachable yet, so plain stores do;
 * otherwise each entry is one 64-bit store (a walker may be reading it), and
 * dst's own A and D are overwritten, as the contract says.
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
		clone_fill_fresh(dst, src, i0, i1, keep, set);
		clone_fresh_members(c, t->s, dst, i0, i1);
		return;
	}
	if (!fresh)
		sv39_napot_split_edges_(t, dst, va, last); /* dst's groups the range cuts */
	for (unsigned i = i0; i <= i1; i++) {
		sv39_pte_t se = src ? pte_get(&src[i]) : view_get(sv, i, 0);
		sv39_pte_t old = pte_get(&dst[i]);
		/* all ones when se is a valid leaf, else zero */
		sv39_pte_t is_leaf = -(sv39_pte_t)((se & SV39_PTE_V) && (se & SV39_PTE_LEAF_MASK));
		sv39_pte_t e = ((se & keep) | set) & is_leaf;

		if (SV39_UNLIKELY(e & SV39_PTE_N))
			e = clone_member(t->s, e, i, i0, i1);

		if (!(old & SV39_PTE_V) || old == e) {
			pte_set(&dst[i], e);
			continue;
		}
		first_changed = first_changed < i ? first_changed : i;
		last_changed = i;
		if (e)
			pte_set(&dst[i], e); /* replaced: the old A and D go with it */
		else
			clone_remove(t, &dst[i], va + ((sv39_va_t)(i - i0) << SV39_PAGE_SHIFT), 0);
	}
	if (first_changed <= last_changed) {
		sv39_va_t base = va - ((sv39_va_t)i0 << SV39_PAGE_SHIFT);

		sv39_txn_changed_(t, base + ((sv39_va_t)first_changed << SV39_PAGE_SHIFT),
				  base + ((sv39_va_t)last_changed << SV39_PAGE_SHIFT) +
					  (SV39_PAGE_SIZE - 1));
	}
}

/*
 * CLONE_IN_PLACE at *slot (dst's de, at level, covering sl): src's leaf se
 * written over dst's leaf or hole (a changed valid leaf recorded for the
 * flush), or, where src has nothing, dst's leaf removed (a zombie).
 */
static void
clone_apply_in_place(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t *slot,
		     sv39_pte_t de, sv39_pte_t se, unsigned level, const struct slot *sl)
{
	sv39_pte_t e;

	if (!pte_leaf(se)) {
		clone_remove(t, slot, sl->va, level);
		return;
	}
	e = clone_pte(c, se);
	if (pte_valid(de) && de != e)
		sv39_txn_changed_(t, sl->va, sl->last);
	pte_set(slot, e);
}

static void clone_apply(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t *dst, bool fresh,
			struct view sv, unsigned level, sv39_va_t va, sv39_va_t last);

/*
 * CLONE_DESCEND at *slot (dst's de, at level, covering sl): mirror src
 * below it in a table of dst's: a new one, filled completely and then
 * linked with pte_publish, so that a walker never sees it half-filled;
 * dst's superpage split; or dst's own. A table left empty becomes a
 * zombie, freed after the flush, unless dst lent it (keep_tables). Never
 * inlined, so that the store linking a new table is in this function at
 * every optimisation level (check-fence.py names it); one call per table.
 */
static __attribute__((noinline)) void
clone_apply_below(struct sv39_txn *t, const struct clone_args *c, sv39_pte_t *slot, sv39_pte_t de,
		  sv39_pte_t se, unsigned level, const struct slot *sl, bool keep_tables)
{
	sv39_pte_t *child;

	if (!pte_valid(de)) {
		sv39_pa_t pa = sv39_txn_take_(t);

		child = table_of(t->s, pa);
		clone_apply(t, c, child, true, view_child(c->src, se), level - 1, sl->va, sl->last);
		pte_publish(slot, sv39_pte_make(pa, SV39_PTE_V));
	} else {
		if (pte_leaf(de))
			sv39_split_leaf_(t, slot, level);
		child = next_table(t->s, pte_get(slot));
		clone_apply(t, c, child, false, view_child(c->src, se), level - 1, sl->va,
			    sl->last);
	}
	if (!keep_tables && sv39_table_is_empty_(child)) {
		sv39_va_t base = sl->va & ~(level_size(level) - 1);

		sv39_txn_zombie_(t, slot, base, base + (level_size(level) - 1));
	}
}

/*
 * Make dst's [va, last] at level mirror src (sv), taking exactly what
 * clone_prepare counted. fresh: dst is a table no hart can reach yet.
 * Does not flush: records changes and zombies for sv39_txn_finish_.
 */
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
		sv39_pte_t de = pte_get(slot);
		bool keep_tables = space_lent(t->s, sl.va);
		bool src_leaf = src_has_leaf(c->src, se, level, sl.va, sl.last);

		switch (clone_classify(c, de, se, src_leaf, &sl, keep_tables)) {
		case CLONE_SKIP:
			break;
		case CLONE_REPLACE:
			sv39_txn_defer_subtree_(t, sv39_pte_pa(de), level - 1, sl.va, sl.last);
			pte_set(slot, clone_pte(c, se));
			break;
		case CLONE_IN_PLACE:
			clone_apply_in_place(t, c, slot, de, se, level, &sl);
			break;
		case CLONE_DESCEND:
			clone_apply_below(t, c, slot, de, se, level, &sl, keep_tables);
			break;
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
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
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

	sv39_txn_init_(&t, dst);
	root = table_of(dst, dst->root);
	err = clone_prepare(&t, &c, view_real(root), view_real(table_of(src, src->root)),
			    SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	clone_apply(&t, &c, root, false, view_real(table_of(src, src->root)), SV39_ROOT_LEVEL, va,
		    last);
	sv39_txn_finish_(&t);
	return 0;
}
