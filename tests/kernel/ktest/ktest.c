/* SPDX-License-Identifier: MIT */
/*
 * ktest.c - kernel tests, chosen with "ktest=NAME" on the command line
 * (QEMU -append). They live in their own image (kernel-test-BOARD): the
 * kernel's objects plus this folder, whose boot_finish() replaces the
 * production one (kernel/boot_finish.c). The verdict leaves through
 * power_exit(): QEMU's exit status on virt (test device), the
 * "ktest: PASS" console line elsewhere. tests/kernel/meson.build
 * registers each one. Without ktest= the image boots as usual.
 */
#include <sv39/sv39.h>

#include "bootargs.h"
#include "cpu.h"
#include "exit.h"
#include "fdt.h"
#include "kernel.h"
#include "ktest.h"
#include "platform.h"
#include "probe.h"
#include "ptpages.h"
#include "proc.h"
#include "riscv.h"

struct ktest {
	const char *name;
	int (*fn)(void); /* 0: pass */
	const char *what;
};

static const struct ktest *current;

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			kprintf("ktest: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			return 1;                                                                 \
		}                                                                                 \
	} while (0)

/* Wait up to secs seconds (interrupts on) for cond to hold. */
#define WAIT_FOR(cond, secs)                                          \
	__extension__({                                               \
		uint64_t deadline_ = rdtime() + (secs)*timebase_hz(); \
		while (!(cond) && rdtime() < deadline_)               \
			wfi();                                        \
		(cond);                                               \
	})

static int
all_ticked(uint64_t n)
{
	for (int i = 0; i < ncpu; i++)
		if (!cpus[i].online || cpus[i].ticks < n)
			return 0;
	return 1;
}

/* Every hart the device tree lists is online on the global table and ticking. */
static int
test_boot(void)
{
	CHECK(smp_online_count() == ncpu);
	CHECK(WAIT_FOR(all_ticked(5), 10));
	for (int i = 0; i < ncpu; i++)
		kprintf("ktest: hart %lu online, %lu timer ticks\n", cpus[i].hartid, cpus[i].ticks);
	CHECK(csr_read(satp) == kvm_satp);
	return 0;
}

static int
flags_of(uint64_t va, uint64_t *flags)
{
	return sv39_translate(&kvm_space, va, NULL, flags, NULL);
}

#define PERMS (SV39_PTE_R | SV39_PTE_W | SV39_PTE_X | SV39_PTE_U)

static const char rodata_probe[] = "read-only";
static uint64_t data_probe = 1;

static int
count_leaf(void *arg, const struct sv39_leaf *leaf)
{
	(void)leaf;
	++*(uint64_t *)arg;
	return 0;
}

static int
count_64k_leaf(void *arg, const struct sv39_leaf *leaf)
{
	if (leaf->size == SV39_NAPOT_SIZE)
		++*(uint64_t *)arg;
	return 0;
}

/*
 * RAM GiBs beyond the image's own: whole ones are mapped by one gigapage
 * leaf each (no table), partial ones by 2 MiB leaves in a level-1 table.
 */
static void
count_ram_gibs(uint64_t *whole, uint64_t *partial)
{
	uint64_t image_gib = ALIGN_DOWN(kimage_to_pa(_text), SV39_GIGA_SIZE);

	*whole = *partial = 0;
	for (int i = 0; i < plat.nmem; i++) {
		uint64_t lo = plat.mem[i].base, hi = lo + plat.mem[i].size;

		for (uint64_t g = ALIGN_DOWN(lo, SV39_GIGA_SIZE); g < hi; g += SV39_GIGA_SIZE) {
			if (g == image_gib)
				continue;
			if (g >= lo && g + SV39_GIGA_SIZE <= hi)
				++*whole;
			else
				++*partial;
		}
	}
}

/*
 * The global table's page count as docs/kernel.md states it. At boot:
 * the root; GiB 0's level-1 table (MMIO) with a level-0 table for the UART
 * and one for the test device (none on sifive_u); the image's GiB: its
 * level-1 table in the direct map with one level-0 table for the image
 * alias, and at KIMAGE_GIGA_VA a level-1 and a level-0 table for the
 * image and the hart stacks; a level-1 table per partial RAM GiB. Once a
 * space has borrowed the kernel half (every process does): one ledger page
 * (libsv39's record of the loans) while any space borrows, and for good
 * one level-1 table per whole RAM GiB beyond the image's, whose gigapage
 * leaf had to be split (only tables are lent).
 */
enum kvm_stage { KVM_BOOT, KVM_LENDING, KVM_LENT_BEFORE };

static uint64_t
global_table_pages_documented(enum kvm_stage stage)
{
	uint64_t whole, partial;

	count_ram_gibs(&whole, &partial);
	return 1 + 1 + 1 + (plat.poweroff_reg.size ? 1 : 0) + 2 + 2 + partial +
	       (stage == KVM_LENDING ? 1 : 0) + (stage != KVM_BOOT ? whole : 0);
}

/* features: the kernel's (test_wx), as sv39_share of its half needs. */
static struct sv39_ops wx_scratch_ops = {
	.alloc_table = pt_alloc_table,
	.free_table = pt_free_table,
	.phys_to_virt = pt_phys_to_virt,
};

/*
 * What the first process does to the global table: a scratch space borrows
 * the kernel half (sv39_share, as uvm.c does for each kernel table) and is
 * destroyed. The count must be the documented one, during and after (the
 * ledger page goes with the last borrower, the split gigapages stay).
 */
static int
check_global_pages_after_share(void)
{
	static struct pt_ctx ctx;
	struct sv39_space s;
	uint64_t want = global_table_pages_documented(KVM_LENDING);

	wx_scratch_ops.features = pt_features;
	CHECK(sv39_space_init(&s, &wx_scratch_ops, &ctx) == 0);
	CHECK(sv39_share(&s, &kvm_space, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE) == 0);
	kprintf("ktest: with a borrower: %lu page-table pages (documented %lu)\n",
		kvm_table_pages(), want);
	CHECK(kvm_table_pages() == want);
	sv39_space_destroy(&s, 0);
	CHECK(ctx.tables == 0);
	kprintf("ktest: after it: %lu page-table pages (documented %lu)\n", kvm_table_pages(),
		global_table_pages_documented(KVM_LENT_BEFORE));
	CHECK(kvm_table_pages() == global_table_pages_documented(KVM_LENT_BEFORE));
	CHECK(sv39_check(&kvm_space) == 0 && kvm_check_wx(&kvm_space) == 0);
	return 0;
}

/* The global table: well formed, W^X, and each region with its permissions. */
static int
test_wx(void)
{
	uint64_t f, n = 0;

	CHECK(sv39_check(&kvm_space) == 0);
	CHECK(kvm_check_wx(&kvm_space) == 0);
	CHECK(flags_of((uint64_t)test_wx, &f) == 0 && (f & PERMS) == (SV39_PTE_R | SV39_PTE_X));
	CHECK((f & SV39_PTE_G) && (f & SV39_PTE_V));
	CHECK(flags_of((uint64_t)rodata_probe, &f) == 0 && (f & PERMS) == SV39_PTE_R);
	CHECK(flags_of((uint64_t)&data_probe, &f) == 0 && (f & PERMS) == (SV39_PTE_R | SV39_PTE_W));
	/* The image's alias in the direct map is not writable either. */
	CHECK(flags_of((uint64_t)pa_to_kva(kimage_to_pa((const void *)(uint64_t)test_wx)), &f) ==
		      0 &&
	      (f & PERMS) == SV39_PTE_R);
	CHECK(flags_of((uint64_t)pa_to_kva(kimage_to_pa(&data_probe)), &f) == 0 &&
	      (f & PERMS) == (SV39_PTE_R | SV39_PTE_W));
	CHECK(flags_of((uint64_t)pa_to_kva(plat.uart.base), &f) == 0 &&
	      (f & PERMS) == (SV39_PTE_R | SV39_PTE_W));
	/* MMIO is strongly ordered I/O only where every hart has Svpbmt. */
	CHECK((f & SV39_PTE_PBMT_MASK) == (plat.svpbmt ? SV39_PTE_PBMT_IO : 0));
	CHECK(flags_of((uint64_t)&data_probe, &f) == 0 && !(f & SV39_PTE_PBMT_MASK));
	for (int i = 0; i < ncpu; i++) {
		CHECK(flags_of(cpus[i].kstack_guard, &f) == SV39_ENOENT);
		CHECK(flags_of(cpus[i].kstack_lo, &f) == 0 &&
		      (f & PERMS) == (SV39_PTE_R | SV39_PTE_W));
	}
	/* docs/kernel.md, "Memory layout": the table's size, exactly. */
	kprintf("ktest: the global table has %lu page-table pages (documented %lu)\n",
		kvm_table_pages(), global_table_pages_documented(KVM_BOOT));
	CHECK(kvm_table_pages() == global_table_pages_documented(KVM_BOOT));
	/* Nothing in the lower half: that is the processes'. */
	CHECK(sv39_for_each(&kvm_space, 0, SV39_LOW_END, count_leaf, &n) == 0 && n == 0);
	/*
	 * With Svnapot on every hart the image's 64 KiB aligned runs are
	 * 64 KiB groups; without it no entry may have N (sv39_check above
	 * would call one malformed).
	 */
	n = 0;
	CHECK(sv39_for_each(&kvm_space, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE, count_64k_leaf, &n) ==
	      0);
	kprintf("ktest: %lu 64 KiB leaves in the global table\n", n);
	CHECK(plat.svnapot ? n > 0 : n == 0);
	if (check_global_pages_after_share())
		return 1;
	kprintf("ktest: global table well formed, W^X, per-region permissions as designed%s%s\n",
		plat.svpbmt ? ", MMIO with Svpbmt IO" : "",
		plat.svnapot ? ", image in 64 KiB groups (Svnapot)" : "");
	return 0;
}

/* A store that must fault: reported by the trap handler, not ignored. */
static int
expect_fault(const char *what, const struct probe_result *r, uint64_t cause, uint64_t va)
{
	kprintf("ktest: %s at %lx: %s (scause %lu, stval %lx)\n", what, va,
		r->cause ? "fault reported" : "NO FAULT", r->cause, r->stval);
	return r->cause == cause && r->stval == va ? 0 : 1;
}

static const uint32_t ret_insn = 0x00008067; /* jalr x0, 0(ra) */
static uint32_t data_ret_insn = 0x00008067;

/* Kernel text, rodata and their alias refuse writes; data refuses fetches. */
static int
test_textwrite(void)
{
	uint64_t text = (uint64_t)test_textwrite;
	uint64_t alias = (uint64_t)pa_to_kva(kimage_to_pa((const void *)text));
	uint64_t data_alias = (uint64_t)pa_to_kva(kimage_to_pa(&data_ret_insn));
	struct probe_result r;
	int bad = 0;

	probe_sd(&r, text, 0);
	bad |= expect_fault("store to kernel text", &r, EXC_STORE_PAGE_FAULT, text);
	probe_sd(&r, alias, 0);
	bad |= expect_fault("store to the text's direct-map alias", &r, EXC_STORE_PAGE_FAULT,
			    alias);
	probe_sd(&r, (uint64_t)&ret_insn, 0);
	bad |= expect_fault("store to rodata", &r, EXC_STORE_PAGE_FAULT, (uint64_t)&ret_insn);
	probe_exec(&r, (uint64_t)&data_ret_insn);
	bad |= expect_fault("fetch from data", &r, EXC_INSN_PAGE_FAULT, (uint64_t)&data_ret_insn);
	probe_exec(&r, data_alias);
	bad |= expect_fault("fetch from the direct map", &r, EXC_INSN_PAGE_FAULT, data_alias);
	CHECK(*(volatile uint32_t *)text != 0);
	return bad;
}

/* Deep enough to run any 16 KiB stack into its guard page. */
static int __attribute__((noinline)) recurse(volatile int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n > 1000000)
		return pad[0];
	return recurse(n + 1) + pad[0];
}

