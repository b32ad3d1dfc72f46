/* SPDX-License-Identifier: MIT */
/*
 * sv39_protect: set/clear of leaf bits, the flush, splitting superpages at
 * the range edges (every other page keeps its mapping), and the
 * all-or-nothing EPERM/ENOENT/ENOMEM cases.
 */
#include "testutil.h"

static void
test_basic(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + GIGA - 2 * PG; /* crosses a GiB */
		uint64_t f = t_leaf_flags(RW, 0), got;
		sv39_pa_t pa;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 4 * PG, RW, 0), 0);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + i * PG, NULL, NULL), 0);
		CHECK_EQ(sv39_protect(&s, b + PG, 2 * PG, 0, SV39_PTE_W), 0);
		T_XLATE(&s, b, 0x80000000, f, PG);
		T_XLATE(&s, b + PG, 0x80001000, f & ~SV39_PTE_W, PG);
		T_XLATE(&s, b + 2 * PG, 0x80002000, f & ~SV39_PTE_W, PG);
		T_XLATE(&s, b + 3 * PG, 0x80003000, f, PG);
		CHECK(ramops_flushed(&r, b + PG, 2 * PG));
		/* The simulated TLB must not keep the old writable entry. */
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 2 * PG, &pa, &got), 0);
		CHECK_EQ(got, f & ~SV39_PTE_W);
		CHECK_EQ(pa, 0x80002000);

		/* clear is applied before set; any bit of SV39_PERM_MASK. */
		ramops_clear_log(&r);
		CHECK_EQ(sv39_protect(&s, b, 4 * PG,
				      SV39_PTE_U | SV39_PTE_X | SV39_PTE_G | SV39_PTE_PBMT_NC,
				      SV39_PTE_A | SV39_PTE_D | SV39_PTE_X),
			 0);
		for (int i = 0; i < 4; i++) {
			uint64_t old = (i == 1 || i == 2) ? f & ~SV39_PTE_W : f;
			uint64_t want = (old & ~(SV39_PTE_A | SV39_PTE_D)) | SV39_PTE_U |
					SV39_PTE_X | SV39_PTE_G | SV39_PTE_PBMT_NC;

			T_XLATE(&s, b + i * PG, 0x80000000 + i * PG, want, PG);
		}
		CHECK(ramops_flushed(&r, b, 4 * PG));
		/* Setting and clearing the same bits is allowed: set wins. */
		CHECK_EQ(sv39_protect(&s, b, PG, SV39_PTE_W, SV39_PTE_W), 0);
		CHECK_EQ(sv39_translate(&s, b, NULL, &got, NULL), 0);
		CHECK(got & SV39_PTE_W);
		CHECK_EQ(r.allocated, 5);
		CHECK_EQ(sv39_check(&s), 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* Protect one page of a 2 MiB leaf: the other 511 keep flags and frames. */
static void
test_split_mega(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + 6 * MEGA;
		uint64_t f = t_leaf_flags(URW, 0);
		sv39_pte_t *pte;
		unsigned level;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80400000, MEGA, URW, SV39_MAP_HUGE), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 7 * PG, NULL, NULL), 0);
		CHECK_EQ(sv39_protect(&s, b + 7 * PG, PG, SV39_PTE_X, SV39_PTE_W), 0);
		T_XLATE(&s, b + 7 * PG, 0x80407000, (f & ~SV39_PTE_W) | SV39_PTE_X, PG);
		for (int i = 0; i < 512; i++)
			if (i != 7 && !T_XLATE(&s, b + i * PG, 0x80400000 + i * PG, f, PG))
				break;
		CHECK(ramops_flushed(&r, b + 7 * PG, PG));
		CHECK_EQ(r.allocated, 3);
		if (CHECK_EQ(sv39_walk(&s, b + 7 * PG, 0, &pte, &level), 0))
			CHECK_EQ(level, 0);
		CHECK_EQ(sv39_check(&s), 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * Protect a 2 MiB-aligned 2 MiB run in a 1 GiB leaf: split into 512
 * megapages, only one of them changed; no level-0 table needed.
 */
static void
test_split_giga(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + GIGA;
		uint64_t f = t_leaf_flags(RW, 0);

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x40000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 9 * MEGA, NULL, NULL), 0);
		CHECK_EQ(sv39_protect(&s, b + 9 * MEGA, MEGA, 0, SV39_PTE_W), 0);
		CHECK_EQ(r.allocated, 2);
		for (int m = 0; m < 512; m++) {
			sv39_va_t va = b + m * MEGA + 0x3000;
			uint64_t want = m == 9 ? f & ~SV39_PTE_W : f;

			if (!T_XLATE(&s, va, 0x40000000 + (va - b), want, MEGA))
				break;
		}
		CHECK(ramops_flushed(&r, b + 9 * MEGA, MEGA));
		CHECK_EQ(t_count_leaves(&s, b, GIGA), 512);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* A range that covers whole superpages changes them in place. */
