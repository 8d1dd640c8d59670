/*
 * Open-files layer: pipes. A pipe lives in one page: a small header, then a
 * ring of bytes filling the rest, so that a large transfer moves nearly a
 * page per wakeup. The ring is described by where its unread bytes start
 * and how many there are; readers and writers copy whole contiguous runs
 * straight between the ring and user memory, holding the pipe's spin lock.
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

enum pipe_end { READ_END, WRITE_END };

struct pipe {
  struct spinlock lock;   /* guards everything below */
  uint start;             /* ring index of the oldest unread byte */
  uint count;             /* unread bytes in the ring */
  char open[2];           /* open[end]: that end still has a file */
  char ring[];            /* the rest of the page */
};

#define RING_SIZE ((uint)(PGSIZE - sizeof(struct pipe)))

/* Readers sleep until count grows; writers sleep until start moves on. */
#define BYTES_CHANNEL(pi) ((void *)&(pi)->count)
#define ROOM_CHANNEL(pi)  ((void *)&(pi)->start)

static uint min_uint(uint a, uint b)
{
  return a < b ? a : b;
}

/* Turn a fresh file into one end of pi. */
static void attach_end(struct file *f, struct pipe *pi, enum pipe_end end)
{
  f->kind = FILE_PIPE;
  f->pipe = pi;
  f->access = end == READ_END ? FILE_CAN_READ : FILE_CAN_WRITE;
}

/* A new pipe: the read end in *rf, the write end in *wf. -1, keeping nothing, if out of memory or files. */
int pipealloc(struct file **rf, struct file **wf)
{
  struct pipe *pi = kalloc();
  struct file *reader = filealloc();
  struct file *writer = filealloc();

  if (pi == 0 || reader == 0 || writer == 0) {
    if (pi)
      kfree(pi);
    if (reader)
      fileclose(reader);  /* still FILE_UNUSED: only the slot goes back */
    if (writer)
      fileclose(writer);
    return -1;
  }

  initlock(&pi->lock, "pipe");
  pi->start = 0;
  pi->count = 0;
  pi->open[READ_END] = 1;
  pi->open[WRITE_END] = 1;
  attach_end(reader, pi, READ_END);
  attach_end(writer, pi, WRITE_END);
  *rf = reader;
  *wf = writer;
  return 0;
}

/*
 * One end's last file is gone. The other side may be asleep waiting for it
 * (a reader for bytes that will now never come, a writer for room nobody
 * will make), so wake it. The last end to close gives the page back.
 */
void pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->open[WRITE_END] = 0;
    wakeup(BYTES_CHANNEL(pi));
  } else {
    pi->open[READ_END] = 0;
    wakeup(ROOM_CHANNEL(pi));
  }
  int unused = !pi->open[READ_END] && !pi->open[WRITE_END];
  release(&pi->lock);

  if (unused)
    kfree(pi);
}

/*
 * Wait until the ring has room. -1 if nobody can ever read what would be
 * written (the read end is closed) or the caller was killed.
 */
static int wait_for_room(struct pipe *pi)
{
  for (;;) {
    if (!pi->open[READ_END] || killed(myproc()))
      return -1;
    if (pi->count < RING_SIZE)
      return 0;
    sleep(ROOM_CHANNEL(pi), &pi->lock);
  }
}

/* Copy as much of n bytes from user src as fits in the ring's first free run; bytes copied or -1. */
static int fill_run(struct pipe *pi, uint64 src, uint n)
{
  uint end = (pi->start + pi->count) % RING_SIZE;
  /* Free space runs from end up to the ring's end, or, once the unread
     bytes wrap, only up to where they start. */
  uint run_room = end >= pi->start ? RING_SIZE - end : pi->start - end;
  uint len = min_uint(n, run_room);

  if (copyin(myproc()->pagetable, pi->ring + end, src, len) < 0)
    return -1;
  pi->count += len;
  return len;
}

/*
 * Copy n bytes from user addr into the pipe, sleeping whenever it is full.
 * Another writer's bytes may come between two runs of a large write.
 * Returns n, or the bytes written before the read end closed, the caller
 * was killed or addr went bad; -1 if that happened before the first byte.
 */
int pipewrite(struct pipe *pi, uint64 addr, int n)
{
  int sent = 0;

  acquire(&pi->lock);
  while (sent < n && wait_for_room(pi) == 0) {
    int len = fill_run(pi, addr + sent, n - sent);
    if (len < 0)
      break;
    sent += len;
    wakeup(BYTES_CHANNEL(pi));
  }
  release(&pi->lock);

  if (sent == 0 && n > 0)
    return -1;
  return sent;
}

/*
 * Wait until the ring holds a byte: 1 when it does, 0 at end of file (empty
 * and the write end closed), -1 if the caller was killed.
 */
static int wait_for_bytes(struct pipe *pi)
{
  for (;;) {
    if (pi->count > 0)
      return 1;
    if (!pi->open[WRITE_END])
      return 0;
    if (killed(myproc()))
      return -1;
    sleep(BYTES_CHANNEL(pi), &pi->lock);
  }
}

/* Copy up to n unread bytes of the ring's first run to user dst; bytes copied or -1. */
static int drain_run(struct pipe *pi, uint64 dst, uint n)
{
  uint len = min_uint(n, min_uint(pi->count, RING_SIZE - pi->start));

  if (copyout(myproc()->pagetable, dst, pi->ring + pi->start, len) < 0)
    return -1;
  pi->start = (pi->start + len) % RING_SIZE;
  pi->count -= len;
  return len;
}

/*
 * Copy up to n bytes out of the pipe to user addr, sleeping until there is
 * at least one; never waits for more. Returns the bytes read, 0 at end of
 * file, or -1 if killed or addr is bad before the first byte.
 */
int piperead(struct pipe *pi, uint64 addr, int n)
{
  int got = 0;

  if (n <= 0)
    return 0;

  acquire(&pi->lock);
  int ready = wait_for_bytes(pi);
  /* The unread bytes form at most two runs: the end of the ring, then its start. */
  while (ready > 0 && got < n && pi->count > 0) {
    int len = drain_run(pi, addr + got, n - got);
    if (len < 0)
      break;
    got += len;
  }
  if (got > 0)
    wakeup(ROOM_CHANNEL(pi));
  release(&pi->lock);

  if (ready <= 0)
    return ready;
  return got > 0 ? got : -1;
}
