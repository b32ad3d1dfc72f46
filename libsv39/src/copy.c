/* SPDX-License-Identifier: MIT */
/*
 * copy.c - copying between a kernel buffer and a user range by software
 * walk: the fallback for kernels whose kernel table does not map user
 * memory (and the reference the kernel's direct copyin is measured against).
 *
 * Each copy first checks the whole range, then copies, so a failed copy
 * has copied nothing. A and D are not updated (the space is const).
 */
#include "internal.h"

/* A user range [va, va + len), len > 0: canonical, in one half, no wrap. */
static int
user_range_check(sv39_va_t va, uint64_t len)
{
	sv39_va_t last;

	return sv39_range_check_(va, len, 1, &last);
}

/*
 * The leaf for va if it has U and need (R or W): its PA for va and how many
 * bytes of it follow va.
 */
static int
user_leaf(const struct sv39_space *s, sv39_va_t va, uint64_t need, sv39_pa_t *pa, uint64_t *avail)
{
	uint64_t flags, size;
	int err = sv39_translate(s, va, pa, &flags, &size);

	if (err == SV39_EINVAL)
		return SV39_ENOENT; /* malformed: the hardware would fault */
	if (err)
		return err;
	if ((flags & (SV39_PTE_U | need)) != (SV39_PTE_U | need))
		return SV39_EPERM;
	*avail = size - (va & (size - 1));
	return 0;
}

/* Is every byte of [va, va + len) mapped with U and need? */
static int
user_range_allows(const struct sv39_space *s, sv39_va_t va, uint64_t len, uint64_t need)
{
	while (len) {
		sv39_pa_t pa;
		uint64_t avail;
		int err = user_leaf(s, va, need, &pa, &avail);

		if (err)
			return err;
		if (avail >= len)
			break;
		va += avail;
		len -= avail;
	}
	return 0;
}

/* A word that may alias anything: the copy loop reads and writes bytes' storage. */
typedef uint64_t __attribute__((__may_alias__)) sv39_word_t;

/*
 * Copy n bytes, 8 at a time where both ends are 8-byte aligned. A loop of
 * our own: the library has no memcpy (and the compiler is told not to make
 * one up).
 */
static void
copy_bytes(uint8_t *dst, const uint8_t *src, uint64_t n)
{
	if ((((uintptr_t)dst | (uintptr_t)src) & 7) == 0) {
		for (; n >= 8; n -= 8, dst += 8, src += 8)
			/* both ends checked 8-byte aligned above */
			*(sv39_word_t *)(void *)dst = *(const sv39_word_t *)(const void *)src;
	}
	while (n--)
		*dst++ = *src++;
}

/* Copy between user range va and a kernel buffer, already checked. */
static void
user_copy(const struct sv39_space *s, sv39_va_t va, uint8_t *kbuf, uint64_t len, bool to_user)
{
	while (len) {
		sv39_pa_t pa;
		uint64_t avail;
		uint8_t *frame;

		(void)user_leaf(s, va, 0, &pa, &avail);
		/* phys_to_virt maps one page at a time: stay inside it. */
		uint64_t in_page = SV39_PAGE_SIZE - (pa & (SV39_PAGE_SIZE - 1));
		uint64_t n = len < in_page ? len : in_page;

		frame = (uint8_t *)sv39_phys_to_virt_(s, pa & ~(SV39_PAGE_SIZE - 1));
		frame += pa & (SV39_PAGE_SIZE - 1);
		if (to_user)
			copy_bytes(frame, kbuf, n);
		else
			copy_bytes(kbuf, frame, n);
		va += n;
		kbuf += n;
		len -= n;
	}
}

int
sv39_copy_in(const struct sv39_space *s, void *dst, sv39_va_t src, uint64_t len)
{
	int err;

	if (!space_ok(s) || (!dst && len))
		return SV39_EINVAL;
	if (len == 0)
		return 0;
	err = user_range_check(src, len);
	if (!err)
		err = user_range_allows(s, src, len, SV39_PTE_R);
	if (err)
		return err;
	user_copy(s, src, dst, len, false);
	return 0;
}

int
sv39_copy_out(const struct sv39_space *s, sv39_va_t dst, const void *src, uint64_t len)
{
	int err;

	if (!space_ok(s) || (!src && len))
		return SV39_EINVAL;
	if (len == 0)
		return 0;
	err = user_range_check(dst, len);
	if (!err)
		err = user_range_allows(s, dst, len, SV39_PTE_W);
	if (err)
		return err;
	user_copy(s, dst, (uint8_t *)(uintptr_t)src, len, true);
	return 0;
}

/*
 * The length of the string at user address src, its NUL included (> 0), or
 * a negative SV39_E* code: reads (never writes) every byte up to the NUL,
 * checking each page for U and R. SV39_EINVAL when no NUL is within max
 * bytes. The length is the return value, not an output parameter, so that
 * no caller can read a length the error paths never set. It fits: a string
 * stays within one half of the address space, below 2^39 bytes.
 */
static int64_t
user_strlen(const struct sv39_space *s, sv39_va_t src, uint64_t max)
{
	for (uint64_t seen = 0; seen < max;) {
		sv39_pa_t pa;
		uint64_t avail;
		int err;

		err = user_range_check(src, 1);
		if (!err)
			err = user_leaf(s, src, SV39_PTE_R, &pa, &avail);
		if (err)
			return err;
		uint64_t in_page = SV39_PAGE_SIZE - (pa & (SV39_PAGE_SIZE - 1));
		const char *p = (const char *)sv39_phys_to_virt_(s, pa & ~(SV39_PAGE_SIZE - 1));

		p += pa & (SV39_PAGE_SIZE - 1);
		for (uint64_t i = 0; i < in_page && seen < max; i++, seen++) {
			if (p[i] == '\0')
				return (int64_t)(seen + 1);
		}
		if (src + in_page < src) /* ran off the top of the address space */
			return SV39_ERANGE;
		src += in_page;
	}
	return SV39_EINVAL;
}

int
sv39_copy_in_str(const struct sv39_space *s, char *dst, sv39_va_t src, uint64_t max)
{
	int64_t len;

	if (!space_ok(s) || !dst || max == 0)
		return SV39_EINVAL;
	/* Check the whole string first: a failed copy writes nothing. */
	len = user_strlen(s, src, max);
	if (len < 0)
		return (int)len;
	user_copy(s, src, (uint8_t *)dst, (uint64_t)len, false);
	return 0;
}
