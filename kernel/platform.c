/* SPDX-License-Identifier: MIT */
/*
 * platform.c - turn the device tree into struct platform.
 *
 * What we read, and where (QEMU virt and sifive_u both follow this):
 *   /memory*          device_type "memory", reg = RAM banks
 *   /reserved-memory  children's reg (OpenSBI adds its own region there,
 *                     "no-map"), plus the header's /memreserve/ entries
 *   /cpus             timebase-frequency; each cpu@N: reg = hart id,
 *                     status, mmu-type (no MMU: not an S-mode hart, like
 *                     sifive_u's E51), riscv,isa or riscv,isa-extensions
 *                     (Svpbmt, Sstc, Svnapot: used only if every hart has
 *                     it), and its
 *                     riscv,cpu-intc child's phandle
 *   /chosen           bootargs, stdout-path
 *   ns16550a or sifive,uart0  the console UART (stdout-path's if it names
 *                     one), its interrupts (the PLIC source number)
 *   riscv,plic0       the PLIC: reg, riscv,ndev, and interrupts-extended,
 *                     one (cpu-intc phandle, cause) pair per PLIC context:
 *                     the context of a hart's S-mode external interrupt
 *                     (cause 9) is the index of its pair. virt gives each
 *                     hart an M and an S context (2h, 2h + 1); sifive_u's
 *                     E51 has only an M context, so hart h's S context is
 *                     2h there. Reading the pairs serves both.
 *   sifive,test0      the test/finisher device (optional)
 * reg is read with the parent's #address-cells / #size-cells.
 */
#include "fdt.h"
#include "kernel.h"
#include "platform.h"

/* The boot hart fills it in (main.c) before any other hart runs. */
struct platform plat;

uint64_t
timebase_hz(void)
{
	return plat.timebase;
}

struct walk {
	const struct fdt *f;
	struct platform *p;
	const char *stdout_path; /* without ":options" */
	size_t stdout_len;
	int uart_from_stdout;
	int plic_node; /* -1: none yet */
	uint32_t plic_phandle, uart_parent;
	const char *err;
	char errbuf[96];
};

static void
fail(struct walk *w, const char *fmt, const char *what)
{
	if (!w->err) {
		snprintf(w->errbuf, sizeof(w->errbuf), fmt, what);
		w->err = w->errbuf;
	}
}

/*
 * Read entry i of node's reg into r. Return 1, 0 past the end, -1 when
 * the property is missing or its length is not whole entries.
 */
static int
reg_entry(struct walk *w, int node, int ac, int sc, int i, struct range *r)
{
	int len, esz = 4 * (ac + sc);
	const uint8_t *reg = fdt_prop(w->f, node, "reg", &len);

	if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2 || len % esz)
		return -1;
	if ((i + 1) * esz > len)
		return 0;
	r->base = fdt_cells(reg + i * esz, ac);
	r->size = fdt_cells(reg + i * esz + 4 * ac, sc);
	return 1;
}

static int
status_okay(struct walk *w, int node)
{
	const char *s = fdt_prop_str(w->f, node, "status");

	return !s || !strcmp(s, "okay") || !strcmp(s, "ok");
}

/* One device node's single reg region into r (first entry). */
static void
device_reg(struct walk *w, int node, int ac, int sc, struct range *r, const char *what)
{
	if (reg_entry(w, node, ac, sc, 0, r) != 1 || !r->size)
		fail(w, "%s has no usable reg property", what);
}

static void
add_memory(struct walk *w, int node, int ac, int sc)
{
	struct range r;
	int i, ret;

	for (i = 0; (ret = reg_entry(w, node, ac, sc, i, &r)) == 1; i++) {
		if (!r.size)
			continue;
		if (w->p->nmem == PLAT_MAX_MEM) {
			fail(w, "%s: too many RAM banks", fdt_name(w->f, node));
			return;
		}
		w->p->mem[w->p->nmem++] = r;
	}
	if (ret < 0)
		fail(w, "memory node %s: reg missing or not whole (address, size) pairs",
		     fdt_name(w->f, node));
}

