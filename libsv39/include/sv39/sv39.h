/* SPDX-License-Identifier: MIT */
/*
 * sv39/sv39.h - libsv39, a freestanding library for RISC-V Sv39 page tables.
 *
 * The library keeps all of its state in a struct sv39_space and does every
 * hardware action through the embedder's struct sv39_ops: it never writes
 * satp, never executes sfence.vma and never turns a physical address into
 * a pointer itself. It needs nothing but <stdint.h>, <stddef.h> and
 * <stdbool.h>.
 *
 * Every call is all-or-nothing: one that fails leaves every PTE as it was
 * and has neither gained nor lost a page-table page.
 *
 * TLB rule: after a call that changed or removed a valid leaf, ops->flush_tlb
 * has been called for that range before any page-table page or frame that
 * was reachable is handed to free_table or free_frame. Newly valid mappings
 * are not flushed. See docs/api.md.
 *
 * Concurrency: the library takes no locks (one mutating call per space at a
 * time). Against other harts' page-table walkers it stores every entry
 * they may reach with one 64-bit store or atomic read-modify-write, keeps
 * every A and D the hardware sets in a leaf it updates, and links a new
 * table only once it is complete, after a release fence (fence w,w on
 * RISC-V). The contents of data frames are the embedder's to order. See
 * docs/api.md, "Concurrency and memory ordering".
 */
#ifndef SV39_SV39_H
#define SV39_SV39_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sv39/pte.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors: every fallible call returns 0 (or a count) or one of these. */
#define SV39_ENOMEM (-1) /* an ops->alloc_table call failed */
#define SV39_EALIGN (-2) /* va, pa or size not aligned to the page size asked for */
#define SV39_ERANGE (-3) /* non-canonical va, range wraps or crosses the hole, pa >= 2^56 */
#define SV39_EPERM (-4)	 /* bad permission set, or a copy lacks U/R/W */
#define SV39_EEXIST (-5) /* already mapped */
#define SV39_ENOENT (-6) /* not mapped */
#define SV39_EBUSY (-7)	 /* a subtree borrowed with sv39_share; a destroy finding leaves */
#define SV39_EINVAL (-8) /* anything else malformed */
#define SV39_ERRNO_MAX 8

/* struct sv39_ops features: what the harts that use the space implement */
#define SV39_FEATURE_SVNAPOT (1u << 0) /* Svnapot: 64 KiB NAPOT groups of leaves */

/* sv39_walk flags */
#define SV39_WALK_ALLOC (1u << 0) /* create missing tables down to level 0 */

/* sv39_map flags */
#define SV39_MAP_HUGE (1u << 0)	   /* use 1 GiB / 2 MiB leaves where alignment allows */
#define SV39_MAP_NO_AD (1u << 1)   /* do not preset A (and D for writable) */
#define SV39_MAP_REPLACE (1u << 2) /* overwrite existing leaves; never frees old frames */
#define SV39_MAP_64K (1u << 3)	   /* use 64 KiB Svnapot groups where alignment allows */

/* sv39_unmap flags */
#define SV39_UNMAP_FREE (1u << 0)  /* hand each removed leaf's frame to free_frame */
#define SV39_UNMAP_HOLES (1u << 1) /* unmapped pages in the range are not an error */

/* sv39_space_destroy flags */
#define SV39_FREE_FRAMES (1u << 0)	/* also free every owned leaf frame */
#define SV39_DESTROY_IF_EMPTY (1u << 1) /* refuse (SV39_EBUSY) while an owned leaf remains */

/* sv39_dump styles */
#define SV39_DUMP_VMPRINT 0 /* the page-table lab's vmprint format */
#define SV39_DUMP_RANGES 1  /* coalesced ranges, like Linux's ptdump */

