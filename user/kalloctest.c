/*
 * kalloctest [TEST...]: check the physical page allocator with every hart
 * at work (locks lab). With no argument every test runs; otherwise only the
 * named ones, each in a child process of its own under a watchdog.
 *
 *   contention  processes on every hart allocate and free pages at the same
 *               time; the test-and-sets of the kmem locks, as the
 *               statistics device counts them, must grow by fewer than 10
 *   rounds      round after round of processes that take memory at once
 *               and exit: afterwards every page is free again
 *   steal       with free pages spread over every hart, one process takes
 *               nearly all of them: a hart must find pages wherever they are
 *   share       several processes take most of memory at the same time,
 *               stealing from each other: no page goes to two of them, and
 *               every page comes back
 *
 * A test that passes prints "kalloctest: NAME OK", followed by the
 * grader's token when there is one. Lock contention needs several harts
 * (make qemu CPUS=3); run the tests on an otherwise idle system.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define TEST_LIMIT 18000 /* ticks (3 min) before the watchdog stops a test */

#define HOGS 3           /* processes at work at once: one a hart with CPUS=3 */
#define HOG_ROUNDS 50000 /* page allocations and frees by each in `contention` */
#define MAX_KMEM_TAS 10  /* the kmem test-and-sets `contention` allows */
#define ROUNDS 30        /* rounds of `rounds` */
#define ROUND_PAGES 300  /* pages each process takes in a round */
/* Pages left to others by `steal` and `share`: page tables, kernel stacks, the shell. */
#define SLACK 400

static const char *test_name = "?";

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("kalloctest: %s: FAILED: ", test_name);                      \
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

/* Each open of the device gets a fresh snapshot; this holds the last one read. */
static char stats[8192];

static void read_stats(void)
{
  int n = statistics(stats, sizeof(stats) - 1);
  CHECK(n > 0, "cannot read /statistics");
  stats[n] = 0;
}

/* Where the line after `line` starts, or 0 after the last line. */
static char *next_line(char *line)
{
  char *end = strchr(line, '\n');
  return end ? end + 1 : 0;
}

/*
 * The sum of "#test-and-set N" over the lines "lock: PREFIX...: ..." of the
 * lab's report, which ends at the "--- top" line (the locks listed there
 * are listed above it too).
 */
static int test_and_sets(const char *prefix)
{
  int total = 0, found = 0, len = strlen(prefix);
  read_stats();
  for (char *line = stats; line && memcmp(line, "--- top", 7) != 0; line = next_line(line)) {
    if (memcmp(line, "lock: ", 6) != 0 || memcmp(line + 6, prefix, len) != 0)
      continue;
    char *count = line;
    while (*count != '\n' && *count != 0 && memcmp(count, "#test-and-set ", 14) != 0)
      count++;
    CHECK(*count == '#', "/statistics: no \"#test-and-set N\" on a line of lock %s", prefix);
    total += atoi(count + 14);
    found = 1;
  }
  CHECK(found, "/statistics has no line \"lock: %s...: #test-and-set N #acquire() M\"", prefix);
  return total;
}

/* The number on the line "freepages N". */
static int freepages(void)
{
  read_stats();
  for (char *line = stats; line; line = next_line(line))
    if (memcmp(line, "freepages ", 10) == 0)
      return atoi(line + 10);
  FAIL("/statistics has no line \"freepages N\"");
}

/* The free-page count once it is back to want, or what it stays at. */
static int freepages_settled(int want)
{
  int n = freepages();
  /* Exited children are reaped by their parent's wait(), but a zombie's
     last pages may go a moment later; give them a second. */
  for (int tries = 0; n != want && tries < 10; tries++) {
    sleep(10);
    n = freepages();
  }
  return n;
}

/* ---- helpers ---- */

static int fork_or_fail(void)
{
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  return pid;
}

/* Wait for n children; all must exit with 0. */
static void wait_children(int n, const char *what)
{
  int failed = 0;
  for (int i = 0; i < n; i++) {
    int status = -1;
    CHECK(wait(&status) > 0, "wait failed with %d of %d children of %s left", n - i, n, what);
    failed += status != 0;
  }
  CHECK(failed == 0, "%d of %d children of %s failed", failed, n, what);
}

/*
 * Take npages more pages of memory, and write into every one of them the
 * stamp of its owner and its number, so that a page handed out twice shows.
 */
static uint64 *take_pages(int npages, int owner)
{
  char *start = sbrk(npages * PGSIZE);
  CHECK(start != (char *)-1, "sbrk(%d pages) failed: are the free pages not found?", npages);
  for (int i = 0; i < npages; i++) {
    uint64 *page = (uint64 *)(start + (uint64)i * PGSIZE);
    page[0] = ((uint64)owner << 32) | i;
    page[PGSIZE / sizeof(uint64) - 1] = ~page[0];
  }
  return (uint64 *)start;
}

