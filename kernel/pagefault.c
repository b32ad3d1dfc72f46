/* SPDX-License-Identifier: MIT */
/*
 * pagefault.c - copy-on-write fork, lazy heap pages, and the page faults
 * that make both work, all through libsv39 calls (docs/kernel.md, "Page
 * faults").
 *
 * fork shares every user frame with the child. Writable leaves of the
 * parent lose W and gain SV39_PTE_RSW_EMBEDDER ("shared, writable once
 * it is yours": sv39_protect), the child's user table becomes a copy of
 * the parent's leaves (sv39_clone_range) and each frame gains a holder
 * (kalloc.c's counts). A store to a marked page then faults, and
 * uvm_fault either takes the frame back (no other holder: sv39_protect
 * sets W, clears the mark) or copies the page and maps the copy over the
 * shared one (sv39_map with SV39_MAP_REPLACE), letting go of the old.
 *
 * sbrk maps nothing; the first touch of a heap page maps a zeroed one
 * (with Svnapot, its whole 64 KiB block as one group when the block is
 * heap and untouched). A 2 MiB-aligned heap region whose 512 pages have
 * all been touched becomes one megapage (promote_region). A group is one
 * leaf to everything here: shared, taken back and freed whole, or split
 * in place by the library when one page of it changes.
 *
 * The kernel table's mirror is upt without U, so a shared page is read
 * only there too, and the kernel's own stores (copyout) fault like the
 * user's: the mirror never lets the kernel write a shared frame. When a
 * page changes, the mirror lets go of the old frame before the user
 * table does, and is re-cloned after: it may map less than upt (a fault
 * then re-clones it), never a frame the process no longer holds.
 *
 * TLB: only the faulting process's tables change, and that process runs
 * here; the library's flush_tlb (uvm.c) fences this hart, and run_on_this_hart()
 * (proc.c) flushes the process's ASIDs on any hart it moves to. So no
 * other hart can use the old read-only entry by the time the old frame
 * is reused, and no remote fence is needed.
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "riscv.h"

#define MEGA SV39_MEGA_SIZE
#define NAPOT SV39_NAPOT_SIZE
#define PAGES_PER_MEGA (MEGA / PAGE_SIZE)
#define SHARED SV39_PTE_RSW_EMBEDDER
#define USER_RW (SV39_PTE_R | SV39_PTE_W | SV39_PTE_U)

/* A scratch space is live on no hart: its ops flush nothing. */
static struct sv39_ops scratch_ops = {
	/* features: pagefault_set_features */
	.alloc_table = pt_alloc_table,
	.free_table = pt_free_table,
	.phys_to_virt = pt_phys_to_virt,
	.free_frame = pt_free_frame,
};

/* Boot hart, once, before the first process (proc_start): pt_features. */
void
pagefault_set_features(void)
{
	scratch_ops.features = pt_features;
}

/*
 * A zeroed frame for user memory: 64 KiB (*size = SV39_NAPOT_SIZE, for
 * one Svnapot group) when group is set, the harts have Svnapot and a
 * 64 KiB block is free; else one 4 KiB page (*size = PAGE_SIZE), so that
 * a fragmented memory costs a group nothing but its TLB entry. 0 when
 * memory ran out. Takes kalloc_lock only.
 */
uint64_t
uvm_user_frame(int group, uint64_t *size)
{
	uint64_t pa;

	if (group && pt_map_64k() && (pa = kalloc_contig(NAPOT, NAPOT)) != 0) {
		memset(pa_to_kva(pa), 0, NAPOT);
		*size = NAPOT;
		return pa;
	}
	*size = PAGE_SIZE;
	return kalloc();
}

/*
 * One pass of fork's walk over the parent: every leaf at or after from
 * gains a holder (the child's, counted before the child maps it) until
 * the first run of whole writable leaves ends; the run is [lo, hi).
 */
struct share_pass {
	uint64_t from, lo, hi;
};

static int
share_pass_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct share_pass *r = arg;
	int writable = (leaf->pte & SV39_PTE_W) != 0;

	if (leaf->va < r->from)
		return 0; /* an earlier pass counted it */
	if (r->hi && !(writable && leaf->va == r->hi))
		return 1; /* the run ends before this leaf: the next pass starts here */
	frame_share(leaf->pa, leaf->size);
	if (r->hi) {
		r->hi += leaf->size;
	} else if (writable) {
		r->lo = leaf->va;
		r->hi = leaf->va + leaf->size;
	}
	return 0;
}