/**
 * struct sv39_ops - what the embedding kernel provides.
 * Every callback gets the ctx given to sv39_space_init first, so two spaces
 * with two allocators can coexist.
 *
 * @alloc_table: required. Store the physical address of one zeroed, 4 KiB
 *	aligned page in *pa and return 0, or return a negative value when out
 *	of memory. The page belongs to the space until free_table. The zeroing
 *	must be visible to the calling hart when this returns (done on it, or
 *	published to it, e.g. by the allocator's lock): the library's fence
 *	before the link then orders it for every other hart's walker.
 * @free_table: required. Take back a page that alloc_table gave out.
 * @phys_to_virt: may be NULL. Where the library may read and write the page
 *	at physical address pa (a table page, or a frame in the copy helpers).
 *	NULL selects the direct-map fast path: the page at pa is reached at
 *	(void *)(pa + @phys_offset), with no call at all. A phys_to_virt must
 *	give the same address for a table page as long as it is one: a new
 *	space learns phys_to_virt(root) - root, checks each page it takes
 *	later, and sv39_translate adds that offset instead of calling while
 *	every table the space reaches is there (not in a space that borrowed,
 *	nor one made by sv39_space_init_from_root).
 * @flush_tlb: may be NULL (no TLB to flush, e.g. a space not yet live).
 *	Invalidate cached translations of [va, va + size) for asid; size == 0
 *	means the whole address space. Also drops cached non-leaf entries.
 *	Must be complete on every hart that may use the space when it returns
 *	(pages are freed right after).
 * @free_frame: may be NULL unless SV39_UNMAP_FREE or SV39_FREE_FRAMES is
 *	used. Take back the leaf frame at pa of size bytes (4 KiB, 64 KiB for
 *	a Svnapot group, 2 MiB or 1 GiB); called once per leaf.
 * @phys_offset: used only when @phys_to_virt is NULL: the kernel-virtual
 *	address of physical address 0 (a direct map's offset, 0 for an
 *	identity map); arithmetic is modulo 2^64, so a direct map above the
 *	tables' physical addresses works.
 * @features: 0, or SV39_FEATURE_SVNAPOT when every hart that may use a
 *	space of these ops implements Svnapot. Only then do map and the
 *	calls after it write N and read a NAPOT group (16 naturally aligned
 *	level-0 leaves with N set and PPN[3:0] = 0b1000, all alike) as one
 *	64 KiB leaf; without it N is malformed. A member of the ops rather
 *	than a flag of sv39_space_init: it describes the harts, as the other
 *	members do, and a struct rebuilt with sv39_space_init_from_root gets
 *	it with the ops, so no call can read groups with it and others
 *	without. Keep it unchanged while a space of these ops has groups.
 */
struct sv39_ops {
	int (*alloc_table)(void *ctx, sv39_pa_t *pa);
	void (*free_table)(void *ctx, sv39_pa_t pa);
	void *(*phys_to_virt)(void *ctx, sv39_pa_t pa);
	void (*flush_tlb)(void *ctx, sv39_va_t va, uint64_t size, uint16_t asid);
	void (*free_frame)(void *ctx, sv39_pa_t pa, uint64_t size);
	uint64_t phys_offset;
	unsigned features;
};

/**
 * struct sv39_space - one Sv39 address space (one root table).
 * @root: physical address of the root table.
 * @asid: address-space identifier for satp and flush_tlb; 0 after init,
 *	the embedder may set it.
 * @ops: the embedder's hardware operations.
 * @ctx: passed first to every ops callback.
 * @lent: bit i set when root slot i holds page-table pages lent to another
 *	space with sv39_share; the library never frees a table page there
 *	while the space lives. The root's own entry of such a slot carries
 *	RSW bit 8 too, from which sv39_space_init_from_root rebuilds @lent.
 *	Internal: do not write.
 * @p2v: @ops->phys_to_virt, @p2v_offset: @ops->phys_offset, copied at init
 *	so that a table look-up needs no load through @ops. With a
 *	phys_to_virt, @p2v_offset is what it returned for the root minus the
 *	root's address. Internal.
 * @linear_root: where the root table is, as long as every table page the
 *	space reaches is at its physical address + @p2v_offset (always with a
 *	NULL phys_to_virt; with one, as long as each page the library took
 *	for the space was found there and the space borrowed nothing); else
 *	0. sv39_translate then adds the offset instead of calling
 *	phys_to_virt. Internal.
 * @gen: counts the calls that changed the tree (and destroy), so that
 *	sv39_for_each notices a callback that changed the space it walks.
 *	Internal: do not write.
 * @loans: physical address of the space's ledger of loans (the spaces it
 *	lent to or borrowed from with sv39_share, by address), 0 when none,
 *	odd in a struct made by sv39_space_init_from_root (not known there;
 *	@lent is read from the root by the first call that changes the tree).
 *	Internal: do not write. A space with loans must not move in memory.
 *
 * A space that takes no part in a share is plain data: nothing the library
 * keeps (table pages, ops, ctx) points back at the struct, and no call
 * keeps a pointer to it once it returns. So between calls such a space may
 * be copied or moved (assignment, memcpy) and used at its new address. The
 * copy *is* the space, not a second one: after a copy use only one of the
 * two (both would free the same tables). A space with loans (@loans != 0:
 * it lent to or borrowed from another with sv39_share) is named by address
 * in its peers' ledgers and must stay where it is until it is destroyed.
 */
