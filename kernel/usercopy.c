/* SPDX-License-Identifier: MIT */
/*
 * usercopy.c - the kernel's access to user memory: copyin, copyout,
 * copyinstr over ucopy.S, resuming after each fault the VM satisfies
 * (pagefault.c), and the checks a blocking read() or an all-or-nothing
 * write() makes first.
 */
#include <sv39/sv39.h>

#include "kernel.h"
#include "riscv.h"
#include "uvm.h"

/*
 * ucopy (0 or -1) between dst and src, one of which is the user range
 * [uva, uva + len), resolving page faults on it and resuming where the
 * copy stopped: bytes below the faulting page were copied already, since
 * ucopy goes up one byte or aligned word at a time. A fault the VM cannot
 * satisfy, or more faults than the range has pages (plus slack for a
 * stale entry), gives -1.
 */
static int
copy_resolving_faults(struct proc *p, char *dst, const char *src, uint64_t len, uint64_t uva)
{
	uint64_t done = 0, fault_page;

	for (uint64_t tries = len / PAGE_SIZE + 4; tries; tries--) {
		p->ucopy_cause = 0;
		if (!ucopy(dst + done, src + done, len - done))
			return 0;
		if (!p->ucopy_cause || uvm_fault(p, p->ucopy_va, p->ucopy_cause))
			return -1;
		fault_page = ALIGN_DOWN(p->ucopy_va, PAGE_SIZE);
		if (fault_page > uva + done)
			done = fault_page - uva;
	}
	return -1;
}

/*
 * Copy len bytes from p's user address va to dst by plain loads through
 * the kernel table's mirror (p is the running process); a lazy page the
 * range touches is mapped on the way. 0, or -1 for a range outside p's
 * memory or a fault the VM cannot satisfy (dst may then hold a prefix).
 * Called with no lock held: it may allocate and be preempted.
 */
int
copyin(struct proc *p, void *dst, uint64_t va, uint64_t len)
{
	if (!len)
		return 0;
	if (!uvm_range_ok(p, va, len))
		return -1;
	return copy_resolving_faults(p, dst, (const char *)va, len, va);
}

/*
 * Copy len bytes from src to p's user address va (p is the running
 * process): a shared page is made the process's own first and a lazy one
 * mapped (uvm_fault). 0, or -1 for a range outside p's memory, a
 * read-only page (text) or memory run out; the pages before the failing
 * one may already be written. Called with no lock held.
 */
int
copyout(struct proc *p, uint64_t va, const void *src, uint64_t len)
{
	if (!len)
		return 0;
	if (!uvm_range_ok(p, va, len))
		return -1;
	return copy_resolving_faults(p, (char *)va, src, len, va);
}

/*
 * Copy a NUL-terminated string of at most max bytes (NUL included) from
 * p's user address va to dst (p is the running process). 0, or -1 when
 * no NUL lies within max bytes of p's memory or a fault cannot be
 * satisfied (dst's contents then unspecified). A fault the VM satisfies
 * restarts the copy (strings are short). Called with no lock held.
 */
int
copyinstr(struct proc *p, char *dst, uint64_t va, uint64_t max)
{
	uint64_t n = max;

	if (!max || va < UTEXT_MIN || va >= p->sz)
		return -1;
	if (n > p->sz - va)
		n = p->sz - va;
	if (p->stack_guard && va < p->stack_guard && va + n > p->stack_guard)
		n = p->stack_guard - va;
	if (!uvm_range_ok(p, va, 1))
		return -1;
	for (uint64_t tries = n / PAGE_SIZE + 4; tries; tries--) {
		p->ucopy_cause = 0;
		if (ucopy_str(dst, (const char *)va, n) >= 0)
			return 0;
		if (!p->ucopy_cause || uvm_fault(p, p->ucopy_va, p->ucopy_cause))
			return -1;
	}
	return -1;
}

/*
 * Checked ahead of a blocking read() or an all-or-nothing write(): every
 * page of the range is made accessible with the bits in need, as a user
 * access would make it (a lazy page mapped, a shared one made the
 * process's own for W), and then has U and them in the user table
 * (sv39_translate, no walk by hand). 1 if so.
 */
int
uvm_user_ok(struct proc *p, uint64_t va, uint64_t len, uint64_t need)
{
	uint64_t cause = (need & SV39_PTE_W) ? EXC_STORE_PAGE_FAULT : EXC_LOAD_PAGE_FAULT;

	if (!len)
		return 1;
	if (!uvm_range_ok(p, va, len))
		return 0;
	for (uint64_t pg = ALIGN_DOWN(va, PAGE_SIZE); pg < va + len; pg += PAGE_SIZE) {
		uint64_t flags;
		int err = sv39_translate(&p->upt, pg, NULL, &flags, NULL);

		if (err || (flags & (need | SV39_PTE_U)) != (need | SV39_PTE_U)) {
			if (uvm_fault(p, pg, cause))
				return 0;
			err = sv39_translate(&p->upt, pg, NULL, &flags, NULL);
		}
		if (err || (flags & (need | SV39_PTE_U)) != (need | SV39_PTE_U))
			return 0;
	}
	return 1;
}
