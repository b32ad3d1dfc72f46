/* SPDX-License-Identifier: MIT */
/*
 * fuzz_refmodel - libFuzzer target: the fuzz input is decoded into the
 * same operations test_refmodel draws at random (opgen.c), each applied
 * to libsv39 and the reference model, with the same checks after every
 * step. Any mismatch, leak or ramops error aborts, which libFuzzer
 * reports as a crash and saves the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "opgen.h"

#define TABLE_PAGES 512
#define MAX_STEPS 200

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
	struct engine e = { .asid = { 1, 2 } };
	struct esrc src;
	struct eop op;

	if (ramops_init(&r, TABLE_PAGES, 0))
		abort();
	if (engine_init(&e, &r, size) < 0)
		die("init", &e);
	esrc_init_data(&src, data, size);
	for (unsigned step = 0; step < MAX_STEPS; step++) {
		opgen_next(&src, NULL, &e.m, &op);
		if (src.exhausted)
			break;
		if (engine_apply(&e, &op) < 0) {
			char buf[64];

			snprintf(buf, sizeof(buf), "step %u", step + 1);
			die(buf, &e);
		}
	}
	if (engine_fini(&e) < 0)
		die("end", &e);
	ramops_fini(&r);
	return 0;
}
