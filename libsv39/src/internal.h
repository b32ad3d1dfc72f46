/* SPDX-License-Identifier: MIT */
/*
 * internal.h - libsv39's private helpers. Never installed.
 *
 * Conventions used throughout src/:
 *  - A range is [va, last] with last the address of its final byte, so the
 *    top of the high half (2^64) needs no special case.
 *  - Level 2 is the root, level 0 holds 4 KiB leaves.
 *  - Outside a call, every invalid PTE (V = 0) is zero. During a call an
 *    entry may be a "zombie": V cleared, everything else kept, so that the
 *    page it points at can be freed after the TLB flush (see txn.c).
 */
#ifndef SV39_INTERNAL_H
#define SV39_INTERNAL_H

#include <sv39/sv39.h>

/* An embedder may define SV39_ASSERT before building; it defaults to nothing. */
#ifndef SV39_ASSERT
#define SV39_ASSERT(cond) ((void)0)
#endif

#define SV39_ROOT_LEVEL (SV39_LEVELS - 1)
#define SV39_INDEX_BITS 9
#define SV39_VA_BITS 39

/* Flags of a leaf that are not PPN: bits 0..9 and 54..63. */
#define SV39_PTE_FLAGS_MASK (~SV39_PTE_PPN_MASK)

static inline unsigned
level_shift(unsigned level)
{
	return SV39_PAGE_SHIFT + SV39_INDEX_BITS * level;
}

/* Bytes one entry covers at this level: 4 KiB, 2 MiB or 1 GiB. */
static inline uint64_t
level_size(unsigned level)
{
	return (uint64_t)1 << level_shift(level);
}

static inline unsigned
pte_index(sv39_va_t va, unsigned level)
{
	return (unsigned)(va >> level_shift(level)) & (SV39_PTES_PER_TABLE - 1);
}

/* Sign-extend bit 38, as a canonical Sv39 address is. */
static inline sv39_va_t
va_canon(sv39_va_t va)
{
	return (sv39_va_t)((int64_t)(va << (64 - SV39_VA_BITS)) >> (64 - SV39_VA_BITS));
}

static inline bool
va_is_canonical(sv39_va_t va)
{
	return va_canon(va) == va;
}

/* Does [va, last] run from the low half past its end (into the hole)? */
static inline bool
span_crosses_hole(sv39_va_t va, sv39_va_t last)
{
	return va < SV39_LOW_END && last >= SV39_LOW_END;
}

static inline bool
is_aligned(uint64_t x, uint64_t align)
{
	return (x & (align - 1)) == 0;
}

static inline bool
pte_valid(sv39_pte_t pte)
{
	return pte & SV39_PTE_V;
}

static inline bool
pte_leaf(sv39_pte_t pte)
{
	return sv39_pte_is_leaf(pte); /* the public one, pte.h */
}

static inline bool
pte_table(sv39_pte_t pte)
{
	return (pte & SV39_PTE_V) && !(pte & SV39_PTE_LEAF_MASK);
}

static inline bool
pte_borrowed(sv39_pte_t pte)
{
	return (pte & SV39_PTE_V) && (pte & SV39_PTE_BORROWED);
}

/* A space a call may use: not NULL, initialised and not destroyed. */
static inline bool
space_ok(const struct sv39_space *s)
{
	return s && s->ops;
}

/* Bits a pointer (non-leaf) entry may not carry: the spec reserves them. */
#define SV39_NONLEAF_BAD (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_PBMT_MASK)

/*
 * The one definition of a malformed entry, used by sv39_check,
 * sv39_translate and sv39_walk: a valid entry e of a level-(level) table
 * the hardware faults on whatever the access. Any entry: bits 54..60, N
 * (Svnapot is not supported) or PBMT = 3. A leaf: W without R, or a
 * superpage whose PA is not aligned to its size. A pointer: U, A, D or
 * PBMT set, or a pointer at level 0.
 */
