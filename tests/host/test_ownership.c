/* SPDX-License-Identifier: MIT */
/*
 * Ownership across shared spaces: no chain of lending can form in any
 * order of calls, a borrower never sees a mapping its lender no longer has (a lender's superpage is
 * split before it is shared, so the borrower points at a table of the
 * lender's and sees every later change), a lender destroyed before its
 * borrowers takes its tables back from them first, and random share graphs
 * over six spaces (cycles of lending included) never let a live space reach
 * a freed table page, whatever the order they are destroyed in.
 */
#include "testutil.h"

/* Every table page reachable from s (through borrowed entries too) is live. */
static bool
reach_live(struct ramops *r, sv39_pa_t table, unsigned level)
{
	const sv39_pte_t *t = ramops_ptr(r, table);

	if (!t)
		return false;
	for (unsigned i = 0; level > 0 && i < SV39_PTES_PER_TABLE; i++)
		if ((t[i] & SV39_PTE_V) && !(t[i] & SV39_PTE_LEAF_MASK) &&
		    !reach_live(r, sv39_pte_pa(t[i]), level - 1))
			return false;
	return true;
}

/*
 * K lends a whole GiB to U, then borrows a 2 MiB slot inside it from X:
 * refused, or U would reach X's table through K's and keep it after X dies.
 */
static void
test_no_chain(void)
{
	struct ramops r;
	struct sv39_space K, U, X;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &K) || !t_space(&r, &U) || !t_space(&r, &X))
			return;
		CHECK_EQ(sv39_map(&K, g, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&X, g + 2 * MEGA, 0x90000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&U, &K, g, GIGA), 0);
		/* lend, then borrow inside what was lent: refused */
		T_NOCHANGE(&r, sv39_share(&K, &X, g + 2 * MEGA, MEGA), SV39_EBUSY);
		/* the other order was refused already: borrow, then lend on */
		CHECK_EQ(sv39_map(&X, g + GIGA + 2 * MEGA, 0x91000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&K, g + GIGA, 0x81000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&K, &X, g + GIGA + 2 * MEGA, MEGA), 0);
		T_NOCHANGE(&r, sv39_share(&U, &K, g + GIGA, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&U, &K, g + GIGA + 2 * MEGA, MEGA), SV39_EBUSY);
		/* lending a 2 MiB slot also closes the GiB around it to borrowing */
		CHECK_EQ(sv39_map(&K, g + 2 * GIGA, 0x82000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&X, g + 2 * GIGA + 4 * MEGA, 0x92000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&U, &K, g + 2 * GIGA, MEGA), 0);
		T_NOCHANGE(&r, sv39_share(&K, &X, g + 2 * GIGA + 4 * MEGA, MEGA), SV39_EBUSY);
		/* X dies first: nothing U or K reaches may be X's. */
		t_destroy(&r, &X, 0);
		CHECK(reach_live(&r, U.root, 2));
		CHECK(reach_live(&r, K.root, 2));
		T_UNMAPPED(&K, g + GIGA + 2 * MEGA);
		T_UNMAPPED(&U, g + 2 * MEGA);
		T_XLATE(&U, g, 0x80000000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(r.errors, 0);
		t_destroy(&r, &U, 0);
		t_destroy(&r, &K, 0);
		t_env_fini(&r);
	}
}

/*
 * The lender dies first: its borrowers' entries into its tables are taken
 * back (and each borrower flushed whole) before any of them is freed; the
 * borrowers' own mappings stay, and the range is theirs to map again.
 */
