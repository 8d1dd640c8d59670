/*
 * Basics layer: sleep locks, for long waits such as disk I/O. A waiter gives
 * up its hart instead of spinning, so a sleep lock may only be taken by a
 * process, never by an interrupt handler or the scheduler.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"

void
initsleeplock(struct sleeplock *lk, const char *name)
{
  /* The guard spin lock shares the sleep lock's name, so the statistics
     show how busy each kind of sleep lock is. */
  initlock(&lk->lk, name);
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
}

void
acquiresleep(struct sleeplock *lk)
{
  acquire(&lk->lk);
  while (lk->locked)
    sleep(lk, &lk->lk);
  lk->locked = 1;
  lk->pid = myproc()->pid;
  release(&lk->lk);
}

void
releasesleep(struct sleeplock *lk)
{
  acquire(&lk->lk);
  lk->locked = 0;
  lk->pid = 0;
  wakeup(lk);
  release(&lk->lk);
}

int
holdingsleep(struct sleeplock *lk)
{
  acquire(&lk->lk);
  int mine = lk->locked && lk->pid == myproc()->pid;
  release(&lk->lk);
  return mine;
}
