/* wc [FILE...]: count lines, words and bytes. */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define SPACES " \t\r\n\v"

static char buf[4096];

/* Prints the counts for fd, labelled name; returns -1 on a read error. */
static int
count(int fd, const char *name)
{
  int lines = 0, words = 0, bytes = 0, in_word = 0;
  int n, i;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    bytes += n;
    for (i = 0; i < n; i++) {
      if (buf[i] == '\n')
        lines++;
      if (buf[i] != 0 && strchr(SPACES, buf[i])) {
        in_word = 0;
      } else if (!in_word) {
        in_word = 1;
        words++;
      }
    }
  }
  if (n < 0) {
    fprintf(2, "wc: read error on %s\n", name);
    return -1;
  }
  printf("%d %d %d %s\n", lines, words, bytes, name);
  return 0;
}

int
main(int argc, char *argv[])
{
  int i, fd;

  if (argc < 2) {
    count(0, "");
    exit(0);
  }
  for (i = 1; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      exit(1);
    }
    if (count(fd, argv[i]) < 0)
      exit(1);
    close(fd);
  }
  exit(0);
}
