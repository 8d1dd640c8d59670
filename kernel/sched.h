/*
 * Scheduling layer (sched.c): the process table and the life cycle of its
 * slots, the current process, the per-hart scheduler, sleep and wakeup.
 * The processes layer (proc.c, exec.c) fills slots with processes; this
 * layer only decides which of them runs where.
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

#if LAB_SHM >= 2
struct shm_segment;

/* One attachment of a shm segment to a process (shm.c). */
struct shm_attachment {
  struct shm_segment *segment; /* 0: this slot is free */
  uint64 va;                   /* where the segment is mapped */
  int readonly;                /* attached with SHM_RDONLY */
};
#endif

/*
 * The states of a process slot, in the order a process passes through
 * them. sched.c lists which moves between them are allowed; set_state()
 * is the only code that changes p->state.
 */
enum procstate { UNUSED, USED, RUNNABLE, RUNNING, SLEEPING, ZOMBIE };

struct file;
struct inode;

struct proc {
  /* The slot, set up once at boot and never wiped. */
  struct spinlock lock;        /* guards state, chan and killed */
  enum procstate state;
  uint64 kstack;               /* virtual address of this slot's kernel stack */

  /* One process's life: freeproc() zeroes every field from pid to the end,
     so each new process starts from zero. */
  int pid;
  char name[16];               /* for ^P and messages */
  void *chan;                  /* what a SLEEPING process waits for */
  int killed;                  /* the process is to exit when it next can */
  struct context context;      /* swtch() here to resume the process */

  /* The family tree, guarded by proc.c's family lock. */
  struct proc *parent;
  struct proc *children;       /* the first child; the rest follow via sibling */
  struct proc *sibling;        /* the parent's next child */
  int xstate;                  /* exit status, for the parent's wait() */

  /* Used only by the process itself (or by whoever creates or reaps it,
     while it cannot run): no lock. */
  uint64 sz;                   /* bytes of user memory, from address 0 */
  pagetable_t pagetable;       /* user page table */
#if LAB_KPGTBL >= 2
  pagetable_t kpagetable;      /* kernel page table, mirroring user memory */
#endif
  struct trapframe *trapframe; /* user registers while in the kernel (a page) */
  struct file *ofile[NOFILE];  /* open files, by descriptor */
  struct inode *cwd;           /* current directory */
#if LAB_TRACE >= 2
  int trace_mask;              /* bit 1 << SYS_x: print each return of call x */
#endif
#if LAB_ALARM >= 2
  struct alarm alarm;          /* sigalarm() */
#endif
#if LAB_SHM >= 2
  struct shm_attachment shm[SHMSEG];  /* attached shm segments */
#endif
};

extern struct proc proc[NPROC];

/* sched.c */
struct proc *myproc(void);
void procinit(void);  /* also maps every kernel stack into kernel_pagetable */
/* Move p (whose lock the caller holds) to state next; panics if the life
   cycle has no such move. */
void set_state(struct proc *p, enum procstate next);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
int killed(struct proc *p);
void setkilled(struct proc *p);
void mark_killed(struct proc *p);  /* setkilled() for a caller holding p->lock */
void procdump(void);
/* Copy to or from a user address (user_addr != 0) or a kernel address. */
int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int either_copyin(void *dst, int user_src, uint64 src, uint64 len);

#endif
