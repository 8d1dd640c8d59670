/* Scheduling layer: locks held across disk I/O; waiters sleep instead of spinning. */
#ifndef KILN_SLEEPLOCK_H
#define KILN_SLEEPLOCK_H

#include "spinlock.h"

struct sleeplock {
  uint locked;
  struct spinlock lk;  /* guards this structure */
  const char *name;
  int pid;             /* holder */
};

void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int holdingsleep(struct sleeplock *lk);

#endif
