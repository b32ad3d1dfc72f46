/* SPDX-License-Identifier: MIT */
/*
 * map.c - sv39_map.
 *
 * One recursive pass per step over the tables the range touches: each table
 * is looked up once and its entries are filled in a run, never a walk from
 * the root per page. Where SV39_MAP_HUGE fits a superpage over a table
 * (empty, or full of leaves being replaced), the table is cut loose and
 * freed after the flush, except in a root slot the space lent to another.
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"
#include "loan.h"

#define MAP_FLAGS (SV39_MAP_HUGE | SV39_MAP_NO_AD | SV39_MAP_REPLACE | SV39_MAP_64K)

struct map_args {
	sv39_va_t va;  /* start of the whole range */
	sv39_pa_t pa;  /* its physical address */
	uint64_t bits; /* leaf bits: perm | V (| A | D) */
	unsigned flags;
};

static inline sv39_pa_t
map_pa(const struct map_args *m, sv39_va_t va)
{
	return m->pa + (va - m->va);
}

/* May the slot be mapped by one leaf at this level? */
static inline bool
map_leaf_fits(const struct map_args *m, const struct slot *sl, unsigned level)
{
	if (level == 0)
		return true;
	return (m->flags & SV39_MAP_HUGE) && sl->covered &&
	       is_aligned(map_pa(m, sl->va), level_size(level));
}

/*
 * With SV39_MAP_REPLACE and SV39_MAP_NO_AD: does the map write over the
 * superpage e of this slot what it maps already (same frames, same bits but
 * for A and D)? Then the call leaves e whole, A and D as the hardware has
 * them, instead of splitting it to rewrite the same leaves, or of writing
 * the same superpage again without them (SV39_MAP_HUGE). The answer may
 * not depend on e's A and D, which a walker may set between prepare and
 * apply (they must agree: prepare's count is what apply takes), so a map
 * that presets A and D always writes.
 */
static inline bool
map_leaf_same(const struct map_args *m, sv39_pte_t e, const struct slot *sl, unsigned level)
{
	sv39_va_t base = sl->va & ~(level_size(level) - 1);
	sv39_pte_t ad = SV39_PTE_A | SV39_PTE_D;

	return pte_leaf(e) && !(m->bits & ad) && ((e ^ m->bits) & SV39_PTE_FLAGS_MASK & ~ad) == 0 &&
	       sv39_pte_pa(e) + (sl->va - base) == map_pa(m, sl->va);
}

/*
 * Prepare: find every error and count the tables the apply step will need.
 * v is the table as it is, or as it will be (empty, or a split superpage).
 * replaced: v's table is to be cut loose whole by a superpage above it, so
 * nothing below it is parked on its own.
 */
static int
map_prepare(struct sv39_txn *t, const struct map_args *m, struct view v, unsigned level,
	    sv39_va_t va, sv39_va_t last, bool replaced)
{
	struct slot sl;

	if (level == 0) {
		/* Only a real table can hold something in the way. */
		if (!v.table && !v.leaf)
			return 0;
		if (m->flags & SV39_MAP_REPLACE)
			return 0;
		if (!v.table)
			return SV39_EEXIST;
		for (unsigned i = pte_index(va, 0); i <= pte_index(last, 0); i++)
			if (pte_valid(pte_get(&v.table[i])))
				return SV39_EEXIST;
		return 0;
	}

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = view_get(v, sl.i, level);
		bool fits = map_leaf_fits(m, &sl, level);
		int err;

		if (pte_borrowed(e))
			return SV39_EBUSY;
		if (pte_leaf(e) && !(m->flags & SV39_MAP_REPLACE))
			return SV39_EEXIST;
		if (!fits && map_leaf_same(m, e, &sl, level))
			continue; /* a no-op here: no split */
		if (!pte_valid(e) || pte_leaf(e)) {
			if (fits)
				continue;
			t->need++; /* a new table, or the split of e */
		}
		bool cut = fits && pte_table(e) && !space_lent(t->s, sl.va);

		if (cut && !replaced)
			sv39_txn_count_defer_(t); /* map_apply parks this subtree */
		/*
		 * Below: a table to fill in, or, where a superpage fits, to be
		 * replaced by it. Either way its entries in range must allow the
		 * mapping; a fitting slot needs no table further down, so the
		 * count is right for both.
		 */
		err = map_prepare(t, m, view_child(t->s, e), level - 1, sl.va, sl.last,
				  replaced || cut);
		if (err)
			return err;
	}
	return 0;
}

