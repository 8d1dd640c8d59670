/*
 * Machine layer: per-hart state. Each hart finds its own struct cpu through
 * the tp register, which start() loads with the hart id and the kernel never
 * changes. Interrupt nesting lives here, below the locks that use it.
 */
#ifndef KILN_CPU_H
#define KILN_CPU_H

struct proc;

/* Callee-saved registers that swtch() saves and restores. */
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s[12];
};

struct cpu {
  struct proc *proc;        /* running process, or 0 */
  struct context context;   /* swtch() here to enter the scheduler */
  int noff;                 /* depth of push_off() nesting */
  int intena;               /* were interrupts on before the first push_off()? */
};

extern struct cpu cpus[NCPU];

int cpuid(void);            /* call with interrupts off */
struct cpu *mycpu(void);    /* call with interrupts off */
/* Interrupts off, nestable: every push_off needs a matching pop_off. */
void push_off(void);
void pop_off(void);

/* swtch.S: save the current registers in old, load those of new. */
void swtch(struct context *old, struct context *new);

#endif
