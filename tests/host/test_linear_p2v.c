/* SPDX-License-Identifier: MIT */
/*
 * The offset a space learns from phys_to_virt (struct sv39_space,
 * linear_root): sv39_translate adds it instead of calling phys_to_virt
 * only while every table the space reaches is really there.
 *
 * The ops here keep even pages in one host buffer and odd pages in
 * another, at the same offset inside each: a space whose tables are all
 * even is linear, and its first odd table breaks that. The other buffer's
 * copy of every page is filled with 0xff, so a look-up that adds the
 * learned offset where it must call reads a malformed entry and gets the
 * wrong answer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sv39/sv39.h>

#include "check.h"

#define PG SV39_PAGE_SIZE
#define NPAGES 64
#define PA_BASE 0x80000000ULL
#define FRAME 0xc0000000ULL /* frames are never touched: only mapped */

struct split_ops {
	uint8_t *buf[2]; /* [0]: even pages, [1]: odd pages */
	bool used[NPAGES];
	bool odd_next; /* alloc_table hands out odd pages */
	int fail_in;   /* > 0: the fail_in-th alloc_table from now fails */
	unsigned allocated;
	unsigned p2v_calls;
};

static uint8_t *
home(struct split_ops *o, unsigned i)
{
	return o->buf[i & 1] + (size_t)i * PG;
}

static int
split_alloc(void *ctx, sv39_pa_t *pa)
{
	struct split_ops *o = ctx;

	if (o->fail_in > 0 && --o->fail_in == 0)
		return -1;
	for (unsigned i = o->odd_next; i < NPAGES; i += 2) {
		if (o->used[i])
			continue;
		o->used[i] = true;
		o->allocated++;
		memset(home(o, i), 0, PG);
		*pa = PA_BASE + (sv39_pa_t)i * PG;
		return 0;
	}
	return -1;
}

static void
split_free(void *ctx, sv39_pa_t pa)
{
	struct split_ops *o = ctx;
	unsigned i = (unsigned)((pa - PA_BASE) / PG);

	CHECK(i < NPAGES && o->used[i]);
	o->used[i] = false;
	o->allocated--;
	memset(home(o, i), 0xff, PG);
}

static void *
split_p2v(void *ctx, sv39_pa_t pa)
{
	struct split_ops *o = ctx;
	unsigned i = (unsigned)((pa - PA_BASE) / PG);

	o->p2v_calls++;
	if (pa < PA_BASE || i >= NPAGES || !o->used[i]) {
		CHECK(!"phys_to_virt of a page that is not a table");
		return NULL;
	}
	return home(o, i) + (pa & (PG - 1));
}

static void
split_flush(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	(void)ctx;
	(void)va;
	(void)size;
	(void)asid;
}

static const struct sv39_ops split_ops_table = {
	.alloc_table = split_alloc,
	.free_table = split_free,
	.phys_to_virt = split_p2v,
	.flush_tlb = split_flush,
};

static void
split_init(struct split_ops *o)
{
	memset(o, 0, sizeof(*o));
	for (int b = 0; b < 2; b++) {
		o->buf[b] = aligned_alloc(PG, NPAGES * PG);
		if (!o->buf[b]) {
			printf("out of memory\n");
			exit(2);
		}
		memset(o->buf[b], 0xff, NPAGES * PG);
	}
}

static void
split_fini(struct split_ops *o)
{
	CHECK_EQ(o->allocated, 0);
	free(o->buf[0]);
	free(o->buf[1]);
}

/* va translates to pa (4 KiB leaf); calls: phys_to_virt calls it may make. */
static void
expect_at(struct split_ops *o, const struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, bool calls,
	  int line)
{
	sv39_pa_t got = 0;
	uint64_t size = 0;
	unsigned before = o->p2v_calls;

	check_report_eq(sv39_translate(s, va, &got, NULL, &size), 0, __FILE__, line,
			"sv39_translate", "0");
	check_report_eq(got, pa, __FILE__, line, "pa", "expected pa");
	check_report_eq(size, PG, __FILE__, line, "page size", "PG");
	if (!calls)
		check_report_eq(o->p2v_calls - before, 0, __FILE__, line, "phys_to_virt calls",
				"0 (the learned offset)");
	else
		check_report(o->p2v_calls > before, __FILE__, line, "phys_to_virt was called");
}
#define EXPECT_AT(o, s, va, pa, calls) expect_at((o), (s), (va), (pa), (calls), __LINE__)