/*
 * slot[k] = first + k * step for k < n, in a table no hart can reach yet
 * (fresh from the reserve, published afterwards): the hot loop of a 4 KiB
 * map. Two entries per store once slot is 16-byte aligned, which halves the
 * stores on hosts with 16-byte stores; rv64gc has none and gets two sd.
 * Plain stores are fine here only because nothing reads the table before
 * pte_publish orders them before its pointer.
 */
static void
fill_run_fresh(sv39_pte_t *slot, unsigned n, sv39_pte_t first, uint64_t step)
{
	unsigned k = 0;

	if (n && ((uintptr_t)slot & 15)) {
		slot[0] = first;
		k = 1;
	}
	pte_pair pair = { first + k * step, first + (k + 1) * step };
	const pte_pair inc = { 2 * step, 2 * step };

	for (; k + 2 <= n; k += 2, pair += inc)
		*(pte_pair *)(void *)&slot[k] = pair; /* aligned above */
	if (k < n)
		slot[k] = first + k * step;
}

/*
 * The same in a table a walker may be reading: one 64-bit store per entry,
 * so that no walker ever sees half of one (a 16-byte vector store need not
 * be single-copy atomic in its 8-byte halves on every host).
 */
static void
fill_run_live(sv39_pte_t *slot, unsigned n, sv39_pte_t first, uint64_t step)
{
	for (unsigned k = 0; k < n; k++)
		pte_set(&slot[k], first + k * step);
}

/*
 * Fill the level-0 slots for [va, last]: the hot loop of a 4 KiB map. fresh:
 * the table is not reachable yet. A replaced leaf's A and D are dropped
 * with it (SV39_MAP_REPLACE maps anew).
 */
static void
map_fill_plain(struct sv39_txn *t, const struct map_args *m, sv39_pte_t *table, bool fresh,
	       sv39_va_t va, sv39_va_t last)
{
	unsigned i0 = pte_index(va, 0), n = pte_index(last, 0) - i0 + 1;
	sv39_pte_t first = sv39_pte_make(map_pa(m, va), m->bits);
	const uint64_t step = (uint64_t)1 << SV39_PTE_PPN_SHIFT;
	sv39_pte_t *slot = table + i0;

	if (fresh) {
		fill_run_fresh(slot, n, first, step);
		return;
	}
	if (m->flags & SV39_MAP_REPLACE) {
		for (unsigned k = 0; k < n; k++) {
			sv39_pte_t old = pte_get(&slot[k]), e = first + k * step;

			if (pte_valid(old) && old != e)
				sv39_txn_changed_(t, va + ((uint64_t)k << SV39_PAGE_SHIFT),
						  va + ((uint64_t)k << SV39_PAGE_SHIFT) +
							  SV39_PAGE_SIZE - 1);
			pte_set(&slot[k], e);
		}
		return;
	}
	fill_run_live(slot, n, first, step);
}

/*
 * Whole groups in a table no hart can reach yet: groups runs of 16 slots
 * from slot (a 64 KiB aligned va's index, so 128-byte aligned), the first
 * group's members all first, each later group's 16 frames on. Every member
 * of a group is the same entry, so a 16-byte store writes two members and
 * a group is 8 stores and one add, where 4 KiB leaves need an add per pair.
 * Plain stores for the reason fill_run_fresh gives.
 */