/*
 * The overflow never returns: trap.c reports it and ends the run with
 * EXIT_STACK_OVERFLOW, the code the guard tests are registered with.
 */
static int
test_guard(void)
{
	kprintf("ktest: recursing on hart %lu's stack %lx..%lx, guard %lx\n", mycpu()->hartid,
		mycpu()->kstack_lo, mycpu()->kstack_hi, mycpu()->kstack_guard);
	recurse(0);
	kprintf("ktest: the recursion returned: no guard page?\n");
	return 1;
}

/*
 * Each other hart's mailbox: the test stores a va, the hart (in
 * ktest_hart_main) loads from it into val and clears va.
 */
static struct {
	volatile uint64_t va, val;
	void (*volatile fn)(void); /* or run this, then clear it */
} mbox[NCPU];

/* What the other harts run in this image: the mailbox, else schedule. */
static void __attribute__((noreturn)) ktest_hart_main(struct cpu *c)
{
	for (;;) {
		wfi();
		if (mbox[c->id].va) {
			mbox[c->id].val = *(volatile uint64_t *)mbox[c->id].va;
			__sync_synchronize();
			mbox[c->id].va = 0;
		}
		if (mbox[c->id].fn) {
			mbox[c->id].fn();
			__sync_synchronize();
			mbox[c->id].fn = NULL;
		}
		if (sched_running)
			scheduler();
	}
}

