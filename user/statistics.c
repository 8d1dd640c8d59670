/*
 * Reading the kernel's statistics device (lock counters, free pages, as
 * text), and making a process's pages its own before it counts them.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "user/user.h"

/*
 * Fills buf with up to n bytes of the device's text. Returns the number of
 * bytes read, or -1 if the device cannot be opened.
 */
int
statistics(void *buf, int n)
{
  char *dst = buf;
  int fd, got, total = 0;

  fd = open("/statistics", O_RDONLY);
  if (fd < 0)
    return -1;
  while (total < n && (got = read(fd, dst + total, n - total)) > 0)
    total += got;
  close(fd);
  return total;
}

/*
 * Make every page of this process's data, bss and heap its own now, by
 * writing to it. After fork() those pages may be shared copy-on-write,
 * and heap pages may exist only once touched: a program's first store to
 * one would then take a free page, which a leak check must not count.
 * The stack's guard page, between the data and the heap, is skipped.
 */
void
ownpages(void)
{
  extern char __data_start[];  /* user/user.ld */
  char here;
  char *guard = (char *)(PGROUNDDOWN((uint64)&here) - PGSIZE);
  char *top = sbrk(0);

  for (volatile char *page = __data_start; page < top; page += PGSIZE)
    if (page != guard)
      *page = *page;
}
