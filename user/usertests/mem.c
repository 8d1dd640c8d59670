/*
 * Memory: growing and shrinking with sbrk, fresh memory being zeroed, freed
 * memory faulting, fork copying, and running out of physical memory. All
 * pages must come back when the processes that held them are gone.
 *
 * The tests hold for a kernel that allocates heap pages when sbrk grows
 * the heap and for one that allocates each page at its first use (the lazy
 * lab): they touch what they count, and they never rely on sbrk alone to
 * run out of memory.
 */
#include "user/usertests/usertests.h"

#define MB (1024 * 1024)
#define GB (1024 * MB)

void test_sbrkbasic(char *name)
{
  char *start = sbrk(0);
  CHECK(name, sbrk(0) == start, "sbrk(0) moved the break");

  for (int i = 0; i < 3000; i++) {
    char *p = sbrk(1);
    CHECK(name, p == start + i, "sbrk(1) returned %p, expected %p", p, start + i);
    *p = (char)i;
  }
  CHECK(name, sbrk(0) == start + 3000, "the break is not where 3000 sbrk(1)s put it");
  for (int i = 0; i < 3000; i++)
    CHECK(name, start[i] == (char)i, "byte %d grown by sbrk(1) changed", i);

  int len = 20 * PGSIZE;
  char *big = sbrk(len);
  CHECK(name, big == start + 3000, "sbrk(20 pages) returned %p", big);
  fill_pattern(big, len, 3, 0);
  for (int i = 0; i < len; i++)
    CHECK(name, big[i] == pattern_byte(3, i), "grown memory does not hold what was written");
}

static void expect_zeroed(char *name, char *p, int len, char *when)
{
  for (int i = 0; i < len; i++)
    CHECK(name, p[i] == 0, "%s: byte %d of new memory is %d, not 0", when, i, p[i]);
}

void test_sbrkzero(char *name)
{
  int len = 8 * PGSIZE;
  heap_end(name);
  char *p = sbrk(len);
  CHECK(name, p != (char *)-1, "sbrk(8 pages) failed");
  expect_zeroed(name, p, len, "first growth");
  memset(p, 0xAA, len);
  CHECK(name, sbrk(-len) == p + len, "sbrk(-8 pages) did not return the old break");
  CHECK(name, sbrk(len) == p, "growing again did not start at the same place");
  expect_zeroed(name, p, len, "growth after a shrink");
}

void test_sbrkshrink(char *name)
{
  int len = 10 * PGSIZE;
  heap_end(name);
  int f0 = freepages();
  char *p = sbrk(len);
  CHECK(name, p != (char *)-1, "sbrk(10 pages) failed");
  memset(p, 1, len);
  int f1 = freepages();
  CHECK(name, f0 >= 0 && f1 <= f0 - 10, "growing and using 10 pages took %d pages", f0 - f1);

  char *old = sbrk(-len);
  CHECK(name, old == p + len, "sbrk(-10 pages) returned %p, expected %p", old, p + len);
  CHECK(name, sbrk(0) == p, "the break did not move back");
  int f2 = freepages();
  CHECK(name, f2 >= f1 + 10, "shrinking 10 pages gave back only %d pages", f2 - f1);
}

/* Grow, write, shrink, then touch what was given back: the child must be killed. */
static void read_after_shrink(char *name)
{
  char *p = sbrk(4 * PGSIZE);
  if (p == (char *)-1)
    FAIL(name, "sbrk(4 pages) failed");
  memset(p, 1, 4 * PGSIZE);
  sbrk(-4 * PGSIZE);
  (void)*(volatile char *)p;
}

static void write_after_shrink(char *name)
{
  char *p = sbrk(4 * PGSIZE);
  if (p == (char *)-1)
    FAIL(name, "sbrk(4 pages) failed");
  sbrk(-4 * PGSIZE);
  *(volatile char *)(p + 3 * PGSIZE + 17) = 1;
}

void test_sbrkfreed(char *name)
{
  heap_end(name);
  expect_killed(name, read_after_shrink, "reading memory after sbrk gave it back");
  expect_killed(name, write_after_shrink, "writing memory after sbrk gave it back");
}

