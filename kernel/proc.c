/*
 * Processes: making them (the first one, fork), ending them (exit, kill),
 * collecting them (wait), and growing their memory (sbrk). The slots and
 * their life cycle belong to the scheduling layer (sched.c); this file fills
 * a slot with a process and empties it again.
 *
 * The family tree: each process has a parent and a list of its children
 * (p->children, linked through sibling). One spin lock, family_lock, guards
 * parent, children, sibling and xstate of every process. Lock order:
 * family_lock first, then any p->lock. wait() sleeps on its own struct proc
 * under family_lock, and exit() wakes the parent while holding it, so a
 * child cannot exit unseen between wait()'s look at its children and its
 * sleep.
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

static struct spinlock family_lock;
static struct proc *initproc;         /* adopts every orphan */
static void (*return_to_user)(void);  /* usertrapret(), registered by main */
static int last_pid;

static void forkret(void);
static void start_init(void);

void proc_set_user_return(void (*user_return)(void))
{
  return_to_user = user_return;
}

/* ---- Page tables ---- */

/* A user page table holding just the trampoline and p's trapframe. */
pagetable_t proc_pagetable(struct proc *p)
{
  pagetable_t pt = uvmcreate();
  if (pt == 0)
    return 0;
  /* Neither page has PTE_U: only the trampoline code, in supervisor mode,
     uses them while it switches between user and kernel. */
  if (mappages(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) == 0) {
    if (mappages(pt, TRAPFRAME, PGSIZE, (uint64)p->trapframe, PTE_R | PTE_W) == 0)
      return pt;
    uvmunmap(pt, TRAMPOLINE, 1, 0);
  }
  uvmfree(pt, 0);
  return 0;
}

/* Free a user page table and the sz bytes of user memory it maps. */
void proc_freepagetable(pagetable_t pt, uint64 sz)
{
  /* The two top pages are not the process's to free. */
  uvmunmap(pt, TRAPFRAME, 1, 0);
  uvmunmap(pt, TRAMPOLINE, 1, 0);
  uvmfree(pt, sz);
}

#if LAB_KPGTBL >= 2
/* kpgtbl lab: give p a kernel page table of its own. -1 without memory. */
static int kpagetable_create(struct proc *p)
{
  p->kpagetable = kvmcreate();
  return p->kpagetable != 0 ? 0 : -1;
}

/* kpgtbl lab: free p's kernel page table before the user pages it shows. */
static void kpagetable_free(struct proc *p)
{
  if (p->kpagetable != 0)
    kvmfree(p->kpagetable);
}

/*
 * kpgtbl lab: make the mirror of p's user memory follow it from oldsz to
 * newsz bytes. Shrink it before the pages are freed; grow it after they
 * are mapped. Only growing can fail: -1, with the mirror as it was.
 */
static int kpagetable_follow(struct proc *p, uint64 oldsz, uint64 newsz)
{
  if (newsz < oldsz) {
    kvmunmirror(p->kpagetable, oldsz, newsz);
    return 0;
  }
  return kvmmirror(p->kpagetable, p->pagetable, oldsz, newsz);
}
#endif

/* ---- Filling and emptying a slot ---- */

/* Zero everything that describes one process: struct proc from pid on. */
static void wipe(struct proc *p)
{
  uint64 from = __builtin_offsetof(struct proc, pid);
  memset((char *)p + from, 0, sizeof(*p) - from);
}

/*
 * Return a slot to UNUSED and free what it holds. The slot is USED (its
 * building failed) or ZOMBIE (it was reaped), and p->lock is held.
 */
static void freeproc(struct proc *p)
{
#if LAB_KPGTBL >= 2
  kpagetable_free(p);
#endif
  if (p->pagetable != 0)
    proc_freepagetable(p->pagetable, p->sz);
  if (p->trapframe != 0)
    kfree(p->trapframe);
  wipe(p);
  set_state(p, UNUSED);
}

/* freeproc() for a USED slot whose creator gives up on it. */
static void discard(struct proc *p)
{
  acquire(&p->lock);
  freeproc(p);
  release(&p->lock);
}

/* Take an UNUSED slot and give it a pid; it is USED and unlocked. */
static struct proc *claim_slot(void)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    int claimed = p->state == UNUSED;
    if (claimed) {
      p->pid = __atomic_add_fetch(&last_pid, 1, __ATOMIC_RELAXED);
      set_state(p, USED);
    }
    release(&p->lock);
    if (claimed)
      return p;
  }
  return 0;
}

/*
 * Give a claimed slot what every process has: a zeroed trapframe page, a
 * user page table with nothing of the user's in it yet, and a context that
 * starts in forkret(). -1 when memory runs out; freeproc() then frees
 * whatever was given.
 */
