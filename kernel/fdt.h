/* SPDX-License-Identifier: MIT */
/*
 * fdt.h - a small reader of flattened device trees (the DTB format of the
 * Devicetree Specification, chapter 5). Read only; every offset and length
 * is checked against the blob, so a corrupt blob gives an error, never a
 * wild read.
 */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <stdint.h>

struct fdt {
	const uint8_t *blob;
	uint32_t size; /* totalsize */
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_rsvmap;
};

/* Check the header; 0 or a message saying what is wrong. */
const char *fdt_open(struct fdt *f, const void *blob, uint64_t max_size);

/*
 * Nodes are named by the offset of their FDT_BEGIN_NODE token; the root
 * is fdt_root(). The iterators return -1 at the end, -2 on a corrupt blob.
 */
int fdt_root(const struct fdt *f);
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
const char *fdt_name(const struct fdt *f, int node);

/* A property's value and length, or NULL. */
const void *fdt_prop(const struct fdt *f, int node, const char *name, int *len);
/* Nonzero when the node's "compatible" list holds compat. */
int fdt_compatible(const struct fdt *f, int node, const char *compat);
/* A string property, or NULL when absent or not NUL-terminated. */
const char *fdt_prop_str(const struct fdt *f, int node, const char *name);
/* A u32 property (default when absent or malformed). */
uint32_t fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt);
/* ncells big-endian 32-bit cells from p, as one number. */
uint64_t fdt_cells(const void *p, int ncells);
/* The i-th memory reservation block entry; 0 at the end. */
int fdt_rsvmap(const struct fdt *f, int i, uint64_t *addr, uint64_t *size);
#endif /* KERNEL_FDT_H */
