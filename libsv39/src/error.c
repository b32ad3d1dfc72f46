/* SPDX-License-Identifier: MIT */
/*
 * error.c - names for the error codes.
 */
#include "internal.h"

static const char *const sv39_errnames[SV39_ERRNO_MAX + 1] = {
	[0] = "success",
	[-SV39_ENOMEM] = "SV39_ENOMEM: out of page-table pages",
	[-SV39_EALIGN] = "SV39_EALIGN: address or size not aligned",
	[-SV39_ERANGE] = "SV39_ERANGE: address out of range",
	[-SV39_EPERM] = "SV39_EPERM: invalid permissions",
	[-SV39_EEXIST] = "SV39_EEXIST: already mapped",
	[-SV39_ENOENT] = "SV39_ENOENT: not mapped",
	[-SV39_EBUSY] = "SV39_EBUSY: busy (a borrowed range, or leaves left at destroy)",
	[-SV39_EINVAL] = "SV39_EINVAL: invalid argument",
};

const char *
sv39_strerror(int err)
{
	if (err > 0 || err < -SV39_ERRNO_MAX)
		return "SV39_E?";
	return sv39_errnames[-err];
}
