/*
 * Basics layer: formatted output for the kernel (printf to the console,
 * snprintf into memory) and panic.
 *
 * Both printers share one formatting engine that hands each character to an
 * output callback. Conversions: %d %u %x %p %s %c %%, and the l / ll length
 * modifiers on d, u and x. No field widths or flags.
 */
#include <stdarg.h>

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "cpu.h"

/*
 * Zero while the system runs. panic() stores the panicking hart's id plus
 * one: the console then ignores every other hart (see uart.c), so the panic
 * message and whatever the panicking hart prints after it stay readable.
 */
volatile int panicked = 0;

/* Serialises printf calls so that lines from different harts do not mix. */
static struct spinlock print_lock;

typedef void (*emit_fn)(void *sink, char c);

static const char hex_digits[] = "0123456789abcdef";

static void
emit_string(emit_fn emit, void *sink, const char *s)
{
  if (s == 0)
    s = "(null)";
  while (*s != '\0')
    emit(sink, *s++);
}

static void
emit_unsigned(emit_fn emit, void *sink, uint64 value, int base)
{
  char digits[20];  /* 2^64 has 20 decimal digits */
  int n = 0;

  do {
    digits[n++] = hex_digits[value % base];
    value /= base;
  } while (value != 0);
  while (n > 0)
    emit(sink, digits[--n]);
}

static void
emit_signed(emit_fn emit, void *sink, long value)
{
  if (value < 0) {
    emit(sink, '-');
    /* Negate as unsigned so that the most negative value works too. */
    emit_unsigned(emit, sink, -(uint64)value, 10);
  } else {
    emit_unsigned(emit, sink, value, 10);
  }
}

static void
emit_pointer(emit_fn emit, void *sink, uint64 p)
{
  emit(sink, '0');
  emit(sink, 'x');
  for (int shift = 60; shift >= 0; shift -= 4)
    emit(sink, hex_digits[(p >> shift) & 0xf]);
}

/*
 * Format one integer conversion. `longs` counts the l modifiers (0..2).
 * The va_list is passed by pointer so that the caller's list advances.
 */
static void
format_integer(emit_fn emit, void *sink, char conv, int longs, va_list *ap)
{
  if (conv == 'd') {
    long v = longs == 0 ? va_arg(*ap, int)
           : longs == 1 ? va_arg(*ap, long)
           : va_arg(*ap, long long);
    emit_signed(emit, sink, v);
  } else {
    uint64 v = longs == 0 ? va_arg(*ap, uint)
             : longs == 1 ? va_arg(*ap, unsigned long)
             : va_arg(*ap, unsigned long long);
    emit_unsigned(emit, sink, v, conv == 'x' ? 16 : 10);
  }
}

/*
 * Format the conversion whose '%' is at pct. Returns the last character of
 * the conversion, where the caller's scan resumes.
 */
static const char *
format_conversion(emit_fn emit, void *sink, const char *pct, va_list *ap)
{
  const char *f = pct + 1;
  int longs = 0;

  while (*f == 'l' && longs < 2) {
    longs++;
    f++;
  }
  switch (*f) {
  case 'd': case 'u': case 'x':
    format_integer(emit, sink, *f, longs, ap);
    break;
  case 'p':
    emit_pointer(emit, sink, (uint64)va_arg(*ap, void *));
    break;
  case 's':
    emit_string(emit, sink, va_arg(*ap, const char *));
    break;
  case 'c':
    emit(sink, (char)va_arg(*ap, int));
    break;
  case '%':
    emit(sink, '%');
    break;
  case '\0':
    /* The format ends inside the conversion: show what is there. */
    for (; pct < f; pct++)
      emit(sink, *pct);
    return f - 1;
  default:
    /* Unknown: show it as written, so that the mistake is visible. */
    for (; pct <= f; pct++)
      emit(sink, *pct);
    break;
  }
  return f;
}

