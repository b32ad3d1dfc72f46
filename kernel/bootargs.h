/* SPDX-License-Identifier: MIT */
/*
 * bootargs.h - the one reader of the kernel command line (/chosen/bootargs).
 *
 * The line is words separated by spaces: "vmprint", "run=PROG ARGS..."
 * (pid 1's program), and in the kernel-test image "ktest=NAME" and
 * "smp_entry=start". "run=" is special: it takes the rest of the line, so
 * nothing after it is read as a kernel argument ("run=echo ktest=hello"
 * runs echo with the argument "ktest=hello"). The boot code (boot_finish)
 * reads the line; nothing else does.
 */
#ifndef KERNEL_BOOTARGS_H
#define KERNEL_BOOTARGS_H

#include <stddef.h>

/* The text after "run=" (the rest of the line), or NULL without run=. */
const char *bootarg_rest(const char *args, const char *key);

/* Copy the value of the word "key=VALUE" into buf; 1 if present, else 0. */
int bootarg_value(const char *args, const char *key, char *buf, size_t size);

/* 1 if the word "key" or "key=..." is on the line (before any run=). */
int bootarg_present(const char *args, const char *key);

/*
 * What pid 1 runs: the words of "run=PROG ARGS..." (the rest of the
 * line), or "sh" without run=. Points into args or at a constant.
 */
const char *bootarg_init_command(const char *args);

#endif /* KERNEL_BOOTARGS_H */
