/* SPDX-License-Identifier: MIT */
/*
 * test_tlb - the TLB rule, with ramops' simulated TLB.
 *
 * Before each random operation the TLB is warmed with translations of
 * many mapped pages; after it, every one of them (and more) looked up
 * through the TLB must equal what the tree now says (the engine has
 * just checked the tree against the model, so the model is the fresh
 * walk): a stale hit means a changed or removed leaf was not flushed.
 * ramops.stale_frees must stay 0: no table page or frame may be freed
 * while a cached translation still used it, i.e. the flush came first.
 *
 * Two set-ups:
 *  - distinct ASIDs (1 and 2), no sharing: a flush for the wrong ASID
 *    leaves the entries of the right one stale;
 *  - one ASID for both spaces, with sharing: changes space 0 makes under
 *    a lent table are seen by space 1, and only a flush that reaches
 *    space 1's entries (same ASID) can drop them. The library cannot
 *    know the borrowers' ASIDs, so an embedder that shares must use one
 *    ASID (or flush every borrower) - see docs.
 * The TLB is emptied before each step (an sfence.vma by the embedder),
 * and before destroy, which assumes the space is not live.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "opgen.h"

#define TABLE_PAGES 1024
#define TLB_ENTRIES 256
#define WARM_MAX 200

struct warm {
	int sp;
	sv39_va_t va;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Look va up through the TLB; it must match the model. */
static int
tlb_matches(struct engine *e, int sp, sv39_va_t va, char *msg, size_t len)
{
	const struct mleaf *l = model_lookup(&e->m, sp, va);
	sv39_pa_t pa = 0;
	uint64_t flags = 0;
	int ret = ramops_tlb_lookup(e->r, &e->sp[sp], va, &pa, &flags);

	if (!l && ret == 0) {
		snprintf(msg, len,
			 "space %d va 0x%" PRIx64 ": TLB gives pa 0x%" PRIx64 " flags 0x%" PRIx64
			 ", but it is unmapped (not flushed)",
			 sp, va, pa, flags);
		return -1;
	}
	if (l && (ret != 0 || pa != l->pa + (va - l->va) || flags != l->flags)) {
		snprintf(msg, len,
			 "space %d va 0x%" PRIx64 ": TLB gives %s pa 0x%" PRIx64 " flags 0x%" PRIx64
			 ", tree has pa 0x%" PRIx64 " flags 0x%" PRIx64 " (not flushed)",
			 sp, va, ret ? "a fault" : "ok", pa, flags, l->pa + (va - l->va), l->flags);
		return -1;
	}
	return 0;
}

/* Name the cached translations that still use a frame freed since nlog0. */
static void
explain_stale(const struct ramops *r, size_t nlog0)
{
	for (size_t f = nlog0; f < r->nframe_log; f++)
		for (size_t i = 0; i < r->tlb_size; i++) {
			const struct ramops_tlb_entry *t = &r->tlb[i];

			if (t->valid && (t->pa_page - r->frame_log[f].pa < r->frame_log[f].size ||
					 r->frame_log[f].pa - t->pa_page < t->span))
				printf("  frame 0x%" PRIx64 "+0x%" PRIx64
				       " freed; still cached: asid %u va 0x%" PRIx64
				       " -> 0x%" PRIx64 "\n",
				       r->frame_log[f].pa, r->frame_log[f].size, t->asid,
				       t->va_page, t->pa_page);
		}
}

