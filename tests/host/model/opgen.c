/* SPDX-License-Identifier: MIT */
/*
 * opgen - random (or fuzz-driven) engine operations.
 */
#include <string.h>

#include "opgen.h"

#define G SV39_GIGA_SIZE
#define M SV39_MEGA_SIZE
#define P SV39_PAGE_SIZE

#define R_ SV39_PTE_R
#define W_ SV39_PTE_W
#define X_ SV39_PTE_X
#define U_ SV39_PTE_U

const struct window opgen_windows[] = {
	{ UINT64_C(0x0000000000000000), G },	 /* va 0: the NULL page */
	{ UINT64_C(0x0000003f80000000), 2 * G }, /* top of the low half */
	{ UINT64_C(0xffffffc000000000), G },	 /* bottom of the high half */
	{ UINT64_C(0xffffffff80000000), 2 * G }, /* top: ends at 2^64 */
};
const size_t opgen_nwindows = sizeof(opgen_windows) / sizeof(opgen_windows[0]);

#define NAPOT SV39_FEATURE_SVNAPOT
const struct opgen_setup opgen_setups[] = {
	{ { 0, 0 }, { .napot = false } },
	{ { NAPOT, NAPOT }, { .napot = true } },
	{ { NAPOT, 0 }, { .napot = true, .no_share = true } },
	{ { 0, NAPOT }, { .napot = true } },
	{ { 0, 0 }, { .napot = true } },
};
const size_t opgen_nsetups = sizeof(opgen_setups) / sizeof(opgen_setups[0]);

/* The six gigabytes of the windows; pairs (1,2) and (4,5) are adjacent. */
static const sv39_va_t gigs[] = {
	UINT64_C(0x0000000000000000), UINT64_C(0x0000003f80000000), UINT64_C(0x0000003fc0000000),
	UINT64_C(0xffffffc000000000), UINT64_C(0xffffffff80000000), UINT64_C(0xffffffffc0000000),
};
#define NGIGS 6

void
esrc_init_rng(struct esrc *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 0x1234567;
	if (!r->rng)
		r->rng = 1;
}

void
esrc_init_data(struct esrc *r, const uint8_t *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
}

uint64_t
esrc_below(struct esrc *r, uint64_t n)
{
	uint64_t x = 0;

	if (n <= 1)
		return 0;
	if (r->data) {
		unsigned bytes = n <= 256 ? 1 : n <= 65536 ? 2 : 4;

		if (r->len - r->pos < bytes) {
			r->exhausted = true;
			r->pos = r->len;
			return 0;
		}
		for (unsigned i = 0; i < bytes; i++)
			x = x << 8 | r->data[r->pos++];
		return x % n;
	}
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	x = r->rng * UINT64_C(0x2545f4914f6cdd1d);
	return (x >> 11) % n;
}

static uint64_t
pick(struct esrc *r, const uint64_t *v, size_t n)
{
	return v[esrc_below(r, n)];
}

#define PICK(r, arr) pick(r, arr, sizeof(arr) / sizeof(arr[0]))

/* A physical base per gigabyte, 1 GiB aligned, far from ramops' pages. */
static sv39_pa_t
pa_base(unsigned k)
{
	return (sv39_pa_t)(k + 1) << 32;
}

static unsigned
gig_index(sv39_va_t va)
{
	for (unsigned k = 0; k < NGIGS; k++)
		if (va - gigs[k] < G)
			return k;
	return 0;
}

/*
 * A range in the windows: whole gigabytes (big_ok), runs of 2 MiB slots
 * near the ends of a gigabyte, or a few 4 KiB pages near 2 MiB edges.
 */
/*
 * With cfg->napot, one range in three: a run of 1-3 whole 64 KiB groups at
 * a 64 KiB boundary near a 2 MiB edge, now and then moved or grown by a
 * few pages so that it cuts a group at either end.
 */
