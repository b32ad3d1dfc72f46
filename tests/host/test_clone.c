/* SPDX-License-Identifier: MIT */
/*
 * sv39_clone_range: dst equals src minus `clear` plus `set`, page by page;
 * re-sync after src grows and shrinks; superpages wholly inside stay
 * superpages, cut ones become smaller leaves; dst's own A/D and stale
 * mappings are overwritten; errors change nothing.
 */
#include "testutil.h"

/*
 * Every 4 KiB page of [va, va + size): unmapped in both, or the same frame
 * with dst's flags = (src's & ~clear) | set. dst_max is the largest page
 * size dst may use where src's leaf is cut by the range (0: same as src).
 */
#define SAME(d, s, va, size, clear, set) \
	same_at((d), (s), (va), (size), (clear), (set), __FILE__, __LINE__)
static bool
same_at(const struct sv39_space *dst, const struct sv39_space *src, sv39_va_t va, uint64_t size,
	uint64_t clear, uint64_t set, const char *file, int line)
{
	for (uint64_t off = 0; off < size; off += PG) {
		sv39_pa_t spa = 0, dpa = 0;
		uint64_t sfl = 0, dfl = 0;
		int serr = sv39_translate(src, va + off, &spa, &sfl, NULL);
		int derr = sv39_translate(dst, va + off, &dpa, &dfl, NULL);
		bool ok = check_report_eq(derr, serr, file, line, "dst translate", "src translate");

		if (ok && serr == 0) {
			ok = check_report_eq(dpa, spa, file, line, "dst pa", "src pa");
			ok = check_report_eq(dfl, ((sfl & ~clear) | set) & ~SV39_PTE_BORROWED, file,
					     line, "dst flags", "(src flags & ~clear) | set") &&
			     ok;
		}
		if (!ok) {
			printf("\tat va 0x%016" PRIx64 "\n", va + off);
			return false;
		}
	}
	return true;
}

static uint64_t
page_size(const struct sv39_space *s, sv39_va_t va)
{
	uint64_t sz = 0;

	if (sv39_translate(s, va, NULL, NULL, &sz) != 0)
		return 0;
	return sz;
}

