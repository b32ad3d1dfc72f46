/* SPDX-License-Identifier: MIT */
/*
 * rawtree - read a space's page-table tree directly (through
 * ops->phys_to_virt, never through libsv39): every leaf it holds, and the
 * table pages it owns, for exact comparison with the model and for leak
 * accounting.
 */
#ifndef RAWTREE_H
#define RAWTREE_H

#include <stdbool.h>
#include <stddef.h>

#include <sv39/sv39.h>

#include "mspace.h"

/* A table page reached while walking a space. */
struct rawtable {
	sv39_pa_t pa;
	sv39_va_t va;	/* first address the table maps */
	unsigned level; /* 2 = root */
	bool borrowed;	/* reached through an SV39_PTE_BORROWED pointer */
	unsigned valid; /* valid entries in it */
};

struct rawtables {
	struct rawtable *v;
	size_t n, cap;
};

void rawtables_free(struct rawtables *t);

/*
 * Append every leaf of s, in address order, to out; through borrowed
 * pointers too (what the hardware sees). Where s's ops have
 * SV39_FEATURE_SVNAPOT a 64 KiB group is one leaf (and must be whole:
 * 16 aligned members, N and the encoding, alike but for A and D). Returns 0, or -1 with a message
 * in err for a malformed entry (a pointer at level 0, W without R, a
 * nonzero invalid entry, reserved bits) or a table phys_to_virt refuses.
 */
int rawtree_leaves(const struct sv39_space *s, struct mleafvec *out, char *err, size_t errlen);

/*
 * Append every table page of s to out: the root, every table under a
 * non-borrowed pointer (owned by s), and the first table under each
 * borrowed pointer (owned by the lender; not descended into).
 */
int rawtree_tables(const struct sv39_space *s, struct rawtables *out, char *err, size_t errlen);

#endif /* RAWTREE_H */
