/*
 * Processes: creating them (the first one, fork), ending them (exit, kill)
 * and collecting them (wait), and growing their memory (sbrk).
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "fs.h"
#include "fsys.h"
#include "file.h"

extern char trampoline[];  /* trampoline.S */

static struct proc *initproc;
/* Taken before any p->lock; guards every p->parent and orders wakeups in wait(). */
static struct spinlock wait_lock;
static void (*return_to_user)(void);

void proc_set_user_return(void (*user_return)(void))
{
  return_to_user = user_return;
}

static void forkret(void);
static int nextpid = 1;

static int allocpid(void)
{
  return __sync_fetch_and_add(&nextpid, 1);
}

/* A user page table holding just the trampoline and p's trapframe. */
pagetable_t proc_pagetable(struct proc *p)
{
  pagetable_t pt = uvmcreate();
  if (pt == 0)
    return 0;
  if (mappages(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) != 0) {
    uvmfree(pt, 0);
    return 0;
  }
  if (mappages(pt, TRAPFRAME, PGSIZE, (uint64)p->trapframe, PTE_R | PTE_W) != 0) {
    uvmunmap(pt, TRAMPOLINE, 1, 0);
    uvmfree(pt, 0);
    return 0;
  }
  return pt;
}

/* Free a user page table and the sz bytes of memory it maps. */
void proc_freepagetable(pagetable_t pt, uint64 sz)
{
  uvmunmap(pt, TRAMPOLINE, 1, 0);
  uvmunmap(pt, TRAPFRAME, 1, 0);
  uvmfree(pt, sz);
}

/* Return a slot to UNUSED, freeing what it owns. Called with p->lock held. */
static void freeproc(struct proc *p)
{
#if LAB_KPGTBL >= 2
  /* First the mirror, then the user pages it shows. */
  if (p->kpagetable)
    kvmfree(p->kpagetable);
  p->kpagetable = 0;
#endif
  if (p->pagetable)
    proc_freepagetable(p->pagetable, p->sz);
  if (p->trapframe)
    kfree(p->trapframe);
  p->trapframe = 0;
  p->pagetable = 0;
  p->sz = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
#if LAB_TRACE >= 2
  p->trace_mask = 0;
#endif
#if LAB_ALARM >= 2
  memset(&p->alarm, 0, sizeof(p->alarm));
#endif
  p->state = UNUSED;
}

/*
 * Claim an UNUSED slot and give it a trapframe, an empty user page table, and
 * a context that starts in forkret(). Returns it with p->lock held, or 0 when
 * the table is full or memory runs out.
 */
static struct proc *allocproc(void)
{
  struct proc *p;
  for (p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state == UNUSED)
      break;
    release(&p->lock);
  }
  if (p == &proc[NPROC])
    return 0;

  p->pid = allocpid();
  p->state = USED;
  if ((p->trapframe = kalloc()) == 0 || (p->pagetable = proc_pagetable(p)) == 0) {
    freeproc(p);
    release(&p->lock);
    return 0;
  }
#if LAB_KPGTBL >= 2
  if ((p->kpagetable = kvmcreate()) == 0) {
    freeproc(p);
    release(&p->lock);
    return 0;
  }
#endif

  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)forkret;
  p->context.sp = p->kstack + PGSIZE;
  return p;
}

