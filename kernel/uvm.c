/* SPDX-License-Identifier: MIT */
/*
 * uvm.c - a process's two page tables, built and changed with libsv39
 * only, and their ASIDs. The kernel's access to user memory is usercopy.c.
 *
 * The user table (upt) holds user memory with U, and at the top the
 * TRAMPOLINE (R+X), TRAPFRAME (R+W) and USYSCALL (R+U) pages. The kernel
 * table (kpt) borrows the global kernel half (sv39_share: one root page),
 * maps the TRAMPOLINE and the kernel stack, and mirrors upt's user
 * memory without U (sv39_clone_range). Every change to user memory is
 * made in upt first and then copied into kpt, and a page leaves kpt
 * before its frame is freed: kpt never maps a frame the process does not
 * own. If a mirror update fails, kpt maps less than upt, never more: the
 * kernel then sees a fault (copyin returns -1), never freed memory.
 *
 * TLB: a process runs on one hart at a time, and the scheduler flushes a
 * process's two ASIDs on a hart whenever it runs there after running
 * elsewhere, or the slot's previous owner ran there (proc.c: run_on_this_hart()). So
 * a change to a process's tables needs a flush on the current hart only,
 * and only while that process is the one running here (sfence.vma by
 * address drops the entries of every ASID).
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "riscv.h"
#include "uvm.h"

#define MEGA SV39_MEGA_SIZE
#define USER_RW (SV39_PTE_R | SV39_PTE_W | SV39_PTE_U)

extern char trampoline[];

/* Only the running process's spaces can be cached in this hart's TLB. */
static void
flush_if_running_here(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid)
{
	struct proc_pt_ctx *c = ctx;

	(void)asid;
	if (c->owner && c->owner == myproc())
		kvm_flush_local(va, size);
}

int use_asids; /* the harts have ASID bits for every slot's two */

/* The pt_* callbacks read the struct pt_ctx at the start of each ctx. */
_Static_assert(__builtin_offsetof(struct proc_pt_ctx, pt) == 0, "pt first");

/* features: uvm_set_features, at boot before any process space. */
static struct sv39_ops proc_pt_ops = {
	.alloc_table = pt_alloc_table,
	.free_table = pt_free_table,
	.phys_to_virt = pt_phys_to_virt,
	.flush_tlb = flush_if_running_here,
	.free_frame = pt_free_frame,
};

/*
 * Boot hart, once, before the first process space (proc_start): the
 * harts' sv39 features (pt_features, which kvm_init set) for every process
 * table, the global table's too (pagefault_set_features: fork's scratch
 * table), so that a clone or share between them keeps 64 KiB groups whole.
 */
void
uvm_set_features(void)
{
	proc_pt_ops.features = pt_features;
}

static void
uvm_flush_local_all(void)
{
	sfence_vma_all();
}

/*
 * Slot i's user table uses ASID 2i + 2, its kernel table 2i + 3; the
 * global table (the scheduler's) is ASID 0. Without enough ASID bits,
 * everything is ASID 0 and every satp write is framed by a full flush.
 */
static uint16_t
uvm_asid(const struct proc *p, int kernel)
{
	return use_asids ? (uint16_t)(2 * p->slot + 2 + kernel) : 0;
}

/*
 * Boot hart, once, before the first process: how many ASID bits the hart
 * has (write all ones to satp's ASID, read back, restore, flush), which
 * sets use_asids for every later uvm_create. Returns nothing; cannot
 * fail (too few bits means ASID 0 for all). No lock.
 */
void
uvm_asid_init(void)
{
	uint64_t old = csr_read(satp), bits;

	csr_write(satp, old | (SV39_SATP_ASID_MASK << SV39_SATP_ASID_SHIFT));
	bits = (csr_read(satp) >> SV39_SATP_ASID_SHIFT) & SV39_SATP_ASID_MASK;
	csr_write(satp, old);
	sfence_vma_all();
	use_asids = bits >= 2 * NPROC + 1;
	kprintf("proc: ASID mask %lx: %s\n", bits,
		use_asids ? "two ASIDs per process, no flush on a satp switch"
			  : "ASID 0 for all, a full flush around every satp switch");
}

