/* SPDX-License-Identifier: MIT */
/*
 * kvm.c - the global kernel page table, built with libsv39.
 *
 * Upper half only (docs/kernel.md draws it):
 *   image       text R+X, rodata R, data+bss R+W (4 KiB leaves)
 *   kstacks     per hart KSTACK_PAGES R+W above one unmapped guard page,
 *               right after the image (in the image's 2 MiB table)
 *   direct map  DIRECT_MAP_BASE + pa for usable RAM (from the kernel image
 *               up, minus "no-map" reservations): R+W, except the image's
 *               own text and rodata, which are R there too (a writable
 *               alias would undo W^X); MMIO (UART, PLIC, test device): R+W
 *               (+ Svpbmt IO when every hart has it)
 * Every leaf is global (G): the kernel half is the same in every space.
 * Superpages wherever alignment allows (SV39_MAP_HUGE), then 64 KiB groups
 * when every hart has Svnapot (SV39_MAP_64K); never W+X.
 *
 * The ops: table pages from kalloc (zeroed), reached through the direct
 * map (phys_to_virt is pa + DIRECT_MAP_BASE, never identity); flush_tlb
 * is a local sfence.vma per page, or a whole flush for large ranges, plus
 * an SBI remote fence to the other online harts.
 */
#include <sv39/sv39.h>

#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "platform.h"
#include "riscv.h"
#include "sbi.h"
#include "spinlock.h"
#include "ptpages.h"
#include "sv39_env.h"

/* The kernel builds libsv39 with this offset as its phys_to_virt. */
_Static_assert(SV39_ENV_DIRECT_MAP == DIRECT_MAP_BASE, "sv39_env.h and memlayout.h agree");

#define KVM_PERM_G (SV39_PTE_G)
#define FLUSH_PAGES_MAX 32 /* above this, one whole flush is cheaper */

struct sv39_space kvm_space;
uint64_t kvm_satp;
/*
 * The global table's ops context: until kvm_switch() only the image's GiB
 * is in the direct map, so if limit_hi, only pages in [limit_lo, limit_hi)
 * may become its tables. pt first, for the shared pt_* callbacks.
 */
static struct kvm_pt_ctx {
	struct pt_ctx pt;
	uint64_t limit_lo, limit_hi;
} kvm_ctx;
static int kvm_live; /* kvm_satp is in use: flushes matter */
/*
 * sv39_share writes kvm_space (its lent map, its ledger of loans, a split of
 * a superpage it lends), and destroying a borrower writes kvm_space's ledger:
 * both run under this lock.
 */
static struct spinlock kvm_share_lock;

/*
 * Lend the kernel half to a process's kernel table b (sv39_share): b then
 * maps every kernel address as kvm_space does. 0, or -1 (memory ran out)
 * with nothing lent. Takes kvm_share_lock; the caller holds no spin lock
 * and b is not yet in use by any hart.
 */
int
kvm_lend_kernel_half(struct sv39_space *b)
{
	int err;

	spin_lock(&kvm_share_lock);
	err = sv39_share(b, &kvm_space, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE);
	spin_unlock(&kvm_share_lock);
	return err ? -1 : 0;
}

/*
 * Destroy a table that borrowed the kernel half (sv39_space_destroy with
 * no flags, under kvm_share_lock, since it writes kvm_space's ledger).
 * Frames still mapped in b are not freed: they belong to someone else.
 */
void
kvm_destroy_borrower(struct sv39_space *b)
{
	spin_lock(&kvm_share_lock);
	sv39_space_destroy(b, 0);
	spin_unlock(&kvm_share_lock);
}

/*
 * Flush this hart's TLB for [va, va + size), every ASID: one sfence.vma
 * a page, or one for everything when size is 0 or the range passes
 * FLUSH_PAGES_MAX pages. Other harts are untouched (kvm_flush does
 * them too). Takes no lock; cannot fail.
 */
void
kvm_flush_local(uint64_t va, uint64_t size)
{
	if (!size || size / PAGE_SIZE > FLUSH_PAGES_MAX) {
		sfence_vma_all();
		return;
	}
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		sfence_vma_page(va + off);
}

/*
 * Flush [va, va + size) (size 0: everything), every ASID, here and on
 * every online hart (an SBI remote fence, which returns once they are
 * done). Panics if SBI refuses. Takes no lock; interrupts may be on.
 */
void
kvm_flush(uint64_t va, uint64_t size)
{
	uint64_t others;

	kvm_flush_local(va, size);
	others = smp_online_mask_others();
	if (others && sbi_remote_sfence_vma(others, size ? va : 0, size ? size : (uint64_t)-1))
		panic("kvm: SBI remote fence failed");
}

static void
kvm_flush_tlb(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	(void)ctx;
	(void)asid; /* the kernel's leaves are global: flush every ASID */
	if (kvm_live)
		kvm_flush(va, size);
}

