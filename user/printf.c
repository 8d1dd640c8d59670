/*
 * printf and fprintf for user programs.
 *
 * A conversion is written %[flags][width][.precision][length]letter:
 *   flags      '-' left-justifies in the field, '0' pads numbers with zeros
 *   width      digits or '*' (an int argument): the least field width
 *   precision  digits or '*': least digits for d u x, most characters for
 *              s, digits after the point for f (6 if not given)
 *   length     l or ll: d u x take a 64-bit argument
 *   letter     d u x p s c f %
 * A conversion this code does not know is printed as it was written.
 *
 * Output is collected in a buffer and handed to write() in as few calls as
 * possible: a system call per character is slow under QEMU, and lines that
 * processes print at the same time would otherwise mix character by
 * character.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

#define MAX_FIELD 4096    /* caps width and precision, so a typo cannot loop for long */

/* ---- the output buffer ---- */

struct sink {
  int fd;
  int used;
  char pending[256];
};

static void
drain(struct sink *out)
{
  if (out->used > 0)
    write(out->fd, out->pending, out->used);
  out->used = 0;
}

static void
emit(struct sink *out, char c)
{
  if (out->used == sizeof(out->pending))
    drain(out);
  out->pending[out->used++] = c;
}

static void
emit_text(struct sink *out, const char *text, int len)
{
  for (int i = 0; i < len; i++)
    emit(out, text[i]);
}

static void
emit_repeated(struct sink *out, char c, int count)
{
  while (count-- > 0)
    emit(out, c);
}

/* ---- conversion specifications ---- */

struct spec {
  int left;        /* '-': pad on the right */
  int zeros;       /* '0': pad numbers with zeros after the sign */
  int width;       /* least field width, 0 if none */
  int precision;   /* -1 if none */
  int wide;        /* l or ll: a 64-bit integer argument */
  char letter;
};

/* Reads a width or precision: decimal digits, or '*' for an int argument. */
static const char *
read_count(const char *fmt, int *count, va_list *ap)
{
  if (*fmt == '*') {
    *count = va_arg(*ap, int);
    return fmt + 1;
  }
  *count = 0;
  for (; *fmt >= '0' && *fmt <= '9'; fmt++) {
    if (*count < MAX_FIELD)
      *count = *count * 10 + (*fmt - '0');
  }
  return fmt;
}

/* Fills in sp from the text after a '%'; returns where the letter was. */
static const char *
read_spec(const char *fmt, struct spec *sp, va_list *ap)
{
  memset(sp, 0, sizeof(*sp));
  sp->precision = -1;
  for (;; fmt++) {
    if (*fmt == '-')
      sp->left = 1;
    else if (*fmt == '0')
      sp->zeros = 1;
    else
      break;
  }
  fmt = read_count(fmt, &sp->width, ap);
  if (sp->width < 0) {          /* a negative '*' width means left-justify */
    sp->left = 1;
    sp->width = -sp->width;
  }
  if (sp->width > MAX_FIELD)
    sp->width = MAX_FIELD;
  if (*fmt == '.') {
    fmt = read_count(fmt + 1, &sp->precision, ap);
    if (sp->precision > MAX_FIELD)
      sp->precision = MAX_FIELD;
  }
  /* On RV64 long and long long are both 64 bits wide, so l and ll agree. */
  if (*fmt == 'l') {
    sp->wide = 1;
    fmt += fmt[1] == 'l' ? 2 : 1;
  }
  sp->letter = *fmt;
  return fmt;
}

/*
 * A field is the sign or prefix, then the body (body_len characters that
 * the caller emits after field_start), padded to the field width.
 */
static void
field_start(struct sink *out, const struct spec *sp, const char *prefix, int body_len)
{
  int prefix_len = strlen(prefix);
  int padding = sp->width - prefix_len - body_len;

  if (!sp->left && !sp->zeros)
    emit_repeated(out, ' ', padding);
  emit_text(out, prefix, prefix_len);
  if (!sp->left && sp->zeros)
    emit_repeated(out, '0', padding);
}

static void
field_end(struct sink *out, const struct spec *sp, const char *prefix, int body_len)
{
  if (sp->left)
    emit_repeated(out, ' ', sp->width - (int)strlen(prefix) - body_len);
}

