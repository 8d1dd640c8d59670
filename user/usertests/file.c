/*
 * File semantics: creating, truncating, offsets, end of file, links and
 * link counts, unlinking open files, fstat, device nodes, and several
 * processes writing at once.
 */
#include "user/usertests/usertests.h"

#define F1 "ut_file1"
#define F2 "ut_file2"

static void remove_files(void)
{
  unlink(F1);
  unlink(F2);
}

static void expect_contents(char *name, char *path, char *expected)
{
  int n = read_file(name, path, scratch2, SCRATCH - 1);
  scratch2[n] = 0;
  CHECK(name, strcmp(scratch2, expected) == 0, "%s holds \"%s\", expected \"%s\"",
        path, scratch2, expected);
}

static struct stat stat_of(char *name, int fd)
{
  struct stat st;
  CHECK(name, fstat(fd, &st) == 0, "fstat(%d) failed", fd);
  return st;
}

void test_smallfile(char *name)
{
  on_failure(remove_files);
  unlink(F1);
  int fd = open(F1, O_CREATE | O_RDWR);
  CHECK(name, fd >= 0, "cannot create %s", F1);
  for (int i = 0; i < 50; i++)
    CHECK(name, write(fd, "0123456789", 10) == 10, "write %d failed", i);
  close(fd);
  fd = open(F1, O_RDONLY);
  CHECK(name, fd >= 0, "cannot reopen %s", F1);
  int total = 0, n;
  char buf[64];
  while ((n = read(fd, buf, 7)) > 0) {
    for (int i = 0; i < n; i++)
      CHECK(name, buf[i] == '0' + (total + i) % 10, "byte %d is wrong", total + i);
    total += n;
  }
  close(fd);
  CHECK(name, total == 500, "read back %d of 500 bytes", total);
  CHECK(name, unlink(F1) == 0, "unlink failed");
  CHECK(name, open(F1, O_RDONLY) == -1, "the file can still be opened after unlink");
}

void test_trunc(char *name)
{
  on_failure(remove_files);
  write_file(name, F1, scratch, 3000);
  int fd = open(F1, O_WRONLY | O_TRUNC);
  CHECK(name, fd >= 0, "open with O_TRUNC failed");
  struct stat st = stat_of(name, fd);
  CHECK(name, st.size == 0, "O_TRUNC left the size at %d", (int)st.size);
  CHECK(name, write(fd, "new", 3) == 3, "write after truncation failed");
  close(fd);
  expect_contents(name, F1, "new");

  /* Truncating a big file frees its blocks: many rounds must not fill the disk. */
  for (int i = 0; i < 40; i++) {
    fd = open(F1, O_CREATE | O_WRONLY | O_TRUNC);
    CHECK(name, fd >= 0 && write(fd, scratch, SCRATCH) == SCRATCH,
          "round %d of write-then-truncate failed", i);
    close(fd);
  }
  remove_files();
}

void test_createexisting(char *name)
{
  on_failure(remove_files);
  write_file(name, F1, "keep me", 7);
  int fd = open(F1, O_CREATE | O_RDWR);
  CHECK(name, fd >= 0, "O_CREATE of an existing file failed");
  char buf[8];
  CHECK(name, read(fd, buf, 7) == 7 && memcmp(buf, "keep me", 7) == 0,
        "O_CREATE without O_TRUNC lost the contents");
  close(fd);
  struct stat st;
  CHECK(name, stat(F1, &st) == 0 && st.nlink == 1, "O_CREATE made a second link");
  remove_files();
}

void test_readeof(char *name)
{
  char buf[32];
  on_failure(remove_files);
  write_file(name, F1, "abc", 3);
  int fd = open(F1, O_RDONLY);
  CHECK(name, read(fd, buf, sizeof(buf)) == 3, "short file read wrong");
  for (int i = 0; i < 3; i++)
    CHECK(name, read(fd, buf, sizeof(buf)) == 0, "read at end of file returned data");
  close(fd);
  write_file(name, F2, "", 0);
  fd = open(F2, O_RDONLY);
  CHECK(name, read(fd, buf, sizeof(buf)) == 0, "read of an empty file returned data");
  close(fd);
  remove_files();
}