struct sv39_space {
	sv39_pa_t root;
	uint16_t asid;
	const struct sv39_ops *ops;
	void *ctx;
	void *(*p2v)(void *ctx, sv39_pa_t pa);
	uint64_t p2v_offset;
	uintptr_t linear_root;
	uint64_t lent[SV39_PTES_PER_TABLE / 64];
	uint64_t gen;
	sv39_pa_t loans;
};

/**
 * struct sv39_leaf - one leaf mapping, as sv39_for_each reports it.
 * @va: first virtual address the leaf maps (aligned to @size).
 * @pa: physical address it maps to.
 * @size: SV39_PAGE_SIZE, SV39_NAPOT_SIZE (a 64 KiB group), SV39_MEGA_SIZE
 *	or SV39_GIGA_SIZE.
 * @pte: the raw leaf PTE; for a group, its first member's with the OR of
 *	every member's A and D.
 * @level: 0, 1 or 2 (the table level holding the leaf).
 */
struct sv39_leaf {
	sv39_va_t va;
	sv39_pa_t pa;
	uint64_t size;
	sv39_pte_t pte;
	unsigned level;
};

/**
 * sv39_space_init - make an empty address space.
 * @s: the space to fill in.
 * @ops: hardware operations; must outlive the space.
 * @ctx: passed to every ops callback.
 *
 * Allocates one root table page. The space's asid is 0.
 *
 * Return: 0, SV39_EINVAL if @s or @ops or a required member (alloc_table,
 * free_table) is NULL, SV39_ENOMEM if the root could not be allocated.
 * On failure @s is left all zero (sv39_space_is_init is false).
 */
int sv39_space_init(struct sv39_space *s, const struct sv39_ops *ops, void *ctx);

/**
 * sv39_space_init_from_root - rebuild a space around an existing root table.
 * @s: the space to fill in.
 * @ops: hardware operations; must outlive the space.
 * @ctx: passed to every ops callback.
 * @root: physical address of a root table made by a space of this library
 *	(sv39_space_init, then any calls), whose struct was not kept.
 *
 * For a kernel that stores only a root (xv6's pagetable_t): rebuild a
 * struct sv39_space on the stack around it for each call. Allocates
 * nothing; the asid is 0. What the root lent and borrowed is marked in
 * its tables, so every call works as through the original struct, but
 * two: the ledger of loans (@loans) lives where the share was made, and
 * its peers name that struct. So through a rebuilt struct sv39_share is
 * refused (SV39_EINVAL), and sv39_space_destroy of a root that ever lent,
 * or borrows now, returns SV39_EBUSY: destroy such a space through the struct
 * that shared (a borrower whose lenders are all destroyed takes part in
 * no share any more).
 *
 * Return: 0, SV39_EINVAL if @s or @ops or a required member is NULL or
 * @root is not 4 KiB aligned, SV39_ERANGE if @root is not below 2^56.
 */
int sv39_space_init_from_root(struct sv39_space *s, const struct sv39_ops *ops, void *ctx,
			      sv39_pa_t root);

/**
 * sv39_space_is_init - has this space been initialised (and not destroyed)?
 * @s: a space, which may be all zero (static or zeroed storage); may be NULL.
 *
 * Return: true after sv39_space_init or sv39_space_init_from_root succeeded
 * and before sv39_space_destroy; false for NULL, a zeroed struct, a failed
 * init and a destroyed space.
 */
bool sv39_space_is_init(const struct sv39_space *s);

