/* SPDX-License-Identifier: MIT */
/*
 * Random share graphs over six spaces kept as roots, the xv6 pattern: every
 * call goes through a struct freshly rebuilt from the root with
 * sv39_space_init_from_root. The library refuses what a rebuilt struct
 * cannot do safely (sv39_share; destroy of a root that lent or borrows
 * now) and the test checks each refusal changed nothing; those two calls
 * then go through the struct that made the space, which the embedder keeps
 * for them. Spaces are destroyed (and made again) in random order, lenders
 * before their borrowers too.
 *
 * A small model predicts every result: the pages each space maps itself,
 * which table pages it has (they decide EEXIST and what a share links),
 * what it lent and borrowed. After each step the touched space is
 * translated page by page against the model (a borrowed range shows the
 * lender's pages), and periodically every space, with for_each counts.
 * Under ASan and UBSan (build-san) any read of a freed page is reported
 * where it happens; ramops also counts accesses to pages it does not hold.
 * Deterministic seeds; a few seconds.
 */
#include "testutil.h"

#define NSP 6 /* spaces */
#define NG 4  /* 1 GiB slots: two in each half */
#define NM 4  /* 2 MiB slots used in each GiB */
#define NP 4  /* 4 KiB pages used in each 2 MiB slot */
#define STEPS 5000
#define SEEDS 6

struct mspace_ {
	sv39_pa_t own[NG][NM][NP]; /* frames it maps itself, 0 for none */
	bool l1[NG], l0[NG][NM];   /* its own level-1 / level-0 tables */
	int bg[NG], bm[NG][NM];	   /* lender of a borrowed GiB / 2 MiB slot, or -1 */
	bool lent[NG];		   /* lent something in this GiB */
};

struct world {
	struct ramops r;
	uint64_t rng;
	struct sv39_space orig[NSP]; /* the struct that made each space */
	bool live[NSP];
	struct mspace_ m[NSP];
	uint64_t next_pa;
	unsigned shares, refused, destroys_rebuilt;
};

static uint64_t
rnd(struct world *w, uint64_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng % n;
}

static sv39_va_t
giga_va(int k)
{
	static const sv39_va_t base[NG] = { 0x40000000ULL, 0x80000000ULL, 0xffffffc040000000ULL,
					    0xffffffc080000000ULL };
	return base[k];
}

static sv39_va_t
page_va(int k, int m, int p)
{
	return giga_va(k) + (sv39_va_t)m * MEGA + (sv39_va_t)p * PG;
}

/* A struct around space i's root, made for one call. */
static struct sv39_space
rebuilt(struct world *w, int i)
{
	struct sv39_space x;

	CHECK_EQ(sv39_space_init_from_root(&x, &w->r.ops, &w->r, w->orig[i].root), 0);
	return x;
}

static void
model_reset(struct mspace_ *m)
{
	memset(m, 0, sizeof(*m));
	for (int k = 0; k < NG; k++) {
		m->bg[k] = -1;
		for (int j = 0; j < NM; j++)
			m->bm[k][j] = -1;
	}
}

/* What space i maps at page (k, m, p): its own, or its lender's. */
static sv39_pa_t
model_view(const struct world *w, int i, int k, int m, int p)
{
	const struct mspace_ *s = &w->m[i];

	if (s->bg[k] >= 0)
		return w->m[s->bg[k]].own[k][m][p];
	if (s->bm[k][m] >= 0)
		return w->m[s->bm[k][m]].own[k][m][p];
	return s->own[k][m][p];
}

static bool
model_borrowed_at(const struct mspace_ *s, int k, int m)
{
	return s->bg[k] >= 0 || s->bm[k][m] >= 0;
}

/* Tables left empty go, unless the GiB was lent (the library keeps those). */
static void
model_free_empty(struct mspace_ *s, int k)
{
	bool any = false;

	if (s->lent[k])
		return;
	for (int m = 0; m < NM; m++) {
		bool pages = false;

		for (int p = 0; p < NP; p++)
			pages |= s->own[k][m][p] != 0;
		s->l0[k][m] &= pages;
		any |= s->l0[k][m] || s->bm[k][m] >= 0;
	}
	s->l1[k] &= any;
}

static void
model_set_own(struct mspace_ *s, int k, int m, int p, sv39_pa_t pa)
{
	s->own[k][m][p] = pa;
	if (pa)
		s->l1[k] = s->l0[k][m] = true;
	else
		model_free_empty(s, k);
}

