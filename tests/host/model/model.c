/* SPDX-License-Identifier: MIT */
/*
 * model - what each libsv39 call must do to two address spaces, computed
 * from the contract alone.
 *
 * Assumes (where the contract leaves the library a choice that decides
 * leaf sizes):
 *  - A range edge splits a superpage minimally: 1 GiB into 2 MiB leaves,
 *    and only the 2 MiB piece the edge cuts into 4 KiB leaves.
 *  - Nothing ever merges smaller leaves back into a superpage.
 *  - Space 0 keeps every table page under a root slot it lent (the
 *    library cannot flush a borrower's TLB before freeing one), so there a
 *    superpage is used only where no table exists.
 *  - Only tables are lent: a superpage of space 0 at the sharing level is
 *    split (minimally) before it is shared.
 *  - SV39_MAP_64K in a space with SV39_FEATURE_SVNAPOT writes a 64 KiB group
 *    wherever va, pa and the range allow (after superpages, with HUGE).
 *    A group that an unmap, protect or replace cuts becomes 16 plain
 *    leaves, each with the OR of the members' A and D (docs/api.md); a
 *    clone mirrors a group it cuts, or any group into a dst without the
 *    feature, as plain leaves each with its own member's A and D (each
 *    member is copied as the plain leaf of its page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define G SV39_GIGA_SIZE
#define M SV39_MEGA_SIZE
#define P SV39_PAGE_SIZE

static sv39_va_t
min_va(sv39_va_t a, sv39_va_t b)
{
	return a < b ? a : b;
}

static sv39_va_t
max_va(sv39_va_t a, sv39_va_t b)
{
	return a > b ? a : b;
}

static bool
vaset_has(const sv39_va_t *v, size_t n, sv39_va_t va)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == va)
			return true;
	return false;
}

static void
vaset_add(sv39_va_t **v, size_t *n, size_t *cap, sv39_va_t va)
{
	if (vaset_has(*v, *n, va))
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = realloc(*v, *cap * sizeof(**v));
		if (!*v)
			abort();
	}
	(*v)[(*n)++] = va;
}

static void
bor_add(struct model *m, sv39_va_t va, uint64_t size, bool live)
{
	if (m->nbor == m->bor_cap) {
		m->bor_cap = m->bor_cap ? m->bor_cap * 2 : 16;
		m->bor = realloc(m->bor, m->bor_cap * sizeof(*m->bor));
		if (!m->bor)
			abort();
	}
	m->bor[m->nbor++] = (struct mslot){ va, size, live };
}

void
model_init(struct model *m, const unsigned features[2])
{
	memset(m, 0, sizeof(*m));
	m->features[0] = features[0];
	m->features[1] = features[1];
	mspace_init(&m->own[0]);
	mspace_init(&m->own[1]);
}

void
model_fini(struct model *m)
{
	mspace_fini(&m->own[0]);
	mspace_fini(&m->own[1]);
	free(m->lent_gig);
	free(m->kept_l0);
	free(m->bor);
	memset(m, 0, sizeof(*m));
}

void
model_reset_space(struct model *m, int sp)
{
	mspace_clear(&m->own[sp]);
	if (sp == 1) {
		m->nbor = 0;
	} else {
		m->nlent_gig = 0;
		m->nkept_l0 = 0;
	}
}

bool
model_gig_lent(const struct model *m, sv39_va_t va)
{
	return vaset_has(m->lent_gig, m->nlent_gig, va & ~(G - 1));
}

static const struct mslot *
bor_find(const struct model *m, sv39_va_t va)
{
	for (size_t i = 0; i < m->nbor; i++)
		if (va - m->bor[i].va < m->bor[i].size)
			return &m->bor[i];
	return NULL;
}

bool
model_touches_borrowed(const struct model *m, int sp, sv39_va_t va, sv39_va_t last)
{
	if (sp != 1)
		return false;
	for (size_t i = 0; i < m->nbor; i++) {
		const struct mslot *b = &m->bor[i];

		if (b->va <= last && va <= b->va + (b->size - 1))
			return true;
	}
	return false;
}

const struct mleaf *
model_lookup(const struct model *m, int sp, sv39_va_t va)
{
	if (sp == 1) {
		const struct mslot *b = bor_find(m, va);

		if (b && b->live)
			return mspace_find(&m->own[0], va);
	}
	return mspace_find(&m->own[sp], va);
}

static int
cmp_leaf(const void *a, const void *b)
{
	const struct mleaf *x = a, *y = b;

	return x->va < y->va ? -1 : x->va > y->va;
}

void
model_view(const struct model *m, int sp, struct mleafvec *out)
{
	const struct mspace *own = &m->own[sp];

	out->n = 0;
	for (size_t i = 0; i < own->l.n; i++)
		mleafvec_push(out, &own->l.v[i]);
	if (sp != 1)
		return;
	for (size_t k = 0; k < m->nbor; k++) {
		const struct mslot *b = &m->bor[k];
		sv39_va_t last = b->va + (b->size - 1);

		if (!b->live)
			continue;
		for (size_t i = mspace_first(&m->own[0], b->va);
		     i < m->own[0].l.n && m->own[0].l.v[i].va <= last; i++) {
			const struct mleaf *l = &m->own[0].l.v[i];

			if (l->va < b->va || mleaf_last(l) > last) {
				fprintf(stderr, "model: leaf 0x%llx crosses a lent slot\n",
					(unsigned long long)l->va);
				abort();
			}
			mleafvec_push(out, l);
		}
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_leaf);
}

/* Is any page of [va, last] mapped in what space sp shows? */
static bool
view_any(const struct model *m, int sp, sv39_va_t va, sv39_va_t last)
{
	if (mspace_any(&m->own[sp], va, last))
		return true;
	if (sp != 1)
		return false;
	for (size_t k = 0; k < m->nbor; k++) {
		const struct mslot *b = &m->bor[k];
		sv39_va_t blast = b->va + (b->size - 1);

		if (b->live && b->va <= last && va <= blast &&
		    mspace_any(&m->own[0], max_va(va, b->va), min_va(last, blast)))
			return true;
	}
	return false;
}

