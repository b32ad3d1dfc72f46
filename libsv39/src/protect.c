/* SPDX-License-Identifier: MIT */
/*
 * protect.c - sv39_protect.
 *
 * The cost that matters is per 4 KiB leaf (a copy-on-write fork clears W
 * on every page of the parent), so the level-0 loops are written to run
 * with no call and, where the hardware can set nothing, no atomic: the
 * read-only check of a level-0 table is one loop of loads and tests, its
 * change one loop of loads and stores, and the span to flush is recorded
 * once per table.
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"

struct protect_args {
	uint64_t set, clear;
	bool ad;	  /* set or clear touches A or D: never a no-op */
	uint32_t bad_rwx; /* bit k: a leaf whose R W X PBMT are combination k fails */
};

static inline sv39_pte_t
protect_pte(const struct protect_args *p, sv39_pte_t e)
{
	return (e & ~p->clear) | p->set;
}

/* The bits sv39_perm_check_ looks at, as an index 0..31: R W X, then PBMT. */
static inline unsigned
rwx_combination(sv39_pte_t e)
{
	return (unsigned)(((e >> 1) & 7) | ((e >> 58) & 0x18));
}

/*
 * For each combination k of R W X PBMT a leaf may have before the protect,
 * whether the leaf after it fails sv39_perm_check_: 32 bits, computed once
 * per call, so the per-leaf check is a shift and a test. 0 for a protect no
 * leaf can fail (clearing W, U, A or D, setting X), which then skips it.
 */
static uint32_t
protect_bad_rwx(const struct protect_args *p)
{
	uint32_t bad = 0;

	for (unsigned k = 0; k < 32; k++) {
		sv39_pte_t e = ((sv39_pte_t)(k & 7) << 1) | ((sv39_pte_t)(k >> 3) << 61);

		if (sv39_perm_check_(protect_pte(p, e) & SV39_PERM_MASK))
			bad |= (uint32_t)1 << k;
	}
	return bad;
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
	return !p->ad && protect_pte(p, e) == e;
}

/* Leaf e would change and the new one is no valid permission set: EPERM. */
static inline bool
protect_fails(const struct protect_args *p, sv39_pte_t e)
{
	return (p->bad_rwx >> rwx_combination(e)) & 1 && !protect_noop(p, e);
}

/* Why the level-0 entry e fails the protect, or 0 if it does not. */
static int
protect_leaf_error(const struct protect_args *p, sv39_pte_t e)
{
	if (!pte_leaf(e))
		return SV39_ENOENT;
	if (e & SV39_PTE_BORROWED)
		return SV39_EBUSY;
	return protect_fails(p, e) ? SV39_EPERM : 0;
}

/*
 * The bits of a leaf that decide whether it passes protect_leaf_error
 * when its permissions change: V, R, W, X, the borrowed mark and PBMT
 * (what protect_bad_rwx looks at). Leaves of one table nearly always
 * share them.
 */
#define LEAF_VERDICT_MASK \
	(SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_X | SV39_PTE_BORROWED | SV39_PTE_PBMT_MASK)

/*
 * The level-0 entries of [va, last] in table: every one a leaf (ENOENT),
 * none borrowed (EBUSY), none made invalid (EPERM). Reads only. A leaf
 * whose verdict bits are those of the last leaf found good passes on a
 * load, an AND and a compare; any other goes to protect_leaf_error. Out
 * of line, called once per table: the loop gets the registers to itself.
 */
static __attribute__((noinline)) int
protect_check_leaves(const struct protect_args *p, const sv39_pte_t *table, sv39_va_t va,
		     sv39_va_t last)
{
	sv39_pte_t good = ~(sv39_pte_t)0; /* no entry's verdict bits: none found yet */

	for (unsigned i = pte_index(va, 0); i <= pte_index(last, 0); i++) {
		sv39_pte_t e = pte_get(&table[i]);
		int err;

		if (SV39_LIKELY((e & LEAF_VERDICT_MASK) == good))
			continue;
		err = protect_leaf_error(p, e);
		if (err)
			return err;
		/* Good whatever its other bits: not just a no-op that escaped. */
		if (!((p->bad_rwx >> rwx_combination(e)) & 1))
			good = e & LEAF_VERDICT_MASK;
	}
	return 0;
}

