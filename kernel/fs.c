/*
 * Storage layer: inodes, the files as the disk stores them, above the
 * buffer cache and the log. In order below:
 *
 *   - the superblock, read once by fsinit;
 *   - the block allocator: a bitmap over the data area;
 *   - the inode table: in-memory inodes, shared by reference count;
 *   - on-disk inodes: allocating, loading, writing back and freeing them;
 *   - the block map: which disk block holds each block of a file
 *     (NDIRECT direct addresses, then indirect blocks of NINDIRECT: fs.h);
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
#if LAB_BIGFILE
#include "dev.h"
#endif

/* The named fields of struct inode must be struct dinode, field for field. */
_Static_assert(sizeof(((struct inode *)0)->disk) ==
               __builtin_offsetof(struct inode, addrs) + sizeof(((struct inode *)0)->addrs) -
               __builtin_offsetof(struct inode, type),
               "struct inode's on-disk fields differ from struct dinode");

static struct superblock sb;

static void itable_init(void);
#if LAB_BIGFILE
static void alloc_init(uint dev);
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
#if LAB_BIGFILE
  alloc_init(dev);  /* after the log's recovery, which may change the bitmap */
#endif
}

static uint min(uint a, uint b)
{
  return a < b ? a : b;
}

/* ---- the block allocator ---- */

static void zero_block(uint dev, uint blockno)
{
#if LAB_BIGFILE
  struct buf *b = bfresh(dev, blockno);  /* its old contents need not be read */
#else
  struct buf *b = bread(dev, blockno);
  memset(b->data, 0, BSIZE);
#endif
  log_write(b);
  brelse(b);
}

#if LAB_BIGFILE
/*
 * The large disk's allocator. Its bitmap has many blocks, and searching it
 * from the start for every allocation would cost more than the rest of a
 * write, so the allocator keeps, under alloc.lock:
 *   - search_from: every block below it is in use, so searches start there;
 *   - frees: blocks freed since boot. A search moves search_from up only
 *     if no block was freed while it looked, since a freed block may lie
 *     behind it (bfree moves search_from down for it);
 *   - free_blocks: what the statistics device reports as freeblocks.
 * Allocation stays first fit: the lowest free block is always taken.
 */
static struct {
  struct spinlock lock;
  uint search_from;
  uint frees;
  uint free_blocks;
} alloc;

#define BITS_PER_WORD 64

/* Free blocks among the bits of one bitmap word that stand for blocks. */
static uint zero_bits(uint64 word, uint bits)
{
  uint count = 0;
  for (uint bit = 0; bit < bits; bit++)
    if (!(word & (1UL << bit)))
      count++;
  return count;
}

static uint64 count_free_blocks(void)
{
  return __atomic_load_n(&alloc.free_blocks, __ATOMIC_RELAXED);
}

/* Count the free blocks in the bitmap, and tell the statistics device. */
static void alloc_init(uint dev)
{
  initlock(&alloc.lock, "alloc");
  for (uint first = 0; first < sb.size; first += BPB) {
    struct buf *b = bread(dev, BBLOCK(first, sb));
    uint64 *words = (uint64 *)b->data;
    for (uint w = 0; w < BPB / BITS_PER_WORD && first + w * BITS_PER_WORD < sb.size; w++)
      alloc.free_blocks += zero_bits(words[w], min(BITS_PER_WORD,
                                                   sb.size - first - w * BITS_PER_WORD));
    brelse(b);
  }
  stats_set_freeblocks(count_free_blocks);
}

/*
 * Claim the first free bit at or after block number start in bitmap block
 * b, which stands for the blocks from first on; its block number, or -1 if
 * there is none. The words of the bitmap hold 64 blocks each, in order
 * (the disk is little-endian, like RISC-V), so a full word is skipped at once.
 */
static int claim_bit(struct buf *b, uint first, uint start)
{
  uint64 *words = (uint64 *)b->data;

  for (uint w = (start - first) / BITS_PER_WORD; w < BPB / BITS_PER_WORD; w++) {
    if (words[w] == ~0UL)
      continue;
    for (uint bit = 0; bit < BITS_PER_WORD; bit++) {
      uint blockno = first + w * BITS_PER_WORD + bit;
      if (blockno >= sb.size)
        return -1;
      if (blockno >= start && !(words[w] & (1UL << bit))) {
        words[w] |= 1UL << bit;
        return blockno;
      }
    }
  }
  return -1;
}

