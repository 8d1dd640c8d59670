/*
 * cowtest [TEST...]: check copy-on-write fork.
 *
 * With no argument every test runs; otherwise only the named ones. Each
 * test runs in a child process of its own under a watchdog, and must give
 * back every page it took: the harness compares the free pages before the
 * test and after it (waiting a little for orphans that init reaps). A test
 * that passes prints "cowtest: NAME OK", followed by the grader's token
 * when there is one; one that fails says why.
 *
 * The forkpages test prints a figure the grader also reads: how many pages
 * fork() allocates for a process with a 32 MB heap it has written.
 */
#include "kernel/types.h"
#include "kernel/sysinfo.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/user.h"

#define PAGE 4096
#define TEST_LIMIT 3000      /* ticks (30 s) before the watchdog kills a test */
#define SETTLE_LIMIT 200     /* ticks to wait for orphans' pages to come back */
#define FORKPAGES_HEAP (32 * 1024 * 1024)
#define FORKPAGES_MAX 128    /* a COW fork of that heap needs page tables only */

static const char *test_name = "?";

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("cowtest: %s: FAILED: ", test_name);                         \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

/* ---- measuring memory ---- */

static uint64
free_pages(void)
{
  struct sysinfo info;

  /* Written first, so that a stack page still shared gets its copy before
     the count is taken, not after. */
  memset(&info, 0, sizeof(info));
  if (sysinfo(&info) < 0)
    FAIL("sysinfo() failed");
  return info.freemem / PAGE;
}

/* The number after "NAME " at the start of a line of the statistics text. */
static long
statistic(const char *name)
{
  static char text[4096];
  int len = statistics(text, sizeof(text) - 1);
  int namelen = strlen(name);

  if (len < 0)
    FAIL("cannot read the statistics device");
  text[len] = 0;
  for (char *line = text; *line; ) {
    if (memcmp(line, name, namelen) == 0 && line[namelen] == ' ')
      return atoi(line + namelen + 1);
    char *next = strchr(line, '\n');
    if (next == 0)
      break;
    line = next + 1;
  }
  FAIL("the statistics device has no \"%s\" line", name);
  return -1;
}

/* ---- a heap of pages, each holding one value in every word ---- */

static uint64 *
grow_heap(uint64 bytes)
{
  char *heap = sbrk(bytes);

  if (heap == (char *)-1)
    FAIL("sbrk(%d) failed", (int)bytes);
  return (uint64 *)heap;
}

static void
shrink_heap(uint64 bytes)
{
  if (sbrk(-bytes) == (char *)-1)
    FAIL("sbrk(-%d) failed", (int)bytes);
}

/* The value page i of a heap holds for a given owner. */
static uint64
tag(int owner, uint64 page)
{
  return ((uint64)owner << 32) ^ (page * 2654435761UL);
}

/* Write owner's value into the first word of every step-th page. */
static void
fill(uint64 *heap, uint64 pages, int step, int owner)
{
  for (uint64 i = 0; i < pages; i += step)
    heap[i * PAGE / 8] = tag(owner, i);
}

/* Whether every step-th page still holds owner's value. */
static void
expect(uint64 *heap, uint64 pages, int step, int owner, const char *who)
{
  for (uint64 i = 0; i < pages; i += step)
    if (heap[i * PAGE / 8] != tag(owner, i))
      FAIL("%s sees page %d changed (it holds %p, not %p)", who, (int)i,
           (void *)heap[i * PAGE / 8], (void *)tag(owner, i));
}

/* Wait for one child; FAIL unless it exited with status want. */
static void
reap(int want, const char *what)
{
  int status = -2;

  if (wait(&status) < 0)
    FAIL("wait() found no child (%s)", what);
  if (status != want)
    FAIL("%s exited with status %d, not %d", what, status, want);
}

static int
fork_or_fail(void)
{
  int pid = fork();

  if (pid < 0)
    FAIL("fork() failed");
  return pid;
}

/* ---- the tests ---- */

/*
 * A process that has written more than half of free memory can still
 * fork: the child shares every page until one of them writes.
 */
static void
test_share(void)
{
  uint64 pages = free_pages() * 6 / 10;
  uint64 *heap = grow_heap(pages * PAGE);

  fill(heap, pages, 1, 1);
  int pid = fork();
  if (pid < 0)
    FAIL("fork() of a process holding %d pages failed: fork copied instead of sharing",
         (int)pages);
  if (pid == 0) {
    expect(heap, pages, 1, 1, "the child, before writing");
    fill(heap, pages, 64, 2);
    expect(heap, pages, 64, 2, "the child, after writing");
    exit(0);
  }
  reap(0, "the child");
  expect(heap, pages, 1, 1, "the parent, after the child wrote");
  shrink_heap(pages * PAGE);
}

