/* SPDX-License-Identifier: MIT */
/*
 * sbi.h - calls into the SBI firmware (OpenSBI) below us.
 */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stddef.h>
#include <stdint.h>

#define SBI_SUCCESS 0
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_COLD_REBOOT 1
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

void sbi_console_putchar(int c);
void sbi_set_timer(uint64_t stime);
long sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque);
long sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t va, uint64_t size);
void sbi_system_reset(uint32_t type, uint32_t reason);
int sbi_init(char *report, size_t size); /* nonzero when HSM (hart start) is there */

#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_HSM 0x48534d
#define SBI_EXT_RFENCE 0x52464e43
#define SBI_EXT_SRST 0x53525354
#endif /* KERNEL_SBI_H */
