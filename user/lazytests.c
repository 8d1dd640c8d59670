/*
 * lazytests [TEST...]: check lazy heap allocation. With no argument every
 * test runs; otherwise only the named ones.
 *
 *   sparse    one sbrk of 1 GB, written and read back at every 64th page
 *   released  what sbrk gives back is gone: touching it kills, and system
 *             calls refuse it; growing again brings fresh zeroed pages
 *   syscalls  heap pages never touched, handed to read, write, pipe,
 *             fstat, wait and exec's arguments; buffers and paths across
 *             the end of the kernel's mirror (2 GB) and just below MAXHEAP
 *   fork      a sparse heap forked: parent and child each keep their own
 *             pages, holes stay holes, and fork copies only what exists
 *   oom       mallocs until memory runs out: the process is killed or
 *             malloc fails; 16 MB mallocs touched once each, more than
 *             memory can back: the process is killed; the system lives on
 *   faults    faults that no new page may fix (past the heap's last page,
 *             the stack guard, a store to code) kill only the faulting
 *             process; the rest of the heap's last page may be used
 *   count     how many pages sbrk(64 MB) allocates before any touch (the
 *             line "lazytests: count: ..." gives the figure), which must
 *             be none
 *   leak      every test above but count, one after the other, passing or
 *             not: the free page count must end where it began
 *
 * Each test runs in a child process of its own, and the runner checks that
 * the free page count is the same before and after it. A test that passes
 * prints "lazytests: NAME OK", followed by the grader's token when there
 * is one; one that fails says why. The system must otherwise be idle.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define MB (1024 * 1024)
#define GB (1024 * MB)

static const char *test_name = "?";  /* of the test this process runs */
static char *program;                /* argv[0], to exec ourselves */

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("lazytests: %s: FAILED: ", test_name);                       \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond))                                                        \
      FAIL(__VA_ARGS__);                                                \
  } while (0)

/* ---- the statistics device ---- */

/* Each open of the device gets a snapshot of its own, taken afresh. */
static char stats_text[4096 + 512];

/* The number on the line "KEY N" of a fresh snapshot, or -1 without one. */
static long stat_now(const char *key)
{
  /* Since the cow lab, fork leaves this buffer's pages shared, and the
     first store copies them: let that happen before the snapshot, not
     while the kernel writes the snapshot out, after counting pages. */
  memset(stats_text, 0, sizeof(stats_text));
  int n = statistics(stats_text, sizeof(stats_text) - 1);
  if (n <= 0)
    return -1;
  stats_text[n] = 0;
  int len = strlen(key);
  for (char *line = stats_text; *line; ) {
    if (memcmp(line, key, len) == 0 && line[len] == ' ')
      return atoi(line + len + 1);
    char *next = strchr(line, '\n');
    if (next == 0)
      break;
    line = next + 1;
  }
  return -1;
}

static long freepages(void)
{
  long n = stat_now("freepages");
  CHECK(n >= 0, "/statistics has no line \"freepages N\"");
  return n;
}

static long allocpages(void)
{
  long n = stat_now("allocpages");
  CHECK(n >= 0, "/statistics has no line \"allocpages N\" (pages kalloc has handed out)");
  return n;
}

/* ---- processes ---- */

/* Wait for pid; its exit status (-1 when the kernel killed it). */
static int wait_status(int pid)
{
  int status;
  int got = wait(&status);
  CHECK(got == pid, "wait() returned %d, expected child %d", got, pid);
  return status;
}

/* Run body in a child process; its exit status. */
static int in_child(void (*body)(void))
{
  int pid = fork();
  CHECK(pid >= 0, "fork() failed");
  if (pid == 0) {
    body();
    exit(0);
  }
  return wait_status(pid);
}

static uint64 target;  /* the address the next faulting child touches */

static void read_target(void)
{
  (void)*(volatile char *)target;
}

static void write_target(void)
{
  *(volatile char *)target = 1;
}

static void jump_target(void)
{
  ((void (*)(void))target)();
}

