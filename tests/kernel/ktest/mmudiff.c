/* SPDX-License-Identifier: MIT */
/*
 * mmudiff.c - libsv39 against QEMU's MMU ("ktest=mmudiff").
 *
 * A scratch address space shares the kernel half of the global table
 * (sv39_share, so the kernel keeps running after the satp switch) and
 * gets a few hundred random low-half mappings: 4 KiB pages, 2 MiB
 * superpages, 64 KiB Svnapot groups when every hart has Svnapot (each of
 * a group's 16 pages probed) and, when a free 1 GiB block exists, a
 * gigapage, with random
 * permissions (R, RW, X, RX, RWX; U or not; A and D preset or not). Each
 * probe address is then loaded, stored and fetched from S-mode (SUM and
 * MXR off and on) and from U-mode (MXR off and on), every fault caught by
 * by the probe's own trap vector (probe.S). For each probe, fault or not, the cause, the
 * value read and where a store landed must match what sv39_translate()
 * and the privileged spec's rules predict:
 *   U-mode: needs U. S-mode: a U page only for loads/stores with SUM,
 *   never for fetches. Load: R, or X with MXR. Store: W. Fetch: X.
 *   A = 0, or D = 0 on a store: the spec lets the hardware either fault
 *   or set the bit. QEMU 7.2 sets them (it walks the table like hardware
 *   with Svadu), so we predict success and check that A (and D after a
 *   store) became set, and that a faulting access set neither.
 * Frames hold, in every 8-byte word, "lui a0, PPN; ret": a load reads a
 * value that names the frame, a fetch returns it in a0.
 */
#include <sv39/sv39.h>

#include "cpu.h"
#include "kernel.h"
#include "ktest.h"
#include "probe.h"
#include "ptpages.h"
#include "riscv.h"

#define NSMALL_FRAMES 64
#define NMEGA_BLOCKS 4
#define NPAGES 300
#define NMEGAS 40
#define NGROUPS 24
#define NHOLES 100
#define MAX_MAPS (NPAGES + NMEGAS + NGROUPS + 1)
#define UPROBE_VA 0x1000UL
#define MAX_REPORTS 10

enum access { LOAD, STORE, FETCH };

struct md_map {
	uint64_t va, pa, size, perm;
};

struct md_stats {
	uint64_t probes, faults, mismatches, ad_set;
	uint64_t by_size[4]; /* probe addresses in 4K, 64K, 2M, 1G leaves */
};

static struct md_map maps[MAX_MAPS];
static int nmaps;
static uint64_t rng_state = 0x9e3779b97f4a7c15UL;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dUL;
}

/* The word every 8 bytes of frame page pa: "lui a0, pa >> 12; ret". */
static uint64_t
pattern(uint64_t pa)
{
	uint64_t imm = (pa >> 12) & 0xfffff;

	return 0x00008067UL << 32 | imm << 12 | 10 << 7 | 0x37;
}

/* What "lui a0, imm" leaves in a0: imm << 12, sign-extended from bit 31. */
static uint64_t
pattern_a0(uint64_t pa)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)(((pa >> 12) & 0xfffff) << 12);
}

static void
fill(uint64_t pa, uint64_t size)
{
	for (uint64_t p = pa; p < pa + size; p += PAGE_SIZE) {
		uint64_t *w = pa_to_kva(p), v = pattern(p);

		for (int i = 0; i < 512; i++)
			w[i] = v;
	}
}

static void
fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

/* The scratch space's ops: the kernel's page tables, but flushes stay local. */
static struct pt_ctx md_ctx;
static int md_live;

static void
md_flush_tlb(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	(void)ctx;
	(void)asid;
	if (md_live)
		kvm_flush_local(va, size);
}

/* features: the kernel's (ktest_mmudiff), as sv39_share of its half needs. */
static struct sv39_ops md_ops = {
	.alloc_table = pt_alloc_table,
	.free_table = pt_free_table,
	.phys_to_virt = pt_phys_to_virt,
	.flush_tlb = md_flush_tlb,
};

