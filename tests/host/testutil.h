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

/*
 * Start one run of a test: check_begin(name), a fresh ramops of npages
 * table pages with tlb simulated TLB entries (0: none), and an empty space
 * s in it. False (reported) if the space cannot be made; otherwise the run
 * ends with T_END, which destroys s and checks that nothing leaked.
 */
#define T_BEGIN(r, s, name, npages, tlb) \
	t_begin_at((r), (s), (name), (npages), (tlb), __FILE__, __LINE__)
static inline bool
t_begin_at(struct ramops *r, struct sv39_space *s, const char *name, size_t npages, size_t tlb,
	   const char *file, int line)
{
	check_begin(name);
	t_env_init(r, npages, tlb);
	return t_space_at(r, s, file, line);
}

#define T_END(r, s) t_end_at((r), (s), __FILE__, __LINE__)
static inline void
t_end_at(struct ramops *r, struct sv39_space *s, const char *file, int line)
{
	t_destroy(r, s, 0);
	t_env_fini_at(r, file, line);
}

/*
 * The loop of a test that runs once in each half: for each, b = t_bases[h]
 * + offset, a fresh ramops r (npages table pages, tlb TLB entries) and an
 * empty space s in it (T_BEGIN); after the body, which may end early with
 * continue, s is destroyed and r checked for leaks (T_END). A half whose
 * space cannot be made is reported and skipped.
 */
#define T_FOR_EACH_HALF(r, s, b, offset, npages, tlb)                                     \
	for (int half_ = 0; half_ < 2; half_++)                                           \
		for (sv39_va_t b = t_bases[half_] + (offset),                             \
			       more_ = T_BEGIN((r), (s), t_half[half_], (npages), (tlb)); \
		     more_; more_ = (T_END((r), (s)), 0))

/*
 * The usual space, at b (one of t_bases): 4 KiB pages at b and b + PG
 * (frames T_PA and T_PA + PG), a hole at b + 2 PG, a page at b + 3 PG
 * (T_PA + 3 PG), a 2 MiB leaf at b + MEGA (T_PA + MEGA), and, with giga,
 * a 1 GiB leaf at b + GIGA (T_PA_GIGA): every kind of leaf, and a hole
 * among them. All with perm, A and D preset. False (reported) if a map
 * failed. Tables: root, two level-1 and one level-0: 4 pages.
 */
#define T_PA 0x80000000ULL
#define T_PA_GIGA 0xc0000000ULL
#define T_USUAL_TABLES 4
#define T_MAP_USUAL(s, b, perm, giga) t_map_usual_at((s), (b), (perm), (giga), __FILE__, __LINE__)
static inline bool
t_map_usual_at(struct sv39_space *s, sv39_va_t b, uint64_t perm, bool giga, const char *file,
	       int line)
{
	bool ok = check_report_eq(sv39_map(s, b, T_PA, 2 * PG, perm, 0), 0, file, line,
				  "map of the pages", "0");

	ok = check_report_eq(sv39_map(s, b + 3 * PG, T_PA + 3 * PG, PG, perm, 0), 0, file, line,
			     "map of the page past the hole", "0") &&
	     ok;
	ok = check_report_eq(sv39_map(s, b + MEGA, T_PA + MEGA, MEGA, perm, SV39_MAP_HUGE), 0, file,
			     line, "map of the megapage", "0") &&
	     ok;
	if (giga)
		ok = check_report_eq(sv39_map(s, b + GIGA, T_PA_GIGA, GIGA, perm, SV39_MAP_HUGE), 0,
				     file, line, "map of the gigapage", "0") &&
		     ok;
	return ok;
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

/*
 * n leaves of this size from va on translate to pa onward (pa + i * size),
 * with these flags, but for the one at skip (any other address: none
 * skipped). Reports the first that does not, and stops there.
 */
#define T_XLATE_RUN(s, va, pa, flags, size, n, skip) \
	t_xlate_run_at((s), (va), (pa), (flags), (size), (n), (skip), __FILE__, __LINE__)
static inline bool
t_xlate_run_at(const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t flags,
	       uint64_t size, unsigned n, sv39_va_t skip, const char *file, int line)
{
	for (unsigned i = 0; i < n; i++) {
		sv39_va_t at = va + i * size;

		if (at != skip && !t_xlate_at(s, at, pa + i * size, flags, size, file, line))
			return false;
	}
	return true;
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

/*
 * The out-of-memory sweep. call(ctx) is made with allocation 1, 2, ...
 * of it failing in turn (step k: allocation k alone when k is odd, k and
 * every later one when k is even), at most max_steps times, until it
 * succeeds. Each failing step must return SV39_ENOMEM and leave every
 * table page bit for bit as it was, with no page gained or lost, and the
 * state bytes (may be NULL: none) as they were. Returns the step at which
 * the call succeeded (k: k - 1 failure points before it), or 0 if it did
 * not within max_steps (reported). Allocations succeed again afterwards.
 */
/* The usual context of a swept call: the space it changes, a second one, and where. */
struct t_call {
	struct sv39_space *s, *src;
	sv39_va_t va;
};

#define T_OOM_SWEEP(r, call, ctx, max_steps, state, state_len) \
	t_oom_sweep_at((r), (call), (ctx), (max_steps), (state), (state_len), __FILE__, __LINE__)
static inline uint64_t
t_oom_sweep_at(struct ramops *r, int (*call)(void *ctx), void *ctx, uint64_t max_steps,
	       const void *state, size_t state_len, const char *file, int line)
{
	void *state_before = state_len ? malloc(state_len) : NULL;
	uint64_t done = 0;

	if (state_len)
		memcpy(state_before, state, state_len);
	for (uint64_t k = 1; k <= max_steps && !done; k++) {
		struct ramops_snapshot snap;
		size_t before = r->allocated;
		int err;

		r->fail_at = r->alloc_calls + k;
		r->fail_after = (k & 1) == 0;
		ramops_snapshot_take(r, &snap);
		err = call(ctx);
		if (err == 0) {
			done = k;
		} else {
			check_report_eq(err, SV39_ENOMEM, file, line, "call", "SV39_ENOMEM");
			check_report_eq(ramops_snapshot_equal(r, &snap), true, file, line,
					"table pages unchanged", "true");
			check_report_eq(r->allocated, before, file, line, "allocated",
					"allocated before");
			if (state_len)
				check_report_eq(memcmp(state, state_before, state_len), 0, file,
						line, "state unchanged", "0");
		}
		ramops_snapshot_free(&snap);
	}
	r->fail_at = 0;
	r->fail_after = false;
	free(state_before);
	check_report_eq(done != 0, true, file, line, "the call succeeded within the sweep", "true");
	return done;
}

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

/*
 * A and D of the leaf mapping va as the hardware reads them (0 if none):
 * a Svnapot group's are the OR of its 16 members' (a hart may set them in
 * any member), where sv39_translate gives the page's own member's.
 */
static inline uint64_t
t_leaf_ad(const struct sv39_space *s, sv39_va_t va)
{
	const uint64_t ad = SV39_PTE_A | SV39_PTE_D;
	sv39_va_t base = va & ~(SV39_NAPOT_SIZE - 1);
	uint64_t fl = 0, size = 0, or_ad = 0;

	if (sv39_translate(s, va, NULL, &fl, &size) != 0)
		return 0;
	if (size != SV39_NAPOT_SIZE)
		return fl & ad;
	for (unsigned k = 0; k < 16; k++)
		if (sv39_translate(s, base + k * SV39_PAGE_SIZE, NULL, &fl, NULL) == 0)
			or_ad |= fl & ad;
	return or_ad;
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
