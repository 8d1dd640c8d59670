/*
 * sysinfotest: check the sysinfo system call.
 *
 * freemem must be the free physical memory in bytes: it falls by about the
 * size of a known allocation and comes back when that memory is freed.
 * nproc must count every process slot that is in use (running, sleeping,
 * or exited but not yet waited for): it follows forks, exits and waits.
 * Bad pointers must give -1 and leave the caller alive.
 *
 * The system must otherwise be idle: other programs running at the same
 * time change both numbers. On success the last line is
 * "sysinfotest: OK", followed by the grader's token when there is one.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/sysinfo.h"
#include "user/user.h"

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("sysinfotest: FAILED: ");                                    \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

/* Pages that freemem must account for, allocated with sbrk. */
#define TEST_PAGES 256

/*
 * Page-table pages that the kernel may allocate (and keep) for the test
 * allocation, on top of the pages themselves.
 */
#define TABLE_SLACK 16

/* Children that stay alive while nproc is measured. */
#define CHILDREN 5

static struct sysinfo
info_now(void)
{
  struct sysinfo info;

  /* A field that sysinfo forgets to write then shows up as nonsense. */
  memset(&info, 0xff, sizeof(info));
  if (sysinfo(&info) < 0)
    FAIL("sysinfo(valid pointer) returned -1");
  return info;
}

static void
check_plausible(void)
{
  struct sysinfo info = info_now();

  if (info.freemem == 0 || info.freemem > PHYSTOP - KERNBASE)
    FAIL("freemem is %lu, not a number of bytes between 1 and %lu",
         info.freemem, (uint64)(PHYSTOP - KERNBASE));
  if (info.freemem % PGSIZE != 0)
    FAIL("freemem is %lu, not a whole number of %d-byte pages (is it counted "
         "in pages rather than bytes?)", info.freemem, PGSIZE);
  if (info.nproc < 1 || info.nproc > NPROC)
    FAIL("nproc is %lu, not between 1 (this process) and NPROC (%d)", info.nproc, NPROC);
}

/* freemem falls when the heap grows and rises again when it shrinks. */
static void
check_freemem(void)
{
  uint64 before, during, after, want = TEST_PAGES * PGSIZE;
  char *mem;
  int i;

  before = info_now().freemem;
  mem = sbrk(want);
  if (mem == (char *)-1)
    FAIL("sbrk(%lu) failed", want);
  /* Touch every page, so that a kernel that allocates lazily really does. */
  for (i = 0; i < TEST_PAGES; i++)
    mem[i * PGSIZE] = 1;
  during = info_now().freemem;
  if (during > before || before - during < want)
    FAIL("freemem went from %lu to %lu bytes while %d pages (%lu bytes) were "
         "allocated: it must fall by at least that (is it counted in bytes?)",
         before, during, TEST_PAGES, want);
  if (before - during > want + TABLE_SLACK * PGSIZE)
    FAIL("freemem fell by %lu bytes for an allocation of %lu bytes",
         before - during, want);

  if (sbrk(-want) == (char *)-1)
    FAIL("sbrk(-%lu) failed", want);
  after = info_now().freemem;
  if (after > before || before - after > TABLE_SLACK * PGSIZE)
    FAIL("freemem was %lu bytes, %lu after allocating %lu bytes, and %lu after "
         "freeing them again: it must come back",
         before, during, want, after);
}

static uint64
nproc_now(void)
{
  return info_now().nproc;
}

/* Fork a child that waits until the read end of fds sees end of file. */
static void
fork_blocked_child(int fds[2])
{
  char byte;
  int pid = fork();

  if (pid < 0)
    FAIL("fork failed");
  if (pid == 0) {
    close(fds[1]);
    read(fds[0], &byte, 1);
    exit(0);
  }
}

static void
wait_for_children(int n)
{
  for (int i = 0; i < n; i++) {
    if (wait(0) < 0)
      FAIL("wait failed");
  }
}

/* Living children count, and so do children that exited but were not reaped. */
static void
check_nproc(void)
{
  uint64 start = nproc_now(), now;
  int fds[2], i;
  char byte;

  if (pipe(fds) < 0)
    FAIL("pipe failed");
  for (i = 0; i < CHILDREN; i++)
    fork_blocked_child(fds);
  now = nproc_now();
  if (now != start + CHILDREN)
    FAIL("nproc was %lu; with %d more children alive it is %lu, not %lu",
         start, CHILDREN, now, start + CHILDREN);
  close(fds[1]);
  wait_for_children(CHILDREN);
  close(fds[0]);
  now = nproc_now();
  if (now != start)
    FAIL("nproc was %lu before forking; after waiting for every child it is %lu",
         start, now);

  /* A child that has exited stays in the table until its parent waits. */
  if (pipe(fds) < 0)
    FAIL("pipe failed");
  if ((i = fork()) < 0)
    FAIL("fork failed");
  if (i == 0)
    exit(0);
  close(fds[1]);
  /* The child held the write end too: end of file means it has closed its
     files, and a short sleep lets it finish exiting. */
  read(fds[0], &byte, 1);
  close(fds[0]);
  sleep(2);
  now = nproc_now();
  if (now != start + 1)
    FAIL("nproc is %lu with an exited child not yet waited for; it must count "
         "that child (%lu)", now, start + 1);
  wait_for_children(1);
  if ((now = nproc_now()) != start)
    FAIL("nproc is %lu after waiting for the exited child, not %lu", now, start);
}

/* Addresses that sysinfo must refuse to write to. */
static void
try_bad_pointers(void)
{
  uint64 heap_end = PGROUNDUP((uint64)sbrk(0));
  char on_stack;   /* in the stack's top page: this call chain is shallow */
  uint64 stack_top = PGROUNDUP((uint64)&on_stack);
  struct {
    uint64 addr;
    char *what;
  } bad[] = {
    { KERNBASE, "kernel memory (KERNBASE)" },
    { heap_end + PGSIZE, "an unmapped page above the heap" },
    { heap_end - sizeof(struct sysinfo) / 2, "a struct that runs off the end of the heap" },
    { stack_top - (USERSTACK + 1) * PGSIZE, "the guard page below the stack" },
    { (uint64)check_plausible, "read-only program text" },
    { TRAPFRAME, "the trapframe (not user-accessible)" },
    { MAXVA, "MAXVA" },
    { 0xfffffffffffff000UL, "an address far above MAXVA" },
  };

  for (int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (sysinfo((struct sysinfo *)bad[i].addr) != -1)
      FAIL("sysinfo(%p), %s, did not return -1", (void *)bad[i].addr, bad[i].what);
  }
  check_plausible();
}

/* Run the bad-pointer calls in a child, so that a kernel that kills the
   caller instead of failing the call is reported as such. */
static void
check_bad_pointers(void)
{
  int status, pid = fork();

  if (pid < 0)
    FAIL("fork failed");
  if (pid == 0) {
    try_bad_pointers();
    exit(0);
  }
  if (wait(&status) != pid)
    FAIL("wait failed");
  if (status == -1)
    FAIL("the kernel killed the process that passed sysinfo a bad pointer; "
         "sysinfo must return -1 instead");
  if (status != 0)
    exit(1);
}

int
main(void)
{
  char token[64];

  printf("sysinfotest: start\n");
  check_plausible();
  check_freemem();
  check_nproc();
  check_bad_pointers();
  if (gradetoken(token, sizeof(token)) > 0)
    printf("sysinfotest: OK %s\n", token);
  else
    printf("sysinfotest: OK\n");
  exit(0);
}