static bool
gen_group_range(struct esrc *r, sv39_va_t g, sv39_va_t *va, uint64_t *size)
{
	static const uint64_t slots[] = { 0, 1, 2, 255, 511 };
	static const uint64_t groups[] = { 0, 1, 2, 15, 16, 30, 31 }; /* 32 per 2 MiB */

	if (esrc_below(r, 3))
		return false;
	*va = g + PICK(r, slots) * M + PICK(r, groups) * SV39_NAPOT_SIZE;
	*size = (1 + esrc_below(r, 3)) * SV39_NAPOT_SIZE;
	if (esrc_below(r, 4) == 0)
		*va += P * (1 + esrc_below(r, 15));
	if (esrc_below(r, 4) == 0)
		*size += P * (1 + esrc_below(r, 15));
	if (*va + (*size - 1) >= g + (G - 1)) /* stay in the gigabyte */
		*va = g + G - *size;
	return true;
}

static void
gen_range(struct esrc *r, const struct opgen_cfg *cfg, bool big_ok, sv39_va_t *va, uint64_t *size)
{
	static const uint64_t slots[] = { 0, 1, 2, 3, 255, 510, 511 };
	static const uint64_t pslots[] = { 0, 1, 2, 511 };
	static const uint64_t pages[] = { 0,   1,   2,	 3,   4,   5,	6,   7,	  254, 255,
					  256, 257, 258, 505, 506, 507, 508, 509, 510, 511 };
	unsigned k = (unsigned)esrc_below(r, NGIGS);
	sv39_va_t g = gigs[k];
	uint64_t shape;

	if (cfg->napot && gen_group_range(r, g, va, size))
		return;
	shape = esrc_below(r, 100);
	if (big_ok && shape < 15) {
		*va = g;
		*size = G;
		if ((k == 1 || k == 4) && esrc_below(r, 3) == 0)
			*size = 2 * G;
		if (esrc_below(r, 4) == 0) {
			*va += M;
			*size -= 2 * M;
		}
	} else if (shape < 45) {
		*va = g + PICK(r, slots) * M;
		*size = (1 + esrc_below(r, 3)) * M;
		if (esrc_below(r, 4) == 0)
			*va += P * (1 + esrc_below(r, 3));
		if (esrc_below(r, 4) == 0)
			*size += P * (1 + esrc_below(r, 4));
	} else {
		*va = g + PICK(r, pslots) * M + PICK(r, pages) * P;
		*size = (1 + esrc_below(r, 8)) * P;
		if (esrc_below(r, 10) == 0)
			*size += M;
	}
}

/*
 * A range inside or around an existing leaf of space sp: the whole leaf,
 * an aligned 2 MiB piece of a superpage, or a few pages at either end.
 * Returns false (range untouched) when the space has no leaf.
 */
static bool
aim_at_leaf(struct esrc *r, const struct model *m, int sp, sv39_va_t *va, uint64_t *size)
{
	const struct mleafvec *v;
	const struct mleaf *l;

	if (!m || esrc_below(r, 2))
		return false;
	v = &m->own[sp].l;
	if (!v->n)
		return false;
	l = &v->v[esrc_below(r, v->n)];
	switch (esrc_below(r, 5)) {
	case 0:
		*va = l->va;
		*size = l->size;
		break;
	case 1: /* a 2 MiB piece (or the 4 KiB leaf and its neighbours) */
		if (l->size > M) {
			*va = l->va + esrc_below(r, 512) * M;
			*size = M;
		} else {
			*va = l->va;
			*size = l->size + esrc_below(r, 3) * P;
		}
		break;
	case 2: /* its first pages */
		*va = l->va;
		*size = (1 + esrc_below(r, 4)) * P;
		break;
	case 3: /* its last pages */
		*size = (1 + esrc_below(r, 4)) * P;
		*va = l->va + l->size - *size;
		break;
	default: /* pages in the middle */
		*size = (1 + esrc_below(r, 4)) * P;
		*va = l->va + esrc_below(r, l->size / P) * P;
		break;
	}
	return true;
}

