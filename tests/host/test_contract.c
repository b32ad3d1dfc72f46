/* SPDX-License-Identifier: MIT */
/*
 * The contract of docs/api.md, point by point where the code once
 * disagreed with it: error precedence, NULL arguments,
 * SV39_WALK_ALLOC through a borrowed part, copy_in_str writing nothing on
 * failure, the embedder's RSW bit, V in a perm argument, one definition of
 * a malformed entry, one flush per call however many subtrees it replaces,
 * and a for_each callback that changes the space it walks.
 */
#include "testutil.h"

#define SOFT SV39_PTE_RSW_EMBEDDER

/* Alignment is checked before range, for every argument. */
static void
test_precedence(void)
{
	struct ramops r;
	struct sv39_space s;
	uint64_t bitmap[1];

	check_begin("alignment before range");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s))
		return;
	T_NOCHANGE(&r, sv39_map(&s, 0x0000008000000000ULL, 0x80000800, PG, RW, 0), SV39_EALIGN);
	T_NOCHANGE(&r, sv39_map(&s, 0x4000, SV39_PA_LIMIT + 1, PG, RW, 0), SV39_EALIGN);
	T_NOCHANGE(&r, sv39_harvest(&s, 0x1800, UINT64_MAX, SV39_PTE_A, bitmap), SV39_EALIGN);
	T_NOCHANGE(&r, sv39_harvest(&s, 0x0000008000000800ULL, 1, SV39_PTE_A, bitmap), SV39_EALIGN);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

static int
nop_fn(void *arg, const struct sv39_leaf *leaf)
{
	(void)arg;
	(void)leaf;
	return 0;
}

