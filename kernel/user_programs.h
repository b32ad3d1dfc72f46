/* SPDX-License-Identifier: MIT */
/*
 * user_programs.h - the user programs built into the kernel image, as
 * exec.c finds them. The table is generated at build time
 * (scripts/gen-user-blobs, see user/meson.build): one entry per program in user/ and per
 * extra_programs file, sorted by name, then a {0} entry.
 */
#ifndef KERNEL_USER_PROGRAMS_H
#define KERNEL_USER_PROGRAMS_H

struct user_program {
	const char *name;	  /* what exec(path, argv) is given */
	const unsigned char *elf; /* the ELF image, 16-byte aligned, read-only */
	unsigned long size;	  /* its length in bytes */
};

extern const struct user_program user_programs[]; /* ends with name == 0 */

#endif /* KERNEL_USER_PROGRAMS_H */
