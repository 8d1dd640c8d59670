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
#if LAB_IOZONE >= 2

/* ---- microseconds: the iozone lab ---- */

/* The time CSR of QEMU's virt machine counts at 10 MHz. */
#define CYCLES_PER_USEC 10
/* start.c makes a tick every 100000 cycles: 10 ms. */
#define USECS_PER_TICK 10000

/* Microseconds since boot, from the time CSR: finer than the ticks by far. */
uint64 clock_usecs(void)
{
  return r_time() / CYCLES_PER_USEC;
}

/*
 * Sleep usecs microseconds; -1 if the process was killed meanwhile. While
 * a tick or more is left, the process sleeps until the next tick, which
 * cannot overshoot the deadline by more than a moment; the last part of a
 * tick it spends handing the CPU to others (yield) until the time CSR
 * shows the deadline. So short sleeps are as short as asked, and a process
 * that polls, as iozone's children do, lets the others run.
 */
int clock_usleep(uint64 usecs)
{
  struct proc *self = myproc();
  uint64 deadline = clock_usecs() + usecs;

  for (;;) {
    uint64 now = clock_usecs();
    if (now >= deadline)
      return 0;
    if (killed(self))
      return -1;
    if (deadline - now >= USECS_PER_TICK) {
      acquire(&clock.lock);
      sleep(&clock.now, &clock.lock);
      release(&clock.lock);
    } else {
      yield();
    }
  }
}
#endif
