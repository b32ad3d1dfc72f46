/* SPDX-License-Identifier: MIT */
/*
 * sv39_unmap: removal, the flush before any free, freeing emptied tables,
 * SV39_UNMAP_FREE, splitting superpages at the range edges (every other
 * page keeps its mapping), holes, and the errors unmap documents.
 */
#include "testutil.h"

static void
test_basic(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + 3 * MEGA;
		sv39_pa_t pa;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 8 * PG, RW, 0), 0);
		for (int i = 0; i < 8; i++)
			CHECK_EQ(ramops_tlb_lookup(&r, &s, b + i * PG, NULL, NULL), 0);
		CHECK_EQ(sv39_unmap(&s, b + 2 * PG, 4 * PG, 0), 0);
		for (int i = 0; i < 8; i++) {
			if (i >= 2 && i < 6)
				T_UNMAPPED(&s, b + i * PG);
			else
				T_XLATE(&s, b + i * PG, 0x80000000 + i * PG, t_leaf_flags(RW, 0),
					PG);
		}
		CHECK(ramops_flushed(&r, b + 2 * PG, 4 * PG));
		/* A missed flush would leave the old translation cached. */
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 3 * PG, NULL, NULL), -1);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 6 * PG, &pa, NULL), 0);
		CHECK_EQ(pa, 0x80006000);
		CHECK_EQ(r.allocated, 3);
		CHECK_EQ(r.frames_freed, 0);

		/* The last pages: both tables become empty and are freed. */
		ramops_clear_log(&r);
		CHECK_EQ(sv39_unmap(&s, b, 2 * PG, 0), 0);
		CHECK_EQ(r.allocated, 3);
		CHECK_EQ(sv39_unmap(&s, b + 6 * PG, 2 * PG, 0), 0);
		CHECK_EQ(r.allocated, 1);
		CHECK(ramops_flushed(&r, b + 6 * PG, 2 * PG));
		{
			const sv39_pte_t *root = ramops_ptr(&r, s.root);

			if (CHECK(root != NULL))
				CHECK_EQ(root[t_vpn(b, 2)], 0);
		}
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* Only the tables that became empty are freed, each after the flush. */
static void
test_free_tables(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 7 * MEGA, 0x80001000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0x80002000, PG, RW, 0), 0);
		CHECK_EQ(r.allocated, 6);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b, NULL, NULL), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 7 * MEGA, NULL, NULL), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + GIGA, NULL, NULL), 0);
		CHECK_EQ(sv39_unmap(&s, b + 7 * MEGA, PG, 0), 0);
		CHECK_EQ(r.allocated, 5);
		T_XLATE(&s, b, 0x80000000, t_leaf_flags(RW, 0), PG);
		CHECK_EQ(sv39_unmap(&s, b + GIGA, PG, 0), 0);
		CHECK_EQ(r.allocated, 3);
		T_XLATE(&s, b, 0x80000000, t_leaf_flags(RW, 0), PG);
		/* One call across everything, holes allowed. */
		CHECK_EQ(sv39_map(&s, b + 2 * GIGA - PG, 0x80003000, 2 * PG, RW, 0), 0);
		CHECK_EQ(r.allocated, 7);
		CHECK_EQ(sv39_unmap(&s, b, 2 * GIGA + PG, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(r.allocated, 1);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static bool
frame_logged(const struct ramops *r, sv39_pa_t pa, uint64_t size)
{
	for (size_t i = 0; i < r->nframe_log; i++)
		if (r->frame_log[i].pa == pa && r->frame_log[i].size == size)
			return true;
	return false;
}

/* SV39_UNMAP_FREE: once per leaf, with the leaf's size; never without it. */
static void
test_unmap_free(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 64, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 3 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + MEGA + 9 * PG, NULL, NULL), 0);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + GIGA + 9 * MEGA, NULL, NULL), 0);
		CHECK_EQ(sv39_unmap(&s, b, PG, 0), 0);
		CHECK_EQ(r.frames_freed, 0);
		CHECK_EQ(sv39_unmap(&s, b, 2 * GIGA, SV39_UNMAP_FREE | SV39_UNMAP_HOLES), 0);
		CHECK_EQ(r.frames_freed, 4);
		CHECK_EQ(r.frame_bytes_freed, 2 * PG + MEGA + GIGA);
		CHECK(frame_logged(&r, 0x80001000, PG));
		CHECK(frame_logged(&r, 0x80002000, PG));
		CHECK(frame_logged(&r, 0x80200000, MEGA));
		CHECK(frame_logged(&r, 0xc0000000, GIGA));
		CHECK(ramops_flushed(&r, b + PG, 2 * GIGA - PG));
		CHECK_EQ(r.allocated, 1);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* Unmap one page of a 2 MiB leaf: 511 pages keep their mapping. */