/* The leaves space sp shows that overlap [va, last], in address order. */
static void
view_range(const struct model *m, int sp, sv39_va_t va, sv39_va_t last, struct mleafvec *out)
{
	const struct mspace *o = &m->own[sp];

	out->n = 0;
	for (size_t i = mspace_first(o, va); i < o->l.n && o->l.v[i].va <= last; i++)
		mleafvec_push(out, &o->l.v[i]);
	if (sp != 1)
		return;
	for (size_t k = 0; k < m->nbor; k++) {
		const struct mslot *b = &m->bor[k];
		sv39_va_t lo = max_va(va, b->va);
		sv39_va_t hi = min_va(last, b->va + (b->size - 1));
		const struct mspace *s = &m->own[0];

		if (!b->live || lo > hi)
			continue;
		for (size_t i = mspace_first(s, lo); i < s->l.n && s->l.v[i].va <= hi; i++)
			mleafvec_push(out, &s->l.v[i]);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_leaf);
}

/*
 * Call fn (may be NULL) for each leaf space sp shows over [va, last], in
 * order. Returns whether every page of the range is mapped.
 */
static bool
view_walk(const struct model *m, int sp, sv39_va_t va, sv39_va_t last,
	  void (*fn)(void *arg, const struct mleaf *l), void *arg)
{
	struct mleafvec v = { 0 };
	sv39_va_t next = va;
	bool full = true, reached = false;

	view_range(m, sp, va, last, &v);
	for (size_t i = 0; i < v.n; i++) {
		if (v.v[i].va > next && !reached)
			full = false;
		if (fn)
			fn(arg, &v.v[i]);
		if (mleaf_last(&v.v[i]) >= last)
			reached = true;
		else
			next = mleaf_last(&v.v[i]) + 1;
	}
	mleafvec_free(&v);
	return full && reached;
}

static bool
view_all(const struct model *m, int sp, sv39_va_t va, sv39_va_t last)
{
	return view_walk(m, sp, va, last, NULL, NULL);
}

bool
model_perm_valid(uint64_t bits)
{
	if (!(bits & (SV39_PTE_R | SV39_PTE_X)))
		return false;
	if ((bits & SV39_PTE_W) && !(bits & SV39_PTE_R))
		return false;
	/* PBMT = 3 is reserved: sv39_check calls such a leaf malformed. */
	return (bits & SV39_PTE_PBMT_MASK) != SV39_PTE_PBMT_MASK;
}

