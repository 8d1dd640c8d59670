/*
 * Storage layer: the file system proper, above the buffer cache and the log.
 *
 *   - blocks: a bitmap allocator over the data area;
 *   - inodes: the on-disk inode array, cached in an in-memory table;
 *   - file contents: direct blocks plus one singly-indirect block;
 *   - directories: files of struct dirent;
 *   - path names: "/a/b/c" walked one element at a time.
 *
 * Functions that modify the disk must run inside a log operation
 * (begin_op/end_op): the caller brackets them, since one system call often
 * makes several such changes that must land together.
 *
 * Locking: the itable lock guards ref, dev and inum of every in-memory
 * inode; an inode's sleep lock guards the rest, the on-disk copy, and (for
 * a directory) its contents. Only a parent may be locked while a child is
 * locked; path walking holds one inode at a time.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"
#include "stat.h"
#include "fs.h"
#include "buf.h"
#include "fsys.h"

static struct superblock sb;

static void itable_init(void);

/* Called once, by the first process: reading the disk needs a process to sleep. */
void fsinit(int dev)
{
  /* The inode table has no init of its own in fsys.h; no inode is used before this. */
  itable_init();

  struct buf *b = bread(dev, 1);
  memmove(&sb, b->data, sizeof(sb));
  brelse(b);
  if (sb.magic != FSMAGIC)
    panic("fsinit: not a Kiln file system (bad magic)");
  initlog(dev, &sb);
}

/* ---- blocks ---- */

static void zero_block(uint dev, uint blockno)
{
  struct buf *b = bread(dev, blockno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

/* Claim the first free bit in bitmap block b, or return -1 if it has none. */
static int claim_bit(struct buf *b, uint first_block)
{
  for (int byte = 0; byte < BSIZE; byte++) {
    if (b->data[byte] == 0xff)
      continue;
    for (int bit = 0; bit < 8; bit++) {
      uint blockno = first_block + byte * 8 + bit;
      if (blockno >= sb.size)
        return -1;
      if (!(b->data[byte] & (1 << bit))) {
        b->data[byte] |= 1 << bit;
        return blockno;
      }
    }
  }
  return -1;
}

/* A zeroed data block, or 0 if the disk is full. */
static uint balloc(uint dev)
{
  for (uint first = 0; first < sb.size; first += BPB) {
    struct buf *b = bread(dev, BBLOCK(first, sb));
    int blockno = claim_bit(b, first);
    if (blockno >= 0)
      log_write(b);
    brelse(b);
    if (blockno >= 0) {
      zero_block(dev, blockno);
      return blockno;
    }
  }
  return 0;
}

static void bfree(uint dev, uint blockno)
{
  struct buf *b = bread(dev, BBLOCK(blockno, sb));
  uint bit = blockno % BPB;
  uchar mask = 1 << (bit % 8);
  if (!(b->data[bit / 8] & mask))
    panic("bfree: block already free");
  b->data[bit / 8] &= ~mask;
  log_write(b);
  brelse(b);
}

/* ---- inodes ---- */

static struct {
  struct spinlock lock;
  struct inode inode[NINODE];
} itable;

static void itable_init(void)
{
  initlock(&itable.lock, "itable");
  for (int i = 0; i < NINODE; i++)
    initsleeplock(&itable.inode[i].lock, "inode");
}

/*
 * The in-memory inode for (dev, inum), neither locked nor read from disk.
 * Returns 0 when every slot of the table is in use.
 */
static struct inode *iget(uint dev, uint inum)
{
  struct inode *ip, *unused = 0;

  acquire(&itable.lock);
  for (ip = itable.inode; ip < itable.inode + NINODE; ip++) {
    if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if (ip->ref == 0 && unused == 0)
      unused = ip;
  }
  if (unused) {
    unused->dev = dev;
    unused->inum = inum;
    unused->ref = 1;
    unused->valid = 0;
  }
  release(&itable.lock);
  return unused;
}

static struct dinode *dinode_in(struct buf *b, uint inum)
{
  return (struct dinode *)b->data + inum % IPB;
}

/* Make inode inum in block b (locked) a blank inode of the given type; 0 frees it. */
static void reset_dinode(struct buf *b, uint inum, short type)
{
  struct dinode *dip = dinode_in(b, inum);
  memset(dip, 0, sizeof(*dip));
  dip->type = type;
  log_write(b);
}

/* Claim the first free on-disk inode; 0 if there is none. Inode 0 is never used. */
static uint claim_dinode(uint dev, short type)
{
  for (uint first = 0; first < sb.ninodes; first += IPB) {
    struct buf *b = bread(dev, IBLOCK(first, sb));
    for (uint inum = first; inum < first + IPB && inum < sb.ninodes; inum++) {
      if (inum != 0 && dinode_in(b, inum)->type == 0) {
        reset_dinode(b, inum, type);
        brelse(b);
        return inum;
      }
    }
    brelse(b);
  }
  return 0;
}

/* A new inode of the given type, referenced and unlocked; 0 if none is free. */
struct inode *ialloc(uint dev, short type)
{
  uint inum = claim_dinode(dev, type);
  if (inum == 0)
    return 0;
  struct inode *ip = iget(dev, inum);
  if (ip == 0) {
    /* No room in the inode table: give the on-disk inode back. */
    struct buf *b = bread(dev, IBLOCK(inum, sb));
    reset_dinode(b, inum, 0);
    brelse(b);
  }
  return ip;
}

/* Copy ip's fields to disk. Caller holds ip->lock, inside an operation. */
void iupdate(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = dinode_in(b, ip->inum);
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b);
  brelse(b);
}

struct inode *idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

/* Lock ip, reading it from disk the first time. */
void ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("ilock: inode not referenced");
  acquiresleep(&ip->lock);
  if (ip->valid)
    return;

  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = dinode_in(b, ip->inum);
  ip->type = dip->type;
  ip->major = dip->major;
  ip->minor = dip->minor;
  ip->nlink = dip->nlink;
  ip->size = dip->size;
  memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
  if (ip->type == 0)
    panic("ilock: inode is free on disk");
}

