/*
 * Scheduling: the process table and the life cycle of its slots, the
 * scheduler loop that each hart runs, context switches, and sleep/wakeup.
 * Everything here is about which process runs where and when; what a
 * process is made of (memory, files, family) is the processes layer's.
 *
 * Locking: p->lock guards a slot's state, chan and killed. The scheduler
 * acquires it before switching to p, and p releases it when it first runs
 * (forkret) or when it returns from sched(); so the lock is held across
 * every context switch, and is released by the other side of it.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "cpu.h"
#include "sched.h"

struct proc proc[NPROC];

#define TO(s) (1u << (s))

/*
 * The life cycle, in one table: each state's name (for ^P) and the states a
 * slot may move to from it. set_state() enforces it.
 *
 *   UNUSED -> USED          allocproc() claims the slot
 *   USED -> RUNNABLE        the new process is complete
 *   USED -> UNUSED          building it failed; the slot goes back
 *   RUNNABLE -> RUNNING     a hart's scheduler picks it
 *   RUNNING -> RUNNABLE     yield()
 *   RUNNING -> SLEEPING     sleep()
 *   SLEEPING -> RUNNABLE    wakeup(), or kill() interrupting the sleep
 *   RUNNING -> ZOMBIE       exit(); the process never runs again
 *   ZOMBIE -> UNUSED        the parent's wait() reaps it
 */
static const struct {
  const char *name;
  uint moves;  /* TO(s) for every state s allowed next */
} lifecycle[] = {
  [UNUSED]   = { "unused",   TO(USED) },
  [USED]     = { "used",     TO(RUNNABLE) | TO(UNUSED) },
  [RUNNABLE] = { "runnable", TO(RUNNING) },
  [RUNNING]  = { "running",  TO(RUNNABLE) | TO(SLEEPING) | TO(ZOMBIE) },
  [SLEEPING] = { "sleeping", TO(RUNNABLE) },
  [ZOMBIE]   = { "zombie",   TO(UNUSED) },
};

void set_state(struct proc *p, enum procstate next)
{
  if (!holding(&p->lock))
    panic("set_state: p->lock not held");
  if ((lifecycle[p->state].moves & TO(next)) == 0) {
    printf("pid %d: %s -> %s\n", p->pid, lifecycle[p->state].name, lifecycle[next].name);
    panic("set_state: not a move of the life cycle");
  }
  /* chan means something only while the process sleeps. */
  if (p->state == SLEEPING)
    p->chan = 0;
  /* Atomic, because the scheduler and wakeup() peek at it without the lock. */
  __atomic_store_n(&p->state, next, __ATOMIC_RELAXED);
}

static enum procstate peek_state(struct proc *p)
{
  return __atomic_load_n(&p->state, __ATOMIC_RELAXED);
}

struct proc *myproc(void)
{
  /* Interrupts off, so that we are not moved to another hart mid-read. */
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

/* Every slot gets its kernel stack once, for good, below the trampoline. */
void procinit(void)
{
  for (int slot = 0; slot < NPROC; slot++) {
    struct proc *p = &proc[slot];
    initlock(&p->lock, "proc");
    void *stack = kalloc();
    if (stack == 0)
      panic("procinit: no memory for kernel stacks");
    p->kstack = KSTACK(slot);
    if (mappages(kernel_pagetable, p->kstack, PGSIZE, (uint64)stack, PTE_R | PTE_W) < 0)
      panic("procinit: cannot map a kernel stack");
  }
}

/*
 * The first RUNNABLE process after `after` in table order, wrapping round,
 * returned locked; 0 if there is none. Starting after the last process a
 * hart ran gives each process its turn.
 */
static struct proc *pick_next(struct proc *after)
{
  for (int step = 1; step <= NPROC; step++) {
    struct proc *p = &proc[(after - proc + step) % NPROC];
    /* Most slots are not runnable: rule them out without the lock. */
    if (peek_state(p) != RUNNABLE)
      continue;
    acquire(&p->lock);
    if (p->state == RUNNABLE)
      return p;
    release(&p->lock);
  }
  return 0;
}

#if LAB_KPGTBL >= 2
/*
 * kpgtbl lab: run p on its own kernel page table, which also shows its
 * user memory. Back in the scheduler, return to the global table at once:
 * p may be freed as soon as the scheduler releases p->lock.
 */
static void swtch_on_kpagetable(struct cpu *c, struct proc *p)
{
  kvmswitch(p->kpagetable);
  swtch(&c->context, &p->context);
  kvmswitch(kernel_pagetable);
}
#endif

/* Lend this hart to p (locked, RUNNABLE) until p switches back. */
static void run(struct cpu *c, struct proc *p)
{
  set_state(p, RUNNING);
  c->proc = p;
#if LAB_KPGTBL >= 2
  swtch_on_kpagetable(c, p);
#else
  swtch(&c->context, &p->context);
#endif
  c->proc = 0;
}

/*
 * Nothing to run. Wait for an interrupt rather than spin, which keeps idle
 * harts from eating the host's CPU under emulation. Interrupts are off, but
 * wfi still ends when one is pending; turning them on then lets it be
 * handled (it may wake a process).
 */
static void idle(void)
{
  asm volatile("wfi");
  intr_on();
}

/*
 * Each hart's scheduler, entered once from main() and never left. The table
 * is searched with interrupts off: an interrupt that makes a process
 * runnable after the search stays pending, so idle() does not sleep
 * through it.
 */
void scheduler(void)
{
  struct cpu *c = mycpu();
  struct proc *last = &proc[NPROC - 1];

  c->proc = 0;
  for (;;) {
    intr_off();
    struct proc *p = pick_next(last);
    if (p == 0) {
      idle();
      continue;
    }
    run(c, p);
    release(&p->lock);
    last = p;
  }
}

/*
 * Switch from the current process to this hart's scheduler. The caller has
 * already moved p out of RUNNING and holds p->lock and no other lock (a
 * second lock would stay held by a process that is not running).
 */
void sched(void)
{
  struct proc *p = myproc();
  struct cpu *c = mycpu();

  if (!holding(&p->lock) || c->noff != 1)
    panic("sched: must hold p->lock and only it");
  if (p->state == RUNNING || intr_get())
    panic("sched: process still RUNNING, or interrupts on");

  /* Whether interrupts were on before push_off() belongs to this kernel
     thread, not to the hart: carry it across the switch. We may come back
     on another hart. */
  int intena = c->intena;
  swtch(&p->context, &c->context);
  mycpu()->intena = intena;
}

void yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  set_state(p, RUNNABLE);
  sched();
  release(&p->lock);
}

