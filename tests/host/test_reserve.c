/* SPDX-License-Identifier: MIT */
/*
 * test_reserve - calls that need more table pages than one index page of
 * the reserve holds (txn.c keeps the reserve's list in the reserved pages
 * themselves, 511 addresses per index page).
 *
 * Mapping 1 GiB of 4 KiB pages needs 513 tables (512 level-0 tables and one
 * level-1 table): two index pages. An allocation failure at every point
 * around the index-page boundaries must give SV39_ENOMEM, leave the tree bit
 * for bit as it was and give every reserved page back; the successful call
 * must then hand out each reserved page exactly once (ramops counts a double
 * hand-out as an error) and zeroed: no word the reserve used for its list
 * may be left in a table. The map stops one page short of 1 GiB so that the
 * last level-0 table, which is the reserve's first index page, keeps an
 * entry the map does not write.
 */
#include "testutil.h"

/* Every word of every table page handed out is a valid entry or zero. */
static void
check_invalid_entries_zero(struct ramops *r)
{
	for (size_t p = 0; p < r->npages; p++) {
		const sv39_pte_t *page = (const sv39_pte_t *)(r->mem + p * PG);

		if (!r->in_use[p])
			continue;
		for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++)
			if (page[i] && !(page[i] & SV39_PTE_V)) {
				CHECK_EQ(page[i], 0);
				return;
			}
	}
}

static void
test_big_reserve(void)
{
	static const uint64_t fail_points[] = { 1, 2, 511, 512, 513 };

	for (int h = 0; h < 2; h++) {
		struct ramops r;
		struct sv39_space s;
		sv39_va_t base = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 600, 0);
		if (!t_space(&r, &s))
			continue;
		for (size_t k = 0; k < sizeof(fail_points) / sizeof(fail_points[0]); k++) {
			r.fail_at = r.alloc_calls + fail_points[k];
			T_NOCHANGE(&r, sv39_map(&s, base, 0x80000000, GIGA, RW, 0), SV39_ENOMEM);
			r.fail_at = 0;
		}
		CHECK_EQ(sv39_map(&s, base, 0x80000000, GIGA - PG, RW, 0), 0);
		CHECK_EQ(r.allocated, 1 + 513);
		CHECK_EQ(sv39_check(&s), 0);
		check_invalid_entries_zero(&r);
		for (uint64_t off = 0; off < GIGA - PG; off += 64 * PG + PG)
			T_XLATE(&s, base + off, 0x80000000 + off, t_leaf_flags(RW, 0), PG);
		T_XLATE(&s, base + GIGA - 2 * PG, 0x80000000 + GIGA - 2 * PG, t_leaf_flags(RW, 0),
			PG);
		T_UNMAPPED(&s, base + GIGA - PG);
		CHECK_EQ(sv39_unmap(&s, base, GIGA - PG, 0), 0);
		CHECK_EQ(r.allocated, 1);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_big_reserve();
	return check_finish();
}
