/*
 * The on-disk file-system format, shared by the kernel and mkfs.
 *
 * Disk layout, in blocks of BSIZE bytes:
 *   [ boot | superblock | log ... | inodes ... | free bitmap ... | data ... ]
 */
#ifndef KILN_FS_H
#define KILN_FS_H

#define ROOTINO  1       /* inode number of "/" */
#define BSIZE    1024    /* block size in bytes */
#if LAB_BIGFILE
/*
 * The large-file layout has a magic of its own, so that a kernel or a
 * tool never reads an image of the other layout as its own.
 */
#define FSMAGIC  0x10203041
#else
#define FSMAGIC  0x10203040
#endif

struct superblock {
  uint magic;        /* FSMAGIC */
  uint size;         /* blocks in the whole image */
  uint nblocks;      /* data blocks */
  uint ninodes;      /* inodes */
  uint nlog;         /* log blocks */
  uint logstart;     /* first log block */
  uint inodestart;   /* first inode block */
  uint bmapstart;    /* first free-bitmap block */
};

#define NINDIRECT  (BSIZE / sizeof(uint))   /* addresses in an indirect block */
#if LAB_BIGFILE
/*
 * addrs[] holds NDIRECT direct addresses, then a singly-indirect block
 * (NINDIRECT addresses of data blocks), then a doubly-indirect block
 * (NINDIRECT addresses of singly-indirect blocks).
 */
#define NDIRECT     11
#define NDINDIRECT  (NINDIRECT * NINDIRECT)
#define MAXFILE     (NDIRECT + NINDIRECT + NDINDIRECT)
#define NADDRS      (NDIRECT + 2)
#else
/* addrs[] holds NDIRECT direct addresses, then an indirect block's. */
#define NDIRECT    12
#define MAXFILE    (NDIRECT + NINDIRECT)
#define NADDRS     (NDIRECT + 1)
#endif

/* An inode as stored on disk. */
struct dinode {
  short type;               /* a T_ type of stat.h; 0 means free */
  short major;              /* device numbers, for T_DEVICE */
  short minor;
  short nlink;              /* directory entries that name this inode */
  uint size;                /* bytes */
  uint addrs[NADDRS];       /* block addresses, as described above */
};

#define IPB           (BSIZE / sizeof(struct dinode))  /* inodes per block */
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)    /* block holding inode i */
#define BPB           (BSIZE * 8)                      /* bitmap bits per block */
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)     /* bitmap block for block b */

#define DIRSIZ 14

/* A directory is a file of these; inum 0 marks a free slot. */
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};

#endif
