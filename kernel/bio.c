/*
 * Storage layer: the buffer cache. It keeps copies of recently used disk
 * blocks in memory, at most one copy of each block, so that every user of
 * a block sees the others' changes. A buffer is handed out locked (its
 * sleep lock), so only one process works on a block at a time.
 *
 * Each buffer counts its users: bread holders and log pins. A buffer with
 * no user is idle; it keeps its block, so reading the block again costs no
 * disk access, until it is recycled for another block. Only idle buffers
 * are recycled, the least recently used first. Below, cache_get() finds
 * or recycles a buffer and drop_user() lets go of one; they and the
 * structures they share decide which spin locks guard what.
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

#if LAB_LOCKS >= 2
/*
 * The buffers are spread over NBUCKET buckets by block number. A bucket is
 * a chain of the buffers whose blocks hash to it, under a spin lock of its
 * own that guards their users and last_use and which block they hold.
 * Finding a cached block takes only its bucket's lock, so processes using
 * different blocks seldom meet.
 *
 * Recycling moves a buffer from one bucket to another. Only one process at
 * a time recycles: it holds bcache.lock throughout. That is what keeps two
 * processes that miss the same block from each recycling a buffer for it:
 * the second looks again under bcache.lock and finds the first one's. The
 * recycler picks the idle buffer with the oldest last_use, visiting the
 * buckets one at a time; it never holds two bucket locks, and nobody
 * holding a bucket lock waits for bcache.lock, so no two processes can
 * wait for each other.
 */
#define NBUCKET 13  /* a prime: blocks in strides of 2, 4, 8... still spread */

struct bucket {
  struct spinlock lock;
  struct buf *chain;
};

static struct {
  struct spinlock lock;           /* held by the one process recycling a buffer */
  struct bucket bucket[NBUCKET];
  struct buf buf[NBUF];
  uint64 releases;                /* times a buffer became idle: last_use's clock */
  int waiters;                    /* recyclers waiting for some buffer to become idle */
} bcache;

/* Lock names must outlive the locks: "bcache.0" ... one per bucket. */
static char bucket_names[NBUCKET][12];

static struct bucket *bucket_of(uint blockno)
{
  return &bcache.bucket[blockno % NBUCKET];
}

/*
 * The lock that guards b's users. The caller uses b, so b keeps its block
 * (only idle buffers are recycled) and stays in this bucket.
 */
static struct spinlock *guard_of(struct buf *b)
{
  return &bucket_of(b->blockno)->lock;
}

/* The buffer of bucket k that holds the block, or 0; k->lock is held. */
static struct buf *chain_find(struct bucket *k, uint dev, uint blockno)
{
  for (struct buf *b = k->chain; b != 0; b = b->next_in_bucket)
    if (b->blockno == blockno && b->dev == dev)
      return b;
  return 0;
}

/* Take b out of bucket k's chain; k->lock is held. */
static void chain_remove(struct bucket *k, struct buf *b)
{
  struct buf **link = &k->chain;
  while (*link != b)
    link = &(*link)->next_in_bucket;
  *link = b->next_in_bucket;
}

/* Put b into bucket k's chain, under k->lock. */
static void bucket_insert(struct bucket *k, struct buf *b)
{
  acquire(&k->lock);
  b->next_in_bucket = k->chain;
  k->chain = b;
  release(&k->lock);
}

void binit(void)
{
  initlock(&bcache.lock, "bcache");
  for (int i = 0; i < NBUCKET; i++) {
    snprintf(bucket_names[i], sizeof(bucket_names[i]), "bcache.%d", i);
    initlock(&bcache.bucket[i].lock, bucket_names[i]);
  }
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    initsleeplock(&b->lock, "buffer");
    b->blockno = NO_BLOCK;
    bucket_insert(bucket_of(NO_BLOCK), b);
  }
}

/* The block's buffer, with one user more, if the block is cached; else 0. */
static struct buf *find_cached(uint dev, uint blockno)
{
  struct bucket *k = bucket_of(blockno);
  acquire(&k->lock);
  struct buf *b = chain_find(k, dev, blockno);
  if (b != 0)
    b->users++;
  release(&k->lock);
  return b;
}

/*
 * The idle buffer with the oldest last_use, which goes to *seen, or 0 if
 * none is idle. Each bucket is locked only while it is looked at, so the
 * buffer may be in use again by the time the caller claims it.
 */
static struct buf *oldest_idle(uint64 *seen)
{
  struct buf *oldest = 0;

  for (struct bucket *k = bcache.bucket; k < bcache.bucket + NBUCKET; k++) {
    acquire(&k->lock);
    for (struct buf *b = k->chain; b != 0; b = b->next_in_bucket) {
      if (b->users == 0 && (oldest == 0 || b->last_use < *seen)) {
        oldest = b;
        *seen = b->last_use;
      }
    }
    release(&k->lock);
  }
  return oldest;
}

/*
 * Give b, found idle with last_use seen, to the block, with one user: 1 if
 * done, 0 if b was used meanwhile. Out of its old bucket and not yet in the
 * new one, b is out of everyone's sight but ours; bcache.lock is held.
 */
