/* SPDX-License-Identifier: MIT */
/*
 * hwad.c - dirty bits set by the MMU survive libsv39's updates
 * ("ktest=hwad", 2 or more harts).
 *
 * QEMU 7.2 sets A and D in the page tables itself, as hardware with Svadu
 * does, from whichever hart makes the access. Here the other harts
 * (writers) store to pages of the global table while this hart runs
 * sv39_protect (X on and off: every leaf rewritten; and one-page protects
 * that split 2 MiB superpages) and sv39_harvest of A and of D over the
 * same pages. A library that updates a live leaf with a plain load and
 * store loses a D set in between. The kernel-test image's mailbox
 * (ktest_others_run, ktest.c) sends the other harts into hwad_writer.
 *
 * Each unit (a 4 KiB page, or a superpage) is written at most once per
 * harvest: a writer stores to unit u only when writes[u] == reported[u],
 * then counts the write; this hart counts each harvest that reports u.
 * So after the writers stop and a last harvest, writes[u] == reported[u]
 * for every unit: one more write than reports is a lost D. The TLB side
 * holds because sv39_harvest and sv39_protect return only after the
 * flush reached every hart (kvm_flush: SBI remote fence), so the next
 * write after a report walks the table again and sets D anew.
 */
#include <sv39/sv39.h>

#include "cpu.h"
#include "kernel.h"
#include "ktest.h"
#include "riscv.h"

#define HWAD_PAGES 256 /* 4 KiB units */
#define HWAD_NSUPER 8  /* 2 MiB units */
#define HWAD_UNITS (HWAD_PAGES + HWAD_NSUPER)
#define HWAD_PHASES 12
#define HWAD_CYCLES 3 /* protect/harvest cycles per phase; the first splits */
#define MEGA (2UL << 20)
#define HWAD_PERM (SV39_PTE_R | SV39_PTE_W | SV39_PTE_G)

static uint64_t hwad_va;   /* HWAD_PAGES pages, then (2 MiB aligned) the superpages */
static uint64_t super_va;  /* the first superpage */
static int nsuper;	   /* superpages: as many 2 MiB blocks as were free */
static volatile int phase; /* writers write while phase > done */
static volatile int done;  /* the last phase that ended */
static volatile int quit;  /* writers return */
static volatile int acked[NCPU];
static volatile uint64_t writes[HWAD_UNITS], reported[HWAD_UNITS];
static int nwriters;

/* Where writer w stores in unit u: its own word of a page of the unit. */
static volatile uint64_t *
unit_word(int u, int w, uint64_t n)
{
	uint64_t va = u < HWAD_PAGES ? hwad_va + u * PAGE_SIZE
				     : super_va + (u - HWAD_PAGES) * MEGA + (n % 512) * PAGE_SIZE;

	return (volatile uint64_t *)(va + (uint64_t)w * 8);
}

/*
 * The units writer w stores to, [first, end) by step: with two or more
 * writers the first one takes only the superpages, so that it stores to
 * them the moment a harvest reports them (racing the split that follows),
 * and the others share the 4 KiB pages. Each unit has one writer.
 */
static void
writer_units(int w, int *first, int *end, int *step)
{
	*first = 0;
	*end = HWAD_PAGES + nsuper;
	*step = 1;
	if (nwriters == 1)
		return;
	if (w == 0) {
		*first = HWAD_PAGES;
		return;
	}
	*first = w - 1;
	*end = HWAD_PAGES;
	*step = nwriters - 1;
}

/* One writer hart: store to each of its units whose last write was reported. */
static void
hwad_writer(void)
{
	int w = mycpu()->id - 1, first, end, step;
	uint64_t n = 0;

	writer_units(w, &first, &end, &step);
	while (!quit) {
		int p = phase;

		while (p > done && !quit) {
			for (int u = first; u < end; u += step) {
				if (writes[u] != reported[u])
					continue;
				n++;
				/* A random delay spreads the stores over the split. */
				for (uint64_t d = u >= HWAD_PAGES ? (n * 0x9e3779b97f4a7c15UL) >> 54
								  : 0;
				     d > 0; d--)
					__asm__ volatile("" ::: "memory");
				*unit_word(u, w, n) = n;
				__sync_synchronize(); /* the store (and its D) before the count */
				writes[u]++;
			}
		}
		acked[w] = p;
		__sync_synchronize();
		while (phase == p && !quit)
			;
	}
}

/*
 * Harvest bit over n pages from page index i0 (from hwad_va, the hole
 * between the 4 KiB pages and the superpages included); for D, count each
 * unit reported (a superpage unit once, whichever of its pages were).
 */
static int
harvest_range(uint64_t i0, uint64_t n, uint64_t bit)
{
	static uint64_t bm[(HWAD_PAGES + HWAD_NSUPER * 512 + 1024) / 64];
	int found = sv39_harvest(&kvm_space, hwad_va + i0 * PAGE_SIZE, n, bit, bm);

	if (found < 0) {
		kprintf("ktest: sv39_harvest: %s\n", sv39_strerror(found));
		return -1;
	}
	for (uint64_t i = 0; bit == SV39_PTE_D && i < n; i++) {
		uint64_t va = hwad_va + (i0 + i) * PAGE_SIZE;
		int u = va < super_va ? (int)(i0 + i) : HWAD_PAGES + (int)((va - super_va) / MEGA);

		if (!(bm[i / 64] >> (i % 64) & 1))
			continue;
		reported[u]++;
		if (u >= HWAD_PAGES) /* the rest of this superpage: same unit */
			i |= 511;
	}
	return 0;
}

