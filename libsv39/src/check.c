/* SPDX-License-Identifier: MIT */
/*
 * check.c - sv39_check: find entries the hardware would fault on, or that
 * the spec reserves (pte_malformed, internal.h: the same definition
 * sv39_translate uses).
 */
#include "internal.h"

/* The first malformed entry in the table and below it: SV39_EINVAL. */
static int
check_table(const struct sv39_space *s, const sv39_pte_t *table, unsigned level)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&table[i]);
		int err;

		if (!pte_valid(e))
			continue;
		if (pte_malformed(e, level))
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
