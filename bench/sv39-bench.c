/* SPDX-License-Identifier: MIT */
/*
 * sv39-bench - host benchmark of libsv39's range operations.
 *
 * Each operation is timed three ways in the same run, on the same ops:
 *   op   the libsv39 range call;
 *   (a)  the same work done the xv6 way, one sv39_walk per 4 KiB page plus a
 *        PTE store, so the ratio shows what range walking buys;
 *   (b)  a memset of exactly the page-table bytes the operation has to
 *        write, for reference: libc's wide vector stores and rep stosb make
 *        it no floor for a PTE-at-a-time fill, and it is no target;
 *   (b') those bytes stored 8 at a time by a plain loop: the floor any
 *        PTE-at-a-time fill can reach, and what map is held to.
 * Where a target compares two figures they are timed in turn within each
 * repetition, so that the machine's load hits both alike; the load average
 * is printed before and after the run.
 * Run it with case names (see cases[]) to time only those, e.g. under perf.
 * A benchmark prints numbers and its method; it asserts no time. It does
 * check that every result is right, and exits 1 when one is not, so that a
 * fast wrong library cannot post a good figure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sv39/sv39.h>

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

/* Fake physical base of the table arena: anything but the host address. */
#define ARENA_PA_BASE 0x0000000900000000ULL

#ifdef SV39_BENCH_DIRECT
/*
 * sv39-bench-direct: the library was built with direct_map.h, so it reaches
 * table pages by adding this base instead of calling arena_p2v.
 */
#include "direct_map.h"
_Static_assert(SV39_BENCH_PA_BASE == ARENA_PA_BASE, "direct_map.h and the arena agree");
uint8_t *sv39_bench_direct_base;
#endif
#define ARENA_PAGES 2048 /* 8 MiB; the largest case needs 514 pages */

/* Mapped frames are never touched, so they need no backing memory. */
#define FRAME_PA 0x0000002000000000ULL /* 128 GiB: 1 GiB aligned */
#define VA0 (1 * GiB)		       /* root slot 1 */

#define REPS_MAX 21	       /* timed repetitions per figure (SV39_BENCH_REPS lowers it) */
#define TRANSLATE_N (1u << 20) /* random addresses per translate repetition */
#define HUGE_CALLS 64	       /* sv39_map calls timed together for huge pages */

#define PERM_RW (SV39_PTE_R | SV39_PTE_W)
/* What sv39_map stores for PERM_RW (A and D preset): the walk loop does too. */
#define LEAF_RW (SV39_PTE_V | PERM_RW | SV39_PTE_A | SV39_PTE_D)

/*
 * The table arena: a bump allocator over one pre-faulted, pre-zeroed buffer.
 * alloc_table hands out never-used (hence zero) pages; free_table only
 * counts, so that freeing costs what a kernel's free-list push costs and no
 * zeroing happens inside a timed region. arena_reset re-zeroes the pages a
 * repetition used, outside the timed region.
 */
struct arena {
	struct sv39_ops ops;
	uint8_t *mem;
	size_t next; /* pages [0, next) handed out since the reset */
	uint64_t allocs, frees, flushes;
};

static int
arena_alloc(void *ctx, sv39_pa_t *pa)
{
	struct arena *ar = ctx;

	if (ar->next == ARENA_PAGES)
		return -1;
	*pa = ARENA_PA_BASE + (sv39_pa_t)ar->next++ * SV39_PAGE_SIZE;
	ar->allocs++;
	return 0;
}

static void
arena_free(void *ctx, sv39_pa_t pa)
{
	struct arena *ar = ctx;

	(void)pa;
	ar->frees++;
}

/* A fixed offset, like a kernel's direct map: no range check in the way. */
static void *
arena_p2v(void *ctx, sv39_pa_t pa)
{
	struct arena *ar = ctx;

	return ar->mem + (pa - ARENA_PA_BASE);
}

static void
arena_flush(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	struct arena *ar = ctx;

	(void)va;
	(void)size;
	(void)asid;
	ar->flushes++;
}

static void
arena_reset(struct arena *ar)
{
	memset(ar->mem, 0, ar->next * SV39_PAGE_SIZE);
	ar->next = 0;
	ar->allocs = ar->frees = 0;
}

/* Keep the compiler from dropping stores to, or loads from, p. */
static inline void
clobber(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct arena ar;
static struct sv39_space sp, sp2;
static struct sv39_ops direct_ops;   /* ar.ops with the runtime direct-map fast path */
static struct sv39_ops napot_ops;    /* ar.ops for harts with Svnapot (64 KiB groups) */
static struct sv39_space sp64, sp2m; /* translate-napot: groups, and 2 MiB leaves */
static struct sv39_space spd;	     /* sp's tables, reached through direct_ops */
static struct sv39_space spc;	     /* sp's tables, phys_to_virt called at each level */
static uint8_t *membuf;		     /* target of the (b) memsets: pre-faulted */
static uint8_t *membuf2;	     /* source of the clone's memcpy line */
static sv39_va_t *rand_va;
static int failures;

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
			failures++;                                 \
		}                                                   \
	} while (0)

/*
 * One figure: `body` is timed `reps` times after one untimed warm-up;
 * `setup` and `teardown` run around each repetition, untimed.
 */
struct figure {
	double med, min; /* ns per repetition */
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int reps = REPS_MAX;

static struct figure
measure(void (*setup)(void), void (*body)(void), void (*teardown)(void))
{
	uint64_t t[REPS_MAX];
	struct figure f;

	for (int i = -1; i < reps; i++) {
		if (setup)
			setup();
		uint64_t t0 = now_ns();
		body();
		uint64_t t1 = now_ns();
		if (teardown)
			teardown();
		if (i >= 0)
			t[i] = t1 - t0;
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_u64);
	f.med = (double)t[reps / 2];
	f.min = (double)t[0];
	return f;
}

/*
 * Several bodies timed in turn within each repetition (no set-up), so that
 * a change in machine load during the run hits them all alike: for the
 * figures that are compared with each other (translate against its
 * baseline).
 */
static void
measure_interleaved_st(void (*const setup[])(void), void (*const body[])(void),
		       void (*const teardown[])(void), struct figure f[], int n)
{
	uint64_t t[8][REPS_MAX];

	for (int i = -1; i < reps; i++)
		for (int k = 0; k < n; k++) {
			if (setup && setup[k])
				setup[k]();
			uint64_t t0 = now_ns();
			body[k]();
			uint64_t t1 = now_ns();
			if (teardown && teardown[k])
				teardown[k]();
			if (i >= 0)
				t[k][i] = t1 - t0;
		}
	for (int k = 0; k < n; k++) {
		qsort(t[k], (size_t)reps, sizeof(t[k][0]), cmp_u64);
		f[k].med = (double)t[k][reps / 2];
		f[k].min = (double)t[k][0];
	}
}

static void
measure_interleaved(void (*const body[])(void), struct figure f[], int n)
{
	measure_interleaved_st(NULL, body, NULL, f, n);
}

/* An operation and the figure it is held to, timed in turn (*op, *other). */
struct timed {
	void (*setup)(void), (*body)(void), (*teardown)(void);
};

static void
measure_pair(struct timed x, struct timed y, struct figure *fx, struct figure *fy)
{
	void (*const st[])(void) = { x.setup, y.setup };
	void (*const bd[])(void) = { x.body, y.body };
	void (*const td[])(void) = { x.teardown, y.teardown };
	struct figure f[2];

	measure_interleaved_st(st, bd, td, f, 2);
	*fx = f[0];
	*fy = f[1];
}

/* ---- shared set-ups ---- */

static void
setup_empty(void)
{
	arena_reset(&ar);
	CHECK(sv39_space_init(&sp, &ar.ops, &ar) == 0, "space_init");
}

static void
setup_mapped_1g(void)
{
	setup_empty();
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW, 0) == 0, "map 1 GiB");
}

