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

/*
 * translate of a page reads its one member (5 of the group at va): only N
 * with the encoding 0b1000, no reserved bit and PBMT not 3 translates;
 * every other encoding is reserved by the spec, and a member the common
 * form does not cover (X only, a PBMT type) still translates as 64 KiB.
 */
static void
check_member_forms(struct sv39_space *s, sv39_pte_t *table, sv39_va_t va)
{
	sv39_va_t page = va + 5 * PG + 0x9a8;
	sv39_pte_t *m = &table[t_vpn(page, 0)], member = *m;
	sv39_pa_t pa = 0;
	uint64_t size = 0;

	for (uint64_t enc = 0; enc < 16; enc++) {
		*m = (member & ~(0xfULL << 10)) | enc << 10;
		CHECK_EQ(sv39_translate(s, page, NULL, NULL, NULL), enc == 0x8 ? 0 : SV39_EINVAL);
	}
	for (unsigned bit = 54; bit <= 60; bit++) {
		*m = member | 1ULL << bit;
		CHECK_EQ(sv39_translate(s, page, NULL, NULL, NULL), SV39_EINVAL);
	}
	*m = member | SV39_PTE_PBMT_MASK;
	CHECK_EQ(sv39_translate(s, page, NULL, NULL, NULL), SV39_EINVAL);
	*m = member & ~SV39_PTE_V;
	CHECK_EQ(sv39_translate(s, page, NULL, NULL, NULL), SV39_ENOENT);
	*m = (member & ~(SV39_PTE_R | SV39_PTE_W)) | SV39_PTE_X;
	CHECK_EQ(sv39_translate(s, page, &pa, NULL, &size), 0);
	CHECK_EQ(pa, GROUP_PA + 5 * PG + 0x9a8);
	CHECK_EQ(size, K64);
	*m = member | SV39_PTE_PBMT_NC;
	pa = size = 0;
	CHECK_EQ(sv39_translate(s, page, &pa, NULL, &size), 0);
	CHECK_EQ(pa, GROUP_PA + 5 * PG + 0x9a8);
	CHECK_EQ(size, K64);
	*m = member;
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
		check_member_forms(&s, t, va);
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

/* The raw level-0 entry for va, read through ramops, not the library. */
static sv39_pte_t
raw_l0(struct ramops *r, const struct sv39_space *s, sv39_va_t va)
{
	const sv39_pte_t *t = t_table(r, s->root);

	for (unsigned level = 2; level > 0; level--) {
		sv39_pte_t e = t[t_vpn(va, level)];

		if (!(e & SV39_PTE_V) || (e & SV39_PTE_LEAF_MASK))
			return 0;
		t = t_table(r, sv39_pte_pa(e));
	}
	return t[t_vpn(va, 0)];
}

/*
 * Every page of [va, va + size) mapped from pa as the spec's group members
 * where a 64 KiB aligned group fits in [gva, glast] (va and pa aligned), as
 * plain 4 KiB leaves elsewhere.
 */
static void
expect_layout(struct ramops *r, const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa,
	      uint64_t size, uint64_t bits)
{
	for (uint64_t off = 0; off < size; off += PG) {
		sv39_va_t page = va + off, gva = page & ~(K64 - 1);
		sv39_pa_t gpa = pa + (gva - va);
		bool group = gva >= va && gva + K64 <= va + size && (gpa & (K64 - 1)) == 0;
		sv39_pte_t want =
			group ? spec_member(gpa, bits) : (((pa + off) >> 12) << 10 | bits);
		uint64_t got_size = 0;
		sv39_pa_t got_pa = 0;

		if (!CHECK_EQ(raw_l0(r, s, page), want))
			printf("\tat va 0x%" PRIx64 "\n", page);
		CHECK_EQ(sv39_translate(s, page + 8, &got_pa, NULL, &got_size), 0);
		CHECK_EQ(got_pa, pa + off + 8);
		CHECK_EQ(got_size, group ? K64 : PG);
	}
	CHECK_EQ(sv39_check(s), 0);
}

static void
test_map_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		uint64_t bits = t_leaf_flags(URW, 0);

		/* Not without the feature. */
		T_NOCHANGE(&r, sv39_map(&s, b, GROUP_PA, K64, URW, SV39_MAP_64K), SV39_EINVAL);
		r.ops.features = SV39_FEATURE_SVNAPOT;
		/* Aligned: four groups. */
		CHECK_EQ(sv39_map(&s, b, GROUP_PA, 4 * K64, URW, SV39_MAP_64K), 0);
		expect_layout(&r, &s, b, GROUP_PA, 4 * K64, bits);
		CHECK_EQ(sv39_unmap(&s, b, 4 * K64, 0), 0);
		/* pa off by 4 KiB: no group anywhere. */
		CHECK_EQ(sv39_map(&s, b, GROUP_PA + PG, 4 * K64, URW, SV39_MAP_64K), 0);
		expect_layout(&r, &s, b, GROUP_PA + PG, 4 * K64, bits);
		CHECK_EQ(sv39_unmap(&s, b, 4 * K64, 0), 0);
		/* va and pa off by 4 KiB together: 4 KiB head, two groups, tail. */
		CHECK_EQ(sv39_map(&s, b + PG, GROUP_PA + PG, 3 * K64 + 2 * PG, URW,
				  SV39_MAP_64K | SV39_MAP_NO_AD),
			 0);
		expect_layout(&r, &s, b + PG, GROUP_PA + PG, 3 * K64 + 2 * PG, URW | SV39_PTE_V);
		CHECK_EQ(raw_l0(&r, &s, b + PG) & SV39_PTE_N, 0);
		CHECK(raw_l0(&r, &s, b + K64) & SV39_PTE_N);
		CHECK(raw_l0(&r, &s, b + 2 * K64 + 15 * PG) & SV39_PTE_N);
		CHECK_EQ(raw_l0(&r, &s, b + 3 * K64) & SV39_PTE_N, 0);
		/* Already mapped: EEXIST, nothing changed. */
		T_NOCHANGE(&r, sv39_map(&s, b, GROUP_PA, K64, URW, SV39_MAP_64K), SV39_EEXIST);
		CHECK_EQ(sv39_unmap(&s, b + PG, 3 * K64 + 2 * PG, 0), 0);
	}
}

