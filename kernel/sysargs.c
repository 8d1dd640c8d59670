/*
 * System-call layer: fetching a call's arguments. Registers come from the
 * trapframe, where uservec saved them; anything behind a user pointer is
 * copied with copyin/copyinstr, which walk the process's page table and
 * fail on an address the process could not read itself. Nothing here
 * trusts a value the user supplied.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "sched.h"
#include "syscall_args.h"

/* The calling convention passes at most this many arguments in registers. */
#define ARG_REGISTERS 6

/* struct trapframe keeps a0..a5 side by side, which arg_register relies on. */
_Static_assert(__builtin_offsetof(struct trapframe, a5) ==
               __builtin_offsetof(struct trapframe, a0) + 5 * sizeof(uint64),
               "a0..a5 must be consecutive in struct trapframe");

/* The raw 64 bits of argument n, as the user program left them. */
static uint64 arg_register(int n)
{
  if (n < 0 || n >= ARG_REGISTERS)
    panic("arg_register: a system call has no such argument");
  const char *frame = (const char *)myproc()->trapframe;
  const uint64 *first = (const uint64 *)(frame + __builtin_offsetof(struct trapframe, a0));
  return first[n];
}

/* An int argument is the low half of its register, as the C ABI passes it. */
void argint(int n, int *ip)
{
  *ip = (int)arg_register(n);
}

/* An address is only a number until it is used: copyin/copyout check it then. */
void argaddr(int n, uint64 *ap)
{
  *ap = arg_register(n);
}

int argstr(int n, char *buf, int max)
{
  return fetchstr(arg_register(n), buf, max);
}

int fetchaddr(uint64 addr, uint64 *ip)
{
  if (copyin(myproc()->pagetable, ip, addr, sizeof(*ip)) < 0)
    return -1;
  return 0;
}

int fetchstr(uint64 addr, char *buf, int max)
{
  /* copyinstr fails on a bad page and on a string with no 0 within max. */
  if (copyinstr(myproc()->pagetable, buf, addr, max) < 0)
    return -1;
  return strlen(buf);
}
