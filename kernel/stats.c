/*
 * Devices layer: the "statistics" device. Reading it yields text:
 *
 *   freepages N
 *   diskreads N
 *   lock NAME acquire N spin N     (one line per lock name)
 *
 * Graders and user programs parse these lines, so their format is fixed.
 * They look for a line by its name, not by its place: a lab may put a
 * report of its own first (see format_stats()).
 *
 * Every open file of the device has a snapshot of its own: the first read
 * through it formats the text into a page, later reads continue from where
 * the previous one stopped, and once the text is used up reads return 0
 * (end of file). Closing the file frees the page. So any number of readers,
 * at the same time or one after another, each see one whole, consistent
 * text; reading afresh means opening afresh.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sched.h"
#include "memory.h"
#include "dev.h"

/* One open file's text, in a page of its own: the driver state the file keeps. */
struct snapshot {
  int len;      /* bytes of text */
  int served;   /* bytes already read */
  char text[];  /* the rest of the page */
};

#define TEXT_ROOM ((int)(PGSIZE - sizeof(struct snapshot)))

/*
 * Processes that share one open file (after fork or dup) share its
 * snapshot; this lock makes their reads take turns, and makes sure only
 * one of them takes the snapshot.
 */
static struct spinlock stats_lock;
#if LAB_BIGFILE
/*
 * The storage layer counts the free blocks of the disk, and as it sits
 * above this one, it hands over the function that reads its count. That
 * must not sleep: it is called with stats_lock held.
 */
static uint64 (*free_blocks)(void);

void stats_set_freeblocks(uint64 (*count)(void))
{
  free_blocks = count;
}

/* The line "freeblocks N", once the file system has registered its count. */
static int format_free_blocks(char *buf, int size)
{
  if (free_blocks == 0)
    return 0;
  return snprintf(buf, size, "freeblocks %lu\n", free_blocks());
}
#endif

/* What the memory layer counts, read before a snapshot takes its page. */
struct page_counts {
  uint64 free;
#if LAB_LAZY
  uint64 handed_out;  /* lazy lab: pages kalloc() has handed out since boot */
#endif
};

static struct page_counts page_counts_now(void)
{
  return (struct page_counts){
    .free = kfreepages(),
#if LAB_LAZY
    .handed_out = kallocpages(),
#endif
  };
}

#if LAB_LOCKS
/*
 * The locks lab's report, in the shape that lock-lab test programs from
 * other courses parse: a line per kmem and bcache lock name with its
 * test-and-sets that found the lock taken and its acquisitions, the five
 * most contended lock names of all, and on the line "tot= N" the sum of
 * test-and-sets over the kmem and bcache locks. Those programs find the
 * number with strchr(text, '='), so no line before it, and none after,
 * has an '='.
 */
#define TOP_CONTENDED 5

static int is_lab_lock(const char *name)
{
  return strncmp(name, "kmem", 4) == 0 || strncmp(name, "bcache", 6) == 0;
}

static int lock_line(char *buf, int size, const struct lockstat *st)
{
  return snprintf(buf, size, "lock: %s: #test-and-set %lu #acquire() %lu\n",
                  st->name, st->ntas, st->nacquire);
}

/* Put st into top[] (*n copies, most contended first) if it is among the first TOP_CONTENDED. */
static void rank(struct lockstat top[], int *n, const struct lockstat *st)
{
  int at = *n;
  while (at > 0 && top[at - 1].ntas < st->ntas)
    at--;
  if (at == TOP_CONTENDED)
    return;
  if (*n < TOP_CONTENDED)
    (*n)++;
  for (int i = *n - 1; i > at; i--)
    top[i] = top[i - 1];
  top[at] = *st;
}

static int format_lock_report(char *buf, int size)
{
  struct lockstat top[TOP_CONTENDED];
  int ntop = 0;
  uint64 total = 0;

  int len = snprintf(buf, size, "--- lock kmem/bcache stats\n");
  for (int i = 0; lockstat_at(i) != 0; i++) {
    /* A copy: the counters go on changing, and the report should add up. */
    struct lockstat now = *lockstat_at(i);
    if (is_lab_lock(now.name)) {
      len += lock_line(buf + len, size - len, &now);
      total += now.ntas;
    }
    if (now.ntas != 0)
      rank(top, &ntop, &now);
  }
  len += snprintf(buf + len, size - len, "--- top %d contended locks:\n", TOP_CONTENDED);
  for (int i = 0; i < ntop; i++)
    len += lock_line(buf + len, size - len, &top[i]);
  len += snprintf(buf + len, size - len, "tot= %lu\n", total);
  return len;
}
#endif

/* Write the statistics text into buf (size bytes); its length. */
static int format_stats(char *buf, int size, const struct page_counts *pages)
{
  int len = 0;
#if LAB_LOCKS
  len += format_lock_report(buf, size);
#endif
  len += snprintf(buf + len, size - len, "freepages %lu\ndiskreads %lu\n",
                  pages->free, virtio_disk_reads());
#if LAB_LAZY
  len += snprintf(buf + len, size - len, "allocpages %lu\n", pages->handed_out);
#endif
#if LAB_BIGFILE
  len += format_free_blocks(buf + len, size - len);
#endif
#if LAB_KPGTBL
  len += copy_stats(buf + len, size - len);
#endif
  len += lockstats(buf + len, size - len);
  return len;
}

/* A new snapshot of the statistics, or 0 if there is no free page for it. */
static struct snapshot *take_snapshot(void)
{
  /* Counted before the snapshot takes its page: the device reports the
     system as it was, not the memory used by reading it. */
  struct page_counts pages = page_counts_now();
  struct snapshot *snap = kalloc();

  if (snap == 0)
    return 0;
  snap->len = format_stats(snap->text, TEXT_ROOM, &pages);
  snap->served = 0;
  return snap;
}

/* Hand out up to n more bytes of snap to dst; bytes given, 0 at its end, -1 if dst is bad. */
static int serve(struct snapshot *snap, int user_dst, uint64 dst, int n)
{
  int len = snap->len - snap->served;

  if (len > n)
    len = n;
  if (len > 0 && either_copyout(user_dst, dst, snap->text + snap->served, len) < 0)
    return -1;
  snap->served += len;
  return len;
}

static int statsread(void **state, int user_dst, uint64 dst, int n)
{
  int result = -1;

  if (n <= 0)
    return 0;
  acquire(&stats_lock);
  if (*state == 0)
    *state = take_snapshot();
  if (*state != 0)
    result = serve(*state, user_dst, dst, n);
  release(&stats_lock);
  return result;
}

static void statsclose(void *state)
{
  if (state != 0)
    kfree(state);
}

/* The device is read-only. */
static int statswrite(void **state, int user_src, uint64 src, int n)
{
  return -1;
}

void statsinit(void)
{
  static const struct devsw stats = { statsread, statswrite, statsclose };

  initlock(&stats_lock, "stats");
  devsw_register(STATS, &stats);
}
