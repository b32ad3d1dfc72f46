/* SPDX-License-Identifier: MIT */
/*
 * sv39_share: a borrower reads the lender's own tables (1 GiB slots at the
 * root, 2 MiB slots at level 1), sees the lender's later changes, may not
 * change anything there (SV39_EBUSY), and destroying it leaves the lender
 * intact; the lender never frees a lent table, even when it empties.
 */
#include "testutil.h"

static bool
lent(const struct sv39_space *s, sv39_va_t va)
{
	unsigned i = t_vpn(va, 2);

	return (s->lent[i / 64] >> (i % 64)) & 1;
}

/* Every page of the range translates the same in both spaces. */
static bool
same_pages(const struct sv39_space *a, const struct sv39_space *b, sv39_va_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PG) {
		sv39_pa_t pa1 = 1, pa2 = 2;
		int e1 = sv39_translate(a, va + off, &pa1, NULL, NULL);
		int e2 = sv39_translate(b, va + off, &pa2, NULL, NULL);

		if (!CHECK_EQ(e1, e2) || (e1 == 0 && !CHECK_EQ(pa1, pa2))) {
			printf("\tat 0x%016" PRIx64 "\n", va + off);
			return false;
		}
	}
	return true;
}

/* Whole GiB slots: shared at the root, nothing allocated for dst. */
static void
test_share_giga(void)
{
	struct ramops r;
	struct sv39_space L, B;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];
		uint64_t f = t_leaf_flags(RW, 0);
		const sv39_pte_t *lroot, *broot;
		sv39_pte_t *pte;
		unsigned level;
		size_t ltables, before;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B))
			return;
		CHECK_EQ(sv39_map(&L, g + PG, 0x80001000, 3 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&L, g + 2 * MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&L, g + GIGA - PG, 0x8ffff000, PG, RX, 0), 0);
		CHECK_EQ(sv39_map(&L, g + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		/* g + 2 GiB stays empty. */
		before = r.allocated;
		CHECK_EQ(sv39_share(&B, &L, g, 3 * GIGA), 0);
		/*
		 * L's gigapage was split into a table of 2 MiB leaves, and lent;
		 * each side has a ledger page recording the loan.
		 */
		CHECK_EQ(r.allocated, before + 1 + 2);
		CHECK_EQ(t_count_tables(&r, &B), 1);
		CHECK(lent(&L, g));
		CHECK(!lent(&B, g));
		lroot = t_table(&r, L.root);
		broot = t_table(&r, B.root);
		if (CHECK(lroot && broot)) {
			unsigned i = t_vpn(g, 2);

			/* L's own entries carry the lent mark (bit 8), B's the borrowed one */
			CHECK_EQ(lroot[i] & SV39_PTE_RSW_EMBEDDER, SV39_PTE_RSW_EMBEDDER);
			CHECK_EQ(lroot[i + 1] & SV39_PTE_RSW_EMBEDDER, SV39_PTE_RSW_EMBEDDER);
			CHECK_EQ(broot[i], (lroot[i] & ~SV39_PTE_RSW_EMBEDDER) | SV39_PTE_BORROWED);
			CHECK_EQ(broot[i + 1],
				 (lroot[i + 1] & ~SV39_PTE_RSW_EMBEDDER) | SV39_PTE_BORROWED);
			CHECK_EQ(broot[i + 2], 0);
		}
		CHECK(same_pages(&B, &L, g, 4 * MEGA));
		T_XLATE(&B, g + 2 * MEGA + 5, 0x80200005, f, MEGA);
		T_XLATE(&B, g + GIGA - PG, 0x8ffff000, t_leaf_flags(RX, 0), PG);
		/* The gigapage is now 2 MiB leaves in a table B borrows. */
		if (CHECK_EQ(sv39_walk(&B, g + GIGA + 5 * MEGA, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 1);
			CHECK_EQ(*pte, sv39_pte_make(0xc0000000 + 5 * MEGA, f));
		}
		CHECK(lent(&L, g + GIGA));
		/* for_each and check read through the borrowed subtree. */
		CHECK_EQ(t_count_leaves(&B, g, 3 * GIGA), t_count_leaves(&L, g, 3 * GIGA));
		CHECK_EQ(t_count_leaves(&B, g, GIGA), 5);
		CHECK_EQ(sv39_check(&B), 0);

		/* L's later changes show through. */
		CHECK_EQ(sv39_map(&L, g + 9 * MEGA, 0x81000000, 2 * PG, RW, 0), 0);
		T_XLATE(&B, g + 9 * MEGA + PG, 0x81001000, f, PG);
		CHECK_EQ(sv39_protect(&L, g + PG, PG, 0, SV39_PTE_W), 0);
		T_XLATE(&B, g + PG, 0x80001000, f & ~SV39_PTE_W, PG);
		CHECK_EQ(sv39_unmap(&L, g + 2 * PG, PG, 0), 0);
		T_UNMAPPED(&B, g + 2 * PG);
		/* A slot that was empty at share time stays empty in B. */
		CHECK_EQ(sv39_map(&L, g + 2 * GIGA, 0x90000000, PG, RW, 0), 0);
		T_UNMAPPED(&B, g + 2 * GIGA);

		/* L empties the lent GiB: its tables stay (B still points there). */
		ltables = t_count_tables(&r, &L);
		before = r.allocated;
		CHECK_EQ(sv39_unmap(&L, g, GIGA, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(r.allocated, before);
		CHECK_EQ(t_count_tables(&r, &L), ltables);
		CHECK_EQ(t_count_leaves(&B, g, GIGA), 0);
		CHECK_EQ(sv39_check(&B), 0);
		/* ... and refilling it shows through again. */
		CHECK_EQ(sv39_map(&L, g + 3 * PG, 0x82003000, PG, RW, 0), 0);
		T_XLATE(&B, g + 3 * PG, 0x82003000, f, PG);
		CHECK_EQ(sv39_map(&L, g + 11 * MEGA, 0x82200000, MEGA, RW, SV39_MAP_HUGE), 0);
		T_XLATE(&B, g + 11 * MEGA, 0x82200000, f, MEGA);

		/*
		 * Destroying B frees its root and ledger, and L's ledger, which
		 * names nobody now; L's tree is untouched.
		 */
		before = r.allocated;
		t_destroy(&r, &B, SV39_FREE_FRAMES);
		CHECK_EQ(r.allocated, before - 3);
		CHECK_EQ(L.loans, 0);
		CHECK_EQ(r.frames_freed, 0);
		T_XLATE(&L, g + 3 * PG, 0x82003000, f, PG);
		T_XLATE(&L, g + 11 * MEGA, 0x82200000, f, MEGA);
		T_XLATE(&L, g + GIGA, 0xc0000000, f, MEGA);
		CHECK_EQ(sv39_check(&L), 0);
		CHECK_EQ(r.errors, 0);
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

/*
 * 2 MiB slots: B gets its own level-1 table whose entries point at L's
 * level-0 tables; a megapage of L is split first and its table lent.
 */
static void
test_share_mega(void)
{
	struct ramops r;
	struct sv39_space L, B, C;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h] + GIGA;
		sv39_va_t va = g + 2 * MEGA; /* slots 1 (mega), 2 (table), 3 (empty) */
		uint64_t f = t_leaf_flags(RX, 0);
		sv39_pte_t *pte;
		unsigned level;
		size_t before;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B))
			return;
		CHECK_EQ(sv39_map(&L, va, 0x80200000, MEGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&L, va + MEGA + 4 * PG, 0x80404000, 2 * PG, RX, 0), 0);
		CHECK_EQ(sv39_map(&L, g, 0x80000000, PG, RX, 0), 0); /* outside */
		CHECK_EQ(sv39_map(&B, g + 9 * MEGA, 0x90000000, PG, RW, 0), 0);
		before = r.allocated;
		CHECK_EQ(sv39_share(&B, &L, va, 3 * MEGA), 0);
		CHECK(lent(&L, va));
		/*
		 * B already had a level-1 table for this GiB: nothing new for B;
		 * L's megapage was split into a table of 4 KiB leaves, and lent;
		 * each side has a ledger page recording the loan.
		 */
		CHECK_EQ(r.allocated, before + 1 + 2);
		T_UNMAPPED(&B, g);
		T_XLATE(&B, va + 0x1234, 0x80201234, f, PG);
		if (CHECK_EQ(sv39_walk(&B, va, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 0);
			CHECK_EQ(*pte, sv39_pte_make(0x80200000, f));
		}
		T_XLATE(&B, va + MEGA + 5 * PG, 0x80405000, f, PG);
		T_UNMAPPED(&B, va + 2 * MEGA);
		CHECK_EQ(t_count_leaves(&B, va, 3 * MEGA), 512 + 2);
		/* L's later changes below a shared table show through. */
		CHECK_EQ(sv39_map(&L, va + MEGA + 9 * PG, 0x80409000, PG, RX, 0), 0);
		T_XLATE(&B, va + MEGA + 9 * PG, 0x80409000, f, PG);
		/* ... but not into a slot that was empty. */
		CHECK_EQ(sv39_map(&L, va + 2 * MEGA, 0x80600000, PG, RX, 0), 0);
		T_UNMAPPED(&B, va + 2 * MEGA);

		/* L empties the shared level-0 table: it is not freed. */
		before = r.allocated;
		CHECK_EQ(sv39_unmap(&L, va + MEGA, MEGA, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(r.allocated, before);
		T_UNMAPPED(&B, va + MEGA + 5 * PG);
		CHECK_EQ(sv39_check(&B), 0);
		CHECK_EQ(sv39_map(&L, va + MEGA, 0x80400000, PG, RX, 0), 0);
		T_XLATE(&B, va + MEGA, 0x80400000, f, PG);

		/* Cloning from B: the borrowed mark is not copied. */
		if (t_space(&r, &C)) {
			CHECK_EQ(sv39_clone_range(&C, &B, va, 2 * MEGA, 0, 0), 0);
			T_XLATE(&C, va + 0x1234, 0x80201234, f, PG);
			T_XLATE(&C, va + MEGA, 0x80400000, f, PG);
			t_destroy(&r, &C, 0);
		}

		/* B's own page outside the range is B's to change. */
		CHECK_EQ(sv39_unmap(&B, g + 9 * MEGA, PG, SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.frames_freed, 1);
		before = r.allocated;
		t_destroy(&r, &B, SV39_FREE_FRAMES);
		/* B's root, level-1 table and ledger, L's emptied ledger, never the borrowed frames. */
		CHECK_EQ(r.allocated, before - 4);
		CHECK_EQ(L.loans, 0);
		CHECK_EQ(r.frames_freed, 1);
		T_XLATE(&L, va, 0x80200000, f, PG);
		T_XLATE(&L, va + MEGA, 0x80400000, f, PG);
		CHECK_EQ(sv39_check(&L), 0);
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

/* Nothing B does may change L's tables: EBUSY, all unchanged. */
static void
test_busy(void)
{
	struct ramops r;
	struct sv39_space L, B, X, C;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];
		sv39_va_t m = g + GIGA + 4 * MEGA; /* a 2 MiB-level share */
		sv39_pte_t *pte;
		uint64_t bitmap[2] = { 0, 0 };

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B) || !t_space(&r, &X))
			return;
		CHECK_EQ(sv39_map(&L, g + PG, 0x80001000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&L, g + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&L, m, 0x80400000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&X, g, 0xa0000000, PG, URW, 0), 0);
		CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
		CHECK_EQ(sv39_share(&B, &L, m, MEGA), 0);
		for (int k = 0; k < 2; k++) {
			sv39_va_t v = k ? m : g;

			T_NOCHANGE(&r, sv39_map(&B, v + 5 * PG, 0x90000000, PG, RW, 0), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_map(&B, v + PG, 0x90000000, PG, RW, SV39_MAP_REPLACE),
				   SV39_EBUSY);
			T_NOCHANGE(&r, sv39_unmap(&B, v + PG, PG, 0), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_unmap(&B, v, MEGA, SV39_UNMAP_HOLES), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_protect(&B, v + PG, PG, 0, SV39_PTE_W), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_clone_range(&B, &X, v, PG, SV39_PTE_U, 0), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_harvest(&B, v, 8, SV39_PTE_A, bitmap), SV39_EBUSY);
		}
		/* A new level-0 table would have to go under a borrowed entry. */
		T_NOCHANGE(&r, sv39_walk(&B, g + 9 * MEGA, SV39_WALK_ALLOC, &pte, NULL),
			   SV39_EBUSY);
		/* The borrowed megapage leaf: protect/unmap of part of it. */
		T_NOCHANGE(&r, sv39_protect(&B, g + MEGA + PG, PG, 0, SV39_PTE_W), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_unmap(&B, g + MEGA, MEGA, 0), SV39_EBUSY);
		/* A range that only touches the borrowed part at its end. */
		T_NOCHANGE(&r, sv39_map(&B, g - PG, 0x90000000, 2 * PG, RW, 0), SV39_EBUSY);
		/* Share again from B (borrowed in src) or into B (already there). */
		if (t_space(&r, &C)) {
			T_NOCHANGE(&r, sv39_share(&C, &B, g, GIGA), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_share(&C, &B, m, MEGA), SV39_EBUSY);
			/* B's own level-1 table holding a borrowed entry. */
			T_NOCHANGE(&r, sv39_share(&C, &B, g + GIGA, GIGA), SV39_EBUSY);
			t_destroy(&r, &C, 0);
		}
		{
			struct ramops_snapshot snap;
			int err;

			ramops_snapshot_take(&r, &snap);
			err = sv39_share(&B, &L, g, GIGA);
			CHECK_EQ(err, SV39_EBUSY); /* borrowed: before EEXIST */
			CHECK(ramops_snapshot_equal(&r, &snap));
			ramops_snapshot_free(&snap);
		}
		CHECK(same_pages(&B, &L, g, 4 * MEGA));
		CHECK(same_pages(&B, &L, m, MEGA));
		/* L itself is not borrowed: it may change what it lent. */
		CHECK_EQ(sv39_unmap(&L, m, 2 * PG, 0), 0);
		T_UNMAPPED(&B, m);
		t_destroy(&r, &B, 0);
		t_destroy(&r, &X, 0);
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

static int
share_two_megas(void *ctx)
{
	const struct t_call *c = ctx;

	return sv39_share(c->s, c->src, c->va, 2 * MEGA);
}

static void
test_errors(void)
{
	struct ramops r;
	struct sv39_space L, B;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];
		uint64_t lent_before[SV39_PTES_PER_TABLE / 64];
		struct t_call c = { &B, &L, g + GIGA };

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B))
			return;
		CHECK_EQ(sv39_map(&L, g, 0x80000000, 4 * MEGA, RW, 0), 0);
		CHECK_EQ(sv39_map(&L, g + GIGA + MEGA, 0x80200000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&B, g + 3 * MEGA + PG, 0x90000000, PG, RW, 0), 0);
		memcpy(lent_before, L.lent, sizeof(lent_before));
		T_NOCHANGE(&r, sv39_share(&B, &L, g, 4 * MEGA), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_share(&B, &L, g, GIGA), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_share(&B, &L, g, 0), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_share(&L, &L, g, MEGA), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_share(&B, &L, g + PG, MEGA), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&B, &L, g, MEGA + PG), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&B, &L, g, PG), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&B, &L, SV39_LOW_END - MEGA, 2 * MEGA), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_share(&B, &L, 0 - MEGA, 2 * MEGA), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_share(&B, &L, 0x0000100000000000ULL, MEGA), SV39_ERANGE);
		/*
		 * A 2 MiB share needs B's level-1 table and a ledger page on
		 * each side: each ENOMEM changes nothing (L's lent marks
		 * included), and then it works.
		 */
		CHECK(memcmp(lent_before, L.lent, sizeof(lent_before)) == 0);
		CHECK_EQ(T_OOM_SWEEP(&r, share_two_megas, &c, 9, L.lent, sizeof(L.lent)), 4);
		T_XLATE(&B, g + GIGA + MEGA, 0x80200000, t_leaf_flags(RW, 0), PG);
		t_destroy(&r, &B, 0);
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

