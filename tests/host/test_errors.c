/* SPDX-License-Identifier: MIT */
/*
 * The bad-input list, for every range call on both halves: unaligned
 * va/pa/size (SV39_EALIGN), size 0 and unknown flags (SV39_EINVAL), ranges
 * that are non-canonical, wrap or cross the hole and PAs beyond 56 bits
 * (SV39_ERANGE), invalid permission sets (SV39_EPERM), NULL required ops
 * and SV39_UNMAP_FREE without free_frame. Each must change nothing at all.
 */
#include "testutil.h"

struct bad_range {
	sv39_va_t va;
	uint64_t size;
	int err;
	const char *what;
};

/* Relative to a base in the half (off) or absolute (abs != 0). */
static const struct bad_range bad_ranges[] = {
	{ 1, PG, SV39_EALIGN, "va + 1" },	{ 0x800, PG, SV39_EALIGN, "va + 2 KiB" },
	{ 0, PG + 1, SV39_EALIGN, "size + 1" }, { 0, 0x800, SV39_EALIGN, "size 2 KiB" },
	{ 0, 0, SV39_EINVAL, "size 0" },
};

static const struct bad_range abs_ranges[] = {
	{ 0x0000004000000000ULL, PG, SV39_ERANGE, "first non-canonical" },
	{ 0xffffffbffffff000ULL, PG, SV39_ERANGE, "last non-canonical" },
	{ 0x8000000000000000ULL, PG, SV39_ERANGE, "bit 63 only" },
	{ 0x0000100000000000ULL, PG, SV39_ERANGE, "Sv48 address" },
	{ 0x0000003ffffff000ULL, 2 * PG, SV39_ERANGE, "crosses the hole upward" },
	{ 0x0000000000000000ULL, 0x0000004000001000ULL, SV39_ERANGE, "past the low half" },
	{ 0xfffffffffffff000ULL, 2 * PG, SV39_ERANGE, "wraps past 2^64" },
	{ 0xffffffc000000000ULL, 0xffffffffffff0000ULL, SV39_ERANGE, "wraps far" },
	{ 0x0000000000001000ULL, 0xfffffffffffff000ULL, SV39_ERANGE, "wraps to 0" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every range call with (va, size): err, and nothing changed. */
static void
range_calls(struct ramops *r, struct sv39_space *s, struct sv39_space *other, sv39_va_t va,
	    uint64_t size, int err, const char *what)
{
	uint64_t bm[4] = { 0 };
	unsigned before = check_nfailed;

	T_NOCHANGE(r, sv39_map(s, va, 0x80000000, size, RW, 0), err);
	T_NOCHANGE(r, sv39_map(s, va, 0x80000000, size, RW, SV39_MAP_HUGE | SV39_MAP_REPLACE), err);
	T_NOCHANGE(r, sv39_unmap(s, va, size, 0), err);
	T_NOCHANGE(r, sv39_unmap(s, va, size, SV39_UNMAP_HOLES | SV39_UNMAP_FREE), err);
	T_NOCHANGE(r, sv39_protect(s, va, size, SV39_PTE_X, 0), err);
	T_NOCHANGE(r, sv39_clone_range(other, s, va, size, SV39_PTE_U, 0), err);
	T_NOCHANGE(r, sv39_for_each(s, va, size, t_count_fn, &(uint64_t){ 0 }), err);
	/* harvest takes pages: only the va errors apply */
	if (size % PG == 0 && size / PG)
		T_NOCHANGE(r, sv39_harvest(s, va, size / PG, SV39_PTE_A, bm), err);
	if (check_nfailed != before)
		printf("\t^ %s: va 0x%016" PRIx64 " size 0x%" PRIx64 "\n", what, va, size);
}

static void
test_ranges(void)
{
	struct ramops r;
	struct sv39_space s, o;

	check_begin("ranges");
	t_env_init(&r, 64, 0);
	if (!t_space(&r, &s) || !t_space(&r, &o))
		return;
	/* Something in both halves, in the way of every bad range. */
	for (int h = 0; h < 2; h++) {
		CHECK_EQ(sv39_map(&s, t_bases[h], 0x80000000, 4 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&o, t_bases[h] + PG, 0x90000000, PG, RW, 0), 0);
	}
	CHECK_EQ(sv39_map(&s, SV39_LOW_END - PG, 0x80000000, PG, URW, 0), 0);
	CHECK_EQ(sv39_map(&s, 0 - PG, 0x80000000, PG, URW, 0), 0);
	for (int h = 0; h < 2; h++)
		for (size_t i = 0; i < N(bad_ranges); i++)
			range_calls(&r, &s, &o, t_bases[h] + bad_ranges[i].va, bad_ranges[i].size,
				    bad_ranges[i].err, bad_ranges[i].what);
	for (size_t i = 0; i < N(abs_ranges); i++)
		range_calls(&r, &s, &o, abs_ranges[i].va, abs_ranges[i].size, abs_ranges[i].err,
			    abs_ranges[i].what);
	/* share: 2 MiB granules. */
	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + GIGA;

		T_NOCHANGE(&r, sv39_share(&o, &s, b + PG, MEGA), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&o, &s, b, MEGA + PG), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&o, &s, b, PG), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_share(&o, &s, b, 0), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_share(&s, &s, b, MEGA), SV39_EINVAL);
	}
	T_NOCHANGE(&r, sv39_share(&o, &s, SV39_LOW_END, MEGA), SV39_ERANGE);
	T_NOCHANGE(&r, sv39_share(&o, &s, SV39_LOW_END - MEGA, 2 * MEGA), SV39_ERANGE);
	T_NOCHANGE(&r, sv39_share(&o, &s, 0 - MEGA, 2 * MEGA), SV39_ERANGE);
	t_destroy(&r, &o, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* map's own inputs: pa, perm and flags. */
static void
test_map_inputs(void)
{
	static const uint64_t bad_perm[] = {
		0,
		SV39_PTE_W,
		SV39_PTE_W | SV39_PTE_X,
		SV39_PTE_W | SV39_PTE_X | SV39_PTE_U,
		SV39_PTE_U,
		SV39_PTE_G | SV39_PTE_A | SV39_PTE_D,
		SV39_PTE_PBMT_NC,
		SV39_PTE_R | SV39_PTE_BORROWED,
		SV39_PTE_R | SV39_PTE_N,
		SV39_PTE_R | (1ULL << 54),
		SV39_PTE_R | (1ULL << 60),
		SV39_PTE_R | (1ULL << 10),
		SV39_PTE_R | (1ULL << 40),
	};
	static const unsigned bad_flags[] = { 1u << 3, 1u << 8, 1u << 31 };
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + MEGA;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, PG, RW, 0), 0);
		/* pa */
		T_NOCHANGE(&r, sv39_map(&s, b + PG, 0x80000001, PG, RW, 0), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_map(&s, b + PG, 0x80000800, PG, RW, SV39_MAP_HUGE),
			   SV39_EALIGN);
		T_NOCHANGE(&r, sv39_map(&s, b + PG, SV39_PA_LIMIT, PG, RW, 0), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_map(&s, b + PG, SV39_PA_LIMIT - PG, 2 * PG, RW, 0),
			   SV39_ERANGE);
		T_NOCHANGE(&r, sv39_map(&s, b + PG, 0xfffffffffffff000ULL, PG, RW, 0), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_map(&s, b + PG, 0x8000000000000000ULL, PG, RW, 0), SV39_ERANGE);
		/* perm */
		for (size_t i = 0; i < N(bad_perm); i++) {
			unsigned before = check_nfailed;

			T_NOCHANGE(&r, sv39_map(&s, b + PG, 0x80001000, PG, bad_perm[i], 0),
				   SV39_EPERM);
			if (check_nfailed != before)
				printf("\t^ perm 0x%016" PRIx64 "\n", bad_perm[i]);
		}
		/*
		 * PBMT = 3 is inside the mask but reserved: the leaf would be
		 * one sv39_check rejects. The header does not say which code.
		 */
		{
			struct ramops_snapshot snap;
			int err;

			ramops_snapshot_take(&r, &snap);
			err = sv39_map(&s, b + PG, 0x80001000, PG, SV39_PTE_R | SV39_PTE_PBMT_MASK,
				       0);
			CHECK(err == SV39_EPERM || err == SV39_EINVAL);
			CHECK(ramops_snapshot_equal(&r, &snap));
			ramops_snapshot_free(&snap);
			/* Same through protect: NC added to an IO leaf. */
			CHECK_EQ(sv39_map(&s, b + 4 * PG, 0x80004000, PG,
					  SV39_PTE_R | SV39_PTE_PBMT_IO, 0),
				 0);
			ramops_snapshot_take(&r, &snap);
			err = sv39_protect(&s, b + 4 * PG, PG, SV39_PTE_PBMT_NC, 0);
			CHECK(err == SV39_EPERM || err == SV39_EINVAL);
			CHECK(ramops_snapshot_equal(&r, &snap));
			ramops_snapshot_free(&snap);
		}
		/* flags */
		for (size_t i = 0; i < N(bad_flags); i++)
			T_NOCHANGE(&r, sv39_map(&s, b + PG, 0x80001000, PG, RW, bad_flags[i]),
				   SV39_EINVAL);
		/* Valid edge cases of the same inputs. */
		CHECK_EQ(sv39_map(&s, b + 3 * PG, SV39_PA_LIMIT - PG, PG, SV39_PTE_X, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 2 * PG, 0, PG, SV39_PTE_R | SV39_PTE_PBMT_IO, 0), 0);
		T_XLATE(&s, b + 2 * PG, 0, t_leaf_flags(SV39_PTE_R | SV39_PTE_PBMT_IO, 0), PG);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * Bits outside SV39_PERM_MASK for protect and clone (set and clear). V and
 * the embedder's RSW bit are accepted (test_contract.c).
 */