bool
model_canonical(sv39_va_t va)
{
	uint64_t top = va >> 38;

	return top == 0 || top == (UINT64_C(1) << 26) - 1;
}

unsigned
model_range_errs(sv39_va_t va, uint64_t size, uint64_t align)
{
	unsigned e = 0;

	if (!size)
		e |= MRES_ERR(SV39_EINVAL);
	if ((va | size) & (align - 1))
		e |= MRES_ERR(SV39_EALIGN);
	if (!model_canonical(va))
		e |= MRES_ERR(SV39_ERANGE);
	else if (size && va < SV39_LOW_END && size > SV39_LOW_END - va)
		e |= MRES_ERR(SV39_ERANGE);
	else if (size && va >= SV39_HIGH_BASE && size > 0 - va)
		e |= MRES_ERR(SV39_ERANGE);
	return e;
}

static unsigned
perm_errs(uint64_t perm)
{
	perm &= ~SV39_PTE_V; /* implied: ignored */
	if ((perm & ~SV39_PERM_MASK) || !model_perm_valid(perm))
		return MRES_ERR(SV39_EPERM);
	return 0;
}

struct newbits {
	uint64_t set, clear;
	bool bad;
};

static void
check_newbits(void *arg, const struct mleaf *l)
{
	struct newbits *nb = arg;

	uint64_t clear = nb->clear & ~SV39_PTE_V, set = nb->set & ~SV39_PTE_V;

	if (!model_perm_valid((l->flags & ~clear) | set))
		nb->bad = true;
}

static unsigned
expect_share(const struct model *m, sv39_va_t va, sv39_va_t last)
{
	const struct mspace *d = &m->own[1];
	unsigned e = 0;

	for (sv39_va_t g = va & ~(G - 1);; g += G) {
		sv39_va_t lo = max_va(va, g), hi = min_va(last, g + (G - 1));
		const struct mleaf *dl = mspace_find(d, g);

		if (lo == g && hi == g + (G - 1)) {
			if (mspace_any(d, lo, hi))
				e |= MRES_ERR(SV39_EEXIST);
			if (model_touches_borrowed(m, 1, lo, hi))
				e |= MRES_ERR(SV39_EEXIST) | MRES_ERR(SV39_EBUSY);
		} else {
			const struct mslot *b = bor_find(m, g);

			/* a borrowed root entry is both "there" and "borrowed" */
			if (b && b->size == G)
				e |= MRES_ERR(SV39_EEXIST) | MRES_ERR(SV39_EBUSY);
			else if (dl && dl->size == G)
				e |= MRES_ERR(SV39_EEXIST);
			for (sv39_va_t s = lo;; s += M) {
				if (mspace_any(d, s, s + (M - 1)))
					e |= MRES_ERR(SV39_EEXIST);
				if (model_touches_borrowed(m, 1, s, s + (M - 1)))
					e |= MRES_ERR(SV39_EEXIST) | MRES_ERR(SV39_EBUSY);
				if (s + (M - 1) >= hi)
					break;
			}
		}
		if (hi >= last)
			break;
	}
	return e;
}

