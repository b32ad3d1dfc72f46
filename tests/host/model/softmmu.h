/* SPDX-License-Identifier: MIT */
/*
 * softmmu - a software Sv39 MMU for the host tests.
 *
 * It reads a raw page-table tree exactly as a hart would, following the
 * privileged spec's "virtual address translation process" for Sv39 one step
 * at a time, with Svpbmt implemented, Svnapot implemented only when the
 * request says the hart has it, and Svade (no hardware A/D updates) in
 * force. It never calls libsv39: it is the
 * independent judge the model tests compare the library against. Only
 * ops->phys_to_virt is used, to read the table pages.
 */
#ifndef SOFTMMU_H
#define SOFTMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <sv39/sv39.h>

enum softmmu_access {
	SOFTMMU_LOAD,
	SOFTMMU_STORE,
	SOFTMMU_FETCH,
};

enum softmmu_priv {
	SOFTMMU_PRIV_U,
	SOFTMMU_PRIV_S,
};

/*
 * Why a translation faulted. Every nonzero value is a page fault to the
 * hart; the reasons exist so that a test can tell "unmapped" from
 * "malformed" from "not allowed".
 */
enum softmmu_fault {
	SOFTMMU_OK = 0,
	SOFTMMU_F_CANONICAL,  /* bits 63..39 differ from bit 38 */
	SOFTMMU_F_INVALID,    /* V = 0, or R = 0 with W = 1 */
	SOFTMMU_F_RESERVED,   /* bits 54..60 set, or A/D/U on a pointer */
	SOFTMMU_F_PBMT,	      /* PBMT = 3 (reserved), or PBMT on a pointer */
	SOFTMMU_F_N,	      /* N set: no Svnapot, or not a level-0 leaf with ppn[3:0] = 0b1000 */
	SOFTMMU_F_DEPTH,      /* a pointer at level 0 */
	SOFTMMU_F_PERM,	      /* R/W/X, U, SUM or MXR forbid the access */
	SOFTMMU_F_MISALIGNED, /* superpage PPN not aligned to its size */
	SOFTMMU_F_AD,	      /* A = 0, or a store with D = 0 (Svade) */
	SOFTMMU_F_NOMEM,      /* phys_to_virt gave no memory for a table */
};

struct softmmu_req {
	sv39_pa_t root; /* physical address of the root table */
	sv39_va_t va;
	enum softmmu_access access;
	enum softmmu_priv priv;
	bool sum; /* sstatus.SUM: S may load/store U pages */
	bool mxr; /* sstatus.MXR: loads from X-only pages succeed */
	/*
	 * The hart implements Svnapot: a level-0 leaf with N and ppn[3:0] =
	 * 0b1000 maps a 64 KiB page (its low four PPN bits come from the va).
	 */
	bool svnapot;
};

struct softmmu_result {
	enum softmmu_fault fault;
	sv39_pa_t pa;	    /* the translated address (only when fault == OK) */
	sv39_pte_t pte;	    /* the last PTE read (the leaf, when one was found) */
	int level;	    /* level of that PTE: 2, 1 or 0; -1 if none read */
	uint64_t page_size; /* size the leaf maps (64 KiB for a NAPOT leaf), when one was found */
};

/*
 * Translate one access. ops and ctx are the space's (only phys_to_virt is
 * called). Returns res->fault.
 */
enum softmmu_fault softmmu_translate(const struct sv39_ops *ops, void *ctx,
				     const struct softmmu_req *req, struct softmmu_result *res);

/* Convenience: the same with the root, ops, ctx and ops->features of a space. */
enum softmmu_fault softmmu_translate_space(const struct sv39_space *s, sv39_va_t va,
					   enum softmmu_access access, enum softmmu_priv priv,
					   bool sum, bool mxr, struct softmmu_result *res);

/*
 * Would an access with these parameters be allowed to a valid, well-formed
 * leaf with these flags? The permission and A/D steps alone, stated as a
 * table of rules rather than a walk, so that the model can predict the
 * softmmu's verdict.
 */
bool softmmu_leaf_allows(uint64_t flags, enum softmmu_access access, enum softmmu_priv priv,
			 bool sum, bool mxr);

const char *softmmu_fault_name(enum softmmu_fault f);

#endif /* SOFTMMU_H */
