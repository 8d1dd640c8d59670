/* Open-files layer: open file objects (file.c), pipes (pipe.c), device switch. */
#ifndef KILN_FILE_H
#define KILN_FILE_H

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
};

/* Device drivers register read and write here, indexed by major number. */
struct devsw {
  int (*read)(int user_dst, uint64 dst, int n);
  int (*write)(int user_src, uint64 src, int n);
};
extern struct devsw devsw[NDEV];

#define CONSOLE 1
#define STATS   2

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
