/* SPDX-License-Identifier: MIT */
/*
 * sv39_translate and sv39_walk: offsets inside 4 KiB, 2 MiB and 1 GiB
 * leaves, NULL out pointers, non-canonical addresses, entries the hardware
 * would fault on, and SV39_WALK_ALLOC (slot creation, ENOMEM all-or-nothing).
 */
#include "testutil.h"

static const sv39_va_t noncanonical[] = {
	0x0000004000000000ULL, 0x0000008000000000ULL, 0x00007fffffffffffULL,
	0x8000000000000000ULL, 0xffffffbfffffffffULL, 0xffff800000000000ULL,
};
#define NNONCANON (sizeof(noncanonical) / sizeof(noncanonical[0]))

static void
test_translate(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pa_t pa = 0;
		uint64_t fl = 0, sz = 0;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b + PG, 0x80005000, PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0x100000000ULL, GIGA, RW,
				  SV39_MAP_HUGE | SV39_MAP_NO_AD),
			 0);
		T_XLATE(&s, b + PG + 0xabc, 0x80005abc, t_leaf_flags(URW, 0), PG);
		T_XLATE(&s, b + MEGA + 0x1abcde, 0x803abcde, t_leaf_flags(RX, 0), MEGA);
		T_XLATE(&s, b + GIGA + 0x3abcdef1, 0x13abcdef1ULL, RW | SV39_PTE_V, GIGA);
		/* Any out pointer may be NULL. */
		CHECK_EQ(sv39_translate(&s, b + PG + 7, &pa, NULL, NULL), 0);
		CHECK_EQ(pa, 0x80005007);
		CHECK_EQ(sv39_translate(&s, b + PG, NULL, &fl, NULL), 0);
		CHECK_EQ(fl, t_leaf_flags(URW, 0));
		CHECK_EQ(sv39_translate(&s, b + MEGA, NULL, NULL, &sz), 0);
		CHECK_EQ(sz, MEGA);
		CHECK_EQ(sv39_translate(&s, b + GIGA, NULL, NULL, NULL), 0);
		T_UNMAPPED(&s, b);
		T_UNMAPPED(&s, b + 2 * PG);
		T_UNMAPPED(&s, b + 2 * MEGA);
		T_UNMAPPED(&s, b + 2 * GIGA);
		for (size_t i = 0; i < NNONCANON; i++)
			CHECK_EQ(sv39_translate(&s, noncanonical[i], &pa, &fl, &sz), SV39_ERANGE);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* Write a malformed entry, expect EINVAL from translate, put it back. */
static void
expect_fault(struct sv39_space *s, sv39_va_t va, sv39_pte_t *slot, sv39_pte_t bad, const char *what)
{
	sv39_pte_t good = *slot;

	*slot = bad;
	if (!CHECK_EQ(sv39_translate(s, va, NULL, NULL, NULL), SV39_EINVAL))
		printf("\t(%s)\n", what);
	*slot = good;
	CHECK_EQ(sv39_translate(s, va, NULL, NULL, NULL), 0);
}

