/*
 * Scheduling layer (sched.c, swtch.S) and processes layer (proc.c, exec.c):
 * harts, processes, context switches, sleep and wakeup.
 */
#ifndef KILN_PROC_H
#define KILN_PROC_H

#include "spinlock.h"

/* Callee-saved registers that swtch() saves and restores. */
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s[12];
};

/* Per-hart state. */
struct cpu {
  struct proc *proc;        /* running process, or 0 */
  struct context context;   /* swtch() here to enter the scheduler */
  int noff;                 /* depth of push_off() nesting */
  int intena;               /* were interrupts on before the first push_off()? */
};

extern struct cpu cpus[NCPU];

/*
 * The page that uservec (trampoline.S) saves user registers into, mapped at
 * TRAPFRAME in the user page table. The first five fields describe the
 * kernel to the trampoline; the offsets are used by trampoline.S.
 */
struct trapframe {
  /*   0 */ uint64 kernel_satp;
  /*   8 */ uint64 kernel_sp;
  /*  16 */ uint64 kernel_trap;   /* usertrap() */
  /*  24 */ uint64 epc;           /* saved user pc */
  /*  32 */ uint64 kernel_hartid;
  /*  40 */ uint64 ra;
  /*  48 */ uint64 sp;
  /*  56 */ uint64 gp;
  /*  64 */ uint64 tp;
  /*  72 */ uint64 t0;
  /*  80 */ uint64 t1;
  /*  88 */ uint64 t2;
  /*  96 */ uint64 s0;
  /* 104 */ uint64 s1;
  /* 112 */ uint64 a0;
  /* 120 */ uint64 a1;
  /* 128 */ uint64 a2;
  /* 136 */ uint64 a3;
  /* 144 */ uint64 a4;
  /* 152 */ uint64 a5;
  /* 160 */ uint64 a6;
  /* 168 */ uint64 a7;
  /* 176 */ uint64 s2;
  /* 184 */ uint64 s3;
  /* 192 */ uint64 s4;
  /* 200 */ uint64 s5;
  /* 208 */ uint64 s6;
  /* 216 */ uint64 s7;
  /* 224 */ uint64 s8;
  /* 232 */ uint64 s9;
  /* 240 */ uint64 s10;
  /* 248 */ uint64 s11;
  /* 256 */ uint64 t3;
  /* 264 */ uint64 t4;
  /* 272 */ uint64 t5;
  /* 280 */ uint64 t6;
};

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
/* Taken before any p->lock; guards every p->parent and orders wakeups in wait(). */
extern struct spinlock wait_lock;

/* swtch.S */
void swtch(struct context *old, struct context *new);

/* sched.c */
int cpuid(void);
struct cpu *mycpu(void);
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

/* proc.c */
void userinit(void);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64 status_addr);
int kill(int pid);
int growproc(int n);
pagetable_t proc_pagetable(struct proc *p);
void proc_freepagetable(pagetable_t pt, uint64 sz);
void forkret(void);
#if LAB_TRACE >= 2
uint64 procs_in_use(void);    /* slots that are not UNUSED */
#endif

/* exec.c */
int exec(char *path, char **argv);

#endif
