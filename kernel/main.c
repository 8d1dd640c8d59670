/*
 * Bring-up, in supervisor mode. Hart 0 initialises every subsystem bottom-up
 * (the layers of DESIGN.md) and creates the first process; the other harts
 * wait for it, turn on paging and interrupts for themselves, and join the
 * scheduler.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "dev.h"
#include "fs.h"
#include "buf.h"
#include "fsys.h"
#include "file.h"
#include "trap.h"

static volatile int hart0_ready;

static void boot_hart0(void)
{
  /* Paging first: the kernel reaches the devices, the console among them,
     through its page table. */
  kinit();
  kvminit();
  procinit();
  kvminithart();
  consoleinit();
  printfinit();
  printf_set_output(consputc);
  printf("\nKiln kernel is booting\n\n");
  clockinit();
  trapinithart();
  plicinit();
  plicinithart();
  binit();
  fileinit();
  statsinit();
  virtio_disk_init();
  proc_set_user_return(usertrapret);
  userinit();
  __sync_synchronize();
  hart0_ready = 1;
}

static void boot_other_hart(void)
{
  while (!hart0_ready)
    ;
  __sync_synchronize();
  kvminithart();
  trapinithart();
  plicinithart();
}

void main(void)
{
  if (cpuid() == 0)
    boot_hart0();
  else
    boot_other_hart();
  scheduler();
}
