/* SPDX-License-Identifier: MIT */
/*
 * test_oom - every allocation a mutating call makes is a failure point.
 *
 * For each call shape below, ramops is told to fail allocation 1, then 2,
 * then 3, ... of the call (alone, and then with every later one failing
 * too). Each failing call must return SV39_ENOMEM and leave every table
 * page bit for bit as it was, with the same page count and no ramops
 * error; the sweep goes on until the call succeeds, and the success is
 * checked against the reference model (engine_check). A shape must have
 * as many failure points as the successful call made allocations, and at
 * least the number of tables worked out by hand below.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rawtree.h"

#define G SV39_GIGA_SIZE
#define M SV39_MEGA_SIZE
#define P SV39_PAGE_SIZE
#define RW (SV39_PTE_R | SV39_PTE_W)
#define RX (SV39_PTE_R | SV39_PTE_X)
#define MAX_POINTS 4096

static int failures;

static struct eop
op_map(int sp, sv39_va_t va, sv39_pa_t pa, uint64_t size, uint64_t perm, unsigned flags)
{
	struct eop op = { .kind = EOP_MAP,
			  .sp = sp,
			  .va = va,
			  .pa = pa,
			  .size = size,
			  .perm = perm,
			  .flags = flags };
	return op;
}

static struct eop
op_unmap(int sp, sv39_va_t va, uint64_t size, unsigned flags)
{
	struct eop op = { .kind = EOP_UNMAP, .sp = sp, .va = va, .size = size, .flags = flags };
	return op;
}

static struct eop
op_protect(int sp, sv39_va_t va, uint64_t size, uint64_t set, uint64_t clear)
{
	struct eop op = {
		.kind = EOP_PROTECT, .sp = sp, .va = va, .size = size, .set = set, .clear = clear
	};
	return op;
}

static struct eop
op_clone(sv39_va_t va, uint64_t size)
{
	struct eop op = { .kind = EOP_CLONE, .sp = 1, .va = va, .size = size, .clear = SV39_PTE_U };
	return op;
}

static struct eop
op_share(sv39_va_t va, uint64_t size)
{
	struct eop op = { .kind = EOP_SHARE, .sp = 1, .va = va, .size = size };
	return op;
}

/* The state the swept call starts from: ops applied without failures. */
#define MAX_SETUP 8
struct shape {
	const char *name;
	struct eop setup[MAX_SETUP];
	size_t nsetup;
	struct eop target;
	unsigned min_points; /* tables the call needs, counted by hand */
};

static void
report(const char *name, bool after, unsigned points, uint64_t allocs, unsigned min_points,
       const char *err)
{
	if (err) {
		printf("FAIL %s (fail_after=%d): %s\n", name, after, err);
		failures++;
		return;
	}
	if (points != allocs || points < min_points) {
		printf("FAIL %s (fail_after=%d): %u failure points, the successful "
		       "call made %" PRIu64 " allocations, at least %u expected\n",
		       name, after, points, allocs, min_points);
		failures++;
		return;
	}
	printf("%-52s fail_after=%d: %u failure points\n", name, after, points);
}

/* Does the shape map Svnapot groups? Then both spaces' ops have Svnapot. */
static bool
shape_uses_groups(const struct shape *sh)
{
	bool groups = sh->target.kind == EOP_MAP && (sh->target.flags & SV39_MAP_64K);

	for (size_t i = 0; i < sh->nsetup; i++)
		if (sh->setup[i].kind == EOP_MAP && (sh->setup[i].flags & SV39_MAP_64K))
			groups = true;
	return groups;
}

