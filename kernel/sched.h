/*
 * Scheduling layer (sched.c): the process table, the current process, the
 * scheduler loop, sleep and wakeup. A struct proc holds what every layer
 * keeps per process; the fields above `kstack` are the scheduler's own.
 */
#ifndef KILN_SCHED_H
#define KILN_SCHED_H

#include "spinlock.h"
#include "cpu.h"
#include "trapframe.h"

#if LAB_ALARM >= 2
/* A process's sigalarm() state. */
struct alarm {
  int interval;                /* user-mode ticks between handler calls; 0: off */
  int ticks_left;              /* user-mode ticks until the next call */
  uint64 handler;              /* user address of the handler */
  int in_handler;              /* the handler runs; saved holds what it interrupted */
  struct trapframe saved;      /* the registers that sigreturn() puts back */
};
#endif

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct file;
struct inode;

struct proc {
  struct spinlock lock;

  /* Guarded by lock. */
  enum procstate state;
  void *chan;                  /* what a SLEEPING process waits for */
  int killed;
  int xstate;                  /* exit status, for the parent's wait() */
  int pid;

  /* Guarded by wait_lock. */
  struct proc *parent;

  /* Private to the process: no lock needed. */
  uint64 kstack;               /* virtual address of the kernel stack */
  uint64 sz;                   /* bytes of user memory */
  pagetable_t pagetable;       /* user page table */
#if LAB_KPGTBL >= 2
  pagetable_t kpagetable;      /* kernel page table, mirroring user memory */
#endif
  struct trapframe *trapframe; /* user registers while in the kernel */
  struct context context;      /* swtch() here to run the process */
  struct file *ofile[NOFILE];  /* open files */
  struct inode *cwd;           /* current directory */
  char name[16];               /* for ^P and messages */
#if LAB_TRACE >= 2
  int trace_mask;              /* bit 1 << SYS_x: print each return of call x */
#endif
#if LAB_ALARM >= 2
  struct alarm alarm;          /* sigalarm(); private to the process too */
#endif
};

extern struct proc proc[NPROC];

/* sched.c */
struct proc *myproc(void);
void procinit(void);  /* also maps every kernel stack into kernel_pagetable */
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
int killed(struct proc *p);
void setkilled(struct proc *p);
void procdump(void);
/* Copy to or from a user address (user_addr != 0) or a kernel address. */
int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int either_copyin(void *dst, int user_src, uint64 src, uint64 len);

#endif
