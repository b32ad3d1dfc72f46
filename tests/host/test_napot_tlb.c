/* SPDX-License-Identifier: MIT */
/*
 * The TLB rule over Svnapot groups: every call that changes a group (map
 * with SV39_MAP_64K over one, unmap or protect of all or part of one,
 * harvest, clone_range over one) flushes every page whose cached
 * translation it made stale. ramops' simulated TLB is warmed first with
 * one member of each group (cached as the whole 64 KiB) or with every
 * page (cached fractured, 4 KiB per page, as some harts do); after the
 * call every page looked up through it must equal the tree, and no frame
 * may be freed while a cached entry still maps it.
 */
#include "testutil.h"

#define K64 (64 * KIB)
#define NGROUPS 4
#define SRC_PA 0x80230000ULL /* 64 KiB aligned, not 2 MiB aligned */
#define DST_PA 0x80550000ULL
#define PAGES (NGROUPS * 16)

/* Warm the TLB: one member per group, or every page when fractured. */
static void
warm(struct ramops *r, const struct sv39_space *s, sv39_va_t b)
{
	for (unsigned g = 0; g < NGROUPS; g++)
		for (unsigned k = 0; k < 16; k++)
			if (r->tlb_fracture_napot || k == (g * 5 + 3) % 16)
				ramops_tlb_lookup(r, s, b + g * K64 + k * PG, NULL, NULL);
}

/*
 * Every page of the groups: the TLB agrees with a fresh walk. The PA and
 * every bit but A, D and N must be equal. A cached entry may lack an A or
 * D the tree has (a hart with a clear bit cached walks again to set it),
 * but one the tree no longer has is stale: harvest's clear, or a
 * removal, was not flushed.
 */
static void
tlb_agrees(struct ramops *r, const struct sv39_space *s, sv39_va_t b)
{
	const uint64_t ad = SV39_PTE_A | SV39_PTE_D;

	for (unsigned i = 0; i < PAGES; i++) {
		sv39_va_t va = b + i * PG + 0x123;
		sv39_pa_t want_pa = 0, got_pa = 0;
		uint64_t want_fl = 0, got_fl = 0;
		int want = sv39_translate(s, va, &want_pa, &want_fl, NULL);
		int got = ramops_tlb_lookup(r, s, va, &got_pa, &got_fl);

		if (!CHECK_EQ(got == 0, want == 0) || want != 0)
			continue;
		CHECK_EQ(got_pa, want_pa);
		CHECK_EQ(got_fl & ~(ad | SV39_PTE_N), want_fl & ~(ad | SV39_PTE_N));
		CHECK_EQ(got_fl & ad & ~t_leaf_ad(s, va), 0);
	}
	CHECK_EQ(r->stale_frees, 0);
}

/* Set bit in the member of va by hand, as a hart's A/D update would. */
static void
set_member_bit(struct sv39_space *s, sv39_va_t va, uint64_t bit)
{
	sv39_pte_t *pte = NULL;

	if (CHECK_EQ(sv39_walk(s, va, 0, &pte, NULL), 0))
		*pte |= bit;
}

/*
 * Map NGROUPS groups at b without A and D, then set A and D in one member
 * of each (as a hart may, for any page of the group): members that differ
 * in A/D, so a split that spreads the OR changes cached flags. False if
 * the map failed.
 */
static bool
map_groups(struct sv39_space *s, sv39_va_t b, sv39_pa_t pa)
{
	uint64_t size = 0;

	if (!CHECK_EQ(sv39_map(s, b, pa, NGROUPS * K64, URW, SV39_MAP_64K | SV39_MAP_NO_AD), 0))
		return false;
	for (unsigned g = 0; g < NGROUPS; g++)
		set_member_bit(s, b + g * K64 + ((g * 7 + 2) % 16) * PG, SV39_PTE_A | SV39_PTE_D);
	return CHECK_EQ(sv39_translate(s, b + 7 * PG, NULL, NULL, &size), 0) &&
	       CHECK_EQ(size, SV39_NAPOT_SIZE);
}

enum napot_op {
	OP_UNMAP_PART,
	OP_UNMAP_WHOLE,
	OP_PROTECT_WHOLE,
	OP_PROTECT_PART,
	OP_HARVEST_A,
	OP_HARVEST_D,
	OP_MAP_REPLACE_CUT,
	OP_MAP_REPLACE_WHOLE,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"unmap part of a group",
	"unmap whole groups",
	"protect whole groups",
	"protect part of a group",
	"harvest A",
	"harvest D",
	"map 64K replace cutting groups",
	"map 64K replace of whole groups",
};

