/* SPDX-License-Identifier: MIT */
/*
 * test_concurrent_ad - A and D set by "hardware" during protect, harvest and
 * superpage splits are never lost.
 *
 * A second thread plays another hart's page-table walker with hardware A/D
 * updating (Svadu, or QEMU 7.2): it walks the tree of the space with acquire
 * loads, as a walker that follows a pointer sees what was stored before it
 * was published, and sets A, D or both in the leaf that maps a random page
 * with a compare-and-swap that succeeds only while the entry is still that
 * valid leaf (the privileged spec's "atomically check that the PTE is valid
 * and grants sufficient permissions"; a plain atomic OR could turn a freshly
 * split superpage's pointer into a malformed leaf).
 *
 * Meanwhile the main thread runs sv39_protect over the range (every leaf
 * rewritten, and superpages split by one-page protects right after a
 * harvest cleared their bits) and sv39_harvest of A and of D, and reads
 * the leaves through every read-only pass: translate, walk, check, the
 * prepare passes of map and unmap, and the source side of clone, for_each
 * and share.
 *
 * Bookkeeping, on a shared clock: before trying to set bit b for page p
 * the walker stamps pending[p][b] with the time (and leaves the page alone
 * while a stamp is there); when its compare-and-swap finds the bit already
 * set it takes the stamp back. When a harvest that ended after the stamp
 * reports page p for b, the stamp is cleared. So after the walker stops, a
 * stamp left on a page whose leaf no longer has the bit is a set that no
 * harvest reported and the tree did not keep: a lost update. The walker
 * never sets a bit again on a stamped page, so a later touch cannot hide
 * the loss. A read-modify-write with a plain load and store, or a split
 * that copies the superpage's bits before publishing the new table, loses
 * such sets; so does a protect or harvest that rewrites a leaf with a plain
 * store where the walker could still set a bit (seen: storing plainly
 * whenever A is set, W and no D included, loses D bits here), whereas a
 * leaf with A and D (or A and no W) takes a plain store by design. Built
 * with -fsanitize=thread too (concurrent-ad-tsan): every
 * access the library makes to an entry the walker may touch must then be
 * atomic.
 *
 * Svnapot groups (the ops have SV39_FEATURE_SVNAPOT): the walker sets a
 * page's bit in a random member of its group (a hart may set them in any
 * member; its compare-and-swap needs that member still a group member),
 * and a bit counts as kept when the group's OR has it. Each round
 * protects the groups whole, harvests them, splits every one (a one-page
 * protect, or a one-page unmap in every fourth) while the walker works on
 * it, and reads them as clone's source; after a split each plain leaf
 * must carry the OR its group had.
 *
 * Usage: test_concurrent_ad [PHASES] (default 40; each phase is one space,
 * one walker thread, ROUNDS rounds of protect/harvest/split).
 */
#include <pthread.h>

#include "testutil.h"

#define NSMALL 128			    /* 4 KiB pages at VA_SMALL */
#define NSUPER 8			    /* 2 MiB superpages at VA_SUPER */
#define NGIGA 64			    /* pages of the 1 GiB leaf at VA_GIGA */
#define FIRST_SUPER NSMALL		    /* page index of VA_SUPER */
#define FIRST_GIGA (NSMALL + NSUPER * 512)  /* page index of VA_GIGA */
#define NGROUPS 16			    /* 64 KiB groups at VA_NAPOT */
#define FIRST_NAPOT (FIRST_GIGA + NGIGA)    /* page index of VA_NAPOT */
#define NPAGES (FIRST_NAPOT + NGROUPS * 16) /* pages the walker may touch */
#define ROUNDS 64			    /* protect/harvest rounds per phase */
#define VA_SMALL 0x0000000040000000ULL
#define VA_SUPER 0x0000000080000000ULL
#define VA_GIGA 0x00000000c0000000ULL
#define PA_SMALL 0x0000000100000000ULL
#define PA_SUPER 0x0000000200000000ULL
#define PA_GIGA 0x0000000400000000ULL
#define VA_NAPOT 0x0000000140000000ULL
#define PA_NAPOT 0x0000000800000000ULL
#define K64 SV39_NAPOT_SIZE

static const uint64_t bit_of[2] = { SV39_PTE_A, SV39_PTE_D };

struct shared {
	struct ramops *r;
	sv39_pa_t root;
	int stop;		     /* atomic: the walker ends when set */
	int go, busy;		     /* atomic: the walker touches only while go */
	uint64_t clock;		     /* atomic: the shared clock */
	uint64_t pending[NPAGES][2]; /* atomic: stamp of an unreported set, or 0 */
	uint64_t sets;		     /* walker only, read after the join */
	bool hole[NGROUPS * 16];     /* group pages unmapped this round (main only) */
};