unsigned
model_expect(const struct model *m, const struct eop *op)
{
	sv39_va_t last = op->va + (op->size - 1);
	unsigned e = 0, s = 0;

	switch (op->kind) {
	case EOP_MAP:
		e = model_range_errs(op->va, op->size, P);
		if (op->pa & (P - 1))
			e |= MRES_ERR(SV39_EALIGN);
		if (op->pa >= SV39_PA_LIMIT || op->size > SV39_PA_LIMIT - op->pa)
			e |= MRES_ERR(SV39_ERANGE);
		e |= perm_errs(op->perm);
		if (op->flags &
		    ~(unsigned)(SV39_MAP_HUGE | SV39_MAP_NO_AD | SV39_MAP_REPLACE | SV39_MAP_64K))
			e |= MRES_ERR(SV39_EINVAL);
		/* the harts would fault on N */
		if ((op->flags & SV39_MAP_64K) && !(m->features[op->sp] & SV39_FEATURE_SVNAPOT))
			e |= MRES_ERR(SV39_EINVAL);
		if (e)
			return e;
		if (model_touches_borrowed(m, op->sp, op->va, last))
			s |= MRES_ERR(SV39_EBUSY);
		if (!(op->flags & SV39_MAP_REPLACE) && view_any(m, op->sp, op->va, last))
			s |= MRES_ERR(SV39_EEXIST);
		return s ? s : MRES_OK;

	case EOP_UNMAP:
		e = model_range_errs(op->va, op->size, P);
		if (op->flags & ~(unsigned)(SV39_UNMAP_FREE | SV39_UNMAP_HOLES))
			e |= MRES_ERR(SV39_EINVAL);
		if (e)
			return e;
		if (model_touches_borrowed(m, op->sp, op->va, last))
			s |= MRES_ERR(SV39_EBUSY);
		if (!(op->flags & SV39_UNMAP_HOLES) && !view_all(m, op->sp, op->va, last))
			s |= MRES_ERR(SV39_ENOENT);
		return s ? s : MRES_OK;

	case EOP_PROTECT: {
		struct newbits nb = { op->set, op->clear, false };

		e = model_range_errs(op->va, op->size, P);
		if ((op->set | op->clear) & ~(SV39_PERM_MASK | SV39_PTE_V))
			e |= MRES_ERR(SV39_EPERM);
		if (e)
			return e;
		if (model_touches_borrowed(m, op->sp, op->va, last))
			s |= MRES_ERR(SV39_EBUSY);
		if (!view_walk(m, op->sp, op->va, last, check_newbits, &nb))
			s |= MRES_ERR(SV39_ENOENT);
		if (nb.bad)
			s |= MRES_ERR(SV39_EPERM);
		return s ? s : MRES_OK;
	}

	case EOP_CLONE: {
		struct newbits nb = { op->set, op->clear, false };

		e = model_range_errs(op->va, op->size, P);
		if (op->self)
			e |= MRES_ERR(SV39_EINVAL);
		if ((op->set | op->clear) & ~(SV39_PERM_MASK | SV39_PTE_V))
			e |= MRES_ERR(SV39_EPERM);
		if (e)
			return e;
		if (model_touches_borrowed(m, 1, op->va, last))
			s |= MRES_ERR(SV39_EBUSY);
		view_walk(m, 0, op->va, last, check_newbits, &nb);
		if (nb.bad)
			s |= MRES_ERR(SV39_EPERM);
		return s ? s : MRES_OK;
	}

	case EOP_SHARE:
		e = model_range_errs(op->va, op->size, M);
		if (op->self)
			e |= MRES_ERR(SV39_EINVAL);
		if (e)
			return e;
		s = expect_share(m, op->va, last);
		return s ? s : MRES_OK;

	case EOP_HARVEST:
		if (!op->npages)
			e |= MRES_ERR(SV39_EINVAL);
		if (op->bit != SV39_PTE_A && op->bit != SV39_PTE_D)
			e |= MRES_ERR(SV39_EINVAL);
		if (op->npages)
			e |= model_range_errs(op->va, op->npages * P, P);
		else if (op->va & (P - 1))
			e |= MRES_ERR(SV39_EALIGN);
		if (e)
			return e;
		last = op->va + (op->npages * P - 1);
		if (model_touches_borrowed(m, op->sp, op->va, last))
			return MRES_ERR(SV39_EBUSY);
		return MRES_OK;

	case EOP_RESET_DST:
	case EOP_RESET_ALL:
	case EOP_RESET_SRC:
	case EOP_TOUCH:
	case EOP_KINDS:
		break;
	}
	return MRES_OK;
}

/*
 * Space 0 keeps every table under a root slot it lent. Record the level-0
 * tables that exist there now: every 2 MiB slot holding 4 KiB leaves.
 */
static void
note_kept_tables(struct model *m)
{
	const struct mspace *o = &m->own[0];

	for (size_t k = 0; k < m->nlent_gig; k++) {
		sv39_va_t g = m->lent_gig[k], glast = g + (G - 1);

		for (size_t i = mspace_first(o, g); i < o->l.n && o->l.v[i].va <= glast; i++)
			if (o->l.v[i].size < M) /* a 4 KiB leaf or a group */
				vaset_add(&m->kept_l0, &m->nkept_l0, &m->kept_l0_cap,
					  o->l.v[i].va & ~(M - 1));
	}
}

