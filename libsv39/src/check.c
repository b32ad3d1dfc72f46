/* SPDX-License-Identifier: MIT */
/*
 * check.c - sv39_check: find entries the hardware would fault on, or that
 * the spec reserves.
 */
#include "internal.h"

/* Bits the spec reserves in a non-leaf entry (it must keep them clear). */
#define NONLEAF_RESERVED (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_N | SV39_PTE_PBMT_MASK)

static int
check_table(const struct sv39_space *s, const sv39_pte_t *table, unsigned level)
{
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = table[i];
		int err;

		if (!pte_valid(e))
			continue;
		if (e & SV39_PTE_RESERVED_MASK)
			return SV39_EINVAL;
		if ((e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
			return SV39_EINVAL;
		if (pte_leaf(e)) {
			if ((e & SV39_PTE_W) && !(e & SV39_PTE_R))
				return SV39_EINVAL;
			if (!is_aligned(sv39_pte_pa(e), level_size(level)))
				return SV39_EINVAL;
			continue;
		}
		if (level == 0 || (e & NONLEAF_RESERVED))
			return SV39_EINVAL;
		err = check_table(s, next_table(s, e), level - 1);
		if (err)
			return err;
	}
	return 0;
}

int
sv39_check(const struct sv39_space *s)
{
	if (!s || !s->ops)
		return SV39_EINVAL;
	return check_table(s, table_of(s, s->root), SV39_ROOT_LEVEL);
}
