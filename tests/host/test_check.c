/* SPDX-License-Identifier: MIT */
/*
 * sv39_check: a well-formed tree passes; each malformation the header
 * lists, written by hand into a leaf (through sv39_walk) or a pointer
 * (through the raw table), is caught, and passes again once put back.
 */
#include "testutil.h"

/* Store bad in *slot, expect EINVAL, put the old value back, expect 0. */
#define BAD(s, slot, bad, what) bad_at((s), (slot), (bad), (what), __LINE__)
static void
bad_at(const struct sv39_space *s, sv39_pte_t *slot, sv39_pte_t bad, const char *what, int line)
{
	sv39_pte_t good = *slot;

	*slot = bad;
	if (!check_report_eq(sv39_check(s), SV39_EINVAL, __FILE__, line, "sv39_check",
			     "SV39_EINVAL"))
		printf("\tnot caught: %s (pte 0x%016" PRIx64 ")\n", what, bad);
	*slot = good;
	check_report_eq(sv39_check(s), 0, __FILE__, line, "sv39_check restored", "0");
}

/* Store ok in *slot: still well formed. */
#define GOOD(s, slot, ok, what) good_at((s), (slot), (ok), (what), __LINE__)
static void
good_at(const struct sv39_space *s, sv39_pte_t *slot, sv39_pte_t ok, const char *what, int line)
{
	sv39_pte_t old = *slot;

	*slot = ok;
	if (!check_report_eq(sv39_check(s), 0, __FILE__, line, "sv39_check", "0"))
		printf("\twrongly rejected: %s (pte 0x%016" PRIx64 ")\n", what, ok);
	*slot = old;
}