/**
 * sv39_space_destroy - free every page-table page the space owns.
 * @s: the space; must not be live on any hart (no flush is done).
 * @flags: SV39_FREE_FRAMES to also hand every owned leaf frame to
 *	ops->free_frame (ignored when free_frame is NULL);
 *	SV39_DESTROY_IF_EMPTY to destroy only a space that maps nothing of
 *	its own: while any owned leaf remains (what SV39_FREE_FRAMES would
 *	free; borrowed subtrees do not count), destroy changes nothing and
 *	returns SV39_EBUSY. Without it the leaves' frames are forgotten,
 *	which leaks them unless the caller owns them some other way.
 *
 * Subtrees borrowed with sv39_share are never freed or walked into. Any
 * destroy order is safe: a borrower drops out of its lenders' ledgers; a
 * lender first takes back every entry its live borrowers have into its
 * tables (their range becomes unmapped) and flushes each such borrower
 * whole through the borrower's ops, then frees. Writes the peers' ledgers:
 * hold the lock you hold for sv39_share with them. Through a struct made
 * by sv39_space_init_from_root, a space that lent or borrows now is left
 * as it is: its peers' ledgers name the struct that shared, which must
 * destroy it.
 *
 * Return: 0 (also for a zeroed or already destroyed space: nothing to
 * free), SV39_EBUSY (SV39_DESTROY_IF_EMPTY and a leaf remains, or a struct
 * made by sv39_space_init_from_root of a space that lent or borrows now),
 * SV39_EINVAL (NULL @s, unknown flags). On error nothing changed.
 */
int sv39_space_destroy(struct sv39_space *s, unsigned flags);

/**
 * sv39_satp - the satp value that selects this space.
 * @s: the space.
 *
 * Return: MODE = Sv39, ASID = s->asid, PPN = the root table's page number.
 */
uint64_t sv39_satp(const struct sv39_space *s);

/**
 * sv39_walk - find the PTE that maps one address.
 * @s: the space.
 * @va: a canonical virtual address (need not be aligned).
 * @flags: 0, or SV39_WALK_ALLOC to create missing tables down to level 0.
 * @pte: out: the PTE.
 * @level: out (may be NULL): the level of *pte (2, 1 or 0).
 *
 * Without SV39_WALK_ALLOC, *pte is the valid leaf that maps @va; a
 * superpage is returned as it is, never split; for a page of a 64 KiB
 * group, the page's own member (level 0): a caller changing it by hand
 * must change all 16 members alike. With SV39_WALK_ALLOC, *pte is
 * the level-0 slot for @va (valid or not), tables being created on the way;
 * if a superpage already covers @va, that leaf is returned instead. The
 * caller may store a leaf in a returned slot (a newly valid leaf needs no
 * flush; changing a valid one is the caller's to flush) with one 64-bit
 * store, or an atomic read-modify-write if the leaf is valid and the
 * hardware may set its A or D. New tables are linked after a release fence.
 *
 * Through a borrowed entry, SV39_WALK_ALLOC that finds a valid leaf creates
 * nothing and returns it; one that would have to create a table or return
 * an empty slot inside the lender's tables fails with SV39_EBUSY.
 *
 * Return: 0, SV39_ERANGE for a non-canonical @va, SV39_ENOENT when nothing
 * maps @va (without SV39_WALK_ALLOC), SV39_EBUSY (see above), SV39_ENOMEM
 * (nothing was created), SV39_EINVAL for a NULL @s or @pte, unknown flags,
 * or a malformed pointer entry on the way.
 */
int sv39_walk(struct sv39_space *s, sv39_va_t va, unsigned flags, sv39_pte_t **pte,
	      unsigned *level);

