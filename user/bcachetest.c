/*
 * bcachetest [TEST...]: check the buffer cache with every hart at work
 * (locks lab). With no argument every test runs; otherwise only the named
 * ones, each in a child process of its own under a watchdog.
 *
 *   contention  processes on every hart read files of their own at the same
 *               time, a byte at a time, so that every read looks its block
 *               up; the test-and-sets of the bcache locks, as the
 *               statistics device counts them, must grow by fewer than 500
 *   evict       processes read and write files of many more blocks than the
 *               cache has buffers, so that buffers are recycled all the
 *               time: every block read holds what was written to it
 *   churn       processes create, write, read back and remove files in one
 *               directory at the same time; the blocks they share (the
 *               directory's, the inodes', the free bitmap) must never be
 *               cached twice, or one process's change is lost
 *
 * A test that passes prints "bcachetest: NAME OK", followed by the
 * grader's token when there is one. Lock contention needs several harts
 * (make qemu CPUS=3); run the tests on an otherwise idle system.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"

#define TEST_LIMIT 18000    /* ticks (3 min) before the watchdog stops a test */

#define READERS 3           /* processes at work at once: one a hart with CPUS=3 */
/* The size of each reader's file. Made one after the other in a new
   directory, on a fresh disk the files get consecutive blocks: the 12 of
   them fall into 12 different buckets of a hash by block number with 13
   or more buckets, so readers share no bucket while they read. */
#define READ_BLOCKS 4
#define READ_PASSES 24      /* times each reader reads its file */
#define MAX_BCACHE_TAS 500  /* the bcache test-and-sets `contention` allows */
#if LAB_BIGFILE
/*
 * With large files the cache has hundreds of buffers, more than a file
 * holds through its singly-indirect block, which is all the bigfile lab's
 * starter can write: more evictors, each with a file of that size.
 */
#define EVICT_BLOCKS (NDIRECT + NINDIRECT)
#define EVICTORS ((3 * NBUF + EVICT_BLOCKS - 1) / EVICT_BLOCKS)
#else
#define EVICTORS 2          /* processes in `evict` */
#define EVICT_BLOCKS (3 * NBUF)  /* the size of each of their files */
#endif
#define EVICT_PASSES 3
#define CHURNERS 4          /* processes in `churn` */
#define CHURN_FILES 12      /* files each of them makes */
#define CHURN_BLOCKS 4      /* the size of each file */

static const char *test_name = "?";

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("bcachetest: %s: FAILED: ", test_name);                      \
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

/* ---- files whose every block says which it is ---- */

/* The byte at offset i of block `block` of the file of `owner`. */
static char block_byte(int owner, int block, int i)
{
  return (char)(owner * 71 + block * 13 + i * 7 + (i >> 8));
}

static void fill_block(char *buf, int owner, int block)
{
  for (int i = 0; i < BSIZE; i++)
    buf[i] = block_byte(owner, block, i);
}

static void write_file(const char *path, int owner, int nblocks)
{
  char buf[BSIZE];
  int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(fd >= 0, "cannot create %s", path);
  for (int b = 0; b < nblocks; b++) {
    fill_block(buf, owner, b);
    CHECK(write(fd, buf, BSIZE) == BSIZE, "writing block %d of %s failed", b, path);
  }
  close(fd);
}

/* Read the file back a block at a time; every block must be the one written. */
static void check_file(const char *path, int owner, int nblocks)
{
  char buf[BSIZE];
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", path);
  for (int b = 0; b < nblocks; b++) {
    CHECK(read(fd, buf, BSIZE) == BSIZE, "reading block %d of %s failed", b, path);
    for (int i = 0; i < BSIZE; i++)
      CHECK(buf[i] == block_byte(owner, b, i), "byte %d of block %d of %s is wrong: the "
            "cache gave back another block's data", i, b, path);
  }
  CHECK(read(fd, buf, 1) == 0, "%s is longer than the %d blocks written", path, nblocks);
  close(fd);
}