/* A child that does body at addr must be killed by the kernel. */
static void expect_killed(void (*body)(void), uint64 addr, const char *what)
{
  target = addr;
  int status = in_child(body);
  CHECK(status == -1, "%s (%p) did not kill the process (exit status %d)", what,
        (void *)addr, status);
}

/* Grow the heap to a page boundary; the new end (the page there is not ours). */
static uint64 heap_end(void)
{
  uint64 top = (uint64)sbrk(0);
  CHECK(sbrk(PGROUNDUP(top) - top) != (char *)-1, "sbrk to a page boundary failed");
  return (uint64)sbrk(0);
}

static char *grow(int n)
{
  char *p = sbrk(n);
  CHECK(p != (char *)-1, "sbrk(%d) failed", n);
  return p;
}

/* What the tests write into a page at p, so that each page is told apart. */
static uint64 mark(char *p, int seed)
{
  return (uint64)p * 31 + seed;
}

/* ---- sparse ---- */

static void test_sparse(void)
{
  char *start = grow(GB);
  char *end = start + GB;
  for (char *p = start; p < end; p += 64 * PGSIZE)
    *(uint64 *)p = mark(p, 1);
  /* The last word too, which the size just covers. */
  *(uint64 *)(end - 8) = mark(end - 8, 1);

  for (char *p = start; p < end; p += 64 * PGSIZE)
    CHECK(*(uint64 *)p == mark(p, 1), "the word written at %p reads back as %p",
          p, (void *)*(uint64 *)p);
  CHECK(*(uint64 *)(end - 8) == mark(end - 8, 1), "the heap's last word lost its value");
  /* A page between the written ones was never touched: it reads as zeros. */
  for (int i = 0; i < PGSIZE; i += 512)
    CHECK(start[32 * PGSIZE + i] == 0, "a fresh page in a sparse heap is not zeroed");

  CHECK(sbrk(-GB) == end, "sbrk(-1 GB) did not return the old end");
  CHECK(sbrk(0) == start, "sbrk(-1 GB) did not bring the end back");
}

/* ---- released ---- */

/* write() of n bytes at addr into a pipe: what write returned. */
static int write_from(char *addr, int n)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe() failed");
  int r = write(fds[1], addr, n);
  close(fds[0]);
  close(fds[1]);
  return r;
}

/* read() of n bytes from a pipe holding n bytes into addr: what read returned. */
static int read_into(char *addr, int n)
{
  static char bytes[64];
  int fds[2];
  CHECK(n <= sizeof(bytes), "read_into() reads at most %d bytes", (int)sizeof(bytes));
  CHECK(pipe(fds) == 0, "pipe() failed");
  CHECK(write(fds[1], bytes, n) == n, "write() into a pipe failed");
  int r = read(fds[0], addr, n);
  close(fds[0]);
  close(fds[1]);
  return r;
}

/* One classic case: 1 GB, touched every 16 MB; a child that gives it all
   back and touches one of those pages again must die. */
static void released_sparse(void)
{
  char *start = grow(GB);
  for (char *p = start; p < start + GB; p += 16 * MB)
    *(uint64 *)p = mark(p, 2);
  for (int i = 1; i < 64; i += 21) {
    char *p = start + (uint64)i * 16 * MB;
    int pid = fork();
    CHECK(pid >= 0, "fork() of a 1 GB sparse heap failed");
    if (pid == 0) {
      sbrk(-GB);
      *(uint64 *)p = 0;
      exit(0);
    }
    CHECK(wait_status(pid) == -1, "a page of a released 1 GB heap (%p) was still there", p);
  }
  CHECK(sbrk(-GB) != (char *)-1, "sbrk(-1 GB) failed");
}

