/*
 * System call dispatch. A user stub (user/usys.S) puts the call's number
 * in a7 and its arguments in a0..a5 and executes ecall; usertrap() sends
 * the trap here. The table below is the kernel's one description of the
 * calls: each entry names a call and the function that carries it out,
 * and whatever that function returns goes back to the program in a0.
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

/* sysproc.c: processes, memory and time */
uint64 sys_fork(void);
uint64 sys_exit(void);
uint64 sys_wait(void);
uint64 sys_kill(void);
uint64 sys_getpid(void);
uint64 sys_exec(void);
uint64 sys_sbrk(void);
uint64 sys_sleep(void);
uint64 sys_uptime(void);
#if LAB_TRACE
uint64 sys_trace(void);
uint64 sys_sysinfo(void);
#endif
#if LAB_ALARM
uint64 sys_sigalarm(void);
uint64 sys_sigreturn(void);
uint64 sys_kbacktrace(void);
#endif
#if LAB_SHM
uint64 sys_shmget(void);
uint64 sys_shmat(void);
uint64 sys_shmdt(void);
uint64 sys_shmctl(void);
#endif
#if LAB_IOZONE
uint64 sys_gettimeofday(void);
uint64 sys_select(void);
#endif

/* sysfile.c: files, directories and pipes */
uint64 sys_open(void);
uint64 sys_read(void);
uint64 sys_write(void);
uint64 sys_close(void);
uint64 sys_dup(void);
uint64 sys_pipe(void);
uint64 sys_fstat(void);
uint64 sys_chdir(void);
uint64 sys_mkdir(void);
uint64 sys_mknod(void);
uint64 sys_link(void);
uint64 sys_unlink(void);
#if LAB_BIGFILE
uint64 sys_symlink(void);
#endif
#if LAB_IOZONE
uint64 sys_lseek(void);
uint64 sys_pread(void);
uint64 sys_pwrite(void);
uint64 sys_readv(void);
uint64 sys_writev(void);
uint64 sys_preadv(void);
uint64 sys_pwritev(void);
uint64 sys_fsync(void);
uint64 sys_ftruncate(void);
#endif

/* One system call: its name (for messages and tracing) and its body. */
struct syscall_entry {
  const char *name;
  uint64 (*handler)(void);
};

/*
 * Indexed by SYS_ number (kernel/syscall.h). A number with no entry here
 * has a zero handler and is refused.
 */
static const struct syscall_entry syscalls[] = {
  [SYS_fork]   = { "fork",   sys_fork },
  [SYS_exit]   = { "exit",   sys_exit },
  [SYS_wait]   = { "wait",   sys_wait },
  [SYS_pipe]   = { "pipe",   sys_pipe },
  [SYS_read]   = { "read",   sys_read },
  [SYS_kill]   = { "kill",   sys_kill },
  [SYS_exec]   = { "exec",   sys_exec },
  [SYS_fstat]  = { "fstat",  sys_fstat },
  [SYS_chdir]  = { "chdir",  sys_chdir },
  [SYS_dup]    = { "dup",    sys_dup },
  [SYS_getpid] = { "getpid", sys_getpid },
  [SYS_sbrk]   = { "sbrk",   sys_sbrk },
  [SYS_sleep]  = { "sleep",  sys_sleep },
  [SYS_uptime] = { "uptime", sys_uptime },
  [SYS_open]   = { "open",   sys_open },
  [SYS_write]  = { "write",  sys_write },
  [SYS_mknod]  = { "mknod",  sys_mknod },
  [SYS_unlink] = { "unlink", sys_unlink },
  [SYS_link]   = { "link",   sys_link },
  [SYS_mkdir]  = { "mkdir",  sys_mkdir },
  [SYS_close]  = { "close",  sys_close },
#if LAB_TRACE
  [SYS_trace]   = { "trace",   sys_trace },
  [SYS_sysinfo] = { "sysinfo", sys_sysinfo },
#endif
#if LAB_ALARM
  [SYS_sigalarm]   = { "sigalarm",   sys_sigalarm },
  [SYS_sigreturn]  = { "sigreturn",  sys_sigreturn },
  [SYS_kbacktrace] = { "kbacktrace", sys_kbacktrace },
#endif
#if LAB_BIGFILE
  [SYS_symlink] = { "symlink", sys_symlink },
#endif
#if LAB_SHM
  [SYS_shmget] = { "shmget", sys_shmget },
  [SYS_shmat]  = { "shmat",  sys_shmat },
  [SYS_shmdt]  = { "shmdt",  sys_shmdt },
  [SYS_shmctl] = { "shmctl", sys_shmctl },
#endif
#if LAB_IOZONE
  [SYS_lseek]        = { "lseek",        sys_lseek },
  [SYS_pread]        = { "pread",        sys_pread },
  [SYS_pwrite]       = { "pwrite",       sys_pwrite },
  [SYS_readv]        = { "readv",        sys_readv },
  [SYS_writev]       = { "writev",       sys_writev },
  [SYS_preadv]       = { "preadv",       sys_preadv },
  [SYS_pwritev]      = { "pwritev",      sys_pwritev },
  [SYS_fsync]        = { "fsync",        sys_fsync },
  [SYS_ftruncate]    = { "ftruncate",    sys_ftruncate },
  [SYS_gettimeofday] = { "gettimeofday", sys_gettimeofday },
  [SYS_select]       = { "select",       sys_select },
#endif
};

/* The entry for call number num, or 0 if there is no such call. */
static const struct syscall_entry *lookup_syscall(uint64 num)
{
  if (num >= NELEM(syscalls) || syscalls[num].handler == 0)
    return 0;
  return &syscalls[num];
}

#if LAB_TRACE
/*
 * The trace lab: called after every system call of p, with the call's
 * number; the call's result is already in p->trapframe->a0.
 */
static void trace_syscall(struct proc *p, uint64 num)
{
#if LAB_TRACE >= 2
  /* The mask is an int, as trace() takes it: bits 0..31 only. */
  if (num >= 32 || (p->trace_mask & (1U << num)) == 0)
    return;
  /* Signed, so that a failure shows as -1. */
  printf("%d: syscall %s -> %ld\n", p->pid, syscalls[num].name, (long)p->trapframe->a0);
#else
  /* TODO (trace lab): if p traces call num, print "PID: syscall NAME -> RESULT". */
#endif
}
#endif

void syscall(void)
{
  struct proc *p = myproc();
  /* Read the number now: the call may change the trapframe (exec does). */
  uint64 num = p->trapframe->a7;
  const struct syscall_entry *call = lookup_syscall(num);

  if (call == 0) {
    printf("pid %d (%s): unknown system call %ld\n", p->pid, p->name, (long)num);
    p->trapframe->a0 = -1;
    return;
  }
  /* Called directly from here, so a backtrace shows the call, then syscall. */
  p->trapframe->a0 = call->handler();
#if LAB_TRACE
  trace_syscall(p, num);
#endif
}
