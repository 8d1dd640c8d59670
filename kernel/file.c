/*
 * Open-files layer: the system-wide table of open files. A file descriptor
 * names one of these; dup and fork share it, so they share its offset. A
 * file reads and writes a pipe, a device driver through devsw, or an inode.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"
#include "memory.h"
#include "stat.h"
#include "fs.h"
#include "fsys.h"
#include "dev.h"
#include "file.h"

static struct {
  struct spinlock lock;  /* guards every ref, and type while allocating */
  struct file file[NFILE];
} ftable;

/*
 * The most bytes one log operation may write to a file. Besides its data
 * blocks, a write may modify the inode, the indirect block and two bitmap
 * blocks; what is left is halved as slack for writes that start or end
 * inside a block.
 */
#define MAX_WRITE_CHUNK (((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE)

void fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

/* A fresh file with one reference and type FD_NONE; 0 if the table is full. */
struct file *filealloc(void)
{
  acquire(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

struct file *filedup(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("filedup: file not open");
  f->ref++;
  release(&ftable.lock);
  return f;
}

/* Drop a reference; the last one closes the pipe end or releases the inode. */
void fileclose(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("fileclose: file not open");
  if (--f->ref > 0) {
    release(&ftable.lock);
    return;
  }
  struct file closing = *f;
  f->type = FD_NONE;
  release(&ftable.lock);

  if (closing.type == FD_PIPE) {
    pipeclose(closing.pipe, closing.writable);
  } else if (closing.type == FD_INODE || closing.type == FD_DEVICE) {
    const struct devsw *d = closing.type == FD_DEVICE ? devsw_get(closing.major) : 0;
    if (d && d->close)
      d->close(closing.devstate);
    begin_op();
    iput(closing.ip);
    end_op();
  }
}

/* Copy the file's metadata to the user address addr; -1 if it has none or addr is bad. */
int filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if (f->type != FD_INODE && f->type != FD_DEVICE)
    return -1;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return copyout(myproc()->pagetable, addr, &st, sizeof(st));
}

/* Read up to n bytes into the user address addr; bytes read, or -1. */
int fileread(struct file *f, uint64 addr, int n)
{
  if (!f->readable)
    return -1;

  switch (f->type) {
  case FD_PIPE:
    return piperead(f->pipe, addr, n);
  case FD_DEVICE: {
    const struct devsw *d = devsw_get(f->major);
    return d ? d->read(&f->devstate, 1, addr, n) : -1;
  }
  case FD_INODE: {
    ilock(f->ip);
    int r = readi(f->ip, 1, addr, f->off, n);
    if (r > 0)
      f->off += r;
    iunlock(f->ip);
    return r;
  }
  default:
    panic("fileread: bad file type");
  }
}

/*
 * Write n bytes at the file's offset in chunks that each fit one log
 * operation. Returns n, or the bytes written before the disk filled up or
 * the source went bad, or -1 if not even one byte was written.
 */
static int write_inode(struct file *f, uint64 addr, int n)
{
  int done = 0;
  while (done < n) {
    int chunk = n - done < MAX_WRITE_CHUNK ? n - done : MAX_WRITE_CHUNK;
    begin_op();
    ilock(f->ip);
    int r = writei(f->ip, 1, addr + done, f->off, chunk);
    if (r > 0)
      f->off += r;
    iunlock(f->ip);
    end_op();
    if (r > 0)
      done += r;
    if (r != chunk)
      break;
  }
  return done > 0 || n == 0 ? done : -1;
}

/* Write n bytes from the user address addr; bytes written, or -1. */
int filewrite(struct file *f, uint64 addr, int n)
{
  if (!f->writable)
    return -1;

  switch (f->type) {
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FD_DEVICE: {
    const struct devsw *d = devsw_get(f->major);
    return d && d->write ? d->write(&f->devstate, 1, addr, n) : -1;
  }
  case FD_INODE:
    return write_inode(f, addr, n);
  default:
    panic("filewrite: bad file type");
  }
}
