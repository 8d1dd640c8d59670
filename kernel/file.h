/* Open-files layer: open file objects (file.c) and pipes (pipe.c). */
#ifndef KILN_FILE_H
#define KILN_FILE_H

#include "dev.h"   /* the device major numbers, CONSOLE and STATS */

struct inode;
struct pipe;
struct stat;

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE } type;
  int ref;
  char readable;
  char writable;
  struct pipe *pipe;   /* FD_PIPE */
  struct inode *ip;    /* FD_INODE and FD_DEVICE */
  uint off;            /* FD_INODE */
  short major;         /* FD_DEVICE */
  void *devstate;      /* FD_DEVICE: the driver's, for this open file */
};

/* file.c */
void fileinit(void);
struct file *filealloc(void);
struct file *filedup(struct file *f);
void fileclose(struct file *f);
int filestat(struct file *f, uint64 addr);
int fileread(struct file *f, uint64 addr, int n);
int filewrite(struct file *f, uint64 addr, int n);

/* pipe.c */
int pipealloc(struct file **rf, struct file **wf);
void pipeclose(struct pipe *pi, int writable);
int piperead(struct pipe *pi, uint64 addr, int n);
int pipewrite(struct pipe *pi, uint64 addr, int n);

#endif