static void
test_split_mega(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + 4 * MEGA;
		uint64_t f = t_leaf_flags(URW | SV39_PTE_G, 0);

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, MEGA, URW | SV39_PTE_G, SV39_MAP_HUGE), 0);
		CHECK_EQ(r.allocated, 2);
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 5 * PG, NULL, NULL), 0);
		CHECK_EQ(sv39_unmap(&s, b + 5 * PG, PG, SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.frames_freed, 1);
		CHECK(frame_logged(&r, 0x80005000, PG));
		CHECK_EQ(r.allocated, 3);
		T_UNMAPPED(&s, b + 5 * PG);
		for (int i = 0; i < 512; i++)
			if (i != 5 && !T_XLATE(&s, b + i * PG, 0x80000000 + i * PG, f, PG))
				break;
		CHECK(ramops_flushed(&r, b + 5 * PG, PG));
		CHECK_EQ(ramops_tlb_lookup(&r, &s, b + 5 * PG, NULL, NULL), -1);
		CHECK_EQ(sv39_check(&s), 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/*
 * Unmap one page of a 1 GiB leaf: its 2 MiB becomes small pages, the other
 * 511 become 2 MiB leaves (not 4 KiB: that would cost 511 tables).
 */
static void
test_split_giga(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + GIGA;
		sv39_va_t hole = b + 3 * MEGA + 7 * PG;
		uint64_t f = t_leaf_flags(RX, 0);

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0xc0000000, GIGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(r.allocated, 1);
		CHECK_EQ(sv39_unmap(&s, hole, PG, SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.frames_freed, 1);
		CHECK_EQ(r.frame_bytes_freed, PG);
		CHECK(frame_logged(&r, 0xc0000000 + (hole - b), PG));
		CHECK_EQ(r.allocated, 3);
		T_UNMAPPED(&s, hole);
		for (int i = 0; i < 512; i++) {
			sv39_va_t va = b + 3 * MEGA + i * PG;

			if (va != hole && !T_XLATE(&s, va, 0xc0000000 + (va - b), f, PG))
				break;
		}
		for (int m = 0; m < 512; m++) {
			sv39_va_t va = b + m * MEGA + 0x1234;

			if (m != 3 && !T_XLATE(&s, va, 0xc0000000 + (va - b), f, MEGA))
				break;
		}
		CHECK_EQ(t_count_leaves(&s, b, GIGA), 511 + 511);
		CHECK(ramops_flushed(&r, hole, PG));
		CHECK_EQ(sv39_check(&s), 0);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* A range that cuts two superpages: each keeps the half outside. */
static void
test_split_both_edges(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h] + 2 * MEGA;
		uint64_t f = t_leaf_flags(RW, 0);

		check_begin(t_half[h]);
		t_env_init(&r, 32, 64);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80200000, 2 * MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(t_count_leaves(&s, b, 2 * MEGA), 2);
		CHECK_EQ(sv39_unmap(&s, b + MEGA / 2, MEGA, SV39_UNMAP_FREE), 0);
		/* Inside pages only, each as its own leaf after the split. */
		CHECK_EQ(r.frame_bytes_freed, MEGA);
		CHECK_EQ(r.frames_freed, 512);
		CHECK_EQ(t_count_leaves(&s, b, 2 * MEGA), 512);
		for (int i = 0; i < 1024; i++) {
			sv39_va_t va = b + i * PG;

			if (i >= 256 && i < 768)
				T_UNMAPPED(&s, va);
			else if (!T_XLATE(&s, va, 0x80200000 + i * PG, f, PG))
				break;
		}
		CHECK(ramops_flushed(&r, b + MEGA / 2, MEGA));
		CHECK_EQ(r.allocated, 4);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_holes(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b, 0x80000000, 2 * PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 3 * PG, 0x80003000, PG, RW, 0), 0);
		T_NOCHANGE(&r, sv39_unmap(&s, b, 4 * PG, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_unmap(&s, b, 4 * PG, SV39_UNMAP_FREE), SV39_ENOENT);
		/* Hole at the start, in a missing table, in a missing GiB. */
		T_NOCHANGE(&r, sv39_unmap(&s, b - PG, 2 * PG, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_unmap(&s, b + MEGA, PG, 0), SV39_ENOENT);
		T_NOCHANGE(&r, sv39_unmap(&s, b + 3 * PG, GIGA, 0), SV39_ENOENT);
		CHECK_EQ(r.frames_freed, 0);
		/* An empty range with HOLES: success, nothing to do. */
		T_NOCHANGE(&r, sv39_unmap(&s, b + GIGA, GIGA, SV39_UNMAP_HOLES), 0);
		CHECK_EQ(sv39_unmap(&s, b, 4 * PG, SV39_UNMAP_HOLES | SV39_UNMAP_FREE), 0);
		CHECK_EQ(r.frames_freed, 3);
		CHECK_EQ(r.allocated, 1);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

static void
test_errors(void)
{
	struct ramops r;
	struct sv39_space s;
	struct sv39_ops ops;

	check_begin("unmap errors");
	t_env_init(&r, 32, 0);
	ops = r.ops;
	ops.free_frame = NULL;
	if (!CHECK_EQ(sv39_space_init(&s, &ops, &r), 0))
		return;
	CHECK_EQ(sv39_map(&s, t_bases[1], 0x80000000, 4 * PG, RW, 0), 0);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1], 4 * PG, SV39_UNMAP_FREE), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1], 4 * PG, 1u << 5), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1], 4 * PG, 0x80000000u), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1], 0, 0), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1] + 1, PG, 0), SV39_EALIGN);
	T_NOCHANGE(&r, sv39_unmap(&s, t_bases[1], PG + 8, 0), SV39_EALIGN);
	T_NOCHANGE(&r, sv39_unmap(&s, 0x4000000000ULL, PG, 0), SV39_ERANGE);
	T_NOCHANGE(&r, sv39_unmap(&s, SV39_LOW_END - PG, 2 * PG, SV39_UNMAP_HOLES), SV39_ERANGE);
	T_NOCHANGE(&r, sv39_unmap(&s, 0 - PG, 2 * PG, SV39_UNMAP_HOLES), SV39_ERANGE);
	CHECK_EQ(r.frames_freed, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* A split needs a table: ENOMEM leaves the superpage whole. */
static void
test_split_enomem(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x80200000, MEGA, RW, SV39_MAP_HUGE), 0);
		r.fail_at = r.alloc_calls + 1;
		T_NOCHANGE(&r, sv39_unmap(&s, b + MEGA + PG, PG, SV39_UNMAP_FREE), SV39_ENOMEM);
		r.fail_at = r.alloc_calls + 1;
		T_NOCHANGE(&r, sv39_unmap(&s, b + GIGA, PG, SV39_UNMAP_FREE), SV39_ENOMEM);
		/* The 1 GiB split needs two tables: fail the second one. */
		r.fail_at = r.alloc_calls + 2;
		T_NOCHANGE(&r, sv39_unmap(&s, b + GIGA, PG, SV39_UNMAP_FREE), SV39_ENOMEM);
		CHECK_EQ(r.frames_freed, 0);
		T_XLATE(&s, b + GIGA + PG, 0xc0001000, t_leaf_flags(RW, 0), GIGA);
		T_XLATE(&s, b + MEGA + PG, 0x80201000, t_leaf_flags(RW, 0), MEGA);
		/* Whole superpages need no table: succeeds even now. */
		r.fail_at = r.alloc_calls + 1;
		r.fail_after = true;
		CHECK_EQ(sv39_unmap(&s, b + MEGA, MEGA, 0), 0);
		CHECK_EQ(sv39_unmap(&s, b + GIGA, GIGA, 0), 0);
		CHECK_EQ(r.allocated, 1);
		r.fail_at = 0;
		r.fail_after = false;
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* The last page of the high half: va + size wraps to exactly 0. */
static void
test_high_end(void)
{
	struct ramops r;
	struct sv39_space s;

	check_begin("high end");
	t_env_init(&r, 32, 8);
	if (!t_space(&r, &s))
		return;
	CHECK_EQ(sv39_map(&s, 0 - 4 * PG, 0x80000000, 4 * PG, RW, 0), 0);
	CHECK_EQ(ramops_tlb_lookup(&r, &s, 0 - PG, NULL, NULL), 0);
	CHECK_EQ(sv39_unmap(&s, 0 - PG, PG, 0), 0);
	T_UNMAPPED(&s, 0 - PG);
	T_XLATE(&s, 0 - 2 * PG, 0x80002000, t_leaf_flags(RW, 0), PG);
	CHECK(ramops_flushed(&r, 0 - PG, PG));
	CHECK_EQ(sv39_unmap(&s, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE, SV39_UNMAP_HOLES), 0);
	CHECK_EQ(r.allocated, 1);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/*
 * What a removed leaf holds when the flush is called: the removal clears V
 * with one atomic AND, so the entry keeps the A and D the hardware set
 * until it is reclaimed, after the flush. A flush_tlb wrapper reads it.
 */
static struct {
	struct ramops *r;
	sv39_pte_t *slot;
	sv39_pte_t seen;
	unsigned flushes;
} watch;

static void
watch_flush(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	watch.seen = __atomic_load_n(watch.slot, __ATOMIC_RELAXED);
	watch.flushes++;
	watch.r->ops.flush_tlb(ctx, va, size, asid);
}

/* The level-0 slot that maps va in s (read through ramops). */
static sv39_pte_t *
leaf_slot(struct ramops *r, const struct sv39_space *s, sv39_va_t va)
{
	sv39_pte_t *t = t_table(r, s->root);

	for (unsigned level = 2; t && level > 0; level--)
		t = t_table(r, sv39_pte_pa(t[t_vpn(va, level)]));
	return t ? &t[t_vpn(va, 0)] : NULL;
}

/*
 * unmap (with and without SV39_UNMAP_FREE) and a clone that removes a leaf:
 * at the flush, the removed entry is the leaf with V clear and the D a
 * hardware walker set after the map (simulated by an atomic OR, as the
 * walker-thread tests do); after the call it is 0.
 */
static void
test_removal_keeps_ad(void)
{
	struct ramops r;
	struct sv39_ops ops;
	struct sv39_space s, src;
	sv39_va_t va = t_bases[1] + 3 * PG;
	static const char *const how[] = { "unmap", "unmap FREE", "clone" };

	for (int k = 0; k < 3; k++) {
		sv39_pte_t old;

		check_begin(how[k]);
		t_env_init(&r, 64, 0);
		ops = r.ops;
		ops.flush_tlb = watch_flush;
		watch.r = &r;
		watch.flushes = 0;
		if (!CHECK_EQ(sv39_space_init(&s, &ops, &r), 0) || !t_space(&r, &src))
			return;
		CHECK_EQ(sv39_map(&s, va, 0x80003000, 2 * PG, RW, SV39_MAP_NO_AD), 0);
		watch.slot = leaf_slot(&r, &s, va);
		if (!CHECK(watch.slot))
			return;
		/* the hardware sets A and D on a store through the mapping */
		__atomic_fetch_or(watch.slot, SV39_PTE_A | SV39_PTE_D, __ATOMIC_RELAXED);
		old = *watch.slot;
		if (k < 2) {
			CHECK_EQ(sv39_unmap(&s, va, PG, k ? SV39_UNMAP_FREE : 0), 0);
		} else {
			CHECK_EQ(sv39_map(&src, va + PG, 0x80004000, PG, RW, SV39_MAP_NO_AD), 0);
			CHECK_EQ(sv39_clone_range(&s, &src, va, 2 * PG, 0, 0), 0);
		}
		CHECK_EQ(watch.flushes, 1);
		CHECK_EQ(watch.seen, old & ~SV39_PTE_V);
		CHECK_EQ(*watch.slot, 0);
		T_UNMAPPED(&s, va);
		t_destroy(&r, &s, 0);
		t_destroy(&r, &src, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_basic();
	test_free_tables();
	test_unmap_free();
	test_split_mega();
	test_split_giga();
	test_split_both_edges();
	test_holes();
	test_errors();
	test_split_enomem();
	test_high_end();
	test_removal_keeps_ad();
	return check_finish();
}
