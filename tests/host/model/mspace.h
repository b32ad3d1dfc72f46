/* SPDX-License-Identifier: MIT */
/*
 * mspace - the reference model's map of one address space: a sorted array
 * of non-overlapping leaves. Each 4 KiB page of a leaf maps to
 * leaf.pa + (va - leaf.va) with the leaf's flags, so "page -> (pa, flags,
 * leaf size)" is one binary search away, and a superpage is one entry
 * instead of 262144. Plain C, no libsv39 calls.
 *
 * Ranges are [va, last] with last the final byte, so a range that ends at
 * the top of the high half needs no special case.
 */
#ifndef MSPACE_H
#define MSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sv39/pte.h>

struct mleaf {
	sv39_va_t va;
	/* SV39_PAGE_SIZE, SV39_NAPOT_SIZE (a Svnapot group), SV39_MEGA_SIZE or SV39_GIGA_SIZE */
	uint64_t size;
	sv39_pa_t pa;	/* a group: its first frame (the members' PPN[3:0] encode 0b1000) */
	uint64_t flags; /* every non-PPN bit of the leaf PTE; a group: A and D are the OR */
	/*
	 * A group only: bit k set when member k (page k) has A, or D. The
	 * hardware may set them in any one member; translate and walk report
	 * the page's own member, for_each and harvest the OR (in flags).
	 */
	uint16_t a_members, d_members;
};

/* A group leaf whose 16 members all have flags' A and D. */
struct mleaf mleaf_group(sv39_va_t va, sv39_pa_t pa, uint64_t flags);
/* The non-PPN bits of page va's own PTE in leaf l (a group: its member's A and D). */
uint64_t mleaf_page_flags(const struct mleaf *l, sv39_va_t va);
/* Set member masks from flags (after flags' A/D changed for every member alike). */
void mleaf_group_sync(struct mleaf *l);

static inline sv39_va_t
mleaf_last(const struct mleaf *l)
{
	return l->va + (l->size - 1);
}

/* A growable array of leaves; an mspace keeps it sorted and disjoint. */
struct mleafvec {
	struct mleaf *v;
	size_t n, cap;
};

void mleafvec_push(struct mleafvec *vec, const struct mleaf *l);
void mleafvec_free(struct mleafvec *vec);

struct mspace {
	struct mleafvec l;
};

void mspace_init(struct mspace *ms);
void mspace_fini(struct mspace *ms);
void mspace_clear(struct mspace *ms);
void mspace_copy(struct mspace *dst, const struct mspace *src);

/* Index of the first leaf that ends at or after va (n if none). */
size_t mspace_first(const struct mspace *ms, sv39_va_t va);
/* The leaf that maps va, or NULL. */
const struct mleaf *mspace_find(const struct mspace *ms, sv39_va_t va);
/* Is any page of [va, last] mapped? Is every page? */
bool mspace_any(const struct mspace *ms, sv39_va_t va, sv39_va_t last);
bool mspace_all(const struct mspace *ms, sv39_va_t va, sv39_va_t last);
/* Is any leaf smaller than size inside [va, last]? */
bool mspace_any_smaller(const struct mspace *ms, sv39_va_t va, sv39_va_t last, uint64_t size);

/*
 * Make va a leaf boundary: a leaf that straddles it is split one level
 * down (1 GiB into 2 MiB, 2 MiB into 4 KiB, a 64 KiB group into 16 plain
 * 4 KiB leaves, each with the group's A and D: the OR of its members'),
 * and again while the piece holding va still straddles it. This is the minimal split the library
 * does at a range edge; pieces away from the edge stay as large as they
 * can.
 */
void mspace_cut(struct mspace *ms, sv39_va_t va);
/*
 * One step of mspace_cut: split the leaf va is strictly inside by one level
 * (1 GiB into 2 MiB, 2 MiB into 4 KiB, a group into plain leaves); returns the leaf now holding va,
 * or NULL when va already starts a leaf or nothing maps it.
 */
const struct mleaf *mspace_cut_one(struct mspace *ms, sv39_va_t va);

/*
 * Cut at both edges and remove every leaf inside [va, last]; the removed
 * leaves are appended to removed (may be NULL).
 */
void mspace_remove(struct mspace *ms, sv39_va_t va, sv39_va_t last, struct mleafvec *removed);

/* Insert n sorted leaves into a hole of ms that holds them all. */
void mspace_insert(struct mspace *ms, const struct mleaf *run, size_t n);

#endif /* MSPACE_H */
