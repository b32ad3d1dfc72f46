/* SPDX-License-Identifier: MIT */
/*
 * A hardware walker sets A or D between a call's prepare step and its
 * apply step: the two must still agree on which superpages to split, since
 * apply takes from the reserve exactly the tables prepare counted (with
 * SV39_ASSERT on, as here, a disagreement traps).
 *
 * Deterministic: the walker's store is made from alloc_table, which the
 * library calls in between (sv39_txn_reserve_). Each call cuts two
 * superpages at their edges: one that must split whatever happens (so that
 * the reserve runs), and one whose split prepare might skip as "no change".
 */
#include "testutil.h"

/* The walker: on the next alloc_table call, OR bits into *pte. */
static struct {
	struct ramops *r;
	sv39_pte_t *pte;
	sv39_pte_t bits;
} walker;

static int
alloc_then_walk(void *ctx, sv39_pa_t *pa)
{
	int err = walker.r->ops.alloc_table(ctx, pa);

	if (walker.pte) {
		__atomic_fetch_or(walker.pte, walker.bits, __ATOMIC_RELAXED);
		walker.pte = NULL;
	}
	return err;
}

static struct sv39_ops walker_ops;

static void
walker_arm(struct sv39_space *s, sv39_va_t va, sv39_pte_t bits)
{
	CHECK_EQ(sv39_walk(s, va, 0, &walker.pte, NULL), 0);
	walker.bits = bits;
}

/*
 * protect clearing D: superpage A (no D yet) and B (D set) are both cut by
 * the range. D lands in A before apply: A must be split like B.
 */
static void
test_protect_clear_d(struct ramops *r, sv39_va_t g)
{
	struct sv39_space s;
	sv39_pte_t want_rest = t_leaf_flags(RW, SV39_MAP_NO_AD) | SV39_PTE_D;

	CHECK_EQ(sv39_space_init(&s, &walker_ops, r), 0);
	CHECK_EQ(sv39_map(&s, g, 0x80000000, MEGA, RW, SV39_MAP_HUGE | SV39_MAP_NO_AD), 0);
	CHECK_EQ(sv39_map(&s, g + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
	walker_arm(&s, g, SV39_PTE_D);
	CHECK_EQ(sv39_protect(&s, g + MEGA - PG, 2 * PG, 0, SV39_PTE_D), 0);
	/* The walker's D stays outside the range and is cleared inside it. */
	T_XLATE(&s, g, 0x80000000, want_rest, PG);
	T_XLATE(&s, g + MEGA - PG, 0x80200000 - PG, want_rest & ~SV39_PTE_D, PG);
	T_XLATE(&s, g + MEGA, 0x80200000, t_leaf_flags(RW, 0) & ~SV39_PTE_D, PG);
	T_XLATE(&s, g + MEGA + PG, 0x80201000, t_leaf_flags(RW, 0), PG);
	CHECK_EQ(sv39_check(&s), 0);
	sv39_space_destroy(&s, 0);
}

/*
 * protect setting A: superpage A lacks A (prepare counts its split), B has
 * it. A lands in A before apply: A must still be split (the reserve holds
 * its table), not skipped as unchanged.
 */
static void
test_protect_set_a(struct ramops *r, sv39_va_t g)
{
	struct sv39_space s;

	CHECK_EQ(sv39_space_init(&s, &walker_ops, r), 0);
	CHECK_EQ(sv39_map(&s, g, 0x80000000, MEGA, SV39_PTE_R, SV39_MAP_HUGE | SV39_MAP_NO_AD), 0);
	CHECK_EQ(sv39_map(&s, g + MEGA, 0x80200000, MEGA, SV39_PTE_R, SV39_MAP_HUGE), 0);
	walker_arm(&s, g, SV39_PTE_A);
	CHECK_EQ(sv39_protect(&s, g + MEGA - PG, 2 * PG, SV39_PTE_A, 0), 0);
	T_XLATE(&s, g, 0x80000000, t_leaf_flags(SV39_PTE_R, 0), PG);
	T_XLATE(&s, g + MEGA - PG, 0x80200000 - PG, t_leaf_flags(SV39_PTE_R, 0), PG);
	T_XLATE(&s, g + MEGA, 0x80200000, t_leaf_flags(SV39_PTE_R, 0), PG);
	CHECK_EQ(sv39_check(&s), 0);
	sv39_space_destroy(&s, 0);
}

/*
 * One map REPLACE | NO_AD over the edges of superpage A (what it maps
 * already) and B (read-only: the map adds W, a split). A gains A and D
 * before apply: A stays whole, as prepare decided.
 */
static void
test_map_replace(struct ramops *r, sv39_va_t g)
{
	struct sv39_space s;

	CHECK_EQ(sv39_space_init(&s, &walker_ops, r), 0);
	CHECK_EQ(sv39_map(&s, g, 0x80000000, MEGA, RW, SV39_MAP_HUGE | SV39_MAP_NO_AD), 0);
	CHECK_EQ(sv39_map(&s, g + MEGA, 0x80200000, MEGA, SV39_PTE_R, SV39_MAP_HUGE), 0);
	walker_arm(&s, g, SV39_PTE_A | SV39_PTE_D);
	CHECK_EQ(sv39_map(&s, g + MEGA - PG, 0x80200000 - PG, 2 * PG, RW,
			  SV39_MAP_REPLACE | SV39_MAP_NO_AD),
		 0);
	T_XLATE(&s, g + MEGA - PG, 0x80200000 - PG,
		t_leaf_flags(RW, SV39_MAP_NO_AD) | SV39_PTE_A | SV39_PTE_D, MEGA);
	T_XLATE(&s, g + MEGA, 0x80200000, t_leaf_flags(RW, SV39_MAP_NO_AD), PG);
	T_XLATE(&s, g + MEGA + PG, 0x80201000, t_leaf_flags(SV39_PTE_R, 0), PG);
	CHECK_EQ(sv39_check(&s), 0);
	sv39_space_destroy(&s, 0);
}

int
main(void)
{
	static struct ramops r;

	for (int h = 0; h < 2; h++) {
		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		walker.r = &r;
		walker_ops = r.ops;
		walker_ops.alloc_table = alloc_then_walk;
		test_protect_clear_d(&r, t_bases[h]);
		test_protect_set_a(&r, t_bases[h]);
		test_map_replace(&r, t_bases[h]);
		t_env_fini(&r);
	}
	return check_finish();
}
