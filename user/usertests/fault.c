/*
 * Faults: a process that touches memory it does not own, executes where it
 * must not, or runs an illegal instruction is killed (wait reports -1);
 * nothing else is harmed. A bad system call number is just an error.
 */
#include "user/usertests/usertests.h"

static uint64 target;  /* the address the next faulting child touches */

static void read_target(char *name)
{
  (void)*(volatile char *)target;
}

static void write_target(char *name)
{
  *(volatile char *)target = 1;
}

static void jump_target(char *name)
{
  void (*fn)(void) = (void (*)(void))target;
  fn();
}

static void expect_read_kills(char *name, uint64 addr, char *what)
{
  target = addr;
  expect_killed(name, read_target, what);
}

static void expect_write_kills(char *name, uint64 addr, char *what)
{
  target = addr;
  expect_killed(name, write_target, what);
}

void test_stackguard(char *name)
{
  uint64 guard = guard_page();
  expect_write_kills(name, guard + PGSIZE - 8, "a write just below the stack");
  expect_read_kills(name, guard, "a read of the guard page");
}

/* Recurses with a big frame until the one-page stack runs into the guard. */
static int recurse(int depth)
{
  volatile char frame[256];
  frame[0] = depth;
  if (depth > 1000000)
    return frame[0];
  return recurse(depth + 1) + frame[0];
}

static void overflow_stack(char *name)
{
  recurse(0);
}

void test_stackoverflow(char *name)
{
  expect_killed(name, overflow_stack, "runaway recursion");
}

void test_textwrite(char *name)
{
  /* Reading the code is allowed, so the write is what kills. */
  target = (uint64)test_textwrite;
  expect_status(name, read_target, 0, "a read of the program's own code");
  expect_write_kills(name, (uint64)test_textwrite, "a write to the program's code");
  expect_write_kills(name, (uint64)"a string literal", "a write to read-only data");
}

void test_kernelread(char *name)
{
  expect_read_kills(name, KERNBASE, "a read of KERNBASE");
  expect_read_kills(name, KERNBASE + 0x100000, "a read of kernel memory");
  expect_read_kills(name, PHYSTOP - 1, "a read of the last physical byte");
}

void test_kernelwrite(char *name)
{
  expect_write_kills(name, KERNBASE, "a write to KERNBASE");
  expect_write_kills(name, PHYSTOP - PGSIZE, "a write to the top of physical memory");
}

void test_trapframe(char *name)
{
  expect_read_kills(name, TRAPFRAME, "a read of the trapframe");
  expect_write_kills(name, TRAPFRAME + 8, "a write to the trapframe");
  expect_read_kills(name, TRAMPOLINE, "a read of the trampoline");
}

void test_wildaccess(char *name)
{
  uint64 end = heap_end(name);
  expect_read_kills(name, end, "a read just past the heap");
  expect_write_kills(name, end + 100 * PGSIZE, "a write far past the heap");
  expect_read_kills(name, MAXUVA, "a read at MAXUVA");
  expect_read_kills(name, UART0, "a read of the UART's physical address");
  expect_read_kills(name, MAXVA + 8, "a read beyond MAXVA");
  expect_write_kills(name, 0xffffffffffffff00UL, "a write near 2^64");
}

void test_jumpunmapped(char *name)
{
  uint64 end = heap_end(name);
  target = end + 16 * PGSIZE;
  expect_killed(name, jump_target, "a jump to an unmapped address");
  target = KERNBASE;
  expect_killed(name, jump_target, "a jump into the kernel");
  target = TRAMPOLINE;
  expect_killed(name, jump_target, "a jump into the trampoline");
  target = MAXVA + PGSIZE;
  expect_killed(name, jump_target, "a jump beyond MAXVA");
}

static void illegal(char *name)
{
  asm volatile("unimp");
}

static void privileged(char *name)
{
  uint64 x;
  asm volatile("csrr %0, sstatus" : "=r"(x));
}

void test_illegalinstr(char *name)
{
  expect_killed(name, illegal, "an illegal instruction");
  expect_killed(name, privileged, "reading a supervisor register");
}

/* A system call by number, bypassing the generated stubs. */
static long raw_syscall(long num, long arg)
{
  register long a0 asm("a0") = arg;
  register long a7 asm("a7") = num;
  asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
  return a0;
}

void test_badsyscall(char *name)
{
  long numbers[] = {0, -1, 1000, 0x7fffffff, -0x80000000L};
  for (int i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
    long r = raw_syscall(numbers[i], 0);
    CHECK(name, r == -1, "system call number %p returned %p", (void *)numbers[i], (void *)r);
  }
}
