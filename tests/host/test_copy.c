/* SPDX-License-Identifier: MIT */
/*
 * sv39_copy_in, sv39_copy_out, sv39_copy_in_str over real frames (the
 * ramops frame buffer at RAMOPS_FRAME_BASE, so phys_to_virt is not the
 * identity): page crossings, superpages, and every error, each of which
 * must copy nothing at all.
 */
#include "testutil.h"

#define NFRAMES 1024 /* 4 MiB: room for one 2 MiB-aligned megapage frame */

struct env {
	struct ramops r;
	struct sv39_space s;
	sv39_va_t b;
	sv39_pa_t pa[4]; /* pages 0..3 of b: 0, 1 URW; 2 is a hole; 3 URW */
};

/* Map four separately allocated (so not contiguous) frames, with a hole. */
static bool
env_init(struct env *e, int h)
{
	e->b = t_bases[h] + GIGA - 2 * PG; /* page 2 is the first of the next GiB */
	t_env_init(&e->r, 32, 0);
	if (!CHECK_EQ(ramops_frames_init(&e->r, NFRAMES), 0) || !t_space(&e->r, &e->s))
		return false;
	for (int i = 0; i < 4; i++) {
		e->pa[i] = ramops_frame_alloc(&e->r, 1, PG);
		ramops_frame_alloc(&e->r, 1, PG); /* a gap */
		if (i != 2)
			CHECK_EQ(sv39_map(&e->s, e->b + i * PG, e->pa[i], PG, URW, 0), 0);
	}
	return true;
}

static void
env_fini(struct env *e)
{
	t_destroy(&e->r, &e->s, 0);
	t_env_fini(&e->r);
}

static uint8_t *
frame(struct env *e, int i)
{
	return ramops_frame_ptr(&e->r, e->pa[i]);
}

static void
test_roundtrip(void)
{
	static uint8_t out[2 * 4096 + 100], in[sizeof(out)];
	struct env e;

	for (int h = 0; h < 2; h++) {
		check_begin(t_half[h]);
		if (!env_init(&e, h))
			return;
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = (uint8_t)(i * 7 + 3);
		/* Pages 0 and 1, starting 50 bytes before the end of page 0. */
		CHECK_EQ(sv39_copy_out(&e.s, e.b + PG - 50, out, PG + 50), 0);
		CHECK(memcmp(frame(&e, 0) + PG - 50, out, 50) == 0);
		CHECK(memcmp(frame(&e, 1), out + 50, PG) == 0);
		CHECK_EQ(frame(&e, 0)[PG - 51], 0);
		memset(in, 0, sizeof(in));
		CHECK_EQ(sv39_copy_in(&e.s, in, e.b + PG - 50, PG + 50), 0);
		CHECK(memcmp(in, out, PG + 50) == 0);
		/* Unaligned, inside one page. */
		memset(in, 0, sizeof(in));
		CHECK_EQ(sv39_copy_in(&e.s, in, e.b + PG + 13, 17), 0);
		CHECK(memcmp(in, out + 63, 17) == 0);
		CHECK_EQ(in[17], 0);
		/* len 0 copies nothing, even where nothing is mapped. */
		CHECK_EQ(sv39_copy_in(&e.s, in, e.b + 2 * PG, 0), 0);
		CHECK_EQ(sv39_copy_out(&e.s, e.b + 2 * PG, out, 0), 0);
		/* Page 3 on its own. */
		CHECK_EQ(sv39_copy_out(&e.s, e.b + 3 * PG, out, PG), 0);
		CHECK(memcmp(frame(&e, 3), out, PG) == 0);
		CHECK_EQ(e.r.errors, 0);
		env_fini(&e);
	}
}