/* Now and then, arguments the library must refuse. */
static void
maybe_bad_range(struct esrc *r, sv39_va_t *va, uint64_t *size)
{
	switch (esrc_below(r, 60)) {
	case 0:
		*size = 0;
		break;
	case 1:
		*va += 1;
		break;
	case 2:
		*size += 1;
		break;
	case 3: /* non-canonical */
		*va = SV39_LOW_END + (*va & (G - 1));
		break;
	case 4: /* crosses the hole */
		*va = SV39_LOW_END - P;
		*size = 2 * P;
		break;
	case 5: /* wraps past 2^64 */
		*va = 0 - P;
		*size = 2 * P;
		break;
	default:
		break;
	}
}

static uint64_t
gen_perm(struct esrc *r)
{
	static const uint64_t base[] = { R_, R_ | W_, R_ | X_, X_, R_ | W_ | X_, R_ | W_, R_ };
	static const uint64_t bad[] = {
		W_,
		0,
		U_,
		SV39_PTE_N | R_,
		SV39_PTE_PBMT_MASK | R_,
		W_ | X_,
		SV39_PTE_BORROWED | R_,
	};
	uint64_t p = PICK(r, base);

	if (esrc_below(r, 5) < 2)
		p |= U_;
	if (esrc_below(r, 5) == 0)
		p |= SV39_PTE_G;
	if (esrc_below(r, 20) == 0)
		p |= esrc_below(r, 2) ? SV39_PTE_PBMT_NC : SV39_PTE_PBMT_IO;
	if (esrc_below(r, 6) == 0)
		p |= SV39_PTE_A;
	if (esrc_below(r, 6) == 0)
		p |= SV39_PTE_D;
	if (esrc_below(r, 6) == 0)
		p |= SV39_PTE_RSW_EMBEDDER; /* the embedder's bit, e.g. copy-on-write */
	if (esrc_below(r, 30) == 0)
		p |= SV39_PTE_V; /* implied: accepted */
	if (esrc_below(r, 40) == 0)
		p = PICK(r, bad);
	return p;
}

/* set/clear for protect: mostly the usual W/X/U flips, sometimes anything. */
static void
gen_bits(struct esrc *r, uint64_t *set, uint64_t *clear)
{
	static const uint64_t bits[] = {
		R_, W_, X_, U_, SV39_PTE_G, SV39_PTE_A, SV39_PTE_D, SV39_PTE_RSW_EMBEDDER
	};

	*set = *clear = 0;
	switch (esrc_below(r, 10)) {
	case 0:
		*clear = W_;
		break;
	case 8: /* copy-on-write: read-only and marked */
		*clear = W_;
		*set = SV39_PTE_RSW_EMBEDDER;
		break;
	case 9: /* the copy is made: writable, unmarked */
		*clear = SV39_PTE_RSW_EMBEDDER;
		*set = R_ | W_;
		break;
	case 1:
		*set = R_ | W_;
		break;
	case 2:
		*clear = U_;
		break;
	case 3:
		*set = U_;
		break;
	case 4:
		*clear = X_;
		break;
	case 5:
		*set = X_;
		break;
	default:
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			uint64_t c = esrc_below(r, 10);

			if (c == 0)
				*set |= bits[i];
			else if (c == 1)
				*clear |= bits[i];
		}
		break;
	}
	if (esrc_below(r, 20) == 0)
		*set |= esrc_below(r, 2) ? SV39_PTE_PBMT_NC : SV39_PTE_PBMT_IO;
	if (esrc_below(r, 20) == 0)
		*clear |= SV39_PTE_PBMT_MASK;
	if (esrc_below(r, 60) == 0)
		*set |= esrc_below(r, 2) ? SV39_PTE_V : SV39_PTE_N;
}

static unsigned
gen_map_flags(struct esrc *r, const struct opgen_cfg *cfg)
{
	unsigned flags = 0;

	if (esrc_below(r, 2))
		flags |= SV39_MAP_HUGE;
	if (esrc_below(r, 4) == 0)
		flags |= SV39_MAP_REPLACE;
	if (esrc_below(r, 7) == 0)
		flags |= SV39_MAP_NO_AD;
	if (cfg->napot && esrc_below(r, 2) == 0)
		flags |= SV39_MAP_64K;
	/* groups without A and D, whose members the hardware then sets apart */
	if ((flags & SV39_MAP_64K) && esrc_below(r, 3) == 0)
		flags |= SV39_MAP_NO_AD;
	return flags;
}