/* Every page mapped, nothing borrowed, every new leaf a valid perm set. */
static int
protect_prepare(struct sv39_txn *t, const struct protect_args *p, struct view v, unsigned level,
		sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0 && v.leaf) /* a split superpage: checked at its level */
		return 0;
	if (level == 0)
		return v.table ? protect_check_leaves(p, v.table, va, last) : SV39_ENOENT;
	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = view_get(v, sl.i, level);
		int err;

		if (!pte_valid(e))
			return SV39_ENOENT;
		if (pte_borrowed(e))
			return SV39_EBUSY;
		if (pte_leaf(e) && protect_noop(p, e))
			continue; /* unchanged: no split, no flush */
		if (pte_leaf(e)) {
			if (protect_fails(p, e))
				return SV39_EPERM;
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
 * Change the live leaf in *slot, now e, to protect_pte(p, e): one plain
 * store where the hardware can set nothing, else one atomic (an AND, an OR,
 * or a compare-and-swap when the protect both sets and clears).
 */
static inline void
protect_leaf(uint64_t set, uint64_t clear, sv39_pte_t *slot, sv39_pte_t e)
{
	if (!pte_hardware_can_set(e))
		pte_set(slot, (e & ~clear) | set);
	else if (!set)
		pte_clear_bits(slot, clear);
	else if (!clear)
		pte_set_bits(slot, set);
	else
		pte_update(slot, clear, set);
}

/*
 * Apply the protect to the level-0 leaves of [va, last] in table, each
 * checked by protect_check_leaves. Records the span of the changed ones
 * for the flush once, not per leaf. Out of line, called once per table.
 */
static __attribute__((noinline)) void
protect_apply_leaves(struct sv39_txn *t, const struct protect_args *p, sv39_pte_t *table,
		     sv39_va_t va, sv39_va_t last)
{
	/* In registers, not reloaded per leaf; not a struct copy (-Os makes it memcpy). */
	const uint64_t set = p->set, clear = p->clear;
	unsigned i0 = pte_index(va, 0), end = pte_index(last, 0);
	unsigned first_changed = SV39_PTES_PER_TABLE, last_changed = 0;

	for (unsigned i = i0; i <= end; i++) {
		sv39_pte_t e = pte_get(&table[i]);

		/* Hardware only ever sets A and D: "no change" stays true. */
		if (((e & ~clear) | set) == e)
			continue;
		protect_leaf(set, clear, &table[i], e);
		if (first_changed == SV39_PTES_PER_TABLE)
			first_changed = i;
		last_changed = i;
	}
	if (first_changed <= last_changed && (pte_get(&table[first_changed]) & SV39_PTE_N))
		first_changed &= ~(SV39_NAPOT_PAGES - 1); /* the group's whole 64 KiB */
	if (first_changed <= last_changed && (pte_get(&table[last_changed]) & SV39_PTE_N))
		last_changed |= SV39_NAPOT_PAGES - 1;
	if (first_changed <= last_changed)
		sv39_txn_changed_(t, va + ((sv39_va_t)(first_changed - i0) << SV39_PAGE_SHIFT),
				  va + ((sv39_va_t)(last_changed - i0 + 1) << SV39_PAGE_SHIFT) - 1);
}

/*
 * A group the range cuts at an edge becomes 16 plain leaves first, but
 * only if the protect changes it (members differ only in A and D, and a
 * protect naming A or D is never a no-op, so its member at the edge
 * answers for the group), as a superpage is split only then.
 */
static void
protect_split_groups(struct sv39_txn *t, const struct protect_args *p, sv39_pte_t *table,
		     sv39_va_t va, sv39_va_t last)
{
	if (!space_napot(t->s))
		return;
	if (!is_aligned(va, SV39_NAPOT_SIZE) && !protect_noop(p, pte_get(&table[pte_index(va, 0)])))
		sv39_napot_split_(t, table, va);
	if (!is_aligned(last + 1, SV39_NAPOT_SIZE) &&
	    !protect_noop(p, pte_get(&table[pte_index(last, 0)])))
		sv39_napot_split_(t, table, last);
}

/*
 * Apply what protect_prepare checked. Does not flush: records the changed
 * span for sv39_txn_finish_.
 */
static void
protect_apply(struct sv39_txn *t, const struct protect_args *p, sv39_pte_t *table, unsigned level,
	      sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0) {
		protect_split_groups(t, p, table, va, last);
		protect_apply_leaves(t, p, table, va, last);
		return;
	}
	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];
		sv39_pte_t e = pte_get(slot);

		if (pte_leaf(e) && protect_noop(p, e))
			continue; /* as protect_prepare: unchanged, not split */
		if (pte_leaf(e) && sl.covered) {
			if (protect_pte(p, e) != e) {
				protect_leaf(p->set, p->clear, slot, e);
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
	p.ad = (p.set | p.clear) & (SV39_PTE_A | SV39_PTE_D);
	p.bad_rwx = protect_bad_rwx(&p);

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
