/* zombie: leave an exited child unwaited for a while, then exit without waiting. */
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  int pid = fork();

  if (pid < 0) {
    fprintf(2, "zombie: fork failed\n");
    exit(1);
  }
  if (pid == 0)
    exit(0);
  /* The child stays a zombie until this process exits and init adopts it. */
  sleep(5);
  exit(0);
}
