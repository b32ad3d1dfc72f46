/* SPDX-License-Identifier: MIT */
/*
 * engine - libsv39 and the reference model, side by side.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "opgen.h"
#include "rawtree.h"
#include "softmmu.h"

#define P SV39_PAGE_SIZE

static const char *const kind_names[] = {
	[EOP_MAP] = "map",
	[EOP_UNMAP] = "unmap",
	[EOP_PROTECT] = "protect",
	[EOP_CLONE] = "clone_range",
	[EOP_SHARE] = "share",
	[EOP_HARVEST] = "harvest",
	[EOP_RESET_DST] = "destroy+init space 1",
	[EOP_RESET_ALL] = "destroy+init both",
	[EOP_RESET_SRC] = "destroy+init space 0 (the lender, first)",
	[EOP_TOUCH] = "hardware A/D update",
};

/* Our own names: a report must not depend on the library's strerror. */
static const char *const res_names[] = {
	"ok", "ENOMEM", "EALIGN", "ERANGE", "EPERM", "EEXIST", "ENOENT", "EBUSY", "EINVAL",
};

static const char *
res_name(int ret)
{
	if (ret >= 0)
		return "ok";
	if (-ret <= SV39_ERRNO_MAX)
		return res_names[-ret];
	return "E?";
}

static void
res_set_format(unsigned set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned i = 0; i <= SV39_ERRNO_MAX && off < len; i++)
		if (set & (1u << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "|" : "",
						res_names[i]);
}