/* Shrinking below address zero must fail or be ignored, never take the program away. */
static void expect_refused_shrink(char *name, int n)
{
  char *top = sbrk(0);
  char *r = sbrk(n);
  CHECK(name, r == (char *)-1 || r == top, "sbrk(%d) returned %p", n, r);
  CHECK(name, sbrk(0) == top, "sbrk(%d) moved the break from %p to %p", n, top, sbrk(0));
}

void test_sbrknegative(char *name)
{
  uint64 top = (uint64)sbrk(0);
  expect_refused_shrink(name, -(int)(top + 8 * PGSIZE));
  expect_refused_shrink(name, -0x7fffffff - 1);
  /* Still alive: code, data and stack all work. */
  scratch[0] = 1;
  scratch[SCRATCH - 1] = 2;
  CHECK(name, scratch[0] + scratch[SCRATCH - 1] == 3, "data memory misbehaves");
}

/* Give back grown bytes of heap, at most 1 GB per sbrk (it takes an int). */
static void shrink_by(char *name, uint64 grown)
{
  while (grown > 0) {
    int step = grown < GB ? grown : GB;
    CHECK(name, sbrk(-step) != (char *)-1, "sbrk(-%d) failed", step);
    grown -= step;
  }
}

/*
 * A lazy kernel grants growth up to MAXHEAP, far more than RAM; an eager
 * one refuses the first gigabyte for lack of memory. Either way sbrk never
 * passes MAXHEAP, and a refusal leaves the break where it was.
 */
static void up_to_maxheap(char *name, char *top)
{
  uint64 grown = 0;
  while (sbrk(GB) != (char *)-1)
    grown += GB;
  CHECK(name, sbrk(0) == top + grown, "a refused sbrk(1 GB) moved the break");
  if (grown > 0) {
    uint64 rest = MAXHEAP - (uint64)sbrk(0);
    CHECK(name, (uint64)sbrk(0) <= MAXHEAP && rest < GB,
          "sbrk(1 GB) was refused at %p, not within 1 GB of MAXHEAP", sbrk(0));
    CHECK(name, sbrk((int)rest) != (char *)-1, "sbrk up to exactly MAXHEAP failed");
    grown += rest;
    CHECK(name, sbrk(PGSIZE) == (char *)-1, "sbrk past MAXHEAP succeeded");
    CHECK(name, sbrk(0) == (char *)MAXHEAP, "a refused sbrk moved the break from MAXHEAP");
  }
  shrink_by(name, grown);
  CHECK(name, sbrk(0) == top, "growing to MAXHEAP and back moved the break");
}

static void huge_growths(char *name)
{
  char *top = sbrk(0);
  char *r = sbrk(0x7fffffff);
  CHECK(name, r == (char *)-1 || r == top, "sbrk(0x7fffffff) returned %p", r);
  if (r == top)
    shrink_by(name, 0x7fffffff);
  CHECK(name, sbrk(0) == top, "sbrk(0x7fffffff) moved the break");

  up_to_maxheap(name, top);

  /* 1 GB fits below MAXHEAP but not in RAM: an eager kernel refuses it, a
     lazy one grants it. Either way the break must end where it was. */
  for (int i = 0; i < 3; i++) {
    r = sbrk(GB);
    CHECK(name, r == (char *)-1 || r == top, "sbrk(1 GB) number %d returned %p", i, r);
    if (r == top)
      CHECK(name, sbrk(-GB) == top + GB, "sbrk(-1 GB) failed");
  }
  CHECK(name, sbrk(0) == top, "sbrks of 1 GB moved the break");
  r = sbrk(PGSIZE);
  CHECK(name, r == top, "a small sbrk after the huge ones returned %p", r);
  *r = 1;
}

void test_sbrkhuge(char *name)
{
  int before = freepages();
  expect_status(name, huge_growths, 0, "huge sbrk calls");
  expect_no_leak(name, before, "after huge sbrk calls");
}

void test_forkmem(char *name)
{
  int len = 10 * PGSIZE;
  char *p = sbrk(len);
  CHECK(name, p != (char *)-1, "sbrk(10 pages) failed");
  fill_pattern(p, len, 9, 0);

  int pid = fork_or_fail(name);
  if (pid == 0) {
    for (int i = 0; i < len; i++)
      CHECK(name, p[i] == pattern_byte(9, i), "the child's copy of the heap differs at %d", i);
    memset(p, 0, len);
    exit(0);
  }
  CHECK(name, wait_for(name, pid) == 0, "the child failed");
  for (int i = 0; i < len; i++)
    CHECK(name, p[i] == pattern_byte(9, i), "the child's writes reached the parent's heap");
}