static int equip(struct proc *p)
{
  if ((p->trapframe = kalloc()) == 0)
    return -1;
  memset(p->trapframe, 0, PGSIZE);
  if ((p->pagetable = proc_pagetable(p)) == 0)
    return -1;
#if LAB_KPGTBL >= 2
  if (kpagetable_create(p) < 0)
    return -1;
#endif
  p->context.ra = (uint64)forkret;
  p->context.sp = p->kstack + PGSIZE;
  return 0;
}

/*
 * A new process, USED and unlocked, or 0 when the table is full or memory
 * runs out. While it is USED it belongs to its creator alone: the
 * scheduler and wakeup() pass it by, and it has no parent to wait for it.
 */
static struct proc *allocproc(void)
{
  struct proc *p = claim_slot();
  if (p == 0)
    return 0;
  if (equip(p) < 0) {
    discard(p);
    return 0;
  }
  return p;
}

/* ---- The first process ---- */

void userinit(void)
{
  initlock(&family_lock, "family");
  struct proc *p = allocproc();
  if (p == 0)
    panic("userinit: cannot make the first process");
  initproc = p;
  safestrcpy(p->name, "init", sizeof(p->name));
  /* It has no program yet: start_init() loads one once it runs. */
  p->context.ra = (uint64)start_init;
  acquire(&p->lock);
  set_state(p, RUNNABLE);
  release(&p->lock);
}

/*
 * Where every process begins, on its kernel stack, still holding the
 * p->lock that the scheduler took to run it.
 */
static void forkret(void)
{
  release(&myproc()->lock);
  return_to_user();
}

/*
 * Where the first process begins instead. Mounting the root file system
 * sleeps on the disk, so it needs a process; then this one becomes /init.
 */
static void start_init(void)
{
  struct proc *p = myproc();
  release(&p->lock);

  fsinit(ROOTDEV);
  p->cwd = namei(0, "/");
  char *argv[] = { "init", 0 };
  int argc = exec("/init", argv);
  if (argc < 0)
    panic("start_init: cannot exec /init");
  p->trapframe->a0 = argc;
  return_to_user();
}

/* ---- fork ---- */

/* Give child a copy of parent's user memory. -1 when memory runs out. */
static int copy_memory(struct proc *child, struct proc *parent)
{
  if (uvmcopy(parent->pagetable, child->pagetable, parent->sz) < 0)
    return -1;
  child->sz = parent->sz;
#if LAB_KPGTBL >= 2
  if (kpagetable_follow(child, 0, child->sz) < 0)
    return -1;
#endif
#if LAB_SHM >= 2
  /* shm lab: attached segments are shared with the child, not copied. */
  if (shm_fork(child, parent) < 0)
    return -1;
#endif
  return 0;
}

#if LAB_ALARM >= 2
/*
 * alarm lab: the child's alarm is off (its slot was wiped), but a child
 * forked by a handler is inside that handler too, and may sigreturn().
 */
static void alarm_inherit(struct proc *child, struct proc *parent)
{
  child->alarm.in_handler = parent->alarm.in_handler;
  child->alarm.saved = parent->alarm.saved;
}
#endif

/* What a child takes over from its parent besides memory. Cannot fail. */
static void inherit(struct proc *child, struct proc *parent)
{
  /* The whole trapframe page: the registers and, with them, the FP state
     that the fpu helpers keep there. */
  memmove(child->trapframe, parent->trapframe, PGSIZE);
  child->trapframe->a0 = 0;  /* fork() returns 0 in the child */

  for (int fd = 0; fd < NOFILE; fd++)
    if (parent->ofile[fd] != 0)
      child->ofile[fd] = filedup(parent->ofile[fd]);
  child->cwd = idup(parent->cwd);
  safestrcpy(child->name, parent->name, sizeof(child->name));
#if LAB_TRACE >= 2
  child->trace_mask = parent->trace_mask;  /* a traced command's children are traced too */
#endif
#if LAB_ALARM >= 2
  alarm_inherit(child, parent);
#endif
}

/* Hang child under parent in the family tree, then let it run. */
static void start_child(struct proc *parent, struct proc *child)
{
  acquire(&family_lock);
  child->parent = parent;
  child->sibling = parent->children;
  parent->children = child;
  acquire(&child->lock);
  set_state(child, RUNNABLE);
  release(&child->lock);
  release(&family_lock);
}

int fork(void)
{
  struct proc *parent = myproc();
  struct proc *child = allocproc();
  if (child == 0)
    return -1;
  if (copy_memory(child, parent) < 0) {
    discard(child);
    return -1;
  }
  inherit(child, parent);
  int pid = child->pid;
  start_child(parent, child);
  return pid;
}