/*
 * share's error order does not depend on the size shared: with dst's slot
 * borrowed, or lent by dst, it is SV39_EBUSY for a whole GiB as for 2 MiB
 * (the tree's EBUSY comes before EEXIST). src's level-1 table holding a
 * borrowed entry refuses a whole-GiB share; a 2 MiB share of another slot
 * of it lends only a table of src's own, and succeeds.
 */
static void
test_busy_order(void)
{
	struct ramops r;
	struct sv39_space L, B, D, U, X;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B) || !t_space(&r, &D) || !t_space(&r, &U) ||
		    !t_space(&r, &X))
			return;
		CHECK_EQ(sv39_map(&L, g, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&L, g + GIGA + 2 * MEGA, 0x80200000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&X, g, 0x90000000, 4 * GIGA, RW, SV39_MAP_HUGE), 0);
		/* dst's slot borrowed: a whole GiB at the root, 2 MiB in a table of B's */
		CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
		CHECK_EQ(sv39_share(&B, &L, g + GIGA + 2 * MEGA, MEGA), 0);
		T_NOCHANGE(&r, sv39_share(&B, &X, g, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&B, &X, g, MEGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&B, &X, g + GIGA, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&B, &X, g + GIGA + 2 * MEGA, MEGA), SV39_EBUSY);
		/* dst lent the slot (a whole GiB, or one 2 MiB slot of it) */
		CHECK_EQ(sv39_map(&D, g, 0xa0000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&D, g + GIGA + 4 * MEGA, 0xa0000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&U, &D, g, GIGA), 0);
		CHECK_EQ(sv39_share(&U, &D, g + GIGA + 4 * MEGA, MEGA), 0);
		T_NOCHANGE(&r, sv39_share(&D, &X, g, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&D, &X, g, MEGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&D, &X, g + GIGA, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&D, &X, g + GIGA + 4 * MEGA, MEGA), SV39_EBUSY);
		/* where dst only has an entry of its own, EEXIST */
		CHECK_EQ(sv39_map(&L, g + 3 * GIGA, 0x80000000, PG, RW, 0), 0);
		T_NOCHANGE(&r, sv39_share(&L, &X, g + 3 * GIGA, GIGA), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_share(&L, &X, g + 3 * GIGA, MEGA), SV39_EEXIST);
		/*
		 * src B's own level-1 table at g + GIGA holds a borrowed entry:
		 * lending it whole is refused, another 2 MiB slot of it is not
		 */
		CHECK_EQ(sv39_map(&B, g + GIGA + 8 * MEGA, 0xb0000000, PG, RW, 0), 0);
		t_destroy(&r, &X, 0);
		if (!t_space(&r, &X))
			return;
		T_NOCHANGE(&r, sv39_share(&X, &B, g + GIGA, GIGA), SV39_EBUSY);
		T_NOCHANGE(&r, sv39_share(&X, &B, g + GIGA + 2 * MEGA, MEGA), SV39_EBUSY);
		CHECK_EQ(sv39_share(&X, &B, g + GIGA + 8 * MEGA, MEGA), 0);
		T_XLATE(&X, g + GIGA + 8 * MEGA, 0xb0000000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(sv39_map(&B, g + GIGA + 8 * MEGA + PG, 0xb0001000, PG, RW, 0), 0);
		T_XLATE(&X, g + GIGA + 8 * MEGA + PG, 0xb0001000, t_leaf_flags(RW, 0), PG);
		t_destroy(&r, &X, 0);
		t_destroy(&r, &U, 0);
		t_destroy(&r, &D, 0);
		t_destroy(&r, &B, 0);
		t_destroy(&r, &L, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_share_giga();
	test_share_mega();
	test_busy();
	test_busy_order();
	test_errors();
	return check_finish();
}