static void
test_check(void)
{
	static const uint64_t nonleaf_bad[] = {
		SV39_PTE_U, SV39_PTE_A, SV39_PTE_D, SV39_PTE_N, SV39_PTE_PBMT_NC, SV39_PTE_PBMT_IO,
	};
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		sv39_pte_t *leaf4k, *leaf2m, *leaf1g, *root, *l1;
		unsigned level;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_check(&s), 0);
		CHECK_EQ(sv39_map(&s, b + PG, 0x80001000, 2 * PG, URW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RX | SV39_PTE_G, SV39_MAP_HUGE),
			 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW | SV39_PTE_PBMT_IO,
				  SV39_MAP_HUGE),
			 0);
		CHECK_EQ(sv39_check(&s), 0);
		root = t_table(&r, s.root);
		if (!CHECK(root != NULL) ||
		    !CHECK_EQ(sv39_walk(&s, b + PG, 0, &leaf4k, &level), 0) ||
		    !CHECK_EQ(sv39_walk(&s, b + MEGA, 0, &leaf2m, &level), 0) ||
		    !CHECK_EQ(sv39_walk(&s, b + GIGA, 0, &leaf1g, &level), 0))
			goto out;
		l1 = t_table(&r, sv39_pte_pa(root[t_vpn(b, 2)]));
		if (!CHECK(l1 != NULL))
			goto out;

		/* Non-leaf entries with U, A, D, N or PBMT, at both levels. */
		for (size_t i = 0; i < sizeof(nonleaf_bad) / sizeof(nonleaf_bad[0]); i++) {
			BAD(&s, &root[t_vpn(b, 2)], root[t_vpn(b, 2)] | nonleaf_bad[i],
			    "root pointer with U/A/D/N/PBMT");
			BAD(&s, &l1[0], l1[0] | nonleaf_bad[i],
			    "level-1 pointer with U/A/D/N/PBMT");
		}
		/* PBMT = 3 on a pointer and on leaves. */
		BAD(&s, &root[t_vpn(b, 2)], root[t_vpn(b, 2)] | SV39_PTE_PBMT_MASK,
		    "pointer PBMT=3");
		BAD(&s, leaf4k, *leaf4k | SV39_PTE_PBMT_MASK, "leaf PBMT=3");
		BAD(&s, leaf1g, *leaf1g | SV39_PTE_PBMT_NC, "gigapage PBMT=3");
		/* A pointer at level 0 (to a real table, so a walk would not crash). */
		BAD(&s, leaf4k, sv39_pte_make(s.root, SV39_PTE_V), "pointer at level 0");
		/* W without R, at each level. */
		BAD(&s, leaf4k, *leaf4k & ~SV39_PTE_R, "W without R, 4 KiB");
		BAD(&s, leaf2m, (*leaf2m & ~SV39_PTE_R) | SV39_PTE_W, "W without R, 2 MiB");
		BAD(&s, leaf1g, *leaf1g & ~SV39_PTE_R, "W without R, 1 GiB");
		BAD(&s, leaf4k, (*leaf4k & ~SV39_PTE_LEAF_MASK) | SV39_PTE_W | SV39_PTE_X,
		    "WX without R");
		/* Misaligned superpages. */
		BAD(&s, leaf2m, *leaf2m + (1ULL << 10), "megapage + 4 KiB");
		BAD(&s, leaf2m, *leaf2m + (511ULL << 10), "megapage + 511 pages");
		BAD(&s, leaf1g, *leaf1g + (1ULL << 10), "gigapage + 4 KiB");
		BAD(&s, leaf1g, *leaf1g + (512ULL << 10), "gigapage + 2 MiB");
		/* Each reserved bit 54..60, in a leaf and in a pointer. */
		for (int bit = 54; bit <= 60; bit++) {
			BAD(&s, leaf4k, *leaf4k | (1ULL << bit), "leaf reserved bit");
			BAD(&s, leaf2m, *leaf2m | (1ULL << bit), "megapage reserved bit");
			BAD(&s, &l1[0], l1[0] | (1ULL << bit), "pointer reserved bit");
		}
		/* Not malformed: leaf bits, RSW, V clear with garbage, X-only. */
		GOOD(&s, leaf4k, *leaf4k | SV39_PTE_RSW_EMBEDDER | SV39_PTE_BORROWED, "RSW");
		GOOD(&s, leaf4k, *leaf4k | SV39_PTE_PBMT_NC | SV39_PTE_G, "leaf NC + G");
		GOOD(&s, leaf4k, (*leaf4k & ~SV39_PTE_LEAF_MASK) | SV39_PTE_X, "X only");
		GOOD(&s, leaf4k, 0x1fc00000000000feULL, "invalid entry, garbage");
		GOOD(&s, &root[t_vpn(b, 2)], root[t_vpn(b, 2)] | SV39_PTE_RSW_EMBEDDER,
		     "pointer RSW");
		/* The last entry of the last table is checked too. */
		CHECK_EQ(sv39_map(&s, h ? 0 - PG : SV39_LOW_END - PG, 0x80000000, PG, RW, 0), 0);
		if (CHECK_EQ(sv39_walk(&s, h ? 0 - PG : SV39_LOW_END - PG, 0, &leaf4k, NULL), 0))
			BAD(&s, leaf4k, *leaf4k & ~SV39_PTE_R, "W without R at index 511");
	out:
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* check reads through borrowed subtrees like any other. */
static void
test_check_borrowed(void)
{
	struct ramops r;
	struct sv39_space L, B;
	sv39_pte_t *pte;

	check_begin("borrowed");
	t_env_init(&r, 32, 0);
	if (!t_space(&r, &L) || !t_space(&r, &B))
		return;
	CHECK_EQ(sv39_map(&L, t_bases[1] + 5 * PG, 0x80000000, PG, RW, 0), 0);
	CHECK_EQ(sv39_share(&B, &L, t_bases[1], GIGA), 0);
	CHECK_EQ(sv39_check(&B), 0);
	if (CHECK_EQ(sv39_walk(&L, t_bases[1] + 5 * PG, 0, &pte, NULL), 0))
		BAD(&B, pte, *pte & ~SV39_PTE_R, "W without R under a borrowed entry");
	t_destroy(&r, &B, 0);
	t_destroy(&r, &L, 0);
	t_env_fini(&r);
}

int
main(void)
{
	test_check();
	test_check_borrowed();
	return check_finish();
}