static int
fail(struct engine *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t
crand(struct engine *e)
{
	e->crng ^= e->crng >> 12;
	e->crng ^= e->crng << 25;
	e->crng ^= e->crng >> 27;
	return e->crng * UINT64_C(0x2545f4914f6cdd1d);
}

void
eop_format(const struct eop *op, char *buf, size_t len)
{
	const char *k = op->kind < EOP_KINDS ? kind_names[op->kind] : "?";

	switch (op->kind) {
	case EOP_MAP:
		snprintf(buf, len,
			 "sv39_map(space %d, va 0x%" PRIx64 ", pa 0x%" PRIx64 ", size 0x%" PRIx64
			 ", perm 0x%" PRIx64 ", flags 0x%x)",
			 op->sp, op->va, op->pa, op->size, op->perm, op->flags);
		break;
	case EOP_UNMAP:
		snprintf(buf, len,
			 "sv39_unmap(space %d, va 0x%" PRIx64 ", size 0x%" PRIx64 ", flags 0x%x)",
			 op->sp, op->va, op->size, op->flags);
		break;
	case EOP_PROTECT:
		snprintf(buf, len,
			 "sv39_protect(space %d, va 0x%" PRIx64 ", size 0x%" PRIx64
			 ", set 0x%" PRIx64 ", clear 0x%" PRIx64 ")",
			 op->sp, op->va, op->size, op->set, op->clear);
		break;
	case EOP_CLONE:
		snprintf(buf, len,
			 "sv39_clone_range(dst space %d, src space 0, va 0x%" PRIx64
			 ", size 0x%" PRIx64 ", clear 0x%" PRIx64 ", set 0x%" PRIx64 ")",
			 op->self ? 0 : 1, op->va, op->size, op->clear, op->set);
		break;
	case EOP_SHARE:
		snprintf(buf, len,
			 "sv39_share(dst space %d, src space 0, va 0x%" PRIx64 ", size 0x%" PRIx64
			 ")",
			 op->self ? 0 : 1, op->va, op->size);
		break;
	case EOP_HARVEST:
		snprintf(buf, len,
			 "sv39_harvest(space %d, va 0x%" PRIx64 ", npages %" PRIu64
			 ", bit 0x%" PRIx64 ")",
			 op->sp, op->va, op->npages, op->bit);
		break;
	case EOP_TOUCH:
		snprintf(buf, len, "hardware sets %s in space %d's PTE of va 0x%" PRIx64,
			 op->bit == SV39_PTE_D ? "A and D" : "A", op->sp, op->va);
		break;
	default:
		snprintf(buf, len, "%s (destroy flags 0x%x)", k, op->flags);
		break;
	}
}

static int
init_space(struct engine *e, int sp)
{
	int ret;

	e->ops[sp] = e->r->ops;
	e->ops[sp].features = e->features[sp];
	ret = sv39_space_init(&e->sp[sp], &e->ops[sp], e->r);

	if (ret)
		return fail(e, "sv39_space_init(space %d) = %s", sp, res_name(ret));
	e->sp[sp].asid = e->asid[sp];
	e->live[sp] = true;
	return 0;
}

int
engine_init(struct engine *e, struct ramops *r, uint64_t check_seed)
{
	uint16_t asid[2] = { e->asid[0], e->asid[1] };
	unsigned features[2] = { e->features[0], e->features[1] };

	memset(e, 0, sizeof(*e));
	e->r = r;
	e->asid[0] = asid[0];
	e->asid[1] = asid[1];
	e->features[0] = features[0];
	e->features[1] = features[1];
	e->crng = check_seed | 1;
	model_init(&e->m, features);
	if (init_space(e, 0) || init_space(e, 1))
		return -1;
	return engine_check(e);
}

int
engine_fini(struct engine *e)
{
	int ret = 0;

	if (e->live[1])
		sv39_space_destroy(&e->sp[1], 0);
	if (e->live[0])
		sv39_space_destroy(&e->sp[0], 0);
	e->live[0] = e->live[1] = false;
	if (e->r->allocated)
		ret = fail(e,
			   "after destroying both spaces %zu table pages are "
			   "still allocated",
			   e->r->allocated);
	else if (e->r->errors)
		ret = fail(e, "ramops counted %" PRIu64 " errors", e->r->errors);
	model_fini(&e->m);
	mleafvec_free(&e->v1);
	mleafvec_free(&e->v2);
	return ret;
}

/* ---- checks ---------------------------------------------------------- */

static int
leaf_differs(const struct mleaf *a, const struct mleaf *b)
{
	return a->va != b->va || a->size != b->size || a->pa != b->pa || a->flags != b->flags ||
	       a->a_members != b->a_members || a->d_members != b->d_members;
}

static void
leaf_format(const struct mleaf *l, char *buf, size_t len)
{
	if (!l) {
		snprintf(buf, len, "(none)");
		return;
	}
	snprintf(buf, len,
		 "va 0x%" PRIx64 " size 0x%" PRIx64 " pa 0x%" PRIx64 " flags 0x%" PRIx64
		 " members A 0x%04x D 0x%04x",
		 l->va, l->size, l->pa, l->flags, l->a_members, l->d_members);
}

static int
compare_leaves(struct engine *e, const char *what, int sp, const struct mleafvec *got,
	       const struct mleafvec *want)
{
	char a[160], b[160];

	for (size_t i = 0; i < got->n || i < want->n; i++) {
		const struct mleaf *g = i < got->n ? &got->v[i] : NULL;
		const struct mleaf *w = i < want->n ? &want->v[i] : NULL;

		if (g && w && !leaf_differs(g, w))
			continue;
		leaf_format(g, a, sizeof(a));
		leaf_format(w, b, sizeof(b));
		return fail(e,
			    "space %d: %s leaf #%zu differs from the model (%zu vs %zu leaves)\n"
			    "  tree:  %s\n  model: %s",
			    sp, what, i, got->n, want->n, a, b);
	}
	return 0;
}

/* The table level holding a leaf of this size (a group's members: 0). */
static unsigned
leaf_level(uint64_t size)
{
	return size == SV39_GIGA_SIZE ? 2 : size == SV39_MEGA_SIZE ? 1 : 0;
}

/* The PA a leaf's PTE holds: a group member's PPN carries the encoding 0b1000. */
static sv39_pa_t
leaf_pte_pa(const struct mleaf *l)
{
	return l->size == SV39_NAPOT_SIZE ? l->pa + SV39_NAPOT_SIZE / 2 : l->pa;
}

/*
 * sv39_walk without SV39_WALK_ALLOC must return leaf l, unsplit (for a page
 * of a group, that page's own member).
 */
static int
walk_leaf(struct engine *e, int sp, sv39_va_t a, const struct mleaf *l)
{
	sv39_pte_t *pte = NULL;
	unsigned level = 9;
	int ret = sv39_walk(&e->sp[sp], a, 0, &pte, &level);
	uint64_t flags = mleaf_page_flags(l, a);

	if (ret || !pte || level != leaf_level(l->size) || (*pte & ~SV39_PTE_PPN_MASK) != flags ||
	    sv39_pte_pa(*pte) != leaf_pte_pa(l))
		return fail(e,
			    "space %d: sv39_walk(0x%" PRIx64 ") = %s level %u pte 0x%" PRIx64
			    "; model: size 0x%" PRIx64 " pa 0x%" PRIx64 " flags 0x%" PRIx64,
			    sp, a, res_name(ret), level, pte ? *pte : 0, l->size, l->pa, flags);
	return 0;
}

/* One address inside model leaf l: translate and softmmu must agree. */
static int
check_addr_leaf(struct engine *e, int sp, sv39_va_t a, const struct mleaf *l)
{
	const struct sv39_space *s = &e->sp[sp];
	sv39_pa_t want = l->pa + (a - l->va), pa = 0;
	uint64_t flags = 0, size = 0, x = crand(e), want_flags = mleaf_page_flags(l, a);
	enum softmmu_access acc = (enum softmmu_access)(x % 3);
	enum softmmu_priv priv = (enum softmmu_priv)((x >> 8) & 1);
	bool sum = (x >> 9) & 1, mxr = (x >> 10) & 1;
	struct softmmu_result res;
	int ret = sv39_translate(s, a, &pa, &flags, &size);

	if (ret || pa != want || flags != want_flags || size != l->size)
		return fail(e,
			    "space %d: sv39_translate(0x%" PRIx64 ") = %s pa 0x%" PRIx64
			    " flags 0x%" PRIx64 " size 0x%" PRIx64 "; model: pa 0x%" PRIx64
			    " flags 0x%" PRIx64 " size 0x%" PRIx64,
			    sp, a, res_name(ret), pa, flags, size, want, want_flags, l->size);
	ret = walk_leaf(e, sp, a, l);
	if (ret)
		return ret;
	softmmu_translate_space(s, a, acc, priv, sum, mxr, &res);
	if (softmmu_leaf_allows(want_flags, acc, priv, sum, mxr)
		    ? (res.fault != SOFTMMU_OK || res.pa != want)
		    : (res.fault != SOFTMMU_F_PERM && res.fault != SOFTMMU_F_AD) ||
			      res.page_size != l->size ||
			      (res.pte & ~SV39_PTE_PPN_MASK) != want_flags)
		return fail(e,
			    "space %d: softmmu(0x%" PRIx64 ", access %d, priv %s, sum %d, mxr %d)"
			    " = %s pa 0x%" PRIx64 " pte 0x%" PRIx64 "; model: pa 0x%" PRIx64
			    " flags 0x%" PRIx64 " size 0x%" PRIx64,
			    sp, a, acc, priv ? "S" : "U", sum, mxr, softmmu_fault_name(res.fault),
			    res.pa, res.pte, want, want_flags, l->size);
	return 0;
}

/* One address the model says is unmapped. */
static int
check_addr_hole(struct engine *e, int sp, sv39_va_t a)
{
	const struct sv39_space *s = &e->sp[sp];
	struct softmmu_result res;
	sv39_pa_t pa = 0;
	int ret = sv39_translate(s, a, &pa, NULL, NULL);

	if (ret != SV39_ENOENT)
		return fail(e,
			    "space %d: sv39_translate(0x%" PRIx64 ") = %s pa 0x%" PRIx64
			    "; model: not mapped (ENOENT)",
			    sp, a, res_name(ret), pa);
	{
		sv39_pte_t *pte = NULL;

		ret = sv39_walk(&e->sp[sp], a, 0, &pte, NULL);
		if (ret != SV39_ENOENT)
			return fail(e,
				    "space %d: sv39_walk(0x%" PRIx64
				    ") = %s; model: not mapped (ENOENT)",
				    sp, a, res_name(ret));
	}
	softmmu_translate_space(s, a, SOFTMMU_LOAD, SOFTMMU_PRIV_S, true, true, &res);
	if (res.fault != SOFTMMU_F_INVALID)
		return fail(e, "space %d: softmmu(0x%" PRIx64 ") = %s; model: not mapped", sp, a,
			    softmmu_fault_name(res.fault));
	return 0;
}

static int
check_hole(struct engine *e, int sp, sv39_va_t va, sv39_va_t last)
{
	uint64_t pages = ((last - va) >> 12) + 1;

	if (check_addr_hole(e, sp, va + (crand(e) & (P - 1))) ||
	    check_addr_hole(e, sp, (last & ~(P - 1)) + (crand(e) & (P - 1))))
		return -1;
	return check_addr_hole(e, sp, va + (crand(e) % pages) * P);
}

struct fe_ctx {
	struct mleafvec *out;
	int bad;
};

static int
fe_collect(void *arg, const struct sv39_leaf *leaf)
{
	struct fe_ctx *c = arg;
	struct mleaf l = { leaf->va, leaf->size, leaf->pa, leaf->pte & ~SV39_PTE_PPN_MASK, 0, 0 };
	bool group = leaf->size == SV39_NAPOT_SIZE;

	/* a group: one leaf, at level 0, its first member's PTE (N, the encoding) */
	if (leaf_level(leaf->size) != leaf->level || sv39_pte_pa(leaf->pte) != leaf_pte_pa(&l) ||
	    group != ((leaf->pte & SV39_PTE_N) != 0))
		c->bad = 1;
	mleafvec_push(c->out, &l);
	return 0;
}

/* sv39_for_each over each window (one, sampling) must report the model's leaves. */
static int
check_for_each(struct engine *e, int sp)
{
	size_t w0 = e->leaf_sample ? crand(e) % opgen_nwindows : 0;
	size_t w1 = e->leaf_sample ? w0 + 1 : opgen_nwindows;

	for (size_t w = w0; w < w1; w++) {
		sv39_va_t wva = opgen_windows[w].va;
		sv39_va_t wlast = wva + (opgen_windows[w].size - 1);
		struct mleafvec want = { 0 };
		struct fe_ctx c = { &e->v1, 0 };
		char what[64];
		int ret;

		e->v1.n = 0;
		ret = sv39_for_each(&e->sp[sp], wva, opgen_windows[w].size, fe_collect, &c);
		if (ret || c.bad)
			return fail(e, "space %d: sv39_for_each(window 0x%" PRIx64 ") = %s%s", sp,
				    wva, res_name(ret),
				    c.bad ? ", leaf level/size/pa inconsistent" : "");
		for (size_t i = 0; i < e->v2.n; i++) {
			struct mleaf l = e->v2.v[i];

			/* for_each reports a group's A and D as the OR (flags) alone */
			l.a_members = l.d_members = 0;
			if (l.va <= wlast && mleaf_last(&l) >= wva)
				mleafvec_push(&want, &l);
		}
		snprintf(what, sizeof(what), "sv39_for_each(0x%" PRIx64 ")", wva);
		ret = compare_leaves(e, what, sp, &e->v1, &want);
		mleafvec_free(&want);
		if (ret)
			return ret;
	}
	return 0;
}

static int
check_space(struct engine *e, int sp)
{
	struct mleafvec *raw = &e->v1, *model = &e->v2;
	char msg[256];
	int ret;

	raw->n = 0;
	if (rawtree_leaves(&e->sp[sp], raw, msg, sizeof(msg)) < 0)
		return fail(e, "space %d: raw tree: %s", sp, msg);
	model_view(&e->m, sp, model);
	if (compare_leaves(e, "raw tree", sp, raw, model))
		return -1;
	for (size_t i = 0; i < model->n; i++) {
		const struct mleaf *l = &model->v[i];

		if (l->size != SV39_NAPOT_SIZE)
			continue;
		e->groups_checked++;
		if ((l->a_members != 0 && l->a_members != 0xffff) ||
		    (l->d_members != 0 && l->d_members != 0xffff))
			e->groups_mixed_ad++;
	}
	/* sv39_check walks every table: one check in four, when sampling. */
	ret = e->leaf_sample && crand(e) % 4 ? 0 : sv39_check(&e->sp[sp]);
	if (ret)
		return fail(e, "space %d: sv39_check = %s", sp, res_name(ret));

	/* Every leaf (or a sample): its first and last page and one more. */
	for (size_t k = 0; k < model->n; k++) {
		size_t i = k;

		if (e->leaf_sample) {
			if (k >= e->leaf_sample)
				break;
			i = crand(e) % model->n;
		}
		const struct mleaf *l = &model->v[i];
		uint64_t pages = l->size / P, off = crand(e) & (P - 1);

		if (check_addr_leaf(e, sp, l->va + off, l))
			return -1;
		if (pages > 1 && (check_addr_leaf(e, sp, mleaf_last(l) - off, l) ||
				  check_addr_leaf(e, sp, l->va + (crand(e) % pages) * P + off, l)))
			return -1;
	}
	/* Every hole in the windows (in one window, sampling). */
	size_t w0 = e->leaf_sample ? crand(e) % opgen_nwindows : 0;
	size_t w1 = e->leaf_sample ? w0 + 1 : opgen_nwindows;

	for (size_t w = w0; w < w1; w++) {
		sv39_va_t next = opgen_windows[w].va;
		sv39_va_t wlast = next + (opgen_windows[w].size - 1);
		bool done = false;

		for (size_t i = 0; i < model->n && !done; i++) {
			const struct mleaf *l = &model->v[i];

			if (mleaf_last(l) < next || l->va > wlast)
				continue;
			if (l->va > next && check_hole(e, sp, next, l->va - 1))
				return -1;
			if (mleaf_last(l) >= wlast)
				done = true;
			else
				next = mleaf_last(l) + 1;
		}
		if (!done && check_hole(e, sp, next, wlast))
			return -1;
	}
	/* A non-canonical address. */
	{
		sv39_va_t nc = SV39_LOW_END + (crand(e) % (SV39_HIGH_BASE - SV39_LOW_END));
		struct softmmu_result res;

		ret = sv39_translate(&e->sp[sp], nc, NULL, NULL, NULL);
		softmmu_translate_space(&e->sp[sp], nc, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0, &res);
		if (ret != SV39_ERANGE || res.fault != SOFTMMU_F_CANONICAL)
			return fail(e,
				    "space %d: non-canonical 0x%" PRIx64
				    ": translate %s, softmmu %s",
				    sp, nc, res_name(ret), softmmu_fault_name(res.fault));
	}
	if (e->leaf_sample && crand(e) % 2)
		return 0; /* for_each: one check in two, when sampling */
	return check_for_each(e, sp);
}

struct owned {
	sv39_pa_t pa;
	int sp;
	sv39_va_t va;
	unsigned level, valid;
};

static int
cmp_owned(const void *a, const void *b)
{
	const struct owned *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/*
 * Every table page ramops handed out must be reachable from exactly one
 * live space (borrowed pointers lead into the lender's pages, counted
 * there), and no table may sit empty except where space 0 keeps tables
 * it lent.
 */
static int
check_tables(struct engine *e)
{
	struct rawtables t[2] = { { 0 }, { 0 } };
	struct owned *own = NULL;
	size_t nown = 0, cap = 0;
	char msg[256];
	int ret = 0;

	for (int sp = 0; sp < 2 && !ret; sp++) {
		if (!e->live[sp])
			continue;
		if (rawtree_tables(&e->sp[sp], &t[sp], msg, sizeof(msg)) < 0) {
			ret = fail(e, "space %d: %s", sp, msg);
			break;
		}
		for (size_t i = 0; i < t[sp].n; i++) {
			const struct rawtable *rt = &t[sp].v[i];

			if (rt->borrowed)
				continue;
			if (nown == cap) {
				cap = cap ? cap * 2 : 128;
				own = realloc(own, cap * sizeof(*own));
				if (!own)
					abort();
			}
			own[nown++] = (struct owned){ rt->pa, sp, rt->va, rt->level, rt->valid };
		}
		/* The ledger of loans (loan.c): pages of the space's, outside its tree. */
		for (sv39_pa_t pa = e->sp[sp].loans; pa;) {
			const sv39_pte_t *page = ramops_ptr(e->r, pa);

			if (!page) {
				ret = fail(e, "space %d: ledger page 0x%" PRIx64 " not allocated",
					   sp, pa);
				break;
			}
			if (nown == cap) {
				cap = cap ? cap * 2 : 128;
				own = realloc(own, cap * sizeof(*own));
				if (!own)
					abort();
			}
			own[nown++] = (struct owned){ pa, sp, 0, 3, 1 };
			pa = page[0];
		}
	}
	if (ret)
		goto out;
	if (nown > 1)
		qsort(own, nown, sizeof(*own), cmp_owned);
	for (size_t i = 1; i < nown; i++)
		if (own[i].pa == own[i - 1].pa) {
			ret = fail(e,
				   "table page 0x%" PRIx64 " is reachable twice "
				   "without a borrowed mark (space %d va 0x%" PRIx64
				   " and space %d va 0x%" PRIx64 ")",
				   own[i].pa, own[i - 1].sp, own[i - 1].va, own[i].sp, own[i].va);
			goto out;
		}
	if (e->r->allocated != nown) {
		ret = fail(e,
			   "ramops.allocated = %zu but %zu table pages are reachable "
			   "(%s)",
			   e->r->allocated, nown,
			   e->r->allocated > nown ? "leak" : "reachable page not allocated");
		goto out;
	}
	for (size_t i = 0; i < nown; i++) {
		const struct owned *o = &own[i];

		if (o->level < 2 && o->valid == 0 &&
		    !(o->sp == 0 && model_gig_lent(&e->m, o->va))) {
			ret = fail(e,
				   "space %d: empty level-%u table 0x%" PRIx64 " at va 0x%" PRIx64
				   " was not freed",
				   o->sp, o->level, o->pa, o->va);
			goto out;
		}
	}
	for (size_t i = 0; e->live[1] && i < t[1].n; i++) {
		struct owned key = { .pa = t[1].v[i].pa };
		const struct owned *o;

		if (!t[1].v[i].borrowed)
			continue;
		o = bsearch(&key, own, nown, sizeof(*own), cmp_owned);
		if (!o || o->sp != 0) {
			ret = fail(e,
				   "space 1: borrowed pointer at va 0x%" PRIx64
				   " leads to 0x%" PRIx64 ", not a table of space 0",
				   t[1].v[i].va, key.pa);
			goto out;
		}
	}
	if (e->r->errors)
		ret = fail(e,
			   "ramops counted %" PRIu64 " errors (bad free or "
			   "phys_to_virt)",
			   e->r->errors);
out:
	free(own);
	rawtables_free(&t[0]);
	rawtables_free(&t[1]);
	return ret;
}

int
engine_check(struct engine *e)
{
	for (int sp = 0; sp < 2; sp++)
		if (e->live[sp] && check_space(e, sp))
			return -1;
	return check_tables(e);
}

/* ---- applying one operation ------------------------------------------ */

static int
cmp_frame(const void *a, const void *b)
{
	const struct mleaf *x = a, *y = b;

	if (x->pa != y->pa)
		return x->pa < y->pa ? -1 : 1;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* The free_frame calls since log entry from must be exactly want. */
static int
check_frames(struct engine *e, size_t from, struct mleafvec *want)
{
	struct mleafvec got = { 0 };
	int ret = 0;

	for (size_t i = from; i < e->r->nframe_log; i++) {
		struct mleaf l = { 0, e->r->frame_log[i].size, e->r->frame_log[i].pa, 0, 0, 0 };

		mleafvec_push(&got, &l);
	}
	for (size_t i = 0; i < want->n; i++)
		want->v[i].va = want->v[i].flags = 0;
	if (got.n > 1)
		qsort(got.v, got.n, sizeof(*got.v), cmp_frame);
	if (want->n > 1)
		qsort(want->v, want->n, sizeof(*want->v), cmp_frame);
	for (size_t i = 0; i < got.n || i < want->n; i++) {
		const struct mleaf *g = i < got.n ? &got.v[i] : NULL;
		const struct mleaf *w = i < want->n ? &want->v[i] : NULL;

		if (g && w && g->pa == w->pa && g->size == w->size)
			continue;
		ret = fail(e,
			   "free_frame calls differ from the model: %zu calls, %zu "
			   "expected; first difference: got pa 0x%" PRIx64 " size 0x%" PRIx64
			   ", want pa 0x%" PRIx64 " size 0x%" PRIx64,
			   got.n, want->n, g ? g->pa : 0, g ? g->size : 0, w ? w->pa : 0,
			   w ? w->size : 0);
		break;
	}
	mleafvec_free(&got);
	return ret;
}

static bool
space_same(const struct sv39_space *a, const struct sv39_space *b)
{
	return a->root == b->root && a->asid == b->asid && a->ops == b->ops && a->ctx == b->ctx &&
	       !memcmp(a->lent, b->lent, sizeof(a->lent));
}

/*
 * EOP_TOUCH: what a hart with hardware A/D updates (Svadu) does on an
 * access to page op->va: find its leaf PTE by a plain walk of the raw
 * tables (the page's own member in a group) and set A, or A and D for a
 * store to a writable leaf. Only in a leaf the model says space op->sp
 * owns: the library is not called.
 */
static void
hardware_touch(struct engine *e, const struct eop *op)
{
	const struct sv39_space *s = &e->sp[op->sp];
	sv39_pa_t table = s->root;

	if (!mspace_find(&e->m.own[op->sp], op->va))
		return;
	for (int level = 2; level >= 0; level--) {
		sv39_pte_t *t = s->ops->phys_to_virt(s->ctx, table);
		sv39_pte_t *slot = &t[(op->va >> (12 + 9 * level)) & 511];

		if (!(*slot & SV39_PTE_V))
			return;
		if (*slot & (SV39_PTE_R | SV39_PTE_X)) {
			if (op->bit == SV39_PTE_A)
				*slot |= SV39_PTE_A;
			else if (*slot & SV39_PTE_W)
				*slot |= SV39_PTE_A | SV39_PTE_D;
			return;
		}
		table = sv39_pte_pa(*slot);
	}
}

static int
call_library(struct engine *e, const struct eop *op, uint64_t *bitmap)
{
	struct sv39_space *s = &e->sp[op->sp];
	struct sv39_space *dst = op->self ? &e->sp[0] : &e->sp[1];

	switch (op->kind) {
	case EOP_MAP:
		return sv39_map(s, op->va, op->pa, op->size, op->perm, op->flags);
	case EOP_UNMAP:
		return sv39_unmap(s, op->va, op->size, op->flags);
	case EOP_PROTECT:
		return sv39_protect(s, op->va, op->size, op->set, op->clear);
	case EOP_CLONE:
		return sv39_clone_range(dst, &e->sp[0], op->va, op->size, op->clear, op->set);
	case EOP_SHARE:
		return sv39_share(dst, &e->sp[0], op->va, op->size);
	case EOP_HARVEST:
		return sv39_harvest(s, op->va, op->npages, op->bit, bitmap);
	case EOP_RESET_DST:
		sv39_space_destroy(&e->sp[1], op->flags);
		e->live[1] = false;
		return 0;
	case EOP_RESET_ALL:
		sv39_space_destroy(&e->sp[1], op->flags);
		sv39_space_destroy(&e->sp[0], op->flags);
		e->live[0] = e->live[1] = false;
		return 0;
	case EOP_RESET_SRC: /* space 1 lives on: its loans are taken back */
		sv39_space_destroy(&e->sp[0], op->flags);
		e->live[0] = false;
		return 0;
	case EOP_TOUCH:
		hardware_touch(e, op);
		return 0;
	case EOP_KINDS:
		break;
	}
	return SV39_EINVAL;
}

static int
after_success(struct engine *e, const struct eop *op, int ret, size_t nlog0, const uint64_t *bitmap,
	      uint64_t *want, size_t words)
{
	struct mleafvec frames = { 0 };
	int count = 0, err = 0;

	model_apply(&e->m, op, &frames, want, &count);
	if (op->kind == EOP_HARVEST) {
		if (ret != count)
			err = fail(e, "sv39_harvest returned %d, model counts %d", ret, count);
		for (size_t i = 0; !err && i < words; i++)
			if (bitmap[i] != want[i])
				err = fail(e,
					   "sv39_harvest bitmap word %zu = 0x%016" PRIx64
					   ", model 0x%016" PRIx64 "%s",
					   i, bitmap[i], want[i],
					   i == words - 1 ? " (a word past npages)" : "");
	} else if (ret != 0) {
		err = fail(e, "returned %d, not 0, on success", ret);
	}
	if (!err)
		err = check_frames(e, nlog0, &frames);
	mleafvec_free(&frames);
	if (err)
		return err;
	if (op->kind == EOP_RESET_DST || op->kind == EOP_RESET_ALL || op->kind == EOP_RESET_SRC) {
		if (op->kind == EOP_RESET_ALL && e->r->allocated)
			return fail(e,
				    "%zu table pages left after destroying "
				    "both spaces",
				    e->r->allocated);
		if ((!e->live[0] && init_space(e, 0)) || (!e->live[1] && init_space(e, 1)))
			return -1;
	}
	if (e->check_every > 1 && ++e->since_check < e->check_every) {
		if (e->r->errors)
			return fail(e, "ramops counted %" PRIu64 " errors", e->r->errors);
		return 0;
	}
	e->since_check = 0;
	return engine_check(e);
}

int
engine_apply(struct engine *e, const struct eop *op)
{
	struct ramops *r = e->r;
	unsigned expect = model_expect(&e->m, op);
	struct ramops_snapshot snap = { 0 };
	struct sv39_space saved[2] = { e->sp[0], e->sp[1] };
	size_t alloc0 = r->allocated, nlog0 = r->nframe_log;
	uint64_t freed0 = r->frames_freed;
	uint64_t *bitmap = NULL, *want = NULL;
	size_t words = 0;
	bool snapped = (expect & ~MRES_OK) || e->allow_enomem;
	char buf[256], set[128];
	int ret, err = 0;

	if (op->kind == EOP_HARVEST) {
		words = (op->npages + 63) / 64 + 1;
		bitmap = malloc(words * sizeof(*bitmap));
		want = malloc(words * sizeof(*want));
		if (!bitmap || !want)
			abort();
		for (size_t i = 0; i < words; i++)
			bitmap[i] = want[i] = UINT64_C(0x5a5aa5a55a5aa5a5);
	}
	if (snapped)
		ramops_snapshot_take(r, &snap);

	ret = call_library(e, op, bitmap);
	e->stats[op->kind][ret < 0 && -ret <= SV39_ERRNO_MAX ? -ret : 0]++;

	res_set_format(expect, set, sizeof(set));
	if (ret >= 0 && !(expect & MRES_OK)) {
		err = fail(e, "library returned %s (%d), model expects %s", res_name(ret), ret,
			   set);
	} else if (ret < 0) {
		if (!(expect & MRES_ERR(ret)) && !(ret == SV39_ENOMEM && e->allow_enomem))
			err = fail(e, "library returned %s, model expects %s", res_name(ret), set);
		else if (!snapped || !ramops_snapshot_equal(r, &snap))
			err = fail(e, "returned %s but changed the table pages", res_name(ret));
		else if (!space_same(&saved[0], &e->sp[0]) || !space_same(&saved[1], &e->sp[1]))
			err = fail(e, "returned %s but changed struct sv39_space", res_name(ret));
		else if (r->allocated != alloc0)
			err = fail(e, "returned %s but allocated went %zu -> %zu", res_name(ret),
				   alloc0, r->allocated);
		else if (r->frames_freed != freed0)
			err = fail(e, "returned %s but freed frames", res_name(ret));
		else if (r->errors)
			err = fail(e, "returned %s; ramops counted errors", res_name(ret));
		else if (ret == SV39_ENOMEM && e->allow_enomem)
			err = 1;
	} else {
		err = after_success(e, op, ret, nlog0, bitmap, want, words);
	}
	if (snapped)
		ramops_snapshot_free(&snap);
	free(bitmap);
	free(want);
	if (err < 0) {
		/* prefix the op: "<call>:\n  <why>" */
		size_t bl, el = strlen(e->err);

		eop_format(op, buf, sizeof(buf));
		bl = strlen(buf);
		if (bl + 4 + el >= sizeof(e->err))
			el = sizeof(e->err) - bl - 5;
		memmove(e->err + bl + 4, e->err, el);
		e->err[bl + 4 + el] = 0;
		memcpy(e->err, buf, bl);
		memcpy(e->err + bl, ":\n  ", 4);
	}
	return err;
}
