/*
 * grep PATTERN [FILE...]: print the lines that match PATTERN.
 *
 * Patterns are a small regular-expression language: c matches itself,
 * '.' any character, x* any number of x (x a character or '.'), a leading
 * '^' anchors at the start of the line and a trailing '$' at its end.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static int match_here(const char *re, const char *text);

static int
char_matches(char re_char, char c)
{
  return c != 0 && (re_char == '.' || re_char == c);
}

/* Matches x* followed by re at text; tries the longest run of x first. */
static int
match_star(char x, const char *re, const char *text)
{
  const char *end = text;

  while (char_matches(x, *end))
    end++;
  for (;;) {
    if (match_here(re, end))
      return 1;
    if (end == text)
      return 0;
    end--;
  }
}

/* Does re match a prefix of text? */
static int
match_here(const char *re, const char *text)
{
  for (;;) {
    if (re[0] == 0)
      return 1;
    if (re[1] == '*')
      return match_star(re[0], re + 2, text);
    if (re[0] == '$' && re[1] == 0)
      return *text == 0;
    if (!char_matches(re[0], *text))
      return 0;
    re++;
    text++;
  }
}

/* Does re match anywhere in text? */
static int
matches(const char *re, const char *text)
{
  if (re[0] == '^')
    return match_here(re + 1, text);
  do {
    if (match_here(re, text))
      return 1;
  } while (*text++ != 0);
  return 0;
}

static char buf[4096];

/*
 * Prints the lines of fd that match. A line too long for the buffer is
 * matched in buffer-sized pieces.
 */
static void
grep_fd(const char *re, int fd)
{
  int kept = 0, n;
  char *line, *newline;

  while ((n = read(fd, buf + kept, sizeof(buf) - 1 - kept)) > 0) {
    kept += n;
    buf[kept] = 0;
    line = buf;
    while ((newline = strchr(line, '\n')) != 0) {
      *newline = 0;
      if (matches(re, line)) {
        *newline = '\n';
        write(1, line, newline + 1 - line);
      }
      line = newline + 1;
    }
    kept -= line - buf;
    if (kept == sizeof(buf) - 1) {
      if (matches(re, buf)) {
        write(1, buf, kept);
        write(1, "\n", 1);
      }
      kept = 0;
    }
    memmove(buf, line, kept);
  }
  if (kept > 0) {
    buf[kept] = 0;
    if (matches(re, buf)) {
      write(1, buf, kept);
      write(1, "\n", 1);
    }
  }
}

int
main(int argc, char *argv[])
{
  int i, fd;

  if (argc < 2) {
    fprintf(2, "usage: grep PATTERN [FILE...]\n");
    exit(1);
  }
  if (argc == 2) {
    grep_fd(argv[1], 0);
    exit(0);
  }
  for (i = 2; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      exit(1);
    }
    grep_fd(argv[1], fd);
    close(fd);
  }
  exit(0);
}