/*
 * Map TRAMPOLINE, TRAPFRAME and USYSCALL of p into the user table s (the
 * frames are not s's: uvm_free_space takes them out before freeing). 0,
 * or -1 (memory ran out) with none of the three left mapped. s is not
 * yet live on any hart; no lock.
 */
int
uvm_map_top(struct sv39_space *s, struct proc *p)
{
	if (sv39_map(s, TRAMPOLINE, kimage_to_pa(trampoline), PAGE_SIZE, SV39_PTE_R | SV39_PTE_X,
		     0) ||
	    sv39_map(s, TRAPFRAME, p->tf_pa, PAGE_SIZE, SV39_PTE_R | SV39_PTE_W, 0) ||
	    sv39_map(s, USYSCALL, p->usys_pa, PAGE_SIZE, SV39_PTE_R | SV39_PTE_U, 0)) {
		sv39_unmap(s, TRAMPOLINE, 3 * PAGE_SIZE, SV39_UNMAP_HOLES);
		return -1;
	}
	return 0;
}

/*
 * Free a user table and the user memory in it. The top three pages are
 * taken out first: the trampoline is kernel text, the trapframe and the
 * USYSCALL page belong to the process, not to this table.
 */
static void
uvm_free_space(struct sv39_space *s)
{
	sv39_unmap(s, TRAMPOLINE, 3 * PAGE_SIZE, SV39_UNMAP_HOLES);
	sv39_space_destroy(s, SV39_FREE_FRAMES);
}

/*
 * User memory is given back in pieces of FREE_PIECE, a preemption point
 * between two: freeing 4 KiB leaves costs about 2-3 ticks per 256 MiB
 * under QEMU, so one sv39_unmap of a multi-GiB heap would keep the hart
 * for tens of ticks. A piece of 32 MiB is a fraction of a tick.
 */
#define FREE_PIECE (32UL << 20)

/*
 * Unmap [lo, hi) (page aligned) from s, freeing its frames, from the top
 * down in FREE_PIECE-aligned pieces; the same piece leaves mirror (if
 * not NULL, without freeing) first, so that mirror never maps a freed
 * frame, and *sz (if not NULL) drops to each piece's start. Between two
 * pieces, proc_resched_point(): the caller holds no lock and is the only
 * one to change these tables, and after each piece they agree (mirror
 * maps a part of what s maps, *sz covers what is left). Piece edges are
 * 2 MiB aligned and user memory has no 1 GiB leaf, so no unmap splits:
 * none can fail unless [lo, hi) cuts a megapage, which callers avoid.
 */
static void
uvm_unmap_in_pieces(struct sv39_space *mirror, struct sv39_space *s, uint64_t lo, uint64_t hi,
		    uint64_t *sz)
{
	while (hi > lo) {
		uint64_t piece = ALIGN_DOWN(hi - 1, FREE_PIECE);

		if (piece < lo)
			piece = lo;
		if (mirror)
			sv39_unmap(mirror, piece, hi - piece, SV39_UNMAP_HOLES);
		sv39_unmap(s, piece, hi - piece, SV39_UNMAP_FREE | SV39_UNMAP_HOLES);
		hi = piece;
		if (sz)
			*sz = hi;
		if (hi > lo)
			proc_resched_point();
	}
}

/*
 * exec's new image, built beside the live one: an empty user table with
 * the process's ASID (its ctx owns no flushes until it is committed).
 * 0, or -1 (memory ran out) with nothing to free. p is the running
 * process; no lock.
 */
int
uvm_image_init(struct uvm_image *im, struct proc *p)
{
	im->ctx = (struct proc_pt_ctx){ .owner = NULL };
	if (sv39_space_init(&im->upt, &proc_pt_ops, &im->ctx))
		return -1;
	im->upt.asid = p->upt.asid;
	return 0;
}