void
ktest_others_run(void (*fn)(void))
{
	for (int i = 1; i < ncpu; i++)
		mbox[i].fn = fn;
}

void
ktest_others_wait(void)
{
	for (int i = 1; i < ncpu; i++)
		while (mbox[i].fn)
			;
}

/* Have every other hart load va; 0 if they all read want. */
static int
others_read(uint64_t va, uint64_t want)
{
	int bad = 0;

	for (int i = 1; i < ncpu; i++) {
		mbox[i].val = 0;
		__sync_synchronize();
		mbox[i].va = va;
		if (!WAIT_FOR(mbox[i].va == 0, 5)) {
			kprintf("ktest: hart %lu did not answer\n", cpus[i].hartid);
			return 1;
		}
		if (mbox[i].val != want) {
			kprintf("ktest: hart %lu read %lx at %lx, expected %lx: stale TLB\n",
				cpus[i].hartid, mbox[i].val, va, want);
			bad = 1;
		}
	}
	return bad;
}

/*
 * A change to the global table reaches the other harts' TLBs: they cache
 * va -> frame A, the boot hart remaps va to frame B (libsv39 calls our
 * flush_tlb: local sfence.vma + SBI RFENCE), and they must read B.
 */
static int
test_rfence(void)
{
	uint64_t va = (uint64_t)_kstack_region + (NCPU + 1) * (KSTACK_PAGES + 1) * PAGE_SIZE;
	uint64_t a = kalloc(), b = kalloc();
	uint64_t perm = SV39_PTE_R | SV39_PTE_W | SV39_PTE_G;
	int bad = 0;

	CHECK(ncpu > 1 && a && b);
	*(uint64_t *)pa_to_kva(a) = 0xaaaa;
	*(uint64_t *)pa_to_kva(b) = 0xbbbb;
	CHECK(sv39_map(&kvm_space, va, a, PAGE_SIZE, perm, 0) == 0);
	bad |= others_read(va, 0xaaaa);
	for (int round = 0; round < 10 && !bad; round++) {
		uint64_t pa = round % 2 ? a : b, want = round % 2 ? 0xaaaa : 0xbbbb;

		CHECK(sv39_map(&kvm_space, va, pa, PAGE_SIZE, perm, SV39_MAP_REPLACE) == 0);
		bad |= others_read(va, want);
	}
	CHECK(sv39_unmap(&kvm_space, va, PAGE_SIZE, 0) == 0);
	kfree(a);
	kfree(b);
	if (!bad)
		kprintf("ktest: %d other hart(s) saw each of 10 remaps\n", ncpu - 1);
	return bad;
}