/* ---- exit and wait ---- */

/* Close every open file and let go of the current directory. */
static void drop_files(struct proc *p)
{
  for (int fd = 0; fd < NOFILE; fd++) {
    struct file *f = p->ofile[fd];
    p->ofile[fd] = 0;
    if (f != 0)
      fileclose(f);
  }
  /* The last reference to a deleted directory frees it on disk. */
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;
}

/* Hand all of p's children to init, which reaps orphans. family_lock held. */
static void orphan_children(struct proc *p)
{
  struct proc *last = 0;
  for (struct proc *c = p->children; c != 0; c = c->sibling) {
    c->parent = initproc;
    last = c;
  }
  if (last == 0)
    return;
  last->sibling = initproc->children;
  initproc->children = p->children;
  p->children = 0;
  /* Some may have exited already and now wait for init's wait(). */
  wakeup(initproc);
}

/* End the current process. It stays a ZOMBIE until its parent wait()s. */
void exit(int status)
{
  struct proc *p = myproc();
  if (p == initproc)
    panic("exit: init must not exit");

#if LAB_SHM >= 2
  /* shm lab: a segment removed earlier may die with this attachment. */
  shm_detach_all(p);
#endif
  drop_files(p);

  acquire(&family_lock);
  orphan_children(p);
  p->xstate = status;
  /* The parent cannot look at us before we release family_lock, and by
     then we are a ZOMBIE: it will not go back to sleep. */
  wakeup(p->parent);
  acquire(&p->lock);
  set_state(p, ZOMBIE);
  release(&family_lock);

  sched();
  panic("exit: a zombie ran again");
}

/*
 * The link in p's list of children to one that has exited, returned with
 * that child's lock held; 0 if none has. family_lock held. Taking the lock
 * of a ZOMBIE also waits until it has left its hart for good.
 */
static struct proc **find_zombie(struct proc *p)
{
  for (struct proc **link = &p->children; *link != 0; link = &(*link)->sibling) {
    struct proc *c = *link;
    acquire(&c->lock);
    if (c->state == ZOMBIE)
      return link;
    release(&c->lock);
  }
  return 0;
}

/*
 * Collect the zombie *link (locked) of p: copy its exit status out, unlink
 * and free it, and return its pid. A bad status_addr gives -1 and leaves
 * the zombie for a later wait(). family_lock held.
 */
static int reap(struct proc *p, struct proc **link, uint64 status_addr)
{
  struct proc *zombie = *link;
  int pid = zombie->pid;

  if (status_addr != 0 &&
      copyout(p->pagetable, status_addr, &zombie->xstate, sizeof(zombie->xstate)) < 0) {
    pid = -1;
  } else {
    *link = zombie->sibling;
    freeproc(zombie);
  }
  release(&zombie->lock);
  return pid;
}

/* Wait for a child to exit: its pid, or -1 with no children or when killed. */
int wait(uint64 status_addr)
{
  struct proc *p = myproc();
  int pid;

  acquire(&family_lock);
  for (;;) {
    struct proc **link = find_zombie(p);
    if (link != 0) {
      pid = reap(p, link, status_addr);
      break;
    }
    if (p->children == 0 || killed(p)) {
      pid = -1;
      break;
    }
    sleep(p, &family_lock);
  }
  release(&family_lock);
  return pid;
}

/* ---- kill ---- */

/* The process with this pid, returned locked; 0 if there is none. */
static struct proc *lock_pid(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state != UNUSED && p->pid == pid)
      return p;
    release(&p->lock);
  }
  return 0;
}

/* Make process pid exit at its next crossing into or out of user mode. */
int kill(int pid)
{
  struct proc *p = lock_pid(pid);
  if (p == 0)
    return -1;
  mark_killed(p);
  release(&p->lock);
  return 0;
}

/* ---- Memory ---- */

/*
 * Map zeroed, writable user pages for [from, to) in p's page table (and
 * in its mirror). -1 without memory, with nothing changed.
 */
static int map_zeroed(struct proc *p, uint64 from, uint64 to)
{
  if (uvmalloc(p->pagetable, from, to, PTE_W) == 0)
    return -1;
#if LAB_KPGTBL >= 2
  if (kpagetable_follow(p, from, to) < 0) {
    uvmdealloc(p->pagetable, to, from);
    return -1;
  }
#endif
  return 0;
}

