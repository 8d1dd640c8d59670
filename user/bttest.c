/*
 * bttest: print a backtrace of the kernel stack of a system call.
 *
 * kbacktrace() is a system call whose kernel side, sys_kbacktrace(), only
 * calls backtrace(). The kernel's stack at that moment is always the same
 * three calls deep, so a working backtrace() prints
 *
 *   backtrace:
 *   0x...      (a return address in sys_kbacktrace)
 *   0x...      (in syscall)
 *   0x...      (in usertrap)
 *
 * Paste the lines into `make symbolize` to see the functions and lines.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  if (kbacktrace() < 0) {
    fprintf(2, "bttest: the kbacktrace system call failed\n");
    exit(1);
  }
  exit(0);
}