static void
teardown_destroy(void)
{
	sv39_space_destroy(&sp, 0);
	CHECK(ar.allocs == ar.frees, "leak: %llu tables allocated, %llu freed",
	      (unsigned long long)ar.allocs, (unsigned long long)ar.frees);
}

/* Sample some pages of [va, va + size) in s: each must map pa + offset. */
static void
check_mapped(const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t size,
	     uint64_t want_page, uint64_t must_clear)
{
	for (uint64_t off = 0; off < size; off += size / 61 + 4093) {
		sv39_pa_t got;
		uint64_t flags, psize;
		int err = sv39_translate(s, va + off, &got, &flags, &psize);

		CHECK(err == 0 && got == pa + off && psize == want_page && !(flags & must_clear),
		      "translate 0x%llx: err %d pa 0x%llx size 0x%llx",
		      (unsigned long long)(va + off), err, (unsigned long long)got,
		      (unsigned long long)psize);
	}
}

/* The (a) shape of map: xv6's mappages, one walk from the root per page. */
static int
walk_map(struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += SV39_PAGE_SIZE) {
		sv39_pte_t *pte;

		if (sv39_walk(s, va + off, SV39_WALK_ALLOC, &pte, NULL) != 0)
			return -1;
		if (*pte & SV39_PTE_V)
			return -1;
		*pte = sv39_pte_make(pa + off, LEAF_RW);
	}
	return 0;
}

static size_t memset_bytes;

static void
body_memset(void)
{
	memset(membuf, 0x5a, memset_bytes);
	clobber(membuf);
}

/*
 * (b') the same bytes written one 8-byte PTE at a time, as any PTE-by-PTE
 * fill writes them: libc's memset uses wide stores (and, for large sizes,
 * rep stosb, which skips reading the lines it overwrites), a scalar store
 * loop cannot. The empty asm hides the value so the compiler can neither
 * vectorize the loop nor turn it into memset.
 */
static void
body_scalarfill(void)
{
	sv39_pte_t *p = (sv39_pte_t *)membuf, e = LEAF_RW;

	for (size_t i = 0; i < memset_bytes / sizeof(*p); i++) {
		__asm__("" : "+r"(e));
		p[i] = e;
		e += 1ULL << SV39_PTE_PPN_SHIFT;
	}
	clobber(p);
}

/* (b') for clone: read a source PTE, clear U, store it, 8 bytes at a time. */
static void
body_scalarcopy(void)
{
	sv39_pte_t *to = (sv39_pte_t *)membuf;
	const sv39_pte_t *from = (const sv39_pte_t *)membuf2;

	for (size_t i = 0; i < memset_bytes / sizeof(*to); i++) {
		sv39_pte_t e = from[i];

		__asm__("" : "+r"(e));
		to[i] = e & ~SV39_PTE_U;
	}
	clobber(to);
}

/* ---- map 1 GiB, 4 KiB pages ---- */

static void
body_map4k(void)
{
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW, 0) == 0, "sv39_map");
}

static void
check_map4k(void)
{
	check_mapped(&sp, VA0, FRAME_PA, 1 * GiB, SV39_PAGE_SIZE, 0);
	teardown_destroy();
}

static void
body_walkmap4k(void)
{
	CHECK(walk_map(&sp, VA0, FRAME_PA, 1 * GiB) == 0, "walk_map");
}

/* ---- map with SV39_MAP_HUGE: HUGE_CALLS calls, one per root slot ---- */

static sv39_pa_t huge_pa_skew; /* 0: 1 GiB leaves; 2 MiB: 2 MiB leaves */

static void
body_maphuge(void)
{
	for (uint64_t i = 0; i < HUGE_CALLS; i++)
		CHECK(sv39_map(&sp, VA0 + i * GiB, FRAME_PA + i * GiB + huge_pa_skew, 1 * GiB,
			       PERM_RW, SV39_MAP_HUGE) == 0,
		      "sv39_map huge");
}

static void
check_maphuge(void)
{
	for (uint64_t i = 0; i < HUGE_CALLS; i += 13)
		check_mapped(&sp, VA0 + i * GiB, FRAME_PA + i * GiB + huge_pa_skew, 1 * GiB,
			     huge_pa_skew ? SV39_MEGA_SIZE : SV39_GIGA_SIZE, 0);
	teardown_destroy();
}

/* ---- translate ---- */

static uint64_t translate_sum, expect_sum;

/* Every address of rand_va translated in s; their PAs summed in translate_sum. */
static inline __attribute__((always_inline)) void
translate_all(const struct sv39_space *s)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < TRANSLATE_N; i++) {
		sv39_pa_t pa;

		/* as a caller uses it: pa only when the call succeeded */
		sum += sv39_translate(s, rand_va[i], &pa, NULL, NULL) == 0 ? pa : 0;
	}
	translate_sum = sum;
}

static void
body_translate(void)
{
	translate_all(&sp);
}

/*
 * The same tables through a space rebuilt around sp's root
 * (sv39_space_init_from_root with ar.ops): it has not seen where its tables
 * are, so it cannot use the offset sp learned and calls phys_to_virt once
 * per level, as a space with a phys_to_virt that is not an offset would.
 */
static void
body_translate_calls(void)
{
	translate_all(&spc);
}

/* The same calls through the runtime direct-map fast path (phys_to_virt NULL). */
static void
body_translate_direct(void)
{
	translate_all(&spd);
}

