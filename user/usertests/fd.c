/*
 * File descriptors: running out of them per process (NOFILE) and system-wide
 * (NFILE), bad descriptor numbers, and sharing of offsets through dup and
 * fork.
 */
#include "user/usertests/usertests.h"

#define FDFILE "ut_fd_file"

static void remove_fd_file(void)
{
  unlink(FDFILE);
}

/* The whole contents of FDFILE must be `expected`. */
static void expect_fd_file(char *name, char *expected)
{
  int n = read_file(name, FDFILE, scratch2, SCRATCH - 1);
  scratch2[n] = 0;
  CHECK(name, strcmp(scratch2, expected) == 0, "%s holds \"%s\", expected \"%s\"",
        FDFILE, scratch2, expected);
}

void test_fdexhaust(char *name)
{
  int fds[NOFILE + 1], n;
  int already = count_open_fds();
  int before = freepages();

  on_failure(remove_fd_file);
  write_file(name, FDFILE, "data", 4);
  for (n = 0; n <= NOFILE; n++) {
    int fd = open(FDFILE, O_RDONLY);
    if (fd < 0)
      break;
    CHECK(name, fd < NOFILE, "open returned descriptor %d", fd);
    fds[n] = fd;
  }
  CHECK(name, n == NOFILE - already, "opened %d files with %d already open (NOFILE %d)",
        n, already, NOFILE);
  CHECK(name, dup(0) == -1, "dup succeeded with no free descriptor");
  int p[2];
  CHECK(name, pipe(p) == -1, "pipe succeeded with no free descriptor");

  for (int i = 0; i < n; i++)
    CHECK(name, close(fds[i]) == 0, "close(%d) failed", fds[i]);
  int fd = open(FDFILE, O_RDONLY);
  CHECK(name, fd == fds[0], "after closing all, open returned %d, not %d", fd, fds[0]);
  char buf[4];
  CHECK(name, read(fd, buf, 4) == 4 && memcmp(buf, "data", 4) == 0, "read after reopen failed");
  close(fd);
  expect_no_leak(name, before, "a pipe() refused for lack of descriptors");
  remove_fd_file();
}

/* Many processes together hold more descriptors than the system has files. */
void test_nfile(char *name)
{
  enum { KIDS = 10 };
  int report[2], release[2];
  int room = NOFILE - 5;  /* each child keeps 0, 1, 2 and two pipe ends */

  on_failure(remove_fd_file);
  write_file(name, FDFILE, "x", 1);
  make_pipe(name, report);
  make_pipe(name, release);
  for (int k = 0; k < KIDS; k++) {
    if (fork_or_fail(name) == 0) {
      close(report[0]);
      close(release[1]);
      char opened = 0;
      while (opened < room && open(FDFILE, O_RDONLY) >= 0)
        opened++;
      write(report[1], &opened, 1);
      read(release[0], &opened, 1);  /* hold everything until released */
      exit(0);
    }
  }
  close(report[1]);
  close(release[0]);
  int total = 0, fewest = room;
  for (int k = 0; k < KIDS; k++) {
    char opened;
    CHECK(name, read(report[0], &opened, 1) == 1, "a child did not report");
    total += opened;
    if (opened < fewest)
      fewest = opened;
  }
  close(release[1]);
  close(report[0]);
  for (int k = 0; k < KIDS; k++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a child failed");
  }
  CHECK(name, fewest < room, "%d files open at once, the system limit was never hit", total);
  CHECK(name, total >= NFILE / 2, "open failed after only %d files system-wide", total);
  CHECK(name, total <= NFILE, "%d files open at once, more than NFILE", total);

  int fd = open(FDFILE, O_RDONLY);
  CHECK(name, fd >= 0, "open failed after the file table emptied again");
  close(fd);
  remove_fd_file();
}

