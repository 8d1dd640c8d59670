/*
 * fprintf and printf for user programs.
 *
 * Output is gathered in a buffer and handed to write() in as few calls as
 * possible (one, for anything shorter than the buffer): a system call per
 * character is slow under QEMU, and lines written by different processes
 * would otherwise interleave character by character.
 *
 * Conversions: %d %u %x %p %s %c %%, and %d %u %x with an l or ll prefix
 * for 64-bit values.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

struct outbuf {
  int fd;
  int len;
  char data[256];
};

static void
flush(struct outbuf *out)
{
  if (out->len > 0)
    write(out->fd, out->data, out->len);
  out->len = 0;
}

static void
put_char(struct outbuf *out, char c)
{
  if (out->len == sizeof(out->data))
    flush(out);
  out->data[out->len++] = c;
}

static void
put_string(struct outbuf *out, const char *s)
{
  if (s == 0)
    s = "(null)";
  while (*s)
    put_char(out, *s++);
}

/* Prints value in base 10 or 16, at least min_digits digits (zero-padded). */
static void
put_unsigned(struct outbuf *out, uint64 value, int base, int min_digits)
{
  static const char digits[] = "0123456789abcdef";
  char reversed[24];
  int n = 0;

  do {
    reversed[n++] = digits[value % base];
    value /= base;
  } while (value != 0);
  while (n < min_digits)
    reversed[n++] = '0';
  while (n > 0)
    put_char(out, reversed[--n]);
}

static void
put_signed(struct outbuf *out, long value)
{
  if (value < 0) {
    put_char(out, '-');
    /* Negate as unsigned so that the most negative value survives. */
    put_unsigned(out, -(uint64)value, 10, 1);
  } else {
    put_unsigned(out, value, 10, 1);
  }
}

/*
 * Handles one integer conversion (d, u or x) whose argument is an int or,
 * if is_long, a long. Returns 0 if conv is not one of these.
 */
static int
put_integer(struct outbuf *out, char conv, int is_long, va_list *ap)
{
  switch (conv) {
  case 'd':
    put_signed(out, is_long ? va_arg(*ap, long) : va_arg(*ap, int));
    return 1;
  case 'u':
    put_unsigned(out, is_long ? va_arg(*ap, uint64) : va_arg(*ap, uint), 10, 1);
    return 1;
  case 'x':
    put_unsigned(out, is_long ? va_arg(*ap, uint64) : va_arg(*ap, uint), 16, 1);
    return 1;
  default:
    return 0;
  }
}

/* Formats one conversion starting just after '%'; returns the rest of fmt. */
static const char *
put_conversion(struct outbuf *out, const char *fmt, va_list *ap)
{
  const char *start = fmt;
  int is_long = 0;

  /* On RV64 long and long long are both 64 bits, so l and ll mean the same. */
  while (*fmt == 'l' && fmt - start < 2) {
    is_long = 1;
    fmt++;
  }
  if (put_integer(out, *fmt, is_long, ap))
    return fmt + 1;

  if (!is_long) {
    switch (*fmt) {
    case 'p':
      put_string(out, "0x");
      put_unsigned(out, (uint64)va_arg(*ap, void *), 16, 16);
      return fmt + 1;
    case 's':
      put_string(out, va_arg(*ap, const char *));
      return fmt + 1;
    case 'c':
      put_char(out, va_arg(*ap, int));
      return fmt + 1;
    case '%':
      put_char(out, '%');
      return fmt + 1;
    }
  }

  /* Unknown conversion: print it as written so the mistake is visible. */
  put_char(out, '%');
  return start;
}

static void
print_to_fd(int fd, const char *fmt, va_list ap)
{
  struct outbuf out;
  va_list args;

  out.fd = fd;
  out.len = 0;
  va_copy(args, ap);
  while (*fmt) {
    if (*fmt == '%')
      fmt = put_conversion(&out, fmt + 1, &args);
    else
      put_char(&out, *fmt++);
  }
  va_end(args);
  flush(&out);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  print_to_fd(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  print_to_fd(1, fmt, ap);
  va_end(ap);
}
