/* SPDX-License-Identifier: MIT */
/*
 * sv39_env.h - forced (-include) into every libsv39 file of the kernel's own
 * build of the library. Every address space the kernel makes reaches its
 * table pages through the direct map, so the library adds the offset itself
 * instead of calling ops->phys_to_virt for each table it visits (the
 * library's build-time hook, docs/porting.md). kvm.c checks that the offset
 * is DIRECT_MAP_BASE.
 */
#ifndef KERNEL_SV39_ENV_H
#define KERNEL_SV39_ENV_H

#define SV39_ENV_DIRECT_MAP 0xffffffc000000000ULL
#define SV39_PHYS_TO_VIRT(ctx, pa) ((void)(ctx), (void *)((pa) + SV39_ENV_DIRECT_MAP))

#endif