/* Block blockno was found free by a search that began at from, after frees frees. */
static void note_allocated(uint from, uint frees, uint blockno)
{
  acquire(&alloc.lock);
  if (alloc.frees == frees && alloc.search_from == from)
    alloc.search_from = blockno + 1;
  alloc.free_blocks--;
  release(&alloc.lock);
}

/* A zeroed data block, or 0 if the disk is full. */
static uint balloc(uint dev)
{
  acquire(&alloc.lock);
  uint from = alloc.search_from, frees = alloc.frees;
  release(&alloc.lock);

  for (uint first = from - from % BPB; first < sb.size; first += BPB) {
    struct buf *b = bread(dev, BBLOCK(first, sb));
    int blockno = claim_bit(b, first, first > from ? first : from);
    if (blockno >= 0) {
      log_write(b);
      note_allocated(from, frees, blockno);
    }
    brelse(b);
    if (blockno >= 0) {
      zero_block(dev, blockno);
      return blockno;
    }
  }
  return 0;
}

/* Block blockno is free again: searches must look at it. */
static void note_freed(uint blockno)
{
  acquire(&alloc.lock);
  alloc.frees++;
  if (blockno < alloc.search_from)
    alloc.search_from = blockno;
  alloc.free_blocks++;
  release(&alloc.lock);
}
#else
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
#endif