/*
 * Give every leaf frame of p's user memory in [lo, hi) one more holder,
 * and make every writable leaf there read-only and marked shared, in
 * both tables: one walk, stopped at the end of each writable run to
 * protect it. The runs protected are whole leaves, so protect splits
 * nothing and cannot fail. If the mirror cannot follow (it is behind upt
 * and needs a table), the mirror of [lo, hi) goes, which never needs
 * one (lo and hi are 2 MiB aligned or the end of user memory: no leaf is
 * cut): kpt may map less than upt, never a writable shared page.
 */
static void
share_frames_and_protect(struct proc *p, uint64_t lo, uint64_t hi)
{
	struct share_pass r = { lo, 0, 0 };

	for (;;) {
		r.lo = r.hi = 0;
		sv39_for_each(&p->upt, r.from, hi - r.from, share_pass_leaf, &r);
		if (!r.hi)
			return;
		sv39_protect(&p->upt, r.lo, r.hi - r.lo, SHARED, SV39_PTE_W);
		if (uvm_sync_kernel(p, r.lo, r.hi))
			sv39_unmap(&p->kpt, lo, hi - lo, SV39_UNMAP_HOLES);
		if (r.hi >= hi)
			return;
		r.from = r.hi;
	}
}

/* A failed fork: the holders counted for the child go again. */
static int
unshare_leaf_frame(void *arg, const struct sv39_leaf *leaf)
{
	(void)arg;
	frame_put(leaf->pa, leaf->size);
	return 0;
}

struct eager_copy {
	struct sv39_space *dst;
};

/*
 * Copy one leaf of the parent into fresh private frames: a megapage into
 * a 2 MiB frame, a 64 KiB group into a 64 KiB frame (a group again), when
 * one is free, else page by page. A marked leaf is
 * the parent's to write, so the copy gets W back and no mark.
 */
static int
copy_leaf_eagerly(void *arg, const struct sv39_leaf *leaf)
{
	struct eager_copy *c = arg;
	uint64_t perm = leaf->pte & (SV39_PTE_R | SV39_PTE_W | SV39_PTE_X | SV39_PTE_U), pa;

	if (leaf->pte & SHARED)
		perm |= SV39_PTE_W;
	proc_resched_point(); /* no lock held; only this process changes the table walked */
	if ((leaf->size == MEGA || leaf->size == NAPOT) &&
	    (pa = kalloc_contig(leaf->size, leaf->size)) != 0) {
		memcpy(pa_to_kva(pa), pa_to_kva(leaf->pa), leaf->size);
		if (sv39_map(c->dst, leaf->va, pa, leaf->size, perm,
			     leaf->size == MEGA ? SV39_MAP_HUGE : SV39_MAP_64K)) {
			kfree_contig(pa, leaf->size);
			return -1;
		}
		return 0;
	}
	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE) {
		if (!(pa = kalloc()))
			return -1;
		memcpy(pa_to_kva(pa), pa_to_kva(leaf->pa + off), PAGE_SIZE);
		if (sv39_map(c->dst, leaf->va + off, pa, PAGE_SIZE, perm, 0)) {
			kfree(pa);
			return -1;
		}
	}
	return 0;
}

/*
 * fork as it was before copy-on-write: every mapped page copied into the
 * child at once (pages never touched stay lazy in both). Only a process
 * that asked for it with copybench mode 8 forks so: the benchmark's
 * reference, measured in the same run as copy-on-write.
 */
static int
uvm_copy_eager(struct proc *from, struct proc *to, uint64_t top)
{
	struct eager_copy c = { &to->upt };

	if (sv39_for_each(&from->upt, 0, top, copy_leaf_eagerly, &c))
		return -1;
	return uvm_sync_kernel(to, 0, top);
}

/*
 * fork's sharing goes in pieces of FORK_PIECE, a preemption point between
 * two: counting a holder for each of the 786,432 4 KiB leaves of a 3 GiB
 * heap, then cloning them into the child, kept a hart for tens of ticks
 * under QEMU. A piece of 32 MiB is a fraction of a tick, and a process
 * below 32 MiB is one piece: the calls it always made, and one branch.
 */
#define FORK_PIECE (32UL << 20)

/*
 * One piece [lo, hi) of fork: from's leaves there gain the child's
 * holders and lose W, to's user table gets them, then to's mirror. 0, or
 * -1 when memory for a table ran out: if the clone failed, nothing of the
 * piece is to's (the clone is all or nothing) and the holders counted for
 * it go again; if the mirror failed, the piece is to's and goes with to.
 */
