/* SPDX-License-Identifier: MIT */
/*
 * sv39_harvest (pgaccess): the bitmap, the count, the bit cleared in the
 * leaves afterwards and flushed, superpages, unmapped pages, bits of the
 * bitmap beyond npages left alone, and the errors.
 */
#include "testutil.h"

static uint64_t
leaf_bits(struct sv39_space *s, sv39_va_t va)
{
	sv39_pte_t *pte;

	if (sv39_walk(s, va, 0, &pte, NULL) != 0)
		return ~0ULL;
	return *pte;
}

static void
set_bits(struct sv39_space *s, sv39_va_t va, uint64_t bits)
{
	sv39_pte_t *pte;

	if (CHECK_EQ(sv39_walk(s, va, 0, &pte, NULL), 0))
		*pte |= bits;
}

static void
test_accessed(void)
{
	static const int touched[] = { 1, 3, 9, 63, 64, 70, 129 };
	const int n = (int)(sizeof(touched) / sizeof(touched[0]));
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + GIGA - 64 * PG; /* crosses a GiB */
		uint64_t bm[3];
		uint64_t fl;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 256);
		if (!t_space(&r, &s))
			return;
		/* 130 pages, no A/D preset; page 100 left unmapped. */
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 100 * PG, URW, SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_map(&s, b + 101 * PG, 0x80065000, 29 * PG, URW, SV39_MAP_NO_AD), 0);
		for (int i = 0; i < n; i++)
			set_bits(&s, b + touched[i] * PG, SV39_PTE_A);
		set_bits(&s, b + 5 * PG, SV39_PTE_D); /* the other bit: ignored */
		for (int i = 0; i < 130; i++)
			if (i != 100)
				CHECK_EQ(ramops_tlb_lookup(&r, &s, b + i * PG, NULL, NULL), 0);
		/* Bits beyond npages (130..191) must be left alone. */
		bm[0] = 0xffffffffffffffffULL;
		bm[1] = 0xffffffffffffffffULL;
		bm[2] = 0xdead0000beef0000ULL;
		CHECK_EQ(sv39_harvest(&s, b, 130, SV39_PTE_A, bm), n);
		CHECK_EQ(bm[0], (1ULL << 1) | (1ULL << 3) | (1ULL << 9) | (1ULL << 63));
		CHECK_EQ(bm[1], (1ULL << 0) | (1ULL << 6));
		CHECK_EQ(bm[2], (0xdead0000beef0000ULL & ~3ULL) | (1ULL << 1));
		/* Cleared in the leaves, the rest of the PTE intact. */
		for (int i = 0; i < n; i++)
			CHECK_EQ(leaf_bits(&s, b + touched[i] * PG),
				 sv39_pte_make(0x80000000 + touched[i] * PG, URW | SV39_PTE_V));
		CHECK_EQ(leaf_bits(&s, b + 5 * PG),
			 sv39_pte_make(0x80005000, URW | SV39_PTE_V | SV39_PTE_D));
		/* Flushed: the simulated TLB no longer caches the old A. */
		for (int i = 0; i < n; i++)
			CHECK(ramops_flushed(&r, b + touched[i] * PG, PG));
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 63 * PG, NULL, &fl), 0);
		CHECK_EQ(fl & SV39_PTE_A, 0);
		/* A second harvest finds nothing. */
		memset(bm, 0xff, sizeof(bm));
		CHECK_EQ(sv39_harvest(&s, b, 130, SV39_PTE_A, bm), 0);
		CHECK_EQ(bm[0], 0);
		CHECK_EQ(bm[1], 0);
		CHECK_EQ(bm[2], ~3ULL);

		/* D: an unaligned start inside the range, one word. */
		set_bits(&s, b + 70 * PG, SV39_PTE_D);
		bm[0] = ~0ULL;
		bm[1] = ~0ULL;
		CHECK_EQ(sv39_harvest(&s, b + 5 * PG, 66, SV39_PTE_D, bm), 2);
		CHECK_EQ(bm[0], 1);	/* page 5 */
		CHECK_EQ(bm[1], ~1ULL); /* page 70 is bit 65; 66.. untouched */
		CHECK_EQ(leaf_bits(&s, b + 70 * PG) & SV39_PTE_D, 0);
		CHECK_EQ(r.allocated, 5);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* A superpage reports every page of it in range; its bit is cleared whole. */