static void bfree(uint dev, uint blockno)
{
  struct buf *map = bread(dev, BBLOCK(blockno, sb));
  uchar *byte = &map->data[(blockno % BPB) / 8];
  uchar bit = 1 << (blockno % 8);
  if ((*byte & bit) == 0)
    panic("bfree: block already free");
  *byte &= ~bit;
  log_write(map);
#if LAB_BIGFILE
  note_freed(blockno);  /* while the bitmap block is held: see balloc */
#endif
  brelse(map);
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
 * The block number stored in *slot (an address in ip->addrs or in an
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
 * The block number in entry index of the indirect block whose address is
 * in *table, or 0 if there is none. With allocate, a missing indirect
 * block or entry is allocated on the way (changing *table, or logging the
 * indirect block). 0 also if the disk is full.
 */
static uint table_entry(uint dev, uint *table, uint index, int allocate)
{
  uint table_block = slot_block(dev, table, allocate);
  if (table_block == 0)
    return 0;
  struct buf *b = bread(dev, table_block);
  uint *slot = (uint *)b->data + index;
  uint before = *slot;
  uint blockno = slot_block(dev, slot, allocate);
  if (blockno != before)
    log_write(b);
  brelse(b);
  return blockno;
}

#if LAB_BIGFILE
/*
 * bmap for block bn of the part of ip that the doubly-indirect block maps:
 * the doubly-indirect block (address in ip->addrs[NDIRECT + 1]) lists
 * NINDIRECT singly-indirect blocks, each listing NINDIRECT data blocks.
 */
static uint bmap_doubly(struct inode *ip, uint bn, int allocate)
{
#if LAB_BIGFILE >= 2
  if (bn >= NDINDIRECT)
    panic("bmap: block beyond MAXFILE");
  uint middle = table_entry(ip->dev, &ip->addrs[NDIRECT + 1], bn / NINDIRECT, allocate);
  if (middle == 0)
    return 0;
  return table_entry(ip->dev, &middle, bn % NINDIRECT, allocate);
#else
  /*
   * TODO (bigfile lab): find, and with allocate make, the data block
   * through the doubly-indirect block, allocating each level on demand.
   * Until then the blocks past the singly-indirect ones cannot be had, as
   * if the disk were full.
   */
  return 0;
#endif
}
#endif

/*
 * The disk block that holds block bn of ip's contents, or 0 if there is
 * none (and allocate is not set, or the disk is full). A block allocated
 * for a slot of ip->addrs changes ip->addrs, which the caller writes to
 * disk with iupdate; an address stored in an indirect block is logged here.
 */
static uint bmap(struct inode *ip, uint bn, int allocate)
{
  if (bn < NDIRECT)
    return slot_block(ip->dev, &ip->addrs[bn], allocate);
  bn -= NDIRECT;
  if (bn < NINDIRECT)
    return table_entry(ip->dev, &ip->addrs[NDIRECT], bn, allocate);
#if LAB_BIGFILE
  return bmap_doubly(ip, bn - NINDIRECT, allocate);
#else
  panic("bmap: block beyond MAXFILE");
#endif
}

static void free_listed_blocks(uint dev, const uint *blocks, uint count)
{
  for (uint i = 0; i < count; i++)
    if (blocks[i] != 0)
      bfree(dev, blocks[i]);
}

/* Free the blocks that the indirect block table lists (not table itself). */
static void free_table_entries(uint dev, uint table)
{
  struct buf *b = bread(dev, table);
  free_listed_blocks(dev, (uint *)b->data, NINDIRECT);
  brelse(b);
}

#if LAB_BIGFILE
/* Free what ip's doubly-indirect block leads to: its singly-indirect blocks and their data. */
static void free_doubly(struct inode *ip)
{
#if LAB_BIGFILE >= 2
  uint root = ip->addrs[NDIRECT + 1];
  if (root == 0)
    return;
  struct buf *b = bread(ip->dev, root);
  uint *middle = (uint *)b->data;
  for (uint i = 0; i < NINDIRECT; i++)
    if (middle[i] != 0)
      free_table_entries(ip->dev, middle[i]);
  free_listed_blocks(ip->dev, middle, NINDIRECT);
  brelse(b);
#else
  /* TODO (bigfile lab): free every level under ip->addrs[NDIRECT + 1]. */
#endif
}
#endif

/* Free all of ip's contents. Caller holds ip->lock, inside an operation. */
void itrunc(struct inode *ip)
{
  if (ip->addrs[NDIRECT] != 0)
    free_table_entries(ip->dev, ip->addrs[NDIRECT]);
#if LAB_BIGFILE
  free_doubly(ip);
#endif
  /* The direct blocks and the indirect blocks themselves. */
  free_listed_blocks(ip->dev, ip->addrs, NADDRS);
  memset(ip->addrs, 0, sizeof(ip->addrs));
  ip->size = 0;
  iupdate(ip);
}
#if LAB_IOZONE >= 2

/*
 * Free what the block in *slot leads to from its block `from` on, where
 * level says what it is: 0 a data block, 1 a singly-indirect block, 2 a
 * doubly-indirect one. An indirect block left listing nothing (from is 0)
 * goes too, and so does a data block; a freed block's slot is cleared.
 * An indirect block whose entries change is logged.
 */
static void free_tree_from(uint dev, uint *slot, uint from, int level)
{
  if (*slot == 0)
    return;
  if (level > 0) {
    uint span = level == 2 ? NINDIRECT : 1;  /* blocks of the file per entry */
    struct buf *b = bread(dev, *slot);
    uint *entries = (uint *)b->data;
    int changed = 0;
    for (uint i = from / span; i < NINDIRECT; i++) {
      if (entries[i] != 0) {
        free_tree_from(dev, &entries[i], i == from / span ? from % span : 0, level - 1);
        changed = 1;
      }
    }
    if (changed)
      log_write(b);
    brelse(b);
    if (from != 0)
      return;
  }
  bfree(dev, *slot);
  *slot = 0;
}

/*
 * Free ip's blocks from block `first` of its contents on: the direct ones,
 * those under the singly- and doubly-indirect blocks, and each indirect
 * block once it lists none. Changes ip->addrs, which the caller writes
 * with iupdate.
 */
static void free_blocks_from(struct inode *ip, uint first)
{
  for (uint i = first; i < NDIRECT; i++)
    free_tree_from(ip->dev, &ip->addrs[i], 0, 0);
  uint past_direct = first > NDIRECT ? first - NDIRECT : 0;
  free_tree_from(ip->dev, &ip->addrs[NDIRECT], past_direct, 1);
  uint past_singly = past_direct > NINDIRECT ? past_direct - NINDIRECT : 0;
  free_tree_from(ip->dev, &ip->addrs[NDIRECT + 1], past_singly, 2);
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
#if LAB_BIGFILE
  /* A file's next blocks usually follow this one on the disk. */
  struct buf *b = bread_ahead(ip->dev, blockno, sb.size - blockno);
#else
  struct buf *b = bread(ip->dev, blockno);
#endif
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