/* With SV39_MAP_HUGE: a 2 MiB leaf where it fits, then groups, then 4 KiB. */
static void
test_map_huge_then_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_pa_t pa = 0x80000000;
		uint64_t size = MEGA + 2 * K64 + PG, got = 0;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, b, pa, size, RX, SV39_MAP_HUGE | SV39_MAP_64K), 0);
		CHECK_EQ(sv39_translate(&s, b + MEGA - PG, NULL, NULL, &got), 0);
		CHECK_EQ(got, MEGA);
		CHECK_EQ(raw_l0(&r, &s, b + MEGA), spec_member(pa + MEGA, t_leaf_flags(RX, 0)));
		CHECK_EQ(raw_l0(&r, &s, b + MEGA + 2 * K64 - PG),
			 spec_member(pa + MEGA + K64, t_leaf_flags(RX, 0)));
		CHECK_EQ(sv39_translate(&s, b + MEGA + 2 * K64, NULL, NULL, &got), 0);
		CHECK_EQ(got, PG);
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_unmap(&s, b, size, 0), 0);
	}
}

/*
 * A replace of one page inside a group: the group becomes 16 plain leaves
 * (the page replaced, the others on their frames, each with the group's A
 * and D), and the whole 64 KiB is flushed.
 */
static void
test_replace_splits_group(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + K64;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);
		/* The hardware set D in member 9 only (for whichever page). */
		sv39_pte_t *slot9 = NULL;

		CHECK_EQ(sv39_walk(&s, va + 9 * PG, 0, &slot9, NULL), 0);
		if (!slot9)
			continue;
		*slot9 |= SV39_PTE_A | SV39_PTE_D;
		ramops_clear_log(&r);
		CHECK_EQ(sv39_map(&s, va + 3 * PG, 0x90000000, PG, RX, SV39_MAP_REPLACE), 0);
		CHECK(ramops_flushed(&r, va, K64));
		for (unsigned k = 0; k < 16; k++) {
			sv39_pte_t want =
				k == 3 ? ((0x90000000ULL >> 12) << 10 | t_leaf_flags(RX, 0))
				       : (((GROUP_PA + k * PG) >> 12) << 10 | RW | SV39_PTE_V |
					  SV39_PTE_A | SV39_PTE_D);

			CHECK_EQ(raw_l0(&r, &s, va + k * PG), want);
		}
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_unmap(&s, va, K64, 0), 0);
	}
}