static int
share_piece_with_child(struct proc *from, struct proc *to, uint64_t lo, uint64_t hi)
{
	share_frames_and_protect(from, lo, hi);
	if (sv39_clone_range(&to->upt, &from->upt, lo, hi - lo, 0, 0)) {
		sv39_for_each(&from->upt, lo, hi - lo, unshare_leaf_frame, NULL);
		return -1;
	}
	return uvm_sync_kernel(to, lo, hi);
}

/*
 * fork: to (made by uvm_create) gets from's user memory by sharing, not
 * copying: from's writable pages become read-only and marked, to's user
 * table maps the same frames with the same bits, every frame gains a
 * holder (counted in the same walk of from as the marking: to's table,
 * once cloned, holds exactly those leaves), and to's kernel table
 * mirrors it. Allocates only to's table pages. On failure (-1) the
 * caller destroys to, which lets go of whatever it holds; from stays
 * marked, which costs it one fault per page it writes (a take-back, no
 * copy).
 *
 * Piece by piece from the bottom, with proc_resched_point() between two
 * (the caller holds no lock). At each yield the tables agree: from's
 * pieces done so far are marked in both its tables and their frames have
 * exactly to's holders, which to's user table maps; the rest is as before
 * fork. Nothing else changes them meanwhile: only from itself changes its
 * tables (it is here, in fork), a sibling's fault on a frame it shares
 * with from only moves its own holder, and to is not runnable (no one
 * runs on its tables; a kill() of it only marks it). A kill of from in
 * mid-fork also only marks it: the fork runs to its end, and from ends
 * at its return to user mode (the child, made runnable, goes to init).
 * A failure part way leaves the holders of the pieces cloned in to's
 * table, which the caller's destroy of to gives back.
 */
int
uvm_copy(struct proc *from, struct proc *to)
{
	uint64_t top = ALIGN_UP(from->sz, PAGE_SIZE);

	to->sz = from->sz;
	to->stack_guard = from->stack_guard;
	to->heap_base = from->heap_base;
	if (!top)
		return 0;
	if (from->fork_eager)
		return uvm_copy_eager(from, to, top);
	for (uint64_t lo = 0; lo < top; lo += FORK_PIECE) {
		uint64_t hi = top - lo > FORK_PIECE ? lo + FORK_PIECE : top;

		if (lo)
			proc_resched_point(); /* no lock held, no table half changed */
		if (share_piece_with_child(from, to, lo, hi))
			return -1;
	}
	return 0;
}

/*
 * The mirror of the leaf at [va, va + size) again. -1 when it needs a
 * table and none is left: the fault then fails like any other out of
 * memory, so a live process's mirror always has upt's shape, and fork's
 * re-clone of it (share_frames_and_protect) never allocates.
 */
static int
resync_mirror(struct proc *p, uint64_t va, uint64_t size)
{
	return uvm_sync_kernel(p, ALIGN_DOWN(va, size), ALIGN_DOWN(va, size) + size);
}

/*
 * A write to the shared page at va (page aligned), whose leaf maps
 * [base, base + size) at leaf_pa with flags: take the frame back when no
 * one else holds it (the whole leaf at once when no page of it is
 * shared, so a megapage stays one), or copy the page. 0 or -1.
 */
static int
cow_fault(struct proc *p, uint64_t va, uint64_t leaf_pa, uint64_t size, uint64_t flags)
{
	uint64_t base = ALIGN_DOWN(va, size), pa = leaf_pa + (va - base), npa;
	uint64_t perm = (flags & (SV39_PTE_R | SV39_PTE_X | SV39_PTE_U)) | SV39_PTE_W;
	int err;

	if (!frame_shared(leaf_pa, size) || !frame_shared(pa, PAGE_SIZE)) {
		if (frame_shared(leaf_pa, size))
			base = va, size = PAGE_SIZE; /* only this page is ours alone */
		if (sv39_protect(&p->upt, base, size, SV39_PTE_W, SHARED))
			return -1;
		return resync_mirror(p, base, size);
	}
	npa = kalloc();
	if (!npa)
		return -1;
	memcpy(pa_to_kva(npa), pa_to_kva(pa), PAGE_SIZE);
	/* The mirror lets go of the old frame first (it may split a megapage). */
	if (sv39_unmap(&p->kpt, va, PAGE_SIZE, SV39_UNMAP_HOLES) ||
	    sv39_map(&p->upt, va, npa, PAGE_SIZE, perm, SV39_MAP_REPLACE)) {
		kfree(npa);
		return -1;
	}
	err = uvm_sync_kernel(p, va, va + PAGE_SIZE);
	frame_put(pa, PAGE_SIZE); /* after both tables' flushes: no entry reaches it */
	return err;
}

