/* SPDX-License-Identifier: MIT */
/* fs.h: stand-in for xv6's; vm.c includes it, the example needs nothing from it. */