static int
map_two_groups(void *ctx)
{
	const struct t_call *c = ctx;

	return sv39_map(c->s, c->va, GROUP_PA, 2 * K64, RW, SV39_MAP_64K);
}

/* Fail each alloc_table in turn of a group map needing four tables. */
static void
test_map_groups_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + GIGA - K64;
		struct t_call c = { &s, NULL, va };

		r.ops.features = SV39_FEATURE_SVNAPOT;
		/* two level-1 and two level-0 tables: success at the fifth step */
		CHECK_EQ(T_OOM_SWEEP(&r, map_two_groups, &c, 9, NULL, 0), 5);
		expect_layout(&r, &s, va, GROUP_PA, 2 * K64, t_leaf_flags(RW, 0));
		CHECK_EQ(sv39_unmap(&s, va, 2 * K64, 0), 0);
	}
}

/* for_each: collect up to 8 leaves. */
struct leaves {
	struct sv39_leaf l[8];
	unsigned n;
};

static int
collect_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct leaves *ls = arg;

	if (ls->n < 8)
		ls->l[ls->n] = *leaf;
	ls->n++;
	return 0;
}

/* Dump lines, joined with '\n'. */
struct text {
	char buf[16384];
	size_t len;
};

static void
collect_line(void *arg, const char *line)
{
	struct text *t = arg;
	size_t n = strlen(line);

	if (t->len + n + 2 < sizeof(t->buf)) {
		memcpy(t->buf + t->len, line, n);
		t->len += n;
		t->buf[t->len++] = '\n';
		t->buf[t->len] = 0;
	}
}

/*
 * for_each reports a group as one 64 KiB leaf (A and D the OR of its
 * members'), whole even where the range covers part of it; walk returns
 * the page's own member; vmprint shows the 16 members as they are; the
 * ranges view shows one 64K range marked napot.
 */