/* The formatting engine behind printf and snprintf. */
static void
format(emit_fn emit, void *sink, const char *fmt, va_list caller_ap)
{
  va_list ap;

  /* A local copy can be passed on by address whatever type va_list is. */
  va_copy(ap, caller_ap);
  for (const char *f = fmt; *f != '\0'; f++) {
    if (*f == '%')
      f = format_conversion(emit, sink, f, &ap);
    else
      emit(sink, *f);
  }
  va_end(ap);
}

/* Where printf's characters go: the console, once main has said so. */
static void (*output)(int c);

void
printf_set_output(void (*putc)(int c))
{
  output = putc;
}

static void
emit_to_console(void *sink, char c)
{
  (void)sink;
  if (output)
    output(c);
}

void
printf(const char *fmt, ...)
{
  va_list ap;
  /* Once a hart has panicked the lock may be held by a hart that is now
     frozen (or by the panicking hart itself), so it is no longer taken. */
  int locked = !panicked;

  if (locked)
    acquire(&print_lock);
  va_start(ap, fmt);
  format(emit_to_console, 0, fmt, ap);
  va_end(ap);
  if (locked)
    release(&print_lock);
}

struct string_sink {
  char *buf;
  int size;  /* room in buf, including the terminating zero */
  int len;   /* characters stored so far */
};

static void
emit_to_string(void *sink, char c)
{
  struct string_sink *s = sink;

  if (s->len < s->size - 1)
    s->buf[s->len++] = c;
}

/* Returns the number of characters stored (not counting the terminating
   zero), which is less than the full length when the output was cut short;
   that keeps `len += snprintf(buf + len, n - len, ...)` safe. */
int
snprintf(char *buf, int n, const char *fmt, ...)
{
  struct string_sink sink = { buf, n, 0 };
  va_list ap;

  if (n <= 0)
    return 0;
  va_start(ap, fmt);
  format(emit_to_string, &sink, fmt, ap);
  va_end(ap);
  buf[sink.len] = '\0';
  return sink.len;
}

void
panic(const char *msg)
{
  intr_off();
  /* Only the first hart to panic gets to speak; a later one (or a panic
     within the panic) would only garble the first message, so it halts. */
  if (__sync_bool_compare_and_swap(&panicked, 0, cpuid() + 1)) {
    /* Start on a fresh line, whatever was being printed when it happened. */
    printf("\npanic: %s\n", msg);
#if LAB_ALARM >= 2
    backtrace();
#endif
  }
  for (;;)
    ;
}

#if LAB_ALARM >= 2
/*
 * Print "backtrace:" and then the return addresses on the current stack,
 * innermost first, one a line, for grade/symbolize.py (`make symbolize`)
 * to turn into functions and lines. The kernel keeps frame pointers: s0
 * points just past each frame, whose last two words are the return
 * address (at fp-8) and the caller's s0 (at fp-16).
 *
 * Every kernel stack is one page (a process's kernel stack, or a hart's
 * boot stack, where the scheduler runs), so the walk stays in the page the
 * current frame is in. The frame at the very top of a process's kernel
 * stack is usertrap()'s, whose two words hold the user's ra and s0: that
 * one is not printed. A trap taken in the kernel leaves a frame record too
 * (kernelvec.S), so the walk goes on into the code the trap interrupted.
 */
void
backtrace(void)
{
  uint64 fp = r_fp();
  uint64 top = PGROUNDUP(fp);

  printf("backtrace:\n");
  while (fp < top) {
    uint64 *frame = (uint64 *)fp;
    uint64 caller_fp = frame[-2];
    printf("%p\n", (void *)frame[-1]);
    /* A caller's frame lies above its callee's; anything else is not a
       frame, and following it could loop or leave the stack. */
    if (caller_fp <= fp)
      break;
    fp = caller_fp;
  }
}
#elif LAB_ALARM == 1
/*
 * TODO (alarm lab, task 1): print "backtrace:" and then, one a line, the
 * return address of each frame on the current kernel stack, innermost
 * first. handouts/alarm.md shows the frame layout and the output format.
 */
void
backtrace(void)
{
}
#endif

void
printfinit(void)
{
  initlock(&print_lock, "pr");
}
