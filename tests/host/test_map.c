/* SPDX-License-Identifier: MIT */
/*
 * sv39_map: 4 KiB leaves, A/D presetting, SV39_MAP_HUGE superpages at the
 * 2 MiB and 1 GiB edges, SV39_MAP_REPLACE, EEXIST and ENOMEM, on both halves.
 */
#include "testutil.h"

static void
test_small_pages(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 5 * PG, 32, 8) {
		sv39_pte_t *pte;
		unsigned level = 9;

		CHECK_EQ(sv39_map(&s, b, 0x80001000, 3 * PG, RW, 0), 0);
		CHECK_EQ(r.allocated, 3);
		for (int i = 0; i < 3; i++)
			T_XLATE(&s, b + i * PG + 0x10, 0x80001010 + i * PG, t_leaf_flags(RW, 0),
				PG);
		T_UNMAPPED(&s, b - PG);
		T_UNMAPPED(&s, b + 3 * PG);
		if (CHECK_EQ(sv39_walk(&s, b + PG, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 0);
			CHECK_EQ(*pte, sv39_pte_make(0x80002000, t_leaf_flags(RW, 0)));
		}
		/* No flush for mappings that only became valid. */
		CHECK_EQ(r.nflushes, 0);
		CHECK_EQ(sv39_check(&s), 0);

		/* Read-execute: A but no D; NO_AD: neither; other bits kept. */
		CHECK_EQ(sv39_map(&s, b + 8 * PG, 0x90000000, PG, RX, 0), 0);
		T_XLATE(&s, b + 8 * PG, 0x90000000, RX | SV39_PTE_V | SV39_PTE_A, PG);
		CHECK_EQ(sv39_map(&s, b + 9 * PG, 0x90001000, PG, RW, SV39_MAP_NO_AD), 0);
		T_XLATE(&s, b + 9 * PG, 0x90001000, RW | SV39_PTE_V, PG);
		CHECK_EQ(sv39_map(&s, b + 10 * PG, 0x90002000, PG, SV39_PTE_X, SV39_MAP_NO_AD), 0);
		T_XLATE(&s, b + 10 * PG, 0x90002000, SV39_PTE_X | SV39_PTE_V, PG);
		CHECK_EQ(sv39_map(&s, b + 11 * PG, 0x90003000, PG,
				  URW | SV39_PTE_G | SV39_PTE_PBMT_IO, 0),
			 0);
		T_XLATE(&s, b + 11 * PG, 0x90003000,
			t_leaf_flags(URW | SV39_PTE_G | SV39_PTE_PBMT_IO, 0), PG);
		CHECK_EQ(sv39_map(&s, b + 12 * PG, 0x90004000, PG,
				  SV39_PTE_R | SV39_PTE_PBMT_NC | SV39_PTE_A, 0),
			 0);
		T_XLATE(&s, b + 12 * PG, 0x90004000, t_leaf_flags(SV39_PTE_R | SV39_PTE_PBMT_NC, 0),
			PG);
		/* A PA with all 56 bits in use. */
		CHECK_EQ(sv39_map(&s, b + 13 * PG, SV39_PA_LIMIT - PG, PG, SV39_PTE_R, 0), 0);
		T_XLATE(&s, b + 13 * PG, SV39_PA_LIMIT - PG, t_leaf_flags(SV39_PTE_R, 0), PG);
		CHECK_EQ(r.allocated, 3);
		CHECK_EQ(r.nflushes, 0);
	}
}

/* The last page of each half: va + size is 0x4000000000 and 2^64 (0). */
static void
test_half_ends(void)
{
	struct ramops r;
	struct sv39_space s;

	if (!T_BEGIN(&r, &s, "half ends", 32, 0))
		return;
	CHECK_EQ(sv39_map(&s, SV39_LOW_END - 2 * PG, 0x80000000, 2 * PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&s, 0 - 2 * PG, 0x80002000, 2 * PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&s, 0, 0x80004000, PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&s, SV39_HIGH_BASE, 0x80005000, PG, RW, 0), 0);
	T_XLATE(&s, SV39_LOW_END - 1, 0x80001fff, t_leaf_flags(RW, 0), PG);
	T_XLATE(&s, UINT64_MAX, 0x80003fff, t_leaf_flags(RW, 0), PG);
	T_XLATE(&s, 0 - 2 * PG, 0x80002000, t_leaf_flags(RW, 0), PG);
	T_XLATE(&s, 0, 0x80004000, t_leaf_flags(RW, 0), PG);
	T_XLATE(&s, SV39_HIGH_BASE, 0x80005000, t_leaf_flags(RW, 0), PG);
	/* Root slots 255 and 511 hold the ends, 0 and 256 the starts. */
	{
		const sv39_pte_t *root = ramops_ptr(&r, s.root);

		if (CHECK(root != NULL)) {
			CHECK(root[0] & SV39_PTE_V);
			CHECK(root[255] & SV39_PTE_V);
			CHECK(root[256] & SV39_PTE_V);
			CHECK(root[511] & SV39_PTE_V);
			CHECK_EQ(root[1] | root[254] | root[257] | root[510], 0);
		}
	}
	/* The last GiB of the high half as one gigapage. */
	CHECK_EQ(sv39_unmap(&s, 0 - 2 * PG, 2 * PG, 0), 0);
	CHECK_EQ(sv39_map(&s, 0 - GIGA, 0x40000000, GIGA, RW, SV39_MAP_HUGE), 0);
	T_XLATE(&s, UINT64_MAX, 0x7fffffff, t_leaf_flags(RW, 0), GIGA);
	T_XLATE(&s, 0 - GIGA, 0x40000000, t_leaf_flags(RW, 0), GIGA);
	T_END(&r, &s);
}