/* pt_alloc_table, refusing a page outside the limit (given back). */
static int
kvm_alloc_table(void *ctx, sv39_pa_t *pa)
{
	struct kvm_pt_ctx *c = ctx;

	if (pt_alloc_table(&c->pt, pa))
		return -1;
	if (c->limit_hi && (*pa < c->limit_lo || *pa >= c->limit_hi)) {
		pt_free_table(&c->pt, *pa);
		return -1;
	}
	return 0;
}

/* features: set by kvm_init from the device tree, before any space exists. */
static struct sv39_ops kvm_ops = {
	.alloc_table = kvm_alloc_table,
	.free_table = pt_free_table,
	.phys_to_virt = pt_phys_to_virt,
	.flush_tlb = kvm_flush_tlb,
	.free_frame = pt_free_frame,
};

/*
 * Boot only: map [va, va + size) at pa in the global table with perm and
 * G, as superpages where alignment allows. Returns nothing: a kernel that
 * cannot map itself cannot run, so a failure panics naming what. Before
 * any other hart starts; no lock.
 */
static void
kvm_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm, const char *what)
{
	int err =
		sv39_map(&kvm_space, va, pa, size, perm | KVM_PERM_G, SV39_MAP_HUGE | pt_map_64k());

	if (err)
		panic("kvm: mapping %s (va %lx pa %lx size %lx): %s", what, va, pa, size,
		      sv39_strerror(err));
}

/* The image at its link address, one permission per section. */
static void
kvm_map_image(void)
{
	kvm_map((uint64_t)_text, kimage_to_pa(_text), (uint64_t)(_etext - _text),
		SV39_PTE_R | SV39_PTE_X, "kernel text");
	kvm_map((uint64_t)_srodata, kimage_to_pa(_srodata), (uint64_t)(_erodata - _srodata),
		SV39_PTE_R, "kernel rodata");
	kvm_map((uint64_t)_sdata, kimage_to_pa(_sdata), (uint64_t)(_end - _sdata),
		SV39_PTE_R | SV39_PTE_W, "kernel data/bss");
}

/*
 * Direct-map [lo, hi) of RAM R+W, except the part that overlaps the
 * image's text and rodata, which is R.
 */
static void
kvm_map_ram(uint64_t lo, uint64_t hi)
{
	uint64_t ro_lo = kimage_to_pa(_text), ro_hi = kimage_to_pa(_erodata);
	uint64_t a = lo > ro_lo ? lo : ro_lo, b = hi < ro_hi ? hi : ro_hi;

	if (a >= b) {
		kvm_map((uint64_t)pa_to_kva(lo), lo, hi - lo, SV39_PTE_R | SV39_PTE_W, "RAM");
		return;
	}
	if (lo < a)
		kvm_map((uint64_t)pa_to_kva(lo), lo, a - lo, SV39_PTE_R | SV39_PTE_W, "RAM");
	kvm_map((uint64_t)pa_to_kva(a), a, b - a, SV39_PTE_R, "RAM (image alias)");
	if (b < hi)
		kvm_map((uint64_t)pa_to_kva(b), b, hi - b, SV39_PTE_R | SV39_PTE_W, "RAM");
}

/* Every bank, from the image up in its own bank, minus no-map regions. */
static void
kvm_map_direct(const struct platform *pl)
{
	uint64_t img = kimage_to_pa(_text);

	for (int i = 0; i < pl->nmem; i++) {
		uint64_t lo = pl->mem[i].base, hi = lo + pl->mem[i].size;

		if (img >= lo && img < hi)
			lo = img;
		if (hi > DIRECT_MAP_END - DIRECT_MAP_BASE)
			panic("kvm: RAM up to %lx does not fit the direct map", hi);
		/* Walk [lo, hi) around the no-map reservations inside it. */
		while (lo < hi) {
			uint64_t next = hi;

			for (int r = 0; r < pl->nresv; r++) {
				uint64_t rb = ALIGN_DOWN(pl->resv[r].base, PAGE_SIZE);
				uint64_t re =
					ALIGN_UP(pl->resv[r].base + pl->resv[r].size, PAGE_SIZE);

				if (!pl->resv_nomap[r] || re <= lo || rb >= next)
					continue;
				if (rb <= lo) {
					lo = re;
					next = hi;
					r = -1; /* start over from the new lo */
					continue;
				}
				next = rb;
			}
			if (ALIGN_UP(lo, PAGE_SIZE) < ALIGN_DOWN(next, PAGE_SIZE))
				kvm_map_ram(ALIGN_UP(lo, PAGE_SIZE), ALIGN_DOWN(next, PAGE_SIZE));
			lo = next;
		}
	}
}

static void
kvm_map_mmio(const struct range *r, uint64_t pbmt, const char *what)
{
	uint64_t lo = ALIGN_DOWN(r->base, PAGE_SIZE);
	uint64_t hi = ALIGN_UP(r->base + r->size, PAGE_SIZE);

	kvm_map((uint64_t)pa_to_kva(lo), lo, hi - lo, SV39_PTE_R | SV39_PTE_W | pbmt, what);
}

