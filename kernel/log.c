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
#if LAB_BIGFILE
  int commit_wanted;    /* an operation in the group ended with end_op */
  int waiting;          /* processes asleep in begin_op */
  struct buf *held[LOGSIZE];  /* during a commit: the group's buffers, locked */
#endif
#if LAB_IOZONE >= 2
  uint commits;         /* groups committed since boot, for log_sync */
#endif
} journal;

#if LAB_BIGFILE
/*
 * Large files bring a log of hundreds of blocks, and two ways to make it
 * cheap. A commit moves runs of blocks with few disk requests: the group
 * goes into the log as one run, and is installed in runs of consecutive
 * home blocks. And a file write need not wait for its commit
 * (end_op_deferred): the group goes on growing until an operation that
 * must commit ends (any other system call that changes the disk, and the
 * close that drops a written file), or until the log is too full for the
 * next operation. So a program that writes a file a block at a time costs
 * one commit per log-full of blocks, not one per write; a crash may lose
 * the last writes made before the file was closed, but never leaves the
 * file system inconsistent.
 *
 * Which blocks the group holds, a bit per block, so that log_write need not
 * search a list of hundreds for every block it is given. Guarded by
 * journal.lock; the bits of a group are cleared when it is installed.
 */
static uchar group_bits[FSSIZE / 8 + 1];

static int in_group(uint blockno)
{
  if (blockno >= FSSIZE)
    panic("log_write: block beyond FSSIZE");
  return (group_bits[blockno / 8] >> (blockno % 8)) & 1;
}

static void add_to_group(uint blockno)
{
  group_bits[blockno / 8] |= 1 << (blockno % 8);
  journal.lh.block[journal.lh.n++] = blockno;
}
#else
/* Is the block in the group already? */
static int in_group(uint blockno)
{
  for (int i = 0; i < journal.lh.n; i++)
    if (journal.lh.block[i] == blockno)
      return 1;
  return 0;
}

static void add_to_group(uint blockno)
{
  journal.lh.block[journal.lh.n++] = blockno;
}
#endif

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

#if LAB_BIGFILE
/* Sort the group's home block numbers, so that runs of consecutive ones stand together. */
static void sort_group(void)
{
  int *block = journal.lh.block;

  for (int i = 1; i < journal.lh.n; i++) {
    int home = block[i], j = i;
    for (; j > 0 && block[j - 1] > home; j--)
      block[j] = block[j - 1];
    block[j] = home;
  }
}

/*
 * Step 1: the cached (pinned) copies of the modified blocks go into the
 * log, straight from their buffers, in one run. The buffers stay locked
 * until they are installed. No operation runs during a commit, so the
 * locks only keep out readers, for a moment.
 */
static void write_log_blocks(void)
{
  sort_group();
  for (int i = 0; i < journal.lh.n; i++)
    journal.held[i] = bread(journal.dev, journal.lh.block[i]);
  bwrite_run(journal.held, journal.lh.n, journal.start + 1);
}

/* Step 3 after a commit: each run of consecutive home blocks in one request. */
static void install_from_cache(void)
{
  int n = journal.lh.n;

  for (int first = 0, end; first < n; first = end) {
    for (end = first + 1; end < n && journal.lh.block[end] == journal.lh.block[end - 1] + 1; end++)
      ;
    bwrite_run(&journal.held[first], end - first, journal.lh.block[first]);
  }
  for (int i = 0; i < n; i++) {
    uint blockno = journal.lh.block[i];
    group_bits[blockno / 8] &= ~(1 << (blockno % 8));
    bunpin(journal.held[i]);
    brelse(journal.held[i]);
  }
}
#else
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
#endif

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

#if LAB_BIGFILE
/*
 * Wait in begin_op for a commit to end or for room in the log. The count
 * of waiters spares the many operations that end with nobody waiting a
 * wakeup, which looks at every process. Caller holds journal.lock.
 */
static void wait_for_log(void)
{
  journal.waiting++;
  sleep(&journal, &journal.lock);
  journal.waiting--;
}

static void wake_waiting(void)
{
  if (journal.waiting > 0)
    wakeup(&journal);
}

/*
 * Commit the group now. Caller holds journal.lock, and no operation is
 * outstanding; committing keeps everyone else out meanwhile, so the lock
 * need not be held while the commit writes.
 */
static void commit_now(void)
{
  journal.committing = 1;
  journal.commit_wanted = 0;
  release(&journal.lock);
  commit();
  acquire(&journal.lock);
#if LAB_IOZONE >= 2
  journal.commits++;
  wakeup(&journal);  /* log_sync waits for the count, not among waiting */
#endif
  journal.committing = 0;
  wake_waiting();
}

/*
 * Wait until the log can take one more operation's worst case, then join
 * the group. A log filled by deferred writes, with no operation left to
 * end and commit it, is committed here.
 */
void begin_op(void)
{
  acquire(&journal.lock);
  for (;;) {
    if (journal.committing)
      wait_for_log();
    else if (journal.lh.n + (journal.outstanding + 1) * MAXOPBLOCKS <= journal.capacity)
      break;
    else if (journal.outstanding == 0)
      commit_now();
    else
      wait_for_log();
  }
  journal.outstanding++;
  release(&journal.lock);
}

/*
 * Leave the group. The last operation out commits it if any operation in
 * it wanted its commit; otherwise the group stays open for more. Either
 * way, operations waiting for room in the log try again.
 */
static void leave_group(int wants_commit)
{
  acquire(&journal.lock);
  if (journal.committing)
    panic("end_op: commit in progress");
  journal.outstanding--;
  journal.commit_wanted |= wants_commit;
  if (journal.outstanding == 0 && journal.commit_wanted)
    commit_now();
  else
    wake_waiting();
  release(&journal.lock);
}

void end_op(void)
{
  leave_group(1);
}

/* End an operation whose changes may wait for a later commit: a file write. */
void end_op_deferred(void)
{
  leave_group(0);
}
#else
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
  journal.committing = 0;
  wakeup(&journal);
  release(&journal.lock);
}
#endif

#if LAB_IOZONE >= 2
/*
 * Wait until every operation that has ended is on disk (fsync). An ended
 * operation's changes belong to the group being committed, or else to the
 * group still open. That one may hold only file writes that wait for a
 * later commit (end_op_deferred), so it is asked to commit: at once if no
 * operation is in it, else by the last of them to end. Either way the next
 * commit to finish carries them. Counting commits, rather than waiting for
 * an empty log, cannot starve behind a stream of new operations.
 */
void log_sync(void)
{
  acquire(&journal.lock);
  if (journal.committing || journal.lh.n > 0) {
    uint wanted = journal.commits + 1;
    if (!journal.committing && journal.outstanding == 0)
      commit_now();
    else
      journal.commit_wanted = 1;
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
  acquire(&journal.lock);
  if (journal.outstanding < 1)
    panic("log_write: outside an operation");
  if (!in_group(b->blockno)) {
    if (journal.lh.n >= journal.capacity)
      panic("log_write: operation too big for the log");
    add_to_group(b->blockno);
    bpin(b);
  }
  release(&journal.lock);
}
