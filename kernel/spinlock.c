/*
 * Basics layer: spin locks, interrupt disabling, and per-name lock counters.
 *
 * A hart holding a spin lock keeps interrupts off: otherwise an interrupt
 * handler on the same hart could try to take the lock it already holds and
 * spin forever.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "cpu.h"

#define NLOCKSTAT 64

/*
 * Counters by lock name. A slot is claimed by atomically swapping its name
 * from 0 to the new name and is never released, so the table only grows, in
 * order, and needs no lock of its own: lookups can run on any hart at any
 * time (pipes create locks long after boot). Names must be strings that live
 * forever, such as literals.
 */
static struct lockstat lockstat_table[NLOCKSTAT];
/* Shared by every name that arrives after the table is full. */
static struct lockstat lockstat_overflow = { .name = "(other)" };

static int
same_name(const char *a, const char *b)
{
  return a == b || strncmp(a, b, (uint)-1) == 0;
}

static struct lockstat *
lockstat_for(const char *name)
{
  for (int i = 0; i < NLOCKSTAT; i++) {
    struct lockstat *st = &lockstat_table[i];
    if (st->name == 0 && __sync_bool_compare_and_swap(&st->name, 0, name))
      return st;
    /* Either the slot was taken before we looked or another hart just
       claimed it, possibly for this very name: compare against the winner. */
    if (same_name(st->name, name))
      return st;
  }
  return &lockstat_overflow;
}

void
initlock(struct spinlock *lk, const char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
  lk->stat = lockstat_for(name);
}

/* Stop with a message naming the lock that was misused. */
static void __attribute__((noreturn))
lock_misuse(const char *what, struct spinlock *lk)
{
  /* On the stack, not static: panic never returns, and a second hart
     misusing a lock at the same time must not scribble on this text. */
  char msg[96];

  snprintf(msg, sizeof(msg), "%s: %s", what, lk->name);
  panic(msg);
}

void
acquire(struct spinlock *lk)
{
  uint64 spins = 0;

  push_off();
  if (lk->stat == 0)
    lock_misuse("acquire of an uninitialised lock", lk);
  if (holding(lk))
    lock_misuse("acquire of a lock this hart holds", lk);

  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    spins++;
  /* Keep the critical section's loads and stores after the lock is taken. */
  __sync_synchronize();
  lk->cpu = mycpu();

  /* Many locks can share one name, so the counters need atomic updates.
     Spins are added once, not per attempt, to keep the wait loop free of
     traffic on the shared counter. */
  __sync_fetch_and_add(&lk->stat->nacquire, 1);
  if (spins != 0)
    __sync_fetch_and_add(&lk->stat->nspin, spins);
}

void
release(struct spinlock *lk)
{
  if (!holding(lk))
    lock_misuse("release of a lock this hart does not hold", lk);
  lk->cpu = 0;
  /* Make every store of the critical section visible before the lock is. */
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

/* Whether this hart holds lk. Interrupts must be off, or the answer could
   refer to a hart this code no longer runs on. */
int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

/* Append one counter line to buf; returns 0 if the whole line did not fit,
   so that the output never ends in half a line. */
static int
append_stat(char *buf, int n, int *len, struct lockstat *st)
{
  char line[128];
  int linelen = snprintf(line, sizeof(line), "lock %s acquire %lu spin %lu\n",
                         st->name, st->nacquire, st->nspin);

  if (*len + linelen >= n)
    return 0;
  memmove(buf + *len, line, linelen);
  *len += linelen;
  buf[*len] = '\0';
  return 1;
}

int
lockstats(char *buf, int n)
{
  int len = 0;

  if (n <= 0)
    return 0;
  buf[0] = '\0';
  for (int i = 0; i < NLOCKSTAT && lockstat_table[i].name != 0; i++)
    if (!append_stat(buf, n, &len, &lockstat_table[i]))
      return len;
  if (lockstat_overflow.nacquire != 0)
    append_stat(buf, n, &len, &lockstat_overflow);
  return len;
}