/* A leaf promote_region can gather: private, writable, 4 KiB or a 64 KiB group. */
static int
gatherable(const struct sv39_leaf *leaf)
{
	return (leaf->size == PAGE_SIZE || leaf->size == NAPOT) && (leaf->pte & SV39_PTE_W);
}

/* Count the 4 KiB pages of a region in gatherable leaves. */
static int
count_private(void *arg, const struct sv39_leaf *leaf)
{
	if (gatherable(leaf))
		*(uint64_t *)arg += leaf->size / PAGE_SIZE;
	return 0;
}

struct gather {
	uint8_t *big;	 /* the megapage's frame, through the direct map */
	uint64_t *old;	 /* the old frames' addresses, one page of them */
	uint64_t region; /* va of the region */
	uint64_t n;
};

/*
 * Copy one gatherable leaf of the region (4 KiB, or a 64 KiB group) into
 * the megapage, note its frame's 4 KiB pages (each is let go of on its
 * own: kalloc frees the pieces of a 64 KiB block one by one).
 */
static int
gather_page(void *arg, const struct sv39_leaf *leaf)
{
	struct gather *g = arg;

	if (!gatherable(leaf) || g->n + leaf->size / PAGE_SIZE > PAGES_PER_MEGA)
		return 1;
	memcpy(g->big + (leaf->va - g->region), pa_to_kva(leaf->pa), leaf->size);
	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE)
		g->old[g->n++] = leaf->pa + off;
	return 0;
}

/*
 * The heap region [r, r + 2 MiB) is mapped whole with private 4 KiB
 * pages and 64 KiB groups: copy them into one 2 MiB frame and put a megapage in place of
 * the level-0 table. sv39_map never replaces a table by a superpage, and
 * sv39_clone_range does, so the megapage is made in a scratch space and
 * cloned in. Best effort: when memory is short nothing changes.
 */
static void
promote_region(struct proc *p, uint64_t r)
{
	struct pt_ctx ctx = { .tables = 0 };
	struct sv39_space tmp;
	struct gather g = { .region = r };
	uint64_t big = kalloc_contig(MEGA, MEGA), list = kalloc();

	if (!big || !list)
		goto out;
	g.big = pa_to_kva(big);
	g.old = pa_to_kva(list);
	if (sv39_for_each(&p->upt, r, MEGA, gather_page, &g) || g.n != PAGES_PER_MEGA)
		goto out;
	if (sv39_space_init(&tmp, &scratch_ops, &ctx))
		goto out;
	if (sv39_map(&tmp, r, big, MEGA, USER_RW, SV39_MAP_HUGE) ||
	    sv39_clone_range(&p->upt, &tmp, r, MEGA, 0, 0)) {
		sv39_space_destroy(&tmp, 0);
		goto out;
	}
	sv39_space_destroy(&tmp, 0);
	big = 0; /* upt's now */
	if (uvm_sync_kernel(p, r, r + MEGA))
		sv39_unmap(&p->kpt, r, MEGA, SV39_UNMAP_HOLES); /* whole leaves: cannot fail */
	for (uint64_t i = 0; i < g.n; i++)
		frame_put(g.old[i], PAGE_SIZE);
out:
	if (big)
		kfree_contig(big, MEGA);
	if (list)
		kfree(list);
}

/*
 * A lazy leaf of size bytes was just mapped at va: count the private
 * pages of its 2 MiB region (counted once when the faults move to a new
 * region, then the leaf's pages per fault) and promote the region once
 * all 512 are there.
 */
static void
note_heap_page(struct proc *p, uint64_t va, uint64_t size)
{
	uint64_t r = ALIGN_DOWN(va, MEGA);

	if (r < p->heap_base || r + MEGA > p->sz)
		return; /* not a whole region of heap */
	if (p->promo_va != r + 1) {
		p->promo_va = r + 1; /* + 1: region 0 is never heap, 0 means none */
		p->promo_n = 0;
		sv39_for_each(&p->upt, r, MEGA, count_private, &p->promo_n);
	} else {
		p->promo_n += size / PAGE_SIZE;
	}
	if (p->promo_n == PAGES_PER_MEGA) {
		p->promo_va = 0;
		promote_region(p, r);
	}
}

