/* SPDX-License-Identifier: MIT */
/*
 * harvest.c - sv39_harvest: read and clear A or D bits (pgaccess).
 *
 * The hardware sets A and D itself but never clears them; once cleared here
 * the leaf must be flushed, or a cached translation with the bit still set
 * would keep the hardware from setting it again.
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"

struct harvest_args {
	sv39_va_t va; /* first page of the whole range: bitmap bit 0 */
	uint64_t bit;
	uint64_t *bitmap;
	int found;
};

/* The only error a harvest can meet: a borrowed entry in range (EBUSY). Reads only. */
static int
harvest_prepare(const struct sv39_space *s, const sv39_pte_t *table, unsigned level, sv39_va_t va,
		sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = pte_get(&table[sl.i]);
		int err;

		if (pte_borrowed(e))
			return SV39_EBUSY;
		if (level > 1 && pte_table(e)) {
			/* Borrowed marks live in level-2 and level-1 entries only. */
			err = harvest_prepare(s, next_table(s, e), level - 1, sl.va, sl.last);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Clear bit (A or D) in the leaf *slot, now e, which has it: a plain store
 * where the hardware can set nothing meanwhile (pte_hardware_can_set), else
 * one atomic AND. True when the bit was still set when it was cleared: the
 * hardware never clears it, so always, but the AND's answer is the one
 * that counts. Spelled out per bit so that each AND has a constant mask
 * (x86 then uses one lock btr instead of a compare-and-swap loop).
 */
static inline bool
harvest_clear(sv39_pte_t *slot, sv39_pte_t e, uint64_t bit)
{
	if (!pte_hardware_can_set(e)) {
		pte_set(slot, e & ~bit);
		return true;
	}
	if (bit == SV39_PTE_A)
		return pte_clear_bits(slot, SV39_PTE_A) & SV39_PTE_A;
	return pte_clear_bits(slot, SV39_PTE_D) & SV39_PTE_D;
}

static void
bitmap_set_run(uint64_t *bitmap, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		bitmap[i / 64] |= (uint64_t)1 << (i % 64);
}

/*
 * Clear bit in every member of the group at group (16 slots), each as
 * harvest_clear does; true if any had it: the group's A and D are the OR
 * of its members', which the hardware sets in any one of them.
 */
static bool
harvest_group(sv39_pte_t *group, uint64_t bit)
{
	bool had = false;

	for (unsigned k = 0; k < SV39_NAPOT_PAGES; k++) {
		sv39_pte_t e = pte_get(&group[k]);

		if (e & bit)
			had |= harvest_clear(&group[k], e, bit);
	}
	return had;
}

/*
 * The pages of a group in [va, last] from slot i (its first in range) to
 * slot stop: report them all if the group had h->bit, which is cleared in
 * all 16 members, and flush the group's whole 64 KiB. Returns how many.
 */
static int
harvest_group_pages(struct sv39_txn *t, struct harvest_args *h, sv39_pte_t *table, unsigned i,
		    unsigned stop, sv39_va_t page_va)
{
	sv39_va_t group_va = page_va & ~(SV39_NAPOT_SIZE - 1);
	uint64_t page = (page_va - h->va) >> SV39_PAGE_SHIFT;

	if (!harvest_group(&table[i & ~(SV39_NAPOT_PAGES - 1)], h->bit))
		return 0;
	bitmap_set_run(h->bitmap, page, stop - i + 1);
	sv39_txn_changed_(t, group_va, group_va + SV39_NAPOT_SIZE - 1);
	return (int)(stop - i + 1);
}

/*
 * The level-0 leaves of [va, last] in table: report and clear h->bit in
 * each that has it. Inline, with the bitmap bit set in place and the span
 * to flush recorded once for the table.
 */
static inline void
harvest_leaves(struct sv39_txn *t, struct harvest_args *h, sv39_pte_t *table, sv39_va_t va,
	       sv39_va_t last)
{
	unsigned i0 = pte_index(va, 0), first = SV39_PTES_PER_TABLE, end = 0;
	uint64_t page = (va - h->va) >> SV39_PAGE_SHIFT; /* bitmap bit of entry i0 */
	int found = 0;

	for (unsigned i = i0; i <= pte_index(last, 0); i++, page++) {
		sv39_pte_t e = pte_get(&table[i]);

		if (SV39_UNLIKELY(e & SV39_PTE_N) && pte_leaf(e) && space_napot(t->s)) {
			unsigned stop = i | (SV39_NAPOT_PAGES - 1);

			stop = stop < pte_index(last, 0) ? stop : pte_index(last, 0);
			h->found +=
				harvest_group_pages(t, h, table, i, stop,
						    va + ((sv39_va_t)(i - i0) << SV39_PAGE_SHIFT));
			page += stop - i;
			i = stop;
			continue;
		}
		/* Skip the write where the bit is clear: most leaves, usually. */
		if (!(e & h->bit) || !pte_leaf(e) || !harvest_clear(&table[i], e, h->bit))
			continue;
		h->bitmap[page / 64] |= (uint64_t)1 << (page % 64);
		found++;
		first = first < i ? first : i;
		end = i;
	}
	h->found += found;
	if (found)
		sv39_txn_changed_(t, va + ((sv39_va_t)(first - i0) << SV39_PAGE_SHIFT),
				  va + ((sv39_va_t)(end - i0 + 1) << SV39_PAGE_SHIFT) - 1);
}

/*
 * Report and clear h->bit in every leaf of [va, last]. The bit is cleared
 * by a plain store only where the hardware can set nothing (it then stays
 * clear until our store lands), else by one atomic AND reported from the
 * value it returns; so a harvest reports exactly the bits it cleared and a
 * bit the hardware sets meanwhile (this one or the other of A and D) is
 * never lost. Does not flush: records the cleared leaves for
 * sv39_txn_finish_.
 */
static void
harvest_apply(struct sv39_txn *t, struct harvest_args *h, sv39_pte_t *table, unsigned level,
	      sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	if (level == 0) {
		harvest_leaves(t, h, table, va, last);
		return;
	}
	for_each_slot (sl, level, va, last) {
		sv39_pte_t *slot = &table[sl.i];
		sv39_pte_t e = pte_get(slot);

		if (pte_table(e)) {
			harvest_apply(t, h, next_table(t->s, e), level - 1, sl.va, sl.last);
			continue;
		}
		if (!pte_leaf(e) || !(e & h->bit) || !harvest_clear(slot, e, h->bit))
			continue;
		/* A superpage reports each of its pages inside the range. */
		uint64_t n = ((sl.last - sl.va) >> SV39_PAGE_SHIFT) + 1;

		bitmap_set_run(h->bitmap, (sl.va - h->va) >> SV39_PAGE_SHIFT, n);
		h->found += (int)n;
		sv39_va_t base = sl.va & ~(level_size(level) - 1);

		sv39_txn_changed_(t, base, base + (level_size(level) - 1));
	}
}

int
sv39_harvest(struct sv39_space *s, sv39_va_t va, uint64_t npages, uint64_t bit, uint64_t *bitmap)
{
	struct harvest_args h = { .va = va, .bit = bit, .bitmap = bitmap };
	sv39_pte_t *root;
	sv39_va_t last;
	struct sv39_txn t;
	int err;

	if (!space_ok(s) || npages == 0 || !bitmap || (bit != SV39_PTE_A && bit != SV39_PTE_D))
		return SV39_EINVAL;
	if (!is_aligned(va, SV39_PAGE_SIZE)) /* alignment before range */
		return SV39_EALIGN;
	if (npages > (UINT64_MAX >> SV39_PAGE_SHIFT) || npages > INT32_MAX)
		return SV39_ERANGE;
	err = sv39_range_check_(va, npages << SV39_PAGE_SHIFT, SV39_PAGE_SIZE, &last);
	if (err)
		return err;
	root = table_of(s, s->root);
	err = harvest_prepare(s, root, SV39_ROOT_LEVEL, va, last);
	if (err)
		return err;

	/* Bits 0..npages-1 start clear; the rest of the last word is kept. */
	for (uint64_t w = 0; w < npages / 64; w++)
		bitmap[w] = 0;
	if (npages % 64)
		bitmap[npages / 64] &= ~(((uint64_t)1 << (npages % 64)) - 1);

	sv39_txn_init_(&t, s);
	harvest_apply(&t, &h, root, SV39_ROOT_LEVEL, va, last);
	sv39_txn_finish_(&t);
	return h.found;
}
