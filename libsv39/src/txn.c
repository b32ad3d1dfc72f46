/* SPDX-License-Identifier: MIT */
/*
 * txn.c - what makes a mutating call all-or-nothing and TLB-safe.
 *
 * Reserve: the prepare step counts the tables a change needs; sv39_txn_reserve_
 * allocates all of them before anything is touched, so that an allocation
 * failure leaves the space as it was. The reserve keeps its own list in the
 * reserved pages (no hart can reach them, so their words are free to use):
 * the first page of each 512 is an index page whose entries 1..511 hold the
 * addresses of the next 511 and whose entry 0 links the previous index page.
 * So reserving touches one cache line per 8 pages, not one per page, and
 * sv39_txn_take_ zeroes every word it used before a page leaves the reserve.
 *
 * Flush: sv39_txn_changed_ records the span of every valid entry the call changed
 * or removed. sv39_txn_finish_ flushes that span once (the TLB rule) and only then
 * frees what became unreachable: zombie entries (V cleared, PPN kept) in the
 * reclaim span, and whole subtrees parked in t->defer. However many subtrees
 * a call parks, it flushes once: past SV39_DEFER_MAX they are listed in
 * overflow pages that the prepare step counted (sv39_txn_count_defer_) and
 * the reserve holds, like any table the call needs.
 *
 * When a pointer to a table page is removed, the flush is for the whole
 * space (size 0): sfence.vma with an address is only required to drop leaf
 * entries for that address, and a hart may have cached the non-leaf entry.
 */
#include "base.h"
#include "entry.h"
#include "table.h"
#include "txn.h"
#include "loan.h"

void
sv39_txn_init_(struct sv39_txn *t, struct sv39_space *s)
{
	/* A struct rebuilt from a root learns what the root lent before any change. */
	if (SV39_UNLIKELY(s->loans == SV39_LOANS_UNREAD_))
		sv39_table_read_lent_(s);
	/* Field by field: a struct assignment may become a call to memset. */
	t->s = s;
	t->need = 0;
	t->index = 0;
	t->index_va = NULL;
	t->index_n = 0;
	t->reserved = 0;
	t->changed = false;
	t->flush_all = false;
	t->flush_lo = t->flush_hi = 0;
	t->zombies = false;
	t->zva = t->zlast = 0;
	t->free_frames = false;
	t->ndefer = 0;
	t->overflow = 0;
	t->overflow_va = NULL;
	t->overflow_n = 0;
	t->defer_counted = 0;
}

/* Give back every reserved page that was not taken. */
static void
txn_release(struct sv39_txn *t)
{
	SV39_ASSERT(t->ndefer == 0 && !t->overflow);
	while (t->reserved) {
		sv39_pa_t pa = sv39_txn_take_(t);

		t->s->ops->free_table(t->s->ctx, pa);
	}
}

/*
 * Abandon a transaction that reserved but changed nothing (another
 * reserve of the same call failed): give its pages back.
 */
void
sv39_txn_cancel_(struct sv39_txn *t)
{
	txn_release(t);
}

/*
 * Is a new page of s where s->p2v_offset says (struct sv39_space,
 * linear_root)? If not, translate calls phys_to_virt from now on. Before
 * the page is linked anywhere, so no look-up ever takes the wrong address.
 */
static void
txn_check_linear(struct sv39_space *s, sv39_pa_t pa)
{
	if (s->linear_root && s->p2v &&
	    (uint64_t)(uintptr_t)s->p2v(s->ctx, pa) != pa + s->p2v_offset)
		s->linear_root = 0;
}

