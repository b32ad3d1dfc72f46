/* SPDX-License-Identifier: MIT */
/*
 * fuzz_refmodel - libFuzzer target: the fuzz input is decoded into the
 * same operations test_refmodel draws at random (opgen.c: map, unmap,
 * protect, clone, share, harvest, resets; the embedder's RSW bit among the
 * perm bits), each applied to libsv39 and the reference model. The first
 * byte picks the Svnapot set-up (opgen_setups, by its value modulo their
 * number: 0 is no groups, as inputs were decoded before groups existed;
 * the others draw SV39_MAP_64K maps, group-shaped ranges and hardware
 * A/D updates of single members, with or without Svnapot in each space). Any
 * mismatch, leak or ramops error aborts, which libFuzzer reports as a
 * crash and saves the input.
 *
 * Cheap enough to explore (hundreds of inputs a second): short cases
 * (MAX_STEPS), every call's result and all-or-nothing checked at every
 * step, the full tree comparison (engine_check) every CHECK_EVERY steps
 * and at the end, and the checks themselves not coverage-instrumented
 * (tests/host/model/meson.build): only the library's branches guide.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "opgen.h"

#define TABLE_PAGES 512
#define MAX_STEPS 32
#define CHECK_EVERY 8
#define LEAF_SAMPLE 16

static void
die(const char *when, const struct engine *e)
{
	fprintf(stderr, "fuzz_refmodel: %s: %s\n", when, e->err);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ramops r;
	static bool r_ready;
	struct engine e = { .asid = { 1, 2 } };
	const struct opgen_setup *setup = &opgen_setups[size ? data[0] % opgen_nsetups : 0];
	struct esrc src;
	struct eop op;

	/* One ramops for every input: the last one gave every page back. */
	if (!r_ready && ramops_init(&r, TABLE_PAGES, 0))
		abort();
	r_ready = true;
	if (ramops_reset(&r))
		abort();
	e.features[0] = setup->features[0];
	e.features[1] = setup->features[1];
	if (size) { /* the set-up byte */
		data++;
		size--;
	}
	if (engine_init(&e, &r, size) < 0)
		die("init", &e);
	e.check_every = CHECK_EVERY;
	e.leaf_sample = LEAF_SAMPLE;
	esrc_init_data(&src, data, size);
	for (unsigned step = 0; step < MAX_STEPS; step++) {
		opgen_next(&src, &setup->cfg, &e.m, &op);
		if (src.exhausted)
			break;
		if (engine_apply(&e, &op) < 0) {
			char buf[64];

			snprintf(buf, sizeof(buf), "step %u", step + 1);
			die(buf, &e);
		}
	}
	if (engine_check(&e) < 0)
		die("final check", &e);
	if (engine_fini(&e) < 0)
		die("end", &e);
	return 0;
}