void test_badfd(char *name)
{
  int bad[] = {-1, NOFILE, NOFILE + 1, 1000, 0x7fffffff, -0x7fffffff - 1, 0};
  int n = sizeof(bad) / sizeof(bad[0]);
  struct stat st;
  char c;

  /* The last entry becomes a descriptor that was open a moment ago. */
  bad[n - 1] = open("/", O_RDONLY);
  CHECK(name, bad[n - 1] >= 0, "cannot open /");
  close(bad[n - 1]);
  for (int i = 0; i < n; i++) {
    int fd = bad[i];
    CHECK(name, read(fd, &c, 1) == -1, "read(%d) did not fail", fd);
    CHECK(name, write(fd, "x", 1) == -1, "write(%d) did not fail", fd);
    CHECK(name, fstat(fd, &st) == -1, "fstat(%d) did not fail", fd);
    CHECK(name, dup(fd) == -1, "dup(%d) did not fail", fd);
    CHECK(name, close(fd) == -1, "close(%d) did not fail", fd);
  }
}

void test_dupoffset(char *name)
{
  on_failure(remove_fd_file);
  int fd = open(FDFILE, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(name, fd >= 0, "cannot create %s", FDFILE);
  CHECK(name, write(fd, "ab", 2) == 2, "write failed");
  int copy = dup(fd);
  CHECK(name, copy >= 0 && copy != fd, "dup returned %d", copy);
  CHECK(name, write(copy, "cd", 2) == 2, "write through the dup failed");
  close(fd);
  CHECK(name, write(copy, "ef", 2) == 2, "write after closing the original failed");
  close(copy);
  expect_fd_file(name, "abcdef");
  remove_fd_file();
}

/* A descriptor inherited across fork shares its offset with the parent. */
void test_forkoffset(char *name)
{
  on_failure(remove_fd_file);
  int fd = open(FDFILE, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(name, fd >= 0, "cannot create %s", FDFILE);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    write(fd, "child ", 6);
    exit(0);
  }
  wait_for(name, pid);
  CHECK(name, write(fd, "parent", 6) == 6, "write failed");
  close(fd);
  expect_fd_file(name, "child parent");
  remove_fd_file();
}

void test_fdmodes(char *name)
{
  char buf[8];

  on_failure(remove_fd_file);
  write_file(name, FDFILE, "mode", 4);
  int fd = open(FDFILE, O_RDONLY);
  CHECK(name, write(fd, "x", 1) == -1, "write to an O_RDONLY descriptor worked");
  CHECK(name, read(fd, buf, 4) == 4, "read from an O_RDONLY descriptor failed");
  close(fd);

  fd = open(FDFILE, O_WRONLY);
  CHECK(name, read(fd, buf, 4) == -1, "read from an O_WRONLY descriptor worked");
  CHECK(name, write(fd, "M", 1) == 1, "write to an O_WRONLY descriptor failed");
  close(fd);

  fd = open(FDFILE, O_RDWR);
  CHECK(name, read(fd, buf, 2) == 2 && buf[0] == 'M', "O_RDWR read failed");
  CHECK(name, write(fd, "DE", 2) == 2, "O_RDWR write failed");
  CHECK(name, read(fd, buf, 4) == 0, "read at the end of the file returned data");
  close(fd);
  expect_fd_file(name, "MoDE");

  CHECK(name, open("ut_fd_missing", O_RDONLY) == -1, "open of a missing file worked");
  CHECK(name, open("ut_fd_missing", O_RDWR) == -1, "open of a missing file worked");
  remove_fd_file();
}

/* open, dup and pipe all hand out the lowest free descriptor. */
void test_fdlowest(char *name)
{
  on_failure(remove_fd_file);
  write_file(name, FDFILE, "x", 1);
  int a = open(FDFILE, O_RDONLY);
  int b = open(FDFILE, O_RDONLY);
  int c = open(FDFILE, O_RDONLY);
  CHECK(name, a >= 0 && b == a + 1 && c == b + 1, "descriptors %d %d %d are not consecutive",
        a, b, c);
  close(a);
  close(b);
  int d = dup(c);
  CHECK(name, d == a, "dup returned %d, not the lowest free %d", d, a);
  int p[2];
  make_pipe(name, p);
  CHECK(name, p[0] == b && p[1] == c + 1, "pipe returned %d, %d; expected %d, %d",
        p[0], p[1], b, c + 1);
  close(0);
  int e = open(FDFILE, O_RDONLY);
  CHECK(name, e == 0, "open after close(0) returned %d", e);
  remove_fd_file();
}
