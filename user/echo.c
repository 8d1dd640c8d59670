/* echo: print the arguments, separated by spaces, and a newline. */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  char line[512];
  int len = 0, i, n;

  /* Build the whole line first so that it reaches the output in one write. */
  for (i = 1; i < argc; i++) {
    n = strlen(argv[i]);
    if (len + n + 1 > sizeof(line)) {
      write(1, line, len);
      len = 0;
    }
    if (n + 1 > sizeof(line)) {
      write(1, argv[i], n);
    } else {
      memmove(line + len, argv[i], n);
      len += n;
    }
    line[len++] = (i + 1 < argc) ? ' ' : '\n';
  }
  if (argc < 2)
    line[len++] = '\n';
  write(1, line, len);
  exit(0);
}