int
sv39_txn_reserve_(struct sv39_txn *t)
{
	const struct sv39_ops *ops = t->s->ops;

	while (t->reserved < t->need) {
		sv39_pa_t pa = 0;

		if (ops->alloc_table(t->s->ctx, &pa) != 0) {
			txn_release(t);
			return SV39_ENOMEM;
		}
		SV39_ASSERT(is_aligned(pa, SV39_PAGE_SIZE));
		txn_check_linear(t->s, pa);
		if (t->reserved == 0 || t->index_n == SV39_PTES_PER_TABLE - 1) {
			/* pa starts a new index page; entry 0 links the full one. */
			sv39_pte_t *page = table_of(t->s, pa);

			page[0] = t->reserved ? t->index : 0;
			t->index = pa;
			t->index_va = page;
			t->index_n = 0;
		} else {
			t->index_va[++t->index_n] = pa;
		}
		t->reserved++;
	}
	return 0;
}

sv39_pa_t
sv39_txn_take_(struct sv39_txn *t)
{
	sv39_pa_t pa;

	SV39_ASSERT(t->reserved > 0);
	t->reserved--;
	if (t->index_n) {
		pa = t->index_va[t->index_n];
		t->index_va[t->index_n--] = 0;
		return pa;
	}
	/* The index page itself goes last; the previous one is full. */
	pa = t->index;
	if (t->reserved) {
		t->index = t->index_va[0];
		t->index_va[0] = 0;
		t->index_va = table_of(t->s, t->index);
		t->index_n = SV39_PTES_PER_TABLE - 1;
	}
	return pa;
}

/* Grow the span [*lo, *hi] (empty while !*open) to include [va, last]. */
static void
span_add(bool *open, sv39_va_t *lo, sv39_va_t *hi, sv39_va_t va, sv39_va_t last)
{
	if (!*open || va < *lo)
		*lo = va;
	if (!*open || last > *hi)
		*hi = last;
	*open = true;
}

void
sv39_txn_changed_(struct sv39_txn *t, sv39_va_t va, sv39_va_t last)
{
	span_add(&t->changed, &t->flush_lo, &t->flush_hi, va, last);
}

/*
 * Remove a valid entry but keep what it points at until after the flush:
 * clear V only, with one atomic AND, so that the zombie holds the final A
 * and D a hardware walker set (once V is clear the hardware sets nothing).
 * The entry covers [va, last].
 */
void
sv39_txn_zombie_(struct sv39_txn *t, sv39_pte_t *slot, sv39_va_t va, sv39_va_t last)
{
	if (!(pte_clear_bits(slot, SV39_PTE_V) & SV39_PTE_LEAF_MASK))
		t->flush_all = true;
	sv39_txn_changed_(t, va, last);
	span_add(&t->zombies, &t->zva, &t->zlast, va, last);
}

/* Flush the changed span now, as the TLB rule asks before any free. */
static void
txn_flush(struct sv39_txn *t)
{
	if (!t->changed)
		return;
	/* A span across the hole (several root slots) is flushed whole too. */
	if (t->flush_all || span_crosses_hole(t->flush_lo, t->flush_hi))
		ops_flush_tlb(t->s, 0, 0);
	else /* a span of the whole space also comes out as size 0 */
		ops_flush_tlb(t->s, t->flush_lo, t->flush_hi - t->flush_lo + 1);
	t->changed = false;
	t->flush_all = false;
}

/* Subtrees one overflow page lists: entry 0 links the previous page. */
#define DEFER_PER_PAGE (SV39_PTES_PER_TABLE - 1)

/* Free the parked subtrees and the overflow pages. Runs after the flush. */
static void
txn_drain_deferred(struct sv39_txn *t)
{
	for (unsigned k = 0; k < t->ndefer; k++)
		sv39_free_subtree_(t->s, t->defer[k].pa, t->defer[k].level, false);
	t->ndefer = 0;
	while (t->overflow) {
		sv39_pte_t *page = t->overflow_va;
		sv39_pa_t prev = page[0];

		for (unsigned k = 1; k <= t->overflow_n; k++) {
			sv39_free_subtree_(t->s, page[k] & ~(SV39_PAGE_SIZE - 1),
					   (unsigned)(page[k] & (SV39_PAGE_SIZE - 1)), false);
			page[k] = 0;
		}
		page[0] = 0;
		/* Never linked into the tree: no hart can have seen it. */
		t->s->ops->free_table(t->s->ctx, t->overflow);
		t->overflow = prev;
		t->overflow_va = prev ? table_of(t->s, prev) : NULL;
		t->overflow_n = DEFER_PER_PAGE; /* every earlier page is full */
	}
}

