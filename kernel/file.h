/*
 * Open-files layer: open file objects (file.c) and pipes (pipe.c).
 *
 * An open file is what a file descriptor points at. It says what the bytes
 * come from (a pipe end, an inode's contents, or a device driver) and which
 * directions are allowed; fork and dup share one open file, and with it the
 * offset of an inode file.
 */
#ifndef KILN_FILE_H
#define KILN_FILE_H

#include "dev.h"   /* the device major numbers, CONSOLE and STATS; struct devsw */

struct inode;
struct pipe;
struct stat;

/* What an open file reads from and writes to. */
enum file_kind {
  FILE_UNUSED,   /* a free slot, or one not yet filled in */
  FILE_PIPE,     /* one end of a pipe */
  FILE_INODE,    /* the contents of a file or directory, from an offset */
  FILE_DEVICE,   /* a character device, through its driver */
};

/* Bits of an open file's access mode. */
#define FILE_CAN_READ   1
#define FILE_CAN_WRITE  2

struct file {
  int ref;               /* descriptors sharing the file; guarded by the table lock */
  enum file_kind kind;
  int access;            /* FILE_CAN_READ and/or FILE_CAN_WRITE */

  /* FILE_PIPE */
  struct pipe *pipe;

  /* FILE_INODE and FILE_DEVICE: the inode the file was opened through */
  struct inode *ip;
  uint off;                    /* FILE_INODE: where the next transfer starts */
  const struct devsw *driver;  /* FILE_DEVICE: found when the file was opened */
  void *driver_state;          /* FILE_DEVICE: the driver's, for this open file */
};

/* file.c */
void fileinit(void);
struct file *filealloc(void);
struct file *filedup(struct file *f);
void fileclose(struct file *f);
int filestat(struct file *f, uint64 addr);
int fileread(struct file *f, uint64 addr, int n);
int filewrite(struct file *f, uint64 addr, int n);
#if LAB_IOZONE >= 2
int fileseek(struct file *f, int offset, int whence);
int fileread_at(struct file *f, uint64 addr, int n, uint off);
int filewrite_at(struct file *f, uint64 addr, int n, uint off);
int filesync(struct file *f);
int filetruncate(struct file *f, int length);
#endif

/* pipe.c */
int pipealloc(struct file **rf, struct file **wf);
void pipeclose(struct pipe *pi, int writable);
int piperead(struct pipe *pi, uint64 addr, int n);
int pipewrite(struct pipe *pi, uint64 addr, int n);

#endif
