/* SPDX-License-Identifier: MIT */
/*
 * Calls with nothing to do allocate nothing, flush
 * nothing and never fail with SV39_ENOMEM: every allocation is made to
 * fail while they run. Inside a slot a space lent, empty tables never
 * accumulate.
 */
#include "testutil.h"

/*
 * A map that presets A and D always writes (its no-op test may not depend on
 * bits a hardware walker sets): only REPLACE | NO_AD leaves a superpage be.
 */
#define REPL_NO_AD (SV39_MAP_REPLACE | SV39_MAP_NO_AD)

/* From here on every alloc_table call fails; the log starts empty. */
static void
starve(struct ramops *r)
{
	r->fail_at = r->alloc_calls + 1;
	r->fail_after = true;
	ramops_clear_log(r);
}

static void
feed(struct ramops *r)
{
	r->fail_at = 0;
	r->fail_after = false;
}

/* A call that must do nothing: 0, nothing allocated, nothing flushed. */
#define T_NOOP(r, call)                             \
	do {                                        \
		uint64_t calls_ = (r)->alloc_calls; \
		starve(r);                          \
		T_NOCHANGE((r), (call), 0);         \
		CHECK_EQ((r)->nflushes, 0);         \
		CHECK_EQ((r)->alloc_calls, calls_); \
		feed(r);                            \
	} while (0)

static void
test_clone_no_leaves(void)
{
	struct ramops r;
	struct sv39_space S, D, U;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &S) || !t_space(&r, &D) || !t_space(&r, &U))
			return;
		/*
		 * S holds tables but no leaves in g's GiB: it lent the GiB, then
		 * unmapped everything (a lender keeps lent tables).
		 */
		CHECK_EQ(sv39_map(&S, g + 3 * MEGA + PG, 0x80000000, 4 * PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&U, &S, g, GIGA), 0);
		CHECK_EQ(sv39_unmap(&S, g, GIGA, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(t_count_tables(&r, &S), 3);
		T_NOOP(&r, sv39_clone_range(&D, &S, g, GIGA, 0, 0));
		T_NOOP(&r, sv39_clone_range(&D, &S, g + 3 * MEGA, 8 * PG, SV39_PTE_U, 0));
		CHECK_EQ(t_count_tables(&r, &D), 1);
		/*
		 * D lent the same GiB and emptied it too: 100 clones from S
		 * leave no new table in it.
		 */
		CHECK_EQ(sv39_map(&D, g + 9 * MEGA, 0x81000000, PG, RW, 0), 0);
		t_destroy(&r, &U, 0);
		if (!t_space(&r, &U))
			return;
		CHECK_EQ(sv39_share(&U, &D, g, GIGA), 0);
		CHECK_EQ(sv39_unmap(&D, g, GIGA, SV39_UNMAP_HOLES), 0);
		size_t before = r.allocated;
		for (int k = 0; k < 100; k++)
			CHECK_EQ(sv39_clone_range(&D, &S, g + (uint64_t)k * MEGA % GIGA, 4 * MEGA,
						  0, 0),
				 0);
		CHECK_EQ(r.allocated, before);
		T_NOOP(&r, sv39_clone_range(&D, &S, g, GIGA, 0, 0));
		t_destroy(&r, &U, 0);
		t_destroy(&r, &D, 0);
		t_destroy(&r, &S, 0);
		t_env_fini(&r);
	}
}