/* The first process. forkret() loads /init into it once it runs. */
void userinit(void)
{
  initlock(&wait_lock, "wait_lock");
  struct proc *p = allocproc();
  if (p == 0)
    panic("userinit: cannot allocate the first process");
  initproc = p;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

/*
 * The first code every new process runs, on its kernel stack, still holding
 * p->lock from the scheduler. The very first process also mounts the file
 * system (which must sleep, so it needs a process) and execs /init.
 */
static void forkret(void)
{
  static int first = 1;
  struct proc *p = myproc();

  release(&p->lock);
  if (first) {
    first = 0;
    fsinit(ROOTDEV);
    p->cwd = namei(0, "/");
    char *argv[] = { "init", 0 };
    int argc = exec("/init", argv);
    if (argc < 0)
      panic("forkret: cannot exec /init");
    p->trapframe->a0 = argc;
  }
  return_to_user();
}

int growproc(int n)
{
  struct proc *p = myproc();
  uint64 sz = p->sz;

  if (n > 0) {
    sz = uvmalloc(p->pagetable, sz, sz + n, PTE_W);
    if (sz == 0)
      return -1;
#if LAB_KPGTBL >= 2
    if (kvmmirror(p->kpagetable, p->pagetable, p->sz, sz) < 0) {
      uvmdealloc(p->pagetable, sz, p->sz);
      return -1;
    }
#endif
  } else if (n < 0) {
    if ((uint64)-n > sz)
      return -1;
#if LAB_KPGTBL >= 2
    /* The kernel must stop seeing the pages before they are freed. */
    kvmunmirror(p->kpagetable, sz, sz + n);
#endif
    sz = uvmdealloc(p->pagetable, sz, sz + n);
  }
  p->sz = sz;
  return 0;
}

int fork(void)
{
  struct proc *p = myproc();
  struct proc *np = allocproc();
  if (np == 0)
    return -1;

  if (uvmcopy(p->pagetable, np->pagetable, p->sz) < 0) {
    freeproc(np);
    release(&np->lock);
    return -1;
  }
  np->sz = p->sz;
#if LAB_KPGTBL >= 2
  if (kvmmirror(np->kpagetable, np->pagetable, 0, np->sz) < 0) {
    freeproc(np);
    release(&np->lock);
    return -1;
  }
#endif
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;  /* fork() returns 0 in the child */

  for (int fd = 0; fd < NOFILE; fd++)
    if (p->ofile[fd])
      np->ofile[fd] = filedup(p->ofile[fd]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(p->name));
#if LAB_TRACE >= 2
  np->trace_mask = p->trace_mask;  /* a traced command's children are traced too */
#endif
#if LAB_ALARM >= 2
  /* The child's alarm is off (freeproc() left it so), but a child forked
     by a handler is inside that handler too, and may sigreturn(). */
  np->alarm.in_handler = p->alarm.in_handler;
  np->alarm.saved = p->alarm.saved;
#endif
  int pid = np->pid;
  release(&np->lock);

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  return pid;
}

/* Hand p's children to init. Called with wait_lock held. */
static void reparent(struct proc *p)
{
  for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
    if (pp->parent == p) {
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

/* End the current process. It stays a ZOMBIE until its parent wait()s. */
void exit(int status)
{
  struct proc *p = myproc();
  if (p == initproc)
    panic("init exited");

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);

  sched();
  panic("exit: zombie ran again");
}

/* Reap one exited child: its pid, or -1 if there are none or we were killed. */
int wait(uint64 status_addr)
{
  struct proc *p = myproc();

  acquire(&wait_lock);
  for (;;) {
    int have_kids = 0;
    for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
      if (pp->parent != p)
        continue;
      acquire(&pp->lock);
      have_kids = 1;
      if (pp->state == ZOMBIE) {
        int pid = pp->pid;
        if (status_addr != 0 &&
            copyout(p->pagetable, status_addr, &pp->xstate, sizeof(pp->xstate)) < 0) {
          release(&pp->lock);
          release(&wait_lock);
          return -1;
        }
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        return pid;
      }
      release(&pp->lock);
    }
    if (!have_kids || killed(p)) {
      release(&wait_lock);
      return -1;
    }
    sleep(p, &wait_lock);
  }
}

/*
 * Mark a process killed. It exits the next time it crosses the user/kernel
 * boundary; a sleeping one is woken so that it notices.
 */
int kill(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;
      release(&p->lock);
      return 0;
    }
    release(&p->lock);
  }
  return -1;
}

#if LAB_TRACE >= 2
/* A snapshot for sysinfo: each slot's lock makes its own state sound. */
uint64 procs_in_use(void)
{
  uint64 n = 0;
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state != UNUSED)
      n++;
    release(&p->lock);
  }
  return n;
}
#endif
