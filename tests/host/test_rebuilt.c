/* SPDX-License-Identifier: MIT */
/*
 * Spaces rebuilt from their root (sv39_space_init_from_root, the xv6
 * keep-the-root pattern) beside spaces that share. A rebuilt struct does
 * not know its root's ledger of loans, which its peers' ledgers name by the
 * struct that made the share: through it, sv39_share is refused and
 * sv39_space_destroy of a root that lent, or borrows now, returns SV39_EBUSY. Its
 * lent marks come from the root, so its unmap and clone never free a table
 * a borrower walks. No order of these calls reaches a freed page (ramops
 * poisons freed pages for ASan and counts every access to one).
 */
#include "testutil.h"

/* A struct around s's root, as a kernel that keeps only the root makes one. */
static struct sv39_space
rebuilt(struct ramops *r, const struct sv39_space *s)
{
	struct sv39_space x;

	CHECK_EQ(sv39_space_init_from_root(&x, &r->ops, r, s->root), 0);
	return x;
}

/*
 * L lends a GiB to B; B's root is rebuilt and destroyed through the rebuilt
 * struct, then L is destroyed. The destroy through the rebuilt struct must
 * not free B's root while L's ledger names B: it is refused (SV39_EBUSY, nothing
 * changes, the struct stays initialised). Once L is gone, B takes part in
 * no share and its rebuilt struct may destroy it.
 */
static void
test_rebuilt_borrower_destroyed_first(void)
{
	struct ramops r;
	struct sv39_space L, B, Bx;

	for (int h = 0; h < 2; h++) {
		sv39_va_t g = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &L) || !t_space(&r, &B))
			return;
		CHECK_EQ(sv39_map(&L, g, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
		Bx = rebuilt(&r, &B);
		T_NOCHANGE(&r, sv39_space_destroy(&Bx, 0), SV39_EBUSY);
		CHECK(sv39_space_is_init(&Bx));
		T_XLATE(&Bx, g, 0x80000000, t_leaf_flags(RW, 0), PG);
		/* L first: it takes its GiB back from B, both ledgers go */
		t_destroy(&r, &L, 0);
		CHECK_EQ(B.loans, 0);
		T_UNMAPPED(&B, g);
		Bx = rebuilt(&r, &B);
		t_destroy(&r, &Bx, 0);
		CHECK(!sv39_space_is_init(&Bx));
		t_env_fini(&r);
	}
}

/* The same with a 2 MiB loan, held in a level-1 table of B's own. */
static void
test_rebuilt_borrower_mega(void)
{
	struct ramops r;
	struct sv39_space L, B, Bx;
	sv39_va_t g = t_bases[1] + 2 * MEGA;

	check_begin("2 MiB loan");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &L) || !t_space(&r, &B))
		return;
	CHECK_EQ(sv39_map(&L, g, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_share(&B, &L, g, MEGA), 0);
	Bx = rebuilt(&r, &B);
	T_NOCHANGE(&r, sv39_space_destroy(&Bx, 0), SV39_EBUSY);
	CHECK(sv39_space_is_init(&Bx));
	/* the borrower's own struct settles: then the lender has no ledger */
	t_destroy(&r, &B, 0);
	CHECK_EQ(L.loans, 0);
	t_destroy(&r, &L, 0);
	t_env_fini(&r);
}

/*
 * A rebuilt lender: its lent marks come from the root, so emptying the lent
 * GiB keeps the table B walks; it cannot share (its ledger is unknown) and
 * its destroy is refused while it has lent.
 */
