/*
 * Basics layer: spin locks, interrupt nesting, and per-name lock counters.
 *
 * A hart keeps interrupts off while it holds any spin lock: an interrupt
 * handler wanting the same lock would otherwise spin forever on a lock its
 * own hart holds. Locks nest, so interrupts go off at push_off() and come
 * back at the matching pop_off(); the depth is kept per hart (struct cpu).
 *
 * The lock word is taken by an atomic swap with acquire ordering and given
 * back by a store with release ordering: no load or store of the critical
 * section can move out from between the two, on any hart.
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

#if LAB_LOCKS
/*
 * Count a test-and-set that found lk taken. However long the holder keeps
 * it (a hart of QEMU may even be descheduled by the host meanwhile), a
 * waiter makes one such attempt per release it sees, so this count
 * measures how often harts collide, not how long they wait.
 */
static void
count_failed_swap(struct spinlock *lk)
{
  __atomic_fetch_add(&lk->stat->ntas, 1, __ATOMIC_RELAXED);
}
#endif

/*
 * Swap 1 into the lock word until the old value was 0; returns how often
 * the lock was found taken. Between tries the hart only reads the word: a
 * read leaves the holder's cache line alone, where a swap would steal it.
 */
static uint64
take(struct spinlock *lk)
{
  uint64 busy = 0;

  while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
#if LAB_LOCKS
    count_failed_swap(lk);
#endif
    do
      busy++;
    while (__atomic_load_n(&lk->locked, __ATOMIC_RELAXED) != 0);
  }
  return busy;
}

void
acquire(struct spinlock *lk)
{
  /* First of all: holding() is only meaningful if we stay on this hart. */
  push_off();
  if (lk->stat == 0)
    lock_misuse("acquire of an uninitialised lock", lk);
  if (holding(lk))
    lock_misuse("acquire of a lock this hart holds", lk);

  uint64 busy = take(lk);
  lk->cpu = mycpu();

  /* Many locks can share one name, so the counters need atomic updates. */
  __atomic_fetch_add(&lk->stat->nacquire, 1, __ATOMIC_RELAXED);
  if (busy != 0)
    __atomic_fetch_add(&lk->stat->nspin, busy, __ATOMIC_RELAXED);
}

void
release(struct spinlock *lk)
{
  if (!holding(lk))
    lock_misuse("release of a lock this hart does not hold", lk);
  lk->cpu = 0;
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
  pop_off();
}

/* Whether this hart holds lk; call with interrupts off. Only the holder
   ever stores its own struct cpu into lk->cpu, and it clears it before
   giving the lock back. */
int
holding(struct spinlock *lk)
{
  return __atomic_load_n(&lk->cpu, __ATOMIC_RELAXED) == mycpu();
}

void
push_off(void)
{
  int were_on = intr_get();

  intr_off();
  /* From here this thread stays on this hart until its last pop_off(). */
  struct cpu *c = mycpu();
  if (c->noff++ == 0)
    c->intena = were_on;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();

  /* Either is a kernel bug that would otherwise show up much later as a
     deadlock or as an interrupt inside a critical section. */
  if (intr_get())
    panic("pop_off: interrupts are on inside push_off/pop_off");
  if (c->noff <= 0)
    panic("pop_off: no push_off to match");
  if (--c->noff == 0 && c->intena)
    intr_on();
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

#if LAB_LOCKS
const struct lockstat *
lockstat_at(int i)
{
  if (i < 0 || i >= NLOCKSTAT || lockstat_table[i].name == 0)
    return 0;
  return &lockstat_table[i];
}
#endif