/*
 * Release lk, sleep until wakeup(chan), then take lk back. The caller checked
 * its condition under lk; a waker changes the condition under lk and then
 * needs p->lock to wake us. We take p->lock before letting go of lk and
 * hold it until we are SLEEPING and off the hart, so no wakeup falls in
 * between and is lost.
 */
void sleep(void *chan, struct spinlock *lk)
{
  struct proc *sleeper = myproc();

  acquire(&sleeper->lock);
  release(lk);
  sleeper->chan = chan;
  set_state(sleeper, SLEEPING);
  sched();  /* set_state() cleared chan when the sleep ended */
  release(&sleeper->lock);

  acquire(lk);
}

/*
 * Only a process that is running (perhaps on its way into sleep(), holding
 * its lock) or already asleep can be waiting for chan.
 */
static int may_wait(struct proc *p)
{
  enum procstate s = peek_state(p);
  return s == RUNNING || s == SLEEPING;
}

/* Make every process sleeping on chan RUNNABLE. Call it holding no p->lock. */
void wakeup(void *chan)
{
  struct proc *self = myproc();

  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (p == self || !may_wait(p))
      continue;
    acquire(&p->lock);
    int asleep_on_chan = p->state == SLEEPING && p->chan == chan;
    if (asleep_on_chan)
      set_state(p, RUNNABLE);
    release(&p->lock);
  }
}

/*
 * Ask p to exit: it does so when it next crosses between kernel and user
 * mode. A sleeping p is woken to notice; code that sleeps re-checks its
 * condition, and killed() where a wait could last forever.
 */
void mark_killed(struct proc *p)
{
  if (!holding(&p->lock))
    panic("mark_killed: p->lock not held");
  p->killed = 1;
  if (p->state == SLEEPING)
    set_state(p, RUNNABLE);
}

void setkilled(struct proc *p)
{
  acquire(&p->lock);
  mark_killed(p);
  release(&p->lock);
}

int killed(struct proc *p)
{
  acquire(&p->lock);
  int doomed = p->killed;
  release(&p->lock);
  return doomed;
}

/*
 * ^P on the console: a line for each process. No locks, so that it works
 * even when the system is stuck; what it prints may be slightly stale.
 */
void procdump(void)
{
  printf("\n");
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    enum procstate s = peek_state(p);
    if (s == UNUSED)
      continue;
    printf("%s (pid %d): %s", p->name, p->pid, lifecycle[s].name);
    if (s == SLEEPING)
      printf(" on %p", p->chan);
    printf("\n");
  }
}

int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  if (!user_dst) {
    memmove((void *)dst, src, len);
    return 0;
  }
  return copyout(myproc()->pagetable, dst, src, len);
}

int either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (!user_src) {
    memmove(dst, (const void *)src, len);
    return 0;
  }
  return copyin(myproc()->pagetable, dst, src, len);
}