void test_writeoffset(char *name)
{
  on_failure(remove_files);
  int fd = open(F1, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(name, fd >= 0, "cannot create %s", F1);
  CHECK(name, write(fd, "abc", 3) == 3 && write(fd, "def", 3) == 3, "writes failed");
  close(fd);
  expect_contents(name, F1, "abcdef");

  fd = open(F1, O_WRONLY);  /* no O_TRUNC: overwrite from the start */
  CHECK(name, write(fd, "XY", 2) == 2, "overwrite failed");
  close(fd);
  expect_contents(name, F1, "XYcdef");

  /* Writes that cross block boundaries land where the offset says. */
  fd = open(F1, O_CREATE | O_TRUNC | O_RDWR);
  for (int i = 0; i < 5; i++) {
    fill_pattern(scratch, 777, 4, i * 777);
    CHECK(name, write(fd, scratch, 777) == 777, "write %d failed", i);
  }
  close(fd);
  int n = read_file(name, F1, scratch2, SCRATCH);
  CHECK(name, n == 5 * 777, "file has %d bytes, expected %d", n, 5 * 777);
  for (int i = 0; i < n; i++)
    CHECK(name, scratch2[i] == pattern_byte(4, i), "byte %d is wrong", i);
  remove_files();
}

/* An unlinked file lives on while a descriptor refers to it. */
void test_unlinkopen(char *name)
{
  on_failure(remove_files);
  write_file(name, F1, "still here", 10);
  int fd = open(F1, O_RDWR);
  CHECK(name, fd >= 0, "cannot open %s", F1);
  CHECK(name, unlink(F1) == 0, "unlink of an open file failed");
  CHECK(name, open(F1, O_RDONLY) == -1, "the unlinked name still opens");
  CHECK(name, stat_of(name, fd).nlink == 0, "an unlinked file has links");
  char buf[16];
  CHECK(name, read(fd, buf, 10) == 10 && memcmp(buf, "still here", 10) == 0,
        "the unlinked file's data is gone while open");
  CHECK(name, write(fd, "!", 1) == 1, "write to the unlinked file failed");

  /* The name can be reused at once for an unrelated file. */
  write_file(name, F1, "new", 3);
  expect_contents(name, F1, "new");
  close(fd);
  expect_contents(name, F1, "new");
  remove_files();
}

void test_linkcount(char *name)
{
  struct stat a, b;
  on_failure(remove_files);
  unlink(F2);
  write_file(name, F1, "shared", 6);
  CHECK(name, stat(F1, &a) == 0, "stat of a new file failed");
  CHECK(name, a.nlink == 1, "a new file has %d links", a.nlink);
  CHECK(name, link(F1, F2) == 0, "link failed");
  CHECK(name, stat(F1, &a) == 0 && stat(F2, &b) == 0, "stat after link failed");
  CHECK(name, a.ino == b.ino && a.nlink == 2 && b.nlink == 2,
        "after link: inodes %d, %d with %d, %d links", a.ino, b.ino, a.nlink, b.nlink);
  CHECK(name, link(F1, F2) == -1, "link onto an existing name worked");
  expect_contents(name, F2, "shared");

  write_file(name, F2, "changed", 7);
  expect_contents(name, F1, "changed");
  CHECK(name, unlink(F1) == 0, "unlink of the first name failed");
  CHECK(name, stat(F2, &b) == 0, "stat of the remaining name failed");
  CHECK(name, b.nlink == 1, "one link left, but nlink is %d", b.nlink);
  expect_contents(name, F2, "changed");
  remove_files();
}

void test_fstatinfo(char *name)
{
  struct stat st, root;
  on_failure(remove_files);
  write_file(name, F1, scratch, 1234);
  int fd = open(F1, O_RDONLY);
  st = stat_of(name, fd);
  CHECK(name, st.type == T_FILE && st.size == 1234 && st.nlink == 1,
        "file: type %d size %d links %d", st.type, (int)st.size, st.nlink);
  close(fd);
  struct stat by_name;
  CHECK(name, stat(F1, &by_name) == 0 && by_name.ino == st.ino, "stat and fstat disagree");

  fd = open("/", O_RDONLY);
  root = stat_of(name, fd);
  close(fd);
  CHECK(name, root.type == T_DIR && root.ino == ROOTINO, "/ has type %d inode %d",
        root.type, root.ino);
  CHECK(name, root.size >= 2 * sizeof(struct dirent) && root.size % sizeof(struct dirent) == 0,
        "/ has size %d", (int)root.size);

  fd = open("/statistics", O_RDONLY);
  CHECK(name, fd >= 0, "cannot open /statistics");
  st = stat_of(name, fd);
  close(fd);
  CHECK(name, st.type == T_DEVICE, "/statistics has type %d, not T_DEVICE", st.type);
  remove_files();
}

/* Device nodes with no driver behind them must fail cleanly. */
void test_mknodbad(char *name)
{
  short majors[] = {NDEV, 99, -1};
  char buf[4];

  on_failure(remove_files);
  for (int i = 0; i < 3; i++) {
    unlink(F1);
    if (mknod(F1, majors[i], 0) < 0)
      continue;
    /* Refusing to open a node with no driver is as good as failing its reads. */
    int fd = open(F1, O_RDWR);
    if (fd >= 0) {
      struct stat st;
      CHECK(name, fstat(fd, &st) == 0 && st.type == T_DEVICE, "mknod did not make a device");
      CHECK(name, read(fd, buf, 1) == -1, "read of device major %d worked", majors[i]);
      CHECK(name, write(fd, "x", 1) == -1, "write to device major %d worked", majors[i]);
      close(fd);
    }
    CHECK(name, unlink(F1) == 0, "unlink of a device node failed");
  }
  write_file(name, F2, "x", 1);
  CHECK(name, mknod(F2, 1, 0) == -1, "mknod over an existing file worked");
  remove_files();
}

/* Processes appending through one shared descriptor: nothing overwritten. */
void test_sharedfd(char *name)
{
  enum { KIDS = 4, WRITES = 100, LEN = 10 };
  on_failure(remove_files);
  int fd = open(F1, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(name, fd >= 0, "cannot create %s", F1);
  for (int k = 0; k < KIDS; k++) {
    if (fork_or_fail(name) == 0) {
      char buf[LEN];
      memset(buf, 'a' + k, LEN);
      for (int i = 0; i < WRITES; i++)
        if (write(fd, buf, LEN) != LEN)
          exit(1);
      exit(0);
    }
  }
  for (int k = 0; k < KIDS; k++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a writer failed");
  }
  close(fd);

  int counts[KIDS] = {0};
  int in = open(F1, O_RDONLY), n, total = 0;
  while ((n = read(in, scratch2, SCRATCH)) > 0) {
    for (int i = 0; i < n; i++) {
      int k = scratch2[i] - 'a';
      CHECK(name, k >= 0 && k < KIDS, "a byte nobody wrote");
      counts[k]++;
    }
    total += n;
  }
  close(in);
  CHECK(name, total == KIDS * WRITES * LEN, "file has %d bytes, expected %d",
        total, KIDS * WRITES * LEN);
  for (int k = 0; k < KIDS; k++)
    CHECK(name, counts[k] == WRITES * LEN, "writer %d: %d bytes", k, counts[k]);
  remove_files();
}

#define NCONC 4

static void remove_conc_files(void)
{
  char path[16];
  for (int k = 0; k < NCONC; k++)
    unlink(numbered(path, "ut_conc", k));
}

/* Several processes each writing their own file at the same time. */
void test_concwrite(char *name)
{
  enum { SIZE = 16 * 1024, CHUNK = 2048 };
  char path[16];

  on_failure(remove_conc_files);
  for (int k = 0; k < NCONC; k++) {
    if (fork_or_fail(name) == 0) {
      int fd = open(numbered(path, "ut_conc", k), O_CREATE | O_TRUNC | O_WRONLY);
      if (fd < 0)
        exit(1);
      for (int off = 0; off < SIZE; off += CHUNK) {
        fill_pattern(scratch, CHUNK, k, off);
        if (write(fd, scratch, CHUNK) != CHUNK)
          exit(1);
      }
      close(fd);
      exit(0);
    }
  }
  for (int k = 0; k < NCONC; k++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a writer failed");
  }
  for (int k = 0; k < NCONC; k++) {
    int fd = open(numbered(path, "ut_conc", k), O_RDONLY);
    CHECK(name, fd >= 0, "cannot open %s", path);
    int off = 0, n;
    while ((n = read(fd, scratch2, CHUNK)) > 0) {
      for (int i = 0; i < n; i++)
        CHECK(name, scratch2[i] == pattern_byte(k, off + i), "%s: byte %d is wrong", path,
              off + i);
      off += n;
    }
    close(fd);
    CHECK(name, off == SIZE, "%s has %d bytes, expected %d", path, off, SIZE);
  }
  remove_conc_files();
}
