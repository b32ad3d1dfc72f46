/* SPDX-License-Identifier: MIT */
/*
 * uvm.h - a process's virtual memory: its two tables (uvm.c builds both,
 * hands out their ASIDs and changes them), page faults and copy-on-write
 * fork (pagefault.c), and the kernel's copies to and from user memory
 * (usercopy.c over ucopy.S). struct proc (proc.h) holds the state.
 */
#ifndef KERNEL_UVM_H
#define KERNEL_UVM_H

#include "proc.h"

/* uvm.c */
extern int use_asids; /* two ASIDs per process; else 0 and a flush per switch */
void uvm_asid_init(void);
void uvm_set_features(void);
int uvm_create(struct proc *p);
void uvm_destroy(struct proc *p);
void uvm_release_user(struct proc *p);
int uvm_map_top(struct sv39_space *s, struct proc *p);

/* exec's new user image, built beside the live one (uvm.c). */
struct uvm_image {
	struct sv39_space upt;
	struct proc_pt_ctx ctx;
};
int uvm_image_init(struct uvm_image *im, struct proc *p);
void uvm_image_free(struct uvm_image *im);
int uvm_image_commit(struct proc *p, struct uvm_image *im, uint64_t top);
void uvm_report_layout(struct proc *p, int vmprint);
int uvm_grow(struct proc *p, uint64_t newsz);
int uvm_shrink(struct proc *p, uint64_t newsz);
int uvm_sync_kernel(struct proc *p, uint64_t lo, uint64_t hi);
int uvm_range_ok(struct proc *p, uint64_t va, uint64_t len);
/* usercopy.c */
int copyin(struct proc *p, void *dst, uint64_t va, uint64_t len);
int copyout(struct proc *p, uint64_t va, const void *src, uint64_t len);
int copyinstr(struct proc *p, char *dst, uint64_t va, uint64_t max);
int uvm_user_ok(struct proc *p, uint64_t va, uint64_t len, uint64_t need);

/* pagefault.c */
void pagefault_set_features(void);
int uvm_copy(struct proc *from, struct proc *to);
uint64_t uvm_user_frame(int group, uint64_t *size);
int uvm_fault(struct proc *p, uint64_t va, uint64_t cause);

/* ucopy.S: copies that may fault on user addresses (0 or -1). */
int ucopy(void *dst, const void *src, uint64_t len);
long ucopy_str(char *dst, const char *src, uint64_t max);
#endif /* KERNEL_UVM_H */
