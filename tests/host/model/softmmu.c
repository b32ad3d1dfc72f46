/* SPDX-License-Identifier: MIT */
/*
 * softmmu - Sv39 address translation done the way the hardware does it.
 *
 * The steps below are numbered after the privileged spec's "Virtual
 * Address Translation Process" (Sv39: LEVELS = 3, PTESIZE = 8, PAGESIZE =
 * 4 KiB). Nothing here calls libsv39.
 */
#include "softmmu.h"

#define LEVELS 3
#define VPN_BITS 9
#define PPN_FIELD_MASK ((UINT64_C(1) << 44) - 1)

/* Bits 63..39 must all equal bit 38, or the access page-faults. */
static bool
canonical(sv39_va_t va)
{
	uint64_t top = va >> 38; /* bits 63..38: all zeros or all ones */

	return top == 0 || top == (UINT64_C(1) << 26) - 1;
}

static unsigned
vpn(sv39_va_t va, int i)
{
	return (unsigned)(va >> (12 + VPN_BITS * i)) & 0x1ff;
}

/*
 * Is pte a NAPOT leaf a Svnapot hart translates? Svnapot defines N only in a
 * level-0 leaf, and of the ppn[3:0] encodings only 0b1000 (64 KiB); N
 * anywhere else, or any other encoding, is reserved.
 */
static bool
napot_leaf(sv39_pte_t pte, int level, bool svnapot)
{
	return svnapot && level == 0 && (pte & (SV39_PTE_R | SV39_PTE_X)) &&
	       ((pte >> SV39_PTE_PPN_SHIFT) & 0xf) == 0x8;
}

/*
 * Step 3's "bits or encodings reserved for future standard use": bits
 * 54..60 always; PBMT = 3 always (Svpbmt makes 1 and 2 legal on leaves);
 * N, but in a NAPOT leaf of a Svnapot hart; and on a pointer (non-leaf)
 * PTE the A, D, U, N and PBMT bits, which the spec reserves for non-leaf
 * entries.
 */
