/*
 * forktest: fork until the process table is full, then check that fork
 * failed cleanly, that every child can be waited for, and that wait
 * reports -1 once no children are left.
 */
#include "kernel/types.h"
#include "user/user.h"

#define MAX_FORKS 1000   /* far more than the kernel has process slots */

static int
fork_until_failure(void)
{
  int n, pid;

  for (n = 0; n < MAX_FORKS; n++) {
    pid = fork();
    if (pid < 0)
      break;
    if (pid == 0)
      exit(0);
  }
  return n;
}

int
main(void)
{
  int forked, i;

  printf("fork test\n");
  forked = fork_until_failure();
  if (forked == MAX_FORKS) {
    fprintf(2, "forktest: fork claimed to work %d times\n", MAX_FORKS);
    exit(1);
  }
  for (i = 0; i < forked; i++) {
    if (wait(0) < 0) {
      fprintf(2, "forktest: wait failed after %d of %d children\n", i, forked);
      exit(1);
    }
  }
  if (wait(0) != -1) {
    fprintf(2, "forktest: wait returned a child that was never forked\n");
    exit(1);
  }
  printf("fork test OK\n");
  exit(0);
}
