/*
 * Basics layer: spin locks, and the interrupt nesting they rely on.
 *
 * Locks are counted by name: every lock named "proc" adds to the same
 * counters, however many there are and even after they are gone (pipes
 * come and go). The "statistics" device shows them.
 */
#ifndef KILN_SPINLOCK_H
#define KILN_SPINLOCK_H

struct cpu;

/* Counters shared by all locks of one name. */
struct lockstat {
  const char *name;
  uint64 nacquire;        /* successful acquisitions */
  uint64 nspin;           /* times an acquirer found the lock taken */
#if LAB_LOCKS
  uint64 ntas;            /* test-and-sets (atomic swaps) that failed */
#endif
};

struct spinlock {
  uint locked;
  const char *name;
  struct cpu *cpu;        /* holder, for holding() and debugging */
  struct lockstat *stat;  /* this name's counters */
};

void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
/* Write one line per lock name, "lock NAME acquire N spin N\n", into buf
   (at most n bytes); returns the length written. */
int lockstats(char *buf, int n);
#if LAB_LOCKS
/* The counters of the i-th lock name, in the order the names appeared; 0 past the last. */
const struct lockstat *lockstat_at(int i);
#endif

/*
 * Interrupts off, nestable: interrupts come back on at the pop_off() that
 * matches the outermost push_off(), and only if they were on before it.
 * A pop_off() without its push_off(), or with interrupts on, panics.
 */
void push_off(void);
void pop_off(void);

#endif