static void
test_rebuilt_lender(void)
{
	struct ramops r;
	struct sv39_space L, B, C, Lx, Bx;
	sv39_va_t g = t_bases[0];

	check_begin("rebuilt lender");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &L) || !t_space(&r, &B) || !t_space(&r, &C))
		return;
	CHECK_EQ(sv39_map(&L, g, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&L, g + GIGA, 0x90000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
	Lx = rebuilt(&r, &L);
	Bx = rebuilt(&r, &B);
	CHECK_EQ(sv39_unmap(&Lx, g, GIGA, SV39_UNMAP_HOLES), 0);
	T_UNMAPPED(&B, g);
	CHECK_EQ(sv39_map(&Lx, g + MEGA, 0x81000000, PG, RW, 0), 0);
	T_XLATE(&B, g + MEGA, 0x81000000, t_leaf_flags(RW, 0), PG);
	/* a clone that would put a gigapage over the lent table keeps it */
	CHECK_EQ(sv39_map(&C, g, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
	CHECK_EQ(sv39_clone_range(&Lx, &C, g, GIGA, 0, 0), 0);
	T_XLATE(&B, g + 5 * PG, 0xc0005000, t_leaf_flags(RW, 0), PG);
	/* no share through a rebuilt struct, on either side */
	T_NOCHANGE(&r, sv39_share(&C, &Lx, g + GIGA, GIGA), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_share(&Bx, &C, g + 2 * GIGA, GIGA), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_space_destroy(&Lx, 0), SV39_EBUSY);
	CHECK(sv39_space_is_init(&Lx));
	t_destroy(&r, &B, 0);
	/* L has lent: only its own struct destroys it, even with no borrower left */
	T_NOCHANGE(&r, sv39_space_destroy(&Lx, 0), SV39_EBUSY);
	t_destroy(&r, &L, 0);
	t_destroy(&r, &C, 0);
	t_env_fini(&r);
}

/* A root that takes no part in a share is destroyed through a rebuilt struct. */
static void
test_rebuilt_plain(void)
{
	struct ramops r;
	struct sv39_space S, Sx;

	check_begin("rebuilt, no loans");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &S))
		return;
	CHECK_EQ(sv39_map(&S, t_bases[1], 0x80000000, 3 * MEGA, RW, SV39_MAP_HUGE), 0);
	Sx = rebuilt(&r, &S);
	t_destroy(&r, &Sx, 0);
	CHECK(!sv39_space_is_init(&Sx));
	t_env_fini(&r);
}

struct unmap_in_walk {
	struct ramops *r;
	sv39_pa_t root;
	sv39_va_t va;
	unsigned calls;
};

/* The xv6 pattern inside a for_each callback: a second struct of the root. */
static int
unmap_through_second_struct(void *arg, const struct sv39_leaf *leaf)
{
	struct unmap_in_walk *u = arg;
	struct sv39_space x;

	(void)leaf;
	if (u->calls++ == 0) {
		CHECK_EQ(sv39_space_init_from_root(&x, &u->r->ops, u->r, u->root), 0);
		CHECK_EQ(sv39_unmap(&x, u->va, GIGA, SV39_UNMAP_HOLES), 0);
	}
	return 0;
}

/*
 * A for_each callback unmaps the walked range through another struct of the
 * same root, freeing the tables the walk stands in: the walk notices (the
 * entries leading to its table changed), reads nothing more and returns
 * SV39_EBUSY. Before, it read on in the freed level-0 table and reported
 * its stale leaves.
 */
static void
test_foreach_second_struct(void)
{
	struct ramops r;
	struct sv39_space S;

	for (int h = 0; h < 2; h++) {
		struct unmap_in_walk u = { &r, 0, t_bases[h], 0 };

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &S))
			return;
		u.root = S.root;
		CHECK_EQ(sv39_map(&S, u.va, 0x80000000, 8 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&S, u.va + 3 * MEGA, 0x90000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_for_each(&S, u.va, GIGA, unmap_through_second_struct, &u),
			 SV39_EBUSY);
		CHECK_EQ(u.calls, 1);
		CHECK_EQ(r.errors, 0);
		T_UNMAPPED(&S, u.va + PG);
		CHECK_EQ(t_count_tables(&r, &S), 1);
		t_destroy(&r, &S, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_rebuilt_borrower_destroyed_first();
	test_rebuilt_borrower_mega();
	test_rebuilt_lender();
	test_rebuilt_plain();
	test_foreach_second_struct();
	return check_finish();
}