/* Three processes share a heap; each writes its own values and sees only them. */
static void
test_threeway(void)
{
  enum { PAGES = 256, WRITERS = 3 };
  uint64 *heap = grow_heap(PAGES * PAGE);
  int go[2], done[2];
  char byte = 0;

  fill(heap, PAGES, 1, 0);
  if (pipe(go) < 0 || pipe(done) < 0)
    FAIL("pipe() failed");
  for (int owner = 1; owner < WRITERS; owner++) {
    if (fork_or_fail() == 0) {
      close(go[1]);
      fill(heap, PAGES, owner, owner);
      if (write(done[1], "x", 1) != 1 || read(go[0], &byte, 1) != 0)
        FAIL("the handshake failed");
      /* Every other process has written by now. */
      expect(heap, PAGES, owner, owner, "a writer");
      exit(0);
    }
  }
  for (int owner = 1; owner < WRITERS; owner++)
    if (read(done[0], &byte, 1) != 1)
      FAIL("a writer did not report");
  fill(heap, PAGES, 1, WRITERS);
  close(go[1]);  /* end of file on go: the writers check now */
  for (int owner = 1; owner < WRITERS; owner++)
    reap(0, "a writer");
  expect(heap, PAGES, 1, WRITERS, "the parent");
  close(go[0]);
  close(done[0]);
  close(done[1]);
  shrink_heap(PAGES * PAGE);
}

/*
 * The kernel writes into user memory too (read(), pipe(), wait(),
 * fstat()): into a shared page, it must copy first, exactly as a user
 * store would, or the other process sees the data.
 */
static void
kernel_writes(int from_file)
{
  static char buf[2 * PAGE];  /* in data pages that fork shares */
  static int fds[2];
  static int status;
  static struct stat st;
  const char *msg = "written by the kernel";
  int fd[2];

  memset(buf, 'p', sizeof(buf));
  if (from_file) {
    fd[1] = open("cowtest.tmp", O_CREATE | O_RDWR | O_TRUNC);
    if (fd[1] < 0 || write(fd[1], msg, strlen(msg)) != strlen(msg))
      FAIL("cannot write cowtest.tmp");
    close(fd[1]);
    fd[0] = open("cowtest.tmp", O_RDONLY);
  } else if (pipe(fd) < 0 || write(fd[1], msg, strlen(msg)) != strlen(msg)) {
    FAIL("pipe() failed");
  }
  if (fork_or_fail() == 0) {
    /* Straddle two pages, so that both need copying. */
    char *dst = buf + PAGE - 4;
    if (read(fd[0], dst, strlen(msg)) != strlen(msg) || memcmp(dst, msg, strlen(msg)) != 0)
      FAIL("read() into a shared page did not arrive");
    if (pipe(fds) < 0 || fstat(1, &st) < 0)
      FAIL("pipe() or fstat() into a shared page failed");
    if (fork_or_fail() == 0)
      exit(7);
    if (wait(&status) < 0 || status != 7)
      FAIL("wait() into a shared page gave status %d", status);
    exit(0);
  }
  reap(0, "the child");
  for (int i = 0; i < sizeof(buf); i++)
    if (buf[i] != 'p')
      FAIL("the child's read() changed the parent's copy at byte %d", i);
  if (fds[0] != 0 || status != 0 || st.type != 0)
    FAIL("the child's pipe(), wait() or fstat() changed the parent's copy");
  close(fd[0]);
  if (!from_file)
    close(fd[1]);
  else
    unlink("cowtest.tmp");
}

static void
test_readpipe(void)
{
  kernel_writes(0);
}

static void
test_readfile(void)
{
  kernel_writes(1);
}

/* A tree of processes, each writing and checking at every level. */
static void
storm(uint64 *heap, int pages, int depth, int owner)
{
  enum { FANOUT = 3 };

  for (int i = 0; i < FANOUT && depth > 0; i++) {
    if (fork_or_fail() == 0) {
      int mine = owner * FANOUT + i + 1;
      expect(heap, pages, 3, owner, "a child before writing");
      fill(heap, pages, 3, mine);
      storm(heap, pages, depth - 1, mine);
      expect(heap, pages, 3, mine, "a child after its children");
      exit(0);
    }
  }
  for (int i = 0; i < FANOUT && depth > 0; i++)
    reap(0, "a child of the storm");
}

static void
test_storm(void)
{
  enum { PAGES = 64, DEPTH = 3 };
  uint64 *heap = grow_heap(PAGES * PAGE);

  for (int round = 0; round < 3; round++) {
    fill(heap, PAGES, 3, 0);
    storm(heap, PAGES, DEPTH, 0);
    expect(heap, PAGES, 3, 0, "the root of the storm");
  }
  shrink_heap(PAGES * PAGE);
}

/*
 * A parent that exits before its child: the child (now init's) still
 * shares pages with nobody and must free them all when it exits.
 */
static void
test_orphan(void)
{
  enum { PAGES = 128 };
  uint64 *heap = grow_heap(PAGES * PAGE);
  int report[2];
  char verdict = 0;

  fill(heap, PAGES, 1, 1);
  if (pipe(report) < 0)
    FAIL("pipe() failed");
  if (fork_or_fail() == 0) {
    if (fork_or_fail() == 0) {
      sleep(5);  /* let the parent die first */
      expect(heap, PAGES, 1, 1, "the orphan");
      fill(heap, PAGES, 2, 3);
      expect(heap, PAGES, 2, 3, "the orphan");
      write(report[1], "y", 1);
      exit(0);
    }
    fill(heap, PAGES, 1, 2);
    exit(0);
  }
  close(report[1]);
  reap(0, "the orphan's parent");
  if (read(report[0], &verdict, 1) != 1 || verdict != 'y')
    FAIL("the orphan did not finish its checks");
  close(report[0]);
  expect(heap, PAGES, 1, 1, "the grandparent");
  shrink_heap(PAGES * PAGE);
}

