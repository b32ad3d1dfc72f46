/* SPDX-License-Identifier: MIT */
/*
 * test_refmodel - long random sequences of map, unmap, protect,
 * clone_range, share and harvest on two spaces, each step checked against
 * the reference model (see engine.h for what is checked).
 *
 * Usage: test_refmodel [SEED [STEPS]]. Without arguments it runs a fixed
 * set of seeds. The seed's thousands picks the Svnapot set-up
 * (opgen_setups, opgen.h): seeds 1..999 draw no groups at all, 1000..1999
 * give both spaces Svnapot, and so on. On a mismatch it prints the seed, the step and the call,
 * so "test_refmodel SEED STEP" replays it (the last step is the failing
 * one; a third argument prints every step).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "opgen.h"

#define TABLE_PAGES 1024

static const char *const kinds[EOP_KINDS] = {
	"map",	   "unmap",  "protect",	 "clone",  "share",
	"harvest", "reset1", "resetall", "reset0", "touch",
};

static void
print_stats(const struct engine *e)
{
	static const char *const res[] = { "ok",     "ENOMEM", "EALIGN", "ERANGE", "EPERM",
					   "EEXIST", "ENOENT", "EBUSY",	 "EINVAL" };

	for (int k = 0; k < EOP_KINDS; k++) {
		printf("  %-8s", kinds[k]);
		for (int i = 0; i <= SV39_ERRNO_MAX; i++)
			if (e->stats[k][i])
				printf(" %s %u", res[i], e->stats[k][i]);
		printf("\n");
	}
	printf("  groups compared after steps: %" PRIu64 " (members differing in A/D: %" PRIu64
	       ")\n",
	       e->groups_checked, e->groups_mixed_ad);
}

static int
run_seed(uint64_t seed, unsigned steps, bool verbose)
{
	size_t c = (size_t)(seed / 1000 % opgen_nsetups);
	const struct opgen_setup *setup = &opgen_setups[c];
	struct ramops r;
	struct engine e = { .asid = { 1, 2 },
			    .features = { setup->features[0], setup->features[1] } };
	struct esrc src;
	struct eop op;
	int ret = 0;

	if (ramops_init(&r, TABLE_PAGES, 0)) {
		printf("ramops_init failed\n");
		return 1;
	}
	if (engine_init(&e, &r, seed) < 0) {
		printf("seed %" PRIu64 ": init: %s\n", seed, e.err);
		ramops_fini(&r);
		return 1;
	}
	esrc_init_rng(&src, seed);
	for (unsigned step = 1; step <= steps; step++) {
		opgen_next(&src, &setup->cfg, &e.m, &op);
		if (verbose) {
			char buf[256];

			eop_format(&op, buf, sizeof(buf));
			printf("step %u: %s\n", step, buf);
		}
		if (engine_apply(&e, &op) < 0) {
			printf("FAIL seed %" PRIu64 " step %u: %s\n", seed, step, e.err);
			ret = 1;
			break;
		}
	}
	if (!ret)
		print_stats(&e);
	if (engine_fini(&e) < 0 && !ret) {
		printf("FAIL seed %" PRIu64 " at the end: %s\n", seed, e.err);
		ret = 1;
	}
	ramops_fini(&r);
	if (!ret)
		printf("seed %" PRIu64 " (Svnapot set-up %zu): %u steps ok\n", seed, c, steps);
	return ret;
}

int
main(int argc, char **argv)
{
	static const uint64_t seeds[] = { 1, 2, 3, 4, 5, 6, 1001, 1002, 1003, 2001, 3001, 4001 };
	unsigned steps = 2500;
	int failed = 0;

	if (argc > 1) {
		uint64_t seed = strtoull(argv[1], NULL, 0);

		if (argc > 2)
			steps = (unsigned)strtoul(argv[2], NULL, 0);
		return run_seed(seed, steps, argc > 3);
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		failed |= run_seed(seeds[i], steps, false);
	return failed;
}
