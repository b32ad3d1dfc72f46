/* SPDX-License-Identifier: MIT */
/*
 * fence-bad.c - two ways to link a table unordered, built with
 * -DSV39_PUBLISH_MARKER at each optimisation level: check-fence.py must
 * reject each (the fence-must-fail-* tests).
 */
#include "internal.h"

void link_fenced_on_one_path(sv39_pte_t *slot, sv39_pte_t e, int fresh);
void link_after_a_store(sv39_pte_t *slot, sv39_pte_t *table, sv39_pte_t e);

/* When fresh is 0 the pointer goes in with no fence before it. */
void
link_fenced_on_one_path(sv39_pte_t *slot, sv39_pte_t e, int fresh)
{
	if (fresh)
		publish_fence();
	pte_link_store(slot, e);
}

/* The table's entry is written after the fence: not ordered before the link. */
void
link_after_a_store(sv39_pte_t *slot, sv39_pte_t *table, sv39_pte_t e)
{
	publish_fence();
	table[0] = e;
	pte_link_store(slot, e);
}
