/*
 * Devices layer: the "statistics" device. Reading it yields text:
 *
 *   freepages N
 *   diskreads N
 *   lock NAME acquire N spin N     (one line per lock name)
 *
 * The text is a snapshot: the first read formats it, later reads continue
 * where the previous one stopped, and once it is used up a read returns 0
 * (end of file); the read after that takes a fresh snapshot. There is one
 * snapshot for the whole system, so concurrent readers share it.
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

#define SNAPSHOT_SIZE 4096

static struct {
  struct spinlock lock;
  char text[SNAPSHOT_SIZE];
  int len;      /* bytes of text in the snapshot */
  int off;      /* bytes already handed to readers */
  int pending;  /* a snapshot is being read */
} snap;

static void
take_snapshot(void)
{
  int len = snprintf(snap.text, SNAPSHOT_SIZE, "freepages %lu\ndiskreads %lu\n",
                     kfreepages(), virtio_disk_reads());
#if LAB_KPGTBL
  len += copy_stats(snap.text + len, SNAPSHOT_SIZE - len);
#endif

  len += lockstats(snap.text + len, SNAPSHOT_SIZE - len);
  snap.len = len;
  snap.off = 0;
  snap.pending = 1;
}

static int
statsread(void **state, int user_dst, uint64 dst, int n)
{
  int len;

  if (n <= 0)
    return 0;
  acquire(&snap.lock);
  if (!snap.pending)
    take_snapshot();
  len = snap.len - snap.off;
  if (len > n)
    len = n;
  if (len == 0) {
    snap.pending = 0;
  } else if (either_copyout(user_dst, dst, snap.text + snap.off, len) == -1) {
    len = -1;
  } else {
    snap.off += len;
  }
  release(&snap.lock);
  return len;
}

static int
statswrite(void **state, int user_src, uint64 src, int n)
{
  return -1;
}

void
statsinit(void)
{
  initlock(&snap.lock, "stats");
  static const struct devsw stats = { statsread, statswrite, 0 };
  devsw_register(STATS, &stats);
}