/**
 * sv39_map - map a virtual range to a physical range.
 * @s: the space.
 * @va: first virtual address, 4 KiB aligned.
 * @pa: first physical address, 4 KiB aligned, below 2^56.
 * @size: bytes, a nonzero multiple of 4 KiB.
 * @perm: leaf bits from SV39_PERM_MASK (which includes the embedder's
 *	SV39_PTE_RSW_EMBEDDER): at least one of R and X, no W without R. V is
 *	implied: passing it is accepted and ignored.
 * @flags: SV39_MAP_HUGE, SV39_MAP_NO_AD, SV39_MAP_REPLACE, SV39_MAP_64K.
 *
 * With SV39_MAP_64K (only where ops->features has SV39_FEATURE_SVNAPOT),
 * each 64 KiB aligned part of the range whose pa is 64 KiB aligned too is
 * mapped by a NAPOT group of 16 leaves, 4 KiB leaves elsewhere; with
 * SV39_MAP_HUGE as well, superpages where they fit, then groups, then
 * 4 KiB leaves. A replace that cuts a group at the range's edge first
 * rewrites it as 16 plain leaves (see docs/api.md).
 *
 * With SV39_MAP_HUGE, 1 GiB and 2 MiB leaves are used wherever va, pa and
 * the range allow. A is set, and D when W is, unless SV39_MAP_NO_AD. With
 * SV39_MAP_REPLACE existing leaves are overwritten (a superpage cut by the
 * range is split, unless the map (with SV39_MAP_NO_AD) would write what it
 * maps already (same frames, same bits but for A and D), which leaves it
 * whole with the A and D it has; old frames are
 * never freed; tables the new superpages make unreachable are freed after
 * the flush; a replaced leaf's A and D go with it). A new table is filled
 * completely, then linked after a release fence. The frames' contents are
 * not ordered by the library: fence them before the call when another hart
 * may use the mapping at once.
 *
 * Return: 0, SV39_EALIGN (va, pa or size; checked before any range error),
 * SV39_ERANGE, SV39_EPERM, SV39_EINVAL (NULL @s, size 0, unknown flags, or
 * SV39_MAP_64K without SV39_FEATURE_SVNAPOT),
 * SV39_EEXIST if any page is mapped (without
 * SV39_MAP_REPLACE), SV39_EBUSY if the range touches a borrowed subtree,
 * SV39_ENOMEM. On error nothing changed.
 */
int sv39_map(struct sv39_space *s, sv39_va_t va, sv39_pa_t pa, uint64_t size, uint64_t perm,
	     unsigned flags);

/**
 * sv39_unmap - remove the mappings of a virtual range.
 * @s: the space.
 * @va: first virtual address, 4 KiB aligned.
 * @size: bytes, a nonzero multiple of 4 KiB.
 * @flags: SV39_UNMAP_FREE to free each removed leaf's frame (a superpage
 *	split at the range edge gives back only the pages inside the range),
 *	SV39_UNMAP_HOLES to accept unmapped pages in the range.
 *
 * A superpage partly inside the range is split first, keeping the rest of
 * its mapping; a 64 KiB group likewise becomes 16 plain leaves in place,
 * each with the group's A and D (no table: it cannot fail), flushed over
 * its whole 64 KiB. Table pages left empty are freed (after the flush).
 *
 * Return: 0, SV39_EALIGN, SV39_ERANGE, SV39_EINVAL (size 0, unknown flags,
 * SV39_UNMAP_FREE without ops->free_frame), SV39_ENOENT for a hole (without
 * SV39_UNMAP_HOLES), SV39_EBUSY, SV39_ENOMEM (a split needed a table). On
 * error nothing changed.
 */
int sv39_unmap(struct sv39_space *s, sv39_va_t va, uint64_t size, unsigned flags);

/**
 * sv39_protect - change permission bits of every leaf in a range.
 * @s: the space.
 * @va: first virtual address, 4 KiB aligned.
 * @size: bytes, a nonzero multiple of 4 KiB.
 * @set: bits (from SV39_PERM_MASK) to set in each leaf; V is ignored.
 * @clear: bits (from SV39_PERM_MASK) to clear in each leaf; applied first;
 *	V is ignored. Bits in neither (SV39_PTE_RSW_EMBEDDER among them)
 *	are kept.
 *
 * Superpages cut by the range edges are split, unless @set and @clear
 * leave them as they are (a leaf the call does not change is neither split
 * nor flushed; a call that sets or clears A or D always changes). Every
 * page of the range must be mapped, and every resulting leaf must be a
 * valid permission set. A leaf the hardware can still change (A clear, or
 * W set and D clear) is changed by one atomic read-modify-write, so A and
 * D set by a hardware walker meanwhile are kept (unless @clear names them);
 * any other leaf (the copy-on-write case: A and D set) by one plain 64-bit
 * store, as nothing can be set in it meanwhile. A split gives every new
 * leaf the superpage's A and D. A 64 KiB group is one leaf: all 16
 * members change, and the flush covers the group; one the range cuts is
 * first rewritten in place as 16 plain leaves, each with the group's A
 * and D (the OR of its members'), if the protect changes it.
 *
 * Return: 0, SV39_EALIGN, SV39_ERANGE, SV39_EINVAL (size 0), SV39_EPERM
 * (bits outside SV39_PERM_MASK, or a leaf would end with no R/X or W
 * without R), SV39_ENOENT, SV39_EBUSY, SV39_ENOMEM. On error nothing changed.
 */
