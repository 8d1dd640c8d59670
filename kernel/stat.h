/* What fstat() reports about a file. Layout shared with user programs. */
#ifndef KILN_STAT_H
#define KILN_STAT_H

#define T_DIR     1   /* directory */
#define T_FILE    2   /* regular file */
#define T_DEVICE  3   /* device node */
#if LAB_BIGFILE
#define T_SYMLINK 4   /* symbolic link: its contents are the path it names */
#endif

struct stat {
  int dev;      /* file system's disk device */
  uint ino;     /* inode number */
  short type;   /* one of the T_ types above */
  short nlink;  /* links to the file */
  uint64 size;  /* size in bytes */
};

#endif
