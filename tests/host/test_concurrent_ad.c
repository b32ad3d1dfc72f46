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
 * split superpage's pointer into a malformed leaf). Each time the walker
 * turns a bit from 0 to 1 it counts one for that page.
 *
 * Meanwhile the main thread runs sv39_protect over the range (every leaf
 * rewritten, and superpages split at the edges of one-page protects) and
 * sv39_harvest of A and of D, counting every page each harvest reports.
 * After the walker stops, for every page and bit:
 *
 *	walker's 0->1 transitions <= pages harvest reported + (bit still set)
 *
 * A read-modify-write with a plain load and store, or a split that copies
 * the superpage's bits before publishing the new table, lets a walker's
 * update fall between the load and the store and vanish: the left side
 * then exceeds the right. Build it with -fsanitize=thread too
 * (concurrent-ad-tsan): every access the library makes to an entry the
 * walker may touch must then be atomic.
 *
 * Usage: test_concurrent_ad [PHASES] (default 40; each phase is one space,
 * one walker thread, ROUNDS rounds of protect/harvest/split).
 */
#include <pthread.h>

#include "testutil.h"

#define NSMALL 128		       /* 4 KiB pages at VA_SMALL */
#define NSUPER 8		       /* 2 MiB superpages at VA_SUPER */
#define NPAGES (NSMALL + NSUPER * 512) /* pages the walker may touch */
#define ROUNDS 64		       /* protect/harvest rounds per phase */
#define VA_SMALL 0x0000000040000000ULL
#define VA_SUPER 0x0000000080000000ULL
#define PA_SMALL 0x0000000100000000ULL
#define PA_SUPER 0x0000000200000000ULL

static const uint64_t bit_of[2] = { SV39_PTE_A, SV39_PTE_D };

struct shared {
	struct ramops *r;
	sv39_pa_t root;
	int stop;		       /* atomic: the walker ends when set */
	uint32_t set[NPAGES][2];       /* atomic: walker's 0->1 transitions */
	uint32_t harvested[NPAGES][2]; /* main thread only */
};

