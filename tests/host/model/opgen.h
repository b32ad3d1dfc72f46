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
};

/*
 * Draw the next operation. m (may be NULL) lets protect, unmap, harvest
 * and clone aim at leaves that exist, so that they succeed and split
 * superpages more often than a blind range would.
 */
void opgen_next(struct esrc *r, const struct opgen_cfg *cfg, const struct model *m, struct eop *op);

#endif /* OPGEN_H */