static void
test_lender_first(void)
{
	struct ramops r;
	struct sv39_space L, B, C;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h], m = g + GIGA + 4 * MEGA;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B) || !t_space(&r, &C))
			return;
		B.asid = 7;
		CHECK_EQ(sv39_map(&L, g + PG, 0x80001000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&L, m, 0x80200000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&B, g + GIGA, 0x90000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
		CHECK_EQ(sv39_share(&B, &L, m, MEGA), 0);
		CHECK_EQ(sv39_share(&C, &L, g, GIGA), 0);
		/* C also lends to L: a cycle of loans */
		CHECK_EQ(sv39_map(&C, g + 3 * GIGA, 0x91000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&L, &C, g + 3 * GIGA, GIGA), 0);
		ramops_clear_log(&r);
		t_destroy(&r, &L, 0);
		CHECK(reach_live(&r, B.root, 2));
		CHECK(reach_live(&r, C.root, 2));
		CHECK(ramops_flushed(&r, 0, 0));
		T_UNMAPPED(&B, g + PG);
		T_UNMAPPED(&B, m);
		T_UNMAPPED(&C, g + PG);
		T_XLATE(&B, g + GIGA, 0x90000000, t_leaf_flags(RW, 0), PG);
		T_XLATE(&C, g + 3 * GIGA, 0x91000000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(sv39_check(&B), 0);
		CHECK_EQ(r.errors, 0);
		/* the range is B's own now */
		CHECK_EQ(sv39_map(&B, g + PG, 0x92000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&B, m, 0x92200000, PG, RW, 0), 0);
		CHECK_EQ(t_count_tables(&r, &B), 6);
		t_destroy(&r, &C, 0);
		t_destroy(&r, &B, 0);
		t_env_fini(&r);
	}
}

/*
 * Table look-ups during a take-back, counted: ramops' own look-up behind a
 * phys_to_virt that gives up after P2V_BUDGET calls (a lender's destroy
 * makes a few dozen).
 */
#define P2V_BUDGET 10000
static unsigned p2v_calls;

static void *
counting_p2v(void *ctx, sv39_pa_t pa)
{
	if (++p2v_calls > P2V_BUDGET) {
		printf("FAILED: more than %u table look-ups: the take-back walks on\n", P2V_BUDGET);
		exit(1);
	}
	return ramops_ptr(ctx, pa);
}

/*
 * A lender destroyed first while its borrower holds 2 MiB loans in its own
 * level-1 tables at the top of the low half and at the top of the high
 * half: both tables empty, so the take-back reclaims in both halves. It
 * once did so as one range across the hole between them, 2^34 root-slot
 * steps (fuzz_refmodel's timeout in CI), whose index wrapped round the
 * root: B's table in another slot was looked up again on every lap, which
 * the budget above turns into a failure in milliseconds.
 */
static void
test_lender_first_both_halves(void)
{
	const sv39_va_t lo = 0x3fc0000000ULL, hi = 0xffffffffbfc00000ULL;
	struct ramops r;
	struct sv39_ops ops;
	struct sv39_space L, B;

	check_begin("lender first, loans in both halves");
	t_env_init(&r, 64, 0);
	ops = r.ops;
	ops.phys_to_virt = counting_p2v;
	CHECK_EQ(sv39_space_init(&L, &ops, &r), 0);
	CHECK_EQ(sv39_space_init(&B, &ops, &r), 0);
	CHECK_EQ(sv39_map(&L, lo, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&L, hi, 0x80200000, PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&B, 0x40000000, 0x81000000, PG, RW, 0), 0); /* another slot */
	CHECK_EQ(sv39_share(&B, &L, lo, MEGA), 0);
	CHECK_EQ(sv39_share(&B, &L, hi, MEGA), 0);
	CHECK_EQ(t_count_tables(&r, &B), 5); /* root, two level-1 with loans, 0x40000000's two */
	ramops_clear_log(&r);
	p2v_calls = 0;
	t_destroy(&r, &L, 0);
	CHECK(p2v_calls < 100);
	CHECK_EQ(t_count_tables(&r, &B), 3); /* both emptied, both freed */
	CHECK(ramops_flushed(&r, 0, 0));
	T_UNMAPPED(&B, lo);
	T_UNMAPPED(&B, hi);
	T_XLATE(&B, 0x40000000, 0x81000000, t_leaf_flags(RW, 0), PG);
	t_destroy(&r, &B, 0);
	t_env_fini(&r);
}

/* Borrower and lender translate every page of the range the same. */
static bool
same_view(const struct sv39_space *a, const struct sv39_space *b, sv39_va_t va, uint64_t size,
	  uint64_t step)
{
	for (uint64_t off = 0; off < size; off += step) {
		sv39_pa_t pa1 = 1, pa2 = 2;
		uint64_t f1 = 1, f2 = 2;
		int e1 = sv39_translate(a, va + off, &pa1, &f1, NULL);
		int e2 = sv39_translate(b, va + off, &pa2, &f2, NULL);

		if (e1 != e2 || (e1 == 0 && (pa1 != pa2 || (f1 & ~SV39_PTE_BORROWED) !=
								   (f2 & ~SV39_PTE_BORROWED)))) {
			printf("\tdiffer at 0x%016" PRIx64 ": %d/%d pa %" PRIx64 "/%" PRIx64
			       " flags %" PRIx64 "/%" PRIx64 "\n",
			       va + off, e1, e2, pa1, pa2, f1, f2);
			return false;
		}
	}
	return true;
}

/*
 * A lender's superpages at the sharing level: after the share the lender
 * protects and unmaps (freeing frames) inside them; the borrower sees
 * exactly the lender's mappings, never a frame the lender gave back.
 */
static void
test_superpage_share(void)
{
	struct ramops r;
	struct sv39_space L, B;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h], m = g + GIGA + 6 * MEGA;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B))
			return;
		CHECK_EQ(sv39_map(&L, g, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&L, m, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);	     /* a gigapage */
		CHECK_EQ(sv39_share(&B, &L, m - MEGA, 2 * MEGA), 0); /* a megapage */
		CHECK(same_view(&L, &B, g, GIGA, MEGA));
		CHECK(same_view(&L, &B, m - MEGA, 2 * MEGA, PG));
		/* lender changes after the share show through */
		CHECK_EQ(sv39_protect(&L, g + 5 * PG, PG, 0, SV39_PTE_W), 0);
		CHECK_EQ(sv39_protect(&L, m + 7 * PG, PG, 0, SV39_PTE_W), 0);
		CHECK(same_view(&L, &B, g, 2 * MEGA, PG));
		CHECK(same_view(&L, &B, m, MEGA, PG));
		CHECK_EQ(sv39_unmap(&L, g + 3 * MEGA, MEGA, SV39_UNMAP_FREE), 0);
		CHECK_EQ(sv39_unmap(&L, m, MEGA, SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.frames_freed, 1 + 512); /* the megapage was split by protect */
		T_UNMAPPED(&B, g + 3 * MEGA + PG);
		T_UNMAPPED(&B, m + PG);
		CHECK(same_view(&L, &B, g, 8 * MEGA, PG));
		CHECK(same_view(&L, &B, m - MEGA, 2 * MEGA, PG));
		CHECK_EQ(sv39_check(&B), 0);
		CHECK_EQ(sv39_check(&L), 0);
		/* and a lent slot stays the lender's to map again */
		CHECK_EQ(sv39_map(&L, m, 0x80400000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK(same_view(&L, &B, m, MEGA, PG));
		t_destroy(&r, &B, SV39_FREE_FRAMES);
		CHECK_EQ(r.frames_freed, 1 + 512); /* B owns no frame there */
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

/* ---- random share graphs ---------------------------------------------- */

#define NSP 6
#define STEPS 3000
static unsigned g_shares;

struct graph {
	struct ramops r;
	struct sv39_space sp[NSP];
	bool live[NSP];
	uint64_t rng;
};

static uint64_t
rnd(struct graph *g, uint64_t n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng % n;
}

/* An address in a small window (4 GiB), so that calls collide often. */
static sv39_va_t
rnd_va(struct graph *g, uint64_t align)
{
	sv39_va_t va = 0x40000000ULL + rnd(g, 4) * GIGA + rnd(g, 6) * MEGA + rnd(g, 8) * PG;

	return va & ~(align - 1);
}

static uint64_t
rnd_size(struct graph *g, uint64_t unit)
{
	static const uint64_t mult[] = { 1, 1, 2, 3, 8, 512, 1024 };

	return unit * mult[rnd(g, sizeof(mult) / sizeof(mult[0]))];
}

static void
g_destroy(struct graph *g, int s)
{
	t_destroy(&g->r, &g->sp[s], rnd(g, 2) ? SV39_FREE_FRAMES : 0);
	g->live[s] = false;
}

/* Every live space reaches only live table pages, and reads cleanly. */
static bool
g_check(struct graph *g)
{
	for (int s = 0; s < NSP; s++) {
		if (!g->live[s])
			continue;
		if (!CHECK(reach_live(&g->r, g->sp[s].root, 2)) ||
		    !CHECK_EQ(sv39_check(&g->sp[s]), 0))
			return false;
		for (int k = 0; k < 8; k++)
			(void)sv39_translate(&g->sp[s], rnd_va(g, PG), NULL, NULL, NULL);
	}
	return CHECK_EQ(g->r.errors, 0);
}

static void
g_step(struct graph *g)
{
	int a = (int)rnd(g, NSP), b = (int)rnd(g, NSP);
	struct sv39_space *s = &g->sp[a];
	uint64_t perm = rnd(g, 3) ? RW : RX;

	if (!g->live[a]) {
		if (CHECK(t_space(&g->r, s)))
			g->live[a] = true;
		return;
	}
	perm |= rnd(g, 4) ? 0 : SV39_PTE_RSW_EMBEDDER;
	switch (rnd(g, 8)) {
	case 0:
	case 1:
		(void)sv39_map(s, rnd_va(g, PG), 0x80000000ULL + rnd(g, 64) * MEGA, rnd_size(g, PG),
			       perm, rnd(g, 2) ? SV39_MAP_HUGE : 0);
		break;
	case 2:
		(void)sv39_unmap(s, rnd_va(g, PG), rnd_size(g, PG),
				 SV39_UNMAP_HOLES | (rnd(g, 2) ? SV39_UNMAP_FREE : 0));
		break;
	case 3:
		(void)sv39_protect(s, rnd_va(g, PG), rnd_size(g, PG), 0, SV39_PTE_W);
		break;
	case 4:
		if (g->live[b] && a != b)
			(void)sv39_clone_range(s, &g->sp[b], rnd_va(g, PG), rnd_size(g, PG), 0, 0);
		break;
	case 5:
	case 6:
		if (g->live[b] && a != b &&
		    sv39_share(s, &g->sp[b], rnd_va(g, MEGA), rnd_size(g, MEGA)) == 0)
			g_shares++;
		break;
	default:
		if (rnd(g, 4) == 0) /* lenders too: their loans are taken back */
			g_destroy(g, a);
		break;
	}
}

/*
 * Random share graphs over six spaces (cycles of loans included): share,
 * map, unmap, protect, clone and destroy (of lenders too), then everything
 * destroyed in a random order. After every step, every table page any live
 * space reaches is one ramops has handed out (under ASan, build-san, a
 * read of a freed page is also reported where it happens).
 */
static void
test_random_graphs(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct graph g;
		char name[32];

		memset(&g, 0, sizeof(g));
		g.rng = seed * 0x9e3779b97f4a7c15ULL;
		snprintf(name, sizeof(name), "graph seed %" PRIu64, seed);
		check_begin(name);
		t_env_init(&g.r, 4096, 0);
		for (int i = 0; i < STEPS; i++) {
			g_step(&g);
			if ((i % 16 == 0 || i == STEPS - 1) && !g_check(&g))
				break;
		}
		/* everything, in a random order: lenders before borrowers too */
		int order[NSP];

		for (int k = 0; k < NSP; k++)
			order[k] = k;
		for (int k = NSP - 1; k > 0; k--) {
			int x = (int)rnd(&g, (uint64_t)k + 1), tmp = order[k];

			order[k] = order[x];
			order[x] = tmp;
		}
		for (int k = 0; k < NSP; k++) {
			if (!g.live[order[k]])
				continue;
			g_destroy(&g, order[k]);
			if (!g_check(&g))
				break;
		}
		t_env_fini(&g.r);
	}
}

int
main(void)
{
	test_no_chain();
	test_superpage_share();
	test_lender_first();
	test_lender_first_both_halves();
	test_random_graphs();
	printf("random graphs: %u successful shares\n", g_shares);
	CHECK(g_shares > 100); /* the graphs did share */
	return check_finish();
}