/*
 * The baseline a port starts from, written the way xv6's walk and walkaddr
 * are (but not copied): walk checks va against MAXVA (a panic), loops over
 * the two upper levels checking only V, creates a missing table when asked
 * (walkaddr never asks), and turns a PA into a pointer through the direct
 * map; walkaddr checks MAXVA, then V and U on the level-0 entry. Kept out of
 * line, as walk and walkaddr are functions in another file for their
 * callers. It knows no superpages and checks no reserved bits.
 */
#define NAIVE_PTE2PA(pte) (((pte) >> 10) << 12)
#define NAIVE_PA2PTE(pa) (((pa) >> 12) << 10)
#define NAIVE_PX(level, va) (((va) >> (12 + 9 * (level))) & 511)
#define NAIVE_MAXVA (1ULL << 38)

/* out of line and not specialised for walkaddr's alloc = 0, as in a kernel */
#ifdef __clang__
#define NAIVE_OUT_OF_LINE __attribute__((noinline))
#else
#define NAIVE_OUT_OF_LINE __attribute__((noinline, noclone))
#endif

static __attribute__((noreturn)) void
naive_panic(const char *what)
{
	printf("sv39-bench: panic: %s\n", what);
	exit(1);
}

static NAIVE_OUT_OF_LINE sv39_pte_t *
naive_walk(sv39_pte_t *pagetable, sv39_va_t va, int alloc)
{
	if (va >= NAIVE_MAXVA)
		naive_panic("walk");
	for (int level = 2; level > 0; level--) {
		sv39_pte_t *pte = &pagetable[NAIVE_PX(level, va)];

		if (*pte & SV39_PTE_V) {
			pagetable = (sv39_pte_t *)(ar.mem + (NAIVE_PTE2PA(*pte) - ARENA_PA_BASE));
		} else {
			sv39_pa_t pa;

			if (!alloc || arena_alloc(&ar, &pa) != 0)
				return NULL;
			pagetable = arena_p2v(&ar, pa);
			memset(pagetable, 0, SV39_PAGE_SIZE);
			*pte = NAIVE_PA2PTE(pa) | SV39_PTE_V;
		}
	}
	return &pagetable[NAIVE_PX(0, va)];
}

static NAIVE_OUT_OF_LINE uint64_t
naive_walkaddr(sv39_pte_t *pagetable, sv39_va_t va)
{
	sv39_pte_t *pte;

	if (va >= NAIVE_MAXVA)
		return 0;
	pte = naive_walk(pagetable, va, 0);
	if (pte == NULL || !(*pte & SV39_PTE_V) || !(*pte & SV39_PTE_U))
		return 0;
	return NAIVE_PTE2PA(*pte);
}

/*
 * Where an xv6-style kernel keeps the root: a pointer in struct proc, loaded
 * by each caller (walkaddr(p->pagetable, va)), as sv39_translate loads
 * s->root.
 */
static struct naive_proc {
	sv39_pte_t *pagetable;
} naive_proc;

static void
body_naivetranslate(void)
{
	uint64_t sum = 0;

	naive_proc.pagetable = arena_p2v(&ar, sp.root);
	for (unsigned i = 0; i < TRANSLATE_N; i++)
		/* volatile: a load per call, as from another file's struct proc */
		sum += naive_walkaddr(*(sv39_pte_t *volatile *)&naive_proc.pagetable, rand_va[i]) |
		       (rand_va[i] & (SV39_PAGE_SIZE - 1));
	translate_sum = sum;
}

static void
body_walktranslate(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < TRANSLATE_N; i++) {
		sv39_pte_t *pte;

		if (sv39_walk(&sp, rand_va[i], 0, &pte, NULL) == 0)
			sum += sv39_pte_pa(*pte) | (rand_va[i] & (SV39_PAGE_SIZE - 1));
	}
	translate_sum = sum;
}

/* The hardware's walk with every check left out: a floor, not a rival. */
static void
body_rawtranslate(void)
{
	uint64_t sum = 0;
	const uint8_t *mem = ar.mem;

	for (unsigned i = 0; i < TRANSLATE_N; i++) {
		sv39_va_t va = rand_va[i];
		sv39_pa_t table = sp.root;

		for (int level = 2; level >= 0; level--) {
			unsigned shift = SV39_PAGE_SHIFT + 9u * (unsigned)level;
			const sv39_pte_t *t = (const sv39_pte_t *)(mem + (table - ARENA_PA_BASE));
			sv39_pte_t pte = t[(va >> shift) & 511];

			if (!(pte & SV39_PTE_V))
				break;
			if (pte & SV39_PTE_LEAF_MASK) {
				sum += sv39_pte_pa(pte) | (va & ((1ULL << shift) - 1));
				break;
			}
			table = sv39_pte_pa(pte);
		}
	}
	translate_sum = sum;
}

/* ---- clone_range 256 MiB ---- */

#define CLONE_SIZE (256 * MiB)

static void
setup_clone(void)
{
	setup_empty();
	CHECK(sv39_space_init(&sp2, &ar.ops, &ar) == 0, "space_init dst");
	CHECK(sv39_map(&sp, VA0, FRAME_PA, CLONE_SIZE, PERM_RW | SV39_PTE_U, 0) == 0, "map src");
}

static void
body_clone(void)
{
	CHECK(sv39_clone_range(&sp2, &sp, VA0, CLONE_SIZE, SV39_PTE_U, 0) == 0, "sv39_clone_range");
}

static void
teardown_clone(void)
{
	check_mapped(&sp2, VA0, FRAME_PA, CLONE_SIZE, SV39_PAGE_SIZE, SV39_PTE_U);
	sv39_space_destroy(&sp2, 0);
	teardown_destroy();
}

static void
body_walkclone(void)
{
	for (uint64_t off = 0; off < CLONE_SIZE; off += SV39_PAGE_SIZE) {
		sv39_pte_t *from, *to;

		if (sv39_walk(&sp, VA0 + off, 0, &from, NULL) != 0)
			continue;
		if (sv39_walk(&sp2, VA0 + off, SV39_WALK_ALLOC, &to, NULL) != 0) {
			CHECK(0, "walk dst");
			return;
		}
		*to = *from & ~SV39_PTE_U;
	}
}

/*
 * The memory limit of clone as copying: a memcpy of each of the source's
 * table pages in the range (the L1 table and its 128 L0 tables) into fresh
 * destination pages from the same allocator, linked into dst's root. It
 * runs after the same set-up as the clone, so caches start the same.
 */
