/* SPDX-License-Identifier: MIT */
/*
 * fdt.c - the device-tree blob reader (fdt.h).
 *
 * Layout: a header of big-endian u32s; a memory reservation block of
 * (address, size) u64 pairs ending with (0, 0); a structure block of
 * 4-byte-aligned tokens: BEGIN_NODE + NUL-terminated name, PROP + u32 len +
 * u32 name offset (into the strings block) + value, END_NODE, NOP, END.
 */
#include "fdt.h"
#include "kernel.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_MAX_DEPTH 32

static uint32_t
be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t
fdt_cells(const void *p, int ncells)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < ncells; i++)
		v = v << 32 | be32(b + 4 * i);
	return v;
}

const char *
fdt_open(struct fdt *f, const void *blob, uint64_t max_size)
{
	const uint8_t *b = blob;

	if (max_size < 40 || be32(b) != FDT_MAGIC)
		return "bad magic (not a device tree blob)";
	f->blob = b;
	f->size = be32(b + 4);
	f->off_struct = be32(b + 8);
	f->off_strings = be32(b + 12);
	f->off_rsvmap = be32(b + 16);
	f->size_strings = be32(b + 32);
	f->size_struct = be32(b + 36);
	if (be32(b + 20) < 17)
		return "version older than 17";
	if (f->size > max_size || f->size < 40)
		return "totalsize out of range";
	if ((uint64_t)f->off_struct + f->size_struct > f->size ||
	    (uint64_t)f->off_strings + f->size_strings > f->size || f->off_rsvmap + 16 > f->size ||
	    (f->off_struct & 3) || (f->off_rsvmap & 7))
		return "blocks outside the blob";
	return NULL;
}

/* The u32 at structure offset off, or FDT_END past the block. */
static uint32_t
tok_at(const struct fdt *f, int off)
{
	if (off < 0 || (uint64_t)off + 4 > f->size_struct)
		return 0;
	return be32(f->blob + f->off_struct + off);
}

/*
 * Offset of the token after the one at off (a BEGIN_NODE, PROP, END_NODE
 * or NOP), or -2 if it runs off the block.
 */
static int
tok_next(const struct fdt *f, int off)
{
	uint32_t tok = tok_at(f, off);
	const char *p;
	uint32_t len;

	switch (tok) {
	case FDT_BEGIN_NODE:
		p = (const char *)f->blob + f->off_struct + off + 4;
		for (len = 0; (uint64_t)off + 4 + len < f->size_struct; len++)
			if (!p[len])
				return (int)ALIGN_UP((uint64_t)off + 4 + len + 1, 4);
		return -2;
	case FDT_PROP:
		if ((uint64_t)off + 12 > f->size_struct)
			return -2;
		len = be32(f->blob + f->off_struct + off + 4);
		if ((uint64_t)off + 12 + len > f->size_struct)
			return -2;
		return (int)ALIGN_UP((uint64_t)off + 12 + len, 4);
	case FDT_END_NODE:
	case FDT_NOP:
		return off + 4;
	default:
		return -2;
	}
}

/* Skip NOPs from off; -2 on a corrupt block. */
static int
skip_nops(const struct fdt *f, int off)
{
	while (off >= 0 && tok_at(f, off) == FDT_NOP)
		off = tok_next(f, off);
	return off;
}

int
fdt_root(const struct fdt *f)
{
	int off = skip_nops(f, 0);

	return off >= 0 && tok_at(f, off) == FDT_BEGIN_NODE ? off : -2;
}

/* The first token after a node's properties (a child or its END_NODE). */
static int
after_props(const struct fdt *f, int node)
{
	int off = skip_nops(f, tok_next(f, node));

	while (off >= 0 && tok_at(f, off) == FDT_PROP)
		off = skip_nops(f, tok_next(f, off));
	return off;
}

/*
 * What stands at off where a node may begin: a node (off), the end of the
 * enclosing one or of the tree (-1), anything else or off < 0 (-2).
 */
static int
node_or_end(const struct fdt *f, int off)
{
	if (off < 0)
		return -2;
	switch (tok_at(f, off)) {
	case FDT_BEGIN_NODE:
		return off;
	case FDT_END_NODE:
	case FDT_END:
		return -1;
	default:
		return -2;
	}
}

int
fdt_first_child(const struct fdt *f, int node)
{
	int off = after_props(f, node);

	if (off >= 0 && tok_at(f, off) == FDT_END)
		return -2; /* the node is never closed */
	return node_or_end(f, off);
}

int
fdt_next_sibling(const struct fdt *f, int node)
{
	int depth = 0, off = node;

	/* Walk to the END_NODE that closes node. */
	for (;;) {
		uint32_t tok = tok_at(f, off);

		if (tok == FDT_BEGIN_NODE) {
			if (++depth > FDT_MAX_DEPTH)
				return -2;
		} else if (tok == FDT_END_NODE) {
			if (--depth == 0)
				break;
		} else if (tok != FDT_PROP && tok != FDT_NOP) {
			return -2;
		}
		off = tok_next(f, off);
		if (off < 0)
			return -2;
	}
	return node_or_end(f, skip_nops(f, off + 4));
}

const char *
fdt_name(const struct fdt *f, int node)
{
	if (tok_at(f, node) != FDT_BEGIN_NODE || tok_next(f, node) < 0)
		return "";
	return (const char *)f->blob + f->off_struct + node + 4;
}

const void *
fdt_prop(const struct fdt *f, int node, const char *name, int *len)
{
	int off = skip_nops(f, tok_next(f, node));

	while (off >= 0 && tok_at(f, off) == FDT_PROP) {
		const uint8_t *p = f->blob + f->off_struct + off;
		uint32_t nameoff = be32(p + 8);
		size_t n = strlen(name);

		if ((uint64_t)nameoff + n + 1 <= f->size_strings &&
		    !memcmp(f->blob + f->off_strings + nameoff, name, n + 1)) {
			if (len)
				*len = (int)be32(p + 4);
			return p + 12;
		}
		off = skip_nops(f, tok_next(f, off));
	}
	return NULL;
}

const char *
fdt_prop_str(const struct fdt *f, int node, const char *name)
{
	int len;
	const char *s = fdt_prop(f, node, name, &len);

	return s && len > 0 && s[len - 1] == '\0' ? s : NULL;
}

int
fdt_compatible(const struct fdt *f, int node, const char *compat)
{
	int len;
	const char *s = fdt_prop(f, node, "compatible", &len);

	while (s && len > 0) {
		size_t n = strlen(compat);

		if ((int)n < len && !memcmp(s, compat, n + 1))
			return 1;
		while (len > 0 && *s) {
			s++;
			len--;
		}
		s++;
		len--;
	}
	return 0;
}

uint32_t
fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt)
{
	int len;
	const void *p = fdt_prop(f, node, name, &len);

	return p && len == 4 ? be32(p) : dflt;
}

int
fdt_rsvmap(const struct fdt *f, int i, uint64_t *addr, uint64_t *size)
{
	uint64_t off = f->off_rsvmap + 16 * (uint64_t)i;

	if (off + 16 > f->size)
		return 0;
	*addr = fdt_cells(f->blob + off, 2);
	*size = fdt_cells(f->blob + off + 8, 2);
	return *addr || *size;
}