/* A 2 MiB and a 1 GiB leaf, exactly aligned. */
static void
test_huge_exact(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_pte_t *pte;
		unsigned level = 9;

		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(r.allocated, 2); /* root + L1: no level-0 table */
		T_XLATE(&s, b + MEGA, 0x80200000, t_leaf_flags(RW, 0), MEGA);
		T_XLATE(&s, b + 2 * MEGA - 1, 0x803fffff, t_leaf_flags(RW, 0), MEGA);
		T_UNMAPPED(&s, b + MEGA - 1);
		T_UNMAPPED(&s, b + 2 * MEGA);
		if (CHECK_EQ(sv39_walk(&s, b + MEGA + 5 * PG, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 1);
			CHECK_EQ(*pte, sv39_pte_make(0x80200000, t_leaf_flags(RW, 0)));
		}
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(r.allocated, 2); /* a root leaf needs no table */
		T_XLATE(&s, b + GIGA + 0x12345678, 0xd2345678, t_leaf_flags(RX, 0), GIGA);
		if (CHECK_EQ(sv39_walk(&s, b + 2 * GIGA - 1, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 2);
			CHECK_EQ(*pte, sv39_pte_make(0xc0000000, t_leaf_flags(RX, 0)));
		}
		CHECK_EQ(t_count_leaves(&s, b, 2 * GIGA), 2);
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(r.nflushes, 0);
	}
}

/*
 * A range from 2 pages below a 2 MiB boundary below a 1 GiB boundary to
 * 2 MiB + 2 pages past the next GiB: with va and pa congruent mod 1 GiB
 * the leaves are 4K,4K, 511 x 2M, 1G, 2M, 4K,4K.
 */
static void
test_huge_mixed(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, g, GIGA, 32, 0) { /* g: a GiB boundary */
		sv39_va_t va = g - MEGA * 511 - 2 * PG;
		uint64_t size = (g + GIGA + MEGA + 2 * PG) - va;
		/* Same offset in its GiB as va: g maps to 0x100000000. */
		sv39_pa_t pa0 = 0xc0000000ULL + (va & (GIGA - 1));
		uint64_t f = t_leaf_flags(RW, 0);

		if (!CHECK_EQ(sv39_map(&s, va, pa0, size, RW, SV39_MAP_HUGE), 0))
			continue;
		T_XLATE(&s, va, pa0, f, PG);
		T_XLATE(&s, va + PG, pa0 + PG, f, PG);
		T_XLATE(&s, va + 2 * PG, pa0 + 2 * PG, f, MEGA);
		T_XLATE(&s, g - 1, pa0 + (g - 1 - va), f, MEGA);
		T_XLATE(&s, g, pa0 + (g - va), f, GIGA);
		T_XLATE(&s, g + GIGA - 1, pa0 + (g + GIGA - 1 - va), f, GIGA);
		T_XLATE(&s, g + GIGA, pa0 + (g + GIGA - va), f, MEGA);
		T_XLATE(&s, g + GIGA + MEGA, pa0 + (g + GIGA + MEGA - va), f, PG);
		T_XLATE(&s, g + GIGA + MEGA + PG, pa0 + (g + GIGA + MEGA + PG - va), f, PG);
		T_UNMAPPED(&s, va - 1);
		T_UNMAPPED(&s, va + size);
		CHECK_EQ(t_count_leaves(&s, va & ~(GIGA - 1), 3 * GIGA), 2 + 511 + 1 + 1 + 2);
		/* root, L1 below g, L0 below g, L1 above, L0 above */
		CHECK_EQ(r.allocated, 5);
		CHECK_EQ(sv39_check(&s), 0);
	}
}

/* HUGE never uses a superpage when pa is not congruent to va. */
static void
test_huge_misaligned_pa(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		CHECK_EQ(sv39_map(&s, b, 0x80001000, MEGA, RW, SV39_MAP_HUGE), 0);
		T_XLATE(&s, b, 0x80001000, t_leaf_flags(RW, 0), PG);
		T_XLATE(&s, b + MEGA - PG, 0x80200000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(t_count_leaves(&s, b, MEGA), 512);
		/* Without HUGE an aligned 2 MiB is 512 small leaves too. */
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80400000, MEGA, RW, 0), 0);
		T_XLATE(&s, b + MEGA, 0x80400000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(t_count_leaves(&s, b + MEGA, MEGA), 512);
		CHECK_EQ(r.allocated, 4);
	}
}

