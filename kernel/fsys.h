/* Storage layer: the write-ahead log (log.c), inodes and directories (fs.c). */
#ifndef KILN_FSYS_H
#define KILN_FSYS_H

#include "sleeplock.h"

struct buf;
struct stat;

/* log.c: every change to the disk happens between begin_op and end_op. */
void initlog(int dev, struct superblock *sb);
void begin_op(void);
void end_op(void);
void log_write(struct buf *b);  /* use instead of bwrite inside an operation */

/* An inode in memory. */
struct inode {
  uint dev;
  uint inum;
  int ref;               /* in-memory references; guarded by the inode table lock */
  struct sleeplock lock; /* guards everything below */
  int valid;             /* the fields below were read from disk */

  short type;            /* copy of the on-disk inode */
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT + 1];
};

void fsinit(int dev);
struct inode *ialloc(uint dev, short type);
struct inode *idup(struct inode *ip);
void ilock(struct inode *ip);
void iunlock(struct inode *ip);
void iput(struct inode *ip);
void iunlockput(struct inode *ip);
void iupdate(struct inode *ip);
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);

int namecmp(const char *a, const char *b);
struct inode *dirlookup(struct inode *dp, char *name, uint *poff);
int dirlink(struct inode *dp, char *name, uint inum);
/* Relative paths start at cwd (an inode the caller holds a reference to). */
struct inode *namei(struct inode *cwd, char *path);
struct inode *nameiparent(struct inode *cwd, char *path, char *name);

#endif