static void
test_superpage(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t bm[10];
		sv39_pte_t *pte;
		unsigned level;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW,
				  SV39_MAP_HUGE | SV39_MAP_NO_AD),
			 0);
		/* 20 pages from the middle of the megapage. */
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(sv39_harvest(&s, b + MEGA + 100 * PG, 20, SV39_PTE_D, bm), 20);
		CHECK_EQ(bm[0], (1ULL << 20) - 1);
		CHECK_EQ(bm[1], 0);
		if (CHECK_EQ(sv39_walk(&s, b + MEGA, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 1); /* not split */
			CHECK_EQ(*pte, sv39_pte_make(0x80200000, RW | SV39_PTE_V | SV39_PTE_A));
		}
		CHECK(ramops_flushed(&r, b + MEGA + 100 * PG, 20 * PG));
		CHECK_EQ(r.allocated, 2);
		/* Straddling the megapage's end: 8 pages in, 8 unmapped. */
		set_bits(&s, b + MEGA, SV39_PTE_D);
		memset(bm, 0xff, sizeof(bm));
		CHECK_EQ(sv39_harvest(&s, b + 2 * MEGA - 8 * PG, 16, SV39_PTE_D, bm), 8);
		CHECK_EQ(bm[0], 0xffffffffffff00ffULL);
		/* A run through the gigapage. */
		set_bits(&s, b + GIGA, SV39_PTE_A);
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(sv39_harvest(&s, b + GIGA + 3 * MEGA - 64 * 5 * PG, 640, SV39_PTE_A, bm),
			 640);
		for (int i = 0; i < 10; i++)
			CHECK_EQ(bm[i], ~0ULL);
		CHECK_EQ(sv39_walk(&s, b + GIGA, 0, &pte, &level), 0);
		CHECK_EQ(level, 2);
		CHECK_EQ(*pte & SV39_PTE_A, 0);
		CHECK_EQ(r.allocated, 2);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_errors(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t bm[2] = { 0x1234, 0x5678 };

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 8 * PG, RW, 0), 0);
		T_NOCHANGE(&r, sv39_harvest(&s, b, 0, SV39_PTE_A, bm), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_harvest(&s, b, 8, SV39_PTE_R, bm), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_harvest(&s, b, 8, SV39_PTE_A | SV39_PTE_D, bm), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_harvest(&s, b, 8, 0, bm), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_harvest(&s, b, 8, SV39_PTE_A, NULL), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_harvest(&s, b + 4, 8, SV39_PTE_A, bm), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_harvest(&s, SV39_LOW_END, 1, SV39_PTE_A, bm), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_harvest(&s, SV39_LOW_END - PG, 2, SV39_PTE_A, bm), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_harvest(&s, 0 - PG, 2, SV39_PTE_A, bm), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_harvest(&s, 0, UINT64_MAX / 2, SV39_PTE_A, bm), SV39_ERANGE);
		CHECK_EQ(bm[0], 0x1234);
		CHECK_EQ(bm[1], 0x5678);
		/* The last page of each half is fine. */
		CHECK_EQ(sv39_harvest(&s, SV39_LOW_END - PG, 1, SV39_PTE_A, bm), 0);
		CHECK_EQ(sv39_harvest(&s, 0 - PG, 1, SV39_PTE_A, bm), 0);
		CHECK_EQ(bm[0], 0x1234 & ~1ULL);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_accessed();
	test_superpage();
	test_errors();
	return check_finish();
}
