/*
 * Storage layer: the write-ahead (redo) log that makes file-system
 * operations atomic with respect to crashes.
 *
 * An operation brackets its changes with begin_op()/end_op() and records
 * each modified buffer with log_write() instead of writing it. Nothing
 * reaches its home location until the last of the concurrently running
 * operations ends; that end_op() commits them all as one group:
 *
 *   1. copy every modified block into the log's data blocks;
 *   2. write the header with the list of home block numbers: the commit point;
 *   3. copy the blocks to their home locations;
 *   4. write the header again with an empty list.
 *
 * A crash before step 2 loses the group; a crash after it is repaired at
 * boot by replaying the log (steps 3 and 4 are idempotent).
 *
 * On disk: [ header | data block 0 | data block 1 | ... ] starting at sb.logstart.
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
#include "fsys.h"

/* The log's first block; block[i] is the home of log data block i. */
struct log_header {
  int n;
  int block[LOGSIZE];
};
_Static_assert(sizeof(struct log_header) <= BSIZE, "log header must fit in a block");

static struct {
  struct spinlock lock;
  int dev;
  int start;            /* block number of the header */
  int capacity;         /* data blocks the log can hold */
  int outstanding;      /* operations between begin_op and end_op */
  int committing;       /* a commit is writing; new operations wait */
  struct log_header lh; /* blocks modified by the current group */
#if LAB_IOZONE >= 2
  uint commits;         /* groups committed since boot, for log_sync */
#endif
} journal;

static void read_header(void)
{
  struct buf *b = bread(journal.dev, journal.start);
  memmove(&journal.lh, b->data, sizeof(journal.lh));
  brelse(b);
}

/* With lh.n > 0 this single-block write is what commits the group. */
static void write_header(void)
{
  struct buf *b = bread(journal.dev, journal.start);
  memmove(b->data, &journal.lh, sizeof(journal.lh));
  bwrite(b);
  brelse(b);
}

static void copy_block(struct buf *to, struct buf *from)
{
  memmove(to->data, from->data, BSIZE);
  bwrite(to);
}

/* Step 1: the cached (pinned) copies of the modified blocks go into the log. */
static void write_log_blocks(void)
{
  for (int i = 0; i < journal.lh.n; i++) {
    struct buf *home = bread(journal.dev, journal.lh.block[i]);
    struct buf *slot = bread(journal.dev, journal.start + 1 + i);
    copy_block(slot, home);
    brelse(slot);
    brelse(home);
  }
}

/*
 * Step 3 after a commit: the cache still holds exactly what was logged,
 * because no operation may run during a commit, so write it from there.
 */
static void install_from_cache(void)
{
  for (int i = 0; i < journal.lh.n; i++) {
    struct buf *home = bread(journal.dev, journal.lh.block[i]);
    bwrite(home);
    bunpin(home);
    brelse(home);
  }
}

/* Step 3 at boot: the log on disk is the only copy of the committed blocks. */
static void install_from_log(void)
{
  for (int i = 0; i < journal.lh.n; i++) {
    struct buf *slot = bread(journal.dev, journal.start + 1 + i);
    struct buf *home = bread(journal.dev, journal.lh.block[i]);
    copy_block(home, slot);
    brelse(home);
    brelse(slot);
  }
}

static void recover(void)
{
  read_header();
  if (journal.lh.n < 0 || journal.lh.n > journal.capacity)
    panic("initlog: corrupt log header");
  install_from_log();
  journal.lh.n = 0;
  write_header();
}

void initlog(int dev, struct superblock *sb)
{
  initlock(&journal.lock, "log");
  journal.dev = dev;
  journal.start = sb->logstart;
  journal.capacity = sb->nlog - 1;
  if (journal.capacity > LOGSIZE)
    journal.capacity = LOGSIZE;
  if (journal.capacity < MAXOPBLOCKS)
    panic("initlog: log too small for one operation");
  recover();
}

static void commit(void)
{
  if (journal.lh.n == 0)
    return;
  write_log_blocks();
  write_header();
  install_from_cache();
  journal.lh.n = 0;
  write_header();
}

/* Wait until the log can take one more operation's worst case, then join the group. */
void begin_op(void)
{
  acquire(&journal.lock);
  while (journal.committing ||
         journal.lh.n + (journal.outstanding + 1) * MAXOPBLOCKS > journal.capacity)
    sleep(&journal, &journal.lock);
  journal.outstanding++;
  release(&journal.lock);
}

void end_op(void)
{
  int last;

  acquire(&journal.lock);
  if (journal.committing)
    panic("end_op: commit in progress");
  journal.outstanding--;
  last = journal.outstanding == 0;
  if (last)
    journal.committing = 1;
  else
    wakeup(&journal);  /* this operation's unused reservation is free again */
  release(&journal.lock);

  if (!last)
    return;
  /* committing keeps everyone else out, so the lock need not be held. */
  commit();
  acquire(&journal.lock);
#if LAB_IOZONE >= 2
  journal.commits++;
#endif
  journal.committing = 0;
  wakeup(&journal);
  release(&journal.lock);
}

#if LAB_IOZONE >= 2
/*
 * Wait until every operation that has ended is on disk (fsync). An ended
 * operation's changes belong to the group being committed, or else to the
 * group still open, which the last of its operations will commit; either
 * way the next commit to finish carries them. Counting commits, rather
 * than waiting for an empty log, cannot starve behind a stream of new
 * operations.
 */
void log_sync(void)
{
  acquire(&journal.lock);
  if (journal.committing || journal.lh.n > 0) {
    uint wanted = journal.commits + 1;
    /* Not there yet; the difference stays right when the count wraps. */
    while ((int)(wanted - journal.commits) > 0)
      sleep(&journal, &journal.lock);
  }
  release(&journal.lock);
}
#endif

/*
 * Record that b (locked, from bread) was modified by the current operation.
 * A block already in the group keeps its slot; a new one is pinned in the
 * cache so that the commit finds it there.
 */
void log_write(struct buf *b)
{
  int i;

  acquire(&journal.lock);
  if (journal.outstanding < 1)
    panic("log_write: outside an operation");
  for (i = 0; i < journal.lh.n; i++)
    if (journal.lh.block[i] == b->blockno)
      break;
  if (i == journal.lh.n) {
    if (journal.lh.n >= journal.capacity)
      panic("log_write: operation too big for the log");
    journal.lh.block[i] = b->blockno;
    journal.lh.n++;
    bpin(b);
  }
  release(&journal.lock);
}