static void
test_foreach_walk_dump(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + 2 * K64;
		struct leaves ls = { .n = 0 };
		struct text txt = { .len = 0 };
		sv39_pte_t *slot = NULL;
		unsigned level = 9;
		char want[64];

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, b, 0x70000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_walk(&s, va + 6 * PG + 5, 0, &slot, &level), 0);
		CHECK_EQ(level, 0);
		if (!slot)
			continue;
		CHECK_EQ(slot - t_table(&r,
					sv39_pte_pa(t_table(
						&r,
						sv39_pte_pa(t_table(
							&r, s.root)[t_vpn(b, 2)]))[t_vpn(b, 1)])),
			 t_vpn(va + 6 * PG, 0));
		CHECK_EQ(*slot, spec_member(GROUP_PA, RW | SV39_PTE_V));
		slot[11 - 6] |= SV39_PTE_D; /* member 11 */
		slot[3 - 6] |= SV39_PTE_A;  /* member 3 */

		CHECK_EQ(sv39_for_each(&s, va + 5 * PG, 3 * PG, collect_leaf, &ls), 0);
		CHECK_EQ(ls.n, 1);
		CHECK_EQ(ls.l[0].va, va);
		CHECK_EQ(ls.l[0].pa, GROUP_PA);
		CHECK_EQ(ls.l[0].size, K64);
		CHECK_EQ(ls.l[0].level, 0);
		CHECK_EQ(ls.l[0].pte,
			 spec_member(GROUP_PA, RW | SV39_PTE_V | SV39_PTE_A | SV39_PTE_D));
		ls.n = 0;
		CHECK_EQ(sv39_for_each(&s, b, 4 * K64, collect_leaf, &ls), 0);
		CHECK_EQ(ls.n, 2);
		CHECK_EQ(t_count_leaves(&s, b, GIGA), 2);

		CHECK_EQ(sv39_dump(&s, SV39_DUMP_VMPRINT, collect_line, &txt), 0);
		for (unsigned k = 0; k < 16; k++) {
			snprintf(want, sizeof(want), "%u: pte 0x%016" PRIx64, t_vpn(va, 0) + k,
				 slot[(int)k - 6]);
			if (!CHECK(strstr(txt.buf, want)))
				printf("\tmissing \"%s\" in\n%s", want, txt.buf);
		}
		txt.len = 0;
		txt.buf[0] = 0;
		CHECK_EQ(sv39_dump(&s, SV39_DUMP_RANGES, collect_line, &txt), 0);
		CHECK(strstr(txt.buf, "64K"));
		CHECK(strstr(txt.buf, "napot"));
		CHECK_EQ(sv39_unmap(&s, b, PG, 0), 0);
		for (unsigned k = 0; k < 16; k++)
			slot[(int)k - 6] = 0; /* unmap of groups is not in this test */
	}
}

/* Every member of the group at va is the spec's, mapping pa with bits. */
static void
expect_group(struct ramops *r, const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa,
	     uint64_t bits)
{
	for (unsigned k = 0; k < 16; k++)
		CHECK_EQ(raw_l0(r, s, va + k * PG), spec_member(pa, bits));
}

/* Page k of [va, va + 64 KiB) is a plain leaf of pa + k * 4 KiB with bits. */
static void
expect_plain(struct ramops *r, const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, unsigned k,
	     uint64_t bits)
{
	CHECK_EQ(raw_l0(r, s, va + k * PG), ((pa + k * PG) >> 12) << 10 | bits);
}

/*
 * unmap of a whole group frees its frame once as 64 KiB; of part of it,
 * rewrites the rest as plain leaves with the group's A and D (the OR of its
 * members'), flushed over the whole 64 KiB; destroy frees a group once.
 */
static void
test_unmap_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + K64;
		const uint64_t rwv = RW | SV39_PTE_V, ad = SV39_PTE_A | SV39_PTE_D;
		sv39_pte_t *slot = NULL;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, b, 0x70000000, PG, RW, 0), 0); /* keeps the tables */
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K), 0);
		ramops_clear_frame_log(&r);
		CHECK_EQ(sv39_unmap(&s, va, K64, SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.nframe_log, 1);
		CHECK_EQ(r.frame_log[0].pa, GROUP_PA);
		CHECK_EQ(r.frame_log[0].size, K64);
		T_UNMAPPED(&s, va + 3 * PG);

		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_walk(&s, va + 12 * PG, 0, &slot, NULL), 0);
		if (!slot)
			continue;
		*slot |= ad; /* the hardware set A and D in member 12 */
		ramops_clear_log(&r);
		ramops_clear_frame_log(&r);
		CHECK_EQ(sv39_unmap(&s, va + 4 * PG, 2 * PG, SV39_UNMAP_FREE), 0);
		CHECK(ramops_flushed(&r, va, K64));
		CHECK_EQ(r.nframe_log, 2);
		CHECK_EQ(r.frame_log[0].size, PG);
		CHECK_EQ(r.frame_log[0].pa, GROUP_PA + 4 * PG);
		for (unsigned k = 0; k < 16; k++) {
			if (k == 4 || k == 5)
				T_UNMAPPED(&s, va + k * PG);
			else
				expect_plain(&r, &s, va, GROUP_PA, k, rwv | ad);
		}
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_unmap(&s, va, K64, SV39_UNMAP_HOLES), 0);

		/* destroy with SV39_FREE_FRAMES: the group's frame once, 64 KiB. */
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, 2 * K64, RW, SV39_MAP_64K), 0);
		ramops_clear_frame_log(&r);
		ramops_tlb_forget(&r, &s);
		CHECK_EQ(sv39_space_destroy(&s, SV39_FREE_FRAMES), 0);
		CHECK_EQ(r.nframe_log, 3);
		uint64_t bytes = 0;

		for (size_t i = 0; i < r.nframe_log; i++)
			bytes += r.frame_log[i].size;
		CHECK_EQ(bytes, PG + 2 * K64);
		CHECK(t_space(&r, &s)); /* for T_END */
	}
}