static void
test_eexist(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		CHECK_EQ(sv39_map(&s, b + 10 * PG, 0x80000000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 2 * MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		/* Overlap at the end, the start, a page in the middle, a superpage. */
		T_NOCHANGE(&r, sv39_map(&s, b, 0x90000000, 11 * PG, RW, 0), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_map(&s, b + 11 * PG, 0x90000000, 5 * PG, RW, 0), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_map(&s, b, 0x90000000, MEGA, RW, SV39_MAP_HUGE), SV39_EEXIST);
		T_NOCHANGE(&r, sv39_map(&s, b + 3 * MEGA - PG, 0x90000000, PG, RW, 0), SV39_EEXIST);
		/*
		 * The part before the overlap lies in the GiB below b, where
		 * two new tables would be needed: none may be left behind.
		 */
		T_NOCHANGE(&r, sv39_map(&s, b - PG, 0x90000000, 12 * PG, RW, 0), SV39_EEXIST);
	}
}

/* REPLACE overwrites leaves, never frees the old frames, and flushes them. */
static void
test_replace(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pa_t pa;

		if (!T_BEGIN(&r, &s, t_half[h], 32, 16))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 4 * PG, RW, 0), 0);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + i * PG, &pa, NULL), 0);
		/* Pages 2, 3 replaced, plus 2 new ones: no EEXIST. */
		CHECK_EQ(sv39_map(&s, b + 2 * PG, 0x90000000, 4 * PG, RX, SV39_MAP_REPLACE), 0);
		T_XLATE(&s, b + PG, 0x80001000, t_leaf_flags(RW, 0), PG);
		for (int i = 2; i < 6; i++)
			T_XLATE(&s, b + i * PG, 0x90000000 + (i - 2) * PG, t_leaf_flags(RX, 0), PG);
		CHECK(ramops_flushed(&r, b + 2 * PG, 2 * PG));
		CHECK_EQ(r.frames_freed, 0);
		/* The simulated TLB must see the new frames. */
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 3 * PG, &pa, NULL), 0);
		CHECK_EQ(pa, 0x90001000);

		/* REPLACE a whole 2 MiB of small leaves by a superpage. */
		ramops_clear_log(&r);
		CHECK_EQ(r.allocated, 3);
		CHECK_EQ(sv39_map(&s, b, 0xa0000000, MEGA, RW, SV39_MAP_HUGE | SV39_MAP_REPLACE),
			 0);
		T_XLATE(&s, b + 7 * PG, 0xa0007000, t_leaf_flags(RW, 0), MEGA);
		CHECK(ramops_flushed(&r, b, 6 * PG));
		CHECK_EQ(r.allocated, 2); /* the level-0 table became unreachable */
		CHECK_EQ(r.frames_freed, 0);

		/* REPLACE a page inside a superpage: split, the rest kept. */
		ramops_clear_log(&r);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 9 * PG, &pa, NULL), 0);
		CHECK_EQ(sv39_map(&s, b + 8 * PG, 0xb0000000, PG, RX, SV39_MAP_REPLACE), 0);
		T_XLATE(&s, b + 8 * PG, 0xb0000000, t_leaf_flags(RX, 0), PG);
		T_XLATE_RUN(&s, b, 0xa0000000, t_leaf_flags(RW, 0), PG, 512, b + 8 * PG);
		CHECK(ramops_flushed(&r, b + 8 * PG, PG));
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 8 * PG, &pa, NULL), 0);
		CHECK_EQ(pa, 0xb0000000);
		CHECK_EQ(r.allocated, 3);
		CHECK_EQ(sv39_check(&s), 0);
		t_destroy(&r, &s, 0);
		CHECK_EQ(r.frames_freed, 0);
		t_env_fini(&r);
	}
}

static int
map_across_gig(void *ctx)
{
	const struct t_call *c = ctx;

	return sv39_map(c->s, c->va, 0x80000000, 4 * PG, RW, 0);
}

/*
 * Fail each alloc_table call in turn of a map that needs tables on both
 * sides of a GiB boundary: ENOMEM, nothing changed, then it succeeds.
 */
static void
test_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + GIGA - 2 * PG;
		struct t_call c = { &s, NULL, va };

		CHECK_EQ(sv39_map(&s, b + 5 * PG, 0x70000000, PG, RW, 0), 0);
		/* three tables needed: three failure points, success at the fourth step */
		CHECK_EQ(T_OOM_SWEEP(&r, map_across_gig, &c, 9, NULL, 0), 4);
		for (int i = 0; i < 4; i++)
			T_XLATE(&s, va + i * PG, 0x80000000 + i * PG, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(r.allocated, 6);
	}
}

int
main(void)
{
	test_small_pages();
	test_half_ends();
	test_huge_exact();
	test_huge_mixed();
	test_huge_misaligned_pa();
	test_eexist();
	test_replace();
	test_enomem();
	return check_finish();
}