static void
fill_groups_fresh(sv39_pte_t *slot, unsigned groups, sv39_pte_t first)
{
	const uint64_t step = (uint64_t)SV39_NAPOT_PAGES << SV39_PTE_PPN_SHIFT;
	pte_pair pair = { first, first };
	const pte_pair inc = { step, step };
	pte_pair *p = (pte_pair *)(void *)slot; /* aligned: see above */

	/* The 8 stores written out: GCC at -O2 keeps a loop of 8 a loop. */
	for (unsigned g = 0; g < groups; g++, p += SV39_NAPOT_PAGES / 2, pair += inc) {
		p[0] = pair;
		p[1] = pair;
		p[2] = pair;
		p[3] = pair;
		p[4] = pair;
		p[5] = pair;
		p[6] = pair;
		p[7] = pair;
	}
}

/*
 * The 16 members of one group, e each, in a table a walker may be reading:
 * one 64-bit store each, in slot order. A walker may find some written and
 * others as they were, and each written member alone maps the whole 64 KiB
 * (a TLB may cache it for pages whose member is not written yet), but only
 * to what this map writes there. A replaced leaf is flushed as in
 * map_fill_plain; without SV39_MAP_REPLACE every slot was empty (prepare).
 */
static void
fill_group_live(struct sv39_txn *t, sv39_pte_t *slot, sv39_pte_t e, sv39_va_t va, bool replace)
{
	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++) {
		sv39_va_t page = va + ((uint64_t)k << SV39_PAGE_SHIFT);
		sv39_pte_t old;

		if (replace) {
			old = pte_get(&slot[k]);
			if (pte_valid(old) && old != e)
				sv39_txn_changed_(t, page, page + SV39_PAGE_SIZE - 1);
		}
		pte_set(&slot[k], e);
	}
}

/* groups whole groups from va (64 KiB aligned, its pa too) in one table. */
static void
map_fill_groups(struct sv39_txn *t, const struct map_args *m, sv39_pte_t *table, bool fresh,
		sv39_va_t va, unsigned groups)
{
	sv39_pte_t e = napot_make(map_pa(m, va), m->bits);
	const uint64_t step = (uint64_t)SV39_NAPOT_PAGES << SV39_PTE_PPN_SHIFT;
	sv39_pte_t *slot = &table[pte_index(va, 0)];

	if (fresh) {
		fill_groups_fresh(slot, groups, e);
		return;
	}
	for (unsigned g = 0; g < groups; g++, e += step, va += SV39_NAPOT_SIZE)
		fill_group_live(t, slot + g * SV39_NAPOT_PAGES, e, va, m->flags & SV39_MAP_REPLACE);
}

/* The va n pages on from va. */
static inline sv39_va_t
pages_on(sv39_va_t va, unsigned n)
{
	return va + ((uint64_t)n << SV39_PAGE_SHIFT);
}

/*
 * Fill the level-0 slots for [va, last] (one table): groups where
 * SV39_MAP_64K asks for them and va, pa and the range allow, plain leaves
 * elsewhere. va - pa is the same for the whole call, so either every
 * 64 KiB aligned part of the range has its pa aligned too or none has:
 * the range splits into plain head, whole groups, plain tail. A replace
 * first rewrites a group the range cuts at an edge as plain leaves, so
 * that no group is left with members of another mapping.
 */
static void
map_fill_ptes(struct sv39_txn *t, const struct map_args *m, sv39_pte_t *table, bool fresh,
	      sv39_va_t va, sv39_va_t last)
{
	unsigned i0 = pte_index(va, 0), n = pte_index(last, 0) - i0 + 1;
	unsigned head = (SV39_NAPOT_PAGES - i0 % SV39_NAPOT_PAGES) % SV39_NAPOT_PAGES;
	unsigned groups, tail;

	if (!fresh && (m->flags & SV39_MAP_REPLACE))
		sv39_napot_split_edges_(t, table, va, last);
	if (!(m->flags & SV39_MAP_64K) || !is_aligned(m->pa - m->va, SV39_NAPOT_SIZE) ||
	    n < head + SV39_NAPOT_PAGES) {
		map_fill_plain(t, m, table, fresh, va, last);
		return;
	}
	groups = (n - head) / SV39_NAPOT_PAGES;
	tail = n - head - groups * SV39_NAPOT_PAGES;
	if (head)
		map_fill_plain(t, m, table, fresh, va, pages_on(va, head) - 1);
	map_fill_groups(t, m, table, fresh, pages_on(va, head), groups);
	if (tail)
		map_fill_plain(t, m, table, fresh, pages_on(va, n - tail), last);
}