static void
add_reserved(struct walk *w, struct range r, int nomap)
{
	if (w->p->nresv == PLAT_MAX_RESV) {
		fail(w, "%s", "too many reserved memory regions");
		return;
	}
	w->p->resv_nomap[w->p->nresv] = nomap;
	w->p->resv[w->p->nresv++] = r;
}

static void
reserved_memory(struct walk *w, int node)
{
	int ac = (int)fdt_prop_u32(w->f, node, "#address-cells", 2);
	int sc = (int)fdt_prop_u32(w->f, node, "#size-cells", 2);

	for (int c = fdt_first_child(w->f, node); c >= 0; c = fdt_next_sibling(w->f, c)) {
		struct range r;

		if (!status_okay(w, c))
			continue;
		for (int i = 0; reg_entry(w, c, ac, sc, i, &r) == 1; i++)
			add_reserved(w, r, fdt_prop(w->f, c, "no-map", NULL) != NULL);
	}
}

/*
 * Whether a cpu node names the extension ext (lower case, e.g. "svnapot"):
 * as one entry of riscv,isa-extensions (a string list), or as one whole
 * '_'-separated part of riscv,isa ("rv64imafdch_zicsr_..._svnapot"), so
 * that a longer name starting with ext does not count.
 */
static int
cpu_has_ext(const struct walk *w, int node, const char *ext)
{
	int len = 0;
	const char *list = fdt_prop(w->f, node, "riscv,isa-extensions", &len);
	const char *isa = fdt_prop_str(w->f, node, "riscv,isa");
	size_t n = strlen(ext);

	if (list && (len <= 0 || list[len - 1] != '\0'))
		list = NULL; /* malformed: not a list of terminated strings */
	for (int i = 0; list && i < len; i += (int)strlen(list + i) + 1)
		if (!strcmp(list + i, ext))
			return 1;
	for (const char *p = isa; p && *p; p++)
		if (*p == '_' && !strncmp(p + 1, ext, n) && (p[1 + n] == '_' || p[1 + n] == '\0'))
			return 1;
	return 0;
}

/* A cpu node: an S-mode hart if it is enabled and has an MMU. */
static void
add_cpu(struct walk *w, int node, int ac)
{
	const char *mmu = fdt_prop_str(w->f, node, "mmu-type");
	struct platform *p = w->p;
	struct range r;

	if (!status_okay(w, node) || !mmu || !strcmp(mmu, "riscv,none"))
		return;
	if (reg_entry(w, node, ac, 0, 0, &r) != 1) {
		fail(w, "%s has no reg (hart id)", fdt_name(w->f, node));
		return;
	}
	if (r.base >= 64) {
		fail(w, "%s: hart id beyond 63 (SBI hart masks here are one word)",
		     fdt_name(w->f, node));
		return;
	}
	if (!cpu_has_ext(w, node, "svpbmt"))
		p->svpbmt = 0;
	if (!cpu_has_ext(w, node, "sstc"))
		p->sstc = 0;
	if (!cpu_has_ext(w, node, "svnapot"))
		p->svnapot = 0;
	if (p->nharts == NCPU) {
		p->harts_skipped++;
		return;
	}
	p->intc[p->nharts] = 0;
	for (int c = fdt_first_child(w->f, node); c >= 0; c = fdt_next_sibling(w->f, c))
		if (fdt_compatible(w->f, c, "riscv,cpu-intc"))
			p->intc[p->nharts] = fdt_prop_u32(w->f, c, "phandle", 0);
	p->hartid[p->nharts++] = r.base;
}

static void
cpus(struct walk *w, int node)
{
	int ac = (int)fdt_prop_u32(w->f, node, "#address-cells", 1);

	w->p->timebase = fdt_prop_u32(w->f, node, "timebase-frequency", 0);
	for (int c = fdt_first_child(w->f, node); c >= 0; c = fdt_next_sibling(w->f, c)) {
		const char *type = fdt_prop_str(w->f, c, "device_type");

		if (type && !strcmp(type, "cpu")) {
			if (!w->p->timebase)
				w->p->timebase = fdt_prop_u32(w->f, c, "timebase-frequency", 0);
			add_cpu(w, c, ac);
		}
	}
}