/* Space i's pages agree with the model, through a rebuilt struct. */
static bool
check_space(struct world *w, int i)
{
	struct sv39_space x = rebuilt(w, i);
	bool ok = true;

	for (int k = 0; k < NG; k++) {
		uint64_t n = 0;

		for (int m = 0; m < NM; m++)
			for (int p = 0; p < NP; p++) {
				sv39_pa_t want = model_view(w, i, k, m, p), got = 0;
				int err = sv39_translate(&x, page_va(k, m, p), &got, NULL, NULL);

				n += want != 0;
				if (want)
					ok &= CHECK_EQ(err, 0) && CHECK_EQ(got, want);
				else
					ok &= CHECK_EQ(err, SV39_ENOENT);
			}
		ok &= CHECK_EQ(t_count_leaves(&x, giga_va(k), GIGA), n);
	}
	ok &= CHECK_EQ(sv39_check(&x), 0);
	ok &= CHECK_EQ(w->r.errors, 0);
	return ok;
}

static void
step_map(struct world *w, int i, int k, int m, int p)
{
	struct sv39_space x = rebuilt(w, i);
	struct mspace_ *s = &w->m[i];
	sv39_pa_t pa = w->next_pa += PG;
	int want = model_borrowed_at(s, k, m) ? SV39_EBUSY : s->own[k][m][p] ? SV39_EEXIST : 0;

	CHECK_EQ(sv39_map(&x, page_va(k, m, p), pa, PG, RW, 0), want);
	if (want == 0)
		model_set_own(s, k, m, p, pa);
}

static void
step_unmap(struct world *w, int i, int k, int m, int p)
{
	struct sv39_space x = rebuilt(w, i);
	struct mspace_ *s = &w->m[i];
	int want = model_borrowed_at(s, k, m) ? SV39_EBUSY : 0;

	CHECK_EQ(sv39_unmap(&x, page_va(k, m, p), PG, SV39_UNMAP_HOLES), want);
	if (want == 0)
		model_set_own(s, k, m, p, 0);
}

/* clone_range of one page from j into i, both through rebuilt structs. */
static void
step_clone(struct world *w, int i, int j, int k, int m, int p)
{
	struct sv39_space x = rebuilt(w, i), y = rebuilt(w, j);
	struct mspace_ *s = &w->m[i];
	int want = model_borrowed_at(s, k, m) ? SV39_EBUSY : 0;

	CHECK_EQ(sv39_clone_range(&x, &y, page_va(k, m, p), PG, 0, 0), want);
	if (want == 0)
		model_set_own(s, k, m, p, model_view(w, j, k, m, p));
}

/* The result sv39_share(i, j) of GiB k (m < 0) or of its 2 MiB slot m must give. */
static int
share_expect(const struct world *w, int i, int j, int k, int m, bool *linked)
{
	const struct mspace_ *d = &w->m[i], *s = &w->m[j];
	bool busy = d->bg[k] >= 0 || s->bg[k] >= 0 || d->lent[k];

	for (int n = 0; n < NM; n++)
		if (m < 0 || n == m)
			busy |= d->bm[k][n] >= 0 || s->bm[k][n] >= 0;
	if (busy)
		return SV39_EBUSY;
	if (m < 0 ? d->l1[k] : d->l0[k][m])
		return SV39_EEXIST;
	*linked = m < 0 ? s->l1[k] : s->l0[k][m];
	return 0;
}

/* share through rebuilt structs is refused; through the original, as the model says. */
static void
step_share(struct world *w, int i, int j, int k, int m)
{
	struct sv39_space x = rebuilt(w, i), y = rebuilt(w, j);
	sv39_va_t va = m < 0 ? giga_va(k) : giga_va(k) + (sv39_va_t)m * MEGA;
	uint64_t size = m < 0 ? GIGA : MEGA;
	bool linked = false;
	int want = share_expect(w, i, j, k, m, &linked);

	if (rnd(w, 4) == 0) {
		T_NOCHANGE(&w->r, sv39_share(&x, &w->orig[j], va, size), SV39_EINVAL);
		T_NOCHANGE(&w->r, sv39_share(&w->orig[i], &y, va, size), SV39_EINVAL);
	}
	if (!CHECK_EQ(sv39_share(&w->orig[i], &w->orig[j], va, size), want) || want || !linked)
		return;
	w->shares++;
	w->m[j].lent[k] = true;
	if (m < 0) {
		w->m[i].bg[k] = j;
	} else {
		w->m[i].bm[k][m] = j;
		w->m[i].l1[k] = true;
	}
}

