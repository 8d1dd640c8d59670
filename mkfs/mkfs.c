/*
 * mkfs IMAGE FILE...: build a Kiln file system image holding FILEs.
 *
 * The image is FSSIZE blocks of BSIZE bytes, laid out as kernel/fs.h says:
 * block 0 (unused), the superblock, the log (a header block and LOGSIZE
 * blocks), the inode blocks, the free bitmap, then data. The root
 * directory holds "." and ".." and one entry per FILE, named after the
 * FILE's last path element without a leading '_' or a ".md" suffix
 * (user/_cat becomes "cat", README.md becomes "README").
 *
 * The whole image is built in memory and written only if every FILE fit,
 * so a failed run leaves no half-made image behind. Its unused tail is
 * left as a hole in the file (see save_image). Every on-disk integer
 * is stored little-endian through put16/put32, whatever the host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The kernel headers use the short names uint, ushort and uchar. They mean
 * the same types as the typedefs of the same names that the C library
 * headers above may declare, and C11 allows a typedef to be repeated.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"

#define NINODES 200

/* The layout, worked out from the parameters. */
#define NLOG          (LOGSIZE + 1)
#define NINODEBLOCKS  ((NINODES + IPB - 1) / IPB)
#define NBITMAP       ((FSSIZE + BPB - 1) / BPB)
#define LOGSTART      2
#define INODESTART    (LOGSTART + NLOG)
#define BMAPSTART     (INODESTART + NINODEBLOCKS)
#define NMETA         (BMAPSTART + NBITMAP)

_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes must not straddle blocks");
_Static_assert(BSIZE % sizeof(struct dirent) == 0, "entries must not straddle blocks");
_Static_assert(NMETA < FSSIZE, "no room for data blocks");

static uint8_t image[FSSIZE][BSIZE];
static uint32_t next_inode = ROOTINO;   /* inodes are handed out in order */
static uint32_t next_block = NMETA;     /* and so are data blocks */

/* ---- little-endian fields ---- */

static void
put16(uint8_t *p, uint16_t v)
{
  p[0] = v;
  p[1] = v >> 8;
}

