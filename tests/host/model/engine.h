/* SPDX-License-Identifier: MIT */
/*
 * engine - apply one operation to libsv39 and to the reference model, and
 * check that they agree.
 *
 * Two spaces share one ramops: space 0 (lender, clone source) and space 1
 * (borrower, clone destination). After every step engine_check compares
 * the raw trees with the model leaf for leaf, asks sv39_translate, the
 * softmmu and sv39_for_each about every leaf and hole, runs sv39_check,
 * and accounts for every table page.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "ramops.h"

struct engine {
	struct ramops *r;
	struct sv39_space sp[2];
	bool live[2];
	uint16_t asid[2]; /* given to each space at (re)init */
	/*
	 * Each space's ops->features (set before engine_init, kept by it):
	 * SV39_FEATURE_SVNAPOT or 0. Each space gets its own copy of r->ops.
	 */
	unsigned features[2];
	struct sv39_ops ops[2];
	struct model m;
	uint64_t crng;	   /* sampling PRNG for the checks */
	bool allow_enomem; /* SV39_ENOMEM is expected (OOM sweep) */
	/*
	 * Verification cadence: 0 or 1 runs engine_check after every
	 * successful step; N > 1 after every Nth (every step still checks
	 * the call's result, unchanged trees on failure and ramops errors).
	 * The caller then runs engine_check once at the end.
	 */
	unsigned check_every;
	unsigned since_check;
	/*
	 * 0: engine_check asks translate, walk and the softmmu about every
	 * leaf and hole, runs sv39_check, and for_each over every window. N:
	 * N leaves picked at random, the holes of one window, sv39_check one
	 * time in four and for_each over one window one time in two (the raw
	 * tree and the table pages are still compared with the model in full).
	 */
	unsigned leaf_sample;
	unsigned stats[EOP_KINDS][SV39_ERRNO_MAX + 1]; /* [kind][-result] */
	/*
	 * Group leaves the full checks compared, and of those the ones whose
	 * members differ in A or D (a test reports them: proof that a set-up
	 * exercises groups at all).
	 */
	uint64_t groups_checked, groups_mixed_ad;
	char err[1024]; /* why the last call failed */
	/* scratch */
	struct mleafvec v1, v2;
};

/* Set up two empty spaces on r. Returns 0 or -1 (see e->err). */
int engine_init(struct engine *e, struct ramops *r, uint64_t check_seed);
/*
 * Destroy both spaces (borrower first) and check that every table page
 * came back and ramops saw no error. Returns 0 or -1.
 */
int engine_fini(struct engine *e);

/*
 * Apply op to the library and the model. Returns 0 when they agree (and,
 * after a success, engine_check passed), 1 when the library returned
 * SV39_ENOMEM under allow_enomem and left everything unchanged, -1 on a
 * mismatch (e->err says what).
 */
int engine_apply(struct engine *e, const struct eop *op);

/* The invariants, checked after every step. Returns 0 or -1. */
int engine_check(struct engine *e);

/* One line describing op, for failure reports. */
void eop_format(const struct eop *op, char *buf, size_t len);

#endif /* ENGINE_H */
