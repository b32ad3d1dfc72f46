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

/* A conversion's flags, field width and size prefix, as the format gave them. */
struct spec {
	int left;  /* '-': pad on the right, with spaces */
	int width; /* the field width, 0 if none */
	int size;  /* how many 'l' or 'z' prefixes: 0 int, 1 long, 2 long long */
	char pad;  /* '0' or ' ' */
};

/*
 * Read the flags, width and size prefix after a '%' into sp; a '*' width
 * takes its value from ap. Returns the conversion character's place, which
 * is the terminating NUL if the format ends first.
 */
static const char *
parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	sp->left = 0;
	sp->width = 0;
	sp->size = 0;
	sp->pad = ' ';
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->pad = '0';
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	if (sp->left)
		sp->pad = ' ';
	while (*fmt == 'l' || *fmt == 'z') {
		sp->size++;
		fmt++;
	}
	return fmt;
}

/* The next argument of a %d or %i, read at the type its size prefix names. */
static long long
arg_signed(va_list *ap, int size)
{
	if (size == 0)
		return va_arg(*ap, int);
	if (size == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, long long);
}

/* The next argument of a %u, %x or %X, read at the type its size prefix names. */
static unsigned long long
arg_unsigned(va_list *ap, int size)
{
	if (size == 0)
		return va_arg(*ap, unsigned int);
	if (size == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned long long);
}

/*
 * One conversion c with its flags, taking its argument (if any) from ap.
 * An unknown c is shown as written. Never called for the NUL.
 */
static void
out_conv(struct out *o, char c, const struct spec *sp, va_list *ap)
{
	const char *s;
	char ch;
	unsigned long long u;
	long long d;

	switch (c) {
	case 'd':
	case 'i':
		d = arg_signed(ap, sp->size);
		u = d < 0 ? -(unsigned long long)d : (unsigned long long)d;
		out_number(o, u, 10, 0, d < 0 ? "-" : "", sp->width, sp->left, sp->pad);
		break;
	case 'u':
	case 'x':
	case 'X':
		u = arg_unsigned(ap, sp->size);
		out_number(o, u, c == 'u' ? 10 : 16, c == 'X', "", sp->width, sp->left, sp->pad);
		break;
	case 'p':
		u = (unsigned long)va_arg(*ap, void *);
		out_number(o, u, 16, 0, "0x", 18, 0, '0');
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		out_field(o, s, (int)strlen(s), sp->width, sp->left, ' ');
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		out_field(o, &ch, 1, sp->width, sp->left, ' ');
		break;
	case '%':
		out_char(o, '%');
		break;
	default: /* unknown: show it as written */
		out_char(o, '%');
		out_char(o, c);
		break;
	}
}

static int
vfdprintf(int fd, const char *fmt, va_list ap)
{
	struct out o;
	struct spec sp;
	va_list args;

	o.fd = fd;
	o.len = 0;
	o.total = 0;
	va_copy(args, ap);
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (*fmt == '\0')
			break; /* a lone '%' at the end: stop at the NUL */
		out_conv(&o, *fmt, &sp, &args);
	}
	va_end(args);
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