static void
chosen(struct walk *w, int node)
{
	const char *args = fdt_prop_str(w->f, node, "bootargs");
	const char *out = fdt_prop_str(w->f, node, "stdout-path");

	if (args) {
		if (strlen(args) >= sizeof(w->p->bootargs))
			fail(w, "%s", "/chosen/bootargs longer than 255 bytes");
		else
			memcpy(w->p->bootargs, args, strlen(args) + 1);
	}
	if (out) {
		w->stdout_path = out;
		for (w->stdout_len = 0; out[w->stdout_len] && out[w->stdout_len] != ':';)
			w->stdout_len++;
	}
}

/* A device anywhere in the tree, matched by compatible. */
static void
device(struct walk *w, int node, int ac, int sc, const char *path)
{
	const struct fdt *f = w->f;
	struct platform *p = w->p;
	int kind = 0;

	if (!status_okay(w, node))
		return;
	if (fdt_compatible(f, node, "ns16550a") || fdt_compatible(f, node, "ns16550"))
		kind = UART_NS16550A;
	else if (fdt_compatible(f, node, "sifive,uart0"))
		kind = UART_SIFIVE;
	if (kind) {
		int is_stdout = w->stdout_path && strlen(path) == w->stdout_len &&
				!strncmp(path, w->stdout_path, w->stdout_len);

		if (!p->uart_kind || (is_stdout && !w->uart_from_stdout)) {
			device_reg(w, node, ac, sc, &p->uart, fdt_name(f, node));
			p->uart_kind = kind;
			p->uart_shift = fdt_prop_u32(f, node, "reg-shift", 0);
			p->uart_irq = fdt_prop_u32(f, node, "interrupts", 0);
			w->uart_parent = fdt_prop_u32(f, node, "interrupt-parent", 0);
			w->uart_from_stdout = is_stdout;
		}
	}
	if (!p->plic.size && (fdt_compatible(f, node, "riscv,plic0") ||
			      fdt_compatible(f, node, "sifive,plic-1.0.0"))) {
		device_reg(w, node, ac, sc, &p->plic, fdt_name(f, node));
		w->plic_node = node;
		w->plic_phandle = fdt_prop_u32(f, node, "phandle", 0);
		p->plic_ndev = fdt_prop_u32(f, node, "riscv,ndev", 0);
	}
	if (!p->poweroff_reg.size && fdt_compatible(f, node, "sifive,test0"))
		device_reg(w, node, ac, sc, &p->poweroff_reg, fdt_name(f, node));
}

/* Depth-first over node's children; ac/sc are node's #address/#size-cells. */
static void
walk_children(struct walk *w, int node, int depth, char *path, size_t plen)
{
	int ac = (int)fdt_prop_u32(w->f, node, "#address-cells", 2);
	int sc = (int)fdt_prop_u32(w->f, node, "#size-cells", 1);
	int c;

	if (depth > 8) {
		fail(w, "%s", "tree nested deeper than 8 levels");
		return;
	}
	for (c = fdt_first_child(w->f, node); c >= 0; c = fdt_next_sibling(w->f, c)) {
		const char *name = fdt_name(w->f, c);
		const char *type = fdt_prop_str(w->f, c, "device_type");
		size_t n = strlen(name);

		if (plen + 1 + n >= 128) {
			fail(w, "%s: path too long", name);
			return;
		}
		path[plen] = '/';
		memcpy(path + plen + 1, name, n + 1);
		if (depth == 0 && type && !strcmp(type, "memory") && status_okay(w, c))
			add_memory(w, c, ac, sc);
		else if (depth == 0 && !strcmp(name, "reserved-memory"))
			reserved_memory(w, c);
		else if (depth == 0 && !strcmp(name, "cpus"))
			cpus(w, c);
		else
			device(w, c, ac, sc, path);
		walk_children(w, c, depth + 1, path, plen + 1 + n);
		path[plen] = '\0';
	}
	if (c == -2)
		fail(w, "%s", "corrupt structure block");
}