/* Grow the current process's memory to newsz bytes. -1 without memory. */
static int grow_memory(struct proc *p, uint64 newsz)
{
#if LAB_LAZY >= 2
  /* lazy lab: only the size grows; each page is mapped at its first use,
     by lazy_fault(). The size still stops at the end of user memory. */
  if (newsz > MAXHEAP)
    return -1;
#elif LAB_LAZY == 1
  /* TODO (lazy lab): grow the size only, and map nothing (handouts/lazy.md). */
  if (map_zeroed(p, p->sz, newsz) < 0)
    return -1;
#else
  if (map_zeroed(p, p->sz, newsz) < 0)
    return -1;
#endif
  p->sz = newsz;
  return 0;
}

/* Shrink the current process's memory to newsz bytes, freeing pages. */
static void shrink_memory(struct proc *p, uint64 newsz)
{
#if LAB_KPGTBL >= 2
  kpagetable_follow(p, p->sz, newsz);
#endif
  p->sz = uvmdealloc(p->pagetable, p->sz, newsz);
}

/*
 * sbrk: change the current process's memory by n bytes. The size stays
 * within [0, MAXHEAP]: sizes and changes are below 2^32, so no sum wraps.
 */
int growproc(int n)
{
  struct proc *p = myproc();
  uint64 change = n < 0 ? -(uint64)n : (uint64)n;

  if (n > 0)
    return grow_memory(p, p->sz + change);
  if (change > p->sz)
    return -1;
  if (n < 0)
    shrink_memory(p, p->sz - change);
  return 0;
}

#if LAB_TRACE >= 2
/* trace lab, for sysinfo: slots holding a process, zombies included. */
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

#if LAB_LAZY >= 2
/* lazy lab: why a fault on a page that is mapped is not the heap's to fix. */
static const char *mapped_page_fault(pte_t pte)
{
  if ((pte & PTE_U) == 0)
    return "a page the program may not use, such as the stack guard";
  return "an access the page does not allow, such as a store to code";
}

/*
 * lazy lab: p took a page fault at va; scause tells a load from a store.
 * If va's page lies below p->sz and was never mapped, it is a heap page
 * that sbrk promised: map a zeroed page there, mirrored too, and return 1,
 * so that the access runs again. Otherwise return 0 with *why saying what
 * was wrong. Below the heap, exec mapped every page, so a fault on a page
 * that is mapped is a permission fault, and no new page may paper over it.
 * The page that holds the last byte is the process's whole, as an eager
 * sbrk would have mapped it: where the first touch lands must not matter.
 */
int lazy_fault(struct proc *p, uint64 scause, uint64 va, const char **why)
{
  if (scause != SCAUSE_LOAD_PAGE_FAULT && scause != SCAUSE_STORE_PAGE_FAULT)
    return 0;  /* an instruction fetch: no code ever runs from the heap */
  pte_t *pte = walk(p->pagetable, va, 0);
  if (pte != 0 && (*pte & PTE_V)) {
    *why = mapped_page_fault(*pte);
    return 0;
  }
  if (va >= PGROUNDUP(p->sz)) {
    *why = "beyond the end of the process's memory";
    return 0;
  }
  uint64 page = PGROUNDDOWN(va);
  if (map_zeroed(p, page, page + PGSIZE) < 0) {
    *why = "out of memory for a heap page";
    return 0;
  }
  return 1;
}
#elif LAB_LAZY == 1
int lazy_fault(struct proc *p, uint64 scause, uint64 va, const char **why)
{
  /* TODO (lazy lab): give a heap page that sbrk promised (below p->sz, not
     mapped yet) a zeroed page, mirrored too, and return 1; see
     handouts/lazy.md. */
  return 0;
}
#endif

#if LAB_COW >= 2
/*
 * cow lab: p stored to va, in user mode or through copyout(), and found
 * its page read-only. If fork() shared the page copy-on-write, give p a
 * private, writable page and show that one in the mirror, so that copyin()
 * reads what p writes; return 1, and the store runs again. Otherwise 0:
 * a page that is read-only for real stays so.
 */
int cow_fault(struct proc *p, uint64 scause, uint64 va, const char **why)
{
  uint64 page = PGROUNDDOWN(va);
  if (scause != SCAUSE_STORE_PAGE_FAULT || !uvmis_cow(p->pagetable, page))
    return 0;
  if (uvmunshare(p->pagetable, page) < 0) {
    *why = "out of memory for a copy-on-write page";
    return 0;
  }
  /* The page was mirrored, so its table exists: mirroring it again cannot fail. */
  kpagetable_follow(p, page + PGSIZE, page);
  kpagetable_follow(p, page, page + PGSIZE);
  return 1;
}
#elif LAB_COW == 1
int cow_fault(struct proc *p, uint64 scause, uint64 va, const char **why)
{
  /* TODO (cow lab): give p a private, writable copy of a page that fork
     shared (PTE_COW), mirrored too, and return 1; see handouts/cow.md. */
  return 0;
}
#endif
