/* SPDX-License-Identifier: MIT */
/*
 * Not part of libsv39: a deliberately non-freestanding object, so that the
 * should_fail registration proves check-freestanding.sh does catch an
 * external reference (memcpy with a runtime length cannot be inlined).
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *freestanding_bad_copy(void *dst, const void *src, size_t n);

void *
freestanding_bad_copy(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}
