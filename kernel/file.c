/*
 * Open-files layer: the system-wide table of open files, and reading and
 * writing through them. Each transfer is handed to the pipe, the driver or
 * the inode behind the file; this file only adds the shared offset and the
 * access checks.
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
#if LAB_IOZONE >= 2
#include "fcntl.h"
#endif

/*
 * The slots of every open file in the system. The lock guards the ref
 * counts, and so which slots are free; the other fields of a file in use
 * are set once, by whoever allocated it, before any other process can see
 * it (except off, which the inode lock guards).
 */
static struct spinlock files_lock;
static struct file files[NFILE];

/*
 * How many bytes of an inode write go into one log operation. Besides its
 * data, a write may dirty the inode's block, the indirect blocks that lead
 * to its data, and two bitmap blocks (its new blocks may straddle a
 * bitmap-block boundary); a write that does not start on a block boundary
 * touches one data block more than its length in blocks. Whatever is left
 * of MAXOPBLOCKS is data.
 */
#if LAB_BIGFILE
/*
 * Large files: the singly-indirect block, the doubly-indirect block and
 * two of the blocks it lists (a chunk is shorter than NINDIRECT blocks, so
 * it meets at most two of them).
 */
#define WRITE_OVERHEAD_BLOCKS  7
#else
/* The one indirect block. */
#define WRITE_OVERHEAD_BLOCKS  4
#endif
#define WRITE_CHUNK  ((MAXOPBLOCKS - WRITE_OVERHEAD_BLOCKS - 1) * BSIZE)

void fileinit(void)
{
  initlock(&files_lock, "ftable");
}

/* A zeroed file of kind FILE_UNUSED holding one reference; 0 if all slots are taken. */
struct file *filealloc(void)
{
  struct file *found = 0;

  acquire(&files_lock);
  for (int i = 0; i < NFILE && found == 0; i++)
    if (files[i].ref == 0)
      found = &files[i];
  if (found) {
    memset(found, 0, sizeof(*found));
    found->ref = 1;
  }
  release(&files_lock);
  return found;
}

/* One more reference to f, which must be open. */
struct file *filedup(struct file *f)
{
  acquire(&files_lock);
  if (f->ref <= 0)
    panic("filedup: file not open");
  f->ref += 1;
  release(&files_lock);
  return f;
}

/* Give an inode reference back; the last one of an unlinked inode frees it on disk. */
static void put_inode(struct inode *ip)
{
  begin_op();
  iput(ip);
  end_op();
}

/* Let go of what a file with no references left was reading and writing. */
static void release_target(const struct file *f)
{
  switch (f->kind) {
  case FILE_UNUSED:
    break;
  case FILE_PIPE:
    pipeclose(f->pipe, (f->access & FILE_CAN_WRITE) != 0);
    break;
  case FILE_DEVICE:
    if (f->driver->close)
      f->driver->close(f->driver_state);
    put_inode(f->ip);
    break;
  case FILE_INODE:
    put_inode(f->ip);
    break;
  }
}

/*
 * Drop one reference. The last one frees the slot at once and then, with no
 * spin lock held (closing may sleep on the disk), releases the file's target
 * from a copy of the slot.
 */
void fileclose(struct file *f)
{
  struct file last;

  acquire(&files_lock);
  if (f->ref <= 0)
    panic("fileclose: file not open");
  f->ref -= 1;
  int was_last = f->ref == 0;
  if (was_last)
    last = *f;
  release(&files_lock);

  if (was_last)
    release_target(&last);
}

/* Copy a struct stat of the file's inode to the user address addr; -1 for a pipe or a bad addr. */
int filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if (f->kind != FILE_INODE && f->kind != FILE_DEVICE)
    return -1;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return copyout(myproc()->pagetable, addr, &st, sizeof(st));
}

/*
 * Read from offset *off of ip's contents, which moves past what was read.
 * *off is the file's offset, or a copy of it; the inode lock guards both.
 */
static int read_inode(struct inode *ip, uint64 addr, int n, uint *off)
{
  ilock(ip);
  int got = readi(ip, 1, addr, *off, n);
  if (got > 0)
    *off += got;
  iunlock(ip);
  return got;
}

/* Write one chunk at *off, which moves past it, as one log operation; bytes written or -1. */
static int write_inode_chunk(struct inode *ip, uint64 addr, int n, uint *off)
{
  begin_op();
  ilock(ip);
  int put = writei(ip, 1, addr, *off, n);
  if (put > 0)
    *off += put;
  iunlock(ip);
#if LAB_BIGFILE
  end_op_deferred();  /* its commit may wait: the file's last close commits at the latest */
#else
  end_op();
#endif
  return put;
}