/*
 * Abandon an image uvm_image_init made and uvm_image_commit did not take:
 * its table, the memory mapped in it, its table pages, all freed; the
 * process keeps its old image. Never live on a hart, so nothing to
 * flush. Cannot fail.
 */
void
uvm_image_free(struct uvm_image *im)
{
	uvm_free_space(&im->upt);
}

/*
 * Make im p's user table, [0, top) its memory (stack included). The kernel
 * table's mirror follows in one clone first, or nothing changes (-1: im
 * is still the caller's to free). Then the old table and its memory are
 * freed, with preemption points between pieces of the memory (no lock
 * may be held), and this hart's TLB flushed; 0. The space moves into p
 * by copy: its ctx pointer is re-pointed at p's. p is the running process.
 */
int
uvm_image_commit(struct proc *p, struct uvm_image *im, uint64_t top)
{
	uint64_t oldsz = ALIGN_UP(p->sz, PAGE_SIZE);
	struct uvm_image old;

	if (sv39_clone_range(&p->kpt, &im->upt, 0, oldsz > top ? oldsz : top, SV39_PTE_U, 0))
		return -1;
	old.upt = p->upt;
	old.ctx = p->upt_ctx;
	old.upt.ctx = &old.ctx;
	p->upt = im->upt;
	p->upt_ctx = (struct proc_pt_ctx){ .pt = im->ctx.pt, .owner = p };
	p->upt.ctx = &p->upt_ctx;
	p->upt_satp = sv39_satp(&p->upt);
	p->sz = top;
	p->stack_guard = top - (USTACK_PAGES + 1) * PAGE_SIZE;
	p->heap_base = top;
	p->promo_va = 0;
	/* The old table is live nowhere now: its memory goes in pieces. */
	uvm_unmap_in_pieces(NULL, &old.upt, 0, oldsz, NULL);
	uvm_free_space(&old.upt);
	uvm_flush_local_all();
	return 0;
}

static void
kpt_destroy(struct proc *p)
{
	sv39_unmap(&p->kpt, PKSTACK_LO, PKSTACK_PAGES * PAGE_SIZE,
		   SV39_UNMAP_FREE | SV39_UNMAP_HOLES);
	kvm_destroy_borrower(&p->kpt); /* the mirror's frames are upt's */
}

/* The kernel table: the kernel half borrowed, the trampoline, the stack. */
static int
kpt_create(struct proc *p)
{
	int err;

	if (sv39_space_init(&p->kpt, &proc_pt_ops, &p->kpt_ctx))
		return -1;
	p->kpt.asid = uvm_asid(p, 1);
	err = kvm_lend_kernel_half(&p->kpt);
	if (!err)
		err = sv39_map(&p->kpt, TRAMPOLINE, kimage_to_pa(trampoline), PAGE_SIZE,
			       SV39_PTE_R | SV39_PTE_X, 0);
	for (int i = 0; !err && i < PKSTACK_PAGES; i++) {
		uint64_t pa = kalloc();

		if (!pa) {
			err = -1;
			break;
		}
		err = sv39_map(&p->kpt, PKSTACK_LO + (uint64_t)i * PAGE_SIZE, pa, PAGE_SIZE,
			       SV39_PTE_R | SV39_PTE_W, 0);
		if (err)
			kfree(pa);
	}
	if (err) {
		kpt_destroy(p);
		return -1;
	}
	return 0;
}

/*
 * A new process's spaces: trapframe and USYSCALL frames, an empty user
 * table with the top pages, the kernel table (the kernel half borrowed,
 * under kvm_share_lock). 0, or -1 (memory ran out) with everything
 * allocated so far freed. p is not yet runnable; no lock held.
 */
