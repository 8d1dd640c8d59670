/* lockstat: print the kernel's statistics device (lock contention, free pages). */
#include "kernel/types.h"
#include "user/user.h"

static char buf[16384];

int
main(void)
{
  int n = statistics(buf, sizeof(buf));

  if (n < 0) {
    fprintf(2, "lockstat: cannot open /statistics\n");
    exit(1);
  }
  write(1, buf, n);
  exit(0);
}
