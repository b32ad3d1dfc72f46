/* SPDX-License-Identifier: MIT */
/*
 * model - the reference model of two address spaces: space 0 (the
 * lender, the clone source) and space 1 (the borrower, the clone
 * destination), as the contract in docs/DESIGN section 2 describes them.
 *
 * For each operation it answers two questions without libsv39: which
 * results are allowed (success and/or a set of SV39_E* codes), and what
 * the spaces look like afterwards. Where the contract leaves a choice to
 * the library and the tests must still predict the leaf sizes, the model
 * states the choice it assumes in a comment (search for "Assumes").
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <sv39/sv39.h>

#include "mspace.h"

enum eop_kind {
	EOP_MAP,
	EOP_UNMAP,
	EOP_PROTECT,
	EOP_CLONE, /* sv39_clone_range(space 1, space 0, ...) */
	EOP_SHARE, /* sv39_share(space 1, space 0, ...) */
	EOP_HARVEST,
	EOP_RESET_DST, /* destroy space 1 (flags) and make it again */
	EOP_RESET_ALL, /* destroy both and make them again */
	EOP_RESET_SRC, /* destroy space 0, the lender, first (no frames freed); again */
	/*
	 * The hardware sets A (bit A) or A and D (bit D, only in a writable
	 * leaf) in the PTE of page va of space sp's own leaf: in a 64 KiB
	 * group, only that page's member. No library call.
	 */
	EOP_TOUCH,
	EOP_KINDS
};

/* One operation, as the engine applies it to the library and the model. */
struct eop {
	enum eop_kind kind;
	int sp;	   /* target space (map, unmap, protect, harvest) */
	bool self; /* clone/share with dst == src (must be EINVAL) */
	sv39_va_t va;
	sv39_pa_t pa;	     /* map */
	uint64_t size;	     /* bytes; harvest: see npages */
	uint64_t npages;     /* harvest */
	uint64_t perm;	     /* map */
	uint64_t set, clear; /* protect, clone */
	uint64_t bit;	     /* harvest, touch */
	unsigned flags;	     /* map, unmap, destroy flags */
};

/* A 1 GiB or 2 MiB slot space 1 borrowed from space 0 with sv39_share. */
struct mslot {
	sv39_va_t va;
	uint64_t size;
	bool live; /* a table of space 0: its changes show through */
};

struct model {
	struct mspace own[2]; /* each space's own leaves */
	/* each space's ops->features (SV39_FEATURE_SVNAPOT: it may hold groups) */
	unsigned features[2];
	/* space 0: root slots (1 GiB va) it lent; their tables are kept */
	sv39_va_t *lent_gig;
	size_t nlent_gig, lent_gig_cap;
	/* space 0: 2 MiB slots in lent gigabytes that hold a kept level-0 table */
	sv39_va_t *kept_l0;
	size_t nkept_l0, kept_l0_cap;
	/* space 1: what it borrowed */
	struct mslot *bor;
	size_t nbor, bor_cap;
};

/* Result sets: bit 0 = success, bit -e = SV39_E* code e. */
#define MRES_OK 1u
#define MRES_ERR(e) (1u << (unsigned)(-(e)))

/* Two empty spaces; features: what each space's ops say (kept by resets). */
void model_init(struct model *m, const unsigned features[2]);
void model_fini(struct model *m);
void model_reset_space(struct model *m, int sp);

/* What space sp shows at va (its own leaf or a borrowed one), or NULL. */
const struct mleaf *model_lookup(const struct model *m, int sp, sv39_va_t va);
/* Every leaf space sp shows, in address order (out is cleared first). */
void model_view(const struct model *m, int sp, struct mleafvec *out);
/* Does [va, last] touch a slot space 1 borrowed? */
bool model_touches_borrowed(const struct model *m, int sp, sv39_va_t va, sv39_va_t last);
/* Is va inside a root slot space 0 lent (where its tables are kept)? */
bool model_gig_lent(const struct model *m, sv39_va_t va);

/* The results the contract allows for op. */
unsigned model_expect(const struct model *m, const struct eop *op);

/*
 * Apply a successful op to the model. frames: the frames the library must
 * hand to free_frame (unmap with SV39_UNMAP_FREE, destroy with
 * SV39_FREE_FRAMES). bitmap/count: harvest's expected output (bitmap has
 * room for op->npages bits).
 */
void model_apply(struct model *m, const struct eop *op, struct mleafvec *frames, uint64_t *bitmap,
		 int *count);

/* Does the leaf permission set the contract accepts include these bits? */
bool model_perm_valid(uint64_t leaf_bits);

/* Range checks shared with the generator. */
bool model_canonical(sv39_va_t va);
unsigned model_range_errs(sv39_va_t va, uint64_t size, uint64_t align);

#endif /* MODEL_H */
