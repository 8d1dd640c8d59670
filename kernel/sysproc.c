/* System calls about processes, memory and time. */
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

uint64 sys_exit(void)
{
  int status;
  argint(0, &status);
  exit(status);
}

uint64 sys_getpid(void)
{
  return myproc()->pid;
}

uint64 sys_fork(void)
{
  return fork();
}

uint64 sys_wait(void)
{
  uint64 status_addr;
  argaddr(0, &status_addr);
  return wait(status_addr);
}

uint64 sys_sbrk(void)
{
  int n;
  argint(0, &n);
  uint64 oldsz = myproc()->sz;
  if (growproc(n) < 0)
    return -1;
  return oldsz;
}

uint64 sys_sleep(void)
{
  int n;
  argint(0, &n);
  return clock_sleep(n < 0 ? 0 : n);
}

uint64 sys_kill(void)
{
  int pid;
  argint(0, &pid);
  return kill(pid);
}

uint64 sys_uptime(void)
{
  return clock_ticks();
}

/* Free the kernel copies of exec's arguments. */
static void free_args(char **argv)
{
  for (int i = 0; argv[i]; i++)
    kfree(argv[i]);
}

/*
 * Copy exec's user argv into kernel pages, one per argument. Returns 0, or
 * -1 for a bad pointer, an argument longer than a page, too many arguments,
 * or no memory; argv is 0-terminated either way.
 */
static int fetch_args(uint64 uargv, char **argv)
{
  for (int i = 0;; i++) {
    argv[i] = 0;
    uint64 uarg;
    if (fetchaddr(uargv + i * sizeof(uint64), &uarg) < 0)
      return -1;
    if (uarg == 0)
      return 0;
    if (i == MAXARG || (argv[i] = kalloc()) == 0)
      return -1;
    argv[i + 1] = 0;
    if (fetchstr(uarg, argv[i], PGSIZE) < 0)
      return -1;
  }
}

uint64 sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  uint64 uargv;

  argaddr(1, &uargv);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  int ret = fetch_args(uargv, argv) < 0 ? -1 : exec(path, argv);
  free_args(argv);
  return ret;
}

#if LAB_TRACE
/* trace(mask): trace the calls in mask, in this process and its future children. */
uint64 sys_trace(void)
{
#if LAB_TRACE >= 2
  argint(0, &myproc()->trace_mask);
  return 0;
#else
  return -1;
#endif
}

/* sysinfo(struct sysinfo *): report free memory in bytes and the process count. */
uint64 sys_sysinfo(void)
{
#if LAB_TRACE >= 2
  uint64 dst;
  argaddr(0, &dst);
  struct sysinfo info = {
    .freemem = kfreepages() * PGSIZE,
    .nproc = procs_in_use(),
  };
  if (copyout(myproc()->pagetable, dst, &info, sizeof(info)) < 0)
    return -1;
  return 0;
#else
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
  struct alarm *a = &myproc()->alarm;
  a->interval = interval;
  a->ticks_left = interval;
  a->handler = handler;
  return 0;
#else
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
  /* The copy's kernel fields may be stale; usertrapret() rewrites them. */
  *p->trapframe = p->alarm.saved;
  p->alarm.in_handler = 0;
  /* syscall() puts the return value in a0: give back the interrupted a0. */
  return p->trapframe->a0;
#else
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
