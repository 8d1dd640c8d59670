/*
 * The user library: program entry, string and memory helpers, and small
 * wrappers around system calls. Everything here is plain C with no state.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

int main(int argc, char **argv);

/*
 * exec() starts every program here with argc in a0 and argv in a1. Calling
 * exit() with main's result lets a program simply return from main.
 */
void
_start(int argc, char **argv)
{
  exit(main(argc, argv));
}

/* ---- strings ---- */

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while ((*d++ = *src++) != 0)
    ;
  return dst;
}

int
strcmp(const char *a, const char *b)
{
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

uint
strlen(const char *s)
{
  const char *end = s;

  while (*end)
    end++;
  return end - s;
}

char *
strchr(const char *s, char c)
{
  for (; *s; s++) {
    if (*s == c)
      return (char *)s;
  }
  return 0;
}

/* Accepts an optional '-' and then decimal digits; stops at anything else. */
int
atoi(const char *s)
{
  int negative = (*s == '-');
  int value = 0;

  if (negative)
    s++;
  while (*s >= '0' && *s <= '9')
    value = value * 10 + (*s++ - '0');
  return negative ? -value : value;
}

/* ---- memory ---- */

/*
 * memset and memmove move whole 8-byte words when the addresses allow it:
 * under QEMU every instruction costs, and programs clear and copy whole
 * blocks of file data.
 */
typedef uint64 __attribute__((may_alias)) word;  /* may alias any buffer */
#define WORD sizeof(word)
#define WORD_ALIGNED(p) (((uint64)(p) & (WORD - 1)) == 0)

void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;
  uint64 pattern = (uchar)c * 0x0101010101010101UL;

  while (n > 0 && !WORD_ALIGNED(d)) {
    *d++ = c;
    n--;
  }
  for (; n >= WORD; n -= WORD, d += WORD)
    *(word *)d = pattern;
  while (n-- > 0)
    *d++ = c;
  return dst;
}

static void
copy_forward(uchar *d, const uchar *s, uint n)
{
  if (WORD_ALIGNED(d) && WORD_ALIGNED(s)) {
    for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
      *(word *)d = *(const word *)s;
  }
  while (n-- > 0)
    *d++ = *s++;
}

static void
copy_backward(uchar *d, const uchar *s, uint n)
{
  d += n;
  s += n;
  if (WORD_ALIGNED(d) && WORD_ALIGNED(s)) {
    for (; n >= WORD; n -= WORD) {
      d -= WORD;
      s -= WORD;
      *(word *)d = *(const word *)s;
    }
  }
  while (n-- > 0)
    *--d = *--s;
}

/* Copies correctly even when the two ranges overlap. */
void *
memmove(void *dst, const void *src, int n)
{
  if (n <= 0 || dst == src)
    return dst;
  if ((uchar *)dst < (const uchar *)src)
    copy_forward(dst, src, n);
  else
    copy_backward(dst, src, n);
  return dst;
}

void *
memcpy(void *dst, const void *src, uint n)
{
  if ((uchar *)dst < (const uchar *)src)
    copy_forward(dst, src, n);
  else if ((uchar *)dst > (const uchar *)src)
    copy_backward(dst, src, n);
  return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for (; n > 0; n--, p++, q++) {
    if (*p != *q)
      return *p - *q;
  }
  return 0;
}

/* ---- system call helpers ---- */

/*
 * Reads one line, keeping its newline, into buf (at most max-1 bytes plus
 * the terminating 0). Reads a byte at a time so that nothing past the line
 * is consumed: a child that inherits the descriptor must find the rest.
 * At end of input buf is left empty.
 */
char *
gets(char *buf, int max)
{
  int len = 0;
  char c;

  while (len + 1 < max && read(0, &c, 1) == 1) {
    buf[len++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[len] = 0;
  return buf;
}

int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  int result;

  if (fd < 0)
    return -1;
  result = fstat(fd, st);
  close(fd);
  return result;
}