void iunlock(struct inode *ip)
{
  if (ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock: inode not locked");
  releasesleep(&ip->lock);
}

/*
 * Drop a reference. The last reference to an inode that no directory names
 * frees it on disk, so every iput must run inside an operation.
 */
void iput(struct inode *ip)
{
  acquire(&itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    /*
     * Nobody else holds a reference, so nobody holds the lock and nobody
     * can find the inode through a directory: acquiring cannot block.
     */
    release(&itable.lock);
    acquiresleep(&ip->lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    releasesleep(&ip->lock);
    acquire(&itable.lock);
  }
  ip->ref--;
  release(&itable.lock);
}

void iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

/* Free every block of ip's contents. Caller holds ip->lock, inside an operation. */
void itrunc(struct inode *ip)
{
  for (int i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i]) {
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }

  if (ip->addrs[NDIRECT]) {
    struct buf *b = bread(ip->dev, ip->addrs[NDIRECT]);
    uint *entries = (uint *)b->data;
    for (int i = 0; i < NINDIRECT; i++)
      if (entries[i])
        bfree(ip->dev, entries[i]);
    brelse(b);
    bfree(ip->dev, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }

  ip->size = 0;
  iupdate(ip);
}

/* ---- file contents ---- */

/*
 * The disk block that holds block bn of ip's contents, allocated if the
 * file has none there yet; 0 if the disk is full. A newly allocated direct
 * or indirect block changes ip->addrs, which the caller writes with iupdate.
 */
static uint bmap(struct inode *ip, uint bn)
{
  if (bn < NDIRECT) {
    if (ip->addrs[bn] == 0)
      ip->addrs[bn] = balloc(ip->dev);
    return ip->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn >= NINDIRECT)
    panic("bmap: block beyond MAXFILE");

  if (ip->addrs[NDIRECT] == 0)
    ip->addrs[NDIRECT] = balloc(ip->dev);
  if (ip->addrs[NDIRECT] == 0)
    return 0;

  struct buf *b = bread(ip->dev, ip->addrs[NDIRECT]);
  uint *entries = (uint *)b->data;
  uint blockno = entries[bn];
  if (blockno == 0) {
    blockno = balloc(ip->dev);
    if (blockno) {
      entries[bn] = blockno;
      log_write(b);
    }
  }
  brelse(b);
  return blockno;
}

void stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

static uint min(uint a, uint b)
{
  return a < b ? a : b;
}

/*
 * Read up to n bytes at off into dst (a user address if user_dst). Returns
 * the bytes read, fewer at the end of the file, or -1 on a bad address.
 * Caller holds ip->lock.
 */
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  if (off > ip->size || off + n < off)
    return 0;
  n = min(n, ip->size - off);

  uint done = 0;
  while (done < n) {
    uint blockno = bmap(ip, off / BSIZE);
    if (blockno == 0)
      break;
    struct buf *b = bread(ip->dev, blockno);
    uint len = min(n - done, BSIZE - off % BSIZE);
    int bad = either_copyout(user_dst, dst, b->data + off % BSIZE, len) < 0;
    brelse(b);
    if (bad)
      return -1;
    done += len;
    off += len;
    dst += len;
  }
  return done;
}

/*
 * Write n bytes from src (a user address if user_src) at off, growing the
 * file if the write runs past its end. Returns the bytes written: fewer
 * than n if the disk fills up or src goes bad, -1 if off lies beyond the
 * end of the file or the write would exceed MAXFILE. Caller holds
 * ip->lock, inside an operation.
 */
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  if (off > ip->size || off + n < off || off + n > MAXFILE * BSIZE)
    return -1;

  uint done = 0;
  while (done < n) {
    uint blockno = bmap(ip, off / BSIZE);
    if (blockno == 0)
      break;
    struct buf *b = bread(ip->dev, blockno);
    uint len = min(n - done, BSIZE - off % BSIZE);
    if (either_copyin(b->data + off % BSIZE, user_src, src, len) < 0) {
      brelse(b);
      break;
    }
    log_write(b);
    brelse(b);
    done += len;
    off += len;
    src += len;
  }

  if (off > ip->size)
    ip->size = off;
  /* Even a failed write may have allocated blocks that ip->addrs now records. */
  iupdate(ip);
  return done;
}