static void
body_clonememcpy(void)
{
	const sv39_pte_t *sroot = arena_p2v(&ar, sp.root);
	sv39_pte_t *droot = arena_p2v(&ar, sp2.root);
	const sv39_pte_t *sl1 = arena_p2v(&ar, sv39_pte_pa(sroot[1]));
	sv39_pa_t dl1_pa, dl0_pa;
	sv39_pte_t *dl1;

	if (arena_alloc(&ar, &dl1_pa) != 0)
		return;
	dl1 = arena_p2v(&ar, dl1_pa);
	for (unsigned i = 0; i < CLONE_SIZE / SV39_MEGA_SIZE; i++) {
		if (arena_alloc(&ar, &dl0_pa) != 0)
			return;
		memcpy(arena_p2v(&ar, dl0_pa), arena_p2v(&ar, sv39_pte_pa(sl1[i])), SV39_PAGE_SIZE);
		dl1[i] = sv39_pte_make(dl0_pa, SV39_PTE_V);
	}
	droot[1] = sv39_pte_make(dl1_pa, SV39_PTE_V);
	clobber(droot);
}

/* The copied tables map what src maps (U kept); destroy both. */
static void
teardown_clonememcpy(void)
{
	check_mapped(&sp2, VA0, FRAME_PA, CLONE_SIZE, SV39_PAGE_SIZE, 0);
	sv39_space_destroy(&sp2, 0);
	teardown_destroy();
}

static void
body_memcpy(void)
{
	memcpy(membuf, membuf2, memset_bytes);
	clobber(membuf);
}

/* ---- unmap 1 GiB ---- */

static void
body_unmap(void)
{
	CHECK(sv39_unmap(&sp, VA0, 1 * GiB, 0) == 0, "sv39_unmap");
}

static void
check_unmap(void)
{
	CHECK(sv39_translate(&sp, VA0 + 12345 * SV39_PAGE_SIZE, NULL, NULL, NULL) == SV39_ENOENT,
	      "still mapped after unmap");
	CHECK(ar.allocs - ar.frees == 1, "unmap left %llu tables beside the root",
	      (unsigned long long)(ar.allocs - ar.frees - 1));
	teardown_destroy();
}

/* xv6's uvmunmap shape: a walk per page and a store of 0 (tables stay). */
static void
body_walkunmap(void)
{
	for (uint64_t off = 0; off < 1 * GiB; off += SV39_PAGE_SIZE) {
		sv39_pte_t *pte;

		if (sv39_walk(&sp, VA0 + off, 0, &pte, NULL) != 0) {
			CHECK(0, "walk unmap");
			return;
		}
		*pte = 0;
	}
}

/* ---- destroy ---- */

static void
body_destroy(void)
{
	sv39_space_destroy(&sp, 0);
}

static void
check_destroyed(void)
{
	CHECK(ar.allocs == ar.frees, "destroy: %llu tables allocated, %llu freed",
	      (unsigned long long)ar.allocs, (unsigned long long)ar.frees);
}

/* xv6's freewalk shape: look at every entry of every table, recursively. */
static void
freewalk(sv39_pa_t table)
{
	sv39_pte_t *t = arena_p2v(&ar, table);

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t pte = t[i];

		if ((pte & SV39_PTE_V) && !(pte & SV39_PTE_LEAF_MASK)) {
			freewalk(sv39_pte_pa(pte));
			t[i] = 0;
		}
	}
	ar.ops.free_table(&ar, table);
}

static void
body_freewalk(void)
{
	freewalk(sp.root);
}

/*
 * The floor for destroy without SV39_FREE_FRAMES: level-0 tables hold only
 * leaves, so only the root and the level-1 table must be read; plus one
 * free_table call per table page.
 */
static void
body_destroyfloor(void)
{
	const sv39_pte_t *root = arena_p2v(&ar, sp.root);
	const sv39_pte_t *l1 = arena_p2v(&ar, sv39_pte_pa(root[1]));
	uint64_t acc = 0;

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		acc |= root[i];
		if (l1[i] & SV39_PTE_V)
			ar.ops.free_table(&ar, sv39_pte_pa(l1[i]));
	}
	ar.ops.free_table(&ar, sv39_pte_pa(root[1]));
	ar.ops.free_table(&ar, sp.root);
	clobber(&acc);
}

/* ---- report ---- */

static void
line(const char *tag, const char *what, struct figure f, double units)
{
	printf("  %-4s %-52s %9.4g ns [min %9.4g]  total %8.3f ms\n", tag, what, f.med / units,
	       f.min / units, f.med / 1e6);
}

static void
ratios(struct figure op, struct figure a, struct figure b, double b_limit, double a_limit)
{
	double opb = op.med / b.med, aop = a.med / op.med;

	printf("  op/(b) = %.2f", opb);
	if (b_limit > 0)
		printf(" (target <= %.0f: %s)", b_limit, opb <= b_limit ? "met" : "MISSED");
	printf("   (a)/op = %.2f", aop);
	if (a_limit > 0)
		printf(" (target >= %.0f: %s)", a_limit, aop >= a_limit ? "met" : "MISSED");
	printf("\n\n");
}

/* Bytes of nptes PTEs, printed with what they are. */
static size_t
pte_bytes(uint64_t nptes)
{
	return (size_t)(nptes * sizeof(sv39_pte_t));
}

/* The 4 KiB walk loop figure, shared by the three map cases. */
static struct figure walkmap;
static bool have_walkmap;

static struct figure
walkmap_figure(void)
{
	if (!have_walkmap) {
		walkmap = measure(setup_empty, body_walkmap4k, check_map4k);
		have_walkmap = true;
	}
	return walkmap;
}

static const double pages_1g = (double)(1 * GiB / SV39_PAGE_SIZE);
static char what[128];

/*
 * The lines every 1 GiB case of 4 KiB pages prints: op, its walk-per-page
 * baseline (a), a memset of the PTE bytes it writes (b) and the same bytes
 * as 8-byte stores (b'), then the ratios against their targets (ratios()).
 * b_what names those bytes.
 */
static void
report_1g(const char *op_what, struct figure op, const char *a_what, struct figure a,
	  const char *b_what, struct figure b2, double b2_limit, double a_limit)
{
	struct figure b;

	memset_bytes = pte_bytes(512 * 512 + 512 + 1);
	b = measure(NULL, body_memset, NULL);
	line("op", op_what, op, pages_1g);
	line("(a)", a_what, a, pages_1g);
	snprintf(what, sizeof(what), "memset %zu B (%s)", memset_bytes, b_what);
	line("(b)", what, b, pages_1g);
	line("(b')", "the same bytes as 8-byte PTE stores, one loop", b2, pages_1g);
	printf("  op/(b') = %.2f", op.med / b2.med);
	if (b2_limit > 0)
		printf(" (target <= %.2f: %s; minima %.2f)", b2_limit,
		       op.med <= b2_limit * b2.med ? "met" : "MISSED", op.min / b2.min);
	printf("\n");
	ratios(op, a, b, 0, a_limit);
}

