/*
 * Devices layer: the clock. Hart 0's timer interrupt advances a tick count;
 * sleep(2) and uptime(2) read it.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "lib.h"
#include "spinlock.h"
#include "sched.h"
#include "dev.h"

static struct spinlock tickslock;
static uint ticks;

void clockinit(void)
{
  initlock(&tickslock, "time");
}

void clock_tick(void)
{
  acquire(&tickslock);
  ticks++;
  wakeup(&ticks);
  release(&tickslock);
}

uint clock_ticks(void)
{
  acquire(&tickslock);
  uint now = ticks;
  release(&tickslock);
  return now;
}

int clock_sleep(uint n)
{
  acquire(&tickslock);
  uint start = ticks;
  while (ticks - start < n) {
    if (killed(myproc())) {
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}
