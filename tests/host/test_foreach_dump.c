/* SPDX-License-Identifier: MIT */
/*
 * sv39_for_each (address order, whole superpages, early stop, errors) and
 * sv39_dump: VMPRINT compared line by line with lines built here from the
 * raw tree and the PTEs sv39_walk returns, RANGES by its coalescing.
 */
#include "testutil.h"

/* ---- for_each ---------------------------------------------------------- */

struct seen {
	struct sv39_leaf leaf[16];
	int n;
	int stop_at; /* return stop_val at this call (1-based); 0 = never */
	int stop_val;
};

static int
record(void *arg, const struct sv39_leaf *leaf)
{
	struct seen *w = arg;

	if (w->n < 16)
		w->leaf[w->n] = *leaf;
	w->n++;
	return w->n == w->stop_at ? w->stop_val : 0;
}

#define LEAF_IS(l, v, p, sz, lvl, fl)                        \
	do {                                                 \
		CHECK_EQ((l).va, (v));                       \
		CHECK_EQ((l).pa, (p));                       \
		CHECK_EQ((l).size, (sz));                    \
		CHECK_EQ((l).level, (lvl));                  \
		CHECK_EQ((l).pte, sv39_pte_make((p), (fl))); \
	} while (0)

static void
test_for_each(void)
{
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t f = t_leaf_flags(RW, 0), fx = t_leaf_flags(RX, 0);
		struct seen w;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		/* Mapped out of order on purpose. */
		CHECK_EQ(sv39_map(&s, b + 3 * GIGA - PG, 0x90000000, 2 * PG, RX, 0), 0);
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_map(&s, b + PG, 0x80001000, PG, RW, 0), 0);
		CHECK_EQ(sv39_map(&s, b + 2 * MEGA, 0x80400000, MEGA, RX, SV39_MAP_HUGE), 0);

		memset(&w, 0, sizeof(w));
		CHECK_EQ(sv39_for_each(&s, b, 4 * GIGA, record, &w), 0);
		if (CHECK_EQ(w.n, 5)) {
			LEAF_IS(w.leaf[0], b + PG, 0x80001000, PG, 0, f);
			LEAF_IS(w.leaf[1], b + 2 * MEGA, 0x80400000, MEGA, 1, fx);
			LEAF_IS(w.leaf[2], b + GIGA, 0xc0000000, GIGA, 2, f);
			LEAF_IS(w.leaf[3], b + 3 * GIGA - PG, 0x90000000, PG, 0, fx);
			LEAF_IS(w.leaf[4], b + 3 * GIGA, 0x90001000, PG, 0, fx);
		}
		/* A range that only overlaps the superpages: reported whole. */
		memset(&w, 0, sizeof(w));
		CHECK_EQ(sv39_for_each(&s, b + 2 * MEGA + 5 * PG, GIGA, record, &w), 0);
		if (CHECK_EQ(w.n, 2)) {
			LEAF_IS(w.leaf[0], b + 2 * MEGA, 0x80400000, MEGA, 1, fx);
			LEAF_IS(w.leaf[1], b + GIGA, 0xc0000000, GIGA, 2, f);
		}
		memset(&w, 0, sizeof(w));
		CHECK_EQ(sv39_for_each(&s, b + GIGA + 77 * PG, PG, record, &w), 0);
		if (CHECK_EQ(w.n, 1))
			LEAF_IS(w.leaf[0], b + GIGA, 0xc0000000, GIGA, 2, f);
		/* Nothing there. */
		memset(&w, 0, sizeof(w));
		CHECK_EQ(sv39_for_each(&s, b + 2 * PG, MEGA, record, &w), 0);
		CHECK_EQ(w.n, 0);
		/* fn's first nonzero value stops the walk and is returned. */
		memset(&w, 0, sizeof(w));
		w.stop_at = 2;
		w.stop_val = 7;
		CHECK_EQ(sv39_for_each(&s, b, 4 * GIGA, record, &w), 7);
		CHECK_EQ(w.n, 2);
		memset(&w, 0, sizeof(w));
		w.stop_at = 4;
		w.stop_val = -42;
		CHECK_EQ(sv39_for_each(&s, b, 4 * GIGA, record, &w), -42);
		CHECK_EQ(w.n, 4);
		/* Errors. */
		T_NOCHANGE(&r, sv39_for_each(&s, b, 4 * GIGA, NULL, &w), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_for_each(&s, b, 0, record, &w), SV39_EINVAL);
		T_NOCHANGE(&r, sv39_for_each(&s, b + 1, PG, record, &w), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_for_each(&s, b, PG - 1, record, &w), SV39_EALIGN);
		T_NOCHANGE(&r, sv39_for_each(&s, SV39_LOW_END - PG, 2 * PG, record, &w),
			   SV39_ERANGE);
		T_NOCHANGE(&r, sv39_for_each(&s, 0 - PG, 2 * PG, record, &w), SV39_ERANGE);
		T_NOCHANGE(&r, sv39_for_each(&s, 0x0000800000000000ULL, PG, record, &w),
			   SV39_ERANGE);
		/* A whole half, ending at 2^64 for the high one. */
		memset(&w, 0, sizeof(w));
		CHECK_EQ(sv39_for_each(&s, h ? SV39_HIGH_BASE : 0, SV39_LOW_END, record, &w), 0);
		CHECK_EQ(w.n, 5);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