/* Lender j is gone: its borrowers' entries into it go (loan.c's revoke). */
static void
model_revoke(struct world *w, int j)
{
	for (int b = 0; b < NSP; b++) {
		struct mspace_ *s = &w->m[b];

		if (!w->live[b] || b == j)
			continue;
		for (int k = 0; k < NG; k++) {
			bool any = false;

			if (s->bg[k] == j)
				s->bg[k] = -1;
			for (int m = 0; m < NM; m++)
				if (s->bm[k][m] == j) {
					s->bm[k][m] = -1;
					any = true;
				}
			if (any)
				model_free_empty(s, k);
		}
	}
}

static bool
model_shares(const struct mspace_ *s)
{
	for (int k = 0; k < NG; k++) {
		if (s->lent[k] || s->bg[k] >= 0)
			return true;
		for (int m = 0; m < NM; m++)
			if (s->bm[k][m] >= 0)
				return true;
	}
	return false;
}

/*
 * Destroy space i through a rebuilt struct: refused, changing nothing, when
 * it lent or borrows now; then through its original. Made again at once.
 */
static void
step_destroy(struct world *w, int i, bool again)
{
	struct sv39_space x = rebuilt(w, i);

	if (model_shares(&w->m[i])) {
		T_NOCHANGE(&w->r, sv39_space_destroy(&x, 0), SV39_EBUSY);
		CHECK(sv39_space_is_init(&x));
		w->refused++;
		t_destroy(&w->r, &w->orig[i], 0);
	} else {
		CHECK_EQ(w->orig[i].loans, 0);
		t_destroy(&w->r, &x, 0);
		CHECK(!sv39_space_is_init(&x));
		w->destroys_rebuilt++;
		memset(&w->orig[i], 0, sizeof(w->orig[i])); /* its root is gone */
	}
	w->live[i] = false;
	model_revoke(w, i);
	model_reset(&w->m[i]);
	if (again && t_space(&w->r, &w->orig[i]))
		w->live[i] = true;
}

static void
world_step(struct world *w)
{
	int i = (int)rnd(w, NSP), j = (int)rnd(w, NSP);
	int k = (int)rnd(w, NG), m = (int)rnd(w, NM), p = (int)rnd(w, NP);

	switch (rnd(w, 16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		step_map(w, i, k, m, p);
		break;
	case 5:
	case 6:
		step_unmap(w, i, k, m, p);
		break;
	case 7:
	case 8:
		if (i != j)
			step_clone(w, i, j, k, m, p);
		break;
	case 9:
	case 10:
	case 11:
	case 12:
		if (i != j)
			step_share(w, i, j, k, rnd(w, 2) ? m : -1);
		break;
	default:
		if (rnd(w, 3) == 0)
			step_destroy(w, i, true);
		break;
	}
	if (!check_space(w, i) || (i != j && !check_space(w, j)))
		w->rng = 0; /* stop: the first mismatch is the one to read */
}

static void
test_graphs(void)
{
	unsigned shares = 0, refused = 0, rebuilt_destroys = 0;

	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct world w;
		char name[32];
		int order[NSP];

		memset(&w, 0, sizeof(w));
		w.rng = seed * 0x9e3779b97f4a7c15ULL;
		w.next_pa = 0x100000000ULL;
		snprintf(name, sizeof(name), "seed %" PRIu64, seed);
		check_begin(name);
		t_env_init(&w.r, 4096, 0);
		for (int i = 0; i < NSP; i++) {
			model_reset(&w.m[i]);
			w.live[i] = t_space(&w.r, &w.orig[i]);
		}
		for (int s = 0; s < STEPS && w.rng; s++) {
			world_step(&w);
			for (int i = 0; s % 64 == 63 && i < NSP; i++)
				check_space(&w, i);
		}
		/* everything, in a random order: lenders before borrowers too */
		for (int n = 0; n < NSP; n++)
			order[n] = n;
		for (int n = NSP - 1; n > 0; n--) {
			int x = (int)rnd(&w, (uint64_t)n + 1), tmp = order[n];

			order[n] = order[x];
			order[x] = tmp;
		}
		for (int n = 0; n < NSP; n++) {
			step_destroy(&w, order[n], false);
			for (int i = 0; i < NSP; i++)
				if (w.live[i])
					check_space(&w, i);
		}
		shares += w.shares;
		refused += w.refused;
		rebuilt_destroys += w.destroys_rebuilt;
		t_env_fini(&w.r);
	}
	printf("%u shares, %u destroys refused through a rebuilt struct, %u done through one\n",
	       shares, refused, rebuilt_destroys);
	CHECK(shares > 200 && refused > 50 && rebuilt_destroys > 50); /* the graphs did share */
}

int
main(void)
{
	test_graphs();
	return check_finish();
}
