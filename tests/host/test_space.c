/* SPDX-License-Identifier: MIT */
/*
 * sv39_space_init, sv39_space_init_from_root, sv39_space_is_init,
 * sv39_space_destroy, sv39_satp and sv39_strerror; a space moved between
 * calls; the runtime direct-map fast path.
 */
#include "testutil.h"

/* phys_to_virt for a ramops_init_direct ops: the same offset, as a call. */
static void *
t_direct_p2v(void *ctx, sv39_pa_t pa)
{
	struct ramops *r = ctx;

	return r->direct_base + (pa - RAMOPS_PA_BASE);
}

static void
test_init(void)
{
	struct ramops r;
	struct sv39_space s;
	const uint64_t *root;

	check_begin("init");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(r.allocated, 1);
	CHECK_EQ(s.asid, 0);
	CHECK(s.root >= RAMOPS_PA_BASE);
	CHECK_EQ(s.root & (PG - 1), 0);
	root = ramops_ptr(&r, s.root);
	CHECK(root != NULL);
	for (int i = 0; root && i < 512; i++)
		if (!CHECK_EQ(root[i], 0))
			break;
	for (int i = 0; i < SV39_PTES_PER_TABLE / 64; i++)
		CHECK_EQ(s.lent[i], 0);
	/* An empty space maps nothing, in either half. */
	T_UNMAPPED(&s, 0);
	T_UNMAPPED(&s, SV39_HIGH_BASE);
	CHECK_EQ(sv39_check(&s), 0);
	CHECK_EQ(r.nflushes, 0);
	t_destroy(&r, &s, 0);
	CHECK_EQ(r.free_calls, 1);
	t_env_fini(&r);
}

static void
test_satp(void)
{
	struct ramops r;
	struct sv39_space s;

	check_begin("satp");
	t_env_init(&r, 16, 0);
	/* Waste a page first so the root is not the buffer's first page. */
	r.alloc_cursor = 3;
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(sv39_satp(&s), (8ULL << 60) | (s.root >> 12));
	s.asid = 0xbeef;
	CHECK_EQ(sv39_satp(&s), (8ULL << 60) | (0xbeefULL << 44) | (s.root >> 12));
	s.asid = 0xffff;
	CHECK_EQ(sv39_satp(&s) >> 60, 8);
	CHECK_EQ((sv39_satp(&s) >> 44) & 0xffff, 0xffff);
	CHECK_EQ(sv39_satp(&s) & SV39_SATP_PPN_MASK, s.root >> 12);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* Each required member NULL, a NULL space and NULL ops: EINVAL, nothing allocated. */
static void
test_init_bad_ops(void)
{
	struct ramops r;
	struct sv39_space s;
	struct sv39_ops ops;

	check_begin("init bad ops");
	t_env_init(&r, 16, 0);
	CHECK_EQ(sv39_space_init(NULL, &r.ops, &r), SV39_EINVAL);
	CHECK_EQ(sv39_space_init(&s, NULL, &r), SV39_EINVAL);
	ops = r.ops;
	ops.alloc_table = NULL;
	CHECK_EQ(sv39_space_init(&s, &ops, &r), SV39_EINVAL);
	ops = r.ops;
	ops.free_table = NULL;
	CHECK_EQ(sv39_space_init(&s, &ops, &r), SV39_EINVAL);
	CHECK_EQ(r.alloc_calls, 0);
	CHECK_EQ(r.allocated, 0);

	/* The optional members may be NULL. */
	ops = r.ops;
	ops.flush_tlb = NULL;
	ops.free_frame = NULL;
	if (CHECK_EQ(sv39_space_init(&s, &ops, &r), 0)) {
		CHECK_EQ(sv39_map(&s, t_bases[1], 0x80000000, 4 * PG, RW, 0), 0);
		/* A change of a valid leaf with no flush_tlb must not crash. */
		CHECK_EQ(sv39_protect(&s, t_bases[1], 4 * PG, 0, SV39_PTE_W), 0);
		CHECK_EQ(sv39_unmap(&s, t_bases[1], 4 * PG, 0), 0);
		CHECK_EQ(r.allocated, 1);
		/* SV39_FREE_FRAMES is ignored without free_frame. */
		CHECK_EQ(sv39_map(&s, t_bases[0], 0x80000000, PG, RW, 0), 0);
		t_destroy(&r, &s, SV39_FREE_FRAMES);
	}
	CHECK_EQ(r.nflushes, 0);
	CHECK_EQ(r.frames_freed, 0);
	t_env_fini(&r);
}

static void
test_init_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	check_begin("init ENOMEM");
	t_env_init(&r, 16, 0);
	r.fail_at = 1;
	CHECK_EQ(sv39_space_init(&s, &r.ops, &r), SV39_ENOMEM);
	CHECK_EQ(r.allocated, 0);
	r.fail_at = 0;
	t_env_fini(&r);
}