static uint64_t
random_perm(void)
{
	static const uint64_t base[] = {
		SV39_PTE_R,
		SV39_PTE_R | SV39_PTE_W,
		SV39_PTE_X,
		SV39_PTE_R | SV39_PTE_X,
		SV39_PTE_R | SV39_PTE_W | SV39_PTE_X,
	};
	uint64_t r = rnd();
	uint64_t perm = base[(r >> 8) % ARRAY_SIZE(base)];

	if (r & 1)
		perm |= SV39_PTE_U;
	if (r & 2)
		perm |= SV39_PTE_A;
	if (r & 4)
		perm |= SV39_PTE_D;
	return perm;
}

/* Map one random leaf of size bytes at a random free va; 0 or -1. */
static int
map_random(struct sv39_space *s, uint64_t size, uint64_t pa)
{
	for (int tries = 0; tries < 100; tries++) {
		uint64_t va = ALIGN_DOWN(rnd() % SV39_LOW_END, size);
		uint64_t perm = random_perm(), got;
		int err;

		if (va < 2 * SV39_MEGA_SIZE) /* keep clear of the U-mode stub */
			continue;
		err = sv39_map(s, va, pa, size, perm,
			       SV39_MAP_NO_AD | (size > SV39_NAPOT_SIZE	   ? SV39_MAP_HUGE
						 : size == SV39_NAPOT_SIZE ? SV39_MAP_64K
									   : 0));
		if (err == SV39_EEXIST)
			continue;
		if (err || sv39_translate(s, va, NULL, NULL, &got) || got != size) {
			kprintf("mmudiff: map %lx size %lx: %s\n", va, size, sv39_strerror(err));
			return -1;
		}
		maps[nmaps++] = (struct md_map){ va, pa, size, perm };
		return 0;
	}
	return -1;
}

/* scause of the fault the spec predicts, or 0 for none. */
static uint64_t
predict(uint64_t flags, int umode, int sum, int mxr, enum access acc)
{
	static const uint64_t cause[] = {
		[LOAD] = EXC_LOAD_PAGE_FAULT,
		[STORE] = EXC_STORE_PAGE_FAULT,
		[FETCH] = EXC_INSN_PAGE_FAULT,
	};
	int ok;

	if (umode && !(flags & SV39_PTE_U))
		return cause[acc];
	if (!umode && (flags & SV39_PTE_U) && (acc == FETCH || !sum))
		return cause[acc];
	switch (acc) {
	case LOAD:
		ok = (flags & SV39_PTE_R) || (mxr && (flags & SV39_PTE_X));
		break;
	case STORE:
		ok = (flags & SV39_PTE_W) != 0;
		break;
	default:
		ok = (flags & SV39_PTE_X) != 0;
	}
	/* A = 0 / D = 0: QEMU sets the bit instead of faulting (see above). */
	return ok ? 0 : cause[acc];
}

static void
set_sstatus_bit(uint64_t bit, int on)
{
	if (on)
		csr_set(sstatus, bit);
	else
		csr_clear(sstatus, bit);
}

static struct probe_result
run_probe(uint64_t va, int umode, enum access acc, uint64_t storeval)
{
	static const uint64_t stub[] = {
		[LOAD] = UPROBE_LOAD,
		[STORE] = UPROBE_STORE,
		[FETCH] = UPROBE_FETCH,
	};
	struct probe_result r;

	if (umode)
		uprobe_call(&r, UPROBE_VA + stub[acc], va, storeval);
	else if (acc == LOAD)
		probe_ld(&r, va);
	else if (acc == STORE)
		probe_sd(&r, va, storeval);
	else
		probe_exec(&r, va);
	return r;
}

static const char *const acc_name[] = { "load", "store", "fetch" };

/*
 * What a probe got wrong against the prediction, or NULL: r is what it
 * saw, want the predicted cause; flags and after the leaf's flags before
 * and after, landed the word at the frame afterwards (found: va is mapped).
 */