static void
put32(uint8_t *p, uint32_t v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

static uint32_t
get32(const uint8_t *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fprintf(stderr, "mkfs: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* ---- inodes ---- */

static uint8_t *
inode_at(uint32_t inum)
{
  return image[inum / IPB + INODESTART] + (inum % IPB) * sizeof(struct dinode);
}

#define FIELD(inum, name) (inode_at(inum) + offsetof(struct dinode, name))

static uint32_t
new_inode(short type)
{
  uint32_t inum;

  if (next_inode >= NINODES)
    fail("too many files: the image has %d inodes", NINODES);
  inum = next_inode++;
  put16(FIELD(inum, type), type);
  put16(FIELD(inum, nlink), 1);
  return inum;
}

static uint32_t
new_block(void)
{
  if (next_block >= FSSIZE)
    fail("the files do not fit in %d blocks", FSSIZE);
  return next_block++;
}

/* The address stored at slot, a fresh block's if it is still 0. */
static uint32_t
slot_block(uint8_t *slot)
{
  if (get32(slot) == 0)
    put32(slot, new_block());
  return get32(slot);
}

/* Slot number i of the indirect block stored at slot, allocating that block if need be. */
static uint8_t *
indirect_slot(uint8_t *slot, uint32_t i)
{
  return image[slot_block(slot)] + i * sizeof(uint32_t);
}

/*
 * The slot of inode inum that holds the address of its block number
 * index, allocating the indirect blocks on the way; NULL past MAXFILE.
 */
static uint8_t *
address_slot(uint32_t inum, uint32_t index)
{
  uint8_t *addrs = FIELD(inum, addrs);

  if (index < NDIRECT)
    return addrs + index * sizeof(uint32_t);
  index -= NDIRECT;
  if (index < NINDIRECT)
    return indirect_slot(addrs + NDIRECT * sizeof(uint32_t), index);
#if LAB_BIGFILE
  index -= NINDIRECT;
  if (index < NDINDIRECT) {
    uint8_t *middle = indirect_slot(addrs + (NDIRECT + 1) * sizeof(uint32_t),
                                    index / NINDIRECT);
    return indirect_slot(middle, index % NINDIRECT);
  }
#endif
  return NULL;
}

/* The disk block holding byte offset off of inode inum, allocated if need be. */
static uint8_t *
block_for(uint32_t inum, uint32_t off)
{
  uint8_t *slot = address_slot(inum, off / BSIZE);

  return slot ? image[slot_block(slot)] : NULL;
}

/* Appends n bytes to inode inum; returns -1 if the file would be too big. */
static int
append(uint32_t inum, const void *data, size_t n)
{
  const uint8_t *src = data;
  uint32_t size = get32(FIELD(inum, size));
  uint32_t chunk;
  uint8_t *block;

  while (n > 0) {
    block = block_for(inum, size);
    if (block == NULL)
      return -1;
    chunk = BSIZE - size % BSIZE;
    if (chunk > n)
      chunk = n;
    memcpy(block + size % BSIZE, src, chunk);
    size += chunk;
    src += chunk;
    n -= chunk;
  }
  put32(FIELD(inum, size), size);
  return 0;
}

/* ---- the root directory ---- */

static int
name_taken(const char *name)
{
  uint32_t size = get32(FIELD(ROOTINO, size));
  uint32_t off;
  const uint8_t *entry;

  for (off = 0; off < size; off += sizeof(struct dirent)) {
    entry = block_for(ROOTINO, off) + off % BSIZE;
    if (strncmp((const char *)entry + offsetof(struct dirent, name), name, DIRSIZ) == 0)
      return 1;
  }
  return 0;
}

static void
add_entry(const char *name, uint32_t inum)
{
  uint8_t entry[sizeof(struct dirent)] = { 0 };

  put16(entry + offsetof(struct dirent, inum), inum);
  /* A name of exactly DIRSIZ bytes has no terminating 0 on disk. */
  memcpy(entry + offsetof(struct dirent, name), name, strnlen(name, DIRSIZ));
  if (append(ROOTINO, entry, sizeof(entry)) < 0)
    fail("too many files for the root directory");
}

static void
make_root(void)
{
  if (new_inode(T_DIR) != ROOTINO)
    fail("the root directory did not get inode %d", ROOTINO);
  add_entry(".", ROOTINO);
  add_entry("..", ROOTINO);
}

/* ---- adding files ---- */

/* The name FILE gets in "/": see the comment at the top. */
static const char *
entry_name(const char *path, char *name, size_t cap)
{
  const char *base = strrchr(path, '/');
  size_t len;

  base = base ? base + 1 : path;
  if (*base == '_')
    base++;
  len = strlen(base);
  if (len > 3 && strcmp(base + len - 3, ".md") == 0)
    len -= 3;
  if (len == 0 || len > DIRSIZ || len >= cap)
    return NULL;
  memcpy(name, base, len);
  name[len] = 0;
  return name;
}

static void
add_file(const char *path)
{
  char name[DIRSIZ + 1];
  uint8_t buf[BSIZE];
  uint32_t inum;
  size_t n;
  FILE *f;

  if (entry_name(path, name, sizeof(name)) == NULL)
    fail("%s: name is empty or longer than %d characters", path, DIRSIZ);
  if (name_taken(name))
    fail("%s: a file named \"%s\" is already in the image", path, name);
  f = fopen(path, "rb");
  if (f == NULL)
    fail("cannot open %s: %s", path, strerror(errno));

  inum = new_inode(T_FILE);
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
    if (append(inum, buf, n) < 0)
      fail("%s: larger than %d blocks, the most a file may have", path, (int)MAXFILE);
  }
  if (ferror(f))
    fail("cannot read %s: %s", path, strerror(errno));
  fclose(f);
  add_entry(name, inum);
}

/* ---- finishing ---- */

static void
write_superblock(void)
{
  uint8_t *sb = image[1];

  put32(sb + offsetof(struct superblock, magic), FSMAGIC);
  put32(sb + offsetof(struct superblock, size), FSSIZE);
  put32(sb + offsetof(struct superblock, nblocks), FSSIZE - NMETA);
  put32(sb + offsetof(struct superblock, ninodes), NINODES);
  put32(sb + offsetof(struct superblock, nlog), NLOG);
  put32(sb + offsetof(struct superblock, logstart), LOGSTART);
  put32(sb + offsetof(struct superblock, inodestart), INODESTART);
  put32(sb + offsetof(struct superblock, bmapstart), BMAPSTART);
}

/* Every block below next_block is in use: the metadata and the files. */
static void
write_bitmap(void)
{
  uint32_t b;

  for (b = 0; b < next_block; b++)
    image[BMAPSTART + b / BPB][(b % BPB) / 8] |= 1 << (b % 8);
}

/*
 * Write the image. Only the blocks below next_block can hold anything but
 * zeros; the rest of the file is left as a hole, which reads as zeros but
 * takes no room on the host's disk (a sparse file), however large FSSIZE.
 */
static void
save_image(const char *path)
{
  FILE *f = fopen(path, "wb");

  if (f == NULL)
    fail("cannot create %s: %s", path, strerror(errno));
  if (fwrite(image, BSIZE, next_block, f) != next_block || fflush(f) != 0 ||
      ftruncate(fileno(f), (off_t)FSSIZE * BSIZE) != 0 || fclose(f) != 0) {
    remove(path);
    fail("cannot write %s: %s", path, strerror(errno));
  }
}

int
main(int argc, char *argv[])
{
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: mkfs IMAGE FILE...\n");
    return 1;
  }
  make_root();
  for (i = 2; i < argc; i++)
    add_file(argv[i]);
  write_superblock();
  write_bitmap();
  save_image(argv[1]);
  printf("mkfs: %s: %d blocks (%d metadata, %u used by files), %u inodes used\n",
         argv[1], FSSIZE, (int)NMETA, next_block - (uint32_t)NMETA, next_inode - ROOTINO);
  return 0;
}