/* The walker's pages: three runs, each at its own va and pa. */
static const struct {
	unsigned first; /* page index of its first page */
	sv39_va_t va;
	sv39_pa_t pa;
} page_runs[4] = {
	{ 0, VA_SMALL, PA_SMALL },
	{ FIRST_SUPER, VA_SUPER, PA_SUPER },
	{ FIRST_GIGA, VA_GIGA, PA_GIGA },
	{ FIRST_NAPOT, VA_NAPOT, PA_NAPOT },
};

static unsigned
page_run(unsigned p)
{
	return p >= FIRST_NAPOT ? 3 : p >= FIRST_GIGA ? 2 : p >= FIRST_SUPER;
}

static sv39_va_t
page_va(unsigned p)
{
	unsigned k = page_run(p);

	return page_runs[k].va + (uint64_t)(p - page_runs[k].first) * PG;
}

/* The frame page p is mapped to. */
static sv39_pa_t
page_pa(unsigned p)
{
	unsigned k = page_run(p);

	return page_runs[k].pa + (uint64_t)(p - page_runs[k].first) * PG;
}

/* The walker's view of a table page: ramops's buffer at a fixed offset. */
static sv39_pte_t *
walker_table(struct shared *sh, sv39_pa_t pa)
{
	return (sv39_pte_t *)(void *)(sh->r->mem + (pa - RAMOPS_PA_BASE));
}

/* The slot of the leaf that maps va, as the hardware walk finds it; NULL if none. */
static sv39_pte_t *
walker_leaf(struct shared *sh, sv39_va_t va)
{
	sv39_pte_t *table = walker_table(sh, sh->root);

	for (int level = 2; level >= 0; level--) {
		sv39_pte_t *slot = &table[(va >> (12 + 9 * level)) & 511];
		sv39_pte_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

		if (!(e & SV39_PTE_V))
			return NULL;
		if (sv39_pte_is_leaf(e))
			return slot;
		table = walker_table(sh, sv39_pte_pa(e));
	}
	return NULL;
}

static uint64_t
tick(struct shared *sh)
{
	return __atomic_add_fetch(&sh->clock, 1, __ATOMIC_SEQ_CST);
}

/*
 * The entry the walker sets a bit in, given the leaf slot of the page and
 * its value e: the leaf itself, or for a group member (N) another member,
 * number k, which must still be a group member (reloaded into *e); NULL
 * when it no longer is (a split is under way: walk again).
 */
static sv39_pte_t *
walker_target(sv39_pte_t *slot, sv39_va_t va, unsigned k, sv39_pte_t *e)
{
	if (!(*e & SV39_PTE_N))
		return slot;
	slot = slot - ((va >> 12) & 15) + k;
	*e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	return (*e & SV39_PTE_N) && sv39_pte_is_leaf(*e) ? slot : NULL;
}

/*
 * Set bit b in the leaf mapping page p, as the MMU does on an access; in
 * a group, in member k.
 */
