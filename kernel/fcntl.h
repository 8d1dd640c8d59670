/* Flags for open(). */
#ifndef KILN_FCNTL_H
#define KILN_FCNTL_H

#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_TRUNC   0x400
#if LAB_BIGFILE
#define O_NOFOLLOW 0x800  /* open a symbolic link itself, not what it names */
#endif
#if LAB_IOZONE

/* lseek(): where the offset counts from. */
#define SEEK_SET  0   /* the start of the file */
#define SEEK_CUR  1   /* the current offset */
#define SEEK_END  2   /* the end of the file */

/* One buffer of readv(), writev(), preadv() or pwritev(). */
struct iovec {
  void *iov_base;   /* where the bytes are */
  uint64 iov_len;   /* how many */
};

#define IOV_MAX  256  /* the most buffers one call takes: a page of struct iovec */
#endif

#endif