/* ---- dump -------------------------------------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void
lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		abort();
	l->n++;
}

static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
collect(void *arg, const char *line)
{
	lines_add(arg, line);
}

/*
 * The lab's vmprint, written out independently: pre-order over the raw
 * tables as ramops holds them.
 */
static void
expect_vmprint(struct ramops *r, sv39_pa_t table, int depth, struct lines *out)
{
	const sv39_pte_t *t = ramops_ptr(r, table);
	char buf[128];
	int k;

	if (!CHECK(t != NULL))
		return;
	for (int i = 0; i < 512; i++) {
		sv39_pte_t e = t[i];

		if (!(e & SV39_PTE_V))
			continue;
		k = 0;
		for (int d = 0; d < depth; d++)
			k += snprintf(buf + k, sizeof(buf) - (size_t)k, " ..");
		snprintf(buf + k, sizeof(buf) - (size_t)k,
			 "%d: pte 0x%016" PRIx64 " pa 0x%016" PRIx64, i, e, sv39_pte_pa(e));
		lines_add(out, buf);
		if (!(e & SV39_PTE_LEAF_MASK) && depth < 3)
			expect_vmprint(r, sv39_pte_pa(e), depth + 1, out);
	}
}

static bool
lines_equal(const struct lines *got, const struct lines *want)
{
	bool ok = CHECK_EQ(got->n, want->n);

	for (size_t i = 0; i < got->n && i < want->n; i++)
		if (strcmp(got->v[i], want->v[i]) != 0) {
			printf("\tline %zu:\n\tgot:  \"%s\"\n\twant: \"%s\"\n", i, got->v[i],
			       want->v[i]);
			CHECK(false);
			return false;
		}
	return ok;
}