/*
 * protect of a whole group changes all 16 members and flushes 64 KiB; of
 * part of it, splits it first (only when the protect changes it).
 */
static void
test_protect_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + K64;
		const uint64_t rwv = RW | SV39_PTE_V;
		uint64_t size = 0;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);
		ramops_clear_log(&r);
		CHECK_EQ(sv39_protect(&s, va, K64, SV39_PTE_U, 0), 0);
		expect_group(&r, &s, va, GROUP_PA, rwv | SV39_PTE_U);
		CHECK(ramops_flushed(&r, va, K64));
		CHECK_EQ(sv39_check(&s), 0);

		/* A no-op over part of it: still a group, nothing flushed. */
		ramops_clear_log(&r);
		CHECK_EQ(sv39_protect(&s, va + PG, PG, 0, SV39_PTE_X), 0);
		expect_group(&r, &s, va, GROUP_PA, rwv | SV39_PTE_U);
		CHECK_EQ(r.nflushes, 0);

		/* Part of it changed: 16 plain leaves, two of them read-only. */
		CHECK_EQ(sv39_protect(&s, va + 2 * PG, 2 * PG, 0, SV39_PTE_W), 0);
		for (unsigned k = 0; k < 16; k++)
			expect_plain(&r, &s, va, GROUP_PA, k,
				     (k == 2 || k == 3) ? (rwv | SV39_PTE_U) & ~SV39_PTE_W
							: rwv | SV39_PTE_U);
		CHECK(ramops_flushed(&r, va, K64));
		CHECK_EQ(sv39_translate(&s, va + 9 * PG, NULL, NULL, &size), 0);
		CHECK_EQ(size, PG);
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_unmap(&s, va, K64, 0), 0);
	}
}

/*
 * harvest reports every page of a group in range when any member has the
 * bit (the hardware may set it in any one), clears it in all 16 and
 * flushes the whole group.
 */
static void
test_harvest_groups(void)
{
	struct ramops r;
	struct sv39_space s;

	T_FOR_EACH_HALF (&r, &s, b, 0, 32, 0) {
		sv39_va_t va = b + K64;
		uint64_t bm[2] = { 0, ~0ULL };
		sv39_pte_t *slot = NULL;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_map(&s, va + K64, 0x70000000, PG, RW, SV39_MAP_NO_AD), 0);
		CHECK_EQ(sv39_walk(&s, va + 11 * PG, 0, &slot, NULL), 0);
		if (!slot)
			continue;
		*slot |= SV39_PTE_A | SV39_PTE_D; /* member 11 only */
		ramops_clear_log(&r);
		/* Pages 2..5 of the group: none is page 11, all four report D. */
		CHECK_EQ(sv39_harvest(&s, va + 2 * PG, 4, SV39_PTE_D, bm), 4);
		CHECK_EQ(bm[0] & 0xf, 0xf);
		CHECK(ramops_flushed(&r, va, K64));
		CHECK_EQ(*slot, spec_member(GROUP_PA, RW | SV39_PTE_V | SV39_PTE_A));
		CHECK_EQ(sv39_harvest(&s, va, 16, SV39_PTE_D, bm), 0);
		/* A over the group and the page after it: 16 + 0 pages. */
		CHECK_EQ(sv39_harvest(&s, va, 17, SV39_PTE_A, bm), 16);
		CHECK_EQ(bm[0] & 0x1ffff, 0xffff);
		CHECK_EQ(bm[1], ~0ULL); /* beyond npages: left alone */
		CHECK_EQ(*slot, spec_member(GROUP_PA, RW | SV39_PTE_V));
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_unmap(&s, va, K64 + PG, 0), 0);
	}
}

