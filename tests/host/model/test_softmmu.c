/* SPDX-License-Identifier: MIT */
/*
 * test_softmmu - the software MMU against hand-built tables.
 *
 * The model tests trust softmmu as the hardware's stand-in, so each of its
 * fault rules is proven here on tables written by hand, without libsv39
 * and without ramops.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu.h"

#define NPAGES 8
#define BASE UINT64_C(0x80000000) /* fake physical address of page 0 */
#define ROOT BASE
#define L1 (BASE + 0x1000)
#define L0 (BASE + 0x2000)

static _Alignas(4096) uint64_t mem[NPAGES][512];
static int failures;

static void *
p2v(void *ctx, sv39_pa_t pa)
{
	(void)ctx;
	if (pa < BASE || pa >= BASE + NPAGES * 4096 || (pa & 0xfff))
		return NULL;
	return mem[(pa - BASE) / 4096];
}

static const struct sv39_ops ops = { .phys_to_virt = p2v };
static bool hart_svnapot; /* the next xlate's hart implements Svnapot */

static sv39_pte_t
ptr(sv39_pa_t table)
{
	return sv39_pte_make(table, SV39_PTE_V);
}

static struct softmmu_result
xlate(sv39_va_t va, enum softmmu_access acc, enum softmmu_priv priv, bool sum, bool mxr)
{
	struct softmmu_req req = { ROOT, va, acc, priv, sum, mxr, hart_svnapot };
	struct softmmu_result res;

	softmmu_translate(&ops, NULL, &req, &res);
	return res;
}

#define EXPECT_FAULT(what, res, f)                                                      \
	do {                                                                            \
		if ((res).fault != (f)) {                                               \
			printf("FAIL %s: got %s, want %s\n", what,                      \
			       softmmu_fault_name((res).fault), softmmu_fault_name(f)); \
			failures++;                                                     \
		}                                                                       \
	} while (0)

#define EXPECT_PA(what, res, want)                                                                \
	do {                                                                                      \
		EXPECT_FAULT(what, res, SOFTMMU_OK);                                              \
		if ((res).fault == SOFTMMU_OK && (res).pa != (want)) {                            \
			printf("FAIL %s: pa 0x%" PRIx64 ", want 0x%" PRIx64 "\n", what, (res).pa, \
			       (uint64_t)(want));                                                 \
			failures++;                                                               \
		}                                                                                 \
	} while (0)

/* va 0x40201000 + off: root[1] -> L1[1] -> L0[1]. */
#define VA4K UINT64_C(0x40201000)
#define RWAD (SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_A | SV39_PTE_D)

static void
reset_tree(void)
{
	memset(mem, 0, sizeof(mem));
	mem[0][1] = ptr(L1);
	mem[1][1] = ptr(L0);
}