static void
test_translate_faults(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pte_t *pte, *root;
		unsigned level;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		root = t_table(&r, s.root);
		if (!CHECK_EQ(sv39_walk(&s, b, 0, &pte, &level), 0) || !CHECK(root))
			goto out;
		expect_fault(&s, b, pte, sv39_pte_make(0x80000000, SV39_PTE_V | SV39_PTE_W),
			     "W without R");
		expect_fault(&s, b, pte,
			     sv39_pte_make(0x80000000, SV39_PTE_V | SV39_PTE_W | SV39_PTE_X),
			     "WX without R");
		expect_fault(&s, b, pte, sv39_pte_make(s.root, SV39_PTE_V), "pointer at level 0");
		expect_fault(&s, b, pte, *pte | (1ULL << 54), "reserved bit 54");
		expect_fault(&s, b, pte, *pte | (1ULL << 60), "reserved bit 60");
		expect_fault(&s, b, pte, *pte | SV39_PTE_PBMT_MASK, "PBMT = 3");
		expect_fault(&s, b, &root[t_vpn(b, 2)], root[t_vpn(b, 2)] | (1ULL << 57),
			     "reserved bit in a pointer");
		if (CHECK_EQ(sv39_walk(&s, b + MEGA, 0, &pte, &level), 0)) {
			CHECK_EQ(level, 1);
			expect_fault(&s, b + MEGA, pte, *pte + (1ULL << 10), "misaligned megapage");
			expect_fault(&s, b + MEGA, pte, *pte + (256ULL << 10),
				     "misaligned megapage");
		}
		/* Not a fault: V clear is simply unmapped. */
		*pte &= ~SV39_PTE_V;
		T_UNMAPPED(&s, b + MEGA);
		*pte |= SV39_PTE_V;
		/* A misaligned gigapage. */
		root[t_vpn(b + GIGA, 2)] = sv39_pte_make(0x40200000, SV39_PTE_V | SV39_PTE_R);
		CHECK_EQ(sv39_translate(&s, b + GIGA, NULL, NULL, NULL), SV39_EINVAL);
		root[t_vpn(b + GIGA, 2)] = 0;
	out:
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_walk(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pte_t *pte = NULL, *pte2 = NULL;
		unsigned level = 9;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		/* Without ALLOC: nothing there, or a table but an empty slot. */
		T_NOCHANGE(&r, sv39_walk(&s, b, 0, &pte, &level), SV39_ENOENT);
		CHECK_EQ(sv39_map(&s, b + PG, 0x80001000, PG, RW, 0), 0);
		T_NOCHANGE(&r, sv39_walk(&s, b, 0, &pte, &level), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_walk(&s, b + MEGA, 0, &pte, &level), SV39_ENOENT);
		if (CHECK_EQ(sv39_walk(&s, b + PG + 0x123, 0, &pte, NULL), 0))
			CHECK_EQ(*pte, sv39_pte_make(0x80001000, t_leaf_flags(RW, 0)));

		/* ALLOC: the level-0 slot, tables created on the way. */
		CHECK_EQ(sv39_walk(&s, b + GIGA + 5 * PG, SV39_WALK_ALLOC, &pte, &level), 0);
		CHECK_EQ(level, 0);
		CHECK_EQ(r.allocated, 5);
		if (CHECK(pte != NULL)) {
			CHECK_EQ(*pte, 0);
			*pte = sv39_pte_make(0x90000000, SV39_PTE_V | SV39_PTE_R);
			T_XLATE(&s, b + GIGA + 5 * PG, 0x90000000, SV39_PTE_V | SV39_PTE_R, PG);
		}
		/* Same slot again, nothing new; and its neighbour in the same table. */
		CHECK_EQ(sv39_walk(&s, b + GIGA + 5 * PG + 9, SV39_WALK_ALLOC, &pte2, NULL), 0);
		CHECK(pte2 == pte);
		CHECK_EQ(sv39_walk(&s, b + GIGA + 6 * PG, SV39_WALK_ALLOC, &pte2, NULL), 0);
		CHECK(pte2 == pte + 1);
		CHECK_EQ(r.allocated, 5);
		CHECK_EQ(r.nflushes, 0);

		/* A superpage already there is returned, not split. */
		CHECK_EQ(sv39_map(&s, b + 2 * MEGA, 0x80400000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + 2 * GIGA, 0x80000000, GIGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_walk(&s, b + 2 * MEGA + 3 * PG, SV39_WALK_ALLOC, &pte, &level), 0);
		CHECK_EQ(level, 1);
		CHECK_EQ(*pte, sv39_pte_make(0x80400000, t_leaf_flags(RW, 0)));
		CHECK_EQ(sv39_walk(&s, b + 2 * GIGA + 3 * MEGA, SV39_WALK_ALLOC, &pte, &level), 0);
		CHECK_EQ(level, 2);
		CHECK_EQ(*pte, sv39_pte_make(0x80000000, t_leaf_flags(RX, 0)));
		CHECK_EQ(sv39_walk(&s, b + 2 * GIGA + 3 * MEGA, 0, &pte, &level), 0);
		CHECK_EQ(level, 2);
		CHECK_EQ(r.allocated, 5);

		/* Bad input. */
		T_NOCHANGE(&r, sv39_walk(&s, b + PG, 0, NULL, &level), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_walk(&s, b + 3 * GIGA, SV39_WALK_ALLOC, NULL, &level),
			   SV39_EINVAL);
		T_NOCHANGE(&r, sv39_walk(&s, b + PG, 1u << 4, &pte, &level), SV39_EINVAL);
		T_NOCHANGE(&r,
			   sv39_walk(&s, b + 3 * GIGA, SV39_WALK_ALLOC | (1u << 1), &pte, &level),
			   SV39_EINVAL);
		for (size_t i = 0; i < NNONCANON; i++) {
			T_NOCHANGE(&r, sv39_walk(&s, noncanonical[i], 0, &pte, &level),
				   SV39_ERANGE);
			T_NOCHANGE(&r,
				   sv39_walk(&s, noncanonical[i], SV39_WALK_ALLOC, &pte, &level),
				   SV39_ERANGE);
		}
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* ALLOC that needs two tables: either failing leaves nothing behind. */
static void
test_walk_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pte_t *pte = NULL;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		for (uint64_t k = 1; k <= 2; k++) {
			r.fail_at = r.alloc_calls + k;
			T_NOCHANGE(&r, sv39_walk(&s, b, SV39_WALK_ALLOC, &pte, NULL), SV39_ENOMEM);
		}
		r.fail_at = 0;
		CHECK_EQ(sv39_walk(&s, b, SV39_WALK_ALLOC, &pte, NULL), 0);
		CHECK_EQ(r.allocated, 3);
		/* An empty slot left by WALK_ALLOC is not a mapping. */
		T_UNMAPPED(&s, b);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * Leaves off sv39_translate's common path (one test for V and R, no PBMT,
 * N or reserved bit) still translate: execute-only, PBMT NC and IO, the RSW
 * bits; superpages too; and the boundaries of the canonical halves.
 */
static void
test_translate_uncommon_leaves(void)
{
	const uint64_t kinds[] = {
		SV39_PTE_X,
		SV39_PTE_R | SV39_PTE_PBMT_NC,
		SV39_PTE_R | SV39_PTE_W | SV39_PTE_PBMT_IO,
		SV39_PTE_R | (1ULL << 8),
		SV39_PTE_R | SV39_PTE_BORROWED,
		SV39_PTE_R | SV39_PTE_X | SV39_PTE_U | SV39_PTE_G,
	};
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			sv39_pte_t *pte;
			sv39_pte_t old;

			for (int big = 0; big < 2; big++) {
				sv39_va_t va = big ? b + MEGA : b;
				sv39_pa_t pa = big ? 0x80200000 : 0x80000000;
				uint64_t size = big ? MEGA : PG;

				if (!CHECK_EQ(sv39_walk(&s, va, 0, &pte, NULL), 0))
					continue;
				old = *pte;
				*pte = sv39_pte_make(pa, SV39_PTE_V | kinds[k]);
				T_XLATE(&s, va + size - 8, pa + size - 8, SV39_PTE_V | kinds[k],
					size);
				*pte = old;
			}
		}
		/* the last address of each half translates, the next one is out */
		if (h == 0)
			CHECK_EQ(sv39_translate(&s, 0x4000000000ULL, NULL, NULL, NULL),
				 SV39_ERANGE);
		else
			CHECK_EQ(sv39_translate(&s, 0xffffffbfffffffffULL, NULL, NULL, NULL),
				 SV39_ERANGE);
		T_UNMAPPED(&s, h == 0 ? 0x3fffffffffULL : 0xffffffffffffffffULL);
		CHECK_EQ(sv39_translate(&s, 0x8000000000000000ULL, NULL, NULL, NULL), SV39_ERANGE);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_translate();
	test_translate_faults();
	test_translate_uncommon_leaves();
	test_walk();
	test_walk_enomem();
	return check_finish();
}