int
uvm_create(struct proc *p)
{
	p->sz = p->stack_guard = p->heap_base = p->promo_va = 0;
	p->upt_ctx = (struct proc_pt_ctx){ .owner = p };
	p->kpt_ctx = (struct proc_pt_ctx){ .owner = p };
	p->tf_pa = kalloc();
	p->usys_pa = kalloc();
	if (!p->tf_pa || !p->usys_pa)
		goto fail;
	p->tf = pa_to_kva(p->tf_pa);
	((struct usyscall *)pa_to_kva(p->usys_pa))->pid = p->pid;
	if (sv39_space_init(&p->upt, &proc_pt_ops, &p->upt_ctx))
		goto fail;
	p->upt.asid = uvm_asid(p, 0);
	if (uvm_map_top(&p->upt, p)) {
		sv39_space_destroy(&p->upt, 0);
		goto fail;
	}
	if (kpt_create(p)) {
		uvm_free_space(&p->upt);
		goto fail;
	}
	p->upt_satp = sv39_satp(&p->upt);
	p->kpt_satp = sv39_satp(&p->kpt);
	return 0;
fail:
	if (p->tf_pa)
		kfree(p->tf_pa);
	if (p->usys_pa)
		kfree(p->usys_pa);
	p->tf_pa = p->usys_pa = 0;
	return -1;
}

/*
 * exit: give back the user memory and the USYSCALL page now, while the
 * process still runs on its kernel table (the mirror goes first, piece by
 * piece, with preemption points between: no lock may be held); the
 * tables, the trapframe and the kernel stack wait for wait(). Removing
 * whole leaves splits nothing, so no unmap can fail.
 */
void
uvm_release_user(struct proc *p)
{
	uvm_unmap_in_pieces(&p->kpt, &p->upt, 0, ALIGN_UP(p->sz, PAGE_SIZE), &p->sz);
	p->sz = 0;
	if (p->usys_pa && !sv39_unmap(&p->upt, USYSCALL, PAGE_SIZE, SV39_UNMAP_FREE))
		p->usys_pa = 0;
}

/*
 * Free everything uvm_create and later calls gave p: both tables, the
 * user memory left, the kernel stack, trapframe and USYSCALL frames. p
 * runs on no hart (a ZOMBIE being reaped, or a child fork gave up on);
 * takes kvm_share_lock for the borrowed half. Cannot fail.
 */
void
uvm_destroy(struct proc *p)
{
	p->kpt_ctx.owner = p->upt_ctx.owner = NULL;
	kpt_destroy(p);
	uvm_free_space(&p->upt);
	kfree(p->tf_pa);
	if (p->usys_pa)
		kfree(p->usys_pa);
	p->tf_pa = p->usys_pa = 0;
	p->tf = NULL;
	p->sz = 0;
}

/*
 * Make kpt's mirror of [lo, hi) (page aligned) equal upt's, without U,
 * so the kernel's ucopy reaches what the user table maps. 0, or -1 when
 * memory for a table ran out, with the mirror unchanged (libsv39's calls
 * change nothing when they fail). No lock; p's tables are its own.
 */
int
uvm_sync_kernel(struct proc *p, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return 0;
	return sv39_clone_range(&p->kpt, &p->upt, lo, hi - lo, SV39_PTE_U, 0) ? -1 : 0;
}

/*
 * sbrk(n > 0): the break moves to newsz and nothing is mapped; the first
 * touch of each page maps it (uvm_fault). -1, nothing changed, for a
 * break past UVM_TOP or when the pages asked for alone outnumber the
 * free pages (a bound on absurd requests, not a reservation).
 */
int
uvm_grow(struct proc *p, uint64_t newsz)
{
	uint64_t a = ALIGN_UP(p->sz, PAGE_SIZE), b = ALIGN_UP(newsz, PAGE_SIZE);

	if (newsz < p->sz || newsz > UVM_TOP)
		return -1;
	if (b > a && (b - a) / PAGE_SIZE > kalloc_nfree())
		return -1;
	p->sz = newsz;
	return 0;
}