/*
 * Console input arrives by the UART's interrupt on whichever hart takes
 * it, not from the boot hart's tick: the boot hart turns its own
 * interrupts off, puts the UART in loopback and sends ^D (stored as
 * input, never echoed, so nothing goes round again). Another hart must
 * serve the interrupt. Nothing may be printed while in loopback.
 */
/*
 * The ns16550a's loopback mode (MCR, register 4, bit 4): what is sent comes
 * back as received. The test reaches the UART itself, through the direct
 * map: the kernel has no use for loopback. 0, or -1 on a UART without it.
 */
static int
uart_loopback(int on)
{
	volatile uint8_t *mcr =
		(volatile uint8_t *)pa_to_kva(plat.uart.base) + (4u << plat.uart_shift);

	if (plat.uart_kind != UART_NS16550A)
		return -1;
	*mcr = on ? 1u << 4 : 0;
	return 0;
}

static int
test_uartirq(void)
{
	uint64_t before[NCPU], deadline;
	int taker = -1;

	CHECK(ncpu > 1);
	intr_off();
	for (int i = 0; i < ncpu; i++)
		before[i] = cpus[i].uart_intrs;
	if (uart_loopback(1)) {
		intr_on();
		kprintf("ktest: this UART has no loopback mode\n");
		return 1;
	}
	uart_putc(0x04); /* ^D */
	deadline = rdtime() + timebase_hz();
	while (taker < 0 && rdtime() < deadline)
		for (int i = 1; i < ncpu; i++)
			if (cpus[i].uart_intrs != before[i])
				taker = i;
	uart_loopback(0);
	intr_on();
	CHECK(cpus[0].uart_intrs == before[0]);
	CHECK(taker > 0);
	kprintf("ktest: hart %lu served the UART's interrupt (boot hart %lu had interrupts off)\n",
		cpus[taker].hartid, cpus[0].hartid);
	return 0;
}