static int
stop_at_leaf(void *arg, const struct sv39_leaf *leaf)
{
	(void)arg;
	(void)leaf;
	return 1;
}

/*
 * May the first touch at va map its whole 64 KiB block as a group? Only
 * when the block lies inside the heap [heap_base, sz) and no page of it
 * is mapped yet (a group never replaces pages a program already holds).
 */
static int
lazy_block_free(struct proc *p, uint64_t va)
{
	uint64_t block = ALIGN_DOWN(va, NAPOT);

	if (!pt_map_64k() || block < p->heap_base || p->sz < block + NAPOT)
		return 0;
	return sv39_for_each(&p->upt, block, NAPOT, stop_at_leaf, NULL) == 0;
}

/*
 * First touch of the heap page at va: a zeroed page, in both tables; or
 * with Svnapot, when its whole 64 KiB block is heap and untouched, a
 * zeroed 64 KiB group (4 KiB as before when no 64 KiB block is free).
 */
static int
lazy_fault(struct proc *p, uint64_t va)
{
	uint64_t size, pa = uvm_user_frame(lazy_block_free(p, va), &size);

	if (!pa)
		return -1;
	va = ALIGN_DOWN(va, size);
	if (sv39_map(&p->upt, va, pa, size, USER_RW, size == PAGE_SIZE ? 0 : SV39_MAP_64K)) {
		kfree_contig(pa, size);
		return -1;
	}
	if (uvm_sync_kernel(p, va, va + size)) {
		sv39_unmap(&p->upt, va, size, SV39_UNMAP_FREE); /* no table: out of memory */
		return -1;
	}
	/* The library flushes no new mapping; order this hart's walker after the store. */
	kvm_flush_local(va, size);
	note_heap_page(p, va, size);
	return 0;
}

/* Does a leaf with flags allow this access (scause)? */
static int
access_allowed(uint64_t flags, uint64_t cause)
{
	if (cause == EXC_STORE_PAGE_FAULT)
		return (flags & SV39_PTE_W) != 0;
	if (cause == EXC_INSN_PAGE_FAULT)
		return (flags & SV39_PTE_X) != 0;
	return (flags & SV39_PTE_R) != 0;
}

/*
 * A page fault (scause 12, 13 or 15) at va in p, from p's user code or
 * from the kernel's loads and stores through p's mirror (ucopy.S).
 * Satisfies what the VM can: a lazy heap page, a store to a shared page,
 * a mirror behind the user table or a TLB entry older than the table.
 * 0: retry the access; -1: p may not make it (or memory ran out): the
 * caller kills p, or fails the copy. Called with no lock held.
 */
int
uvm_fault(struct proc *p, uint64_t va, uint64_t cause)
{
	uint64_t page = ALIGN_DOWN(va, PAGE_SIZE), pa, flags, size;
	int err;

	if (cause != EXC_LOAD_PAGE_FAULT && cause != EXC_STORE_PAGE_FAULT &&
	    cause != EXC_INSN_PAGE_FAULT)
		return -1;
	if (!uvm_range_ok(p, va, 1))
		return -1; /* the byte, not its page: the break may cut the page */
	err = sv39_translate(&p->upt, page, &pa, &flags, &size);
	if (err == SV39_ENOENT && cause != EXC_INSN_PAGE_FAULT && page >= p->heap_base)
		return lazy_fault(p, page);
	if (err)
		return -1;
	if (cause == EXC_STORE_PAGE_FAULT && !(flags & SV39_PTE_W))
		return (flags & SHARED) ? cow_fault(p, page, pa - (page & (size - 1)), size, flags)
					: -1;
	if (!access_allowed(flags, cause))
		return -1;
	/*
	 * Allowed in upt: the mirror is behind, this hart cached an old
	 * entry, or the hardware does not set A and D itself (Svade) and
	 * pgaccess cleared A: set them, so the retry cannot fault again.
	 */
	if (!(flags & SV39_PTE_A) || (cause == EXC_STORE_PAGE_FAULT && !(flags & SV39_PTE_D)))
		sv39_protect(&p->upt, ALIGN_DOWN(page, size), size,
			     SV39_PTE_A | (cause == EXC_STORE_PAGE_FAULT ? SV39_PTE_D : 0), 0);
	if (resync_mirror(p, page, size))
		return -1;
	kvm_flush_local(page, PAGE_SIZE);
	return 0;
}
