/*
 * kpgtbltest: check the per-process kernel page table and copyin's direct
 * path. Usage: kpgtbltest [direct | mirror | badptr | leak [CYCLES]]; with
 * no argument it runs all four.
 *
 *   direct  system calls that read user memory (write, open) copy the
 *           right bytes, and the statistics device shows that every one
 *           went through the direct path, none through the software walk;
 *   mirror  each process reads its own memory, even at the same address
 *           as others running at the same time; the mirror follows fork,
 *           exec and sbrk (growth across a page-table page, shrinking,
 *           growing again onto new pages);
 *   badptr  kernel and device addresses, the stack guard page, pages past
 *           the end of memory (below the mirror's end, MIRROR_TOP, and
 *           above it up to MAXUVA) and ranges that run into them all give
 *           -1;
 *   leak    thousands of fork/exec/exit cycles leave the free-page count
 *           where it was.
 *
 * Each test ends with the line "kpgtbltest NAME: OK", followed by the
 * grader's token when there is one. The system must otherwise be idle.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

static char *test_name = "kpgtbltest";

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("kpgtbltest %s: FAILED: ", test_name);                       \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond))                                                        \
      FAIL(__VA_ARGS__);                                                \
  } while (0)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Large buffers live here: the user stack is a single page. */
static char buf[2 * PGSIZE] __attribute__((aligned(PGSIZE)));
static char back[2 * PGSIZE];

/* The most one write() into an empty pipe takes at once. */
#define COPY_MAX 2048

/* ---- the statistics device ---- */

/* Each open of the device gets a fresh snapshot of its own. */
static char stats_text[4096 + 512];

static void read_stats(void)
{
  int n = statistics(stats_text, sizeof(stats_text) - 1);
  CHECK(n > 0, "cannot read /statistics");
  stats_text[n] = 0;
}

/* The number on the line "KEY N" of the last snapshot read. */
static uint64 stat_value(char *key)
{
  int len = strlen(key);
  for (char *line = stats_text; *line; ) {
    if (memcmp(line, key, len) == 0 && line[len] == ' ')
      return atoi(line + len + 1);
    char *next = strchr(line, '\n');
    if (next == 0)
      break;
    line = next + 1;
  }
  FAIL("/statistics has no line \"%s N\"", key);
}

struct copies {
  uint64 in_direct, in_walk, str_direct, str_walk;
};

static struct copies copies_now(void)
{
  read_stats();
  return (struct copies){ stat_value("copyin_direct"), stat_value("copyin_walk"),
                          stat_value("copyinstr_direct"), stat_value("copyinstr_walk") };
}

/* Every copy since `before` must have taken the direct path, at least min of each. */
static void expect_direct(struct copies before, uint64 min)
{
  struct copies now = copies_now();
  CHECK(now.in_walk == before.in_walk && now.str_walk == before.str_walk,
        "%lu copyin and %lu copyinstr calls walked the user page table in software",
        now.in_walk - before.in_walk, now.str_walk - before.str_walk);
  CHECK(now.in_direct - before.in_direct >= min,
        "only %lu copyin calls took the direct path, expected at least %lu",
        now.in_direct - before.in_direct, min);
  CHECK(now.str_direct - before.str_direct >= min,
        "only %lu copyinstr calls took the direct path, expected at least %lu",
        now.str_direct - before.str_direct, min);
}

static int freepages(void)
{
  read_stats();
  return stat_value("freepages");
}

/* ---- helpers ---- */

static void ok(void)
{
  char token[64];
  if (gradetoken(token, sizeof(token)) > 0)
    printf("kpgtbltest %s: OK %s\n", test_name, token);
  else
    printf("kpgtbltest %s: OK\n", test_name);
}

/* Send n bytes at addr through a pipe (write() copies them in with copyin). */
static int through_pipe(uint64 addr, int n, char *out)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe() failed");
  int r = write(fds[1], (void *)addr, n);
  close(fds[1]);
  if (r == n && read(fds[0], out, n) != n)
    FAIL("reading back %d bytes from a pipe failed", n);
  close(fds[0]);
  return r;
}

/* [addr, addr + n) must reach the kernel exactly as this process sees it. */
static void expect_copy(uint64 addr, int n, char *what)
{
  if (n > COPY_MAX)
    FAIL("the test copies at most %d bytes at once", COPY_MAX);
  int r = through_pipe(addr, n, back);
  CHECK(r == n, "write() of %d bytes of %s (at %p) returned %d", n, what, (void *)addr, r);
  CHECK(memcmp(back, (void *)addr, n) == 0,
        "the kernel read other bytes than the process has in %s (at %p)", what, (void *)addr);
}

static void fill(uint64 addr, int n, int seed)
{
  for (int i = 0; i < n; i++)
    ((char *)addr)[i] = seed + i * 7;
}