/* map, unmap, protect, harvest, share, clone with nothing to do. */
static void
test_other_noops(void)
{
	struct ramops r;
	struct sv39_space s, d, e;
	uint64_t bitmap[8];

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &s) || !t_space(&r, &d) || !t_space(&r, &e))
			return;
		CHECK_EQ(sv39_map(&s, g + MEGA, 0x80200000, MEGA, SV39_PTE_R, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, g + 4 * MEGA, 0x80400000, 2 * PG, RW, SV39_MAP_NO_AD), 0);
		/* protect that changes nothing, cutting a superpage: no split */
		T_NOOP(&r, sv39_protect(&s, g + MEGA + PG, PG, 0, 0));
		T_NOOP(&r, sv39_protect(&s, g + MEGA + PG, PG, 0, SV39_PTE_W));
		T_NOOP(&r, sv39_protect(&s, g + MEGA + PG, PG, SV39_PTE_R, SV39_PTE_X));
		T_XLATE(&s, g + MEGA, 0x80200000, t_leaf_flags(SV39_PTE_R, 0), MEGA);
		/*
		 * map REPLACE | NO_AD of what a superpage maps (A and D aside): no
		 * split, and the superpage keeps its A
		 */
		T_NOOP(&r,
		       sv39_map(&s, g + MEGA + 3 * PG, 0x80203000, 2 * PG, SV39_PTE_R, REPL_NO_AD));
		T_NOOP(&r, sv39_map(&s, g + MEGA, 0x80200000, MEGA, SV39_PTE_R, REPL_NO_AD));
		/* ... also where HUGE would write the same megapage (fuzz_refmodel) */
		T_NOOP(&r, sv39_map(&s, g + MEGA, 0x80200000, MEGA, SV39_PTE_R,
				    REPL_NO_AD | SV39_MAP_HUGE));
		T_XLATE(&s, g + MEGA + 3 * PG, 0x80203000, t_leaf_flags(SV39_PTE_R, 0), MEGA);
		/* ... also with new pages on both sides of it: the megapage stays whole */
		CHECK_EQ(sv39_map(&s, g + MEGA - PG, 0x80200000 - PG, MEGA + 2 * PG, SV39_PTE_R,
				  REPL_NO_AD),
			 0);
		T_XLATE(&s, g + MEGA + 3 * PG, 0x80203000, t_leaf_flags(SV39_PTE_R, 0), MEGA);
		T_XLATE(&s, g + MEGA - PG, 0x80200000 - PG,
			t_leaf_flags(SV39_PTE_R, SV39_MAP_NO_AD), PG);
		T_XLATE(&s, g + 2 * MEGA, 0x80400000, t_leaf_flags(SV39_PTE_R, SV39_MAP_NO_AD), PG);
		CHECK_EQ(sv39_unmap(&s, g + MEGA - PG, PG, 0), 0);
		CHECK_EQ(sv39_unmap(&s, g + 2 * MEGA, PG, 0), 0);
		/* unmap of holes only */
		T_NOOP(&r, sv39_unmap(&s, g + 4 * MEGA + 8 * PG, 8 * PG, SV39_UNMAP_HOLES));
		T_NOOP(&r, sv39_unmap(&s, g + 2 * GIGA, GIGA, SV39_UNMAP_HOLES));
		/* harvest where no leaf has the bit */
		T_NOOP(&r, sv39_harvest(&s, g + 4 * MEGA, 8, SV39_PTE_A, bitmap));
		T_NOOP(&r, sv39_harvest(&s, g + 2 * GIGA, 8, SV39_PTE_D, bitmap));
		/* share and clone of an empty range */
		T_NOOP(&r, sv39_share(&d, &s, g + 2 * GIGA, 4 * MEGA));
		T_NOOP(&r, sv39_clone_range(&d, &s, g + 2 * GIGA, MEGA, 0, 0));
		/* clone that is already in sync */
		CHECK_EQ(sv39_clone_range(&e, &s, g, 8 * MEGA, 0, 0), 0);
		T_NOOP(&r, sv39_clone_range(&e, &s, g, 8 * MEGA, 0, 0));
		t_destroy(&r, &e, 0);
		t_destroy(&r, &d, 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * dst maps a superpage where src holds only empty tables: the clone removes
 * the superpage in place, with no table, so it cannot fail with
 * SV39_ENOMEM and leaves no empty table behind, in a slot dst lent too.
 */
static void
test_clone_removes_superpage(void)
{
	struct ramops r;
	struct sv39_space S, D, U;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];
		size_t tables;
		uint64_t calls;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &S) || !t_space(&r, &D) || !t_space(&r, &U))
			return;
		/* S: empty tables over g's first 4 MiB, kept because S lent them */
		CHECK_EQ(sv39_map(&S, g + PG, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&S, g + 2 * MEGA + PG, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&U, &S, g, GIGA), 0);
		CHECK_EQ(sv39_unmap(&S, g, GIGA, SV39_UNMAP_HOLES), 0);
		/* D: a megapage beside a page, in one level-1 table */
		CHECK_EQ(sv39_map(&D, g, 0x90000000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&D, g + 8 * MEGA, 0x91000000, PG, RW, 0), 0);
		tables = t_count_tables(&r, &D);
		calls = r.alloc_calls;
		starve(&r);
		CHECK_EQ(sv39_clone_range(&D, &S, g, MEGA, 0, 0), 0);
		CHECK_EQ(r.alloc_calls, calls);
		feed(&r);
		T_UNMAPPED(&D, g + PG);
		CHECK(ramops_flushed(&r, g, MEGA));
		CHECK_EQ(t_count_tables(&r, &D), tables);
		/* the same in a GiB D lent: no table appears there either */
		t_destroy(&r, &U, 0);
		if (!t_space(&r, &U))
			return;
		CHECK_EQ(sv39_share(&U, &D, g, GIGA), 0);
		CHECK_EQ(sv39_map(&D, g + 2 * MEGA, 0x92000000, MEGA, RW, SV39_MAP_HUGE), 0);
		T_XLATE(&U, g + 2 * MEGA, 0x92000000, t_leaf_flags(RW, 0), MEGA);
		tables = t_count_tables(&r, &D);
		calls = r.alloc_calls;
		starve(&r);
		CHECK_EQ(sv39_clone_range(&D, &S, g + 2 * MEGA, MEGA, 0, 0), 0);
		CHECK_EQ(r.alloc_calls, calls);
		feed(&r);
		T_UNMAPPED(&U, g + 2 * MEGA);
		CHECK_EQ(t_count_tables(&r, &D), tables);
		t_destroy(&r, &U, 0);
		t_destroy(&r, &D, 0);
		t_destroy(&r, &S, 0);
		t_env_fini(&r);
	}
}