/* map 1 GiB of 4 KiB pages: 512 L0 tables, 512 L1 entries, 1 root entry */
static void
case_map4k(void)
{
	struct figure op, b2;

	printf("map 1 GiB as 4 KiB pages (one sv39_map call)\n");
	memset_bytes = pte_bytes(512 * 512 + 512 + 1);
	/* op and its floor (b') timed in turn, so that load hits both alike */
	measure_pair((struct timed){ setup_empty, body_map4k, check_map4k },
		     (struct timed){ NULL, body_scalarfill, NULL }, &op, &b2);
	report_1g("sv39_map(1 GiB)", op, "262144 x (sv39_walk ALLOC + store)", walkmap_figure(),
		  "512 L0 tables + 1 L1 table + 8", b2, 1.25, 4);
}

/*
 * SV39_MAP_HUGE, HUGE_CALLS calls of 1 GiB each, one per root slot. With pa
 * 1 GiB aligned each is one root entry; with pa only 2 MiB aligned each is
 * one L1 table of 512 2 MiB leaves.
 */
static void
case_maphuge(sv39_pa_t skew)
{
	struct figure op, a = walkmap_figure(), b;

	huge_pa_skew = skew;
	if (!skew)
		printf("map 1 GiB with SV39_MAP_HUGE, va and pa 1 GiB aligned "
		       "(%d calls per repetition, one per root slot)\n",
		       HUGE_CALLS);
	else
		printf("map 1 GiB with SV39_MAP_HUGE, va 1 GiB aligned, pa only "
		       "2 MiB aligned (%d calls per repetition)\n",
		       HUGE_CALLS);
	op = measure(setup_empty, body_maphuge, check_maphuge);
	memset_bytes = pte_bytes(skew ? HUGE_CALLS * (512 + 1) : HUGE_CALLS);
	b = measure(NULL, body_memset, NULL);
	line("op",
	     skew ? "sv39_map(1 GiB, HUGE) -> 512 2 MiB leaves"
		  : "sv39_map(1 GiB, HUGE) -> one 1 GiB leaf",
	     op, HUGE_CALLS * pages_1g);
	printf("  %-4s %-52s %9.4g ns per call\n", "", "", op.med / HUGE_CALLS);
	line("(a)", "the 4 KiB walk loop above (xv6 has no superpages)", a, pages_1g);
	snprintf(what, sizeof(what),
		 skew ? "memset %zu B (1 L1 table + 8 per call)"
		      : "memset %zu B (1 root entry per call)",
		 memset_bytes);
	line("(b)", what, b, HUGE_CALLS * pages_1g);
	ratios(op, (struct figure){ a.med * HUGE_CALLS, 0 }, b, 0, 0);
}

/*
 * translate at TRANSLATE_N random addresses (any byte offset) in the first
 * `span` bytes of a mapped 1 GiB of 4 KiB pages. Over the whole 1 GiB the
 * level-0 tables (2 MiB) miss the L1/L2 caches; over 2 MiB (one level-0
 * table) everything is cache-hot and the figure is the code's own cost.
 */
/*
 * TRANSLATE_N addresses (any byte offset) in [VA0, VA0 + span) into
 * rand_va, the same every call; returns the sum of their PAs where VA0
 * maps FRAME_PA onward.
 */
static uint64_t
fill_rand_va(uint64_t span)
{
	uint64_t x64 = 0x9e3779b97f4a7c15ULL, sum = 0;

	for (unsigned i = 0; i < TRANSLATE_N; i++) {
		/* xorshift64: cheap, reproducible */
		x64 ^= x64 << 13;
		x64 ^= x64 >> 7;
		x64 ^= x64 << 17;
		rand_va[i] = VA0 + (x64 % span);
		sum += FRAME_PA + (rand_va[i] - VA0);
	}
	return sum;
}

static void
case_translate(uint64_t span, const char *title)
{
	struct figure op, od, oc, x, a, b;
	double per;

	printf("translate %u random addresses %s; ns per call\n", TRANSLATE_N, title);
	setup_empty();
	/* U set, so that the xv6-shaped baseline's U check passes */
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW | SV39_PTE_U, 0) == 0, "map 1 GiB");
	/* The same tables, reached through the runtime direct-map fast path. */
	CHECK(sv39_space_init_from_root(&spd, &direct_ops, &ar, sp.root) == 0, "init_from_root");
	CHECK(sv39_space_init_from_root(&spc, &ar.ops, &ar, sp.root) == 0, "init_from_root");
	expect_sum = fill_rand_va(span);
	/* Each body checks its own sum once, untimed, before the timed runs. */
	body_naivetranslate();
	CHECK(translate_sum == expect_sum, "naive walkaddr gave wrong addresses");
	body_translate();
	CHECK(translate_sum == expect_sum, "sv39_translate gave wrong addresses");
	body_translate_direct();
	CHECK(translate_sum == expect_sum, "sv39_translate (direct) gave wrong addresses");
	body_translate_calls();
	CHECK(translate_sum == expect_sum, "sv39_translate (calls) gave wrong addresses");
	body_walktranslate();
	CHECK(translate_sum == expect_sum, "sv39_walk gave wrong addresses");
	body_rawtranslate();
	CHECK(translate_sum == expect_sum, "raw walk gave wrong addresses");
	{
		static void (*const bodies[])(
			void) = { body_naivetranslate, body_translate,	  body_translate_direct,
				  body_walktranslate,  body_rawtranslate, body_translate_calls };
		struct figure f[6];

		measure_interleaved(bodies, f, 6);
		x = f[0];
		op = f[1];
		od = f[2];
		a = f[3];
		b = f[4];
		oc = f[5];
	}
	teardown_destroy();
#ifdef SV39_BENCH_DIRECT
	line("op", "sv39_translate, build-time SV39_PHYS_TO_VIRT hook", op, TRANSLATE_N);
#else
	line("op", "sv39_translate through ops->phys_to_virt (offset learned)", op, TRANSLATE_N);
	line("op-c", "sv39_translate, phys_to_virt called per level", oc, TRANSLATE_N);
#endif
	line("op-d", "sv39_translate, runtime direct map (p2v NULL)", od, TRANSLATE_N);
	line("(x)", "xv6-shaped walk + walkaddr (V per level, U)", x, TRANSLATE_N);
	line("(a)", "sv39_walk + PTE decode", a, TRANSLATE_N);
	line("(b)", "hand-written 3-level walk, no checks (floor)", b, TRANSLATE_N);
	per = op.med / TRANSLATE_N;
	printf("  op = %.2f ns per call (target < 10: %s)\n", per, per < 10 ? "met" : "MISSED");
	printf("  op-d/(x) = %.2f (target <= 1: %s)   op/(x) = %.2f (target <= 1.5: %s)\n",
	       od.med / x.med, od.med <= x.med ? "met" : "MISSED", op.med / x.med,
	       op.med <= 1.5 * x.med ? "met" : "MISSED");
	printf("  the same ratios of the minima (least disturbed by other load): "
	       "op-d/(x) = %.2f   op/(x) = %.2f\n",
	       od.min / x.min, op.min / x.min);