static void
gen_map(struct esrc *r, const struct opgen_cfg *cfg, const struct model *m, struct eop *op)
{
	unsigned k;
	sv39_va_t gva;

	op->sp = esrc_below(r, 5) == 0;
	op->flags = gen_map_flags(r, cfg);
	/* a replace over what is there: groups and superpages cut or rewritten */
	if (!cfg->napot || !(op->flags & SV39_MAP_REPLACE) ||
	    !aim_at_leaf(r, m, op->sp, &op->va, &op->size))
		gen_range(r, cfg, op->flags & SV39_MAP_HUGE, &op->va, &op->size);
	/* 4 KiB leaves only: keep the count of leaves small. */
	if (!(op->flags & SV39_MAP_HUGE) && op->size > M + 16 * P)
		op->size = (1 + esrc_below(r, 16)) * P;

	k = gig_index(op->va);
	gva = op->va & ~(G - 1);
	op->pa = pa_base(k) + (op->va - gva);
	/*
	 * With no_alias, each variant takes its own 1 GiB of the gigabyte's
	 * 4 GiB of physical space and one fixed offset, so no two virtual
	 * pages ever share a frame.
	 */
	switch (esrc_below(r, 12)) {
	case 0: /* only 4 KiB-aligned: no superpages */
		if (op->size > 4 * M)
			break;
		op->pa += cfg->no_alias ? G + P : P * (1 + esrc_below(r, 3));
		break;
	case 1: /* 2 MiB- but not 1 GiB-aligned */
		op->pa += cfg->no_alias ? 2 * G + M : M;
		break;
	case 2: /* alias another gigabyte's frames */
		if (cfg->no_alias)
			break;
		op->pa = pa_base((k + 1 + (unsigned)esrc_below(r, NGIGS - 1)) % NGIGS) +
			 (op->va - gva);
		break;
	default:
		break;
	}
	switch (esrc_below(r, 80)) {
	case 0:
		op->pa = SV39_PA_LIMIT - P; /* runs past 2^56 */
		op->size = 2 * P;
		break;
	case 1:
		op->pa += 8;
		break;
	case 2:
		op->flags |= 1u << 7; /* unknown flag */
		break;
	default:
		break;
	}
	op->perm = gen_perm(r);
	maybe_bad_range(r, &op->va, &op->size);
}

/*
 * A hardware A or D update in one page of an existing leaf of either space
 * (in a group: one member). Returns false when the space has no leaf.
 */
static bool
gen_touch(struct esrc *r, const struct model *m, struct eop *op)
{
	const struct mleafvec *v;
	const struct mleaf *l;
	size_t i;

	if (!m)
		return false;
	op->kind = EOP_TOUCH;
	op->sp = (int)esrc_below(r, 2);
	v = &m->own[op->sp].l;
	if (!v->n)
		return false;
	i = esrc_below(r, v->n);
	/* mostly a group at or after it, if any: its members then differ */
	for (size_t k = i; esrc_below(r, 4) && k < v->n; k++)
		if (v->v[k].size == SV39_NAPOT_SIZE) {
			i = k;
			break;
		}
	l = &v->v[i];
	op->va = l->va + esrc_below(r, l->size / P) * P;
	op->bit = esrc_below(r, 2) ? SV39_PTE_A : SV39_PTE_D;
	return true;
}