static const char *
judge(const struct probe_result *r, uint64_t want, uint64_t va, enum access acc, int found,
      uint64_t expect_val, uint64_t storeval, uint64_t landed, uint64_t flags, uint64_t after)
{
	if (r->cause != want)
		return "fault/no-fault or cause differs";
	if (r->cause && r->stval != va)
		return "stval is not the probed address";
	if (!r->cause && acc != STORE && r->val != expect_val)
		return "value differs";
	if (!r->cause && acc == STORE && landed != storeval)
		return "store did not land at the translated address";
	if (r->cause && found && acc == STORE && landed != expect_val)
		return "a faulting store changed memory";
	if (found && r->cause && after != flags)
		return "a faulting access changed A/D";
	if (found && !r->cause &&
	    (!(after & SV39_PTE_A) || (acc == STORE && !(after & SV39_PTE_D))))
		return "A (or D after a store) not set by the access";
	return NULL;
}

/* One probe: run it, compare with the prediction, put the leaf back. */
static void
probe_one(struct sv39_space *s, struct md_stats *st, uint64_t va, int umode, int sum, int mxr,
	  enum access acc)
{
	uint64_t pa = 0, flags = 0, size = 0, after = 0, want, expect_val = 0;
	uint64_t storeval = 0, landed = 0;
	int found = sv39_translate(s, va, &pa, &flags, &size) == 0;
	const char *why = NULL;
	struct probe_result r;

	want = found ? predict(flags, umode, sum, mxr, acc)
		     : (acc == LOAD    ? EXC_LOAD_PAGE_FAULT
			: acc == STORE ? EXC_STORE_PAGE_FAULT
				       : EXC_INSN_PAGE_FAULT);
	if (found) {
		expect_val = acc == FETCH ? pattern_a0(pa) : *(uint64_t *)pa_to_kva(pa);
		storeval = ~pattern(pa) ^ rnd();
	}
	set_sstatus_bit(SSTATUS_SUM, sum);
	set_sstatus_bit(SSTATUS_MXR, mxr);
	r = run_probe(va, umode, acc, storeval);
	csr_clear(sstatus, SSTATUS_SUM | SSTATUS_MXR);
	st->probes++;
	st->faults += r.cause != 0;
	if (found) {
		landed = *(uint64_t *)pa_to_kva(pa);
		sv39_translate(s, va, NULL, &after, NULL);
	}

	why = judge(&r, want, va, acc, found, expect_val, storeval, landed, flags, after);
	if (why) {
		if (st->mismatches < MAX_REPORTS)
			kprintf("mmudiff: MISMATCH %s: %s-mode %s va %lx (SUM %d MXR %d) "
				"pte flags %lx: predicted cause %lu, got %lu val %lx "
				"(expected %lx)\n",
				why, umode ? "U" : "S", acc_name[acc], va, sum, mxr, flags, want,
				r.cause, r.val, expect_val);
		st->mismatches++;
	}
	if (!found)
		return;
	/* Put memory and the leaf back as they were. */
	if (landed != expect_val && acc == STORE) {
		*(uint64_t *)pa_to_kva(pa) = pattern(pa);
		fence_i();
	}
	if (after != flags) {
		uint64_t ad = SV39_PTE_A | SV39_PTE_D;
		int err;

		st->ad_set++;
		err = sv39_protect(s, ALIGN_DOWN(va, size), size, flags & ad, ad & ~flags);
		if (err)
			panic("mmudiff: sv39_protect: %s", sv39_strerror(err));
	}
}

/* All 18 probes of one address. */
static void
probe_addr(struct sv39_space *s, struct md_stats *st, uint64_t va)
{
	for (int acc = LOAD; acc <= FETCH; acc++) {
		for (int mxr = 0; mxr <= 1; mxr++) {
			for (int sum = 0; sum <= 1; sum++)
				probe_one(s, st, va, 0, sum, mxr, (enum access)acc);
			probe_one(s, st, va, 1, 0, mxr, (enum access)acc);
		}
	}
}

/* by_size's slot for a leaf of size bytes. */
static int
size_slot(uint64_t size)
{
	return size == PAGE_SIZE ? 0 : size == SV39_NAPOT_SIZE ? 1 : size == SV39_MEGA_SIZE ? 2 : 3;
}

/*
 * Probe offset k of n in a leaf of size bytes: random, except in a 64 KiB
 * group, where probe k lands in page k, so that every member is probed.
 */