/*
 * destroy frees every table page; with SV39_FREE_FRAMES it also gives back
 * each owned leaf once, with that leaf's size.
 */
static void
test_destroy(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int ff = 0; ff < 2; ff++) {
		check_begin(ff ? "destroy FREE_FRAMES" : "destroy");
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &s))
			return;
		for (int h = 0; h < 2; h++) {
			sv39_va_t b = t_bases[h];

			/* 3 small pages, one 2 MiB and one 1 GiB leaf per half. */
			CHECK_EQ(sv39_map(&s, b, 0x80000000, 3 * PG, RW, 0), 0);
			CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
			CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RX, SV39_MAP_HUGE), 0);
		}
		/* root + per half (L1 + L0) */
		CHECK_EQ(r.allocated, 5);
		t_destroy(&r, &s, ff ? SV39_FREE_FRAMES : 0);
		CHECK_EQ(r.frames_freed, ff ? 10 : 0);
		CHECK_EQ(r.frame_bytes_freed, ff ? 2 * (3 * PG + MEGA + GIGA) : 0);
		CHECK_EQ(r.free_calls, 5);
		t_env_fini(&r);
	}
}

/*
 * SV39_DESTROY_IF_EMPTY: while any leaf of the space's own remains (a 4 KiB
 * page deep down, a 2 MiB or a 1 GiB leaf, in either half), destroy is
 * SV39_EBUSY and changes nothing, SV39_FREE_FRAMES included; tables with no
 * leaf (made by walk) are freed; a borrowed subtree full of the lender's
 * leaves does not count, and the lender is refused while it lends them.
 */
static void
test_destroy_if_empty(void)
{
	static const uint64_t sizes[3] = { PG, MEGA, GIGA };
	const unsigned both = SV39_DESTROY_IF_EMPTY | SV39_FREE_FRAMES;
	struct ramops r;
	struct sv39_space s, L, B;
	sv39_pte_t *pte;

	for (int h = 0; h < 2; h++) {
		for (int k = 0; k < 3; k++) {
			sv39_va_t va = t_bases[h] + 2 * GIGA + sizes[k];

			check_begin("destroy IF_EMPTY refuses a leaf");
			t_env_init(&r, 64, 0);
			if (!t_space(&r, &s))
				return;
			CHECK_EQ(sv39_walk(&s, t_bases[h], SV39_WALK_ALLOC, &pte, NULL), 0);
			CHECK_EQ(sv39_map(&s, va, 0x80000000, sizes[k], RW, SV39_MAP_HUGE), 0);
			T_NOCHANGE(&r, sv39_space_destroy(&s, SV39_DESTROY_IF_EMPTY), SV39_EBUSY);
			T_NOCHANGE(&r, sv39_space_destroy(&s, both), SV39_EBUSY);
			CHECK_EQ(r.frames_freed, 0);
			CHECK_EQ(r.free_calls, 0);
			CHECK(sv39_space_is_init(&s));
			T_XLATE(&s, va, 0x80000000, t_leaf_flags(RW, 0), sizes[k]);
			/* Once the leaf is gone, the walk's leafless tables go too. */
			CHECK_EQ(sv39_unmap(&s, va, sizes[k], 0), 0);
			CHECK_EQ(sv39_space_destroy(&s, both), 0);
			CHECK(!sv39_space_is_init(&s));
			CHECK_EQ(r.frames_freed, 0);
			t_env_fini(&r);
		}
	}

	check_begin("destroy IF_EMPTY and borrowed leaves");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &L) || !t_space(&r, &B))
		return;
	CHECK_EQ(sv39_map(&L, t_bases[0] + PG, 0x80001000, 3 * PG, RW, 0), 0);
	CHECK_EQ(sv39_share(&B, &L, t_bases[0], GIGA), 0);
	/* The lender's leaves are lent, not gone: L is refused, B unchanged. */
	T_NOCHANGE(&r, sv39_space_destroy(&L, SV39_DESTROY_IF_EMPTY), SV39_EBUSY);
	T_XLATE(&B, t_bases[0] + PG, 0x80001000, t_leaf_flags(RW, 0), PG);
	/* The borrower has no leaf of its own. */
	CHECK_EQ(sv39_space_destroy(&B, SV39_DESTROY_IF_EMPTY), 0);
	T_XLATE(&L, t_bases[0] + PG, 0x80001000, t_leaf_flags(RW, 0), PG);
	t_destroy(&r, &L, 0);
	t_env_fini(&r);

	check_begin("destroy bad arguments");
	t_env_init(&r, 16, 0);
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(sv39_space_destroy(NULL, 0), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_space_destroy(&s, 1u << 7), SV39_EINVAL);
	CHECK(sv39_space_is_init(&s));
	CHECK_EQ(sv39_space_destroy(&s, SV39_DESTROY_IF_EMPTY), 0);
	CHECK_EQ(sv39_space_destroy(&s, SV39_DESTROY_IF_EMPTY), 0); /* already destroyed */
	memset(&s, 0, sizeof(s));
	CHECK_EQ(sv39_space_destroy(&s, 0), 0); /* zeroed: nothing to free */
	t_env_fini(&r);
}

