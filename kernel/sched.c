/*
 * Scheduling: harts, the process table, the per-hart scheduler loop,
 * context switches, and sleep/wakeup. Everything here is about who runs
 * where; creating and destroying processes is proc.c's job.
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

struct proc *myproc(void)
{
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

/* Give every process slot a kernel stack, mapped below the trampoline. */
void procinit(void)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    initlock(&p->lock, "proc");
    p->state = UNUSED;
    char *stack = kalloc();
    if (stack == 0)
      panic("procinit: out of memory at boot");
    p->kstack = KSTACK((int)(p - proc));
    if (mappages(kernel_pagetable, p->kstack, PGSIZE, (uint64)stack, PTE_R | PTE_W) != 0)
      panic("procinit: cannot map kernel stack");
  }
}

/* Run p on this hart until it gives the hart back. Called with p->lock held. */
static void run(struct cpu *c, struct proc *p)
{
  p->state = RUNNING;
  c->proc = p;
#if LAB_KPGTBL >= 2
  kvmswitch(p->kpagetable);  /* the kernel's view with p's user memory mirrored */
#endif
  swtch(&c->context, &p->context);
#if LAB_KPGTBL >= 2
  /* Once p->lock is released p may be freed, its table with it. */
  kvmswitch(kernel_pagetable);
#endif
  c->proc = 0;
}

/*
 * Each hart's scheduler loop, entered once from main() and never left.
 * A hart with nothing to run waits for an interrupt instead of spinning,
 * which keeps idle harts from eating host CPU time under emulation.
 */
void scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    /* Let devices interrupt, or a hart spinning here could deadlock. */
    intr_on();
    int ran = 0;
    for (struct proc *p = proc; p < &proc[NPROC]; p++) {
      /* A lock-free peek skips most slots cheaply; the lock makes it sure. */
      if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != RUNNABLE)
        continue;
      acquire(&p->lock);
      if (p->state == RUNNABLE) {
        run(c, p);
        ran = 1;
      }
      release(&p->lock);
    }
    if (!ran)
      asm volatile("wfi");
  }
}

/*
 * Switch from the current process to this hart's scheduler. The caller holds
 * p->lock (and no other lock) and has already changed p->state. intena
 * belongs to this kernel thread, not to the hart, so it travels with us.
 */
void sched(void)
{
  struct proc *p = myproc();

  if (!holding(&p->lock))
    panic("sched: p->lock not held");
  if (mycpu()->noff != 1)
    panic("sched: other locks held");
  if (p->state == RUNNING)
    panic("sched: process still RUNNING");
  if (intr_get())
    panic("sched: interrupts enabled");

  int intena = mycpu()->intena;
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

/* Give up the hart for one round of scheduling. */
void yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

/*
 * Atomically release lk and sleep on chan; reacquire lk when woken. Holding
 * p->lock from before lk is released until the switch means a wakeup(chan)
 * cannot slip in between and be lost.
 */
void sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();

  acquire(&p->lock);
  release(lk);
  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
}

/* Make every process sleeping on chan runnable. Call without any p->lock. */
void wakeup(void *chan)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    /* An UNUSED slot cannot be asleep on chan, so it needs no lock. A
       SLEEPING-to-be process must not be skipped: it may still be on its
       way into sleep(), holding p->lock. */
    if (p == myproc() || __atomic_load_n(&p->state, __ATOMIC_RELAXED) == UNUSED)
      continue;
    acquire(&p->lock);
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    release(&p->lock);
  }
}

int killed(struct proc *p)
{
  acquire(&p->lock);
  int k = p->killed;
  release(&p->lock);
  return k;
}

void setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

/* ^P on the console: one line per process. Takes no locks, so that it
   still works on a wedged system. */
void procdump(void)
{
  static const char *names[] = {
    [UNUSED] "unused", [USED] "used", [SLEEPING] "sleep",
    [RUNNABLE] "runble", [RUNNING] "run", [ZOMBIE] "zombie",
  };
  printf("\n");
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (p->state == UNUSED)
      continue;
    printf("%d %s %s\n", p->pid, names[p->state], p->name);
  }
}

int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  if (user_dst)
    return copyout(myproc()->pagetable, dst, src, len);
  memmove((void *)dst, src, len);
  return 0;
}

int either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (user_src)
    return copyin(myproc()->pagetable, dst, src, len);
  memmove(dst, (const void *)src, len);
  return 0;
}
