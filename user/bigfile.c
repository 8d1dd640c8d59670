/*
 * bigfile [TEST...]: check files of the largest size, and a disk that
 * fills up in the middle of a write.
 *
 *   max   writes a file of MAXFILE blocks, one block per write(), and
 *         prints "wrote N blocks" as the classic bigfile test does; a
 *         write past the end must fail; every block is read back (RUN
 *         blocks a read) and checked; after unlink every block of it is
 *         free again.
 *   full  writes files until the disk is full, which happens in the
 *         middle of a write far into the doubly-indirect blocks; the
 *         write must stop short without harm, the data written must read
 *         back, and after unlink every block is free again.
 *   keep  writes a file that reaches a few blocks into the doubly-indirect
 *         ones, checks that it takes exactly its data and indirect blocks,
 *         that O_TRUNC gives them all back, and writes it again; it leaves
 *         the file, /bigfile.kept, for a file-system checker to look at.
 *
 * With no argument every test runs; otherwise only the named ones. A test
 * that passes prints "bigfile: NAME OK", followed by the grader's token
 * when there is one; one that fails says why. Free blocks are counted by
 * the kernel and read from the statistics device ("freeblocks N").
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"

#define FILE_A "bigfile.a"
#define FILE_B "bigfile.b"
#define KEPT "/bigfile.kept"

/* The kept file: through the direct, the singly-indirect and three doubly-indirect levels. */
#define KEPT_BLOCKS ((int)(NDIRECT + NINDIRECT + 2 * NINDIRECT + 5))

/* Blocks moved per read(), and per write() but in "max": fewer system calls than one a block. */
#define RUN 32

static const char *test_name = "?";
static char block[RUN * BSIZE];
static char stats[4096];

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("bigfile: %s: FAILED: ", test_name);                         \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

/* ---- helpers ---- */

static int
starts_with(const char *s, const char *prefix)
{
  while (*prefix && *s == *prefix) {
    s++;
    prefix++;
  }
  return *prefix == 0;
}

/* The number after "freeblocks " in the statistics text. */
static int
free_blocks(void)
{
  int n = statistics(stats, sizeof(stats) - 1);
  if (n < 0)
    FAIL("cannot read /statistics");
  stats[n] = 0;
  for (char *line = stats; *line; ) {
    if (starts_with(line, "freeblocks "))
      return atoi(line + 11);
    char *end = strchr(line, '\n');
    if (end == 0)
      break;
    line = end + 1;
  }
  FAIL("/statistics has no \"freeblocks N\" line");
}

/* Fill buf (one block) with what block number bn of file seed holds. */
static void
fill(char *buf, int seed, int bn)
{
  int *words = (int *)buf;
  for (int i = 0; i < BSIZE / sizeof(int); i++)
    words[i] = seed * 0x01000193 + bn * 31 + i;
}

/* Is buf what block bn of file seed holds? */
static int
holds(const char *buf, int seed, int bn)
{
  const int *words = (const int *)buf;
  for (int i = 0; i < BSIZE / sizeof(int); i++)
    if (words[i] != seed * 0x01000193 + bn * 31 + i)
      return 0;
  return 1;
}

static int
file_size(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    FAIL("fstat failed");
  return st.size;
}

/* Read path back, RUN blocks a read(), and check that it is blocks blocks of file seed. */
static void
check_contents(const char *path, int seed, int blocks)
{
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    FAIL("cannot open %s to read it back", path);
  for (int bn = 0; bn < blocks; bn += RUN) {
    int want = blocks - bn < RUN ? blocks - bn : RUN;
    int n = read(fd, block, want * BSIZE);
    if (n != want * BSIZE)
      FAIL("%s: reading %d blocks from block %d returned %d bytes", path, want, bn, n);
    for (int i = 0; i < want; i++)
      if (!holds(block + i * BSIZE, seed, bn + i))
        FAIL("%s: block %d holds the wrong data", path, bn + i);
  }
  if (read(fd, block, BSIZE) != 0)
    FAIL("%s: more than %d blocks to read", path, blocks);
  close(fd);
}

static void
check_all_free(int before)
{
  int after = free_blocks();
  if (after != before)
    FAIL("%d blocks were free before, %d after unlink: %d lost", before, after,
         before - after);
}

/* ---- the tests ---- */