int sv39_protect(struct sv39_space *s, sv39_va_t va, uint64_t size, uint64_t set, uint64_t clear);

/**
 * sv39_translate - what the MMU would translate one address to.
 * @s: the space.
 * @va: a canonical virtual address.
 * @pa: out (may be NULL): the physical address of @va itself.
 * @pte_flags: out (may be NULL): every non-PPN bit of the leaf.
 * @page_size: out (may be NULL): the size of the leaf; SV39_NAPOT_SIZE
 *	for a page of a 64 KiB group (read from its one member, as the
 *	hardware does).
 *
 * Follows the privileged spec's translation steps (without the permission
 * and A/D checks, which depend on the access).
 *
 * Return: 0, SV39_ERANGE (non-canonical), SV39_ENOENT (no valid leaf),
 * SV39_EINVAL (NULL @s, or the hardware would fault on a malformed entry:
 * the definition sv39_check uses).
 */
int sv39_translate(const struct sv39_space *s, sv39_va_t va, sv39_pa_t *pa, uint64_t *pte_flags,
		   uint64_t *page_size);

/**
 * sv39_clone_range - make dst's mappings of a range equal src's.
 * @dst: the space to change; not @src.
 * @src: the space to copy from (read only).
 * @va: first virtual address, 4 KiB aligned.
 * @size: bytes, a nonzero multiple of 4 KiB.
 * @clear: bits removed from each copied leaf (e.g. SV39_PTE_U).
 * @set: bits added to each copied leaf.
 *
 * Afterwards every page of the range maps in @dst to the same frame as in
 * @src (not a copy), or is unmapped in both. Calling it again after @src
 * grew or shrank brings @dst back in sync; dst's own A/D bits are
 * overwritten (a dst leaf is replaced by one 64-bit store; a new dst table
 * is linked complete, after a release fence). A src superpage wholly inside
 * the range stays a superpage; one cut by the range edge is mirrored as
 * smaller leaves, unless dst already maps it: a dst superpage the range
 * cuts that maps the same frames with the same bits (but for A and D, which
 * stay dst's) is left whole, so a clone already in sync does nothing.
 * A src 64 KiB group wholly inside the range stays a group in dst when
 * dst's ops have SV39_FEATURE_SVNAPOT; one the range cuts, or any group
 * for a dst without it, is mirrored as plain 4 KiB leaves; a dst group the
 * range cuts is first rewritten as 16 plain leaves (flushed).
 * Frames are never freed. Where src holds tables but no leaf, dst gets no
 * table: a clone with nothing to mirror allocates nothing and flushes
 * nothing, and a dst superpage there is removed in place (no split, no
 * table). The borrowed mark of src leaves is not copied; every other bit
 * (SV39_PTE_RSW_EMBEDDER included) is, unless @clear removes it. V in
 * @clear or @set is ignored.
 *
 * Return: 0, SV39_EALIGN, SV39_ERANGE, SV39_EINVAL (size 0, dst == src),
 * SV39_EPERM (bits outside SV39_PERM_MASK, or a resulting leaf is not a
 * valid permission set), SV39_EBUSY (the range touches a subtree dst
 * borrowed), SV39_ENOMEM. On error nothing changed.
 */
int sv39_clone_range(struct sv39_space *dst, const struct sv39_space *src, sv39_va_t va,
		     uint64_t size, uint64_t clear, uint64_t set);