static sv39_va_t
page_va(unsigned p)
{
	if (p < NSMALL)
		return VA_SMALL + (uint64_t)p * PG;
	return VA_SUPER + (uint64_t)(p - NSMALL) * PG;
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

/* Set bits in the leaf mapping page p, as the MMU does on an access. */
static void
walker_touch(struct shared *sh, unsigned p, uint64_t bits)
{
	for (;;) {
		sv39_pte_t *slot = walker_leaf(sh, page_va(p));
		sv39_pte_t e;

		if (!slot)
			return;
		e = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (!sv39_pte_is_leaf(e))
			continue; /* split under us: walk again */
		if ((e & bits) == bits)
			return;
		if (!__atomic_compare_exchange_n(slot, &e, e | bits, false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		for (int b = 0; b < 2; b++)
			if ((bits & bit_of[b]) && !(e & bit_of[b]))
				__atomic_fetch_add(&sh->set[p][b], 1, __ATOMIC_RELAXED);
		return;
	}
}

static void *
walker(void *arg)
{
	struct shared *sh = arg;
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)arg;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		unsigned p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Half the touches on the 4 KiB pages, half on the superpages. */
		p = (x & 1) ? (unsigned)(x >> 8) % NSMALL
			    : NSMALL + (unsigned)(x >> 8) % (NSUPER * 512);
		walker_touch(sh, p, bit_of[(x >> 1) & 1] | (((x >> 2) & 3) == 0 ? bit_of[0] : 0));
	}
	return NULL;
}

/* Harvest bit b over n pages from page index first; count what it reports. */
static void
harvest(struct shared *sh, struct sv39_space *s, unsigned first, unsigned n, int b)
{
	uint64_t bm[NPAGES / 64 + 1];
	int found = sv39_harvest(s, page_va(first), n, bit_of[b], bm);

	CHECK(found >= 0);
	for (unsigned i = 0; i < n; i++)
		if (bm[i / 64] >> (i % 64) & 1)
			sh->harvested[first + i][b]++;
}

/* One round: protect everything back and forth, split one superpage, harvest. */
static void
round_run(struct shared *sh, struct sv39_space *s, unsigned round)
{
	unsigned sp = round % NSUPER;

	CHECK_EQ(sv39_protect(s, VA_SMALL, NSMALL * PG, SV39_PTE_X, 0), 0);
	CHECK_EQ(sv39_protect(s, VA_SUPER, NSUPER * MEGA, SV39_PTE_X, 0), 0);
	/* One page of superpage sp: splits it while the walker works on it. */
	CHECK_EQ(sv39_protect(s, VA_SUPER + sp * MEGA + (round % 512) * PG, PG, 0, SV39_PTE_X), 0);
	harvest(sh, s, 0, NSMALL, round & 1);
	CHECK_EQ(sv39_protect(s, VA_SMALL, NSMALL * PG, 0, SV39_PTE_X), 0);
	CHECK_EQ(sv39_protect(s, VA_SUPER, NSUPER * MEGA, 0, SV39_PTE_X), 0);
	harvest(sh, s, NSMALL, NSUPER * 512, round & 1);
	harvest(sh, s, 0, NSMALL, !(round & 1));
}

/* After the walker stopped: no bit it set has gone without a report. */
static unsigned
phase_check(struct shared *sh, struct sv39_space *s)
{
	unsigned lost = 0;

	for (unsigned p = 0; p < NPAGES; p++) {
		uint64_t flags = 0;

		if (!CHECK_EQ(sv39_translate(s, page_va(p), NULL, &flags, NULL), 0))
			return 1;
		for (int b = 0; b < 2; b++) {
			uint32_t have = sh->harvested[p][b] + !!(flags & bit_of[b]);

			if (sh->set[p][b] > have) {
				if (lost < 5)
					printf("page %u (va 0x%llx): walker set %s %u times, "
					       "harvest reported %u, now %s\n",
					       p, (unsigned long long)page_va(p), b ? "D" : "A",
					       sh->set[p][b], sh->harvested[p][b],
					       (flags & bit_of[b]) ? "set" : "clear");
				lost++;
			}
		}
	}
	return lost;
}

static unsigned
phase(struct ramops *r, struct shared *sh)
{
	struct sv39_space s;
	pthread_t th;
	unsigned lost;

	memset(sh->set, 0, sizeof(sh->set));
	memset(sh->harvested, 0, sizeof(sh->harvested));
	if (!t_space(r, &s))
		return 1;
	/* No A/D preset: every bit set from here on is the walker's. */
	CHECK_EQ(sv39_map(&s, VA_SMALL, PA_SMALL, NSMALL * PG, RW, SV39_MAP_NO_AD), 0);
	CHECK_EQ(
		sv39_map(&s, VA_SUPER, PA_SUPER, NSUPER * MEGA, RW, SV39_MAP_NO_AD | SV39_MAP_HUGE),
		0);
	sh->r = r;
	sh->root = s.root;
	sh->stop = 0;
	if (!CHECK_EQ(pthread_create(&th, NULL, walker, sh), 0))
		return 1;
	for (unsigned k = 0; k < ROUNDS; k++)
		round_run(sh, &s, k);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	lost = phase_check(sh, &s);
	CHECK_EQ(sv39_check(&s), 0);
	for (unsigned p = 0; p < NPAGES; p += 97) {
		sv39_pa_t pa = 0;

		CHECK_EQ(sv39_translate(&s, page_va(p), &pa, NULL, NULL), 0);
		CHECK_EQ(pa, p < NSMALL ? PA_SMALL + p * PG : PA_SUPER + (p - NSMALL) * PG);
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

	check_begin("hardware A/D during protect, harvest, split");
	t_env_init(&r, 64, 0);
	for (unsigned i = 0; i < phases; i++) {
		unsigned l = phase(&r, &sh);

		lost += l;
		lost_phases += l != 0;
	}
	printf("%u phases of %u rounds: %u page bits lost in %u phases\n", phases, ROUNDS, lost,
	       lost_phases);
	CHECK_EQ(lost, 0);
	t_env_fini(&r);
	ramops_fini(&r);
	return check_finish();
}