/*
 * Out of memory while copying: a child that writes more pages than
 * there are free is killed, and the parent keeps its data.
 */
static void
test_nomem(void)
{
  uint64 pages = free_pages() * 7 / 10;
  uint64 *heap = grow_heap(pages * PAGE);

  fill(heap, pages, 1, 1);
  for (int round = 0; round < 2; round++) {
    if (fork_or_fail() == 0) {
      fill(heap, pages, 1, 2);
      exit(0);  /* not reached: there is not enough memory for a copy */
    }
    reap(-1, "a child that ran out of memory");
  }
  expect(heap, pages, 1, 1, "the parent");
  fill(heap, pages, 1, 4);  /* the parent's pages are its own again */
  expect(heap, pages, 1, 4, "the parent");
  shrink_heap(pages * PAGE);
}

/* Program text stays read-only: a store into it kills, COW or not. */
static void
test_text(void)
{
  if (fork_or_fail() == 0) {
    volatile char *code = (char *)test_text;
    *code = 0;
    exit(0);
  }
  reap(-1, "a child that wrote into its text");
}

/* The figure: pages fork() allocates for a process with a written 32 MB heap. */
static void
test_forkpages(void)
{
  uint64 *heap = grow_heap(FORKPAGES_HEAP);

  fill(heap, FORKPAGES_HEAP / PAGE, 1, 1);
  /* Two reads in a row measure what reading costs (its own snapshot page). */
  long before = statistic("allocpages");
  long baseline = statistic("allocpages") - before;
  before = statistic("allocpages");
  int pid = fork_or_fail();
  if (pid == 0)
    exit(0);
  reap(0, "the child");
  long used = statistic("allocpages") - before - baseline;
  printf("cowtest: forkpages: fork of a 32 MB heap allocated %d pages\n", (int)used);
  if (used > FORKPAGES_MAX)
    FAIL("fork of a 32 MB heap allocated %d pages (more than %d): it copied the heap",
         (int)used, FORKPAGES_MAX);
  shrink_heap(FORKPAGES_HEAP);
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "share", test_share },
  { "threeway", test_threeway },
  { "readpipe", test_readpipe },
  { "readfile", test_readfile },
  { "storm", test_storm },
  { "orphan", test_orphan },
  { "nomem", test_nomem },
  { "text", test_text },
  { "forkpages", test_forkpages },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Wait until free pages are back to want (orphans are reaped by init); the last count. */
static uint64
settled_free_pages(uint64 want)
{
  uint64 now = free_pages();

  for (int waited = 0; now != want && waited < SETTLE_LIMIT; waited++) {
    sleep(1);
    now = free_pages();
  }
  return now;
}

/* Run one test in a child, under a watchdog; return whether it passed. */
static int
run_test(const struct test *t, const char *token)
{
  uint64 before = free_pages();
  int pid = fork();

  if (pid < 0) {
    printf("cowtest: %s: FAILED: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    t->run();
    exit(0);
  }
  int watchdog = fork();
  if (watchdog == 0) {
    sleep(TEST_LIMIT);
    exit(0);
  }
  int status = -1;
  int first = wait(&status);
  if (first == watchdog) {
    kill(pid);
    wait(0);
    printf("cowtest: %s: FAILED: still running after %d ticks\n", t->name, TEST_LIMIT);
    return 0;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  if (status != 0) {
    if (status != 1)
      printf("cowtest: %s: FAILED: the test process died (exit status %d)\n",
             t->name, status);
    return 0;
  }
  uint64 after = settled_free_pages(before);
  if (after != before) {
    printf("cowtest: %s: FAILED: %d pages free before, %d after\n", t->name,
           (int)before, (int)after);
    return 0;
  }
  printf("cowtest: %s OK%s%s\n", t->name, *token ? " " : "", token);
  return 1;
}

static const struct test *
find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int
main(int argc, char *argv[])
{
  char token[64];
  int failed = 0;

  for (int i = 1; i < argc; i++) {
    if (find_test(argv[i]) == 0) {
      fprintf(2, "cowtest: no test called %s; the tests are:", argv[i]);
      for (int j = 0; j < NTESTS; j++)
        fprintf(2, " %s", tests[j].name);
      fprintf(2, "\n");
      exit(2);
    }
  }
  gradetoken(token, sizeof(token));
  if (argc == 1) {
    for (int i = 0; i < NTESTS; i++)
      failed += !run_test(&tests[i], token);
  } else {
    for (int i = 1; i < argc; i++)
      failed += !run_test(find_test(argv[i]), token);
  }
  if (failed)
    printf("cowtest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