static void test_released(void)
{
  uint64 end = heap_end();
  char *touched = grow(8 * PGSIZE);
  memset(touched, 0x5a, 8 * PGSIZE);
  CHECK(sbrk(-8 * PGSIZE) == touched + 8 * PGSIZE, "sbrk(-8 pages) failed");
  expect_killed(read_target, (uint64)touched, "a read of a released page");
  expect_killed(write_target, (uint64)touched + 5 * PGSIZE + 9, "a write to a released page");

  /* The kernel must refuse them too: the mirror of the kernel page table
     and the user page table both forget them. */
  CHECK(write_from(touched, 8) == -1, "write() from a released page worked");
  CHECK(write_from(touched + 7 * PGSIZE, 8) == -1, "write() from a released page worked");
  CHECK(read_into(touched + 3 * PGSIZE, 8) == -1, "read() into a released page worked");

  /* Released without ever being touched. */
  char *never = grow(8 * PGSIZE);
  CHECK(sbrk(-8 * PGSIZE) != (char *)-1, "sbrk(-8 pages) failed");
  expect_killed(write_target, (uint64)never + 2 * PGSIZE, "a write to a released, never touched page");

  /* A partial shrink keeps the page that still holds the end. */
  char *part = grow(2 * PGSIZE);
  part[PGSIZE + 10] = 7;
  CHECK(sbrk(-(PGSIZE - 100)) != (char *)-1, "sbrk(-(PGSIZE - 100)) failed");
  CHECK(part[PGSIZE + 10] == 7, "shrinking within a page lost that page's contents");
  CHECK(sbrk(-(PGSIZE + 100)) != (char *)-1, "sbrk back to the start failed");
  CHECK((uint64)sbrk(0) == end, "the heap does not end where it began");

  /* Growing again gives fresh pages of zeros, to the user and to the kernel. */
  char *again = grow(8 * PGSIZE);
  CHECK(again == touched, "sbrk did not grow from the old end");
  CHECK(write_from(again + 4 * PGSIZE, 8) == 8, "write() from a page grown again failed");
  for (int i = 0; i < 8 * PGSIZE; i += 256)
    CHECK(again[i] == 0, "a page grown again holds old data (byte %d is %d)", i, again[i]);
  CHECK(sbrk(-8 * PGSIZE) != (char *)-1, "sbrk(-8 pages) failed");

  released_sparse();
}

/* ---- syscalls ---- */

#define SYSCALL_FILE "lazyfile"

static char pattern[3 * PGSIZE];

static int open_or_fail(const char *path, int flags)
{
  int fd = open(path, flags);
  CHECK(fd >= 0, "cannot open %s", path);
  return fd;
}

/* Run by the exec'd copy: the arguments must have arrived intact. */
static void check_exec_arguments(int argc, char *argv[])
{
  test_name = "syscalls (after exec)";
  CHECK(argc == 4, "exec passed %d arguments, expected 4", argc);
  CHECK(argv[2][0] == 0, "an argument from a fresh page is \"%s\", not empty", argv[2]);
  CHECK(strcmp(argv[3], "abc") == 0, "an argument ending in a fresh page is \"%s\", not \"abc\"",
        argv[3]);
  exit(0);
}

/*
 * exec's arguments in heap pages the program never touched: the argv array
 * ends with its terminator on a fresh page, one string is a fresh page
 * (empty), another finds its NUL on the next, fresh page.
 */
static void exec_arguments(char *heap)
{
  char **argv = (char **)(heap + PGSIZE - 4 * sizeof(char *));
  char *empty = heap + 2 * PGSIZE;
  char *abc = heap + 4 * PGSIZE - 3;
  memcpy(abc, "abc", 3);
  argv[0] = program;
  argv[1] = "execargs";
  argv[2] = empty;
  argv[3] = abc;
  int pid = fork();
  CHECK(pid >= 0, "fork() failed");
  if (pid == 0) {
    exec(program, argv);
    FAIL("exec() with arguments in fresh heap pages failed");
  }
  int *status = (int *)(heap + 5 * PGSIZE);
  CHECK(wait(status) == pid, "wait() into a fresh heap page failed");
  CHECK(*status == 0, "the exec'd program found its arguments wrong");
}

/* Move the end of the heap to addr, a gigabyte at most per sbrk (it takes an int). */
static void move_heap_end(uint64 addr)
{
  uint64 end;
  while ((end = (uint64)sbrk(0)) != addr) {
    uint64 gap = end < addr ? addr - end : end - addr;
    int step = gap < GB ? gap : GB;
    CHECK(sbrk(end < addr ? step : -step) != (char *)-1, "sbrk(%s%d) at %p failed",
          end < addr ? "" : "-", step, (void *)end);
  }
}