/*
 * The kernel stacks: hart i's guard page at _kstack_region + i * stride,
 * its KSTACK_PAGES above. The guard stays unmapped, so running off the
 * stack faults instead of silently overwriting the next hart's stack.
 */
static void
kvm_map_stacks(int n)
{
	const uint64_t stride = (KSTACK_PAGES + 1) * PAGE_SIZE;

	for (int i = 0; i < n; i++) {
		struct cpu *c = &cpus[i];
		uint64_t guard = (uint64_t)_kstack_region + (uint64_t)i * stride;

		for (int p = 1; p <= KSTACK_PAGES; p++) {
			uint64_t pa = kalloc();

			if (!pa)
				panic("kvm: no memory for kernel stacks");
			kvm_map(guard + p * PAGE_SIZE, pa, PAGE_SIZE, SV39_PTE_R | SV39_PTE_W,
				"kernel stack");
		}
		c->kstack_guard = guard;
		c->kstack_lo = guard + PAGE_SIZE;
		c->kstack_hi = guard + stride;
	}
}

/*
 * Boot hart, once, after kalloc_init: build the global kernel table (the
 * image one permission per section, each hart's stack below a guard page,
 * the direct map of RAM, the devices) and note its satp. Panics on any
 * failure. Does not switch to it: kvm_switch does, on each hart.
 */
void
kvm_init(const struct platform *pl)
{
	uint64_t pbmt = pl->svpbmt ? SV39_PTE_PBMT_IO : 0;
	uint64_t image_giga = kimage_to_pa(_text) & ~(SV39_GIGA_SIZE - 1);
	int err;

	/* Before kvm_switch(), only the image's GiB is in the direct map. */
	pt_set_features(pl->svnapot ? SV39_FEATURE_SVNAPOT : 0);
	kvm_ops.features = pt_features;
	kvm_ctx.limit_lo = image_giga;
	kvm_ctx.limit_hi = image_giga + SV39_GIGA_SIZE;
	err = sv39_space_init(&kvm_space, &kvm_ops, &kvm_ctx);

	if (err)
		panic("kvm: sv39_space_init: %s", sv39_strerror(err));
	kvm_map_image();
	kvm_map_stacks(pl->nharts);
	kvm_map_direct(pl);
	kvm_map_mmio(&pl->uart, pbmt, "UART");
	kvm_map_mmio(&pl->plic, pbmt, "PLIC");
	if (pl->poweroff_reg.size)
		kvm_map_mmio(&pl->poweroff_reg, pbmt, "test device");
	kvm_satp = sv39_satp(&kvm_space);
}

/*
 * Run on the global table from now on (this hart): satp written between
 * two full fences. The first call also opens the whole direct map to
 * the table's page allocator and turns on cross-hart flushes. Cannot fail.
 */
void
kvm_switch(void)
{
	sfence_vma_all();
	csr_write(satp, kvm_satp);
	sfence_vma_all();
	kvm_live = 1;
	kvm_ctx.limit_hi = 0; /* the whole direct map is live now */
}

/*
 * How many page-table pages the global table holds now (counted by its
 * ctx as they are allocated and freed). Read without a lock: a figure
 * for the boot report.
 */
uint64_t
kvm_table_pages(void)
{
	return kvm_ctx.pt.tables;
}

static int
leaf_is_wx(void *arg, const struct sv39_leaf *leaf)
{
	const struct sv39_leaf **bad = arg;

	if ((leaf->pte & SV39_PTE_W) && (leaf->pte & SV39_PTE_X)) {
		*bad = leaf;
		kprintf("kvm: W+X leaf at va %lx pa %lx size %lx pte %lx\n", leaf->va, leaf->pa,
			leaf->size, leaf->pte);
		return 1;
	}
	return 0;
}

/*
 * Does s (either half) map a page both writable and executable? 0, or 1
 * after printing the first such leaf. Read-only walk; panics if s is
 * malformed. The caller keeps s from changing meanwhile.
 */
int
kvm_check_wx(const struct sv39_space *s)
{
	const struct sv39_leaf *bad = NULL;
	int ret = sv39_for_each(s, 0, SV39_LOW_END, leaf_is_wx, &bad);

	if (!ret)
		ret = sv39_for_each(s, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE, leaf_is_wx, &bad);
	if (ret < 0)
		panic("kvm: sv39_for_each: %s", sv39_strerror(ret));
	return ret;
}

/* The boot-time report: well-formed, W^X, a summary, the table's size. */
void
kvm_report(void)
{
	int err = sv39_check(&kvm_space);

	if (err)
		panic("kvm: sv39_check: %s", sv39_strerror(err));
	if (kvm_check_wx(&kvm_space))
		panic("kvm: the kernel table has a W+X mapping");
	kprintf("kvm: global kernel table (sv39_check ok, no W+X):\n");
	sv39_dump(&kvm_space, SV39_DUMP_RANGES, kputs_line, NULL);
	kprintf("kvm: %lu page-table pages\n", kvm_table_pages());
}
