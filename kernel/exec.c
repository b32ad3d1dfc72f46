/* SPDX-License-Identifier: MIT */
/*
 * exec.c - replace a process's user memory with a built-in program.
 *
 * The new image is built completely in a new user table first: every
 * PT_LOAD segment in its own frames, a guard page, the stack with argv,
 * the top pages. Any error up to there (a malformed ELF, a segment that
 * reaches the reserved top of the half or page 0, no memory) frees the
 * new table and returns -1 with the old image untouched. The commit is
 * one sv39_clone_range into the kernel table (all or nothing), then the
 * old user table is freed.
 *
 * The new user memory, from 0x1000 up:
 *   text, rodata  R+X+U   (user.ld: the first PT_LOAD)
 *   data, bss     R+W+U
 *   guard page    unmapped: a stack overflow faults
 *   stack         USTACK_PAGES R+W+U; argv strings and pointers at its top
 *   heap          from here, sbrk
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "user_programs.h"

#define EI_NIDENT 16
#define ET_EXEC 2
#define EM_RISCV 243
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAXARG 32

struct elf64_ehdr {
	unsigned char ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static const struct user_program *
find_program(const char *name)
{
	for (const struct user_program *u = user_programs; u->name; u++)
		if (!strcmp(u->name, name))
			return u;
	return NULL;
}

/*
 * The part of the segment's file bytes [vaddr, vaddr + filesz) that falls
 * in [va, va + size) into frame (which maps va, zeroed): the rest stays 0.
 */
static void
fill_frame(uint8_t *frame, uint64_t va, uint64_t size, const struct user_program *u,
	   const struct elf64_phdr *ph)
{
	uint64_t b = va > ph->vaddr ? va : ph->vaddr;
	uint64_t e = ph->vaddr + ph->filesz;

	if (e > va + size)
		e = va + size;
	if (b < e)
		memcpy(frame + (b - va), u->elf + ph->offset + (b - ph->vaddr), e - b);
}

/*
 * Map the segment's pages [lo, hi) in fresh frames holding its bytes:
 * a 64 KiB group (one TLB entry) for each 64 KiB aligned run wholly
 * inside when the harts have Svnapot and a 64 KiB block is free, 4 KiB
 * pages elsewhere. 0, or -1 (what was mapped stays in s for the caller).
 */
static int
load_segment(struct sv39_space *s, const struct user_program *u, const struct elf64_phdr *ph)
{
	uint64_t lo = ALIGN_DOWN(ph->vaddr, PAGE_SIZE);
	uint64_t hi = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
	uint64_t perm = SV39_PTE_U | SV39_PTE_R, size;

	if (ph->flags & PF_W)
		perm |= SV39_PTE_W;
	if (ph->flags & PF_X)
		perm |= SV39_PTE_X;
	if (!(ph->flags & PF_R) && (ph->flags & PF_X) && !(ph->flags & PF_W))
		perm &= ~SV39_PTE_R; /* execute-only, as asked */
	for (uint64_t va = lo; va < hi; va += size) {
		int run = !(va & (SV39_NAPOT_SIZE - 1)) && hi - va >= SV39_NAPOT_SIZE;
		uint64_t pa = uvm_user_frame(run, &size);

		if (!pa)
			return -1;
		fill_frame(pa_to_kva(pa), va, size, u, ph);
		if (sv39_map(s, va, pa, size, perm, size == PAGE_SIZE ? 0 : SV39_MAP_64K)) {
			kfree_contig(pa, size); /* SV39_EEXIST: two segments share a page */
			return -1;
		}
	}
	return 0;
}

/* Header checks: 0 if u is an ELF64 RISC-V executable we can read. */
static int
check_header(const struct user_program *u, const struct elf64_ehdr *eh)
{
	if (u->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->ident[5] != 1 || eh->type != ET_EXEC || eh->machine != EM_RISCV ||
	    eh->phentsize != sizeof(struct elf64_phdr))
		return -1;
	if (eh->phoff > u->size || eh->phnum > (u->size - eh->phoff) / sizeof(struct elf64_phdr))
		return -1;
	return 0;
}

/* A PT_LOAD segment inside the file and inside [UTEXT_MIN, UVM_TOP). */
static int
check_segment(const struct user_program *u, const struct elf64_phdr *ph)
{
	if (ph->filesz > ph->memsz || ph->offset > u->size || ph->filesz > u->size - ph->offset)
		return -1;
	if (ph->vaddr < UTEXT_MIN || ph->vaddr >= UVM_TOP || ph->memsz > UVM_TOP - ph->vaddr)
		return -1;
	return 0;
}

/*
 * The stack: argv strings, then the argv[] pointers (NULL-terminated),
 * sp 16-byte aligned, all in the top stack page (frame stack_top_pa).
 * Returns the user sp, or 0 if the arguments do not fit in one page.
 */
