/*
 * Storage layer: the buffer cache. It keeps copies of recently used disk
 * blocks in memory and makes sure that each block has at most one copy, so
 * that every user of a block sees the others' changes. A buffer is handed
 * out locked (its sleep lock), so only one process uses a block at a time.
 *
 * All buffers sit on one circular list ordered by last use: the sentinel's
 * next is the most recently released buffer, its prev the least recent,
 * which is the first one recycled for a block that is not cached.
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
  struct spinlock lock;   /* guards the list, dev, blockno and refcnt of every buffer */
  struct buf buf[NBUF];
  struct buf lru;         /* sentinel of the use-ordered list */
  int waiters;            /* processes in bget() waiting for an idle buffer */
} bcache;

static void list_remove(struct buf *b)
{
  b->prev->next = b->next;
  b->next->prev = b->prev;
}

static void list_push_front(struct buf *b)
{
  b->next = bcache.lru.next;
  b->prev = &bcache.lru;
  bcache.lru.next->prev = b;
  bcache.lru.next = b;
}

void binit(void)
{
  initlock(&bcache.lock, "bcache");
  bcache.lru.next = &bcache.lru;
  bcache.lru.prev = &bcache.lru;
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    initsleeplock(&b->lock, "buffer");
    list_push_front(b);
  }
}

/* A buffer just became idle. Called with bcache.lock held. */
static void wake_waiters(void)
{
  if (bcache.waiters)
    wakeup(&bcache);
}

/*
 * The cached buffer for the block, or the least recently used idle one,
 * locked. When every buffer is in use (the log may pin most of them while
 * many processes read), wait for one to be released rather than panic.
 */
static struct buf *bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
again:
  for (b = bcache.lru.next; b != &bcache.lru; b = b->next) {
    if (b->dev == dev && b->blockno == blockno) {
      b->refcnt++;
      release(&bcache.lock);
      acquiresleep(&b->lock);
      return b;
    }
  }

  for (b = bcache.lru.prev; b != &bcache.lru; b = b->prev) {
    if (b->refcnt == 0) {
      b->dev = dev;
      b->blockno = blockno;
      b->valid = 0;
      b->refcnt = 1;
      release(&bcache.lock);
      acquiresleep(&b->lock);
      return b;
    }
  }
  bcache.waiters++;
  sleep(&bcache, &bcache.lock);
  bcache.waiters--;
  goto again;  /* the block may have been cached while we slept */
}

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

/* Give up a buffer from bread; once nobody uses it, it becomes the most recent. */
void brelse(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("brelse: buffer not locked");
  releasesleep(&b->lock);

  acquire(&bcache.lock);
  b->refcnt--;
  if (b->refcnt == 0) {
    list_remove(b);
    list_push_front(b);
    wake_waiters();
  }
  release(&bcache.lock);
}

void bpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->refcnt++;
  release(&bcache.lock);
}

void bunpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->refcnt--;
  if (b->refcnt == 0)
    wake_waiters();
  release(&bcache.lock);
}