/* Is line the leaf's vmprint line, built from what sv39_walk returns? */
static bool
has_line(const struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void
test_vmprint(void)
{
	struct ramops r;
	struct sv39_space s;
	struct lines got = { 0 }, want = { 0 };
	char buf[128];
	sv39_pte_t *pte;
	unsigned level;

	check_begin("vmprint");
	t_env_init(&r, 32, 0);
	if (!t_space(&r, &s))
		return;
	/* Empty: only the first line. */
	CHECK_EQ(sv39_dump(&s, SV39_DUMP_VMPRINT, collect, &got), 0);
	snprintf(buf, sizeof(buf), "page table 0x%016" PRIx64, s.root);
	if (CHECK_EQ(got.n, 1))
		CHECK(strcmp(got.v[0], buf) == 0);
	lines_free(&got);

	CHECK_EQ(sv39_map(&s, 0, 0x87f69000, PG, URW, 0), 0);
	CHECK_EQ(sv39_map(&s, 0x3ffffff000ULL, 0x87f6a000, PG, SV39_PTE_U | SV39_PTE_R, 0), 0);
	CHECK_EQ(sv39_map(&s, t_bases[1] + MEGA, 0x80200000, MEGA, RX, SV39_MAP_HUGE), 0);
	CHECK_EQ(sv39_map(&s, t_bases[1] + GIGA, 0xc0000000, GIGA, RW, SV39_MAP_HUGE), 0);
	CHECK_EQ(sv39_map(&s, 0 - PG, 0x80000000, PG, RW, SV39_MAP_NO_AD), 0);
	CHECK_EQ(sv39_dump(&s, SV39_DUMP_VMPRINT, collect, &got), 0);
	lines_add(&want, buf);
	expect_vmprint(&r, s.root, 1, &want);
	CHECK_EQ(want.n, 1 + 3 + 3 + 2 + 1 + 3); /* the lines each mapping needs */
	lines_equal(&got, &want);

	/* The leaf lines, from the PTEs sv39_walk returns and the known PAs. */
	if (CHECK_EQ(sv39_walk(&s, 0, 0, &pte, &level), 0)) {
		snprintf(buf, sizeof(buf), " .. .. ..0: pte 0x%016" PRIx64 " pa 0x0000000087f69000",
			 *pte);
		CHECK(has_line(&got, buf));
		CHECK_EQ(*pte, sv39_pte_make(0x87f69000, t_leaf_flags(URW, 0)));
	}
	if (CHECK_EQ(sv39_walk(&s, 0x3ffffff000ULL, 0, &pte, &level), 0)) {
		snprintf(buf, sizeof(buf),
			 " .. .. ..511: pte 0x%016" PRIx64 " pa 0x0000000087f6a000", *pte);
		CHECK(has_line(&got, buf));
	}
	if (CHECK_EQ(sv39_walk(&s, t_bases[1] + MEGA, 0, &pte, &level), 0)) {
		snprintf(buf, sizeof(buf), " .. ..1: pte 0x%016" PRIx64 " pa 0x0000000080200000",
			 *pte);
		CHECK(has_line(&got, buf));
	}
	if (CHECK_EQ(sv39_walk(&s, t_bases[1] + GIGA, 0, &pte, &level), 0)) {
		snprintf(buf, sizeof(buf), " ..258: pte 0x%016" PRIx64 " pa 0x00000000c0000000",
			 *pte);
		CHECK(has_line(&got, buf));
	}
	/* A NO_AD leaf at the very top: index 511 at every level. */
	snprintf(buf, sizeof(buf), " .. .. ..511: pte 0x%016" PRIx64 " pa 0x0000000080000000",
		 sv39_pte_make(0x80000000, RW | SV39_PTE_V));
	CHECK(has_line(&got, buf));
	CHECK(strcmp(got.v[0], want.v[0]) == 0);
	lines_free(&got);
	lines_free(&want);

	T_NOCHANGE(&r, sv39_dump(&s, 2, collect, &got), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_dump(&s, 77, collect, &got), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_dump(&s, SV39_DUMP_VMPRINT, NULL, &got), SV39_EINVAL);
	T_NOCHANGE(&r, sv39_dump(&s, SV39_DUMP_RANGES, NULL, &got), SV39_EINVAL);
	CHECK_EQ(got.n, 0);
	t_destroy(&r, &s, 0);
	t_env_fini(&r);
}

/* ---- ranges ------------------------------------------------------------ */

/* Pull the 0x... numbers out of a line. */
static int
hex_fields(const char *line, uint64_t *v, int max)
{
	int n = 0;

	for (const char *p = line; *p && n < max; p++)
		if (p[0] == '0' && p[1] == 'x') {
			v[n++] = strtoull(p + 2, NULL, 16);
			p += 2;
			while (*p && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
				      (*p >= 'A' && *p <= 'F')))
				p++;
			p--;
		}
	return n;
}

/* "D A G U X W R V" with '.' for clear, spaced or not. */
static bool
has_flags(const char *line, uint64_t pte)
{
	static const char names[] = "DAGUXWRV";
	char spaced[16], packed[9];

	for (int i = 0; i < 8; i++) {
		char c = (pte >> (7 - i)) & 1 ? names[i] : '.';

		packed[i] = c;
		spaced[2 * i] = c;
		spaced[2 * i + 1] = ' ';
	}
	packed[8] = 0;
	spaced[15] = 0;
	return strstr(line, spaced) || strstr(line, packed);
}

/* Find the range line whose first hex field is va. */
static const char *
range_line(const struct lines *l, sv39_va_t va)
{
	for (size_t i = 0; i < l->n; i++) {
		uint64_t v[4];

		if (hex_fields(l->v[i], v, 4) >= 3 && v[0] == va)
			return l->v[i];
	}
	return NULL;
}