static uint64_t
push_args(uint64_t stack_top, uint64_t top_page_pa, char *const argv[], int argc, uint64_t *argv_va)
{
	uint8_t *page = pa_to_kva(top_page_pa);
	uint64_t base = stack_top - PAGE_SIZE, sp = stack_top;
	uint64_t ptrs[MAXARG + 1];

	for (int i = argc - 1; i >= 0; i--) {
		uint64_t n = strlen(argv[i]) + 1;

		if (sp - base < n + 16)
			return 0;
		sp -= n;
		memcpy(page + (sp - base), argv[i], n);
		ptrs[i] = sp;
	}
	ptrs[argc] = 0;
	sp = ALIGN_DOWN(sp - (uint64_t)(argc + 1) * 8, 16);
	if (sp < base)
		return 0;
	memcpy(page + (sp - base), ptrs, (uint64_t)(argc + 1) * 8);
	*argv_va = sp;
	return sp;
}

/* argc, or -1 if argv holds more than MAXARG arguments. */
static int
count_args(char *const argv[])
{
	int argc = 0;

	while (argv[argc])
		if (++argc > MAXARG)
			return -1;
	return argc;
}

/*
 * Every PT_LOAD segment of u into s; *sz = the end of the highest, page
 * aligned. The entry point must lie in them and be executable. 0 or -1
 * (what was mapped stays in s for the caller to free).
 */
static int
load_image(struct sv39_space *s, const struct user_program *u, const struct elf64_ehdr *eh,
	   uint64_t *sz)
{
	uint64_t flags;

	*sz = 0;
	for (int i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, u->elf + eh->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (check_segment(u, &ph) || load_segment(s, u, &ph))
			return -1;
		if (ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE) > *sz)
			*sz = ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE);
	}
	if (!*sz || eh->entry < UTEXT_MIN || eh->entry >= *sz)
		return -1;
	if (sv39_translate(s, eh->entry, NULL, &flags, NULL) || !(flags & SV39_PTE_X))
		return -1;
	return 0;
}

/*
 * The user stack: USTACK_PAGES fresh pages above the unmapped guard page
 * at guard. Returns the stack's top, or 0 (what was mapped stays in s).
 */
static uint64_t
map_stack(struct sv39_space *s, uint64_t guard)
{
	uint64_t top = guard + PAGE_SIZE + USTACK_PAGES * PAGE_SIZE;

	if (top > UVM_TOP)
		return 0;
	for (uint64_t va = guard + PAGE_SIZE; va < top; va += PAGE_SIZE) {
		uint64_t pa = kalloc();

		if (!pa)
			return 0;
		if (sv39_map(s, va, pa, PAGE_SIZE, SV39_PTE_R | SV39_PTE_W | SV39_PTE_U, 0)) {
			kfree(pa);
			return 0;
		}
	}
	return top;
}

/* The process is named after the last part of path. */
static void
set_name(struct proc *p, const char *path)
{
	const char *last = path;

	for (const char *s = path; *s; s++)
		if (*s == '/')
			last = s + 1;
	snprintf(p->name, sizeof(p->name), "%s", last);
}

/*
 * Everything of the new image but the switch: segments, stack and
 * arguments, the top pages. Fills *sp, *argv_va and *top; 0 or -1.
 */
static int
build_image(struct uvm_image *im, struct proc *p, const struct user_program *u, char *const argv[],
	    int argc, uint64_t *sp, uint64_t *argv_va, uint64_t *top)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)u->elf;
	uint64_t sz, stack_pa;

	if (load_image(&im->upt, u, eh, &sz))
		return -1;
	*top = map_stack(&im->upt, sz);
	if (!*top || sv39_translate(&im->upt, *top - PAGE_SIZE, &stack_pa, NULL, NULL))
		return -1;
	*sp = push_args(*top, stack_pa, argv, argc, argv_va);
	if (!*sp || uvm_map_top(&im->upt, p))
		return -1;
	return 0;
}

/*
 * exec: path and argv are kernel strings (sys_exec copied them in).
 * Returns argc (the new image's a0) or -1, the old image intact.
 */
int
exec(struct proc *p, const char *path, char *const argv[])
{
	const struct user_program *u = find_program(path);
	struct uvm_image im;
	uint64_t sp, argv_va = 0, top;
	int argc = count_args(argv);

	if (!u || argc < 0 || check_header(u, (const struct elf64_ehdr *)u->elf))
		return -1;
	if (uvm_image_init(&im, p))
		return -1;
	if (build_image(&im, p, u, argv, argc, &sp, &argv_va, &top) ||
	    uvm_image_commit(p, &im, top)) {
		uvm_image_free(&im);
		return -1;
	}
	memset(p->tf, 0, sizeof(*p->tf));
	p->tf->epc = ((const struct elf64_ehdr *)u->elf)->entry;
	p->tf->sp = sp;
	p->tf->a1 = argv_va;
	fp_state_init(p); /* the new image starts with the FP registers zero */
	set_name(p, path);
	return argc;
}
