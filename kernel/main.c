/*
 * Bring-up in supervisor mode, entered on every hart from start().
 *
 * Hart 0 builds the kernel from the bottom layer up (the layers of
 * tests/layers.txt), so that each step finds the ones below it ready:
 *
 *   memory              the page allocator, then the kernel page table
 *   scheduling          the process table, with every kernel stack mapped
 *   this hart           paging, trap vector and PLIC enable for hart 0
 *   console             printf works from here on; it comes after paging
 *                       because the kernel reaches every device through
 *                       the device window of its page table (memlayout.h)
 *   devices             the clock, PLIC priorities, statistics, the disk
 *   storage             the buffer cache (the file system itself is read
 *                       by the first process, which can sleep on the disk)
 *   open files          the file table
 *   processes           the first process, and how processes enter user mode
 *
 * Only then do the other harts, which have waited, set up what is their
 * own: paging, trap vector and PLIC enable. Every hart then runs the
 * scheduler, which turns interrupts on; until then none can arrive.
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

/* Set by hart 0 once the shared kernel state is built. */
static int kernel_ready;

static void init_console_output(void)
{
  consoleinit();
  printfinit();
  printf_set_output(consputc);
  printf("\nKiln kernel is booting\n\n");
}

static void init_memory(void)
{
  kinit();
  kvminit();
}

/* What each hart sets up for itself, after the kernel page table exists. */
static void init_this_hart(void)
{
  kvminithart();
  trapinithart();
  plicinithart();
}

static void init_devices(void)
{
  clockinit();
  plicinit();
  statsinit();
  virtio_disk_init();
}

static void init_first_process(void)
{
  /* The trap layer sits above proc.c, so it tells proc.c how to get out. */
  proc_set_user_return(usertrapret);
#if LAB_LAZY
  /* Copies to user memory meet page faults in software; the trap layer,
     far above the memory layer, knows how to resolve them. */
  uvm_set_fault_handler(usercopy_page_fault);
#endif
#if LAB_SHM
  shminit();
#endif
  userinit();
}

static void build_kernel(void)
{
  init_memory();
  procinit();  /* maps the kernel stacks, before paging is on */
  init_this_hart();
  init_console_output();
  init_devices();
  binit();
  fileinit();
  init_first_process();
  /* Release: everything above is visible to a hart that sees the flag. */
  __atomic_store_n(&kernel_ready, 1, __ATOMIC_RELEASE);
}

static void join_kernel(void)
{
  while (!__atomic_load_n(&kernel_ready, __ATOMIC_ACQUIRE))
    ;
  init_this_hart();
}

void main(void)
{
  if (cpuid() == 0)
    build_kernel();
  else
    join_kernel();
  scheduler();
}