/* All tables even: translate adds the offset; the first odd one ends that. */
static void
test_learn_and_unlearn(void)
{
	struct split_ops o;
	struct sv39_space s;

	check_begin("learn, then a table elsewhere");
	split_init(&o);
	CHECK_EQ(sv39_space_init(&s, &split_ops_table, &o), 0);
	CHECK_EQ(sv39_map(&s, 0x40000000, FRAME, 4 * PG, SV39_PTE_R, 0), 0);
	EXPECT_AT(&o, &s, 0x40000000, FRAME, false);
	EXPECT_AT(&o, &s, 0x40003000, FRAME + 3 * PG, false);
	CHECK_EQ(sv39_translate(&s, 0x40004000, NULL, NULL, NULL), SV39_ENOENT);

	/* A failed map whose one page was odd: nothing mapped, still right. */
	o.odd_next = true;
	o.fail_in = 2;
	CHECK_EQ(sv39_map(&s, 0x80000000, FRAME, PG, SV39_PTE_R, 0), SV39_ENOMEM);
	CHECK_EQ(sv39_translate(&s, 0x80000000, NULL, NULL, NULL), SV39_ENOENT);
	EXPECT_AT(&o, &s, 0x40001000, FRAME + PG, true);

	/* Two odd tables, linked into an even root. */
	CHECK_EQ(sv39_map(&s, 0x80000000, FRAME + 8 * PG, PG, SV39_PTE_R, 0), 0);
	EXPECT_AT(&o, &s, 0x80000000, FRAME + 8 * PG, true);
	EXPECT_AT(&o, &s, 0x40002000, FRAME + 2 * PG, true);

	/* Rebuilt around its root: the tables below are unknown, so it calls. */
	struct sv39_space r;

	CHECK_EQ(sv39_space_init_from_root(&r, &split_ops_table, &o, s.root), 0);
	EXPECT_AT(&o, &r, 0x80000000, FRAME + 8 * PG, true);

	sv39_space_destroy(&s, 0);
	CHECK_EQ(sv39_translate(&s, 0x40000000, NULL, NULL, NULL), SV39_EINVAL);
	split_fini(&o);
}

/*
 * A borrower walks its lender's tables, including those the lender adds
 * later, which only the lender's own allocations check: after a share the
 * borrower calls phys_to_virt.
 */
static void
test_borrower(void)
{
	struct split_ops o;
	struct sv39_space lender, borrower;
	const sv39_va_t g = 0x40000000;

	check_begin("a borrower");
	split_init(&o);
	CHECK_EQ(sv39_space_init(&lender, &split_ops_table, &o), 0);
	CHECK_EQ(sv39_space_init(&borrower, &split_ops_table, &o), 0);
	CHECK_EQ(sv39_map(&lender, g, FRAME, PG, SV39_PTE_R, 0), 0);
	CHECK_EQ(sv39_map(&borrower, 0x80000000, FRAME, PG, SV39_PTE_R, 0), 0);
	EXPECT_AT(&o, &borrower, 0x80000000, FRAME, false);
	CHECK_EQ(sv39_share(&borrower, &lender, g, SV39_GIGA_SIZE), 0);
	EXPECT_AT(&o, &borrower, g, FRAME, true);

	/* The lender's new level-0 table is odd and in the lent gigabyte. */
	o.odd_next = true;
	CHECK_EQ(sv39_map(&lender, g + SV39_MEGA_SIZE, FRAME + 5 * PG, PG, SV39_PTE_R, 0), 0);
	EXPECT_AT(&o, &lender, g + SV39_MEGA_SIZE, FRAME + 5 * PG, true);
	EXPECT_AT(&o, &borrower, g + SV39_MEGA_SIZE, FRAME + 5 * PG, true);

	sv39_space_destroy(&lender, 0);
	sv39_space_destroy(&borrower, 0);
	split_fini(&o);
}

int
main(void)
{
	test_learn_and_unlearn();
	test_borrower();
	return check_finish();
}