#ifdef SV39_BENCH_DIRECT
	(void)oc; /* the hook replaces every phys_to_virt call */
#else
	printf("  op-c/(x) = %.2f (no target: the cost of three calls, for a phys_to_virt that\n"
	       "  is not an offset or a space rebuilt with sv39_space_init_from_root)\n",
	       oc.med / x.med);
#endif
	ratios(op, a, b, 0, 0);
}

/* ---- Svnapot: 64 KiB groups beside 4 KiB and 2 MiB leaves ---- */

static void
setup_empty_napot(void)
{
	arena_reset(&ar);
	CHECK(sv39_space_init(&sp, &napot_ops, &ar) == 0, "space_init napot");
}

static void
body_map64k(void)
{
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW, SV39_MAP_64K) == 0, "sv39_map 64K");
}

static void
check_map64k(void)
{
	check_mapped(&sp, VA0, FRAME_PA, 1 * GiB, SV39_NAPOT_SIZE, 0);
	teardown_destroy();
}

/*
 * map 1 GiB with SV39_MAP_64K (16384 groups: the same 512 L0 tables, every
 * entry written, each member the same PTE) and as 4 KiB pages, timed in
 * turn within each repetition.
 */
static void
case_map_napot(void)
{
	struct figure op64, op4;

	printf("map 1 GiB as 64 KiB Svnapot groups beside 4 KiB pages (one sv39_map call each)\n");
	measure_pair((struct timed){ setup_empty_napot, body_map64k, check_map64k },
		     (struct timed){ setup_empty, body_map4k, check_map4k }, &op64, &op4);
	line("op64", "sv39_map(1 GiB, SV39_MAP_64K) -> 16384 groups", op64, pages_1g);
	line("op4k", "sv39_map(1 GiB) -> 262144 4 KiB leaves", op4, pages_1g);
	printf("  op64/op4k = %.2f (no target: both write 262144 entries)\n\n", op64.med / op4.med);
}

static void
body_translate64(void)
{
	translate_all(&sp64);
}

static void
body_translate2m(void)
{
	translate_all(&sp2m);
}

/*
 * translate at the TRANSLATE_N random addresses of case_translate over one
 * 1 GiB mapped three ways in one arena: 4 KiB leaves (sp), 64 KiB groups
 * (sp64, Svnapot ops) and 2 MiB leaves (sp2m: two HUGE calls of 512 MiB,
 * so no 1 GiB leaf fits). Timed in turn within each repetition.
 */
static void
case_translate_napot(void)
{
	struct figure f[3];
	uint64_t sum;

	/* one title line: bench/ranges.py takes it as the case's name */
	printf("translate %u random addresses in a mapped 1 GiB as 4 KiB leaves, 64 KiB groups "
	       "and 2 MiB leaves; ns per call\n",
	       TRANSLATE_N);
	arena_reset(&ar);
	CHECK(sv39_space_init(&sp, &ar.ops, &ar) == 0 &&
		      sv39_space_init(&sp64, &napot_ops, &ar) == 0 &&
		      sv39_space_init(&sp2m, &ar.ops, &ar) == 0,
	      "space_init");
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW, 0) == 0 &&
		      sv39_map(&sp64, VA0, FRAME_PA, 1 * GiB, PERM_RW, SV39_MAP_64K) == 0 &&
		      sv39_map(&sp2m, VA0, FRAME_PA, GiB / 2, PERM_RW, SV39_MAP_HUGE) == 0 &&
		      sv39_map(&sp2m, VA0 + GiB / 2, FRAME_PA + GiB / 2, GiB / 2, PERM_RW,
			       SV39_MAP_HUGE) == 0,
	      "map the three spaces");
	check_mapped(&sp64, VA0, FRAME_PA, 1 * GiB, SV39_NAPOT_SIZE, 0);
	check_mapped(&sp2m, VA0, FRAME_PA, 1 * GiB, SV39_MEGA_SIZE, 0);
	sum = fill_rand_va(1 * GiB);
	{
		static void (*const bodies[])(void) = { body_translate, body_translate64,
							body_translate2m };

		for (int k = 0; k < 3; k++) {
			bodies[k]();
			CHECK(translate_sum == sum, "translate case %d gave wrong addresses", k);
		}
		measure_interleaved(bodies, f, 3);
	}
	sv39_space_destroy(&sp2m, 0);
	sv39_space_destroy(&sp64, 0);
	teardown_destroy();
	line("op4k", "sv39_translate, 4 KiB leaves", f[0], TRANSLATE_N);
	line("op64", "sv39_translate, 64 KiB groups", f[1], TRANSLATE_N);
	line("op2m", "sv39_translate, 2 MiB leaves", f[2], TRANSLATE_N);
	printf("  op64/op4k = %.2f   op2m/op4k = %.2f (no target)\n\n", f[1].med / f[0].med,
	       f[2].med / f[0].med);
}

static void
case_translate_1g(void)
{
	case_translate(1 * GiB, "in a mapped 1 GiB (4 KiB pages)");
}

static void
case_translate_hot(void)
{
	case_translate(2 * MiB, "in the first 2 MiB of it (one L0 table, cache-hot)");
}

/* clone_range 256 MiB: src 4 KiB pages, dst empty, PTE_U cleared */
static void
case_clone(void)
{
	const double pages_clone = (double)(CLONE_SIZE / SV39_PAGE_SIZE);
	struct figure op, a, b, b2, b3, mc;

	printf("clone_range 256 MiB (src 4 KiB pages, dst empty, clear PTE_U)\n");
	/* the two compared figures timed in turn, each after the same set-up */
	measure_pair((struct timed){ setup_clone, body_clone, teardown_clone },
		     (struct timed){ setup_clone, body_clonememcpy, teardown_clonememcpy }, &op,
		     &mc);
	a = measure(setup_clone, body_walkclone, teardown_clone);
	memset_bytes = pte_bytes(128 * 512 + 128 + 1);
	b = measure(NULL, body_memset, NULL);
	b2 = measure(NULL, body_memcpy, NULL);
	b3 = measure(NULL, body_scalarcopy, NULL);
	line("op", "sv39_clone_range(256 MiB)", op, pages_clone);
	line("(a)", "65536 x (walk src + walk dst ALLOC + store)", a, pages_clone);
	snprintf(what, sizeof(what), "memset %zu B (128 L0 + 128 L1 entries + 8)", memset_bytes);
	line("(b)", what, b, pages_clone);
	line("", "memcpy of the same bytes (clone also reads src)", b2, pages_clone);
	line("(b')", "the same bytes as 8-byte load, clear U, store", b3, pages_clone);
	line("(m)", "memcpy src's 129 table pages into fresh dst pages", mc, pages_clone);
	printf("  op/(b') = %.2f   op/(m) = %.2f (target <= 1.5: %s; minima %.2f)\n",
	       op.med / b3.med, op.med / mc.med, op.med <= 1.5 * mc.med ? "met" : "MISSED",
	       op.min / mc.min);
	ratios(op, a, b, 0, 0);
}

