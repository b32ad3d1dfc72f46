/* SPDX-License-Identifier: MIT */
/*
 * check.c - sv39_check: find entries the hardware would fault on, or that
 * the spec reserves (pte_malformed, base.h: the same definition
 * sv39_translate uses).
 */
#include "base.h"
#include "entry.h"

/*
 * Is the run of 16 level-0 entries at group (64 KiB aligned) either free
 * of N, or one whole NAPOT group: every member valid, with N, and the
 * same but for A and D (which the hardware sets in any one member)? A
 * mixed run is one a hart may translate two ways.
 */
static bool
napot_group_ok(const sv39_pte_t *group)
{
	const sv39_pte_t ad = SV39_PTE_A | SV39_PTE_D;
	sv39_pte_t first = pte_get(&group[0]);
	bool any_n = false;

	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++)
		any_n |= (pte_get(&group[k]) & (SV39_PTE_V | SV39_PTE_N)) ==
			 (SV39_PTE_V | SV39_PTE_N);
	if (!any_n)
		return true;
	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++) {
		sv39_pte_t e = pte_get(&group[k]);

		if (!pte_valid(e) || ((e ^ first) & ~ad))
			return false;
	}
	return true;
}

/* The first malformed entry in the table and below it: SV39_EINVAL. */
static int
check_table(const struct sv39_space *s, const sv39_pte_t *table, unsigned level)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&table[i]);
		int err;

		if (level == 0 && i % SV39_NAPOT_PAGES == 0 && !napot_group_ok(&table[i]))
			return SV39_EINVAL;
		if (!pte_valid(e))
			continue;
		if (pte_malformed_in(s, e, level))
			return SV39_EINVAL;
		if (pte_leaf(e))
			continue;
		err = check_table(s, next_table(s, e), level - 1);
		if (err)
			return err;
	}
	return 0;
}

int
sv39_check(const struct sv39_space *s)
{
	if (!space_ok(s))
		return SV39_EINVAL;
	return check_table(s, table_of(s, s->root), SV39_ROOT_LEVEL);
}
