/* SPDX-License-Identifier: MIT */
/*
 * loan.c - who lent to whom, so that a space can be destroyed in any order.
 *
 * A space that lent or borrowed with sv39_share keeps a ledger: pages from
 * its own alloc_table, never linked into its tree (no hart walks them),
 * chained through entry 0; each other entry names a peer space (its
 * address) with LOAN_LENT (the peer borrowed from this space) and/or
 * LOAN_BORROWED (this space borrowed from the peer). sv39_share records
 * both sides of a loan; sv39_space_destroy settles every loan before it
 * frees anything: a borrower drops out of its lenders' ledgers, and a lender
 * first takes back every entry its live borrowers have into its tables,
 * flushes them, and only then frees.
 */
#include "internal.h"

#define LOAN_BITS (SV39_LOAN_LENT | SV39_LOAN_BORROWED)

static inline uint64_t
loan_word(const struct sv39_space *peer)
{
	return (uint64_t)(uintptr_t)peer;
}

static inline struct sv39_space *
loan_peer(uint64_t w)
{
	return (struct sv39_space *)(uintptr_t)(w & ~(uint64_t)LOAN_BITS);
}

/* The entry of s's ledger naming peer, or NULL. */
static sv39_pte_t *
ledger_find(const struct sv39_space *s, const struct sv39_space *peer)
{
	for (sv39_pa_t pa = s->loans; pa;) {
		sv39_pte_t *page = table_of(s, pa);

		for (unsigned i = 1; i < SV39_PTES_PER_TABLE; i++)
			if (page[i] && loan_peer(page[i]) == peer)
				return &page[i];
		pa = page[0];
	}
	return NULL;
}

/* A free entry of s's ledger, or NULL when it has none (or no page). */
static sv39_pte_t *
ledger_free_slot(const struct sv39_space *s)
{
	for (sv39_pa_t pa = s->loans; pa;) {
		sv39_pte_t *page = table_of(s, pa);

		for (unsigned i = 1; i < SV39_PTES_PER_TABLE; i++)
			if (!page[i])
				return &page[i];
		pa = page[0];
	}
	return NULL;
}

unsigned
sv39_loan_need_(const struct sv39_space *s, const struct sv39_space *peer)
{
	return !ledger_find(s, peer) && !ledger_free_slot(s);
}

void
sv39_loan_add_(struct sv39_txn *t, const struct sv39_space *peer, unsigned bits)
{
	struct sv39_space *s = t->s;
	sv39_pte_t *e = ledger_find(s, peer);

	if (!e)
		e = ledger_free_slot(s);
	if (!e) {
		sv39_pa_t pa = sv39_txn_take_(t);
		sv39_pte_t *page = table_of(s, pa);

		page[0] = s->loans;
		s->loans = pa;
		e = &page[1];
	}
	if (!*e)
		*e = loan_word(peer);
	*e |= bits;
}

/* Does s's ledger still name any peer? */
static bool
ledger_in_use(const struct sv39_space *s)
{
	for (sv39_pa_t pa = s->loans; pa;) {
		const sv39_pte_t *page = table_of(s, pa);

		for (unsigned i = 1; i < SV39_PTES_PER_TABLE; i++)
			if (page[i])
				return true;
		pa = page[0];
	}
	return false;
}

/* Give back every page of s's ledger (never linked: nothing to flush). */
static void
ledger_free(struct sv39_space *s)
{
	sv39_pa_t pa = s->loans;

	while (pa) {
		sv39_pa_t next = table_of(s, pa)[0];

		s->ops->free_table(s->ctx, pa);
		pa = next;
	}
	s->loans = 0;
}

/*
 * Forget bits of s's loan with peer; the entry goes when none is left, and
 * the ledger when it names nobody: a space whose loans are all settled has
 * none (s->loans 0), so it may then be destroyed through any struct.
 */
static void
ledger_clear(struct sv39_space *s, const struct sv39_space *peer, unsigned bits)
{
	sv39_pte_t *e = ledger_find(s, peer);

	if (!e)
		return;
	*e &= ~(uint64_t)bits;
	if (!(*e & LOAN_BITS))
		*e = 0;
	if (!ledger_in_use(s))
		ledger_free(s);
}

/* Is b's entry a borrowed pointer at the table l's own entry points at? */
static inline bool
lent_by(sv39_pte_t b_e, sv39_pte_t l_e)
{
	return pte_borrowed(b_e) && pte_table(l_e) && !pte_borrowed(l_e) &&
	       sv39_pte_pa(b_e) == sv39_pte_pa(l_e);
}

/*
 * Take back b's borrowed entry in *slot (at level, covering va): the table it
 * points at is l's, so it is dropped, never reclaimed, and since a pointer
 * goes the flush is whole (sv39_txn_finish_).
 */
static void
revoke_entry(struct sv39_txn *t, sv39_pte_t *slot, unsigned level, sv39_va_t va)
{
	pte_set(slot, 0);
	t->flush_all = true;
	sv39_txn_changed_(t, va, va + (level_size(level) - 1));
}