/* Harvest bit over every unit. */
static int
harvest_all(uint64_t bit)
{
	return harvest_range(0, (super_va - hwad_va) / PAGE_SIZE + (uint64_t)nsuper * 512, bit);
}

static int
protect_all(uint64_t set, uint64_t clear)
{
	int err = sv39_protect(&kvm_space, hwad_va, HWAD_PAGES * PAGE_SIZE, set, clear);

	if (!err && nsuper)
		err = sv39_protect(&kvm_space, super_va, nsuper * MEGA, set, clear);
	if (err)
		kprintf("ktest: sv39_protect: %s\n", sv39_strerror(err));
	return err;
}

/*
 * One cycle: X on everywhere, harvest A; each superpage's D harvested
 * alone and, in a phase's first cycle, the superpage split at once (a
 * one-page protect) while its writer rushes to store to it; then the
 * 4 KiB pages' D, and X off while their writers rush to store.
 */
static int
hwad_cycle(int ph, int c)
{
	uint64_t first_super = (super_va - hwad_va) / PAGE_SIZE;

	if (protect_all(SV39_PTE_X, 0) || harvest_all(SV39_PTE_A))
		return -1;
	for (int k = 0; k < nsuper; k++) {
		if (harvest_range(first_super + (uint64_t)k * 512, 512, SV39_PTE_D))
			return -1;
		if (c == 0 && sv39_protect(&kvm_space, super_va + k * MEGA + ph * PAGE_SIZE,
					   PAGE_SIZE, 0, SV39_PTE_X))
			return -1;
	}
	/* The 4 KiB pages' writers rush while X is taken off them. */
	if (harvest_range(0, HWAD_PAGES, SV39_PTE_D))
		return -1;
	return protect_all(0, SV39_PTE_X);
}

/* One phase: the superpages mapped whole, then HWAD_CYCLES cycles, then the check. */
static int
hwad_phase(int ph, const uint64_t *super_pa, uint64_t *lost)
{
	for (int k = 0; k < nsuper; k++)
		if (sv39_map(&kvm_space, super_va + k * MEGA, super_pa[k], MEGA, HWAD_PERM,
			     SV39_MAP_HUGE | SV39_MAP_NO_AD))
			return -1;
	if (harvest_all(SV39_PTE_D)) /* start clean */
		return -1;
	for (int u = 0; u < HWAD_UNITS; u++)
		writes[u] = reported[u] = 0;
	__sync_synchronize();
	phase = ph;
	for (int c = 0; c < HWAD_CYCLES; c++)
		if (hwad_cycle(ph, c))
			return -1;
	done = ph;
	__sync_synchronize();
	for (int w = 0; w < nwriters; w++)
		while (acked[w] != ph)
			;
	if (harvest_all(SV39_PTE_D))
		return -1;
	for (int u = 0; u < HWAD_UNITS; u++) {
		if (writes[u] == reported[u])
			continue;
		if (*lost < 5)
			kprintf("ktest: unit %d: written %lu times, D reported %lu times\n", u,
				writes[u], reported[u]);
		++*lost;
	}
	if (nsuper && sv39_unmap(&kvm_space, super_va, nsuper * MEGA, 0))
		return -1;
	return 0;
}

int
ktest_hwad(void)
{
	const uint64_t stride = (KSTACK_PAGES + 1) * PAGE_SIZE;
	uint64_t pages[HWAD_PAGES], super_pa[HWAD_NSUPER], total = 0, lost = 0;
	int err = 0;

	if (ncpu < 2) {
		kprintf("ktest: hwad needs 2 or more harts\n");
		return 1;
	}
	nwriters = ncpu - 1;
	/* Free kernel VA above the kernel stacks (and test_rfence's page). */
	hwad_va = ((uint64_t)_kstack_region + (NCPU + 2) * stride + 2 * MEGA) & ~(MEGA - 1);
	for (int i = 0; i < HWAD_PAGES; i++) {
		pages[i] = kalloc();
		if (!pages[i] || sv39_map(&kvm_space, hwad_va + i * PAGE_SIZE, pages[i], PAGE_SIZE,
					  HWAD_PERM, SV39_MAP_NO_AD))
			panic("hwad: cannot map the test pages");
	}
	super_va = hwad_va + 2 * MEGA;
	for (nsuper = 0; nsuper < HWAD_NSUPER; nsuper++)
		if (!(super_pa[nsuper] = kalloc_contig(MEGA, MEGA)))
			break;
	kprintf("ktest: %d 4 KiB and %d 2 MiB units at %lx\n", HWAD_PAGES, nsuper, hwad_va);
	ktest_others_run(hwad_writer);
	for (int ph = 1; ph <= HWAD_PHASES && !err; ph++) {
		err = hwad_phase(ph, super_pa, &lost);
		for (int u = 0; u < HWAD_UNITS; u++)
			total += writes[u];
	}
	quit = 1;
	__sync_synchronize();
	ktest_others_wait();
	if (sv39_unmap(&kvm_space, hwad_va, HWAD_PAGES * PAGE_SIZE, 0))
		err = 1;
	for (int i = 0; i < HWAD_PAGES; i++)
		kfree(pages[i]);
	for (int k = 0; k < nsuper; k++)
		kfree_contig(super_pa[k], MEGA);
	kprintf("ktest: %d writer hart(s), %lu writes over %d phases of %d protect/harvest "
		"cycles: %lu D lost\n",
		nwriters, total, HWAD_PHASES, HWAD_CYCLES, lost);
	return err || lost != 0;
}
