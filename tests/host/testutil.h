/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the host unit tests: set-up and the
 * end-of-test leak check over ramops, "this call failed and changed
 * nothing", and "va translates to exactly this".
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include <sv39/sv39.h>

#include "check.h"
#include "ramops.h"

#define KIB 0x400ULL
#define PG SV39_PAGE_SIZE
#define MEGA SV39_MEGA_SIZE
#define GIGA SV39_GIGA_SIZE

#define RW (SV39_PTE_R | SV39_PTE_W)
#define RX (SV39_PTE_R | SV39_PTE_X)
#define URW (SV39_PTE_U | SV39_PTE_R | SV39_PTE_W)

/*
 * One 1 GiB-aligned base in each canonical half, with room above for a few
 * GiB: every feature is exercised on both, since the high half is where
 * sign extension and index arithmetic go wrong.
 */
static const sv39_va_t t_bases[2] = {
	0x0000000040000000ULL,
	0xffffffc040000000ULL,
};
static const char *const t_half[2] = { "low half", "high half" };

/* The leaf's non-PPN bits sv39_map is documented to produce. */
static inline uint64_t
t_leaf_flags(uint64_t perm, unsigned map_flags)
{
	uint64_t f = perm | SV39_PTE_V;

	if (!(map_flags & SV39_MAP_NO_AD)) {
		f |= SV39_PTE_A;
		if (perm & SV39_PTE_W)
			f |= SV39_PTE_D;
	}
	return f;
}

static inline void
t_env_init(struct ramops *r, size_t npages, size_t tlb)
{
	if (ramops_init(r, npages, tlb) != 0) {
		printf("ramops_init failed\n");
		exit(2);
	}
}

/*
 * Every test ends here: all spaces destroyed, so nothing may be left
 * allocated, and ramops saw no foreign/double free, no bad phys_to_virt and
 * no page freed while the simulated TLB still used it.
 */
#define t_env_fini(r) t_env_fini_at((r), __FILE__, __LINE__)
static inline void
t_env_fini_at(struct ramops *r, const char *file, int line)
{
	check_report_eq(r->allocated, 0, file, line, "allocated", "0");
	check_report_eq(r->errors, 0, file, line, "ramops errors", "0");
	check_report_eq(r->stale_frees, 0, file, line, "stale_frees", "0");
	ramops_fini(r);
}

#define t_space(r, s) t_space_at((r), (s), __FILE__, __LINE__)
static inline bool
t_space_at(struct ramops *r, struct sv39_space *s, const char *file, int line)
{
	return check_report_eq(sv39_space_init(s, &r->ops, r), 0, file, line, "sv39_space_init",
			       "0");
}

/* Destroy a space that is no longer live: forget its TLB entries first. */
static inline void
t_destroy(struct ramops *r, struct sv39_space *s, unsigned flags)
{
	ramops_tlb_forget(r, s);
	sv39_space_destroy(s, flags);
}

/* va must translate to pa with exactly these flags and this page size. */
#define T_XLATE(s, va, pa, flags, size) \
	t_xlate_at((s), (va), (pa), (flags), (size), __FILE__, __LINE__)
static inline bool
t_xlate_at(const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t flags, uint64_t size,
	   const char *file, int line)
{
	sv39_pa_t got_pa = 0;
	uint64_t got_flags = 0, got_size = 0;
	int err = sv39_translate(s, va, &got_pa, &got_flags, &got_size);
	bool ok = check_report_eq(err, 0, file, line, "sv39_translate", "0");

	if (!ok)
		printf("\tva 0x%016" PRIx64 "\n", va);
	ok = check_report_eq(got_pa, pa, file, line, "translated pa", "pa") && ok;
	ok = check_report_eq(got_flags, flags, file, line, "pte flags", "flags") && ok;
	ok = check_report_eq(got_size, size, file, line, "page size", "size") && ok;
	return ok;
}

#define T_UNMAPPED(s, va) CHECK_EQ(sv39_translate((s), (va), NULL, NULL, NULL), SV39_ENOENT)

/*
 * call must return err and leave every table page bit for bit as it was,
 * with no page gained or lost.
 */
#define T_NOCHANGE(r, call, err)                           \
	do {                                               \
		struct ramops_snapshot snap_;              \
		size_t allocated_ = (r)->allocated;        \
		ramops_snapshot_take((r), &snap_);         \
		CHECK_EQ((call), (err));                   \
		CHECK(ramops_snapshot_equal((r), &snap_)); \
		CHECK_EQ((r)->allocated, allocated_);      \
		ramops_snapshot_free(&snap_);              \
	} while (0)

/* Count the leaves sv39_for_each reports for a range. */
static inline int
t_count_fn(void *arg, const struct sv39_leaf *leaf)
{
	(void)leaf;
	(*(uint64_t *)arg)++;
	return 0;
}

static inline uint64_t
t_count_leaves(const struct sv39_space *s, sv39_va_t va, uint64_t size)
{
	uint64_t n = 0;

	if (sv39_for_each(s, va, size, t_count_fn, &n) != 0)
		return UINT64_MAX;
	return n;
}

/* The raw PTE at index idx of the table page at pa (via ramops). */
static inline sv39_pte_t *
t_table(struct ramops *r, sv39_pa_t pa)
{
	return ramops_ptr(r, pa);
}

/* Index of va in the table of a level. */
static inline unsigned
t_vpn(sv39_va_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

/*
 * Count the table pages a space owns by reading its raw tree through
 * ramops (not through the library): the root plus every valid non-leaf
 * entry that is not marked borrowed.
 */
static inline size_t
t_count_tables_at(struct ramops *r, sv39_pa_t table, unsigned level)
{
	const sv39_pte_t *t = ramops_ptr(r, table);
	size_t n = 1;

	if (!t)
		return 0;
	for (unsigned i = 0; level > 0 && i < SV39_PTES_PER_TABLE; i++)
		if ((t[i] & SV39_PTE_V) && !(t[i] & SV39_PTE_LEAF_MASK) &&
		    !(t[i] & SV39_PTE_BORROWED))
			n += t_count_tables_at(r, sv39_pte_pa(t[i]), level - 1);
	return n;
}

static inline size_t
t_count_tables(struct ramops *r, const struct sv39_space *s)
{
	return t_count_tables_at(r, s->root, 2);
}

#endif /* TESTUTIL_H */
