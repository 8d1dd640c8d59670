/*
 * Storage layer: inodes, the files as the disk stores them, above the
 * buffer cache and the log. In order below:
 *
 *   - the superblock, read once by fsinit;
 *   - the block allocator: a bitmap over the data area;
 *   - the inode table: in-memory inodes, shared by reference count;
 *   - on-disk inodes: allocating, loading, writing back and freeing them;
 *   - the block map: which disk block holds each block of a file
 *     (NDIRECT direct addresses, then one indirect block of NINDIRECT);
 *   - inode data I/O: readi and writei.
 * Directories and path names (dir.c) are built on readi and writei.
 *
 * Functions that modify the disk must run inside a log operation
 * (begin_op/end_op): the caller brackets them, since one system call often
 * makes several changes that must land together. That includes iput, which
 * may free the inode.
 *
 * Locking: the inode table's spin lock guards dev, inum and ref of every
 * slot; an inode's sleep lock guards everything else in it, its on-disk
 * copy, and (for a directory) its contents. A process may lock a child
 * while it holds the child's directory locked, never the other way round.
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
#if LAB_IOZONE
#include "dev.h"
#endif

/* The named fields of struct inode must be struct dinode, field for field. */
_Static_assert(sizeof(((struct inode *)0)->disk) ==
               __builtin_offsetof(struct inode, addrs) + sizeof(((struct inode *)0)->addrs) -
               __builtin_offsetof(struct inode, type),
               "struct inode's on-disk fields differ from struct dinode");

static struct superblock sb;

static void itable_init(void);
#if LAB_IOZONE
static void free_count_init(uint dev);
#endif

/* Called once, by the first process: reading the disk needs a process to sleep. */
void fsinit(int dev)
{
  itable_init();

  struct buf *b = bread(dev, 1);
  memmove(&sb, b->data, sizeof(sb));
  brelse(b);
  if (sb.magic != FSMAGIC)
    panic("fsinit: not a Kiln file system (bad magic)");
  initlog(dev, &sb);
#if LAB_IOZONE
  free_count_init(dev);
#endif
}

static uint min(uint a, uint b)
{
  return a < b ? a : b;
}

/* ---- the block allocator ---- */
#if LAB_IOZONE

/*
 * Free blocks, for the statistics device's "freeblocks" line: counted in
 * the bitmap once at boot, then kept up to date by balloc and bfree. They
 * change it inside an operation, before the commit, but a count that
 * includes operations still in progress is what a reader wants anyway:
 * between system calls it is exact.
 */
static uint64 free_count;

static void free_count_add(int delta)
{
  __atomic_add_fetch(&free_count, delta, __ATOMIC_RELAXED);
}

static uint64 free_count_read(void)
{
  return __atomic_load_n(&free_count, __ATOMIC_RELAXED);
}

/* Count the clear bits of the bitmap, one for each of the disk's blocks. */
static void free_count_init(uint dev)
{
  uint64 count = 0;

  for (uint first = 0; first < sb.size; first += BPB) {
    struct buf *b = bread(dev, BBLOCK(first, sb));
    for (uint blockno = first; blockno < first + BPB && blockno < sb.size; blockno++)
      if (!(b->data[(blockno % BPB) / 8] & (1 << (blockno % 8))))
        count++;
    brelse(b);
  }
  free_count = count;
  stats_set_freeblocks(free_count_read);
}
#endif

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
#if LAB_IOZONE
      free_count_add(-1);
#endif
      zero_block(dev, blockno);
      return blockno;
    }
  }
  return 0;
}

static void bfree(uint dev, uint blockno)
{
  struct buf *map = bread(dev, BBLOCK(blockno, sb));
  uchar *byte = &map->data[(blockno % BPB) / 8];
  uchar bit = 1 << (blockno % 8);
  if ((*byte & bit) == 0)
    panic("bfree: block already free");
  *byte &= ~bit;
  log_write(map);
  brelse(map);
#if LAB_IOZONE
  free_count_add(1);
#endif
}

/* ---- the inode table ---- */

static struct {
  struct spinlock lock;
  struct inode slot[NINODE];
} itable;

static void itable_init(void)
{
  initlock(&itable.lock, "itable");
  for (int i = 0; i < NINODE; i++)
    initsleeplock(&itable.slot[i].lock, "inode");
}

