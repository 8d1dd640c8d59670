/* System-wide limits. The names match xv6 so that course material applies. */
#ifndef KILN_PARAM_H
#define KILN_PARAM_H

#define NPROC        64    /* processes */
#define NCPU          8    /* harts the kernel supports */
#define NOFILE       16    /* open files per process */
#define NFILE       100    /* open files in the whole system */
#define NINODE       50    /* in-memory inodes */
#define NDEV         10    /* device major numbers */
#define ROOTDEV       1    /* device number of the root file system */
#define MAXARG       32    /* exec arguments */
#if LAB_BIGFILE
/*
 * Large files: a disk that holds a file of MAXFILE blocks (fs.h) and more,
 * and a log that takes many blocks per commit, so that a big write costs
 * few commits. The log's header block lists at most 255 blocks. The cache
 * holds every block the log pins, with room to spare for reading.
 */
#define MAXOPBLOCKS  30    /* blocks one file-system operation may write */
#define LOGSIZE      (MAXOPBLOCKS * 8)  /* log blocks on disk */
#define NBUF         (LOGSIZE + 64)     /* buffer cache size */
#define FSSIZE       80000 /* file-system size in blocks */
#else
#define MAXOPBLOCKS  10    /* blocks one file-system operation may write */
#define LOGSIZE      (MAXOPBLOCKS * 3)  /* log blocks on disk */
#define NBUF         (MAXOPBLOCKS * 3)  /* buffer cache size */
#define FSSIZE       2000  /* file-system size in blocks */
#endif
#define MAXPATH      128   /* longest path name */
#define USERSTACK    1     /* pages of user stack */
#if LAB_SHM
/* System V shared memory limits, with Linux's names. */
#define SHMMNI       16    /* segments in the whole system */
#define SHMSEG        8    /* attachments one process may hold */
#define SHMMAX  (4 * 1024 * 1024)  /* bytes in one segment */
#define SHMALL     2048    /* pages in all segments together */
#endif

#endif