/*
 * May a leaf of size L (1 GiB or 2 MiB) be placed at va in space sp?
 * Evaluated on the state before the map. A table that is kept (under a
 * lent root slot) is filled in, never replaced; any other table in the
 * way is replaced and freed, as sv39.h says of SV39_MAP_REPLACE ("tables
 * the new superpages make unreachable are freed after the flush").
 */
static bool
superpage_blocked(const struct model *m, int sp, sv39_va_t va, uint64_t L)
{
	if (L == G) {
		if (sp == 0 && model_gig_lent(m, va))
			return true;
		if (model_touches_borrowed(m, sp, va, va + (G - 1)))
			return true;
	} else if (sp == 0 && vaset_has(m->kept_l0, m->nkept_l0, va)) {
		return true;
	}
	return false;
}

/*
 * With SV39_MAP_REPLACE and SV39_MAP_NO_AD: is l a superpage the map writes
 * as it is (same frames, same bits but for A and D, which it keeps) and does
 * not replace by a bigger leaf? The library then leaves it whole rather than
 * split it into the same leaves. A map that presets A and D always writes.
 */
static bool
map_keeps(const struct mleafvec *plan, const struct eop *op, const struct mleaf *l, uint64_t bits)
{
	const uint64_t ad = SV39_PTE_A | SV39_PTE_D;

	if (l->size < M || (bits & ad) || ((l->flags ^ bits) & ~ad) ||
	    l->pa - l->va != op->pa - op->va)
		return false;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].size > l->size && plan->v[i].va <= l->va &&
		    mleaf_last(&plan->v[i]) >= mleaf_last(l))
			return false;
	return true;
}

/* Is leaf p inside one of the leaves in keep? */
static bool
inside_any(const struct mleafvec *keep, const struct mleaf *p)
{
	for (size_t k = 0; k < keep->n; k++)
		if (p->va >= keep->v[k].va && mleaf_last(p) <= mleaf_last(&keep->v[k]))
			return true;
	return false;
}

/*
 * SV39_MAP_REPLACE: remove what [va, last] maps in o, except the
 * superpages the map keeps whole (map_keeps), and drop the plan's leaves
 * inside those.
 */
static void
map_replace(struct mspace *o, const struct eop *op, sv39_va_t last, struct mleafvec *plan,
	    uint64_t bits)
{
	struct mleafvec keep = { 0 }, rest = { 0 };
	sv39_va_t next = op->va;
	bool done = false;

	for (size_t i = mspace_first(o, op->va); i < o->l.n && o->l.v[i].va <= last; i++)
		if (map_keeps(plan, op, &o->l.v[i], bits))
			mleafvec_push(&keep, &o->l.v[i]);
	for (size_t i = 0; i < plan->n; i++)
		if (!inside_any(&keep, &plan->v[i]))
			mleafvec_push(&rest, &plan->v[i]);
	for (size_t k = 0; k < keep.n && !done; k++) {
		sv39_va_t lo = max_va(keep.v[k].va, op->va);

		if (lo > next)
			mspace_remove(o, next, lo - 1, NULL);
		if (mleaf_last(&keep.v[k]) >= last)
			done = true;
		else
			next = mleaf_last(&keep.v[k]) + 1;
	}
	if (!done)
		mspace_remove(o, next, last, NULL);
	mleafvec_free(plan);
	*plan = rest;
	mleafvec_free(&keep);
}