static uint64_t
probe_offset(uint64_t size, int k)
{
	if (size == SV39_NAPOT_SIZE)
		return (uint64_t)k * PAGE_SIZE + ALIGN_DOWN(rnd() % PAGE_SIZE, 8);
	return ALIGN_DOWN(rnd() % size, 8);
}

static void
probe_all(struct sv39_space *s, struct md_stats *st)
{
	for (int i = 0; i < nmaps; i++) {
		int n = maps[i].size == PAGE_SIZE ? 2 : maps[i].size == SV39_MEGA_SIZE ? 4 : 16;

		for (int k = 0; k < n; k++) {
			st->by_size[size_slot(maps[i].size)]++;
			probe_addr(s, st, maps[i].va + probe_offset(maps[i].size, k));
		}
	}
	for (int i = 0; i < NHOLES;) {
		uint64_t va = ALIGN_DOWN(rnd() % SV39_LOW_END, 8);

		if (sv39_translate(s, va, NULL, NULL, NULL) != SV39_ENOENT)
			continue;
		probe_addr(s, st, va);
		i++;
	}
}

/*
 * The frames probes land in: a 1 GiB block if one is free (*giga, else 0),
 * NMEGA_BLOCKS 2 MiB blocks, NSMALL_FRAMES pages and the U-mode stub page,
 * each word filled with its pattern.
 */
static void
frames_alloc(uint64_t *giga, uint64_t mega[], uint64_t small[], uint64_t *stub)
{
	uint64_t t0;

	*giga = kalloc_contig(SV39_GIGA_SIZE, SV39_GIGA_SIZE);
	for (int i = 0; i < NMEGA_BLOCKS; i++)
		if (!(mega[i] = kalloc_contig(SV39_MEGA_SIZE, SV39_MEGA_SIZE)))
			panic("mmudiff: no free 2 MiB block");
	for (int i = 0; i < NSMALL_FRAMES; i++)
		if (!(small[i] = kalloc()))
			panic("mmudiff: out of pages");
	*stub = kalloc();
	if (!*stub)
		panic("mmudiff: out of pages");
	t0 = rdtime();
	if (*giga)
		fill(*giga, SV39_GIGA_SIZE);
	for (int i = 0; i < NMEGA_BLOCKS; i++)
		fill(mega[i], SV39_MEGA_SIZE);
	for (int i = 0; i < NSMALL_FRAMES; i++)
		fill(small[i], PAGE_SIZE);
	memcpy(pa_to_kva(*stub), uprobe_code, (size_t)(uprobe_code_end - uprobe_code));
	fence_i();
	kprintf("mmudiff: frames filled in %lu ms (%s1 GiB block)\n",
		(rdtime() - t0) * 1000 / timebase_hz(), *giga ? "" : "no ");
}

static void
frames_free(uint64_t giga, const uint64_t mega[], const uint64_t small[], uint64_t stub)
{
	if (giga)
		kfree_contig(giga, SV39_GIGA_SIZE);
	for (int i = 0; i < NMEGA_BLOCKS; i++)
		kfree_contig(mega[i], SV39_MEGA_SIZE);
	for (int i = 0; i < NSMALL_FRAMES; i++)
		kfree(small[i]);
	kfree(stub);
}

/* How many 64 KiB groups map_all makes: none without Svnapot. */
static int
ngroups(void)
{
	return (md_ops.features & SV39_FEATURE_SVNAPOT) ? NGROUPS : 0;
}

/* A sv39_for_each callback: counts the 64 KiB leaves (groups). */
static int
count_group(void *arg, const struct sv39_leaf *leaf)
{
	if (leaf->size == SV39_NAPOT_SIZE)
		++*(uint64_t *)arg;
	return 0;
}