/* Cache up to WARM_MAX translations of spaces [sp0, sp1]. */
static size_t
warm_up(struct engine *e, int sp0, int sp1, struct warm *w, uint64_t *rs)
{
	struct mleafvec v = { 0 };
	size_t n = 0;

	for (int sp = sp0; sp <= sp1; sp++) {
		model_view(&e->m, sp, &v);
		for (size_t i = 0; i < v.n && n < WARM_MAX; i++) {
			const struct mleaf *l = &v.v[i];
			size_t left = v.n - i, room = WARM_MAX - n;

			/* keep every leaf when there is room, else sample */
			if (left > room / 2 && rnd(rs) % left >= room / 2)
				continue;
			w[n++] = (struct warm){ sp, l->va };
			if (l->size > SV39_PAGE_SIZE && n < WARM_MAX)
				w[n++] = (struct warm){ sp, l->va + (rnd(rs) % (l->size >> 12)) *
									    4096 };
		}
	}
	for (size_t i = 0; i < n; i++)
		ramops_tlb_lookup(e->r, &e->sp[w[i].sp], w[i].va, NULL, NULL);
	mleafvec_free(&v);
	return n;
}

static int
run(uint64_t seed, unsigned steps, bool shared)
{
	static struct warm w[WARM_MAX];
	struct opgen_cfg cfg = { .no_share = !shared, .no_alias = true };
	struct ramops r;
	struct engine e = { .asid = { shared ? 0 : 1, shared ? 0 : 2 } };
	struct esrc src;
	struct eop op;
	uint64_t rs = seed * 7919 + 1, flushes = 0;
	char msg[512], buf[256];
	int ret = 0;

	if (ramops_init(&r, TABLE_PAGES, TLB_ENTRIES) || engine_init(&e, &r, seed) < 0) {
		printf("set-up failed: %s\n", e.err);
		return 1;
	}
	esrc_init_rng(&src, seed);
	for (unsigned step = 1; step <= steps && !ret; step++) {
		bool reset;
		size_t n = 0, nlog0;
		int target;

		opgen_next(&src, &cfg, &e.m, &op);
		reset = op.kind == EOP_RESET_DST || op.kind == EOP_RESET_ALL;
		target = (op.kind == EOP_CLONE || op.kind == EOP_SHARE) ? 1 : op.sp;
		ramops_tlb_clear(&r);
		if (op.kind == EOP_RESET_SRC) /* the borrower is live: its loans go */
			n = warm_up(&e, 1, 1, w, &rs);
		else if (!reset)
			n = warm_up(&e, shared ? 0 : target, shared ? 1 : target, w, &rs);
		r.stale_frees = 0;
		nlog0 = r.nframe_log;
		if (engine_apply(&e, &op) < 0) {
			printf("FAIL seed %" PRIu64 " step %u: %s\n", seed, step, e.err);
			ret = 1;
			break;
		}
		flushes += r.nflushes;
		ramops_clear_log(&r);
		eop_format(&op, buf, sizeof(buf));
		if (r.stale_frees) {
			printf("FAIL seed %" PRIu64 " step %u: %s:\n  %" PRIu64
			       " table pages or frames freed while a cached "
			       "translation used them (freed before the flush)\n",
			       seed, step, buf, r.stale_frees);
			explain_stale(&r, nlog0);
			ret = 1;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (tlb_matches(&e, w[i].sp, w[i].va, msg, sizeof(msg))) {
				printf("FAIL seed %" PRIu64 " step %u: %s:\n  %s\n", seed, step,
				       buf, msg);
				ret = 1;
				break;
			}
		}
	}
	if (engine_fini(&e) < 0 && !ret) {
		printf("FAIL seed %" PRIu64 " at the end: %s\n", seed, e.err);
		ret = 1;
	}
	ramops_fini(&r);
	if (!ret)
		printf("%s, seed %" PRIu64 ": %u steps ok, %" PRIu64 " flushes\n",
		       shared ? "one ASID, sharing" : "two ASIDs", seed, steps, flushes);
	return ret;
}

int
main(int argc, char **argv)
{
	unsigned steps = 1000;
	int failed = 0;

	if (argc > 2)
		return run(strtoull(argv[1], NULL, 0), (unsigned)strtoul(argv[2], NULL, 0),
			   argc > 3);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		failed |= run(seed, steps, false);
		failed |= run(seed, steps, true);
	}
	return failed;
}