/* Clone, then grow src and re-sync, then shrink src and re-sync. */
static void
test_grow_shrink(void)
{
	struct ramops r;
	struct sv39_space src, dst, fresh;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t range = 2 * GIGA;
		size_t before;

		check_begin(t_half[h]);
		t_env_init(&r, 128, 64);
		if (!t_space(&r, &src) || !t_space(&r, &dst))
			return;
		/* Own ASIDs, so that src's flushes do not drop dst's entries. */
		src.asid = 1;
		dst.asid = 2;
		CHECK_EQ(sv39_map(&src, b, 0x80000000, 8 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + 8 * PG, 0x81000000, 2 * PG, SV39_PTE_U | RX,
				  SV39_MAP_NO_AD),
			 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, range, SV39_PTE_U, 0), 0);
		CHECK(SAME(&dst, &src, b, 64 * PG, SV39_PTE_U, 0));
		T_XLATE(&dst, b + 3 * PG, 0x80003000, t_leaf_flags(RW, 0), PG);
		T_XLATE(&dst, b + 9 * PG, 0x81001000, RX | SV39_PTE_V, PG);
		CHECK_EQ(t_count_tables(&r, &dst), 3);
		/* dst's leaves only became valid: no flush. */
		CHECK_EQ(r.nflushes, 0);
		for (int i = 0; i < 10; i++)
			CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + i * PG, NULL, NULL), 0);

		/* Grow: more pages, a new 2 MiB region, a new GiB. */
		CHECK_EQ(sv39_map(&src, b + 10 * PG, 0x82000000, 6 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + 5 * MEGA, 0x83000000, 3 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + GIGA + 7 * PG, 0x84000000, PG, URW, 0), 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, range, SV39_PTE_U, 0), 0);
		CHECK(SAME(&dst, &src, b, 64 * PG, SV39_PTE_U, 0));
		CHECK(SAME(&dst, &src, b + 5 * MEGA, 16 * PG, SV39_PTE_U, 0));
		CHECK(SAME(&dst, &src, b + GIGA, 16 * PG, SV39_PTE_U, 0));
		CHECK_EQ(t_count_leaves(&dst, b, range), 8 + 2 + 6 + 3 + 1);
		CHECK_EQ(t_count_tables(&r, &dst), 6);

		/* Shrink: drop pages 4..11 and the whole GiB. */
		ramops_clear_log(&r);
		CHECK_EQ(sv39_unmap(&src, b + 4 * PG, 8 * PG, 0), 0);
		CHECK_EQ(sv39_unmap(&src, b + GIGA + 7 * PG, PG, 0), 0);
		ramops_clear_log(&r);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, range, SV39_PTE_U, 0), 0);
		CHECK(SAME(&dst, &src, b, 64 * PG, SV39_PTE_U, 0));
		CHECK(SAME(&dst, &src, b + GIGA, 16 * PG, SV39_PTE_U, 0));
		T_UNMAPPED(&dst, b + 4 * PG);
		T_UNMAPPED(&dst, b + 11 * PG);
		T_UNMAPPED(&dst, b + GIGA + 7 * PG);
		/* Removed leaves of dst are flushed, the TLB sees it. */
		CHECK(ramops_flushed(&r, b + 4 * PG, 8 * PG));
		CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + 5 * PG, NULL, NULL), -1);
		CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + 3 * PG, NULL, NULL), 0);
		CHECK_EQ(t_count_leaves(&dst, b, range), 4 + 4 + 3);

		/* dst holds no more tables than a fresh clone of src would. */
		before = r.allocated;
		if (t_space(&r, &fresh)) {
			CHECK_EQ(sv39_clone_range(&fresh, &src, b, range, SV39_PTE_U, 0), 0);
			CHECK_EQ(t_count_tables(&r, &dst), r.allocated - before);
			t_destroy(&r, &fresh, 0);
		}

		/* Shrink to nothing: dst keeps only its root. */
		CHECK_EQ(sv39_unmap(&src, b, range, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, range, SV39_PTE_U, 0), 0);
		CHECK_EQ(t_count_leaves(&dst, b, range), 0);
		CHECK_EQ(t_count_tables(&r, &dst), 1);
		CHECK_EQ(r.frames_freed, 0);
		t_destroy(&r, &dst, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

/*
 * Superpages: a 2 MiB and a 1 GiB leaf wholly inside stay so; with a range
 * that cuts them, only the part inside is mirrored, as smaller leaves.
 */
static void
test_superpages(void)
{
	struct ramops r;
	struct sv39_space src, dst;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_va_t g = b + GIGA;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &src) || !t_space(&r, &dst))
			return;
		CHECK_EQ(sv39_map(&src, b + MEGA, 0x80200000, MEGA, URW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&src, g, 0xc0000000, GIGA, SV39_PTE_U | RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, 2 * GIGA, SV39_PTE_U, SV39_PTE_G), 0);
		CHECK_EQ(page_size(&dst, b + MEGA), MEGA);
		CHECK_EQ(page_size(&dst, g + 12345 * PG), GIGA);
		T_XLATE(&dst, g + 0x123456, 0xc0123456, t_leaf_flags(RX | SV39_PTE_G, 0), GIGA);
		CHECK(SAME(&dst, &src, b + MEGA, MEGA, SV39_PTE_U, SV39_PTE_G));
		CHECK_EQ(t_count_tables(&r, &dst), 2);
		t_destroy(&r, &dst, 0);

		/* Cut: the range starts inside the megapage and ends inside the gigapage. */
		if (!t_space(&r, &dst))
			return;
		CHECK_EQ(sv39_clone_range(&dst, &src, b + MEGA + 256 * PG,
					  GIGA - MEGA - 256 * PG + 2 * MEGA + 3 * PG, SV39_PTE_U,
					  0),
			 0);
		T_UNMAPPED(&dst, b + MEGA + 255 * PG);
		CHECK_EQ(page_size(&dst, b + MEGA + 256 * PG), PG);
		CHECK(SAME(&dst, &src, b + MEGA + 256 * PG, 256 * PG, SV39_PTE_U, 0));
		CHECK(page_size(&dst, g) == MEGA || page_size(&dst, g) == PG);
		CHECK(page_size(&dst, g + MEGA) == MEGA || page_size(&dst, g + MEGA) == PG);
		CHECK(SAME(&dst, &src, g, 2 * MEGA, SV39_PTE_U, 0));
		CHECK_EQ(page_size(&dst, g + 2 * MEGA), PG);
		CHECK(SAME(&dst, &src, g + 2 * MEGA, 3 * PG, SV39_PTE_U, 0));
		T_UNMAPPED(&dst, g + 2 * MEGA + 3 * PG);
		T_UNMAPPED(&dst, g + GIGA - PG);
		t_destroy(&r, &dst, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

/*
 * Whatever dst had in the range is replaced: its own A/D bits, a
 * superpage where src has small pages, a mapping src does not have.
 */
static void
test_overwrite_dst(void)
{
	struct ramops r;
	struct sv39_space src, dst;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pte_t *pte;

		check_begin(t_half[h]);
		t_env_init(&r, 64, 64);
		if (!t_space(&r, &src) || !t_space(&r, &dst))
			return;
		src.asid = 1;
		dst.asid = 2;
		CHECK_EQ(sv39_map(&src, b, 0x80000000, 4 * PG, URW, SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_map(&src, b + 4 * MEGA + 8 * PG, 0x88000000, 4 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&dst, b + 4 * MEGA, 0x90000000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&dst, b + 7 * MEGA, 0x91000000, 3 * PG, RW, 0), 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0), 0);
		/* The hardware sets A and D in dst. */
		if (CHECK_EQ(sv39_walk(&dst, b + PG, 0, &pte, NULL), 0))
			*pte |= SV39_PTE_A | SV39_PTE_D;
		CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + PG, NULL, NULL), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + 4 * MEGA + 9 * PG, NULL, NULL), 0);
		ramops_clear_log(&r);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0), 0);
		CHECK(SAME(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0));
		T_XLATE(&dst, b + PG, 0x80001000, RW | SV39_PTE_V, PG);
		CHECK_EQ(r.frames_freed, 0);
		CHECK_EQ(t_count_leaves(&dst, b, 8 * MEGA), 8);

		/* src protects: dst follows; the stale TLB entry must be gone. */
		CHECK_EQ(sv39_protect(&src, b + 4 * MEGA + 8 * PG, 4 * PG, 0, SV39_PTE_W), 0);
		ramops_clear_log(&r);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0), 0);
		CHECK(SAME(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0));
		CHECK(ramops_flushed(&r, b + 4 * MEGA + 8 * PG, 4 * PG));
		{
			uint64_t fl = 0;

			CHECK_EQ(ramops_tlb_lookup(&r, &dst, b + 4 * MEGA + 9 * PG, NULL, &fl), 0);
			CHECK_EQ(fl & SV39_PTE_W, 0);
		}
		/* Outside the range dst keeps its own mappings. */
		CHECK_EQ(sv39_map(&dst, b + 8 * MEGA, 0x92000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_clone_range(&dst, &src, b, 8 * MEGA, SV39_PTE_U, 0), 0);
		T_XLATE(&dst, b + 8 * MEGA, 0x92000000, t_leaf_flags(RW, 0), PG);
		t_destroy(&r, &dst, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

static void
test_errors(void)
{
	struct ramops r;
	struct sv39_space src, dst;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &src) || !t_space(&r, &dst))
			return;
		CHECK_EQ(sv39_map(&src, b, 0x80000000, 2 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + 2 * PG, 0x80002000, PG, SV39_PTE_U | SV39_PTE_X, 0), 0);
		CHECK_EQ(sv39_map(&dst, b + 5 * PG, 0x90000000, PG, RW, 0), 0);
		T_NOCHANGE(&r, sv39_clone_range(&src, &src, b, MEGA, SV39_PTE_U, 0), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, 0, SV39_PTE_U, 0), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b + 4, MEGA, SV39_PTE_U, 0),
			   SV39_EALIGN);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA - 4, SV39_PTE_U, 0),
			   SV39_EALIGN);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, SV39_LOW_END - PG, 2 * PG, 0, 0),
			   SV39_ERANGE);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, 0 - PG, 2 * PG, 0, 0), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, 0x100000000000ULL, PG, 0, 0),
			   SV39_ERANGE);
		/* Bits outside SV39_PERM_MASK. */
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA, 0, SV39_PTE_BORROWED),
			   SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA, SV39_PTE_N, 0), SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA, 1ULL << 12, 0), SV39_EPERM);
		/* A resulting leaf that is not a valid permission set. */
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA, SV39_PTE_R, 0), SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b, MEGA, SV39_PTE_X, 0), SV39_EPERM);
		T_NOCHANGE(&r, sv39_clone_range(&dst, &src, b + 2 * PG, PG, 0, SV39_PTE_W),
			   SV39_EPERM);
		T_XLATE(&dst, b + 5 * PG, 0x90000000, t_leaf_flags(RW, 0), PG);
		T_UNMAPPED(&dst, b);
		t_destroy(&r, &dst, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

static int
clone_two_gigs(void *ctx)
{
	const struct t_call *c = ctx;

	return sv39_clone_range(c->s, c->src, c->va, 2 * GIGA, SV39_PTE_U, 0);
}

/* Fail each table allocation in turn: dst unchanged until it succeeds. */
static void
test_enomem(void)
{
	struct ramops r;
	struct sv39_space src, dst;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		struct t_call c = { &dst, &src, b };

		check_begin(t_half[h]);
		t_env_init(&r, 64, 0);
		if (!t_space(&r, &src) || !t_space(&r, &dst))
			return;
		CHECK_EQ(sv39_map(&src, b, 0x80000000, 2 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + 3 * MEGA, 0x80200000, PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&src, b + GIGA + MEGA, 0x80400000, MEGA, URW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&dst, b + 7 * PG, 0x90000000, PG, RW, 0), 0);
		CHECK(T_OOM_SWEEP(&r, clone_two_gigs, &c, 19, NULL, 0) != 0);
		CHECK(SAME(&dst, &src, b, 8 * PG, SV39_PTE_U, 0));
		CHECK(SAME(&dst, &src, b + 3 * MEGA, PG, SV39_PTE_U, 0));
		CHECK(SAME(&dst, &src, b + GIGA + MEGA, MEGA, SV39_PTE_U, 0));
		CHECK_EQ(t_count_tables(&r, &dst), 5);
		t_destroy(&r, &dst, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_grow_shrink();
	test_superpages();
	test_overwrite_dst();
	test_errors();
	test_enomem();
	return check_finish();
}