/* Registered should_fail: proves a failing test is seen failing. */
static int
test_fail(void)
{
	kprintf("ktest: this test fails on purpose\n");
	return 1;
}

/*
 * The allocator hands out every free page once, zeroed, and takes them
 * back, merging them into 2 MiB blocks again.
 */
static int
test_kalloc(void)
{
	uint64_t before = kalloc_nfree(), n = 0, head = 0, pa;

	kprintf("ktest: %lu free pages\n", before);
	/* Contiguous blocks come from untouched memory: test them first. */
	pa = kalloc_contig(2UL << 20, 2UL << 20);
	CHECK(pa && !(pa & ((2UL << 20) - 1)) && kalloc_nfree() == before - 512);
	kfree_contig(pa, 2UL << 20);
	CHECK(kalloc_nfree() == before);
	while ((pa = kalloc()) != 0) {
		uint64_t *p = pa_to_kva(pa);

		CHECK(p[0] == 0 && p[511] == 0);
		p[0] = head; /* chain them through themselves */
		head = pa;
		n++;
	}
	kprintf("ktest: allocated %lu pages until empty\n", n);
	CHECK(n == before && kalloc_nfree() == 0);
	while (head) {
		pa = head;
		head = *(uint64_t *)pa_to_kva(pa);
		kfree(pa);
	}
	CHECK(kalloc_nfree() == before);
	/* The 4 KiB pages merged back: whole 2 MiB blocks again. */
	pa = kalloc_contig(2UL << 20, 2UL << 20);
	CHECK(pa && !(pa & ((2UL << 20) - 1)));
	kfree_contig(pa, 2UL << 20);
	CHECK(kalloc_nfree() == before);
	return 0;
}

/* Parse a corrupted copy of the device tree; the error must name the fault. */
static int
fdt_corrupt(const char *what, uint64_t size, void (*corrupt)(uint8_t *blob), const char *expect)
{
	uint64_t pa = kalloc_contig(ALIGN_UP(size, PAGE_SIZE), PAGE_SIZE);
	static struct platform p;
	uint8_t *copy;
	const char *err;

	if (!pa)
		return 1;
	copy = pa_to_kva(pa);
	memcpy(copy, pa_to_kva(plat.fdt.base), size);
	corrupt(copy);
	err = platform_parse(&p, copy, pa, plat.hartid[0]);
	kprintf("ktest: fdt with %s: %s\n", what, err ? err : "(accepted)");
	kfree_contig(pa, ALIGN_UP(size, PAGE_SIZE));
	return !err || !strstr(err, expect);
}

/* The value of /memory's prop in a writable copy. */
static uint8_t *
memory_prop(uint8_t *blob, const char *prop, int *len)
{
	struct fdt f;
	int c;

	if (fdt_open(&f, blob, plat.fdt.size))
		return NULL;
	for (c = fdt_first_child(&f, fdt_root(&f)); c >= 0; c = fdt_next_sibling(&f, c))
		if (!strncmp(fdt_name(&f, c), "memory", 6))
			return (uint8_t *)fdt_prop(&f, c, prop, len);
	return NULL;
}

static void
bad_magic(uint8_t *blob)
{
	blob[0] ^= 0xff;
}

static void
no_memory(uint8_t *blob)
{
	int len;
	uint8_t *v = memory_prop(blob, "device_type", &len);

	if (v)
		v[0] = 'x';
}

static void
bad_memory_reg(uint8_t *blob)
{
	int len;
	uint8_t *v = memory_prop(blob, "reg", &len);

	if (v)
		v[-5] = 12; /* the length's low byte: 12 is no whole entry */
}