static void
walker_touch(struct shared *sh, unsigned p, int b, unsigned k)
{
	uint64_t *pend = &sh->pending[p][b], none = 0, t;

	if (__atomic_load_n(pend, __ATOMIC_SEQ_CST))
		return; /* an unreported set of ours is there */
	t = tick(sh);
	if (!__atomic_compare_exchange_n(pend, &none, t, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	for (;;) {
		sv39_pte_t *slot = walker_leaf(sh, page_va(p));
		sv39_pte_t e;

		if (!slot)
			break;
		e = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (!sv39_pte_is_leaf(e))
			continue; /* split under us: walk again */
		slot = walker_target(slot, page_va(p), k, &e);
		if (!slot)
			continue;
		if (e & bit_of[b])
			break; /* set already, by an earlier touch */
		if (__atomic_compare_exchange_n(slot, &e, e | bit_of[b], false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			sh->sets++;
			return; /* the stamp stays until a harvest reports it */
		}
	}
	__atomic_compare_exchange_n(pend, &t, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void *
walker(void *arg)
{
	struct shared *sh = arg;
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)arg;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		unsigned p;

		if (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
			continue;
		__atomic_store_n(&sh->busy, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&sh->busy, 0, __ATOMIC_SEQ_CST);
			continue;
		}

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/*
		 * A quarter of the touches each on the 4 KiB pages, the 1 GiB
		 * leaf (a root entry), the 2 MiB superpages and the groups.
		 */
		if ((x & 3) == 0)
			p = (unsigned)(x >> 8) % NSMALL;
		else if ((x & 3) == 1)
			p = FIRST_GIGA + (unsigned)(x >> 8) % NGIGA;
		else if ((x & 3) == 2)
			p = FIRST_SUPER + (unsigned)(x >> 8) % (NSUPER * 512);
		else
			p = FIRST_NAPOT + (unsigned)(x >> 8) % (NGROUPS * 16);
		walker_touch(sh, p, (x >> 2) & 1, (unsigned)(x >> 40) & 15);
		__atomic_store_n(&sh->busy, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/*
 * Harvest bit b over n pages from page index first: each page it reports
 * has its stamp, if older than the harvest's end, accounted for.
 */
static void
harvest(struct shared *sh, struct sv39_space *s, unsigned first, unsigned n, int b)
{
	uint64_t bm[NPAGES / 64 + 1];
	int found = sv39_harvest(s, page_va(first), n, bit_of[b], bm);
	uint64_t end = tick(sh);

	CHECK(found >= 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t *pend = &sh->pending[first + i][b];
		uint64_t t = __atomic_load_n(pend, __ATOMIC_SEQ_CST);

		if ((bm[i / 64] >> (i % 64) & 1) && t && t < end)
			__atomic_compare_exchange_n(pend, &t, 0, false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
	}
}

/* Stop the walker between two touches, and let it go again. */
static void
walker_pause(struct shared *sh)
{
	__atomic_store_n(&sh->go, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->busy, __ATOMIC_SEQ_CST))
		;
}

static void
walker_resume(struct shared *sh)
{
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
}

/*
 * With the walker paused: a stamp left on a page of [first, first + n)
 * whose leaf lacks the bit is a loss. Forget the stamps: the pages are
 * about to be mapped anew, or the test ends.
 */
static unsigned
check_pages(struct shared *sh, struct sv39_space *s, unsigned first, unsigned n)
{
	unsigned lost = 0;

	for (unsigned p = first; p < first + n; p++) {
		uint64_t flags;

		if (p >= FIRST_NAPOT && sh->hole[p - FIRST_NAPOT]) {
			sh->pending[p][0] = sh->pending[p][1] = 0; /* removed: bits go */
			continue;
		}
		if (!CHECK_EQ(sv39_translate(s, page_va(p), NULL, NULL, NULL), 0))
			return 1;
		flags = t_leaf_ad(s, page_va(p)); /* a group's: the OR of its members' */
		for (int b = 0; b < 2; b++) {
			if (sh->pending[p][b] && !(flags & bit_of[b])) {
				if (lost < 3)
					printf("page %u (va 0x%llx): %s set by the walker at "
					       "time %llu, neither reported nor kept\n",
					       p, (unsigned long long)page_va(p), b ? "D" : "A",
					       (unsigned long long)sh->pending[p][b]);
				lost++;
			}
			sh->pending[p][b] = 0;
		}
	}
	return lost;
}

/* The superpages mapped anew, their bits clear (walker paused). */
static void
map_superpages(struct sv39_space *s, bool remap)
{
	if (remap)
		CHECK_EQ(sv39_unmap(s, VA_SUPER, NSUPER * MEGA, 0), 0);
	CHECK_EQ(sv39_map(s, VA_SUPER, PA_SUPER, NSUPER * MEGA, RW, SV39_MAP_NO_AD | SV39_MAP_HUGE),
		 0);
}

/* The groups mapped anew, their bits clear, no hole (walker paused). */
static void
map_groups(struct shared *sh, struct sv39_space *s, bool remap)
{
	if (remap)
		CHECK_EQ(sv39_unmap(s, VA_NAPOT, NGROUPS * K64, SV39_UNMAP_HOLES), 0);
	CHECK_EQ(sv39_map(s, VA_NAPOT, PA_NAPOT, NGROUPS * K64, RW, SV39_MAP_NO_AD | SV39_MAP_64K),
		 0);
	memset(sh->hole, 0, sizeof(sh->hole));
}

/*
 * The groups' part of a round, while the walker sets bits in them:
 * protect whole groups, harvest, then split every group (protect of one
 * page, or unmap of one page in every fourth group), harvest the split
 * pages, and read them (translate's PA) so a split that moved a frame is
 * caught too.
 */
static void
groups_round(struct shared *sh, struct sv39_space *s, unsigned round)
{
	CHECK_EQ(sv39_protect(s, VA_NAPOT, NGROUPS * K64, SV39_PTE_X, 0), 0);
	harvest(sh, s, FIRST_NAPOT, NGROUPS * 16, round & 1);
	for (unsigned g = 0; g < NGROUPS; g++) {
		unsigned k = (round + g * 5) % 16;
		sv39_va_t va = VA_NAPOT + g * K64 + k * PG;

		harvest(sh, s, FIRST_NAPOT + g * 16, 16, !(round & 1));
		if ((g + round) % 4 == 0) {
			sh->hole[g * 16 + k] = true;
			CHECK_EQ(sv39_unmap(s, va, PG, 0), 0);
		} else {
			CHECK_EQ(sv39_protect(s, va, PG, 0, SV39_PTE_X), 0);
		}
	}
	harvest(sh, s, FIRST_NAPOT, NGROUPS * 16, round & 1);
	for (unsigned p = FIRST_NAPOT; p < NPAGES; p += 7) {
		sv39_pa_t pa = 0;

		if (!sh->hole[p - FIRST_NAPOT] &&
		    CHECK_EQ(sv39_translate(s, page_va(p), &pa, NULL, NULL), 0))
			CHECK_EQ(pa, page_pa(p));
	}
}

/*
 * The read-only calls and the read-only passes of the mutating ones, on
 * leaves the walker is setting bits in: translate and walk every 4 KiB
 * page; sv39_check the tree; a map over the small pages (EEXIST, found by
 * map's prepare pass reading the live leaves) and an unmap running one
 * page past them into a hole (ENOENT after unmap's prepare pass read every
 * leaf): each fails and changes nothing. Under ThreadSanitizer every one
 * of those loads must be atomic, as the walker's stores are.
 */
static void
read_while_walked(struct sv39_space *s)
{
	for (unsigned p = 0; p < NSMALL; p++) {
		sv39_pte_t *pte = NULL;
		unsigned level = 9;

		CHECK_EQ(sv39_translate(s, page_va(p), NULL, NULL, NULL), 0);
		CHECK_EQ(sv39_walk(s, page_va(p), 0, &pte, &level), 0);
		CHECK_EQ(level, 0);
	}
	CHECK_EQ(sv39_check(s), 0);
	CHECK_EQ(sv39_map(s, VA_SMALL, PA_SMALL, NSMALL * PG, RW, 0), SV39_EEXIST);
	CHECK_EQ(sv39_unmap(s, VA_SMALL, (NSMALL + 1) * PG, 0), SV39_ENOENT);
}

/*
 * The calls that read s's leaves as a source, while the walker sets bits
 * in them: sv39_clone_range of everything into a fresh space (the fill
 * loops reading whole and partial level-0 tables, and the 1 GiB leaf at
 * the root), again into the same space (in sync), sv39_for_each over
 * everything, and sv39_share of the 1 GiB and of one 2 MiB slot into the
 * clone, which already maps both (EEXIST after share's prepare pass read
 * s's root entries, the 1 GiB leaf among them). The superpages are split
 * at this point (round_run), so every leaf of s is a 4 KiB page but the
 * 1 GiB one. Under ThreadSanitizer every load of them must be atomic.
 */
static void
read_as_source(struct ramops *r, struct sv39_space *s)
{
	static const sv39_va_t va[4] = { VA_SMALL, VA_SUPER, VA_GIGA, VA_NAPOT };
	static const uint64_t size[4] = { NSMALL * PG, NSUPER * MEGA, GIGA, NGROUPS * K64 };
	struct sv39_space d;

	if (!t_space(r, &d))
		return;
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < 4; k++)
			CHECK_EQ(sv39_clone_range(&d, s, va[k], size[k], 0, 0), 0);
	for (unsigned p = 0; p < NPAGES; p += 61) {
		sv39_pa_t pa = 0;

		if (p >= FIRST_NAPOT)
			continue; /* may be a hole; groups_round reads them */
		CHECK_EQ(sv39_translate(&d, page_va(p), &pa, NULL, NULL), 0);
		CHECK_EQ(pa, page_pa(p));
	}
	CHECK_EQ(t_count_leaves(s, VA_SMALL, 3 * GIGA), NSMALL + NSUPER * 512 + 1);
	CHECK_EQ(sv39_share(&d, s, VA_GIGA, GIGA), SV39_EEXIST);
	CHECK_EQ(sv39_share(&d, s, VA_SUPER, MEGA), SV39_EEXIST);
	t_destroy(r, &d, 0);
}

/*
 * One round: protect everything back and forth and harvest; each
 * superpage is harvested and then split at once, so that the walker sets
 * its bits again while the split copies them. Then (walker paused) the
 * superpages are checked and mapped whole again. Returns the losses.
 */
static unsigned
round_run(struct shared *sh, struct ramops *r, struct sv39_space *s, unsigned round)
{
	unsigned lost;

	CHECK_EQ(sv39_protect(s, VA_SMALL, NSMALL * PG, SV39_PTE_X, 0), 0);
	CHECK_EQ(sv39_protect(s, VA_SUPER, NSUPER * MEGA, SV39_PTE_X, 0), 0);
	for (unsigned k = 0; k < NSUPER; k++) {
		harvest(sh, s, NSMALL + k * 512, 512, round & 1);
		harvest(sh, s, NSMALL + k * 512, 512, !(round & 1));
		/* One page of superpage k: splits it while the walker works on it. */
		CHECK_EQ(sv39_protect(s, VA_SUPER + k * MEGA + (round % 512) * PG, PG, 0,
				      SV39_PTE_X),
			 0);
	}
	harvest(sh, s, 0, NSMALL, round & 1);
	harvest(sh, s, FIRST_GIGA, NGIGA, round & 1);
	groups_round(sh, s, round);
	read_while_walked(s);
	read_as_source(r, s);
	harvest(sh, s, FIRST_GIGA, NGIGA, !(round & 1));
	CHECK_EQ(sv39_protect(s, VA_SMALL, NSMALL * PG, 0, SV39_PTE_X), 0);
	CHECK_EQ(sv39_protect(s, VA_SUPER, NSUPER * MEGA, 0, SV39_PTE_X), 0);
	harvest(sh, s, 0, NSMALL, !(round & 1));
	harvest(sh, s, NSMALL, NSUPER * 512, round & 1);
	walker_pause(sh);
	lost = check_pages(sh, s, NSMALL, NSUPER * 512);
	lost += check_pages(sh, s, FIRST_NAPOT, NGROUPS * 16);
	map_superpages(s, true);
	map_groups(sh, s, true);
	walker_resume(sh);
	return lost;
}

static unsigned
phase(struct ramops *r, struct shared *sh)
{
	struct sv39_space s;
	pthread_t th;
	unsigned lost;

	memset(sh->pending, 0, sizeof(sh->pending));
	if (!t_space(r, &s))
		return 1;
	/* No A/D preset: every bit set from here on is the walker's. */
	CHECK_EQ(sv39_map(&s, VA_SMALL, PA_SMALL, NSMALL * PG, RW, SV39_MAP_NO_AD), 0);
	map_superpages(&s, false);
	CHECK_EQ(sv39_map(&s, VA_GIGA, PA_GIGA, GIGA, RW, SV39_MAP_NO_AD | SV39_MAP_HUGE), 0);
	map_groups(sh, &s, false);
	sh->r = r;
	sh->root = s.root;
	sh->stop = 0;
	sh->go = 1;
	if (!CHECK_EQ(pthread_create(&th, NULL, walker, sh), 0))
		return 1;
	lost = 0;
	for (unsigned k = 0; k < ROUNDS; k++)
		lost += round_run(sh, r, &s, k);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	lost += check_pages(sh, &s, 0, NPAGES);
	CHECK_EQ(sv39_check(&s), 0);
	for (unsigned p = 0; p < NPAGES; p += 97) {
		sv39_pa_t pa = 0;

		CHECK_EQ(sv39_translate(&s, page_va(p), &pa, NULL, NULL), 0);
		CHECK_EQ(pa, page_pa(p));
	}
	t_destroy(r, &s, 0);
	return lost;
}

int
main(int argc, char **argv)
{
	static struct shared sh;
	unsigned phases = argc > 1 ? (unsigned)atoi(argv[1]) : 40;
	unsigned lost = 0, lost_phases = 0;
	struct ramops r;

	check_begin("hardware A/D during protect, harvest, split, groups");
	t_env_init(&r, 128, 0);
	r.ops.features = SV39_FEATURE_SVNAPOT;
	for (unsigned i = 0; i < phases; i++) {
		unsigned l = phase(&r, &sh);

		lost += l;
		lost_phases += l != 0;
	}
	printf("%u phases of %u rounds, %llu bits set by the walker: %u lost in %u phases\n",
	       phases, ROUNDS, (unsigned long long)sh.sets, lost, lost_phases);
	CHECK_EQ(lost, 0);
	t_env_fini(&r);
	ramops_fini(&r);
	return check_finish();
}