/**
 * sv39_share - let dst use src's own page-table pages for a range.
 * @dst: the borrower.
 * @src: the lender.
 * @va: first virtual address, 2 MiB aligned.
 * @size: bytes, a nonzero multiple of 2 MiB.
 *
 * Each whole 1 GiB slot of the range is shared at the root, each 2 MiB slot
 * of the rest at level 1 (dst gets its own level-1 table there). The entries
 * dst gets are marked borrowed (SV39_PTE_BORROWED): dst never changes or
 * frees anything through them (SV39_EBUSY), and src's later changes below
 * them show through. Only tables are lent: a src superpage at the sharing
 * level is first split in src (a table page from src's ops; translations
 * unchanged, no flush), so dst never sees a mapping src no longer has.
 * Slots empty in src stay empty in dst. src never frees a lent table page
 * while it lives, even when it empties. No chain of lending: src may not
 * lend what it borrowed, dst may not borrow inside a root slot it lent.
 *
 * The first share between two spaces that links anything records the loan
 * in both spaces' ledgers (a page from each side's ops when its ledger is
 * full or absent), so that they may later be destroyed in any order.
 * Neither space may move in memory while it has loans.
 *
 * Return: 0, SV39_EALIGN, SV39_ERANGE, SV39_EINVAL (NULL or destroyed
 * space, size 0, dst == src, either made by sv39_space_init_from_root:
 * the ledgers must name structs that stay), SV39_EBUSY (the range is
 * borrowed in src or dst, or lent by dst; checked before EEXIST for a
 * whole GiB as for 2 MiB), SV39_EEXIST (dst already has an entry there),
 * SV39_ENOMEM (for dst's level-1 table or src's splits). On error nothing
 * changed.
 */
int sv39_share(struct sv39_space *dst, struct sv39_space *src, sv39_va_t va, uint64_t size);

/**
 * sv39_harvest - read and clear the A or D bit of a run of pages.
 * @s: the space.
 * @va: first virtual address, 4 KiB aligned.
 * @npages: number of 4 KiB pages, nonzero.
 * @bit: SV39_PTE_A or SV39_PTE_D.
 * @bitmap: out: bit i (word i / 64, bit i % 64) set when page i's leaf had
 *	@bit. Bits 0..npages-1 are written, others are left alone.
 *
 * Then clears @bit in those leaves and flushes them, so that the hardware
 * sets it again on the next access. A superpage reports every page of it
 * in range (and its bit is cleared for the whole superpage); so does a
 * 64 KiB group when any of its 16 members has the bit (the hardware may
 * set it in any one), which is then cleared in all 16. Unmapped pages
 * read as 0. Each bit is cleared by one atomic AND and reported from the
 * value it returned, or, in a leaf the hardware can change no further (A
 * set, and D set or W clear), by one plain store: exactly the bits cleared
 * are reported, and bits the hardware sets meanwhile stay set. A store through a translation a hart
 * cached dirty before the flush may not set D again: to write dirty pages
 * back, clear W with sv39_protect first.
 *
 * Return: the number of pages found with @bit, SV39_EALIGN (checked before
 * any range error, a huge @npages included), SV39_ERANGE, SV39_EINVAL
 * (NULL @s, npages 0, @bit not A or D, NULL @bitmap), SV39_EBUSY.
 */
int sv39_harvest(struct sv39_space *s, sv39_va_t va, uint64_t npages, uint64_t bit,
		 uint64_t *bitmap);

/**
 * sv39_for_each - call fn for every leaf that overlaps a range.
 * @s: the space.
 * @va: first virtual address, 4 KiB aligned.
 * @size: bytes, a nonzero multiple of 4 KiB.
 * @fn: called with @arg and each leaf, whole, in address order (a 64 KiB
 *	group once, as one leaf); a nonzero return stops the walk.
 * @arg: passed to @fn.
 *
 * Reads through borrowed subtrees like any other. @fn may read @s (and
 * change other spaces) but must not change @s: if it makes a call that
 * changes @s (map, unmap, protect, clone_range into it, share into or
 * from it, harvest, walk with SV39_WALK_ALLOC, destroy of @s or of a space
 * @s borrowed from), the walk notices when @fn returns,
 * reads nothing more of the tree and returns SV39_EBUSY. Through another
 * struct of the same root (sv39_space_init_from_root), a change that
 * unlinks or replaces a table the walk stands in is noticed the same way
 * (the walk re-reads the entries from the root down to it); other changes
 * show in the leaves it reports next. Destroying the space walked through
 * another struct is never noticed: @fn must not.
 *
 * Return: 0, the first nonzero value @fn returned, SV39_EALIGN,
 * SV39_ERANGE, SV39_EINVAL (NULL @s, size 0, NULL @fn), SV39_EBUSY (@fn
 * changed @s).
 */
int sv39_for_each(const struct sv39_space *s, sv39_va_t va, uint64_t size,
		  int (*fn)(void *arg, const struct sv39_leaf *leaf), void *arg);