static void
sweep_shape(const struct shape *sh, bool after)
{
	struct ramops r;
	struct engine e = { .asid = { 1, 2 } };
	unsigned points = 0;
	uint64_t allocs = 0;
	const char *err = NULL;
	char buf[256];

	if (shape_uses_groups(sh))
		e.features[0] = e.features[1] = SV39_FEATURE_SVNAPOT;
	if (ramops_init(&r, 512, 0) || engine_init(&e, &r, 1) < 0) {
		report(sh->name, after, 0, 0, 0, "set-up failed");
		return;
	}
	for (size_t i = 0; i < sh->nsetup; i++) {
		if (model_expect(&e.m, &sh->setup[i]) != MRES_OK ||
		    engine_apply(&e, &sh->setup[i]) < 0) {
			printf("  set-up step %zu: %s\n", i, e.err);
			err = "set-up failed";
			goto out;
		}
	}
	e.allow_enomem = true;
	for (uint64_t k = 1; k < MAX_POINTS; k++) {
		uint64_t calls0 = r.alloc_calls;
		int ret;

		r.fail_at = calls0 + k;
		r.fail_after = after;
		ret = engine_apply(&e, &sh->target);
		r.fail_at = 0;
		r.fail_after = false;
		if (ret < 0) {
			printf("  failing allocation %" PRIu64 ": %s\n", k, e.err);
			err = "mismatch";
			goto out;
		}
		if (ret == 1) {
			if (r.alloc_calls < calls0 + k) {
				snprintf(buf, sizeof(buf),
					 "SV39_ENOMEM with no failed allocation "
					 "(allocation %" PRIu64 ")",
					 k);
				err = buf;
				goto out;
			}
			points++;
			continue;
		}
		allocs = r.alloc_calls - calls0;
		break;
	}
	e.allow_enomem = false;
out:
	if (engine_fini(&e) < 0 && !err)
		err = e.err;
	report(sh->name, after, points, allocs, sh->min_points, err);
	ramops_fini(&r);
}

/* sv39_space_init: the root is the only allocation. */
static void
sweep_init(void)
{
	struct ramops r;
	struct sv39_space s;
	int ret;

	ramops_init(&r, 8, 0);
	r.fail_at = 1;
	ret = sv39_space_init(&s, &r.ops, &r);
	r.fail_at = 0;
	if (ret != SV39_ENOMEM || r.allocated || r.errors) {
		printf("FAIL sv39_space_init with the root allocation failing: %d, "
		       "%zu pages, %" PRIu64 " errors\n",
		       ret, r.allocated, r.errors);
		failures++;
	} else if ((ret = sv39_space_init(&s, &r.ops, &r)) != 0 || r.allocated != 1) {
		printf("FAIL sv39_space_init after: %d, %zu pages\n", ret, r.allocated);
		failures++;
	} else {
		sv39_space_destroy(&s, 0);
		if (r.allocated || r.errors) {
			printf("FAIL destroy of an empty space leaves %zu pages\n", r.allocated);
			failures++;
		} else {
			printf("%-52s: 1 failure point\n", "sv39_space_init");
		}
	}
	ramops_fini(&r);
}

/* Where the level-0 slot for va is, read from the raw tree. */
static sv39_pte_t *
raw_slot(struct ramops *r, const struct sv39_space *s, sv39_va_t va)
{
	sv39_pa_t a = s->root;

	for (int level = 2; level > 0; level--) {
		sv39_pte_t *t = ramops_ptr(r, a);
		sv39_pte_t e = t[(va >> (12 + 9 * level)) & 511];

		if ((e & SV39_PTE_V) == 0 || (e & SV39_PTE_LEAF_MASK))
			return NULL;
		a = sv39_pte_pa(e);
	}
	return (sv39_pte_t *)ramops_ptr(r, a) + ((va >> 12) & 511);
}

/*
 * sv39_walk with SV39_WALK_ALLOC: from an empty tree (two tables) and
 * from a half-built one (the level-1 table exists: one table).
 */