/* A range line: va, last va (or end), pa and the flags. */
#define RANGE_IS(l, va, size, pa, pte) range_is_at((l), (va), (size), (pa), (pte), __LINE__)
static void
range_is_at(const struct lines *l, sv39_va_t va, uint64_t size, sv39_pa_t pa, uint64_t pte,
	    int line)
{
	const char *s = range_line(l, va);
	uint64_t v[4];

	if (!check_report(s != NULL, __FILE__, line, "a range line starts at va")) {
		printf("\tva 0x%016" PRIx64 "\n", va);
		return;
	}
	hex_fields(s, v, 4);
	check_report(v[1] == va + size - 1 || v[1] == va + size, __FILE__, line, "range end");
	check_report_eq(v[2], pa, __FILE__, line, "range pa", "pa");
	if (!check_report(has_flags(s, pte), __FILE__, line, "range flags"))
		printf("\t\"%s\"\n", s);
}

static size_t
ranges(const struct sv39_space *s, struct lines *l)
{
	lines_free(l);
	if (!CHECK_EQ(sv39_dump(s, SV39_DUMP_RANGES, collect, l), 0))
		return 0;
	/* a header line and a total line around the ranges */
	return l->n >= 2 ? l->n - 2 : 0;
}

static void
test_ranges(void)
{
	struct ramops r;
	struct sv39_space s;
	struct lines l = { 0 };

	for (int h = 0; h < 2; h++) {
		sv39_va_t b = t_bases[h];
		uint64_t f = t_leaf_flags(RW, 0);

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!t_space(&r, &s))
			return;
		CHECK_EQ(ranges(&s, &l), 0);
		CHECK_EQ(l.n, 2);
		/* 512 small pages, contiguous, equal flags: one line. */
		CHECK_EQ(sv39_map(&s, b, 0x80000000, MEGA, RW, 0), 0);
		CHECK_EQ(ranges(&s, &l), 1);
		RANGE_IS(&l, b, MEGA, 0x80000000, f);
		/* Different flags in the middle: three lines. */
		CHECK_EQ(sv39_protect(&s, b + 100 * PG, PG, SV39_PTE_U, 0), 0);
		CHECK_EQ(ranges(&s, &l), 3);
		RANGE_IS(&l, b, 100 * PG, 0x80000000, f);
		RANGE_IS(&l, b + 100 * PG, PG, 0x80064000, f | SV39_PTE_U);
		RANGE_IS(&l, b + 101 * PG, MEGA - 101 * PG, 0x80065000, f);
		CHECK_EQ(sv39_protect(&s, b + 100 * PG, PG, 0, SV39_PTE_U), 0);
		CHECK_EQ(ranges(&s, &l), 1);
		/* Next va, pa not contiguous: a new line. */
		CHECK_EQ(sv39_map(&s, b + MEGA, 0x90000000, 2 * PG, RW, 0), 0);
		CHECK_EQ(ranges(&s, &l), 2);
		RANGE_IS(&l, b + MEGA, 2 * PG, 0x90000000, f);
		/* A hole in va: a new line even with pa contiguous. */
		CHECK_EQ(sv39_map(&s, b + MEGA + 3 * PG, 0x90002000, PG, RW, 0), 0);
		CHECK_EQ(ranges(&s, &l), 3);
		/* Two adjacent contiguous megapages: one line; a level change: new. */
		CHECK_EQ(sv39_map(&s, b + 4 * MEGA, 0x80400000, 2 * MEGA, RW, SV39_MAP_HUGE), 0);
		CHECK_EQ(ranges(&s, &l), 4);
		RANGE_IS(&l, b + 4 * MEGA, 2 * MEGA, 0x80400000, f);
		CHECK_EQ(sv39_map(&s, b + 6 * MEGA, 0x80800000, PG, RW, 0), 0);
		CHECK_EQ(ranges(&s, &l), 5);
		RANGE_IS(&l, b + 6 * MEGA, PG, 0x80800000, f);
		/* A gigapage. */
		CHECK_EQ(sv39_map(&s, b + GIGA, 0xc0000000, GIGA, RX, SV39_MAP_HUGE), 0);
		CHECK_EQ(ranges(&s, &l), 6);
		RANGE_IS(&l, b + GIGA, GIGA, 0xc0000000, t_leaf_flags(RX, 0));
		T_NOCHANGE(&r, sv39_dump(&s, SV39_DUMP_RANGES, NULL, NULL), SV39_EINVAL);
		lines_free(&l);
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_for_each();
	test_vmprint();
	test_ranges();
	return check_finish();
}
