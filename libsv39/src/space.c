/* SPDX-License-Identifier: MIT */
/*
 * space.c - creating and destroying an address space; its satp value.
 */
#include "internal.h"

int
sv39_space_init(struct sv39_space *s, const struct sv39_ops *ops, void *ctx)
{
	sv39_pa_t root = 0;

	if (!s || !ops || !ops->alloc_table || !ops->free_table || !ops->phys_to_virt)
		return SV39_EINVAL;
	if (ops->alloc_table(ctx, &root) != 0)
		return SV39_ENOMEM;
	s->root = root;
	s->asid = 0;
	s->ops = ops;
	s->ctx = ctx;
	s->gen = 0;
	s->loans = 0;
	for (unsigned i = 0; i < SV39_PTES_PER_TABLE / 64; i++)
		s->lent[i] = 0;
	return 0;
}

void
sv39_space_destroy(struct sv39_space *s, unsigned flags)
{
	if (!s || !s->ops)
		return;
	sv39_loan_settle(s); /* borrowers let go of s's tables first */
	sv39_free_subtree(s, s->root, SV39_ROOT_LEVEL,
			  (flags & SV39_FREE_FRAMES) && s->ops->free_frame);
	s->root = 0;
	s->ops = NULL;
	s->gen++;
}

uint64_t
sv39_satp(const struct sv39_space *s)
{
	if (!s)
		return 0;
	return SV39_SATP_MODE_SV39 | ((uint64_t)s->asid << SV39_SATP_ASID_SHIFT) |
	       ((s->root >> SV39_PAGE_SHIFT) & SV39_SATP_PPN_MASK);
}