/* Two spaces on two ramops: each callback must go to its own ctx. */
static void
test_two_contexts(void)
{
	struct ramops r1, r2;
	struct sv39_space s1, s2;

	check_begin("two contexts");
	t_env_init(&r1, 16, 0);
	t_env_init(&r2, 32, 0);
	if (!t_space(&r1, &s1) || !t_space(&r2, &s2))
		return;
	CHECK_EQ(sv39_map(&s1, 0, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(r1.allocated, 3);
	CHECK_EQ(r2.allocated, 1);
	CHECK_EQ(sv39_map(&s2, t_bases[1], 0x90000000, PG, RW, 0), 0);
	CHECK_EQ(r2.allocated, 3);
	CHECK_EQ(sv39_unmap(&s1, 0, PG, 0), 0);
	CHECK_EQ(r1.allocated, 1);
	CHECK(r1.nflushes > 0);
	CHECK_EQ(r2.nflushes, 0);
	t_destroy(&r1, &s1, 0);
	t_destroy(&r2, &s2, 0);
	t_env_fini(&r1);
	t_env_fini(&r2);
}

static void
test_strerror(void)
{
	static const int codes[] = {
		SV39_ENOMEM, SV39_EALIGN, SV39_ERANGE, SV39_EPERM,
		SV39_EEXIST, SV39_ENOENT, SV39_EBUSY,  SV39_EINVAL,
	};
	static const char *const names[] = {
		"ENOMEM", "EALIGN", "ERANGE", "EPERM", "EEXIST", "ENOENT", "EBUSY", "EINVAL",
	};
	const int n = (int)(sizeof(codes) / sizeof(codes[0]));

	check_begin("strerror");
	CHECK_EQ(n, SV39_ERRNO_MAX);
	for (int i = 0; i < n; i++) {
		const char *a = sv39_strerror(codes[i]);

		if (!CHECK(a != NULL))
			continue;
		CHECK(strcmp(a, "SV39_E?") != 0);
		/* "a name for every code": the name must say which. */
		if (!CHECK(strstr(a, names[i]) != NULL))
			printf("\t%d -> \"%s\"\n", codes[i], a);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(a, sv39_strerror(codes[j])) != 0);
	}
	CHECK(sv39_strerror(0) != NULL);
	CHECK(strcmp(sv39_strerror(-SV39_ERRNO_MAX - 1), "SV39_E?") == 0);
	CHECK(strcmp(sv39_strerror(1), "SV39_E?") == 0);
	CHECK(strcmp(sv39_strerror(-1000), "SV39_E?") == 0);
	CHECK(strcmp(sv39_strerror(INT32_MIN), "SV39_E?") == 0);
}

/* A space is plain data: moved (memcpy) between calls, it goes on working. */
static void
test_move(void)
{
	struct ramops r;
	struct sv39_space a, *b = malloc(sizeof(*b));
	size_t tables;

	check_begin("move");
	t_env_init(&r, 64, 0);
	if (!b || !t_space(&r, &a))
		return;
	CHECK_EQ(sv39_map(&a, t_bases[0], 0x80000000, 8 * PG, URW, 0), 0);
	tables = r.allocated;
	memcpy(b, &a, sizeof(a));
	memset(&a, 0xa5, sizeof(a)); /* the old storage is gone */
	T_XLATE(b, t_bases[0] + 3 * PG + 5, 0x80000000 + 3 * PG + 5, t_leaf_flags(URW, 0), PG);
	CHECK_EQ(sv39_map(b, t_bases[1], 0x90000000, MEGA, RW, SV39_MAP_HUGE), 0);
	CHECK_EQ(sv39_unmap(b, t_bases[0], 8 * PG, 0), 0);
	/* t_bases[0]'s L1 and L0 tables went; t_bases[1]'s L1 table came */
	CHECK_EQ(r.allocated, tables - 1);
	CHECK_EQ(sv39_check(b), 0);
	/* ... and moved back by assignment */
	a = *b;
	T_XLATE(&a, t_bases[1] + 7, 0x90000000 + 7, t_leaf_flags(RW, 0), MEGA);
	t_destroy(&r, &a, 0);
	CHECK(!sv39_space_is_init(&a));
	free(b);
	t_env_fini(&r);
}

/*
 * exec's pattern: build the new space while the old one is live, then
 * replace the old one in struct proc by assignment and destroy it.
 */
static void
test_exec_two_spaces(void)
{
	struct ramops r;
	struct proc {
		struct sv39_space uspace;
	} p;
	struct sv39_space fresh, old;

	check_begin("exec two spaces");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &p.uspace))
		return;
	CHECK_EQ(sv39_map(&p.uspace, 0x1000, 0x80001000, PG, URW, 0), 0);
	if (!t_space(&r, &fresh))
		return;
	CHECK_EQ(sv39_map(&fresh, 0x2000, 0x80002000, PG, URW, 0), 0);
	old = p.uspace;
	p.uspace = fresh;
	t_destroy(&r, &old, 0);
	T_UNMAPPED(&p.uspace, 0x1000);
	T_XLATE(&p.uspace, 0x2000, 0x80002000, t_leaf_flags(URW, 0), PG);
	t_destroy(&r, &p.uspace, 0);
	t_env_fini(&r);
}

