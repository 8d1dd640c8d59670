/*
 * System V shared memory: the flags, commands and segment description of
 * shmget(), shmat(), shmdt() and shmctl(), with Linux's values, so that
 * Unix programs (iozone's throughput mode among them) build unchanged.
 * User programs include it after kernel/types.h; the kernel's side is
 * kernel/shm.c. The limits are in kernel/param.h, the address window the
 * segments are attached in is in kernel/memlayout.h.
 */
#ifndef KILN_SHM_H
#define KILN_SHM_H

#define IPC_PRIVATE 0
#define IPC_CREAT   01000
#define IPC_EXCL    02000
#define IPC_RMID    0
#define IPC_SET     1
#define IPC_STAT    2
#define IPC_64      0x100     /* C libraries OR it into shmctl's cmd */
#define SHM_RDONLY  010000

/* What shmctl(IPC_STAT) reports about a segment (IPC_SET reads the mode). */
struct shmid_ds {
  uint64 shm_segsz;      /* size in bytes, as shmget() was asked */
  int shm_cpid;          /* pid of its creator */
  int shm_lpid;          /* pid of the last shmat() or shmdt() */
  uint64 shm_nattch;     /* attachments, in all processes */
  uint shm_perm_mode;    /* permission bits (0777) */
  int shm_key;           /* its key; IPC_PRIVATE once it is removed */
};

#endif