static int wait_ok(void)
{
  int status = -1;
  CHECK(wait(&status) > 0, "wait() found no child");
  return status == 0;
}

/* The page below the stack page: mapped, but not for the user. */
static uint64 guard_page(void)
{
  char here;
  return PGROUNDDOWN((uint64)&here) - PGSIZE;
}

/* ---- direct ---- */

#define ROUNDS 100

static void test_direct(void)
{
  struct copies before = copies_now();
  char path[] = "kpgtbl-no-such-file";
  for (int i = 0; i < ROUNDS; i++) {
    fill((uint64)buf + i, 24, i);
    expect_copy((uint64)buf + i, 24, "a small buffer");
    CHECK(open(path, O_RDONLY) == -1, "open(\"%s\") found a file", path);
  }
  /* Unaligned, across a page boundary, and a string that crosses one. */
  fill((uint64)buf + PGSIZE - 1001, COPY_MAX, 99);
  expect_copy((uint64)buf + PGSIZE - 1001, COPY_MAX, "a buffer across two pages");
  char *name = buf + PGSIZE - 5;
  strcpy(name, "README");
  int fd = open(name, O_RDONLY);
  CHECK(fd >= 0, "open() of a path that crosses a page boundary failed");
  close(fd);
  expect_direct(before, ROUNDS);
}

/* ---- mirror ---- */

#define CHILDREN 4

/* Children at the same addresses, with different contents, at the same time. */
static void private_mirrors(void)
{
  for (int c = 0; c < CHILDREN; c++) {
    int pid = fork();
    CHECK(pid >= 0, "fork() failed");
    if (pid == 0) {
      for (int round = 0; round < 40; round++) {
        fill((uint64)buf, COPY_MAX, 'A' + c * 16 + round);
        expect_copy((uint64)buf, COPY_MAX, "a child's buffer (same address, own memory)");
      }
      exit(0);
    }
  }
  for (int c = 0; c < CHILDREN; c++)
    CHECK(wait_ok(), "a child read another process's memory through copyin");
}

/* The heap grows across a 2 MB page-table boundary, shrinks, and grows again. */
static void sbrk_in_step(void)
{
  uint64 big = 2 * 1024 * 1024 + 4 * PGSIZE;
  uint64 start = (uint64)sbrk(big);
  CHECK(start != (uint64)-1, "sbrk(%lu) failed", big);
  uint64 last = start + big - COPY_MAX;
  fill(last, COPY_MAX, 's');
  expect_copy(last, COPY_MAX, "the end of a big sbrk");
  fill(start, 64, 't');
  expect_copy(start, 64, "the first page of a big sbrk");

  CHECK(sbrk(-big) != (char *)-1, "sbrk(-%lu) failed", big);
  CHECK(through_pipe(last, 1, back) == -1, "write() from memory that sbrk gave back worked");
  CHECK(through_pipe(start, 1, back) == -1, "write() from memory that sbrk gave back worked");

  /* New pages at the old addresses: the kernel must read them, not the freed ones. */
  CHECK((uint64)sbrk(2 * PGSIZE) == start, "sbrk did not grow from the old end");
  fill(start + PGSIZE - COPY_MAX / 2, COPY_MAX, 'n');
  expect_copy(start + PGSIZE - COPY_MAX / 2, COPY_MAX, "pages grown again after a shrink");
  CHECK(sbrk(-2 * PGSIZE) != (char *)-1, "sbrk(-2 pages) failed");
}

/* After exec: a new image, even in a process that had a bigger one. */
static void exec_in_step(void)
{
  int pid = fork();
  CHECK(pid >= 0, "fork() failed");
  if (pid == 0) {
    CHECK(sbrk(3 * 1024 * 1024) != (char *)-1, "sbrk(3 MB) failed");
    char *argv[] = { "kpgtbltest", "after-exec", 0 };
    exec("kpgtbltest", argv);
    FAIL("exec(\"kpgtbltest\") failed");
  }
  CHECK(wait_ok(), "the exec'd program's copies went wrong");
}

/* Run by exec_in_step() in the new image. */
static void after_exec(void)
{
  test_name = "after-exec";
  uint64 start = (uint64)sbrk(2 * 1024 * 1024);
  CHECK(start != (uint64)-1, "sbrk(2 MB) after exec failed");
  uint64 end = start + 2 * 1024 * 1024;
  fill(end - COPY_MAX, COPY_MAX, 'x');
  expect_copy(end - COPY_MAX, COPY_MAX, "the heap after exec");
  fill((uint64)buf, COPY_MAX, 'y');
  expect_copy((uint64)buf, COPY_MAX, "the data segment after exec");
  exit(0);
}

