/* SPDX-License-Identifier: MIT */
/*
 * dump.c - sv39_dump: the tree as text, one line at a time, without printf.
 */
#include "base.h"
#include "entry.h"

#define LINE_MAX_CHARS 160

struct line {
	char buf[LINE_MAX_CHARS];
	unsigned len;
};

static void
put_str(struct line *l, const char *str)
{
	while (*str && l->len < LINE_MAX_CHARS - 1)
		l->buf[l->len++] = *str++;
}

static void
put_char(struct line *l, char c)
{
	if (l->len < LINE_MAX_CHARS - 1)
		l->buf[l->len++] = c;
}

/* "0x" and exactly 16 hex digits. */
static void
put_hex64(struct line *l, uint64_t x)
{
	put_str(l, "0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		put_char(l, "0123456789abcdef"[(x >> shift) & 0xf]);
}

static void
put_dec(struct line *l, uint64_t x)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n)
		put_char(l, digits[--n]);
}

/* Pad with spaces up to column col. */
static void
put_pad(struct line *l, unsigned col)
{
	while (l->len < col)
		put_char(l, ' ');
}

static void
emit(struct line *l, void (*out)(void *arg, const char *line), void *arg)
{
	l->buf[l->len] = '\0';
	out(arg, l->buf);
	l->len = 0;
}

/* ---- SV39_DUMP_VMPRINT: the page-table lab's format ---- */

struct dump_args {
	void (*out)(void *arg, const char *line);
	void *arg;
	struct line line;
};

static void
vmprint_table(const struct sv39_space *s, struct dump_args *d, const sv39_pte_t *table,
	      unsigned level)
{
	unsigned depth = SV39_ROOT_LEVEL - level + 1;

	for (unsigned i = 0; i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&table[i]);

		if (!pte_valid(e))
			continue;
		for (unsigned k = 0; k < depth; k++)
			put_str(&d->line, " ..");
		put_dec(&d->line, i);
		put_str(&d->line, ": pte ");
		put_hex64(&d->line, e);
		put_str(&d->line, " pa ");
		put_hex64(&d->line, sv39_pte_pa(e));
		emit(&d->line, d->out, d->arg);
		if (pte_table(e) && level > 0)
			vmprint_table(s, d, next_table(s, e), level - 1);
	}
}

static void
dump_vmprint(const struct sv39_space *s, struct dump_args *d)
{
	put_str(&d->line, "page table ");
	put_hex64(&d->line, s->root);
	emit(&d->line, d->out, d->arg);
	vmprint_table(s, d, table_of(s, s->root), SV39_ROOT_LEVEL);
}

/* ---- SV39_DUMP_RANGES: coalesced runs, like Linux's ptdump ---- */

struct run {
	bool open;
	sv39_va_t va, last;
	sv39_pa_t pa;
	unsigned level;
	uint64_t flags;
};

struct ranges_args {
	struct dump_args *d;
	struct run run;
	uint64_t leaves, runs;
};

/* "4K", "2M", "1G", "12K": the largest unit that divides the size. */
static void
put_size(struct line *l, uint64_t size)
{
	if (size % SV39_GIGA_SIZE == 0) {
		put_dec(l, size / SV39_GIGA_SIZE);
		put_char(l, 'G');
	} else if (size % SV39_MEGA_SIZE == 0 && size >= SV39_MEGA_SIZE) {
		put_dec(l, size >> 20);
		put_char(l, 'M');
	} else {
		put_dec(l, size >> 10);
		put_char(l, 'K');
	}
}

static void
put_flags(struct line *l, uint64_t e)
{
	static const char names[] = "DAGUXWRV";

	for (int bit = 7; bit >= 0; bit--) {
		put_char(l, (e >> bit) & 1 ? names[7 - bit] : '.');
		if (bit)
			put_char(l, ' ');
	}
	if ((e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_IO)
		put_str(l, " IO");
	else if ((e & SV39_PTE_PBMT_MASK) == SV39_PTE_PBMT_NC)
		put_str(l, " NC");
	if (e & SV39_PTE_BORROWED)
		put_str(l, " borrowed");
	if (e & SV39_PTE_N)
		put_str(l, " napot");
}

static void
run_emit(struct ranges_args *r)
{
	struct line *l = &r->d->line;
	struct run *run = &r->run;

	if (!run->open)
		return;
	put_hex64(l, run->va);
	put_char(l, '-');
	put_hex64(l, run->last);
	put_str(l, "  ");
	put_hex64(l, run->pa);
	put_pad(l, 60);
	put_size(l, run->last - run->va + 1);
	put_pad(l, 67);
	put_char(l, 'L');
	put_dec(l, run->level);
	put_str(l, "  ");
	put_flags(l, run->flags);
	emit(l, r->d->out, r->d->arg);
	run->open = false;
	r->runs++;
}

static int
ranges_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct ranges_args *r = arg;
	struct run *run = &r->run;
	uint64_t flags = leaf->pte & SV39_PTE_FLAGS_MASK;

	r->leaves++;
	if (run->open && run->level == leaf->level && run->flags == flags &&
	    run->last + 1 == leaf->va && run->pa + (run->last - run->va + 1) == leaf->pa) {
		run->last = leaf->va + (leaf->size - 1);
		return 0;
	}
	run_emit(r);
	*run = (struct run){ .open = true,
			     .va = leaf->va,
			     .last = leaf->va + (leaf->size - 1),
			     .pa = leaf->pa,
			     .level = leaf->level,
			     .flags = flags };
	return 0;
}

/* Page-table pages reachable from the root, not counting borrowed ones. */
static uint64_t
count_tables(const struct sv39_space *s, const sv39_pte_t *table, unsigned level)
{
	uint64_t n = 1;

	for (unsigned i = 0; level > 0 && i < SV39_PTES_PER_TABLE; i++) {
		sv39_pte_t e = pte_get(&table[i]);

		if (pte_table(e) && !pte_borrowed(e))
			n += count_tables(s, next_table(s, e), level - 1);
	}
	return n;
}

static void
dump_ranges(const struct sv39_space *s, struct dump_args *d)
{
	struct ranges_args r;
	struct line *l = &d->line;

	r.d = d;
	r.run.open = false;
	r.leaves = r.runs = 0;
	put_str(l, "---[ va first-last ]-----------------  pa");
	put_pad(l, 60);
	put_str(l, "size");
	put_pad(l, 67);
	put_str(l, "lvl flags");
	emit(l, d->out, d->arg);
	sv39_for_each(s, 0, SV39_LOW_END, ranges_leaf, &r);
	run_emit(&r);
	sv39_for_each(s, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE, ranges_leaf, &r);
	run_emit(&r);
	put_dec(l, r.leaves);
	put_str(l, " leaves in ");
	put_dec(l, r.runs);
	put_str(l, " ranges, ");
	put_dec(l, count_tables(s, table_of(s, s->root), SV39_ROOT_LEVEL));
	put_str(l, " page-table pages");
	emit(l, d->out, d->arg);
}

int
sv39_dump(const struct sv39_space *s, unsigned style, void (*out)(void *arg, const char *line),
	  void *arg)
{
	struct dump_args d;

	d.out = out;
	d.arg = arg;
	d.line.len = 0;
	if (!space_ok(s) || !out)
		return SV39_EINVAL;
	switch (style) {
	case SV39_DUMP_VMPRINT:
		dump_vmprint(s, &d);
		return 0;
	case SV39_DUMP_RANGES:
		dump_ranges(s, &d);
		return 0;
	default:
		return SV39_EINVAL;
	}
}
