/*
 * Storage layer: the buffer cache. It keeps copies of recently used disk
 * blocks in memory, at most one copy of each block, so that every user of
 * a block sees the others' changes. A buffer is handed out locked (its
 * sleep lock), so only one process works on a block at a time.
 *
 * Finding a block and choosing a buffer to reuse are separate jobs:
 *   - lookup scans the buffers for the one that holds the block;
 *   - recycling takes the head of the idle queue, the buffers nobody uses,
 *     oldest release first. A buffer leaves the queue when someone takes it
 *     and rejoins it at the tail when its last user lets go, so the head is
 *     always the least recently used buffer that may be given away.
 * An idle buffer keeps its block until it is recycled: reading the block
 * again meanwhile costs no disk access.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"
#include "fs.h"
#include "buf.h"
#include "dev.h"

static struct {
  struct spinlock lock;    /* guards users, the queue and which block each buffer holds */
  struct buf buf[NBUF];
  struct buf *oldest_idle; /* head of the idle queue: the next to be recycled */
  struct buf *newest_idle; /* tail: the most recently released */
  int waiters;             /* processes waiting for a buffer to become idle */
} bcache;

/* Put b at the tail of the idle queue. */
static void idle_append(struct buf *b)
{
  b->newer = 0;
  b->older = bcache.newest_idle;
  if (bcache.newest_idle)
    bcache.newest_idle->newer = b;
  else
    bcache.oldest_idle = b;
  bcache.newest_idle = b;
}

/* Take b out of the idle queue, wherever it sits. */
static void idle_remove(struct buf *b)
{
  if (b->older)
    b->older->newer = b->newer;
  else
    bcache.oldest_idle = b->newer;
  if (b->newer)
    b->newer->older = b->older;
  else
    bcache.newest_idle = b->older;
  b->older = b->newer = 0;
}

void binit(void)
{
  initlock(&bcache.lock, "bcache");
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    initsleeplock(&b->lock, "buffer");
    b->blockno = NO_BLOCK;
    idle_append(b);
  }
}

/* The buffer holding the block, idle or not, or 0 if it is not cached. */
static struct buf *cache_lookup(uint dev, uint blockno)
{
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++)
    if (b->blockno == blockno && b->dev == dev)
      return b;
  return 0;
}

/* Give the least recently used idle buffer to the block; 0 if every buffer is in use. */
static struct buf *cache_recycle(uint dev, uint blockno)
{
  struct buf *b = bcache.oldest_idle;
  if (b) {
    b->dev = dev;
    b->blockno = blockno;
    b->valid = 0;
  }
  return b;
}

/*
 * A locked buffer for the block, cached or recycled. When every buffer is in
 * use (the log may pin most of them while many processes read), wait for one
 * to become idle rather than panic; the search starts over after the wait,
 * since another process may have brought the block in meanwhile.
 */
static struct buf *bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
  while ((b = cache_lookup(dev, blockno)) == 0 && (b = cache_recycle(dev, blockno)) == 0) {
    bcache.waiters++;
    sleep(&bcache.waiters, &bcache.lock);
    bcache.waiters--;
  }
  if (b->users == 0)
    idle_remove(b);
  b->users++;
  release(&bcache.lock);

  acquiresleep(&b->lock);
  return b;
}

/* One user fewer; a buffer nobody uses any more joins the idle queue. */
static void drop_user(struct buf *b)
{
  acquire(&bcache.lock);
  if (b->users == 0)
    panic("bio: buffer released more often than taken");
  b->users--;
  if (b->users == 0) {
    idle_append(b);
    if (bcache.waiters)
      wakeup(&bcache.waiters);
  }
  release(&bcache.lock);
}

#if LAB_BIGFILE
/*
 * A locked buffer for a block that is not cached, recycled from an idle
 * buffer; 0 if the block is cached (a copy, possibly being read, exists)
 * or no buffer is idle. It never waits, so a caller may use it while it
 * holds other buffers.
 */
static struct buf *bget_uncached(uint dev, uint blockno)
{
  acquire(&bcache.lock);
  struct buf *b = cache_lookup(dev, blockno) == 0 ? cache_recycle(dev, blockno) : 0;
  if (b) {
    idle_remove(b);
    b->users++;
  }
  release(&bcache.lock);
  if (b)
    acquiresleep(&b->lock);  /* it was idle: nobody holds it */
  return b;
}

/*
 * bread for a block that is probably followed on the disk by the next ones
 * the caller will want, as a file's blocks usually are: if the block must
 * be read, the blocks after it (at most span - 1 of them, and at most
 * READ_AHEAD - 1) that are not cached come in with it, in one request.
 * The run stops at the first block that is cached or that finds no idle
 * buffer.
 */
struct buf *bread_ahead(uint dev, uint blockno, uint span)
{
  struct buf *run[READ_AHEAD];
  uchar *data[READ_AHEAD];
  struct buf *b = bget(dev, blockno);
  int n = 1;

  if (b->valid)
    return b;
  run[0] = b;
  while (n < span && n < READ_AHEAD && (run[n] = bget_uncached(dev, blockno + n)) != 0)
    n++;
  for (int i = 0; i < n; i++)
    data[i] = run[i]->data;
  virtio_disk_rwv(blockno, data, n, BSIZE, 0);
  for (int i = 0; i < n; i++)
    run[i]->valid = 1;
  for (int i = 1; i < n; i++)
    brelse(run[i]);
  return b;
}

/*
 * A locked buffer for a block that was just allocated, filled with zeros:
 * its old contents on the disk mean nothing, so they are not read.
 */
struct buf *bfresh(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  memset(b->data, 0, BSIZE);
  b->valid = 1;
  return b;
}

/* Buffers that bwrite_run hands the disk at a time. */
#define WRITE_BATCH 64

/*
 * Write the data of the locked buffers bufs[0..n-1] to the n consecutive
 * blocks from first on, whatever blocks the buffers hold: one disk request
 * for up to WRITE_BATCH of them.
 */
void bwrite_run(struct buf **bufs, int n, uint first)
{
  uchar *data[WRITE_BATCH];

  for (int done = 0; done < n; done += WRITE_BATCH) {
    int count = n - done < WRITE_BATCH ? n - done : WRITE_BATCH;
    for (int i = 0; i < count; i++) {
      if (!holdingsleep(&bufs[done + i]->lock))
        panic("bwrite_run: buffer not locked");
      data[i] = bufs[done + i]->data;
    }
    virtio_disk_rwv(first + done, data, count, BSIZE, 1);
  }
}
#endif

struct buf *bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b->blockno, b->data, BSIZE, 0);
    b->valid = 1;
  }
  return b;
}

void bwrite(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("bwrite: buffer not locked");
  virtio_disk_rw(b->blockno, b->data, BSIZE, 1);
}

/* Give back a buffer from bread. */
void brelse(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("brelse: buffer not locked");
  releasesleep(&b->lock);
  drop_user(b);
}

/*
 * The log pins a buffer it must write later: a pin counts as a user, so
 * the buffer, and with it the only up-to-date copy of the block, cannot be
 * recycled. The caller holds b (from bread), so b is not idle.
 */
void bpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->users++;
  release(&bcache.lock);
}

void bunpin(struct buf *b)
{
  drop_user(b);
}
