/*
 * System V shared memory: the user API, with Linux's values, shared by the
 * kernel and user programs.
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

struct shmid_ds {
  uint64 shm_segsz;
  int shm_cpid;
  int shm_lpid;
  uint64 shm_nattch;
  uint shm_perm_mode;
  int shm_key;
};

#endif