static void test_mirror(void)
{
  struct copies before = copies_now();
  private_mirrors();
  sbrk_in_step();
  exec_in_step();
  expect_direct(before, CHILDREN);
}

/* ---- badptr ---- */

struct bad {
  uint64 addr;
  int len;
  char *what;
};

static void test_badptr(void)
{
  /* The heap ends on a page boundary, with its last bytes not a string. */
  uint64 top = (uint64)sbrk(0);
  CHECK(sbrk(PGSIZE + (PGSIZE - top % PGSIZE) % PGSIZE) != (char *)-1, "sbrk failed");
  top = (uint64)sbrk(0);
  memset((void *)(top - 32), 'a', 32);
  uint64 guard = guard_page();

  struct bad bad[] = {
    { KERNBASE, 8, "kernel text" },
    { KERNBASE + 0x100000, 64, "kernel memory" },
    { PHYSTOP - PGSIZE, 8, "the last page of RAM" },
    { TRAMPOLINE, 8, "the trampoline" },
    { TRAPFRAME, 8, "the trapframe" },
    { KSTACK(0), 8, "a kernel stack" },
    { UART0_VA, 1, "the UART" },
    { PLIC_VA, 8, "the PLIC" },
    { MIRROR_TOP - 4, 8, "a range across the end of the mirror" },
    { MIRROR_TOP, 8, "the first page above the mirror" },
    { MAXUVA - 8, 8, "the last bytes below MAXUVA" },
    { MAXUVA - 4, 8, "a range across MAXUVA" },
    { guard, 8, "the stack guard page" },
    { guard + PGSIZE - 4, 8, "a range from the guard page into the stack" },
    { top, 8, "the page past the heap" },
    { top - 4, 8, "a range across the end of the heap" },
    { top + 64 * PGSIZE, 8, "well past the heap" },
    { MAXVA, 8, "beyond MAXVA" },
    { 0xfffffffffffff000UL, 0x2000, "a range that wraps around" },
  };
  for (int i = 0; i < NELEM(bad); i++) {
    int r = through_pipe(bad[i].addr, bad[i].len, back);
    CHECK(r == -1, "write() from %s (%p, %d bytes) returned %d", bad[i].what,
          (void *)bad[i].addr, bad[i].len, r);
    if (bad[i].len == 8) {
      r = open((char *)bad[i].addr, O_RDONLY);
      CHECK(r == -1, "open() of a path in %s (%p) returned %d", bad[i].what,
            (void *)bad[i].addr, r);
    }
  }
  int r = open((char *)(top - 32), O_RDONLY);
  CHECK(r == -1, "open() of a path that runs off the end of the heap returned %d", r);
  fill((uint64)buf, 64, 'g');
  expect_copy((uint64)buf, 64, "a good buffer after the bad ones");
}

/* ---- leak ---- */

/*
 * Fork, exec and exit, cycles times. Now and then the child first grows
 * past a page-table page, so that exec and exit find a bigger mirror.
 */
static void test_leak(int cycles)
{
  int before = freepages();
  for (int i = 0; i < cycles; i++) {
    int pid = fork();
    CHECK(pid >= 0, "fork() number %d failed", i);
    if (pid == 0) {
      if (i % 256 == 0)
        CHECK(sbrk(2 * 1024 * 1024) != (char *)-1, "sbrk(2 MB) failed");
      char *argv[] = { "kpgtbltest", "exit", 0 };
      exec("kpgtbltest", argv);
      FAIL("exec(\"kpgtbltest\") failed");
    }
    CHECK(wait_ok(), "child number %d failed", i);
  }
  int after = freepages();
  CHECK(after == before, "%d free pages before %d fork/exec/exit cycles, %d after",
        before, cycles, after);
}

int main(int argc, char *argv[])
{
  char *what = argc > 1 ? argv[1] : "all";
  int all = strcmp(what, "all") == 0;

  if (strcmp(what, "exit") == 0)
    exit(0);
  if (strcmp(what, "after-exec") == 0)
    after_exec();
  if (all || strcmp(what, "direct") == 0) {
    test_name = "direct";
    test_direct();
    ok();
  }
  if (all || strcmp(what, "mirror") == 0) {
    test_name = "mirror";
    test_mirror();
    ok();
  }
  if (all || strcmp(what, "badptr") == 0) {
    test_name = "badptr";
    test_badptr();
    ok();
  }
  if (all || strcmp(what, "leak") == 0) {
    test_name = "leak";
    test_leak(argc > 2 ? atoi(argv[2]) : 2000);
    ok();
  }
  if (strcmp(test_name, "kpgtbltest") == 0) {
    fprintf(2, "usage: kpgtbltest [direct | mirror | badptr | leak [CYCLES]]\n");
    exit(1);
  }
  exit(0);
}
