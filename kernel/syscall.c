/*
 * System call dispatch. A user program puts the call number in a7 and the
 * arguments in a0..a5; the result goes back in a0.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "syscall.h"
#include "syscall_args.h"

uint64 sys_fork(void);
uint64 sys_exit(void);
uint64 sys_wait(void);
uint64 sys_pipe(void);
uint64 sys_read(void);
uint64 sys_kill(void);
uint64 sys_exec(void);
uint64 sys_fstat(void);
uint64 sys_chdir(void);
uint64 sys_dup(void);
uint64 sys_getpid(void);
uint64 sys_sbrk(void);
uint64 sys_sleep(void);
uint64 sys_uptime(void);
uint64 sys_open(void);
uint64 sys_write(void);
uint64 sys_mknod(void);
uint64 sys_unlink(void);
uint64 sys_link(void);
uint64 sys_mkdir(void);
uint64 sys_close(void);
#if LAB_TRACE
uint64 sys_trace(void);
uint64 sys_sysinfo(void);
#endif
#if LAB_ALARM
uint64 sys_sigalarm(void);
uint64 sys_sigreturn(void);
uint64 sys_kbacktrace(void);
#endif

static uint64 (*const syscalls[])(void) = {
  [SYS_fork] sys_fork,     [SYS_exit] sys_exit,     [SYS_wait] sys_wait,
  [SYS_pipe] sys_pipe,     [SYS_read] sys_read,     [SYS_kill] sys_kill,
  [SYS_exec] sys_exec,     [SYS_fstat] sys_fstat,   [SYS_chdir] sys_chdir,
  [SYS_dup] sys_dup,       [SYS_getpid] sys_getpid, [SYS_sbrk] sys_sbrk,
  [SYS_sleep] sys_sleep,   [SYS_uptime] sys_uptime, [SYS_open] sys_open,
  [SYS_write] sys_write,   [SYS_mknod] sys_mknod,   [SYS_unlink] sys_unlink,
  [SYS_link] sys_link,     [SYS_mkdir] sys_mkdir,   [SYS_close] sys_close,
#if LAB_TRACE
  [SYS_trace] sys_trace,   [SYS_sysinfo] sys_sysinfo,
#endif
#if LAB_ALARM
  [SYS_sigalarm] sys_sigalarm, [SYS_sigreturn] sys_sigreturn,
  [SYS_kbacktrace] sys_kbacktrace,
#endif
};

#if LAB_TRACE >= 2
/* What trace() prints for each call; every entry of syscalls[] needs one. */
static const char *const syscall_names[] = {
  [SYS_fork] "fork",       [SYS_exit] "exit",       [SYS_wait] "wait",
  [SYS_pipe] "pipe",       [SYS_read] "read",       [SYS_kill] "kill",
  [SYS_exec] "exec",       [SYS_fstat] "fstat",     [SYS_chdir] "chdir",
  [SYS_dup] "dup",         [SYS_getpid] "getpid",   [SYS_sbrk] "sbrk",
  [SYS_sleep] "sleep",     [SYS_uptime] "uptime",   [SYS_open] "open",
  [SYS_write] "write",     [SYS_mknod] "mknod",     [SYS_unlink] "unlink",
  [SYS_link] "link",       [SYS_mkdir] "mkdir",     [SYS_close] "close",
  [SYS_trace] "trace",     [SYS_sysinfo] "sysinfo",
#if LAB_ALARM
  [SYS_sigalarm] "sigalarm", [SYS_sigreturn] "sigreturn",
  [SYS_kbacktrace] "kbacktrace",
#endif
};
_Static_assert(NELEM(syscall_names) == NELEM(syscalls),
               "a system call is missing from syscall_names");

/*
 * Does p's trace mask select call num? The mask is an int, as in the user
 * interface, so calls numbered 32 and above cannot be selected.
 */
static int traced(struct proc *p, uint64 num)
{
  return num < 32 && (p->trace_mask & (1U << num)) != 0;
}
#endif

void syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;

  if (num < NELEM(syscalls) && syscalls[num]) {
    p->trapframe->a0 = syscalls[num]();
#if LAB_TRACE >= 2
    /* After the call, so the line shows its result; exit never gets here. */
    if (traced(p, num))
      printf("%d: syscall %s -> %ld\n", p->pid, syscall_names[num], (long)p->trapframe->a0);
#endif
  } else {
    printf("pid %d (%s): unknown system call %ld\n", p->pid, p->name, (long)num);
    p->trapframe->a0 = -1;
  }
}