static void
test_strings(void)
{
	struct env e;
	char buf[64];

	for (int h = 0; h < 2; h++) {
		const char *msg = "hello, world";
		size_t len = strlen(msg);

		check_begin(t_half[h]);
		if (!env_init(&e, h))
			return;
		/* Across the page 0 / page 1 boundary. */
		memcpy(frame(&e, 0) + PG - 5, msg, 5);
		memcpy(frame(&e, 1), msg + 5, len - 5 + 1);
		memset(buf, 'x', sizeof(buf));
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + PG - 5, sizeof(buf)), 0);
		CHECK(strcmp(buf, msg) == 0);
		/* max exactly strlen + 1 fits; one less does not. */
		memset(buf, 'x', sizeof(buf));
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + PG - 5, len + 1), 0);
		CHECK(strcmp(buf, msg) == 0);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + PG - 5, len), SV39_EINVAL);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + PG - 5, 0), SV39_EINVAL);
		/* The empty string. */
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + PG - 5 + len, 1), 0);
		CHECK_EQ(buf[0], 0);
		/* The NUL is before the hole: max reaching into it is fine. */
		memcpy(frame(&e, 1) + PG - 4, "abc", 4);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + 2 * PG - 4, sizeof(buf)), 0);
		CHECK(strcmp(buf, "abc") == 0);
		/* A string that runs into the hole. */
		memcpy(frame(&e, 1) + PG - 4, "abcd", 4);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + 2 * PG - 4, sizeof(buf)), SV39_ENOENT);
		/* ... or into a page without U. */
		CHECK_EQ(sv39_map(&e.s, e.b + 2 * PG, e.pa[2], PG, RW, 0), 0);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + 2 * PG - 4, sizeof(buf)), SV39_EPERM);
		/* ... or with no NUL within max although all readable. */
		CHECK_EQ(sv39_protect(&e.s, e.b + 2 * PG, PG, SV39_PTE_U, 0), 0);
		memset(frame(&e, 2), 'z', PG);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, e.b + 2 * PG - 4, sizeof(buf)), SV39_EINVAL);
		/* Bad ranges. */
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, SV39_LOW_END, sizeof(buf)), SV39_ERANGE);
		CHECK_EQ(sv39_copy_in_str(&e.s, buf, 0x8000000000000000ULL, sizeof(buf)),
			 SV39_ERANGE);
		env_fini(&e);
	}
}

/* Every error: the kernel buffer (in) or the frames (out) are untouched. */
static void
test_errors(void)
{
	static uint8_t buf[3 * 4096], pattern[3 * 4096];
	struct env e;

	for (int h = 0; h < 2; h++) {
		sv39_va_t b;

		check_begin(t_half[h]);
		if (!env_init(&e, h))
			return;
		b = e.b;
		memset(pattern, 0x5a, sizeof(pattern));
		memset(buf, 0x11, sizeof(buf));
		/* ENOENT: page 2 is a hole, and a whole missing table. */
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + PG, 2 * PG), SV39_ENOENT);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + 2 * PG + 8, 8), SV39_ENOENT);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b - 3 * MEGA, 8), SV39_ENOENT);
		CHECK_EQ(sv39_copy_out(&e.s, b + PG, pattern, 2 * PG), SV39_ENOENT);
		CHECK_EQ(sv39_copy_out(&e.s, b + 2 * PG + PG - 1, pattern, 2), SV39_ENOENT);
		CHECK_EQ(buf[0], 0x11);
		CHECK_EQ(buf[PG], 0x11);
		CHECK_EQ(frame(&e, 1)[0], 0);
		CHECK_EQ(frame(&e, 1)[PG - 1], 0);
		CHECK_EQ(frame(&e, 3)[0], 0);

		/* EPERM: no U. */
		CHECK_EQ(sv39_map(&e.s, b + 2 * PG, e.pa[2], PG, RW, 0), 0);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + PG, 2 * PG), SV39_EPERM);
		CHECK_EQ(sv39_copy_out(&e.s, b + PG, pattern, 2 * PG), SV39_EPERM);
		CHECK_EQ(sv39_copy_out(&e.s, b + 3 * PG - 1, pattern, 2), SV39_EPERM);
		/* EPERM: U and R but no W, for copy_out only. */
		CHECK_EQ(sv39_protect(&e.s, b + 2 * PG, PG, SV39_PTE_U, SV39_PTE_W), 0);
		CHECK_EQ(sv39_copy_out(&e.s, b + PG, pattern, 2 * PG), SV39_EPERM);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + 2 * PG, 8), 0);
		CHECK_EQ(buf[0], 0);
		memset(buf, 0x11, sizeof(buf));
		/* EPERM: U and X but no R, for copy_in only. */
		CHECK_EQ(sv39_protect(&e.s, b + 2 * PG, PG, SV39_PTE_X | SV39_PTE_W,
				      SV39_PTE_R | SV39_PTE_W),
			 SV39_EPERM); /* W without R */
		CHECK_EQ(sv39_protect(&e.s, b + 2 * PG, PG, SV39_PTE_X, SV39_PTE_R), 0);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + PG, 2 * PG), SV39_EPERM);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b + 2 * PG, 1), SV39_EPERM);
		CHECK_EQ(buf[0], 0x11);
		CHECK_EQ(frame(&e, 1)[0], 0);

		/* ERANGE: non-canonical, across the hole, wrapping. */
		CHECK_EQ(sv39_copy_in(&e.s, buf, SV39_LOW_END, 1), SV39_ERANGE);
		CHECK_EQ(sv39_copy_in(&e.s, buf, 0xffffffbffffffff0ULL, 8), SV39_ERANGE);
		CHECK_EQ(sv39_copy_in(&e.s, buf, SV39_LOW_END - 8, 16), SV39_ERANGE);
		CHECK_EQ(sv39_copy_in(&e.s, buf, 0 - 8, 16), SV39_ERANGE);
		CHECK_EQ(sv39_copy_in(&e.s, buf, b, UINT64_MAX), SV39_ERANGE);
		CHECK_EQ(sv39_copy_out(&e.s, SV39_LOW_END, pattern, 1), SV39_ERANGE);
		CHECK_EQ(sv39_copy_out(&e.s, SV39_LOW_END - 8, pattern, 16), SV39_ERANGE);
		CHECK_EQ(sv39_copy_out(&e.s, 0 - 8, pattern, 16), SV39_ERANGE);
		CHECK_EQ(buf[0], 0x11);
		CHECK_EQ(e.r.errors, 0);
		env_fini(&e);
	}
}

