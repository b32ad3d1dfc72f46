/* SPDX-License-Identifier: MIT */
/*
 * printf.c - formatting into a buffer: %d %u %x %lx %llx %p %s %c %%,
 * with the 'l'/'ll'/'z' sizes, '0' padding and a field width.
 */
#include "kernel.h"

struct out {
	char *buf;
	size_t size, len;
};

static void
put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
put_num(struct out *o, uint64_t v, unsigned base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* A conversion's flags: '0' padding, a field width, a 64-bit size. */
struct spec {
	int lng, width;
	char pad;
};

/* Read the flags after a '%'; returns the conversion character's place. */
static const char *
parse_spec(const char *fmt, struct spec *sp)
{
	sp->lng = sp->width = 0;
	sp->pad = *fmt == '0' ? '0' : ' ';
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	while (*fmt == 'l' || *fmt == 'z') {
		sp->lng = 1;
		fmt++;
	}
	return fmt;
}

static void
put_str(struct out *o, const char *s, int width)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	while (width-- > n)
		put(o, ' ');
	while (*s)
		put(o, *s++);
}

/* One conversion c with its flags, taking its argument from ap. */
static void
put_conv(struct out *o, char c, const struct spec *sp, va_list *ap)
{
	int64_t v;

	switch (c) {
	case 'd':
		v = sp->lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, sp->width, sp->pad);
		break;
	case 'u':
	case 'x':
		put_num(o, sp->lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned),
			c == 'u' ? 10 : 16, 0, sp->width, sp->pad);
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		put_num(o, (uint64_t)va_arg(*ap, void *), 16, 0, 16, '0');
		break;
	case 's':
		put_str(o, va_arg(*ap, const char *), sp->width);
		break;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	case '%':
		put(o, '%');
		break;
	default:
		put(o, '%');
		put(o, c);
	}
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (!*fmt)
			break;
		put_conv(&o, *fmt, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
