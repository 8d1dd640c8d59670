/*
 * trace MASK COMMAND [ARG...]: run COMMAND with system call tracing on.
 *
 * Bit 1 << SYS_name of MASK (see kernel/syscall.h) selects the call "name":
 * "trace 32 grep x README" shows grep's reads, "trace 2147483647 ..." every
 * call. The kernel prints one line per traced call as it returns, for
 * COMMAND and for every process that COMMAND forks.
 */
#include "kernel/types.h"
#include "user/user.h"

/* Is s a decimal number, with an optional leading minus sign? */
static int
is_number(const char *s)
{
  if (*s == '-')
    s++;
  if (*s == 0)
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return 0;
  }
  return 1;
}

int
main(int argc, char *argv[])
{
  if (argc < 3 || !is_number(argv[1])) {
    fprintf(2, "usage: trace MASK COMMAND [ARG...]\n");
    exit(1);
  }
  if (trace(atoi(argv[1])) < 0) {
    fprintf(2, "trace: the trace system call failed\n");
    exit(1);
  }
  /* The mask belongs to this process, so it survives exec. */
  exec(argv[2], argv + 2);
  fprintf(2, "trace: cannot run %s\n", argv[2]);
  exit(1);
}
