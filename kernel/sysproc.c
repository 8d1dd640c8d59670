/*
 * System calls about processes, memory and time. Each fetches its own
 * arguments (syscall_args.h) and hands the work to the layer that owns it:
 * proc.c for the life of a process, clock.c for time.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "dev.h"
#include "syscall_args.h"
#if LAB_TRACE
#include "sysinfo.h"
#endif
#if LAB_IOZONE
#include "time.h"
#endif

/* ---- the life of a process ---- */

uint64 sys_fork(void)
{
  return fork();
}

uint64 sys_exit(void)
{
  int status;

  argint(0, &status);
  exit(status);
}

/* wait(int *status): status may be 0, when the caller does not want it. */
uint64 sys_wait(void)
{
  uint64 status_addr;

  argaddr(0, &status_addr);
  return wait(status_addr);
}

uint64 sys_kill(void)
{
  int pid;

  argint(0, &pid);
  return kill(pid);
}

uint64 sys_getpid(void)
{
  return myproc()->pid;
}

/*
 * exec's argument strings, copied out of the caller's memory before exec
 * replaces it. Each string gets a page of its own; `count` pages are held,
 * and argv stays 0-terminated after every step, so that exec can take it
 * as it is and a failure part-way can free exactly what was taken.
 */
struct exec_args {
  char *argv[MAXARG + 1];
  int count;
};

static void exec_args_free(struct exec_args *args)
{
  while (args->count > 0)
    kfree(args->argv[--args->count]);
  args->argv[0] = 0;
}

/* Copy the user's 0-terminated array of string pointers at uargv: 0 or -1. */
static int exec_args_copy(struct exec_args *args, uint64 uargv)
{
  args->count = 0;
  args->argv[0] = 0;
  for (;;) {
    uint64 slot = uargv + args->count * sizeof(uint64);
    uint64 ustring;
    if (fetchaddr(slot, &ustring) < 0)
      return -1;                /* the array itself is not readable */
    if (ustring == 0)
      return 0;                 /* the terminator: all copied */
    if (args->count == MAXARG)
      return -1;                /* one string too many */
    char *page = kalloc();
    if (page == 0)
      return -1;
    args->argv[args->count++] = page;
    args->argv[args->count] = 0;
    if (fetchstr(ustring, page, PGSIZE) < 0)
      return -1;                /* unreadable, or longer than a page */
  }
}

/* exec(path, argv): on success the new program's argc, on failure -1. */
uint64 sys_exec(void)
{
  char path[MAXPATH];
  uint64 uargv;
  struct exec_args args;

  if (argstr(0, path, sizeof(path)) < 0)
    return -1;
  argaddr(1, &uargv);
  int result = -1;
  if (exec_args_copy(&args, uargv) == 0)
    result = exec(path, args.argv);
  /* exec copied the strings onto the new user stack; the pages are ours. */
  exec_args_free(&args);
  return result;
}

/* ---- memory ---- */

/* sbrk(n): grow (or, for n < 0, shrink) the heap; the old end, or -1. */
uint64 sys_sbrk(void)
{
  int delta;

  argint(0, &delta);
  uint64 old_end = myproc()->sz;
  return growproc(delta) < 0 ? -1 : old_end;
}

/* ---- time ---- */

/* sleep(n): n clock ticks; a negative n does not sleep. -1 if killed. */
uint64 sys_sleep(void)
{
  int n;

  argint(0, &n);
  return clock_sleep(n > 0 ? n : 0);
}

uint64 sys_uptime(void)
{
  return clock_ticks();
}
#if LAB_TRACE

/* trace(mask): print each return of the calls in mask, for this process
   and the children it forks from now on. */
uint64 sys_trace(void)
{
#if LAB_TRACE >= 2
  argint(0, &myproc()->trace_mask);
  return 0;
#else
  /* TODO (trace lab): keep the mask in the calling process. */
  return -1;
#endif
}

/* sysinfo(struct sysinfo *info): free memory in bytes and the number of
   processes, written to info; -1 if info is not writable memory. */
uint64 sys_sysinfo(void)
{
#if LAB_TRACE >= 2
  uint64 info_addr;
  argaddr(0, &info_addr);
  struct sysinfo info = {
    .freemem = kfreepages() * PGSIZE,
    .nproc = procs_in_use(),
  };
  return copyout(myproc()->pagetable, info_addr, &info, sizeof(info)) < 0 ? -1 : 0;
#else
  /* TODO (trace lab): fill in a struct sysinfo and copy it out to the user. */
  return -1;
#endif
}
#endif
#if LAB_ALARM

/*
 * sigalarm(interval, handler): from now on, each time the process has used
 * another `interval` ticks of CPU time in user mode, run handler(), which
 * ends with sigreturn(). An interval of 0 turns the alarm off.
 */