/* The random mappings of the scratch space s over the frames; 0 or 1. */
static int
map_all(struct sv39_space *s, uint64_t giga, const uint64_t mega[], const uint64_t small[])
{
	nmaps = 0;
	for (int i = 0; i < NPAGES; i++)
		if (map_random(s, PAGE_SIZE, small[rnd() % NSMALL_FRAMES]))
			return 1;
	for (int i = 0; i < NMEGAS; i++)
		if (map_random(s, SV39_MEGA_SIZE, mega[rnd() % NMEGA_BLOCKS]))
			return 1;
	/* Groups: 64 KiB aligned pieces of the 2 MiB blocks. */
	for (int i = 0; ngroups() && i < NGROUPS; i++)
		if (map_random(s, SV39_NAPOT_SIZE,
			       mega[rnd() % NMEGA_BLOCKS] +
				       rnd() % (SV39_MEGA_SIZE / SV39_NAPOT_SIZE) *
					       SV39_NAPOT_SIZE))
			return 1;
	if (giga && map_random(s, SV39_GIGA_SIZE, giga))
		return 1;
	if (sv39_check(s))
		panic("mmudiff: sv39_check failed on the scratch space");
	kprintf("mmudiff: %d mappings (%d x 4K, %d x 64K, %d x 2M, %d x 1G), %lu table pages\n",
		nmaps, NPAGES, ngroups(), NMEGAS, giga ? 1 : 0, md_ctx.tables);
	return 0;
}

int
ktest_mmudiff(void)
{
	static struct sv39_space s;
	uint64_t small[NSMALL_FRAMES], mega[NMEGA_BLOCKS], giga, stub;
	uint64_t free_before = kalloc_nfree(), kvm_before = kvm_table_pages(), t0;
	struct md_stats st = { 0 };
	int err;

	uint64_t groups = 0;

	md_ops.features = pt_features;
	frames_alloc(&giga, mega, small, &stub);
	err = sv39_space_init(&s, &md_ops, &md_ctx);
	if (!err)
		err = sv39_share(&s, &kvm_space, SV39_HIGH_BASE, 0 - SV39_HIGH_BASE);
	if (!err)
		err = sv39_map(&s, UPROBE_VA, stub, PAGE_SIZE, SV39_PTE_R | SV39_PTE_X | SV39_PTE_U,
			       0);
	if (err)
		panic("mmudiff: scratch space: %s", sv39_strerror(err));
	if (map_all(&s, giga, mega, small))
		return 1;

	/* Run on the scratch space; interrupts off so ticks do not count. */
	intr_off();
	csr_write(satp, sv39_satp(&s));
	sfence_vma_all();
	md_live = 1;
	t0 = rdtime();
	probe_all(&s, &st);
	md_live = 0;
	csr_write(satp, kvm_satp);
	sfence_vma_all();
	intr_on();

	kprintf("mmudiff: %lu probes (%lu addresses in 4K, %lu in 64K, %lu in 2M, %lu in 1G "
		"leaves, %d holes; x18 modes), %lu faults, %lu A/D updates by the MMU, "
		"%lu mismatches, %lu ms\n",
		st.probes, st.by_size[0], st.by_size[1], st.by_size[2], st.by_size[3], NHOLES,
		st.faults, st.ad_set, st.mismatches, (rdtime() - t0) * 1000 / timebase_hz());
	/* The groups are still groups after every probe and put-back. */
	if (sv39_for_each(&s, 0, SV39_LOW_END, count_group, &groups) ||
	    groups != (uint64_t)ngroups() || sv39_check(&s)) {
		kprintf("mmudiff: %lu 64 KiB leaves in the scratch space, want %d\n", groups,
			ngroups());
		return 1;
	}
	kprintf("mmudiff: %lu 64 KiB leaves (Svnapot %s)\n", groups, ngroups() ? "on" : "off");

	sv39_space_destroy(&s, 0);
	frames_free(giga, mega, small, stub);
	/*
	 * The global table may keep pages the share gave it for good: the
	 * split of a superpage it lent, its ledger of loans (libsv39 share).
	 */
	if (md_ctx.tables || kalloc_nfree() + (kvm_table_pages() - kvm_before) != free_before) {
		kprintf("mmudiff: leak: %lu table pages, %lu free pages (was %lu), "
			"global table %lu pages (was %lu)\n",
			md_ctx.tables, kalloc_nfree(), free_before, kvm_table_pages(), kvm_before);
		return 1;
	}
	return st.probes < 10000 || st.mismatches != 0 || st.by_size[1] != (uint64_t)ngroups() * 16;
}