static void
test_mask_bits(void)
{
	static const uint64_t outside[] = {
		SV39_PTE_BORROWED, SV39_PTE_N, 1ULL << 10, 1ULL << 53, 1ULL << 54, 1ULL << 60,
	};
	struct ramops r;
	struct sv39_space s, d;

	check_begin("mask");
	t_env_init(&r, 32, 0);
	if (!t_space(&r, &s) || !t_space(&r, &d))
		return;
	CHECK_EQ(sv39_map(&s, t_bases[1], 0x80000000, 2 * PG, URW, 0), 0);
	for (size_t i = 0; i < N(outside); i++) {
		T_NOCHANGE(&r, sv39_protect(&s, t_bases[1], PG, outside[i], 0), SV39_EPERM);
		T_NOCHANGE(&r, sv39_protect(&s, t_bases[1], PG, 0, outside[i]), SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&d, &s, t_bases[1], PG, outside[i], 0), SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&d, &s, t_bases[1], PG, 0, outside[i]), SV39_EPERM);
	}
	t_destroy(&r, &d, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* NULL required ops at init; SV39_UNMAP_FREE needs free_frame. */
static void
test_ops(void)
{
	struct ramops r;
	struct sv39_space s;
	struct sv39_ops ops;

	check_begin("ops");
	t_env_init(&r, 32, 0);
	/* phys_to_virt may be NULL: the runtime direct map (test_space). */
	for (int m = 0; m < 2; m++) {
		ops = r.ops;
		if (m == 0)
			ops.alloc_table = NULL;
		else
			ops.free_table = NULL;
		CHECK_EQ(sv39_space_init(&s, &ops, &r), SV39_EINVAL);
	}
	CHECK_EQ(r.alloc_calls, 0);
	ops = r.ops;
	ops.free_frame = NULL;
	if (CHECK_EQ(sv39_space_init(&s, &ops, &r), 0)) {
		CHECK_EQ(sv39_map(&s, t_bases[0], 0x80000000, MEGA, RW, SV39_MAP_HUGE), 0);
		T_NOCHANGE(&r, sv39_unmap(&s, t_bases[0], PG, SV39_UNMAP_FREE), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_unmap(&s, t_bases[0], MEGA, SV39_UNMAP_FREE), SV39_EINVAL);
		CHECK_EQ(sv39_unmap(&s, t_bases[0], PG, 0), 0);
		t_destroy(&r, &s, SV39_FREE_FRAMES);
	}
	CHECK_EQ(r.frames_freed, 0);
	t_env_fini(&r);
}

int
main(void)
{
	test_ranges();
	test_map_inputs();
	test_mask_bits();
	test_ops();
	return check_finish();
}