/* Is every page of [va, va + n pages) in d a plain 4 KiB leaf of pa + offset with bits? */
static void
expect_plain_run(struct ramops *r, const struct sv39_space *d, sv39_va_t va, sv39_pa_t pa,
		 unsigned n, uint64_t bits)
{
	for (unsigned k = 0; k < n; k++)
		CHECK_EQ(raw_l0(r, d, va + k * PG), ((pa + k * PG) >> 12) << 10 | bits);
}

/*
 * clone_range: a src group wholly in range stays a group in dst; one the
 * range cuts is mirrored as plain leaves; a dst without Svnapot gets plain
 * leaves; a dst group the range cuts is split first.
 */
static void
test_clone_groups(void)
{
	struct ramops r;
	struct sv39_space s, d, plain_dst;

	T_FOR_EACH_HALF (&r, &s, b, 0, 64, 0) {
		struct sv39_ops no_napot;
		sv39_va_t va = b + K64;
		const uint64_t bits = RW | SV39_PTE_V | SV39_PTE_U;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		no_napot = r.ops;
		no_napot.features = 0;
		if (!t_space(&r, &d) || !CHECK_EQ(sv39_space_init(&plain_dst, &no_napot, &r), 0))
			continue;
		CHECK_EQ(sv39_map(&s, va, GROUP_PA, 2 * K64, RW, SV39_MAP_64K | SV39_MAP_NO_AD), 0);

		/* Wholly in range: a group in dst, U added to every member. */
		CHECK_EQ(sv39_clone_range(&d, &s, va, K64, 0, SV39_PTE_U), 0);
		expect_group(&r, &d, va, GROUP_PA, bits);
		CHECK_EQ(sv39_check(&d), 0);
		/* Cut (fresh table in dst: the second group's first half). */
		CHECK_EQ(sv39_unmap(&d, va, K64, 0), 0);
		CHECK_EQ(sv39_clone_range(&d, &s, va + K64, 8 * PG, 0, 0), 0);
		expect_plain_run(&r, &d, va + K64, GROUP_PA + K64, 8, RW | SV39_PTE_V);
		T_UNMAPPED(&d, va + K64 + 8 * PG);
		CHECK_EQ(sv39_check(&d), 0);
		/* Cut, dst table live: pages 4..11 of the first group. */
		CHECK_EQ(sv39_clone_range(&d, &s, va + 4 * PG, 8 * PG, 0, 0), 0);
		expect_plain_run(&r, &d, va + 4 * PG, GROUP_PA + 4 * PG, 8, RW | SV39_PTE_V);
		T_UNMAPPED(&d, va + 3 * PG);
		T_UNMAPPED(&d, va + 12 * PG);
		CHECK_EQ(sv39_check(&d), 0);
		CHECK_EQ(sv39_unmap(&d, b, GIGA, SV39_UNMAP_HOLES), 0);

		/* A dst group the range cuts where src has nothing: split, then removed. */
		CHECK_EQ(sv39_map(&d, b + 4 * K64, GROUP_PA, K64, RW, SV39_MAP_64K), 0);
		CHECK_EQ(sv39_clone_range(&d, &s, b + 4 * K64, 2 * PG, 0, 0), 0);
		T_UNMAPPED(&d, b + 4 * K64 + PG);
		expect_plain_run(&r, &d, b + 4 * K64 + 2 * PG, GROUP_PA + 2 * PG, 14,
				 t_leaf_flags(RW, 0));
		CHECK_EQ(sv39_check(&d), 0);

		/* dst without Svnapot: plain leaves only, both fresh and live. */
		CHECK_EQ(sv39_clone_range(&plain_dst, &s, va, 2 * K64, 0, 0), 0);
		expect_plain_run(&r, &plain_dst, va, GROUP_PA, 32, RW | SV39_PTE_V);
		CHECK_EQ(sv39_check(&plain_dst), 0);
		CHECK_EQ(sv39_clone_range(&plain_dst, &s, va, 2 * K64, 0, SV39_PTE_U), 0);
		expect_plain_run(&r, &plain_dst, va, GROUP_PA, 32, bits);
		CHECK_EQ(sv39_check(&plain_dst), 0);

		t_destroy(&r, &d, 0);
		t_destroy(&r, &plain_dst, 0);
		CHECK_EQ(sv39_unmap(&s, va, 2 * K64, 0), 0);
	}
}