static void
test_max(void)
{
  int before = free_blocks();
  int fd = open(FILE_A, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    FAIL("cannot create %s", FILE_A);

  int blocks = 0;
  for (;;) {
    fill(block, 1, blocks);
    if (write(fd, block, BSIZE) != BSIZE)
      break;
    blocks++;
  }
  printf("wrote %d blocks\n", blocks);
  if (blocks != MAXFILE)
    FAIL("the file took %d blocks; the largest file has %d", blocks, (int)MAXFILE);
  if (write(fd, block, 1) != -1)
    FAIL("a write past the largest file did not fail");
  if (file_size(fd) != MAXFILE * BSIZE)
    FAIL("the file's size is %d, not %d", file_size(fd), (int)(MAXFILE * BSIZE));
  close(fd);

  check_contents(FILE_A, 1, blocks);
  if (unlink(FILE_A) < 0)
    FAIL("cannot unlink %s", FILE_A);
  check_all_free(before);
}

/* Append blocks of file seed to fd, RUN at a time, until a write falls short; the blocks written. */
static int
write_until_full(int fd, int seed, int limit)
{
  int blocks = 0;
  while (blocks < limit) {
    int want = limit - blocks < RUN ? limit - blocks : RUN;
    for (int i = 0; i < want; i++)
      fill(block + i * BSIZE, seed, blocks + i);
    int n = write(fd, block, want * BSIZE);
    if (n > 0)
      blocks += n / BSIZE;
    if (n != want * BSIZE) {
      if (n > 0 && n % BSIZE != 0)
        FAIL("a write stopped in the middle of a block (%d bytes)", n);
      break;
    }
  }
  return blocks;
}

static void
test_full(void)
{
  int before = free_blocks();
  int a = open(FILE_A, O_CREATE | O_TRUNC | O_WRONLY);
  int b = open(FILE_B, O_CREATE | O_TRUNC | O_WRONLY);
  if (a < 0 || b < 0)
    FAIL("cannot create %s and %s", FILE_A, FILE_B);

  /* The first file takes most of the disk; the second fills it up. */
  int blocks_a = write_until_full(a, 2, MAXFILE);
  if (blocks_a != MAXFILE)
    FAIL("the first file stopped growing at %d blocks, with %d blocks of the disk "
         "free: it should have reached %d", blocks_a, free_blocks(), (int)MAXFILE);
  int blocks_b = write_until_full(b, 3, MAXFILE);
  if (blocks_b == MAXFILE)
    FAIL("two files of %d blocks fit: the disk is too big for this test", (int)MAXFILE);
  if (blocks_b <= NDIRECT + NINDIRECT)
    FAIL("the disk filled up after %d blocks of the second file, before its "
         "doubly-indirect blocks", blocks_b);
  if (free_blocks() != 0)
    FAIL("a write fell short with %d blocks still free", free_blocks());
  if (write(b, block, BSIZE) != -1)
    FAIL("a write to a full disk did not fail");
  if (file_size(a) != blocks_a * BSIZE || file_size(b) != blocks_b * BSIZE)
    FAIL("the files' sizes are not the blocks written");
  close(a);
  close(b);
  printf("bigfile: the disk filled up in block %d of the second file\n", blocks_b);

  check_contents(FILE_B, 3, blocks_b);
  if (unlink(FILE_A) < 0 || unlink(FILE_B) < 0)
    FAIL("cannot unlink the files");
  check_all_free(before);
}

/* The indirect blocks a file of blocks data blocks needs. */
static int
indirect_blocks(int blocks)
{
  int beyond = blocks - NDIRECT - NINDIRECT;
  if (blocks <= NDIRECT)
    return 0;
  if (beyond <= 0)
    return 1;
  return 2 + (beyond + NINDIRECT - 1) / NINDIRECT;
}

/* Write KEPT anew (O_TRUNC) as file seed; check the blocks it takes from free_before. */
static void
write_kept(int seed, int free_before)
{
  int fd = open(KEPT, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    FAIL("cannot create %s", KEPT);
  if (free_blocks() != free_before)
    FAIL("O_TRUNC left %d blocks of the old file in use", free_before - free_blocks());
  int blocks = write_until_full(fd, seed, KEPT_BLOCKS);
  close(fd);
  if (blocks != KEPT_BLOCKS)
    FAIL("only %d of %d blocks could be written", blocks, KEPT_BLOCKS);
  int used = free_before - free_blocks();
  int want = KEPT_BLOCKS + indirect_blocks(KEPT_BLOCKS);
  if (used != want)
    FAIL("a file of %d blocks took %d blocks of the disk; it needs %d (%d of them indirect)",
         KEPT_BLOCKS, used, want, want - KEPT_BLOCKS);
  check_contents(KEPT, seed, blocks);
}

static void
test_keep(void)
{
  unlink(KEPT);
  int before = free_blocks();
  write_kept(4, before);
  write_kept(5, before);
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "max", test_max },
  { "full", test_full },
  { "keep", test_keep },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run one test in a child; return whether it passed. */
static int
run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("bigfile: %s: FAILED: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    t->run();
    exit(0);
  }
  int status = -1;
  wait(&status);
  unlink(FILE_A);
  unlink(FILE_B);
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("bigfile: %s: FAILED: the test process died (exit status %d)\n",
             t->name, status);
    return 0;
  }
  printf("bigfile: %s OK%s%s\n", t->name, *token ? " " : "", token);
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
      fprintf(2, "bigfile: no test called %s; the tests are:", argv[i]);
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
    printf("bigfile: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
