/* Storage layer: the write-ahead log (log.c), inodes (fs.c), directories and path names (dir.c). */
#ifndef KILN_FSYS_H
#define KILN_FSYS_H

#include "sleeplock.h"

struct buf;
struct stat;

/* log.c: every change to the disk happens between begin_op and end_op. */
void initlog(int dev, struct superblock *sb);
void begin_op(void);
void end_op(void);
#if LAB_BIGFILE
void end_op_deferred(void);     /* end_op for a file write: its commit may come later */
#endif
void log_write(struct buf *b);  /* use instead of bwrite inside an operation */
#if LAB_IOZONE >= 2
void log_sync(void);            /* wait until every ended operation is on disk */
#endif

/*
 * An inode in memory: a slot of the inode table (fs.c) that caches one
 * on-disk inode for as long as anyone holds a reference to it.
 */
struct inode {
  uint dev;
  uint inum;
  int ref;               /* references held; guarded by the inode table's lock */
  struct sleeplock lock; /* guards everything below */
  int valid;             /* the on-disk inode has been read into disk */

  /*
   * The on-disk inode, seen two ways over the same bytes: fs.c copies it
   * to and from the disk whole, as disk; everyone else uses the named
   * fields, which therefore list struct dinode's (fs.h) in its order.
   */
  union {
    struct dinode disk;
    struct {
      short type, major, minor, nlink;
      uint size;
      uint addrs[NADDRS];
    };
  };
};

/* fs.c: inodes. */
void fsinit(int dev);
struct inode *ialloc(uint dev, short type);
struct inode *iget(uint dev, uint inum);  /* 0 if the inode table is full */
struct inode *idup(struct inode *ip);
void ilock(struct inode *ip);
void iunlock(struct inode *ip);
void iput(struct inode *ip);
void iunlockput(struct inode *ip);
void iupdate(struct inode *ip);
void itrunc(struct inode *ip);
#if LAB_IOZONE >= 2
int iresize(struct inode *ip, uint size);  /* ftruncate: shrink, or grow with a hole */
#endif
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);

/*
 * dir.c: directories and path names. A removed directory (nlink 0) is dead:
 * nothing can be linked into it and its ".." leads nowhere.
 */
int namecmp(const char *a, const char *b);
struct inode *dirlookup(struct inode *dp, char *name, uint *poff);
int dirlink(struct inode *dp, char *name, uint inum);
/* Relative paths start at cwd (an inode the caller holds a reference to). */
struct inode *namei(struct inode *cwd, char *path);
struct inode *nameiparent(struct inode *cwd, char *path, char *name);
#if LAB_BIGFILE
/* namei, but a symbolic link at the end of path is returned itself, not followed. */
struct inode *namei_nofollow(struct inode *cwd, char *path);
#endif

#endif
