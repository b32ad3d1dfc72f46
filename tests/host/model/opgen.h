/* SPDX-License-Identifier: MIT */
/*
 * opgen - turn a stream of choices (a PRNG, or libFuzzer's bytes) into
 * engine operations whose addresses cluster in a few small windows of
 * both canonical halves, so that collisions, splits and superpage edges
 * come up often.
 */
#ifndef OPGEN_H
#define OPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Where every choice comes from. */
struct esrc {
	const uint8_t *data; /* fuzz input, or NULL for the PRNG */
	size_t len, pos;
	uint64_t rng;	/* xorshift state when data is NULL */
	bool exhausted; /* the fuzz input ran out */
};

void esrc_init_rng(struct esrc *r, uint64_t seed);
void esrc_init_data(struct esrc *r, const uint8_t *data, size_t len);
/* A choice in [0, n); 0 once fuzz input has run out. */
uint64_t esrc_below(struct esrc *r, uint64_t n);

/* The windows: 1 or 2 GiB each, in both halves, ends of the halves included. */
struct window {
	sv39_va_t va;
	uint64_t size;
};
extern const struct window opgen_windows[];
extern const size_t opgen_nwindows;

/*
 * Knobs for a test that wants fewer kinds of operation (e.g. the TLB test
 * without sharing).
 */
struct opgen_cfg {
	bool no_share;
	bool no_reset;
	bool no_free;  /* no SV39_UNMAP_FREE / SV39_FREE_FRAMES */
	bool no_alias; /* no frame mapped at two virtual addresses */
	/*
	 * Svnapot groups: maps with SV39_MAP_64K, ranges of whole and cut
	 * 64 KiB groups, replace maps aimed at existing leaves, and hardware
	 * A/D updates in single members (EOP_TOUCH). false draws exactly the
	 * choices it drew before groups existed, so old seeds decode alike.
	 */
	bool napot;
};

/*
 * The Svnapot set-ups a run picks from (test_refmodel by the seed's
 * thousands, fuzz_refmodel by the input's first byte): 0 draws no groups
 * and gives no space Svnapot (the operations drawn before groups
 * existed); 1 groups in both spaces; 2 in space 0 only (the clone
 * destination lacks Svnapot; no sharing, which would show space 0's
 * groups to harts without it); 3 in space 1 only; 4 in neither (every
 * SV39_MAP_64K must fail with SV39_EINVAL).
 */
struct opgen_setup {
	unsigned features[2]; /* ops->features of space 0 and space 1 */
	struct opgen_cfg cfg;
};
extern const struct opgen_setup opgen_setups[];
extern const size_t opgen_nsetups;

/*
 * Draw the next operation. m (may be NULL) lets protect, unmap, harvest
 * and clone aim at leaves that exist, so that they succeed and split
 * superpages more often than a blind range would.
 */
void opgen_next(struct esrc *r, const struct opgen_cfg *cfg, const struct model *m, struct eop *op);

#endif /* OPGEN_H */