/* ---- directories ---- */

int namecmp(const char *a, const char *b)
{
  return strncmp(a, b, DIRSIZ);
}

/*
 * Scan directory dp for the entry called name, or for the first free slot
 * if name is 0. Returns its byte offset (and, for a name, its inode number
 * in *inum), or -1 if there is none. Reads whole blocks rather than one
 * entry at a time. Caller holds dp->lock.
 */
static int dir_find(struct inode *dp, const char *name, uint *inum)
{
  for (uint base = 0; base < dp->size; base += BSIZE) {
    uint blockno = bmap(dp, base / BSIZE);
    if (blockno == 0)
      return -1;
    struct buf *b = bread(dp->dev, blockno);
    struct dirent *de = (struct dirent *)b->data;
    uint count = min(dp->size - base, BSIZE) / sizeof(struct dirent);
    for (uint i = 0; i < count; i++, de++) {
      int hit = name ? de->inum != 0 && namecmp(name, de->name) == 0 : de->inum == 0;
      if (hit) {
        if (inum)
          *inum = de->inum;
        brelse(b);
        return base + i * sizeof(struct dirent);
      }
    }
    brelse(b);
  }
  return -1;
}

/*
 * The inode that directory dp names name (referenced, unlocked), setting
 * *poff to the entry's offset; 0 if there is no such entry.
 */
struct inode *dirlookup(struct inode *dp, char *name, uint *poff)
{
  uint inum;

  if (dp->type != T_DIR)
    panic("dirlookup: not a directory");
  int off = dir_find(dp, name, &inum);
  if (off < 0)
    return 0;
  if (poff)
    *poff = off;
  return iget(dp->dev, inum);
}

/* Add the entry (name, inum) to dp; -1 if name exists or the disk is full. */
int dirlink(struct inode *dp, char *name, uint inum)
{
  if (dir_find(dp, name, 0) >= 0)
    return -1;

  int off = dir_find(dp, 0, 0);
  if (off < 0)
    off = dp->size;

  struct dirent de;
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  if (writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  return 0;
}

/* ---- path names ---- */

/*
 * Copy the first element of path into name (DIRSIZ bytes at most, cut
 * short without a terminator if it is that long) and return the rest of
 * the path with its leading slashes skipped; 0 if path has no element.
 *   "a/bb/c" -> "bb/c" with name "a";  "///a//" -> "" with name "a"
 */
static char *next_element(char *path, char *name)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return 0;

  char *start = path;
  while (*path != '/' && *path != '\0')
    path++;
  int len = path - start;
  if (len >= DIRSIZ) {
    memmove(name, start, DIRSIZ);
  } else {
    memmove(name, start, len);
    name[len] = '\0';
  }

  while (*path == '/')
    path++;
  return path;
}

/*
 * Walk path from the root or the current directory. Returns the final
 * inode, or with want_parent its directory (the last element goes into
 * name); referenced and unlocked, or 0 if some element does not exist.
 */
static struct inode *walk_path(struct inode *cwd, char *path, int want_parent, char *name)
{
  struct inode *ip = *path == '/' ? iget(ROOTDEV, ROOTINO) : idup(cwd);
  if (ip == 0)
    return 0;

  while ((path = next_element(path, name)) != 0) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      return 0;
    }
    if (want_parent && *path == '\0') {
      iunlock(ip);
      return ip;
    }
    struct inode *next = dirlookup(ip, name, 0);
    /* Unlock before the next ilock: next may be ip's own parent (".."). */
    iunlockput(ip);
    if (next == 0)
      return 0;
    ip = next;
  }

  if (want_parent) {
    /* The path had no element at all, so there is no parent to give. */
    iput(ip);
    return 0;
  }
  return ip;
}

struct inode *namei(struct inode *cwd, char *path)
{
  char name[DIRSIZ];
  return walk_path(cwd, path, 0, name);
}

struct inode *nameiparent(struct inode *cwd, char *path, char *name)
{
  return walk_path(cwd, path, 1, name);
}