uint64 sys_sigalarm(void)
{
#if LAB_ALARM >= 2
  int interval;
  uint64 handler;
  argint(0, &interval);
  argaddr(1, &handler);
  if (interval < 0)
    return -1;
  /* The handler is not checked: like any bad function pointer, a bad one
     makes the process fault when the alarm fires, and harms no one else. */
  struct alarm *alarm = &myproc()->alarm;
  alarm->handler = handler;
  alarm->interval = interval;
  alarm->ticks_left = interval;
  return 0;
#else
  /* TODO (alarm lab): fetch the interval and the handler and keep them,
     with the count of ticks left, in the calling process. */
  return -1;
#endif
}

/*
 * sigreturn(): leave an alarm handler. The code the alarm interrupted
 * resumes with every register as it was. -1 outside a handler.
 */
uint64 sys_sigreturn(void)
{
#if LAB_ALARM >= 2
  struct proc *p = myproc();
  if (!p->alarm.in_handler)
    return -1;
  /* The copy's kernel_ fields may be stale; usertrapret() rewrites them. */
  *p->trapframe = p->alarm.saved;
  p->alarm.in_handler = 0;
  /* syscall() stores the result in a0: make it the interrupted a0. */
  return p->trapframe->a0;
#else
  /* TODO (alarm lab): put back the registers saved when the alarm fired. */
  return -1;
#endif
}

/* kbacktrace(): print the kernel stack of this very call, for bttest. */
uint64 sys_kbacktrace(void)
{
  backtrace();
  return 0;
}
#endif
#if LAB_SHM

/* ---- System V shared memory (shm.c) ---- */

/* shmget(key, size, flags): a segment's id, or -1. */
uint64 sys_shmget(void)
{
  int key, flags;
  uint64 size;

  argint(0, &key);
  argaddr(1, &size);
  argint(2, &flags);
  return shmget(key, size, flags);
}

/* shmat(id, addr, flags): where the segment is now mapped, or (void *)-1. */
uint64 sys_shmat(void)
{
  int id, flags;
  uint64 va;

  argint(0, &id);
  argaddr(1, &va);
  argint(2, &flags);
  return shmat(id, va, flags);
}

uint64 sys_shmdt(void)
{
  uint64 va;

  argaddr(0, &va);
  return shmdt(va);
}

/* shmctl(id, cmd, buf): buf is a struct shmid_ds for IPC_STAT and IPC_SET. */
uint64 sys_shmctl(void)
{
  int id, cmd;
  uint64 buf;

  argint(0, &id);
  argint(1, &cmd);
  argaddr(2, &buf);
  return shmctl(id, cmd, buf);
}
#endif
#if LAB_IOZONE >= 2

/* ---- microsecond time: the iozone lab ---- */

#define USECS_PER_SEC 1000000
/* The longest select() timeout taken, in seconds: its microseconds fit in 64 bits easily. */
#define MAX_TIMEOUT_SECS 0x7fffffff

/* gettimeofday(tv, tz): the time since boot into *tv; tz is not used. 0, or -1 if tv is bad. */
uint64 sys_gettimeofday(void)
{
  uint64 addr;

  argaddr(0, &addr);
  uint64 now = clock_usecs();
  struct timeval tv = { .tv_sec = now / USECS_PER_SEC, .tv_usec = now % USECS_PER_SEC };
  return copyout(myproc()->pagetable, addr, &tv, sizeof(tv)) < 0 ? -1 : 0;
}

/*
 * select(nfds, readfds, writefds, exceptfds, timeout), in the one form
 * iozone uses: no descriptor sets, a timeout, which it sleeps. Returns 0
 * (no descriptor is ready), or -1 for descriptor sets, no or a malformed
 * timeout, or a kill while asleep.
 */
uint64 sys_select(void)
{
  int nfds;
  uint64 readfds, writefds, exceptfds, timeout;
  struct timeval tv;

  argint(0, &nfds);
  argaddr(1, &readfds);
  argaddr(2, &writefds);
  argaddr(3, &exceptfds);
  argaddr(4, &timeout);
  if (nfds < 0 || readfds || writefds || exceptfds || timeout == 0)
    return -1;
  if (copyin(myproc()->pagetable, &tv, timeout, sizeof(tv)) < 0)
    return -1;
  if (tv.tv_sec < 0 || tv.tv_sec > MAX_TIMEOUT_SECS ||
      tv.tv_usec < 0 || tv.tv_usec >= USECS_PER_SEC)
    return -1;
  return clock_usleep(tv.tv_sec * USECS_PER_SEC + tv.tv_usec) < 0 ? -1 : 0;
}
#elif LAB_IOZONE == 1

/*
 * ---- microsecond time: the iozone lab ----
 *
 * TODO (iozone lab): both calls only fail so far. kernel/clock.c is the
 * place for reading the time CSR and for sleeping less than a tick;
 * handouts/iozone.md says what each call must do.
 */

/* gettimeofday(tv, tz): seconds and microseconds since boot into *tv. */
uint64 sys_gettimeofday(void)
{
  return -1;
}

/* select(0, 0, 0, 0, timeout): sleep for *timeout, to the microsecond. */
uint64 sys_select(void)
{
  return -1;
}
#endif
