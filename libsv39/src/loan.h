/* SPDX-License-Identifier: MIT */
/*
 * loan.h - what a space lent and borrowed: its root's lent slots and
 * marks, and the ledger of loans (loan.c). Never installed.
 */
#ifndef SV39_LOAN_H
#define SV39_LOAN_H

#include "base.h"
#include "txn.h"

/* Root slot i lent to another space: its table pages are never freed. */
static inline bool
root_slot_lent(const struct sv39_space *s, unsigned i)
{
	return (s->lent[i / 64] >> (i % 64)) & 1;
}

/*
 * A lender's own pointer entry at the root of a slot it lent carries this
 * mark (RSW bit 8; the hardware ignores it, and the embedder's use of bit 8
 * is on leaves only), so that a struct rebuilt from the root knows what the
 * root lent (sv39_loan_rebuild_). Never cleared while the space lives.
 */
#define SV39_PTE_LENT_ SV39_PTE_RSW_EMBEDDER

/*
 * s->loans of a struct made by sv39_space_init_from_root: whether the root
 * has a ledger, and where, is not known there (odd: not a page address).
 * UNREAD until the first mutating call reads s->lent from the root's marks
 * (sv39_txn_init_), so that a struct rebuilt for a read-only call costs no
 * pass over the root.
 */
#define SV39_LOANS_UNREAD_ ((sv39_pa_t)1)
#define SV39_LOANS_REBUILT_ ((sv39_pa_t)3)

static inline bool
space_rebuilt(const struct sv39_space *s)
{
	return s->loans & 1;
}

/* The root slot holding va lent (root_slot_lent). */
static inline bool
space_lent(const struct sv39_space *s, sv39_va_t va)
{
	return root_slot_lent(s, pte_index(va, SV39_ROOT_LEVEL));
}

/* loan.c: the ledger of who lent to whom (sv39_share, sv39_space_destroy). */
#define SV39_LOAN_LENT 1u     /* the peer borrowed from this space */
#define SV39_LOAN_BORROWED 2u /* this space borrowed from the peer */
/* Ledger pages s needs to record a loan with peer: 0 or 1. */
unsigned sv39_loan_need_(const struct sv39_space *s, const struct sv39_space *peer);
/* Record bits with peer in t->s's ledger, taking the page sv39_loan_need_ counted. */
void sv39_loan_add_(struct sv39_txn *t, const struct sv39_space *peer, unsigned bits);
/* Settle every loan of s before it is freed; frees the ledger. */
void sv39_loan_settle_(struct sv39_space *s);
/* Mark root slot i of s lent, in s->lent and in the root's own entry. */
void sv39_loan_mark_lent_(struct sv39_space *s, unsigned i);
/* A struct just rebuilt from its root: ledger unknown, lent marks unread. */
void sv39_loan_rebuild_(struct sv39_space *s);
/* Can this struct of s settle s's loans (false: rebuilt, and the root shares)? */
bool sv39_loan_settleable_(struct sv39_space *s);

#endif /* SV39_LOAN_H */
