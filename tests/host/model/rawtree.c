/* SPDX-License-Identifier: MIT */
/*
 * rawtree - walk a raw Sv39 tree as plain memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "rawtree.h"

#define PPN_FIELD ((UINT64_C(1) << 44) - 1)

static sv39_pa_t
pte_pa(sv39_pte_t pte)
{
	return ((pte >> SV39_PTE_PPN_SHIFT) & PPN_FIELD) << 12;
}

/* Sign-extend from bit 38: the va of root slot i and below. */
static sv39_va_t
canon(uint64_t va)
{
	return (sv39_va_t)((int64_t)(va << 25) >> 25);
}

void
rawtables_free(struct rawtables *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static void
tables_push(struct rawtables *t, const struct rawtable *e)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
		if (!t->v)
			abort();
	}
	t->v[t->n++] = *e;
}

/*
 * Slots i..i+15 of level-0 table t as one Svnapot group (Svnapot 4.5):
 * i 16-aligned, every member valid with N and PPN[3:0] = 0b1000, all alike
 * but for A and D. Fills l (A and D the OR, and which member has which)
 * or returns -1 with a message.
 */
static int
read_group(const sv39_pte_t *t, unsigned i, sv39_va_t va, struct mleaf *l, char *err, size_t errlen)
{
	const uint64_t ad = SV39_PTE_A | SV39_PTE_D;
	sv39_pte_t first = t[i];

	if (i % 16 || ((first >> SV39_PTE_PPN_SHIFT) & 0xf) != 0x8) {
		snprintf(err, errlen,
			 "group member 0x%016" PRIx64 " at va 0x%" PRIx64
			 " is not the first of an aligned, encoded group",
			 first, va);
		return -1;
	}
	*l = (struct mleaf){ va,
			     SV39_NAPOT_SIZE,
			     pte_pa(first) & ~(SV39_NAPOT_SIZE - 1),
			     first & ~SV39_PTE_PPN_MASK & ~ad,
			     0,
			     0 };
	for (unsigned k = 0; k < 16; k++) {
		sv39_pte_t e = t[i + k];

		if ((e & ~ad) != (first & ~ad) || !(e & SV39_PTE_V)) {
			snprintf(err, errlen,
				 "group at va 0x%" PRIx64 ": member %u is 0x%016" PRIx64
				 ", member 0 0x%016" PRIx64,
				 va, k, e, first);
			return -1;
		}
		l->flags |= e & ad;
		l->a_members |= (uint16_t)(((e & SV39_PTE_A) ? 1u : 0u) << k);
		l->d_members |= (uint16_t)(((e & SV39_PTE_D) ? 1u : 0u) << k);
	}
	return 0;
}

struct walk {
	const struct sv39_space *s;
	struct mleafvec *leaves;  /* or NULL */
	struct rawtables *tables; /* or NULL */
	char *err;
	size_t errlen;
};

/* A group's 16 slots from slot i of level-0 table t, as one leaf. */
static int
walk_group(struct walk *w, const sv39_pte_t *t, unsigned i, sv39_va_t va)
{
	struct mleaf l;

	if (read_group(t, i, va, &l, w->err, w->errlen) < 0)
		return -1;
	if (w->leaves)
		mleafvec_push(w->leaves, &l);
	return 0;
}

static int
walk_table(struct walk *w, sv39_pa_t pa, unsigned level, sv39_va_t base, bool borrowed)
{
	const sv39_pte_t *t = w->s->ops->phys_to_virt(w->s->ctx, pa);
	struct rawtable rt = { pa, canon(base), level, borrowed, 0 };
	uint64_t size = UINT64_C(1) << (12 + 9 * level);

	if (!t || (pa & 0xfff)) {
		snprintf(w->err, w->errlen,
			 "table at pa 0x%" PRIx64 " (level %u, va 0x%" PRIx64
			 ") is not a table page",
			 pa, level, rt.va);
		return -1;
	}
	for (unsigned i = 0; i < 512; i++) {
		sv39_pte_t e = t[i];
		sv39_va_t va = canon(base + i * size);

		if (!(e & SV39_PTE_V)) {
			if (e) {
				snprintf(w->err, w->errlen,
					 "invalid but nonzero entry 0x%016" PRIx64
					 " at va 0x%" PRIx64 " level %u",
					 e, va, level);
				return -1;
			}
			continue;
		}
		rt.valid++;
		if (level == 0 && (e & SV39_PTE_N) && (e & (SV39_PTE_R | SV39_PTE_X)) &&
		    (w->s->ops->features & SV39_FEATURE_SVNAPOT)) {
			if (walk_group(w, t, i, va) < 0)
				return -1;
			rt.valid += 15;
			i += 15;
			continue;
		}
		if ((e & (SV39_PTE_R | SV39_PTE_W)) == SV39_PTE_W || (e & SV39_PTE_RESERVED_MASK) ||
		    (e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK || (e & SV39_PTE_N)) {
			snprintf(w->err, w->errlen,
				 "malformed entry 0x%016" PRIx64 " at va 0x%" PRIx64 " level %u", e,
				 va, level);
			return -1;
		}
		if (e & (SV39_PTE_R | SV39_PTE_X)) {
			struct mleaf l = { va, size, pte_pa(e), e & ~SV39_PTE_PPN_MASK, 0, 0 };

			if (w->leaves)
				mleafvec_push(w->leaves, &l);
			continue;
		}
		if (level == 0 ||
		    (e & (SV39_PTE_U | SV39_PTE_A | SV39_PTE_D | SV39_PTE_PBMT_MASK))) {
			snprintf(w->err, w->errlen,
				 "bad pointer 0x%016" PRIx64 " at va 0x%" PRIx64 " level %u", e, va,
				 level);
			return -1;
		}
		if (w->tables && (borrowed || (e & SV39_PTE_BORROWED))) {
			/* The lender owns it: record the first page only. */
			struct rawtable b = { pte_pa(e), va, level - 1, true, 0 };

			if (!borrowed)
				tables_push(w->tables, &b);
			if (!w->leaves)
				continue;
		}
		if (walk_table(w, pte_pa(e), level - 1, base + i * size,
			       borrowed || (e & SV39_PTE_BORROWED)) < 0)
			return -1;
	}
	if (w->tables && !borrowed)
		tables_push(w->tables, &rt);
	return 0;
}

int
rawtree_leaves(const struct sv39_space *s, struct mleafvec *out, char *err, size_t errlen)
{
	struct walk w = { s, out, NULL, err, errlen };

	return walk_table(&w, s->root, 2, 0, false);
}

int
rawtree_tables(const struct sv39_space *s, struct rawtables *out, char *err, size_t errlen)
{
	struct walk w = { s, NULL, out, err, errlen };

	return walk_table(&w, s->root, 2, 0, false);
}