static void
test_basic_and_structure(void)
{
	struct softmmu_result r;

	reset_tree();
	mem[2][1] = sv39_pte_make(0x12345000, RWAD);
	r = xlate(VA4K + 0x123, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("4k load", r, 0x12345123);
	if (r.level != 0 || r.page_size != 4096) {
		printf("FAIL 4k level %d size %" PRIu64 "\n", r.level, r.page_size);
		failures++;
	}
	r = xlate(VA4K + 0x1000, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("unmapped neighbour", r, SOFTMMU_F_INVALID);

	/* Non-canonical: bit 38 clear but bit 39 set, and the reverse. */
	r = xlate(UINT64_C(0x0000008000000000), SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("non-canonical low", r, SOFTMMU_F_CANONICAL);
	r = xlate(UINT64_C(0xffffff8000000000), SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("non-canonical high", r, SOFTMMU_F_CANONICAL);

	/* W without R, at the leaf and on a would-be pointer. */
	mem[2][1] = sv39_pte_make(0x12345000, SV39_PTE_V | SV39_PTE_W | SV39_PTE_A | SV39_PTE_D);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("leaf W without R", r, SOFTMMU_F_INVALID);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD);
	mem[1][1] = sv39_pte_make(L0, SV39_PTE_V | SV39_PTE_W);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("pointer W without R", r, SOFTMMU_F_INVALID);
	mem[1][1] = ptr(L0);

	/* V = 0 with other bits set is still invalid. */
	mem[2][1] = sv39_pte_make(0x12345000, RWAD & ~SV39_PTE_V);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("V clear", r, SOFTMMU_F_INVALID);

	/* A pointer at level 0. */
	mem[2][1] = ptr(BASE + 0x3000);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("level-0 pointer", r, SOFTMMU_F_DEPTH);

	/* Reserved bits 54 and 60, PBMT = 3, N, on a leaf. */
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | (UINT64_C(1) << 54);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("bit 54", r, SOFTMMU_F_RESERVED);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | (UINT64_C(1) << 60);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("bit 60", r, SOFTMMU_F_RESERVED);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | SV39_PTE_PBMT_MASK;
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("PBMT 3", r, SOFTMMU_F_PBMT);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | SV39_PTE_PBMT_IO;
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("PBMT IO leaf is fine", r, 0x12345000);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | SV39_PTE_N;
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("N", r, SOFTMMU_F_N);
	/* RSW bits are ignored. */
	mem[2][1] = sv39_pte_make(0x12345000, RWAD) | SV39_PTE_BORROWED | SV39_PTE_RSW_EMBEDDER;
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("RSW ignored", r, 0x12345000);
	mem[2][1] = sv39_pte_make(0x12345000, RWAD);

	/* Reserved bits on pointers: A, D, U, PBMT, N, bit 55. */
	{
		static const uint64_t bad[] = { SV39_PTE_A,	  SV39_PTE_D, SV39_PTE_U,
						SV39_PTE_PBMT_NC, SV39_PTE_N, UINT64_C(1) << 55 };
		static const enum softmmu_fault want[] = { SOFTMMU_F_RESERVED, SOFTMMU_F_RESERVED,
							   SOFTMMU_F_RESERVED, SOFTMMU_F_PBMT,
							   SOFTMMU_F_N,	       SOFTMMU_F_RESERVED };
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			mem[0][1] = ptr(L1) | bad[k];
			r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
			EXPECT_FAULT("pointer with reserved bit", r, want[k]);
		}
		/* G and RSW on a pointer are fine. */
		mem[0][1] = ptr(L1) | SV39_PTE_G | SV39_PTE_BORROWED;
		r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
		EXPECT_PA("pointer with G", r, 0x12345000);
		mem[0][1] = ptr(L1);
	}
}

static void
test_superpages(void)
{
	struct softmmu_result r;

	reset_tree();
	/* 2 MiB leaf at L1[2]: va 0x40400000. */
	mem[1][2] = sv39_pte_make(0x80600000, RWAD);
	r = xlate(0x40400000 + 0x1abcde, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("2M", r, 0x80600000 + 0x1abcde);
	if (r.level != 1 || r.page_size != SV39_MEGA_SIZE) {
		printf("FAIL 2M level/size\n");
		failures++;
	}
	mem[1][2] = sv39_pte_make(0x80601000, RWAD);
	r = xlate(0x40400000, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("misaligned 2M", r, SOFTMMU_F_MISALIGNED);

	/* 1 GiB leaf in the high half: root[511] = va 0xffffffffc0000000. */
	mem[0][511] = sv39_pte_make(UINT64_C(0x1c0000000), RWAD);
	r = xlate(UINT64_C(0xffffffffc0000000) + 0x3fffffff, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("1G high", r, UINT64_C(0x1c0000000) + 0x3fffffff);
	if (r.level != 2 || r.page_size != SV39_GIGA_SIZE) {
		printf("FAIL 1G level/size\n");
		failures++;
	}
	mem[0][511] = sv39_pte_make(UINT64_C(0x1c0200000), RWAD);
	r = xlate(UINT64_C(0xffffffffc0000000), SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("misaligned 1G", r, SOFTMMU_F_MISALIGNED);
	/* The low half's root[255] is not the high half's root[511]. */
	r = xlate(UINT64_C(0x3fc0000000), SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("low half root[255] empty", r, SOFTMMU_F_INVALID);
	/* Root[256] is the first high-half gigabyte. */
	mem[0][256] = sv39_pte_make(UINT64_C(0x40000000), RWAD);
	r = xlate(UINT64_C(0xffffffc000000000) + 5, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("root[256]", r, UINT64_C(0x40000005));
	/* Physical addresses use all 56 bits. */
	mem[0][256] = sv39_pte_make(UINT64_C(0xffffffc0000000), RWAD);
	r = xlate(UINT64_C(0xffffffc000000000) + 5, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("56-bit pa", r, UINT64_C(0xffffffc0000005));
}

static void
test_permissions(void)
{
	struct softmmu_result r;
	const uint64_t A = SV39_PTE_A, D = SV39_PTE_D, U = SV39_PTE_U;
	const uint64_t R = SV39_PTE_R, W = SV39_PTE_W, X = SV39_PTE_X;
	const uint64_t V = SV39_PTE_V;

	reset_tree();
	/* Supervisor page: U mode may not touch it. */
	mem[2][1] = sv39_pte_make(0x5000, V | R | W | X | A | D);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_U, 1, 1);
	EXPECT_FAULT("U on S page", r, SOFTMMU_F_PERM);
	r = xlate(VA4K, SOFTMMU_FETCH, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("S fetch S page", r, 0x5000);

	/* User page: S needs SUM for load/store, never fetches. */
	mem[2][1] = sv39_pte_make(0x5000, V | R | W | X | U | A | D);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_U, 0, 0);
	EXPECT_PA("U load U page", r, 0x5000);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("S load U page no SUM", r, SOFTMMU_F_PERM);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 1, 0);
	EXPECT_PA("S load U page SUM", r, 0x5000);
	r = xlate(VA4K, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("S store U page no SUM", r, SOFTMMU_F_PERM);
	r = xlate(VA4K, SOFTMMU_STORE, SOFTMMU_PRIV_S, 1, 0);
	EXPECT_PA("S store U page SUM", r, 0x5000);
	r = xlate(VA4K, SOFTMMU_FETCH, SOFTMMU_PRIV_S, 1, 1);
	EXPECT_FAULT("S fetch U page SUM", r, SOFTMMU_F_PERM);

	/* MXR: loads from execute-only pages. */
	mem[2][1] = sv39_pte_make(0x5000, V | X | A);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("load X-only", r, SOFTMMU_F_PERM);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 1);
	EXPECT_PA("load X-only MXR", r, 0x5000);
	r = xlate(VA4K, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 1);
	EXPECT_FAULT("store X-only MXR", r, SOFTMMU_F_PERM);

	/* Svade: A = 0 faults every access, D = 0 faults stores. */
	mem[2][1] = sv39_pte_make(0x5000, V | R | W | D);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("A clear", r, SOFTMMU_F_AD);
	mem[2][1] = sv39_pte_make(0x5000, V | R | W | A);
	r = xlate(VA4K, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("D clear load", r, 0x5000);
	r = xlate(VA4K, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("D clear store", r, SOFTMMU_F_AD);
	/* Permission is checked before A/D (step 5 before step 7). */
	mem[2][1] = sv39_pte_make(0x5000, V | R);
	r = xlate(VA4K, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("store to R page, A clear", r, SOFTMMU_F_PERM);
}

/* softmmu_leaf_allows must agree with the walk for every valid leaf. */
static void
test_allows_table(void)
{
	reset_tree();
	for (uint64_t bits = 0; bits < 64; bits++) {
		/* bits: R W X U A D in order */
		uint64_t f = SV39_PTE_V;

		f |= (bits & 1) ? SV39_PTE_R : 0;
		f |= (bits & 2) ? SV39_PTE_W : 0;
		f |= (bits & 4) ? SV39_PTE_X : 0;
		f |= (bits & 8) ? SV39_PTE_U : 0;
		f |= (bits & 16) ? SV39_PTE_A : 0;
		f |= (bits & 32) ? SV39_PTE_D : 0;
		if (!(f & (SV39_PTE_R | SV39_PTE_X)) || ((f & SV39_PTE_W) && !(f & SV39_PTE_R)))
			continue;
		mem[2][1] = sv39_pte_make(0x7000, f);
		for (int k = 0; k < 3 * 2 * 4; k++) {
			enum softmmu_access acc = (enum softmmu_access)(k % 3);
			enum softmmu_priv pr = (enum softmmu_priv)(k / 3 % 2);
			bool sum = (k / 6) & 1, mxr = (k / 12) & 1;
			struct softmmu_result r = xlate(VA4K, acc, pr, sum, mxr);
			bool want = softmmu_leaf_allows(f, acc, pr, sum, mxr);

			if ((r.fault == SOFTMMU_OK) != want ||
			    (r.fault && r.fault != SOFTMMU_F_PERM && r.fault != SOFTMMU_F_AD)) {
				printf("FAIL allows: flags 0x%" PRIx64
				       " acc %d priv %d sum %d mxr %d: walk %s, table %d\n",
				       f, acc, pr, sum, mxr, softmmu_fault_name(r.fault), want);
				failures++;
			}
		}
	}
}

/*
 * Svnapot: a level-0 leaf with N and ppn[3:0] = 0b1000 maps 64 KiB, the
 * low four PPN bits coming from the va; only on a hart that has it, only
 * at level 0, only with that encoding.
 */
static void
test_napot(void)
{
	const sv39_va_t group = UINT64_C(0x40210000); /* L0 slots 16..31 */
	const sv39_pte_t member = sv39_pte_make(0x12348000, RWAD) | SV39_PTE_N; /* ppn[3:0] 1000 */
	struct softmmu_result r;

	reset_tree();
	/* Only the member of the page translated is read: one is enough. */
	mem[2][16 + 3] = member;
	hart_svnapot = true;
	r = xlate(group + 0x3abc, SOFTMMU_STORE, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_PA("napot page 3", r, 0x12343abc);
	if (r.page_size != SV39_NAPOT_SIZE || r.level != 0) {
		printf("FAIL napot: page_size 0x%" PRIx64 " level %d\n", r.page_size, r.level);
		failures++;
	}
	mem[2][16 + 3] = sv39_pte_make(0x12344000, RWAD) | SV39_PTE_N; /* 128 KiB: reserved */
	r = xlate(group + 0x3abc, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("napot encoding 0100", r, SOFTMMU_F_N);
	mem[2][16 + 3] = sv39_pte_make(0x12340000, RWAD) | SV39_PTE_N; /* ppn[3:0] 0000 */
	r = xlate(group + 0x3abc, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("napot encoding 0000", r, SOFTMMU_F_N);
	mem[2][16 + 3] = member;
	/* N in a megapage leaf, with the same low PPN bits: reserved. */
	mem[1][2] = sv39_pte_make(0x80008000, RWAD) | SV39_PTE_N;
	r = xlate(UINT64_C(0x40400000), SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("N in a megapage", r, SOFTMMU_F_N);
	hart_svnapot = false;
	r = xlate(group + 0x3abc, SOFTMMU_LOAD, SOFTMMU_PRIV_S, 0, 0);
	EXPECT_FAULT("napot member without Svnapot", r, SOFTMMU_F_N);
	reset_tree();
}

int
main(void)
{
	test_basic_and_structure();
	test_superpages();
	test_permissions();
	test_allows_table();
	test_napot();
	if (failures) {
		printf("test_softmmu: %d failures\n", failures);
		return 1;
	}
	printf("test_softmmu: ok\n");
	return 0;
}