static void
test_whole_superpages(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t f = t_leaf_flags(RX, 0) | SV39_PTE_U;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b + GIGA - MEGA, 0x7fe00000, GIGA + MEGA, RX, SV39_MAP_HUGE),
			 0);
		CHECK_EQ(r.allocated, 2);
		r.fail_at = r.alloc_calls + 1;
		r.fail_after = true;
		CHECK_EQ(sv39_protect(&s, b + GIGA - MEGA, GIGA + MEGA, SV39_PTE_U, 0), 0);
		r.fail_at = 0;
		r.fail_after = false;
		T_XLATE(&s, b + GIGA - MEGA, 0x7fe00000, f, MEGA);
		T_XLATE(&s, b + GIGA - 1, 0x7fffffff, f, MEGA);
		T_XLATE(&s, b + GIGA, 0x80000000, f, GIGA);
		T_XLATE(&s, b + 2 * GIGA - 1, 0xbfffffff, f, GIGA);
		CHECK(ramops_flushed(&r, b + GIGA - MEGA, GIGA + MEGA));
		CHECK_EQ(r.allocated, 2);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_eperm(void)
{
	static const uint64_t bad_bits[] = {
		SV39_PTE_BORROWED, SV39_PTE_N, 1ULL << 54, 1ULL << 60, 1ULL << 10, 1ULL << 53,
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
		CHECK_EQ(sv39_map(&s, b + PG, 0x80001000, PG, RX, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 2 * PG, 0x80002000, PG, SV39_PTE_X, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		/* W without R on page 0; page 1 alone would be fine: all or nothing. */
		T_NOCHANGE(&r, sv39_protect(&s, b, 2 * PG, 0, SV39_PTE_R), SV39_EPERM);
		/* No R/X left. */
		T_NOCHANGE(&r, sv39_protect(&s, b + PG, PG, 0, RX), SV39_EPERM);
		T_NOCHANGE(&r, sv39_protect(&s, b + 2 * PG, PG, 0, SV39_PTE_X), SV39_EPERM);
		/* W added to an X-only leaf. */
		T_NOCHANGE(&r, sv39_protect(&s, b + PG, 2 * PG, SV39_PTE_W, 0), SV39_EPERM);
		/* On a superpage cut by the range: nothing split. */
		T_NOCHANGE(&r, sv39_protect(&s, b + MEGA + PG, PG, 0, SV39_PTE_R), SV39_EPERM);
		for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
			T_NOCHANGE(&r, sv39_protect(&s, b, PG, bad_bits[i], 0), SV39_EPERM);
			T_NOCHANGE(&r, sv39_protect(&s, b, PG, 0, bad_bits[i]), SV39_EPERM);
		}
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_enoent_and_input(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 3 * PG, 0x80003000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		T_NOCHANGE(&r, sv39_protect(&s, b, 4 * PG, SV39_PTE_X, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_protect(&s, b - PG, 2 * PG, SV39_PTE_X, 0), SV39_ENOENT);
		/* The hole is after a superpage that would need a split. */
		T_NOCHANGE(&r, sv39_protect(&s, b + MEGA + PG, MEGA, SV39_PTE_X, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_protect(&s, b + GIGA, PG, SV39_PTE_X, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_protect(&s, b, 0, SV39_PTE_X, 0), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_protect(&s, b + 8, PG, SV39_PTE_X, 0), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_protect(&s, b, PG + 1, SV39_PTE_X, 0), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_protect(&s, SV39_LOW_END, PG, SV39_PTE_X, 0), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_protect(&s, SV39_LOW_END - PG, 2 * PG, SV39_PTE_X, 0),
			   SV39_ERANGE);
		T_NOCHANGE(&r, sv39_protect(&s, 0 - PG, 2 * PG, SV39_PTE_X, 0), SV39_ERANGE);
		CHECK_EQ(r.nflushes, 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_split_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		r.fail_at = r.alloc_calls + 1;
		T_NOCHANGE(&r, sv39_protect(&s, b + PG, PG, 0, SV39_PTE_W), SV39_ENOMEM);
		r.fail_at = r.alloc_calls + 2;
		T_NOCHANGE(&r, sv39_protect(&s, b + GIGA, PG, 0, SV39_PTE_W), SV39_ENOMEM);
		/*
		 * Both edges of one range cut the gigapage in two different
		 * megapages: L1 + two L0 tables. Fail the third, then the second.
		 */
		r.fail_at = r.alloc_calls + 3;
		T_NOCHANGE(&r, sv39_protect(&s, b + GIGA + PG, MEGA, 0, SV39_PTE_W), SV39_ENOMEM);
		r.fail_at = r.alloc_calls + 2;
		T_NOCHANGE(&r, sv39_protect(&s, b + GIGA + PG, MEGA, 0, SV39_PTE_W), SV39_ENOMEM);
		r.fail_at = 0;
		T_XLATE(&s, b + PG, 0x80001000, t_leaf_flags(RW, 0), MEGA);
		T_XLATE(&s, b + GIGA, 0xc0000000, t_leaf_flags(RW, 0), GIGA);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * The check of a level-0 table passes a leaf whose V R W X, borrowed mark
 * and PBMT are those of a leaf it already found good. A leaf the protect
 * leaves as it is was not found good: a W-only leaf (malformed, written by
 * the embedder through sv39_walk) without U, under a protect clearing U,
 * must not let the next W-only leaf, which has U and would become W alone
 * with nothing, slip through. And an error deep in a table of good leaves
 * (a hole at its last entry, an X-only leaf losing X) changes nothing.
 */
static void
test_check_leaves_in_a_table(void)
{
	struct ramops r;
	struct sv39_space s;
	sv39_pte_t *slot;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 511 * PG, URW, 0), 0);
		CHECK_EQ(sv39_walk(&s, b + 3 * PG, 0, &slot, NULL), 0);
		*slot = sv39_pte_make(0x90000000, SV39_PTE_V | SV39_PTE_W);
		CHECK_EQ(sv39_walk(&s, b + 4 * PG, 0, &slot, NULL), 0);
		*slot = sv39_pte_make(0x90001000, SV39_PTE_V | SV39_PTE_W | SV39_PTE_U);
		T_NOCHANGE(&r, sv39_protect(&s, b, 16 * PG, 0, SV39_PTE_U), SV39_EPERM);
		/* Page 511 is a hole, after 510 leaves found good. */
		T_NOCHANGE(&r, sv39_protect(&s, b + 5 * PG, 507 * PG, 0, SV39_PTE_U), SV39_ENOENT);
		CHECK_EQ(sv39_walk(&s, b + 300 * PG, 0, &slot, NULL), 0);
		*slot = sv39_pte_make(0x90002000, SV39_PTE_V | SV39_PTE_X | SV39_PTE_U);
		T_NOCHANGE(&r, sv39_protect(&s, b + 5 * PG, 400 * PG, 0, SV39_PTE_X), SV39_EPERM);
		CHECK_EQ(sv39_protect(&s, b + 5 * PG, 506 * PG, 0, SV39_PTE_U), 0);
		T_XLATE(&s, b + 510 * PG, 0x80000000 + 510 * PG, t_leaf_flags(RW, 0), PG);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_basic();
	test_split_mega();
	test_split_giga();
	test_whole_superpages();
	test_eperm();
	test_enoent_and_input();
	test_split_enomem();
	test_check_leaves_in_a_table();
	return check_finish();
}