/* Every alloc_table fails from here on; returns the call count so far. */
static uint64_t
fail_every_alloc(struct ramops *r)
{
	r->fail_at = r->alloc_calls + 1;
	r->fail_after = true;
	return r->alloc_calls;
}

/*
 * Splits of a group (unmap, protect, map REPLACE and clone_range cutting
 * it, inside a level-0 table that exists) rewrite it in place as plain
 * leaves and need no table page: with every allocation failing they
 * succeed and never call alloc_table, so the OOM sweep has no allocation
 * of theirs to fail.
 */
static void
test_group_splits_never_allocate(void)
{
	struct ramops r;
	struct sv39_space s, d;

	T_FOR_EACH_HALF (&r, &s, b, 0, 16, 0) {
		uint64_t calls;
		size_t pages;

		r.ops.features = SV39_FEATURE_SVNAPOT;
		if (!CHECK_EQ(sv39_map(&s, b, GROUP_PA, 8 * K64, URW, SV39_MAP_64K), 0) ||
		    !t_space(&r, &d))
			continue;
		if (CHECK_EQ(sv39_clone_range(&d, &s, b, 8 * K64, 0, 0), 0)) {
			pages = r.allocated;
			calls = fail_every_alloc(&r);
			CHECK_EQ(sv39_unmap(&s, b + 3 * PG, 2 * PG, 0), 0);
			CHECK_EQ(sv39_protect(&s, b + K64 + 15 * PG, 2 * PG, 0, SV39_PTE_W), 0);
			CHECK_EQ(sv39_map(&s, b + 3 * K64 + 4 * PG, GROUP_PA, PG, RW,
					  SV39_MAP_REPLACE | SV39_MAP_64K),
				 0);
			CHECK_EQ(sv39_clone_range(&d, &s, b + 5 * K64 + 8 * PG, PG, 0, SV39_PTE_G),
				 0);
			CHECK_EQ(r.alloc_calls, calls);
			CHECK_EQ(r.allocated, pages);
			for (unsigned g = 0; g < 6; g++)
				if (g != 4) /* the groups cut: now plain leaves */
					CHECK_EQ(t_count_leaves(g < 5 ? &s : &d, b + g * K64, K64),
						 16 - (g == 0) * 2);
			CHECK_EQ(sv39_check(&s), 0);
			CHECK_EQ(sv39_check(&d), 0);
			r.fail_at = 0;
			r.fail_after = false;
		}
		t_destroy(&r, &d, 0);
	}
}

int
main(void)
{
	test_disabled();
	test_translate_hand_group();
	test_check_groups();
	test_n_above_level0();
	test_map_groups();
	test_map_huge_then_groups();
	test_replace_splits_group();
	test_map_groups_enomem();
	test_foreach_walk_dump();
	test_unmap_groups();
	test_protect_groups();
	test_harvest_groups();
	test_clone_groups();
	test_group_splits_never_allocate();
	return check_finish();
}