/*
 * A clone already in sync whose range cuts a superpage of dst (one src has
 * too) does nothing: no split into 512 equal leaves, no allocation, no
 * flush; the superpage keeps dst's own A and D.
 */
static void
test_clone_cut_in_sync(void)
{
	struct ramops r;
	struct sv39_space S, D;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &S) || !t_space(&r, &D))
			return;
		CHECK_EQ(sv39_map(&S, g, 0x80000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&S, g + GIGA, 0x80000000, 4 * MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_clone_range(&D, &S, g, GIGA + 4 * MEGA, 0, 0), 0);
		T_NOOP(&r, sv39_clone_range(&D, &S, g + PG, PG, 0, 0));
		T_NOOP(&r, sv39_clone_range(&D, &S, g + 3 * MEGA, 5 * PG, 0, 0));
		T_NOOP(&r, sv39_clone_range(&D, &S, g + GIGA + MEGA, 2 * MEGA, 0, 0));
		T_XLATE(&D, g + PG, 0x80001000, t_leaf_flags(RW, 0), GIGA);
		T_XLATE(&D, g + GIGA + MEGA, 0x80200000, t_leaf_flags(RW, 0), MEGA);
		/* with set/clear applied it is in sync too; a real change still splits */
		CHECK_EQ(sv39_protect(&D, g + GIGA, 2 * MEGA, 0, SV39_PTE_W), 0);
		T_NOOP(&r, sv39_clone_range(&D, &S, g + GIGA + PG, PG, SV39_PTE_W, 0));
		CHECK_EQ(sv39_clone_range(&D, &S, g + GIGA + PG, PG, 0, 0), 0);
		T_XLATE(&D, g + GIGA + PG, 0x80001000, t_leaf_flags(RW, 0), PG);
		T_XLATE(&D, g + GIGA, 0x80000000, t_leaf_flags(SV39_PTE_R, 0) | SV39_PTE_D, PG);
		t_destroy(&r, &D, 0);
		t_destroy(&r, &S, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_clone_no_leaves();
	test_other_noops();
	test_clone_removes_superpage();
	test_clone_cut_in_sync();
	return check_finish();
}
