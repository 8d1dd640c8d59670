/*
 * Processes layer: creating processes (the first one, fork, exec), ending
 * them (exit, kill), collecting them (wait) and growing their memory.
 */
#ifndef KILN_PROC_H
#define KILN_PROC_H

#include "sched.h"

/* proc.c */
void userinit(void);
/* The function a new process runs to leave the kernel for the first time
   (the trap layer's usertrapret), registered by main. */
void proc_set_user_return(void (*user_return)(void));
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64 status_addr);
int kill(int pid);
int growproc(int n);
pagetable_t proc_pagetable(struct proc *p);
void proc_freepagetable(pagetable_t pt, uint64 sz);
#if LAB_TRACE >= 2
uint64 procs_in_use(void);    /* slots that are not UNUSED */
#endif
#if LAB_LAZY
/* A page fault of p's at va: 1 if a heap page was mapped there, else 0
   with *why set to the cause (lazy lab). */
int lazy_fault(struct proc *p, uint64 scause, uint64 va, const char **why);
#endif
#if LAB_COW
/* A store fault of p's at va: 1 if the page was shared copy-on-write and
   is p's own now, else 0 (with *why set if memory ran out) (cow lab). */
int cow_fault(struct proc *p, uint64 scause, uint64 va, const char **why);
#endif

/* exec.c */
int exec(char *path, char **argv);

#if LAB_SHM
/* shm.c: System V shared memory (kernel/shm.h); -1 on any error */
void shminit(void);
int shmget(int key, uint64 size, int flags);
uint64 shmat(int id, uint64 va, int flags);  /* the address, or -1 */
int shmdt(uint64 va);
int shmctl(int id, int cmd, uint64 buf_addr);
#endif
#if LAB_SHM >= 2
int shm_fork(struct proc *child, struct proc *parent);  /* -1: child attached to none */
void shm_detach_all(struct proc *p);                    /* at exit and exec */
#endif

#endif
