/* SPDX-License-Identifier: MIT */
/*
 * txn.h - the transaction of one mutating call (txn.c), and the
 * superpage split that takes its table from one (split.c). Never installed.
 */
#ifndef SV39_TXN_H
#define SV39_TXN_H

#include <sv39/sv39.h>

/*
 * A transaction: the state of one mutating call.
 *
 * Every mutating call runs in three steps so that it is all-or-nothing:
 *  1. prepare: walk the range read-only, find every error and count the
 *     table pages the change needs (txn.need);
 *  2. sv39_txn_reserve_: allocate them all up front (the only step that can fail
 *     with SV39_ENOMEM; on failure they are given back);
 *  3. apply: make the change, taking tables from the reserve; cannot fail.
 * Then sv39_txn_finish_ flushes the TLB once for the changed span and only after
 * that frees what became unreachable.
 */
#define SV39_DEFER_MAX 16

struct sv39_txn {
	struct sv39_space *s;
	unsigned need;		      /* tables the apply step will take */
	unsigned reserved;	      /* zeroed tables reserved and not yet taken */
	sv39_pa_t index;	      /* the reserve's current index page (txn.c) */
	sv39_pte_t *index_va;	      /* where the library reaches it */
	unsigned index_n;	      /* addresses held in it, in entries 1..index_n */
	bool changed;		      /* a valid entry was changed or removed */
	bool flush_all;		      /* a table pointer was removed: flush everything */
	sv39_va_t flush_lo, flush_hi; /* span to flush, inclusive */
	bool zombies;		      /* zombie entries in [zva, zlast] await reclaim */
	sv39_va_t zva, zlast;
	bool free_frames; /* zombie leaves' frames go to free_frame */
	/* whole subtrees cut loose by an overwrite, freed after the flush */
	struct {
		sv39_pa_t pa;
		unsigned level; /* level of the table page itself */
	} defer[SV39_DEFER_MAX];
	unsigned ndefer;
	/*
	 * More than SV39_DEFER_MAX: the rest are listed in overflow pages
	 * taken from the reserve (entry 0 links the previous page, entries
	 * 1..overflow_n hold pa | level), so the call still flushes once.
	 */
	sv39_pa_t overflow;
	sv39_pte_t *overflow_va;
	unsigned overflow_n;
	unsigned defer_counted; /* subtrees the prepare step expects to park */
};

void sv39_txn_init_(struct sv39_txn *t, struct sv39_space *s);
int sv39_txn_reserve_(struct sv39_txn *t);
void sv39_txn_cancel_(struct sv39_txn *t);
sv39_pa_t sv39_txn_take_(struct sv39_txn *t);
void sv39_txn_changed_(struct sv39_txn *t, sv39_va_t va, sv39_va_t last);
void sv39_txn_zombie_(struct sv39_txn *t, sv39_pte_t *slot, sv39_va_t va, sv39_va_t last);
void sv39_txn_count_defer_(struct sv39_txn *t);
void sv39_txn_defer_subtree_(struct sv39_txn *t, sv39_pa_t table, unsigned level, sv39_va_t va,
			     sv39_va_t last);
void sv39_txn_finish_(struct sv39_txn *t);

/* split.c (uses txn.c) */
void sv39_split_leaf_(struct sv39_txn *t, sv39_pte_t *slot, unsigned level);
bool sv39_napot_split_(struct sv39_txn *t, sv39_pte_t *table, sv39_va_t va);
void sv39_napot_split_edges_(struct sv39_txn *t, sv39_pte_t *table, sv39_va_t va, sv39_va_t last);

#endif /* SV39_TXN_H */