void
opgen_next(struct esrc *r, const struct opgen_cfg *cfg, const struct model *m, struct eop *op)
{
	static const struct opgen_cfg none;
	uint64_t w;

	if (!cfg)
		cfg = &none;
	memset(op, 0, sizeof(*op));
	if (cfg->napot && esrc_below(r, 10) == 0 && gen_touch(r, m, op))
		return;
	memset(op, 0, sizeof(*op));
	w = esrc_below(r, 100);
	if (w < 30) {
		op->kind = EOP_MAP;
		gen_map(r, cfg, m, op);
		return;
	}
	if (w < 48) {
		op->kind = EOP_UNMAP;
		op->sp = esrc_below(r, 5) == 0;
		if (!aim_at_leaf(r, m, op->sp, &op->va, &op->size))
			gen_range(r, cfg, true, &op->va, &op->size);
		if (esrc_below(r, 2))
			op->flags |= SV39_UNMAP_HOLES;
		if (!cfg->no_free && esrc_below(r, 3) == 0)
			op->flags |= SV39_UNMAP_FREE;
		if (esrc_below(r, 80) == 0)
			op->flags |= 1u << 6;
		maybe_bad_range(r, &op->va, &op->size);
		return;
	}
	if (w < 62) {
		op->kind = EOP_PROTECT;
		op->sp = esrc_below(r, 5) == 0;
		if (!aim_at_leaf(r, m, op->sp, &op->va, &op->size))
			gen_range(r, cfg, true, &op->va, &op->size);
		gen_bits(r, &op->set, &op->clear);
		maybe_bad_range(r, &op->va, &op->size);
		return;
	}
	if (w < 74) {
		op->kind = EOP_CLONE;
		op->sp = 1;
		if (!aim_at_leaf(r, m, 0, &op->va, &op->size))
			gen_range(r, cfg, true, &op->va, &op->size);
		op->clear = esrc_below(r, 5) ? U_ : 0;
		if (esrc_below(r, 6) == 0) {
			uint64_t s, c;

			gen_bits(r, &s, &c);
			op->set |= s;
			op->clear |= c;
		}
		op->self = esrc_below(r, 50) == 0;
		maybe_bad_range(r, &op->va, &op->size);
		return;
	}
	if (w < 80 && !cfg->no_share) {
		static const uint64_t slots[] = { 0, 1, 2, 510, 511 };
		unsigned k = (unsigned)esrc_below(r, NGIGS);

		op->kind = EOP_SHARE;
		op->sp = 1;
		if (esrc_below(r, 2)) {
			op->va = gigs[k];
			op->size = G;
			if ((k == 1 || k == 4) && esrc_below(r, 3) == 0)
				op->size = 2 * G;
		} else {
			op->va = gigs[k] + PICK(r, slots) * M;
			op->size = (1 + esrc_below(r, 3)) * M;
		}
		switch (esrc_below(r, 40)) {
		case 0:
			op->va += P;
			break;
		case 1:
			op->size = 0;
			break;
		case 2:
			op->self = true;
			break;
		default:
			break;
		}
		return;
	}
	if (w < 92) {
		op->kind = EOP_HARVEST;
		op->sp = esrc_below(r, 5) == 0;
		if (!aim_at_leaf(r, m, op->sp, &op->va, &op->size))
			gen_range(r, cfg, true, &op->va, &op->size);
		op->npages = op->size / P;
		if (op->npages > 1100)
			op->npages = 1 + esrc_below(r, 1100);
		op->size = 0;
		op->bit = esrc_below(r, 2) ? SV39_PTE_A : SV39_PTE_D;
		switch (esrc_below(r, 60)) {
		case 0:
			op->npages = 0;
			break;
		case 1:
			op->bit = SV39_PTE_W;
			break;
		case 2:
			op->va += 4;
			break;
		default:
			break;
		}
		return;
	}
	if (w < 99 || cfg->no_reset) {
		/* unreachable kinds fall back to an unmap of holes */
		op->kind = EOP_UNMAP;
		op->sp = esrc_below(r, 2);
		gen_range(r, cfg, true, &op->va, &op->size);
		op->flags = SV39_UNMAP_HOLES;
		if (w >= 97 && !cfg->no_reset) {
			memset(op, 0, sizeof(*op));
			/* the borrower first, or the lender first (loans taken back) */
			op->kind = esrc_below(r, 3) ? EOP_RESET_DST : EOP_RESET_SRC;
			op->flags = !cfg->no_free && esrc_below(r, 2) ? SV39_FREE_FRAMES : 0;
			/* space 1 may still map space 0's frames through clones */
			if (op->kind == EOP_RESET_SRC)
				op->flags = 0;
		}
		return;
	}
	op->kind = EOP_RESET_ALL;
	op->flags = !cfg->no_free && esrc_below(r, 2) ? SV39_FREE_FRAMES : 0;
}