/* Write n bytes from buf into a fresh SYSCALL_FILE and read them back into out. */
static void through_file(const char *buf, int n, char *out, const char *what)
{
  int fd = open_or_fail(SYSCALL_FILE, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(write(fd, buf, n) == n, "write() from %s (%p) failed", what, buf);
  close(fd);
  fd = open_or_fail(SYSCALL_FILE, O_RDONLY);
  CHECK(read(fd, out, n) == n, "read() into %s (%p) failed", what, out);
  close(fd);
}

/* A file made and removed through the path at name: both calls must work. */
static void create_through(char *name, const char *what)
{
  unlink(SYSCALL_FILE);
  int fd = open(name, O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "open() of a path %s (%p) failed", what, name);
  close(fd);
  CHECK(unlink(SYSCALL_FILE) == 0, "open() of a path %s made no file %s", what, SYSCALL_FILE);
}

/*
 * The same far up the heap: across the end of the mirror of lab 2
 * (MIRROR_TOP, 2 GB), where copyin() stops reading directly and walks the
 * user page table, and in the last bytes below MAXHEAP, which only the
 * walk reaches. Fresh pages first, then pages written by the program.
 */
static void high_syscalls(void)
{
  uint64 start = (uint64)sbrk(0);
  int n = 256;
  char *edge = (char *)MIRROR_TOP - n / 2;
  move_heap_end(MIRROR_TOP + PGSIZE);
  through_file(edge, n, pattern, "fresh pages across the mirror's end");
  for (int i = 0; i < n; i++)
    CHECK(pattern[i] == 0, "write() from a fresh page across the mirror's end wrote %d",
          pattern[i]);
  for (int i = 0; i < n; i++)
    edge[i] = 'a' + i % 26;
  through_file(edge, n, pattern, "heap bytes across the mirror's end");
  CHECK(memcmp(pattern, edge, n) == 0, "bytes across the mirror's end came back changed");
  strcpy((char *)MIRROR_TOP - 3, SYSCALL_FILE);
  create_through((char *)MIRROR_TOP - 3, "across the mirror's end");

  move_heap_end(MAXHEAP);
  char *last = (char *)MAXHEAP - n;
  through_file(pattern, n, last, "the last fresh page below MAXHEAP");
  CHECK(memcmp(last, pattern, n) == 0, "read() into the last page below MAXHEAP put other bytes");
  through_file(last, n, pattern, "the last page below MAXHEAP");
  CHECK(memcmp(last, pattern, n) == 0, "bytes below MAXHEAP came back changed");
  char *name = (char *)MAXHEAP - sizeof(SYSCALL_FILE);
  strcpy(name, SYSCALL_FILE);
  create_through(name, "that ends at MAXHEAP");
  memset(name, 'x', sizeof(SYSCALL_FILE));
  CHECK(open(name, O_RDONLY) == -1, "open() of a path that runs past MAXHEAP worked");
  move_heap_end(start);
}

static void test_syscalls(void)
{
  char *heap = grow(24 * PGSIZE);
  for (int i = 0; i < sizeof(pattern); i++)
    pattern[i] = 'A' + i % 23;

  /* write() from fresh pages: the kernel reads zeros. */
  int fd = open_or_fail(SYSCALL_FILE, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(write(fd, heap + 100, 2 * PGSIZE) == 2 * PGSIZE, "write() from fresh heap pages failed");
  close(fd);
  fd = open_or_fail(SYSCALL_FILE, O_RDONLY);
  CHECK(read(fd, pattern + PGSIZE, 2 * PGSIZE) == 2 * PGSIZE, "reading the file back failed");
  close(fd);
  for (int i = 0; i < 2 * PGSIZE; i++)
    CHECK(pattern[PGSIZE + i] == 0, "write() from a fresh page wrote %d, not 0", pattern[PGSIZE + i]);
  for (int i = 0; i < sizeof(pattern); i++)
    pattern[i] = 'A' + i % 23;

  /* read() into fresh pages, starting mid-page and crossing two boundaries. */
  fd = open_or_fail(SYSCALL_FILE, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(write(fd, pattern, sizeof(pattern)) == sizeof(pattern), "writing the file failed");
  close(fd);
  char *into = heap + 3 * PGSIZE + 4000;
  fd = open_or_fail(SYSCALL_FILE, O_RDONLY);
  CHECK(read(fd, into, 2 * PGSIZE) == 2 * PGSIZE, "read() into fresh heap pages failed");
  CHECK(memcmp(into, pattern, 2 * PGSIZE) == 0, "read() into fresh pages put other bytes there");

  /* fstat() into a struct that straddles two fresh pages. */
  struct stat *st = (struct stat *)(heap + 8 * PGSIZE - 12);
  CHECK(fstat(fd, st) == 0, "fstat() into fresh heap pages failed");
  CHECK(st->size == sizeof(pattern), "fstat() into fresh pages: size %d, expected %d",
        (int)st->size, (int)sizeof(pattern));
  close(fd);
  unlink(SYSCALL_FILE);

  /* pipe() stores the descriptors into a fresh page; data goes from fresh
     pages into fresh pages through it. */
  int *fds = (int *)(heap + 9 * PGSIZE + 64);
  CHECK(pipe(fds) == 0, "pipe() into a fresh heap page failed");
  char *from = heap + 11 * PGSIZE - 20;
  char *to = heap + 13 * PGSIZE - 30;
  CHECK(write(fds[1], from, 50) == 50, "write() into a pipe from fresh pages failed");
  CHECK(read(fds[0], to, 50) == 50, "read() from a pipe into fresh pages failed");
  for (int i = 0; i < 50; i++)
    CHECK(to[i] == 0, "a pipe carried %d from a fresh page, not 0", to[i]);
  close(fds[0]);
  close(fds[1]);

  exec_arguments(heap + 15 * PGSIZE);
  high_syscalls();
}

/* ---- fork ---- */

#define FORK_HEAP (32 * MB)
#define FORK_STRIDE (37 * PGSIZE)   /* which pages the parent touches */

static int fork_touched(char *heap)
{
  int n = 0;
  for (char *p = heap; p < heap + FORK_HEAP; p += FORK_STRIDE)
    n++;
  return n;
}

/* In the child: the parent's pages are there, its holes are holes. */
static void fork_child(char *heap, long free_before_fork)
{
  long used = free_before_fork - freepages();
  int touched = fork_touched(heap);
  /* The child needs its touched pages, its page tables and little else. */
  CHECK(used < touched + 200, "fork used %ld pages for a heap of %d touched pages: it "
        "must copy only the pages that exist", used, touched);
  for (char *p = heap; p < heap + FORK_HEAP; p += FORK_STRIDE) {
    CHECK(*(uint64 *)p == mark(p, 3), "the child sees %p at %p, not the parent's value",
          (void *)*(uint64 *)p, p);
    *(uint64 *)p = mark(p, 4);
  }
  /* Holes stay holes: fresh, zeroed pages of the child's own. */
  for (char *p = heap + PGSIZE; p < heap + FORK_HEAP; p += FORK_STRIDE) {
    CHECK(*(uint64 *)p == 0, "a page the parent never touched is not zero in the child");
    *(uint64 *)p = mark(p, 5);
  }
  exit(0);
}

static void test_fork(void)
{
  char *heap = grow(FORK_HEAP);
  for (char *p = heap; p < heap + FORK_HEAP; p += FORK_STRIDE)
    *(uint64 *)p = mark(p, 3);
  long before = freepages();
  int pid = fork();
  CHECK(pid >= 0, "fork() of a sparse heap failed");
  if (pid == 0)
    fork_child(heap, before);
  CHECK(wait_status(pid) == 0, "the child of a sparse heap failed");

  for (char *p = heap; p < heap + FORK_HEAP; p += FORK_STRIDE)
    CHECK(*(uint64 *)p == mark(p, 3), "the child's write reached the parent's page %p", p);
  for (char *p = heap + PGSIZE; p < heap + FORK_HEAP; p += FORK_STRIDE)
    CHECK(*(uint64 *)p == 0, "a page the child touched first is not zero in the parent");
  /* And the parent goes on touching holes after the fork. */
  for (char *p = heap + 2 * PGSIZE; p < heap + FORK_HEAP; p += FORK_STRIDE)
    *(uint64 *)p = mark(p, 6);
  for (char *p = heap + 2 * PGSIZE; p < heap + FORK_HEAP; p += FORK_STRIDE)
    CHECK(*(uint64 *)p == mark(p, 6), "a page touched after fork lost its value");
}

/* ---- oom ---- */

/* Allocate and touch megabytes until malloc fails or the kernel kills us. */
static void eat_touched_memory(void)
{
  char *p;
  while ((p = malloc(MB)) != 0)
    memset(p, 1, MB);
  exit(0);
}

/*
 * Classic: mallocs of 16 MB that touch one word each. Each costs a page
 * and a page-table page, and the heap (up to MAXHEAP, some 255 GB) has
 * room for about 16000 of them, which is more than RAM can back: the
 * kernel must kill the process before malloc fails.
 */
static void eat_address_space(void)
{
  char **last = 0, **p;
  while ((p = malloc(16 * MB)) != 0) {
    *p = (char *)last;
    last = p;
  }
  exit(0);
}

static void test_oom(void)
{
  int status = in_child(eat_touched_memory);
  CHECK(status == 0 || status == -1, "a process that used up memory ended with status %d, "
        "expected 0 (malloc failed) or -1 (killed)", status);
  status = in_child(eat_address_space);
  CHECK(status == -1, "a process with more address space than memory ended with status %d, "
        "expected -1 (killed when a touch found no memory)", status);

  /* Memory is back: a heap of 4 MB can be used in full. */
  char *heap = grow(4 * MB);
  memset(heap, 3, 4 * MB);
  CHECK(sbrk(-4 * MB) != (char *)-1, "sbrk(-4 MB) failed");
}

/* ---- faults ---- */

/*
 * A sibling that works on its heap while the faulting children die, then
 * waits until the pipe's write end closes, and checks its heap again.
 */
static void busy_sibling(int fds[2])
{
  close(fds[1]);
  char *heap = grow(16 * PGSIZE);
  for (int round = 0; round < 100; round++)
    for (int i = 0; i < 16; i++)
      heap[i * PGSIZE + round] = round;
  char c;
  read(fds[0], &c, 1);
  for (int i = 0; i < 16; i++)
    CHECK(heap[i * PGSIZE + 99] == 99, "a busy sibling's heap lost a write");
  exit(0);
}

/* A page fault that no page may fix: kill the process, and only it. */
static void test_faults(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe() failed");
  int sibling = fork();
  CHECK(sibling >= 0, "fork() failed");
  if (sibling == 0)
    busy_sibling(fds);
  close(fds[0]);

  uint64 end = heap_end();
  char here;
  uint64 guard = PGROUNDDOWN((uint64)&here) - PGSIZE;
  expect_killed(read_target, end, "a read at the heap's end");
  expect_killed(write_target, end + 100 * PGSIZE, "a write far past the heap's end");
  expect_killed(read_target, MAXUVA - 8, "a read just below MAXUVA");
  expect_killed(read_target, guard, "a read of the stack guard page");
  expect_killed(write_target, guard + PGSIZE - 8, "a write just below the stack");
  expect_killed(write_target, (uint64)test_faults, "a write to the program's code");
  expect_killed(write_target, (uint64)"read-only", "a write to a string literal");
  /* The rest of the page that holds the heap's last byte is the program's. */
  char *last = grow(1);
  target = (uint64)last + PGSIZE - 1;
  CHECK(in_child(write_target) == 0, "a first store in the heap's last page, past its "
        "last byte, killed the process");
  char *heap = grow(4 * PGSIZE);
  expect_killed(jump_target, (uint64)heap + 2 * PGSIZE, "a jump into a fresh heap page");

  /* The program's own memory still works, and so does the sibling's. */
  heap[3 * PGSIZE] = 1;
  CHECK(heap[3 * PGSIZE] == 1, "the heap misbehaves after the faults");
  close(fds[1]);
  CHECK(wait_status(sibling) == 0, "a sibling busy with its heap died");
}

/* ---- count ---- */

static void test_count(void)
{
  /* A reading takes one page, for its snapshot. */
  long first = allocpages();
  long reading = allocpages() - first;
  long before = allocpages();
  char *heap = grow(64 * MB);
  long during = allocpages() - before - reading;
  printf("lazytests: count: sbrk(64 MB) allocated %ld pages before any touch\n", during);
  CHECK(during == 0, "sbrk(64 MB) allocated %ld pages; it must only grow the size", during);

  before = allocpages();
  heap[0] = 1;
  heap[32 * MB] = 2;
  heap[64 * MB - 1] = 3;
  long touched = allocpages() - before - reading;
  printf("lazytests: count: touching 3 of its pages allocated %ld pages\n", touched);
  CHECK(touched >= 3, "three pages touched, but only %ld pages allocated", touched);
  CHECK(sbrk(-64 * MB) != (char *)-1, "sbrk(-64 MB) failed");
}

/* ---- the runner ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static void test_leak(void);

static const struct test tests[] = {
  { "sparse", test_sparse },
  { "released", test_released },
  { "syscalls", test_syscalls },
  { "fork", test_fork },
  { "oom", test_oom },
  { "faults", test_faults },
  { "count", test_count },
  { "leak", test_leak },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static void ok(void)
{
  char token[64];
  if (gradetoken(token, sizeof(token)) > 0)
    printf("lazytests: %s OK %s\n", test_name, token);
  else
    printf("lazytests: %s OK\n", test_name);
}

/* The free page count, once it has come back to expect (or stopped moving). */
static long freepages_settled(long expect)
{
  long n = freepages();
  for (int tries = 0; n != expect && tries < 20; tries++) {
    sleep(1);
    n = freepages();
  }
  return n;
}

/* Run t in a child; 1 if it passed and gave every page back. */
static int run_test(const struct test *t)
{
  long before = freepages();
  int pid = fork();
  CHECK(pid >= 0, "the runner could not fork");
  if (pid == 0) {
    test_name = t->name;
    ownpages();  /* so that its own first stores cost the counts nothing */
    t->run();
    exit(0);
  }
  int status = wait_status(pid);
  if (status != 0) {
    if (status != 1)
      printf("lazytests: %s: FAILED: the test process ended with status %d\n", t->name, status);
    return 0;
  }
  long after = freepages_settled(before);
  if (after != before) {
    printf("lazytests: %s: FAILED: %ld free pages before, %ld after\n", t->name, before, after);
    return 0;
  }
  return 1;
}

/* Whether the other tests pass is theirs to say: this one counts pages. */
static void test_leak(void)
{
  long before = freepages();
  for (const struct test *t = tests; t < tests + NTESTS; t++)
    if (t->run != test_count && t->run != test_leak)
      run_test(t);
  long after = freepages_settled(before);
  CHECK(after == before, "%ld free pages before the tests, %ld after", before, after);
}

static const struct test *find_test(const char *name)
{
  for (const struct test *t = tests; t < tests + NTESTS; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return 0;
}

int main(int argc, char *argv[])
{
  program = argv[0];
  if (argc > 1 && strcmp(argv[1], "execargs") == 0)
    check_exec_arguments(argc, argv);

  int failed = 0;
  for (int i = 1; i < argc; i++) {
    const struct test *t = find_test(argv[i]);
    if (t == 0) {
      fprintf(2, "usage: lazytests [TEST...]; tests:");
      for (t = tests; t < tests + NTESTS; t++)
        fprintf(2, " %s", t->name);
      fprintf(2, "\n");
      exit(2);
    }
  }
  for (const struct test *t = tests; t < tests + NTESTS; t++) {
    int chosen = argc == 1 && t->run != test_leak;
    for (int i = 1; i < argc; i++)
      chosen |= strcmp(argv[i], t->name) == 0;
    if (!chosen)
      continue;
    if (run_test(t)) {
      test_name = t->name;
      ok();
    } else {
      failed = 1;
    }
  }
  exit(failed);
}