/* xv6 keeps only a root: a space rebuilt around it for each call. */
static void
test_init_from_root(void)
{
	struct ramops r;
	struct sv39_space s, t;
	sv39_pa_t root;

	check_begin("init from root");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &s))
		return;
	root = s.root;
	CHECK_EQ(sv39_map(&s, t_bases[0], 0x80000000, 4 * PG, URW, 0), 0);
	memset(&s, 0, sizeof(s)); /* the kernel kept only root */
	CHECK_EQ(sv39_space_init_from_root(&t, &r.ops, &r, root), 0);
	CHECK(sv39_space_is_init(&t));
	CHECK_EQ(t.root, root);
	CHECK_EQ(t.asid, 0);
	CHECK_EQ(r.allocated, 3); /* nothing allocated */
	T_XLATE(&t, t_bases[0] + PG, 0x80000000 + PG, t_leaf_flags(URW, 0), PG);
	CHECK_EQ(sv39_map(&t, t_bases[0] + 4 * PG, 0x80004000, PG, URW, 0), 0);
	/* the next call rebuilds it again: the change is in the tables */
	CHECK_EQ(sv39_space_init_from_root(&s, &r.ops, &r, root), 0);
	T_XLATE(&s, t_bases[0] + 4 * PG, 0x80004000, t_leaf_flags(URW, 0), PG);
	CHECK_EQ(sv39_satp(&s), sv39_satp(&t));
	/* bad roots and ops; a failed init leaves the space not initialised */
	CHECK_EQ(sv39_space_init_from_root(&t, &r.ops, &r, root + 8), SV39_EINVAL);
	CHECK(!sv39_space_is_init(&t));
	CHECK_EQ(sv39_space_init_from_root(&t, &r.ops, &r, SV39_PA_LIMIT), SV39_ERANGE);
	CHECK_EQ(sv39_space_init_from_root(&t, NULL, &r, root), SV39_EINVAL);
	CHECK_EQ(sv39_space_init_from_root(NULL, &r.ops, &r, root), SV39_EINVAL);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* Initialised, zeroed, failed and destroyed spaces told apart. */
