/* SPDX-License-Identifier: MIT */
/*
 * Svnapot: 64 KiB NAPOT groups. Groups written by hand from the spec's
 * encoding (16 level-0 leaves, N set, PPN[3:0] = 0b1000) are read as one
 * 64 KiB leaf only where the ops say the harts have Svnapot; malformed
 * groups are caught by sv39_check.
 */
#include "testutil.h"

#define K64 (64 * KIB)
#define GROUP_PA 0x80230000ULL /* 64 KiB aligned, not 2 MiB aligned */

/* The spec's member entry of a group mapping pa (64 KiB aligned) with bits. */
static sv39_pte_t
spec_member(sv39_pa_t pa, uint64_t bits)
{
	return (((pa >> 12) & ~0xfULL) | 0x8) << 10 | bits | SV39_PTE_N;
}

/* The level-0 table holding va's slot, made by sv39_walk. */
static sv39_pte_t *
level0_table(struct sv39_space *s, sv39_va_t va)
{
	sv39_pte_t *slot = NULL;

	if (!CHECK_EQ(sv39_walk(s, va, SV39_WALK_ALLOC, &slot, NULL), 0))
		return NULL;
	return slot - t_vpn(va, 0);
}

/* Write a whole group at va (64 KiB aligned) by hand. */
static void
write_group(sv39_pte_t *table, sv39_va_t va, sv39_pa_t pa, uint64_t bits)
{
	for (unsigned k = 0; k < 16; k++)
		table[t_vpn(va, 0) + k] = spec_member(pa, bits);
}

static void
zero_group(sv39_pte_t *table, sv39_va_t va)
{
	for (unsigned k = 0; k < 16; k++)
		table[t_vpn(va, 0) + k] = 0;
}

/* Without the feature, N stays malformed, as before Svnapot support. */
static void
test_disabled(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 16, 0) {
		sv39_pte_t *t = level0_table(&s, b);
		sv39_va_t va = b + 2 * K64;

		if (!t)
			continue;
		write_group(t, va, GROUP_PA, t_leaf_flags(URW, 0));
		CHECK_EQ(sv39_check(&s), SV39_EINVAL);
		CHECK_EQ(sv39_translate(&s, va + PG, NULL, NULL, NULL), SV39_EINVAL);
		zero_group(t, va);
		CHECK_EQ(sv39_check(&s), 0);
	}
}

/* With it, every page of a hand-written group translates as 64 KiB. */
static void
test_translate_hand_group(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 16, 0) {
		uint64_t bits = t_leaf_flags(URW, 0);
		sv39_va_t va = b + 2 * K64;
		sv39_pte_t *t;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		t = level0_table(&s, b);
		if (!t)
			continue;
		write_group(t, va, GROUP_PA, bits);
		CHECK_EQ(sv39_check(&s), 0);
		for (unsigned k = 0; k < 16; k++) {
			sv39_pa_t pa = 0;
			uint64_t flags = 0, size = 0;

			CHECK_EQ(sv39_translate(&s, va + k * PG + 0x123, &pa, &flags, &size), 0);
			CHECK_EQ(pa, GROUP_PA + k * PG + 0x123);
			CHECK_EQ(size, K64);
			CHECK_EQ(flags, bits | SV39_PTE_N);
		}
		/* Its neighbours are still unmapped. */
		T_UNMAPPED(&s, va - PG);
		T_UNMAPPED(&s, va + K64);
		zero_group(t, va);
	}
}

/* Store one bad member (or a bad group) and expect sv39_check to refuse. */
static void
expect_bad(struct sv39_space *s, sv39_pte_t *slot, sv39_pte_t bad, const char *what)
{
	sv39_pte_t good = *slot;

	*slot = bad;
	if (!CHECK_EQ(sv39_check(s), SV39_EINVAL))
		printf("\tnot caught: %s\n", what);
	*slot = good;
	CHECK_EQ(sv39_check(s), 0);
}

static void
test_check_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 16, 0) {
		uint64_t bits = t_leaf_flags(URW, 0);
		sv39_va_t va = b + 2 * K64;
		sv39_pte_t *t, *m;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		t = level0_table(&s, b);
		if (!t)
			continue;
		write_group(t, va, GROUP_PA, bits & ~(SV39_PTE_A | SV39_PTE_D));
		m = &t[t_vpn(va, 0)];
		CHECK_EQ(sv39_check(&s), 0);
		/* The hardware may set A or D in any one member: still one group. */
		m[5] |= SV39_PTE_A | SV39_PTE_D;
		CHECK_EQ(sv39_check(&s), 0);
		m[5] &= ~(SV39_PTE_A | SV39_PTE_D);

		expect_bad(&s, &m[3], m[3] & ~SV39_PTE_N, "a member without N");
		expect_bad(&s, &m[0], m[0] & ~SV39_PTE_N, "the first member without N");
		expect_bad(&s, &m[7], 0, "a member missing");
		expect_bad(&s, &m[9], (m[9] & ~(0xfULL << 10)) | (0x4ULL << 10),
			   "encoding 0b0100 (reserved)");
		expect_bad(&s, &m[2], m[2] | SV39_PTE_X, "a member with other bits");
		expect_bad(&s, &m[15], m[15] + (16ULL << 10), "a member with another PPN");
		expect_bad(&s, &m[1], m[1] | SV39_PTE_RSW_EMBEDDER, "a member with another RSW");
		/* A whole group with the wrong encoding. */
		for (unsigned k = 0; k < 16; k++)
			m[k] &= ~(0xfULL << 10);
		CHECK_EQ(sv39_check(&s), SV39_EINVAL);
		CHECK_EQ(sv39_translate(&s, va, NULL, NULL, NULL), SV39_EINVAL);
		/* A whole group misaligned in va: members 8..15 of one, 0..7 of the next. */
		zero_group(t, va);
		for (unsigned k = 8; k < 24; k++)
			m[k] = spec_member(GROUP_PA, bits);
		CHECK_EQ(sv39_check(&s), SV39_EINVAL);
		for (unsigned k = 8; k < 24; k++)
			m[k] = 0;
		CHECK_EQ(sv39_check(&s), 0);
	}
}

/* N in a superpage or a pointer is reserved whatever the harts have. */
static void
test_n_above_level0(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 16, 0) {
		sv39_pte_t *slot = NULL;
		unsigned level = 9;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_walk(&s, b, 0, &slot, &level), 0);
		CHECK_EQ(level, 1);
		if (!slot)
			continue;
		expect_bad(&s, slot, *slot | SV39_PTE_N, "N in a superpage");
		CHECK_EQ(sv39_unmap(&s, b, MEGA, 0), 0);
		CHECK_EQ(sv39_map(&s, b, 0x80000000, PG, RW, 0), 0);
		sv39_pte_t *root = t_table(&r, s.root);

		expect_bad(&s, &root[t_vpn(b, 2)], root[t_vpn(b, 2)] | SV39_PTE_N,
			   "N in a pointer");
	}
}

int
main(void)
{
	test_disabled();
	test_translate_hand_group();
	test_check_groups();
	test_n_above_level0();
	return check_finish();
}
