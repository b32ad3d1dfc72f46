/* SPDX-License-Identifier: MIT */
/*
 * range.c - argument checks shared by every range call.
 */
#include "base.h"

/*
 * Check a range [va, va + size) and return its last byte in *last.
 * Sizes and addresses must be multiples of align. The range must lie in one
 * canonical half: it may not wrap past 2^64 or cross the hole between
 * 0x3f_ffff_ffff and 0xffff_ffc0_0000_0000.
 */
int
sv39_range_check_(sv39_va_t va, uint64_t size, uint64_t align, sv39_va_t *last)
{
	if (size == 0)
		return SV39_EINVAL;
	if (!is_aligned(va, align) || !is_aligned(size, align))
		return SV39_EALIGN;
	if (!va_is_canonical(va))
		return SV39_ERANGE;
	*last = va + (size - 1);
	if (*last < va)
		return SV39_ERANGE;
	if (span_crosses_hole(va, *last))
		return SV39_ERANGE;
	return 0;
}

/*
 * A permission set a leaf may carry: only bits of SV39_PERM_MASK, at least
 * one of R and X (R = W = X = 0 would make the entry a pointer), W only
 * with R (W without R is reserved by the spec), and not both PBMT bits.
 */
int
sv39_perm_check_(uint64_t perm)
{
	if (perm & ~SV39_PERM_MASK)
		return SV39_EPERM;
	if (!(perm & (SV39_PTE_R | SV39_PTE_X)))
		return SV39_EPERM;
	if ((perm & SV39_PTE_W) && !(perm & SV39_PTE_R))
		return SV39_EPERM;
	if ((perm & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
		return SV39_EPERM; /* PBMT = 3 is reserved */
	return 0;
}