/* unmap 1 GiB of 4 KiB pages */
static void
case_unmap(void)
{
	struct figure op, a;

	printf("unmap 1 GiB of 4 KiB pages (one sv39_unmap call; frees the tables)\n");
	op = measure(setup_mapped_1g, body_unmap, check_unmap);
	a = measure(setup_mapped_1g, body_walkunmap, teardown_destroy);
	memset_bytes = pte_bytes(512 * 512 + 512 + 1);
	report_1g("sv39_unmap(1 GiB)", op, "262144 x (sv39_walk + store 0), tables kept", a,
		  "every removed PTE", measure(NULL, body_scalarfill, NULL), 0, 0);
}

/* destroy a space holding 1 GiB of 4 KiB pages (512 L0 + 1 L1 + root) */
static void
case_destroy(void)
{
	struct figure op, a, b;

	printf("destroy a space with 1 GiB of 4 KiB pages (sv39_space_destroy, "
	       "no SV39_FREE_FRAMES)\n");
	op = measure(setup_mapped_1g, body_destroy, check_destroyed);
	a = measure(setup_mapped_1g, body_freewalk, check_destroyed);
	b = measure(setup_mapped_1g, body_destroyfloor, check_destroyed);
	line("op", "sv39_space_destroy", op, pages_1g);
	line("(a)", "xv6 freewalk shape: read every entry, recurse", a, pages_1g);
	line("(b)", "read root + L1 table (8192 B), 514 free_table calls", b, pages_1g);
	ratios(op, a, b, 0, 0);
}

/*
 * ---- protect and harvest 1 GiB of 4 KiB pages: read-modify-write of live leaves ----
 *
 * Each against its xv6 shape on the same tables, timed in turn in each
 * repetition: a per-page walk (naive_walk, out of line as xv6's walk is)
 * and a change of the PTE in place, as uvmclear clears U. Two kinds of
 * leaves: with A set (and D, as sv39_map presets them for RW), where the
 * hardware can set nothing and the library may store plainly (the
 * copy-on-write case: clear W); and without A, where every leaf needs one
 * atomic read-modify-write.
 */

static uint64_t harvest_bitmap[1 * GiB / SV39_PAGE_SIZE / 64];
static uint64_t rmw_bit; /* the bit a protect clears or a harvest takes */

static void
setup_leaves_ad(void)
{
	setup_mapped_1g(); /* RW: A and D preset */
}

static void
setup_leaves_no_a(void)
{
	setup_empty();
	CHECK(sv39_map(&sp, VA0, FRAME_PA, 1 * GiB, PERM_RW, SV39_MAP_NO_AD) == 0, "map 1 GiB");
}

/* A set, W set, D clear: the hardware could still set D, so harvest A is atomic. */
static void
setup_leaves_a_not_d(void)
{
	setup_leaves_no_a();
	CHECK(sv39_protect(&sp, VA0, 1 * GiB, SV39_PTE_A, 0) == 0, "protect set A");
}

static void
body_protect(void)
{
	CHECK(sv39_protect(&sp, VA0, 1 * GiB, 0, rmw_bit) == 0, "sv39_protect");
}

static void
body_harvest(void)
{
	int n = sv39_harvest(&sp, VA0, 1 * GiB / SV39_PAGE_SIZE, rmw_bit, harvest_bitmap);

	CHECK(n == (int)(1 * GiB / SV39_PAGE_SIZE), "sv39_harvest found %d", n);
}

/* xv6's uvmclear over every page: walk, clear the bit in place. */
static void
body_walkclear(void)
{
	sv39_pte_t *root = arena_p2v(&ar, sp.root);

	for (uint64_t off = 0; off < 1 * GiB; off += SV39_PAGE_SIZE) {
		sv39_pte_t *pte = naive_walk(root, VA0 + off, 0);

		if (pte == NULL)
			naive_panic("uvmclear");
		*pte &= ~rmw_bit;
	}
}

/* The same shape for harvest: walk, and if the bit is set, clear and report it. */
static void
body_walktestclear(void)
{
	sv39_pte_t *root = arena_p2v(&ar, sp.root);
	uint64_t page = 0;

	memset(harvest_bitmap, 0, sizeof(harvest_bitmap));
	for (uint64_t off = 0; off < 1 * GiB; off += SV39_PAGE_SIZE, page++) {
		sv39_pte_t *pte = naive_walk(root, VA0 + off, 0);

		if (pte == NULL)
			naive_panic("pgaccess");
		if (*pte & rmw_bit) {
			*pte &= ~rmw_bit;
			harvest_bitmap[page / 64] |= 1ULL << (page % 64);
		}
	}
}

/* Every page still maps its frame and lost the bit; then the space goes. */
static void
check_cleared(void)
{
	check_mapped(&sp, VA0, FRAME_PA, 1 * GiB, SV39_PAGE_SIZE, rmw_bit);
	teardown_destroy();
}

/*
 * op and its xv6 shape (a), each after the same set-up, timed in turn;
 * the ratio of the medians against the target, and of the minima.
 */
static void
case_rmw(const char *title, void (*setup)(void), uint64_t bit, void (*body)(void),
	 const char *opname, void (*abody)(void), const char *awhat, double target)
{
	struct figure f[2];

	printf("%s\n", title);
	rmw_bit = bit;
	measure_pair((struct timed){ setup, body, check_cleared },
		     (struct timed){ setup, abody, check_cleared }, &f[0], &f[1]);
	line("op", opname, f[0], pages_1g);
	line("(a)", awhat, f[1], pages_1g);
	printf("  op/(a) = %.2f (target <= %.1f: %s; minima %.2f)\n\n", f[0].med / f[1].med, target,
	       f[0].med <= target * f[1].med ? "met" : "MISSED", f[0].min / f[1].min);
}

