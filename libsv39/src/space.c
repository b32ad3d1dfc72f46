/* SPDX-License-Identifier: MIT */
/*
 * space.c - creating and destroying an address space; its satp value.
 */
#include "internal.h"

/*
 * Fill in every member of s for a space whose root is root. Allocates
 * nothing and checks nothing: the callers have. known_tree: every table
 * page the space reaches is the root (a new space); else (a rebuilt one)
 * only a NULL phys_to_virt vouches for where the tables below it are.
 */
static void
space_fill(struct sv39_space *s, const struct sv39_ops *ops, void *ctx, sv39_pa_t root,
	   bool known_tree)
{
	s->root = root;
	s->asid = 0;
	s->ops = ops;
	s->ctx = ctx;
	s->p2v = ops ? ops->phys_to_virt : NULL;
	s->p2v_offset = ops ? ops->phys_offset : 0;
	s->linear_root = 0;
	if (ops && !s->p2v)
		s->linear_root = (uintptr_t)(root + s->p2v_offset);
	else if (ops && known_tree) {
		/* Learn the offset from the root; sv39_txn_reserve_ checks every later page. */
		s->linear_root = (uintptr_t)s->p2v(ctx, root);
		s->p2v_offset = (uint64_t)s->linear_root - root;
	}
	s->gen = 0;
	s->loans = 0;
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE / 64; i++)
		s->lent[i] = 0;
}

/* Are the members every space needs there? phys_to_virt may be NULL. */
static bool
ops_usable(const struct sv39_ops *ops)
{
	return ops && ops->alloc_table && ops->free_table;
}

int
sv39_space_init(struct sv39_space *s, const struct sv39_ops *ops, void *ctx)
{
	sv39_pa_t root = 0;

	if (!s)
		return SV39_EINVAL;
	space_fill(s, NULL, NULL, 0, false);
	if (!ops_usable(ops))
		return SV39_EINVAL;
	if (ops->alloc_table(ctx, &root) != 0)
		return SV39_ENOMEM;
	space_fill(s, ops, ctx, root, true);
	return 0;
}

int
sv39_space_init_from_root(struct sv39_space *s, const struct sv39_ops *ops, void *ctx,
			  sv39_pa_t root)
{
	if (!s)
		return SV39_EINVAL;
	space_fill(s, NULL, NULL, 0, false);
	if (!ops_usable(ops) || !is_aligned(root, SV39_PAGE_SIZE))
		return SV39_EINVAL;
	if (root >> SV39_PA_BITS)
		return SV39_ERANGE;
	space_fill(s, ops, ctx, root, false);
	sv39_loan_rebuild_(s);
	return 0;
}

bool
sv39_space_is_init(const struct sv39_space *s)
{
	return s && s->ops;
}

/*
 * Does the table at pa (at level) or any table below it hold a leaf of the
 * space's own? The same entries sv39_free_subtree_ would hand to
 * free_frame: borrowed entries are the lender's and are skipped.
 */
static bool
subtree_has_leaf(const struct sv39_space *s, sv39_pa_t pa, unsigned level)
{
	const sv39_pte_t *table = table_of(s, pa);

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&table[i]);

		if (e == 0 || (e & SV39_PTE_BORROWED))
			continue;
		if (e & SV39_PTE_LEAF_MASK)
			return true;
		if (level > 0 && subtree_has_leaf(s, sv39_pte_pa(e), level - 1))
			return true;
	}
	return false;
}

int
sv39_space_destroy(struct sv39_space *s, unsigned flags)
{
	if (!s || (flags & ~(SV39_FREE_FRAMES | SV39_DESTROY_IF_EMPTY)))
		return SV39_EINVAL;
	if (!s->ops)
		return 0;
	/* A rebuilt struct cannot settle the loans of a root that shares. */
	if (!sv39_loan_settleable_(s))
		return SV39_EBUSY;
	/* Checked before the loans are settled: a refusal changes nothing. */
	if ((flags & SV39_DESTROY_IF_EMPTY) && subtree_has_leaf(s, s->root, SV39_ROOT_LEVEL))
		return SV39_EBUSY;
	sv39_loan_settle_(s); /* borrowers let go of s's tables first */
	sv39_free_subtree_(s, s->root, SV39_ROOT_LEVEL,
			   (flags & SV39_FREE_FRAMES) && s->ops->free_frame);
	s->root = 0;
	s->ops = NULL;
	s->linear_root = 0;
	s->gen++;
	return 0;
}

uint64_t
sv39_satp(const struct sv39_space *s)
{
	if (!s)
		return 0;
	return SV39_SATP_MODE_SV39 | ((uint64_t)s->asid << SV39_SATP_ASID_SHIFT) |
	       ((s->root >> SV39_PAGE_SHIFT) & SV39_SATP_PPN_MASK);
}
