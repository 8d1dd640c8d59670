/*
 * Sleep locks. A sleep lock belongs to a process, not to a hart: its holder
 * may sleep while holding it, so interrupt handlers and the scheduler (which
 * are no process) must never take one.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"

void initsleeplock(struct sleeplock *lk, const char *name)
{
  /* The guard takes the sleep lock's name, so that the lock statistics
     show how contended each kind of sleep lock is. */
  initlock(&lk->guard, name);
  lk->holder = 0;
  lk->sleepers = 0;
  lk->name = name;
}

void acquiresleep(struct sleeplock *lk)
{
  struct proc *me = myproc();

  acquire(&lk->guard);
  if (lk->holder == me)
    panic("acquiresleep: already held by this process");
  /* The holder may change hands several times before we win. */
  while (lk->holder != 0) {
    lk->sleepers++;
    sleep(lk, &lk->guard);
    lk->sleepers--;
  }
  lk->holder = me;
  release(&lk->guard);
}

void releasesleep(struct sleeplock *lk)
{
  acquire(&lk->guard);
  if (lk->holder != myproc())
    panic("releasesleep: not the holder");
  lk->holder = 0;
  /* wakeup() visits every process slot: skip it when nobody waits. */
  if (lk->sleepers > 0)
    wakeup(lk);
  release(&lk->guard);
}

int holdingsleep(struct sleeplock *lk)
{
  acquire(&lk->guard);
  int mine = lk->holder != 0 && lk->holder == myproc();
  release(&lk->guard);
  return mine;
}