/* Put the boot hart first, so cpus[0] is the hart running now. */
static int
boot_hart_first(struct platform *p, uint64_t boot_hartid)
{
	for (int i = 0; i < p->nharts; i++) {
		if (p->hartid[i] == boot_hartid) {
			uint32_t intc = p->intc[i];

			p->hartid[i] = p->hartid[0];
			p->hartid[0] = boot_hartid;
			p->intc[i] = p->intc[0];
			p->intc[0] = intc;
			return 0;
		}
	}
	return -1;
}

#define INTC_S_EXTERNAL 9 /* the cause a cpu-intc pair names for S mode */

/*
 * Each hart's S-mode PLIC context from the PLIC's interrupts-extended
 * (pairs: the phandle of a hart's cpu-intc, whose #interrupt-cells is 1,
 * and the cause). The UART's interrupt counts only if its parent is this
 * PLIC and its number is a source the PLIC has. Nothing here is an error:
 * without a context or a source, console input is polled (trap.c).
 */
static void
plic_contexts(struct walk *w)
{
	struct platform *p = w->p;
	const uint8_t *ext;
	int len;

	for (int i = 0; i < NCPU; i++)
		p->plic_ctx[i] = -1;
	if (w->plic_node < 0)
		return;
	if ((w->uart_parent && w->uart_parent != w->plic_phandle) || !p->plic_ndev ||
	    p->uart_irq > p->plic_ndev)
		p->uart_irq = 0;
	ext = fdt_prop(w->f, w->plic_node, "interrupts-extended", &len);
	for (int ctx = 0; ext && (ctx + 1) * 8 <= len; ctx++) {
		uint32_t ph = (uint32_t)fdt_cells(ext + ctx * 8, 1);

		if (fdt_cells(ext + ctx * 8 + 4, 1) != INTC_S_EXTERNAL)
			continue;
		for (int i = 0; i < p->nharts; i++)
			if (ph && p->intc[i] == ph)
				p->plic_ctx[i] = ctx;
	}
}

const char *
platform_parse(struct platform *p, const void *blob, uint64_t fdt_pa, uint64_t boot_hartid)
{
	static struct walk w;
	struct fdt f;
	char path[128] = "";
	uint64_t a, s;
	const char *err;
	int root;

	memset(p, 0, sizeof(*p));
	memset(&w, 0, sizeof(w));
	w.plic_node = -1;
	p->svpbmt = 1;
	p->sstc = 1;
	p->svnapot = 1;
	/* The header's totalsize bounds every read; 1 MiB is plenty. */
	err = fdt_open(&f, blob, 1UL << 20);
	if (err)
		return err;
	w.f = &f;
	w.p = p;
	p->fdt.base = fdt_pa;
	p->fdt.size = f.size;
	root = fdt_root(&f);
	if (root < 0)
		return "no root node";
	for (int c = fdt_first_child(&f, root); c >= 0; c = fdt_next_sibling(&f, c))
		if (!strcmp(fdt_name(&f, c), "chosen"))
			chosen(&w, c);
	walk_children(&w, root, 0, path, 0);
	for (int i = 0; fdt_rsvmap(&f, i, &a, &s); i++)
		add_reserved(&w, (struct range){ a, s }, 0);
	if (w.err)
		return w.err;
	if (!p->nmem)
		return "no /memory node (device_type \"memory\") with RAM";
	if (!p->nharts)
		return "no usable S-mode hart in /cpus (status okay, with mmu-type)";
	if (boot_hart_first(p, boot_hartid))
		return "the boot hart is not among /cpus' S-mode harts";
	plic_contexts(&w);
	if (!p->timebase)
		return "no timebase-frequency in /cpus";
	if (!p->uart_kind)
		return "no console UART (ns16550a or sifive,uart0)";
	if (!p->plic.size)
		return "no PLIC (riscv,plic0)";
	return NULL;
}
