/* Storage layer: the buffer cache (bio.c). */
#ifndef KILN_BUF_H
#define KILN_BUF_H

#include "sleeplock.h"

/* One cached disk block. Outside bio.c, only data, dev and blockno are read. */
struct buf {
  uchar data[BSIZE];
  uint dev;
  uint blockno;          /* the block cached here; NO_BLOCK if none yet */
  int valid;             /* data has been read from the disk */
  struct sleeplock lock; /* held by the one process using the block */

  /* Guarded by the cache's spin locks (see bio.c): */
  uint users;            /* bread holders plus log pins; 0 means idle */
#if LAB_LOCKS >= 2
  uint64 last_use;       /* when it last became idle, for recycling the oldest */
  struct buf *next_in_bucket;
#else
  struct buf *older;     /* neighbours in the idle queue, while idle */
  struct buf *newer;
#endif
};

#define NO_BLOCK ((uint)-1)

void binit(void);
struct buf *bread(uint dev, uint blockno);  /* locked buffer holding the block */
void bwrite(struct buf *b);
void brelse(struct buf *b);
void bpin(struct buf *b);    /* keep in the cache until the log is written */
void bunpin(struct buf *b);
#if LAB_BIGFILE
/* Large files: fewer disk requests for runs of blocks. */
#define READ_AHEAD 32  /* the most blocks bread_ahead reads in one request */
struct buf *bread_ahead(uint dev, uint blockno, uint span);
struct buf *bfresh(uint dev, uint blockno);  /* zeroed, not read: a new block */
void bwrite_run(struct buf **bufs, int n, uint first);
#endif

#endif
