/*
 * Scheduling layer: sleep locks, for locks held across long waits such as
 * disk I/O. A process that finds one taken sleeps instead of spinning.
 */
#ifndef KILN_SLEEPLOCK_H
#define KILN_SLEEPLOCK_H

#include "spinlock.h"

struct proc;

struct sleeplock {
  struct spinlock guard;  /* protects the two fields below */
  struct proc *holder;    /* the process holding the lock, or 0 when free */
  int sleepers;           /* processes waiting for it to be free */
  const char *name;
};

void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int holdingsleep(struct sleeplock *lk);

#endif