static enum softmmu_fault
reserved_fault(sv39_pte_t pte, int level, bool svnapot)
{
	bool leaf = (pte & (SV39_PTE_R | SV39_PTE_X)) != 0;

	if (pte & SV39_PTE_RESERVED_MASK)
		return SOFTMMU_F_RESERVED;
	if ((pte & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_MASK)
		return SOFTMMU_F_PBMT;
	if ((pte & SV39_PTE_N) && !napot_leaf(pte, level, svnapot))
		return SOFTMMU_F_N;
	if (!leaf) {
		if (pte & SV39_PTE_PBMT_MASK)
			return SOFTMMU_F_PBMT;
		if (pte & (SV39_PTE_A | SV39_PTE_D | SV39_PTE_U))
			return SOFTMMU_F_RESERVED;
	}
	return SOFTMMU_OK;
}

/*
 * Step 5: may this privilege level make this access to the leaf? U-mode
 * needs U. S-mode may load or store a U page only with SUM, and never
 * executes one. Loads need R, or X when MXR is set; stores need W;
 * fetches need X.
 */
static bool
step5_allowed(sv39_pte_t pte, const struct softmmu_req *req)
{
	bool u = pte & SV39_PTE_U;

	if (req->priv == SOFTMMU_PRIV_U) {
		if (!u)
			return false;
	} else if (u) {
		if (req->access == SOFTMMU_FETCH || !req->sum)
			return false;
	}
	switch (req->access) {
	case SOFTMMU_LOAD:
		return (pte & SV39_PTE_R) || (req->mxr && (pte & SV39_PTE_X));
	case SOFTMMU_STORE:
		return pte & SV39_PTE_W;
	case SOFTMMU_FETCH:
		return pte & SV39_PTE_X;
	}
	return false;
}

/*
 * Step 8: pa.pgoff = va.pgoff; below level i the PPN comes from the VPN
 * (superpage), above it from the PTE. Svnapot: ppn[0][3:0] also comes
 * from va.vpn[0][3:0], not from the PTE.
 */
static sv39_pa_t
step8_pa(sv39_pte_t pte, int i, sv39_va_t va)
{
	uint64_t ppn = (pte >> SV39_PTE_PPN_SHIFT) & PPN_FIELD_MASK;
	uint64_t mask = (UINT64_C(1) << (VPN_BITS * i)) - 1;

	if (pte & SV39_PTE_N)
		return ((ppn & ~UINT64_C(0xf)) << 12) | (va & (SV39_NAPOT_SIZE - 1));
	return ((ppn & ~mask) << 12) | (va & ((UINT64_C(1) << (12 + VPN_BITS * i)) - 1));
}

enum softmmu_fault
softmmu_translate(const struct sv39_ops *ops, void *ctx, const struct softmmu_req *req,
		  struct softmmu_result *res)
{
	sv39_pa_t a;
	sv39_pte_t pte = 0;
	uint64_t ppn, mask;
	int i;

	res->pa = 0;
	res->pte = 0;
	res->level = -1;
	res->page_size = 0;

	/* Loads, stores and fetches must use canonical addresses. */
	if (!canonical(req->va))
		return res->fault = SOFTMMU_F_CANONICAL;

	/* Step 1: a = satp.ppn * PAGESIZE, i = LEVELS - 1. */
	a = req->root;
	i = LEVELS - 1;
	for (;;) {
		/* Step 2: pte = the PTE at a + va.vpn[i] * PTESIZE. */
		const sv39_pte_t *table = ops->phys_to_virt(ctx, a);

		if (!table)
			return res->fault = SOFTMMU_F_NOMEM;
		pte = table[vpn(req->va, i)];
		res->pte = pte;
		res->level = i;

		/* Step 3: invalid, W without R, or reserved bits. */
		if (!(pte & SV39_PTE_V) || (!(pte & SV39_PTE_R) && (pte & SV39_PTE_W)))
			return res->fault = SOFTMMU_F_INVALID;
		res->fault = reserved_fault(pte, i, req->svnapot);
		if (res->fault)
			return res->fault;

		/* Step 4: a leaf has R or X; otherwise descend. */
		if (pte & (SV39_PTE_R | SV39_PTE_X))
			break;
		i = i - 1;
		if (i < 0)
			return res->fault = SOFTMMU_F_DEPTH;
		a = ((pte >> SV39_PTE_PPN_SHIFT) & PPN_FIELD_MASK) << 12;
	}
	res->page_size = UINT64_C(1) << (12 + VPN_BITS * i);
	if (pte & SV39_PTE_N) /* step 3 let only a NAPOT leaf through */
		res->page_size = SV39_NAPOT_SIZE;

	/* Step 5: permission for this access, privilege, SUM and MXR. */
	if (!step5_allowed(pte, req))
		return res->fault = SOFTMMU_F_PERM;

	/* Step 6: a superpage's low PPN fields must be zero. */
	ppn = (pte >> SV39_PTE_PPN_SHIFT) & PPN_FIELD_MASK;
	mask = (UINT64_C(1) << (VPN_BITS * i)) - 1;
	if (i > 0 && (ppn & mask))
		return res->fault = SOFTMMU_F_MISALIGNED;

	/* Step 7, Svade: no hardware update, fault instead. */
	if (!(pte & SV39_PTE_A) || (req->access == SOFTMMU_STORE && !(pte & SV39_PTE_D)))
		return res->fault = SOFTMMU_F_AD;

	res->pa = step8_pa(pte, i, req->va);
	return res->fault = SOFTMMU_OK;
}

enum softmmu_fault
softmmu_translate_space(const struct sv39_space *s, sv39_va_t va, enum softmmu_access access,
			enum softmmu_priv priv, bool sum, bool mxr, struct softmmu_result *res)
{
	struct softmmu_req req = {
		.root = s->root,
		.va = va,
		.access = access,
		.priv = priv,
		.sum = sum,
		.mxr = mxr,
		.svnapot = (s->ops->features & SV39_FEATURE_SVNAPOT) != 0,
	};

	return softmmu_translate(s->ops, s->ctx, &req, res);
}

/*
 * The same rules as steps 5 and 7, written as a table of what each access
 * needs, for predicting the verdict from a model's flags.
 */
bool
softmmu_leaf_allows(uint64_t flags, enum softmmu_access access, enum softmmu_priv priv, bool sum,
		    bool mxr)
{
	static const struct {
		uint64_t any; /* at least one of these */
		uint64_t all; /* all of these */
	} need[] = {
		[SOFTMMU_LOAD] = { SV39_PTE_R, SV39_PTE_A },
		[SOFTMMU_STORE] = { SV39_PTE_W, SV39_PTE_A | SV39_PTE_D },
		[SOFTMMU_FETCH] = { SV39_PTE_X, SV39_PTE_A },
	};
	uint64_t any = need[access].any;
	bool user_page = flags & SV39_PTE_U;

	if (access == SOFTMMU_LOAD && mxr)
		any |= SV39_PTE_X;
	if (!(flags & any) || (flags & need[access].all) != need[access].all)
		return false;
	if (priv == SOFTMMU_PRIV_U)
		return user_page;
	return !user_page || (sum && access != SOFTMMU_FETCH);
}

const char *
softmmu_fault_name(enum softmmu_fault f)
{
	static const char *const names[] = {
		[SOFTMMU_OK] = "ok",
		[SOFTMMU_F_CANONICAL] = "non-canonical",
		[SOFTMMU_F_INVALID] = "invalid (V=0 or W without R)",
		[SOFTMMU_F_RESERVED] = "reserved bits",
		[SOFTMMU_F_PBMT] = "bad PBMT",
		[SOFTMMU_F_N] = "N set",
		[SOFTMMU_F_DEPTH] = "pointer at level 0",
		[SOFTMMU_F_PERM] = "permission",
		[SOFTMMU_F_MISALIGNED] = "misaligned superpage",
		[SOFTMMU_F_AD] = "A/D clear",
		[SOFTMMU_F_NOMEM] = "table not in memory",
	};

	if ((unsigned)f < sizeof(names) / sizeof(names[0]) && names[f])
		return names[f];
	return "?";
}
