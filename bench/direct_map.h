/* SPDX-License-Identifier: MIT */
/*
 * direct_map.h - forced into every file of the library variant that
 * sv39-bench-direct links (meson: -include): the library's build-time
 * phys_to_virt hook (SV39_PHYS_TO_VIRT, see libsv39/src/base.h), as a
 * kernel with a direct map would set it. The benchmark's table arena sits at
 * physical SV39_BENCH_PA_BASE; sv39_bench_direct_base is its host address.
 */
#ifndef SV39_BENCH_DIRECT_MAP_H
#define SV39_BENCH_DIRECT_MAP_H

#include <stdint.h>

#define SV39_BENCH_PA_BASE 0x0000000900000000ULL

extern uint8_t *sv39_bench_direct_base;

#define SV39_PHYS_TO_VIRT(ctx, pa) \
	((void)(ctx), (void *)(sv39_bench_direct_base + ((pa)-SV39_BENCH_PA_BASE)))

#endif