static void
sweep_walk(const char *name, sv39_va_t va, sv39_va_t neighbour, unsigned tables)
{
	struct ramops r;
	struct sv39_space s;
	struct ramops_snapshot snap;
	unsigned points = 0;
	uint64_t allocs = 0;
	const char *err = NULL;
	sv39_pte_t *pte = NULL;
	unsigned level = 9;
	int ret = 0;

	ramops_init(&r, 64, 0);
	sv39_space_init(&s, &r.ops, &r);
	if (neighbour != va && sv39_map(&s, neighbour, 0x80000000, P, RW, 0) != 0) {
		err = "set-up map failed";
		goto out;
	}
	for (uint64_t k = 1; k < 64; k++) {
		size_t alloc0 = r.allocated;
		uint64_t calls0 = r.alloc_calls;

		ramops_snapshot_take(&r, &snap);
		r.fail_at = calls0 + k;
		ret = sv39_walk(&s, va, SV39_WALK_ALLOC, &pte, &level);
		r.fail_at = 0;
		if (ret == SV39_ENOMEM) {
			if (!ramops_snapshot_equal(&r, &snap) || r.allocated != alloc0 || r.errors)
				err = "ENOMEM but the tree or page count changed";
			points++;
		} else {
			allocs = r.alloc_calls - calls0;
		}
		ramops_snapshot_free(&snap);
		if (ret != SV39_ENOMEM || err)
			break;
	}
	if (!err && ret != 0)
		err = "did not succeed";
	else if (!err && (level != 0 || !pte || *pte != 0 || pte != raw_slot(&r, &s, va)))
		err = "the returned slot is not the empty level-0 slot of va";
	else if (!err && r.allocated != 1 + (neighbour == va ? 0 : 2) + tables)
		err = "wrong number of table pages after success";
	if (!err && sv39_check(&s) != 0)
		err = "sv39_check fails";
out:
	sv39_space_destroy(&s, 0);
	if (!err && (r.allocated || r.errors))
		err = "destroy left pages or errors";
	report(name, false, points, allocs, tables, err);
	ramops_fini(&r);
}