/*
 * sbrk(n < 0): give back the pages above newsz. They leave the kernel's
 * mirror first; a megapage cut by newsz is split (by sv39_unmap) and
 * keeps the rest of its data. Frames are freed by the user table's unmap.
 *
 * A cut megapage needs a new table page in each table. If the mirror's
 * split worked and the user table's did not (memory ran out in between),
 * the mirror is cloned back from the untouched user table over the whole
 * 2 MiB regions concerned: sv39_clone_range puts the megapage back in
 * place of the split table and frees that table, and it allocates
 * nothing, since both tables had the same shape before. So a failure
 * changes nothing, not even the count of page-table pages.
 *
 * Only the 2 MiB region newsz falls in can need a split, so it goes
 * first, alone; the rest, whole regions, goes from the top down in
 * pieces with preemption points between (no lock may be held), p->sz
 * following, and cannot fail.
 */
int
uvm_shrink(struct proc *p, uint64_t newsz)
{
	uint64_t a = ALIGN_UP(newsz, PAGE_SIZE), b = ALIGN_UP(p->sz, PAGE_SIZE);
	uint64_t cut_end = ALIGN_UP(a, MEGA) < b ? ALIGN_UP(a, MEGA) : b;

	if (newsz > p->sz || newsz < p->heap_base)
		return -1;
	if (a < cut_end) {
		if (sv39_unmap(&p->kpt, a, cut_end - a, SV39_UNMAP_HOLES))
			return -1;
		if (sv39_unmap(&p->upt, a, cut_end - a, SV39_UNMAP_FREE | SV39_UNMAP_HOLES)) {
			/* Allocates nothing (see above), so it cannot fail. */
			uvm_sync_kernel(p, ALIGN_DOWN(a, MEGA), cut_end);
			return -1;
		}
	}
	uvm_unmap_in_pieces(&p->kpt, &p->upt, cut_end, b, &p->sz);
	p->sz = newsz;
	p->promo_va = 0; /* the region being counted may have lost pages */
	return 0;
}

/*
 * Is [va, va + len) inside the process's memory: no wrap, above page 0,
 * below sz, not touching the stack guard? (len > 0.) Pages missing
 * inside that (a gap between ELF segments) are left to ucopy's fault
 * handling.
 */
int
uvm_range_ok(struct proc *p, uint64_t va, uint64_t len)
{
	uint64_t end = va + len;

	if (end < va || va < UTEXT_MIN || end > p->sz)
		return 0;
	if (p->stack_guard && va < p->stack_guard + PAGE_SIZE && end > p->stack_guard)
		return 0;
	return 1;
}

/*
 * The layout docs/kernel.md promises, checked on pid 1's tables once per
 * boot (proc.c's forkret); with vmprint, the user table in that format.
 */
void
uvm_report_layout(struct proc *p, int vmprint)
{
	kprintf("proc: pid 1 runs %s: page-table pages: user table %lu, kernel "
		"table %lu (global table %lu)\n",
		p->name, p->upt_ctx.pt.tables, p->kpt_ctx.pt.tables, kvm_table_pages());
	if (sv39_translate(&p->kpt, PKSTACK_GUARD, NULL, NULL, NULL) != SV39_ENOENT ||
	    sv39_translate(&p->kpt, PKSTACK_LO, NULL, NULL, NULL) ||
	    sv39_translate(&p->upt, PKSTACK_LO, NULL, NULL, NULL) != SV39_ENOENT ||
	    sv39_translate(&p->upt, SV39_HIGH_BASE, NULL, NULL, NULL) != SV39_ENOENT ||
	    sv39_translate(&p->upt, p->stack_guard, NULL, NULL, NULL) != SV39_ENOENT ||
	    sv39_translate(&p->upt, 0, NULL, NULL, NULL) != SV39_ENOENT)
		panic("proc: pid 1's tables do not have the documented layout");
	kprintf("proc: kernel stack %lx..%lx, guard page %lx unmapped; the user "
		"table has no kernel half\n",
		(uint64_t)PKSTACK_LO, (uint64_t)PKSTACK_HI, (uint64_t)PKSTACK_GUARD);
	if (vmprint)
		sv39_dump(&p->upt, SV39_DUMP_VMPRINT, kputs_line, NULL);
}
