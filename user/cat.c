/*
 * cat [FILE...]: write each FILE in turn, or standard input when there is
 * none, to standard output. A file that cannot be opened is reported and
 * skipped; the exit status is then 1.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

enum outcome { COPIED, READ_FAILED, WRITE_FAILED };

static char chunk[4096];

/* Moves everything readable from fd to standard output. */
static enum outcome
pass_through(int fd)
{
  for (;;) {
    int got = read(fd, chunk, sizeof(chunk));
    if (got == 0)
      return COPIED;
    if (got < 0)
      return READ_FAILED;
    if (write(1, chunk, got) != got)
      return WRITE_FAILED;
  }
}

/* Copies one source; returns 0 if it went well. Stops the program if output fails. */
static int
show(int fd, const char *label)
{
  switch (pass_through(fd)) {
  case READ_FAILED:
    fprintf(2, "cat: read error on %s\n", label);
    return -1;
  case WRITE_FAILED:
    /* Nothing more can reach the output, so there is no point going on. */
    fprintf(2, "cat: write error\n");
    exit(1);
  default:
    return 0;
  }
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc == 1)
    exit(show(0, "standard input") == 0 ? 0 : 1);
  for (int arg = 1; arg < argc; arg++) {
    int fd = open(argv[arg], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: cannot open %s\n", argv[arg]);
      status = 1;
      continue;
    }
    if (show(fd, argv[arg]) != 0)
      status = 1;
    close(fd);
  }
  exit(status);
}