static void
apply_map(struct model *m, const struct eop *op, sv39_va_t last)
{
	struct mspace *o = &m->own[op->sp];
	struct mleafvec plan = { 0 };
	uint64_t bits = op->perm | SV39_PTE_V; /* V in perm is implied */
	sv39_va_t p = op->va;

	if (!(op->flags & SV39_MAP_NO_AD))
		bits |= SV39_PTE_A | ((op->perm & SV39_PTE_W) ? SV39_PTE_D : 0);
	for (;;) {
		sv39_pa_t pa = op->pa + (p - op->va);
		uint64_t left = last - p; /* bytes left, minus one */
		struct mleaf l = { p, P, pa, bits, 0, 0 };

		if (op->flags & SV39_MAP_HUGE) {
			static const uint64_t sizes[] = { G, M };

			for (int k = 0; k < 2; k++) {
				uint64_t L = sizes[k];

				if (!((p | pa) & (L - 1)) && left >= L - 1 &&
				    !superpage_blocked(m, op->sp, p, L)) {
					l.size = L;
					break;
				}
			}
		}
		/* then a group, where va, pa and the range allow one */
		if (l.size == P && (op->flags & SV39_MAP_64K) &&
		    !((p | pa) & (SV39_NAPOT_SIZE - 1)) && left >= SV39_NAPOT_SIZE - 1)
			l = mleaf_group(p, pa, bits);
		mleafvec_push(&plan, &l);
		if (mleaf_last(&l) >= last)
			break;
		p += l.size;
	}
	if (op->flags & SV39_MAP_REPLACE)
		map_replace(o, op, last, &plan, bits);
	/* contiguous runs: superpages map_replace kept may sit between them */
	for (size_t i = 0, j; i < plan.n; i = j) {
		for (j = i + 1; j < plan.n && plan.v[j].va == mleaf_last(&plan.v[j - 1]) + 1; j++)
			;
		mspace_insert(o, &plan.v[i], j - i);
	}
	mleafvec_free(&plan);
}

/*
 * Cut the leaf around va for a protect, unless the protect leaves that leaf
 * as it is: the library does not split a superpage it does not change. A
 * protect that sets or clears A or D always counts as a change (a hardware
 * walker may set them between the library's two passes).
 */
static void
protect_cut(struct mspace *o, const struct eop *op, sv39_va_t va)
{
	const struct mleaf *l = mspace_find(o, va);
	uint64_t clear = op->clear & ~SV39_PTE_V;
	bool ad = (op->set | clear) & (SV39_PTE_A | SV39_PTE_D);

	if (l && !ad && ((l->flags & ~clear) | op->set) == l->flags)
		return;
	mspace_cut(o, va);
}

/*
 * Clear, then set bits in leaf l (V in clear is ignored); in every member
 * of a group alike, so a member's A or D goes only where clear names it
 * and comes only where set does.
 */
static void
leaf_change_bits(struct mleaf *l, uint64_t set, uint64_t clear)
{
	clear &= ~SV39_PTE_V;
	l->flags = (l->flags & ~clear) | set;
	if (l->size != SV39_NAPOT_SIZE)
		return;
	if (clear & SV39_PTE_A)
		l->a_members = 0;
	if (clear & SV39_PTE_D)
		l->d_members = 0;
	if (set & SV39_PTE_A)
		l->a_members = 0xffff;
	if (set & SV39_PTE_D)
		l->d_members = 0xffff;
}

static void
apply_protect(struct model *m, const struct eop *op, sv39_va_t last)
{
	struct mspace *o = &m->own[op->sp];

	protect_cut(o, op, op->va);
	protect_cut(o, op, last + 1);
	for (size_t i = mspace_first(o, op->va); i < o->l.n && o->l.v[i].va <= last; i++)
		leaf_change_bits(&o->l.v[i], op->set, op->clear);
}

/* The leaf a clone gives dst for src leaf flags. */
static uint64_t
clone_flags(const struct eop *op, uint64_t flags)
{
	return ((flags & ~(op->clear & ~SV39_PTE_V)) | op->set) & ~SV39_PTE_BORROWED;
}

/*
 * Does dst leaf d already map what src maps over all of it (one src leaf at
 * least as large, the same frames, the clone's flags but for A and D)?
 */
static bool
clone_in_sync(const struct model *m, const struct eop *op, const struct mleaf *d)
{
	const struct mleaf *sl = mspace_find(&m->own[0], d->va);

	return sl && sl->size >= d->size && sl->pa + (d->va - sl->va) == d->pa &&
	       ((clone_flags(op, sl->flags) ^ d->flags) & ~(SV39_PTE_A | SV39_PTE_D)) == 0;
}

/*
 * Cut dst at a clone's range edge va, one level at a time, but stop at a
 * piece already in sync with src: the library leaves that superpage whole.
 * Returns that piece, or NULL when va is a leaf boundary now.
 */
static const struct mleaf *
clone_cut(struct model *m, const struct eop *op, sv39_va_t va)
{
	const struct mleaf *d = mspace_find(&m->own[1], va);

	while (d && d->va != va) {
		/* a group the range cuts is always made plain first */
		if (d->size != SV39_NAPOT_SIZE && clone_in_sync(m, op, d))
			return d;
		d = mspace_cut_one(&m->own[1], va);
	}
	return NULL;
}