/**
 * sv39_dump - describe the tree one text line at a time.
 * @s: the space.
 * @style: SV39_DUMP_VMPRINT or SV39_DUMP_RANGES.
 * @out: called once per line (no newline in @line; the buffer is reused).
 * @arg: passed to @out.
 *
 * SV39_DUMP_VMPRINT: "page table 0x<root pa>", then every valid PTE in tree
 * order as " .." per depth, "<index>: pte 0x<pte> pa 0x<pa>".
 * SV39_DUMP_RANGES: a header, then one line per run of leaves with the same
 * level and flags and contiguous addresses: va range, pa, size, level and
 * the flags "D A G U X W R V" ('.' for clear), then a total line. A
 * 64 KiB group is one leaf there (runs of groups join like other leaves)
 * marked "napot"; vmprint shows its 16 members as they are.
 *
 * Return: 0, SV39_EINVAL (unknown style, NULL @out).
 */
int sv39_dump(const struct sv39_space *s, unsigned style, void (*out)(void *arg, const char *line),
	      void *arg);

/**
 * sv39_check - look for malformed entries in the whole tree.
 * @s: the space.
 *
 * Malformed (the one definition sv39_translate and sv39_walk also use): any
 * valid entry with one of bits 54..60, N or PBMT = 3; a non-leaf with U,
 * A, D or PBMT set, or at level 0; a leaf with W without R or a superpage
 * whose PA is not aligned to its size. With SV39_FEATURE_SVNAPOT, N in a
 * level-0 leaf with PPN[3:0] = 0b1000 is a group member, not malformed,
 * but a 64 KiB aligned run of 16 slots holding one must be a whole group
 * (all valid, N set, the same but for A and D): see docs/api.md.
 *
 * Return: 0, or SV39_EINVAL at the first malformed entry (or a NULL @s).
 */
int sv39_check(const struct sv39_space *s);

/**
 * sv39_copy_in - copy from a user range into a kernel buffer by software walk.
 * @s: the user space.
 * @dst: kernel buffer of @len bytes.
 * @src: user virtual address (any alignment).
 * @len: bytes; 0 copies nothing.
 *
 * Every page must be a valid leaf with U and R. Nothing is copied unless
 * the whole range is readable.
 *
 * Return: 0, SV39_ERANGE (non-canonical, wraps or crosses the hole),
 * SV39_ENOENT (a page is not mapped), SV39_EPERM (a page lacks U or R),
 * SV39_EINVAL (NULL @s, or NULL @dst with @len not 0).
 */
int sv39_copy_in(const struct sv39_space *s, void *dst, sv39_va_t src, uint64_t len);

/**
 * sv39_copy_out - copy a kernel buffer into a user range by software walk.
 * @s: the user space.
 * @dst: user virtual address (any alignment).
 * @src: kernel buffer of @len bytes.
 * @len: bytes; 0 copies nothing.
 *
 * Every page must be a valid leaf with U and W. Nothing is written unless
 * the whole range is writable. A and D are not updated.
 *
 * Return: 0, SV39_ERANGE, SV39_ENOENT, SV39_EPERM, SV39_EINVAL (NULL @s,
 * or NULL @src with @len not 0).
 */
int sv39_copy_out(const struct sv39_space *s, sv39_va_t dst, const void *src, uint64_t len);

/**
 * sv39_copy_in_str - copy a NUL-terminated string from user memory.
 * @s: the user space.
 * @dst: kernel buffer of @max bytes.
 * @src: user virtual address of the string.
 * @max: size of @dst, including the NUL.
 *
 * The string is read up to its NUL first, every page checked; @dst is
 * written only when that succeeded, so a failed call wrote nothing.
 *
 * Return: 0 (dst holds the string and its NUL), SV39_EINVAL (no NUL within
 * @max bytes, @max is 0, NULL @s or @dst), SV39_ERANGE, SV39_ENOENT,
 * SV39_EPERM.
 */
int sv39_copy_in_str(const struct sv39_space *s, char *dst, sv39_va_t src, uint64_t max);

/**
 * sv39_strerror - a short name for an error code.
 * @err: 0 or a negative SV39_E* code.
 *
 * Return: a static string, "SV39_E?" for an unknown code.
 */
const char *sv39_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* SV39_SV39_H */