/* The call under test on s, whose groups at b are warm in the TLB. */
static void
run_op(struct sv39_space *s, sv39_va_t b, enum napot_op op)
{
	uint64_t bm[2] = { 0 };

	switch (op) {
	case OP_UNMAP_PART:
		CHECK_EQ(sv39_unmap(s, b + K64 + 3 * PG, 2 * PG, SV39_UNMAP_FREE), 0);
		break;
	case OP_UNMAP_WHOLE:
		CHECK_EQ(sv39_unmap(s, b + K64, 2 * K64, SV39_UNMAP_FREE), 0);
		break;
	case OP_PROTECT_WHOLE:
		CHECK_EQ(sv39_protect(s, b, NGROUPS * K64, 0, SV39_PTE_W), 0);
		break;
	case OP_PROTECT_PART:
		/* from inside group 1 to inside group 2: two splits */
		CHECK_EQ(sv39_protect(s, b + K64 + 9 * PG, 10 * PG, 0, SV39_PTE_W), 0);
		break;
	case OP_HARVEST_A:
	case OP_HARVEST_D:
		CHECK(sv39_harvest(s, b, PAGES, op == OP_HARVEST_A ? SV39_PTE_A : SV39_PTE_D, bm) >
		      0);
		break;
	case OP_MAP_REPLACE_CUT:
		CHECK_EQ(sv39_map(s, b + K64 + 8 * PG, DST_PA + 8 * PG, K64, RW,
				  SV39_MAP_64K | SV39_MAP_REPLACE),
			 0);
		break;
	default:
		CHECK_EQ(sv39_map(s, b + K64, DST_PA, 2 * K64, RW, SV39_MAP_64K | SV39_MAP_REPLACE),
			 0);
		break;
	}
}

/* Each call over warm groups, with whole and with fractured caching. */
static void
test_calls_flush_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int fracture = 0; fracture < 2; fracture++)
		for (int op = 0; op < OP_COUNT; op++) {
			check_begin(op_names[op]);
			T_FOR_EACH_HALF (&r, &s, b, 0, 16, 256) {
				r.ops.features = SV39_FEATURE_SVNAPOT;
				r.tlb_fracture_napot = fracture;
				if (!map_groups(&s, b, SRC_PA))
					continue;
				/* harvest needs a bit set: by the hart, in a member */
				if (op == OP_HARVEST_A || op == OP_HARVEST_D) {
					CHECK_EQ(sv39_protect(&s, b, PAGES * PG, 0,
							      SV39_PTE_A | SV39_PTE_D),
						 0);
					set_member_bit(&s, b + 2 * K64 + 11 * PG,
						       op == OP_HARVEST_A ? SV39_PTE_A
									  : SV39_PTE_D);
				}
				ramops_tlb_clear(&r);
				warm(&r, &s, b);
				run_op(&s, b, (enum napot_op)op);
				tlb_agrees(&r, &s, b);
				ramops_tlb_forget(&r, &s);
			}
		}
}

/* clone_range into dst's warm groups: whole groups, and a range cutting them. */
static void
test_clone_flushes_dst_groups(void)
{
	static const struct {
		uint64_t off, size;
	} ranges[] = { { 0, NGROUPS * K64 }, { K64 + 5 * PG, K64 }, { 3 * PG, PG } };
	struct ramops r;
	struct sv39_space src, dst;

	for (int fracture = 0; fracture < 2; fracture++)
		for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
			check_begin("clone over groups");
			T_FOR_EACH_HALF (&r, &dst, b, 0, 32, 256) {
				r.ops.features = SV39_FEATURE_SVNAPOT;
				r.tlb_fracture_napot = fracture;
				if (!t_space(&r, &src))
					continue;
				if (map_groups(&src, b, SRC_PA) && map_groups(&dst, b, DST_PA)) {
					ramops_tlb_clear(&r);
					warm(&r, &dst, b);
					CHECK_EQ(sv39_clone_range(&dst, &src, b + ranges[i].off,
								  ranges[i].size, 0, 0),
						 0);
					tlb_agrees(&r, &dst, b);
				}
				ramops_tlb_forget(&r, &dst);
				t_destroy(&r, &src, 0);
			}
		}
}

/*
 * The simulator itself: a group cached from one member serves every page
 * of the 64 KiB, and a flush of any one page of it drops it (whole
 * caching); fractured, a flush drops only the page it names.
 */
static void
test_simulated_group_entry(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int fracture = 0; fracture < 2; fracture++) {
		check_begin(fracture ? "fractured group entry" : "whole group entry");
		T_FOR_EACH_HALF (&r, &s, b, 0, 16, 256) {
			sv39_pa_t pa = 0;
			sv39_pte_t *pte = NULL;

			r.ops.features = SV39_FEATURE_SVNAPOT;
			r.tlb_fracture_napot = fracture;
			if (!map_groups(&s, b, SRC_PA))
				continue;
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 5 * PG, NULL, NULL), 0);
			/* Rewrite the whole group by hand, without a flush. */
			for (unsigned k = 0; k < 16; k++)
				if (CHECK_EQ(sv39_walk(&s, b + k * PG, 0, &pte, NULL), 0))
					*pte = 0;
			/* Whole: page 9 hits the entry page 5 filled; fractured: a miss. */
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 9 * PG + 1, &pa, NULL),
				 fracture ? -1 : 0);
			if (!fracture)
				CHECK_EQ(pa, SRC_PA + 9 * PG + 1);
			r.ops.flush_tlb(&r, b + 12 * PG, PG, s.asid);
			/* Whole: dropped by a flush of another page; fractured: kept. */
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 5 * PG, NULL, NULL),
				 fracture ? 0 : -1);
			ramops_tlb_clear(&r);
		}
	}
}

int
main(void)
{
	test_simulated_group_entry();
	test_calls_flush_groups();
	test_clone_flushes_dst_groups();
	return check_finish();
}