/* The last bytes of each half, and a megapage frame. */
static void
test_edges_and_superpage(void)
{
	static uint8_t out[3 * 4096], in[sizeof(out)];
	struct ramops r;
	struct sv39_space s;

	for (int h = 0; h < 2; h++) {
		sv39_va_t end = h ? 0 : SV39_LOW_END; /* one past the half */
		sv39_va_t m = t_bases[h] + 3 * MEGA * 2;
		sv39_pa_t fpa, mpa;
		uint8_t *fp, *mp;

		check_begin(t_half[h]);
		t_env_init(&r, 32, 0);
		if (!CHECK_EQ(ramops_frames_init(&r, NFRAMES), 0) || !t_space(&r, &s))
			return;
		fpa = ramops_frame_alloc(&r, 1, PG);
		mpa = ramops_frame_alloc(&r, 512, MEGA);
		fp = ramops_frame_ptr(&r, fpa);
		mp = ramops_frame_ptr(&r, mpa);
		if (!CHECK(fp && mp))
			goto out;
		CHECK_EQ(mpa & (MEGA - 1), 0);
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = (uint8_t)(i ^ 0x5c);
		CHECK_EQ(sv39_map(&s, end - PG, fpa, PG, URW, 0), 0);
		CHECK_EQ(sv39_copy_out(&s, end - 16, out, 16), 0);
		CHECK(memcmp(fp + PG - 16, out, 16) == 0);
		CHECK_EQ(sv39_copy_in(&s, in, end - PG, PG), 0);
		CHECK(memcmp(in + PG - 16, out, 16) == 0);
		CHECK_EQ(sv39_copy_in(&s, in, end - PG, PG + 1), SV39_ERANGE);
		/*
		 * The NUL is the last byte of the half and max reaches past it:
		 * reading stops at the NUL, but a library may also reject the
		 * range up front. Either way, never a wrong string.
		 */
		memcpy(fp + PG - 3, "hi", 3);
		{
			int err = sv39_copy_in_str(&s, (char *)in, end - 3, 100);

			CHECK(err == 0 || err == SV39_ERANGE);
			if (err == 0)
				CHECK(strcmp((char *)in, "hi") == 0);
		}
		CHECK_EQ(sv39_copy_in_str(&s, (char *)in, end - 3, 3), 0);
		CHECK(strcmp((char *)in, "hi") == 0);
		memcpy(fp + PG - 3, "hi!", 3);
		CHECK_EQ(sv39_copy_in_str(&s, (char *)in, end - 3, 100), SV39_ERANGE);

		/* A megapage: copies cross its 4 KiB boundaries inside one leaf. */
		CHECK_EQ(sv39_map(&s, m, mpa, MEGA, URW, SV39_MAP_HUGE), 0);
		CHECK_EQ(sv39_translate(&s, m, NULL, NULL, &(uint64_t){ 0 }), 0);
		CHECK_EQ(sv39_copy_out(&s, m + 0x1800, out, sizeof(out)), 0);
		CHECK(memcmp(mp + 0x1800, out, sizeof(out)) == 0);
		memset(in, 0, sizeof(in));
		CHECK_EQ(sv39_copy_in(&s, in, m + 0x1800, sizeof(out)), 0);
		CHECK(memcmp(in, out, sizeof(out)) == 0);
		/* Into the unmapped page just past it: nothing written. */
		CHECK_EQ(sv39_copy_out(&s, m + MEGA - 8, out, 16), SV39_ENOENT);
		CHECK_EQ(mp[MEGA - 8], 0);
		CHECK_EQ(r.errors, 0);
	out:
		t_destroy(&r, &s, 0);
		t_env_fini(&r);
	}
}

int
main(void)
{
	test_roundtrip();
	test_strings();
	test_errors();
	test_edges_and_superpage();
	return check_finish();
}