/*
 * Write n bytes at *off in chunks that each fit one log operation, so that
 * a large write cannot overflow the log. Stops at the first short chunk (a
 * full disk or a bad source address); what was written stays written.
 * Returns the bytes written, or -1 if there were none to show for a
 * non-empty write.
 */
static int write_inode(struct inode *ip, uint64 addr, int n, uint *off)
{
  int total = 0;

  while (total < n) {
    int want = n - total > WRITE_CHUNK ? WRITE_CHUNK : n - total;
    int put = write_inode_chunk(ip, addr + total, want, off);
    if (put > 0)
      total += put;
    if (put != want)
      break;
  }
  if (total == 0 && n > 0)
    return -1;
  return total;
}

/* Read up to n bytes into the user address addr; bytes read (0 at end of file), or -1. */
int fileread(struct file *f, uint64 addr, int n)
{
  if ((f->access & FILE_CAN_READ) == 0)
    return -1;
  switch (f->kind) {
  case FILE_PIPE:
    return piperead(f->pipe, addr, n);
  case FILE_DEVICE:
    return f->driver->read(&f->driver_state, 1, addr, n);
  case FILE_INODE:
    return read_inode(f->ip, addr, n, &f->off);
  default:
    panic("fileread: file of no kind");
  }
}

/* Write n bytes from the user address addr; bytes written, or -1. */
int filewrite(struct file *f, uint64 addr, int n)
{
  if ((f->access & FILE_CAN_WRITE) == 0)
    return -1;
  switch (f->kind) {
  case FILE_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FILE_DEVICE:
    if (f->driver->write == 0)
      return -1;
    return f->driver->write(&f->driver_state, 1, addr, n);
  case FILE_INODE:
    return write_inode(f->ip, addr, n, &f->off);
  default:
    panic("filewrite: file of no kind");
  }
}
#if LAB_IOZONE >= 2

/* ---- offsets, positioned transfers, sync and size: the iozone lab ---- */

/* The largest offset: lseek returns it as an int. */
#define MAX_OFFSET 0x7fffffff

/* Where lseek's whence counts from, in inode file f (locked); -1 for no such whence. */
static long seek_origin(struct file *f, int whence)
{
  switch (whence) {
  case SEEK_SET:
    return 0;
  case SEEK_CUR:
    return f->off;
  case SEEK_END:
    return f->ip->size;
  default:
    return -1;
  }
}

/*
 * Move the offset of an inode file (lseek): to offset counted from the
 * start, the current offset or the end, as whence says. offset may be
 * negative, the result may not: then nothing changes. Past the end is
 * fine; a write there leaves a hole. The new offset, or -1 (also for a
 * pipe or a device, which have no offset).
 */
int fileseek(struct file *f, int offset, int whence)
{
  if (f->kind != FILE_INODE)
    return -1;
  ilock(f->ip);
  long origin = seek_origin(f, whence);
  long target = origin + offset;
  int result = -1;
  if (origin >= 0 && target >= 0 && target <= MAX_OFFSET) {
    f->off = target;
    result = target;
  }
  iunlock(f->ip);
  return result;
}

/* pread: like fileread, but at off, leaving the file's offset alone; -1 but for an inode file. */
int fileread_at(struct file *f, uint64 addr, int n, uint off)
{
  if ((f->access & FILE_CAN_READ) == 0 || f->kind != FILE_INODE)
    return -1;
  return read_inode(f->ip, addr, n, &off);
}

/* pwrite: like filewrite, but at off, leaving the file's offset alone; -1 but for an inode file. */
int filewrite_at(struct file *f, uint64 addr, int n, uint off)
{
  if ((f->access & FILE_CAN_WRITE) == 0 || f->kind != FILE_INODE)
    return -1;
  return write_inode(f->ip, addr, n, &off);
}

/*
 * fsync: return once what was written through f is on disk. Every write
 * went through the log, so that means once the log has committed it.
 */
int filesync(struct file *f)
{
  if (f->kind != FILE_INODE)
    return -1;
  log_sync();
  return 0;
}

/* ftruncate: give the regular file behind f (open for writing) the size length; 0 or -1. */
int filetruncate(struct file *f, int length)
{
  if ((f->access & FILE_CAN_WRITE) == 0 || f->kind != FILE_INODE || length < 0)
    return -1;
  begin_op();
  ilock(f->ip);
  int result = f->ip->type == T_FILE ? iresize(f->ip, length) : -1;
  iunlock(f->ip);
  end_op();
  return result;
}
#endif