/* Free pages that grow_until_full() leaves: a lazy kernel needs a few
   for page tables while the last pages are touched. */
#define FULL_RESERVE 16

/* Is there memory for n more bytes of heap, and the reserve? */
static int room_for(int n)
{
  int free = freepages();
  return free < 0 || free > n / PGSIZE + FULL_RESERVE;
}

/*
 * Grow until sbrk fails or memory is nearly all used, first by megabytes
 * then by pages, marking every page; then check each page kept its own
 * mark (no page is mapped twice). A lazy kernel lets sbrk grow far beyond
 * memory and kills the process that touches a page it has no memory for,
 * hence the look at the free pages before each step. Returns the number
 * of pages gained, or -1 if a mark was lost.
 */
static int grow_until_full(void)
{
  char *start = sbrk(0);
  int chunks[] = {MB, PGSIZE};

  for (int c = 0; c < 2; c++) {
    char *p;
    while (room_for(chunks[c]) && (p = sbrk(chunks[c])) != (char *)-1)
      for (int off = 0; off < chunks[c]; off += PGSIZE)
        *(uint64 *)(p + off) = (uint64)(p + off);
  }
  char *end = sbrk(0);
  for (char *p = start; p + sizeof(uint64) <= end; p += PGSIZE)
    if (*(uint64 *)p != (uint64)p)
      return -1;
  return (end - start) / PGSIZE;
}

static void use_all_memory(char *name)
{
  int pages = grow_until_full();
  CHECK(name, pages >= 0, "a page lost its contents while memory ran out");
  CHECK(name, pages >= 4096, "only %d pages could be allocated before memory ran out", pages);
  CHECK(name, (uint64)sbrk(0) <= MAXUVA, "the heap grew past MAXUVA");

  /* Copying all of this memory cannot fit: fork must fail cleanly. */
  int pid = fork();
  if (pid == 0)
    exit(0);
  if (pid > 0) {
    wait(0);
    FAIL(name, "fork succeeded with no memory left");
  }
  int fds[2];
  if (pipe(fds) == 0) {
    close(fds[0]);
    close(fds[1]);
  }
}

void test_oom(char *name)
{
  int before = freepages();
  expect_status(name, use_all_memory, 0, "a process that used up all memory");
  expect_no_leak(name, before, "after the memory hog exited");
  int pid = fork_or_fail(name);
  if (pid == 0)
    exit(0);
  CHECK(name, wait_for(name, pid) == 0, "fork after running out of memory misbehaved");
}

/* A child started while memory is nearly gone: it may be refused memory (2). */
static void small_child_in_low_memory(void)
{
  char *p = sbrk(16 * PGSIZE);
  if (p == (char *)-1)
    exit(2);
  memset(p, 1, 16 * PGSIZE);
  exit(0);
}

void test_oomfork(char *name)
{
  int before = freepages();
  int ready[2], release[2];
  make_pipe(name, ready);
  make_pipe(name, release);

  int hog = fork_or_fail(name);
  if (hog == 0) {
    close(ready[0]);
    close(release[1]);
    if (grow_until_full() < 0)
      FAIL(name, "a page lost its contents while memory ran out");
    sbrk(-48 * PGSIZE);  /* leave a sliver for the forks below */
    write(ready[1], "r", 1);
    char c;
    read(release[0], &c, 1);
    exit(0);
  }
  close(ready[1]);
  close(release[0]);
  char c;
  CHECK(name, read(ready[0], &c, 1) == 1, "the memory hog never got ready");

  for (int i = 0; i < 40; i++) {
    int pid = fork();
    if (pid < 0)
      continue;
    if (pid == 0)
      small_child_in_low_memory();
    int status = wait_for(name, pid);
    CHECK(name, status == 0 || status == 2 || status == -1,
          "a child forked in low memory ended with status %d", status);
  }
  close(release[1]);
  CHECK(name, wait_for(name, hog) == 0, "the memory hog failed");
  close(ready[0]);
  expect_no_leak(name, before, "after forking in low memory");
}
