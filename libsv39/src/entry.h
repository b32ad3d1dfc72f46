/* SPDX-License-Identifier: MIT */
/*
 * entry.h - access to the entries of tables a hardware walker may be
 * reading and setting A and D in: loads, stores, atomic read-modify-writes,
 * and the fence and store that publish a new table. Never installed.
 */
#ifndef SV39_ENTRY_H
#define SV39_ENTRY_H

#include <sv39/sv39.h>

/* clang's __has_feature, or 0 where the compiler has none (GCC 12). */
#ifdef __has_feature
#define SV39_HAS_FEATURE(f) __has_feature(f)
#else
#define SV39_HAS_FEATURE(f) 0
#endif

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
 * Two adjacent entries, 16-byte aligned, as one vector: one 16-byte access
 * where the target has one, two 8-byte ones elsewhere (map and clone fills).
 */
typedef sv39_pte_t pte_pair __attribute__((vector_size(16)));

/*
 * Load entries 2k and 2k + 1 of a table a walker may be writing A and D
 * into, each single-copy atomic, as pte_get loads one. Two pte_get on
 * rv64 (no 16-byte load) and wherever ThreadSanitizer checks the library.
 * On x86-64 one aligned 16-byte SSE load, by hand: the architecture makes
 * an aligned quadword access atomic and may split a wider SSE access only
 * into such accesses (whole 16 bytes atomic where AVX is), whereas a C
 * vector load would be a data race with the walker's store, and two atomic
 * loads joined into a vector cost clone's fill a tenth more (bench).
 */
static inline pte_pair
pte_get_pair(const pte_pair *pair)
{
#if defined(__x86_64__) && defined(__SSE2__) && !defined(__SANITIZE_THREAD__) && \
	!SV39_HAS_FEATURE(thread_sanitizer)
	pte_pair v;

	__asm__("movdqa %1, %0" : "=x"(v) : "m"(*pair));
	return v;
#else
	const sv39_pte_t *e = (const sv39_pte_t *)(const void *)pair;
	pte_pair v = { pte_get(&e[0]), pte_get(&e[1]) };

	return v;
#endif
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

#endif /* SV39_ENTRY_H */