/*
 * Prepare side of sv39_txn_defer_subtree_: the apply step will park one
 * more subtree. Counts an overflow page into t->need when the parking
 * array (and the last overflow page) will be full.
 */
void
sv39_txn_count_defer_(struct sv39_txn *t)
{
	if (t->defer_counted >= SV39_DEFER_MAX &&
	    (t->defer_counted - SV39_DEFER_MAX) % DEFER_PER_PAGE == 0)
		t->need++;
	t->defer_counted++;
}

/* List one more parked subtree in the overflow pages (taken from the reserve). */
static void
txn_defer_overflow(struct sv39_txn *t, sv39_pa_t table, unsigned level)
{
	if (!t->overflow || t->overflow_n == DEFER_PER_PAGE) {
		sv39_pa_t pa = sv39_txn_take_(t);
		sv39_pte_t *page = table_of(t->s, pa);

		page[0] = t->overflow;
		t->overflow = pa;
		t->overflow_va = page;
		t->overflow_n = 0;
	}
	t->overflow_va[++t->overflow_n] = table | level;
}

/*
 * Park a subtree that an overwrite just cut loose (its old entry covered
 * [va, last]); it is freed after the flush. The prepare step called
 * sv39_txn_count_defer_ once for it. Does not flush.
 */
void
sv39_txn_defer_subtree_(struct sv39_txn *t, sv39_pa_t table, unsigned level, sv39_va_t va,
			sv39_va_t last)
{
	if (t->ndefer < SV39_DEFER_MAX) {
		t->defer[t->ndefer].pa = table;
		t->defer[t->ndefer].level = level;
		t->ndefer++;
	} else {
		txn_defer_overflow(t, table, level);
	}
	t->flush_all = true;
	sv39_txn_changed_(t, va, last);
}

/*
 * Free what the zombies in [va, last] of a level-(level) table point at and
 * zero them. Runs after the flush, so no hart can still walk into them.
 */
static void
reclaim(struct sv39_txn *t, sv39_pte_t *table, unsigned level, sv39_va_t va, sv39_va_t last)
{
	struct slot sl;

	for_each_slot (sl, level, va, last) {
		sv39_pte_t e = pte_get(&table[sl.i]);

		if (e == 0)
			continue;
		if (pte_valid(e)) {
			if (pte_table(e) && level > 0)
				reclaim(t, next_table(t->s, e), level - 1, sl.va, sl.last);
			continue;
		}
		if (e & SV39_PTE_LEAF_MASK) {
			if (t->free_frames)
				leaf_free_frame(t->s, e, level, sl.i);
		} else {
			sv39_free_subtree_(t->s, sv39_pte_pa(e), level - 1, t->free_frames);
		}
		pte_set(&table[sl.i], 0);
	}
}

/*
 * reclaim over the zombie span, one canonical half at a time: a span of
 * several root slots (a lender's take-back, loan.c) may run from the low
 * half into the high one, and as one range it would step through every
 * slot-sized piece of the hole between them (2^34 of them).
 */
static void
reclaim_span(struct sv39_txn *t, sv39_va_t va, sv39_va_t last)
{
	sv39_pte_t *root = table_of(t->s, t->s->root);

	if (span_crosses_hole(va, last)) {
		reclaim(t, root, SV39_ROOT_LEVEL, va, SV39_LOW_END - 1);
		va = va_canon(SV39_LOW_END); /* the first address of the high half */
	}
	reclaim(t, root, SV39_ROOT_LEVEL, va, last);
}

void
sv39_txn_finish_(struct sv39_txn *t)
{
	txn_flush(t);
	if (t->zombies)
		reclaim_span(t, t->zva, t->zlast);
	txn_drain_deferred(t);
	SV39_ASSERT(t->reserved == 0);
	txn_release(t);
	t->s->gen++;
}