static void
test_is_init(void)
{
	static struct sv39_space zeroed; /* static storage: all zero */
	struct ramops r;
	struct sv39_space s;
	struct sv39_ops ops;

	check_begin("is_init");
	CHECK(!sv39_space_is_init(NULL));
	CHECK(!sv39_space_is_init(&zeroed));
	t_env_init(&r, 4, 0);
	if (!t_space(&r, &s))
		return;
	CHECK(sv39_space_is_init(&s));
	t_destroy(&r, &s, 0);
	CHECK(!sv39_space_is_init(&s));
	/* a failed init */
	r.fail_at = r.alloc_calls + 1;
	memset(&s, 0x5a, sizeof(s));
	CHECK_EQ(sv39_space_init(&s, &r.ops, &r), SV39_ENOMEM);
	CHECK(!sv39_space_is_init(&s));
	ops = r.ops;
	ops.alloc_table = NULL;
	memset(&s, 0x5a, sizeof(s));
	CHECK_EQ(sv39_space_init(&s, &ops, &r), SV39_EINVAL);
	CHECK(!sv39_space_is_init(&s));
	t_env_fini(&r);
}

/*
 * The runtime direct-map fast path: phys_to_virt NULL, phys_offset set.
 * The same tables seen through the call and through the offset agree.
 */
static void
test_direct_map(void)
{
	struct ramops r;
	struct sv39_space s, d;
	struct sv39_ops ops;

	check_begin("direct map");
	if (ramops_init_direct(&r, 64, 0) != 0) {
		CHECK(0);
		return;
	}
	CHECK(r.ops.phys_to_virt == NULL);
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(sv39_map(&s, t_bases[0], 0x80000000, 16 * PG, URW, 0), 0);
	CHECK_EQ(sv39_map(&s, t_bases[1], 0x40000000, GIGA, RW, SV39_MAP_HUGE), 0);
	T_XLATE(&s, t_bases[0] + 9 * PG + 1, 0x80000000 + 9 * PG + 1, t_leaf_flags(URW, 0), PG);
	T_XLATE(&s, t_bases[1] + 12345, 0x40000000 + 12345, t_leaf_flags(RW, 0), GIGA);
	T_UNMAPPED(&s, t_bases[0] + 16 * PG);
	CHECK_EQ(sv39_check(&s), 0);
	/* the same root through a phys_to_virt call: the same answers */
	ops = r.ops;
	ops.phys_to_virt = t_direct_p2v;
	CHECK_EQ(sv39_space_init_from_root(&d, &ops, &r, s.root), 0);
	T_XLATE(&d, t_bases[0] + 9 * PG + 1, 0x80000000 + 9 * PG + 1, t_leaf_flags(URW, 0), PG);
	T_XLATE(&d, t_bases[1] + 12345, 0x40000000 + 12345, t_leaf_flags(RW, 0), GIGA);
	CHECK_EQ(sv39_unmap(&s, t_bases[0], 16 * PG, 0), 0);
	T_UNMAPPED(&d, t_bases[0]);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

int
main(void)
{
	test_init();
	test_satp();
	test_init_bad_ops();
	test_init_enomem();
	test_destroy();
	test_destroy_if_empty();
	test_two_contexts();
	test_strerror();
	test_move();
	test_exec_two_spaces();
	test_init_from_root();
	test_is_init();
	test_direct_map();
	return check_finish();
}
