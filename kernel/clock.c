/*
 * Devices layer: the clock. Hart 0's timer interrupt advances a tick count
 * (about ten a second); sleep(2) and uptime(2) read it. Sleepers wait on
 * the count's address and check their own deadline at every tick.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "lib.h"
#include "spinlock.h"
#include "sched.h"
#include "dev.h"

static struct {
  struct spinlock lock;
  uint now;           /* ticks since boot; wraps after years, harmlessly */
} clock;

void clockinit(void)
{
  initlock(&clock.lock, "time");
}

void clock_tick(void)
{
  acquire(&clock.lock);
  clock.now++;
  release(&clock.lock);
  wakeup(&clock.now);
}

uint clock_ticks(void)
{
  return __atomic_load_n(&clock.now, __ATOMIC_RELAXED);
}

/* Ticks still to wait for deadline; unsigned arithmetic survives the wrap. */
static uint ticks_until(uint start, uint n)
{
  uint waited = clock.now - start;
  return waited >= n ? 0 : n - waited;
}

int clock_sleep(uint n)
{
  struct proc *self = myproc();
  int result = 0;

  acquire(&clock.lock);
  uint start = clock.now;
  while (ticks_until(start, n) > 0) {
    /* A kill must end the wait early, or kill -> exit could take minutes. */
    if (killed(self)) {
      result = -1;
      break;
    }
    sleep(&clock.now, &clock.lock);
  }
  release(&clock.lock);
  return result;
}