/* "NAME" followed by the number n, into buf. */
static char *numbered(char *buf, const char *name, int n)
{
  int len = strlen(name);
  memmove(buf, name, len);
  buf[len] = '0' + n / 10;
  buf[len + 1] = '0' + n % 10;
  buf[len + 2] = 0;
  return buf;
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

/* ---- the tests ---- */

/* Read the file a byte at a time, passes times: a block lookup per byte. */
static void read_bytewise(const char *path, int passes)
{
  char c;
  for (int pass = 0; pass < passes; pass++) {
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "cannot open %s", path);
    for (int i = 0; i < READ_BLOCKS * BSIZE; i++)
      CHECK(read(fd, &c, 1) == 1, "reading byte %d of %s failed", i, path);
    close(fd);
  }
  exit(0);
}

static void test_contention(void)
{
  char path[16];
  CHECK(mkdir("bct.rd") == 0, "cannot make the directory bct.rd");
  for (int i = 0; i < READERS; i++)
    write_file(numbered(path, "bct.rd/f", i), i, READ_BLOCKS);

  int before = test_and_sets("bcache");
  for (int i = 0; i < READERS; i++)
    if (fork_or_fail() == 0)
      read_bytewise(numbered(path, "bct.rd/f", i), READ_PASSES);
  wait_children(READERS, "contention");
  int tas = test_and_sets("bcache") - before;

  for (int i = 0; i < READERS; i++)
    unlink(numbered(path, "bct.rd/f", i));
  unlink("bct.rd");
  printf("bcachetest: contention: %d test-and-sets of bcache locks (%d processes x %d "
         "one-byte reads)\n", tas, READERS, READ_PASSES * READ_BLOCKS * BSIZE);
  CHECK(tas < MAX_BCACHE_TAS, "%d test-and-sets found a bcache lock taken; fewer than %d "
        "are allowed: do lookups of different blocks still share a lock?", tas,
        MAX_BCACHE_TAS);
}

/* Write a big file, then read it back again and again while others do too. */
static void evictor(int me)
{
  char path[16];
  numbered(path, "bct.big", me);
  write_file(path, me, EVICT_BLOCKS);
  for (int pass = 0; pass < EVICT_PASSES; pass++)
    check_file(path, me, EVICT_BLOCKS);
  CHECK(unlink(path) == 0, "cannot remove %s", path);
  exit(0);
}

static void test_evict(void)
{
  for (int i = 0; i < EVICTORS; i++)
    if (fork_or_fail() == 0)
      evictor(i);
  wait_children(EVICTORS, "evict");
}

/* Make files in the shared directory, check them, remove them. */
static void churner(int me)
{
  char path[32];
  for (int f = 0; f < CHURN_FILES; f++) {
    numbered(path, "bct.dir/x", me * CHURN_FILES + f);
    write_file(path, me * CHURN_FILES + f, CHURN_BLOCKS);
  }
  for (int f = 0; f < CHURN_FILES; f++) {
    numbered(path, "bct.dir/x", me * CHURN_FILES + f);
    check_file(path, me * CHURN_FILES + f, CHURN_BLOCKS);
    CHECK(unlink(path) == 0, "cannot remove %s", path);
  }
  exit(0);
}

static void test_churn(void)
{
  CHECK(mkdir("bct.dir") == 0, "cannot make the directory bct.dir");
  for (int i = 0; i < CHURNERS; i++)
    if (fork_or_fail() == 0)
      churner(i);
  wait_children(CHURNERS, "churn");
  CHECK(unlink("bct.dir") == 0, "cannot remove bct.dir: is a file of it left?");
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "contention", test_contention },
  { "evict", test_evict },
  { "churn", test_churn },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run one test in a child, under a watchdog; return whether it passed. */
static int run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("bcachetest: %s: FAILED: fork failed\n", t->name);
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
    printf("bcachetest: %s: FAILED: still running after %d ticks\n", t->name, TEST_LIMIT);
    return 0;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("bcachetest: %s: FAILED: the test process died (exit status %d)\n", t->name,
             status);
    return 0;
  }
  printf("bcachetest: %s OK%s%s\n", t->name, *token ? " " : "", token);
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
      fprintf(2, "bcachetest: no test called %s; the tests are:", argv[i]);
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
    printf("bcachetest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