/* Every page take_pages() stamped must still hold its stamp. */
static void check_pages(uint64 *start, int npages, int owner)
{
  for (int i = 0; i < npages; i++) {
    uint64 *page = (uint64 *)((char *)start + (uint64)i * PGSIZE);
    uint64 want = ((uint64)owner << 32) | i;
    CHECK(page[0] == want && page[PGSIZE / sizeof(uint64) - 1] == ~want,
          "page %d of process %d holds the stamp 0x%lx: another process was given it too",
          i, owner, page[0]);
  }
}

/* ---- the tests ---- */

/* Allocate and free one page, again and again (a page-table page may come and go too). */
static void hog(void)
{
  for (int i = 0; i < HOG_ROUNDS; i++) {
    char *page = sbrk(PGSIZE);
    CHECK(page != (char *)-1, "sbrk(PGSIZE) failed in round %d", i);
    page[PGSIZE - 1] = (char)i;
    CHECK(sbrk(-PGSIZE) == page + PGSIZE, "sbrk(-PGSIZE) failed in round %d", i);
  }
  exit(0);
}

static void test_contention(void)
{
  int before = test_and_sets("kmem");
  for (int i = 0; i < HOGS; i++)
    if (fork_or_fail() == 0)
      hog();
  wait_children(HOGS, "contention");
  int tas = test_and_sets("kmem") - before;
  printf("kalloctest: contention: %d test-and-sets of kmem locks (%d processes x %d "
         "allocations)\n", tas, HOGS, HOG_ROUNDS);
  CHECK(tas < MAX_KMEM_TAS, "%d test-and-sets found a kmem lock taken; fewer than %d "
        "are allowed: do the harts still share a lock?", tas, MAX_KMEM_TAS);
}

static void test_rounds(void)
{
  int before = freepages();
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < HOGS; i++) {
      if (fork_or_fail() == 0) {
        uint64 *pages = take_pages(ROUND_PAGES, getpid());
        check_pages(pages, ROUND_PAGES, getpid());
        exit(0);
      }
    }
    wait_children(HOGS, "a round");
  }
  int after = freepages_settled(before);
  CHECK(after == before, "%d free pages before %d rounds, %d after", before, ROUNDS, after);
}

/* Spread the free pages over the harts: processes on all of them take and free some. */
static void spread_pages(void)
{
  int each = freepages() / (HOGS + 2);
  for (int i = 0; i < HOGS; i++) {
    if (fork_or_fail() == 0) {
      take_pages(each, getpid());
      exit(0);
    }
  }
  wait_children(HOGS, "spreading the pages");
}

static void test_steal(void)
{
  spread_pages();
  int before = freepages();
  int npages = before - SLACK;
  if (fork_or_fail() == 0) {
    uint64 *pages = take_pages(npages, getpid());
    check_pages(pages, npages, getpid());
    exit(0);
  }
  wait_children(1, "steal");
  int after = freepages_settled(before);
  CHECK(after == before, "%d free pages before one process took %d, %d after", before, npages,
        after);
}

static void test_share(void)
{
  spread_pages();
  int before = freepages();
  int each = (before - SLACK) / HOGS;
  for (int i = 0; i < HOGS; i++) {
    if (fork_or_fail() == 0) {
      uint64 *pages = take_pages(each, getpid());
      check_pages(pages, each, getpid());
      exit(0);
    }
  }
  wait_children(HOGS, "share");
  int after = freepages_settled(before);
  CHECK(after == before, "%d free pages before %d processes took %d each, %d after", before,
        HOGS, each, after);
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "contention", test_contention },
  { "rounds", test_rounds },
  { "steal", test_steal },
  { "share", test_share },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run one test in a child, under a watchdog; return whether it passed. */
static int run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("kalloctest: %s: FAILED: fork failed\n", t->name);
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
    printf("kalloctest: %s: FAILED: still running after %d ticks\n", t->name, TEST_LIMIT);
    return 0;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("kalloctest: %s: FAILED: the test process died (exit status %d)\n", t->name,
             status);
    return 0;
  }
  printf("kalloctest: %s OK%s%s\n", t->name, *token ? " " : "", token);
  return 1;
}

static const struct test *find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int main(int argc, char *argv[])
{
  char token[64];
  int failed = 0;

  for (int i = 1; i < argc; i++) {
    if (find_test(argv[i]) == 0) {
      fprintf(2, "kalloctest: no test called %s; the tests are:", argv[i]);
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
    printf("kalloctest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