static void
nop_out(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

/* A NULL space or NULL output is SV39_EINVAL everywhere, never a crash. */
static void
test_null(void)
{
	struct ramops r;
	struct sv39_space s, dead;
	uint64_t bitmap[1];
	sv39_pte_t *pte;
	char buf[8];

	check_begin("NULL arguments");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s) || !t_space(&r, &dead))
		return;
	if (!CHECK_EQ(ramops_frames_init(&r, 4), 0))
		return;
	sv39_pa_t pa = ramops_frame_alloc(&r, 1, PG);
	CHECK_EQ(sv39_map(&s, 0x10000, pa, PG, URW, 0), 0);
	t_destroy(&r, &dead, 0); /* a destroyed space is as good as NULL */
	for (int k = 0; k < 2; k++) {
		struct sv39_space *n = k ? &dead : NULL;

		CHECK_EQ(sv39_map(n, 0x10000, 0x80000000, PG, RW, 0), SV39_EINVAL);
		CHECK_EQ(sv39_unmap(n, 0x10000, PG, 0), SV39_EINVAL);
		CHECK_EQ(sv39_protect(n, 0x10000, PG, 0, SV39_PTE_W), SV39_EINVAL);
		CHECK_EQ(sv39_translate(n, 0x10000, NULL, NULL, NULL), SV39_EINVAL);
		CHECK_EQ(sv39_walk(n, 0x10000, 0, &pte, NULL), SV39_EINVAL);
		CHECK_EQ(sv39_walk(n, 0x10000, SV39_WALK_ALLOC, &pte, NULL), SV39_EINVAL);
		CHECK_EQ(sv39_for_each(n, 0x10000, PG, nop_fn, NULL), SV39_EINVAL);
		CHECK_EQ(sv39_harvest(n, 0x10000, 1, SV39_PTE_A, bitmap), SV39_EINVAL);
		CHECK_EQ(sv39_clone_range(n, &s, 0x10000, PG, 0, 0), SV39_EINVAL);
		CHECK_EQ(sv39_clone_range(&s, n, 0x10000, PG, 0, 0), SV39_EINVAL);
		CHECK_EQ(sv39_share(n, &s, 0, MEGA), SV39_EINVAL);
		CHECK_EQ(sv39_share(&s, n, 0, MEGA), SV39_EINVAL);
		CHECK_EQ(sv39_dump(n, SV39_DUMP_RANGES, nop_out, NULL), SV39_EINVAL);
		CHECK_EQ(sv39_check(n), SV39_EINVAL);
		CHECK_EQ(sv39_copy_in(n, buf, 0x10000, 4), SV39_EINVAL);
		CHECK_EQ(sv39_copy_out(n, 0x10000, buf, 4), SV39_EINVAL);
		CHECK_EQ(sv39_copy_in_str(n, buf, 0x10000, 4), SV39_EINVAL);
	}
	CHECK_EQ(sv39_satp(NULL), 0);
	/* NULL outputs. */
	T_NOCHANGE(&r, sv39_harvest(&s, 0x10000, 1, SV39_PTE_A, NULL), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_walk(&s, 0x10000, 0, NULL, NULL), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_for_each(&s, 0x10000, PG, NULL, NULL), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_dump(&s, SV39_DUMP_RANGES, NULL, NULL), SV39_EINVAL);
	CHECK_EQ(sv39_copy_in(&s, NULL, 0x10000, 4), SV39_EINVAL);
	CHECK_EQ(sv39_copy_out(&s, 0x10000, NULL, 4), SV39_EINVAL);
	CHECK_EQ(sv39_copy_in_str(&s, NULL, 0x10000, 4), SV39_EINVAL);
	/* translate's outputs may each be NULL. */
	CHECK_EQ(sv39_translate(&s, 0x10000, NULL, NULL, NULL), 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* A string running into an unmapped page: ENOENT and dst untouched. */
static void
test_copy_in_str(void)
{
	struct ramops r;
	struct sv39_space s;
	char buf[32];

	check_begin("copy_in_str checks first");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s) || !CHECK_EQ(ramops_frames_init(&r, 4), 0))
		return;
	sv39_pa_t pa = ramops_frame_alloc(&r, 1, PG);
	char *p = ramops_frame_ptr(&r, pa);

	memset(p, 'a', PG); /* no NUL in the mapped page */
	CHECK_EQ(sv39_map(&s, 0x10000, pa, PG, SV39_PTE_U | SV39_PTE_R, 0), 0);
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(sv39_copy_in_str(&s, buf, 0x10000 + PG - 4, sizeof(buf)), SV39_ENOENT);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (!CHECK_EQ(buf[i], 'X'))
			break;
	/* No NUL within max: EINVAL, also without writing. */
	CHECK_EQ(sv39_copy_in_str(&s, buf, 0x10000, 8), SV39_EINVAL);
	CHECK_EQ(buf[0], 'X');
	/* A string that ends in the page still copies, NUL included. */
	p[PG - 2] = '\0';
	CHECK_EQ(sv39_copy_in_str(&s, buf, 0x10000 + PG - 4, sizeof(buf)), 0);
	CHECK(memcmp(buf, "aa\0X", 4) == 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

static uint64_t
flags_of(const struct sv39_space *s, sv39_va_t va)
{
	uint64_t f = 0;

	if (sv39_translate(s, va, NULL, &f, NULL) != 0)
		return ~0ULL;
	return f;
}

/* The embedder's RSW bit: accepted as perm/set/clear, kept by every call. */
static void
test_soft_bit(void)
{
	struct ramops r;
	struct sv39_space s, d, b;
	uint64_t bitmap[8];
	sv39_va_t g = t_bases[1];

	check_begin("embedder RSW bit");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &s) || !t_space(&r, &d) || !t_space(&r, &b))
		return;
	CHECK(SOFT == (1ULL << 8));
	CHECK(SV39_PERM_MASK & SOFT);
	CHECK_EQ(sv39_map(&s, g, 0x80000000, 4 * PG, RW | SOFT, 0), 0);
	CHECK_EQ(flags_of(&s, g), t_leaf_flags(RW, 0) | SOFT);
	CHECK_EQ(sv39_map(&s, g + MEGA, 0x80200000, MEGA, RW | SOFT, SV39_MAP_HUGE), 0);
	/* protect: clear W (copy-on-write), split a superpage: bit kept */
	CHECK_EQ(sv39_protect(&s, g, PG, 0, SV39_PTE_W), 0);
	CHECK_EQ(flags_of(&s, g), (t_leaf_flags(RW, 0) | SOFT) & ~SV39_PTE_W);
	CHECK_EQ(sv39_protect(&s, g + MEGA, PG, 0, SV39_PTE_W), 0);
	CHECK_EQ(flags_of(&s, g + MEGA), (t_leaf_flags(RW, 0) | SOFT) & ~SV39_PTE_W);
	CHECK_EQ(flags_of(&s, g + MEGA + PG), t_leaf_flags(RW, 0) | SOFT);
	/* protect may set and clear it */
	CHECK_EQ(sv39_protect(&s, g + PG, PG, 0, SOFT), 0);
	CHECK_EQ(flags_of(&s, g + PG), t_leaf_flags(RW, 0));
	CHECK_EQ(sv39_protect(&s, g + PG, PG, SOFT, 0), 0);
	CHECK_EQ(flags_of(&s, g + PG), t_leaf_flags(RW, 0) | SOFT);
	/* harvest keeps it */
	CHECK_EQ(sv39_harvest(&s, g, 4, SV39_PTE_D, bitmap), 4);
	CHECK_EQ(flags_of(&s, g + 2 * PG), (t_leaf_flags(RW, 0) | SOFT) & ~SV39_PTE_D);
	/* clone keeps it, and may set or clear it */
	CHECK_EQ(sv39_clone_range(&d, &s, g, 2 * MEGA, SV39_PTE_W, 0), 0);
	CHECK_EQ(flags_of(&d, g + 2 * PG),
		 (t_leaf_flags(RW, 0) | SOFT) & ~SV39_PTE_D & ~SV39_PTE_W);
	CHECK_EQ(flags_of(&d, g + MEGA + PG), (t_leaf_flags(RW, 0) | SOFT) & ~SV39_PTE_W);
	CHECK_EQ(sv39_clone_range(&d, &s, g, PG, SOFT, 0), 0);
	CHECK_EQ(flags_of(&d, g) & SOFT, 0);
	CHECK_EQ(sv39_clone_range(&d, &s, g, PG, 0, SOFT), 0);
	CHECK_EQ(flags_of(&d, g) & SOFT, SOFT);
	/* map REPLACE with it; share shows it */
	CHECK_EQ(sv39_map(&s, g + 3 * PG, 0x80003000, PG, RX | SOFT, SV39_MAP_REPLACE), 0);
	CHECK_EQ(sv39_share(&b, &s, g, 2 * MEGA), 0);
	CHECK_EQ(flags_of(&b, g + 3 * PG), t_leaf_flags(RX, 0) | SOFT);
	CHECK_EQ(flags_of(&b, g + MEGA + 5 * PG), t_leaf_flags(RW, 0) | SOFT);
	CHECK_EQ(sv39_check(&s), 0);
	t_destroy(&r, &b, 0);
	t_destroy(&r, &d, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* V in perm, set or clear is implied: accepted and ignored. */
static void
test_v_implied(void)
{
	struct ramops r;
	struct sv39_space s, d;

	check_begin("V implied");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s) || !t_space(&r, &d))
		return;
	CHECK_EQ(sv39_map(&s, 0x10000, 0x80000000, PG, RW | SV39_PTE_V, 0), 0);
	CHECK_EQ(flags_of(&s, 0x10000), t_leaf_flags(RW, 0));
	CHECK_EQ(sv39_protect(&s, 0x10000, PG, SV39_PTE_V, 0), 0);
	CHECK_EQ(sv39_protect(&s, 0x10000, PG, 0, SV39_PTE_V), 0);
	CHECK_EQ(flags_of(&s, 0x10000), t_leaf_flags(RW, 0));
	CHECK_EQ(sv39_clone_range(&d, &s, 0x10000, PG, SV39_PTE_V, SV39_PTE_V), 0);
	CHECK_EQ(flags_of(&d, 0x10000), t_leaf_flags(RW, 0));
	t_destroy(&r, &d, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* A leaf with N set (Svnapot, unsupported): malformed to check and translate. */
static void
test_napot(void)
{
	struct ramops r;
	struct sv39_space s;
	sv39_pte_t *pte;

	check_begin("one definition of malformed");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(sv39_map(&s, 0x10000, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_walk(&s, 0x10000, 0, &pte, NULL), 0);
	*pte |= SV39_PTE_N;
	CHECK_EQ(sv39_translate(&s, 0x10000, NULL, NULL, NULL), SV39_EINVAL);
	CHECK_EQ(sv39_check(&s), SV39_EINVAL);
	*pte &= ~SV39_PTE_N;
	*pte |= 1ULL << 57; /* reserved */
	CHECK_EQ(sv39_translate(&s, 0x10000, NULL, NULL, NULL), SV39_EINVAL);
	CHECK_EQ(sv39_check(&s), SV39_EINVAL);
	*pte &= ~(1ULL << 57);
	CHECK_EQ(sv39_check(&s), 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

#define NSUB 40 /* more subtrees than SV39_DEFER_MAX */

/* However many subtrees a call replaces, it flushes once. */
static void
test_one_flush(void)
{
	struct ramops r;
	struct sv39_space s, src, d;
	sv39_va_t g = t_bases[0];

	check_begin("one flush per call");
	t_env_init(&r, 256, 0);
	if (!t_space(&r, &s) || !t_space(&r, &src) || !t_space(&r, &d))
		return;
	for (unsigned k = 0; k < NSUB; k++) {
		CHECK_EQ(sv39_map(&s, g + k * MEGA, 0x90000000 + k * PG, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&d, g + k * MEGA + PG, 0x90000000 + k * PG, PG, RW, 0), 0);
	}
	ramops_clear_log(&r);
	size_t before = r.allocated;
	CHECK_EQ(sv39_map(&s, g, 0x80000000, NSUB * MEGA, RW, SV39_MAP_HUGE | SV39_MAP_REPLACE), 0);
	CHECK_EQ(r.nflushes, 1);
	CHECK_EQ(r.allocated, before - NSUB);
	CHECK_EQ(t_count_leaves(&s, g, GIGA), NSUB);
	/* clone: dst's level-0 tables replaced by src's superpages */
	CHECK_EQ(sv39_map(&src, g, 0x80000000, NSUB * MEGA, RW, SV39_MAP_HUGE), 0);
	ramops_clear_log(&r);
	before = r.allocated;
	CHECK_EQ(sv39_clone_range(&d, &src, g, GIGA, 0, 0), 0);
	CHECK_EQ(r.nflushes, 1);
	CHECK_EQ(r.allocated, before - NSUB);
	CHECK_EQ(t_count_leaves(&d, g, GIGA), NSUB);
	/* All or nothing when the bookkeeping page cannot be had. */
	CHECK_EQ(sv39_unmap(&d, g, GIGA, SV39_UNMAP_HOLES), 0);
	for (unsigned k = 0; k < NSUB; k++)
		CHECK_EQ(sv39_map(&d, g + k * MEGA + PG, 0x90000000 + k * PG, PG, RW, 0), 0);
	r.fail_at = r.alloc_calls + 1;
	T_NOCHANGE(&r, sv39_clone_range(&d, &src, g, GIGA, 0, 0), SV39_ENOMEM);
	r.fail_at = 0;
	t_destroy(&r, &d, 0);
	t_destroy(&r, &src, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

struct unmap_cb {
	struct sv39_space *s;
	unsigned calls;
};

/* Unmap everything the walk is in the middle of. */
static int
unmap_all_fn(void *arg, const struct sv39_leaf *leaf)
{
	struct unmap_cb *u = arg;

	(void)leaf;
	u->calls++;
	(void)sv39_unmap(u->s, t_bases[0], 2 * GIGA, SV39_UNMAP_HOLES);
	return 0;
}

/* A callback that changes the space walked stops the walk: SV39_EBUSY. */
static void
test_foreach_unmap(void)
{
	struct ramops r;
	struct sv39_space s;
	struct unmap_cb u = { &s, 0 };

	check_begin("for_each callback unmaps");
	t_env_init(&r, 32, 0);
	if (!t_space(&r, &s))
		return;
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ(sv39_map(&s, t_bases[0] + k * GIGA / 2, 0x80000000, 2 * PG, RW, 0), 0);
	CHECK_EQ(sv39_for_each(&s, t_bases[0], 2 * GIGA, unmap_all_fn, &u), SV39_EBUSY);
	CHECK_EQ(u.calls, 1);
	CHECK_EQ(t_count_leaves(&s, t_bases[0], 2 * GIGA), 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/*
 * SV39_WALK_ALLOC through a borrowed part: a walk that finds a leaf and
 * creates nothing succeeds; one that would create a table or hand out an
 * empty slot inside the lender's tables is SV39_EBUSY.
 */
static void
test_walk_borrowed(void)
{
	struct ramops r;
	struct sv39_space L, B;
	sv39_va_t g = t_bases[1];
	sv39_pte_t *lp, *bp;
	unsigned ll = 9, bl = 9;

	check_begin("walk ALLOC through borrowed");
	t_env_init(&r, 32, 0);
	if (!t_space(&r, &L) || !t_space(&r, &B))
		return;
	CHECK_EQ(sv39_map(&L, g + PG, 0x80001000, PG, RW, 0), 0);
	CHECK_EQ(sv39_map(&L, g + 2 * MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
	CHECK_EQ(sv39_share(&B, &L, g, GIGA), 0);
	for (int k = 0; k < 2; k++) {
		sv39_va_t v = k ? g + 2 * MEGA + 5 * PG : g + PG;

		CHECK_EQ(sv39_walk(&L, v, 0, &lp, &ll), 0);
		CHECK_EQ(sv39_walk(&B, v, SV39_WALK_ALLOC, &bp, &bl), 0);
		CHECK(lp == bp);
		CHECK_EQ(ll, bl);
	}
	T_NOCHANGE(&r, sv39_walk(&B, g + 2 * PG, SV39_WALK_ALLOC, &bp, NULL), SV39_EBUSY);
	T_NOCHANGE(&r, sv39_walk(&B, g + 8 * MEGA, SV39_WALK_ALLOC, &bp, NULL), SV39_EBUSY);
	t_destroy(&r, &B, 0);
	t_destroy(&r, &L, 0);
	t_env_fini(&r);
}

int
main(void)
{
	test_precedence();
	test_copy_in_str();
	test_soft_bit();
	test_v_implied();
	test_napot();
	test_one_flush();
	test_foreach_unmap();
	test_walk_borrowed();
	fflush(stdout);
	test_null(); /* last: it crashed once */
	return check_finish();
}
