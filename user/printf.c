/* SPDX-License-Identifier: MIT */
/*
 * printf.c - formatted output to a file descriptor.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, size prefixes l, ll and z,
 * flags '-' and '0', a field width (digits or '*'). No floating point.
 * Output is gathered in a buffer and written with as few write() calls as
 * possible, so lines from processes running at once rarely interleave.
 */
#include <stdarg.h>

#include "user.h"

struct out {
	int fd;
	int len;   /* bytes in buf */
	int total; /* bytes produced so far */
	char buf[256];
};

static void
out_flush(struct out *o)
{
	if (o->len > 0)
		write(o->fd, o->buf, o->len);
	o->len = 0;
}

static void
out_char(struct out *o, char c)
{
	if (o->len == (int)sizeof(o->buf))
		out_flush(o);
	o->buf[o->len++] = c;
	o->total++;
}

static void
out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

/* The string s of length n in a field of width, padded as the flags say. */
static void
out_field(struct out *o, const char *s, int n, int width, int left, char pad)
{
	int i;

	if (!left)
		out_pad(o, pad, width - n);
	for (i = 0; i < n; i++)
		out_char(o, s[i]);
	if (left)
		out_pad(o, ' ', width - n);
}

/* An unsigned number in base 10 or 16, with an optional sign or prefix. */
static void
out_number(struct out *o, unsigned long long v, int base, int upper, const char *prefix, int width,
	   int left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix), len;

	do {
		tmp[n++] = digits[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v != 0);
	len = n + plen;
	if (!left && pad == ' ')
		out_pad(o, ' ', width - len);
	while (*prefix != '\0')
		out_char(o, *prefix++);
	if (!left && pad == '0')
		out_pad(o, '0', width - len);
	while (n > 0)
		out_char(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - len);
}

static int
vfdprintf(int fd, const char *fmt, va_list ap)
{
	struct out o;
	const char *s;
	char c;

	o.fd = fd;
	o.len = 0;
	o.total = 0;
	for (; *fmt != '\0'; fmt++) {
		int left = 0, width = 0, size = 0;
		char pad = ' ';
		unsigned long long u;
		long long d;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (left)
			pad = ' ';
		while (*fmt == 'l' || *fmt == 'z') {
			size++;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (size == 0)
				d = va_arg(ap, int);
			else if (size == 1)
				d = va_arg(ap, long);
			else
				d = va_arg(ap, long long);
			u = d < 0 ? -(unsigned long long)d : (unsigned long long)d;
			out_number(&o, u, 10, 0, d < 0 ? "-" : "", width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (size == 0)
				u = va_arg(ap, unsigned int);
			else if (size == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned long long);
			out_number(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', "", width, left, pad);
			break;
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			out_number(&o, u, 16, 0, "0x", 18, 0, '0');
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			out_field(&o, s, (int)strlen(s), width, left, ' ');
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			out_field(&o, &c, 1, width, left, ' ');
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the NUL */
			break;
		default: /* unknown: show it as written */
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	out_flush(&o);
	return o.total;
}

int
fprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfdprintf(1, fmt, ap);
	va_end(ap);
	return n;
}