/* ---- integers, strings, characters ---- */

static void
format_unsigned(struct sink *out, const struct spec *sp, const char *prefix,
                uint64 value, uint base)
{
  char backwards[24];
  int ndigits = 0, len;

  do {
    backwards[ndigits++] = "0123456789abcdef"[value % base];
    value /= base;
  } while (value > 0);
  len = ndigits > sp->precision ? ndigits : sp->precision;
  field_start(out, sp, prefix, len);
  emit_repeated(out, '0', len - ndigits);
  while (ndigits > 0)
    emit(out, backwards[--ndigits]);
  field_end(out, sp, prefix, len);
}

static void
format_signed(struct sink *out, const struct spec *sp, long value)
{
  /* Negated as unsigned, so that the most negative value keeps its digits. */
  if (value < 0)
    format_unsigned(out, sp, "-", -(uint64)value, 10);
  else
    format_unsigned(out, sp, "", value, 10);
}

static void
format_pointer(struct sink *out, const struct spec *sp, void *p)
{
  struct spec all_digits = *sp;

  all_digits.precision = 16;   /* every hex digit of a 64-bit address */
  all_digits.zeros = 0;
  format_unsigned(out, &all_digits, "0x", (uint64)p, 16);
}

static void
format_string(struct sink *out, const struct spec *sp, const char *s)
{
  int len = 0;

  if (s == 0)
    s = "(null)";
  while (s[len] != 0 && (sp->precision < 0 || len < sp->precision))
    len++;
  field_start(out, sp, "", len);
  emit_text(out, s, len);
  field_end(out, sp, "", len);
}

static void
format_char(struct sink *out, const struct spec *sp, char c)
{
  field_start(out, sp, "", 1);
  emit(out, c);
  field_end(out, sp, "", 1);
}

/* ---- floating point ---- */

/*
 * %f prints the exact decimal value of the double, rounded to the
 * precision half-to-even, as C libraries do. A double is m * 2^e with m an
 * integer below 2^53, so its exact value has at most 309 digits before the
 * point and 1074 after it. The digits live in one static array (printf
 * runs once at a time in a process, and the user stack is a single page),
 * with the point just before index POINT.
 */
#define POINT       320
#define FRAC_DIGITS 1080

static struct {
  char digit[POINT + FRAC_DIGITS];   /* values 0-9 */
  int first;                         /* index of the first digit in use */
  int end;                           /* one past the last digit in use */
} num;

static void
num_set(uint64 m)
{
  memset(num.digit, 0, sizeof(num.digit));
  num.first = num.end = POINT;
  do {
    num.digit[--num.first] = m % 10;
    m /= 10;
  } while (m > 0);
}

static void
num_double(void)
{
  int carry = 0;

  for (int i = num.end - 1; i >= num.first; i--) {
    int d = num.digit[i] * 2 + carry;
    num.digit[i] = d % 10;
    carry = d / 10;
  }
  if (carry)
    num.digit[--num.first] = carry;
}

/* Halving a number that ends in an odd digit adds a 5 after that digit. */
static void
num_halve(void)
{
  int rest = 0;

  for (int i = num.first; i < num.end; i++) {
    int d = rest * 10 + num.digit[i];
    num.digit[i] = d / 2;
    rest = d % 2;
  }
  if (rest)
    num.digit[num.end++] = 5;
  if (num.digit[num.first] == 0 && num.first < POINT - 1)
    num.first++;
}

/* True if the digits from index from on are more than half a unit of from - 1. */
static int
num_rounds_up(int from)
{
  if (from >= num.end || num.digit[from] < 5)
    return 0;
  if (num.digit[from] > 5)
    return 1;
  for (int i = from + 1; i < num.end; i++) {
    if (num.digit[i] != 0)
      return 1;
  }
  return num.digit[from - 1] % 2;   /* exactly half: round to the even digit */
}

/* Keeps the digits before index cut, rounded. */
static void
num_round(int cut)
{
  int i;

  if (num_rounds_up(cut)) {
    for (i = cut - 1; num.digit[i] == 9; i--)
      num.digit[i] = 0;
    num.digit[i]++;
    if (i < num.first)
      num.first = i;
  }
  if (cut < num.end)
    num.end = cut;
}