static void
small_totalsize(uint8_t *blob)
{
	blob[4] = blob[5] = blob[6] = 0;
	blob[7] = 64;
}

static void
no_timebase(uint8_t *blob)
{
	uint8_t *s = (uint8_t *)strstr((char *)blob + 40, "timebase-frequency");
	struct fdt f;

	/* Rename it in the strings block, past the structure block. */
	if (!fdt_open(&f, blob, plat.fdt.size)) {
		for (uint64_t o = f.off_strings; o + 18 < f.off_strings + f.size_strings; o++)
			if (!memcmp(blob + o, "timebase-frequency", 18)) {
				s = blob + o;
				break;
			}
		if (s)
			s[0] = 'T';
	}
}

static int
test_fdtbad(void)
{
	uint64_t size = plat.fdt.size;
	int bad = 0;

	bad |= fdt_corrupt("a bad magic", size, bad_magic, "magic");
	bad |= fdt_corrupt("no memory node", size, no_memory, "no /memory");
	bad |= fdt_corrupt("a 12-byte /memory reg", size, bad_memory_reg, "");
	bad |= fdt_corrupt("totalsize 64", size, small_totalsize, "outside the blob");
	bad |= fdt_corrupt("no timebase-frequency", size, no_timebase, "timebase");
	return bad;
}

/*
 * The early trap vector (entry.S) reports a trap and ends the run with
 * EXIT_EARLY_TRAP: put it back, as before trap_init_hart(), and fault.
 */
static int
test_earlytrap(void)
{
	kprintf("ktest: earlytrap: a load from 0x1000 under the early vector\n");
	intr_off();
	csr_write(sscratch, 0);
	csr_write(stvec, (uint64_t)early_trap);
	(void)*(volatile uint64_t *)0x1000UL;
	return 1;
}

static const struct ktest ktests[] = {
	{ "boot", test_boot, "all harts online on the global table, ticking" },
	{ "wx", test_wx, "sv39_check, W^X and per-region permissions" },
	{ "textwrite", test_textwrite, "writes to text/rodata, fetch from data fault" },
	{ "rfence", test_rfence, "other harts see a remap of the global table" },
	{ "guard", test_guard, "kernel stack overflow hits the guard page" },
	{ "kalloc", test_kalloc, "every free page once, zeroed, and back" },
	{ "fdtbad", test_fdtbad, "a corrupt device tree gives a clear error" },
	{ "mmudiff", ktest_mmudiff, "libsv39's translation vs QEMU's MMU" },
	{ "earlytrap", test_earlytrap, "a trap under the early vector is reported" },
	{ "uartirq", test_uartirq, "console input by interrupt, served by another hart" },
	{ "hwad", ktest_hwad, "D set by other harts' MMUs survives protect, harvest, split" },
	{ "fail", test_fail, "fails on purpose (registered should_fail)" },
};

static void __attribute__((noreturn)) ktest_run(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ktests); i++) {
		if (strcmp(ktests[i].name, name))
			continue;
		current = &ktests[i];
		kprintf("ktest: %s: %s\n", current->name, current->what);
		if (current->fn()) {
			kprintf("ktest: FAIL %s\n", current->name);
			power_exit(EXIT_KTEST);
		}
		kprintf("ktest: PASS %s\n", current->name);
		power_exit(EXIT_PASS);
	}
	kprintf("ktest: no test named \"%s\"; the tests are:", name);
	for (size_t i = 0; i < ARRAY_SIZE(ktests); i++)
		kprintf(" %s", ktests[i].name);
	kprintf("\n");
	power_exit(EXIT_NO_KTEST);
}

/*
 * This image's end of the boot: the other harts (at _start with
 * "smp_entry=start", the path OpenSBI 1.1's start race takes: the
 * boot-smp-stray test), then the test named by ktest=, else pid 1.
 */
void
boot_finish(const char *bootargs)
{
	char name[32], entry[16];
	int via_start = bootarg_value(bootargs, "smp_entry", entry, sizeof(entry)) &&
			!strcmp(entry, "start");

	smp_start_others(via_start ? _start : secondary_entry, ktest_hart_main);
	if (bootarg_value(bootargs, "ktest", name, sizeof(name)))
		ktest_run(name);
	proc_start(bootarg_init_command(bootargs), bootarg_present(bootargs, "vmprint"));
}