static inline bool
pte_malformed(sv39_pte_t e, unsigned level)
{
	if ((e & (SV39_PTE_RESERVED_MASK | SV39_PTE_N)) ||
	    (e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
		return true;
	if (e & SV39_PTE_LEAF_MASK)
		return (e & (SV39_PTE_R | SV39_PTE_W)) == SV39_PTE_W ||
		       !is_aligned(sv39_pte_pa(e), level_size(level));
	return level == 0 || (e & SV39_NONLEAF_BAD);
}

/*
 * Entries another hart's page-table walker may read while a call runs, and
 * set A and D in (hardware A/D updating: Svadu, QEMU 7.2). Every access the
 * library makes to an entry of a reachable table goes through these, so
 * that no store tears (one 64-bit single-copy-atomic access each) and no
 * A or D the hardware sets is lost by a read-modify-write. Loads too: a
 * plain load racing the walker's store is a data race in C (undefined, and
 * what ThreadSanitizer reports) even where the hardware makes it atomic;
 * a relaxed atomic load is the same ld on rv64 and mov on x86-64. They compile to
 * plain ld/sd and AMO or lr/sc sequences on rv64 (the A extension) and need
 * no libc. Tables not yet reachable (fresh from the reserve) are written
 * with plain stores and then published with pte_publish.
 */
static inline sv39_pte_t
pte_get(const sv39_pte_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

/*
 * Store a whole entry: a leaf, or 0. Overwrites A and D the hardware set.
 * On rv64 one `sd` (an aligned doubleword store is single-copy atomic), by
 * hand because GCC 12 turns a relaxed atomic store into an amoswap.
 */
static inline void
pte_set(sv39_pte_t *slot, sv39_pte_t e)
{
#if defined(__riscv) && __riscv_xlen == 64
	__asm__ volatile("sd %1, %0" : "=m"(*slot) : "r"(e));
#else
	__atomic_store_n(slot, e, __ATOMIC_RELAXED);
#endif
}

/*
 * Order every earlier store of this hart (a table's entries, and the zeroing
 * the embedder did in alloc_table) before the store that makes the table
 * reachable. On RISC-V an explicit `fence w,w` (whatever the compiler's
 * atomics mapping: GCC 12 ignores the order of a compare-and-swap), checked
 * by tests/host/check-fence.py; elsewhere that store is a release, which
 * ThreadSanitizer also understands.
 */
#if defined(__riscv)
static inline __attribute__((always_inline)) void
publish_fence(void)
{
	__asm__ volatile("fence w,w" ::: "memory");
}

/*
 * The store that links a table. Built with -DSV39_PUBLISH_MARKER (the
 * fence checks only), it is preceded in the same asm by a HINT the
 * hardware executes as a no-op (slti zero, zero, 1441), so that
 * check-fence.py can tell it from every other sd whatever the compiler
 * merges or moves; the fence stays a separate statement, as in the
 * library that ships.
 */
#ifdef SV39_PUBLISH_MARKER
#define SV39_LINK_MARK ".insn i 0x13, 2, x0, x0, 1441\n\t"
#else
#define SV39_LINK_MARK ""
#endif
static inline __attribute__((always_inline)) void
pte_link_store(sv39_pte_t *slot, sv39_pte_t e)
{
	__asm__ volatile(SV39_LINK_MARK "sd %1, %0" : "=m"(*slot) : "r"(e));
}

/*
 * Link by compare-and-swap: e goes into *slot only while it still holds
 * expected. Returns what *slot held (expected on success). The caller
 * fences first (publish_fence). By hand, so that the sc.d carries the
 * marker; relaxed, as GCC 12 compiles its own compare-and-swap anyway.
 */
static inline __attribute__((always_inline)) sv39_pte_t
pte_link_cas(sv39_pte_t *slot, sv39_pte_t expected, sv39_pte_t e)
{
	sv39_pte_t old;
	unsigned long failed;

	__asm__ volatile("1:\tlr.d %0, %2\n\t"
			 "bne %0, %3, 2f\n\t" SV39_LINK_MARK "sc.d %1, %4, %2\n\t"
			 "bnez %1, 1b\n"
			 "2:"
			 : "=&r"(old), "=&r"(failed), "+A"(*slot)
			 : "r"(expected), "r"(e)
			 : "memory");
	return old;
}
#else
static inline void
publish_fence(void)
{
}

static inline sv39_pte_t
pte_link_cas(sv39_pte_t *slot, sv39_pte_t expected, sv39_pte_t e)
{
	__atomic_compare_exchange_n(slot, &expected, e, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	return expected;
}
#endif

/*
 * Link a table whose entries are all written: the pointer e goes in last.
 * Always inlined, so that at every optimisation level the fence and the
 * linking store are in the function that links (check-fence.py).
 */
static inline __attribute__((always_inline)) void
pte_publish(sv39_pte_t *slot, sv39_pte_t e)
{
	publish_fence();
#if defined(__riscv)
	pte_link_store(slot, e);
#else
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
#endif
}

/*
 * Change the bits of a valid leaf that stays valid: (e & ~clear) | set as one
 * atomic read-modify-write, so that A and D set by hardware meanwhile stay.
 * Returns the entry as it was just before.
 */
static inline sv39_pte_t
pte_update(sv39_pte_t *slot, sv39_pte_t clear, sv39_pte_t set)
{
	sv39_pte_t old = pte_get(slot);

	while (!__atomic_compare_exchange_n(slot, &old, (old & ~clear) | set, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return old;
}

/* Clear bits with one atomic AND; returns the entry as it was just before. */
static inline sv39_pte_t
pte_clear_bits(sv39_pte_t *slot, sv39_pte_t bits)
{
	return __atomic_fetch_and(slot, ~bits, __ATOMIC_RELAXED);
}

/*
 * Can a hardware walker set anything in the valid leaf e? It sets A on any
 * access and D on a store, which needs W. With A set, and D set or W clear,
 * nothing is left for it to set, so a plain store (pte_set) of a changed
 * leaf loses nothing; otherwise a change must be one atomic
 * read-modify-write. (A hart's stale TLB entry cannot set D either: the
 * hardware sets A and D only in the entry in memory, after checking that it
 * still grants the access.)
 */
static inline bool
pte_hardware_can_set(sv39_pte_t e)
{
	return !(e & SV39_PTE_A) || (e & (SV39_PTE_W | SV39_PTE_D)) == SV39_PTE_W;
}

/* Set bits with one atomic OR; returns the entry as it was just before. */
static inline sv39_pte_t
pte_set_bits(sv39_pte_t *slot, sv39_pte_t bits)
{
	return __atomic_fetch_or(slot, bits, __ATOMIC_RELAXED);
}

/*
 * Where the embedder lets the library touch the page at pa: ops->phys_to_virt,
 * or, when that is NULL, pa + ops->phys_offset (the runtime direct-map fast
 * path, no call); both copied into the space at init (s->p2v,
 * s->p2v_offset). An embedder may also build the library with
 * -DSV39_PHYS_TO_VIRT(ctx, pa)=<expression> to replace both by that
 * expression, as libfdt lets an embedder replace libfdt_env.h. See
 * docs/porting.md.
 */
#define SV39_LIKELY(x) __builtin_expect(!!(x), 1)
#define SV39_UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline void *
sv39_phys_to_virt_(const struct sv39_space *s, sv39_pa_t pa)
{
#ifdef SV39_PHYS_TO_VIRT
	return SV39_PHYS_TO_VIRT(s->ctx, pa);
#else
	if (s->p2v)
		return s->p2v(s->ctx, pa);
	return (void *)(uintptr_t)(pa + s->p2v_offset);
#endif
}

/* The table page at pa. */
static inline sv39_pte_t *
table_of(const struct sv39_space *s, sv39_pa_t pa)
{
	return (sv39_pte_t *)sv39_phys_to_virt_(s, pa);
}

/* The table a valid non-leaf entry points at. */
static inline sv39_pte_t *
next_table(const struct sv39_space *s, sv39_pte_t pte)
{
	return table_of(s, sv39_pte_pa(pte));
}

/* Optional hook: flush_tlb may be NULL. */
static inline void
ops_flush_tlb(const struct sv39_space *s, sv39_va_t va, uint64_t size)
{
	if (s->ops->flush_tlb)
		s->ops->flush_tlb(s->ctx, va, size, s->asid);
}

/* Optional hook: free_frame may be NULL. */
static inline void
ops_free_frame(const struct sv39_space *s, sv39_pa_t pa, uint64_t size)
{
	if (s->ops->free_frame)
		s->ops->free_frame(s->ctx, pa, size);
}

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

/*
 * The files of src/ form a strict order: each uses only those before it.
 *   range.c, table.c      argument checks; whole table pages
 *   txn.c                 the transaction (uses table.c)
 *   split.c, loan.c       superpage splits; the ledger of loans (use txn.c)
 *   the calls             map.c, unmap.c, protect.c, clone.c, share.c,
 *                         harvest.c, walk.c, iter.c, check.c, space.c,
 *                         error.c (use any of the above, never each other)
 *   copy.c, dump.c        built on sv39_translate (walk.c) and
 *                         sv39_for_each (iter.c)
 * The file-order test checks the archive for a cycle.
 * Names the files share end in '_': visibly internal, never declared in
 * sv39.h (the internal-names test checks the archive's symbols).
 */

/* range.c: range validation shared by every range call. */
int sv39_range_check_(sv39_va_t va, uint64_t size, uint64_t align, sv39_va_t *last);
int sv39_perm_check_(uint64_t perm);

/* table.c */
bool sv39_table_is_empty_(const sv39_pte_t *table);
bool sv39_table_has_borrowed_(const sv39_pte_t *table);
void sv39_free_subtree_(const struct sv39_space *s, sv39_pa_t table, unsigned level,
			bool free_frames);
void sv39_table_read_lent_(struct sv39_space *s);

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

/*
 * A read-only view of one table during a prepare step, which must reason
 * about tables that do not exist yet: a real table, an empty one (to be
 * created), or the 512 leaves a superpage would split into.
 */
struct view {
	const sv39_pte_t *table; /* real entries, or NULL */
	sv39_pte_t leaf;	 /* if table is NULL: the superpage to split, or 0 */
};

static inline struct view
view_real(const sv39_pte_t *table)
{
	struct view v = { table, 0 };
	return v;
}

static inline struct view
view_empty(void)
{
	struct view v = { NULL, 0 };
	return v;
}

static inline struct view
view_split(sv39_pte_t leaf)
{
	struct view v = { NULL, leaf };
	return v;
}

/* Entry i of a table at level (level) seen through v. */
static inline sv39_pte_t
view_get(struct view v, unsigned i, unsigned level)
{
	if (v.table)
		return pte_get(&v.table[i]);
	if (!v.leaf)
		return 0;
	return sv39_pte_make(sv39_pte_pa(v.leaf) + ((uint64_t)i << level_shift(level)),
			     v.leaf & SV39_PTE_FLAGS_MASK);
}

/*
 * The child view below entry e of a level-(level) table: the real table it
 * points at, the split of a superpage, or empty.
 */
static inline struct view
view_child(const struct sv39_space *s, sv39_pte_t e)
{
	if (pte_table(e))
		return view_real(next_table(s, e));
	if (pte_leaf(e))
		return view_split(e);
	return view_empty();
}

/*
 * One slot of a table that a range [va, last] touches: its index, the part
 * of the range inside it, and whether the range covers the whole slot.
 */
struct slot {
	unsigned i;
	sv39_va_t va, last;
	bool covered;
};

static inline void
slot_set(struct slot *sl, unsigned level, sv39_va_t cur, sv39_va_t last)
{
	sv39_va_t slot_last = cur | (level_size(level) - 1);

	sl->i = pte_index(cur, level);
	sl->va = cur;
	sl->last = slot_last < last ? slot_last : last;
	sl->covered = is_aligned(cur, level_size(level)) && sl->last == slot_last;
}

/* for (each slot sl of a level-(level) table in [va, last]); continue works. */
#define for_each_slot(sl, level, va, last)                                       \
	for (bool more_ = (slot_set(&(sl), (level), (va), (last)), true); more_; \
	     more_ = (sl).last != (last) &&                                      \
		     (slot_set(&(sl), (level), (sl).last + 1, (last)), true))

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

/* split.c (uses txn.c) */
void sv39_split_leaf_(struct sv39_txn *t, sv39_pte_t *slot, unsigned level);

#endif /* SV39_INTERNAL_H */