/*
 * Apply: cannot fail; takes exactly the tables map_prepare counted. fresh:
 * table is not reachable yet (its entries are all zero). A new table below
 * is filled completely, then linked with pte_publish, so a walker never
 * sees it half-filled.
 */
static void
map_apply(struct sv39_txn *t, const struct map_args *m, sv39_pte_t *table, bool fresh,
	  unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0) {
		map_fill_ptes(t, m, table, fresh, va, last);
		return;
	}
	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];
		sv39_pte_t old = pte_get(slot);

		if (map_leaf_fits(m, &sl, level) && !(pte_table(old) && space_lent(t->s, sl.va))) {
			sv39_pte_t e = sv39_pte_make(map_pa(m, sl.va), m->bits);

			if (map_leaf_same(m, old, &sl, level))
				continue;   /* the same superpage: keeps its A and D */
			if (pte_table(old)) /* freed after the flush */
				sv39_txn_defer_subtree_(t, sv39_pte_pa(old), level - 1, sl.va,
							sl.last);
			else if (pte_valid(old) && old != e)
				sv39_txn_changed_(t, sl.va, sl.last);
			pte_set(slot, e);
			continue;
		}
		if (map_leaf_same(m, old, &sl, level))
			continue; /* as map_prepare: left whole */
		if (!pte_valid(old)) {
			sv39_pa_t pa = sv39_txn_take_(t);

			map_apply(t, m, table_of(t->s, pa), true, level - 1, sl.va, sl.last);
			pte_publish(slot, sv39_pte_make(pa, SV39_PTE_V));
			continue;
		}
		if (pte_leaf(old))
			sv39_split_leaf_(t, slot, level);
		map_apply(t, m, next_table(t->s, pte_get(slot)), false, level - 1, sl.va, sl.last);
	}
}

int
sv39_map(struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t size, uint64_t perm,
	 unsigned flags)
{
	struct map_args m = { .va = va, .pa = pa, .flags = flags };
	sv39_pte_t *root;
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(s) || (flags & ~MAP_FLAGS) || size == 0)
		return SV39_EINVAL;
	if ((flags & SV39_MAP_64K) && !space_napot(s))
		return SV39_EINVAL; /* the harts would fault on N */
	/* Every alignment error before any range error (docs/api.md). */
	if (!is_aligned(pa, SV39_PAGE_SIZE))
		return SV39_EALIGN;
	err = sv39_range_check_(va, size, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	if (pa >= SV39_PA_LIMIT || size > SV39_PA_LIMIT - pa)
		return SV39_ERANGE;
	perm &= ~SV39_PTE_V; /* implied */
	err = sv39_perm_check_(perm);
	if (err)
		return err;

	m.bits = perm | SV39_PTE_V;
	if (!(flags & SV39_MAP_NO_AD))
		m.bits |= SV39_PTE_A | ((perm & SV39_PTE_W) ? SV39_PTE_D : 0);

	sv39_txn_init_(&t, s);
	root = table_of(s, s->root);
	err = map_prepare(&t, &m, view_real(root), SV39_ROOT_LEVEL, va, last, false);
	if (err)
		return err;
	err = sv39_txn_reserve_(&t);
	if (err)
		return err;
	map_apply(&t, &m, root, false, SV39_ROOT_LEVEL, va, last);
	sv39_txn_finish_(&t);
	return 0;
}