static int claim(struct buf *b, uint64 seen, uint dev, uint blockno)
{
  struct bucket *old = bucket_of(b->blockno);

  acquire(&old->lock);
  int unused = b->users == 0 && b->last_use == seen;
  if (unused)
    chain_remove(old, b);
  release(&old->lock);
  if (!unused)
    return 0;

  b->dev = dev;
  b->blockno = blockno;
  b->valid = 0;
  b->users = 1;
  bucket_insert(bucket_of(blockno), b);
  return 1;
}

/* Recycle the least recently used idle buffer for the block; 0 if none is idle. */
static struct buf *recycle(uint dev, uint blockno)
{
  for (;;) {
    uint64 seen;
    struct buf *b = oldest_idle(&seen);
    if (b == 0 || claim(b, seen, dev, blockno))
      return b;
  }
}

/*
 * A buffer for a block that was not cached when we looked, under bcache.lock.
 * Look again first: another process may have brought the block in while we
 * waited for the lock. When every buffer is in use, sleep until one becomes
 * idle. A recycler counts itself in waiters before its last look: a buffer
 * that becomes idle after that look sees the count (through the bucket
 * lock, which both take) and wakes it; one that became idle before it is
 * found by the look.
 */
static struct buf *bring_in(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
  while ((b = find_cached(dev, blockno)) == 0 && (b = recycle(dev, blockno)) == 0) {
    __atomic_fetch_add(&bcache.waiters, 1, __ATOMIC_RELAXED);
    b = recycle(dev, blockno);
    if (b == 0)
      sleep(&bcache.waiters, &bcache.lock);
    __atomic_fetch_sub(&bcache.waiters, 1, __ATOMIC_RELAXED);
    if (b != 0)
      break;
  }
  release(&bcache.lock);
  return b;
}

/* The block's buffer, with one user more: cached, or recycled for it. */
static struct buf *cache_get(uint dev, uint blockno)
{
  struct buf *b = find_cached(dev, blockno);
  return b != 0 ? b : bring_in(dev, blockno);
}

/* One user fewer; a buffer nobody uses any more is stamped with the time. */
static void drop_user(struct buf *b)
{
  struct spinlock *guard = guard_of(b);
  int wake = 0;

  acquire(guard);
  if (b->users == 0)
    panic("bio: buffer released more often than taken");
  b->users--;
  if (b->users == 0) {
    b->last_use = __atomic_add_fetch(&bcache.releases, 1, __ATOMIC_RELAXED);
    wake = __atomic_load_n(&bcache.waiters, __ATOMIC_RELAXED) != 0;
  }
  release(guard);
  if (wake) {
    acquire(&bcache.lock);
    wakeup(&bcache.waiters);
    release(&bcache.lock);
  }
}
#else
/*
 * One spin lock guards the whole cache. Finding a block and choosing a
 * buffer to reuse are separate jobs:
 *   - lookup scans the buffers for the one that holds the block;
 *   - recycling takes the head of the idle queue, the buffers nobody uses,
 *     oldest release first. A buffer leaves the queue when someone takes it
 *     and rejoins it at the tail when its last user lets go, so the head is
 *     always the least recently used buffer that may be given away.
 */
static struct {
  struct spinlock lock;    /* guards users, the queue and which block each buffer holds */
  struct buf buf[NBUF];
  struct buf *oldest_idle; /* head of the idle queue: the next to be recycled */
  struct buf *newest_idle; /* tail: the most recently released */
  int waiters;             /* processes waiting for a buffer to become idle */
} bcache;

/* The lock that guards b's users. */
static struct spinlock *guard_of(struct buf *b)
{
  return &bcache.lock;
}

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
 * The block's buffer, with one user more: cached, or recycled for it. When
 * every buffer is in use (the log may pin most of them while many
 * processes read), wait for one to become idle rather than panic; the
 * search starts over after the wait, since another process may have
 * brought the block in meanwhile.
 */
static struct buf *cache_get(uint dev, uint blockno)
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
#endif

/* A locked buffer for the block. */
static struct buf *bget(uint dev, uint blockno)
{
  struct buf *b = cache_get(dev, blockno);
  acquiresleep(&b->lock);
  return b;
}

#if LAB_BIGFILE
/*
 * A locked buffer for a block that is not cached, recycled from an idle
 * buffer; 0 if the block is cached (a copy, possibly being read, exists)
 * or no buffer is idle. It never waits, so a caller may use it while it
 * holds other buffers. Only a recycler, holding bcache.lock, puts a block
 * into a bucket: one not there under that lock stays out until we do.
 */
static struct buf *bget_uncached(uint dev, uint blockno)
{
  struct bucket *k = bucket_of(blockno);

  acquire(&bcache.lock);
  acquire(&k->lock);
  int cached = chain_find(k, dev, blockno) != 0;
  release(&k->lock);
  struct buf *b = cached ? 0 : recycle(dev, blockno);
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
  struct spinlock *guard = guard_of(b);
  acquire(guard);
  b->users++;
  release(guard);
}

void bunpin(struct buf *b)
{
  drop_user(b);
}