/*
 * Append src leaf l (overlapping [first, last]) to out as a clone takes it:
 * a group stays whole only inside the range and for a dst with Svnapot;
 * otherwise each member becomes the plain leaf of its page, with its own
 * A and D (the library copies member by member).
 */
static void
clone_take_leaf(const struct model *m, const struct mleaf *l, sv39_va_t first, sv39_va_t last,
		struct mleafvec *out)
{
	if (l->size != SV39_NAPOT_SIZE ||
	    ((m->features[1] & SV39_FEATURE_SVNAPOT) && l->va >= first && mleaf_last(l) <= last)) {
		mleafvec_push(out, l);
		return;
	}
	for (unsigned k = 0; k < 16; k++) {
		sv39_va_t va = l->va + k * P;
		struct mleaf p = {
			va, P, l->pa + k * P, mleaf_page_flags(l, va) & ~SV39_PTE_N, 0, 0
		};

		mleafvec_push(out, &p);
	}
}

static void
apply_clone(struct model *m, const struct eop *op, sv39_va_t last)
{
	struct mspace tmp;
	struct mleafvec run = { 0 };
	const struct mspace *s = &m->own[0];
	const struct mleaf *whole;
	sv39_va_t first = op->va;

	/* A cut dst superpage in sync stays whole: the range shrinks past it. */
	whole = clone_cut(m, op, op->va);
	if (whole && mleaf_last(whole) >= last)
		return;
	if (whole)
		first = mleaf_last(whole) + 1;
	whole = last + 1 ? clone_cut(m, op, last + 1) : NULL;
	if (whole)
		last = whole->va - 1;

	mspace_init(&tmp);
	for (size_t i = mspace_first(s, first); i < s->l.n && s->l.v[i].va <= last; i++)
		clone_take_leaf(m, &s->l.v[i], first, last, &tmp.l);
	mspace_cut(&tmp, first);
	mspace_cut(&tmp, last + 1);
	for (size_t i = 0; i < tmp.l.n; i++) {
		struct mleaf l = tmp.l.v[i];

		if (l.va < first || l.va > last)
			continue;
		leaf_change_bits(&l, op->set, op->clear); /* clone_flags, member by member */
		l.flags &= ~SV39_PTE_BORROWED;
		mleafvec_push(&run, &l);
	}
	mspace_remove(&m->own[1], first, last, NULL);
	mspace_insert(&m->own[1], run.v, run.n);
	mspace_fini(&tmp);
	mleafvec_free(&run);
}

/*
 * Space 1 borrows the 2 MiB slot s of space 0 (the library's level 1). A
 * superpage of space 0 there is split first (a gigapage into 2 MiB leaves,
 * the one at s into 4 KiB leaves), so that space 1 borrows a table and
 * sees every later change.
 */
static void
share_mega(struct model *m, sv39_va_t s)
{
	struct mspace *o = &m->own[0];
	const struct mleaf *l = mspace_find(o, s);

	if (l && l->size >= M) {
		mspace_cut(o, s);
		mspace_cut(o, s + P);
		bor_add(m, s, M, true);
		vaset_add(&m->lent_gig, &m->nlent_gig, &m->lent_gig_cap, s & ~(G - 1));
	} else if (mspace_any(o, s, s + (M - 1)) || vaset_has(m->kept_l0, m->nkept_l0, s)) {
		bor_add(m, s, M, true);
		vaset_add(&m->lent_gig, &m->nlent_gig, &m->lent_gig_cap, s & ~(G - 1));
	}
}

static void
apply_share(struct model *m, const struct eop *op, sv39_va_t last)
{
	struct mspace *o = &m->own[0];

	for (sv39_va_t g = op->va & ~(G - 1);; g += G) {
		sv39_va_t lo = max_va(op->va, g), hi = min_va(last, g + (G - 1));

		if (lo == g && hi == g + (G - 1)) {
			const struct mleaf *l = mspace_find(o, g);

			if (l && l->size == G) {
				/* a gigapage is split into 2 MiB leaves, that table lent */
				mspace_cut(o, g + M);
				bor_add(m, g, G, true);
				vaset_add(&m->lent_gig, &m->nlent_gig, &m->lent_gig_cap, g);
			} else if (mspace_any(o, lo, hi) || model_gig_lent(m, g)) {
				bor_add(m, g, G, true);
				vaset_add(&m->lent_gig, &m->nlent_gig, &m->lent_gig_cap, g);
			}
		} else {
			for (sv39_va_t s = lo;; s += M) {
				share_mega(m, s);
				if (s + (M - 1) >= hi)
					break;
			}
		}
		if (hi >= last)
			break;
	}
}

