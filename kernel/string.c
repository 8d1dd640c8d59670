/*
 * Basics layer: memory and string helpers.
 *
 * The compiler emits calls to memset and memcpy for large structure
 * assignments and initialisers, so these must exist even in a kernel that
 * never names them. The memory functions move eight bytes at a time whenever
 * both pointers share the same alignment; under QEMU every executed
 * instruction costs, so this matters for page copies and buffer moves.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"

/* A 64-bit word that may alias any other type, so the word loops below are
   not subject to strict-aliasing assumptions. */
typedef uint64 __attribute__((may_alias)) word;

#define WORD_SIZE   sizeof(word)
#define WORD_MASK   (WORD_SIZE - 1)
#define ALIGNED(p)  ((((uint64)(p)) & WORD_MASK) == 0)

void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;
  uchar byte = c;

  while (n > 0 && !ALIGNED(d)) {
    *d++ = byte;
    n--;
  }
  /* Replicate the byte into every byte of a word. */
  word pattern = byte * 0x0101010101010101UL;
  for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE)
    *(word *)d = pattern;
  while (n > 0) {
    *d++ = byte;
    n--;
  }
  return dst;
}

/* Copy from low addresses to high: safe when dst is below src. */
static void
copy_up(uchar *d, const uchar *s, uint n)
{
  /* Words are only usable if both pointers can reach alignment together. */
  if ((((uint64)d ^ (uint64)s) & WORD_MASK) == 0) {
    while (n > 0 && !ALIGNED(d)) {
      *d++ = *s++;
      n--;
    }
    for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE, s += WORD_SIZE)
      *(word *)d = *(const word *)s;
  }
  while (n > 0) {
    *d++ = *s++;
    n--;
  }
}

/* Copy from high addresses to low: safe when dst is above src. */
static void
copy_down(uchar *d, const uchar *s, uint n)
{
  d += n;
  s += n;
  if ((((uint64)d ^ (uint64)s) & WORD_MASK) == 0) {
    while (n > 0 && !ALIGNED(d)) {
      *--d = *--s;
      n--;
    }
    for (; n >= WORD_SIZE; n -= WORD_SIZE) {
      d -= WORD_SIZE;
      s -= WORD_SIZE;
      *(word *)d = *(const word *)s;
    }
  }
  while (n > 0) {
    *--d = *--s;
    n--;
  }
}

void *
memmove(void *dst, const void *src, uint n)
{
  uchar *d = dst;
  const uchar *s = src;

  /* Only a destination that starts inside the source must be copied
     backwards; every other arrangement is safe front to back. */
  if (d > s && d < s + n)
    copy_down(d, s, n);
  else if (d != s)
    copy_up(d, s, n);
  return dst;
}

void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *x = a;
  const uchar *y = b;

  /* Skip equal words quickly; the bytes decide the sign of the result. */
  if (ALIGNED(x) && ALIGNED(y)) {
    for (; n >= WORD_SIZE; n -= WORD_SIZE, x += WORD_SIZE, y += WORD_SIZE)
      if (*(const word *)x != *(const word *)y)
        break;
  }
  for (; n > 0; n--, x++, y++)
    if (*x != *y)
      return *x - *y;
  return 0;
}

int
strlen(const char *s)
{
  int n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

int
strncmp(const char *a, const char *b, uint n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b)
      return (uchar)*a - (uchar)*b;
    if (*a == '\0')
      return 0;
  }
  return 0;
}

/* Like C's strncpy: copies at most n bytes and pads the rest of dst with
   zeros, but does not terminate dst when src is n bytes or longer. */
char *
strncpy(char *dst, const char *src, int n)
{
  int i = 0;

  for (; i < n && src[i] != '\0'; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = '\0';
  return dst;
}

/* Copies at most n - 1 bytes and always terminates dst (if n > 0). */
char *
safestrcpy(char *dst, const char *src, int n)
{
  int i = 0;

  if (n <= 0)
    return dst;
  for (; i < n - 1 && src[i] != '\0'; i++)
    dst[i] = src[i];
  dst[i] = '\0';
  return dst;
}
