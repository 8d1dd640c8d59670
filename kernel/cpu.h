/*
 * Machine layer: per-hart state.
 *
 * Each hart finds its own struct cpu through tp, which start() loads with
 * the hart id; the kernel never changes tp after that (and uservec reloads
 * it from the trapframe, since user code may). A thread may move to another
 * hart whenever interrupts are on, so mycpu() is meaningful only while they
 * are off. Turning them off and on in nested pairs (push_off/pop_off) is
 * done by the spin locks that need it (spinlock.h); its bookkeeping lives
 * here, per hart.
 */
#ifndef KILN_CPU_H
#define KILN_CPU_H

struct proc;

/*
 * A kernel thread's registers while it is switched out: the ones the
 * calling convention makes a callee keep. swtch.S stores them in this order.
 */
struct context {
  uint64 ra;      /* where the thread resumes */
  uint64 sp;
  uint64 s[12];   /* s0 .. s11 */
};

struct cpu {
  int noff;                 /* push_off() depth */
  int intena;               /* were interrupts on before the outermost push_off()? */
  struct proc *proc;        /* the process running here, or 0 */
  struct context context;   /* the scheduler's registers: swtch() here to run it */
};

extern struct cpu cpus[NCPU];

int cpuid(void);            /* call with interrupts off */
struct cpu *mycpu(void);    /* call with interrupts off */

/* swtch.S: save the current registers in old, load those of new. */
void swtch(struct context *old, struct context *new);

#endif