static void
apply_harvest(struct model *m, const struct eop *op, uint64_t *bitmap, int *count)
{
	struct mspace *o = &m->own[op->sp];
	sv39_va_t last = op->va + (op->npages * P - 1);

	*count = 0;
	for (uint64_t i = 0; i < op->npages; i++) {
		const struct mleaf *l = model_lookup(m, op->sp, op->va + i * P);
		uint64_t w = UINT64_C(1) << (i % 64);

		if (l && (l->flags & op->bit)) {
			bitmap[i / 64] |= w;
			(*count)++;
		} else {
			bitmap[i / 64] &= ~w;
		}
	}
	/* A superpage or group partly in range loses the bit as a whole. */
	for (size_t i = mspace_first(o, op->va); i < o->l.n && o->l.v[i].va <= last; i++)
		leaf_change_bits(&o->l.v[i], 0, op->bit);
}

/* The hardware's A or D update in one page's PTE (EOP_TOUCH). */
static void
apply_touch(struct model *m, const struct eop *op)
{
	struct mleaf *l = (struct mleaf *)mspace_find(&m->own[op->sp], op->va);
	bool dirty = op->bit == SV39_PTE_D;
	unsigned k;

	if (!l || (dirty && !(l->flags & SV39_PTE_W)))
		return;
	l->flags |= SV39_PTE_A | (dirty ? SV39_PTE_D : 0);
	if (l->size != SV39_NAPOT_SIZE)
		return;
	k = (unsigned)((op->va - l->va) / P);
	l->a_members |= (uint16_t)(1u << k);
	if (dirty)
		l->d_members |= (uint16_t)(1u << k);
}

/* The frames a destroy with SV39_FREE_FRAMES hands back: owned leaves. */
static void
owned_frames(const struct model *m, int sp, struct mleafvec *frames)
{
	const struct mspace *o = &m->own[sp];

	for (size_t i = 0; i < o->l.n; i++)
		if (!(o->l.v[i].flags & SV39_PTE_BORROWED))
			mleafvec_push(frames, &o->l.v[i]);
}

void
model_apply(struct model *m, const struct eop *op, struct mleafvec *frames, uint64_t *bitmap,
	    int *count)
{
	sv39_va_t last = op->va + (op->size - 1);

	switch (op->kind) {
	case EOP_MAP:
		apply_map(m, op, last);
		break;
	case EOP_UNMAP:
		mspace_remove(&m->own[op->sp], op->va, last,
			      (op->flags & SV39_UNMAP_FREE) ? frames : NULL);
		break;
	case EOP_PROTECT:
		apply_protect(m, op, last);
		break;
	case EOP_CLONE:
		apply_clone(m, op, last);
		break;
	case EOP_SHARE:
		apply_share(m, op, last);
		break;
	case EOP_HARVEST:
		apply_harvest(m, op, bitmap, count);
		break;
	case EOP_RESET_DST:
		if (op->flags & SV39_FREE_FRAMES)
			owned_frames(m, 1, frames);
		model_reset_space(m, 1);
		break;
	case EOP_RESET_ALL:
		if (op->flags & SV39_FREE_FRAMES) {
			owned_frames(m, 1, frames);
			owned_frames(m, 0, frames);
		}
		model_reset_space(m, 1);
		model_reset_space(m, 0);
		break;
	case EOP_RESET_SRC:
		/* the lender goes first: space 1 loses what it borrowed */
		if (op->flags & SV39_FREE_FRAMES)
			owned_frames(m, 0, frames);
		model_reset_space(m, 0);
		m->nbor = 0;
		break;
	case EOP_TOUCH:
		apply_touch(m, op);
		break;
	case EOP_KINDS:
		break;
	}
	note_kept_tables(m);
}
