/* SPDX-License-Identifier: MIT */
/*
 * check.h - the smallest test harness that does the job.
 *
 * CHECK(cond) and CHECK_EQ(a, b) count passes and failures and print
 * file:line (and both values) for every failure, then carry on, so one run
 * shows every broken assertion. Both evaluate to true when they passed, so
 * a test can stop early: if (!CHECK_EQ(err, 0)) return;
 * main() ends with return check_finish(); which prints "N passed, N failed"
 * and returns nonzero when anything failed.
 */
#ifndef CHECK_H
#define CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static unsigned check_npassed, check_nfailed;
static const char *check_section = "";

/* Name the part of the test that follows; printed with each failure. */
static inline void
check_begin(const char *name)
{
	check_section = name;
}

static inline bool
check_report(bool ok, const char *file, int line, const char *expr)
{
	if (ok) {
		check_npassed++;
		return true;
	}
	check_nfailed++;
	printf("%s:%d: [%s] FAILED: %s\n", file, line, check_section, expr);
	return false;
}

/* Both values as uint64_t: error codes print as signed, everything as hex. */
static inline bool
check_report_eq(uint64_t a, uint64_t b, const char *file, int line, const char *ea, const char *eb)
{
	if (a == b) {
		check_npassed++;
		return true;
	}
	check_nfailed++;
	printf("%s:%d: [%s] FAILED: %s == %s\n"
	       "\tleft:  %" PRId64 " (0x%" PRIx64 ")\n"
	       "\tright: %" PRId64 " (0x%" PRIx64 ")\n",
	       file, line, check_section, ea, eb, (int64_t)a, a, (int64_t)b, b);
	return false;
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ(a, b) check_report_eq((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)

static inline int
check_finish(void)
{
	printf("%u passed, %u failed\n", check_npassed, check_nfailed);
	return check_nfailed ? 1 : 0;
}

#endif /* CHECK_H */
