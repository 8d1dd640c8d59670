/*
 * System-call layer: fetching a call's arguments from the saved user
 * registers and from user memory.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "sched.h"
#include "syscall_args.h"

int fetchaddr(uint64 addr, uint64 *ip)
{
  return copyin(myproc()->pagetable, ip, addr, sizeof(*ip));
}

int fetchstr(uint64 addr, char *buf, int max)
{
  if (copyinstr(myproc()->pagetable, buf, addr, max) < 0)
    return -1;
  return strlen(buf);
}

static uint64 argraw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch (n) {
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw: no such argument register");
}

void argint(int n, int *ip)
{
  *ip = argraw(n);
}

/* Pointers are not checked here: copyin/copyout check them when used. */
void argaddr(int n, uint64 *ap)
{
  *ap = argraw(n);
}

int argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}
