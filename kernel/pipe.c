/*
 * Open-files layer: pipes. A pipe is one page: its bookkeeping at the start
 * and a ring buffer of data in all the rest, so that a large transfer moves
 * almost a page per wakeup. Readers and writers copy whole contiguous runs
 * of the ring at once.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sched.h"
#include "memory.h"
#include "file.h"

struct pipe {
  struct spinlock lock;
  /* Bytes ever read and written: 64 bits, so they never wrap in practice. */
  uint64 nread;
  uint64 nwrite;
  int readopen;    /* the read end still has a file */
  int writeopen;   /* the write end still has a file */
  char data[];     /* the ring: the rest of the page */
};

#define PIPE_CAPACITY (PGSIZE - sizeof(struct pipe))

static uint64 min3(uint64 a, uint64 b, uint64 c)
{
  uint64 m = a < b ? a : b;
  return m < c ? m : c;
}

/* Two files, the read end in *rf and the write end in *wf; -1 (nothing kept) if out of memory. */
int pipealloc(struct file **rf, struct file **wf)
{
  struct pipe *pi = kalloc();
  *rf = filealloc();
  *wf = filealloc();
  if (pi == 0 || *rf == 0 || *wf == 0) {
    if (pi)
      kfree(pi);
    if (*rf)
      fileclose(*rf);
    if (*wf)
      fileclose(*wf);
    *rf = *wf = 0;
    return -1;
  }

  initlock(&pi->lock, "pipe");
  pi->nread = pi->nwrite = 0;
  pi->readopen = pi->writeopen = 1;

  (*rf)->type = FD_PIPE;
  (*rf)->readable = 1;
  (*rf)->pipe = pi;
  (*wf)->type = FD_PIPE;
  (*wf)->writable = 1;
  (*wf)->pipe = pi;
  return 0;
}

/* Close one end; the page goes back once both ends are closed. */
void pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->writeopen = 0;
    wakeup(&pi->nread);
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);
  }
  int unused = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if (unused)
    kfree(pi);
}

/*
 * Copy n bytes from the user address addr into the pipe, waiting for room
 * as needed. Returns n, or the bytes written before the reader went away,
 * the process was killed or addr went bad; -1 if that was before any byte.
 */
int pipewrite(struct pipe *pi, uint64 addr, int n)
{
  struct proc *p = myproc();
  int done = 0;

  acquire(&pi->lock);
  while (done < n) {
    if (!pi->readopen || killed(p))
      break;
    uint64 room = PIPE_CAPACITY - (pi->nwrite - pi->nread);
    if (room == 0) {
      wakeup(&pi->nread);
      sleep(&pi->nwrite, &pi->lock);
      continue;
    }
    uint64 pos = pi->nwrite % PIPE_CAPACITY;
    uint64 len = min3(n - done, room, PIPE_CAPACITY - pos);
    if (copyin(p->pagetable, pi->data + pos, addr + done, len) < 0)
      break;
    pi->nwrite += len;
    done += len;
  }
  wakeup(&pi->nread);
  release(&pi->lock);
  return done == 0 && n > 0 ? -1 : done;
}

/*
 * Copy up to n bytes out of the pipe to the user address addr, waiting
 * until there is something to read. Returns the bytes read, 0 at end of
 * file (empty and no writer), or -1 if killed or addr is bad.
 */
int piperead(struct pipe *pi, uint64 addr, int n)
{
  struct proc *p = myproc();
  int done = 0;

  if (n <= 0)
    return 0;

  acquire(&pi->lock);
  while (pi->nread == pi->nwrite && pi->writeopen) {
    if (killed(p)) {
      release(&pi->lock);
      return -1;
    }
    sleep(&pi->nread, &pi->lock);
  }

  int bad = 0;
  while (done < n && pi->nread != pi->nwrite) {
    uint64 pos = pi->nread % PIPE_CAPACITY;
    uint64 len = min3(n - done, pi->nwrite - pi->nread, PIPE_CAPACITY - pos);
    if (copyout(p->pagetable, addr + done, pi->data + pos, len) < 0) {
      bad = 1;
      break;
    }
    pi->nread += len;
    done += len;
  }
  wakeup(&pi->nwrite);
  release(&pi->lock);
  return done == 0 && bad ? -1 : done;
}