int
main(void)
{
	const sv39_va_t g1 = G, g2 = 2 * G, g3 = 3 * G, gg = 5 * G;
	const sv39_va_t top = UINT64_C(0xffffffffc0000000); /* last gigabyte */
	/* 4 KiB + 2 MiB + 1 GiB + 2 MiB + 4 KiB around g2, pa congruent */
	const sv39_va_t mix_va = g2 - M - P;
	const uint64_t mix_size = P + M + G + M + P;
	const struct eop mix =
		op_map(0, mix_va, UINT64_C(0x100000000) + mix_va, mix_size, RW, SV39_MAP_HUGE);
	const struct eop giga =
		op_map(0, gg, UINT64_C(0x140000000), G, RW | SV39_PTE_U, SV39_MAP_HUGE);
	const struct eop small = op_map(0, 0x1000, 0x90001000, 4 * P, RX | SV39_PTE_U, 0);
	/* 64 KiB groups: two below g1, two 2 MiB runs of them and two above */
	const uint64_t K64 = SV39_NAPOT_SIZE;
	const struct eop groups =
		op_map(0, g1 - 2 * K64, 0x80000000, 4 * K64 + M, RW | SV39_PTE_U, SV39_MAP_64K);
	struct shape shapes[] = {
		{ "map 4K, low half, across a 1G and a 2M edge",
		  { { 0 } },
		  0,
		  op_map(0, g1 - 2 * P, 0x80000000, 2 * P + M + 2 * P, RW, 0),
		  5 },
		{ "map 4K, high half, across the last 1G edge",
		  { { 0 } },
		  0,
		  op_map(0, top - 2 * P, 0x80000000, 4 * P, RW, 0),
		  4 },
		{ "map 4K, high half, up to 2^64",
		  { { 0 } },
		  0,
		  op_map(0, 0 - M - 2 * P, 0x80000000, M + 2 * P, RW, 0),
		  3 },
		{ "map 4K, high half, level-1 table already built",
		  { op_map(0, g1 + 5 * M, 0x70000000, P, RW, 0),
		    op_map(0, top + 7 * M, 0x70000000, P, RW, 0) },
		  2,
		  op_map(0, top + 5 * M - P, 0x80000000, 3 * P, RW, 0),
		  2 },
		{ "map HUGE mixing 1G, 2M and 4K leaves", { { 0 } }, 0, mix, 4 },
		{ "map 64K groups across a 1G and a 2M edge", { { 0 } }, 0, groups, 5 },
		{ "map REPLACE|64K groups inside a 1G page",
		  { giga },
		  1,
		  op_map(0, gg + 3 * M + K64, 0x80000000, 2 * K64, RW,
			 SV39_MAP_REPLACE | SV39_MAP_64K),
		  2 },
		{ "map REPLACE 4K cutting two groups (no table)",
		  { groups },
		  1,
		  op_map(0, g1 - K64 - P, 0x90000000, 2 * P, RX, SV39_MAP_REPLACE),
		  0 },
		{ "unmap cutting two groups (no table)",
		  { groups },
		  1,
		  op_unmap(0, g1 - K64 - P, 2 * P, 0),
		  0 },
		{ "protect cutting two groups (no table)",
		  { groups },
		  1,
		  op_protect(0, g1 - K64 - P, 2 * P, 0, SV39_PTE_W),
		  0 },
		{ "clone_range of groups, two of them cut",
		  { groups },
		  1,
		  op_clone(g1 - 2 * K64 + P, 4 * K64 + M - 2 * P),
		  5 },
		{ "map REPLACE 4K inside a 1G page",
		  { giga },
		  1,
		  op_map(0, gg + 3 * M + P, 0x80000000, 2 * P, RW, SV39_MAP_REPLACE),
		  2 },
		{ "map REPLACE|HUGE 2M inside a 1G page",
		  { giga },
		  1,
		  op_map(0, gg + 4 * M, 0x80000000, M, RX, SV39_MAP_REPLACE | SV39_MAP_HUGE),
		  1 },
		{ "unmap splitting a 1G page to 4K at both edges",
		  { giga },
		  1,
		  op_unmap(0, gg + 2 * M + P, G - 4 * M - 2 * P, 0),
		  3 },
		{ "unmap FREE splitting a 1G page at both edges",
		  { giga },
		  1,
		  op_unmap(0, gg + 2 * M + P, G - 4 * M - 2 * P, SV39_UNMAP_FREE),
		  3 },
		{ "protect splitting a 1G page to 4K at both edges",
		  { giga },
		  1,
		  op_protect(0, gg + 2 * M + P, G - 4 * M - 2 * P, 0, SV39_PTE_W),
		  3 },
		{ "protect splitting a 2M page",
		  { op_map(0, g3, 0x200000000, M, RW, SV39_MAP_HUGE) },
		  1,
		  op_protect(0, g3 + P, P, SV39_PTE_X, 0),
		  1 },
		{ "clone_range into an empty space",
		  { mix, small, giga },
		  3,
		  op_clone(0, 6 * G),
		  6 },
		{ "clone_range re-sync after src grew",
		  { mix, small, giga, op_clone(0, 6 * G),
		    op_map(0, gg + 4 * M, 0x80000000, 2 * P, RW, SV39_MAP_REPLACE),
		    op_map(0, 8 * M + P, 0x81000000, P, RW, 0) },
		  6,
		  op_clone(0, 6 * G),
		  3 },
		{ "clone_range re-sync after src shrank",
		  { mix, small, giga, op_clone(0, 6 * G), op_unmap(0, g2 + 7 * M + P, P, 0),
		    op_unmap(0, gg + 9 * M, M, 0) },
		  6,
		  op_clone(0, 6 * G),
		  3 },
		{ "clone_range of part of a 1G page", { giga }, 1, op_clone(gg + P, 3 * M), 3 },
		{ "share of partial gigabytes around a whole one",
		  { mix, op_map(0, g3 + 5 * M, 0x90000000, P, RW, 0) },
		  2,
		  op_share(g2 - 2 * M, G + 6 * M),
		  2 },
	};

	sweep_init();
	sweep_walk("sv39_walk ALLOC, empty tree, low half", 0x12345000, 0x12345000, 2);
	sweep_walk("sv39_walk ALLOC, empty tree, high half", top + 0x1000, top + 0x1000, 2);
	sweep_walk("sv39_walk ALLOC, level-1 table exists", g1 + 3 * M, g1 + 9 * M, 1);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (int after = 0; after < 2; after++)
			sweep_shape(&shapes[i], after);
	if (failures) {
		printf("test_oom: %d failures\n", failures);
		return 1;
	}
	printf("test_oom: ok\n");
	return 0;
}