static void
case_protect(void)
{
	case_rmw("protect 1 GiB of 4 KiB pages, leaves with A and D: clear W "
		 "(copy-on-write; plain stores)",
		 setup_leaves_ad, SV39_PTE_W, body_protect, "sv39_protect(1 GiB, clear W)",
		 body_walkclear, "262144 x (xv6 walk + clear W in place)", 1.5);
	case_rmw("protect 1 GiB of 4 KiB pages, leaves without A: clear W "
		 "(one atomic per leaf)",
		 setup_leaves_no_a, SV39_PTE_W, body_protect, "sv39_protect(1 GiB, clear W)",
		 body_walkclear, "262144 x (xv6 walk + clear W in place)", 3);
}

static void
case_harvest(void)
{
	case_rmw("harvest D over 1 GiB of 4 KiB pages, all with A and D (plain stores)",
		 setup_leaves_ad, SV39_PTE_D, body_harvest, "sv39_harvest(1 GiB, D)",
		 body_walktestclear, "262144 x (xv6 walk + test D, clear, report)", 1.5);
	case_rmw("harvest A over 1 GiB of 4 KiB pages, all with A and W, no D "
		 "(one atomic per leaf)",
		 setup_leaves_a_not_d, SV39_PTE_A, body_harvest, "sv39_harvest(1 GiB, A)",
		 body_walktestclear, "262144 x (xv6 walk + test A, clear, report)", 3);
}

static void
case_maphuge_1g(void)
{
	case_maphuge(0);
}

static void
case_maphuge_2m(void)
{
	case_maphuge(2 * MiB);
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "map4k", case_map4k },
	{ "maphuge1g", case_maphuge_1g },
	{ "maphuge2m", case_maphuge_2m },
	{ "translate", case_translate_1g },
	{ "translate-hot", case_translate_hot },
	{ "clone", case_clone },
	{ "unmap", case_unmap },
	{ "protect", case_protect },
	{ "harvest", case_harvest },
	{ "destroy", case_destroy },
	{ "map-napot", case_map_napot },
	{ "translate-napot", case_translate_napot },
};

/*
 * The machine's load average (/proc/loadavg, where there is one): figures
 * from a loaded machine say so beside them.
 */
static void
print_load(const char *when)
{
	char buf[128] = "unknown";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "unreadable\n");
		fclose(f);
	}
	printf("load average %s: %s%s", when, buf, strchr(buf, '\n') ? "" : "\n");
}

/* Run every case, or (for profiling one) only those named on the command line. */
static bool
wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	/* Fewer repetitions, for running it under callgrind. */
	const char *env_reps = getenv("SV39_BENCH_REPS");

	if (env_reps && atoi(env_reps) >= 1 && atoi(env_reps) <= REPS_MAX)
		reps = atoi(env_reps);
	ar.ops = (struct sv39_ops){
		.alloc_table = arena_alloc,
		.free_table = arena_free,
		.phys_to_virt = arena_p2v,
		.flush_tlb = arena_flush,
	};
	/* Pre-fault and pre-zero everything the timed regions touch. */
	ar.mem = aligned_alloc(SV39_PAGE_SIZE, ARENA_PAGES * SV39_PAGE_SIZE);
	membuf = aligned_alloc(SV39_PAGE_SIZE, 4 * MiB);
	membuf2 = aligned_alloc(SV39_PAGE_SIZE, 4 * MiB);
	rand_va = malloc(TRANSLATE_N * sizeof(*rand_va));
	if (!ar.mem || !membuf || !membuf2 || !rand_va) {
		printf("sv39-bench: out of memory\n");
		return 1;
	}
	memset(ar.mem, 0, ARENA_PAGES * SV39_PAGE_SIZE);
	direct_ops = ar.ops;
	direct_ops.phys_to_virt = NULL;
	napot_ops = ar.ops;
	napot_ops.features = SV39_FEATURE_SVNAPOT;
	direct_ops.phys_offset = (uint64_t)(uintptr_t)ar.mem - ARENA_PA_BASE;
#ifdef SV39_BENCH_DIRECT
	sv39_bench_direct_base = ar.mem;
#endif
	memset(membuf, 0, 4 * MiB);
	memset(membuf2, 0x11, 4 * MiB);
	ar.next = ARENA_PAGES; /* so that the first reset zeroes it all again */

	printf("sv39-bench: libsv39 host benchmark\n");
#ifdef SV39_BENCH_DIRECT
	printf("library built with SV39_PHYS_TO_VIRT (bench/direct_map.h): table pages are\n"
	       "  reached by adding a fixed offset, not by calling ops->phys_to_virt\n");
#endif
	printf("method: clock_gettime(CLOCK_MONOTONIC); each figure is the median "
	       "(and min) of %d timed\n"
	       "  repetitions in this run, after one untimed warm-up. Figures are "
	       "ns per 4 KiB page\n"
	       "  of the range (translate: ns per call). op = libsv39 range call; "
	       "(a) = the xv6 shape,\n"
	       "  one sv39_walk per page + a PTE store; (b) = a memset of exactly "
	       "the page-table\n"
	       "  bytes the operation must write (for reference); (b') = those "
	       "bytes written by a\n"
	       "  plain loop of 8-byte stores: the floor for any PTE-at-a-time "
	       "fill.\n",
	       reps);
	printf("ops: table pages bump-allocated from a %u KiB pre-faulted buffer at "
	       "fake physical base\n"
	       "  0x%llx (phys_to_virt = fixed offset). Pages come pre-zeroed; "
	       "free_table only counts;\n"
	       "  the pages a repetition used are re-zeroed between repetitions, "
	       "outside the timed region.\n"
	       "  flush_tlb is a no-op counter. Set-up (init, pre-mapping) and "
	       "destroy are untimed\n"
	       "  unless they are the operation measured.\n\n",
	       (unsigned)(ARENA_PAGES * SV39_PAGE_SIZE / KiB), (unsigned long long)ARENA_PA_BASE);

	print_load("before the run");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wanted(argc, argv, cases[i].name))
			cases[i].run();

	printf("targets (printed, not asserted; each against a floor measured in the same run,\n"
	       "  by the median): 4 KiB map within 1.25x of (b') and >= 4x faster than (a);\n"
	       "  clone_range within 1.5x of (m); protect and harvest within 1.5x of their xv6\n"
	       "  loop where leaves take plain stores, 3x where each needs an atomic; translate\n"
	       "  under 10 ns, through the runtime direct map no slower than (x), through\n"
	       "  ops->phys_to_virt within 1.5x of (x). memset (b) is shown, not a target: its\n"
	       "  vector stores and rep stosb are out of reach of any PTE-at-a-time fill.\n");
	print_load("after the run");
	if (failures) {
		printf("sv39-bench: %d wrong results: the figures above are void\n", failures);
		return 1;
	}
	free(rand_va);
	free(membuf2);
	free(membuf);
	free(ar.mem);
	return 0;
}