/* The slot caching (dev, inum), or 0. Caller holds itable.lock. */
static struct inode *itable_find(uint dev, uint inum)
{
  for (struct inode *ip = itable.slot; ip < itable.slot + NINODE; ip++)
    if (ip->ref > 0 && ip->inum == inum && ip->dev == dev)
      return ip;
  return 0;
}

/* A slot nobody refers to, or 0 if all are taken. Caller holds itable.lock. */
static struct inode *itable_unused(void)
{
  for (struct inode *ip = itable.slot; ip < itable.slot + NINODE; ip++)
    if (ip->ref == 0)
      return ip;
  return 0;
}

/*
 * A new reference to the in-memory inode for (dev, inum), which is neither
 * locked nor (in a fresh slot) read from disk yet: ilock reads it. Returns
 * 0 when every slot of the table is taken.
 */
struct inode *iget(uint dev, uint inum)
{
  acquire(&itable.lock);
  struct inode *ip = itable_find(dev, inum);
  if (ip == 0 && (ip = itable_unused()) != 0) {
    ip->dev = dev;
    ip->inum = inum;
    ip->valid = 0;
  }
  if (ip)
    ip->ref++;
  release(&itable.lock);
  return ip;
}

static void change_ref(struct inode *ip, int delta)
{
  acquire(&itable.lock);
  ip->ref += delta;
  release(&itable.lock);
}

struct inode *idup(struct inode *ip)
{
  change_ref(ip, 1);
  return ip;
}

/* ---- on-disk inodes ---- */

static struct dinode *dinode_in(struct buf *b, uint inum)
{
  return (struct dinode *)b->data + inum % IPB;
}

/* Make on-disk inode inum, in block b (locked), a blank inode of the given type; 0 frees it. */
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

/*
 * A new inode of the given type with no links, referenced and unlocked;
 * 0 if the disk or the inode table is full.
 */
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

/* Copy ip's on-disk fields to the disk. Caller holds ip->lock, inside an operation. */
void iupdate(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  *dinode_in(b, ip->inum) = ip->disk;
  log_write(b);
  brelse(b);
}

/* Lock ip, reading it from disk if its slot does not hold it yet. */
void ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("ilock: inode not referenced");
  acquiresleep(&ip->lock);
  if (ip->valid)
    return;

  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  ip->disk = *dinode_in(b, ip->inum);
  brelse(b);
  if (ip->type == 0)
    panic("ilock: inode is free on disk");
  ip->valid = 1;
}

