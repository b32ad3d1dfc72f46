/* SPDX-License-Identifier: MIT */
/* types.h: stand-in for xv6's, with its names (porting-doc test). */
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef unsigned long uint64;
typedef uint64 pde_t;
