/* SPDX-License-Identifier: MIT */
/*
 * mspace - a sorted array of leaves: the reference model's page map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mspace.h"

static void
reserve(struct mleafvec *vec, size_t n)
{
	size_t cap = vec->cap ? vec->cap : 64;

	if (n <= vec->cap)
		return;
	while (cap < n)
		cap *= 2;
	vec->v = realloc(vec->v, cap * sizeof(*vec->v));
	if (!vec->v) {
		fprintf(stderr, "mspace: out of memory\n");
		abort();
	}
	vec->cap = cap;
}

void
mleafvec_push(struct mleafvec *vec, const struct mleaf *l)
{
	reserve(vec, vec->n + 1);
	vec->v[vec->n++] = *l;
}

void
mleafvec_free(struct mleafvec *vec)
{
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

void
mspace_init(struct mspace *ms)
{
	memset(ms, 0, sizeof(*ms));
}

void
mspace_fini(struct mspace *ms)
{
	mleafvec_free(&ms->l);
}

void
mspace_clear(struct mspace *ms)
{
	ms->l.n = 0;
}

void
mspace_copy(struct mspace *dst, const struct mspace *src)
{
	reserve(&dst->l, src->l.n);
	if (src->l.n)
		memcpy(dst->l.v, src->l.v, src->l.n * sizeof(*src->l.v));
	dst->l.n = src->l.n;
}

size_t
mspace_first(const struct mspace *ms, sv39_va_t va)
{
	size_t lo = 0, hi = ms->l.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mleaf_last(&ms->l.v[mid]) < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct mleaf *
mspace_find(const struct mspace *ms, sv39_va_t va)
{
	size_t i = mspace_first(ms, va);

	if (i < ms->l.n && ms->l.v[i].va <= va)
		return &ms->l.v[i];
	return NULL;
}

bool
mspace_any(const struct mspace *ms, sv39_va_t va, sv39_va_t last)
{
	size_t i = mspace_first(ms, va);

	return i < ms->l.n && ms->l.v[i].va <= last;
}

bool
mspace_all(const struct mspace *ms, sv39_va_t va, sv39_va_t last)
{
	size_t i = mspace_first(ms, va);
	sv39_va_t next = va;

	for (; i < ms->l.n; i++) {
		const struct mleaf *l = &ms->l.v[i];

		if (l->va > next)
			return false;
		if (mleaf_last(l) >= last)
			return true;
		next = mleaf_last(l) + 1;
	}
	return false;
}

bool
mspace_any_smaller(const struct mspace *ms, sv39_va_t va, sv39_va_t last, uint64_t size)
{
	for (size_t i = mspace_first(ms, va); i < ms->l.n && ms->l.v[i].va <= last; i++)
		if (ms->l.v[i].size < size)
			return true;
	return false;
}

struct mleaf
mleaf_group(sv39_va_t va, sv39_pa_t pa, uint64_t flags)
{
	struct mleaf l = { va, SV39_NAPOT_SIZE, pa, flags | SV39_PTE_N, 0, 0 };

	mleaf_group_sync(&l);
	return l;
}

void
mleaf_group_sync(struct mleaf *l)
{
	l->a_members = (l->flags & SV39_PTE_A) ? 0xffff : 0;
	l->d_members = (l->flags & SV39_PTE_D) ? 0xffff : 0;
}

uint64_t
mleaf_page_flags(const struct mleaf *l, sv39_va_t va)
{
	unsigned k = (unsigned)((va - l->va) / SV39_PAGE_SIZE);
	uint64_t f = l->flags;

	if (l->size != SV39_NAPOT_SIZE)
		return f;
	f &= ~(SV39_PTE_A | SV39_PTE_D);
	if ((l->a_members >> k) & 1)
		f |= SV39_PTE_A;
	if ((l->d_members >> k) & 1)
		f |= SV39_PTE_D;
	return f;
}

/*
 * Replace leaf i by the leaves one level down: 512 for a superpage, 16
 * plain 4 KiB leaves for a group (N gone, the group's OR of A and D in
 * each, as the library's in-place split writes them).
 */
static void
split(struct mspace *ms, size_t i)
{
	struct mleaf big = ms->l.v[i];
	bool group = big.size == SV39_NAPOT_SIZE;
	unsigned n = group ? 16 : 512;
	uint64_t step = big.size / n;

	reserve(&ms->l, ms->l.n + n - 1);
	memmove(&ms->l.v[i + n], &ms->l.v[i + 1], (ms->l.n - i - 1) * sizeof(*ms->l.v));
	for (unsigned k = 0; k < n; k++) {
		struct mleaf *l = &ms->l.v[i + k];

		l->va = big.va + k * step;
		l->pa = big.pa + k * step;
		l->size = step;
		l->flags = group ? big.flags & ~SV39_PTE_N : big.flags;
		l->a_members = l->d_members = 0;
	}
	ms->l.n += n - 1;
}

void
mspace_cut(struct mspace *ms, sv39_va_t va)
{
	for (;;) {
		size_t i = mspace_first(ms, va);

		if (i >= ms->l.n || ms->l.v[i].va >= va)
			return;
		split(ms, i);
	}
}

const struct mleaf *
mspace_cut_one(struct mspace *ms, sv39_va_t va)
{
	size_t i = mspace_first(ms, va);

	if (i >= ms->l.n || ms->l.v[i].va >= va)
		return NULL;
	split(ms, i);
	return mspace_find(ms, va);
}

void
mspace_remove(struct mspace *ms, sv39_va_t va, sv39_va_t last, struct mleafvec *removed)
{
	size_t i, j;

	mspace_cut(ms, va);
	mspace_cut(ms, last + 1); /* last + 1 == 0 at the top: nothing to cut */
	i = mspace_first(ms, va);
	for (j = i; j < ms->l.n && ms->l.v[j].va <= last; j++)
		if (removed)
			mleafvec_push(removed, &ms->l.v[j]);
	if (j == i)
		return;
	memmove(&ms->l.v[i], &ms->l.v[j], (ms->l.n - j) * sizeof(*ms->l.v));
	ms->l.n -= j - i;
}

void
mspace_insert(struct mspace *ms, const struct mleaf *run, size_t n)
{
	size_t i;

	if (!n)
		return;
	i = mspace_first(ms, run[0].va);
	if ((i < ms->l.n && ms->l.v[i].va <= mleaf_last(&run[n - 1])) ||
	    (i > 0 && mleaf_last(&ms->l.v[i - 1]) >= run[0].va)) {
		fprintf(stderr, "mspace_insert: overlap at 0x%llx\n",
			(unsigned long long)run[0].va);
		abort();
	}
	reserve(&ms->l, ms->l.n + n);
	memmove(&ms->l.v[i + n], &ms->l.v[i], (ms->l.n - i) * sizeof(*ms->l.v));
	memcpy(&ms->l.v[i], run, n * sizeof(*run));
	ms->l.n += n;
}