void iunlock(struct inode *ip)
{
  if (ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock: inode not locked");
  releasesleep(&ip->lock);
}

/*
 * Must dropping the caller's reference to ip free it: is it the last
 * reference to an inode that no directory entry names? Caller holds
 * itable.lock.
 *
 * With ref == 1 the caller holds the only reference, and it does not hold
 * ip->lock (iput takes an unlocked inode), so nobody does: valid and nlink
 * are stable. Nobody can take a new reference before ifree is done either.
 * References come from iget, which is called for the root (never
 * unlinked), with an inode number found in a directory entry, or by
 * ialloc. With nlink == 0 no entry in a live
 * directory names ip; a dead directory's own "." only serves someone who
 * already holds a reference, and its ".." never leads anywhere (dir.c).
 * ialloc only takes inodes that are free on disk, which ip is not until
 * ifree has finished with it.
 */
static int unlinked_last_reference(struct inode *ip)
{
  return ip->ref == 1 && ip->valid && ip->nlink == 0;
}

/* Free the blocks and the on-disk inode of ip, which nobody else can reach. */
static void ifree(struct inode *ip)
{
  acquiresleep(&ip->lock);  /* free, as unlinked_last_reference explains */
  ip->type = 0;
  itrunc(ip);  /* which writes the inode, now marked free, to disk */
  /*
   * From here on ialloc may hand out the same inode number; iget then
   * finds this slot, and the new owner's ilock must read the new inode.
   */
  ip->valid = 0;
  releasesleep(&ip->lock);
}

/*
 * Drop a reference; the last one to an inode with no links frees it.
 *
 * Between ifree and the decrement, this slot may already serve a new
 * inode with the same number (see ifree) while still counting the
 * caller's old reference. If its new owner unlinks it and lets go in that
 * time, the owner's iput sees two references and leaves it: so the test
 * is made again after ifree, and the last test and the decrement happen
 * under one hold of itable.lock, where no new reference can come between.
 */
void iput(struct inode *ip)
{
  acquire(&itable.lock);
  while (unlinked_last_reference(ip)) {
    release(&itable.lock);
    ifree(ip);
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

void stati(struct inode *ip, struct stat *st)
{
  *st = (struct stat){
    .dev = ip->dev, .ino = ip->inum, .type = ip->type, .nlink = ip->nlink, .size = ip->size,
  };
}

/* ---- the block map ---- */

/*
 * The block number stored in *slot (an address in ip->addrs or in the
 * indirect block). An empty slot gets a fresh block if allocate is set;
 * otherwise, or if the disk is full, the result is 0.
 */
static uint slot_block(uint dev, uint *slot, int allocate)
{
  if (*slot == 0 && allocate)
    *slot = balloc(dev);
  return *slot;
}

/*
 * The disk block that holds block bn of ip's contents, or 0 if there is
 * none (and allocate is not set, or the disk is full). A block allocated
 * for a direct slot or for the indirect block itself changes ip->addrs,
 * which the caller writes to disk with iupdate; an address stored in the
 * indirect block is logged here.
 */
static uint bmap(struct inode *ip, uint bn, int allocate)
{
  if (bn < NDIRECT)
    return slot_block(ip->dev, &ip->addrs[bn], allocate);
  bn -= NDIRECT;
  if (bn >= NINDIRECT)
    panic("bmap: block beyond MAXFILE");

  uint table = slot_block(ip->dev, &ip->addrs[NDIRECT], allocate);
  if (table == 0)
    return 0;
  struct buf *b = bread(ip->dev, table);
  uint *slot = (uint *)b->data + bn;
  uint before = *slot;
  uint blockno = slot_block(ip->dev, slot, allocate);
  if (blockno != before)
    log_write(b);
  brelse(b);
  return blockno;
}

static void free_listed_blocks(uint dev, const uint *blocks, uint count)
{
  for (uint i = 0; i < count; i++)
    if (blocks[i] != 0)
      bfree(dev, blocks[i]);
}

/* Free all of ip's contents. Caller holds ip->lock, inside an operation. */
void itrunc(struct inode *ip)
{
  uint table = ip->addrs[NDIRECT];
  if (table != 0) {
    struct buf *b = bread(ip->dev, table);
    free_listed_blocks(ip->dev, (uint *)b->data, NINDIRECT);
    brelse(b);
  }
  /* The direct blocks and the indirect block itself. */
  free_listed_blocks(ip->dev, ip->addrs, NDIRECT + 1);
  memset(ip->addrs, 0, sizeof(ip->addrs));
  ip->size = 0;
  iupdate(ip);
}
#if LAB_IOZONE >= 2

/* Free the blocks listed in slots[from..count), clearing their slots; whether any was freed. */
static int free_slots_from(uint dev, uint *slots, uint from, uint count)
{
  int freed = 0;

  for (uint i = from; i < count; i++) {
    if (slots[i] != 0) {
      bfree(dev, slots[i]);
      slots[i] = 0;
      freed = 1;
    }
  }
  return freed;
}

/*
 * Free ip's blocks from block `first` of its contents on: the direct ones,
 * those the indirect block lists, and the indirect block itself once it
 * lists none. Changes ip->addrs, which the caller writes with iupdate.
 */
static void free_blocks_from(struct inode *ip, uint first)
{
  if (first < NDIRECT)
    free_slots_from(ip->dev, ip->addrs, first, NDIRECT);
  uint table = ip->addrs[NDIRECT];
  if (table == 0)
    return;
  uint from = first > NDIRECT ? first - NDIRECT : 0;
  struct buf *b = bread(ip->dev, table);
  if (free_slots_from(ip->dev, (uint *)b->data, from, NINDIRECT))
    log_write(b);
  brelse(b);
  if (from == 0) {
    bfree(ip->dev, table);
    ip->addrs[NDIRECT] = 0;
  }
}

/* Zero the bytes of ip's contents from off to the end of off's block, if it has one. */
static void zero_block_tail(struct inode *ip, uint off)
{
  uint blockno = bmap(ip, off / BSIZE, 0);
  if (off % BSIZE == 0 || blockno == 0)
    return;
  struct buf *b = bread(ip->dev, blockno);
  memset(b->data + off % BSIZE, 0, BSIZE - off % BSIZE);
  log_write(b);
  brelse(b);
}

/*
 * Give ip the size `size` (ftruncate). Shrinking frees every block past the
 * new end and zeroes the rest of the last block, so that a file grown
 * again reads zeros there; growing adds a hole. -1 beyond MAXFILE. Caller
 * holds ip->lock, inside an operation.
 */
int iresize(struct inode *ip, uint size)
{
  if (size > MAXFILE * BSIZE)
    return -1;
  if (size < ip->size) {
    free_blocks_from(ip, (size + BSIZE - 1) / BSIZE);
    zero_block_tail(ip, size);
  }
  ip->size = size;
  iupdate(ip);
  return 0;
}
#endif

/* ---- inode data I/O ---- */

/* move_piece found no block where the file has none and none could be allocated. */
#define MISSING_BLOCK 1
#if LAB_IOZONE >= 2

/*
 * A read of a hole: a block that a write past the end of the file skipped
 * (or ftruncate added) has never been allocated, and reads as zeros.
 */
static int read_hole(int user, uint64 addr, uint len)
{
  static const char zeros[BSIZE];

  return either_copyout(user, addr, zeros, len);
}
#endif

/*
 * Move len bytes, which lie within one block of ip's contents, between the
 * file at off and addr (a user address if user): into the file if to_file,
 * else out of it. The block is read before a write too: a write that
 * covers only part of it must leave the rest as it was. Returns 0, -1 if
 * addr is bad, or MISSING_BLOCK where the file has no block (reading
 * never allocates one; a write finds the disk full).
 */
static int move_piece(struct inode *ip, int to_file, int user, uint64 addr,
                      uint off, uint len)
{
  uint blockno = bmap(ip, off / BSIZE, to_file);
#if LAB_IOZONE >= 2
  if (blockno == 0 && !to_file)
    return read_hole(user, addr, len);
#endif
  if (blockno == 0)
    return MISSING_BLOCK;
  struct buf *b = bread(ip->dev, blockno);
  uint skip = off % BSIZE;
  int copied = to_file ? either_copyin(b->data + skip, user, addr, len)
                       : either_copyout(user, addr, b->data + skip, len);
  if (to_file && copied == 0)
    log_write(b);
  brelse(b);
  return copied;
}

/*
 * Move n bytes between ip's contents at off and addr, block by block, as
 * move_piece does. Stops early where the file has no block, or where addr
 * is bad (then *bad_addr is set). Returns the bytes moved.
 */
static uint move_bytes(struct inode *ip, int to_file, int user, uint64 addr,
                       uint off, uint n, int *bad_addr)
{
  uint moved = 0;

  *bad_addr = 0;
  while (moved < n) {
    uint piece = min(n - moved, BSIZE - off % BSIZE);
    int result = move_piece(ip, to_file, user, addr, off, piece);
    if (result == MISSING_BLOCK)
      break;
    if (result < 0) {
      *bad_addr = 1;
      break;
    }
    moved += piece;
    off += piece;
    addr += piece;
  }
  return moved;
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
  int bad_addr;
  uint got = move_bytes(ip, 0, user_dst, dst, off, min(n, ip->size - off), &bad_addr);
  return bad_addr ? -1 : got;
}

/* May n bytes be written at off? Not past MAXFILE, and not wrapping around. */
static int write_fits(struct inode *ip, uint off, uint n)
{
  if (off + n < off || off + n > MAXFILE * BSIZE)
    return 0;
#if LAB_IOZONE >= 2
  /* Past the end as well: the blocks in between stay holes (read_hole). */
  return 1;
#else
  /* Not past the end: a gap would need blocks the write does not cover. */
  return off <= ip->size;
#endif
}

/*
 * Write n bytes from src (a user address if user_src) at off, growing the
 * file if the write runs past its end. Returns the bytes written: fewer
 * than n if the disk fills up or src goes bad, -1 if write_fits refuses
 * the write. Caller holds ip->lock, inside an operation.
 */
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  if (!write_fits(ip, off, n))
    return -1;
  int bad_addr;
  uint put = move_bytes(ip, 1, user_src, src, off, n, &bad_addr);
  if (off + put > ip->size)
    ip->size = off + put;
  /* Even a short write may have allocated blocks that ip->addrs now records. */
  iupdate(ip);
  return put;
}
