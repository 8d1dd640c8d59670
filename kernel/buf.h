/* Storage layer: the buffer cache (bio.c). */
#ifndef KILN_BUF_H
#define KILN_BUF_H

#include "sleeplock.h"

struct buf {
  int valid;             /* data holds the block's contents */
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;
  struct buf *prev;      /* least-recently-used list */
  struct buf *next;
  uchar data[BSIZE];
};

void binit(void);
struct buf *bread(uint dev, uint blockno);  /* locked buffer holding the block */
void bwrite(struct buf *b);
void brelse(struct buf *b);
void bpin(struct buf *b);    /* keep in the cache until the log is written */
void bunpin(struct buf *b);

#endif