/*
 * Take back b's borrowed level-1 entries in one root slot (at va) that
 * point at l's tables (b_l1 is b's own level-1 table there, l_root_e l's
 * root entry). True when any went. Does not flush.
 */
static bool
revoke_mega(struct sv39_txn *t, const struct sv39_space *l, sv39_pte_t *b_l1, sv39_pte_t l_root_e,
	    sv39_va_t va)
{
	const sv39_pte_t *l_l1;
	bool any = false;

	if (!pte_table(l_root_e) || pte_borrowed(l_root_e))
		return false;
	l_l1 = next_table(l, l_root_e);
	for (unsigned j = 0; j < SV39_PTES_PER_TABLE; j++) {
		if (lent_by(pte_get(&b_l1[j]), pte_get(&l_l1[j]))) {
			revoke_entry(t, &b_l1[j], 1, va + ((sv39_va_t)j << level_shift(1)));
			any = true;
		}
	}
	return any;
}

/*
 * Lender l is being destroyed: take back every entry of live borrower b
 * that points into l's tables (l never freed or moved a table it lent, so
 * b's borrowed entry is l's exactly when l's own entry at the same place
 * points at the same page). One transaction of b's: b's own level-1 tables
 * left empty become zombies, b is flushed whole once, and only then are
 * they freed. l's tables are freed by the caller, after this.
 */
static void
revoke(struct sv39_space *b, const struct sv39_space *l)
{
	sv39_pte_t *broot = table_of(b, b->root);
	const sv39_pte_t *lroot = table_of(l, l->root);
	struct sv39_txn t;

	sv39_txn_init_(&t, b);
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_va_t va = va_canon((sv39_va_t)i << level_shift(SV39_ROOT_LEVEL));
		sv39_pte_t e = pte_get(&broot[i]);
		sv39_pte_t *bl1;

		if (lent_by(e, pte_get(&lroot[i]))) {
			revoke_entry(&t, &broot[i], SV39_ROOT_LEVEL, va);
			continue;
		}
		if (!pte_table(e) || pte_borrowed(e))
			continue;
		bl1 = next_table(b, e);
		if (revoke_mega(&t, l, bl1, pte_get(&lroot[i]), va) && sv39_table_is_empty_(bl1) &&
		    !root_slot_lent(b, i))
			sv39_txn_zombie_(&t, &broot[i], va, va + (level_size(SV39_ROOT_LEVEL) - 1));
	}
	if (t.changed) /* nothing reserved: an untouched b needs no finish */
		sv39_txn_finish_(&t);
}

void
sv39_loan_settle_(struct sv39_space *s)
{
	sv39_pa_t pa = space_rebuilt(s) ? 0 : s->loans;

	while (pa) {
		sv39_pte_t *page = table_of(s, pa);
		sv39_pa_t next = page[0];

		for (unsigned i = 1; i < SV39_PTES_PER_TABLE; i++) {
			uint64_t w = page[i];
			struct sv39_space *peer = loan_peer(w);

			if (w & SV39_LOAN_LENT) {
				revoke(peer, s);
				ledger_clear(peer, s, SV39_LOAN_BORROWED);
			}
			if (w & SV39_LOAN_BORROWED)
				ledger_clear(peer, s, SV39_LOAN_LENT);
		}
		s->ops->free_table(s->ctx, pa); /* never linked: nothing to flush */
		pa = next;
	}
	s->loans = 0;
}

void
sv39_loan_mark_lent_(struct sv39_space *s, unsigned i)
{
	sv39_pte_t *slot = &table_of(s, s->root)[i];

	s->lent[i / 64] |= (uint64_t)1 << (i % 64);
	/* A pointer entry: the hardware never writes it, a plain store will do. */
	SV39_ASSERT(pte_table(pte_get(slot)));
	pte_set(slot, pte_get(slot) | SV39_PTE_LENT_);
}

void
sv39_loan_rebuild_(struct sv39_space *s)
{
	s->loans = SV39_LOANS_UNREAD_;
}

/*
 * Does s's tree hold a borrowed entry: at the root, or in a level-1 table of
 * its own (the only places sv39_share puts them)?
 */
static bool
space_borrows(const struct sv39_space *s)
{
	const sv39_pte_t *root = table_of(s, s->root);

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&root[i]);

		if (pte_borrowed(e))
			return true;
		if (pte_table(e) && sv39_table_has_borrowed_(next_table(s, e)))
			return true;
	}
	return false;
}

/*
 * A struct rebuilt from a root does not know the root's ledger: its peers'
 * ledgers name the struct that made the share. So it can settle nothing, and
 * may be destroyed only when the root takes no part in a share: it lent
 * nothing (the lent marks are in the root) and borrows nothing now.
 */
bool
sv39_loan_settleable_(struct sv39_space *s)
{
	if (!space_rebuilt(s))
		return true;
	if (s->loans == SV39_LOANS_UNREAD_)
		sv39_table_read_lent_(s);
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE / 64; i++)
		if (s->lent[i])
			return false;
	return !space_borrows(s);
}