/* Loads the magnitude of the double with these bits (not inf or nan). */
static void
num_load(uint64 bits)
{
  int exponent = (bits >> 52) & 0x7ff;
  uint64 mantissa = bits & ((1UL << 52) - 1);
  int shift;

  if (exponent == 0) {
    shift = -1074;                   /* subnormal: no hidden bit */
  } else {
    mantissa |= 1UL << 52;
    shift = exponent - 1075;
  }
  num_set(mantissa);
  for (; shift > 0; shift--)
    num_double();
  for (; shift < 0; shift++)
    num_halve();
}

static void
format_special(struct sink *out, const struct spec *sp, const char *sign, const char *word)
{
  struct spec no_zeros = *sp;

  no_zeros.zeros = 0;   /* "00inf" would mean nothing */
  field_start(out, &no_zeros, sign, 3);
  emit_text(out, word, 3);
  field_end(out, &no_zeros, sign, 3);
}

/*
 * Kept out of line: the floating-point work stays in this function, so
 * that printf calls without %f run no floating-point instruction at all.
 */
static __attribute__((noinline)) void
format_double(struct sink *out, const struct spec *sp, va_list *ap)
{
  union { double d; uint64 bits; } value;
  int precision = sp->precision < 0 ? 6 : sp->precision;
  const char *sign;
  int len;

  value.d = va_arg(*ap, double);
  sign = (value.bits >> 63) ? "-" : "";
  if (((value.bits >> 52) & 0x7ff) == 0x7ff) {
    if (value.bits & ((1UL << 52) - 1))
      format_special(out, sp, "", "nan");
    else
      format_special(out, sp, sign, "inf");
    return;
  }
  num_load(value.bits);
  if (POINT + precision < num.end)
    num_round(POINT + precision);
  len = (POINT - num.first) + (precision > 0 ? 1 + precision : 0);
  field_start(out, sp, sign, len);
  for (int i = num.first; i < POINT; i++)
    emit(out, '0' + num.digit[i]);
  if (precision > 0)
    emit(out, '.');
  for (int i = POINT; i < POINT + precision; i++)
    emit(out, i < num.end ? '0' + num.digit[i] : '0');
  field_end(out, sp, sign, len);
}

/* ---- the format loop ---- */

/* Formats one conversion; returns 0 if sp's letter is not one this code knows. */
static int
format_one(struct sink *out, const struct spec *sp, va_list *ap)
{
  switch (sp->letter) {
  case 'd':
    format_signed(out, sp, sp->wide ? va_arg(*ap, long) : va_arg(*ap, int));
    return 1;
  case 'u':
    format_unsigned(out, sp, "", sp->wide ? va_arg(*ap, uint64) : va_arg(*ap, uint), 10);
    return 1;
  case 'x':
    format_unsigned(out, sp, "", sp->wide ? va_arg(*ap, uint64) : va_arg(*ap, uint), 16);
    return 1;
  }
  if (sp->wide)
    return 0;
  switch (sp->letter) {
  case 'p':
    format_pointer(out, sp, va_arg(*ap, void *));
    return 1;
  case 's':
    format_string(out, sp, va_arg(*ap, const char *));
    return 1;
  case 'c':
    format_char(out, sp, va_arg(*ap, int));
    return 1;
  case 'f':
    format_double(out, sp, ap);
    return 1;
  case '%':
    emit(out, '%');
    return 1;
  }
  return 0;
}

static void
vprint(int fd, const char *fmt, va_list ap)
{
  struct sink out;
  struct spec sp;
  const char *letter;
  va_list args;

  out.fd = fd;
  out.used = 0;
  va_copy(args, ap);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      emit(&out, *fmt);
      continue;
    }
    letter = read_spec(fmt + 1, &sp, &args);
    if (format_one(&out, &sp, &args))
      fmt = letter;
    else
      emit(&out, '%');   /* and go on with the text after it, as written */
  }
  va_end(args);
  drain(&out);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprint(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprint(1, fmt, ap);
  va_end(ap);
}
